"""Sampled: the op behind the random draws that take tensor parameters (normal, bernoulli,
poisson). Its value is drawn by the caller; it is recorded only so that the result requires
grad when a parameter does, as in PyTorch, whose gradient for these draws is zero."""
import numpy as np

from ..function import Function, constant


class Sampled(Function):
    """y = value (drawn from a distribution with the inputs as parameters);
    each dx = 0, as PyTorch's bernoulli, normal and poisson give."""

    @staticmethod
    def forward(ctx, *params, value):
        ctx.inputs = [(p.shape, p.dtype) for p in params]
        return value

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.zeros(shape, dtype) for shape, dtype in ctx.inputs)

    @staticmethod
    def backward_graph(ctx, grad):
        return tuple(constant(np.zeros(shape, dtype)) for shape, dtype in ctx.inputs)
