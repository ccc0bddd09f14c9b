"""More of nn.init: dirac_ (identity-preserving conv kernels), sparse_ (Martens' sparse
initialisation), and the deprecated names dirac, eye, sparse (they warn, as PyTorch's)."""
from __future__ import annotations

import math
import warnings

import numpy as np

from autograd import creation

from .init import _array, _fill, _rng, eye_


def dirac_(tensor, groups: int = 1):
    """Fill a (C_out, C_in, *k) conv weight (3, 4 or 5 dims) with the Dirac delta: each of
    the first min(C_out / groups, C_in) output channels of every group copies its input
    channel through the kernel's centre, everything else is 0."""
    arr = _array(tensor, "dirac_", floating=False)
    if arr.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: Only tensors with 3, 4, or 5 dimensions are supported, got "
                         f"shape {tuple(arr.shape)}")
    if arr.shape[0] % groups != 0:
        raise ValueError(f"dirac_: dim 0 must be divisible by groups, got size "
                         f"{arr.shape[0]} and groups={groups}")
    per_group = arr.shape[0] // groups
    values = np.zeros(arr.shape)
    centre = tuple(n // 2 for n in arr.shape[2:])
    for g in range(groups):
        for d in range(min(per_group, arr.shape[1])):
            values[(g * per_group + d, d) + centre] = 1
    return _fill(tensor, values, "dirac_", floating=False)


def sparse_(tensor, sparsity: float, std: float = 0.01, generator=None):
    """Fill a 2-D tensor from N(0, std^2), then zero ceil(sparsity * rows) randomly chosen
    rows in each column (the permutations come from the default generator, as PyTorch's)."""
    arr = _array(tensor, "sparse_")
    if arr.ndim != 2:
        raise ValueError(f"sparse_: Only tensors with 2 dimensions are supported, got shape "
                         f"{tuple(arr.shape)}")
    rows, cols = arr.shape
    num_zeros = math.ceil(sparsity * rows)
    values = _rng(generator).normal(0.0, std, size=arr.shape)
    perm = creation.default_generator()
    for col in range(cols):
        values[perm.permutation(rows)[:num_zeros], col] = 0
    return _fill(tensor, values, "sparse_")


def _deprecated(init):
    new = init.__name__
    old = new[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old}` is now deprecated in favor of `nn.init.{new}`.",
                      FutureWarning, stacklevel=2)
        return init(*args, **kwargs)

    deprecated_init.__name__ = deprecated_init.__qualname__ = old
    deprecated_init.__doc__ = f"Deprecated: nn.init.{new}."
    return deprecated_init


dirac, eye, sparse = _deprecated(dirac_), _deprecated(eye_), _deprecated(sparse_)

__all__ = ["dirac_", "sparse_", "dirac", "eye", "sparse"]
