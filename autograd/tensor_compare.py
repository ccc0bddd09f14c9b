"""Tensor's comparison and bitwise operators (a mixin of Tensor): == != < <= > >= and eq,
& | ^ ~ and bitwise_and/or/xor/not; allclose and equal, as methods and as free functions.

The named comparisons ne/lt/le/gt/ge and logical_* come from PointwiseMixin.
"""
from __future__ import annotations

import numpy as np

from .dims import _numpy_message
from .dtypes import _result_dtype
from .tensor_operands import _int_number, _t
from .torch_errors import DtypeNotImplementedError

# tensor.py defines Tensor on top of this module's mixin, so it binds the class here once it
# exists (the code below only uses it at call time).
Tensor = None


class CompareMixin:
    """Comparison and bitwise operators of Tensor, and allclose/equal."""

    __slots__ = ()

    def _compare(self, ufunc, other):
        o = other.data if isinstance(other, Tensor) else other
        try:
            return Tensor._wrap(np.asarray(ufunc(self._data, o)), False)
        except (ValueError, TypeError) as e:
            raise type(e)(f"{ufunc.__name__}: cannot compare a tensor of shape {tuple(self.shape)} "
                          f"and dtype {self.dtype} with {type(other).__name__} of shape "
                          f"{np.shape(o)}: {_numpy_message(e)}") from None

    def _ordering(self, ufunc, other):
        """== != < <= > >= in the dtype PyTorch's promotion gives the two operands (as for
        +): float32 against a 0-d float64 tensor or a numpy float64 compares in float32, an
        integer tensor against a float one in the float's dtype, and an integer number
        wraps into an integer tensor's dtype. == and != with an object that is no operand
        (None, a string) are Python's identity comparisons, as in torch."""
        if isinstance(other, Tensor):
            b = other._data
        elif other.__class__ is np.ndarray and other.dtype.kind in "biuf":
            b = other   # compared as it is: _operand would copy it
        else:
            try:
                b = _int_number(self, other, self._operand(other))._data
            except (TypeError, ValueError):
                if ufunc is np.equal or ufunc is np.not_equal:
                    return NotImplemented
                return self._compare(ufunc, other)   # its error names the op and operands
        a = self._data
        if a.dtype != b.dtype:
            dtype = _result_dtype(a.dtype, b.dtype, a.ndim == 0, b.ndim == 0)
            a, b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)
        try:
            return Tensor._wrap(np.asarray(ufunc(a, b)), False)
        except (ValueError, TypeError):
            return self._compare(ufunc, other)   # raises, naming the op and the operands

    def __lt__(self, other):
        return self._ordering(np.less, other)

    def __le__(self, other):
        return self._ordering(np.less_equal, other)

    def __gt__(self, other):
        return self._ordering(np.greater, other)

    def __ge__(self, other):
        return self._ordering(np.greater_equal, other)

    def __eq__(self, other):
        return self._ordering(np.equal, other)

    def __ne__(self, other):
        return self._ordering(np.not_equal, other)

    def __abs__(self):
        return self.abs()

    def __invert__(self):
        if self._data.dtype.kind not in "biu":
            raise DtypeNotImplementedError(f"~: only bool and integer tensors can be inverted, "
                                           f"not {self._data.dtype}")
        return Tensor._wrap(np.invert(self._data), False)

    def _bitwise(self, ufunc, other, reverse=False):
        """&, |, ^ as PyTorch: logical on bools, bitwise on integers (a bool and an integer
        operand give the integer dtype); no floats."""
        o = _int_number(self, other, self._operand(other))
        a, b = (o, self) if reverse else (self, o)
        da, db = a._data.dtype, b._data.dtype
        if da.kind not in "biu" or db.kind not in "biu":
            raise DtypeNotImplementedError(f"{ufunc.__name__}: needs bool or integer tensors, "
                                           f"got dtypes {da} and {db} (shapes {tuple(a.shape)} and "
                                           f"{tuple(b.shape)})")
        dtype = _result_dtype(da, db, a._data.ndim == 0, b._data.ndim == 0)
        try:
            out = ufunc(a._data.astype(dtype, copy=False), b._data.astype(dtype, copy=False))
        except ValueError as e:
            raise ValueError(f"{ufunc.__name__}: shapes {tuple(a.shape)} and {tuple(b.shape)} "
                             f"cannot be broadcast together") from e
        return Tensor._wrap(np.asarray(out), False)

    def __and__(self, other):
        return self._bitwise(np.bitwise_and, other)

    def __rand__(self, other):
        return self._bitwise(np.bitwise_and, other, reverse=True)

    def __or__(self, other):
        return self._bitwise(np.bitwise_or, other)

    def __ror__(self, other):
        return self._bitwise(np.bitwise_or, other, reverse=True)

    def __xor__(self, other):
        return self._bitwise(np.bitwise_xor, other)

    def __rxor__(self, other):
        return self._bitwise(np.bitwise_xor, other, reverse=True)

    def bitwise_and(self, other):
        return self & other

    def bitwise_or(self, other):
        return self | other

    def bitwise_xor(self, other):
        return self ^ other

    def bitwise_not(self):
        return ~self

    def eq(self, other):
        return self == other

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return allclose(self, other, rtol, atol, equal_nan)

    def equal(self, other):
        return equal(self, other)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:  # noqa: A002
    """Python bool: |input - other| <= atol + rtol * |other| everywhere (broadcasting)."""
    a, b = _t(input), _t(other)
    if a.data.dtype != b.data.dtype:
        raise RuntimeError(f"allclose: expected both tensors to have the same dtype, got "
                           f"{a.data.dtype} and {b.data.dtype}")
    try:
        with np.errstate(invalid="ignore", over="ignore"):   # inf - inf, float32 overflow
            return bool(np.allclose(a.data, b.data, rtol=rtol, atol=atol,
                                    equal_nan=equal_nan))
    except ValueError:
        raise ValueError(f"allclose: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be "
                         f"broadcast together") from None


def equal(input, other) -> bool:  # noqa: A002
    """Python bool: the same shape and the same elements (NaN is not equal to itself)."""
    a, b = _t(input), _t(other)
    return a.data.shape == b.data.shape and bool(np.array_equal(a.data, b.data))
