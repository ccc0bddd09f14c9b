"""torch.searchsorted, torch.bucketize and torch.histogram: index and count queries on
sorted boundaries, with torch's dtypes, edge rules and messages; none has a gradient."""
from __future__ import annotations

import builtins
from collections import namedtuple
from fractions import Fraction

import numpy as np

from . import tensor_math as _tm  # its Tensor is bound by tensor.py once the class exists
from .functional_torch_more import result_type
from .kernels.search import search_rows
from .torch_errors import ArgumentError, DtypeError

# ruff: noqa: A001, A002  (input, range are PyTorch's names)

Histogram = namedtuple("histogram", ["hist", "bin_edges"])   # torch.return_types.histogram


def _tensor(op, x, name="input"):
    if not isinstance(x, _tm.Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def _rows(a):
    """(*, n) -> (prod(*), n), also when n or a leading dim is 0."""
    return a.reshape(int(np.prod(a.shape[:-1])), a.shape[-1])


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None,
                 out=None, sorter=None):
    """For each value, the index in sorted_sequence's last dim where it would be inserted to
    keep it sorted (after equal entries with right=True or side='right'). sorted_sequence:
    (n,) or (*, n) with values (*, m); values may be a number (1-D sequence only). int64, or
    int32 with out_int32; no gradient. sorter: indices that sort an unsorted sequence."""
    op = "torch.searchsorted()"
    if out is not None:
        raise TypeError("searchsorted: out= is not supported")
    seq = _tensor("searchsorted", sorted_sequence, "sorted_sequence")
    if side is not None and side not in ("left", "right"):
        raise ArgumentError(f"{op}: side can only be 'left' or 'right' but got {side}")
    if side is not None and right and side == "left":
        raise ArgumentError(f"{op}: side and right can't be set to opposites, got side of "
                            f"left while right was True")
    side = side or ("right" if right else "left")
    if seq.ndim == 0:
        raise ArgumentError(f"{op}: boundaries tensor should have positive dimension, but "
                            f"got 0 dimension")
    scalar = not isinstance(values, _tm.Tensor)
    v = np.asarray(values) if scalar else values.data
    if scalar and seq.ndim != 1:
        raise ArgumentError(f"{op}: input value can be a scalar only when boundaries tensor "
                            f"dimension is 1, but we got boundaries tensor dim({seq.ndim}) "
                            f"and input value's dim(0) numel(1)")
    if seq.ndim > 1 and (v.ndim != seq.ndim or v.shape[:-1] != seq.shape[:-1]):
        raise ArgumentError(f"{op}: boundaries tensor should be 1 dimension or the first N-1 "
                            f"dimensions of boundaries tensor and input value tensor must "
                            f"match, but we got boundaries tensor {list(seq.shape)} and input "
                            f"value tensor {list(v.shape)}")
    s = seq.data
    common = result_type(seq, values)   # torch compares in the promoted dtype
    if common.kind not in "iuf":
        raise DtypeError(f"{op}: \"searchsorted_out_cpu\" not implemented for dtype {common}")
    order = None
    if sorter is not None:
        order = _tensor("searchsorted", sorter, "sorter").data
        if order.shape != s.shape:
            raise ArgumentError(f"{op}: boundary and sorter must have the same size, but got "
                                f"boundary tensor {list(s.shape)}and got sorter tensor "
                                f"{list(order.shape)}")
        if order.dtype != np.int64:
            raise DtypeError(f"{op}: sorter must be a tensor of long dtype, got {order.dtype}")
        if order.size and (order.min() < 0 or order.max() >= s.shape[-1]):
            raise ArgumentError(f"{op}: sorter index out of range")
        order = _rows(order)
    # one binary search per value in its row (every row of a 1-D sequence), torch's steps
    idx = search_rows(_rows(s).astype(common, copy=False),
                      _rows(v.reshape(-1) if v.ndim == 0 else v).astype(common, copy=False),
                      side == "right", np.int32 if out_int32 else np.int64, order)
    return _tm.Tensor._wrap(idx.reshape(v.shape), False)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """For each element of input, the index of the bucket of 1-D boundaries it falls in:
    i with boundaries[i-1] < x <= boundaries[i] (right=False) or boundaries[i-1] <= x <
    boundaries[i] (right=True). Same shape as input (0-d for a number), int64 or int32."""
    b = _tensor("bucketize", boundaries, "boundaries")
    if b.ndim != 1:
        raise ArgumentError(f"bucketize: boundaries tensor must be 1 dimension, but got "
                            f"dim({b.ndim})")
    return searchsorted(b, input, out_int32=out_int32, right=right, out=out)


def _linspace(lo, hi, steps, dtype):
    """torch's CPU linspace in `dtype`, bit for bit: the first half is lo + step * i, the
    second hi - step * (steps - 1 - i) (so both ends are exact), each a fused multiply-add
    (one rounding, done here in exact rational arithmetic)."""
    lo, hi = dtype.type(lo), dtype.type(hi)
    step = (hi - lo) / dtype.type(builtins.max(steps - 1, 1))
    s, a, b = Fraction(builtins.float(step)), Fraction(builtins.float(lo)), Fraction(
        builtins.float(hi))
    return np.array([builtins.float(a + s * i) if i < steps // 2
                     else builtins.float(b - s * (steps - 1 - i))
                     for i in builtins.range(steps)]).astype(dtype)


def histogram(input, bins, *, range=None, weight=None, density=False, out=None):
    """-> (hist, bin_edges): counts (or summed weights) of input's elements in each bin, and
    the bins' edges. bins: a count of equal bins over range (default: input's min to max)
    or a 1-D tensor of increasing edges. The last bin includes its right edge; values outside
    the edges are not counted. density=True divides by the total and the bin widths.
    Floating-point input only; no gradient."""
    op = "torch.histogram()"
    if out is not None:
        raise TypeError("histogram: out= is not supported")
    x = _tensor("histogram", input)
    if x.dtype.kind != "f":
        raise DtypeError(f"{op}: \"histogramdd\" not implemented for dtype {x.dtype}")
    data = x.data.reshape(-1)
    if isinstance(bins, _tm.Tensor):
        if bins.ndim != 1:
            raise ArgumentError(f"{op}: bins tensor should have one dimension, but got "
                                f"{bins.ndim} dimensions in the bins tensor")
        if bins.dtype != x.dtype:
            raise DtypeError(f"{op}: input tensor and bins tensors should have the same "
                             f"dtype, but got input with dtype {x.dtype} and bins with dtype "
                             f"{bins.dtype}")
        edges = np.array(bins.data)
    else:
        if not isinstance(bins, (int, np.integer)) or isinstance(bins, bool):
            raise TypeError(f"{op}: bins must be an int or a tensor, got "
                            f"{type(bins).__name__}")
        if bins <= 0:
            raise ArgumentError(f"{op}: bins must be > 0, but got {bins} for dimension 0")
        if range is not None:
            lo, hi = (builtins.float(r) for r in range)
        elif data.size:
            lo, hi = builtins.float(data.min()), builtins.float(data.max())
        else:
            lo, hi = 0.0, 1.0
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise ArgumentError(f"{op}: dimension 0's range [{lo:g}, {hi:g}] is not finite")
        if lo > hi:
            raise ArgumentError(f"{op}: min should not exceed max, but got min {lo:g} max "
                                f"{hi:g} for dimension 0")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = _linspace(lo, hi, int(bins) + 1, x.dtype)
    w = None
    if weight is not None:
        w = _tensor("histogram", weight, "weight")
        if tuple(w.shape) != tuple(x.shape):
            raise ArgumentError(f"{op}: if weight tensor is provided it should have the same "
                                f"shape as the input tensor, but got input with shape "
                                f"{list(x.shape)} and weight with shape {list(w.shape)}")
        if w.dtype != x.dtype:
            raise DtypeError(f"{op}: if weight tensor is provided, input tensor and weight "
                             f"tensor should have the same dtype, but got input({x.dtype}), "
                             f"and weight({w.dtype})")
        w = w.data.reshape(-1)
    n = edges.size - 1
    hist = np.zeros(builtins.max(n, 0), x.dtype)
    if n > 0:
        inside = (data >= edges[0]) & (data <= edges[-1])
        pos = np.minimum(np.searchsorted(edges, data[inside], "right") - 1, n - 1)
        # bincount (weights summed in float64), not np.add.at's element-by-element adds
        hist = np.bincount(pos, None if w is None else w[inside], minlength=n)
    if density:
        with np.errstate(divide="ignore", invalid="ignore"):
            hist = hist / (hist.sum() * np.diff(edges))
    return Histogram(_tm.Tensor._wrap(hist.astype(x.dtype), False),
                     _tm.Tensor._wrap(edges.astype(x.dtype), False))


__all__ = ["searchsorted", "bucketize", "histogram"]
