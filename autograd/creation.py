"""Tensor factories with PyTorch's names; float32 unless a dtype is given."""
from __future__ import annotations

import operator
import warnings

import numpy as np

from . import dtypes
from .device import as_device
from .dims import _size_arg
from .dtypes import get_default_dtype, set_default_dtype
from .generator import default_generator, manual_seed, pick
from .tensor import Tensor, _shape_arg, _supported, _to_array
from .torch_errors import ArgumentError


def _make(arr, dtype, requires_grad, device=None, op="tensor"):
    if device is not None:
        as_device(device, op)   # "cpu" and cpu devices pass; CUDA raises clearly
    t = Tensor._wrap(_supported(arr.astype(np.dtype(dtype or dtypes._default_dtype), copy=False),
                                op), False)
    if requires_grad:
        t.requires_grad = True
    return t


def _check_size(size, op):
    for n in size:
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"{op}: sizes must be non-negative integers, got {size}")
    return size


def tensor(data, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A new tensor holding a copy of data (nested lists, scalars, ndarrays or a Tensor)."""
    if device is not None:
        as_device(device, "tensor")
    t = Tensor._wrap(_to_array(data, dtype), False)   # _to_array always copies
    if requires_grad:
        t.requires_grad = True
    return t


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with the array."""
    return Tensor._wrap(_supported(np.asarray(array), "from_numpy"), False)


def zeros(*args, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Zeros of the shape given as zeros(2, 3), zeros((2, 3)) or zeros(size=(2, 3))."""
    size = _check_size(_size_arg(args, size, "zeros"), "zeros")
    return _make(np.zeros(size, dtype or dtypes._default_dtype), dtype, requires_grad, device,
                 "zeros")


def ones(*args, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    size = _check_size(_size_arg(args, size, "ones"), "ones")
    return _make(np.ones(size, dtype or dtypes._default_dtype), dtype, requires_grad, device,
                 "ones")


def empty(*args, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Zero-filled (the engine has no uninitialized memory to hand out)."""
    size = _check_size(_size_arg(args, size, "empty"), "empty")
    return zeros(size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Like PyTorch, the dtype follows fill_value: bool, int64 for ints, else the default
    float dtype."""
    size = _check_size(_shape_arg((size,), "full"), "full")
    if dtype is None:
        dtype = _to_array(fill_value).dtype
        dtype = (np.int64 if dtype.kind in "iu" else
                 dtypes._default_dtype if dtype.kind == "f" else dtype)
    return _make(np.full(size, fill_value, dtype), dtype, requires_grad, device, "full")


def zeros_like(t, dtype=None, device=None, requires_grad=False) -> Tensor:
    return zeros(*t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def ones_like(t, dtype=None, device=None, requires_grad=False) -> Tensor:
    return ones(*t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    return full(t.shape, fill_value, dtype=dtype or t.dtype, device=device,
                requires_grad=requires_grad)


def arange(start=0, end=None, step=1, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Like PyTorch: integer arguments give int64, any float argument the default float
    dtype; arange(end) counts from 0."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError(f"arange: step must be nonzero (start={start}, end={end})")
    if (end - start) * step < 0:
        raise ValueError(f"arange: the step {step} goes away from end {end} (start={start})")
    if not all(np.isfinite(v) for v in (start, end, step)):
        raise ValueError(f"arange: start, end and step must be finite, got {start}, {end}, "
                         f"{step}")
    try:
        arr = np.arange(start, end, step)
    except (ValueError, MemoryError) as e:
        raise ValueError(f"arange: cannot make the range ({start}, {end}, {step}): {e}") from None
    if dtype is None:
        dtype = np.int64 if arr.dtype.kind in "iu" else dtypes._default_dtype
    return _make(arr, dtype, requires_grad, device, "arange")


def inclusive_range(start, end, step=1, dtype=None, device=None,
                    requires_grad=False) -> Tensor:
    """torch.range (deprecated there, as here): start, start + step, ... up to end included,
    in the default float dtype unless dtype is given."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=2)
    if step == 0:
        raise ValueError(f"range: step must be nonzero (start={start}, end={end})")
    if (end - start) * step < 0:
        raise ValueError(f"range: the step {step} goes away from end {end} (start={start})")
    count = int(np.floor((end - start) / step)) + 1
    arr = start + step * np.arange(count, dtype=np.float64)
    return _make(arr, dtypes._default_dtype if dtype is None else dtype, requires_grad, device,
                 "range")


def _steps(steps, op) -> int:
    """The number of points of linspace/logspace: an int (or 0-d integer tensor) >= 0."""
    if isinstance(steps, bool) or not hasattr(steps, "__index__"):
        raise TypeError(f"{op}: steps must be an int, got {type(steps).__name__} {steps!r}")
    steps = operator.index(steps)
    if steps < 0:
        raise ArgumentError(f"{op}: number of steps must be non-negative, got {steps}")
    return steps


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False) -> Tensor:
    """steps evenly spaced points from start to end, both included."""
    return _make(np.linspace(start, end, _steps(steps, "linspace")), dtype, requires_grad,
                 device, "linspace")


def logspace(start, end, steps, base=10.0, dtype=None, device=None,
             requires_grad=False) -> Tensor:
    """base ** linspace(start, end, steps)."""
    return _make(np.logspace(start, end, _steps(steps, "logspace"), base=base), dtype,
                 requires_grad, device, "logspace")


def eye(n, m=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _make(np.eye(n, m), dtype, requires_grad, device, "eye")


def randn(*args, size=None, dtype=None, device=None, requires_grad=False,
          generator=None) -> Tensor:
    """Standard normal samples."""
    size = _check_size(_size_arg(args, size, "randn"), "randn")
    return _make(pick(generator).standard_normal(size), dtype, requires_grad, device, "randn")


def rand(*args, size=None, dtype=None, device=None, requires_grad=False,
         generator=None) -> Tensor:
    """Uniform samples on [0, 1)."""
    size = _check_size(_size_arg(args, size, "rand"), "rand")
    return _make(pick(generator).random(size), dtype, requires_grad, device, "rand")


def randint(low=0, high=None, size=None, *, dtype=None, generator=None,
            requires_grad=False, device=None) -> Tensor:
    """Integers uniform on [low, high) of shape size, int64 unless dtype is given; as in
    PyTorch, randint(high, size) draws from [0, high)."""
    if size is None and isinstance(high, (tuple, list)):   # randint(high, size)
        low, high, size = 0, low, high
    elif high is None and size is not None:                # randint(high, size=size)
        low, high = 0, low
    if high is None:
        raise TypeError("randint: needs high and size, as randint(high, size) or "
                        "randint(low, high, size)")
    if size is None:
        raise TypeError("randint: needs a size (a tuple of ints)")
    if not low < high:
        raise ValueError(f"randint: expects low < high, got low={low}, high={high}")
    size = _check_size(_shape_arg((size,), "randint"), "randint")
    kind = np.dtype(dtype or np.int64)
    if kind.kind in "iu" and (low < np.iinfo(kind).min or high - 1 > np.iinfo(kind).max):
        raise ValueError(f"randint: the range [{low}, {high}) does not fit dtype {kind}")
    draws = pick(generator).integers(low, high, size=size)
    return _make(draws, dtype or np.int64, requires_grad, device, "randint")


def randperm(n, *, dtype=None, generator=None, requires_grad=False, device=None) -> Tensor:
    """A random permutation of 0 .. n - 1, int64 unless dtype is given."""
    return _make(pick(generator).permutation(n), dtype or np.int64, requires_grad, device,
                 "randperm")


def _like_dtype(input, dtype, op):
    dtype = np.dtype(dtype) if dtype is not None else np.dtype(input.dtype)
    if dtype.kind != "f":
        raise TypeError(f"{op}: needs a floating-point dtype, got {dtype}")
    return dtype


def randn_like(input, *, dtype=None, device=None, requires_grad=False,
               generator=None) -> Tensor:
    """Standard normal samples shaped like input, in its dtype unless dtype is given."""
    dtype = _like_dtype(input, dtype, "randn_like")
    return _make(pick(generator).standard_normal(input.shape), dtype, requires_grad, device,
                 "randn_like")


def rand_like(input, *, dtype=None, device=None, requires_grad=False,
              generator=None) -> Tensor:
    """Uniform samples on [0, 1) shaped like input, in its dtype unless dtype is given."""
    dtype = _like_dtype(input, dtype, "rand_like")
    return _make(pick(generator).random(input.shape), dtype, requires_grad, device,
                 "rand_like")


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False,
                 generator=None) -> Tensor:
    """Integers uniform on [low, high) shaped like input, in its dtype unless dtype is given;
    randint_like(input, high) draws from [0, high)."""
    if high is None:
        low, high = 0, low
    if not low < high:
        raise ValueError(f"randint_like: expects low < high, got low={low}, high={high}")
    dtype = np.dtype(dtype) if dtype is not None else np.dtype(input.dtype)
    return _make(pick(generator).integers(low, high, size=input.shape), dtype, requires_grad,
                 device, "randint_like")


__all__ = ["manual_seed", "tensor", "from_numpy", "zeros", "ones", "empty", "full", "zeros_like",
           "ones_like", "full_like", "arange", "linspace", "logspace", "eye", "randn", "rand",
           "randint", "set_default_dtype", "get_default_dtype",
           "randperm", "default_generator", "_to_array", "randn_like", "rand_like", "randint_like"]
