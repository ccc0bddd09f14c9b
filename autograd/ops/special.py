"""Special functions and the binary elementwise ops whose edge cases need their own VJP
(xlogy at x = 0, logaddexp at infinities, fmax's ties and NaNs, sinc at 0). Each VJP is
PyTorch's formula, so gradients agree with it at the edge points too."""
import math

import numpy as np

from ..function import Function
from ..kernels import special as K

_quiet = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
HALF_SQRT_PI = 0.5 * math.sqrt(math.pi)
INV_LN2 = 1.0 / math.log(2.0)


class Erf(Function):
    """y = erf(x);  dx = g * 2/sqrt(pi) exp(-x^2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return K.erf(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        with np.errstate(over="ignore"):   # x^2 overflows to inf: exp gives the right 0
            return (g * (TWO_OVER_SQRT_PI * np.exp(-x * x)),)


class Erfc(Function):
    """y = 1 - erf(x);  dx = -g * 2/sqrt(pi) exp(-x^2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return K.erfc(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        with np.errstate(over="ignore"):   # x^2 overflows to inf: exp gives the right 0
            return (g * (-TWO_OVER_SQRT_PI * np.exp(-x * x)),)


class Erfinv(Function):
    """y = erfinv(x);  dx = g * sqrt(pi)/2 exp(y^2) (inf at +-1)."""

    @staticmethod
    def forward(ctx, x):
        y = K.erfinv(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        with np.errstate(**_quiet):
            return (g * (HALF_SQRT_PI * np.exp(y * y)),)


class Lgamma(Function):
    """y = log|Gamma(x)|;  dx = g * digamma(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return K.lgamma(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        with np.errstate(**_quiet):
            return (g * K.polygamma(0, x),)


class Polygamma(Function):
    """y = psi^(n)(x) (n = 0: digamma);  dx = g * psi^(n+1)(x)."""

    @staticmethod
    def forward(ctx, x, n):
        ctx.save_for_backward(x)
        ctx.n = n
        return K.polygamma(n, x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        with np.errstate(**_quiet):
            return (g * K.polygamma(ctx.n + 1, x),)


class I0(Function):
    """y = I_0(x), the modified Bessel function;  dx = g * I_1(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return K.bessel_i(0, x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        with np.errstate(**_quiet):
            return (g * K.bessel_i(1, x),)


class Sinc(Function):
    """y = sin(pi x) / (pi x), 1 at 0;  dx = g * (cos(t) t - sin(t)) / (t x), t = pi x, 0 at 0.
    Below |t| = 0.1 the VJP takes the Taylor series: PyTorch's formula cancels there
    (relative error ~1e-16 / t^2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        t = x * x.dtype.type(math.pi)
        with np.errstate(**_quiet):
            y = np.sin(t) / t
        return np.where(x == 0, x.dtype.type(1), y)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        t = x * x.dtype.type(math.pi)
        with np.errstate(**_quiet):
            d = (np.cos(t) * t - np.sin(t)) / (t * x)
            t2 = t * t
            # (t cos t - sin t) / t^2 = -t/3 + t^3/30 - t^5/840 + t^7/45360 - ...
            series = math.pi * t * (-1 / 3 + t2 * (1 / 30 + t2 * (-1 / 840 + t2 / 45360)))
        return (g * np.where(np.abs(t) < 0.1, series, d).astype(x.dtype, copy=False),)


class Xlogy(Function):
    """z = x * log(y) (log1p(y) with log1p=True), 0 where x == 0 unless y is NaN;
    dx = g * log(y), 0 where x == 0 and y <= 0 (-1 for log1p);  dy = g * x / y (x / (1+y))."""

    @staticmethod
    def forward(ctx, x, y, log1p=False):
        ctx.save_for_backward(x, y)
        ctx.log1p = log1p
        with np.errstate(**_quiet):
            z = x * (np.log1p(y) if log1p else np.log(y))
        return np.where((x == 0) & ~np.isnan(y), x.dtype.type(0), z)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        edge = -1 if ctx.log1p else 0
        with np.errstate(**_quiet):
            log = np.log1p(y) if ctx.log1p else np.log(y)
            dx = np.where((x == 0) & (y <= edge), g.dtype.type(0),
                          np.where((g == 0) & ~np.isnan(y), 0, g * log))
            dy = g * x / ((1 + y) if ctx.log1p else y)
        return dx, dy


class LogAddExp(Function):
    """z = log(b^x + b^y) for base b = e or 2 (the max plus a log1p; an infinity equal on both
    sides is the result);  dx = g / (1 + b^(y - x)),  dy = g / (1 + b^(x - y))."""

    @staticmethod
    def forward(ctx, x, y, base2=False):
        ctx.save_for_backward(x, y)
        ctx.base2 = base2
        with np.errstate(**_quiet):
            m = np.maximum(x, y)
            d = -np.abs(x - y)
            z = m + (np.log1p(np.exp2(d)) * INV_LN2 if base2 else np.log1p(np.exp(d)))
            return np.where(np.isinf(x) & (x == y), x, z).astype(m.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        power = np.exp2 if ctx.base2 else np.exp
        with np.errstate(**_quiet):
            return g / (1 + power(y - x)), g / (1 + power(x - y))


class Hypot(Function):
    """z = sqrt(x^2 + y^2) without overflow;  dx = g x / z,  dy = g y / z (NaN at the origin,
    as PyTorch)."""

    @staticmethod
    def forward(ctx, x, y):
        z = np.hypot(x, y)
        ctx.save_for_backward(x, y, z)
        return z

    @staticmethod
    def backward(ctx, g):
        x, y, z = ctx.saved
        with np.errstate(**_quiet):
            return g * x / z, g * y / z


class Copysign(Function):
    """z = |x| with y's sign;  dx = g * z / x (0 at x = 0),  dy = 0."""

    @staticmethod
    def forward(ctx, x, y):
        z = np.copysign(x, y)
        ctx.save_for_backward(x, z)
        return z

    @staticmethod
    def backward(ctx, g):
        x, z = ctx.saved
        with np.errstate(**_quiet):
            ratio = np.where(x == 0, 0, z / x)
        return g * ratio, np.zeros_like(g)


class FMaxMin(Function):
    """z = the larger (smaller) of x and y, a NaN losing to a number; ties go to x;
    dx = g where x was taken, dy = g elsewhere (not shared at ties, as PyTorch)."""

    @staticmethod
    def forward(ctx, x, y, largest=True):
        with np.errstate(invalid="ignore"):
            take_x = ((x >= y) if largest else (x <= y)) | np.isnan(y)
        ctx.save_for_backward(take_x)
        return np.where(take_x, x, y)

    @staticmethod
    def backward(ctx, g):
        (take_x,) = ctx.saved
        zero = g.dtype.type(0)
        return np.where(take_x, g, zero), np.where(take_x, zero, g)


class NextAfter(Function):
    """z = the next float after x towards y;  dx = g where x != y (0 where equal),  dy = 0:
    what PyTorch 2.13 returns."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x != y)
        return np.nextafter(x, y)

    @staticmethod
    def backward(ctx, g):
        (moved,) = ctx.saved
        return np.where(moved, g, g.dtype.type(0)), np.zeros_like(g)


class LogCumSumExp(Function):
    """y_k = log sum_{j<=k} exp(x_j) along axis;  dx_j = sum_{k>=j} g_k exp(x_j - y_k), summed
    in log space for the positive and the negative parts of g (PyTorch's formula, so it
    neither overflows nor underflows)."""

    @staticmethod
    def forward(ctx, x, axis):
        y = K.logcumsumexp(x, axis)
        ctx.save_for_backward(x, y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        axis = ctx.axis

        def reverse_lcse(v):
            return np.flip(K.logcumsumexp(np.flip(v, axis), axis), axis)

        lowest = np.finfo(g.dtype).min
        with np.errstate(**_quiet):
            log_abs = np.log(np.abs(g))
            pos = np.where(g > 0, log_abs, lowest)
            neg = np.where(g < 0, log_abs, lowest)
            return (np.exp(reverse_lcse(pos - y) + x) - np.exp(reverse_lcse(neg - y) + x),)


class Logit(Function):
    """y = log(z / (1 - z)), z = x clamped to [eps, 1 - eps] (eps None or < 0: no clamp);
    dx = g / (x (1 - x)): 0 outside [eps, 1 - eps], nan outside [0, 1] without eps."""

    @staticmethod
    def forward(ctx, x, eps=None):
        ctx.save_for_backward(x)
        ctx.eps = eps
        if eps is not None and eps >= 0:
            lo, hi = x.dtype.type(eps), x.dtype.type(1 - eps)
            x = np.where(x < lo, lo, np.where(x > hi, hi, x))
        with np.errstate(**_quiet):
            return np.log(x / (1 - x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        eps = ctx.eps
        with np.errstate(**_quiet):
            d = g / (x * (1 - x))
        if eps is None or eps < 0:
            return (np.where((x < 0) | (x > 1), x.dtype.type(np.nan), d),)
        return (np.where((x < eps) | (x > 1 - eps), x.dtype.type(0), d),)
