"""The normal distribution's special functions on arrays: erfcx (the scaled complementary error
function exp(x^2) erfc(x)), log_ndtr (log of the standard normal CDF) and ndtri (its inverse).
ndarray in, same-shape ndarray out; computed in float64 and rounded once to the input dtype.

One jitted driver serves the three (one compile per cold cache). erfcx multiplies libm's erfc
by exp(x^2) with x^2 carried in two doubles (exp of a rounded x^2 would lose ~x^2 ulp), and
sums the asymptotic series where erfc underflows; log_ndtr is PyTorch's formula on top of it;
ndtri solves Phi(x) = p by Newton's method, in log(Phi) in the tails, so that tiny p keep
their digits.
"""
import math

import numba as nb
import numpy as np

from .special import _erfinv_one, _unary

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)

SQRT_PI = math.sqrt(math.pi)
SQRT1_2 = math.sqrt(0.5)
SQRT2 = math.sqrt(2.0)
SQRT_PI_2 = math.sqrt(math.pi / 2.0)
LOG_DBL_MAX = 709.782712893384
ERFCX, LOG_NDTR, NDTRI = 0, 1, 2


@_jit
def _exp_square(x):
    """exp(x^2) for |x| < 27, x^2 split exactly into hi + lo (Dekker)."""
    hi = x * x
    c = 134217729.0 * x
    xh = c - (c - x)
    xl = x - xh
    lo = ((xh * xh - hi) + 2.0 * xh * xl) + xl * xl
    return math.exp(hi) * (1.0 + lo)


@_jit
def _erfcx_one(x):
    if x != x:
        return x
    if x < 0.0:
        if x * x > LOG_DBL_MAX:   # 2 exp(x^2) overflows (math.exp would raise without the jit)
            return math.inf
        return 2.0 * _exp_square(x) - _erfcx_one(-x)
    if x < 26.0:   # erfc(x) is still a normal number
        return _exp_square(x) * math.erfc(x)
    if x > 1e9:    # the series' first correction, 1 / (2x^2), is below an ulp
        return (1.0 / SQRT_PI) / x
    # erfcx(x) ~ 1/(x sqrt(pi)) sum_k (-1)^k (2k-1)!! / (2x^2)^k; terms fall until k ~ x^2
    z = 0.5 / (x * x)
    term, total, k = 1.0, 1.0, 0.0
    while abs(term) > 1e-17:
        k += 1.0
        term *= -(2.0 * k - 1.0) * z
        total += term
    return total / (x * SQRT_PI)


@_jit
def _log_ndtr_one(x):
    """PyTorch's calc_log_ndtr: erfcx below -1 keeps the far left tail finite."""
    if x == -math.inf:
        return -math.inf
    t = x * SQRT1_2
    if x < -1.0:
        return math.log(_erfcx_one(-t) / 2.0) - t * t
    return math.log1p(-math.erfc(t) / 2.0)


@_jit
def _ndtr_lower(p):
    """Phi^-1(p) for 0 < p < 0.25: Newton on log(Phi(x)) = log(p), which is concave, so the
    iterates rise monotonically from a start left of the root. log(Phi) and Phi / phi come from
    erfcx, so subnormal p (and Phi underflowing on the way) keep their digits."""
    target = math.log(p)
    x = -math.sqrt(-2.0 * target)
    for _ in range(60):
        t = x * SQRT1_2
        scaled = _erfcx_one(-t)   # Phi(x) = erfcx(-t) exp(-t^2) / 2
        step = (math.log(scaled / 2.0) - t * t - target) * SQRT_PI_2 * scaled   # Phi / phi
        x -= step
        if abs(step) <= 1e-16 * abs(x):
            break
    return x


@_jit
def _ndtri_one(p):
    if not 0.0 <= p <= 1.0:
        return math.nan
    if p == 0.0:
        return -math.inf
    if p == 1.0:
        return math.inf
    if p < 0.25:
        return _ndtr_lower(p)
    if p > 0.75:
        return -_ndtr_lower(1.0 - p)   # 1 - p is exact here
    # p - 0.5 is exact on [0.25, 0.75]: the centre keeps its relative accuracy near p = 1/2
    return SQRT2 * _erfinv_one(2.0 * (p - 0.5))


@_jit
def _normal(kind, x, out):
    if kind == ERFCX:
        for i in range(x.size):
            out[i] = _erfcx_one(x[i])
    elif kind == LOG_NDTR:
        for i in range(x.size):
            out[i] = _log_ndtr_one(x[i])
    else:
        for i in range(x.size):
            out[i] = _ndtri_one(x[i])


def _apply(kind, x):
    return _unary(_normal, x, np.int64(kind))


def erfcx(x):
    """exp(x^2) erfc(x): inf below about -26.6, ~1/(x sqrt(pi)) for large x."""
    return _apply(ERFCX, x)


def log_ndtr(x):
    """log(Phi(x)), Phi the standard normal CDF; finite far into the left tail."""
    return _apply(LOG_NDTR, x)


def ndtri(p):
    """Phi^-1(p) on [0, 1]: -inf at 0, inf at 1, nan outside."""
    return _apply(NDTRI, p)
