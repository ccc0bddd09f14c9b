"""Separable resampling kernel: one dim of x read through a sparse (n_out, n_in) table.

Along the resampled dim, viewed as x (P, L, Q), output o is
y[p, o, q] = sum_k w[k, o] * x[p, idx[k, o], q] over k < cnt[o], in k order (0 when cnt[o]
is 0); idx, w: (K, n_out); entries k >= cnt[o] are padding, with idx = L and w = 0. The
forward of a resampling has K taps per output; its VJP is the same kernel through the
transposed table (padded to its widest row), so the gradient is summed in registers rather
than scatter-added (a read-modify-write chain per element, 5-10x slower along the last dim,
measured). The drivers are serial: parallel ones (AUTOGRAD_PARALLEL, as conv's) gained
15-25% at 2 threads and cost ~25 s of compiling on a cold cache.
"""
import numba as nb
import numpy as np

from . import conv
from .readonly import readonly

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)
_jit_inline = nb.njit(cache=True, error_model="numpy", nogil=True, inline="always")
_u = conv._u   # unsigned indices: see kernels/conv.py


@_jit_inline
def _row(xr, yr, idx, w, k_):
    # k_ a literal (see _rows): the k loop unrolls, 3-7x faster than a runtime trip count
    for o in range(yr.size):
        acc = w[0, o] * xr[_u(idx[0, o])]
        for k in range(1, k_):
            acc += w[k, o] * xr[_u(idx[k, o])]
        yr[o] = acc


@_jit_inline
def _row_any(xr, yr, idx, w):
    # any K, a tap at a time over the row (each yr[o] still sums its taps in k order):
    # 1-1.3x _row's time at K = 3-7, where a runtime trip count in _row took 1.2-2x (measured)
    for o in range(yr.size):
        yr[o] = w[0, o] * xr[_u(idx[0, o])]
    for k in range(1, idx.shape[0]):
        for o in range(yr.size):
            yr[o] += w[k, o] * xr[_u(idx[k, o])]


@_jit_inline
def _rows_k(x, y, idx, w, padded, start, stop, k_):
    if not padded:
        for p in range(start, stop):
            _row(x[p], y[p], idx, w, k_)
        return
    # a padded table's spare entries read a zero appended to the row (x maybe inf: a zero
    # weight alone would add nan), so each row is copied to a buffer with that zero
    buf = np.zeros(x.shape[1] + 1, x.dtype)
    for p in range(start, stop):
        buf[:-1] = x[p]
        _row(buf, y[p], idx, w, k_)


@_jit_inline
def _rows_any(x, y, idx, w, padded, start, stop):
    # _rows_k with _row_any
    if not padded:
        for p in range(start, stop):
            _row_any(x[p], y[p], idx, w)
        return
    buf = np.zeros(x.shape[1] + 1, x.dtype)
    for p in range(start, stop):
        buf[:-1] = x[p]
        _row_any(buf, y[p], idx, w)


@_jit_inline
def _rows(x, y, idx, w, padded, start, stop):
    # unrolled for the forward tables of nearest (K = 1), linear (2) and cubic (4); each
    # unrolled K costs ~1 s of compiling per signature
    k_ = idx.shape[0]
    if k_ == 1:
        _rows_k(x, y, idx, w, padded, start, stop, 1)
    elif k_ == 2:
        _rows_k(x, y, idx, w, padded, start, stop, 2)
    elif k_ == 4:
        _rows_k(x, y, idx, w, padded, start, stop, 4)
    else:
        _rows_any(x, y, idx, w, padded, start, stop)


@_jit_inline
def _plane(x, y, idx, w, cnt, p):
    q_ = x.shape[2]
    for o in range(y.shape[1]):
        c = cnt[o]
        if c == 0:
            for q in range(q_):
                y[p, o, q] = 0
            continue
        i, wk = _u(idx[0, o]), w[0, o]
        for q in range(q_):
            y[p, o, q] = wk * x[p, i, q]
        for k in range(1, c):
            i, wk = _u(idx[k, o]), w[k, o]
            for q in range(q_):
                y[p, o, q] += wk * x[p, i, q]


@_jit
def _gather_rows(x, y, idx, w, cnt, padded):
    _rows(x, y, idx, w, padded, 0, x.shape[0])


@_jit
def _gather_planes(x, y, idx, w, cnt, padded):
    for p in range(x.shape[0]):
        _plane(x, y, idx, w, cnt, p)


def gather_axis(x, table, axis):
    """x with its dim `axis` read through table = (idx, w, cnt): that dim becomes n_out.
    idx (K, n_out) and cnt (n_out,): int64; w (K, n_out): x's dtype; padding as above."""
    idx, w, cnt = table
    shape, n_out = x.shape, idx.shape[1]
    p = int(np.prod(shape[:axis], dtype=np.int64))
    q = int(np.prod(shape[axis + 1:], dtype=np.int64))
    x = readonly(x).reshape((p, shape[axis]) if q == 1 else (p, shape[axis], q))
    # allocated in its final shape: a view would make the engine copy it before adopting it
    out = np.empty(shape[:axis] + (n_out,) + shape[axis + 1:], x.dtype)
    y = out.reshape(x.shape[:1] + (n_out,) + x.shape[2:])
    padded = bool(cnt.size) and int(cnt.min()) < idx.shape[0]
    (_gather_rows if q == 1 else _gather_planes)(x, y, idx, w, cnt, padded)
    return out
