"""The mantissa of frexp as an op: x = mantissa * 2**exponent with 0.5 <= |mantissa| < 1.

The exponent is an integer output with no gradient (Tensor.frexp returns it as a constant).
The mantissa is computed by numpy exactly, not as x * 2**-exponent: that product overflows
for subnormal inputs, whose 2**-exponent is beyond the largest float."""
import numpy as np

from ..function import Function, constant


class Mantissa(Function):
    """y = frexp(x).mantissa;  dx = g * 2**-exponent (PyTorch: grad / exponent.exp2())."""

    @staticmethod
    def forward(ctx, x):
        mantissa, exponent = np.frexp(x)
        ctx.exponent = exponent
        return mantissa

    @staticmethod
    def backward(ctx, g):
        with np.errstate(over="ignore"):   # inf for subnormal inputs, as torch's
            return (np.ldexp(g, -ctx.exponent).astype(g.dtype, copy=False),)

    @staticmethod
    def backward_graph(ctx, g):
        with np.errstate(over="ignore"):
            scale = np.ldexp(np.ones((), g.dtype), -ctx.exponent).astype(g.dtype, copy=False)
        return (g * constant(scale),)
