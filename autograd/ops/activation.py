"""Activations. Pointwise math runs in the numba kernels; these classes hold the VJP rules."""
import math

import numpy as np

from .. import kernels
from ..kernels import fastexp
from ..function import Function
from ..graph_backward import connected_constant
from .clamp import kept_graph


def _c(a):
    # not np.ascontiguousarray alone: it turns a 0-d array into shape (1,)
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


class ReLU(Function):
    """y = max(x, 0);  dx = g where not y <= 0 (NaN passes g, as PyTorch's threshold_backward),
    else 0."""

    @staticmethod
    def forward(ctx, x):
        y = kernels.relu_forward(x) if x.dtype.kind == "f" else np.maximum(x, x.dtype.type(0))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        return (kernels.relu_backward(y, _c(g)),)

    @staticmethod
    def backward_graph(ctx, g):
        (y,) = ctx.saved
        return (kept_graph(ctx, g, ~(y <= 0), (0, y)),)


class LeakyReLU(Function):
    """y = x if x > 0 else slope * x;  dx = g if x > 0 else slope * g."""

    @staticmethod
    def forward(ctx, x, slope=0.01):
        x = _c(x)
        ctx.save_for_backward(x)
        ctx.slope = slope
        return kernels.leaky_relu_forward(x, slope)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        return (kernels.leaky_relu_backward(x, _c(g), ctx.slope),)

    @staticmethod
    def backward_graph(ctx, g):
        (x,) = ctx.saved
        return (g * connected_constant(ctx, np.where(x > 0, 1, ctx.slope), (0, x)),)


class Tanh(Function):
    """y = tanh(x);  dx = g * (1 - y^2)."""

    @staticmethod
    def forward(ctx, x):
        y = fastexp.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        return (kernels.tanh_backward(y, _c(g)),)

    @staticmethod
    def backward_graph(ctx, g):
        y = ctx.output_tensor(ctx.saved[0])
        return (g * (1 - y * y),)


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x));  dx = g * y * (1 - y)."""

    @staticmethod
    def forward(ctx, x):
        y = kernels.sigmoid_forward(_c(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        return (kernels.sigmoid_backward(y, _c(g)),)

    @staticmethod
    def backward_graph(ctx, g):
        y = ctx.output_tensor(ctx.saved[0])
        return (g * y * (1 - y),)


class Step(Function):
    """Heaviside step of the perceptron: y = 1 if x >= 0 else 0. Its gradient is zero everywhere
    (undefined at 0), so nothing learns through it by back-propagation; train a perceptron with
    its own learning rule or through a sigmoid surrogate."""

    @staticmethod
    def forward(ctx, x):
        return (x >= 0).astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        return (np.zeros_like(g),)

    @staticmethod
    def backward_graph(ctx, g):
        return (g.masked_fill(np.ones((), bool), 0),)   # zeros, even where g is inf or nan


def _rows(x, axis):
    """View x as C-contiguous (rows, x.shape[axis]) with `axis` last; return it and an undo
    that puts a (rows, C) result back in x's shape, C-ordered (PyTorch's softmax along any
    dim is contiguous, so that view() of it aliases)."""
    if x.ndim == 0:
        return x.reshape(1, 1), lambda r: r.reshape(())
    shape = x.shape
    if axis in (-1, x.ndim - 1):  # the common case: no axis to move
        rows = _c(x).reshape(math.prod(shape[:-1]), shape[-1])
        return rows, lambda r: r.reshape(shape)
    moved = np.moveaxis(x, axis, -1)
    shape = moved.shape
    # the row count explicitly: reshape(-1, 0) of an empty array is ambiguous
    rows = np.ascontiguousarray(moved).reshape(int(np.prod(shape[:-1])), shape[-1])

    def undo(r):
        return np.ascontiguousarray(np.moveaxis(r.reshape(shape), -1, axis))

    return rows, undo


class Softmax(Function):
    """y = exp(x - max) / sum(exp(x - max)) along axis;  dx = y * (g - sum(g * y))."""

    @staticmethod
    def forward(ctx, x, axis=-1):
        rows, undo = _rows(x, axis)
        y = undo(kernels.softmax_lastdim(rows))
        ctx.save_for_backward(y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        grows, undo = _rows(g, ctx.axis)
        return (undo(kernels.softmax_backward_lastdim(_rows(y, ctx.axis)[0], grows)),)

    @staticmethod
    def backward_graph(ctx, g):
        y = ctx.output_tensor(ctx.saved[0])
        return (y * (g - (g * y).sum(dim=ctx.axis, keepdim=True)),)


class LogSoftmax(Function):
    """y = x - max - log(sum(exp(x - max))) along axis;  dx = g - exp(y) * sum(g)."""

    @staticmethod
    def forward(ctx, x, axis=-1):
        rows, undo = _rows(x, axis)
        y = undo(kernels.log_softmax_lastdim(rows))
        ctx.save_for_backward(y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        grows, undo = _rows(g, ctx.axis)
        return (undo(kernels.log_softmax_backward_lastdim(_rows(y, ctx.axis)[0], grows)),)

    @staticmethod
    def backward_graph(ctx, g):
        y = ctx.output_tensor(ctx.saved[0])
        return (g - y.exp() * g.sum(dim=ctx.axis, keepdim=True),)
