"""Rounding-like ops (zero gradient, as in PyTorch), ops without a derivative, the running
product and the diagonal."""
import numpy as np

from ..function import Function
from .shape import IndexAddIntoZeros
from ..kernels.scan import cumprod_grad, cumprod_grad_grad, scan_f64
from .layout import c_order


class Rounded(Function):
    """y = fn(x) for a piecewise-constant fn (floor, ceil, trunc, round, sign);  dx = 0."""

    @staticmethod
    def forward(ctx, x, fn):
        return np.asarray(fn(x), x.dtype)

    @staticmethod
    def backward(ctx, g):
        return (np.zeros_like(g),)

    @staticmethod
    def backward_graph(ctx, g):
        # zeros, even where g is inf or nan (g * 0 would be nan there; PyTorch's are zeros)
        return (g.masked_fill(_ALL, 0),)


_ALL = np.ones((), bool)


class NoDerivative(Function):
    """y = value, an in-place op's result computed by an op that has no derivative
    (floor_divide_): as in PyTorch, the tensor stays in the graph, and a backward pass
    through it raises instead of passing on a zero gradient unnoticed."""

    @staticmethod
    def forward(ctx, *inputs, value, op):
        ctx.op = op
        return value

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(f"derivative for {ctx.op} is not implemented")

    backward_graph = backward


class CumProd(Function):
    """y_k = prod_{i<=k} x_i along axis;  dx_k = (prod_{i<k} x_i) * T_k with
    T_k = g_k + x_{k+1} T_{k+1}: no division, so zeros in x get PyTorch's exact gradient."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.save_for_backward(x)
        ctx.axis = axis
        if x.dtype == np.float32:   # a float64 accumulator, as PyTorch's CPU cumprod
            return scan_f64(x, axis, product=True)
        with np.errstate(invalid="ignore", over="ignore"):   # inf * 0 is nan, as in PyTorch
            return c_order(np.cumprod(x, axis=axis))

    @staticmethod
    def backward(ctx, g):
        # in float64, as the forward: the running products of a float32 x overflow (1e30 *
        # 1e30) where the gradient is finite, and lose digits over long runs
        (x,) = ctx.saved
        return (cumprod_grad(x, g, ctx.axis),)

    @staticmethod
    def backward_graph(ctx, g):
        (x,) = ctx.saved
        xt, axis = ctx.input_tensor(0, x), ctx.axis
        if not np.all(x):   # the VJP as one op whose own VJP needs no division
            return (CumProdBackward.apply(xt, g, axis=axis),)
        # dx_k = sum_{j >= k} g_j y_j / x_k, with y = cumprod(x): differentiable to any order
        return ((g * xt.cumprod(axis)).flip(axis).cumsum(axis).flip(axis) / xt,)


class CumProdBackward(Function):
    """dx = cumprod's gradient for g (kernels.scan.cumprod_grad) as an op of x and g, for
    x with zeros;  its VJP (dx, dg) is cumprod's second derivative, by scans without a
    division (kernels.scan.cumprod_grad_grad)."""

    @staticmethod
    def forward(ctx, x, g, axis):
        ctx.save_for_backward(x, g)
        ctx.axis = axis
        return cumprod_grad(x, g, axis)

    @staticmethod
    def backward(ctx, u):
        x, g = ctx.saved
        return cumprod_grad_grad(x, g, u, ctx.axis)

    @staticmethod
    def backward_graph(ctx, u):
        raise RuntimeError("CumProd: create_graph=True through cumprod's second derivative "
                           "(for a third one) at an input with a zero is not supported")


class Diag(Function):
    """1-D x (n,) -> (n+|k|, n+|k|) with x on diagonal k; 2-D x -> its diagonal k (1-D);
    dx = the diagonal of g, or g placed on a zero matrix's diagonal."""

    @staticmethod
    def forward(ctx, x, diagonal):
        ctx.shape, ctx.k = x.shape, diagonal
        return np.diag(x, diagonal).copy()

    @staticmethod
    def backward(ctx, g):
        if len(ctx.shape) == 1:
            return (np.diagonal(g, ctx.k).copy(),)
        dx = np.zeros(ctx.shape, g.dtype)
        rows, cols = ctx.shape
        k = ctx.k
        i = np.arange(g.shape[0])
        dx[i + max(-k, 0), i + max(k, 0)] = g
        return (dx,)

    @staticmethod
    def backward_graph(ctx, g):
        if len(ctx.shape) == 1:
            return (Diag.apply(g, diagonal=ctx.k),)
        i, k = np.arange(g.shape[0]), ctx.k
        return (IndexAddIntoZeros.apply(g, index=(i + max(-k, 0), i + max(k, 0)),
                                        shape=ctx.shape),)
