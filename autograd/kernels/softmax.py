"""Row-wise softmax family on C-contiguous 2-D arrays (rows, classes).

float32 rows run fused passes around fastexp's vectorized exp (2-2.6x faster than the numpy
exp between kernels, measured: 0.38 against 0.87 ms for log_softmax of (256, 1000));
float64 keeps np.exp. Row sums accumulate in float64, in any order (fastmath reassoc), so
that they vectorize.
"""
import numba as nb
import numpy as np

from .fastexp import exp_, exp_f32
from .readonly import readonly

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)
_jit_sum = nb.njit(cache=True, error_model="numpy", nogil=True, fastmath={"reassoc"})


@_jit
def _row_max(row):
    # eight running maxima, independent chains that the compiler packs into one vector, then
    # the max of those (a NaN is passed over as the scalar loop does: the row's exp sum, and
    # so the whole row, is NaN anyway)
    n = row.size
    m0 = m1 = m2 = m3 = m4 = m5 = m6 = m7 = row[0]
    j = 0
    while j + 8 <= n:
        v = row[j]
        m0 = v if v > m0 else m0
        v = row[j + 1]
        m1 = v if v > m1 else m1
        v = row[j + 2]
        m2 = v if v > m2 else m2
        v = row[j + 3]
        m3 = v if v > m3 else m3
        v = row[j + 4]
        m4 = v if v > m4 else m4
        v = row[j + 5]
        m5 = v if v > m5 else m5
        v = row[j + 6]
        m6 = v if v > m6 else m6
        v = row[j + 7]
        m7 = v if v > m7 else m7
        j += 8
    m = max(max(max(m0, m1), max(m2, m3)), max(max(m4, m5), max(m6, m7)))
    while j < n:
        v = row[j]
        m = v if v > m else m
        j += 1
    return m


@_jit
def _shift_rows(x, out):
    # out = x - rowmax; an all -inf row is left -inf (softmax gives NaN there, as PyTorch)
    for r in range(x.shape[0]):
        m = _row_max(x[r])
        if m == -np.inf:
            m = x.dtype.type(0)
        row, o = x[r], out[r]
        for c in range(row.size):
            o[c] = row[c] - m


@_jit_sum
def _sum(a):
    s = 0.0
    for j in range(a.size):
        s += a[j]
    return s


@_jit_sum
def _normalize_rows(e):
    for r in range(e.shape[0]):
        s = 0.0
        for c in range(e.shape[1]):
            s += e[r, c]
        inv = e.dtype.type(1.0 / s)
        for c in range(e.shape[1]):
            e[r, c] *= inv


@_jit_sum
def _row_sums(e, out):
    for r in range(e.shape[0]):
        s = 0.0
        for c in range(e.shape[1]):
            s += e[r, c]
        out[r] = s


@_jit
def _softmax_f32(x, out):
    _shift_rows(x, out)
    flat = out.reshape(-1)
    exp_f32(flat, flat)
    _normalize_rows(out)


@_jit
def _log_softmax_f32(x, out):
    _shift_rows(x, out)
    e = np.empty(x.size, np.float32)
    exp_f32(out.reshape(-1), e)
    e = e.reshape(x.shape)
    for r in range(x.shape[0]):
        lse = np.float32(np.log(_sum(e[r])))
        o = out[r]
        for c in range(o.size):
            o[c] = o[c] - lse


@_jit
def _subtract_row(x, v, out):
    for r in range(x.shape[0]):
        for c in range(x.shape[1]):
            out[r, c] = x[r, c] - v[r]


def softmax_lastdim(x: np.ndarray) -> np.ndarray:
    """softmax over the last axis of a C-contiguous 2-D array."""
    out = np.empty_like(x)
    if x.size == 0:
        return out
    x = readonly(x)
    if x.dtype == np.float32:
        _softmax_f32(x, out)
        return out
    _shift_rows(x, out)
    np.exp(out, out=out)
    _normalize_rows(out)
    return out


def log_softmax_lastdim(x: np.ndarray) -> np.ndarray:
    """log_softmax over the last axis: (x - max) - log(sum(exp(x - max)))."""
    shifted = np.empty_like(x)
    if x.size == 0:
        return shifted
    x = readonly(x)
    if x.dtype == np.float32:
        _log_softmax_f32(x, shifted)
        return shifted
    _shift_rows(x, shifted)
    sums = np.empty(x.shape[0], x.dtype)
    _row_sums(np.exp(shifted), sums)
    out = np.empty_like(x)
    _subtract_row(shifted, np.log(sums), out)
    return out


@_jit_sum
def _softmax_backward(y, g, out):
    for r in range(y.shape[0]):
        dot = 0.0
        for c in range(y.shape[1]):
            dot += g[r, c] * y[r, c]
        for c in range(y.shape[1]):
            out[r, c] = y[r, c] * (g[r, c] - dot)


def softmax_backward_lastdim(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """dx = y * (g - sum(g * y))."""
    out = np.empty_like(y)
    if y.size:
        _softmax_backward(readonly(y), readonly(g), out)
    return out


@_jit_sum
def _log_softmax_backward(p, g, out):
    # p = exp(log_softmax): dx = g - p * sum(g)
    for r in range(p.shape[0]):
        s = 0.0
        for c in range(p.shape[1]):
            s += g[r, c]
        for c in range(p.shape[1]):
            out[r, c] = g[r, c] - p[r, c] * s


def log_softmax_backward_lastdim(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """y = log_softmax(x); dx = g - exp(y) * sum(g)."""
    out = np.empty_like(y)
    if y.size:
        _log_softmax_backward(exp_(np.array(y, copy=True)), readonly(g), out)
    return out
