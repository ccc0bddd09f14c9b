"""More activations of nn.functional: softmin, the shrinks, threshold, rrelu, alpha dropout,
gumbel_softmax, channel_shuffle and bilinear.

Shrink and Threshold are small ops with their own VJP (their masks take PyTorch's branch at
the kinks and let NaN through); the rest are composed from differentiable Tensor ops.  Random
draws (rrelu's slopes, the dropout masks, the Gumbel noise) come from the engine's default
generator, so autograd.manual_seed makes them repeatable.
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from autograd.creation import default_generator
from autograd.dims import _one_axis
from autograd.function import Function
from autograd.functional import leaky_relu
from autograd.graph_backward import linked_to_input
from autograd.tensor import Tensor, _t

from .functional import _floats, _in_place
from .functional_activation import _number

__all__ = ["softmin", "softshrink", "hardshrink", "tanhshrink", "threshold", "rrelu",
           "alpha_dropout", "feature_alpha_dropout", "gumbel_softmax", "channel_shuffle",
           "bilinear"]

# SELU's fixed point alpha * scale: the value a dropped unit takes before the affine fix-up
ALPHA_DROPOUT_ALPHA = 1.7580993408473766


def _shape(x) -> tuple:
    return tuple(x.shape)


def _const(array: np.ndarray) -> Tensor:
    return Tensor._wrap(array, False)


class Shrink(Function):
    """y = 0 where -l <= x <= l, else x (hard) or x -+ l (soft), NaN staying NaN;
    dx = 0 where -l <= x <= l, else g (NaN included, as PyTorch's scalar kernel and its
    reference decomposition; its vectorized CPU loop gives 0 to the NaNs of full SIMD
    chunks, so which a NaN gets there depends on its position)."""

    @staticmethod
    def forward(ctx, x, lambd=0.5, soft=False):
        lam = x.dtype.type(lambd)
        inside = (x >= -lam) & (x <= lam)
        ctx.save_for_backward(inside)
        y = np.where(x > 0, x - lam, x + lam) if soft else x
        return np.where(inside, x.dtype.type(0), y).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (inside,) = ctx.saved
        return (np.where(inside, g.dtype.type(0), g),)

    @staticmethod
    def backward_graph(ctx, g):
        (inside,) = ctx.saved
        return (linked_to_input(ctx, g.masked_fill(inside, 0)),)


class Threshold(Function):
    """y = value where x <= threshold, else x;  dx = g where not x <= threshold (so NaN
    passes its gradient)."""

    @staticmethod
    def forward(ctx, x, threshold=0.0, value=0.0):
        low = x <= x.dtype.type(threshold)
        ctx.save_for_backward(low)
        return np.where(low, x.dtype.type(value), x)

    @staticmethod
    def backward(ctx, g):
        (low,) = ctx.saved
        return (np.where(low, g.dtype.type(0), g),)

    @staticmethod
    def backward_graph(ctx, g):
        (low,) = ctx.saved
        return (linked_to_input(ctx, g.masked_fill(low, 0)),)


# ------------------------------------------------------------------------- pointwise
def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along dim (cast to dtype first if given).  x: any shape -> same."""
    x = _t(input)
    if dim is None:
        warnings.warn("Implicit dimension choice for softmin has been deprecated. Change the "
                      "call to include dim=X as an argument.", stacklevel=_stacklevel)
        dim = 0 if x.ndim in (0, 1, 3) else 1
    if dtype is not None:
        x = x.to(dtype)
    (x,) = _floats("softmin", input=x)
    return (-x).softmax(dim)


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between; lambd >= 0.
    x: any shape -> same."""
    lambd = _number("softshrink", "lambd", lambd)
    if lambd < 0:
        raise ValueError(f"softshrink: lambd must be >= 0, got {lambd}")
    (x,) = _floats("softshrink", input=input)
    return Shrink.apply(x, lambd=lambd, soft=True)


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, else 0 (a negative lambd keeps everything).  x: any shape -> same."""
    (x,) = _floats("hardshrink", input=input)
    return Shrink.apply(x, lambd=_number("hardshrink", "lambd", lambd), soft=False)


def tanhshrink(input):
    """x - tanh(x).  x: any shape -> same."""
    (x,) = _floats("tanhshrink", input=input)
    return x - x.tanh()


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value; both numbers are cast to x's dtype first (so an
    integer input truncates them, as PyTorch); with inplace=True written into x.
    x: any shape -> same."""
    op = "threshold"
    x = _t(input)
    if x.dtype.kind not in "iuf":
        raise TypeError(f"{op}: expected a real-valued tensor, got dtype {x.dtype}")
    at, to = _number(op, "threshold", threshold), _number(op, "value", value)
    if inplace:
        return _in_place("threshold_", x, lambda old: Threshold.apply(old, threshold=at, value=to))
    return Threshold.apply(x, threshold=at, value=to)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """x for x > 0, a x below: a ~ U(lower, upper) per element in training (drawn from the
    engine's generator), (lower + upper) / 2 otherwise.  x: any shape -> same."""
    op = "rrelu"
    if inplace:
        return _in_place("rrelu_", input, lambda x: rrelu(x, lower, upper, training))
    lower, upper = _number(op, "lower", lower), _number(op, "upper", upper)
    if lower > upper:
        raise ValueError(f"{op}: lower bound ({lower}) should be less than or equal to the "
                         f"upper bound ({upper})")
    (x,) = _floats(op, input=input)
    if not training:
        return leaky_relu(x, (lower + upper) / 2)
    slopes = default_generator().uniform(lower, upper, size=_shape(x)).astype(x.dtype)
    # as PyTorch: x <= 0 takes a random slope (so does 0), NaN keeps slope 1
    noise = np.where(x.data <= 0, slopes, x.dtype.type(1))
    return x * _const(noise)


# ------------------------------------------------------------------------- dropout
def _alpha_dropout(op, input, p, training, feature):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    (x,) = _floats(op, input=input)
    if feature and x.ndim < 2:
        raise ValueError(f"{op}: feature dropout requires at least 2 dimensions (N, C, *), "
                         f"got input of shape {_shape(x)}")
    if p == 0 or not training or x.data.size == 0:
        return x
    if p == 1:
        return x * 0.0
    shape = _shape(x)[:2] + (1,) * (x.ndim - 2) if feature else _shape(x)
    keep = (default_generator().random(shape, dtype=np.float32) >= np.float32(p)).astype(x.dtype)
    # keep the mean and variance of a SELU network's unit activations: a dropped unit is set
    # to -alpha, then a * (.) + b restores zero mean and unit variance
    a = 1.0 / math.sqrt((ALPHA_DROPOUT_ALPHA ** 2 * p + 1) * (1 - p))
    t = x.dtype.type
    shift = (keep - t(1)) * t(ALPHA_DROPOUT_ALPHA * a) + t(ALPHA_DROPOUT_ALPHA * a * p)
    return x * _const(keep * t(a)) + _const(shift)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: each element is dropped with probability p to SELU's
    negative saturation, then all are scaled and shifted to keep zero mean and unit variance;
    the identity when not training (the default).  x: any shape -> same."""
    if inplace:
        return _in_place("alpha_dropout_", input, lambda x: alpha_dropout(x, p, training))
    return _alpha_dropout("alpha_dropout", input, p, training, feature=False)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout of whole channels x[n, c].  x: (N, C, *) -> same."""
    if inplace:
        return _in_place("feature_alpha_dropout_", input,
                         lambda x: feature_alpha_dropout(x, p, training))
    return _alpha_dropout("feature_alpha_dropout", input, p, training, feature=True)


# ------------------------------------------------------------------------- gumbel softmax
def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + g) / tau) along dim, g ~ Gumbel(0, 1) from the engine's generator;
    hard=True returns the one-hot of its argmax with the soft sample's gradient (straight
    through).  logits: any shape -> same."""
    op = "gumbel_softmax"
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    (x,) = _floats(op, logits=logits)
    axis = _one_axis(dim, x.ndim, op)
    expo = default_generator().standard_exponential(_shape(x), dtype=x.dtype)
    with np.errstate(divide="ignore"):
        gumbels = -np.log(expo)
    y_soft = ((x + _const(gumbels)) / float(tau)).softmax(axis)
    if not hard:
        return y_soft
    if x.ndim == 0:
        y_hard = np.ones((), x.dtype)
    else:
        index = np.expand_dims(y_soft.data.argmax(axis), axis)
        y_hard = np.zeros(_shape(x), x.dtype)
        np.put_along_axis(y_hard, index, 1, axis)
    return _const(y_hard) - y_soft.detach() + y_soft


# ------------------------------------------------------------------------- layers
def channel_shuffle(input, groups):
    """Interleave the channels of `groups` groups: (N, g, C/g, *) -> (N, C/g, g, *).
    x: (N, C, *) with at least 3 dims, C divisible by groups -> same shape."""
    op = "channel_shuffle"
    x = _t(input)
    if x.ndim < 3:
        raise ValueError(f"{op}: expected an input with more than 2 dims (N, C, *), got shape "
                         f"{_shape(x)}")
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups <= 0:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    n, c = x.shape[:2]
    if c % groups:
        raise ValueError(f"{op}: the {c} channels of input of shape {_shape(x)} must be "
                         f"divisible by groups={groups}")
    rest = _shape(x)[2:]
    grouped = x.reshape((n, int(groups), c // groups) + rest)
    return grouped.transpose(1, 2).reshape(_shape(x))


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = sum_ij x1[..., i] weight[o, i, j] x2[..., j] + bias[o].
    x1: (*, in1), x2: (*, in2) (same batch dims), weight: (out, in1, in2), bias: (out,)
    -> (*, out)."""
    op = "bilinear"
    a, b, w, bias = _floats(op, input1=input1, input2=input2, weight=weight, bias=bias)
    if w.ndim != 3:
        raise ValueError(f"{op}: weight must be 3-D (out, in1, in2), got shape {_shape(w)}")
    if a.ndim == 0 or a.ndim != b.ndim or _shape(a)[:-1] != _shape(b)[:-1]:
        raise ValueError(f"{op}: inputs must have at least 1 dim and the same batch dims, got "
                         f"input1 {_shape(a)} and input2 {_shape(b)}")
    out, in1, in2 = _shape(w)
    if a.shape[-1] != in1 or b.shape[-1] != in2:
        raise ValueError(f"{op}: inputs of last dims {a.shape[-1]} and {b.shape[-1]} do not "
                         f"match weight of shape {_shape(w)} (expected {in1} and {in2})")
    if bias is not None and _shape(bias) != (out,):
        raise ValueError(f"{op}: bias must have shape ({out},) for weight of shape {_shape(w)},"
                         f" got {_shape(bias)}")
    # x1 @ W laid out as (in1, out * in2), then contract in2 with x2
    left = (a @ w.permute(1, 0, 2).reshape(in1, out * in2)).reshape(_shape(a)[:-1] + (out, in2))
    y = (left * b.unsqueeze(-2)).sum(-1)
    return y if bias is None else y + bias
