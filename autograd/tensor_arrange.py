"""More of PyTorch's Tensor methods (a mixin of Tensor): rot90, tensor_split, hsplit/vsplit/
dsplit, unfold, reshape_as, aminmax, put; the layout queries stride, storage_offset,
is_contiguous, nbytes, itemsize; the in-place index_fill_, index_copy_, masked_scatter_,
fill_diagonal_, put_; and the random bernoulli / bernoulli_ (the function forms, and the
method-less hstack, block_diag, normal, ...: functional_arrange.py).

Each op is composed from differentiable ops (flip, transpose, indexing, scatter, amin/amax),
so it needs no VJP of its own; the in-place ones compute the out-of-place op and are recorded
or refused by tensor_inplace's machinery (`_inplace_via`, `_overwrite`). Arguments are checked
first: an error names the op and the operands' shapes and dtypes.
"""
from __future__ import annotations

from collections import namedtuple
from numbers import Number

import numpy as np

from . import saved
from . import tensor_math as _tm  # its Tensor is bound by tensor.py once the class exists
from .dims import _one_axis
from .generator import pick
from .ops.arrange import Sampled
from .ops.shape import UnfoldDim
from .tensor_extra import _about, _tensor
from .tensor_operands import mask_arg

Aminmax = namedtuple("Aminmax", ["min", "max"])   # torch.return_types.aminmax


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _probabilities(op, p, x):
    """p (a number, or a float tensor broadcastable to x) as an array in [0, 1]."""
    if isinstance(p, _tm.Tensor):
        if p.dtype.kind != "f":
            raise TypeError(f"{op}: p must be a floating-point tensor, got {_about(self=x, p=p)}")
        arr = p._data
    elif isinstance(p, Number) and not isinstance(p, bool):
        arr = np.asarray(float(p))
    else:
        raise TypeError(f"{op}: p must be a number or a tensor, got {type(p).__name__}")
    if not np.all((arr >= 0) & (arr <= 1)):   # NaN fails too
        what = f"p={float(arr)}" if arr.ndim == 0 else f"p with values in " \
            f"[{np.nanmin(arr) if arr.size else 0}, {np.nanmax(arr) if arr.size else 0}]"
        raise ValueError(f"{op}: expects p to lie in [0, 1], got {what}")
    return arr


def _bernoulli_draws(generator, probs, shape, dtype):
    # u < p with u uniform on [0, 1): 0 never, 1 always
    return (pick(generator).random(shape) < probs).astype(dtype)


class ArrangeMixin:
    """rot90, tensor_split, hsplit, vsplit, dsplit, unfold, reshape_as, aminmax, put, stride,
    storage_offset, is_contiguous, nbytes, itemsize, index_fill_, index_copy_,
    masked_scatter_, fill_diagonal_, put_, bernoulli, bernoulli_."""

    __slots__ = ()

    # ----------------------------------------------------------------- shape
    def rot90(self, k=1, dims=(0, 1)):
        """x rotated k quarter turns in the plane of dims, from dims[0] towards dims[1]."""
        if not _is_int(k):
            raise TypeError(f"rot90: k must be an int, got {k!r}")
        if not isinstance(dims, (tuple, list)) or len(dims) != 2:
            raise ValueError(f"rot90: expects exactly two rotation dims, got dims={dims!r}")
        if self.ndim < 2:
            raise ValueError(f"rot90: needs a tensor with at least 2 dims, got "
                             f"{_about(input=self)}")
        d0, d1 = (_one_axis(d, self.ndim, "rot90") for d in dims)
        if d0 == d1:
            raise ValueError(f"rot90: the rotation dims must differ, got dims={tuple(dims)} "
                             f"for {_about(input=self)}")
        k %= 4
        # transpose, then flip (a C-ordered copy): PyTorch's flip keeps its input's order, so
        # its rot90 of a transposed x is contiguous; flipped first, ours never was
        if k == 1:
            return self.transpose(d0, d1).flip(d0)
        if k == 2:
            return self.flip(d0, d1)
        if k == 3:
            return self.transpose(d0, d1).flip(d1)
        return self.clone()

    def tensor_split(self, indices_or_sections, dim=0):
        """Views of x along dim: an int n gives n parts whose sizes differ by at most one
        (the first ones larger); a list of indices cuts before each (slice rules: negatives
        count from the end, out of range clamps). A 0-d / 1-d int64 tensor acts as either."""
        op = "tensor_split"
        if self.ndim == 0:
            raise RuntimeError(f"{op}: needs a tensor with at least 1 dim, got "
                               f"{_about(input=self)}")
        axis = _one_axis(dim, self.ndim, op)
        cuts = indices_or_sections
        if isinstance(cuts, _tm.Tensor):
            if cuts.dtype != np.int64:
                raise TypeError(f"{op}: a tensor of indices or sections must have dtype "
                                f"int64, got {_about(indices_or_sections=cuts)}")
            if cuts.ndim > 1:
                raise ValueError(f"{op}: a tensor of indices or sections must be 0-d or 1-d, "
                                 f"got {_about(indices_or_sections=cuts)}")
            cuts = int(cuts.item()) if cuts.ndim == 0 else cuts.tolist()
        n = self.shape[axis]
        if _is_int(cuts):
            if cuts <= 0:
                raise ValueError(f"{op}: the number of sections must be positive, got {cuts}")
            q, r = divmod(n, int(cuts))
            bounds = np.cumsum([0] + [q + 1] * r + [q] * (int(cuts) - r)).tolist()
            pieces = list(zip(bounds[:-1], bounds[1:]))
        elif isinstance(cuts, (list, tuple)) and all(_is_int(i) for i in cuts):
            starts = [None] + [int(i) for i in cuts]
            pieces = list(zip(starts, starts[1:] + [None]))
        else:
            raise TypeError(f"{op}: indices_or_sections must be an int, a list of ints or an "
                            f"int64 tensor, got {indices_or_sections!r}")
        lead = (slice(None),) * axis
        return tuple(self[lead + (slice(a, b),)] for a, b in pieces)

    def _split_along(self, op, dim, least, cuts):
        """hsplit/vsplit/dsplit: tensor_split along dim, an int needing equal parts."""
        if self.ndim < least:
            raise RuntimeError(f"{op}: needs a tensor with at least {least} dim"
                               f"{'s' if least > 1 else ''}, got {_about(input=self)}")
        if _is_int(cuts):
            n = self.shape[dim]
            if cuts <= 0 or n % cuts:
                raise ValueError(f"{op}: cannot split dim {dim} of size {n} into {cuts} equal "
                                 f"parts ({_about(input=self)})")
        elif not (isinstance(cuts, (list, tuple)) and all(_is_int(i) for i in cuts)):
            raise TypeError(f"{op}: indices_or_sections must be an int or a list of ints, got "
                            f"{cuts!r}")
        return self.tensor_split(cuts, dim)

    def hsplit(self, indices_or_sections):
        """tensor_split along dim 1 (dim 0 of a 1-d tensor); an int must divide it."""
        return self._split_along("hsplit", 1 if self.ndim >= 2 else 0, 1, indices_or_sections)

    def vsplit(self, indices_or_sections):
        """tensor_split along dim 0 of an at least 2-d tensor; an int must divide it."""
        return self._split_along("vsplit", 0, 2, indices_or_sections)

    def dsplit(self, indices_or_sections):
        """tensor_split along dim 2 of an at least 3-d tensor; an int must divide it."""
        return self._split_along("dsplit", 2, 3, indices_or_sections)

    def unfold(self, dimension, size, step):
        """The windows of `size` elements every `step` along `dimension`: that dim becomes
        the window count (n - size) // step + 1 and a new last dim of `size` holds each
        window. A view of x, as PyTorch's (writes through it in grad mode need windows that
        do not overlap: step >= size)."""
        op = "unfold"
        if not (_is_int(size) and _is_int(step)):
            raise TypeError(f"{op}: size and step must be ints, got size={size!r}, "
                            f"step={step!r}")
        axis = _one_axis(dimension, self.ndim, op)
        x = self.reshape(1) if self.ndim == 0 else self
        n = x.shape[axis]
        if size < 0:
            raise ValueError(f"{op}: size must be non-negative, got {size}")
        if size > n:
            raise ValueError(f"{op}: size {size} exceeds the size {n} of dim {dimension} "
                             f"({_about(input=self)})")
        if step <= 0:
            raise ValueError(f"{op}: step must be positive, got {step}")
        out = UnfoldDim.apply(x, axis=axis, size=int(size), step=int(step))
        return out.reshape(size) if self.ndim == 0 else out

    def reshape_as(self, other):
        """x reshaped to other's shape."""
        return self.reshape(_tensor("reshape_as", "other", other).shape)

    # ----------------------------------------------------------------- reductions
    def aminmax(self, *, dim=None, keepdim=False):
        """-> (min, max) of all elements, or along dim; ties share the gradient evenly, as
        amin/amax."""
        op = "aminmax"
        if dim is None:
            if self.numel() == 0:
                raise RuntimeError(f"{op}: cannot reduce an empty tensor (the operation has no "
                                   f"identity): {_about(input=self)}")
            if keepdim:
                dims = tuple(range(self.ndim))
                return Aminmax(self.amin(dims, True), self.amax(dims, True))
            return Aminmax(self.amin(), self.amax())
        axis = _one_axis(dim, self.ndim, op)
        if self.ndim == 0:
            return Aminmax(self.clone(), self.clone())
        if self.shape[axis] == 0:
            raise IndexError(f"{op}: dim {dim} to reduce has size 0 ({_about(input=self)})")
        return Aminmax(self.amin(axis, keepdim), self.amax(axis, keepdim))

    # ----------------------------------------------------------------- memory layout
    def stride(self, dim=None):
        """The step, in elements, between neighbours along each dim of the array behind x
        (a tuple, or one int for dim). The engine's layout: its copies (unfold, diagonal, ...)
        are contiguous where PyTorch's views are not, and flip may give negative strides."""
        strides = tuple(s // self.dtype.itemsize for s in self._data.strides)
        if dim is None:
            return strides
        if self.ndim == 0:
            raise IndexError(f"stride: dim {dim} is out of range for a 0-d tensor")
        return strides[_one_axis(dim, self.ndim, "stride")]

    def storage_offset(self) -> int:
        """Elements between the start of the memory x views and x's first element (0 when
        x owns its array)."""
        root = self._data
        while isinstance(root.base, np.ndarray):
            root = root.base
        start = self._data.__array_interface__["data"][0]
        return (start - root.__array_interface__["data"][0]) // self.dtype.itemsize

    def is_contiguous(self, memory_format=None) -> bool:
        """True when x's array is laid out in row-major order without gaps."""
        return bool(self._data.flags.c_contiguous)

    nbytes = property(lambda self: self._data.nbytes, doc="numel() * itemsize")
    itemsize = property(lambda self: self.dtype.itemsize, doc="Bytes per element.")

    # ----------------------------------------------------------------- put
    def put(self, index, source, accumulate=False):
        """A copy of x with the flattened x's elements at int64 `index` (any shape, negatives
        count from the end) set to (accumulate: increased by) source's, in order."""
        op = "put"
        idx = index.data if isinstance(index, _tm.Tensor) else np.asarray(index)
        source = _tensor(op, "source", source)
        if idx.dtype != np.int64:
            raise TypeError(f"{op}: index must have dtype int64, got "
                            f"{_about(self=self, index=idx)}")
        if source.dtype != self.dtype:
            raise TypeError(f"{op}: self and source must have the same dtype, got "
                            f"{_about(self=self, source=source)}")
        if source.numel() != idx.size:
            raise ValueError(f"{op}: source and index must have the same number of elements, "
                             f"got {_about(source=source, index=idx)}")
        n = self.numel()
        flat = idx.reshape(-1)
        if flat.size and (flat.min() < -n or flat.max() >= n):
            bad = flat.min() if flat.min() < -n else flat.max()
            raise IndexError(f"{op}: index {bad} is out of range for a tensor of {n} elements "
                             f"({_about(self=self)})")
        flat = np.where(flat < 0, flat + n, flat)
        x, src = self.reshape(-1), source.reshape(-1)
        out = x.scatter_add(0, flat, src) if accumulate else x.scatter(0, flat, src)
        return out.reshape(self.shape)

    # ----------------------------------------------------------------- in place
    def index_fill_(self, dim, index, value):
        """index_fill in place."""
        return self._inplace_via("index_fill_", lambda old: old.index_fill(dim, index, value),
                                 value)

    def index_copy_(self, dim, index, source):
        """index_copy in place."""
        return self._inplace_via("index_copy_",
                                 lambda old: old.index_copy(dim, index, source), source)

    def masked_scatter_(self, mask, source):
        """masked_scatter in place; mask must broadcast to x's shape."""
        m = mask_arg("masked_scatter_", mask, self.shape)
        return self._inplace_via("masked_scatter_",
                                 lambda old: old.masked_scatter(m, source), source)

    def put_(self, index, source, accumulate=False):
        """put in place."""
        return self._inplace_via("put_", lambda old: old.put(index, source, accumulate),
                                 source)

    def fill_diagonal_(self, fill_value, wrap=False):
        """Set x[i, i, ..., i] to fill_value in place (x at least 2-d, all dims equal beyond
        2-d); with wrap, a tall 2-d x restarts the diagonal every ncols + 1 rows."""
        op = "fill_diagonal_"
        if isinstance(fill_value, _tm.Tensor) and fill_value.ndim == 0:
            fill_value = fill_value.item()
        if not isinstance(fill_value, Number):
            raise TypeError(f"{op}: fill_value must be a number, got "
                            f"{type(fill_value).__name__}")
        if self.ndim < 2:
            raise ValueError(f"{op}: needs a tensor with at least 2 dims, got "
                             f"{_about(input=self)}")
        if self.ndim > 2 and len(set(self.shape)) > 1:
            raise ValueError(f"{op}: all dims must have the same size beyond 2-d, got "
                             f"{_about(input=self)}")
        rows, cols = self.shape[:2]
        step = sum(int(np.prod(self.shape[i + 1:])) for i in range(self.ndim))  # row-major
        count = min(rows, cols)
        if wrap and self.ndim == 2 and rows > cols + 1:
            count = -(-self.numel() // step)
        hit = np.zeros(self.numel(), np.bool_)
        hit[np.arange(count) * step] = True
        hit = hit.reshape(self.shape)
        return self._inplace_via(op, lambda old: old.masked_fill(hit, fill_value))

    # ----------------------------------------------------------------- random
    def bernoulli(self, p=None, *, generator=None):
        """0/1 draws, 1 with probability x (or p, a number, for every element), in x's
        floating-point dtype. With x as the probabilities the result is recorded with a zero
        gradient, as in PyTorch."""
        op = "bernoulli"
        if self.dtype.kind != "f":
            raise TypeError(f"{op}: needs a floating-point tensor, got {_about(input=self)}")
        if p is not None:
            if not isinstance(p, Number) or isinstance(p, bool):
                raise TypeError(f"{op}: p must be a number, got {type(p).__name__}")
            probs = _probabilities(op, p, self)
            return _tm.Tensor._wrap(
                _bernoulli_draws(generator, probs, self.shape, self.dtype), False)
        probs = _probabilities(op, self, self)
        return Sampled.apply(self, value=_bernoulli_draws(generator, probs, self.shape,
                                                          self.dtype))

    def bernoulli_(self, p=0.5, *, generator=None):
        """Fill x in place with 0/1 draws, 1 with probability p (a number, or a float tensor
        broadcastable to x's shape); x may have any dtype. On an op's output the fill is
        recorded (no gradient reaches the old values)."""
        op = "bernoulli_"
        probs = _probabilities(op, p, self)
        try:
            fits = np.broadcast_shapes(probs.shape, self.shape) == self.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"{op}: p cannot be broadcast to self's shape: "
                             f"{_about(self=self, p=probs)}")
        values = _bernoulli_draws(generator, probs, self.shape, self.dtype)
        if self._records(None):
            return self._overwrite(op, _tm.Tensor._wrap(values, False))
        self._inplace_check(op)   # refuses a leaf that requires grad in grad mode
        with saved.writable(self._data):
            self._data[...] = values
        return self
