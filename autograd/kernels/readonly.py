"""Kernel inputs handed over read-only, so that a kernel compiles once per dtype.

numba types a read-only array apart from a writable one (Array(float64, 3, 'C', True) and
Array(float64, 3, 'C', False)) and compiles a kernel again for each mix of the two among its
arguments. The engine makes the arrays it saves for backward read-only, so the same kernel
met both kinds: on a cold cache the test suite compiled depthwise's three kernels 5 times
each where the 2 dtypes need 2 (42 s of compiling, 25 s of it for the extra 3). The drivers
pass the arrays a kernel only reads through `readonly`, and the arrays it writes as they are
(fresh, writable). The compiled code is the same either way (a read-only type only forbids
stores), and so is its speed (measured).
"""
import numpy as np


def readonly(a, dtype=None) -> np.ndarray:
    """a as a C-contiguous array of `dtype` (a's own by default) that is read-only: a
    read-only view when it is writable, so the caller's array itself is left as it was."""
    a = np.ascontiguousarray(a, dtype)
    if a.flags.writeable:
        a = a.view()
        a.setflags(write=False)
    return a
