"""autograd.testing: torch.testing's assert_close, the deprecated assert_allclose and make_tensor.

assert_close follows torch.testing.assert_close rule for rule: the default tolerances per dtype,
Python scalars compared by type (int exactly, float as float64, complex as complex128), sequences
and mappings compared item by item, numpy arrays as tensor-likes, and the same AssertionError
text (mismatched elements, greatest absolute and relative difference and their index). Shapes
and dtypes print as this engine prints them, `(2, 3)` and `float32`, where torch writes
`torch.Size([2, 3])` and `torch.float32`. There is one device (the CPU) and one layout (strided),
so check_device and check_layout never find a difference.
"""
from __future__ import annotations

import cmath
import collections.abc
import math
import warnings

import numpy as np

from . import dtypes
from .creation import tensor
from .tensor import Tensor

__all__ = ["assert_close", "assert_allclose", "make_tensor"]

# (rtol, atol) per dtype, torch's table; every other dtype (ints, bool) is compared exactly
_PRECISIONS = {np.dtype(np.float16): (1e-3, 1e-5), np.dtype(np.float32): (1.3e-6, 1e-5),
               np.dtype(np.float64): (1e-7, 1e-7), np.dtype(np.complex64): (1.3e-6, 1e-5),
               np.dtype(np.complex128): (1e-7, 1e-7)}
_NUMBER_DTYPES = {bool: np.dtype(np.int64), int: np.dtype(np.int64),
                  float: np.dtype(np.float64), complex: np.dtype(np.complex128)}


class _Failure(Exception):
    """A failed check: the exception type to raise, its message and the item it concerns
    (torch's ErrorMeta)."""

    def __init__(self, kind: type, msg: str, id: tuple = ()):  # noqa: A002
        super().__init__(msg)
        self.kind, self.msg, self.id = kind, msg, id

    def to_error(self, msg=None) -> Exception:
        if isinstance(msg, str):
            return self.kind(msg)
        text = self.msg
        if self.id:
            text += f"\n\nThe failure occurred for item {''.join(str([i]) for i in self.id)}"
        return self.kind(msg(text) if callable(msg) else text)


def _tolerances(dts, rtol, atol, id, table=None) -> tuple[float, float]:
    if (rtol is None) ^ (atol is None):
        raise _Failure(ValueError, f"Both 'rtol' and 'atol' must be either specified or omitted, "
                                   f"but got no {'rtol' if rtol is None else 'atol'}.", id)
    if rtol is not None:
        return rtol, atol
    rtols, atols = zip(*[(table or _PRECISIONS).get(np.dtype(d), (0.0, 0.0)) for d in dts])
    return max(rtols), max(atols)


def _mismatch_msg(identifier, extra, abs_diff, abs_idx, atol, rel_diff, rel_idx, rtol) -> str:
    equality = rtol == 0 and atol == 0

    def line(kind, diff, idx, tol):
        text = (f"{kind.title()} difference: {diff}" if idx is None else
                f"Greatest {kind} difference: {diff} at index {idx}")
        return text + ("" if equality else f" (up to {tol} allowed)") + "\n"

    msg = f"{identifier} are not {'equal' if equality else 'close'}!\n\n{extra.strip()}\n"
    msg += line("absolute", abs_diff, abs_idx, atol) + line("relative", rel_diff, rel_idx, rtol)
    return msg.strip()


def _scalar_mismatch_msg(actual, expected, rtol, atol, identifier="Scalars") -> str:
    abs_diff = abs(actual - expected)
    rel_diff = math.inf if expected == 0 else abs_diff / abs(expected)
    return _mismatch_msg(identifier, f"Expected {expected} but got {actual}.", abs_diff, None,
                         atol, rel_diff, None, rtol)


def _tensor_mismatch_msg(actual, expected, matches, rtol, atol) -> str:
    n = matches.size
    bad = n - int(matches.sum())
    extra = f"Mismatched elements: {bad} / {n} ({bad / n:.1%})"
    a, e, m = actual.ravel(), expected.ravel(), matches.ravel()
    exact = a.dtype.kind not in "fc"
    if exact:   # torch reports integer differences in int64, their ratio in the default dtype
        a, e = a.astype(np.int64), e.astype(np.int64)
    with np.errstate(all="ignore"):
        abs_diff = np.abs(a - e)
        abs_diff[m] = 0
        ft = dtypes._default_dtype
        rel_diff = (abs_diff.astype(ft) / np.abs(e).astype(ft) if exact else
                    abs_diff / np.abs(e))
        rel_diff[m] = 0
    i, j = int(np.argmax(abs_diff)), int(np.argmax(rel_diff))   # first NaN wins, as torch.max

    def index(flat):
        return tuple(int(k) for k in np.unravel_index(flat, matches.shape))
    return _mismatch_msg("Tensor-likes", extra, abs_diff[i].item(), index(i), atol,
                         rel_diff[j].item(), index(j), rtol)


def _isclose(a: np.ndarray, e: np.ndarray, rtol, atol, equal_nan) -> np.ndarray:
    """torch.isclose on same-dtype arrays: the bound in the operands' dtype (ints and bools
    cast to the default float dtype first, as torch does when a tolerance is not zero)."""
    with np.errstate(all="ignore"):
        close = np.asarray(a == e)
        if equal_nan and a.dtype.kind in "fc":
            close |= np.isnan(a) & np.isnan(e)
        if rtol == 0 and atol == 0:
            return close
        if a.dtype.kind not in "fc":
            a, e = a.astype(dtypes._default_dtype), e.astype(dtypes._default_dtype)
        allowed = atol + np.abs(rtol * e)   # Python floats are weak: stays in a's dtype
        error = np.abs(a - e)
        return close | (np.isfinite(error) & (error <= allowed))


_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _promote(da: np.dtype, db: np.dtype) -> np.dtype:
    """torch.promote_types: a higher kind wins outright (int64 with float32 is float32)."""
    ra, rb = _KIND_RANK[da.kind], _KIND_RANK[db.kind]
    return np.result_type(da, db) if ra == rb else (da if ra > rb else db)


class _TensorLike:
    """A Tensor or numpy array reduced to what is compared: values, dtype and strides."""

    def __init__(self, x):
        if isinstance(x, Tensor):
            self.array, self.stride = x.data, tuple(x.stride())
        else:
            self.array = np.asarray(x)
            self.stride = tuple(s // self.array.itemsize for s in self.array.strides)
        self.dtype, self.shape = self.array.dtype, self.array.shape


def _tensor_pair(actual, expected, id, opts):
    """The tensor-like comparison, or None when the inputs are not directly related types."""
    if not (isinstance(actual, type(expected)) or isinstance(expected, type(actual))):
        return None
    if not opts["allow_subclasses"] and type(actual) is not type(expected):
        return None
    try:
        a, e = _TensorLike(actual), _TensorLike(expected)
    except Exception:
        return None
    if a.dtype.kind not in "biufc" or e.dtype.kind not in "biufc":
        return None
    rtol, atol = _tolerances((a.dtype, e.dtype), opts["rtol"], opts["atol"], id)

    def compare():
        def differ(name, x, y):
            raise _Failure(AssertionError,
                           f"The values for attribute '{name}' do not match: {x} != {y}.", id)
        if a.shape != e.shape:
            differ("shape", a.shape, e.shape)
        if opts["check_stride"] and a.stride != e.stride:
            differ("stride()", a.stride, e.stride)
        if opts["check_dtype"] and a.dtype != e.dtype:
            differ("dtype", a.dtype, e.dtype)
        x, y = a.array, e.array
        if x.dtype != y.dtype:
            common = _promote(x.dtype, y.dtype)
            x, y = x.astype(common), y.astype(common)
        matches = _isclose(x, y, rtol, atol, opts["equal_nan"])
        if matches.all():
            return
        if x.ndim == 0:
            msg = _scalar_mismatch_msg(x.item(), y.item(), rtol, atol)
        else:
            msg = _tensor_mismatch_msg(x, y, matches, rtol, atol)
        raise _Failure(AssertionError, msg, id)
    return compare


def _number_pair(actual, expected, id, opts):
    kinds = (int, float, complex, np.number)
    if not (isinstance(actual, kinds) and isinstance(expected, kinds)):
        return None
    a = actual.item() if isinstance(actual, np.number) else actual
    e = expected.item() if isinstance(expected, np.number) else expected
    rtol, atol = _tolerances([_NUMBER_DTYPES[type(v)] for v in (a, e)], opts["rtol"],
                             opts["atol"], id)

    def compare():
        if opts["check_dtype"] and type(a) is not type(e):
            raise _Failure(AssertionError,
                           f"The (d)types do not match: {type(a)} != {type(e)}.", id)
        if a == e or (opts["equal_nan"] and cmath.isnan(a) and cmath.isnan(e)):
            return
        diff = abs(a - e)
        if cmath.isfinite(diff) and diff <= atol + rtol * abs(e):
            return
        raise _Failure(AssertionError, _scalar_mismatch_msg(a, e, rtol, atol), id)
    return compare


def _single_pair(actual, expected, id, opts):
    if actual is None or expected is None:
        def compare_none():
            if not (actual is None and expected is None):
                raise _Failure(AssertionError,
                               f"None mismatch: {actual} is not {expected}", id)
        return compare_none
    if isinstance(actual, (bool, np.bool_)) and isinstance(expected, (bool, np.bool_)):
        a, e = bool(actual), bool(expected)

        def compare_bool():
            if a is not e:
                raise _Failure(AssertionError, f"Booleans mismatch: {a} is not {e}", id)
        return compare_bool
    pair = _number_pair(actual, expected, id, opts) or _tensor_pair(actual, expected, id, opts)
    if pair is None:
        raise _Failure(TypeError, f"No comparison pair was able to handle inputs of type "
                                  f"{type(actual)} and {type(expected)}.", id)
    return pair


def _pairs(actual, expected, id, opts) -> list:
    """The comparisons to run, found by walking sequences and mappings in step (all of the
    structure is checked before any value, as torch does)."""
    seq = collections.abc.Sequence
    if (isinstance(actual, seq) and not isinstance(actual, str)
            and isinstance(expected, seq) and not isinstance(expected, str)):
        if len(actual) != len(expected):
            raise _Failure(AssertionError, f"The length of the sequences mismatch: "
                                           f"{len(actual)} != {len(expected)}", id)
        return [p for i in range(len(actual))
                for p in _pairs(actual[i], expected[i], (*id, i), opts)]
    mapping = collections.abc.Mapping
    if isinstance(actual, mapping) and isinstance(expected, mapping):
        ka, ke = set(actual.keys()), set(expected.keys())
        if ka != ke:
            raise _Failure(AssertionError,
                           f"The keys of the mappings do not match:\n"
                           f"Missing keys in the actual mapping: {sorted(ke - ka)}\n"
                           f"Additional keys in the actual mapping: {sorted(ka - ke)}", id)
        try:
            keys = sorted(ka)
        except TypeError:
            keys = list(ka)
        return [p for k in keys for p in _pairs(actual[k], expected[k], (*id, k), opts)]
    return [_single_pair(actual, expected, id, opts)]


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, msg=None) -> None:
    """Raise AssertionError unless `actual` and `expected` are close: |a - e| <= atol + rtol * |e|
    elementwise, infinities only equal to themselves, NaNs equal only with equal_nan.

    Inputs: Tensors, numpy arrays (tensor-likes of directly related types: a Tensor and an
    ndarray do not compare), Python/numpy scalars (int exact, float as float64, complex as
    complex128; a different Python type fails unless check_dtype=False), None, bools, and
    sequences/mappings of these compared item by item. Default tolerances (rtol, atol):
    float32 (1.3e-6, 1e-5), float64 (1e-7, 1e-7), float16 (1e-3, 1e-5), ints and bool exact;
    give both rtol and atol or neither (ValueError). check_dtype=False promotes both to a
    common dtype first; check_stride compares strides. msg: a string replacing the message,
    or a callable given the generated message. A TypeError when no rule handles the types.
    """
    __tracebackhide__ = True
    opts = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
                check_device=check_device, check_dtype=check_dtype, check_layout=check_layout,
                check_stride=check_stride)
    try:
        pairs = _pairs(actual, expected, (), opts)
    except _Failure as failure:
        raise failure.to_error() from None
    for compare in pairs:
        try:
            compare()
        except _Failure as failure:
            raise failure.to_error(msg) from None


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg="") -> None:
    """Deprecated in torch since 1.12 (warns FutureWarning): assert_close with check_dtype=False,
    equal_nan=True, non-Tensors made Tensors (expected in actual's dtype) and looser defaults
    (float32 rtol 1e-4 atol 1e-5; float64 1e-5, 1e-8)."""
    __tracebackhide__ = True
    warnings.warn("`autograd.testing.assert_allclose()` is deprecated, as torch.testing's is "
                  "since 1.12; use `autograd.testing.assert_close()` instead.", FutureWarning,
                  stacklevel=2)
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        rtol, atol = _tolerances((actual.dtype, expected.dtype), None, None, (), table={
            np.dtype(np.float16): (1e-3, 1e-3), np.dtype(np.float32): (1e-4, 1e-5),
            np.dtype(np.float64): (1e-5, 1e-8)})
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=True,
                 check_dtype=False, check_stride=False, msg=msg or None)


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False,
                noncontiguous=False, exclude_zero=False, memory_format=None) -> Tensor:
    """A tensor of `shape` (ints, or one sequence) drawn uniformly from [low, high) with the
    engine's generator (manual_seed makes it repeatable; the values differ from torch's).
    Defaults: floats [-9, 9), signed ints [-9, 10), uint8 [0, 10), bool {False, True}; bounds
    are clamped to the dtype's range; ints round both bounds up, as torch. exclude_zero
    replaces zeros by 1 (ints) or the dtype's tiny; noncontiguous gives a strided view.
    requires_grad only for floats (ValueError otherwise). memory_format is not supported."""
    from .creation import empty, randint
    from .device import as_device
    as_device(device, "make_tensor")
    if memory_format is not None:
        raise NotImplementedError("make_tensor: memory_format is not supported (tensors here are "
                                  "always in the default, row-major layout)")
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(int(s) for s in shape)
    dt = np.dtype(dtype)
    floating = dt.kind == "f"
    if dt.kind not in "fiub":
        raise TypeError(f"The requested dtype '{dt}' is not supported by make_tensor()")
    if requires_grad and not floating:
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral "
                         f"dtypes, but got dtype={dt}")
    if dt.kind == "b":
        lowest, highest, dlow, dhigh = 0, 2, 0, 2
    elif floating:
        info = np.finfo(dt)
        lowest, highest, dlow, dhigh = float(info.min), float(info.max), -9, 9
    else:
        info = np.iinfo(dt)
        lowest, highest = int(info.min), int(info.max) + (dt != np.int64)
        dlow, dhigh = -9, 10
    low = dlow if low is None else low
    high = dhigh if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and floating:
        warnings.warn("Passing `low==high` to `make_tensor` for floating types is deprecated "
                      "(as in torch); use `full(...)` instead.", FutureWarning, stacklevel=2)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), "
                         f"but {dt} only supports [{lowest}, {highest})")
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    noncontiguous = noncontiguous and math.prod(shape) > 1
    draw = (*shape[:-1], 2 * shape[-1]) if noncontiguous else shape
    if floating:
        drawn = empty(draw, dtype=dt)
        if high - low >= np.finfo(dt).max:   # the width itself would overflow
            drawn.uniform_(low / 2, high / 2).mul_(2)
        else:
            drawn.uniform_(low, high)
    else:
        drawn = randint(math.ceil(low), math.ceil(high), draw, dtype=np.int64)
    values = drawn.data.astype(dt)
    if exclude_zero:
        values[values == 0] = np.finfo(dt).tiny if floating else 1
    out = Tensor(values)
    if noncontiguous:
        out = out[..., 1::2]
    if requires_grad:
        out.requires_grad_(True)
    return out
