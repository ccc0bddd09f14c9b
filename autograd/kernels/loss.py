"""Fused cross-entropy rows: x (M, C) logits, t (M,) int64 class indices, w (C,) class weights.

exp runs between the kernels (fastexp's on float32, np.exp else); the kernels fuse the row
maxima, sums, target gathers and the softmax-minus-onehot VJP.
"""
import numba as nb
import numpy as np

from .fastexp import exp_into
from .readonly import readonly
from .softmax import _row_sums, _shift_rows  # shared row kernels

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)


@_jit
def _ce_rows(shifted, lse, t, w, ignore, smooth, nll, smooth_out):
    for r in range(shifted.shape[0]):
        k = t[r]
        if k == ignore:
            nll[r] = 0.0
            smooth_out[r] = 0.0
            continue
        nll[r] = -(shifted[r, k] - lse[r]) * w[k]
        if smooth:
            s = 0.0
            for c in range(shifted.shape[1]):
                s += w[c] * (shifted[r, c] - lse[r])
            smooth_out[r] = -s


def cross_entropy_rows(x, t, w, ignore_index, smoothing):
    """Per-row losses of log_softmax(x): nll_r = -w[t_r] logp[r, t_r] and
    smooth_r = -sum_c w[c] logp[r, c] (0 on ignored rows).

    Returns (nll, smooth, e, s): e = exp(x - rowmax), s = its row sums, for the VJP.
    """
    m, c = x.shape
    shifted = np.empty_like(x)
    e = np.empty_like(x)
    s = np.empty(m, x.dtype)
    nll, smooth = np.zeros(m, x.dtype), np.zeros(m, x.dtype)
    if x.size == 0:
        return nll, smooth, e, s
    _shift_rows(readonly(x), shifted)
    exp_into(shifted, e)
    _row_sums(e, s)
    _ce_rows(shifted, np.log(s), readonly(t), readonly(w), ignore_index, smoothing, nll, smooth)
    return nll, smooth, e, s


@_jit
def _ce_backward(e, s, t, w, ignore, a, b, out):
    wsum = 0.0
    for c in range(w.shape[0]):
        wsum += w[c]
    for r in range(e.shape[0]):
        k = t[r]
        if k == ignore:
            for c in range(e.shape[1]):
                out[r, c] = 0.0
            continue
        at = a[r] * w[k]
        br = b[r]
        coef = (at + br * wsum) / s[r]
        for c in range(e.shape[1]):
            out[r, c] = e[r, c] * coef - br * w[c]
        out[r, k] -= at


def cross_entropy_rows_backward(e, s, t, w, ignore_index, a, b):
    """VJP of sum_r a_r nll_r + b_r smooth_r:  dx = softmax * (a w_t + b sum w) - a w_t onehot
    - b w.  a, b: (M,) row coefficients (the upstream gradient and the reduction folded in)."""
    out = np.empty_like(e)
    if e.size:
        _ce_backward(readonly(e), readonly(s), readonly(t), readonly(w), ignore_index,
                     readonly(a), readonly(b), out)
    return out
