"""nn.functional's batch_norm and layer_norm (each one fused op from autograd.ops.norm), and
the checks of eps and running statistics that instance_norm, group_norm and rms_norm share."""
from __future__ import annotations

import numbers

import numpy as np

from autograd.ops.norm import BatchNorm, LayerNorm
from autograd.tensor import Tensor
from autograd.torch_errors import ArgumentError, ArgumentTypeError

from .functional import _floats

__all__ = ["batch_norm", "layer_norm"]


def _eps(op, eps) -> float:
    """A norm's eps as a float; a tuple, string or None is refused, as by torch (it would
    otherwise broadcast against the statistics)."""
    if isinstance(eps, numbers.Real):
        return float(eps)
    if isinstance(eps, Tensor) and eps.ndim == 0 and eps.dtype.kind in "fiu":
        return float(eps.item())
    raise ArgumentTypeError(f"{op}: eps must be a number, got {eps!r}")


def _running_stat(op, name, value):
    """A running statistic as an ndarray (None kept), refusing what is not a tensor."""
    if value is None or isinstance(value, np.ndarray):
        return value
    if isinstance(value, Tensor):
        return value.data
    raise TypeError(f"{op}: {name} must be a Tensor or None, got {type(value).__name__}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalize each channel of x: (N, C, *) -> same.  Training: batch statistics (biased
    variance), running_mean/var (C,) updated in place with the unbiased variance; eval: the
    running statistics.  weight, bias: (C,). eps must be positive when training and
    non-negative otherwise, as torch checks it."""
    op = "batch_norm"
    value = _eps(op, eps)
    if training and value <= 0:
        raise ValueError(f"{op}: eps must be positive during training, but got {eps}")
    if value < 0:
        raise ValueError(f"{op}: eps must be non-negative, but got {eps}")
    return _batch_norm(op, input, running_mean, running_var, weight, bias, training, momentum,
                       value)


def _batch_norm(op, input, running_mean, running_var, weight, bias, training, momentum, eps):
    """batch_norm without its check of eps's sign (instance_norm takes eps = 0)."""
    x, w, b = _floats(op, input=input, weight=weight, bias=bias)
    if x.ndim < 2:
        raise ArgumentError(f"{op}: expected input (N, C, *), got shape {tuple(x.shape)}")
    c = x.shape[1]
    stats = [_running_stat(op, name, s) for name, s in (("running_mean", running_mean),
                                                          ("running_var", running_var))]
    for name, t in (("weight", w), ("bias", b), ("running_mean", stats[0]),
                    ("running_var", stats[1])):
        if t is not None and tuple(t.shape) != (c,):
            raise ArgumentError(f"{op}: {name} must have shape ({c},) for input of shape "
                                f"{tuple(x.shape)}, got {tuple(t.shape)}")
    if not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
        raise ValueError(f"{op}: momentum must be a number in [0, 1], got {momentum!r}")
    if training:
        if x._data.size and x._data.size // c <= 1:   # an empty batch gives an empty result
            raise ValueError(f"{op}: expected more than 1 value per channel when training, "
                             f"got input of shape {tuple(x.shape)}")
    elif stats[0] is None or stats[1] is None:
        raise ArgumentError(f"{op}: running_mean and running_var are needed when not training")
    tensors = [t for t in (x, w, b) if t is not None]
    return BatchNorm.apply(*tensors, running_mean=stats[0], running_var=stats[1],
                           training=bool(training), momentum=momentum, eps=eps,
                           has_w=w is not None, has_b=b is not None)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize over the last len(normalized_shape) dims.  x: (*, *normalized_shape) -> same;
    weight, bias: normalized_shape."""
    op = "layer_norm"
    x, w, b = _floats(op, input=input, weight=weight, bias=bias)
    eps = _eps(op, eps)
    shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) \
        else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or x.ndim < k or tuple(x.shape[x.ndim - k:]) != shape:
        raise ArgumentError(f"{op}: normalized_shape {shape} must match the trailing dims of "
                            f"input of shape {tuple(x.shape)}")
    for name, t in (("weight", w), ("bias", b)):
        if t is not None and tuple(t.shape) != shape:
            raise ArgumentError(f"{op}: {name} must have shape {shape}, got {tuple(t.shape)}")
    tensors = [t for t in (x, w, b) if t is not None]
    return LayerNorm.apply(*tensors, n_dims=k, eps=eps, has_w=w is not None,
                           has_b=b is not None)
