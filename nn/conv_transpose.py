"""_ConvTransposeNd, ConvTranspose1d and ConvTranspose2d (ConvTranspose3d has its own file) over
conv_transpose1d/2d/3d, with PyTorch's options, init, repr, forward(input, output_size=None)
and its _output_padding hook."""
from __future__ import annotations

from autograd import Tensor
from autograd.torch_errors import ArgumentError

from .conv import _ConvNd
from .functional_conv_transpose import conv_transpose1d, conv_transpose2d, conv_transpose3d


class _ConvTransposeNd(_ConvNd):
    """The base of ConvTranspose1d/2d/3d: a _ConvNd with transposed=True (torch's signature
    and class tree); only 'zeros' padding, forward(input, output_size=None)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 transposed, output_padding, groups, bias, padding_mode, device=None,
                 dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'{type(self).__name__}: only "zeros" padding mode is supported, '
                             f"got {padding_mode!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         transposed, output_padding, groups, bias, padding_mode, device, dtype)

    def _output_padding(self, input: Tensor, output_size, stride, padding, kernel_size,
                        num_spatial_dims: int, dilation=None):
        """The output_padding that gives `output_size` (spatial sizes, optionally led by the
        batch and channel sizes) for this stride, padding, kernel_size and dilation (None: 1),
        as a list; self.output_padding when output_size is None (torch's signature)."""
        if output_size is None:
            return self.output_padding
        op, n = type(self).__name__, num_spatial_dims
        lead = input.ndim - n
        size = tuple(int(s) for s in output_size)
        if len(size) == lead + n:
            size = size[lead:]
        if len(size) != n:
            raise ValueError(f"{op}: for {input.ndim}-D input, output_size must have {n} or "
                             f"{lead + n} elements, got {tuple(output_size)}")
        dilation = (1,) * n if dilation is None else dilation
        spatial = input.shape[lead:]
        lo = tuple((i - 1) * s - 2 * p + d * (k - 1) + 1 for i, s, p, d, k
                   in zip(spatial, stride, padding, dilation, kernel_size))
        hi = tuple(m + s - 1 for m, s in zip(lo, stride))
        if any(not a <= o <= b for o, a, b in zip(size, lo, hi)):
            raise ValueError(f"{op}: requested an output size of {size}, but valid sizes range "
                             f"from {lo} to {hi} (for an input of shape {tuple(input.shape)})")
        return [o - a for o, a in zip(size, lo)]

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        op, n = type(self).__name__, self._n
        if not isinstance(input, Tensor):
            raise TypeError(f"{op}: expected a Tensor input, got {type(input).__name__}")
        if input.ndim not in (n + 1, n + 2) or input.shape[-n - 1] != self.in_channels:
            dims = ("L", "H, W", "D, H, W")[n - 1]
            raise ArgumentError(f"{op}: expected input of shape (N, {self.in_channels}, "
                                f"{dims}) or ({self.in_channels}, {dims}), got "
                                f"{tuple(input.shape)}")
        conv = (conv_transpose1d, conv_transpose2d, conv_transpose3d)[n - 1]
        output_padding = self._output_padding(input, output_size, self.stride, self.padding,
                                              self.kernel_size, n, self.dilation)
        return conv(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                    self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution.  x: (N, C_in, L) or (C_in, L) -> (N, C_out, L'),
    L' = (L - 1) S - 2P + D (K - 1) + output_padding + 1.

    weight: (C_in, C_out / groups, K), bias: (C_out,); PyTorch's init (kaiming_uniform_ with
    a=sqrt(5), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = C_out / groups * K).
    forward(input, output_size=None): output_size picks the output_padding.
    """

    _n = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, True,
                         output_padding, groups, bias, padding_mode, device, dtype)


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution.  x: (N, C_in, H, W) or (C_in, H, W) -> (N, C_out, H', W'),
    H' = (H - 1) S - 2P + D (kH - 1) + output_padding + 1.

    weight: (C_in, C_out / groups, kH, kW), bias: (C_out,); PyTorch's init with
    fan_in = C_out / groups * kH * kW. forward(input, output_size=None).
    """

    _n = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, True,
                         output_padding, groups, bias, padding_mode, device, dtype)
