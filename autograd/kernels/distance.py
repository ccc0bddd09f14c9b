"""p-norm distances between the rows of two batches of matrices, and their VJP.

x1 (B, P, M), x2 (B, R, M) -> d (B, P, R), d[n, i, j] = ||x1[n, i] - x2[n, j]||_p, computed
pair by pair with no (P, R, M) temporary. The terms are summed in float64, and for p = 1, 2
and integer p each difference is taken in float64 too (exact for two float32 values): a
float32 distance is then rounded once, at the end. The max of p = inf is exact as it is.
The VJP follows PyTorch's cdist: every coordinate tied for the max gets the whole gradient at
p = inf, and a zero distance (or, for p < 1, a zero coordinate) gets none.

`kind` picks the p: one of ZERO, ONE, TWO, INF, INT (an integer p from 3 to 32: products,
6x faster than pow) or POW (any other p > 0: pow in the input's dtype, powf for float32,
2x faster than pow in float64, as torch's). The drivers are serial (AUTOGRAD_PARALLEL, as
conv's, does not apply): at 2 threads they took 0.3-0.8x torch's time as they are.
"""
import numba as nb
import numpy as np

from . import conv
from .readonly import readonly

ZERO, ONE, TWO, INF, INT, POW = range(6)

# sums in any order (fastmath reassoc) so the loops over M vectorize; no other fast-math flag,
# so nan and inf keep their meaning
_fast = {"reassoc"}
_jit = nb.njit(cache=True, error_model="numpy", nogil=True, fastmath=_fast)
_jit_inline = nb.njit(cache=True, error_model="numpy", nogil=True, inline="always",
                      fastmath=_fast)
_u = conv._u   # unsigned indices: see kernels/conv.py


def kind_of(p: float) -> int:
    """The kernel's code for the p-norm."""
    if p == 0:
        return ZERO
    if p == 1:
        return ONE
    if p == 2:
        return TWO
    if p == np.inf:
        return INF
    return INT if p == int(p) and 3 <= p <= 32 else POW


@_jit_inline
def _ipow(t, e):
    # t ** e for a small integer e >= 1 by products
    q = t
    for _ in range(e - 1):
        q *= t
    return q


@_jit_inline
def _distance_row(x1, x2, out, r, kind, p, pt, mask):
    n, i = _u(r // x1.shape[1]), _u(r % x1.shape[1])
    m = x1.shape[2]
    bits = np.empty_like(mask)   # p = inf: the differences in the input's dtype, as integers
    diff = bits.view(x1.dtype)
    for jj in range(x2.shape[1]):
        j = _u(jj)
        s = 0.0
        if kind == TWO:
            for k in range(m):
                t = np.float64(x1[n, i, k]) - np.float64(x2[n, j, k])
                s += t * t
            s = np.sqrt(s)
        elif kind == ONE:
            for k in range(m):
                s += abs(np.float64(x1[n, i, k]) - np.float64(x2[n, j, k]))
        elif kind == INF:
            # the max of |t| taken on the bits: those of non-negative floats order as the
            # floats do, and a nan's exceed every number's, so it wins and propagates. This
            # loop vectorizes, the float compare does not (4x faster, measured)
            for k in range(m):
                diff[k] = x1[n, i, k] - x2[n, j, k]
            top = bits[0] & mask[0]
            for k in range(m):
                top = max(top, bits[k] & mask[k])
            bits[0] = top
            s = diff[0]
        elif kind == ZERO:
            for k in range(m):
                s += np.float64(x1[n, i, k] != x2[n, j, k])
        elif kind == INT:
            e = np.int64(p)
            for k in range(m):
                s += _ipow(abs(np.float64(x1[n, i, k]) - np.float64(x2[n, j, k])), e)
            s = s ** (1.0 / p)
        else:
            for k in range(m):
                s += abs(x1[n, i, k] - x2[n, j, k]) ** pt
            s = s ** (1.0 / p)
        out[n, i, j] = s


@_jit
def _distances(x1, x2, out, kind, p, pt, mask):
    for r in range(x1.shape[0] * x1.shape[1]):
        _distance_row(x1, x2, out, r, kind, p, pt, mask)


def cdist_forward(x1: np.ndarray, x2: np.ndarray, p: float) -> np.ndarray:
    """x1 (B, P, M), x2 (B, R, M), contiguous, one float dtype -> d (B, P, R)."""
    out = np.zeros((x1.shape[0], x1.shape[1], x2.shape[1]), x1.dtype)
    if x1.shape[2] == 0:   # no coordinates: every distance is 0
        return out
    bits = np.dtype(f"i{x1.dtype.itemsize}")
    mask = np.full(x1.shape[2], np.iinfo(bits).max, bits)   # all but the sign bit
    _distances(readonly(x1), readonly(x2), out, kind_of(p), float(p), x1.dtype.type(p), mask)
    return out


@_jit_inline
def _grad_row(g, a, b, d, out, r, kind, p, pt1):
    # out[n, i] = sum_j g[n, i, j] * (d d[n, i, j] / d a[n, i]); the partial is odd in
    # a[n, i] - b[n, j], so the same row kernel gives x2's gradient from the transposes
    n, i = _u(r // a.shape[1]), _u(r % a.shape[1])
    m = a.shape[2]
    acc = np.zeros(m)
    total = 0.0   # p = 2: sum_j c_j, for sum_j c_j (a_i - b_j) = total a_i - sum_j c_j b_j
    for jj in range(b.shape[1]):
        j = _u(jj)
        dist = d[n, i, j]
        c = np.float64(g[n, i, j])
        if kind == TWO:
            # the float64 sums keep the cancellation in the last line harmless to a float32
            # gradient; half the work of the sum over the differences (measured)
            if dist == 0:
                continue
            c /= np.float64(dist)
            total += c
            for k in range(m):
                acc[k] += c * np.float64(b[n, j, k])
        elif kind == ONE:
            for k in range(m):
                t = a[n, i, k] - b[n, j, k]   # its sign is the exact difference's
                acc[k] += c * np.sign(t)
        elif kind == INF:
            for k in range(m):
                t = a[n, i, k] - b[n, j, k]   # in the input's dtype, as forward's max
                acc[k] += c * (abs(t) == dist) * np.sign(t)   # no branch: vectorizes
        elif kind == INT:
            if dist == 0:
                continue
            c /= np.float64(dist) ** (p - 1.0)
            e = np.int64(p) - 2
            for k in range(m):
                t = np.float64(a[n, i, k]) - np.float64(b[n, j, k])
                acc[k] += c * t * _ipow(abs(t), e)
        else:
            if dist == 0:
                continue
            c /= np.float64(dist) ** (p - 1.0)
            for k in range(m):
                t = a[n, i, k] - b[n, j, k]
                if t != 0:   # for p < 1 a zero coordinate gets nothing (|t|^(p-1) is inf)
                    acc[k] += c * np.sign(t) * abs(t) ** pt1
    if kind == TWO:
        for k in range(m):
            out[n, i, k] = total * a[n, i, k] - acc[k]
    else:
        for k in range(m):
            out[n, i, k] = acc[k]


@_jit
def _grads(g, a, b, d, out, kind, p, pt1):
    for r in range(a.shape[0] * a.shape[1]):
        _grad_row(g, a, b, d, out, r, kind, p, pt1)


def cdist_backward_rows(g: np.ndarray, a: np.ndarray, b: np.ndarray, d: np.ndarray,
                        p: float) -> np.ndarray:
    """The VJP for a's rows: g, d (B, P, R), a (B, P, M), b (B, R, M), contiguous -> (B, P, M).
    b's gradient is this with (g^T, b, a, d^T)."""
    out = np.zeros_like(a)
    if kind_of(p) == ZERO:   # a count of nonzeros: flat almost everywhere
        return out
    _grads(readonly(g), readonly(a), readonly(b), readonly(d), out, kind_of(p), float(p),
           a.dtype.type(p - 1))
    return out
