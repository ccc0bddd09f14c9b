"""The modified Bessel functions of the second kind K_0, K_1 and their scaled forms e^x K_nu(x)
on arrays (torch.special's modified_bessel_k0/k1, scaled_modified_bessel_k0/k1), computed in
float64 and rounded once: power series up to x = 2, Steed's continued fraction (Temme's
method, as in Numerical Recipes' bessik) up to 30, the asymptotic series beyond. inf at 0, nan
below 0 and at nan, 0 at inf, as PyTorch's.
"""
import math

import numba as nb
import numpy as np

from .special import _unary

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)

EULER = 0.5772156649015329
LN2 = math.log(2.0)


@_jit
def _k_one(nu, scaled, x):
    if x != x or x < 0.0:
        return math.nan
    if x == 0.0:
        return math.inf
    if x == math.inf:
        return 0.0
    if x > 30.0:   # e^x K_nu(x) ~ sqrt(pi / 2x) sum_k a_k(nu) / x^k; terms fall until k ~ 2x
        mu = 4.0 * nu * nu
        term, total, k = 1.0, 1.0, 0.0
        while abs(term) > 1e-17 * abs(total):
            k += 1.0
            term *= (mu - (2.0 * k - 1.0) ** 2) / (k * 8.0 * x)
            total += term
        r = total * math.sqrt(math.pi / 2.0) / math.sqrt(x)
        return r if scaled else r * math.exp(-x)
    if x <= 2.0:   # the power series, with I_nu's terms and harmonic numbers
        h2 = 0.25 * x * x
        lg = math.log(x) - LN2   # log(x / 2) would be log(0) for the least subnormal
        if nu == 0:
            term, i0, total, harm, k = 1.0, 1.0, 0.0, 0.0, 0.0
            while True:
                k += 1.0
                term *= h2 / (k * k)
                harm += 1.0 / k
                i0 += term
                total += term * harm
                if term < 1e-17 * i0:
                    break
            r = -(lg + EULER) * i0 + total
        else:
            term, i1, k = 1.0, 0.0, 0.0     # term = h2^k / (k! (k+1)!)
            hk, hk1 = 0.0, 1.0
            total = 0.0
            while True:
                i1 += term
                total += (hk + hk1 - 2.0 * EULER) * term
                k += 1.0
                term *= h2 / (k * (k + 1.0))
                hk += 1.0 / k
                hk1 += 1.0 / (k + 1.0)
                if term < 1e-17 * i1:
                    break
            r = 1.0 / x + 0.5 * x * i1 * lg - 0.25 * x * total
        return r * math.exp(x) if scaled else r
    # 2 < x <= 30: Steed's continued fraction CF2 (Temme's method) for K_0, and K_1 from it
    b = 2.0 * (1.0 + x)
    d = 1.0 / b
    h = d
    delh = d
    q1, q2 = 0.0, 1.0
    a1 = 0.25
    q = a1
    c = a1
    a = -a1
    s = 1.0 + q * delh
    for i in range(1, 100000):
        a -= 2.0 * i
        c = -a * c / (i + 1.0)
        qnew = (q1 - b * q2) / a
        q1 = q2
        q2 = qnew
        q += c * qnew
        b += 2.0
        d = 1.0 / (b + a * d)
        delh = (b * d - 1.0) * delh
        h += delh
        dels = q * delh
        s += dels
        if abs(dels / s) < 1e-17:
            break
    h = a1 * h
    k0 = math.sqrt(math.pi / (2.0 * x)) / s
    r = k0 if nu == 0 else k0 * (x + 0.5 - h) / x
    return r if scaled else r * math.exp(-x)

@_jit
def _bessel_k(nu, scaled, x, out):
    for i in range(x.size):
        out[i] = _k_one(nu, scaled, x[i])


def bessel_k(nu, x, scaled=False):
    """K_nu(x) for nu 0 or 1 (scaled: e^x K_nu(x)), x float32 or float64."""
    return _unary(_bessel_k, x, np.int64(nu), scaled)
