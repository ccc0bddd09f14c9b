"""Tensor's index-driven methods (a mixin of Tensor, through ShapeMixin): gather, scatter,
scatter_add, index_select, sort, argsort, topk, nonzero, where, repeat, flip, roll; and their
function forms (autograd.gather(x, ...) is x.gather(...)), as in PyTorch.

Index arguments are checked here (integer dtype, ndim, in range), so the ops in `ops/index.py`
never see a bad one and numpy's wrap-around of negative indices never happens.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from . import function
from . import tensor_math as _tm  # its Tensor is bound by tensor.py once the class exists
from .dims import _axes, _keyword, _one_axis, _shape_arg
from .ops import index as I
from .ops.shape import GetItem

Sorted = namedtuple("Sorted", ["values", "indices"])   # torch.return_types.sort
TopK = namedtuple("TopK", ["values", "indices"])       # torch.return_types.topk


def _wrap(arr: np.ndarray):
    return function._wrap(arr if arr.flags.c_contiguous else arr.copy(), False)


def _index(index, op) -> np.ndarray:
    """index (a Tensor, array or list) as an integer ndarray."""
    arr = index.data if isinstance(index, _tm.Tensor) else np.asarray(index)
    if arr.dtype.kind not in "iu" and not (arr.dtype.kind == "f" and arr.size == 0):
        raise TypeError(f"{op}: index must be an integer tensor, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def _in_range(index: np.ndarray, n: int, op: str, dim):
    if index.size and (index.min() < 0 or index.max() >= n):
        bad = index.min() if index.min() < 0 else index.max()
        raise IndexError(f"{op}: index {bad} is out of bounds for dim {dim} with size {n}")


def _check_index(op, x_shape, index, dim, axis, src_shape=None):
    """PyTorch's rules for gather/scatter: index has x's ndim, is no larger than x outside dim
    (and no larger than src anywhere), and its values lie in [0, x.shape[dim])."""
    if index.ndim != len(x_shape) or (src_shape is not None and len(src_shape) != index.ndim):
        srcs = "" if src_shape is None else f", src shape {src_shape}"
        raise ValueError(f"{op}: index shape {tuple(index.shape)} must have as many dims as the "
                         f"tensor of shape {x_shape}{srcs}")
    if index.size:
        for a, n in enumerate(index.shape):
            if (a != axis and n > x_shape[a]) or (src_shape is not None and n > src_shape[a]):
                extra = "" if src_shape is None else f" or src of shape {src_shape}"
                raise ValueError(f"{op}: index of shape {tuple(index.shape)} is larger than the "
                                 f"tensor of shape {x_shape}{extra} along dim {a} (dim={dim})")
    _in_range(index, x_shape[axis], op, dim)


def _argsort(a: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable argsort along axis; NaN counts as larger than every number (as in PyTorch)."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    if a.dtype.kind != "f":
        return np.argsort(~a, axis=axis, kind="stable")  # ~a reverses the order, overflow-free
    nan = np.isnan(a)
    if not nan.any():
        return np.argsort(-a, axis=axis, kind="stable")
    # NaN first, then the numbers from the largest; lexsort's last key is the primary one
    keys = (np.moveaxis(-a, axis, -1), np.moveaxis(~nan, axis, -1))
    return np.moveaxis(np.lexsort(keys, axis=-1), -1, axis)


class IndexMixin:
    """gather, scatter, scatter_add, index_select, sort, argsort, topk, nonzero, where,
    repeat, flip, roll."""

    __slots__ = ()

    def gather(self, dim, index, *, sparse_grad=False):
        """x: (..., n, ...), index: integer, same ndim -> values of x at index along dim,
        shaped like index: out[i][j] = x[index[i][j]][j] for dim 0."""
        index = _index(index, "gather")
        if self._data.ndim == 0 and index.ndim == 0:
            _one_axis(dim, 0, "gather")
            return self.reshape(1).gather(0, index.reshape(1)).reshape(())
        axis = _one_axis(dim, self._data.ndim, "gather")
        _check_index("gather", self._data.shape, index, dim, axis)
        return I.Gather.apply(self, index=index, axis=axis)

    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        """A copy of x with src (a tensor shaped at least like index, or a number `value`)
        written at index along dim: out[index[i][j]][j] = src[i][j] for dim 0."""
        if reduce is not None:   # torch's older form of scatter_add / scatter_reduce("prod")
            if reduce not in ("add", "multiply"):
                raise ValueError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
            if src is None or not isinstance(src, _tm.Tensor):   # a number: at every index
                number = value if src is None else src
                if number is None or np.ndim(number) != 0:
                    raise TypeError(f"scatter: reduce={reduce!r} needs a src tensor or a number")
                shape = np.shape(getattr(index, "data", index))
                src = _tm.Tensor._wrap(np.full(shape, number, self._data.dtype), False)
            if reduce == "add":
                return self.scatter_add(dim, index, src)
            return self.scatter_reduce(dim, index, src, "prod")
        if (src is None) == (value is None):
            raise TypeError("scatter: pass exactly one of src (a tensor) and value (a number)")
        if src is not None and not isinstance(src, _tm.Tensor):   # scatter(dim, index, 2.0)
            src, value = None, src
        elif src is not None and src.ndim == 0 and np.ndim(getattr(index, "data", index)) == 1:
            src = src.reshape(1)   # torch counts a 0-d src as 1-D (ensure_nonempty_dim)
        if src is None:
            if np.ndim(value) != 0:
                raise TypeError(f"scatter: value must be a number, got {type(value).__name__}")
            src = _tm.Tensor._wrap(np.asarray(value).astype(self._data.dtype), False)
        return self._scattered("scatter", I.Scatter, dim, index, src, value is not None)

    def scatter_add(self, dim, index, src):
        """A copy of x with src added at index along dim (repeated indices add up):
        out[index[i][j]][j] += src[i][j] for dim 0."""
        if not isinstance(src, _tm.Tensor):
            raise TypeError(f"scatter_add: src must be a tensor, got {type(src).__name__}")
        return self._scattered("scatter_add", I.ScatterAdd, dim, index, src)

    def _scattered(self, op, fn, dim, index, src, is_value=False, **params):
        """fn (Scatter, ScatterAdd, ScatterReduce with its params) applied after PyTorch's
        checks; a value is a 0-d src."""
        index = _index(index, op)
        if src.dtype != self.dtype:
            raise TypeError(f"{op}: src has dtype {src.dtype} but the tensor has dtype "
                            f"{self.dtype}; they must match")
        if self._data.ndim == 0:
            _one_axis(dim, 0, op)
            flat = self.reshape(1)._scattered(op, fn, 0, index.reshape(-1),
                                              src if is_value else src.reshape(-1), is_value,
                                              **params)
            return flat.reshape(())
        axis = _one_axis(dim, self._data.ndim, op)
        _check_index(op, self._data.shape, index, dim, axis, None if is_value else src._data.shape)
        return fn.apply(self, src, index=index, axis=axis, **params)

    def index_select(self, dim, index):
        """x: (..., n, ...), index: (k,) integers -> (..., k, ...), the slices at index."""
        index = _index(index, "index_select")
        if index.ndim > 1:
            raise ValueError(f"index_select: index must be 0-d or 1-d, got shape "
                             f"{tuple(index.shape)}")
        axis = _one_axis(dim, self._data.ndim, "index_select")
        _in_range(index, self._data.shape[axis] if self._data.ndim else 1, "index_select", dim)
        index = index.reshape(-1)
        if self._data.ndim == 0:
            return self.reshape(1)[index].reshape(())
        return GetItem.apply(self, index=(slice(None),) * axis + (index,))

    def sort(self, dim=-1, descending=False, *, stable=False):
        """-> (values, indices int64) along dim; ties keep their order (always stable)."""
        axis = _one_axis(dim, self._data.ndim, "sort")
        if self._data.ndim == 0:
            return Sorted(self.clone(), _wrap(np.zeros((), np.int64)))
        perm = _argsort(self._data, axis, descending)
        return Sorted(I.Gather.apply(self, index=perm, axis=axis), _wrap(perm))

    def argsort(self, dim=-1, descending=False, *, stable=False):
        """-> int64 indices that sort x along dim (stable)."""
        axis = _one_axis(dim, self._data.ndim, "argsort")
        if self._data.ndim == 0:
            return _wrap(np.zeros((), np.int64))
        return _wrap(_argsort(self._data, axis, descending))

    def topk(self, k, dim=None, largest=True, sorted=True):
        """-> (values, indices int64) of the k largest (or smallest) along dim (last if None),
        in sorted order; equal values keep their order."""
        dim = -1 if dim is None else dim
        axis = _one_axis(dim, self._data.ndim, "topk")
        n = self._data.shape[axis] if self._data.ndim else 1
        if not isinstance(k, (int, np.integer)) or not 0 <= k <= n:
            raise ValueError(f"topk: k={k!r} is out of range for dim {dim} of size {n} "
                             f"(tensor of shape {tuple(self.shape)})")
        if self._data.ndim == 0:
            return TopK(self.clone(), _wrap(np.zeros((), np.int64)))
        perm = _argsort(self._data, axis, largest)
        perm = perm[(slice(None),) * axis + (slice(0, k),)].copy()
        return TopK(I.Gather.apply(self, index=perm, axis=axis), _wrap(perm))

    def nonzero(self, *, as_tuple=False):
        """-> (count, ndim) int64 indices of the nonzero elements, in row-major order; with
        as_tuple, one (count,) tensor per dim (a 0-d tensor counts as 1-d)."""
        if as_tuple:
            return tuple(_wrap(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(self._data)))
        return _wrap(np.argwhere(self._data).astype(np.int64, copy=False))

    def where(self, condition, other):
        """self where condition else other."""
        return where(condition, self, other)

    def repeat(self, *sizes):
        """x tiled sizes[i] times along dim i; len(sizes) >= x.ndim (x gets leading dims)."""
        reps = _shape_arg(sizes)
        if len(reps) < self._data.ndim:
            raise ValueError(f"repeat: {len(reps)} repeats {reps} are fewer than the "
                             f"{self._data.ndim} dims of a tensor of shape {tuple(self.shape)}")
        if not all(isinstance(r, (int, np.integer)) and r >= 0 for r in reps):
            raise ValueError(f"repeat: repeats must be non-negative ints, got {reps}")
        return I.Repeat.apply(self, reps=tuple(int(r) for r in reps))

    def repeat_interleave(self, repeats, dim=None, *, output_size=None):
        """Each element (slice along dim; of the flattened x when dim is None) repeated
        repeats times; repeats: an int or an integer tensor of one count per slice."""
        x = self.reshape(-1) if dim is None else self
        axis = 0 if dim is None else _one_axis(dim, x._data.ndim, "repeat_interleave")
        n = x._data.shape[axis] if x._data.ndim else 1
        if isinstance(repeats, (int, np.integer)) and not isinstance(repeats, bool):
            reps = np.int64(repeats)
        else:
            reps = _index(repeats, "repeat_interleave")
            if reps.ndim > 1 or reps.size not in (1, n):
                raise ValueError(f"repeat_interleave: repeats of shape {tuple(reps.shape)} must be "
                                 f"0-d or have one entry per slice ({n}) of dim {dim} (shape "
                                 f"{tuple(self.shape)})")
        if np.any(reps < 0):
            raise ValueError(f"repeat_interleave: repeats must be non-negative, got {repeats}")
        index = np.repeat(np.arange(n), reps.reshape(-1) if reps.size == n else
                          int(reps.reshape(-1)[0]))   # one count (0-d or one entry): for all
        if output_size is not None and output_size != index.size:
            raise ValueError(f"repeat_interleave: output_size {output_size} does not match the "
                             f"repeated size {index.size}")
        if x._data.ndim == 0:
            x = x.reshape(1)
        return x.index_select(axis, index)

    def masked_select(self, mask):
        """The elements of x where mask is True, as 1-D (x and mask broadcast together)."""
        m = mask.data if isinstance(mask, _tm.Tensor) else np.asarray(mask)
        if m.dtype != np.bool_:
            raise TypeError(f"masked_select: mask must be a bool tensor, got dtype {m.dtype}")
        try:
            shape = np.broadcast_shapes(m.shape, self._data.shape)
        except ValueError:
            raise ValueError(f"masked_select: a mask of shape {tuple(m.shape)} and a tensor of "
                             f"shape {tuple(self.shape)} cannot be broadcast together") from None
        x = self if self._data.shape == shape else self.expand(shape)
        return GetItem.apply(x, index=np.broadcast_to(m, shape).copy())

    def index_add(self, dim, index, source, *, alpha=1):
        """A copy of x with alpha * source's slices added at index along dim:
        out[..., index[i], ...] += alpha * source[..., i, ...] (repeats add up)."""
        idx = _index(index, "index_add")
        src = source if isinstance(source, _tm.Tensor) else _tm.Tensor(source)
        x, s = (self.reshape(1), src.reshape(1)) if self._data.ndim == 0 else (self, src)
        axis = _one_axis(dim, x._data.ndim, "index_add")
        want = x._data.shape[:axis] + (idx.size,) + x._data.shape[axis + 1:]
        if idx.ndim > 1 or s._data.shape != want:
            raise ValueError(f"index_add: source of shape {tuple(src.shape)} and index of shape "
                             f"{tuple(idx.shape)} do not fit a tensor of shape {tuple(self.shape)} "
                             f"along dim {dim} (source should have shape {want})")
        _in_range(idx, x._data.shape[axis], "index_add", dim)
        shape = [1] * x._data.ndim
        shape[axis] = idx.size
        full = np.broadcast_to(idx.reshape(shape), want).copy()
        out = x.scatter_add(axis, full, s if alpha == 1 else s * alpha)
        return out.reshape(()) if self._data.ndim == 0 else out

    def flip(self, *dims, **kwargs):
        """x reversed along each of dims."""
        dims = _shape_arg(_keyword(dims, kwargs, "dims", "flip"))
        axes = _axes(dims, self._data.ndim, "flip")
        if axes is None or self._data.ndim == 0:
            axes = ()
        return I.Flip.apply(self, axes=axes)

    def roll(self, shifts, dims=None):
        """x shifted cyclically by shifts along dims; without dims, over the flattened
        tensor (then reshaped back)."""
        if dims is None:
            if not isinstance(shifts, (int, np.integer)):
                shifts = tuple(shifts)
                if len(shifts) != 1:
                    raise ValueError(f"roll: without dims, shifts must be one int, got {shifts}")
                shifts = shifts[0]
            return I.Roll.apply(self, shifts=int(shifts), axes=None)
        shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
        dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
        if not shifts or len(shifts) != len(dims):
            raise ValueError(f"roll: shifts {shifts} and dims {dims} must have the same length")
        if self._data.ndim == 0:
            _axes(dims, 0, "roll")
            return I.Roll.apply(self, shifts=0, axes=None)
        axes = tuple(_one_axis(d, self._data.ndim, "roll") for d in dims)
        return I.Roll.apply(self, shifts=tuple(int(s) for s in shifts), axes=axes)


def where(condition, input=None, other=None):
    """where(cond, x, y): x where cond else y, broadcast; where(cond) alone is
    nonzero(cond, as_tuple=True)."""
    if input is None and other is None:
        return _tm._t(condition).nonzero(as_tuple=True)
    if input is None or other is None:
        raise TypeError("where: pass both input and other, or neither")
    return _tm.where(condition, input, other)


def gather(input, dim, index, *, sparse_grad=False):
    return _tm._t(input).gather(dim, index, sparse_grad=sparse_grad)


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    return _tm._t(input).scatter(dim, index, src, value=value, reduce=reduce)


def scatter_add(input, dim, index, src):
    return _tm._t(input).scatter_add(dim, index, src)


def index_select(input, dim, index):
    return _tm._t(input).index_select(dim, index)


def sort(input, dim=-1, descending=False, *, stable=False):
    return _tm._t(input).sort(dim, descending, stable=stable)


def argsort(input, dim=-1, descending=False, *, stable=False):
    return _tm._t(input).argsort(dim, descending, stable=stable)


def topk(input, k, dim=None, largest=True, sorted=True):
    return _tm._t(input).topk(k, dim, largest, sorted)


def nonzero(input, *, as_tuple=False):
    return _tm._t(input).nonzero(as_tuple=as_tuple)


def flip(input, dims):
    return _tm._t(input).flip(dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """input.repeat_interleave(repeats, dim); with repeats None, input holds the counts and
    the result is arange(len(input)) repeated by them."""
    if repeats is None:
        counts = _index(input, "repeat_interleave")
        if counts.ndim > 1 or np.any(counts < 0):
            raise ValueError(f"repeat_interleave: counts must be 0-d or 1-d and non-negative, "
                             f"got shape {tuple(counts.shape)}")
        return _wrap(np.repeat(np.arange(counts.size), counts.reshape(-1)))
    return input.repeat_interleave(repeats, dim, output_size=output_size)


def masked_select(input, mask):
    return input.masked_select(mask)


def index_add(input, dim, index, source, *, alpha=1):
    return input.index_add(dim, index, source, alpha=alpha)


def roll(input, shifts, dims=None):
    return _tm._t(input).roll(shifts, dims)


__all__ = ["gather", "scatter", "scatter_add", "index_select", "sort", "argsort", "topk",
           "nonzero", "where", "flip", "roll"]
