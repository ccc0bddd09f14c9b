"""Tensor: an ndarray plus what autograd needs (requires_grad, grad, the Node that made it).

This file holds the class itself: construction, attributes, conversions, backward/detach.
Its other methods come from mixins, wired by hand to the op classes in `ops/` (every op goes
through `Function.apply`, which records the graph):

    tensor_math.py     arithmetic operators, elementwise math, clamp, activations; where
    tensor_compare.py  == != < <= > >= eq, & | ^ ~ bitwise_*, allclose/equal
    tensor_operands.py how arguments become operands (_t, fill values, masks, clamp bounds)
                       and PyTorch's refusals (bool sub/pow, integer division by zero)
    tensor_pointwise.py  ne/lt/..., logical_*, sign/floor/ceil/round, lerp, addcmul/addcdiv,
                       shifts, //= %= **= &= |= ^= <<= >>=
    tensor_reduce.py   sum/mean/max/min/prod/norm/cumsum/nansum, quantile, mode, all/any,
                       softmax family
    tensor_linalg.py   matmul, mm, bmm, einsum, tril/triu
    tensor_shape.py    reshape/view, permute, expand, indexing, split/chunk; cat, stack
    tensor_index.py    gather, scatter, index_select, sort/argsort/topk, nonzero, repeat, flip, roll
    tensor_factory.py  new_zeros/new_ones/new_full/new_tensor, multinomial
    tensor_inplace.py  add_/sub_/mul_/div_, +=, -=, *=, /=, fill_, copy_, scatter_, ...
    inplace_record.py  how in-place ops are recorded; t[i] = v; writes through views
    tensor_extra.py    tile, take_along_dim, index_fill/copy, masked_scatter, cummax, median,
                       kthvalue, trace, fmod, addmm, cross, kron, diagonal, ...
    dtypes.py          dtype aliases, supported dtypes, PyTorch's type promotion
    dims.py            dim and shape arguments, numpy's error messages reworded
"""
from __future__ import annotations

import warnings
from numbers import Number

import numpy as np

from . import (compat, dtypes, engine, function, hooks, inplace_record, saved, tensor_compare,
               tensor_inplace, tensor_math, tensor_operands, tensor_repr, tensor_shape)
from .device import as_device, cpu, is_device_string
from .dims import _axes, _numpy_message, _one_axis, _shape_arg  # noqa: F401  (re-exported)
from .dtypes import (_FLOATS, _KIND_RANK, _result_dtype,  # noqa: F401
                     _supported, bool_, float32, float64, int32, int64)
from .data_view import DataView
from .torch_errors import ArgumentError, DtypeError
from .function import Function
from .tensor_aliases import AliasMixin
from .tensor_arrange import ArrangeMixin
from .tensor_compare import CompareMixin
from .tensor_extra import ExtraMixin
from .tensor_factory import FactoryMixin
from .tensor_index import IndexMixin
from .tensor_index_more import IndexMoreMixin
from .tensor_inplace import InplaceMixin, _axpy_  # noqa: F401
from .tensor_linalg import LinalgMixin
from .tensor_math_more import MathMoreMixin
from .tensor_methods_more import MethodsMoreMixin
from .tensor_scatter_more import ScatterMoreMixin
from .linalg_legacy import LinalgLegacyMixin
from .tensor_pointwise import PointwiseMixin
from .tensor_reduce import ReduceMixin
from .tensor_math import MathMixin, MaxMin, matmul, where  # noqa: F401
from .tensor_operands import _t  # noqa: F401  (re-exported)
from .tensor_shape import (ShapeMixin, _index_arg, _same_rank_and_dtype,  # noqa: F401
                           cat, concat, stack)
from .tensor_special import SpecialMixin


def _to_array(data, dtype=None) -> np.ndarray:
    """PyTorch's rules: Python floats become the default dtype (float32 unless
    set_default_dtype changed it); numpy arrays keep their dtype."""
    if isinstance(data, Tensor):
        data = data._data
    try:
        if dtype is not None:
            return _supported(np.array(data, dtype=np.dtype(dtype)), "tensor")
        arr = np.array(data)
    except (ValueError, TypeError, OverflowError) as e:
        raise (TypeError if isinstance(e, TypeError) else ValueError)(
            f"tensor: cannot make a tensor from {type(data).__name__} data (ragged or "
            f"non-numeric?): {e}") from None
    if (not isinstance(data, (np.ndarray, np.generic)) and arr.dtype == np.float64
            and not (isinstance(data, (list, tuple)) and _holds_float64(data))):
        arr = arr.astype(dtypes._default_dtype)
    return _supported(arr, "tensor")


def _holds_float64(data) -> bool:
    """Whether a (nested) list or tuple holds a float64 array, tensor or numpy scalar: torch
    infers float64 from those, the default dtype from Python floats alone."""
    stack = [data]
    while stack:
        for x in stack.pop():
            if x.__class__ is float or x.__class__ is int:
                continue
            if isinstance(x, (list, tuple)):
                stack.append(x)
            elif getattr(x, "dtype", None) == np.float64:
                return True
    return False


def _constructor_array(args: tuple, dtype=None) -> np.ndarray:
    """Tensor(data) keeps an array's dtype, as autograd.tensor(data), but makes a Python list
    of ints or bools floats in the default dtype, as torch.Tensor([1, 2]) does; Tensor(2, 3),
    Tensor(n), Tensor(size) of a Size and Tensor() are torch.Tensor's size forms: zeros of
    that shape (torch leaves them uninitialized) in the default float dtype."""
    if len(args) == 1 and not isinstance(args[0], compat.Size) and (
            isinstance(args[0], bool) or not isinstance(args[0], (int, np.integer))):
        arr = _to_array(args[0], dtype)
        if dtype is None and isinstance(args[0], (list, tuple)) and arr.dtype.kind in "biu":
            arr = arr.astype(dtypes._default_dtype)
        return arr
    sizes = tuple(args[0]) if len(args) == 1 and isinstance(args[0], compat.Size) else args
    sizes = sizes if args else (0,)
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in sizes):
        raise TypeError(f"Tensor: expected data, or sizes as ints (Tensor(2, 3)), got "
                        f"{', '.join(type(a).__name__ for a in args)}")
    if any(n < 0 for n in sizes):
        raise ValueError(f"Tensor: negative dimension in size {tuple(int(n) for n in sizes)}")
    shape = tuple(int(n) for n in sizes)
    return np.zeros(shape, dtypes._default_dtype) if dtype is None else _to_array(
        np.zeros(shape), dtype)   # _to_array refuses the dtypes the engine does not support


_NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead.")

_TYPE_NAMES = {np.dtype(np.float32): "FloatTensor", np.dtype(np.float64): "DoubleTensor",
               np.dtype(np.int64): "LongTensor", np.dtype(np.int32): "IntTensor",
               np.dtype(np.int16): "ShortTensor", np.dtype(np.int8): "CharTensor",
               np.dtype(np.uint8): "ByteTensor", np.dtype(np.bool_): "BoolTensor"}


class Tensor(MathMixin, CompareMixin, PointwiseMixin, ReduceMixin, LinalgMixin, ShapeMixin,
             IndexMixin, FactoryMixin, InplaceMixin, IndexMoreMixin, ExtraMixin, SpecialMixin,
             ArrangeMixin, AliasMixin, MathMoreMixin, MethodsMoreMixin, ScatterMoreMixin,
             LinalgLegacyMixin):
    """An n-dimensional array that records the ops applied to it for reverse-mode autograd."""

    # _base: (the Tensor viewed, the view op, its params) for a view an op made, else None
    __slots__ = ("_data", "_grad", "_requires_grad", "_node", "_version", "_base",
                 "__weakref__")
    __array_priority__ = 1000  # ndarray <op> Tensor defers to the Tensor's reflected operator

    def __init__(self, *data, dtype=None, requires_grad=False):
        self._data = _constructor_array(data, dtype)
        self._grad = None
        self._node = None
        self._version = 0
        self._base = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _wrap(cls, data: np.ndarray, requires_grad: bool) -> "Tensor":
        t = object.__new__(cls)
        t._data, t._grad, t._requires_grad, t._node, t._version = data, None, requires_grad, None, 0
        t._base = None
        return t

    # ----------------------------------------------------------------- attributes
    @property
    def data(self) -> np.ndarray:
        """The tensor's memory outside the graph: an ndarray view of it that also answers
        PyTorch's tensor methods (see data_view). Assigning a new array counts as an
        in-place change: backward through an op that saved the old one raises."""
        return self._data.view(DataView)

    @data.setter
    def data(self, value):
        if saved._guards:
            saved.replaced(self._data)
        if isinstance(value, Tensor):
            value = value._data
        elif (isinstance(value, DataView) and value.base is self._data
              and value.shape == self._data.shape and value.strides == self._data.strides):
            value = self._data   # `t.data -= x`: written in place already, the same memory
        self._data = dtypes._supported(np.asarray(value), "Tensor.data")
        self._version += 1

    @property
    def grad(self):
        """The gradient backward accumulated here (None before the first one). Read on a
        non-leaf that does not retain its gradient, it warns as torch's does: backward never
        fills it (retain_grad() asks for it)."""
        g = self._grad
        if g is None and self._node is not None and not hooks.retains_grad(self):
            warnings.warn(_NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value):
        # checked as torch's: a gradient of another shape would be broadcast into by the
        # next backward, and the optimizer would fail far from the assignment
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad "
                                f"of type {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise ArgumentError(f"attempting to assign a gradient of size "
                                    f"{list(value._data.shape)} to a tensor of size "
                                    f"{list(self._data.shape)}")
            if value._data.dtype != self._data.dtype:
                raise ArgumentError(f"attempting to assign a gradient with dtype "
                                    f"{value._data.dtype} to a tensor of dtype "
                                    f"{self._data.dtype}")
        self._grad = value

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool):
        if value and self._data.dtype.kind != "f":
            raise DtypeError(f"requires_grad: only floating-point tensors can require grad, "
                             f"this one has dtype {self._data.dtype}")
        if not value and self._node is not None:
            raise RuntimeError("requires_grad: cannot turn off grad on a non-leaf tensor; "
                               "use detach()")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self.requires_grad = requires_grad
        return self

    # a torch.Size (a tuple: x.shape == (2, 3), x.shape.numel(), isinstance(..., autograd.Size))
    shape = property(lambda self: compat.Size(self._data.shape))
    dtype = property(lambda self: dtypes.of(self._data.dtype))   # torch's (see dtypes.dtype)
    ndim = property(lambda self: self._data.ndim)
    is_leaf = property(lambda self: self._node is None)
    grad_fn = property(lambda self: self._node)
    device = property(lambda self: cpu, doc="Always device('cpu'): the engine has no GPU backend.")
    is_cuda = property(lambda self: False)
    is_cpu = property(lambda self: True)

    def size(self, dim=None):
        """The shape as a torch.Size (a tuple), or the size of one dim."""
        return compat.Size(self._data.shape) if dim is None else self._data.shape[dim]

    def numel(self) -> int:
        return self._data.size

    def dim(self) -> int:
        return self._data.ndim

    def item(self):
        if self._data.size != 1:
            raise ArgumentError(f"item: a tensor of shape {tuple(self.shape)} has "
                                f"{self._data.size} "
                                f"elements, not one")
        return self._data.item()

    def numpy(self) -> np.ndarray:
        return self._data

    def tolist(self):
        return self._data.tolist()

    def __array__(self, dtype=None, copy=None):
        if copy:
            return np.array(self._data, dtype=dtype, copy=True)
        return self._data if dtype is None else self._data.astype(dtype, copy=False)

    def __dlpack__(self, **kwargs):
        """The DLPack capsule of the data (how torch.tensor(t) and np.from_dlpack(t) read a
        Tensor). An array a graph holds read-only is exported as a copy, which DLPack
        requires."""
        data = self._data
        if not data.flags.writeable:
            data = data.copy()
        return data.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __reversed__(self):
        """reversed(t): t flipped along dim 0 (a 0-d tensor as it is), as torch's."""
        return self.flip(0) if self._data.ndim else self

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"bool: a tensor of shape {tuple(self.shape)} with more than one "
                               f"element is ambiguous")
        return bool(self._data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self._data)

    __hash__ = object.__hash__

    def __repr__(self):
        """As PyTorch prints a tensor (see tensor_repr): `tensor([1.0000, 2.5000])`, the dtype
        named unless it is the default float dtype, int64 or bool."""
        a, suffixes = self._data, []
        dtype_shown = a.dtype not in (dtypes._default_dtype, np.int64, np.bool_)
        if a.size == 0:
            text = "[]"
            if a.ndim != 1:
                suffixes.append(f"size={tuple(a.shape)}")
            dtype_shown = a.dtype != dtypes._default_dtype
        elif a.dtype.kind in "fiub":
            text = tensor_repr.body(a, len("tensor("))
        else:   # a dtype torch's rules do not cover (complex): numpy's print
            text = np.array2string(a, separator=", ", prefix="tensor(")
        if dtype_shown:
            suffixes.append(f"dtype={dtypes.of(a.dtype)}")
        if self._node is not None:
            suffixes.append(f"grad_fn=<{self._node.name()}>")
        elif self._requires_grad:
            suffixes.append("requires_grad=True")
        return tensor_repr.with_suffixes("tensor(" + text, suffixes, len("tensor("))

    # ----------------------------------------------------------------- autograd
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's .grad (weighted by `gradient`); with
        `inputs`, into those tensors' .grad alone."""
        if create_graph or inputs is not None:
            from .backprop import backward
            backward(self, None if gradient is None else [gradient], retain_graph,
                     create_graph, inputs=inputs)
            return
        if not self._requires_grad:
            raise RuntimeError("backward: this tensor does not require grad and has no grad_fn "
                               "(was it computed under no_grad(), or from inputs that do not "
                               "require grad?)")
        if gradient is None:
            if self._data.size != 1:
                raise RuntimeError(f"backward: grad can be implicitly created only for a tensor "
                                   f"with one element; this one has shape {tuple(self.shape)}. "
                                   f"Pass `gradient`.")
            g = np.ones(self._data.shape, self._data.dtype)
        else:
            g = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient,
                           dtype=self._data.dtype)
            if g.shape != self._data.shape:
                raise ValueError(f"backward: gradient has shape {tuple(g.shape)} but the tensor "
                                 f"has shape {tuple(self._data.shape)}")
        engine.backward(self, g, bool(retain_graph))

    def register_hook(self, hook):
        """hook(grad: Tensor) -> Tensor | None runs on this tensor's gradient in every backward
        pass (leaf or not); a returned tensor of the same shape replaces the gradient.
        Returns a handle whose .remove() unregisters it."""
        return hooks.register_hook(self, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """hook(tensor) -> None runs after each backward pass has accumulated into this
        leaf's .grad. Returns a handle whose .remove() unregisters it."""
        return hooks.register_post_accumulate_grad_hook(self, hook)

    def retain_grad(self):
        """Keep this non-leaf tensor's gradient in .grad after backward (leaves always do)."""
        hooks.retain_grad(self)

    retains_grad = property(lambda self: hooks.retains_grad(self))

    def detach(self) -> "Tensor":
        """The same data, cut from the graph."""
        return Tensor._wrap(self._data, False)

    def detach_(self) -> "Tensor":
        self._node, self._requires_grad = None, False
        return self

    def clone(self) -> "Tensor":
        return Clone.apply(self)

    def contiguous(self) -> "Tensor":
        """self when its array is C-contiguous, else a recorded C-ordered copy (an expanded or
        transposed tensor then owns its memory: in-place ops on it change nothing else)."""
        return self if self._data.flags.c_contiguous else Clone.apply(self)

    def _cast(self, dtype) -> "Tensor":
        if isinstance(dtype, dtypes.UnsupportedDtype):
            raise TypeError(f"to: dtype {dtype} is not supported (floating point must be "
                            f"float32 or float64)")
        try:
            dtype = np.dtype(dtype)
        except TypeError as e:
            raise TypeError(f"to: {dtype!r} is not a dtype") from e
        _supported(np.empty(0, dtype), "to")
        return self if dtype == self._data.dtype else Cast.apply(self, dtype=dtype)

    def type(self, dtype=None, non_blocking=False):
        """Without dtype: PyTorch's type name ('torch.FloatTensor'); with one (a dtype or
        such a name): the tensor cast to it."""
        if dtype is None:
            return f"torch.{_TYPE_NAMES.get(self._data.dtype, 'Tensor')}"
        if isinstance(getattr(dtype, "dtype", None), np.dtype) and isinstance(dtype, type):
            dtype = dtype.dtype   # a legacy type: x.type(torch.FloatTensor)
        if isinstance(dtype, str) and dtype.startswith("torch."):
            named = {v: k for k, v in _TYPE_NAMES.items()}.get(dtype[len("torch."):])
            if named is None:
                raise TypeError(f"type: unknown tensor type {dtype!r}")
            dtype = named
        return self._cast(dtype)

    def to(self, *args, **kwargs) -> "Tensor":
        """PyTorch's three forms: to(dtype), to(device=None, dtype=None), to(other); each
        also takes non_blocking and copy. The device can only be the CPU. Returns self when
        nothing changes and copy is False."""
        if not kwargs and len(args) == 1 and isinstance(args[0], (np.dtype, dtypes.dtype)):
            return self._cast(args[0])
        device, dtype, non_blocking, copy = _to_args(args, kwargs)
        if device is not None:
            as_device(device, "to")
        out = self if dtype is None else self._cast(dtype)
        return Clone.apply(self) if copy and out is self else out

    def cpu(self) -> "Tensor":
        return self

    def cuda(self, device=None, non_blocking=False) -> "Tensor":
        raise RuntimeError("cuda: this engine runs on the CPU only (autograd.cuda.is_available() "
                           "is False); keep the tensor on 'cpu'")

    def float(self) -> "Tensor":
        return self._cast(float32)

    def double(self) -> "Tensor":
        return self._cast(float64)

    def half(self) -> "Tensor":
        """Refused: the engine computes in float32/float64 only (a clear TypeError)."""
        return self._cast(dtypes.float16)

    def bfloat16(self) -> "Tensor":
        """Refused: the engine computes in float32/float64 only (a clear TypeError)."""
        return self._cast(dtypes.bfloat16)

    def long(self) -> "Tensor":
        return self._cast(int64)

    def int(self) -> "Tensor":
        return self._cast(int32)

    def bool(self) -> "Tensor":
        return self._cast(bool_)

    # ----------------------------------------------------------------- operands
    def _operand(self, other):
        """other as a Tensor to combine with self; a Python number takes self's float dtype,
        an integer one self's integer dtype when it fits (as in PyTorch, a number does not
        widen a tensor of its kind, a 0-d one included). One out of that range stays int64
        (its value, for a float result): the integer ops wrap it into self's dtype."""
        if isinstance(other, Tensor):
            return other
        if other is None:   # as Python's message for a type the operator does not take
            raise TypeError("unsupported operand type(s): 'Tensor' and 'NoneType'")
        dtype = self._data.dtype
        cls = other.__class__
        if (cls is float or cls is int or isinstance(other, Number)) and dtype.kind == "f":
            return Tensor._wrap(np.asarray(other, dtype), False)
        if dtype.kind in "iu" and (cls is int or isinstance(other, np.integer)):
            try:   # numpy refuses a Python int out of dtype's range
                return Tensor._wrap(np.asarray(int(other), dtype), False)
            except OverflowError:
                if not -(1 << 63) <= other < (1 << 64):   # as PyTorch's conversion
                    raise OverflowError(f"int too big to convert: {other} cannot be combined "
                                        f"with a tensor of dtype {dtype}") from None
        arr = _to_array(other)  # Python lists of floats become float32, like tensor()
        if isinstance(other, (Number, np.generic)) and arr.dtype.kind == "f":
            arr = arr.astype(dtype if dtype.kind == "f" else dtypes._default_dtype)
        return Tensor._wrap(arr, False)


def _to_args(args, kwargs):
    """Tensor.to's arguments -> (device, dtype, non_blocking, copy)."""
    kwargs = dict(kwargs)
    unknown = set(kwargs) - {"device", "dtype", "non_blocking", "copy", "memory_format"}
    if unknown:
        raise TypeError(f"to: unexpected keyword argument(s) {sorted(unknown)}")
    kwargs.pop("memory_format", None)  # one memory layout here: any format is honoured
    args = list(args)
    device = dtype = None
    if args and isinstance(args[0], Tensor):
        dtype = args.pop(0).dtype
    elif args and (args[0] is None or is_device_string(args[0])
                   or isinstance(args[0], (cpu.__class__, int)) and not isinstance(args[0], bool)):
        device = args.pop(0)
        if args and not isinstance(args[0], bool):
            dtype = args.pop(0)
    elif args and not isinstance(args[0], bool):
        dtype = args.pop(0)
    flags = ["non_blocking", "copy"]
    if len(args) > len(flags):
        raise TypeError(f"to: too many positional arguments ({len(args)} left after the device "
                        f"and dtype)")
    values = dict(zip(flags, args))
    for name in ("device", "dtype", *flags):
        if name in kwargs:
            if name in values or (name == "device" and device is not None) or \
                    (name == "dtype" and dtype is not None):
                raise TypeError(f"to: got {name} both positionally and as a keyword")
            values[name] = kwargs[name]
    device = values.get("device", device)
    dtype = values.get("dtype", dtype)
    return device, dtype, bool(values.get("non_blocking", False)), bool(values.get("copy", False))


class Clone(Function):
    """y = copy of x;  dx = g."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return (g,)

    @staticmethod
    def backward_graph(ctx, g):
        return (g,)


class Cast(Function):
    """y = x.astype(dtype);  dx = g (the engine casts it back to x's dtype)."""

    @staticmethod
    def forward(ctx, x, dtype):
        # numpy keeps an expanded input's order (a transposed copy); torch's result is dense
        return x.astype(dtype, order="C" if 0 in x.strides else "K")

    @staticmethod
    def backward(ctx, g):
        return (g,)

    @staticmethod
    def backward_graph(ctx, g):
        return (g,)


# The mixins' modules and function.py sit below this one, so they get the class (and the
# constructor of op results) here, once it exists.
tensor_math.Tensor = tensor_compare.Tensor = tensor_operands.Tensor = Tensor
tensor_shape.Tensor = tensor_inplace.Tensor = inplace_record.Tensor = Tensor
function._wrap = Tensor._wrap
function._Tensor = Tensor
