"""How the arguments of Tensor's ops become operands, as PyTorch converts and checks them:
any value as a Tensor (_t), a Python number in an integer tensor's dtype, a fill value, a
mask, a clamp bound; and PyTorch's refusals (bool subtraction, bool pow, clamp of a bool
tensor between bool bounds, integer division by zero). Shared by tensor_math, tensor_compare,
tensor_inplace, inplace_record and the other Tensor mixins."""
from __future__ import annotations

from numbers import Number

import numpy as np

from .dtypes import bool_
from .torch_errors import ArgumentError, DtypeNotImplementedError

# tensor.py defines Tensor on top of the mixins that use these helpers, so it binds the class
# here once it exists (the code below only uses it at call time).
Tensor = None


def _t(x) -> Tensor:
    """x as a Tensor (a Tensor itself, or a new one holding a copy of x's data)."""
    if isinstance(x, Tensor):
        return x
    from .tensor import _to_array   # (tensor.py imports this module)
    return Tensor._wrap(_to_array(x), False)   # data, never Tensor(n)'s size form


def _check_divisor(a, b, op):
    """Integer division by zero is an error, as in PyTorch (numpy would give 0)."""
    if a.data.dtype == bool_ and b.data.dtype == bool_:
        raise DtypeNotImplementedError(f"{op}: not supported between bool tensors (shapes "
                                       f"{tuple(a.shape)} and {tuple(b.shape)}); convert one to an "
                                       f"integer or float dtype")
    if a.data.dtype.kind in "iub" and b.data.dtype.kind in "iub" and not np.all(b.data):
        raise RuntimeError(f"{op}: integer division by zero (dividend of shape {tuple(a.shape)}, "
                           f"divisor of shape {tuple(b.shape)}, dtype {b.dtype})")


def _int_number(x, number, o):
    """o, x's operand made from `number`, wrapped into x's integer dtype when number is a
    Python or numpy integer and x an integer tensor: as in PyTorch, a number never widens an
    integer tensor (a 0-d one included), and one out of its range wraps into it
    (int8 + 1000 adds -24). Anything else: o as it is."""
    if (o._data.dtype != x._data.dtype and x._data.dtype.kind in "iu"
            and isinstance(number, (int, np.integer)) and number.__class__ is not bool):
        return Tensor._wrap(o._data.astype(x._data.dtype), False)
    return o


def _no_bool_pow(x, other):
    """other as x's operand of pow, refused as PyTorch refuses pow in bool ("pow" not
    implemented for 'Bool': both operands bool, one of them a tensor)."""
    o = _int_number(x, other, x._operand(other))
    if x._data.dtype == bool_ and o._data.dtype == bool_:
        raise NotImplementedError(f"pow: not implemented for bool tensors (shapes {tuple(x.shape)} "
                                  f"and {tuple(o.shape)}); convert one to an integer dtype")
    return o


def bool_sub(a, b):
    """Refuse a - b with a bool operand, as PyTorch does."""
    a_bool, b_bool = a._data.dtype == bool_, b._data.dtype == bool_
    if a_bool and b_bool:
        raise RuntimeError("sub: Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if a_bool or b_bool:
        raise RuntimeError("sub: Subtraction, the `-` operator, with a bool tensor is not "
                           "supported. If you are trying to invert a mask, use the `~` or "
                           "`logical_not()` operator instead.")


def fill_value(op, value, dtype) -> np.ndarray:
    """A Python number as a 0-d array of dtype, converted as PyTorch converts a fill value
    (a float truncates into an integer dtype, an integer wraps into uint8, any nonzero is
    True), or an ArgumentError (a ValueError; torch's RuntimeError) when it does not fit."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, np.bool_):
        value = bool(value)
    if not isinstance(value, Number) or isinstance(value, complex):
        raise TypeError(f"{op}: value must be a number or a 0-d tensor, got "
                        f"{type(value).__name__}")
    if value.__class__ is int and not -(1 << 63) <= value < (1 << 64):
        raise OverflowError(f"{op}: int too big to convert: {value}")
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        wraps = dtype.kind == "u" and not isinstance(value, (float, np.floating))
        if not (-info.max if wraps else info.min) <= value <= info.max:   # NaN fails too
            raise ArgumentError(f"{op}: value {value!r} cannot be converted to type {dtype} "
                                f"without overflow")
        return np.asarray(int(value)).astype(dtype)
    if dtype.kind == "f" and not (abs(value) <= float(np.finfo(dtype).max) or value != value
                                  or abs(value) == float("inf")):
        raise ArgumentError(f"{op}: value {value!r} cannot be converted to type {dtype} "
                            f"without overflow")
    return np.asarray(value).astype(dtype)


def mask_arg(op, mask, shape) -> np.ndarray:
    """mask as a bool array that broadcasts to shape, or a clear error naming op."""
    m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"{op}: mask must be a bool tensor, got dtype {m.dtype}")
    try:
        ok = np.broadcast_shapes(m.shape, shape) == tuple(shape)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{op}: a mask of shape {tuple(m.shape)} does not broadcast to the "
                         f"tensor's shape {tuple(shape)}")
    return m


def int_bound(op, x, bound):
    """An integer number bound of clamp on the integer tensor x, in x's dtype as PyTorch
    converts it: an error when it does not fit (a negative one wraps into uint8). Others
    (None, floats, tensors) as they are."""
    if isinstance(bound, (int, np.integer)):
        return fill_value(op, bound, x._data.dtype)
    return bound


def no_bool_bounds(op, x, lo, hi):
    """Refuse clamp of a bool tensor between bool bounds, as PyTorch (not implemented)."""
    if all(b is None or isinstance(b, (bool, np.bool_)) for b in (lo, hi)):
        raise NotImplementedError(f"{op}: not implemented for a bool tensor (shape "
                                  f"{tuple(x.shape)}) with bool bounds; convert it to an "
                                  f"integer dtype")
