"""Reductions over `axis` (None, or a tuple of non-negative ints) with `keepdims`."""
import warnings

import numpy as np

from ..function import Function, constant
from ..graph_backward import connected_constant
from .arithmetic import Where
from .shape import IndexAddIntoZeros
from ..kernels.scan import scan_f64
from .layout import c_order


def _expand(g, shape, axis, keepdims):
    """Give a reduced gradient back its reduced axes so it broadcasts against `shape`."""
    if not keepdims and axis is not None:
        g = np.expand_dims(g, axis)
    elif not keepdims:
        g = np.reshape(g, (1,) * len(shape))
    return g


def _stretch(g, shape):
    """np.broadcast_to(g, shape) for a g of the same ndim (its reduced dims are 1), read-only;
    a zero-stride view made directly, as broadcast_to costs ~2 us per call in Python."""
    if g.ndim != len(shape) or not g.flags.c_contiguous:
        return np.broadcast_to(g, shape)
    strides = tuple([0 if n != m else s for n, m, s in zip(g.shape, shape, g.strides)])
    view = np.ndarray(shape, g.dtype, g, 0, strides)
    view.flags.writeable = False
    return view


def _count(shape, axis):
    if axis is None:
        return int(np.prod(shape))
    return int(np.prod([shape[a] for a in axis]))


class Sum(Function):
    """y = sum(x, axis);  dx = g broadcast back over the summed axes."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = x.shape, axis, keepdims
        # add.reduce is what np.sum runs (the same pairwise sum), without ~1 us of dispatch
        return c_order(np.asarray(np.add.reduce(x, axis=axis, keepdims=keepdims)))

    @staticmethod
    def backward(ctx, g):
        return (_stretch(_expand(g, ctx.shape, ctx.axis, ctx.keepdims), ctx.shape),)

    @staticmethod
    def backward_graph(ctx, g):
        return (_expand_tensor(g, ctx.shape, ctx.axis, ctx.keepdims),)


class Mean(Function):
    """y = mean(x, axis);  dx = g / n broadcast back over the averaged axes."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = x.shape, axis, keepdims
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if x.size == 0:   # nan over nothing, without np.mean's "Mean of empty slice"
                return np.asarray(np.add.reduce(x, axis=axis, keepdims=keepdims)
                                  / x.dtype.type(_count(x.shape, axis)), dtype=x.dtype)
            return c_order(np.asarray(np.mean(x, axis=axis, keepdims=keepdims), dtype=x.dtype))

    @staticmethod
    def backward(ctx, g):
        n = _count(ctx.shape, ctx.axis)
        g = _expand(g, ctx.shape, ctx.axis, ctx.keepdims) / g.dtype.type(max(n, 1))
        return (_stretch(g, ctx.shape),)

    @staticmethod
    def backward_graph(ctx, g):
        n = _count(ctx.shape, ctx.axis)
        return (_expand_tensor(g, ctx.shape, ctx.axis, ctx.keepdims) / max(n, 1),)


class Centered(Function):
    """y = x - mean(x, axis), kept dims: the deviations Var and Std save, as their recorded
    VJPs (create_graph=True) see them;  dx = g - mean(g, axis)."""

    @staticmethod
    def forward(ctx, x, axis=None):
        ctx.axis = axis
        return x - np.mean(x, axis=axis, keepdims=True)

    @staticmethod
    def backward(ctx, g):
        return (g - np.mean(g, axis=ctx.axis, keepdims=True),)

    @staticmethod
    def backward_graph(ctx, g):
        return (g - g.mean(dim=ctx.axis, keepdim=True),)


def _expand_tensor(g, shape, axis, keepdims):
    """_stretch(_expand(...)) with Tensor ops, for the recorded VJPs (create_graph=True)."""
    kept = tuple(1 if axis is None or i in axis else n for i, n in enumerate(shape))
    return g.reshape(kept).expand(*shape)


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
        mean = np.add.reduce(x, axis=axis, dtype=wide, keepdims=True)
        mean /= max(n, 1)
        centered = x - mean.astype(x.dtype, copy=False)
        var = np.add.reduce(np.multiply(centered, centered, dtype=wide), axis=axis,
                            keepdims=True) / max(dof, 0)
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



class AMax(Function):
    """y = max(x, axis);  dx = g shared evenly among the elements equal to the max."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False, mode="max"):
        y = c_order(np.asarray((np.max if mode == "max" else np.min)(x, axis=axis, keepdims=True)))
        ctx.save_for_backward(x, y)
        ctx.axis, ctx.keepdims = axis, keepdims
        return y if keepdims else np.asarray(np.squeeze(y, axis=axis))

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        hit = (x == y)
        count = hit.sum(axis=ctx.axis, keepdims=True)
        g = _expand(g, x.shape, ctx.axis, ctx.keepdims)
        # a slice holding NaN has no hit: 0 * (g / 0) makes its gradient NaN, as PyTorch's
        with np.errstate(divide="ignore", invalid="ignore"):
            return (hit * (g / count).astype(g.dtype, copy=False),)

    @staticmethod
    def backward_graph(ctx, g):
        x = ctx.saved[0]
        share = AMax.backward(ctx, np.ones(ctx.out_shape, x.dtype))[0]  # constant in x a.e.
        return (_expand_tensor(g, x.shape, ctx.axis, ctx.keepdims) * constant(share),)



class Gather(Function):
    """y = take_along_axis(x, index, axis) (with squeeze, axis dropped: max(dim)'s values, a
    tensor of their own, not a view of an intermediate);  dx = zeros with g scatter-added at
    index."""

    @staticmethod
    def forward(ctx, x, index, axis, squeeze=False):
        ctx.shape, ctx.index, ctx.axis, ctx.squeeze = x.shape, index, axis, squeeze
        # saved only to be guarded: max(dim) returns this array as its indices, and changed
        # in place it would scatter the gradient to the wrong places
        ctx.save_for_backward(index)
        y = c_order(np.take_along_axis(x, index, axis))
        return np.squeeze(y, axis) if squeeze else y

    @staticmethod
    def backward(ctx, g):
        if ctx.squeeze:
            g = np.expand_dims(g, ctx.axis)
        dx = np.zeros(ctx.shape, g.dtype)
        idx = list(np.indices(ctx.index.shape, sparse=True))
        idx[ctx.axis] = ctx.index
        np.add.at(dx, tuple(idx), g)
        return (dx,)

    @staticmethod
    def backward_graph(ctx, g):
        if ctx.squeeze:
            g = g.unsqueeze(ctx.axis)
        idx = list(np.indices(ctx.index.shape, sparse=True))
        idx[ctx.axis] = ctx.index
        return (IndexAddIntoZeros.apply(g, index=tuple(idx), shape=ctx.shape),)



class LogSumExp(Function):
    """y = log(sum(exp(x), axis)), shifted by the max;  dx = g * exp(x - y)."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        m = np.max(x, axis=axis, keepdims=True, initial=-np.inf)  # -inf over an empty dim
        m = np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)
        # log(0) = -inf for an all -inf row; exp may overflow only when x holds NaN (m = 0)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            y = c_order(np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m)
        ctx.save_for_backward(x, y)
        ctx.axis, ctx.keepdims = axis, keepdims
        return y if keepdims else np.asarray(np.squeeze(y, axis=axis))

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        g = _expand(g, x.shape, ctx.axis, ctx.keepdims)
        with np.errstate(invalid="ignore", over="ignore"):   # exp(-huge - huge) is 0
            return (g * np.exp(x - y),)

    @staticmethod
    def backward_graph(ctx, g):
        x, y = ctx.saved
        yt = ctx.output_tensor(y.reshape(ctx.out_shape)).reshape(y.shape)
        g = _expand_tensor(g, x.shape, ctx.axis, ctx.keepdims)
        return (g * (ctx.input_tensor(0, x) - yt).exp(),)



def _prod_of_others(x, axis):
    """For each element, the product of the others along `axis`: exclusive prefix times
    exclusive suffix products, exact when x holds zeros (y / x would be 0 / 0 there)."""
    xm = np.moveaxis(x, axis, -1)
    left, right = np.ones_like(xm), np.ones_like(xm)
    with np.errstate(invalid="ignore", over="ignore"):   # inf * 0 is nan, as in PyTorch
        np.cumprod(xm[..., :-1], axis=-1, out=left[..., 1:])
        right[..., :-1] = np.cumprod(xm[..., :0:-1], axis=-1)[..., ::-1]
        return np.moveaxis(left * right, -1, axis)


class Prod(Function):
    """y = prod(x, axis) (axis None or one int);  dx = g * (product of the other elements)."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.save_for_backward(x)
        ctx.axis, ctx.keepdims = axis, keepdims
        with np.errstate(invalid="ignore", over="ignore"):   # inf * 0 is nan, as in PyTorch
            return c_order(np.asarray(np.prod(x, axis=axis, keepdims=keepdims)))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        axis = None if ctx.axis is None else (ctx.axis,)
        g = _expand(g, x.shape, axis, ctx.keepdims)
        if x.ndim == 0:
            return (g.reshape(()),)
        if axis is None:
            return (g * _prod_of_others(x.reshape(-1), 0).reshape(x.shape),)
        return (g * _prod_of_others(x, ctx.axis),)

    @staticmethod
    def backward_graph(ctx, g):
        (x,) = ctx.saved
        if not np.all(x):
            raise RuntimeError(f"Prod: create_graph=True with a zero in the input (shape "
                               f"{x.shape}) is not supported: the recorded VJP divides by x")
        xt = ctx.input_tensor(0, x)
        axis = None if ctx.axis is None else (ctx.axis,)
        total = xt.prod() if ctx.axis is None else xt.prod(ctx.axis, keepdim=True)
        return (_expand_tensor(g, x.shape, axis, ctx.keepdims) * total / xt,)



class Norm(Function):
    """y = (sum |x|^p)^(1/p) over axis (p = inf: max |x|, -inf: min |x|, 0: count of nonzeros);
    dx = g * sign(x) |x|^(p-1) / y^(p-1), 0 where y = 0 (for p = +-inf, g is shared evenly
    among the elements that reach the extreme; p = 0 has zero gradient), as PyTorch."""

    @staticmethod
    def forward(ctx, x, p=2.0, axis=None, keepdims=False):
        a = np.abs(x)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            if p == np.inf:
                y = np.max(a, axis=axis, keepdims=True)
            elif p == -np.inf:
                y = np.min(a, axis=axis, keepdims=True)
            elif p == 0:
                y = np.sum(a != 0, axis=axis, keepdims=True).astype(x.dtype)
            elif p == 1:
                y = np.sum(a, axis=axis, keepdims=True)
            elif p == 2:
                y = np.sqrt(np.sum(x * x, axis=axis, keepdims=True))
            else:
                y = np.sum(a ** x.dtype.type(p), axis=axis, keepdims=True) ** x.dtype.type(1 / p)
        y = c_order(np.asarray(y))
        ctx.save_for_backward(x, y)
        ctx.p, ctx.axis, ctx.keepdims = p, axis, keepdims
        return y if keepdims else np.asarray(np.squeeze(y, axis=axis))

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        p = ctx.p
        g = _expand(g, x.shape, ctx.axis, ctx.keepdims)
        if p == 0:
            return (np.zeros(x.shape, g.dtype),)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if np.isinf(p):
                a = np.abs(x)
                hit = (a == y) | np.isnan(a)
                share = g / hit.sum(axis=ctx.axis, keepdims=True).astype(g.dtype)
                return (np.sign(x) * hit * share,)
            if p == 2:   # PyTorch's order: g times x / y, that 0 where y = 0
                return (g * np.where(y == 0, 0, x / y),)
            if p == 1:
                return (np.sign(x) * g,)
            a = np.abs(x)
            scaled = np.sign(x) * np.where(a == 0, 0, a ** x.dtype.type(p - 1))
            if p < 1:   # y^(1 - p) is 0 at y = 0: unmasked, as PyTorch (nan for an inf g)
                return (scaled * (g * y ** x.dtype.type(1 - p)),)
            return (scaled * np.where(y == 0, 0, g * y ** x.dtype.type(1 - p)),)

    @staticmethod
    def backward_graph(ctx, g):
        x, y = ctx.saved
        p = ctx.p
        g = _expand_tensor(g, x.shape, ctx.axis, ctx.keepdims)
        if p == 0 or p == 1 or np.isinf(p):   # piecewise linear in x: a constant factor
            factor = Norm.backward(ctx, np.ones(ctx.out_shape, x.dtype))[0]
            return (g * connected_constant(ctx, factor, (0, x)),)
        xt = ctx.input_tensor(0, x)
        yt = ctx.output_tensor(y.reshape(ctx.out_shape)).reshape(y.shape)
        zero_y = constant(y == 0)   # replaced before dividing: a nan there would reach the
        safe_y = yt.masked_fill(zero_y, 1)   # second derivative through the mask
        if p == 2:
            return (g * (xt / safe_y).masked_fill(zero_y, 0),)
        zero_x = constant(x == 0)
        scaled = constant(np.sign(x)) * xt.abs().masked_fill(zero_x, 1) ** (p - 1)
        if p < 1:   # g times y^(1 - p), that 0 at y = 0 (as backward)
            factor = (safe_y ** (1 - p)).masked_fill(zero_y, 0)
            return (scaled.masked_fill(zero_x, 0) * (g * factor),)
        return (scaled.masked_fill(zero_x, 0) * (g * safe_y ** (1 - p)).masked_fill(zero_y, 0),)



class CumSum(Function):
    """y = cumsum(x, axis);  dx = reversed cumsum of g along axis."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        if x.ndim == 0:
            return x.copy()
        if x.dtype == np.float32:   # a float64 accumulator, as PyTorch's CPU cumsum
            return scan_f64(x, axis)
        with np.errstate(invalid="ignore", over="ignore"):   # inf - inf is nan, as PyTorch
            return c_order(np.cumsum(x, axis=axis))

    @staticmethod
    def backward(ctx, g):
        if g.ndim == 0:
            return (g,)
        if g.dtype == np.float32:
            return (scan_f64(g, ctx.axis, reverse=True),)
        return (np.flip(np.cumsum(np.flip(g, ctx.axis), axis=ctx.axis), ctx.axis),)

    @staticmethod
    def backward_graph(ctx, g):
        if g.ndim == 0:
            return (g,)
        return (g.flip(ctx.axis).cumsum(ctx.axis).flip(ctx.axis),)



class SharedValue(Function):
    """y = value, an element of x (a median);  dx = g / k at the k elements equal to y (NaNs,
    when y is NaN), 0 elsewhere, as PyTorch's gradient of median() (a select: an inf or nan
    g does not reach the other elements)."""

    @staticmethod
    def forward(ctx, x, value):
        if ctx.needs_input_grad is not None:   # recorded (max() of a large x: skip the pass)
            ctx.hit = np.isnan(x) if value != value else x == value
            ctx.count = max(int(ctx.hit.sum()), 1)
        return np.asarray(value, x.dtype)

    @staticmethod
    def backward(ctx, g):
        share = np.asarray(g / g.dtype.type(ctx.count), g.dtype)
        return (np.where(ctx.hit, share, g.dtype.type(0)),)

    @staticmethod
    def backward_graph(ctx, g):
        zero = constant(np.zeros((), ctx.out_dtype))
        return (Where.apply(g / ctx.count, zero, cond=ctx.hit),)
