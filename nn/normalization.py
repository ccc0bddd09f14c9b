"""_NormBase, _BatchNorm, BatchNorm1d/2d/3d, LayerNorm and GroupNorm with PyTorch's parameters,
buffers, updates and hooks (_check_input_dim)."""
from __future__ import annotations

import numbers

import numpy as np

from autograd import Tensor
from autograd.torch_errors import ArgumentError

from . import functional as F
from . import init
from .linear import _check_features, _dtype
from .module import Module, Parameter


class _NormBase(Module):
    """PyTorch's _NormBase: the parameters, buffers, resets and repr that batch and instance
    normalization share; each layer checks its input's rank in _check_input_dim."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None, dtype=None,
                 *, bias: bool = True):
        super().__init__()
        _check_features(type(self).__name__, num_features=num_features)
        dt = _dtype(dtype)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(np.ones((num_features,), dt))
            if bias:
                self.bias = Parameter(np.zeros((num_features,), dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros((num_features,), dt)))
            self.register_buffer("running_var", Tensor(np.ones((num_features,), dt)))
            self.register_buffer("num_batches_tracked", Tensor(np.zeros((), np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input):
        raise NotImplementedError

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    """Batch normalization: forward as PyTorch's, _check_input_dim first (a subclass may
    widen it, as to accept a 4-D input in a BatchNorm1d)."""

    _dims = ()

    def _check_input_dim(self, input):
        if input.ndim not in self._dims:
            want = " or ".join(f"{d}-D" for d in self._dims)
            raise ArgumentError(f"{type(self).__name__}: expected {want} input (got "
                                f"{input.ndim}-D input)")

    def forward(self, input: Tensor) -> Tensor:
        op = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{op}: expected a Tensor input, got {type(input).__name__}")
        self._check_input_dim(input)
        if input.ndim < 2 or input.shape[1] != self.num_features:
            raise ArgumentError(f"{op}: expected {self.num_features} channels in dim 1, got "
                                f"input of shape {tuple(input.shape)}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1   # in place: a held state_dict follows it
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.data)
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None,
                            self.running_var if track else None, self.weight, self.bias,
                            use_batch, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Normalize each channel over the batch (and length).  x: (N, C) or (N, C, L) -> same.

    weight (C,) = 1, bias (C,) = 0; buffers running_mean (C,) = 0, running_var (C,) = 1 and
    num_batches_tracked (int64). The running variance uses the unbiased batch variance.
    """

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Normalize each channel over (N, H, W).  x: (N, C, H, W) -> same; as BatchNorm1d."""

    _dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Normalize each channel over (N, D, H, W).  x: (N, C, D, H, W) -> same; as
    BatchNorm1d."""

    _dims = (5,)


def _affine(module, shape, affine: bool, bias: bool, dtype):
    """module.weight = 1 and module.bias = 0 of the given shape (bias None without bias), or
    both None when not affine."""
    module.register_parameter("weight", Parameter(np.ones(shape, dtype)) if affine else None)
    module.register_parameter("bias", Parameter(np.zeros(shape, dtype))
                              if affine and bias else None)


def _reset_affine(module):
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class LayerNorm(Module):
    """Normalize over the last len(normalized_shape) dims.  x: (*, *normalized_shape) -> same.

    weight = 1 and bias = 0, both of shape normalized_shape (if elementwise_affine).
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(n) for n in normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        _affine(self, self.normalized_shape, elementwise_affine, bias, _dtype(dtype))

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        k = len(self.normalized_shape)
        if not isinstance(input, Tensor) or input.ndim < k \
                or tuple(input.shape[input.ndim - k:]) != self.normalized_shape:
            raise ArgumentError(f"LayerNorm: expected input of shape (*, "
                             f"{', '.join(map(str, self.normalized_shape))}), got "
                             f"{tuple(getattr(input, 'shape', ()))}")
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Normalize each of num_groups channel groups per sample.  x: (N, C, *) -> same,
    C = num_channels divisible by num_groups; weight (C,) = 1 and bias (C,) = 0 if affine."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device=None, dtype=None, *, bias: bool = True):
        super().__init__()
        _check_features("GroupNorm", num_groups=num_groups, num_channels=num_channels)
        if num_groups == 0 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups}), a positive int")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        _affine(self, (num_channels,), affine, bias, _dtype(dtype))

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        if not isinstance(input, Tensor) or input.ndim < 2 or input.shape[1] != self.num_channels:
            raise ArgumentError(f"GroupNorm: expected input (N, {self.num_channels}, *), got "
                                f"shape {tuple(getattr(input, 'shape', ()))}")
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")
