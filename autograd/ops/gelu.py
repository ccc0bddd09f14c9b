"""Gaussian error linear unit, exact (erf) or with PyTorch's tanh approximation."""
from __future__ import annotations

import numpy as np

from ..function import Function
from ..kernels.gelu import (INV_SQRT_2PI, SQRT_2_OVER_PI, TANH_COEF, gelu_backward,
                            gelu_forward)

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

    @staticmethod
    def backward_graph(ctx, g):
        slope = GELUSlope.apply(ctx.input_tensor(0, ctx.saved[0]), aux=ctx.aux,
                                approximate=ctx.approximate)
        return (g * slope,)


class GELUSlope(Function):
    """y = gelu'(x) (from the kernel of GELU's VJP);  dx = g gelu''(x): phi(x) (2 - x^2), or
    for the tanh form (1 - T^2) (u' - x T u'^2 + x u''/2), T = tanh u. GELU's recorded VJP
    is g * y. x: any shape -> same."""

    @staticmethod
    def forward(ctx, x, aux=None, approximate="none"):
        if aux is None:
            aux = gelu_forward(x, approximate)[1]
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        return gelu_backward(x, aux, np.ones_like(x), approximate)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        curve = _second_derivative(np.asarray(x, np.float64), ctx.approximate, np)
        return (g * curve.astype(x.dtype),)

    @staticmethod
    def backward_graph(ctx, g):
        return (g * _second_derivative(ctx.input_tensor(0, ctx.saved[0]), ctx.approximate),)


def _second_derivative(x, approximate, lib=None):
    """gelu''(x) of an ndarray (lib=np) or a Tensor (recorded: the third derivative)."""
    xx = x * x
    if approximate != "tanh":
        gauss = np.exp(-0.5 * xx) if lib is np else (xx * -0.5).exp()
        return gauss * INV_SQRT_2PI * (2 - xx)
    u = (x + xx * x * TANH_COEF) * SQRT_2_OVER_PI
    t = np.tanh(u) if lib is np else u.tanh()
    du = (xx * (3 * TANH_COEF) + 1) * SQRT_2_OVER_PI
    ddu = x * (6 * TANH_COEF * SQRT_2_OVER_PI)
    return (1 - t * t) * (du - x * t * du * du + 0.5 * x * ddu)
