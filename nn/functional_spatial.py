"""Spatial transformers: affine_grid and grid_sample, with PyTorch's arguments.

affine_grid is composed from differentiable ops (a constant base grid times theta), so it
needs no VJP of its own; grid_sample is one op with numba kernels (autograd/ops/grid_sample.py).
"""
from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np

from autograd.kernels.grid_sample import MODES, PADDINGS
from autograd.ops.grid_sample import GridSample
from autograd.tensor import Tensor, _t

__all__ = ["affine_grid", "grid_sample"]

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                  "old behavior is desired. See the documentation of grid_sample for details.")


def _align(align_corners):
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


def _linspace(n, align_corners, dtype):
    """PyTorch's base-grid coordinates of an axis of n pixels: linspace(-1, 1, n), scaled by
    (n - 1) / n without align_corners; [0] for n = 1. Bit for bit as ATen's linspace, which
    fuses each step (start + i * step) into one rounding: exact fractions reproduce it."""
    f = np.dtype(dtype).type
    if n <= 1:
        return np.zeros(n, dtype)
    step = Fraction(float(f(2) / f(n - 1)))
    half = n // 2
    r = np.array([float(-1 + step * i) if i < half else float(1 - step * (n - 1 - i))
                  for i in range(n)]).astype(dtype)
    if not align_corners:
        r = (r * f(n - 1)) / f(n)
    return r


def _base_grid(spatial, align_corners, dtype):
    """(prod(spatial), k + 1) rows (x, y[, z], 1) over the output pixels in C order;
    spatial = (H, W) or (D, H, W)."""
    axes = [_linspace(n, align_corners, dtype) for n in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")                  # (D,) H, W
    cols = [m.reshape(-1) for m in reversed(mesh)]             # x from W first
    cols.append(np.ones(int(np.prod(spatial)), dtype))
    return np.stack(cols, axis=1)


def affine_grid(theta, size, align_corners=None):
    """Sampling grid of the affine maps theta over an output of `size`.

    theta: (N, 2, 3) for size (N, C, H, W) -> grid (N, H, W, 2); or (N, 3, 4) for size
    (N, C, D, H, W) -> (N, D, H, W, 3). grid[n, h, w] = theta[n] @ (x_w, y_h, 1), with x, y the
    normalized pixel centres in [-1, 1] (the corner pixels' centres with align_corners=True).
    Differentiable in theta.
    """
    align = _align(align_corners)
    th = _t(theta)
    if th.dtype.kind != "f":
        raise TypeError(f"affine_grid: expected theta to have a floating point dtype, got "
                        f"{th.dtype} (shape {tuple(th.shape)})")
    try:
        size = tuple(int(s) for s in size)
    except TypeError:
        raise TypeError(f"affine_grid: size must be a sequence of ints, got {size!r}") from None
    if len(size) not in (4, 5):
        raise NotImplementedError(f"affine_grid: only 4-D (N, C, H, W) and 5-D (N, C, D, H, "
                                  f"W) sizes are supported, got size {size}")
    k = len(size) - 2
    if tuple(th.shape) != (size[0], k, k + 1):
        raise ValueError(f"affine_grid: expected a batch of {k}-D affine matrices of shape "
                         f"(N, {k}, {k + 1}) with N = {size[0]} for size {size}, got theta of "
                         f"shape {tuple(th.shape)}")
    if min(size) <= 0:
        raise ValueError(f"affine_grid: expected a non-zero, positive output size, got {size}")
    if align and max(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      UserWarning, stacklevel=2)
    base = Tensor._wrap(_base_grid(size[2:], align, th.dtype), False)   # (P, k + 1)
    grid = base @ th.transpose(1, 2)                                     # (N, P, k)
    return grid.reshape(size[:1] + size[2:] + (k,))


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """input sampled at the points of grid, interpolated by `mode`.

    input: (N, C, H, W); grid: (N, Ho, Wo, 2) of (x, y) in [-1, 1], x along W and y along H
    (-1 and 1 are the edge pixels' centres with align_corners=True, their outer edges
    without) -> (N, C, Ho, Wo). mode: 'bilinear' | 'nearest' | 'bicubic'; padding_mode for
    points outside: 'zeros' | 'border' | 'reflection'. Differentiable in input and grid (the
    grid's gradient is 0 for 'nearest', as in PyTorch).
    """
    if mode not in MODES:
        raise ValueError(f"grid_sample: expected mode to be 'bilinear', 'nearest' or "
                         f"'bicubic', got {mode!r}")
    if padding_mode not in PADDINGS:
        raise ValueError(f"grid_sample: expected padding_mode to be 'zeros', 'border' or "
                         f"'reflection', got {padding_mode!r}")
    align = _align(align_corners)
    x, g = _t(input), _t(grid)
    if x.dtype not in (np.float32, np.float64) or g.dtype != x.dtype:
        raise TypeError(f"grid_sample: expected input and grid of one dtype, float32 or "
                        f"float64, got input {x.dtype} and grid {g.dtype}")
    if x.ndim == 5:
        raise NotImplementedError(f"grid_sample: volumetric (5-D) input is not supported, got "
                                  f"input of shape {tuple(x.shape)}")
    if x.ndim != 4 or g.ndim != 4 or g.shape[-1] != 2:
        raise ValueError(f"grid_sample: expected input (N, C, H, W) and grid (N, Ho, Wo, 2), "
                         f"got input {tuple(x.shape)} and grid {tuple(g.shape)}")
    if x.shape[0] != g.shape[0]:
        raise ValueError(f"grid_sample: input {tuple(x.shape)} and grid {tuple(g.shape)} must "
                         f"have the same batch size")
    if x.shape[2] == 0 or x.shape[3] == 0:
        raise ValueError(f"grid_sample: expected input to have non-empty spatial dims, got "
                         f"shape {tuple(x.shape)}")
    return GridSample.apply(x, g, mode=MODES[mode], padding=PADDINGS[padding_mode],
                            align_corners=align)
