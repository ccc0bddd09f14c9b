"""Function forms of tensor_aliases' methods and of a few Tensor methods torch also has as
functions (autograd.select(x, 1, 0) is x.select(1, 0)), and the integer dtypes uint8, int8,
int16."""
from __future__ import annotations

import numpy as np

from .functional_more import _method

uint8, int8, int16 = np.dtype(np.uint8), np.dtype(np.int8), np.dtype(np.int16)

select, broadcast_to, clone, t, ravel, moveaxis, narrow_copy = map(
    _method, ["select", "broadcast_to", "clone", "t", "ravel", "moveaxis", "narrow_copy"])


__all__ = ["select", "broadcast_to", "clone", "t", "ravel", "moveaxis", "narrow_copy", "uint8",
           "int8", "int16"]
