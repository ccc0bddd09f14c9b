"""The regularized incomplete gamma functions P(a, x) (gammainc) and Q(a, x) = 1 - P
(gammaincc) on broadcast float arrays, computed in float64 and rounded once.

PyTorch's branches (Cephes igam/igamc): the power series of P where x <= max(a, 1), Legendre's
continued fraction of Q beyond, and a series of Q for small x that keeps Q's digits as
a -> 0. The common factor x^a e^-x / Gamma(a) is sqrt(a / 2 pi) exp(a log1pmx((x - a) / a) -
stirlerr(a)), which has no cancellation when x is near a large a (a log x - x - lgamma(a)
would lose ~log10(a) digits there; that formula serves where |x - a| > 0.4 a, as in PyTorch).
PyTorch's Temme expansion for large a near x is left out: the series and the fraction converge
there too, in O(sqrt(a)) steps, and more accurately (PyTorch's is good to ~1e-9 there).
"""
import math

import numba as nb
import numpy as np

from .special import _lgamma_one, _zeta_one

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)

EPS = 1.1102230246251565e-16
TINY = 1e-300
EULER = 0.5772156649015329
HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
MAX_STEPS = 1_000_000   # enough for a up to ~1e10 near x = a
# Stirling's series for lgamma(a) - ((a - 1/2) log a - a + log(2 pi) / 2), a >= 10
_STIRLING = np.array([1.0 / 156.0, -691.0 / 360360.0, 1.0 / 1188.0, -1.0 / 1680.0,
                      1.0 / 1260.0, -1.0 / 360.0, 1.0 / 12.0])


@_jit
def _log1pmx(u):
    """log(1 + u) - u; through y = u / (2 + u), log(1 + u) = 2 atanh(y), near 0."""
    if abs(u) >= 0.5:
        return math.log1p(u) - u
    y = u / (2.0 + u)
    y2 = y * y
    total, power, k = 0.0, y * y2, 3.0
    while abs(power) > 1e-18 * abs(total) or total == 0.0:
        total += power / k
        power *= y2
        k += 2.0
        if power == 0.0:
            break
    return -u * u / (2.0 + u) + 2.0 * total


@_jit
def _stirlerr(a):
    if a < 10.0:
        return _lgamma_one(a) - ((a - 0.5) * math.log(a) - a + HALF_LOG_2PI)
    z = 1.0 / (a * a)
    poly = 0.0
    for c in _STIRLING:
        poly = poly * z + c
    return poly / a


@_jit
def _prefactor(a, x):
    """x^a e^-x / Gamma(a)."""
    if abs(x - a) > 0.4 * a:   # (x - a) / a would round away x's digits when x << a
        return math.exp(a * math.log(x) - x - _lgamma_one(a))
    return math.sqrt(a / (2.0 * math.pi)) * math.exp(a * _log1pmx((x - a) / a) - _stirlerr(a))


@_jit
def _p_series(a, x):
    term, total, r = 1.0, 1.0, a
    for _ in range(MAX_STEPS):
        r += 1.0
        term *= x / r
        total += term
        if term <= EPS * total:
            break
    return total * _prefactor(a, x) / a


@_jit
def _q_fraction(a, x):
    """Q by Legendre's continued fraction (modified Lentz), for x > max(a, 1)."""
    b = x + 1.0 - a
    c = 1.0 / TINY
    d = 1.0 / b
    h = d
    for i in range(1, MAX_STEPS):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < TINY:
            d = TINY
        c = b + an / c
        if abs(c) < TINY:
            c = TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) <= EPS:
            break
    return h * _prefactor(a, x)


@_jit
def _lgamma1p(a):
    """lgamma(1 + a), accurate for small a (Taylor series in zeta(n)), as PyTorch's."""
    if abs(a) <= 0.5:
        return _lgamma1p_taylor(a)
    if abs(a - 1.0) < 0.5:
        return math.log(a) + _lgamma1p_taylor(a - 1.0)
    return _lgamma_one(a + 1.0)


@_jit
def _lgamma1p_taylor(a):
    if a == 0.0:
        return 0.0
    total = -EULER * a
    power = -a
    for n in range(2, 42):
        power *= -a
        term = _zeta_one(float(n), 1.0) * power / n
        total += term
        if abs(term) < EPS * abs(total):
            break
    return total


@_jit
def _q_series(a, x):
    """Q for x <= 1.1 and small a: 1 - x^a / Gamma(a + 1) - (x^a / Gamma(a)) sum_n>=1
    (-x)^n / (n! (a + n)), the first part through expm1."""
    power, total = 1.0, 0.0
    for n in range(1, MAX_STEPS):
        power *= -x / n
        term = power / (a + n)
        total += term
        if abs(term) <= EPS * abs(total):
            break
    log_x = math.log(x)
    head = -math.expm1(a * log_x - _lgamma1p(a))
    return head - math.exp(a * log_x - _lgamma_one(a)) * total


@_jit
def _igamma_one(upper, a, x):
    # PyTorch's order of the special cases: x = 0 wins over a nan a
    if x < 0.0 or a < 0.0:
        return math.nan
    if a == 0.0:
        if x > 0.0:
            return 0.0 if upper else 1.0
        return math.nan
    if x == 0.0:
        return 1.0 if upper else 0.0
    if a == math.inf:
        return math.nan if x == math.inf else (1.0 if upper else 0.0)
    if x == math.inf:
        return 0.0 if upper else 1.0
    if x != x or a != a:
        return math.nan
    if not upper:
        if x > 1.0 and x > a:
            return 1.0 - _q_fraction(a, x)
        return _p_series(a, x)
    if x > 1.1:
        return 1.0 - _p_series(a, x) if x < a else _q_fraction(a, x)
    if x <= 0.5:
        small_a = -0.4 / math.log(x) >= a
    else:
        small_a = x * 1.1 >= a
    return _q_series(a, x) if small_a else 1.0 - _p_series(a, x)


@_jit
def _igamma(upper, a, x, out):
    for i in range(a.size):
        out[i] = _igamma_one(upper, a[i], x[i])


def gammainc(a, x, upper=False):
    """P(a, x) = gamma(a, x) / Gamma(a) (upper: Q = 1 - P) of broadcast arrays of one float
    dtype; nan for a negative a or x."""
    a, x = np.broadcast_arrays(a, x)
    out = np.empty(a.size)
    _igamma(upper, np.ascontiguousarray(a, np.float64).reshape(-1),
            np.ascontiguousarray(x, np.float64).reshape(-1), out)
    return out.astype(a.dtype, copy=False).reshape(a.shape)
