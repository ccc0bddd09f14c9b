"""Clamping and elementwise extremes: clamp with number or tensor bounds, maximum and
minimum. Their VJPs select the incoming gradient where the local derivative is 1 and give 0
elsewhere (a select, not a multiply by a mask, so an inf or nan gradient stays out of the
places it does not reach, as torch's). Recorded (create_graph=True), the select depends on
the incoming gradient alone, as torch's clamp_backward and where: a gradient of it that
reaches the inputs only through it finds them unused, as torch's does."""
import numpy as np

from ..function import Function, constant
from ..graph_backward import connected_constant
from .arithmetic import Where


def _kept(g, keep):
    """g where keep, else 0: a select, not g * keep, so an inf or nan g stays out of the
    places whose local derivative is 0 (as torch's where in clamp_backward & co.)."""
    return np.where(keep, g, g.dtype.type(0))


def kept_graph(ctx, g, keep, *inputs):
    """_kept recorded (create_graph=True): the zeros depend on the given inputs ((index,
    saved array) pairs) with a zero derivative, as in connected_constant (as torch's
    hardtanh_backward & co.); with none, on g alone (as torch's clamp_backward)."""
    zeros = connected_constant(ctx, np.zeros(keep.shape, g.dtype), *inputs)
    return Where.apply(g, zeros, cond=keep)


class Clamp(Function):
    """y = min(max(x, lo), hi);  dx = g where lo <= x <= hi, else 0."""

    @staticmethod
    def forward(ctx, x, lo=None, hi=None):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return np.clip(x, lo, hi).astype(x.dtype, copy=False)

    @staticmethod
    def _keep(ctx, x):
        if ctx.hi is None:
            return x >= ctx.lo
        if ctx.lo is None:
            return x <= ctx.hi
        return (x >= ctx.lo) & (x <= ctx.hi)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        return (_kept(g, Clamp._keep(ctx, x)),)

    @staticmethod
    def backward_graph(ctx, g):
        (x,) = ctx.saved
        return (kept_graph(ctx, g, Clamp._keep(ctx, x)),)


class ClampTensors(Function):
    """y = min(max(x, lo), hi) with tensor bounds (either may be None), broadcast; as PyTorch:
    dx = g where lo <= x <= hi, dlo = g where x < lo (and lo < hi), dhi = g where x > hi
    (or hi < lo: the result is hi); 0 elsewhere."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        return np.asarray(np.clip(x, lo, hi))

    @staticmethod
    def _masks(ctx, shape):
        """Where x, lo and hi each get the gradient (None for an input that needs none)."""
        x, lo, hi = ctx.saved
        need_x, need_lo, need_hi = ctx.needs_input_grad
        keep = klo = khi = None
        if need_x:
            keep = np.ones(shape, bool)
            if lo is not None:
                keep &= x >= lo
            if hi is not None:
                keep &= x <= hi
        if need_lo:
            below = x < lo
            klo = below & (lo < hi) if hi is not None else below
        if need_hi:
            above = x > hi
            khi = above | (hi < lo) if lo is not None else above
        return keep, klo, khi

    @staticmethod
    def backward(ctx, g):
        return tuple(None if k is None else _kept(g, k) for k in ClampTensors._masks(ctx, g.shape))

    @staticmethod
    def backward_graph(ctx, g):
        return tuple(None if k is None else kept_graph(ctx, g, np.broadcast_to(k, g.shape))
                     for k in ClampTensors._masks(ctx, tuple(g.shape)))


def _tie_split(g, a, b):
    """g, halved where a == b (ties share it, as PyTorch's maximum and minimum)."""
    tie = a == b
    if not tie.any():
        return g
    return g * np.where(tie, g.dtype.type(0.5), g.dtype.type(1))


class Maximum(Function):
    """y = max(a, b);  da = g where not a < b, db = g where not a > b, halved at ties (as
    PyTorch: a NaN on either side passes g to both)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        return _extreme_grads(ctx, _tie_split(g, a, b), a < b, a > b)

    @staticmethod
    def backward_graph(ctx, g):
        a, b = ctx.saved
        return _extreme_grads_graph(ctx, g, a < b, a > b)


class Minimum(Function):
    """y = min(a, b);  da = g where not a > b, db = g where not a < b, halved at ties (as
    PyTorch: a NaN on either side passes g to both)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        return _extreme_grads(ctx, _tie_split(g, a, b), a > b, a < b)

    @staticmethod
    def backward_graph(ctx, g):
        a, b = ctx.saved
        return _extreme_grads_graph(ctx, g, a > b, a < b)


def _extreme_grads(ctx, g, drop_a, drop_b):
    """maximum/minimum's (da, db): g with 0 where the input lost."""
    need_a, need_b = ctx.needs_input_grad
    zero = g.dtype.type(0)
    return ((np.where(drop_a, zero, g) if need_a else None),
            (np.where(drop_b, zero, g) if need_b else None))


def _extreme_grads_graph(ctx, g, drop_a, drop_b):
    a, b = ctx.saved
    tie = a == b
    if tie.any():
        g = g * constant(np.where(tie, 0.5, 1.0).astype(a.dtype, copy=False))
    shape = tuple(g.shape)
    need_a, need_b = ctx.needs_input_grad
    return ((kept_graph(ctx, g, ~np.broadcast_to(drop_a, shape)) if need_a else None),
            (kept_graph(ctx, g, ~np.broadcast_to(drop_b, shape)) if need_b else None))
