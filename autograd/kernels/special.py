"""Special functions on arrays: erf, erfc, erfinv, lgamma, polygamma (digamma, trigamma, ...),
i0/i1 (and their scaled forms i0e/i1e), Hurwitz zeta and the running log-sum-exp. ndarray in,
same-shape ndarray out.

Every kernel computes in float64 and rounds once to the input dtype (float32 results are
then correctly rounded or within an ulp). erf, erfc and lgamma are libm calls (math.* in a
jitted loop); the rest follow the algorithms PyTorch uses (Cephes' digamma and Hurwitz zeta,
PyTorch's own trigamma), so results agree with it to a few ulp, special values included.
Each jitted loop has one signature (float64 1-D), so numba compiles it once.
"""
import math

import numba as nb
import numpy as np

from .readonly import readonly

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)

PI = math.pi
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
MACHEP = 1.11022302462515654042e-16
PSI_10 = 2.25175258906672110764
# digamma's asymptotic series (Cephes psi), highest degree first
_PSI_A = np.array([8.33333333333333333333e-2, -2.10927960927960927961e-2,
                   7.57575757575757575758e-3, -4.16666666666666666667e-3,
                   3.96825396825396825397e-3, -8.33333333333333333333e-3,
                   8.33333333333333333333e-2])
# Euler-Maclaurin coefficients of Cephes' Hurwitz zeta: (2k)! / B_2k
_ZETA_A = np.array([12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
                    7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
                    -4.5979787224074726105e15, 1.8152105401943546773e17,
                    -7.1661652561756670113e18])


@_jit
def _erf(x, out):
    for i in range(x.size):
        out[i] = math.erf(x[i])


@_jit
def _erfc(x, out):
    for i in range(x.size):
        out[i] = math.erfc(x[i])


@_jit
def _lgamma_one(v):
    # Python's math.lgamma raises at the poles and on overflow, where libm (and the jitted
    # call) return inf: answer those first, so NUMBA_DISABLE_JIT=1 agrees. (np.floor: numba's
    # math.floor returns an int64, which overflows for large floats.)
    if v <= 0.0 and v == np.floor(v):
        return math.inf
    a = abs(v)
    if a == math.inf:
        return math.inf
    if a > 1e17:      # Stirling is exact to double precision here, and overflows to inf
        return a * (math.log(a) - 1.0) - 0.5 * math.log(a) + HALF_LOG_2PI
    return math.lgamma(v)


@_jit
def _lgamma(x, out):
    for i in range(x.size):
        out[i] = _lgamma_one(x[i])


@_jit
def _erfinv_one(y):
    if not -1.0 <= y <= 1.0:
        return math.nan
    if y == 1.0 or y == -1.0:
        return math.copysign(math.inf, y)
    # Giles (2010), single-precision rational approximation: the starting point
    w = -math.log((1.0 - y) * (1.0 + y))
    if w < 5.0:
        w -= 2.5
        p = 2.81022636e-08
        p = 3.43273939e-07 + p * w
        p = -3.5233877e-06 + p * w
        p = -4.39150654e-06 + p * w
        p = 0.00021858087 + p * w
        p = -0.00125372503 + p * w
        p = -0.00417768164 + p * w
        p = 0.246640727 + p * w
        p = 1.50140941 + p * w
    else:
        w = math.sqrt(w) - 3.0
        p = -0.000200214257
        p = 0.000100950558 + p * w
        p = 0.00134934322 + p * w
        p = -0.00367342844 + p * w
        p = 0.00573950773 + p * w
        p = -0.0076224613 + p * w
        p = 0.00943887047 + p * w
        p = 1.00167406 + p * w
        p = 2.83297682 + p * w
    x = p * y
    # Newton steps to full precision. Near +-1 they solve log(erfc(x)) = log(1 - |y|) (1 - |y|
    # is exact there, and the log is nearly linear in the tail, where the start is poorest):
    # erf(x) - y would lose the digits that fix x.
    a, s = abs(y), math.copysign(1.0, y)
    x = abs(x)
    for _ in range(8):
        deriv = TWO_OVER_SQRT_PI * math.exp(-x * x)
        if a > 0.5:
            c = math.erfc(x)
            step = (math.log(c) - math.log(1.0 - a)) * c / deriv
        else:
            step = -(math.erf(x) - a) / deriv
        x += step
        if abs(step) <= 1e-16 * x:
            break
    return s * x


@_jit
def _erfinv(x, out):
    for i in range(x.size):
        out[i] = _erfinv_one(x[i])


@_jit
def _digamma_one(x):
    """Cephes psi, as PyTorch's calc_digamma: reflection below 0, recurrence up to 10."""
    if x == 0.0:
        return math.copysign(math.inf, -x)   # PyTorch: digamma(+0) = -inf, digamma(-0) = +inf
    if x < 0.0:
        if x == np.trunc(x):
            return math.nan
        r = x - np.trunc(x)
        return _digamma_one(1.0 - x) - PI / math.tan(PI * r)
    result = 0.0
    while x < 10.0:
        result -= 1.0 / x
        x += 1.0
    if x == 10.0:
        return result + PSI_10
    y = 0.0
    if x < 1.0e17:
        z = 1.0 / (x * x)
        poly = 0.0
        for c in _PSI_A:
            poly = poly * z + c
        y = z * poly
    return result + math.log(x) - 0.5 / x - y


@_jit
def _trigamma_one(x):
    """PyTorch's calc_trigamma (reflection, six recurrence steps, a short asymptotic series):
    only ~5e-10 relative near x = 1, but this is the value PyTorch returns."""
    sign = 1.0
    result = 0.0
    if x < 0.5:
        sign = -1.0
        s2 = np.sin(PI * x) ** 2   # np: math.sin raises at inf without the jit
        result -= PI * PI / s2 if s2 != 0.0 else math.inf   # Python's / raises at 0
        x = 1.0 - x
    for _ in range(6):
        result += 1.0 / (x * x)
        x += 1.0
    ixx = 1.0 / (x * x)
    series = 1.0 / 6.0 - ixx * (1.0 / 30.0 - ixx * (1.0 / 42.0))
    result += (1.0 + 1.0 / (2.0 * x) + ixx * series) / x
    return sign * result


@_jit
def _zeta_one(x, q):
    """Hurwitz zeta(x, q) = sum_k (k + q)^-x for x > 1 (Cephes' Euler-Maclaurin)."""
    if x == 1.0:
        return math.inf
    if x < 1.0:
        return math.nan
    if q <= 0.0:
        if q == np.floor(q):
            return math.inf
        if x != np.floor(x):
            return math.nan
        if q < -1e8:   # the loop below would step |q| times (PyTorch's does: minutes, hours)
            return math.nan
    s = q ** -x
    a = q
    i = 0
    b = 0.0
    while i < 9 or a <= 9.0:
        i += 1
        a += 1.0
        b = a ** -x
        s += b
        if -MACHEP * s < b < MACHEP * s:
            return s
    w = a
    s += b * w / (x - 1.0)
    s -= 0.5 * b
    a = 1.0
    k = 0.0
    for j in range(12):
        a *= x + k
        b /= w
        t = a * b / _ZETA_A[j]
        s += t
        if abs(t / s) < MACHEP:
            return s
        k += 1.0
        a *= x + k
        b /= w
        k += 1.0
    return s


@_jit
def _zeta(x, q, out):
    for i in range(x.size):
        out[i] = _zeta_one(x[i], q[i])


@_jit
def _polygamma(n, x, out):
    if n == 0:
        for i in range(x.size):
            out[i] = _digamma_one(x[i])
    elif n == 1:
        for i in range(x.size):
            out[i] = _trigamma_one(x[i])
    else:   # (-1)^(n+1) n! zeta(n + 1, x)
        scale = (1.0 if n % 2 else -1.0) * math.exp(math.lgamma(n + 1.0))
        for i in range(x.size):
            out[i] = scale * _zeta_one(n + 1.0, x[i])


@_jit
def _bessel_i(nu, scaled, x, out):
    """I_nu(x) for nu in {0, 1}, times e^-|x| when scaled: the power series up to |x| = 30,
    the asymptotic series e^|x| / sqrt(2 pi |x|) sum_k (-1)^k a_k(nu) / |x|^k beyond (e^|x|
    applied in two halves: I_0 stays finite a little past exp's overflow). +-inf give nan
    unscaled, as PyTorch's Cephes, and +-0 scaled."""
    for i in range(x.size):
        v = x[i]
        a = abs(v)
        if a == math.inf and not scaled:
            out[i] = math.nan
            continue
        if a > 800.0 and not scaled:
            out[i] = -math.inf if (nu == 1 and v < 0.0) else math.inf
            continue
        if a <= 30.0:
            h2 = 0.25 * a * a
            term = 1.0 if nu == 0 else 0.5 * a
            total = term
            k = 0.0
            while term > 1e-17 * total:
                k += 1.0
                term *= h2 / (k * (k + nu))
                total += term
            r = total * math.exp(-a) if scaled else total
        else:
            mu = 4.0 * nu * nu
            term, total, k = 1.0, 1.0, 0.0
            while abs(term) > 1e-17 * abs(total):
                k += 1.0
                term *= -(mu - (2.0 * k - 1.0) ** 2) / (k * 8.0 * a)
                total += term
            if scaled:   # two square roots: 2 pi |x| overflows near the top of the range
                r = total / (math.sqrt(2.0 * PI) * math.sqrt(a))
            else:
                half = math.exp(0.5 * a)
                r = half * (half / math.sqrt(2.0 * PI * a) * total)
        out[i] = -r if (nu == 1 and v < 0.0) else r


@_jit
def _logcumsumexp_rows(x, out):
    """out[r, k] = log(sum_{j<=k} exp(x[r, j])), a running log-add-exp (no underflow)."""
    for r in range(x.shape[0]):
        acc = -math.inf
        for k in range(x.shape[1]):
            v = x[r, k]
            hi, lo = (acc, v) if acc >= v else (v, acc)
            if math.isinf(hi) and hi == lo:
                acc = hi   # inf + inf or -inf + -inf; the formula would give nan
            elif math.isnan(lo) or math.isnan(hi):
                acc = math.nan
            else:
                acc = hi + math.log1p(math.exp(lo - hi))
            out[r, k] = acc


def _flat64(x):
    return readonly(x, np.float64).reshape(-1)


def _unary(kernel, x, *args):
    flat = _flat64(x)
    out = np.empty_like(flat)
    kernel(*args, flat, out)
    with np.errstate(over="ignore"):   # beyond float32's range is inf, as in PyTorch
        return out.astype(x.dtype, copy=False).reshape(x.shape)


def erf(x):
    """erf(x), x float32 or float64."""
    return _unary(_erf, x)


def erfc(x):
    """1 - erf(x), without the cancellation for large x."""
    return _unary(_erfc, x)


def erfinv(y):
    """The inverse of erf on [-1, 1]; +-inf at +-1, nan outside."""
    return _unary(_erfinv, y)


def lgamma(x):
    """log|Gamma(x)|; inf at 0 and the negative integers."""
    return _unary(_lgamma, x)


def polygamma(n, x):
    """The n-th derivative of digamma (n = 0: digamma itself), n >= 0."""
    return _unary(_polygamma, x, np.int64(n))


def zeta(x, q):
    """The Hurwitz zeta function sum_k (k + q)^-x of two arrays of one float dtype
    (broadcast): inf at x = 1, nan below."""
    x, q = np.broadcast_arrays(x, q)
    out = np.empty(x.size)
    _zeta(_flat64(x), _flat64(q), out)
    with np.errstate(over="ignore"):
        return out.astype(x.dtype, copy=False).reshape(x.shape)


def bessel_i(nu, x, scaled=False):
    """The modified Bessel function I_nu(x), nu 0 or 1; scaled: exp(-|x|) I_nu(x)."""
    return _unary(_bessel_i, x, np.int64(nu), scaled)


def logcumsumexp(x, axis):
    """log(cumsum(exp(x))) along axis, computed without overflow or underflow."""
    if x.size == 0:
        return x.copy()
    moved = np.moveaxis(x, axis, -1)
    rows = readonly(moved, np.float64).reshape(-1, moved.shape[-1])
    out = np.empty_like(rows)
    _logcumsumexp_rows(rows, out)
    # C order, as PyTorch's result (the moved-back array is a transposed view)
    return np.asarray(np.moveaxis(out.reshape(moved.shape), -1, axis), x.dtype, order="C")
