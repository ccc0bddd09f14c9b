"""Unfold/Fold, MaxUnpool1d/2d, LPPool1d/2d and the 3-D layers (Conv3d, MaxPool3d,
AvgPool3d, AdaptiveAvgPool3d, ConstantPad3d, ZeroPad3d) over nn.functional_fold, with
PyTorch's arguments, attributes and repr; the 3-D ones reuse the 2-D modules' bases."""
from __future__ import annotations

from autograd import Tensor

from . import functional_fold as F
from .conv import _ConvNd
from .layers_more import ConstantPad1d
from .module import Module
from .pooling import AdaptiveAvgPool2d, AvgPool2d, _MaxPoolNd

__all__ = ["Unfold", "Fold", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "LPPool1d", "LPPool2d",
           "LPPool3d", "Conv3d", "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "ConstantPad3d", "ZeroPad3d"]


def _ntuple(value, n):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


class Unfold(Module):
    """Sliding blocks as columns (im2col).  x: (N, C, H, W) -> (N, C*kH*kW, L)."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """Sliding blocks summed back into an image (col2im).
    cols: (N, C*kH*kW, L) -> (N, C, *output_size)."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")


class _MaxUnpoolNd(Module):
    nd = 0

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, self.nd)
        self.stride = _ntuple(stride if stride is not None else kernel_size, self.nd)
        self.padding = _ntuple(padding, self.nd)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Values back at their max_pool1d indices, zeros elsewhere.
    x, indices: (N, C, L) -> (N, C, L')."""

    nd = 1

    def forward(self, input: Tensor, indices, output_size=None) -> Tensor:
        return F.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)


class MaxUnpool2d(_MaxUnpoolNd):
    """Values back at their max_pool2d indices, zeros elsewhere.
    x, indices: (N, C, H, W) -> (N, C, H', W')."""

    nd = 2

    def forward(self, input: Tensor, indices, output_size=None) -> Tensor:
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)


class MaxUnpool3d(_MaxUnpoolNd):
    """Values back at their max_pool3d indices, zeros elsewhere.
    x, indices: (N, C, D, H, W) -> (N, C, D', H', W')."""

    nd = 3

    def forward(self, input: Tensor, indices, output_size=None) -> Tensor:
        return F.max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)


class _LPPoolNd(Module):
    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode: bool = False):
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """(sum of x^p over each window)^(1/p).  x: (N, C, L) -> (N, C, L')."""

    def forward(self, input: Tensor) -> Tensor:
        return F.lp_pool1d(input, self.norm_type, self.kernel_size, self.stride,
                           self.ceil_mode)


class LPPool2d(_LPPoolNd):
    """(sum of x^p over each kH x kW window)^(1/p).  x: (N, C, H, W) -> (N, C, H', W')."""

    def forward(self, input: Tensor) -> Tensor:
        return F.lp_pool2d(input, self.norm_type, self.kernel_size, self.stride,
                           self.ceil_mode)


class LPPool3d(_LPPoolNd):
    """(sum of x^p over each kD x kH x kW window)^(1/p).
    x: (N, C, D, H, W) -> (N, C, D', H', W')."""

    def forward(self, input: Tensor) -> Tensor:
        return F.lp_pool3d(input, self.norm_type, self.kernel_size, self.stride,
                           self.ceil_mode)


# ------------------------------------------------------------------------- 3-D
class Conv3d(_ConvNd):
    """3-D cross-correlation.  x: (N, C_in, D, H, W) -> (N, C_out, D', H', W').

    weight: (C_out, C_in / groups, kD, kH, kW), bias: (C_out,); PyTorch's init.
    """

    _n = 3

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False,
                         0, groups, bias, padding_mode, device, dtype)


class MaxPool3d(_MaxPoolNd):
    """Max over sliding windows.  x: (N, C, D, H, W) -> (N, C, D', H', W')."""

    def forward(self, input: Tensor):
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool3d(AvgPool2d):
    """Mean over sliding windows.  x: (N, C, D, H, W) -> (N, C, D', H', W')."""

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool3d(AdaptiveAvgPool2d):
    """Mean over bins that tile the input.  x: (N, C, D, H, W) -> (N, C, *output_size)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool3d(input, self.output_size)


class ConstantPad3d(ConstantPad1d):
    """Pad the last three dims with `value`; padding is (left, right, top, bottom, front,
    back).  x: (*, D, H, W) -> (*, D', H', W')."""

    _n = 6


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dims with zeros.  x: (*, D, H, W) -> (*, D', H', W')."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"
