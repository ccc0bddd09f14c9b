"""Variance and standard deviation over `axis` (None, or a tuple of non-negative ints) with
`correction` and `keepdims`, as PyTorch computes them: n - correction <= 0, float32
overflow, and a zero std in the VJP."""
import warnings

import numpy as np

from ..function import Function, constant
from .layout import c_order
from .reduce import _count, _expand, _expand_tensor
from ..summation import add_reduce


class Centered(Function):
    """y = x - mean(x, axis), kept dims: the deviations Var and Std save, as their recorded
    VJPs (create_graph=True) see them;  dx = g - mean(g, axis)."""

    @staticmethod
    def forward(ctx, x, axis=None):
        ctx.axis = axis
        return x - _mean(x, axis)

    @staticmethod
    def backward(ctx, g):
        return (g - _mean(g, ctx.axis),)

    @staticmethod
    def backward_graph(ctx, g):
        return (g - g.mean(dim=ctx.axis, keepdim=True),)


def _mean(x, axis):
    """The mean over axis with the reduced axes kept, in x's dtype (summation.add_reduce)."""
    return (add_reduce(x, axis, True) / max(_count(x.shape, axis), 1)).astype(x.dtype, copy=False)


def _variance(x, axis, correction, wide=None):
    """(x - mean in x's dtype, the variance with the reduced axes kept, n - correction). The
    variance divides by max(n - correction, 0), as PyTorch: inf (nan for equal values) when
    correction >= n. A float32 x whose squares overflow (|x - mean| > 1.8e19) is reduced
    again in float64 (then the variance is float64), as PyTorch accumulates: std([1e20,
    -1e20]) is 1.4e20, not inf. The common case keeps float32: a float64 pass would make a
    large var 1.6x slower."""
    n = _count(x.shape, axis)
    dof = n - correction
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        mean = (np.add.reduce(x, axis=axis, dtype=wide, keepdims=True) if wide is not None
                else add_reduce(x, axis, True))
        mean /= max(n, 1)
        centered = x - mean.astype(x.dtype, copy=False)
        squares = np.multiply(centered, centered, dtype=wide)
        var = (np.add.reduce(squares, axis=axis, keepdims=True) if wide is not None
               else add_reduce(squares, axis, True)) / max(dof, 0)
    if wide is None and x.dtype == np.float32 and dof > 0 and not np.isfinite(var).all():
        return _variance(x, axis, correction, np.float64)
    return centered, var, x.dtype.type(dof)


def _warn_dof(op, dof):
    if dof <= 0:
        warnings.warn(f"{op}(): degrees of freedom is <= 0. Correction should be strictly less "
                      f"than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=5)


def _no_dof(g, centered):
    """PyTorch's VJP of var over every element when n - correction <= 0: g * inf, nan where
    x equals the mean (2 / (n - correction) taken as +inf, whatever the deviation's sign)."""
    return g * np.where(centered == 0, centered.dtype.type(np.nan), centered.dtype.type(np.inf))


def _narrow(v, dtype):
    """A float64 variance (or std) back to x's float32; one too large for it is inf."""
    if v.dtype == dtype:
        return v
    with np.errstate(over="ignore"):
        return v.astype(dtype)


class Var(Function):
    """y = sum((x - mean)^2) / max(n - correction, 0);  dx = g * 2 (x - mean) / (n - correction)
    (with dims: n - correction as it is, even <= 0; over every element with n - correction <=
    0: g * inf, nan where x is the mean, as PyTorch's var_backward)."""

    @staticmethod
    def forward(ctx, x, axis=None, correction=1, keepdims=False):
        ctx.axis, ctx.keepdims = axis, keepdims
        centered, var, ctx.dof = _variance(x, axis, correction)
        _warn_dof("var", ctx.dof)
        ctx.save_for_backward(centered)
        if not keepdims:
            var = np.squeeze(var, axis=axis)
        return c_order(np.asarray(_narrow(var, x.dtype)))

    @staticmethod
    def backward(ctx, g):
        (centered,) = ctx.saved
        g = _expand(g, centered.shape, ctx.axis, ctx.keepdims)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if ctx.axis is None and ctx.dof <= 0:
                return (_no_dof(g, centered),)
            return (g * centered * (2 / ctx.dof),)

    @staticmethod
    def backward_graph(ctx, g):
        (centered,) = ctx.saved
        g = _expand_tensor(g, centered.shape, ctx.axis, ctx.keepdims)
        if ctx.axis is None and ctx.dof <= 0:
            return (g * constant(_no_dof(np.ones_like(centered), centered)),)
        c = ctx.derived_tensor(Centered, centered, 0, axis=ctx.axis)
        with np.errstate(divide="ignore"):
            scale = float(2 / ctx.dof)
        return (g * c * scale,)


class Std(Function):
    """y = sqrt(var(x));  dx = var's VJP of g / (2 y), that taken as 0 where y = 0 (as
    PyTorch; the composition sqrt(var) would give 0 * inf = nan there)."""

    @staticmethod
    def forward(ctx, x, axis=None, correction=1, keepdims=False):
        centered, var, ctx.dof = _variance(x, axis, correction)
        _warn_dof("std", ctx.dof)
        y = c_order(_narrow(np.sqrt(var), x.dtype))   # the root of a float64 var may fit float32
        ctx.axis, ctx.keepdims = axis, keepdims
        ctx.save_for_backward(centered, y)
        return y if keepdims else np.asarray(np.squeeze(y, axis=axis))

    @staticmethod
    def backward(ctx, g):
        centered, y = ctx.saved
        g = _expand(g, centered.shape, ctx.axis, ctx.keepdims)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if ctx.axis is None and ctx.dof <= 0:
                return (_no_dof(np.where(y == 0, 0, g / (2 * y)), centered),)
            scale = np.where(y == 0, 0, g / (ctx.dof * y))
            return (scale * centered,)

    @staticmethod
    def backward_graph(ctx, g):
        centered, y = ctx.saved
        yt = ctx.output_tensor(y.reshape(ctx.out_shape)).reshape(y.shape)
        zero = constant(y == 0)
        g = _expand_tensor(g, centered.shape, ctx.axis, ctx.keepdims)
        if ctx.axis is None and ctx.dof <= 0:
            half = (g / (yt.masked_fill(zero, 1) * 2)).masked_fill(zero, 0)
            return (half * constant(_no_dof(np.ones_like(centered), centered)),)
        c = ctx.derived_tensor(Centered, centered, 0, axis=ctx.axis)
        scale = (g / (yt.masked_fill(zero, 1) * float(ctx.dof))).masked_fill(zero, 0)
        return (scale * c,)
