"""The dtypes the engine computes in and PyTorch's promotion rules between them."""
from __future__ import annotations

import numpy as np

float32, float64 = np.dtype(np.float32), np.dtype(np.float64)
_FLOATS = (float32, float64)
int32, int64, bool_ = np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.bool_)
_default_dtype = float32   # read as dtypes._default_dtype (set_default_dtype changes it)


class UnsupportedDtype:
    """A PyTorch dtype name the engine has no arrays for (bfloat16, complex): it can be named
    and passed along (`autocast(dtype=torch.bfloat16, enabled=False)`), and any use as a
    dtype raises a clear TypeError (numpy reads the `dtype` attribute of what it is given)."""

    def __init__(self, name: str):
        self.name = name

    @property
    def dtype(self):
        raise TypeError(f"dtype {self.name} is not supported: floating point must be float32 "
                        f"or float64")

    def __repr__(self):
        return self.name


# named, as in torch, but not computed in: _supported refuses arrays of these
float16 = half = np.dtype(np.float16)
bfloat16 = UnsupportedDtype("bfloat16")
complex64, complex128 = UnsupportedDtype("complex64"), UnsupportedDtype("complex128")
cfloat, cdouble = complex64, complex128


def set_default_dtype(d):
    """The float dtype of tensors made from Python floats, of factories without a dtype and
    of new nn parameters: float32 (the start) or float64, as torch.set_default_dtype."""
    global _default_dtype
    dt = np.dtype(d)
    if dt not in _FLOATS:
        raise TypeError(f"set_default_dtype: only float32 and float64 are supported, got {dt}")
    _default_dtype = dt


def get_default_dtype() -> np.dtype:
    """The current default float dtype (float32 unless set_default_dtype changed it)."""
    return _default_dtype


def _supported(arr: np.ndarray, op: str) -> np.ndarray:
    """arr, if the engine computes in its dtype: float32/64, integers or bool (the kernels
    have no float16 or long double)."""
    if arr.dtype.kind not in "fiub" or (arr.dtype.kind == "f" and arr.dtype not in _FLOATS):
        raise TypeError(f"{op}: dtype {arr.dtype} is not supported (floating point must be "
                        f"float32 or float64; integers and bool are accepted)")
    return arr


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


def _common_dtype(*arrays: np.ndarray) -> np.dtype:
    """_result_dtype over several operands, as PyTorch's: dimensioned operands promote among
    themselves, 0-d ones among themselves, and the 0-d result counts only with a higher kind
    (int8 (n,) with 0-d float64 and float32 (n,) is float32)."""
    dim = zero = None
    for a in arrays:
        if a.ndim:
            dim = a.dtype if dim is None else _result_dtype(dim, a.dtype)
        else:
            zero = a.dtype if zero is None else _result_dtype(zero, a.dtype)
    if dim is None or zero is None:
        return zero if dim is None else dim
    return _result_dtype(dim, zero, False, True)
