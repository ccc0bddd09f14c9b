"""Tensor factories with PyTorch's names; float32 unless a dtype is given."""
from __future__ import annotations

import numpy as np

from .generator import default_generator, manual_seed, pick
from .tensor import Tensor, _default_dtype, _shape_arg, _supported, _to_array


def _make(arr, dtype, requires_grad):
    t = Tensor._wrap(arr.astype(np.dtype(dtype or _default_dtype), copy=False), False)
    if requires_grad:
        t.requires_grad = True
    return t


def _check_size(size, op):
    for n in size:
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"{op}: sizes must be non-negative integers, got {size}")
    return size


def tensor(data, dtype=None, requires_grad=False) -> Tensor:
    """A new tensor holding a copy of data (nested lists, scalars, ndarrays or a Tensor)."""
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)  # Tensor() always copies


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with the array."""
    return Tensor._wrap(_supported(np.asarray(array), "from_numpy"), False)


def zeros(*size, dtype=None, requires_grad=False) -> Tensor:
    size = _check_size(_shape_arg(size), "zeros")
    return _make(np.zeros(size, dtype or _default_dtype), dtype, requires_grad)


def ones(*size, dtype=None, requires_grad=False) -> Tensor:
    size = _check_size(_shape_arg(size), "ones")
    return _make(np.ones(size, dtype or _default_dtype), dtype, requires_grad)


def empty(*size, dtype=None, requires_grad=False) -> Tensor:
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False) -> Tensor:
    """Like PyTorch, the dtype follows fill_value: bool, int64 for ints, else float32."""
    size = _check_size(_shape_arg((size,)), "full")
    if dtype is None:
        dtype = _to_array(fill_value).dtype
        dtype = np.int64 if dtype.kind in "iu" else dtype
    return _make(np.full(size, fill_value, dtype), dtype, requires_grad)


def zeros_like(t, dtype=None, requires_grad=False) -> Tensor:
    return zeros(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def ones_like(t, dtype=None, requires_grad=False) -> Tensor:
    return ones(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def full_like(t, fill_value, dtype=None, requires_grad=False) -> Tensor:
    return full(t.shape, fill_value, dtype=dtype or t.dtype, requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False) -> Tensor:
    """Like PyTorch: integer arguments give int64, any float argument gives float32."""
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
        dtype = np.int64 if arr.dtype.kind in "iu" else _default_dtype
    return _make(arr, dtype, requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False) -> Tensor:
    return _make(np.linspace(start, end, steps), dtype, requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False) -> Tensor:
    return _make(np.eye(n, m), dtype, requires_grad)


def randn(*size, dtype=None, requires_grad=False, generator=None) -> Tensor:
    """Standard normal samples."""
    size = _check_size(_shape_arg(size), "randn")
    return _make(pick(generator).standard_normal(size), dtype, requires_grad)


def rand(*size, dtype=None, requires_grad=False, generator=None) -> Tensor:
    """Uniform samples on [0, 1)."""
    size = _check_size(_shape_arg(size), "rand")
    return _make(pick(generator).random(size), dtype, requires_grad)


def randint(low, high=None, size=(), dtype=None, generator=None) -> Tensor:
    if high is None:
        low, high = 0, low
    draws = pick(generator).integers(low, high, size=size)
    return Tensor._wrap(draws.astype(dtype or np.int64), False)


def randperm(n, generator=None) -> Tensor:
    return Tensor._wrap(pick(generator).permutation(n).astype(np.int64), False)


def _like_dtype(input, dtype, op):
    dtype = np.dtype(dtype) if dtype is not None else np.dtype(input.dtype)
    if dtype.kind != "f":
        raise TypeError(f"{op}: needs a floating-point dtype, got {dtype}")
    return dtype


def randn_like(input, *, dtype=None, requires_grad=False, generator=None) -> Tensor:
    """Standard normal samples shaped like input, in its dtype unless dtype is given."""
    dtype = _like_dtype(input, dtype, "randn_like")
    return _make(pick(generator).standard_normal(input.shape), dtype, requires_grad)


def rand_like(input, *, dtype=None, requires_grad=False, generator=None) -> Tensor:
    """Uniform samples on [0, 1) shaped like input, in its dtype unless dtype is given."""
    dtype = _like_dtype(input, dtype, "rand_like")
    return _make(pick(generator).random(input.shape), dtype, requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, requires_grad=False,
                 generator=None) -> Tensor:
    """Integers uniform on [low, high) shaped like input, in its dtype unless dtype is given;
    randint_like(input, high) draws from [0, high)."""
    if high is None:
        low, high = 0, low
    if not low < high:
        raise ValueError(f"randint_like: expects low < high, got low={low}, high={high}")
    dtype = np.dtype(dtype) if dtype is not None else np.dtype(input.dtype)
    return _make(pick(generator).integers(low, high, size=input.shape), dtype, requires_grad)


__all__ = ["manual_seed", "tensor", "from_numpy", "zeros", "ones", "empty", "full", "zeros_like",
           "ones_like", "full_like", "arange", "linspace", "eye", "randn", "rand", "randint",
           "randperm", "default_generator", "_to_array", "randn_like", "rand_like", "randint_like"]
