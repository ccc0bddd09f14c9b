"""More activation modules with PyTorch's arguments, attributes and repr: Softmin, the shrinks,
Threshold, RReLU, AlphaDropout, FeatureAlphaDropout, Bilinear, ChannelShuffle, Softmax2d."""
from __future__ import annotations

import math

import numpy as np

from autograd import Tensor

from . import functional as F
from . import init
from .dropout import Dropout
from .linear import _check_features, _dtype
from .module import Module, Parameter

__all__ = ["Softmin", "Softshrink", "Hardshrink", "Tanhshrink", "Threshold", "RReLU",
           "AlphaDropout", "FeatureAlphaDropout", "Bilinear", "ChannelShuffle", "Softmax2d"]


def _inplace(flag: bool) -> str:
    return ", inplace=True" if flag else ""


class Softmin(Module):
    """y = softmax(-x) along dim (None: PyTorch's deprecated implicit choice).  x: (*) -> (*)."""

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmin(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softshrink(Module):
    """y = x -+ lambd outside [-lambd, lambd], 0 inside.  x: (*) -> (*)."""

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Module):
    """y = x outside [-lambd, lambd], 0 inside.  x: (*) -> (*)."""

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Tanhshrink(Module):
    """y = x - tanh(x).  x: (*) -> (*)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.tanhshrink(input)


class Threshold(Module):
    """y = x where x > threshold, else value.  x: (*) -> (*)."""

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}{_inplace(self.inplace)}"


class RReLU(Module):
    """y = x for x > 0, a x below, a ~ U(lower, upper) per element in training and
    (lower + upper) / 2 in eval mode.  x: (*) -> (*)."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}{_inplace(self.inplace)}"


class AlphaDropout(Dropout):
    """Alpha dropout (for SELU networks): keeps zero mean and unit variance.  x: (*) -> (*);
    the identity in eval mode."""

    def forward(self, input: Tensor) -> Tensor:
        return F.alpha_dropout(input, self.p, self.training, self.inplace)


class FeatureAlphaDropout(Dropout):
    """Alpha dropout of whole channels.  x: (N, C, *) -> same; the identity in eval mode."""

    def forward(self, input: Tensor) -> Tensor:
        return F.feature_alpha_dropout(input, self.p, self.training, self.inplace)


class Bilinear(Module):
    """y = x1^T A x2 + b.  x1: (*, in1_features), x2: (*, in2_features) -> (*, out_features).

    weight: (out_features, in1_features, in2_features), bias: (out_features,), both
    U(-1/sqrt(in1_features), 1/sqrt(in1_features)).
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device=None, dtype=None):
        super().__init__()
        _check_features("Bilinear", in1_features=in1_features, in2_features=in2_features,
                        out_features=out_features)
        dt = _dtype(dtype)
        self.in1_features, self.in2_features = int(in1_features), int(in2_features)
        self.out_features = int(out_features)
        self.weight = Parameter(np.empty((out_features, in1_features, in2_features), dt))
        if bias:
            self.bias = Parameter(np.empty((out_features,), dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.in1_features <= 0:
            raise ValueError(f"Bilinear: in1_features must be > 0, but got "
                             f"(in1_features={self.in1_features})")
        bound = 1 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class ChannelShuffle(Module):
    """Interleave the channels of `groups` groups.  x: (N, C, *) -> same."""

    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


class Softmax2d(Module):
    """Softmax over the channels at every location.  x: (N, C, H, W) or (C, H, W) -> same."""

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D "
                             f"(shape {tuple(input.shape)}) instead")
        return F.softmax(input, -3)
