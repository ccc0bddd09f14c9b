"""Fractional max pooling (Graham, 2014): max over kernel-sized windows placed at
pseudo-random, increasing offsets, so that the output can be any size between the input's and
input - kernel + 1. As torch's fractional_max_pool2d/3d and FractionalMaxPool2d/3d.

Along an axis of n inputs cut into o outputs with windows of k, and a sample u in [0, 1) per
plane and axis, window i starts at int((i + u) a) - int(u a), a = (n - k) / (o - 1) (in the
input's dtype, as torch's kernel), and the last at n - k. The samples are drawn from the
default generator, or given as _random_samples (N, C, nd); their last dim lists the axes in
torch's order: (W, H) for 2-D, (T, H, W) for 3-D.

Composed from differentiable ops: the windows are gathered from the flattened planes and
max-reduced, so the gradient goes to each window's max (adding up where windows overlap).
"""
from __future__ import annotations

import numpy as np

from autograd import Tensor
from autograd.creation import rand
from autograd.ops.conv import ntuple
from autograd.torch_errors import ArgumentError

from .functional import _floats
from .module import Module

__all__ = ["fractional_max_pool2d", "fractional_max_pool3d",
           "fractional_max_pool2d_with_indices", "fractional_max_pool3d_with_indices",
           "FractionalMaxPool2d", "FractionalMaxPool3d"]


def _starts(samples: np.ndarray, n: int, o: int, k: int) -> np.ndarray:
    """samples (P,) -> window starts (P, o) along an axis of n cut into o windows of k."""
    starts = np.empty(samples.shape + (o,), np.int64)
    if o > 1:
        dtype = samples.dtype.type
        alpha = dtype(n - k) / dtype(o - 1)
        i = np.arange(o - 1, dtype=samples.dtype)
        starts[:, :-1] = (((i + samples[:, None]) * alpha).astype(np.int64)
                          - (samples * alpha).astype(np.int64)[:, None])
    starts[:, -1] = n - k
    return starts


def _fractional_max(op, nd, input, kernel_size, output_size, output_ratio, samples):
    (x,) = _floats(op, input=input)
    if x.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"{op}: expected a {nd + 1}-D or {nd + 2}-D input, got shape "
                         f"{tuple(x.shape)}")
    batched = x.ndim == nd + 2
    if not batched:
        x = x.unsqueeze(0)
    kernel = ntuple(kernel_size, nd, "kernel_size", op, 1)
    spatial = tuple(x.shape[2:])
    if (output_size is None) == (output_ratio is None):
        raise ValueError(f"{op}: requires specifying either an output_size or an output_ratio "
                         f"(exactly one)")
    if output_size is None:
        ratio = (output_ratio,) * nd if np.isscalar(output_ratio) else tuple(output_ratio)
        if len(ratio) != nd or not all(0 < r < 1 for r in ratio):
            raise ValueError(f"{op}: output_ratio must be {nd} numbers in (0, 1), got "
                             f"{output_ratio!r}")
        output_size = tuple(int(s * r) for s, r in zip(spatial, ratio))
    out = ntuple(output_size, nd, "output_size", op, 1)
    if any(o + k - 1 > s for o, k, s in zip(out, kernel, spatial)):
        raise ArgumentError(f"{op}: output_size {out} + kernel_size {kernel} - 1 exceeds the "
                            f"input size {spatial}")
    n, c = x.shape[:2]
    if samples is None:
        u = rand(n, c, nd, dtype=x.dtype).numpy()
    else:
        u = np.asarray(samples.detach().numpy() if isinstance(samples, Tensor) else samples)
        if u.shape != (n, c, nd):
            raise ValueError(f"{op}: _random_samples must have shape {(n, c, nd)}, got "
                             f"{tuple(u.shape)}")
        u = u.astype(x.dtype, copy=False)
    # torch's sample order: (W, H) in 2-D, (T, H, W) in 3-D
    axis_sample = (1, 0) if nd == 2 else (0, 1, 2)
    flat_u = u.reshape(n * c, nd)
    starts = [_starts(flat_u[:, axis_sample[d]], spatial[d], out[d], kernel[d])
              for d in range(nd)]
    # the flat index (in the plane) of every window element: (P, *out, *kernel)
    index = np.zeros((n * c,) + out + kernel, np.int64)
    stride = 1
    for d in reversed(range(nd)):
        shape = [n * c] + [1] * (2 * nd)
        shape[1 + d] = out[d]
        pos = starts[d].reshape(shape)
        offs = np.arange(kernel[d]).reshape([1] * (1 + nd + d) + [kernel[d]]
                                            + [1] * (nd - d - 1))
        index = index + (pos + offs) * stride
        stride *= spatial[d]
    index = index.reshape(n, c, -1, int(np.prod(kernel)))
    windows = x.reshape(n, c, -1).gather(2, Tensor._wrap(index.reshape(n, c, -1), False))
    values, arg = windows.reshape(index.shape).max(-1)
    indices = np.take_along_axis(index, arg.numpy()[..., None], -1)[..., 0]
    values, indices = values.reshape((n, c) + out), indices.reshape((n, c) + out)
    if not batched:
        values, indices = values.squeeze(0), indices[0]
    return values, Tensor._wrap(indices, False)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """(values, indices) of fractional_max_pool2d; indices are flat h * W + w."""
    return _fractional_max("fractional_max_pool2d", 2, input, kernel_size, output_size,
                           output_ratio, _random_samples)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """(values, indices) of fractional_max_pool3d; indices are flat (t * H + h) * W + w."""
    return _fractional_max("fractional_max_pool3d", 3, input, kernel_size, output_size,
                           output_ratio, _random_samples)


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """x (N, C, H, W) or (C, H, W) -> (N, C, oH, oW); with return_indices also the indices."""
    out = fractional_max_pool2d_with_indices(input, kernel_size, output_size, output_ratio,
                                             return_indices, _random_samples)
    return out if return_indices else out[0]


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """x (N, C, T, H, W) or (C, T, H, W) -> (N, C, oT, oH, oW); with return_indices also the
    indices."""
    out = fractional_max_pool3d_with_indices(input, kernel_size, output_size, output_ratio,
                                             return_indices, _random_samples)
    return out if return_indices else out[0]


class _FractionalMaxPool(Module):
    nd = 0

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                 _random_samples=None):
        super().__init__()
        name = type(self).__name__
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling "
                             f"ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        nd = self.nd
        self.kernel_size = ntuple(kernel_size, nd, "kernel_size", name, 1)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = None if output_size is None else \
            ntuple(output_size, nd, "output_size", name, 1)
        self.output_ratio = None if output_ratio is None else (
            (output_ratio,) * nd if np.isscalar(output_ratio) else tuple(output_ratio))
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input):
        pool = fractional_max_pool2d if self.nd == 2 else fractional_max_pool3d
        return pool(input, self.kernel_size, self.output_size, self.output_ratio,
                    self.return_indices, _random_samples=self._random_samples)


class FractionalMaxPool2d(_FractionalMaxPool):
    """Fractional max pooling over (H, W); see the module docstring."""

    nd = 2


class FractionalMaxPool3d(_FractionalMaxPool):
    """Fractional max pooling over (T, H, W); see the module docstring."""

    nd = 3
