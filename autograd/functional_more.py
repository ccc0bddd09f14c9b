"""Function forms of tensor_extra's Tensor methods (autograd.tile(x, ...) is x.tile(...)),
and the functions torch has without a method: var_mean, std_mean, tensordot, cdist,
broadcast_tensors. Composed from differentiable Tensor ops; the arguments are checked first
(errors name the op, the shapes and the dtypes)."""
from __future__ import annotations

import math
from numbers import Number

import numpy as np

from . import tensor_math as _tm  # its Tensor is bound by tensor.py once the class exists
from .dims import _axes, _one_axis
from .tensor_extra import _about, _broadcast, _fits, _tensor
from .ops.distance import Cdist
from .tensor_linalg import mm

def _method(name):
    def fn(input, *args, **kwargs):  # noqa: A002  (PyTorch's name)
        return getattr(_tm._t(input), name)(*args, **kwargs)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"autograd.{name}(input, ...) is input.{name}(...)."
    return fn


def _tensor_method(name):
    """As _method, for the ops whose input must be a tensor in PyTorch."""
    def fn(input, *args, **kwargs):  # noqa: A002
        if not isinstance(input, _tm.Tensor):
            raise TypeError(f"{name}: input must be a tensor, got {type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"autograd.{name}(input, ...) is input.{name}(...)."
    return fn


tile, take_along_dim, index_fill, index_copy, masked_scatter = map(
    _method, ["tile", "take_along_dim", "index_fill", "index_copy", "masked_scatter"])
cummax, cummin, median, nanmedian, kthvalue = map(
    _method, ["cummax", "cummin", "median", "nanmedian", "kthvalue"])
nansum, nanmean, count_nonzero, trace, fmod = map(
    _method, ["nansum", "nanmean", "count_nonzero", "trace", "fmod"])
addmm, addmv, baddbmm, addbmm, cross, kron, diagonal = map(
    _method, ["addmm", "addmv", "baddbmm", "addbmm", "cross", "kron", "diagonal"])
quantile, nanquantile, mode = map(_tensor_method, ["quantile", "nanquantile", "mode"])


def _moments(op, input, dim, unbiased, keepdim, correction, spread):  # noqa: A002
    x = _tm._t(input)
    if isinstance(dim, bool):   # var_mean(x, False): the unbiased overload
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: pass unbiased or correction, not both")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: needs a floating-point tensor, got {_about(input=x)}")
    c = correction if correction is not None else (0 if unbiased is False else 1)
    return getattr(x, spread)(dim, keepdim=keepdim, correction=c), x.mean(dim, keepdim)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    """-> (var, mean) over dim (all elements when None); correction 1 (Bessel's) unless
    unbiased=False or correction says otherwise."""
    return _moments("var_mean", input, dim, unbiased, keepdim, correction, "var")


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    """-> (std, mean) over dim, as var_mean."""
    return _moments("std_mean", input, dim, unbiased, keepdim, correction, "std")


def tensordot(a, b, dims=2):
    """Contract dims of a with dims of b: an int n pairs a's last n dims with b's first n;
    a pair of dim lists pairs them in order. -> a's free dims then b's."""
    a, b = _tensor("tensordot", "a", a), _tensor("tensordot", "b", b)
    if a.dtype != b.dtype:
        raise TypeError(f"tensordot: both inputs must have one dtype, got {_about(a=a, b=b)}")
    if isinstance(dims, _tm.Tensor):
        dims = dims.item() if dims.ndim == 0 else dims.tolist()
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        if not 0 <= dims <= min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: dims={dims} must lie in [0, {min(a.ndim, b.ndim)}] "
                             f"for {_about(a=a, b=b)}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    elif isinstance(dims, (list, tuple)) and len(dims) == 2 and \
            all(isinstance(d, (list, tuple)) for d in dims):
        if len(dims[0]) != len(dims[1]):
            raise ValueError(f"tensordot: the two dim lists must have the same length, got "
                             f"{dims}")
        _axes(dims[0], a.ndim, "tensordot"), _axes(dims[1], b.ndim, "tensordot")  # no repeats
        da = [_one_axis(d, a.ndim, "tensordot") for d in dims[0]]   # in the given order
        db = [_one_axis(d, b.ndim, "tensordot") for d in dims[1]]
    else:
        raise TypeError(f"tensordot: dims must be an int or a pair of dim lists, got {dims!r}")
    if any(a.shape[i] != b.shape[j] for i, j in zip(da, db)):
        raise ValueError(f"tensordot: contracted dims {da} of a and {db} of b differ in size: "
                         f"{_about(a=a, b=b)}")
    fa = [d for d in range(a.ndim) if d not in da]
    fb = [d for d in range(b.ndim) if d not in db]
    k = math.prod(a.shape[d] for d in da)
    left = a.permute(fa + da).reshape(math.prod(a.shape[d] for d in fa), k)
    right = b.permute(db + fb).reshape(k, math.prod(b.shape[d] for d in fb))
    return mm(left, right).reshape(tuple(a.shape[d] for d in fa) + tuple(b.shape[d] for d in fb))


_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                "donot_use_mm_for_euclid_dist")


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distances between the rows: x1 (..., P, M), x2 (..., R, M) -> (..., P, R),
    batch dims broadcast; zero gradient at zero distance. For p = 2 the compute_mode picks,
    as torch's, between the direct sums over the differences (float64 sums: accurate) and
    the matrix-product form |x1|^2 + |x2|^2 - 2 x1 x2^T (BLAS: fast, but a distance small
    against |x| loses digits): the product form when compute_mode is
    'use_mm_for_euclid_dist', or the default and P > 25 or R > 25."""
    x1, x2 = _tensor("cdist", "x1", x1), _tensor("cdist", "x2", x2)
    if x1.dtype.kind != "f" or x1.dtype != x2.dtype:
        raise TypeError(f"cdist: needs floating-point inputs of one dtype, got "
                        f"{_about(x1=x1, x2=x2)}")
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"cdist: needs at least 2-D inputs with the same number of columns, "
                         f"got {_about(x1=x1, x2=x2)}")
    if not isinstance(p, Number) or isinstance(p, bool) or not p >= 0:
        raise ValueError(f"cdist: p must be a non-negative number, got {p!r}")
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"cdist: compute_mode must be one of {_CDIST_MODES}, got "
                         f"{compute_mode!r}")
    if not _fits(x1.shape[:-2], x2.shape[:-2]):
        raise ValueError(f"cdist: batch dims cannot be broadcast together: "
                         f"{_about(x1=x1, x2=x2)}")
    mm = compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode == _CDIST_MODES[0] and (x1.shape[-2] > 25 or x2.shape[-2] > 25))
    return Cdist.apply(x1, x2, p=float(p), mm=mm)


def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape (differentiable)."""
    for i, t in enumerate(tensors):
        _tensor("broadcast_tensors", f"element {i}", t)
    shape = _broadcast("broadcast_tensors", **{f"tensor {i}": t for i, t in enumerate(tensors)})
    return tuple(t if tuple(t.shape) == shape else t.expand(shape) for t in tensors)


__all__ = ["tile", "take_along_dim", "index_fill", "index_copy", "masked_scatter", "cummax",
           "cummin", "median", "nanmedian", "kthvalue", "nansum", "nanmean", "count_nonzero",
           "trace", "fmod", "addmm", "addmv", "baddbmm", "addbmm", "cross", "kron", "diagonal",
           "var_mean", "std_mean", "tensordot", "cdist", "broadcast_tensors", "quantile",
           "nanquantile", "mode"]
