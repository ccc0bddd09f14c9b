"""Tensor's index_put / index_put_ and scatter_reduce / scatter_reduce_ (a mixin of Tensor),
and their function forms (autograd.index_put(x, ...) is x.index_put(...)), as in PyTorch.

The indices and the shapes are checked here, with errors that name the op, so the ops in
`ops/index_reduce.py` and `ops/shape.py` only ever see valid arguments.
"""
from __future__ import annotations

import numpy as np

from . import function
from . import tensor_math as _tm  # its Tensor is bound by tensor.py once the class exists
from .ops.index_reduce import REDUCTIONS, IndexPutAdd, ScatterReduce
from .ops.shape import SetItem


def _put_index(op: str, shape: tuple, indices) -> tuple:
    """indices (a tuple of integer or bool tensors, the first dims of a tensor of `shape`)
    -> (a numpy index of int64 arrays, the shape of the indexed result)."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{op}: indices must be a tuple of tensors, got "
                        f"{type(indices).__name__}")
    if not indices:
        raise IndexError(f"{op}: indices is empty; pass at least one index tensor")
    arrays, dim = [], 0
    for k, i in enumerate(indices):
        if not isinstance(i, (_tm.Tensor, np.ndarray)):
            raise TypeError(f"{op}: indices[{k}] must be a tensor, got {type(i).__name__}")
        a = i.data if isinstance(i, _tm.Tensor) else i
        if a.dtype == np.uint8:   # byte tensors are masks, as in PyTorch
            a = a.astype(np.bool_)
        if a.dtype == np.bool_:
            if a.ndim == 0:
                raise IndexError(f"{op}: a 0-d bool index is not supported; use a mask shaped "
                                 f"like the dims it selects (tensor of shape {shape})")
            if dim + a.ndim > len(shape):
                raise IndexError(f"{op}: too many indices for a tensor of shape {shape}")
            if a.shape != shape[dim:dim + a.ndim]:
                raise IndexError(f"{op}: the mask of shape {tuple(a.shape)} (indices[{k}]) does "
                                 f"not match dims {dim}..{dim + a.ndim - 1} of the tensor of shape "
                                 f"{shape}")
            arrays.extend(np.nonzero(a))
            dim += a.ndim
        elif a.dtype.kind in "iu":
            if dim >= len(shape):
                raise IndexError(f"{op}: too many indices for a tensor of shape {shape} (got "
                                 f"{len(indices)})")
            n = shape[dim]
            if a.size and (a.min() < -n or a.max() >= n):
                bad = a.min() if a.min() < -n else a.max()
                raise IndexError(f"{op}: index {bad} is out of bounds for dimension {dim} with "
                                 f"size {n} (tensor of shape {shape})")
            arrays.append(np.array(a, np.int64))   # a copy: the graph keeps it
            dim += 1
        else:
            raise IndexError(f"{op}: tensors used as indices must be integer or bool tensors, "
                             f"got dtype {a.dtype} for indices[{k}]")
    try:
        lead = np.broadcast_shapes(*[a.shape for a in arrays])
    except ValueError:
        raise IndexError(f"{op}: the index tensors could not be broadcast together, shapes "
                         f"{', '.join(str(a.shape) for a in arrays)}") from None
    return tuple(arrays), lead + shape[dim:]


class IndexMoreMixin:
    """index_put, index_put_, scatter_reduce, scatter_reduce_."""

    __slots__ = ()

    def _put_args(self, op, indices, values):
        index, result = _put_index(op, self._data.shape, indices)
        if not isinstance(values, _tm.Tensor):
            raise TypeError(f"{op}: values must be a tensor, got {type(values).__name__}")
        if values.dtype != self.dtype:
            raise TypeError(f"{op}: values have dtype {values.dtype} but the tensor has dtype "
                            f"{self.dtype}; they must match")
        try:
            ok = np.broadcast_shapes(values.shape, result) == result
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"{op}: values of shape {tuple(values.shape)} cannot be broadcast to "
                             f"the indexed result of shape {result} (tensor of shape "
                             f"{tuple(self.shape)})")
        return index, values

    def index_put(self, indices, values, accumulate=False):
        """A copy of x with x[indices] = values (+= with accumulate, repeats adding up);
        indices: a tuple of integer/bool tensors, broadcast together; values: broadcastable
        to x[indices].shape, x's dtype."""
        index, values = self._put_args("index_put", indices, values)
        if accumulate:
            return IndexPutAdd.apply(self, values, index=index)
        return SetItem.apply(self, values, index=index)

    def index_put_(self, indices, values, accumulate=False):
        """In-place index_put: self[indices] = values (+= with accumulate); returns self."""
        index, values = self._put_args("index_put_", indices, values)
        if self._requires_grad and self._node is None and function.is_grad_enabled():
            raise RuntimeError("index_put_: a leaf tensor that requires grad cannot be "
                               "modified in place; do it under autograd.no_grad(), or on .data")
        if not accumulate:
            self[index] = values   # recorded as t[index] = v is (SetItem), or a plain write
            return self
        return self._inplace_via("index_put_",
                                 lambda old: IndexPutAdd.apply(old, values, index=index), values)

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        """A copy of x with src's elements reduced in at index along dim, e.g. for dim 0
        out[index[i][j]][j] = reduce(out[index[i][j]][j], src[i][j]); reduce: "sum", "prod",
        "mean", "amax" or "amin"; include_self=False leaves x's values out of the reduction
        at the elements that receive any. index: integer, same ndim, no larger than src."""
        op = "scatter_reduce"
        if reduce not in REDUCTIONS:
            raise ValueError(f"{op}: reduce must be one of {', '.join(map(repr, REDUCTIONS))}, "
                             f"got {reduce!r}")
        if not isinstance(src, _tm.Tensor):
            raise TypeError(f"{op}: src must be a tensor, got {type(src).__name__}")
        return self._scattered(op, ScatterReduce, dim, index, src, reduce=reduce,
                               include_self=bool(include_self))

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        """In-place scatter_reduce; returns self."""
        return self._inplace_via(
            "scatter_reduce_",
            lambda old: old.scatter_reduce(dim, index, src, reduce, include_self=include_self),
            src)


def index_put(input, indices, values, accumulate=False):
    return _tm._t(input).index_put(indices, values, accumulate)


def index_put_(input, indices, values, accumulate=False):
    return input.index_put_(indices, values, accumulate)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    return _tm._t(input).scatter_reduce(dim, index, src, reduce, include_self=include_self)
