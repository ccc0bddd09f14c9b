"""The out-of-place scatters PyTorch has beside its views (a mixin of Tensor, and their
function forms): select_scatter, slice_scatter, diagonal_scatter write src into a copy of
self where select / slicing / diagonal would read; index_reduce(_) reduces source's slices
into self's at an index along a dim.

Each is one recorded op of the others: the three writes are ops.shape.SetItem (self's
gradient is zero where src went, src's is the gradient there), index_reduce is
scatter_reduce with the index spread over source's shape. Arguments are checked first, with
PyTorch's messages (see torch_errors for the error classes).
"""
from __future__ import annotations

import numpy as np

from . import tensor_math as _tm  # its Tensor is bound by tensor.py once the class exists
from .dims import _one_axis
from .ops.shape import SetItem
from .torch_errors import ArgumentError, DtypeError

_INDEX_REDUCTIONS = ("prod", "mean", "amax", "amin")


def _src(op, src):
    if not isinstance(src, _tm.Tensor):
        raise TypeError(f"{op}: src must be a tensor, got {type(src).__name__}")
    return src


def _write(op, x, src, index, slot_shape):
    """x with x[index] = src, after checking that src has the shape of the slot."""
    if tuple(src.shape) != tuple(slot_shape):
        raise ArgumentError(f"{op}: expected src to have a size equal to the slice of self. "
                            f"src size = {list(src.shape)}, slice size = {list(slot_shape)}")
    if src.dtype != x.dtype:
        src = src.to(x.dtype)   # as PyTorch's copy_ into the slot: the result keeps x's dtype
    return SetItem.apply(x, src, index=index)


class ScatterMoreMixin:
    """select_scatter, slice_scatter, diagonal_scatter, index_reduce, index_reduce_."""

    __slots__ = ()

    def select_scatter(self, src, dim, index):
        """A copy of self with self.select(dim, index) replaced by src (of that slice's
        shape)."""
        op = "select_scatter"
        _src(op, src)
        if self._data.ndim == 0:
            raise IndexError(f"{op}: select() cannot be applied to a 0-dim tensor")
        axis = _one_axis(dim, self._data.ndim, op)
        n = self.shape[axis]
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
            raise TypeError(f"{op}: index must be an int, got {type(index).__name__}")
        if not -n <= index < n:
            raise IndexError(f"{op}: select(): index {index} out of range for tensor of size "
                             f"{list(self.shape)} at dimension {dim}")
        slot = tuple(self.shape[:axis]) + tuple(self.shape[axis + 1:])
        return _write(op, self, src, (slice(None),) * axis + (int(index),), slot)

    def slice_scatter(self, src, dim=0, start=None, end=None, step=1):
        """A copy of self with self[..., start:end:step, ...] (along dim) replaced by src."""
        op = "slice_scatter"
        _src(op, src)
        axis = _one_axis(dim, self._data.ndim, op)
        if self._data.ndim == 0:
            raise IndexError(f"{op}: slice() cannot be applied to a 0-dim tensor")
        if step is None:
            step = 1
        if not isinstance(step, (int, np.integer)) or isinstance(step, bool):
            raise TypeError(f"{op}: step must be an int, got {type(step).__name__}")
        if step <= 0:
            raise ArgumentError(f"{op}: slice step must be positive, got {step}")
        index = (slice(None),) * axis + (slice(start, end, step),)
        slot = np.empty(self.shape, np.bool_)[index].shape
        return _write(op, self, src, index, slot)

    def diagonal_scatter(self, src, offset=0, dim1=0, dim2=1):
        """A copy of self with self.diagonal(offset, dim1, dim2) replaced by src, whose last
        dim runs along the diagonal (the layout diagonal() returns)."""
        op = "diagonal_scatter"
        _src(op, src)
        nd = self._data.ndim
        if nd < 2:
            raise ArgumentError(f"{op}: diagonal dimensions requires ndim larger than 1, "
                                f"got a {nd}-D tensor")
        a, b = _one_axis(dim1, nd, op), _one_axis(dim2, nd, op)
        if a == b:
            raise ArgumentError(f"{op}: diagonal dimensions cannot be identical {dim1}, "
                                f"{dim2}")
        na, nb = self.shape[a], self.shape[b]
        length = max(0, min(na, nb - offset) if offset >= 0 else min(na + offset, nb))
        rows = np.arange(length) + max(-offset, 0)
        cols = np.arange(length) + max(offset, 0)
        index = [slice(None)] * nd
        index[a], index[b] = rows, cols
        rest = tuple(n for i, n in enumerate(self.shape) if i not in (a, b))
        slot = rest + (length,)
        if tuple(src.shape) != slot:
            return _write(op, self, src, tuple(index), slot)   # raises with the sizes
        # numpy puts the indexed (diagonal) dim where the two dims were when they are
        # adjacent, else first: move src's last dim there
        where = min(a, b) if abs(a - b) == 1 else 0
        return _write(op, self, src.movedim(-1, where), tuple(index),
                      np.empty(self.shape, np.bool_)[tuple(index)].shape)

    def index_reduce(self, dim, index, source, reduce, *, include_self=True):
        """A copy of self with source's slices reduced into it along dim: for dim 0,
        out[index[i]] = reduce(out[index[i]], source[i]); reduce 'prod', 'mean', 'amax' or
        'amin'; include_self=False leaves self's values out where a slice arrives.
        index: (k,) int64/int32; source: self's shape with k along dim."""
        op = "index_reduce"
        if reduce not in _INDEX_REDUCTIONS:
            raise ArgumentError(f"{op}(): Expected reduce to be one of prod, mean, amax or "
                                f"amin but got {reduce}.")
        if not isinstance(source, _tm.Tensor) or not isinstance(index, _tm.Tensor):
            raise TypeError(f"{op}: index and source must be tensors, got "
                            f"{type(index).__name__} and {type(source).__name__}")
        if index.dtype not in (np.int64, np.int32):
            raise DtypeError(f"{op}_(): Expected dtype int32/int64 for index but got: "
                             f"{index.dtype}")
        if index.ndim > 1:
            raise IndexError(f"{op}_(): Index is supposed to be a vector, but got dim: "
                             f"{index.ndim} with size: {list(index.shape)}")
        if source.dtype != self.dtype:
            raise DtypeError(f"{op}_(): self ({self.dtype}) and source ({source.dtype}) must "
                             f"have the same scalar type")
        x, src = (self.reshape(1), source.reshape(1)) if self.ndim == 0 else (self, source)
        axis = _one_axis(dim, x.ndim, op)
        idx = index.data.reshape(-1).astype(np.int64)
        if src.ndim != x.ndim or src.shape[axis] != idx.size:
            raise ArgumentError(f"{op}_(): Number of indices ({idx.size}) should be equal to "
                                f"source.size(dim): ({src.shape[axis] if src.ndim else 1}), "
                                f"for dim: {dim}")
        if any(s != n for i, (s, n) in enumerate(zip(src.shape, x.shape)) if i != axis):
            raise ArgumentError(f"{op}_(): source of shape {list(source.shape)} must match "
                                f"self's shape {list(self.shape)} except in dim {dim}")
        n = x.shape[axis]
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise IndexError(f"{op}: index out of range in self (index values in "
                             f"[{idx.min()}, {idx.max()}], dim {dim} of size {n})")
        spread = np.broadcast_to(idx.reshape(
            [-1 if i == axis else 1 for i in range(x.ndim)]), src.shape)
        out = x.scatter_reduce(axis, _tm.Tensor._wrap(np.ascontiguousarray(spread), False), src,
                               reduce, include_self=include_self)
        return out.reshape(()) if self.ndim == 0 else out

    def index_reduce_(self, dim, index, source, reduce, *, include_self=True):
        """In-place index_reduce; returns self."""
        return self._inplace_via(
            "index_reduce_", lambda old: old.index_reduce(dim, index, source, reduce,
                                                          include_self=include_self), source)


def select_scatter(input, src, dim, index):  # noqa: A002  (PyTorch's names)
    return _tm._t(input).select_scatter(src, dim, index)


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):  # noqa: A002
    return _tm._t(input).slice_scatter(src, dim, start, end, step)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):  # noqa: A002
    return _tm._t(input).diagonal_scatter(src, offset, dim1, dim2)


def index_reduce(input, dim, index, source, reduce, *, include_self=True):  # noqa: A002
    return _tm._t(input).index_reduce(dim, index, source, reduce, include_self=include_self)


__all__ = ["select_scatter", "slice_scatter", "diagonal_scatter", "index_reduce"]
