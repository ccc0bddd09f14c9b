"""Tensor's shape and indexing methods (a mixin of Tensor), and the free functions cat and
stack that join tensors. (gather, scatter, sort, topk, ...: tensor_index.py.)"""
from __future__ import annotations

import functools

import numpy as np

from .dims import NO_DIM, _axes, _keyword, _numpy_message, _numpy_names, _one_axis, _shape_arg
from .dtypes import _result_dtype, _supported, dtype as torch_dtype
from .ops import shape as S
from .tensor_operands import _t
from .torch_errors import ArgumentError

# tensor.py defines Tensor on top of this module's mixin, so it binds the class here once it
# exists (the code below only uses it at call time).
Tensor = None


def _index_arg(index):
    """An index as PyTorch reads it, spelled for numpy: Tensors become their arrays, a 0-d
    integer index becomes an int (a select: numpy would copy, and an in-place op on the result
    would be lost), a uint8 index a bool mask (torch's legacy meaning), an empty list an empty
    integer array, and a list holding sequences, tensors, slices, None or Ellipsis is a tuple
    (y[[i, j]] is y[i, j], torch's rule for lists shorter than 32)."""
    if index.__class__ is tuple:
        return tuple([_index_item(i) for i in index])
    if index.__class__ is list and len(index) < 32 and any(
            isinstance(i, (Tensor, np.ndarray, list, tuple, slice)) or i is None or i is Ellipsis
            for i in index):
        return tuple([_index_item(i) for i in index])
    return _index_item(index)


def _index_item(i):
    if isinstance(i, Tensor):
        i = i._data
    elif isinstance(i, list):
        i = np.asarray(i) if i else np.empty(0, np.int64)
    if isinstance(i, np.ndarray):
        if i.ndim == 0 and i.dtype.kind in "iu":
            return int(i)
        if i.dtype == np.uint8:
            return i.astype(bool)
    return i


def _ints_and_slices(index: tuple) -> bool:
    """A tuple of Python ints and slices alone (xp[t], x[:, t]): numpy reads it as torch does,
    with nothing to convert (a bool is not an int here: it indexes as a mask)."""
    for i in index:
        if i.__class__ is not slice and i.__class__ is not int:
            return False
    return True


def _spelled_out(index, ndim):
    """A tuple index holding index arrays and an Ellipsis, with the Ellipsis replaced by the
    slices it stands for: PyTorch counts arrays on both sides of an Ellipsis that covers no
    dim as adjacent (x[:, i, ..., j] of a 3-d x is x[:, i, j]); numpy would move their dim to
    the front."""
    if index.__class__ is not tuple or not any(i is Ellipsis for i in index) or not any(
            isinstance(i, np.ndarray) for i in index):
        return index
    used = sum(0 if i is None or i is Ellipsis else
               i.ndim if isinstance(i, np.ndarray) and i.dtype == bool else 1 for i in index)
    at = next(k for k, i in enumerate(index) if i is Ellipsis)
    return index[:at] + (slice(None),) * max(ndim - used, 0) + index[at + 1:]


def _split_selects(index):
    """(selects, rest) when a tuple index mixes ints with index arrays, else None.

    PyTorch applies the ints first, as selects, then indexes what is left with the rest;
    numpy counts an int among the arrays, and when a slice separates them it moves the result's
    dims to the front: x[0, :, i] would come out transposed. Indexing with `selects`, then
    with `rest`, gives PyTorch's result."""
    if index.__class__ is not tuple:
        return None
    ints = arrays = False
    for i in index:
        if isinstance(i, np.ndarray):
            arrays = True
        elif isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)):
            ints = True
    if not (ints and arrays):
        return None
    selects, rest = [], []
    for i in index:
        if isinstance(i, np.ndarray):
            selects.extend([slice(None)] * (i.ndim if i.dtype == bool else 1))
            rest.append(i)
        elif isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)):
            selects.append(i)
        elif i is None:
            rest.append(i)
        elif i is Ellipsis:
            selects.append(i)
            rest.append(i)
        else:   # a slice, or what numpy will refuse with its own message
            selects.append(slice(None))
            rest.append(i)
    return tuple(selects), tuple(rest)


class ShapeMixin:
    """Reshaping, permuting, expanding, indexing and splitting methods of Tensor."""

    __slots__ = ()

    T = property(lambda self: self.permute(*reversed(range(self._data.ndim))))

    def reshape(self, *shape, **kwargs):
        return self._reshaped("reshape", _keyword(shape, kwargs, "shape", "reshape"))

    def view(self, *shape, **kwargs):
        """The same memory in a new shape (-1 inferred), as torch's: refused when the strides
        allow no such view (a transposed tensor flattened), where reshape would copy and a
        write through the result would then miss this tensor.  view(dtype): the same bytes
        read as another dtype (the last dimension rescaled), outside the graph as torch's."""
        if "dtype" in kwargs or (len(shape) == 1 and _is_dtype(shape[0])):
            return self._view_dtype(kwargs.pop("dtype") if "dtype" in kwargs else shape[0])
        shape = _shape_arg(_keyword(shape, kwargs, "size", "view"), "view")
        try:
            np.reshape(self._data, shape, copy=False)
        except ValueError:
            try:
                np.reshape(self._data, shape)
            except ValueError:
                pass   # a size mismatch: _reshaped says so
            else:
                raise ArgumentError(
                    f"view: view size is not compatible with input tensor's size and stride "
                    f"(a tensor of shape {tuple(self.shape)} and strides {self.stride()} cannot be "
                    f"seen as shape {tuple(shape)} without a copy); use .reshape(...) "
                    f"instead") from None
        return self._reshaped("view", shape)

    def _view_dtype(self, dtype):
        a = self._data
        dtype = _supported(np.empty(0, dtype), "view").dtype
        if dtype.itemsize != a.itemsize:
            name = f"view {a.dtype} as {dtype} (different element sizes)"
            if a.ndim == 0:
                raise RuntimeError(f"view: a 0-d tensor cannot {name}")
            if a.strides[-1] != a.itemsize and a.shape[-1] != 1:
                raise RuntimeError(f"view: self.stride(-1) must be 1 to {name}, but got "
                                   f"{a.strides[-1] // a.itemsize}")
            if (a.shape[-1] * a.itemsize) % dtype.itemsize:
                raise RuntimeError(f"view: self.size(-1) must be divisible by "
                                   f"{dtype.itemsize // a.itemsize} to {name}, but got "
                                   f"{a.shape[-1]}")
        return self._wrap(a.view(dtype), False)

    def _reshaped(self, op, shape):
        shape = _shape_arg(shape, op)
        if shape and min(shape) < -1:   # numpy takes any negative size as the one inferred
            raise ValueError(f"{op}: invalid size {shape} for a tensor of shape "
                             f"{tuple(self.shape)}: "
                             f"-1 is the only negative size (the one inferred)")
        try:
            return S.Reshape.apply(self, shape=shape)
        except ValueError as e:
            raise ArgumentError(f"{op}: cannot reshape a tensor of shape {tuple(self.shape)} "
                             f"({self._data.size} elements) into shape {shape}") from e

    def view_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        if self._data.ndim == 0:
            _one_axis(start_dim, 0, "flatten"), _one_axis(end_dim, 0, "flatten")
            return self.reshape(1)
        s = _one_axis(start_dim, self._data.ndim, "flatten")
        e = _one_axis(end_dim, self._data.ndim, "flatten")
        if s > e:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                             f"for a tensor of shape {tuple(self.shape)}")
        if s == e:   # nothing to flatten: torch returns the tensor itself
            return self
        shape = self._data.shape
        return self.reshape(shape[:s] + (int(np.prod(shape[s:e + 1])),) + shape[e + 1:])

    def permute(self, *dims, **kwargs):
        dims = _shape_arg(_keyword(dims, kwargs, "dims", "permute"))
        n = self._data.ndim
        for d in dims:
            if not -n <= d < n:
                raise IndexError(f"permute: dim {d} is out of range for a tensor of shape "
                                 f"{tuple(self.shape)}")
        if sorted(d % n for d in dims) != list(range(n)):
            raise ValueError(f"permute: dims {dims} are not a permutation of the "
                             f"{self._data.ndim} dims of a tensor of shape {tuple(self.shape)}")
        return S.Permute.apply(self, axes=tuple(d % n for d in dims))

    def transpose(self, dim0, dim1):
        n = self._data.ndim
        a, b = _one_axis(dim0, n, "transpose"), _one_axis(dim1, n, "transpose")
        if n < 2:
            return self.reshape(self.shape)   # a new tensor (a view), as torch's
        axes = list(range(n))
        axes[a], axes[b] = axes[b], axes[a]
        return S.Permute.apply(self, axes=tuple(axes))

    def t(self):
        """The transpose of a 2-D tensor; a 0-d or 1-d tensor as it is (PyTorch's rule)."""
        if self._data.ndim < 2:
            return self.reshape(self.shape)   # a new tensor (a view), as torch's
        if self._data.ndim > 2:
            raise ValueError(f"t: expects a tensor of at most 2 dims, got shape "
                             f"{tuple(self.shape)} "
                             f"(use transpose(dim0, dim1) or .mT)")
        return self.transpose(0, 1)

    swapaxes = swapdims = transpose

    def movedim(self, source, destination):
        """Move dims source (an int or tuple) to positions destination; the rest keep order."""
        src = tuple(source) if isinstance(source, (tuple, list)) else (source,)
        dst = tuple(destination) if isinstance(destination, (tuple, list)) else (destination,)
        if len(src) != len(dst):
            raise ValueError(f"movedim: source {source!r} and destination {destination!r} "
                             f"must have the same number of dims")
        n = self._data.ndim
        src = [_one_axis(d, n, "movedim") for d in src]
        dst = [_one_axis(d, n, "movedim") for d in dst]
        if len(set(src)) != len(src) or len(set(dst)) != len(dst):
            raise ValueError(f"movedim: repeated dim in source {source!r} or destination "
                             f"{destination!r}")
        return self.reshape(()) if n == 0 else self.permute(_moved(n, src, dst))

    def unflatten(self, dim, sizes):
        """Dim dim of size n -> sizes (one may be -1; their product is n)."""
        axis = _one_axis(dim, self._data.ndim, "unflatten")
        sizes = tuple(sizes)
        if not sizes:
            raise ValueError("unflatten: sizes must be non-empty")
        shape = self._data.shape
        known = int(np.prod([s for s in sizes if s != -1]))
        if sizes.count(-1) > 1 or (-1 not in sizes and known != shape[axis]) or \
                (-1 in sizes and (known == 0 or shape[axis] % known)):
            raise ValueError(f"unflatten: sizes {sizes} do not multiply to the size "
                             f"{shape[axis]} of dim {dim} of a tensor of shape {shape}")
        return self.reshape(shape[:axis] + sizes + shape[axis + 1:])

    def narrow(self, dim, start, length):
        """The slice [start, start + length) of dim (start may be negative)."""
        if self._data.ndim == 0:
            raise RuntimeError("narrow: cannot be applied to a 0-d tensor")
        axis = _one_axis(dim, self._data.ndim, "narrow")
        n = self._data.shape[axis]
        start = int(start)
        if not -n <= start <= n:
            raise IndexError(f"narrow: start {start} is out of range for dim {dim} of size {n}")
        start = start + n if start < 0 else start
        if length < 0 or start + length > n:
            raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds the size "
                               f"{n} of dim {dim} (shape {tuple(self.shape)})")
        return self[(slice(None),) * axis + (slice(start, start + int(length)),)]

    def unbind(self, dim=0):
        """A tuple of the slices along dim, each with that dim removed."""
        if self._data.ndim == 0:
            raise RuntimeError("unbind: a 0-d tensor cannot be unbound")
        axis = _one_axis(dim, self._data.ndim, "unbind")
        return tuple(self[(slice(None),) * axis + (i,)] for i in range(self._data.shape[axis]))

    def squeeze(self, dim=None, *, axis=None):
        if axis is not None:   # numpy's name, which torch accepts
            dim, _ = _numpy_names("squeeze", dim, False, axis, None)
        if dim is None:
            shape = tuple(n for n in self._data.shape if n != 1)
        else:
            axes = _axes(dim, self._data.ndim, "squeeze") or ()
            shape = tuple(n for i, n in enumerate(self._data.shape) if not (i in axes and n == 1))
        return S.Reshape.apply(self, shape=shape)   # a new tensor even when nothing is
        # squeezed, as torch's: a hook or retain_grad on it must not act on self

    def unsqueeze(self, dim=NO_DIM, *, axis=None):
        if dim is NO_DIM or axis is not None:
            dim, _ = _numpy_names("unsqueeze", dim, False, axis, None)
        n = self._data.ndim + 1
        if not isinstance(dim, (int, np.integer)):
            raise TypeError(f"unsqueeze: dim must be an int, got {dim!r}")
        if not -n <= dim < n:
            raise IndexError(f"unsqueeze: dim {dim} is out of range for a result with {n} dims")
        d = dim % n
        return S.Reshape.apply(self, shape=self._data.shape[:d] + (1,) + self._data.shape[d:])

    def expand(self, *sizes, **kwargs):
        sizes = _shape_arg(_keyword(sizes, kwargs, "size", "expand"))
        lead = len(sizes) - self._data.ndim
        if lead < 0:
            raise ArgumentError(f"expand: cannot expand shape {tuple(self.shape)} to fewer dims "
                                f"{sizes}")
        shape = tuple(self._data.shape[i - lead] if (s == -1 and i >= lead) else s
                      for i, s in enumerate(sizes))
        try:
            ok = all(isinstance(n, (int, np.integer)) and n >= 0 for n in shape) and \
                np.broadcast_shapes(self._data.shape, shape) == shape
        except ValueError:
            ok = False
        if not ok:
            raise ArgumentError(f"expand: cannot expand shape {tuple(self.shape)} to {sizes}")
        return S.Expand.apply(self, shape=shape)

    def expand_as(self, other):
        return self.expand(other.shape)

    def __getitem__(self, index):
        cls = index.__class__
        if not (cls is int or cls is slice or cls is tuple and _ints_and_slices(index)):
            # tensors, arrays, lists, None or Ellipsis: spelled as numpy reads them
            index = _spelled_out(_index_arg(index), self._data.ndim)
            parts = _split_selects(index)
            if parts is not None:
                return self[parts[0]][parts[1]]
        try:
            return S.GetItem.apply(self, index=index)
        except (IndexError, ValueError, TypeError) as e:
            raise type(e)(f"index: {_numpy_message(e)} (tensor of shape "
                          f"{tuple(self.shape)})") from None

    def split(self, split_size_or_sections=None, dim=0, *, split_size=None):
        if split_size is not None:   # torch's keyword
            split_size_or_sections = split_size
        if self._data.ndim == 0:
            raise RuntimeError("split: a 0-d tensor cannot be split")
        axis = _one_axis(dim, self._data.ndim, "split")
        n = self._data.shape[axis]
        if isinstance(split_size_or_sections, int):
            if split_size_or_sections <= 0:
                raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
            sizes = [min(split_size_or_sections, n - s)
                     for s in range(0, n, split_size_or_sections)] or [0]   # an empty dim: one piece
        else:
            sizes = list(split_size_or_sections)
            if any(s < 0 for s in sizes):
                raise ValueError(f"split: section sizes must be non-negative, got {sizes}")
            if sum(sizes) != n:
                raise ValueError(f"split: sections {sizes} do not sum to size {n} of dim {dim}")
        out, start = [], 0
        lead = (slice(None),) * axis
        for s in sizes:   # basic slices, valid by construction: GetItem without __getitem__'s
            # parsing (chunk(4) runs at every step of a hand-written LSTM)
            out.append(S.GetItem.apply(self, index=lead + (slice(start, start + s),)))
            start += s
        return tuple(out)

    def chunk(self, chunks, dim=0):
        if not isinstance(chunks, (int, np.integer)) or chunks <= 0:
            raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
        if self._data.ndim == 0:
            raise RuntimeError("chunk: a 0-d tensor cannot be chunked")
        n = self._data.shape[_one_axis(dim, self._data.ndim, "chunk")]
        if n == 0:   # torch: `chunks` empty pieces
            return tuple(self.split([0] * chunks, dim))
        return self.split(max(-(-n // chunks), 1), dim)


def _moved(n, src, dst) -> tuple:
    """The permutation that moves axes src to positions dst (numpy.moveaxis's rule)."""
    order = [d for d in range(n) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return tuple(order)


def _same_rank_and_dtype(tensors, op):
    if isinstance(tensors, (Tensor, np.ndarray)):   # iterating would join its rows
        raise TypeError(f"{op}(): argument 'tensors' must be a tuple or list of Tensors, not "
                        f"{type(tensors).__name__} (of shape {tuple(tensors.shape)})")
    if len(tensors) == 0:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    tensors = [_t(t) for t in tensors]
    first = tensors[0]._data.dtype
    if all(t._data.dtype == first for t in tensors):   # the common case: nothing to promote
        return tensors
    common = functools.reduce(_result_dtype, [t._data.dtype for t in tensors])
    return [t.to(common) for t in tensors]


def cat(tensors, dim=0, *, axis=None) -> Tensor:
    """Join tensors along an existing dim; all other dims must match. As in PyTorch, empty
    1-d tensors (shape (0,)) are skipped beside tensors of other ranks (the `out =
    tensor([])` then `out = cat([out, x])` pattern)."""
    if axis is not None:   # numpy's name, which torch accepts
        dim = axis
    tensors = _same_rank_and_dtype(tensors, "cat")
    if any(t._data.shape == (0,) for t in tensors):
        rest = [t for t in tensors if t._data.shape != (0,)]
        if rest and any(t._data.ndim != 1 for t in rest):
            tensors = rest
    ref = tensors[0]._data
    if any(t._data.ndim == 0 for t in tensors):
        raise ValueError(f"cat: 0-d tensors cannot be concatenated (shapes "
                         f"{[tuple(x.shape) for x in tensors]}); use stack")
    axis = _one_axis(dim, ref.ndim, "cat")
    for t in tensors:
        s = t._data.shape
        if (t._data.ndim != ref.ndim
                or s[:axis] + s[axis + 1:] != ref.shape[:axis] + ref.shape[axis + 1:]):
            raise ArgumentError(f"cat: shapes {[tuple(x.shape) for x in tensors]} do not match "
                             f"outside dim {dim}")
    return S.Cat.apply(*tensors, axis=axis)


concat = cat


def stack(tensors, dim=0, *, axis=None) -> Tensor:
    """Join same-shape tensors along a new dim."""
    if axis is not None:   # numpy's name, which torch accepts
        dim = axis
    tensors = _same_rank_and_dtype(tensors, "stack")
    shapes = {t._data.shape for t in tensors}
    if len(shapes) > 1:
        raise ArgumentError(f"stack: all tensors must have the same shape, got "
                         f"{[tuple(x.shape) for x in tensors]}")
    n = tensors[0]._data.ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"stack: dim {dim} is out of range for a result with {n} dims")
    return S.Stack.apply(*tensors, axis=dim % n)


def _is_dtype(arg) -> bool:
    return isinstance(arg, (np.dtype, torch_dtype)) or (
        isinstance(arg, type) and issubclass(arg, np.generic))
