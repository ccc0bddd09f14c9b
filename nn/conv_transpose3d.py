"""nn.ConvTranspose3d, on conv_transpose3d (nn/functional_conv_transpose.py) through
_ConvTransposeNd's forward."""
from __future__ import annotations

from .conv_transpose import _ConvTransposeNd

__all__ = ["ConvTranspose3d"]


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution.  x: (N, C_in, D, H, W) or (C_in, D, H, W)
    -> (N, C_out, D', H', W'), D' = (D - 1) S - 2P + dil (kD - 1) + output_padding + 1.

    weight: (C_in, C_out / groups, kD, kH, kW), bias: (C_out,); PyTorch's init with
    fan_in = C_out / groups * kD * kH * kW. forward(input, output_size=None).
    """

    _n = 3

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, True,
                         output_padding, groups, bias, padding_mode, device, dtype)
