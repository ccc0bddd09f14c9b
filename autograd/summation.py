"""Sums whose float32 error does not grow with the number of elements summed.

numpy adds pairwise (error ~ log n) only along the innermost axis of memory, after merging
the contiguous trailing axes a reduction covers; over any other axis it adds one row at a time,
so the error of a float32 sum of n rows grows with n (0.1 summed over 10^7 rows came out 8.8%
high; torch's cascade sum is off by 1e-6). Such sums of more than PAIRWISE_BLOCK rows
accumulate in float64 here: 1.5-2.5x the time of numpy's float32 pass, on those sums only.
float64 sums over one such axis add blocks of rows, then the blocks' sums, the same way.
"""
from __future__ import annotations

import numpy as np

PAIRWISE_BLOCK = 128   # numpy's pairwise sum adds blocks of this many elements one by one


def add_reduce(x: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:
    """np.add.reduce(x, axis, keepdims=keepdims) (axis None, an int or a tuple of ints), with
    a float64 accumulator where numpy's float32 sum would add the rows one at a time."""
    if x.dtype == np.float32 and x.size > PAIRWISE_BLOCK:
        if axis is None:
            wide = not x.flags.c_contiguous
        else:
            axes = axis if axis.__class__ is tuple else (axis,)
            n = 1
            for a in axes:
                n *= x.shape[a]
            wide = n > PAIRWISE_BLOCK and not _trailing(x, axes)
        if wide:
            return np.add.reduce(x, axis=axis, keepdims=keepdims,
                                 dtype=np.float64).astype(np.float32)
    elif (x.dtype == np.float64 and axis is not None and x.flags.c_contiguous
          and (axis.__class__ is not tuple or len(axis) == 1)):
        a = (axis[0] if axis.__class__ is tuple else axis) % max(x.ndim, 1)
        if a != x.ndim - 1 and x.shape[a] > 2 * PAIRWISE_BLOCK:
            out = _cascade(x, a)
            return np.expand_dims(out, a) if keepdims else out
    return np.add.reduce(x, axis=axis, keepdims=keepdims)


def _cascade(x: np.ndarray, a: int) -> np.ndarray:
    """The sum over axis a, in blocks of PAIRWISE_BLOCK rows whose sums are added the same
    way: an error that grows with log(rows), as numpy's pairwise sum along the last axis
    (float64: numpy adds 10^7 rows one at a time to a relative error of 1.6e-10)."""
    n, block = x.shape[a], PAIRWISE_BLOCK
    if n <= block:
        return np.add.reduce(x, axis=a)
    m = n - n % block
    head = x[(slice(None),) * a + (slice(0, m),)]
    partial = np.add.reduce(head.reshape(x.shape[:a] + (m // block, block) + x.shape[a + 1:]),
                            axis=a + 1)
    total = _cascade(partial, a)
    if m < n:
        total += np.add.reduce(x[(slice(None),) * a + (slice(m, n),)], axis=a)
    return total


def _trailing(x: np.ndarray, axes) -> bool:
    """Whether numpy sums x over axes pairwise: x is C-contiguous and axes are its last ones."""
    if not x.flags.c_contiguous:
        return False
    ndim = x.ndim
    if len(axes) == 1:
        return axes[0] % ndim == ndim - 1
    return sorted(a % ndim for a in axes) == list(range(ndim - len(axes), ndim))
