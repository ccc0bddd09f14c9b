"""Linear, Identity and Flatten, with PyTorch's parameters, initialisation and repr."""
from __future__ import annotations


import numpy as np

import autograd
from autograd import Tensor
from autograd.dtypes import get_default_dtype
from autograd.torch_errors import ArgumentError, DtypeError

from . import functional as F
from . import init
from .module import Module, Parameter


def _dtype(dtype):
    """The parameter dtype: the default float dtype (float32 unless set_default_dtype
    changed it) unless asked; only floating dtypes are allowed."""
    dt = np.dtype(get_default_dtype() if dtype is None else dtype)
    if dt.kind != "f":
        raise TypeError(f"parameters need a floating-point dtype, got {dt}")
    return dt


def _check_features(op, **sizes):
    for name, n in sizes.items():
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
            raise ValueError(f"{op}: {name} must be a non-negative integer, got {n!r}")


class Identity(Module):
    """Returns its input unchanged; constructor arguments are accepted and ignored."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x @ weight.T + bias.  x: (*, in_features) -> (*, out_features).

    weight: (out_features, in_features), kaiming_uniform_(a=sqrt(5)), which is
    U(-1/sqrt(in_features), 1/sqrt(in_features));
    bias: (out_features,), U(-1/sqrt(in_features), 1/sqrt(in_features)).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__()
        _check_features("Linear", in_features=in_features, out_features=out_features)
        dt = _dtype(dtype)
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = Parameter(np.empty((out_features, in_features), dt))
        if bias:
            self.bias = Parameter(np.empty((out_features,), dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.default_layer_init_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        if not isinstance(input, Tensor):
            try:
                input = autograd.tensor(input)
            except TypeError:   # None, a string, ...: torch's own wording
                raise TypeError(f"Linear: argument 'input' (position 1) must be Tensor, not "
                                f"{type(input).__name__}") from None
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            raise ArgumentError(f"Linear: expected input of shape (*, {self.in_features}), got "
                             f"{tuple(input.shape)}")
        weight = self.weight   # read once: a parametrized weight is computed on each read
        if input.dtype != weight.dtype:
            raise DtypeError(f"Linear: input dtype {input.dtype} does not match the weight dtype "
                             f"{weight.dtype}; cast one with .to()")
        return F.linear(input, weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Flatten(Module):
    """Flatten dims start_dim..end_dim into one.  (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim into unflattened_size.  (N, C*H*W) -> (N, C, H, W) with dim=1, size=(C, H, W)."""

    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        try:
            return input.unflatten(self.dim, self.unflattened_size)
        except (ValueError, IndexError) as e:   # named after the module the caller used
            raise type(e)(f"Unflatten: {str(e).removeprefix('unflatten: ')}") from None

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
