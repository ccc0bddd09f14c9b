"""torch.special's functions of the normal distribution (erfcx, log_ndtr, ndtri), entr and the
scaled Bessel functions i0e/i1e, Hurwitz zeta and the regularized incomplete gamma
functions. Each VJP is PyTorch's formula, so gradients agree with it at
the edges too (entr's inf at 0 and nan below, ndtri's inf at 0 and 1); log_ndtr and entr are
Functions rather than compositions because their branches would leak nan gradients."""
import math

import numpy as np

from ..function import Function, constant
from ..kernels import incomplete_gamma as G
from ..kernels import normal as N
from ..kernels import special as K

_quiet = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
SQRT_2PI = math.sqrt(2.0 * math.pi)


class Erfcx(Function):
    """y = exp(x^2) erfc(x);  dx = g * (2 x y - 2/sqrt(pi))."""

    @staticmethod
    def forward(ctx, x):
        y = N.erfcx(x)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        with np.errstate(**_quiet):
            return (g * (2 * x * y - x.dtype.type(TWO_OVER_SQRT_PI)),)

    @staticmethod
    def backward_graph(ctx, g):
        x, y = ctx.saved
        with np.errstate(**_quiet):
            d = 2 * ctx.input_tensor(0, x) * ctx.output_tensor(y) - TWO_OVER_SQRT_PI
            return (g * d,)


class LogNdtr(Function):
    """y = log(Phi(x));  dx = g * phi(x) / Phi(x) = g exp(-(y + x^2/2)) / sqrt(2 pi)."""

    @staticmethod
    def forward(ctx, x):
        y = N.log_ndtr(x)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        with np.errstate(**_quiet):
            return (g / x.dtype.type(SQRT_2PI) * np.exp(-(y + x * x / 2)),)

    @staticmethod
    def backward_graph(ctx, g):
        x, y = ctx.saved
        x, y = ctx.input_tensor(0, x), ctx.output_tensor(y)
        with np.errstate(**_quiet):
            return (g / SQRT_2PI * (-(y + x * x / 2)).exp(),)


class Ndtri(Function):
    """y = Phi^-1(p);  dp = g * sqrt(2 pi) exp(y^2 / 2) (inf at 0 and 1)."""

    @staticmethod
    def forward(ctx, p):
        y = N.ndtri(p)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        with np.errstate(**_quiet):
            return (g * (y.dtype.type(SQRT_2PI) * np.exp(y * y / 2)),)

    @staticmethod
    def backward_graph(ctx, g):
        y = ctx.output_tensor(ctx.saved[0])
        with np.errstate(**_quiet):
            return (g * (SQRT_2PI * (y * y / 2).exp()),)


class Entr(Function):
    """y = -x log(x), 0 at 0, -inf below;  dx = -g (1 + log(x)) (inf at 0, nan below)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(**_quiet):
            y = np.where(x > 0, -x * np.log(x), x.dtype.type(0))
        return np.where(x < 0, x.dtype.type(-np.inf), np.where(np.isnan(x), x, y))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        with np.errstate(**_quiet):
            return (g * -(1 + np.log(x)),)

    @staticmethod
    def backward_graph(ctx, g):
        x = ctx.input_tensor(0, ctx.saved[0])
        with np.errstate(**_quiet):
            return (g * -(1 + x.log()),)


class I0e(Function):
    """y = exp(-|x|) I_0(x);  dx = g * (i1e(x) - sgn(x) y)."""

    @staticmethod
    def forward(ctx, x):
        y = K.bessel_i(0, x, scaled=True)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        with np.errstate(**_quiet):
            return (g * (K.bessel_i(1, x, scaled=True) - np.sign(x) * y),)

    @staticmethod
    def backward_graph(ctx, g):
        x, y = ctx.saved
        xt = ctx.input_tensor(0, x)
        with np.errstate(**_quiet):
            return (g * (I1e.apply(xt) - constant(np.sign(x)) * ctx.output_tensor(y)),)


class I1e(Function):
    """y = exp(-|x|) I_1(x);  dx = g * (i0e(x) - y (sgn(x) + 1/x)), 1/2 unless |x| > eps
    (PyTorch's i1e_backward: the formula is 0/0 at 0, and a nan x gets 1/2 too)."""

    @staticmethod
    def forward(ctx, x):
        y = K.bessel_i(1, x, scaled=True)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        tiny = ~(np.abs(x) > np.finfo(x.dtype).eps)
        safe = np.where(tiny, x.dtype.type(1), x)
        with np.errstate(**_quiet):
            d = K.bessel_i(0, safe, scaled=True) - y * (np.sign(safe) + 1 / safe)
            return (g * np.where(tiny, x.dtype.type(0.5), d),)

    @staticmethod
    def backward_graph(ctx, g):
        x, y = ctx.saved
        tiny = ~(np.abs(x) > np.finfo(x.dtype).eps)
        safe = ctx.input_tensor(0, x).masked_fill(constant(tiny), 1)
        with np.errstate(**_quiet):
            d = I0e.apply(safe) - ctx.output_tensor(y) * (constant(np.sign(safe.data)) + 1 / safe)
            return (g * d.masked_fill(constant(tiny), 0.5),)


class Zeta(Function):
    """z = zeta(x, q), the Hurwitz zeta function;  dq = -g x zeta(x + 1, q). No derivative in
    x, as in PyTorch (its backward raises)."""

    @staticmethod
    def forward(ctx, x, q):
        ctx.save_for_backward(x, q)
        return K.zeta(x, q)

    @staticmethod
    def backward(ctx, g):
        x, q = ctx.saved
        _no_x_derivative(ctx)
        with np.errstate(**_quiet):
            return None, g * -x * K.zeta(x + 1, q)

    @staticmethod
    def backward_graph(ctx, g):
        x, q = ctx.saved
        _no_x_derivative(ctx)
        with np.errstate(**_quiet):
            return None, g * constant(-x) * Zeta.apply(constant(x + 1), ctx.input_tensor(1, q))


class GammaInc(Function):
    """z = P(a, x) (upper: Q(a, x) = 1 - P);  dx = +-g x^(a-1) e^-x / Gamma(a), as PyTorch's
    exp((a - 1) log x - x - lgamma(a)). No derivative in a, as in PyTorch."""

    @staticmethod
    def forward(ctx, a, x, upper=False):
        ctx.save_for_backward(a, x)
        ctx.upper = upper
        return G.gammainc(a, x, upper)

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved
        _no_x_derivative(ctx, "gammaincc" if ctx.upper else "gammainc", "a")
        with np.errstate(**_quiet):
            d = np.exp((a - 1) * np.log(x) - x - K.lgamma(a))
            return None, g * (-d if ctx.upper else d)

    @staticmethod
    def backward_graph(ctx, g):
        a, x = ctx.saved
        _no_x_derivative(ctx, "gammaincc" if ctx.upper else "gammainc", "a")
        xt = ctx.input_tensor(1, x)
        with np.errstate(**_quiet):
            d = (constant(a - 1) * xt.log() - xt - constant(K.lgamma(a))).exp()
            return None, g * (-d if ctx.upper else d)


def _no_x_derivative(ctx, op="zeta", name="x"):
    if ctx.needs_input_grad[0]:
        raise NotImplementedError(f"{op}: the derivative for 'input' ({name}) is not "
                                  f"implemented, as in PyTorch; only 'other' has one")


def angle(x):
    """The argument of a real number: pi below 0, 0 otherwise, nan at nan."""
    return np.where(x < 0, x.dtype.type(np.pi), np.where(np.isnan(x), x, x.dtype.type(0)))
