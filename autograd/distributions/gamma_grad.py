"""The reparameterization gradient of a standard Gamma draw, dx/dalpha, in numpy.

A draw x ~ Gamma(alpha, 1) is x = F^-1(u; alpha) for a uniform u; holding u fixed,
dx/dalpha = -(dF/dalpha)(x; alpha) / p(x; alpha), with F the regularized lower incomplete
gamma function P(alpha, x) (implicit reparameterization, Figurnov et al. 2018). Both
pieces come from the classic expansions of P (Numerical Recipes' gser / gcf), differentiated
term by term in alpha:

- x < alpha + 1, the series  P = x^a e^-x / Gamma(a+1) * S,  S = sum_n x^n / ((a+1)...(a+n)):
      dx/da = -(x/a) [(log x - digamma(a+1)) S + dS/da]
- otherwise, Legendre's continued fraction  Q = 1 - P = x^a e^-x / Gamma(a) * C:
      dx/da = x [(log x - digamma(a)) C + dC/da]

The second form avoids the cancellation of 1 - P in the upper tail. The result is accurate
to about 1e-13 relative in float64 (tests compare it with finite differences of
torch.special.gammainc). It is the VJP of gamma.StandardGammaDraw: exact first
derivatives in alpha; that op has no recorded VJP, so a second derivative in alpha raises.
"""
from __future__ import annotations

import numpy as np

from ..kernels.special import polygamma

_MAX_TERMS = 1 << 17


def _digamma(a: np.ndarray) -> np.ndarray:
    return polygamma(0, np.ascontiguousarray(a, np.float64))


def _by_series(a, x):
    s, ds = np.ones_like(x), np.zeros_like(x)
    term, harmonic = np.ones_like(x), np.zeros_like(x)
    for n in range(1, _MAX_TERMS):
        term = term * x / (a + n)
        harmonic = harmonic + 1 / (a + n)
        s += term
        ds -= term * harmonic
        if np.all(term * (1 + harmonic) <= 1e-17 * (s + np.abs(ds))):
            break
    with np.errstate(divide="ignore", invalid="ignore"):
        return -(x / a) * ((np.log(x) - _digamma(a + 1)) * s + ds)


def _fraction(a, x, n_terms):
    """C = 1 / (b0 + a1 / (b1 + a2 / (b2 + ...))), b_n = x + 2n + 1 - a, a_n = n (a - n),
    evaluated from its n_terms-th level back to the top, with dC/da carried along."""
    t = x + 2 * n_terms + 1 - a
    dt = -np.ones_like(x)
    for n in range(n_terms, 0, -1):
        an, dan = n * (a - n), n
        t, dt = (x + 2 * n - 1 - a + an / t,
                 -1 + (dan * t - an * dt) / (t * t))
    return 1 / t, -dt / (t * t)


def _by_fraction(a, x):
    n_terms = 32
    c, dc = _fraction(a, x, n_terms)
    while n_terms < _MAX_TERMS:
        n_terms *= 2
        c2, dc2 = _fraction(a, x, n_terms)
        done = (np.all(np.abs(c2 - c) <= 1e-15 * np.abs(c2))
                and np.all(np.abs(dc2 - dc) <= 1e-15 * np.abs(dc2) + 1e-300))
        c, dc = c2, dc2
        if done:
            break
    return x * ((np.log(x) - _digamma(a)) * c + dc)


def standard_gamma_grad(alpha, x) -> np.ndarray:
    """dx/dalpha for draws x of Gamma(alpha, 1), elementwise (float64; 0 where x or alpha
    is not a positive finite number, as torch's gives 0 for its nan cases)."""
    a, x = np.broadcast_arrays(np.asarray(alpha, np.float64), np.asarray(x, np.float64))
    out = np.zeros(a.shape)
    ok = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
    low = ok & (x < a + 1)
    high = ok & ~low
    if low.any():
        out[low] = _by_series(a[low], x[low])
    if high.any():
        out[high] = _by_fraction(a[high], x[high])
    out[~np.isfinite(out)] = 0.0
    return out


__all__ = ["standard_gamma_grad"]
