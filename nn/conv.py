"""Conv1d and Conv2d modules over nn.functional's conv1d/conv2d, with PyTorch's options."""
from __future__ import annotations


import numpy as np

from autograd import Tensor
from autograd.torch_errors import ArgumentError

from . import functional as F
from . import init
from .linear import _check_features, _dtype
from .module import Module, Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value, n: int, name: str, op: str) -> tuple:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * n
    value = tuple(value)
    if len(value) != n or not all(isinstance(v, (int, np.integer)) for v in value):
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    return tuple(int(v) for v in value)


def _pad_index(n: int, left: int, right: int, mode: str, op: str) -> np.ndarray:
    """Source positions of a length-n axis padded by (left, right) in reflect/replicate/circular."""
    i = np.arange(-left, n + right)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    if mode == "circular":
        if max(left, right) > n:
            raise ValueError(f"{op}: circular padding ({left}, {right}) needs at most the input "
                             f"size {n} on each side")
        return i % n
    if max(left, right) >= n:
        raise ValueError(f"{op}: reflect padding ({left}, {right}) must be smaller than the "
                         f"input size {n}")
    i = np.abs(i)
    return np.where(i > n - 1, 2 * (n - 1) - i, i)


class _ConvNd(Module):
    _n = 0

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                 bias, padding_mode, device, dtype):
        super().__init__()
        op, n = type(self).__name__, self._n
        _check_features(op, in_channels=in_channels, out_channels=out_channels)
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"{op}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{op}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must both be divisible by groups ({groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{op}: padding_mode must be one of {_PADDING_MODES}, got "
                             f"{padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _ntuple(kernel_size, n, "kernel_size", op)
        self.stride = _ntuple(stride, n, "stride", op)
        self.dilation = _ntuple(dilation, n, "dilation", op)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{op}: padding string must be 'same' or 'valid', got "
                                 f"{padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{op}: padding='same' is not supported for strided "
                                 f"convolutions (stride={self.stride})")
            self.padding = padding
        else:
            self.padding = _ntuple(padding, n, "padding", op)
        self.output_padding = (0,) * n
        self.transposed = False
        self.padding_mode = padding_mode
        dt = _dtype(dtype)
        self.weight = Parameter(np.empty((out_channels, in_channels // groups) + self.kernel_size,
                                         dt))
        if bias:
            self.bias = Parameter(np.empty((out_channels,), dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.default_layer_init_(self.weight, self.bias)

    def _explicit_padding(self):
        """(left, right) per spatial dim for the non-zero padding modes."""
        if self.padding == "valid":
            return [(0, 0)] * self._n
        if self.padding == "same":
            out = []
            for d, k in zip(self.dilation, self.kernel_size):
                total = d * (k - 1)
                out.append((total // 2, total - total // 2))
            return out
        return [(p, p) for p in self.padding]

    def _padded(self, x: Tensor) -> Tensor:
        """x padded by gathering along each spatial axis: composed from indexing, whose VJP
        scatter-adds, so the padding needs no backward rule of its own."""
        for axis, (left, right) in enumerate(self._explicit_padding(), start=x.ndim - self._n):
            if left or right:
                idx = _pad_index(x.shape[axis], left, right, self.padding_mode,
                                 type(self).__name__)
                x = x[(slice(None),) * axis + (idx,)]
        return x

    def _check_input(self, x: Tensor):
        op, n = type(self).__name__, self._n
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}: expected a Tensor input, got {type(x).__name__}")
        if x.ndim not in (n + 1, n + 2) or x.shape[-n - 1] != self.in_channels:
            raise ArgumentError(f"{op}: expected input of shape (N, {self.in_channels}, "
                             f"{', '.join('L' if n == 1 else 'HW'[i] for i in range(n))}) with "
                             f"{self.in_channels} channels, got {tuple(x.shape)}")

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        conv = F.conv1d if self._n == 1 else F.conv2d
        if self.padding_mode != "zeros":
            return conv(self._padded(input), self.weight, self.bias, self.stride, 0, self.dilation,
                        self.groups)
        return conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                    self.groups)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._n:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-D cross-correlation.  x: (N, C_in, L) -> (N, C_out, L').

    weight: (C_out, C_in / groups, k), bias: (C_out,); PyTorch's init (kaiming_uniform_ with
    a=sqrt(5), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))).
    """

    _n = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, device, dtype)


class Conv2d(_ConvNd):
    """2-D cross-correlation.  x: (N, C_in, H, W) -> (N, C_out, H', W').

    weight: (C_out, C_in / groups, kH, kW), bias: (C_out,); PyTorch's init.
    """

    _n = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                         bias, padding_mode, device, dtype)
