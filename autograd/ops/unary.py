"""Elementwise unary math on floating-point arrays: trigonometric, log1p/expm1, rsqrt."""
import numpy as np

from ..function import Function


class Sin(Function):
    """y = sin(x);  dx = g * cos(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):  # nan at +-inf, as PyTorch
            return np.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        with np.errstate(invalid="ignore"):
            return (g * np.cos(x),)

    @staticmethod
    def backward_graph(ctx, g):
        return (g * ctx.input_tensor(0, ctx.saved[0]).cos(),)


class Cos(Function):
    """y = cos(x);  dx = -g * sin(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):
            return np.cos(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        with np.errstate(invalid="ignore"):
            return (-g * np.sin(x),)

    @staticmethod
    def backward_graph(ctx, g):
        return (-g * ctx.input_tensor(0, ctx.saved[0]).sin(),)


class Tan(Function):
    """y = tan(x);  dx = g * (1 + y^2)."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(invalid="ignore"):
            y = np.tan(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        return (g * (1 + y * y),)

    @staticmethod
    def backward_graph(ctx, g):
        y = ctx.output_tensor(ctx.saved[0])
        return (g * (1 + y * y),)


class Log1p(Function):
    """y = log(1 + x), exact for small x;  dx = g / (1 + x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):  # -inf / nan, as PyTorch
            return np.log1p(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        with np.errstate(divide="ignore"):
            return (g / (1 + x),)

    @staticmethod
    def backward_graph(ctx, g):
        return (g / (1 + ctx.input_tensor(0, ctx.saved[0])),)


class Expm1(Function):
    """y = exp(x) - 1, exact for small x;  dx = g * (y + 1)."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(over="ignore"):
            y = np.expm1(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        return (g * (y + 1),)

    @staticmethod
    def backward_graph(ctx, g):
        return (g * (ctx.output_tensor(ctx.saved[0]) + 1),)


class Rsqrt(Function):
    """y = 1 / sqrt(x);  dx = -g * y^3 / 2."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(divide="ignore", invalid="ignore"):  # inf at 0, nan below, as PyTorch
            y = 1 / np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        with np.errstate(invalid="ignore", over="ignore"):
            return (g * (y * y * y * y.dtype.type(-0.5)),)

    @staticmethod
    def backward_graph(ctx, g):
        y = ctx.output_tensor(ctx.saved[0])
        return (g * (y * y * y * -0.5),)
