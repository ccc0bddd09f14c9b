"""The memory layout of op results: PyTorch gives a new (not a view) result of most ops in
row-major order, whatever the inputs' strides. numpy often does not (a reduction or a ufunc
keeps a transposed input's order, fancy indexing along a later axis and moveaxis give
transposed results), and then x.view(-1) on the result copies where PyTorch's aliases, so an
in-place write through that view no longer reaches the result."""
import numpy as np


def c_order(a: np.ndarray) -> np.ndarray:
    """a itself when it is C-contiguous (no copy), else a C-ordered copy of it."""
    # a 0-d array is always C-contiguous: np.ascontiguousarray would make it shape (1,)
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)
