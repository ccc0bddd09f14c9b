"""The Bessel functions of the first and second kind J_0, J_1, Y_0, Y_1 on arrays
(torch.special's bessel_j0/j1/y0/y1), computed in float64 and rounded once: power series up
to |x| = 2; Miller's backward recurrence for J_0, J_1 (normalized by J_0 + 2 sum J_2k = 1)
and Neumann's series of Y_0, Y_1 in the J_n up to 25; Hankel's asymptotic series beyond, with
cos(x - pi/4) and the like expanded into sin(x) and cos(x), whose argument reduction is exact.
Near a zero only the absolute error is small (~1e-16). Against mpmath the relative error is
~1e-15 elsewhere; PyTorch 2.13's float64 kernels are off by up to ~1e-5 relative near x = 5
and lose the phase for huge x (x - pi/4 rounded), so they are compared to within that.
+-inf give nan, as PyTorch's.
"""
import math

import numba as nb
import numpy as np

from .special import _unary

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)

EULER = 0.5772156649015329
LN2 = math.log(2.0)
TWO_OVER_PI = 2.0 / math.pi
SQRT1_2 = math.sqrt(0.5)


@_jit
def _series(kind, x):
    """J_0, J_1, Y_0, Y_1 (kind 0..3) for 0 < x <= 2 (A&S 9.1.10, 9.1.11, 9.1.13)."""
    q = -0.25 * x * x
    if kind == 0 or kind == 2:
        term, j0, tail, harm, k = 1.0, 1.0, 0.0, 0.0, 0.0
        while True:
            k += 1.0
            term *= q / (k * k)
            harm += 1.0 / k
            j0 += term
            tail -= term * harm
            if abs(term) < 1e-17 * abs(j0):
                break
        if kind == 0:
            return j0
        return TWO_OVER_PI * ((math.log(x) - LN2 + EULER) * j0 + tail)
    term, j1, tail, k = 1.0, 0.0, 0.0, 0.0   # term = q^k / (k! (k+1)!)
    psi_k, psi_k1 = -EULER, 1.0 - EULER
    while True:
        j1 += term
        tail += (psi_k + psi_k1) * term
        k += 1.0
        term *= q / (k * (k + 1.0))
        psi_k += 1.0 / k
        psi_k1 += 1.0 / (k + 1.0)
        if abs(term) < 1e-17 * abs(j1):
            break
    j1 *= 0.5 * x
    if kind == 1:
        return j1
    return -TWO_OVER_PI / x + TWO_OVER_PI * (math.log(x) - LN2) * j1 - 0.5 * x * tail / math.pi


@_jit
def _miller(kind, x):
    """2 < x <= 25: J_n by backward recurrence from n = top, normalized; Y from Neumann's
    series Y_0 = 2/pi ((log(x/2) + gamma) J_0 - 2 sum (-1)^k J_2k / k) and its derivative."""
    top = 2 * ((int(x) + 30 + int(math.sqrt(40.0 * x))) // 2)
    j = np.zeros(top + 2)
    j[top] = 1e-30
    for n in range(top, 0, -1):
        j[n - 1] = 2.0 * n / x * j[n] - j[n + 1]
    norm = j[0]
    for n in range(2, top + 1, 2):
        norm += 2.0 * j[n]
    if kind == 0:
        return j[0] / norm
    if kind == 1:
        return j[1] / norm
    lg = math.log(x) - LN2 + EULER
    total = 0.0
    sign = -1.0
    for k in range(1, top // 2):
        if kind == 2:
            total += sign * j[2 * k] / k
        else:
            total += sign * (j[2 * k - 1] - j[2 * k + 1]) / k
        sign = -sign
    if kind == 2:
        return TWO_OVER_PI * (lg * j[0] - 2.0 * total) / norm
    return TWO_OVER_PI * (lg * j[1] - j[0] / x + total) / norm


@_jit
def _hankel(kind, x):
    """x > 25: sqrt(2 / pi x) (P cos chi - Q sin chi) for J, (P sin chi + Q cos chi) for Y,
    chi = x - pi/4 (order 0) or x - 3 pi/4 (order 1)."""
    mu = 0.0 if kind == 0 or kind == 2 else 4.0
    p, q = 1.0, 0.0
    term, k = 1.0, 0.0
    while True:
        k += 1.0
        term *= (mu - (2.0 * k - 1.0) ** 2) / (k * 8.0 * x)
        if k % 2.0 == 1.0:
            q += term if k % 4.0 == 1.0 else -term
        else:
            p += -term if k % 4.0 == 2.0 else term
        if abs(term) < 1e-17:
            break
    s, c = np.sin(x), np.cos(x)
    if kind == 0 or kind == 2:
        cos_chi, sin_chi = (c + s) * SQRT1_2, (s - c) * SQRT1_2
    else:
        cos_chi, sin_chi = (s - c) * SQRT1_2, -(s + c) * SQRT1_2
    scale = math.sqrt(TWO_OVER_PI / x)
    if kind <= 1:
        return scale * (p * cos_chi - q * sin_chi)
    return scale * (p * sin_chi + q * cos_chi)


@_jit
def _jy_one(kind, x):
    if x != x:
        return x
    if kind >= 2:
        if x < 0.0:
            return math.nan
        if x == 0.0:
            return -math.inf
    sign = 1.0
    if x < 0.0:   # J_0 is even, J_1 odd
        x = -x
        sign = -1.0 if kind == 1 else 1.0
    if x == math.inf:   # PyTorch's, for J and Y alike (the limit is 0)
        return math.nan
    if x == 0.0:
        return 1.0 if kind == 0 else 0.0 * sign
    if x <= 2.0:
        return sign * _series(kind, x)
    if x <= 25.0:
        return sign * _miller(kind, x)
    return sign * _hankel(kind, x)


@_jit
def _bessel_jy(kind, x, out):
    for i in range(x.size):
        out[i] = _jy_one(kind, x[i])


def bessel_jy(kind, x):
    """kind 0, 1, 2, 3: J_0, J_1, Y_0, Y_1 of x (float32 or float64)."""
    return _unary(_bessel_jy, x, np.int64(kind))
