"""More elementwise methods of Tensor (a mixin of Tensor): the named comparisons
ne/lt/le/gt/ge, logical_and/or/xor/not, rounding (sign, floor, ceil, trunc, round: zero
gradient, as in PyTorch), lerp, clamp_min/clamp_max, addcmul/addcdiv, and dtype queries."""
from __future__ import annotations

import numpy as np

from . import function
from .dtypes import bool_
from .ops import elementwise_more as E


def _sign(x):
    """np.sign with PyTorch's sign(nan) = 0."""
    out = np.asarray(np.sign(x))   # a 0-d input gives a numpy scalar
    if out.dtype.kind == "f":
        out[np.isnan(out)] = 0
    return out


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
            raise TypeError(f"{op}: not supported for bool tensors (shape {self.shape})")
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
            raise TypeError(f"lerp: expected floating tensors of one dtype, got {self.dtype} "
                            f"(shape {self.shape}) and {end.dtype} (shape {end.shape})")
        return self + self._operand(weight) * (end - self)

    def clamp_min(self, min):
        return self.clamp(min=min)

    def clamp_max(self, max):
        return self.clamp(max=max)

    def addcmul(self, tensor1, tensor2, *, value=1):
        """self + value * tensor1 * tensor2 (broadcasting)."""
        prod = self._operand(tensor1) * tensor2
        return self + (prod if value == 1 else prod * value)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        """self + value * tensor1 / tensor2 (broadcasting)."""
        t1, t2 = self._operand(tensor1), self._operand(tensor2)
        if t1.data.dtype.kind in "iub" and t2.data.dtype.kind in "iub":
            raise RuntimeError("addcdiv: integer division with addcdiv is not supported "
                               f"(dtypes {t1.dtype} and {t2.dtype})")
        quot = t1 / t2
        return self + (quot if value == 1 else quot * value)

    def type_as(self, other):
        return self.to(other.dtype)

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def nelement(self) -> int:
        return self._data.size

    def element_size(self) -> int:
        return self._data.dtype.itemsize
