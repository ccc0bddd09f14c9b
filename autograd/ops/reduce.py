"""Reductions over `axis` (None, or a tuple of non-negative ints) with `keepdims` (var and
std are in variance.py)."""
import numpy as np

from ..function import Function, constant
from ..graph_backward import connected_constant
from .arithmetic import Where
from .shape import IndexAddIntoZeros
from ..kernels.scan import scan_f64
from .layout import c_order
from ..summation import add_reduce


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
        # add.reduce is what np.sum runs, without ~1 us of dispatch (float32 sums that numpy
        # would add row by row accumulate in float64: see summation.py)
        return c_order(np.asarray(add_reduce(x, axis, keepdims)))

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
            total = add_reduce(x, axis, keepdims)
            return c_order(np.asarray(total / x.dtype.type(_count(x.shape, axis)), dtype=x.dtype))

    @staticmethod
    def backward(ctx, g):
        n = _count(ctx.shape, ctx.axis)
        g = _expand(g, ctx.shape, ctx.axis, ctx.keepdims) / g.dtype.type(max(n, 1))
        return (_stretch(g, ctx.shape),)

    @staticmethod
    def backward_graph(ctx, g):
        n = _count(ctx.shape, ctx.axis)
        return (_expand_tensor(g, ctx.shape, ctx.axis, ctx.keepdims) / max(n, 1),)


def _expand_tensor(g, shape, axis, keepdims):
    """_stretch(_expand(...)) with Tensor ops, for the recorded VJPs (create_graph=True)."""
    kept = tuple(1 if axis is None or i in axis else n for i, n in enumerate(shape))
    return g.reshape(kept).expand(*shape)



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
            y = c_order(np.log(add_reduce(np.exp(x - m), axis, True)) + m)
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
        xt = ctx.input_tensor(0, x)
        axis = None if ctx.axis is None else (ctx.axis,)
        g = _expand_tensor(g, x.shape, axis, ctx.keepdims)
        if np.all(x):
            total = xt.prod() if ctx.axis is None else xt.prod(ctx.axis, keepdim=True)
            return (g * total / xt,)
        if x.ndim == 0:
            return (g,)
        # a zero: the product of the others from exclusive running products (no division)
        if ctx.axis is None:
            return (g * _others_tensor(xt.reshape(-1), 0).reshape(x.shape),)
        return (g * _others_tensor(xt, ctx.axis),)


def _others_tensor(xt, axis):
    """_prod_of_others as recorded ops: exclusive prefix times exclusive suffix cumprods."""
    from ..tensor_shape import cat
    xm = xt.movedim(axis, -1)
    n = xm.shape[-1]
    one = constant(np.ones(tuple(xm.shape[:-1]) + (1,), xm._data.dtype))
    left = cat([one, xm[..., :n - 1]], -1).cumprod(-1)
    right = cat([one, xm.flip(-1)[..., :n - 1]], -1).cumprod(-1).flip(-1)
    return (left * right).movedim(-1, axis)



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
