"""GELU kernels on contiguous arrays: x in, same-shape array out.

The exact form needs erf, which numpy lacks; math.erf is a scalar libm call, so it runs in a
jitted loop and is the one transcendental here not taken from a numpy ufunc. Both forms
compute in float64 and round once to the input dtype.
"""
import math

import numba as nb
import numpy as np

from .readonly import readonly

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)

SQRT_HALF = math.sqrt(0.5)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
TANH_COEF = 0.044715


@_jit
def _erf_cdf(flat, out):
    # Phi(x) = (1 + erf(x / sqrt 2)) / 2
    for i in range(flat.size):
        out[i] = 0.5 * (1.0 + math.erf(flat[i] * SQRT_HALF))


@_jit
def _exact_backward(flat, cdf, pdf_exp, g, out):
    for i in range(flat.size):
        out[i] = g[i] * (cdf[i] + flat[i] * INV_SQRT_2PI * pdf_exp[i])


@_jit
def _tanh_arg(flat, out):
    for i in range(flat.size):
        v = flat[i]
        out[i] = SQRT_2_OVER_PI * (v + TANH_COEF * v * v * v)


@_jit
def _tanh_forward(flat, t, out):
    for i in range(flat.size):
        out[i] = 0.5 * flat[i] * (1.0 + t[i])


@_jit
def _tanh_backward(flat, t, g, out):
    for i in range(flat.size):
        v = flat[i]
        du = SQRT_2_OVER_PI * (1.0 + 3.0 * TANH_COEF * v * v)
        out[i] = g[i] * (0.5 * (1.0 + t[i]) + 0.5 * v * (1.0 - t[i] * t[i]) * du)


def _flat64(x):
    return readonly(x, np.float64).reshape(-1)


def gelu_forward(x, approximate="none"):
    """y = x Phi(x) (exact) or 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
    Returns (y, aux): aux (float64, flat) is what gelu_backward needs."""
    flat = _flat64(x)
    aux = np.empty_like(flat)
    if approximate == "tanh":
        _tanh_arg(flat, aux)
        np.tanh(aux, out=aux)
        y = np.empty_like(flat)
        _tanh_forward(flat, aux, y)
    else:
        _erf_cdf(flat, aux)
        y = flat * aux
    return y.astype(x.dtype).reshape(x.shape), aux


def gelu_backward(x, aux, g, approximate="none"):
    """dx = g * dy/dx, in x's dtype; aux from gelu_forward."""
    flat, gf = _flat64(x), _flat64(g)
    out = np.empty_like(flat)
    if approximate == "tanh":
        _tanh_backward(flat, readonly(aux), gf, out)
    else:
        pdf_exp = np.exp(-0.5 * flat * flat)
        _exact_backward(flat, readonly(aux), pdf_exp, gf, out)
    return out.astype(x.dtype).reshape(x.shape)
