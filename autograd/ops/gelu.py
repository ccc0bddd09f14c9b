"""Gaussian error linear unit, exact (erf) or with PyTorch's tanh approximation."""
from __future__ import annotations

from ..function import Function
from ..kernels.gelu import gelu_backward, gelu_forward

APPROXIMATIONS = ("none", "tanh")


class GELU(Function):
    """y = x Phi(x);  dx = g (Phi(x) + x phi(x))  (tanh form: y = 0.5 x (1 + tanh u),
    u = sqrt(2/pi) (x + 0.044715 x^3)).  x: any shape -> same."""

    @staticmethod
    def forward(ctx, x, approximate="none"):
        y, aux = gelu_forward(x, approximate)
        ctx.save_for_backward(x)
        ctx.aux, ctx.approximate = aux, approximate
        return y

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        return (gelu_backward(x, ctx.aux, g, ctx.approximate),)
