"""Tensor's arithmetic operators, elementwise math, clamp and activation methods (a mixin
of Tensor), and the free function where.

Every method goes through an op class of `ops/` (`Function.apply` records the graph). The
comparison and bitwise operators are in tensor_compare.py; the argument conversions and
checks these mixins share (fill values, masks, clamp bounds) in tensor_operands.py.
"""
from __future__ import annotations

from numbers import Number

import numpy as np

from . import dtypes
from .dims import _one_axis
from .dtypes import _result_dtype, bool_
from .ops import activation as A
from .ops import arithmetic as M
from .ops import clamp as C
from .ops import elementwise_more as E
from .ops import unary as U
from .torch_errors import ArgumentError, DtypeError
from .tensor_linalg import bmm, einsum, matmul, mm  # noqa: F401  (re-exported)
from .tensor_operands import (_check_divisor, _int_number, _no_bool_pow, _t, bool_sub,
                              fill_value, int_bound, mask_arg, no_bool_bounds)
from .tensor_reduce import MaxMin  # noqa: F401  (re-exported)

# tensor.py defines Tensor on top of this module's mixin, so it binds the class here once it
# exists (the code below only uses it at call time).
Tensor = None


class MathMixin:
    """Arithmetic operators, elementwise math, clamp and activations of Tensor (the comparison
    and bitwise operators come from CompareMixin; the named comparisons, logical and rounding
    methods from PointwiseMixin)."""

    __slots__ = ()

    # ----------------------------------------------------------------- arithmetic
    def _floating(self) -> "Tensor":
        """self, or self cast to the default float dtype if it holds integers or bools."""
        return self if self._data.dtype.kind == "f" else self.to(dtypes._default_dtype)

    def _binary(self, fn, other, reverse=False, floating=False):
        o = self._operand(other)
        a, b = (o, self) if reverse else (self, o)
        da, db = a._data.dtype, b._data.dtype
        if da != db or (floating and da.kind != "f"):  # the common case skips promotion
            if o is not other and not floating and da.kind in "iu" and db.kind in "iu":
                return self._binary(fn, _int_number(self, other, o), reverse)
            if fn is M.Sub and (da.kind == "b" or db.kind == "b"):
                bool_sub(a, b)
            dtype = _result_dtype(da, db, a._data.ndim == 0, b._data.ndim == 0)
            # a quotient of integers is in the default float dtype, and so is one of an
            # integer tensor and a number (even one held as uint64: 2**63)
            if floating and (dtype.kind != "f" or o is not other and self._data.dtype.kind != "f"):
                dtype = dtypes._default_dtype
            if da != dtype:
                a = a.to(dtype)
            if db != dtype:
                b = b.to(dtype)
        try:
            return fn.apply(a, b)
        except ValueError as e:
            if a._data.shape == b._data.shape:
                raise
            raise ArgumentError(f"{fn.__name__.lower()}: shapes {tuple(a._data.shape)} and "
                                f"{tuple(b._data.shape)} cannot be broadcast together") from e
        except TypeError:
            if fn is M.Sub and da.kind == "b":   # numpy's refusal, in PyTorch's words
                bool_sub(a, b)
            raise

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
        if isinstance(other, np.generic) and other.ndim == 0:
            other = other.item()   # a number, as torch takes a numpy scalar: it never widens
        if isinstance(other, Number):
            if isinstance(other, float):
                return M.PowScalar.apply(self._floating(), p=other)
            if self._data.dtype == bool_:
                # as PyTorch: a bool exponent keeps bool (x ** True is x, x ** False all
                # True), an integer one gives int64
                if other.__class__ is bool:
                    return Tensor._wrap(self._data | (not other), False)
                return self.to(dtypes.int64) ** other
            if self._data.dtype.kind != "f" and other < 0:
                raise ArgumentError(f"pow: Integers to negative integer powers are not allowed "
                                    f"(an integer tensor to the power {other}); convert to "
                                    f"float first")
            return M.PowScalar.apply(self, p=other)
        return self._binary(M.Pow, _no_bool_pow(self, other))

    def __rpow__(self, other):
        if isinstance(other, np.generic) and other.ndim == 0:
            other = other.item()
        if isinstance(other, Number) and other > 0 and self._data.dtype.kind == "f":
            return M.RPowScalar.apply(self, c=other)
        return self._binary(M.Pow, _no_bool_pow(self, other), reverse=True)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(self._operand(other), self)

    def __floordiv__(self, other):
        return self._floor_div(other)

    def __rfloordiv__(self, other):
        return self._floor_div(other, reverse=True)

    def __mod__(self, other):
        other = _int_number(self, other, self._operand(other))
        _check_divisor(self, other, "remainder")
        return self._binary(M.Remainder, other)

    def __rmod__(self, other):
        other = _int_number(self, other, self._operand(other))
        _check_divisor(other, self, "remainder")
        return self._binary(M.Remainder, other, reverse=True)

    def floor_divide(self, other):
        return self._floor_div(other)

    def remainder(self, other):
        return self % other

    def _floor_div(self, other, reverse=False):
        """floor(a / b) rounded as Python's //. It has no derivative: as in PyTorch, a result
        of inputs that require grad requires grad too, and a backward pass through it raises."""
        other = _int_number(self, other, self._operand(other))
        a, b = (other, self) if reverse else (self, other)
        dtype = _result_dtype(a._data.dtype, b._data.dtype, a._data.ndim == 0, b._data.ndim == 0)
        _check_divisor(a, b, "floor_divide")
        try:
            # x // 0.0 is +-inf or nan; a huge quotient overflows to inf
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                out = np.floor_divide(a.data.astype(dtype, copy=False),
                                      b.data.astype(dtype, copy=False))
        except ValueError as e:
            raise ValueError(f"floor_divide: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot "
                             f"be broadcast together") from e
        if a._requires_grad or b._requires_grad:
            return E.NoDerivative.apply(a, b, value=np.asarray(out, dtype), op="floor_divide")
        return Tensor._wrap(np.asarray(out, dtype), False)

    def __neg__(self):
        if self._data.dtype == np.bool_:
            raise TypeError(f"neg: the `-` operator on a bool tensor (shape {tuple(self.shape)}) "
                            f"is not supported; to invert a mask use `~` or logical_not()")
        return M.Neg.apply(self)

    def __pos__(self):
        return self

    def add(self, other, *, alpha=1):
        """self + alpha * other (an integer or bool tensor takes an integer alpha only; two
        bool operands give bool, self or (alpha and other), as in PyTorch)."""
        if alpha == 1 and alpha.__class__ is int:
            return self._binary(M.Add, other)
        return _scaled("add", self, other, alpha)

    def sub(self, other, *, alpha=1):
        """self - alpha * other (no bool operand, as in PyTorch)."""
        if alpha == 1 and alpha.__class__ is int:
            return self._binary(M.Sub, other)
        return _scaled("sub", self, other, alpha)

    def div(self, other, *, rounding_mode=None):
        """self / other in floating point; rounding_mode 'trunc' or 'floor' rounds the
        quotient (toward zero, or down) in the operands' promoted dtype, as divide."""
        if rounding_mode is None:
            return self._binary(M.Div, other, floating=True)
        return self.divide(other, rounding_mode=rounding_mode)

    mul = __mul__
    pow = __pow__
    neg = __neg__

    def exp(self):
        return M.Exp.apply(self._floating())

    def log(self):
        return M.Log.apply(self._floating())

    def sqrt(self):
        return M.Sqrt.apply(self._floating())

    def abs(self):
        return M.Abs.apply(self)

    def sin(self):
        return U.Sin.apply(self._floating())

    def cos(self):
        return U.Cos.apply(self._floating())

    def tan(self):
        return U.Tan.apply(self._floating())

    def log1p(self):
        return U.Log1p.apply(self._floating())

    def expm1(self):
        return U.Expm1.apply(self._floating())

    def rsqrt(self):
        return U.Rsqrt.apply(self._floating())

    def square(self):
        x = self.to(dtypes.int64) if self._data.dtype == np.bool_ else self   # torch: int64
        return x * x

    def reciprocal(self):
        return 1 / self._floating()

    def isnan(self):
        return Tensor._wrap(np.isnan(self._data), False)

    def isinf(self):
        return Tensor._wrap(np.isinf(self._data), False)

    def isfinite(self):
        return Tensor._wrap(np.isfinite(self._data), False)

    def __format__(self, format_spec):
        """A 0-d tensor formats as its number (f"{loss:.4f}"); others only as str(t)."""
        if self._data.ndim == 0:
            return self._data.item().__format__(format_spec)
        if format_spec:
            raise TypeError(f"format: spec {format_spec!r} needs a 0-d tensor, this one has "
                            f"shape {tuple(self.shape)}; use t.item() or index it")
        return str(self)

    def clamp(self, min=None, max=None):
        """min(max(self, min), max); a bound may be a number or a tensor (broadcast, and
        differentiable as in PyTorch). A float bound makes an integer tensor's result float."""
        if min is None and max is None:
            raise ValueError("clamp: at least one of min and max must be given")
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            return _clamp_tensors(self, min, max)
        kind = self._data.dtype.kind
        if kind in "biu" and any(
                b is not None and np.asarray(b).dtype.kind == "f" for b in (min, max)):
            return self.to(dtypes._default_dtype).clamp(min, max)
        if kind == "b":   # an integer bound makes a bool tensor's result int64, as PyTorch
            no_bool_bounds("clamp", self, min, max)
            return self.to(dtypes.int64).clamp(min, max)
        if kind in "iu":
            min, max = (int_bound("clamp", self, b) for b in (min, max))
        return C.Clamp.apply(self, lo=min, hi=max)

    clip = clamp

    def maximum(self, other):
        return self._binary(C.Maximum, other)

    def minimum(self, other):
        return self._binary(C.Minimum, other)

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

    def softmax(self, dim=-1, dtype=None, *, axis=None):
        if axis is not None:   # numpy's name, which torch accepts
            dim = axis
        x = self._floating() if dtype is None else self.to(dtype)   # dtype: cast first
        return A.Softmax.apply(x, axis=_one_axis(dim, self._data.ndim, "softmax"))

    def log_softmax(self, dim=-1, dtype=None, *, axis=None):
        if axis is not None:   # numpy's name, which torch accepts
            dim = axis
        x = self._floating() if dtype is None else self.to(dtype)
        return A.LogSoftmax.apply(x, axis=_one_axis(dim, self._data.ndim, "log_softmax"))

    # ----------------------------------------------------------------- selection
    def masked_fill(self, mask, value):
        """value where mask else self, in self's dtype (value is converted, as PyTorch:
        2.5 fills an integer tensor with 2, any nonzero a bool one with True); mask: bool,
        broadcastable to self's shape."""
        m = mask_arg("masked_fill", mask, self.shape)
        dtype = self._data.dtype
        if isinstance(value, Tensor):
            if value._data.ndim:
                raise RuntimeError(f"masked_fill: only supports a 0-dimensional value tensor, "
                                   f"but got one with {value._data.ndim} dimension(s) (shape "
                                   f"{tuple(value.shape)}); use where() to take values from "
                                   f"a tensor")
            value = value if value._data.dtype == dtype else value.to(dtype)
        else:
            value = Tensor._wrap(fill_value("masked_fill", value, dtype), False)
        return M.MaskedFill.apply(value, self, cond=m)


def _scaled(op, x, other, alpha):
    """x + alpha * other (op "add") or x - alpha * other ("sub") with PyTorch's checks:
    integer or bool results take an integer alpha, a bool alpha only a bool result; the
    result dtype is that of x and other (alpha does not promote it), and alpha multiplies
    other in it (int8 other * 2 wraps only when the result is int8; an alpha the result
    dtype cannot hold is an error)."""
    if not isinstance(alpha, Number) or isinstance(alpha, complex):
        raise TypeError(f"{op}: alpha must be a number, got {alpha!r}")
    if alpha.__class__ is int and not -(1 << 63) <= alpha < (1 << 64):
        raise OverflowError(f"{op}: int too big to convert: alpha={alpha}")
    o = _int_number(x, other, x._operand(other))
    if op == "sub":
        bool_sub(x, o)
    dtype = _result_dtype(x._data.dtype, o._data.dtype, x._data.ndim == 0, o._data.ndim == 0)
    if dtype.kind in "iub" and isinstance(alpha, (float, np.floating)):
        raise DtypeError(f"{op}: for integer or bool tensors alpha must be an integer, got "
                         f"{alpha!r}")
    if isinstance(alpha, (bool, np.bool_)) and dtype != bool_:
        raise RuntimeError(f"{op}: Boolean alpha only supported for Boolean results")
    if dtype == bool_:   # bool + alpha * bool stays bool: any nonzero term is True
        try:
            out = np.logical_or(x._data, np.logical_and(o._data, bool(alpha)))
        except ValueError as e:
            raise ValueError(f"{op}: shapes {tuple(x.shape)} and {tuple(o.shape)} cannot be "
                             f"broadcast together") from e
        return Tensor._wrap(out, False)
    fill_value(op, alpha, dtype)   # raises when alpha does not fit the result dtype
    x = x if x._data.dtype == dtype else x.to(dtype)
    o = o if o._data.dtype == dtype else o.to(dtype)
    return x._binary(M.Add if op == "add" else M.Sub, o * alpha)


def _clamp_tensors(x, lo, hi) -> Tensor:
    """clamp with a tensor bound: the operands in one dtype (PyTorch's promotion; a number
    bound is a constant, in x's dtype), then ClampTensors."""
    if x._data.dtype.kind in "iu":
        lo, hi = (int_bound("clamp", x, b) for b in (lo, hi))
    ops = [x] + [None if b is None else x._operand(b) for b in (lo, hi)]
    dtype, zero_d = x._data.dtype, x._data.ndim == 0
    for b in ops[1:]:
        if b is not None:
            dtype = _result_dtype(dtype, b._data.dtype, zero_d, b._data.ndim == 0)
            zero_d = zero_d and b._data.ndim == 0
    ops = [None if t is None else (t if t._data.dtype == dtype else t.to(dtype)) for t in ops]
    try:
        return C.ClampTensors.apply(*ops)
    except ValueError as e:
        raise ValueError(f"clamp: shapes {[None if t is None else tuple(t.shape) for t in ops]} "
                         f"cannot be broadcast together") from e


def where(condition, input, other) -> Tensor:
    """input where condition else other, broadcasting all three."""
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got dtype {cond.dtype}")
    a = input if isinstance(input, Tensor) else None
    b = other if isinstance(other, Tensor) else None
    if a is None and b is None:
        a, b = _t(input), _t(other)
    elif a is None:
        a = _where_number(b, input)
    elif b is None:
        b = _where_number(a, other)
    dtype = _result_dtype(a._data.dtype, b._data.dtype, a._data.ndim == 0, b._data.ndim == 0)
    a, b = a.to(dtype), b.to(dtype)
    try:
        return M.Where.apply(a, b, cond=cond)
    except ValueError as e:
        raise ValueError(f"where: shapes {tuple(cond.shape)}, {tuple(a.shape)} and "
                         f"{tuple(b.shape)} cannot be "
                         f"broadcast together") from e


def _where_number(x, number) -> Tensor:
    """where's number operand beside the tensor x: an integer one takes x's integer dtype, as
    in PyTorch (an error when it does not fit; a negative one wraps into uint8)."""
    if (x._data.dtype.kind in "iu" and isinstance(number, (int, np.integer))
            and number.__class__ is not bool):
        return Tensor._wrap(fill_value("where", number, x._data.dtype), False)
    return x._operand(number)
