"""Special functions and the binary elementwise ops whose edge cases need their own VJP
(xlogy at x = 0, logaddexp at infinities, fmax's ties and NaNs, sinc at 0). Each VJP is
PyTorch's formula, so gradients agree with it at the edge points too."""
import math

import numpy as np

from ..function import Function, constant
from ..kernels import special as K
from .arithmetic import Where
from .clamp import kept_graph
from .index import Flip

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

    @staticmethod
    def backward_graph(ctx, g):
        x = ctx.input_tensor(0, ctx.saved[0])
        with np.errstate(over="ignore"):
            return (g * (TWO_OVER_SQRT_PI * (-x * x).exp()),)


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

    @staticmethod
    def backward_graph(ctx, g):
        x = ctx.input_tensor(0, ctx.saved[0])
        with np.errstate(over="ignore"):
            return (g * (-TWO_OVER_SQRT_PI * (-x * x).exp()),)


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

    @staticmethod
    def backward_graph(ctx, g):
        y = ctx.output_tensor(ctx.saved[0])
        with np.errstate(**_quiet):
            return (g * (HALF_SQRT_PI * (y * y).exp()),)


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

    @staticmethod
    def backward_graph(ctx, g):
        with np.errstate(**_quiet):
            return (g * Polygamma.apply(ctx.input_tensor(0, ctx.saved[0]), n=0),)


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

    @staticmethod
    def backward_graph(ctx, g):
        with np.errstate(**_quiet):
            return (g * Polygamma.apply(ctx.input_tensor(0, ctx.saved[0]), n=ctx.n + 1),)


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

    @staticmethod
    def backward_graph(ctx, g):
        with np.errstate(**_quiet):
            return (g * I1.apply(ctx.input_tensor(0, ctx.saved[0])),)


class I1(Function):
    """y = I_1(x): I0's derivative, recorded (create_graph=True);  dx = g * (I_0(x) - y / x),
    1/2 unless |x| > eps (PyTorch's i1_backward: the formula is 0/0 at 0; a nan x gets 1/2)."""

    @staticmethod
    def forward(ctx, x):
        y = K.bessel_i(1, x)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        tiny = ~(np.abs(x) > np.finfo(x.dtype).eps)
        safe = np.where(tiny, x.dtype.type(1), x)
        with np.errstate(**_quiet):
            return (g * np.where(tiny, x.dtype.type(0.5), K.bessel_i(0, safe) - y / safe),)

    @staticmethod
    def backward_graph(ctx, g):
        x, y = ctx.saved
        tiny = constant(~(np.abs(x) > np.finfo(x.dtype).eps))
        safe = ctx.input_tensor(0, x).masked_fill(tiny, 1)
        with np.errstate(**_quiet):
            d = I0.apply(safe) - ctx.output_tensor(y) / safe
            return (g * d.masked_fill(tiny, 0.5),)


class Sinc(Function):
    """y = sin(pi x) / (pi x), 1 at 0;  dx = g * (cos(t) t - sin(t)) / (t x), t = pi x, 0 at 0
    (a select, as PyTorch's: an inf or nan g gives 0 there). Below |t| = 0.1 the VJP takes
    the Taylor series: PyTorch's formula cancels there (relative error ~1e-16 / t^2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(**_quiet):   # pi x overflows float32 past 1.1e38: nan, as PyTorch
            t = x * x.dtype.type(math.pi)
            y = np.sin(t) / t
        return np.where(x == 0, x.dtype.type(1), y)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        with np.errstate(**_quiet):
            t = x * x.dtype.type(math.pi)
            d = (np.cos(t) * t - np.sin(t)) / (t * x)
            t2 = t * t
            # (t cos t - sin t) / t^2 = -t/3 + t^3/30 - t^5/840 + t^7/45360 - ...
            series = math.pi * t * (-1 / 3 + t2 * (1 / 30 + t2 * (-1 / 840 + t2 / 45360)))
            dx = g * np.where(np.abs(t) < 0.1, series, d).astype(x.dtype, copy=False)
            return (np.where(x == 0, x.dtype.type(0), dx),)

    @staticmethod
    def backward_graph(ctx, g):
        (x,) = ctx.saved
        small = np.abs(x * x.dtype.type(math.pi)) < 0.1
        xt = ctx.input_tensor(0, x)
        t = xt * math.pi
        # each branch on the inputs it is meant for (x = 1 in the formula's masked-out
        # places): a 0/0 there would reach the second derivative through the mask
        xf = xt.masked_fill(constant(small), 1)
        tf = xf * math.pi
        with np.errstate(**_quiet):
            d = (tf.cos() * tf - tf.sin()) / (tf * xf)
            t2 = t * t
            series = math.pi * t * (-1 / 3 + t2 * (1 / 30 + t2 * (-1 / 840 + t2 / 45360)))
            dx = g * Where.apply(series, d, cond=small)
            # zero at x = 0 where g is inf or nan; where g is finite, g * series is 0 there
            # already and keeps the series' derivative (sinc''(0) = -pi^2 / 3)
            blocked = (x == 0) & ~np.isfinite(g._data)
        return (kept_graph(ctx, dx, ~blocked, (0, x)) if blocked.any() else dx,)


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

    @staticmethod
    def backward_graph(ctx, g):
        # PyTorch's formulas: dx = xlogy(g, y), recorded, with 0 where x == 0 and y <= edge
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        yt = ctx.input_tensor(1, y)
        edge = -1 if ctx.log1p else 0
        dx = dy = None
        with np.errstate(**_quiet):
            if need_x:
                dx = Xlogy.apply(g, yt, log1p=ctx.log1p).masked_fill(
                    constant((x == 0) & (y <= edge)), 0)
            if need_y:
                dy = g * ctx.input_tensor(0, x) / ((1 + yt) if ctx.log1p else yt)
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

    @staticmethod
    def backward_graph(ctx, g):
        # 1 / (1 + b^(y - x)) is the logistic sigmoid of (x - y) ln b: its recorded VJP
        # y (1 - y) stays finite where b^(y - x) overflows
        x, y = ctx.saved
        d = ctx.input_tensor(0, x) - ctx.input_tensor(1, y)
        if ctx.base2:
            d = d * math.log(2.0)
        with np.errstate(**_quiet):
            return g * d.sigmoid(), g * (-d).sigmoid()


class Hypot(Function):
    """z = sqrt(x^2 + y^2) without overflow;  dx = g x / z,  dy = g y / z (NaN at the origin,
    as PyTorch)."""

    @staticmethod
    def forward(ctx, x, y):
        with np.errstate(**_quiet):   # inf past the dtype's largest value, as PyTorch
            z = np.hypot(x, y)
        ctx.save_for_backward(x, y, z)
        return z

    @staticmethod
    def backward(ctx, g):
        x, y, z = ctx.saved
        with np.errstate(**_quiet):
            return g * x / z, g * y / z

    @staticmethod
    def backward_graph(ctx, g):
        x, y, z = ctx.saved
        zt = ctx.output_tensor(z)
        with np.errstate(**_quiet):
            return g * ctx.input_tensor(0, x) / zt, g * ctx.input_tensor(1, y) / zt


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

    @staticmethod
    def backward_graph(ctx, g):
        # torch's formula as it stands (copysign_tensor_self_backward): z / x is +-1, but as
        # a quotient of the input and the output it links dx to x, and its derivative is
        # 0 where x is finite and nonzero, NaN at 0 (0 / 0 in the division's VJP) and inf
        x, z = ctx.saved
        with np.errstate(**_quiet):
            ratio = (ctx.output_tensor(z) / ctx.input_tensor(0, x)).masked_fill(x == 0, 0)
            return g * ratio, constant(np.zeros(g.shape, g.dtype))


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

    @staticmethod
    def backward_graph(ctx, g):
        take_x = constant(ctx.saved[0])
        return g.masked_fill(~take_x, 0), g.masked_fill(take_x, 0)


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

    @staticmethod
    def backward_graph(ctx, g):
        return (g.masked_fill(constant(~ctx.saved[0]), 0),
                constant(np.zeros(g.shape, g.dtype)))


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

    @staticmethod
    def backward_graph(ctx, g):
        x, y = ctx.saved
        axis = ctx.axis
        xt, yt = ctx.input_tensor(0, x), ctx.output_tensor(y)

        def reverse_lcse(v):
            return Flip.apply(LogCumSumExp.apply(Flip.apply(v, axes=(axis,)), axis=axis),
                              axes=(axis,))

        g_data = g._data
        lowest = float(np.finfo(g_data.dtype).min)
        with np.errstate(**_quiet):
            # |g| is 1 where g is 0 before its log: log(0) would give the second derivative
            # 0 / 0 through the mask
            log_abs = g.abs().masked_fill(constant(g_data == 0), 1).log()
            pos = log_abs.masked_fill(constant(~(g_data > 0)), lowest)
            neg = log_abs.masked_fill(constant(~(g_data < 0)), lowest)
            return ((reverse_lcse(pos - yt) + xt).exp() - (reverse_lcse(neg - yt) + xt).exp(),)


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

    @staticmethod
    def backward_graph(ctx, g):
        (x,) = ctx.saved
        eps = ctx.eps
        if eps is None or eps < 0:
            out, fill = (x < 0) | (x > 1), np.nan
        else:
            out, fill = (x < eps) | (x > 1 - eps), 0
        # x is 1/2 where the mask fills in the result: a 0 there (x = 0 below eps) would give
        # the second derivative 0 / 0 through the mask
        mask = constant(out)
        xt = ctx.input_tensor(0, x).masked_fill(mask, 0.5)
        with np.errstate(**_quiet):
            return ((g / (xt * (1 - xt))).masked_fill(mask, fill),)
