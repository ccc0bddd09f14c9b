"""Activation modules: thin wrappers over the engine's activation ops.  x: (*) -> (*)."""
from __future__ import annotations

import warnings

import autograd
from autograd import Tensor

from .module import Module


class _Inplace(Module):
    """Accepts PyTorch's `inplace` flag; the engine always computes out of place."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ReLU(_Inplace):
    """y = max(x, 0)."""

    def forward(self, x: Tensor) -> Tensor:
        return autograd.relu(x)


class LeakyReLU(Module):
    """y = x if x > 0 else negative_slope * x."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, x: Tensor) -> Tensor:
        return autograd.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Tanh(Module):
    """y = tanh(x)."""

    def forward(self, x: Tensor) -> Tensor:
        return autograd.tanh(x)


class Sigmoid(Module):
    """y = 1 / (1 + exp(-x))."""

    def forward(self, x: Tensor) -> Tensor:
        return autograd.sigmoid(x)


class Step(Module):
    """Heaviside step of the perceptron: y = 1 where x >= 0 else 0; its gradient is zero."""

    def forward(self, x: Tensor) -> Tensor:
        return autograd.step(x)


def _softmax_dim(name: str, ndim: int) -> int:
    """PyTorch's legacy choice when dim is None: 0 for 0-, 1- and 3-D inputs, else 1."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  f"to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """y = exp(x) / sum(exp(x)) along dim."""

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        dim = _softmax_dim("softmax", x.ndim) if self.dim is None else self.dim
        return autograd.softmax(x, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """y = x - logsumexp(x) along dim."""

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        dim = _softmax_dim("log_softmax", x.ndim) if self.dim is None else self.dim
        return autograd.log_softmax(x, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
