"""Reductions over `axis` (None, or a tuple of non-negative ints) with `keepdims`."""
import numpy as np

from ..function import Function


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
        return np.asarray(np.add.reduce(x, axis=axis, keepdims=keepdims))

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
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(np.mean(x, axis=axis, keepdims=keepdims), dtype=x.dtype)

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


class Var(Function):
    """y = sum((x - mean)^2) / (n - correction);  dx = g * 2 (x - mean) / (n - correction)."""

    @staticmethod
    def forward(ctx, x, axis=None, correction=1, keepdims=False):
        ctx.axis, ctx.keepdims = axis, keepdims
        centered = x - x.mean(axis=axis, keepdims=True)
        n = _count(x.shape, axis)
        ctx.denom = x.dtype.type(max(n - correction, 0))
        ctx.save_for_backward(centered)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(np.sum(centered * centered, axis=axis, keepdims=keepdims)
                              / ctx.denom, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        (centered,) = ctx.saved
        g = _expand(g, centered.shape, ctx.axis, ctx.keepdims)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (g * centered * (2 / ctx.denom),)


class Std(Function):
    """y = sqrt(var(x));  dx = g * (x - mean) / ((n - correction) * y), 0 where y = 0 (as
    PyTorch; the composition sqrt(var) would give 0 * inf = nan there)."""

    @staticmethod
    def forward(ctx, x, axis=None, correction=1, keepdims=False):
        y = np.sqrt(Var.forward(ctx, x, axis=axis, correction=correction, keepdims=True))
        ctx.keepdims = keepdims
        ctx.save_for_backward(ctx.saved[0], y)
        return y if keepdims else np.asarray(np.squeeze(y, axis=axis))

    @staticmethod
    def backward(ctx, g):
        centered, y = ctx.saved
        g = _expand(g, centered.shape, ctx.axis, ctx.keepdims)
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.where(y == 0, 0, g / (ctx.denom * y))
        return (scale * centered,)


class AMax(Function):
    """y = max(x, axis);  dx = g shared evenly among the elements equal to the max."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False, mode="max"):
        y = np.asarray((np.max if mode == "max" else np.min)(x, axis=axis, keepdims=True))
        ctx.save_for_backward(x, y)
        ctx.axis, ctx.keepdims = axis, keepdims
        return y if keepdims else np.asarray(np.squeeze(y, axis=axis))

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        hit = (x == y)
        count = hit.sum(axis=ctx.axis, keepdims=True)
        g = _expand(g, x.shape, ctx.axis, ctx.keepdims)
        return (hit * (g / count).astype(g.dtype, copy=False),)


class Gather(Function):
    """y = take_along_axis(x, index, axis);  dx = zeros with g scatter-added at index."""

    @staticmethod
    def forward(ctx, x, index, axis):
        ctx.shape, ctx.index, ctx.axis = x.shape, index, axis
        # saved only to be guarded: max(dim) returns this array as its indices, and changed
        # in place it would scatter the gradient to the wrong places
        ctx.save_for_backward(index)
        return np.take_along_axis(x, index, axis)

    @staticmethod
    def backward(ctx, g):
        dx = np.zeros(ctx.shape, g.dtype)
        idx = list(np.indices(ctx.index.shape, sparse=True))
        idx[ctx.axis] = ctx.index
        np.add.at(dx, tuple(idx), g)
        return (dx,)


class LogSumExp(Function):
    """y = log(sum(exp(x), axis)), shifted by the max;  dx = g * exp(x - y)."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        m = np.max(x, axis=axis, keepdims=True, initial=-np.inf)  # -inf over an empty dim
        m = np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)
        # log(0) = -inf for an all -inf row; exp may overflow only when x holds NaN (m = 0)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            y = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
        ctx.save_for_backward(x, y)
        ctx.axis, ctx.keepdims = axis, keepdims
        return y if keepdims else np.asarray(np.squeeze(y, axis=axis))

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        g = _expand(g, x.shape, ctx.axis, ctx.keepdims)
        with np.errstate(invalid="ignore"):
            return (g * np.exp(x - y),)


def _prod_of_others(x, axis):
    """For each element, the product of the others along `axis`: exclusive prefix times
    exclusive suffix products, exact when x holds zeros (y / x would be 0 / 0 there)."""
    xm = np.moveaxis(x, axis, -1)
    left, right = np.ones_like(xm), np.ones_like(xm)
    np.cumprod(xm[..., :-1], axis=-1, out=left[..., 1:])
    right[..., :-1] = np.cumprod(xm[..., :0:-1], axis=-1)[..., ::-1]
    return np.moveaxis(left * right, -1, axis)


class Prod(Function):
    """y = prod(x, axis) (axis None or one int);  dx = g * (product of the other elements)."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.save_for_backward(x)
        ctx.axis, ctx.keepdims = axis, keepdims
        return np.asarray(np.prod(x, axis=axis, keepdims=keepdims))

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
            if p == 2:
                return (x * np.where(y == 0, 0, g / y),)
            if p == 1:
                return (np.sign(x) * g,)
            a = np.abs(x)
            scaled = np.sign(x) * np.where(a == 0, 0, a ** x.dtype.type(p - 1))
            return (scaled * np.where(y == 0, 0, g * y ** x.dtype.type(1 - p)),)


class CumSum(Function):
    """y = cumsum(x, axis);  dx = reversed cumsum of g along axis."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return x.copy() if x.ndim == 0 else np.cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx, g):
        if g.ndim == 0:
            return (g,)
        return (np.flip(np.cumsum(np.flip(g, ctx.axis), axis=ctx.axis), ctx.axis),)


class SharedValue(Function):
    """y = value, an element of x (a median);  dx = g shared evenly among the elements equal
    to y (NaNs, when y is NaN), as PyTorch's gradient of median()."""

    @staticmethod
    def forward(ctx, x, value):
        hit = np.isnan(x) if np.isnan(value) else x == value
        ctx.share = hit / max(int(hit.sum()), 1)
        return np.asarray(value, x.dtype)

    @staticmethod
    def backward(ctx, g):
        return ((g * ctx.share).astype(g.dtype, copy=False),)
