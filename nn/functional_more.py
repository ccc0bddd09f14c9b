"""Still more of nn.functional: glu, hardswish, hardsigmoid, prelu, rms_norm, instance_norm,
adaptive max pooling and local_response_norm.

Each but adaptive max pooling (one op, AdaptiveMaxPool, with a kernel over all windows) is
composed from the engine's differentiable ops (where, narrow, mean, rsqrt, the fused batch
norm, pad), so needs no VJP of its own; the compositions take PyTorch's branch at the kinks
and keep an unused branch finite where an inf would turn a zero cotangent into NaN.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from autograd.dims import _one_axis
from autograd.ops.pooling import AdaptiveMaxPool
from autograd.ops.unary_more import LinkInput
from autograd.saved import writable
from autograd.tensor import Tensor
from autograd.tensor_math import where
from autograd.torch_errors import ArgumentError

from .functional import _floats, _in_place, _zero_result
from .functional_activation import _number
from .functional_extra import channel_affine, pad
from .functional_norm import _batch_norm, _eps
from .functional_pool import adaptive_sizes

__all__ = ["glu", "hardswish", "hardsigmoid", "prelu", "rms_norm", "instance_norm",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
           "local_response_norm"]


def _shape(x) -> tuple:
    return tuple(x.shape)


# ------------------------------------------------------------------------- activations
def glu(input, dim=-1):
    """a * sigmoid(b), a and b the first and second half of x along dim.
    x: (*, 2n, *) -> (*, n, *)."""
    op = "glu"
    (x,) = _floats(op, input=input)
    if x.ndim == 0:
        raise ValueError(f"{op}: does not support 0-d inputs (scalars): the halved dim must "
                         f"have an even size")
    axis = _one_axis(dim, x.ndim, op)
    n = x.shape[axis]
    if n % 2:
        raise ValueError(f"{op}: halving dimension must be even, but dim {axis} of input of "
                         f"shape {_shape(x)} is size {n}")
    return x.narrow(axis, 0, n // 2) * x.narrow(axis, n // 2, n // 2).sigmoid()


def hardsigmoid(input, inplace=False):
    """clamp(x + 3, 0, 6) / 6, with a zero gradient at and beyond x = -3 and x = 3 (as
    PyTorch; with inplace=True written into x).  x: any shape -> same."""
    if inplace:
        return _in_place("hardsigmoid_", input, hardsigmoid)
    (x,) = _floats("hardsigmoid", input=input)
    # the branch is chosen on x itself: x + 3 rounds to 6 for the largest x below 3
    mid = (x.data > -3) & (x.data < 3)
    flat = np.clip(x.data + x.dtype.type(3), 0, 6) / x.dtype.type(6)   # 0, 1 (or NaN) outside
    return where(mid, (x + 3.0) / 6.0, Tensor._wrap(flat, False))


def hardswish(input, inplace=False):
    """x * clamp(x + 3, 0, 6) / 6: 0 up to -3, x from 3 on, x (x + 3) / 6 between (so the
    gradient is 0 at -3 and 1 at 3, as PyTorch's).  x: any shape -> same."""
    if inplace:
        return _in_place("hardswish_", input, hardswish)
    (x,) = _floats("hardswish", input=input)
    lo = x.data <= -3
    hi = ~(x.data < 3)            # NaN goes with the identity branch, as in PyTorch
    mid = where(lo | hi, 0.0, x)  # the quadratic branch only ever sees finite values
    with np.errstate(invalid="ignore"):
        low = Tensor._wrap(x.data * x.dtype.type(0), False)   # -0, and NaN for -inf (PyTorch)
    return where(lo, low, where(hi, x, mid * (mid + 3.0) / 6.0))


def prelu(input, weight):
    """x where x > 0, else weight * x; weight: one value, or (C,) per channel of
    x: (N, C, *) (a 0-d or 1-d input has one channel).  x: any shape -> same."""
    op = "prelu"
    x, w = _floats(op, input=input, weight=weight)
    if w.ndim > 1:
        raise ValueError(f"{op}: weight must be a scalar or 1-D, got shape {_shape(w)}")
    k = w.data.size
    if k != 1:
        if x.ndim == 0:
            raise ValueError(f"{op}: a 0-d input takes one weight value, got weight of shape "
                             f"{_shape(w)}")
        channels = x.shape[1] if x.ndim > 1 else 1
        if k != channels:
            raise ValueError(f"{op}: weight of shape {_shape(w)} has {k} values but input of "
                             f"shape {_shape(x)} has {channels} channel(s) (dim 1; one for a "
                             f"1-D input); pass 1 value or one per channel")
        w = w.reshape((k,) + (1,) * (x.ndim - 2))
    else:
        w = w.reshape(())
    x = LinkInput.apply(x)   # the recorded gradient depends on x (zero derivative), as torch's
    pos = x.data > 0
    neg = where(pos, 0.0, x)      # weight * inf in the unused branch would give a NaN dweight
    return where(pos, x, w * neg)


# ------------------------------------------------------------------------- norms
def _normalized_shape(op, x, normalized_shape):
    shape = (int(normalized_shape),) if isinstance(normalized_shape, numbers.Integral) \
        else tuple(int(n) for n in normalized_shape)
    k = len(shape)
    if k == 0 or x.ndim < k or _shape(x)[x.ndim - k:] != shape:
        raise ValueError(f"{op}: normalized_shape {shape} must match the trailing dims of input "
                         f"of shape {_shape(x)}")
    return shape


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) * weight, the mean over the last len(normalized_shape) dims;
    eps defaults to the machine epsilon (float32's for float32 and narrower inputs).  The result
    has the input's dtype, whatever the weight's.  x: (*, *normalized_shape) -> same;
    weight: normalized_shape."""
    op = "rms_norm"
    (x,) = _floats(op, input=input)
    shape = _normalized_shape(op, x, normalized_shape)
    w = None
    if weight is not None:
        (w,) = _floats(op, weight=weight)
        if _shape(w) != shape:
            raise ValueError(f"{op}: weight must have shape normalized_shape {shape}, got "
                             f"{_shape(w)}")
        if w.dtype != x.dtype:   # as PyTorch: the weight follows the input's dtype
            w = w.to(x.dtype)
    if eps is None:
        eps = float(np.finfo(np.float64 if x.dtype == np.float64 else np.float32).eps)
    eps = _eps(op, eps)
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    x = x.contiguous()   # the ops below keep a transposed x's order; PyTorch's result is C
    y = x * ((x * x).mean(axes, keepdim=True) + float(eps)).rsqrt()
    return y if w is None else y * w


def _stat_array(op, name, value, c, shape):
    if value is None:
        return None
    arr = value.data if isinstance(value, Tensor) else value
    if not isinstance(arr, np.ndarray) or arr.dtype.kind != "f" or arr.shape != (c,):
        raise ArgumentError(f"{op}: {name} must be a floating-point tensor of shape ({c},) for "
                            f"input of shape {shape}, got "
                            f"{getattr(arr, 'shape', type(arr).__name__)}"
                            f"{' of dtype ' + str(arr.dtype) if hasattr(arr, 'dtype') else ''}")
    return arr


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalize each channel of each sample over its spatial dims (biased variance), then
    scale and shift per channel.  use_input_stats=False normalizes with running_mean/var
    instead; with use_input_stats, given running stats are updated in place with the batch
    mean of the per-sample statistics (unbiased variance), as PyTorch.
    x: (N, C, *) -> same; weight, bias, running_mean, running_var: (C,)."""
    op = "instance_norm"
    x, w, b = _floats(op, input=input, weight=weight, bias=bias)
    eps = _eps(op, eps)
    if x.ndim < 2:
        raise ArgumentError(f"{op}: expected input (N, C, *), got shape {_shape(x)}")
    n, c = x.shape[:2]
    if use_input_stats and math.prod(x.shape[2:]) == 1:
        raise ValueError(f"{op}: expected more than 1 spatial element when using input "
                         f"statistics, got input of shape {_shape(x)}")
    stats = [_stat_array(op, name, s, c, _shape(x))
             for name, s in (("running_mean", running_mean), ("running_var", running_var))]
    if not use_input_stats and (stats[0] is None or stats[1] is None):
        raise ArgumentError(f"{op}: running_mean and running_var are needed when "
                            f"use_input_stats is False")
    for name, t in (("weight", w), ("bias", b)):
        if t is not None and _shape(t) != (c,):
            raise ArgumentError(f"{op}: {name} must have shape ({c},) for input of shape "
                                f"{_shape(x)}, got {_shape(t)}")
    if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real) \
            or not 0 <= momentum <= 1:
        raise ValueError(f"{op}: momentum must be a number in [0, 1], got {momentum!r}")
    # as PyTorch: a batch norm of the (1, N*C, *) view, each running stat repeated N times
    # and averaged back over the samples afterwards
    tiled = [None if s is None else np.tile(s, n) for s in stats]
    y = _batch_norm(op, x.reshape((1, n * c) + _shape(x)[2:]), tiled[0], tiled[1], None, None,
                    bool(use_input_stats), float(momentum), eps)
    if use_input_stats and n:
        for s, t in zip(stats, tiled):
            if s is not None:
                with writable(s):   # a buffer that a live graph saved is read-only
                    s[...] = t.reshape(n, c).mean(axis=0)
    return channel_affine(y.reshape(_shape(x)), w, b)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha / size * sum of x^2 over `size` neighbouring channels)^beta, the window
    zero-padded by size // 2 before and (size - 1) // 2 after.  x: (N, C, *) with at least
    3 dims -> same."""
    op = "local_response_norm"
    (x,) = _floats(op, input=input)
    if x.ndim < 3:
        raise ValueError(f"{op}: expected a 3-D or higher input (N, C, *), got shape "
                         f"{_shape(x)}")
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
        raise ValueError(f"{op}: size must be a positive int, got {size!r}")
    alpha, beta, k = (_number(op, name, v) for name, v in
                      (("alpha", alpha), ("beta", beta), ("k", k)))
    if x.data.size == 0:
        return x
    c = x.shape[1]
    padded = pad(x * x, (0, 0) * (x.ndim - 2) + (size // 2, (size - 1) // 2))
    total = padded.narrow(1, 0, c)
    for j in range(1, size):
        total = total + padded.narrow(1, j, c)
    return x / ((total / float(size)) * alpha + k) ** beta


# ------------------------------------------------------------------------- adaptive max pool
def _adaptive_max(op, nd, input, output_size, return_indices):
    (x,) = _floats(op, input=input)
    if x.ndim not in (nd + 1, nd + 2):
        raise ArgumentError(f"{op}: expected a {nd + 1}-D (C, *spatial) or {nd + 2}-D "
                            f"(N, C, *spatial) input, got shape {_shape(x)}")
    out = adaptive_sizes(op, output_size, nd, x.shape[x.ndim - nd:], 0)
    if 0 in x.shape[x.ndim - nd - 1:]:   # as PyTorch: only the batch dim may be empty
        raise ArgumentError(f"{op}: expected non-empty channel and spatial dims (only the batch "
                            f"dim may be 0), got input of shape {_shape(x)}")
    lead = _shape(x)[:-nd]
    if x.data.size == 0 or 0 in out:
        y = _zero_result(lead + out, x.dtype, x)
        idx = np.zeros(lead + out, np.int64)
    else:
        found = []
        y = AdaptiveMaxPool.apply(x, out_size=out, indices_out=found)
        idx = found[0]
    return (y, Tensor._wrap(idx, False)) if return_indices else y


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max over the windows [floor(i L / o), ceil((i + 1) L / o)) that tile L.
    x: (N, C, L) or (C, L) -> (N, C, o); with return_indices also the argmax positions (int64)."""
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max over the windows that tile (D, H, W) into output_size cells (None keeps a dim).
    x: (N, C, D, H, W) or (C, D, H, W) -> (N, C, oD, oH, oW); with return_indices also the
    argmax as (d * H + h) * W + w (int64)."""
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over the windows that tile (H, W) into output_size cells (None keeps a dim).
    x: (N, C, H, W) or (C, H, W) -> (N, C, oH, oW); with return_indices also the argmax as
    h * W + w (int64)."""
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)
