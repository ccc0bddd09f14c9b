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
