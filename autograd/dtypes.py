"""The dtypes the engine computes in and PyTorch's promotion rules between them."""
from __future__ import annotations

import numpy as np

float32, float64 = np.dtype(np.float32), np.dtype(np.float64)
_FLOATS = (float32, float64)
int32, int64, bool_ = np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.bool_)
float16 = half = np.dtype(np.float16)   # named, as in torch, but not computed in: _supported
_default_dtype = float32   # read as dtypes._default_dtype (set_default_dtype changes it)


class dtype:  # noqa: N801  (torch.dtype)
    """A dtype as PyTorch users see it (`autograd.float32`, `x.dtype`): numpy's dtype is its
    `dtype` attribute, which numpy reads, so np.zeros(3, x.dtype) and a.astype(x.dtype) work.
    It equals that numpy dtype and whatever equals it (np.float32, 'float32'), and hashes as it
    does; torch's attributes (is_floating_point, is_complex, is_signed, itemsize, to_real,
    to_complex) are its own, numpy's others (kind, type, name) are read through; it prints as
    torch's does (torch.float32). The engine works on numpy dtypes inside; one of these
    stands for each, made once (`of`)."""

    __slots__ = ("dtype", "_name")

    def __init__(self, np_dtype, name: str):
        self.dtype, self._name = np_dtype, name

    @property
    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    @property
    def is_complex(self) -> bool:
        return self.dtype.kind == "c"

    @property
    def is_signed(self) -> bool:
        return self.dtype.kind in "fic"

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    def to_real(self) -> "dtype":
        return of(np.empty(0, self.dtype).real.dtype) if self.is_complex else self

    def to_complex(self) -> "dtype":
        if self.is_complex:
            return self
        if self.dtype not in _FLOATS:
            raise RuntimeError(f"to_complex: {self} has no complex counterpart here")
        return complex64 if self.dtype == float32 else complex128

    def __getattr__(self, name):   # numpy's: kind, char, type, name, str, ...
        if name.startswith("__"):   # not numpy's protocols (copy, pickle, array): its own
            raise AttributeError(name)
        return getattr(self.dtype, name)

    def __eq__(self, other):
        if other is self:   # the common case: one object per numpy dtype
            return True
        if isinstance(other, dtype):
            return other.__class__ is dtype and self.dtype == other.dtype
        return self.dtype == other

    def __ne__(self, other):
        return other is not self and not self.__eq__(other)

    def __hash__(self):
        return hash(self.dtype)

    def __repr__(self):
        return f"torch.{self._name}"

    def __reduce__(self):
        return _named, (self._name,)


class UnsupportedDtype(dtype):
    """A PyTorch dtype the engine has no arrays for (bfloat16, complex): it can be named and
    passed along (`autocast(dtype=torch.bfloat16, enabled=False)`), and any use as a dtype
    raises a clear TypeError (numpy reads the `dtype` attribute of what it is given)."""

    __slots__ = ("kind", "itemsize")

    def __init__(self, name: str, kind: str = "f", itemsize: int = 2):
        self._name, self.kind, self.itemsize = name, kind, itemsize

    @property
    def dtype(self):
        raise TypeError(f"dtype {self._name} is not supported: floating point must be float32 "
                        f"or float64")

    @property
    def name(self):
        return self._name

    is_floating_point = property(lambda self: self.kind == "f")
    is_complex = property(lambda self: self.kind == "c")
    is_signed = property(lambda self: True)

    def to_real(self):
        if not self.is_complex:
            return self
        return of(float32 if self is complex64 else float64)

    def to_complex(self):
        return self if self.is_complex else dtype.to_complex(self)

    def __getattr__(self, name):
        raise AttributeError(f"'{self!r}' has no attribute {name!r}")

    def __eq__(self, other):
        return self is other

    def __hash__(self):
        return hash(self._name)


_torch = {}   # numpy dtype -> its dtype (see `of`)


def of(np_dtype) -> dtype:
    """The PyTorch-style dtype that stands for a numpy dtype (made on first use)."""
    d = _torch.get(np_dtype)
    if d is None:
        np_dtype = np.dtype(np_dtype)
        d = _torch.get(np_dtype)
        if d is None:
            d = _torch[np_dtype] = dtype(np_dtype, np_dtype.name)
    return d


def _named(name: str) -> dtype:
    """The dtype called `name` (how a pickled dtype loads)."""
    return _BY_NAME[name]


bfloat16 = UnsupportedDtype("bfloat16")
complex64 = UnsupportedDtype("complex64", "c", 8)
complex128 = UnsupportedDtype("complex128", "c", 16)
cfloat, cdouble = complex64, complex128
_BY_NAME = {d._name: d for d in (bfloat16, complex64, complex128)}
for _np in (float32, float64, float16, np.dtype(np.int8), np.dtype(np.int16), int32, int64,
            np.dtype(np.uint8), bool_):
    _BY_NAME[_np.name] = of(_np)
del _np


def set_default_dtype(d):
    """The float dtype of tensors made from Python floats, of factories without a dtype and
    of new nn parameters: float32 (the start) or float64, as torch.set_default_dtype."""
    global _default_dtype
    dt = np.dtype(d)
    if dt not in _FLOATS:
        raise TypeError(f"set_default_dtype: only float32 and float64 are supported, got {dt}")
    _default_dtype = dt


def get_default_dtype() -> dtype:
    """The current default float dtype (float32 unless set_default_dtype changed it)."""
    return of(_default_dtype)


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
