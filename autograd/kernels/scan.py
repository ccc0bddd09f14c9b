"""Running sums and products of float32 arrays accumulated in float64, as PyTorch's CPU
cumsum/cumprod do: a float32 accumulator drifts (a million 0.1s sum to 100958, not 100000).
The loop keeps the accumulator per column, so it needs no float64 copy of the array and, along
a leading axis, vectorizes over the trailing ones: it beats numpy's float32 cumsum."""
import math

import numba as nb
import numpy as np


@nb.njit(cache=True, nogil=True)
def _scan(x, out, reverse, product):
    pre, n, post = x.shape
    if post == 1:   # along the last axis: a scalar accumulator per row
        for p in range(pre):
            a = np.float64(1.0 if product else 0.0)   # (unjitted, 0.0 + float32 is float32)
            for step in range(n):
                i = n - 1 - step if reverse else step
                if product:
                    a *= x[p, i, 0]
                else:
                    a += x[p, i, 0]
                out[p, i, 0] = a
        return
    acc = np.empty(post, np.float64)
    for p in range(pre):
        acc[:] = 1.0 if product else 0.0
        for step in range(n):
            i = n - 1 - step if reverse else step
            if product:
                for q in range(post):
                    acc[q] *= x[p, i, q]
                    out[p, i, q] = acc[q]
            else:
                for q in range(post):
                    acc[q] += x[p, i, q]
                    out[p, i, q] = acc[q]


def scan_f64(x: np.ndarray, axis: int, reverse: bool = False, product: bool = False):
    """The running sum (or product) of x along axis, from the end when reverse, accumulated in
    float64 and rounded once to x's dtype: x (..., n, ...) -> the same shape and dtype."""
    x = np.ascontiguousarray(x)
    shape = x.shape
    n = shape[axis]
    pre, post = math.prod(shape[:axis]), math.prod(shape[axis + 1:])
    out = np.empty(shape, x.dtype)
    if x.size:
        _scan(x.reshape(pre, n, post), out.reshape(pre, n, post), reverse, product)
    return out


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _cumprod_grad(x, g, out, t_all):
    # dx_k = (prod_{i<k} x_i) T_k, T_k = g_k + x_{k+1} T_{k+1}, per column, in float64
    pre, n, post = x.shape
    t = np.empty(post, np.float64)
    b = np.empty(post, np.float64)
    for p in range(pre):
        for q in range(post):
            t[q] = g[p, n - 1, q]
            t_all[n - 1, q] = t[q]
        for k in range(n - 2, -1, -1):
            for q in range(post):
                t[q] = g[p, k, q] + x[p, k + 1, q] * t[q]
                t_all[k, q] = t[q]
        b[:] = 1.0
        for k in range(n):
            for q in range(post):
                out[p, k, q] = b[q] * t_all[k, q]
                b[q] *= x[p, k, q]


def cumprod_grad(x: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    """The gradient of cumprod(x, axis) for the output gradient g, without a division (zeros
    in x get the exact gradient), accumulated in float64 and rounded once to x's dtype."""
    x, g = np.ascontiguousarray(x), np.ascontiguousarray(g, x.dtype)
    shape = x.shape
    n = shape[axis]
    pre, post = math.prod(shape[:axis]), math.prod(shape[axis + 1:])
    out = np.empty(shape, x.dtype)
    if x.size:
        _cumprod_grad(x.reshape(pre, n, post), g.reshape(pre, n, post),
                      out.reshape(pre, n, post), np.empty((n, post), np.float64))
    return out


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _cumprod_grad_grad(x, g, u, dx, dg, t_all, r_all):
    # the VJP of dx = cumprod_grad(x, g) for an upstream u, per column in float64 (k < m < j):
    #   dg_m = J_m = sum_{k<=m} u_k prod_{i<=m, i!=k} x_i = J_{m-1} x_m + L_m u_m (cumprod's JVP)
    #   dx_m = J_{m-1} T_m + L_m R_m, with L_m = prod_{i<m} x_i, T_m as in _cumprod_grad and
    #   R_m = sum_{k>m} u_k (prod_{m<i<k} x_i) T_k = u_{m+1} T_{m+1} + x_{m+1} R_{m+1}
    pre, n, post = x.shape
    for p in range(pre):
        for q in range(post):
            t = np.float64(g[p, n - 1, q])
            r = 0.0
            t_all[n - 1, q], r_all[n - 1, q] = t, r
            for k in range(n - 2, -1, -1):
                r = u[p, k + 1, q] * t + x[p, k + 1, q] * r
                t = g[p, k, q] + x[p, k + 1, q] * t
                t_all[k, q], r_all[k, q] = t, r
            left, j = 1.0, 0.0
            for m in range(n):
                dx[p, m, q] = j * t_all[m, q] + left * r_all[m, q]
                j = j * x[p, m, q] + left * u[p, m, q]
                dg[p, m, q] = j
                left *= x[p, m, q]


def cumprod_grad_grad(x: np.ndarray, g: np.ndarray, u: np.ndarray, axis: int):
    """(dx, dg): the VJP of cumprod_grad(x, g, axis) for the upstream gradient u, without a
    division (the second derivative of cumprod, exact where x holds zeros); x's dtype."""
    x = np.ascontiguousarray(x)
    g, u = np.ascontiguousarray(g, x.dtype), np.ascontiguousarray(u, x.dtype)
    shape = x.shape
    n = shape[axis]
    pre, post = math.prod(shape[:axis]), math.prod(shape[axis + 1:])
    dx, dg = np.empty(shape, x.dtype), np.empty(shape, x.dtype)
    if x.size:
        scratch = np.empty((2, n, post), np.float64)
        _cumprod_grad_grad(x.reshape(pre, n, post), g.reshape(pre, n, post),
                           u.reshape(pre, n, post), dx.reshape(pre, n, post),
                           dg.reshape(pre, n, post), scratch[0], scratch[1])
    return dx, dg
