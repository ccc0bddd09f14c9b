"""_ConvNd, Conv1d and Conv2d (Conv3d is in fold.py) over nn.functional's conv1d/2d/3d, with
PyTorch's options and its _conv_forward hook."""
from __future__ import annotations


import numpy as np

from autograd import Tensor
from autograd.torch_errors import ArgumentError, ArgumentTypeError

from . import functional as F
from . import init
from .device import check_device
from .linear import _check_features, _dtype
from .module import Module, Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value, n: int, name: str, op: str, least=None) -> tuple:
    """A module's int or n ints as an n-tuple (a bool is an int, as in torch's _pair)."""
    if isinstance(value, (int, np.integer)):
        value = (int(value),) * n
    elif isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise ArgumentTypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got "
                                f"{value!r} (of type {type(value).__name__})")
    value = tuple(value)
    if not all(isinstance(v, (int, np.integer)) for v in value):
        raise ArgumentTypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got "
                                f"{value!r}")
    if len(value) != n:
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if least is not None and any(v < least for v in value):
        raise ArgumentError(f"{op}: {name} must be >= {least}, got {value!r}")
    return tuple(int(v) for v in value)


def _reversed_padding_repeated_twice(padding, kernel_size, dilation):
    """F.pad's sizes (last dim first, (left, right) each) for a conv's padding: an n-tuple,
    'valid', or 'same' (the odd pixel on the trailing edge); a list for the strings and a
    tuple otherwise, as torch's attribute."""
    if isinstance(padding, str):
        pads = [0, 0] * len(kernel_size)
        if padding == "same":
            for i, (d, k) in enumerate(zip(reversed(dilation), reversed(kernel_size))):
                total = d * (k - 1)
                pads[2 * i:2 * i + 2] = [total // 2, total - total // 2]
        return pads
    return tuple(p for p in reversed(padding) for _ in range(2))


class _ConvNd(Module):
    """The base of Conv1d/2d/3d and (transposed=True, see conv_transpose.py) of
    ConvTranspose1d/2d/3d, with torch's constructor signature: a subclass written for torch's
    _ConvNd runs on this one. weight: (C_out, C_in / groups, *kernel), or (C_in,
    C_out / groups, *kernel) when transposed."""

    _n = 0

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 transposed, output_padding, groups, bias, padding_mode, device=None,
                 dtype=None):
        super().__init__()
        op, n = type(self).__name__, self._n
        if not n and isinstance(kernel_size, (tuple, list)):   # a subclass written for torch's
            n = self._n = len(kernel_size)                      # base: its tuples give the rank
        _check_features(op, in_channels=in_channels, out_channels=out_channels)
        if not isinstance(groups, (int, np.integer)) or groups <= 0:
            raise ValueError(f"{op}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{op}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must both be divisible by groups ({groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{op}: padding_mode must be one of {_PADDING_MODES}, got "
                             f"{padding_mode!r}")
        if device is not None:
            check_device(op, device)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.groups = int(groups)
        self.kernel_size = _ntuple(kernel_size, n, "kernel_size", op, least=0)
        self.stride = _ntuple(stride, n, "stride", op)
        self.dilation = _ntuple(dilation, n, "dilation", op)
        if isinstance(padding, str):
            if transposed:
                raise ValueError(f"{op}: padding must be an int or a tuple of {n} ints, got "
                                 f"{padding!r} (string padding is not supported for "
                                 f"transposed convolutions)")
            if padding not in ("same", "valid"):
                raise ValueError(f"{op}: padding string must be 'same' or 'valid', got "
                                 f"{padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{op}: padding='same' is not supported for strided "
                                 f"convolutions (stride={self.stride})")
            self.padding = padding
        else:
            self.padding = _ntuple(padding, n, "padding", op)
        self.output_padding = _ntuple(output_padding, n, "output_padding", op)
        self.transposed = bool(transposed)
        self.padding_mode = padding_mode
        # torch's name: F.pad's sizes for the padding modes other than 'zeros'
        self._reversed_padding_repeated_twice = _reversed_padding_repeated_twice(
            self.padding, self.kernel_size, self.dilation)
        dt = _dtype(dtype)
        channels = ((self.in_channels, self.out_channels // self.groups) if transposed else
                    (self.out_channels, self.in_channels // self.groups))
        self.weight = Parameter(np.empty(channels + self.kernel_size, dt))
        if bias:
            self.bias = Parameter(np.empty((self.out_channels,), dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.default_layer_init_(self.weight, self.bias)

    def _check_input(self, x: Tensor):
        op, n = type(self).__name__, self._n
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}: expected a Tensor input, got {type(x).__name__}")
        if x.ndim not in (n + 1, n + 2) or x.shape[-n - 1] != self.in_channels:
            dims = ("L", "H, W", "D, H, W")[n - 1]
            raise ArgumentError(f"{op}: expected input of shape (N, {self.in_channels}, {dims}) "
                                f"with {self.in_channels} channels, got {tuple(x.shape)}")

    def _conv_forward(self, input: Tensor, weight: Tensor, bias) -> Tensor:
        """input convolved with the given weight and bias under this layer's stride, padding,
        dilation and groups (torch's hook: a subclass that transforms its weight, as weight
        standardization, calls it from its own forward)."""
        conv = (F.conv1d, F.conv2d, F.conv3d)[self._n - 1]
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        return self._conv_forward(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._n:
            s += f", output_padding={self.output_padding}"
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
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False,
                         0, groups, bias, padding_mode, device, dtype)


class Conv2d(_ConvNd):
    """2-D cross-correlation.  x: (N, C_in, H, W) -> (N, C_out, H', W').

    weight: (C_out, C_in / groups, kH, kW), bias: (C_out,); PyTorch's init.
    """

    _n = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False,
                         0, groups, bias, padding_mode, device, dtype)
