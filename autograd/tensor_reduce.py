"""Tensor's reduction methods (a mixin of Tensor): sum, mean, var/std, max/min and their
arg forms, logsumexp, prod, nansum, norm, all/any, cumsum/cumprod, mode, quantile and
nanquantile."""
from __future__ import annotations

from collections import namedtuple
from numbers import Number

import numpy as np

from . import function
from . import tensor_math as _tm  # Tensor is bound there once tensor.py has defined it
from .dims import NO_DIM, _axes, _numpy_names, _one_axis
from .dtypes import _FLOATS, bool_, int64
from .ops import elementwise_more as E
from .ops import reduce as R
from .ops import variance as V
from .ops.layout import c_order
from .torch_errors import DtypeError

MaxMin = namedtuple("MaxMin", ["values", "indices"])
Mode = namedtuple("Mode", ["values", "indices"])
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _reduced(dim, ndim, op):
    """The axes a reduction runs over: an empty dim list means all of them, as in PyTorch."""
    return _axes(None if isinstance(dim, (tuple, list)) and not dim else dim, ndim, op)


def _result(arr: np.ndarray):
    """A Tensor holding arr, outside the graph (indices and bools carry no gradient)."""
    return _tm.Tensor._wrap(arr, False)


def _in_dtype(out, dtype):
    """out as the dtype= asked of a sum-like op: numpy widens int32, int16, int8, uint8 and
    bool accumulations to int64, PyTorch returns the dtype asked for."""
    return out if dtype is None or out.dtype == dtype else out.to(np.dtype(dtype))


def _correction(op, dim, unbiased, keepdim, correction):
    """(dim, correction) of var/std: a bool in dim's place is PyTorch's var(unbiased)
    overload, a full reduction (not dim 0 or 1)."""
    if isinstance(dim, (bool, np.bool_)):
        if unbiased is not None or keepdim or correction is not None:
            raise TypeError(f"{op}: {op}(unbiased) takes no other argument; pass dim as an "
                            f"int or a tuple (got dim={dim!r})")
        dim, unbiased = None, bool(dim)
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: pass unbiased or correction, not both")
    return dim, (0 if unbiased is False else 1) if correction is None else correction


def _nonempty_dim(x, axis, dim, op):
    """Refuse a reduction over a zero-size dim that has no identity (max, argmax, mode);
    the other dims may be empty (the result is then empty too), as in PyTorch."""
    if x._data.shape[axis] == 0:
        raise IndexError(f"{op}: expected reduction dim {axis} to have non-zero size (a "
                         f"tensor of shape {tuple(x.shape)}, dim={dim})")


class ReduceMixin:
    """Reductions of Tensor; every one takes dim (None, an int or a tuple) and keepdim."""

    __slots__ = ()

    # dtype is not keyword-only (torch's is) in sum and mean: a keyword-only default costs
    # every x.sum() call 10 ns
    def sum(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
        """Sum over dim (all elements when None); integers and bools give int64, dtype= casts
        the input first and is the result's dtype."""
        if axis is not None or keepdims is not None:
            dim, keepdim = _numpy_names("sum", dim, keepdim, axis, keepdims)
        if dtype is not None:
            x = self._accumulating(dtype, "sum")
            return _in_dtype(R.Sum.apply(x, axis=_reduced(dim, x._data.ndim, "sum"),
                                         keepdims=keepdim), dtype)
        x = self.to(int64) if self._data.dtype.kind == "u" else self   # as PyTorch: int64
        return R.Sum.apply(x, axis=_reduced(dim, self._data.ndim, "sum"), keepdims=keepdim)

    def mean(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
        """Mean over dim of a floating tensor, or of any tensor cast to a float dtype=."""
        if axis is not None or keepdims is not None:
            dim, keepdim = _numpy_names("mean", dim, keepdim, axis, keepdims)
        if dtype is not None:
            if np.dtype(dtype).kind != "f":
                raise TypeError(f"mean: dtype must be a floating-point dtype, got "
                                f"{np.dtype(dtype)}")
            return self.to(np.dtype(dtype)).mean(dim, keepdim)
        if self._data.dtype.kind != "f":
            raise DtypeError(f"mean: needs a floating-point tensor, got dtype "
                             f"{self._data.dtype}")
        return R.Mean.apply(self, axis=_reduced(dim, self._data.ndim, "mean"), keepdims=keepdim)

    def var(self, dim=None, unbiased=None, keepdim=False, correction=None, *, axis=None,
            keepdims=None):
        """Variance over dim with `correction` (1, Bessel's, unless unbiased=False);
        var(False) and var(True) reduce everything, as in PyTorch."""
        if axis is not None or keepdims is not None:
            dim, keepdim = _numpy_names("var", dim, keepdim, axis, keepdims)
        dim, c = _correction("var", dim, unbiased, keepdim, correction)
        return V.Var.apply(self._floating(), axis=_reduced(dim, self._data.ndim, "var"),
                           correction=c, keepdims=keepdim)

    def std(self, dim=None, unbiased=None, keepdim=False, correction=None, *, axis=None,
            keepdims=None):
        """sqrt(var(...)), with var's arguments."""
        if axis is not None or keepdims is not None:
            dim, keepdim = _numpy_names("std", dim, keepdim, axis, keepdims)
        dim, c = _correction("std", dim, unbiased, keepdim, correction)
        return V.Std.apply(self._floating(), axis=_reduced(dim, self._data.ndim, "std"),
                           correction=c, keepdims=keepdim)

    def _extreme(self, dim, keepdim, mode):
        if dim is None:
            if self._data.size == 0:
                raise RuntimeError(f"{mode}: cannot reduce an empty tensor of shape "
                                   f"{tuple(self.shape)}; pass a dim")
            # as PyTorch: the gradient is shared among the maxima, or among the NaNs (the
            # result) when there are any
            value = (np.max if mode == "max" else np.min)(self._data)
            return R.SharedValue.apply(self, value=value)
        axis = _one_axis(dim, self._data.ndim, mode)
        if self._data.ndim == 0:
            return MaxMin(self.clone(), _result(np.zeros((), np.int64)))
        _nonempty_dim(self, axis, dim, mode)
        arg = np.argmax if mode == "max" else np.argmin
        idx = np.expand_dims(arg(self._data, axis=axis), axis)
        values = R.Gather.apply(self, index=idx, axis=axis, squeeze=not keepdim)
        if not keepdim:
            idx = np.squeeze(idx, axis)
        return MaxMin(values, _result(idx))

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Max of all elements; with dim, (values, indices) along dim; with a Tensor in
        place of dim, the elementwise maximum (torch.max(a, b))."""
        if axis is not None or keepdims is not None:
            dim, keepdim = _numpy_names("max", dim, keepdim, axis, keepdims)
        if isinstance(dim, _tm.Tensor):
            return self.maximum(dim)
        return self._extreme(dim, keepdim, "max")

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Min of all elements; with dim, (values, indices); with a Tensor, the elementwise
        minimum."""
        if axis is not None or keepdims is not None:
            dim, keepdim = _numpy_names("min", dim, keepdim, axis, keepdims)
        if isinstance(dim, _tm.Tensor):
            return self.minimum(dim)
        return self._extreme(dim, keepdim, "min")

    def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = _numpy_names("amax", dim, keepdim, axis, keepdims)
        return R.AMax.apply(self, axis=self._nonempty_axes(dim, "amax"), keepdims=keepdim,
                            mode="max")

    def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = _numpy_names("amin", dim, keepdim, axis, keepdims)
        return R.AMax.apply(self, axis=self._nonempty_axes(dim, "amin"), keepdims=keepdim,
                            mode="min")

    def _nonempty_axes(self, dim, op):
        """The reduction axes of a max-like op, none of which may be empty (no identity)."""
        axes = _reduced(dim, self._data.ndim, op)
        shape = self._data.shape
        if any(shape[a] == 0 for a in (range(len(shape)) if axes is None else axes)):
            raise RuntimeError(f"{op}: cannot reduce over an empty dim of a tensor of shape "
                               f"{shape} (dim={dim}); the reduction has no identity")
        return axes

    def logsumexp(self, dim=NO_DIM, keepdim=False, *, axis=None, keepdims=None):
        """log(sum(exp(x))) over dim, which is required (None: every dim)."""
        if dim is NO_DIM or axis is not None or keepdims is not None:
            dim, keepdim = _numpy_names("logsumexp", dim, keepdim, axis, keepdims)
        axis = _reduced(dim, self._data.ndim, "logsumexp")
        return R.LogSumExp.apply(self._floating(), axis=axis, keepdims=keepdim)

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = _numpy_names("argmax", dim, keepdim, axis, keepdims)
        return self._arg(np.argmax, dim, keepdim)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = _numpy_names("argmin", dim, keepdim, axis, keepdims)
        return self._arg(np.argmin, dim, keepdim)

    def _arg(self, fn, dim, keepdim):
        if dim is None:
            if self._data.size == 0:
                raise RuntimeError(f"{fn.__name__}: cannot reduce an empty tensor of shape "
                                   f"{tuple(self.shape)}; pass a dim")
            return _result(np.asarray(fn(self._data), np.int64))
        axis = _one_axis(dim, self._data.ndim, fn.__name__)
        if self._data.ndim == 0:
            return _result(np.zeros((), np.int64))
        _nonempty_dim(self, axis, dim, fn.__name__)
        return _result(np.asarray(fn(self._data, axis=axis, keepdims=keepdim), np.int64))

    def prod(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        """Product of all elements, or along one dim; integers and bools give int64."""
        if axis is not None or keepdims is not None:
            dim, keepdim = _numpy_names("prod", dim, keepdim, axis, keepdims)
        x = self._accumulating(dtype, "prod")
        if dim is None:
            return _in_dtype(R.Prod.apply(x, axis=None, keepdims=False), dtype)
        if not isinstance(dim, (int, np.integer)):
            raise TypeError(f"prod: dim must be an int, got {dim!r}")
        return _in_dtype(R.Prod.apply(x, axis=_one_axis(dim, self._data.ndim, "prod"),
                                      keepdims=keepdim), dtype)

    def nansum(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
        """sum treating NaN as 0 (zero gradient there); integers and bools give int64."""
        if axis is not None or keepdims is not None:
            dim, keepdim = _numpy_names("nansum", dim, keepdim, axis, keepdims)
        x = self._accumulating(dtype, "nansum")
        if x.dtype.kind == "f":
            x = _tm.where(np.isnan(x.data), _result(np.zeros((), x.dtype)), x)
        return _in_dtype(x.sum(dim, keepdim), dtype)

    def cumsum(self, dim=NO_DIM, *, dtype=None, axis=None):
        """Running sum along dim (same shape); integers and bools give int64."""
        if dim is NO_DIM or axis is not None:
            dim, _ = _numpy_names("cumsum", dim, False, axis, None)
        if not isinstance(dim, (int, np.integer)):
            raise TypeError(f"cumsum: dim must be an int, got {dim!r}")
        return _in_dtype(R.CumSum.apply(self._accumulating(dtype, "cumsum"),
                                        axis=_one_axis(dim, self._data.ndim, "cumsum")), dtype)

    def cumprod(self, dim=NO_DIM, *, dtype=None, axis=None):
        """Running product along dim (same shape); integers and bools give int64; the
        gradient is exact where x holds zeros."""
        if dim is NO_DIM or axis is not None:
            dim, _ = _numpy_names("cumprod", dim, False, axis, None)
        if not isinstance(dim, (int, np.integer)):
            raise TypeError(f"cumprod: dim must be an int, got {dim!r}")
        x, axis = self._accumulating(dtype, "cumprod"), _one_axis(dim, self._data.ndim,
                                                                  "cumprod")
        out = x.clone() if x._data.ndim == 0 else E.CumProd.apply(x, axis=axis)
        return _in_dtype(out, dtype)

    def _accumulating(self, dtype, op="sum"):
        """self cast to `dtype`, or (as PyTorch's sum-like ops) integers and bools to int64.
        A dtype without gradients is refused for a tensor that requires grad, as in PyTorch
        (the result would silently leave the graph)."""
        if dtype is not None:
            dtype = np.dtype(dtype)
            if dtype.kind != "f" and self._requires_grad and function.is_grad_enabled():
                raise RuntimeError(f"{op}: dtype={dtype} has no gradient, and the input (dtype "
                                   f"{self.dtype}, shape {tuple(self.shape)}) requires grad; "
                                   f"detach it or cast after the {op}")
            return self.to(dtype)
        return self if self._data.dtype.kind == "f" else self.to(int64)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        """Vector p-norm over dim (all elements when None): p a number (inf, -inf and 0
        included) or 'fro' (the 2-norm of the elements, over any dims); 'nuc' is the nuclear
        norm of the matrices in dims (the last two by default)."""
        if p == "fro" or p is None:
            if isinstance(dim, (tuple, list)) and len(dim) > 2:
                raise RuntimeError(f"norm: p='fro' takes at most 2 dims, got dim={dim!r} for "
                                   f"a tensor of shape {tuple(self.shape)}")
            p = 2.0
        elif p == "nuc":   # the sum of singular values of the (dim) planes: linalg's
            from .linalg import matrix_norm
            return matrix_norm(self, "nuc", dim=(-2, -1) if dim is None else dim,
                               keepdim=keepdim, dtype=dtype)
        elif isinstance(p, str) or not isinstance(p, Number) or isinstance(p, bool):
            raise ValueError(f"norm: p must be a number, 'fro' or 'nuc', got {p!r}")
        x = self if dtype is None else self.to(dtype)
        if x._data.dtype not in _FLOATS:
            raise DtypeError(f"norm: needs a floating-point tensor, got dtype {x._data.dtype} "
                             f"(shape {tuple(self.shape)})")
        p = float(p)
        # max / min of |x| have no identity: an empty reduction is an error, as in PyTorch
        axes = x._nonempty_axes(dim, "norm") if p < 0 or p == np.inf else \
            _reduced(dim, x._data.ndim, "norm")
        return R.Norm.apply(x, p=p, axis=axes, keepdims=keepdim)

    def all(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """True where every element (along dim) is nonzero; a bool tensor (uint8, 0 or 1, for
        a uint8 one, as torch)."""
        if axis is not None or keepdims is not None:
            dim, keepdim = _numpy_names("all", dim, keepdim, axis, keepdims)
        return self._logical(np.all, dim, keepdim)

    def any(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """True where some element (along dim) is nonzero; a bool tensor (uint8, 0 or 1, for
        a uint8 one, as torch)."""
        if axis is not None or keepdims is not None:
            dim, keepdim = _numpy_names("any", dim, keepdim, axis, keepdims)
        return self._logical(np.any, dim, keepdim)

    def _logical(self, fn, dim, keepdim):
        axes = _axes(dim, self._data.ndim, fn.__name__)
        out = fn(self._data, axis=axes, keepdims=keepdim and axes is not None)
        dtype = self._data.dtype if self._data.dtype == np.uint8 else bool_
        return _result(c_order(np.asarray(out, dtype)))

    # ----------------------------------------------------------------- order statistics
    def mode(self, dim=-1, keepdim=False):
        """x (..., n, ...) -> (values, indices int64), dim removed (kept as 1 with keepdim):
        the most frequent value along dim, the smallest of those tied for most frequent,
        and the last position where it occurs; gradients flow to that position. As
        PyTorch's for slices of up to 16 elements (for longer ones torch's unstable sort
        picks some position of the value); each NaN counts as a value of its own, sorted
        last (in torch, where the NaNs are decides)."""
        axis = _one_axis(dim, self._data.ndim, "mode")
        if self._data.ndim == 0:
            return Mode(self.clone(), _result(np.zeros((), np.int64)))
        _nonempty_dim(self, axis, dim, "mode")
        idx = np.expand_dims(_mode_index(np.moveaxis(self._data, axis, -1)), axis)
        values = self.gather(axis, _result(idx))
        if not keepdim:
            values, idx = values.squeeze(axis), np.squeeze(idx, axis)
        return Mode(values, _result(idx))

    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        """The q-th quantiles along dim (of all elements when None), between the sorted
        values as `interpolation` says; a slice holding NaN gives NaN. q: a number or a 0-d
        or 1-D tensor (Q,) in [0, 1] of x's dtype. x (..., n, ...) -> (Q, ...) with dim
        removed (kept as 1 with keepdim); no Q dim for a number or a 0-d q. Composed from
        gather at the sorted positions and lerp, so gradients flow as PyTorch's (to q too)."""
        return _quantile(self, q, dim, keepdim, interpolation, "quantile")

    def nanquantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        """quantile over the elements that are not NaN (NaN where all are)."""
        return _quantile(self, q, dim, keepdim, interpolation, "nanquantile")


def _mode_index(x: np.ndarray) -> np.ndarray:
    """For x (..., n): the index along the last axis of each slice's mode (see mode)."""
    order = np.argsort(x, axis=-1, kind="stable")   # NaNs last, ties in index order
    s = np.take_along_axis(x, order, -1)
    n = s.shape[-1]
    pos = np.arange(n)
    # runs of equal values (NaN != NaN: each NaN is a run of one); a run's length is read
    # at its last element, the first longest run is the smallest value among the modes
    ends = np.ones(s.shape, bool)
    ends[..., :-1] = s[..., 1:] != s[..., :-1]
    starts = np.zeros(s.shape, np.int64)
    starts[..., 1:] = np.where(ends[..., :-1], pos[1:], 0)
    starts = np.maximum.accumulate(starts, axis=-1)
    length = np.where(ends, pos - starts + 1, 0)
    best = np.argmax(length, axis=-1)[..., None]
    return np.take_along_axis(order, best, -1)[..., 0]


def _quantile(x, q, dim, keepdim, interpolation, op):
    """quantile / nanquantile, as PyTorch's quantile_compute: ranks into the sorted slices,
    the values at the ranks below and above, and a lerp between them."""
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be a float or double tensor, got dtype {x.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{op}: interpolation must be one of {', '.join(_INTERPOLATIONS)}, "
                         f"got {interpolation!r}")
    if isinstance(q, _tm.Tensor):
        if q.dtype != x.dtype:
            raise TypeError(f"{op}: q must have the input's dtype {x.dtype}, got {q.dtype}")
        if q.ndim > 1:
            raise ValueError(f"{op}: q must be a number or a 0-d or 1-D tensor, got shape "
                             f"{tuple(q.shape)}")
        qt = q.reshape(-1)
    elif isinstance(q, Number) and not isinstance(q, bool):
        qt = _result(np.asarray([q], x.dtype))
    else:
        raise TypeError(f"{op}: q must be a number or a tensor, got {type(q).__name__}")
    bad = qt.data[~((qt.data >= 0) & (qt.data <= 1))]
    if bad.size:
        raise ValueError(f"{op}: q must be in the range [0, 1], got {bad[0]}")
    if x.numel() == 0:
        raise ValueError(f"{op}: the input must be non-empty, got shape {tuple(x.shape)}")
    if dim is None:
        xs, out_shape = x.reshape(-1), (1,) * x.ndim
    else:
        axis = _one_axis(dim, x.ndim, op)
        xs = x.reshape(1) if x.ndim == 0 else x.movedim(axis, -1)
        out_shape = tuple(1 if i == axis else n for i, n in enumerate(x.shape))
    if not keepdim:
        out_shape = () if dim is None else tuple(
            n for i, n in enumerate(x.shape) if i != axis)
    data = xs.data
    n = data.shape[-1]
    order = np.argsort(data, axis=-1, kind="stable")   # NaNs last
    nan = np.isnan(data)
    if op == "quantile":   # ranks (..., len(q)); a slice holding NaN: n - 1, its NaN
        ranks = qt * _result(np.full(data.shape[:-1] + (1,), n - 1, x.dtype))
        ranks = ranks.masked_fill(nan.any(-1, keepdims=True), n - 1)
    else:                  # ranks among the non-NaN elements; all NaN: rank 0, a NaN
        ranks = qt * _result((n - 1 - nan.sum(-1, keepdims=True)).astype(x.dtype))
        ranks = ranks.masked_fill(ranks.data < 0, 0)
    if interpolation in ("lower", "higher", "nearest"):
        ranks = {"lower": ranks.floor, "higher": ranks.ceil, "nearest": ranks.round}[
            interpolation]()
    below = np.floor(ranks.data).astype(np.int64)
    values = xs.gather(-1, _result(np.take_along_axis(order, below, -1)))
    if interpolation in ("linear", "midpoint"):
        above = np.ceil(ranks.data).astype(np.int64)
        upper = xs.gather(-1, _result(np.take_along_axis(order, above, -1)))
        weights = (ranks - _result(below.astype(x.dtype)) if interpolation == "linear"
                   else _result(np.full(below.shape, 0.5, x.dtype)))
        values = values.lerp(upper, weights)
    values = values.movedim(-1, 0)   # (len(q), ...)
    if not isinstance(q, _tm.Tensor) or q.ndim == 0:
        return values.reshape(out_shape)
    return values.reshape((qt.shape[0],) + out_shape)
