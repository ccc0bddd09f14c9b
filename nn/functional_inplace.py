"""nn.functional's in-place activation forms (relu_, elu_, ...: f(input, inplace=True)), the
pooling forms that always return (values, indices) (max_pool2d_with_indices, ...), and the
deprecated upsample_nearest / upsample_bilinear (interpolate with a fixed mode; they warn,
as PyTorch's do).

Each is a call of the op it names, so it has that op's values, gradients and checks; an
in-place form is recorded or refused as that op's inplace=True is.
"""
from __future__ import annotations

import warnings

from .functional import leaky_relu, relu
from .functional_activation import celu, elu, hardtanh, selu
from .functional_activation_more import rrelu
from .functional_activation_more import threshold as _threshold
from .functional_fold import max_pool3d
from .functional_more import adaptive_max_pool1d, adaptive_max_pool2d, adaptive_max_pool3d
from .functional_pool import max_pool1d, max_pool2d
from .functional_resample import interpolate

# ruff: noqa: A002  (input is PyTorch's name)


def relu_(input):
    """max(x, 0) written into x."""
    return relu(input, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


def celu_(input, alpha=1.0):
    return celu(input, alpha, inplace=True)


def selu_(input):
    return selu(input, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input, threshold, value):
    """x where x > threshold, else value, written into x."""
    return _threshold(input, threshold, value, inplace=True)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, inplace=True)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """-> (values, indices) of max_pool1d, whatever return_indices says (as PyTorch's).
    x: (N, C, L) -> (N, C, L') twice."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """-> (values, indices) of max_pool2d.  x: (N, C, H, W) -> (N, C, H', W') twice."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """-> (values, indices) of max_pool3d.  x: (N, C, D, H, W) -> (N, C, D', H', W') twice."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """-> (values, indices) of adaptive_max_pool1d.  x: (N, C, L) -> (N, C, output_size)."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """-> (values, indices) of adaptive_max_pool2d.  x: (N, C, H, W) -> (N, C, oH, oW)."""
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    """-> (values, indices) of adaptive_max_pool3d.
    x: (N, C, D, H, W) -> (N, C, oD, oH, oW)."""
    return adaptive_max_pool3d(input, output_size, True)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: interpolate(input, size, scale_factor, mode='nearest')."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: interpolate(input, size, scale_factor, mode='bilinear',
    align_corners=True).  x: (N, C, H, W) -> (N, C, H', W')."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


__all__ = ["relu_", "leaky_relu_", "elu_", "celu_", "selu_", "hardtanh_", "threshold_",
           "rrelu_", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices",
           "upsample_nearest", "upsample_bilinear"]
