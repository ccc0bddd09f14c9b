"""More elementwise methods of Tensor (a mixin of Tensor): the named comparisons
ne/lt/le/gt/ge, logical_and/or/xor/not, rounding (sign, floor, ceil, trunc, round: zero
gradient, as in PyTorch), lerp, clamp_min/clamp_max, addcmul/addcdiv, dtype queries, the
shifts << and >> (bitwise_left_shift/bitwise_right_shift), and the in-place operators
//=, %=, **=, &=, |=, ^=, <<=, >>= (+=, -=, *=, /= are in tensor_inplace.py)."""
from __future__ import annotations

import numpy as np

from . import function
from .dims import _numpy_message
from .dtypes import _common_dtype, _result_dtype, bool_
from .ops import arithmetic as M
from .ops import elementwise_more as E
from .tensor_inplace import check_cast, result_type
from .tensor_operands import fill_value
from .torch_errors import DtypeError, DtypeNotImplementedError


def _sign(x):
    """np.sign with PyTorch's sign(nan) = 0."""
    out = np.asarray(np.sign(x))   # a 0-d input gives a numpy scalar
    if out.dtype.kind == "f":
        out[np.isnan(out)] = 0
    return out


def _shifted(x: np.ndarray, s: np.ndarray, left: bool) -> np.ndarray:
    """x << s or x >> s in x's dtype (both one integer dtype), as PyTorch: a shift by a
    negative count or by the width or more gives 0, or the sign (0 or -1) for >> of a signed
    type; numpy leaves those to the C shift, undefined there."""
    bits = x.dtype.itemsize * 8
    outside = (s < 0) | (s >= bits)
    s = np.where(outside, 0, s)
    if left:
        return np.where(outside, 0, np.left_shift(x, s))
    fill = np.right_shift(x, bits - 1) if x.dtype.kind == "i" else 0
    return np.where(outside, fill, np.right_shift(x, s))


class PointwiseMixin:
    """Elementwise methods composed from, or as small as, the operators of MathMixin."""

    __slots__ = ()

    def ne(self, other):
        return self != other

    def lt(self, other):
        return self < other

    def le(self, other):
        return self <= other

    def gt(self, other):
        return self > other

    def ge(self, other):
        return self >= other

    def logical_and(self, other):
        return self._compare(np.logical_and, other)

    def logical_or(self, other):
        return self._compare(np.logical_or, other)

    def logical_xor(self, other):
        return self._compare(np.logical_xor, other)

    def logical_not(self):
        return function._wrap(np.logical_not(self._data), False)

    # piecewise-constant: zero gradient, as in PyTorch; integers pass through unchanged
    def _rounded(self, fn, op):
        if self._data.dtype == bool_:
            raise DtypeNotImplementedError(f"{op}: not supported for bool tensors (shape "
                                           f"{tuple(self.shape)})")
        if self._data.dtype.kind != "f" and op != "sign":
            return self.clone()   # integers are already whole
        return E.Rounded.apply(self, fn=fn)

    def sign(self):
        return self.clone() if self._data.dtype == bool_ else self._rounded(_sign, "sign")

    def floor(self):
        return self._rounded(np.floor, "floor")

    def ceil(self):
        return self._rounded(np.ceil, "ceil")

    def trunc(self):
        return self._rounded(np.trunc, "trunc")

    def round(self, decimals=0):
        """Half to even, as PyTorch; decimals may be negative."""
        if not isinstance(decimals, (int, np.integer)):
            raise TypeError(f"round: decimals must be an int, got {decimals!r}")
        return self._rounded(lambda x: np.round(x, int(decimals)), "round")

    def lerp(self, end, weight):
        """self + weight * (end - self); differentiable in self, end and a tensor weight."""
        end = self._operand(end)
        if self._data.dtype.kind != "f" or end.data.dtype != self._data.dtype:
            error = (DtypeNotImplementedError if end.data.dtype == self._data.dtype
                     else DtypeError)   # torch: "not implemented for 'Long'", or RuntimeError
            raise error(f"lerp: expected floating tensors of one dtype, got {self.dtype} "
                        f"(shape {tuple(self.shape)}) and {end.dtype} (shape {tuple(end.shape)})")
        weight = self._operand(weight)
        if weight._data.dtype != self._data.dtype:
            if weight._data.ndim:   # as torch: a 0-d weight is converted, others refused
                raise DtypeError(f"lerp: expected a weight of dtype {self.dtype}, got "
                                 f"{weight.dtype} (shape {tuple(weight.shape)})")
            weight = weight.to(self._data.dtype)
        return M.Lerp.apply(self, end, weight)

    def clamp_min(self, min):
        return self.clamp(min=min)

    def clamp_max(self, max):
        return self.clamp(max=max)

    def addcmul(self, tensor1, tensor2, *, value=1):
        """self + value * tensor1 * tensor2 (broadcasting), in the one promoted dtype of self,
        tensor1 and tensor2; a number value is converted to it as torch converts a scalar (a
        float truncates into an integer dtype) and does not promote it."""
        x, t1, t2 = self, self._operand(tensor1), self._operand(tensor2)
        dtype = x._data.dtype
        if not t1._data.dtype == dtype == t2._data.dtype:
            dtype = _common_dtype(x._data, t1._data, t2._data)
            x, t1, t2 = (t if t._data.dtype == dtype else t.to(dtype) for t in (x, t1, t2))
        if dtype == bool_:
            raise DtypeNotImplementedError(
                f"addcmul: not implemented for 'Bool' (dtypes {self.dtype}, {t1.dtype} and "
                f"{t2.dtype})")
        if value.__class__ is float and dtype.kind == "f" and abs(value) <= 3.4e38:
            pass   # fits float32 too: the product below rounds it to dtype, as the conversion
        elif not (value.__class__ is int and value == 1 or isinstance(value, function._Tensor)):
            value = fill_value("addcmul", value, dtype).item()
        prod = t1 * t2
        return x + (prod if value == 1 else prod * value)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        """self + value * tensor1 / tensor2 (broadcasting)."""
        t1, t2 = self._operand(tensor1), self._operand(tensor2)
        if t1.data.dtype.kind in "iub" and t2.data.dtype.kind in "iub":
            raise RuntimeError("addcdiv: integer division with addcdiv is not supported "
                               f"(dtypes {t1.dtype} and {t2.dtype})")
        quot = t1 / t2
        return self + (quot if value == 1 else quot * value)

    # ----------------------------------------------------------------- shifts
    def _shift(self, other, left, reverse=False):
        op = "bitwise_left_shift" if left else "bitwise_right_shift"
        o = self._operand(other)
        a, b = (o, self) if reverse else (self, o)
        da, db = a._data.dtype, b._data.dtype
        dtype = _result_dtype(da, db, a._data.ndim == 0, b._data.ndim == 0)
        if dtype.kind not in "iu":
            raise DtypeNotImplementedError(f"{op}: needs integer tensors, got dtypes {da} and "
                                           f"{db} (shapes {tuple(a.shape)} and {tuple(b.shape)})")
        try:   # a number operand wraps into the dtype first (int8 << 256 shifts by 0), as torch
            out = _shifted(a._data.astype(dtype, copy=False), b._data.astype(dtype), left)
        except ValueError as e:
            raise ValueError(f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be "
                             f"broadcast together: {_numpy_message(e)}") from None
        return function._wrap(np.asarray(out, dtype), False)

    def __lshift__(self, other):
        return self._shift(other, True)

    def __rlshift__(self, other):
        return self._shift(other, True, reverse=True)

    def __rshift__(self, other):
        return self._shift(other, False)

    def __rrshift__(self, other):
        return self._shift(other, False, reverse=True)

    def bitwise_left_shift(self, other):
        """x << other: integers only; a count < 0 or >= the width in bits gives 0."""
        return self._shift(other, True)

    def bitwise_right_shift(self, other):
        """x >> other (arithmetic for signed types): integers only; a count < 0 or >= the
        width in bits gives 0, or -1 for a negative x."""
        return self._shift(other, False)

    # ----------------------------------------------------------------- in-place operators
    def _augmented(self, op, other, compute):
        """self = compute(self, other) written in place (its aliases see it, as in PyTorch),
        recorded as add_ is; refused when the promoted result type cannot be cast to self's
        dtype (int //= 2.5, bool |= 1), as in PyTorch."""
        check_cast(op, result_type(self, other), self)
        return self._inplace_via(op, lambda old: compute(old, other), other)

    def __ifloordiv__(self, other):
        return self._augmented("floor_divide_", other, lambda a, b: a // b)

    def __imod__(self, other):
        return self._augmented("remainder_", other, lambda a, b: a % b)

    def __ipow__(self, other):
        return self._augmented("pow_", other, lambda a, b: a ** b)

    def __iand__(self, other):
        return self._augmented("bitwise_and_", other, lambda a, b: a & b)

    def __ior__(self, other):
        return self._augmented("bitwise_or_", other, lambda a, b: a | b)

    def __ixor__(self, other):
        return self._augmented("bitwise_xor_", other, lambda a, b: a ^ b)

    def __ilshift__(self, other):
        return self.bitwise_left_shift_(other)

    def __irshift__(self, other):
        return self.bitwise_right_shift_(other)

    def bitwise_left_shift_(self, other):
        return self._augmented("bitwise_left_shift_", other, lambda a, b: a << b)

    def bitwise_right_shift_(self, other):
        return self._augmented("bitwise_right_shift_", other, lambda a, b: a >> b)

    def type_as(self, other):
        return self.to(other.dtype)

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def nelement(self) -> int:
        return self._data.size

    def element_size(self) -> int:
        return self._data.dtype.itemsize
