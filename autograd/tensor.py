"""Tensor: an ndarray plus what autograd needs (requires_grad, grad, the Node that made it).

Operators and methods are wired by hand to the op classes in `ops/`; every op goes through
`Function.apply`, which records the graph.
"""
from __future__ import annotations

import functools
import re
from collections import namedtuple
from numbers import Number

import numpy as np

from . import engine, function, saved
from .function import Function, is_grad_enabled
from .kernels import update
from .ops import activation as A
from .ops import arithmetic as M
from .ops import linalg as L
from .ops import reduce as R
from .ops import shape as S

float32, float64 = np.dtype(np.float32), np.dtype(np.float64)
_FLOATS = (float32, float64)
int32, int64, bool_ = np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.bool_)
_default_dtype = float32

MaxMin = namedtuple("MaxMin", ["values", "indices"])


def _to_array(data, dtype=None) -> np.ndarray:
    """PyTorch's rules: Python floats become float32; numpy arrays keep their dtype."""
    if isinstance(data, Tensor):
        data = data.data
    try:
        if dtype is not None:
            return _supported(np.array(data, dtype=np.dtype(dtype)), "tensor")
        arr = np.array(data)
    except (ValueError, TypeError, OverflowError) as e:
        raise (TypeError if isinstance(e, TypeError) else ValueError)(
            f"tensor: cannot make a tensor from {type(data).__name__} data (ragged or "
            f"non-numeric?): {e}") from None
    if not isinstance(data, (np.ndarray, np.generic)) and arr.dtype == np.float64:
        arr = arr.astype(_default_dtype)
    return _supported(arr, "tensor")


def _supported(arr: np.ndarray, op: str) -> np.ndarray:
    """arr, if the engine computes in its dtype: float32/64, integers or bool (the kernels
    have no float16 or long double)."""
    if arr.dtype.kind not in "fiub" or (arr.dtype.kind == "f" and arr.dtype not in _FLOATS):
        raise TypeError(f"{op}: dtype {arr.dtype} is not supported (floating point must be "
                        f"float32 or float64; integers and bool are accepted)")
    return arr


def _axes(dim, ndim, op):
    """Normalize dim (None, int or sequence) to a sorted tuple of non-negative axes, or None."""
    if dim is None:
        return None
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if not all(isinstance(d, (int, np.integer)) for d in dims):
        raise TypeError(f"{op}: dim must be an int or a tuple of ints, got {dim!r}")
    if ndim == 0:
        if all(d in (0, -1) for d in dims):
            return None
        raise IndexError(f"{op}: dim {dim} is out of range for a 0-d tensor")
    out = []
    for d in dims:
        if not -ndim <= d < ndim:
            raise IndexError(f"{op}: dim {d} is out of range for a tensor with {ndim} dims "
                             f"(expected one in [{-ndim}, {ndim - 1}])")
        out.append(d % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: dim {dim} repeats an axis")
    return tuple(sorted(out))


def _one_axis(dim, ndim, op):
    axes = _axes(dim, max(ndim, 1), op)
    return axes[0]


def _shape_arg(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2}


def _result_dtype(da: np.dtype, db: np.dtype, a_is_0d=False, b_is_0d=False) -> np.dtype:
    """PyTorch's promotion, not numpy's: a higher kind (bool < int < float) wins outright
    (int64 + float32 -> float32), and a 0-d operand of the same kind does not widen a
    dimensioned one (float32 + 0-d float64 -> float32)."""
    if da == db:
        return da
    ka, kb = _KIND_RANK[da.kind], _KIND_RANK[db.kind]
    if ka != kb:
        return da if ka > kb else db
    if a_is_0d != b_is_0d:
        return db if a_is_0d else da
    return np.result_type(da, db)


def _axpy_(d: np.ndarray, alpha, o, ufunc):
    """d = ufunc(d, alpha * o) in place (np.add or np.subtract): one fused pass for a
    same-shape float array (an optimizer-style update), numpy's broadcasting path otherwise."""
    if (o.__class__ is np.ndarray
            and update.axpy_(d, alpha if ufunc is np.add else -alpha, o)):
        return
    if isinstance(o, (list, tuple)):  # [1, 2] * alpha would repeat the list
        o = np.asarray(o, d.dtype if d.dtype.kind == "f" else None)
    ufunc(d, o * alpha, out=d, casting="unsafe")


def _numpy_message(e: Exception) -> str:
    """numpy's message with its shapes spelled as Python tuples: (2,3) -> (2, 3)."""
    return re.sub(r"\((\d+(?:,\d+)+),?\)", lambda m: f"({m.group(1).replace(',', ', ')})",
                  str(e)).strip()


def _index_arg(index):
    """Replace Tensors inside an index by their arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


class Tensor:
    """An n-dimensional array that records the ops applied to it for reverse-mode autograd."""

    __slots__ = ("_data", "grad", "_requires_grad", "_node", "_version", "__weakref__")
    __array_priority__ = 1000  # ndarray <op> Tensor defers to the Tensor's reflected operator

    def __init__(self, data, dtype=None, requires_grad=False):
        self._data = _to_array(data, dtype)
        self.grad = None
        self._node = None
        self._version = 0
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _wrap(cls, data: np.ndarray, requires_grad: bool) -> "Tensor":
        t = object.__new__(cls)
        t._data, t.grad, t._requires_grad, t._node, t._version = data, None, requires_grad, None, 0
        return t

    # ----------------------------------------------------------------- attributes
    @property
    def data(self) -> np.ndarray:
        """The ndarray behind the tensor. Assigning a new one counts as an in-place change:
        backward through an op that saved the old one raises."""
        return self._data

    @data.setter
    def data(self, value):
        if saved._guards:
            saved.replaced(self._data)
        self._data = value.data if isinstance(value, Tensor) else np.asarray(value)
        self._version += 1

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool):
        if value and self.data.dtype.kind != "f":
            raise TypeError(f"requires_grad: only floating-point tensors can require grad, "
                            f"this one has dtype {self.data.dtype}")
        if not value and self._node is not None:
            raise RuntimeError("requires_grad: cannot turn off grad on a non-leaf tensor; "
                               "use detach()")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self.requires_grad = requires_grad
        return self

    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    is_leaf = property(lambda self: self._node is None)
    grad_fn = property(lambda self: self._node)
    T = property(lambda self: self.permute(*reversed(range(self.data.ndim))))

    def size(self, dim=None):
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        return self.data.size

    def dim(self) -> int:
        return self.data.ndim

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item: a tensor of shape {self.shape} has {self.data.size} "
                             f"elements, not one")
        return self.data.item()

    def numpy(self) -> np.ndarray:
        return self.data

    def tolist(self):
        return self.data.tolist()

    def __array__(self, dtype=None, copy=None):
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError(f"bool: a tensor of shape {self.shape} with more than one "
                               f"element is ambiguous")
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.data)

    __hash__ = object.__hash__

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="tensor(", threshold=200)
        extra = ""
        if self.data.dtype != _default_dtype and self.data.dtype.kind == "f":
            extra += f", dtype={self.data.dtype}"
        if self._node is not None:
            extra += f", grad_fn={self._node!r}"
        elif self._requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    # ----------------------------------------------------------------- autograd
    def backward(self, gradient=None, retain_graph: bool = False):
        """Accumulate d(self)/d(leaf) into every leaf's .grad (weighted by `gradient`)."""
        if not self._requires_grad:
            raise RuntimeError("backward: this tensor does not require grad and has no grad_fn "
                               "(was it computed under no_grad(), or from inputs that do not "
                               "require grad?)")
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(f"backward: grad can be implicitly created only for a tensor "
                                   f"with one element; this one has shape {self.shape}. Pass "
                                   f"`gradient`.")
            g = np.ones(self.data.shape, self.data.dtype)
        else:
            g = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient,
                           dtype=self.data.dtype)
            if g.shape != self.data.shape:
                raise ValueError(f"backward: gradient has shape {g.shape} but the tensor has "
                                 f"shape {self.data.shape}")
        engine.backward(self, g, retain_graph)

    def detach(self) -> "Tensor":
        """The same data, cut from the graph."""
        return Tensor._wrap(self.data, False)

    def detach_(self) -> "Tensor":
        self._node, self._requires_grad = None, False
        return self

    def clone(self) -> "Tensor":
        return Clone.apply(self)

    def contiguous(self) -> "Tensor":
        return self

    def to(self, dtype) -> "Tensor":
        try:
            dtype = np.dtype(dtype)
        except TypeError as e:
            raise TypeError(f"to: {dtype!r} is not a dtype") from e
        _supported(np.empty(0, dtype), "to")
        return self if dtype == self.data.dtype else Cast.apply(self, dtype=dtype)

    type = to

    def float(self) -> "Tensor":
        return self.to(float32)

    def double(self) -> "Tensor":
        return self.to(float64)

    def long(self) -> "Tensor":
        return self.to(int64)

    def int(self) -> "Tensor":
        return self.to(int32)

    def bool(self) -> "Tensor":
        return self.to(bool_)

    # ----------------------------------------------------------------- in place
    def _inplace_check(self, op):
        if self._requires_grad and self._node is None and is_grad_enabled():
            raise RuntimeError(f"{op}: a leaf tensor that requires grad cannot be modified in "
                               f"place; do it under autograd.no_grad(), or on .data")
        if self._node is not None and is_grad_enabled():
            raise RuntimeError(f"{op}: in-place modification of a tensor that is part of the "
                               f"graph is not supported; use the out-of-place op")
        self._version += 1

    def __setitem__(self, index, value):
        self._inplace_check("__setitem__")
        value = value.data if isinstance(value, Tensor) else value
        try:
            with saved.writable(self._data):
                self._data[_index_arg(index)] = value
        except (ValueError, TypeError, IndexError, OverflowError) as e:
            kind = IndexError if isinstance(e, IndexError) else type(e)
            kind = ValueError if kind is OverflowError else kind
            raise kind(f"setitem: cannot assign a value of shape {np.shape(value)} at index "
                       f"{index!r} of a tensor of shape {self.shape} and dtype "
                       f"{self.dtype}: {_numpy_message(e)}") from None

    def _apply_inplace(self, op, fn, other=None):
        self._inplace_check(op)
        other = other._data if isinstance(other, Tensor) else other
        if other is not None and not (other.__class__ is np.ndarray
                                      and other.shape == self._data.shape):
            shape = np.shape(other)
            try:
                ok = np.broadcast_shapes(shape, self._data.shape) == self._data.shape
            except ValueError:
                ok = False
            if not ok:
                raise ValueError(f"{op}: an operand of shape {shape} cannot be applied in place "
                                 f"to a tensor of shape {self.shape}")
        try:
            with saved.writable(self._data):
                fn(self._data, other)
        except (ValueError, TypeError, OverflowError) as e:
            raise (TypeError if isinstance(e, TypeError) else ValueError)(
                f"{op}: cannot apply {other!r} in place to a tensor of shape {self.shape} and "
                f"dtype {self.dtype}: {_numpy_message(e)}") from None
        return self

    def add_(self, other, alpha=1):
        return self._apply_inplace("add_", lambda d, o: _axpy_(d, alpha, o, np.add), other)

    def sub_(self, other, alpha=1):
        return self._apply_inplace("sub_", lambda d, o: _axpy_(d, alpha, o, np.subtract), other)

    def mul_(self, other):
        return self._apply_inplace("mul_", lambda d, o: np.multiply(d, o, out=d, casting="unsafe"), other)

    def div_(self, other):
        return self._apply_inplace("div_", lambda d, o: np.divide(d, o, out=d, casting="unsafe"), other)

    def fill_(self, value):
        return self._apply_inplace("fill_", lambda d, o: d.fill(o), value)

    def zero_(self):
        return self.fill_(0)

    def copy_(self, src):
        return self._apply_inplace("copy_", lambda d, o: np.copyto(d, o, casting="unsafe"), src)

    def clamp_(self, min=None, max=None):
        return self._apply_inplace("clamp_", lambda d, o: np.clip(d, min, max, out=d))

    # ----------------------------------------------------------------- arithmetic
    def _operand(self, other):
        if isinstance(other, Tensor):
            return other
        dtype = self._data.dtype
        if isinstance(other, Number) and dtype.kind == "f":
            return Tensor._wrap(np.asarray(other, dtype), False)
        arr = _to_array(other)  # Python lists of floats become float32, like tensor()
        if isinstance(other, (Number, np.generic)) and arr.dtype.kind == "f":
            arr = arr.astype(dtype if dtype.kind == "f" else _default_dtype)
        return Tensor._wrap(arr, False)

    def _floating(self) -> "Tensor":
        """self, or self cast to the default float dtype if it holds integers or bools."""
        return self if self.data.dtype.kind == "f" else self.to(_default_dtype)

    def _binary(self, fn, other, reverse=False, floating=False):
        other = self._operand(other)
        a, b = (other, self) if reverse else (self, other)
        da, db = a._data.dtype, b._data.dtype
        if da != db or (floating and da.kind != "f"):  # the common case skips promotion
            dtype = _result_dtype(da, db, a._data.ndim == 0, b._data.ndim == 0)
            if floating and dtype.kind != "f":
                dtype = _default_dtype
            if da != dtype:
                a = a.to(dtype)
            if db != dtype:
                b = b.to(dtype)
        try:
            return fn.apply(a, b)
        except ValueError as e:
            if a.data.shape == b.data.shape:
                raise
            raise ValueError(f"{fn.__name__.lower()}: shapes {a.data.shape} and {b.data.shape} "
                             f"cannot be broadcast together") from e

    def __add__(self, other):
        return self._binary(M.Add, other)

    def __radd__(self, other):
        return self._binary(M.Add, other, reverse=True)

    def __sub__(self, other):
        return self._binary(M.Sub, other)

    def __rsub__(self, other):
        return self._binary(M.Sub, other, reverse=True)

    def __mul__(self, other):
        return self._binary(M.Mul, other)

    def __rmul__(self, other):
        return self._binary(M.Mul, other, reverse=True)

    def __truediv__(self, other):
        return self._binary(M.Div, other, floating=True)

    def __rtruediv__(self, other):
        return self._binary(M.Div, other, reverse=True, floating=True)

    def __pow__(self, other):
        if isinstance(other, Number):
            if isinstance(other, float) or self.data.dtype == bool_:
                return M.PowScalar.apply(self._floating(), p=other)
            if self.data.dtype.kind != "f" and other < 0:
                raise ValueError(f"pow: integer tensors cannot be raised to a negative integer "
                                 f"power ({other}); convert to float first")
            return M.PowScalar.apply(self, p=other)
        return self._binary(M.Pow, other)

    def __rpow__(self, other):
        if isinstance(other, Number) and other > 0 and self.data.dtype.kind == "f":
            return M.RPowScalar.apply(self, c=other)
        return self._binary(M.Pow, other, reverse=True)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(self._operand(other), self)

    def __neg__(self):
        return M.Neg.apply(self)

    def __pos__(self):
        return self

    add = __add__
    sub = __sub__
    mul = __mul__
    div = __truediv__
    pow = __pow__
    neg = __neg__

    def _compare(self, ufunc, other):
        o = other.data if isinstance(other, Tensor) else other
        try:
            return Tensor._wrap(np.asarray(ufunc(self.data, o)), False)
        except (ValueError, TypeError) as e:
            raise type(e)(f"{ufunc.__name__}: cannot compare a tensor of shape {self.shape} and "
                          f"dtype {self.dtype} with {type(other).__name__} of shape "
                          f"{np.shape(o)}: {_numpy_message(e)}") from None

    def __lt__(self, other):
        return self._compare(np.less, other)

    def __le__(self, other):
        return self._compare(np.less_equal, other)

    def __gt__(self, other):
        return self._compare(np.greater, other)

    def __ge__(self, other):
        return self._compare(np.greater_equal, other)

    def __eq__(self, other):
        return self._compare(np.equal, other)

    def __ne__(self, other):
        return self._compare(np.not_equal, other)

    def __invert__(self):
        if self.data.dtype != bool_:
            raise TypeError(f"~: only bool tensors can be inverted, not {self.data.dtype}")
        return Tensor._wrap(~self.data, False)

    def __and__(self, other):
        return self._compare(np.logical_and, other)

    def __or__(self, other):
        return self._compare(np.logical_or, other)

    def eq(self, other):
        return self == other

    def exp(self):
        return M.Exp.apply(self._floating())

    def log(self):
        return M.Log.apply(self._floating())

    def sqrt(self):
        return M.Sqrt.apply(self._floating())

    def abs(self):
        return M.Abs.apply(self)

    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise ValueError("clamp: at least one of min and max must be given")
        if self.data.dtype.kind in "iu":  # bounds outside the integer range clamp nothing
            info = np.iinfo(self.data.dtype)
            min = None if min is None else np.clip(min, info.min, info.max)
            max = None if max is None else np.clip(max, info.min, info.max)
        return M.Clamp.apply(self, lo=min, hi=max)

    clip = clamp

    def maximum(self, other):
        return self._binary(M.Maximum, other)

    def minimum(self, other):
        return self._binary(M.Minimum, other)

    # ----------------------------------------------------------------- activations
    def relu(self):
        return A.ReLU.apply(self)

    def tanh(self):
        return A.Tanh.apply(self._floating())

    def sigmoid(self):
        return A.Sigmoid.apply(self._floating())

    def leaky_relu(self, negative_slope=0.01):
        return A.LeakyReLU.apply(self._floating(), slope=float(negative_slope))

    def step(self):
        return A.Step.apply(self)

    def softmax(self, dim=-1):
        return A.Softmax.apply(self._floating(), axis=_one_axis(dim, self.data.ndim, "softmax"))

    def log_softmax(self, dim=-1):
        return A.LogSoftmax.apply(self._floating(),
                                  axis=_one_axis(dim, self.data.ndim, "log_softmax"))

    # ----------------------------------------------------------------- reductions
    def sum(self, dim=None, keepdim=False):
        return R.Sum.apply(self, axis=_axes(dim, self.data.ndim, "sum"), keepdims=keepdim)

    def mean(self, dim=None, keepdim=False):
        if self.data.dtype.kind != "f":
            raise TypeError(f"mean: needs a floating-point tensor, got dtype {self.data.dtype}")
        return R.Mean.apply(self, axis=_axes(dim, self.data.ndim, "mean"), keepdims=keepdim)

    def var(self, dim=None, unbiased=True, keepdim=False, correction=None):
        c = (1 if unbiased else 0) if correction is None else correction
        return R.Var.apply(self._floating(), axis=_axes(dim, self.data.ndim, "var"),
                           correction=c, keepdims=keepdim)

    def std(self, dim=None, unbiased=True, keepdim=False, correction=None):
        c = (1 if unbiased else 0) if correction is None else correction
        return R.Std.apply(self._floating(), axis=_axes(dim, self.data.ndim, "std"),
                           correction=c, keepdims=keepdim)

    def _extreme(self, dim, keepdim, mode):
        if self.data.size == 0:
            raise RuntimeError(f"{mode}: cannot reduce an empty tensor of shape {self.shape}")
        if dim is None:
            return R.AMax.apply(self, axis=None, keepdims=False, mode=mode)
        axis = _one_axis(dim, self.data.ndim, mode)
        if self.data.ndim == 0:
            return MaxMin(self, Tensor._wrap(np.zeros((), np.int64), False))
        arg = np.argmax if mode == "max" else np.argmin
        idx = np.expand_dims(arg(self.data, axis=axis), axis)
        values = R.Gather.apply(self, index=idx, axis=axis)
        if not keepdim:
            values = values.squeeze(axis)
            idx = np.squeeze(idx, axis)
        return MaxMin(values, Tensor._wrap(idx, False))

    def max(self, dim=None, keepdim=False):
        """Max of all elements; or, with dim, (values, indices) along dim like PyTorch."""
        return self._extreme(dim, keepdim, "max")

    def min(self, dim=None, keepdim=False):
        return self._extreme(dim, keepdim, "min")

    def amax(self, dim=None, keepdim=False):
        return R.AMax.apply(self, axis=self._nonempty_axes(dim, "amax"), keepdims=keepdim,
                            mode="max")

    def amin(self, dim=None, keepdim=False):
        return R.AMax.apply(self, axis=self._nonempty_axes(dim, "amin"), keepdims=keepdim,
                            mode="min")

    def _nonempty_axes(self, dim, op):
        """The reduction axes of a max-like op, none of which may be empty (no identity)."""
        axes = _axes(dim, self.data.ndim, op)
        shape = self.data.shape
        if any(shape[a] == 0 for a in (range(len(shape)) if axes is None else axes)):
            raise RuntimeError(f"{op}: cannot reduce over an empty dim of a tensor of shape "
                               f"{shape} (dim={dim}); the reduction has no identity")
        return axes

    def logsumexp(self, dim, keepdim=False):
        axis = _axes(dim, self.data.ndim, "logsumexp")
        return R.LogSumExp.apply(self._floating(), axis=axis, keepdims=keepdim)

    def argmax(self, dim=None, keepdim=False):
        return self._arg(np.argmax, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return self._arg(np.argmin, dim, keepdim)

    def _arg(self, fn, dim, keepdim):
        if self.data.size == 0:
            raise RuntimeError(f"{fn.__name__}: cannot reduce an empty tensor of shape {self.shape}")
        if dim is None:
            return Tensor._wrap(np.asarray(fn(self.data), np.int64), False)
        axis = _one_axis(dim, self.data.ndim, fn.__name__)
        if self.data.ndim == 0:
            return Tensor._wrap(np.zeros((), np.int64), False)
        return Tensor._wrap(np.asarray(fn(self.data, axis=axis, keepdims=keepdim), np.int64), False)

    # ----------------------------------------------------------------- shape
    def reshape(self, *shape):
        shape = _shape_arg(shape)
        try:
            return S.Reshape.apply(self, shape=shape)
        except ValueError as e:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {self.shape} "
                             f"({self.data.size} elements) into shape {shape}") from e

    view = reshape

    def view_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        if self.data.ndim == 0:
            _one_axis(start_dim, 0, "flatten"), _one_axis(end_dim, 0, "flatten")
            return self.reshape(1)
        s = _one_axis(start_dim, self.data.ndim, "flatten")
        e = _one_axis(end_dim, self.data.ndim, "flatten")
        if s > e:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                             f"for a tensor of shape {self.shape}")
        shape = self.data.shape
        return self.reshape(shape[:s] + (int(np.prod(shape[s:e + 1])),) + shape[e + 1:])

    def permute(self, *dims):
        dims = _shape_arg(dims)
        n = self.data.ndim
        for d in dims:
            if not -n <= d < n:
                raise IndexError(f"permute: dim {d} is out of range for a tensor of shape "
                                 f"{self.shape}")
        if sorted(d % n for d in dims) != list(range(n)):
            raise ValueError(f"permute: dims {dims} are not a permutation of the "
                             f"{self.data.ndim} dims of a tensor of shape {self.shape}")
        return S.Permute.apply(self, axes=tuple(d % n for d in dims))

    def transpose(self, dim0, dim1):
        n = self.data.ndim
        a, b = _one_axis(dim0, n, "transpose"), _one_axis(dim1, n, "transpose")
        if n < 2:
            return self
        axes = list(range(n))
        axes[a], axes[b] = axes[b], axes[a]
        return S.Permute.apply(self, axes=tuple(axes))

    def t(self):
        return self.transpose(0, 1)

    def squeeze(self, dim=None):
        if dim is None:
            shape = tuple(n for n in self.data.shape if n != 1)
        else:
            axes = _axes(dim, self.data.ndim, "squeeze") or ()
            shape = tuple(n for i, n in enumerate(self.data.shape) if not (i in axes and n == 1))
        return self if shape == self.data.shape else S.Reshape.apply(self, shape=shape)

    def unsqueeze(self, dim):
        n = self.data.ndim + 1
        if not isinstance(dim, (int, np.integer)):
            raise TypeError(f"unsqueeze: dim must be an int, got {dim!r}")
        if not -n <= dim < n:
            raise IndexError(f"unsqueeze: dim {dim} is out of range for a result with {n} dims")
        d = dim % n
        return S.Reshape.apply(self, shape=self.data.shape[:d] + (1,) + self.data.shape[d:])

    def expand(self, *sizes):
        sizes = _shape_arg(sizes)
        lead = len(sizes) - self.data.ndim
        if lead < 0:
            raise ValueError(f"expand: cannot expand shape {self.shape} to fewer dims {sizes}")
        shape = tuple(self.data.shape[i - lead] if (s == -1 and i >= lead) else s
                      for i, s in enumerate(sizes))
        try:
            ok = all(isinstance(n, (int, np.integer)) and n >= 0 for n in shape) and \
                np.broadcast_shapes(self.data.shape, shape) == shape
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"expand: cannot expand shape {self.shape} to {sizes}")
        return S.Expand.apply(self, shape=shape)

    def expand_as(self, other):
        return self.expand(other.shape)

    def __getitem__(self, index):
        index = _index_arg(index)
        try:
            return S.GetItem.apply(self, index=index)
        except (IndexError, ValueError, TypeError) as e:
            raise type(e)(f"index: {_numpy_message(e)} (tensor of shape {self.shape})") from None

    def split(self, split_size_or_sections, dim=0):
        if self.data.ndim == 0:
            raise RuntimeError("split: a 0-d tensor cannot be split")
        axis = _one_axis(dim, self.data.ndim, "split")
        n = self.data.shape[axis]
        if isinstance(split_size_or_sections, int):
            if split_size_or_sections <= 0:
                raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
            sizes = [min(split_size_or_sections, n - s) for s in range(0, n, split_size_or_sections)]
        else:
            sizes = list(split_size_or_sections)
            if sum(sizes) != n:
                raise ValueError(f"split: sections {sizes} do not sum to size {n} of dim {dim}")
        out, start = [], 0
        for s in sizes:
            index = (slice(None),) * axis + (slice(start, start + s),)
            out.append(self[index])
            start += s
        return tuple(out)

    def chunk(self, chunks, dim=0):
        if not isinstance(chunks, (int, np.integer)) or chunks <= 0:
            raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
        if self.data.ndim == 0:
            raise RuntimeError("chunk: a 0-d tensor cannot be chunked")
        n = self.data.shape[_one_axis(dim, self.data.ndim, "chunk")]
        return self.split(max(-(-n // chunks), 1), dim)

    def masked_fill(self, mask, value):
        mask = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
        return where(mask, self._operand(value), self)


class Clone(Function):
    """y = copy of x;  dx = g."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return (g,)


class Cast(Function):
    """y = x.astype(dtype);  dx = g (the engine casts it back to x's dtype)."""

    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return (g,)


function._wrap = Tensor._wrap


# --------------------------------------------------------------------- functions
def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def matmul(a, b) -> Tensor:
    """a @ b with numpy's rules: (..., n, k) @ (..., k, m) -> (..., n, m); 1-D operands allowed."""
    a, b = _t(a), _t(b)
    sa, sb = a.data.shape, b.data.shape
    if a.data.ndim == 0 or b.data.ndim == 0:
        raise ValueError(f"matmul: both operands need at least one dim, got shapes {sa} and {sb}")
    if sa[-1] != sb[-2 if len(sb) > 1 else 0]:
        raise ValueError(f"matmul: shapes {sa} and {sb} are not aligned "
                         f"({sa[-1]} != {sb[-2 if len(sb) > 1 else 0]})")
    if a.data.dtype != b.data.dtype:
        raise RuntimeError(f"matmul: expected both operands to have the same dtype, got "
                           f"{a.data.dtype} and {b.data.dtype}")
    try:
        return L.MatMul.apply(a, b)
    except ValueError as e:
        raise ValueError(f"matmul: batch dims of shapes {sa} and {sb} cannot be broadcast") from e


def where(condition, input, other) -> Tensor:
    """input where condition else other, broadcasting all three."""
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got dtype {cond.dtype}")
    a = input if isinstance(input, Tensor) else None
    b = other if isinstance(other, Tensor) else None
    if a is None and b is None:
        a, b = Tensor(input), Tensor(other)
    elif a is None:
        a = b._operand(input)
    elif b is None:
        b = a._operand(other)
    dtype = _result_dtype(a.data.dtype, b.data.dtype, a.data.ndim == 0, b.data.ndim == 0)
    a, b = a.to(dtype), b.to(dtype)
    try:
        return M.Where.apply(a, b, cond=cond)
    except ValueError as e:
        raise ValueError(f"where: shapes {cond.shape}, {a.shape} and {b.shape} cannot be "
                         f"broadcast together") from e


def _same_rank_and_dtype(tensors, op):
    if len(tensors) == 0:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    tensors = [_t(t) for t in tensors]
    common = functools.reduce(_result_dtype, [t.data.dtype for t in tensors])
    return [t.to(common) for t in tensors]


def cat(tensors, dim=0) -> Tensor:
    """Join tensors along an existing dim; all other dims must match."""
    tensors = _same_rank_and_dtype(tensors, "cat")
    ref = tensors[0].data
    if any(t.data.ndim == 0 for t in tensors):
        raise ValueError(f"cat: 0-d tensors cannot be concatenated (shapes "
                         f"{[tuple(x.shape) for x in tensors]}); use stack")
    axis = _one_axis(dim, ref.ndim, "cat")
    for t in tensors:
        s = t.data.shape
        if t.data.ndim != ref.ndim or s[:axis] + s[axis + 1:] != ref.shape[:axis] + ref.shape[axis + 1:]:
            raise ValueError(f"cat: shapes {[tuple(x.shape) for x in tensors]} do not match "
                             f"outside dim {dim}")
    return S.Cat.apply(*tensors, axis=axis)


concat = cat


def stack(tensors, dim=0) -> Tensor:
    """Join same-shape tensors along a new dim."""
    tensors = _same_rank_and_dtype(tensors, "stack")
    shapes = {t.data.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors must have the same shape, got "
                         f"{[tuple(x.shape) for x in tensors]}")
    n = tensors[0].data.ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"stack: dim {dim} is out of range for a result with {n} dims")
    return S.Stack.apply(*tensors, axis=dim % n)
