"""More layers with PyTorch's names, arguments, parameters, buffers and repr: GLU, Hardswish,
Hardsigmoid, PReLU, RMSNorm, InstanceNorm1d/2d/3d, LocalResponseNorm, adaptive max pooling
(and AdaptiveAvgPool1d), and the padding layers over F.pad."""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from autograd import Tensor

from . import functional as F
from . import init
from .linear import _check_features, _dtype
from .module import Module, Parameter
from .normalization import _NormBase

__all__ = ["GLU", "Hardswish", "Hardsigmoid", "PReLU", "RMSNorm", "InstanceNorm1d",
           "InstanceNorm2d", "InstanceNorm3d", "LocalResponseNorm", "CrossMapLRN2d",
           "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "AdaptiveAvgPool1d",
           "ConstantPad1d", "ConstantPad2d", "ZeroPad1d", "ZeroPad2d", "ReflectionPad1d",
           "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d", "CircularPad1d",
           "CircularPad2d", "ReflectionPad3d", "ReplicationPad3d", "CircularPad3d"]


def _input_dims(op, x, dims):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(x).__name__}")
    if x.ndim not in dims:
        want = " or ".join(f"{d}-D" for d in dims)
        raise ValueError(f"{op}: expected {want} input, got shape {tuple(x.shape)}")


# ------------------------------------------------------------------------- activations
class GLU(Module):
    """y = a * sigmoid(b), a and b the halves of x along dim.  x: (*, 2n, *) -> (*, n, *)."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Hardswish(Module):
    """y = x * clamp(x + 3, 0, 6) / 6.  x: (*) -> (*)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardswish(input, self.inplace)


class Hardsigmoid(Module):
    """y = clamp(x + 3, 0, 6) / 6.  x: (*) -> (*)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardsigmoid(input, self.inplace)


class PReLU(Module):
    """y = x if x > 0 else weight * x.  x: (*) -> (*); weight (num_parameters,) = init, one
    value shared by all channels or one per channel (dim 1 of the input)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        _check_features("PReLU", num_parameters=num_parameters)
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(np.full((num_parameters,), init, _dtype(dtype)))

    def reset_parameters(self):
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


# ------------------------------------------------------------------------- norms
class RMSNorm(Module):
    """y = x / sqrt(mean(x^2) + eps) * weight over the last len(normalized_shape) dims
    (eps None: the dtype's machine epsilon).  x: (*, *normalized_shape) -> same;
    weight = 1 of shape normalized_shape (if elementwise_affine)."""

    def __init__(self, normalized_shape, eps: float | None = None,
                 elementwise_affine: bool = True, device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(n) for n in normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self.register_parameter("weight", Parameter(np.ones(self.normalized_shape,
                                                            _dtype(dtype)))
                                if elementwise_affine else None)

    def reset_parameters(self):
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class _InstanceNorm(_NormBase):
    """PyTorch's _InstanceNorm: BatchNorm's parameters and buffers, other defaults (no
    affine, no running statistics) and per-sample statistics."""

    _no_batch_dim = 0

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None,
                 dtype=None, *, bias: bool = True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def _check_input_dim(self, input):
        d = self._no_batch_dim
        _input_dims(type(self).__name__, input, (d, d + 1))

    def forward(self, input: Tensor) -> Tensor:
        op, d = type(self).__name__, self._no_batch_dim
        self._check_input_dim(input)
        channel_dim = input.ndim - d
        if input.shape[channel_dim] != self.num_features:
            message = (f"{op}: expected input's size at dim={channel_dim} to match "
                       f"num_features ({self.num_features}), got input of shape "
                       f"{tuple(input.shape)}")
            if self.affine or self.track_running_stats:
                raise ValueError(message)
            warnings.warn(message + "; num_features is not used because affine=False",
                          stacklevel=2)
        unbatched = input.ndim == d
        if unbatched:
            input = input.unsqueeze(0)
        y = F.instance_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            0.0 if self.momentum is None else self.momentum, self.eps)
        return y.squeeze(0) if unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Normalize each channel of each sample over L.  x: (N, C, L) or (C, L) -> same.
    weight (C,) = 1 and bias (C,) = 0 if affine; running_mean, running_var and
    num_batches_tracked buffers if track_running_stats (then used in eval mode)."""

    _no_batch_dim = 2


class InstanceNorm2d(_InstanceNorm):
    """Normalize each channel of each sample over (H, W).  x: (N, C, H, W) or (C, H, W) ->
    same; as InstanceNorm1d."""

    _no_batch_dim = 3


class InstanceNorm3d(_InstanceNorm):
    """Normalize each channel of each sample over (D, H, W).  x: (N, C, D, H, W) or
    (C, D, H, W) -> same; as InstanceNorm1d."""

    _no_batch_dim = 4


class LocalResponseNorm(Module):
    """y = x / (k + alpha / size * sum of x^2 over size neighbouring channels)^beta.
    x: (N, C, *) -> same."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class CrossMapLRN2d(Module):
    """The Lua-era cross-channel LRN of torch.nn.CrossMapLRN2d, with its window: channel c
    sums the squares its running add/subtract loop sums (window_matrix), which always keeps
    channel 0 and, for an even size, differs from LocalResponseNorm's.
    y = x (k + alpha / size * S)^-beta.  x: (N, C, H, W) -> same.  The gradient is this
    forward's (torch's hand-written backward assumes another window and fails gradcheck)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D "
                             f"instead (shape {tuple(input.shape)}).")
        n, c, h, w = input.shape
        window = Tensor._wrap(cross_map_window(c, self.size).astype(input.dtype), False)
        s = (window @ (input * input).reshape(n, c, h * w)).reshape(n, c, h, w)
        return input * (self.k + self.alpha / self.size * s) ** -self.beta

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


def cross_map_window(channels: int, size: int) -> np.ndarray:
    """(C, C) 0/1: row c marks the channels whose squares CrossMapLRN2d sums for channel c,
    from torch's loop run on unit vectors (start with the first (size - 1) // 2 + 1; at each
    next channel add the one that enters, drop the one that leaves past the first)."""
    pre = int((size - 1) / 2 + 1)
    m = np.zeros((channels, channels))
    m[0, :min(pre, channels)] = 1
    for i in range(1, channels):
        m[i] = m[i - 1]
        if i < channels - pre + 1:
            m[i, i + pre - 1] += 1
        if i > pre:
            m[i, i - pre] -= 1
    return m


# ------------------------------------------------------------------------- adaptive pooling
class _AdaptiveMaxPoolNd(Module):
    def __init__(self, output_size, return_indices: bool = False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max over windows that tile L.  x: (N, C, L) -> (N, C, output_size) (and the argmax
    indices if return_indices)."""

    def forward(self, input: Tensor):
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max over windows that tile (H, W).  x: (N, C, H, W) -> (N, C, *output_size) (and the
    argmax indices h * W + w if return_indices)."""

    def forward(self, input: Tensor):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max over windows that tile (D, H, W).  x: (N, C, D, H, W) -> (N, C, *output_size) (and
    the argmax indices (d * H + h) * W + w if return_indices)."""

    def forward(self, input: Tensor):
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class AdaptiveAvgPool1d(Module):
    """Mean over windows that tile L.  x: (N, C, L) -> (N, C, output_size)."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool1d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


# ------------------------------------------------------------------------- padding
def _ntuple(padding, n):
    """PyTorch's _pair / _quadruple: an int repeated n times, a sequence as a tuple."""
    if isinstance(padding, numbers.Integral):
        return (int(padding),) * n
    return tuple(padding)


class _PadNd(Module):
    """F.pad(x, padding, mode) with padding given per side: (left, right) for the last dim,
    then (top, bottom) for the one before."""

    mode, _n = "constant", 2

    def __init__(self, padding):
        super().__init__()
        self.padding = _ntuple(padding, self._n)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ConstantPad1d(_PadNd):
    """Pad the last dim with `value`.  x: (*, W) -> (*, W + left + right)."""

    def __init__(self, padding, value: float):
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad2d(ConstantPad1d):
    """Pad the last two dims with `value`.  x: (*, H, W) -> (*, H + top + bottom,
    W + left + right)."""

    _n = 4


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros.  x: (*, W) -> (*, W + left + right)."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dims with zeros.  x: (*, H, W) -> (*, H', W')."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Pad by reflecting about the edges (pads < W).  x: (N, C, W) or (C, W) -> (.., W')."""

    mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Pad by reflecting about the edges.  x: (N, C, H, W) or (C, H, W) -> (.., H', W')."""

    mode, _n = "reflect", 4


class ReplicationPad1d(_PadNd):
    """Pad by repeating the edge values.  x: (N, C, W) or (C, W) -> (.., W')."""

    mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Pad by repeating the edge values.  x: (N, C, H, W) or (C, H, W) -> (.., H', W')."""

    mode, _n = "replicate", 4


class CircularPad1d(_PadNd):
    """Pad by wrapping around.  x: (N, C, W) or (C, W) -> (.., W')."""

    mode = "circular"

    def forward(self, input: Tensor) -> Tensor:
        _input_dims(type(self).__name__, input, (2, 3))
        return F.pad(input, self.padding, self.mode)


class CircularPad2d(_PadNd):
    """Pad by wrapping around.  x: (N, C, H, W) or (C, H, W) -> (.., H', W')."""

    mode, _n = "circular", 4

    def forward(self, input: Tensor) -> Tensor:
        _input_dims(type(self).__name__, input, (3, 4))
        return F.pad(input, self.padding, self.mode)


class _Pad3d(_PadNd):
    """Padding of the last three dims: (left, right, top, bottom, front, back)."""

    _n = 6

    def forward(self, input: Tensor) -> Tensor:
        _input_dims(type(self).__name__, input, (4, 5))
        return F.pad(input, self.padding, self.mode)


class ReflectionPad3d(_Pad3d):
    """Pad by reflecting about the edges.  x: (N, C, D, H, W) or (C, D, H, W)."""

    mode = "reflect"


class ReplicationPad3d(_Pad3d):
    """Pad by repeating the edge values.  x: (N, C, D, H, W) or (C, D, H, W)."""

    mode = "replicate"


class CircularPad3d(_Pad3d):
    """Pad by wrapping around.  x: (N, C, D, H, W) or (C, D, H, W)."""

    mode = "circular"
