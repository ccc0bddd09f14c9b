"""Function forms of tensor_arrange's methods (autograd.rot90(x, ...) is x.rot90(...)) and
the functions torch has without a method: hstack, vstack/row_stack, dstack, column_stack,
atleast_1d/2d/3d, block_diag, cartesian_prod, combinations, vander, tril_indices,
triu_indices, unravel_index, empty_like, and the random normal, bernoulli and poisson (drawn
from the engine's generator, or the numpy Generator passed as `generator`).

Composed from differentiable ops (cat, stack, reshape, expand, indexing, products); the
arguments are checked first (errors name the op, the shapes and the dtypes).
"""
from __future__ import annotations

import functools
import itertools
from numbers import Number

import numpy as np

from . import dtypes
from . import tensor_math as _tm  # its Tensor is bound by tensor.py once the class exists
from .creation import zeros, zeros_like
from .device import as_device
from .dtypes import _result_dtype, _supported
from .functional_more import _method
from .generator import pick
from .ops.arrange import Sampled
from .tensor_arrange import _is_int
from .tensor_extra import _about, _tensor
from .tensor_index import _wrap
from .tensor_shape import cat, stack


rot90, tensor_split, hsplit, vsplit, dsplit, aminmax, put = map(
    _method, ["rot90", "tensor_split", "hsplit", "vsplit", "dsplit", "aminmax", "put"])


# ----------------------------------------------------------------- joining
def _tensor_list(op, tensors) -> list:
    if isinstance(tensors, _tm.Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expects a list or tuple of tensors, got "
                        f"{type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{op}: expects a non-empty list of tensors")
    return [_tensor(op, f"element {i}", t) for i, t in enumerate(tensors)]


def _join(op, tensors, dim):
    """cat along dim, with the shape check done here so that its error names op."""
    shapes = [t.shape for t in tensors]
    if len({len(s) for s in shapes}) > 1 or len({s[:dim] + s[dim + 1:] for s in shapes}) > 1:
        raise ValueError(f"{op}: the tensors must match in every dim but {dim}, got "
                         f"{_about(**{f'tensor {i}': t for i, t in enumerate(tensors)})}")
    return cat(tensors, dim)


def hstack(tensors):
    """Join along dim 1 (dim 0 when the tensors are 1-d); 0-d tensors count as (1,)."""
    ts = atleast_1d(_tensor_list("hstack", tensors))
    return _join("hstack", ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors):
    """Join along dim 0 after atleast_2d: 1-d tensors (n,) become rows (1, n)."""
    return _join("vstack", atleast_2d(_tensor_list("vstack", tensors)), 0)


def row_stack(tensors):
    """vstack's other name."""
    return _join("row_stack", atleast_2d(_tensor_list("row_stack", tensors)), 0)


def dstack(tensors):
    """Join along dim 2 after atleast_3d."""
    return _join("dstack", atleast_3d(_tensor_list("dstack", tensors)), 2)


def column_stack(tensors):
    """Join along dim 1, 0-d and 1-d tensors (n,) becoming columns (n, 1)."""
    ts = _tensor_list("column_stack", tensors)
    ts = [t.reshape(t.numel(), 1) if t.ndim <= 1 else t for t in ts]
    return _join("column_stack", ts, 1)


def _atleast(op, tensors, shape_of):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors, single = tuple(tensors[0]), False
    else:
        single = len(tensors) == 1
    out = tuple(t.reshape(shape_of(t.shape)) if len(shape_of(t.shape)) != t.ndim else t
                for t in (_tensor(op, f"element {i}", t) for i, t in enumerate(tensors)))
    return out[0] if single else out


def atleast_1d(*tensors):
    """Each tensor with at least 1 dim: () -> (1,). One tensor in, one out; else a tuple."""
    return _atleast("atleast_1d", tensors, lambda s: s or (1,))


def atleast_2d(*tensors):
    """Each tensor with at least 2 dims: () -> (1, 1), (n,) -> (1, n)."""
    return _atleast("atleast_2d", tensors, lambda s: (1,) * max(0, 2 - len(s)) + s)


def atleast_3d(*tensors):
    """Each tensor with at least 3 dims: () -> (1, 1, 1), (n,) -> (1, n, 1),
    (m, n) -> (m, n, 1)."""
    return _atleast("atleast_3d", tensors, lambda s: {0: (1, 1, 1), 1: (1,) + s + (1,),
                                                      2: s + (1,)}.get(len(s), s))


def block_diag(*tensors):
    """The tensors (each 0-d, 1-d as a row, or 2-d) as the blocks of a block-diagonal matrix:
    (r_i, c_i) -> (sum r_i, sum c_i), dtypes promoted."""
    ts = [_tensor("block_diag", f"input {i}", t) for i, t in enumerate(tensors)]
    for i, t in enumerate(ts):
        if t.ndim > 2:
            raise ValueError(f"block_diag: the inputs must have at most 2 dims, got input {i} "
                             f"of shape {tuple(t.shape)} and dtype {t.dtype}")
    if not ts:
        return zeros(1, 0)
    dtype = functools.reduce(_result_dtype, [t.dtype for t in ts])
    blocks = [t.to(dtype).reshape(1, -1) if t.ndim < 2 else t.to(dtype) for t in ts]
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        r, c = b.shape
        rows.append(cat([zeros(r, left, dtype=dtype), b,
                         zeros(r, width - left - c, dtype=dtype)], 1))
        left += c
    return cat(rows, 0)


def _vectors(op, tensors):
    ts = [_tensor(op, f"input {i}", t) for i, t in enumerate(tensors)]
    for i, t in enumerate(ts):
        if t.ndim != 1:
            raise ValueError(f"{op}: expects 1-d tensors, got input {i} of shape "
                             f"{tuple(t.shape)} and dtype {t.dtype}")
    return ts


def cartesian_prod(*tensors):
    """All tuples (a_i, b_j, ...) of 1-d tensors of one dtype, in row-major order:
    (n_a,), (n_b,), ... -> (n_a * n_b * ..., k); one tensor comes back as it is."""
    ts = _vectors("cartesian_prod", tensors)
    if not ts:
        raise ValueError("cartesian_prod: expects at least one tensor")
    if len({t.dtype for t in ts}) > 1:
        raise TypeError(f"cartesian_prod: the tensors must have one dtype, got "
                        f"{_about(**{f'input {i}': t for i, t in enumerate(ts)})}")
    if len(ts) == 1:
        return ts[0]
    shape = tuple(t.shape[0] for t in ts)
    grids = [t.reshape([-1 if j == i else 1 for j in range(len(ts))]).expand(shape).reshape(-1)
             for i, t in enumerate(ts)]
    return stack(grids, 1)


def combinations(input, r=2, with_replacement=False):  # noqa: A002
    """The length-r combinations of a 1-d tensor's elements, as itertools.combinations
    (or combinations_with_replacement) orders them: (n,) -> (count, r); r = 0 gives (0,)."""
    (x,) = _vectors("combinations", [input])
    if not _is_int(r) or r < 0:
        raise ValueError(f"combinations: r must be a non-negative int, got {r!r}")
    if r == 0:
        return x[np.zeros(0, np.int64)]
    n = x.shape[0]
    if r == 2:   # pairs (i, j), i < j (<= with replacement), in itertools' order, without
        # a Python tuple per pair (17x torch's time for n = 1,200)
        rows, cols = np.triu_indices(n, 0 if with_replacement else 1)
        idx = np.stack([rows, cols], 1).astype(np.int64)
    else:
        pick_r = itertools.combinations_with_replacement if with_replacement else \
            itertools.combinations
        idx = np.array(list(pick_r(range(n), r)), np.int64).reshape(-1, r)
    return x[idx]


def vander(x, N=None, increasing=False):  # noqa: N803  (PyTorch's name)
    """The Vandermonde matrix (n,) -> (n, N): columns x^(N-1), ..., x, 1 (increasing:
    1, x, ..., x^(N-1)); N defaults to n. Integer and bool x give int64."""
    (x,) = _vectors("vander", [x])
    if N is None:
        N = x.shape[0]
    if not _is_int(N) or N < 0:
        raise ValueError(f"vander: N must be a non-negative int, got {N!r}")
    if x.dtype.kind != "f":
        x = x.to(np.int64)
    if N == 0:
        return x.unsqueeze(1)[:, :0]
    columns = [_wrap(np.ones(x.shape, x.dtype))]
    for _ in range(N - 1):   # repeated products, as torch's cumprod (exact at x = 0)
        columns.append(columns[-1] * x)
    out = stack(columns, 1)
    return out if increasing else out.flip(1)


def _triangle(op, select, row, col, offset, dtype):
    if not (_is_int(row) and _is_int(col) and _is_int(offset)):
        raise TypeError(f"{op}: row, col and offset must be ints, got {row!r}, {col!r}, "
                        f"{offset!r}")
    if row < 0 or col < 0:
        raise ValueError(f"{op}: row and col must be non-negative, got row={row}, col={col}")
    dtype = np.dtype(np.int64 if dtype is None else dtype)
    if dtype not in (np.int64, np.int32):
        raise TypeError(f"{op}: dtype must be int64 or int32, got {dtype}")
    return _wrap(np.stack(select(row, offset, col)).astype(dtype).reshape(2, -1))


def tril_indices(row, col, offset=0, *, dtype=None, device=None):
    """The (2, count) row and column indices of a (row, col) matrix's lower triangle
    (below diagonal offset), in row-major order."""
    if device is not None:
        as_device(device, "tril_indices")
    return _triangle("tril_indices", np.tril_indices, row, col, offset, dtype)


def triu_indices(row, col, offset=0, *, dtype=None, device=None):
    """The (2, count) indices of the upper triangle (above diagonal offset), row-major."""
    if device is not None:
        as_device(device, "triu_indices")
    return _triangle("triu_indices", np.triu_indices, row, col, offset, dtype)


def unravel_index(indices, shape):
    """Flat int indices -> a tuple of coordinate tensors (int64, each shaped like indices)
    into a row-major `shape`. As in PyTorch, indices outside [0, prod(shape)) wrap around
    (every coordinate is taken modulo its dim) rather than raise."""
    op = "unravel_index"
    idx = _tensor(op, "indices", indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must have an integer dtype, got {_about(indices=idx)}")
    shape = (shape,) if _is_int(shape) else shape
    if not isinstance(shape, (tuple, list)) or not all(_is_int(n) for n in shape):
        raise TypeError(f"{op}: shape must be an int or a sequence of ints, got {shape!r}")
    if any(n <= 0 for n in shape):
        raise ValueError(f"{op}: shape must have positive sizes, got {tuple(shape)}")
    flat = idx.data.astype(np.int64)
    coefs = np.cumprod([1] + list(shape[:0:-1]))[::-1]
    return tuple(_wrap(np.asarray(flat // c % n, np.int64)) for c, n in zip(coefs, shape))


def empty_like(input, *, dtype=None, device=None, requires_grad=False,  # noqa: A002
               memory_format=None):
    """A tensor shaped like input, in its dtype unless dtype is given (zeros here)."""
    if device is not None:
        as_device(device, "empty_like")
    return zeros_like(_tensor("empty_like", "input", input), dtype=dtype,
                      requires_grad=requires_grad)


# ----------------------------------------------------------------- random
def _float_param(op, name, t):
    if t.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be a floating-point tensor, got {_about(**{name: t})}")
    return t


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False):
    """N(mean, std^2) draws. mean and std tensors broadcast together (the result in mean's
    dtype); a tensor and a number give the tensor's shape and dtype; two numbers need `size`
    (float32 unless dtype). Recorded with a zero gradient for tensor parameters, as in
    PyTorch."""
    op = "normal"
    tensors = [t for t in (mean, std) if isinstance(t, _tm.Tensor)]
    for name, v in (("mean", mean), ("std", std)):
        if not isinstance(v, (_tm.Tensor, Number)) or isinstance(v, bool):
            raise TypeError(f"{op}: {name} must be a number or a tensor, got "
                            f"{type(v).__name__}")
    if not tensors:
        if size is None:
            raise TypeError(f"{op}: with a number mean and std, size is required")
        if not std >= 0:
            raise ValueError(f"{op}: expects std >= 0, got std={std}")
        shape = size if isinstance(size, (tuple, list)) else (size,)
        if not all(_is_int(n) and n >= 0 for n in shape):
            raise ValueError(f"{op}: size must be non-negative ints, got {size!r}")
        dtype = np.dtype(dtype or dtypes._default_dtype)
        if dtype.kind != "f":
            raise TypeError(f"{op}: dtype must be a floating-point dtype, got {dtype}")
        out = _wrap(_supported(pick(generator).normal(mean, std, tuple(shape)).astype(dtype),
                               op))
        return out.requires_grad_() if requires_grad else out
    if size is not None or dtype is not None or requires_grad:
        raise TypeError(f"{op}: size, dtype and requires_grad are taken only with a number "
                        f"mean and std")
    m = _float_param(op, "mean", mean).data if isinstance(mean, _tm.Tensor) else mean
    s = _float_param(op, "std", std).data if isinstance(std, _tm.Tensor) else std
    if not np.all(np.asarray(s) >= 0):
        raise ValueError(f"{op}: expects every std >= 0, got a minimum of {np.min(s)}")
    try:
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
    except ValueError:
        raise ValueError(f"{op}: mean and std cannot be broadcast together: "
                         f"{_about(mean=mean, std=std)}") from None
    dtype = tensors[0].dtype   # mean's, when both are tensors
    draws = m + s * pick(generator).standard_normal(shape)
    return Sampled.apply(*tensors, value=np.asarray(draws, dtype))


bernoulli = _method("bernoulli")
bernoulli.__doc__ = "autograd.bernoulli(input, p=None, *, generator=None): 0/1 draws."


def poisson(input, generator=None):  # noqa: A002
    """Poisson draws with the rates in input (>= 0), in input's floating-point dtype; recorded
    with a zero gradient, as in PyTorch."""
    rates = _float_param("poisson", "input", _tensor("poisson", "input", input))
    if not np.all(rates.data >= 0):   # NaN fails too
        raise ValueError(f"poisson: expects non-negative rates, got {_about(input=rates)} "
                         f"with a minimum of {np.min(rates.data)}")
    try:
        draws = pick(generator).poisson(rates.data.astype(np.float64))
    except ValueError as e:
        raise ValueError(f"poisson: cannot draw with these rates ({_about(input=rates)}): "
                         f"{e}") from None
    return Sampled.apply(rates, value=draws.astype(rates.dtype))


__all__ = ["rot90", "tensor_split", "hsplit", "vsplit", "dsplit", "aminmax", "put", "hstack",
           "vstack", "row_stack", "dstack", "column_stack", "atleast_1d", "atleast_2d",
           "atleast_3d", "block_diag", "cartesian_prod", "combinations", "vander",
           "tril_indices", "triu_indices", "unravel_index", "empty_like", "normal",
           "bernoulli", "poisson"]
