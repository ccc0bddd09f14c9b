"""Pointwise activations of nn.functional beyond relu/gelu: the ELU family, softplus,
log-sigmoid, hardtanh, and the ones composed from them (silu, mish, softsign, relu6).

Each op is stable at the extremes (no overflow for large |x|, expm1/log1p near 0) and takes
the same branch as PyTorch at the kinks.  x: any shape -> same shape and dtype.
"""
from __future__ import annotations

import math

import numpy as np

from autograd import kernels
from autograd.function import Function, constant
from autograd.ops.clamp import kept_graph
from autograd.tensor import _t
from autograd.tensor_math import where
from autograd.torch_errors import ArgumentError, DtypeError

from .functional import _floats, _in_place

__all__ = ["elu", "selu", "celu", "softplus", "silu", "mish", "hardtanh", "relu6",
           "logsigmoid", "softsign"]

# SELU's constants (Klambauer et al. 2017), as PyTorch spells them
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """Overflow-free logistic function of any array (0-d included)."""
    return kernels.sigmoid_forward(np.ascontiguousarray(z).reshape(-1)).reshape(z.shape)


def _softplus0(z: np.ndarray) -> np.ndarray:
    """log(1 + exp(z)) without overflow for large z and exact (log1p) for very negative z."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


class ELU(Function):
    """y = scale x if x > 0 else alpha scale (exp(input_scale x) - 1);
    dx = g alpha scale input_scale exp(input_scale x) if x <= 0 else g scale (NaN included,
    as PyTorch's elu_backward)."""

    @staticmethod
    def forward(ctx, x, alpha=1.0, scale=1.0, input_scale=1.0):
        t = x.dtype.type
        neg = np.minimum(x, 0) * t(input_scale)   # no exp overflow in the unused branch
        y = np.where(x > 0, x * t(scale), np.expm1(neg) * t(alpha * scale))
        ctx.save_for_backward(x)
        ctx.coefs = alpha, scale, input_scale
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        alpha, scale, input_scale = ctx.coefs
        t = x.dtype.type
        neg = np.exp(np.minimum(x, 0) * t(input_scale)) * t(alpha * scale * input_scale)
        # NaN takes the linear branch; the scalar before the array: np.where(x <= 0, neg, s)
        # ran 1.5x slower in this VJP (104 against 68 us on a (64, 256) float32, measured)
        return (g * np.where(~(x <= 0), t(scale), neg),)

    @staticmethod
    def backward_graph(ctx, g):
        # as torch's elu_double_backward: the exp branch's slope counts only where x < 0
        # (not at 0, where the first derivative still takes it), nor at NaN
        (x,) = ctx.saved
        alpha, scale, input_scale = ctx.coefs
        below = where(x < 0, ctx.input_tensor(0, x), 0.0)
        neg = (below * input_scale).exp() * (alpha * scale * input_scale)
        return (g * neg.masked_fill(~(x <= 0), scale),)


class Softplus(Function):
    """y = log(1 + exp(beta x)) / beta, or x where beta x > threshold;
    dx = g sigmoid(beta x), or g where beta x > threshold."""

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        t = x.dtype.type
        bx = x * t(beta)
        linear = bx > threshold
        y = np.where(linear, x, _softplus0(bx) / t(beta))
        ctx.save_for_backward(bx)
        ctx.threshold, ctx.beta = threshold, beta
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (bx,) = ctx.saved
        return (g * np.where(bx > ctx.threshold, bx.dtype.type(1), _sigmoid(bx)),)

    @staticmethod
    def backward_graph(ctx, g):
        # forward saved beta x, not x: sigmoid(beta x) comes from it through ScaledSigmoid
        (bx,) = ctx.saved
        s = ScaledSigmoid.apply(ctx.input_tensor(0, bx), bx=bx, beta=ctx.beta,
                                threshold=ctx.threshold)
        return (g * s.masked_fill(bx > ctx.threshold, 1),)


class ScaledSigmoid(Function):
    """y = sigmoid(beta x), given beta x (x's value is not read, only its shape);
    dx = g beta y (1 - y) times (beta x < threshold). Softplus's derivative as a Tensor that
    depends on x: as torch's softplus_double_backward, the slope is cut from the threshold on
    (where the first derivative still takes the sigmoid), by a multiply (NaN stays NaN)."""

    @staticmethod
    def forward(ctx, x, bx=None, beta=1.0, threshold=math.inf):
        y = _sigmoid(bx)
        ctx.save_for_backward(y, bx < threshold)
        ctx.beta = beta
        return y

    @staticmethod
    def backward(ctx, g):
        y, below = ctx.saved
        return (g * (y * (1 - y) * y.dtype.type(ctx.beta)) * below,)

    @staticmethod
    def backward_graph(ctx, g):
        y = ctx.output_tensor(ctx.saved[0])
        below = ctx.saved[1].astype(g.dtype)
        return (g * (y * (1 - y) * ctx.beta) * constant(below),)


class LogSigmoid(Function):
    """y = log(sigmoid(x)) = min(x, 0) - log(1 + exp(-|x|));  dx = g sigmoid(-x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        # C order whatever x's, as PyTorch's (a ufunc keeps a transposed x's order)
        return np.asarray(np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x))), x.dtype, order="C")

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        return (g * _sigmoid(-x),)

    @staticmethod
    def backward_graph(ctx, g):
        return (g * (-ctx.input_tensor(0, ctx.saved[0])).sigmoid(),)


class Hardtanh(Function):
    """y = clamp(x, lo, hi);  dx = 0 where x <= lo or x >= hi, else g (zero at the kinks, as
    PyTorch's hardtanh, unlike clamp; a NaN x passes g, as its hardtanh_backward)."""

    @staticmethod
    def forward(ctx, x, lo=-1.0, hi=1.0):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return np.clip(x, x.dtype.type(lo), x.dtype.type(hi))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved   # a select: an inf or nan g stays out of the flat parts
        return (kernels.hardtanh_backward(x, g, ctx.lo, ctx.hi),)

    @staticmethod
    def backward_graph(ctx, g):
        (x,) = ctx.saved
        t = x.dtype.type
        return (kept_graph(ctx, g, ~((x <= t(ctx.lo)) | (x >= t(ctx.hi))), (0, x)),)


def _number(op, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__}")
    if math.isnan(value):
        raise ValueError(f"{op}: {name} must not be NaN")
    return float(value)


def elu(input, alpha=1.0, inplace=False):
    """alpha (exp(x) - 1) for x <= 0, x above (with inplace=True written into x, as for
    every activation here that takes it).  x: any shape -> same."""
    if inplace:
        return _in_place("elu_", input, lambda x: elu(x, alpha))
    (x,) = _floats("elu", input=input)
    return ELU.apply(x, alpha=_number("elu", "alpha", alpha))


def selu(input, inplace=False):
    """scale * elu(x, alpha) with SELU's fixed alpha and scale.  x: any shape -> same."""
    if inplace:
        return _in_place("selu_", input, selu)
    (x,) = _floats("selu", input=input)
    return ELU.apply(x, alpha=SELU_ALPHA, scale=SELU_SCALE)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1)).  x: any shape -> same."""
    if inplace:
        return _in_place("celu_", input, lambda x: celu(x, alpha))
    alpha = _number("celu", "alpha", alpha)
    if alpha == 0:
        raise ValueError("celu: alpha cannot be 0")
    (x,) = _floats("celu", input=input)
    return ELU.apply(x, alpha=alpha, input_scale=1.0 / alpha)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, the identity where beta x > threshold.
    x: any shape -> same."""
    beta = _number("softplus", "beta", beta)
    if beta == 0:
        raise ValueError("softplus: beta cannot be 0 (the result would divide by it)")
    (x,) = _floats("softplus", input=input)
    return Softplus.apply(x, beta=beta, threshold=_number("softplus", "threshold", threshold))


def silu(input, inplace=False):
    """x * sigmoid(x) (swish).  x: any shape -> same."""
    if inplace:
        return _in_place("silu_", input, silu)
    (x,) = _floats("silu", input=input)
    return x * x.sigmoid()


def mish(input, inplace=False):
    """x * tanh(softplus(x)).  x: any shape -> same."""
    if inplace:
        return _in_place("mish_", input, mish)
    (x,) = _floats("mish", input=input)
    return x * Softplus.apply(x, beta=1.0, threshold=20.0).tanh()


def _hardtanh(op, input, min_val, max_val, inplace):
    """hardtanh under the name of the op the caller used (hardtanh or relu6)."""
    if inplace:
        return _in_place(f"{op}_", input, lambda x: _hardtanh(op, x, min_val, max_val, False))
    lo, hi = _number(op, "min_val", min_val), _number(op, "max_val", max_val)
    if lo > hi:
        raise ValueError(f"{op}: min_val ({lo}) cannot be greater than max_val ({hi})")
    x = _t(input)
    kind = x.dtype.kind
    if kind not in "fiu":   # integers are clamped as torch does (to the truncated limits)
        raise DtypeError(f"{op}: {x.dtype} inputs are not supported (input of shape "
                        f"{tuple(x.shape)}); expected a floating-point or integer tensor")
    if kind == "u" and lo < 0:
        raise ArgumentError(f"{op}: cannot clamp an unsigned {x.dtype} input (shape "
                         f"{tuple(x.shape)}) to negative limits ({lo}, {hi})")
    return Hardtanh.apply(x, lo=lo, hi=hi)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clamp(x, min_val, max_val) with a zero gradient at and beyond the bounds.
    x: any shape -> same (integer tensors too, as in torch)."""
    return _hardtanh("hardtanh", input, min_val, max_val, inplace)


def relu6(input, inplace=False):
    """min(max(x, 0), 6) = hardtanh(x, 0, 6).  x: any shape -> same."""
    return _hardtanh("relu6", input, 0.0, 6.0, inplace)


def logsigmoid(input):
    """log(1 / (1 + exp(-x))), stable for large |x|.  x: any shape -> same."""
    (x,) = _floats("logsigmoid", input=input)
    return LogSigmoid.apply(x)


def softsign(input):
    """x / (1 + |x|).  x: any shape -> same."""
    (x,) = _floats("softsign", input=input)
    return x / (x.abs() + 1)
