"""In-place parameter updates: one pass over memory, no temporary the size of the weight."""
import numbers

import numba as nb
import numpy as np


@nb.njit(cache=True, error_model="numpy")
def _axpy(y, alpha, x):
    for i in range(y.size):
        y[i] += alpha * x[i]


def axpy_(y: np.ndarray, alpha: float, x: np.ndarray) -> bool:
    """y += alpha * x in place (alpha rounded to y's dtype, as numpy does for a Python float);
    False, with y untouched, when the arrays are not same-shape, same-dtype, contiguous
    float32/float64 of more than SMALL elements (the caller then takes numpy's path, which
    rounds the same and costs less than the kernel call on a few elements). A non-real alpha
    is a TypeError."""
    if alpha.__class__ is not float and not isinstance(alpha, numbers.Real):
        raise TypeError(f"alpha must be a real number, got {alpha!r}")
    if (y.size <= SMALL or y.shape != x.shape or y.dtype != x.dtype or y.dtype.kind != "f"
            or y.itemsize < 4 or not (y.flags.c_contiguous and x.flags.c_contiguous)
            or not y.flags.writeable or np.may_share_memory(y, x)):
        return False
    _axpy(y.reshape(-1), y.dtype.type(alpha), x.reshape(-1))
    return True


SMALL = 64


@nb.njit(cache=True, error_model="numpy")
def _add_rows_at(buf, idx, rows):
    """buf[idx[i]] += rows[i] for each i, repeats accumulating; -1 (buf untouched) when an
    index is out of range."""
    n_rows = buf.shape[0]
    for i in range(idx.size):
        if idx[i] < -n_rows or idx[i] >= n_rows:
            return -1
    d = rows.shape[1]
    for i in range(idx.size):
        r = idx[i] + n_rows if idx[i] < 0 else idx[i]
        for j in range(d):
            buf[r, j] += rows[i, j]
    return 0


def add_rows_at(buf: np.ndarray, idx: np.ndarray, values: np.ndarray) -> bool:
    """np.add.at(buf, idx, values) for an integer index array into buf's first axis, in one
    pass (numpy's add.at is 15-50x slower on the row gathers of embeddings): True when done;
    False, with buf untouched, for what the kernel does not take (the caller uses add.at,
    which also raises numpy's IndexError for an index out of range)."""
    if (idx.dtype.kind not in "iu" or buf.dtype.kind != "f" or values.dtype != buf.dtype
            or buf.ndim == 0 or not buf.flags.c_contiguous or not buf.flags.writeable
            or values.shape != idx.shape + buf.shape[1:] or np.may_share_memory(buf, values)):
        return False
    d = int(np.prod(buf.shape[1:]))
    rows = np.ascontiguousarray(values).reshape(idx.size, d)
    flat = idx.reshape(-1).astype(np.int64, copy=False)
    return _add_rows_at(buf.reshape(buf.shape[0], d), flat, rows) == 0
