"""Separable resampling kernel: one dim of x read through a sparse (n_out, n_in) table.

Along the resampled dim, viewed as x (P, L, Q), output o is
y[p, o, q] = sum_k w[k, o] * x[p, idx[k, o], q] over k < cnt[o], in k order (0 when cnt[o]
is 0); idx, w: (K, n_out). The forward of a resampling has K taps per output; its VJP is the
same kernel through the transposed table (padded to its widest row), so the gradient is
summed in registers rather than scatter-added (a read-modify-write chain per element, 5-10x
slower along the last dim, measured). Each plane p is independent: a serial and a
plane-parallel driver run them (parallel only when `conv.PARALLEL` is set, as the conv and
pooling kernels).
"""
import numba as nb
import numpy as np

from . import conv

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)
_jit_parallel = nb.njit(cache=True, error_model="numpy", nogil=True, parallel=True)
_jit_inline = nb.njit(cache=True, error_model="numpy", nogil=True, inline="always")
_u = conv._u   # unsigned indices: see kernels/conv.py


@_jit_inline
def _row_k(xr, yr, idx, w, cnt, k_):
    # k_ a literal (see _row): the k loop unrolls, 3-7x faster than a runtime trip count
    zero = yr.dtype.type(0)
    for o in range(yr.size):
        c, acc = cnt[o], zero
        for k in range(k_):
            v = w[k, o] * xr[_u(idx[k, o])]
            acc += v if k < c else zero   # a select: padding (w 0, x maybe inf) adds nothing
        yr[o] = acc


@_jit_inline
def _row(xr, yr, idx, w, cnt):
    k_ = idx.shape[0]
    if k_ == 1:
        _row_k(xr, yr, idx, w, cnt, 1)
    elif k_ == 2:
        _row_k(xr, yr, idx, w, cnt, 2)
    elif k_ == 3:
        _row_k(xr, yr, idx, w, cnt, 3)
    elif k_ == 4:
        _row_k(xr, yr, idx, w, cnt, 4)
    elif k_ == 5:
        _row_k(xr, yr, idx, w, cnt, 5)
    elif k_ == 6:
        _row_k(xr, yr, idx, w, cnt, 6)
    else:
        _row_k(xr, yr, idx, w, cnt, k_)


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
def _gather_rows(x, y, idx, w, cnt):
    for p in range(x.shape[0]):
        _row(x[p], y[p], idx, w, cnt)


@_jit_parallel
def _gather_rows_parallel(x, y, idx, w, cnt):
    for p in nb.prange(x.shape[0]):
        _row(x[p], y[p], idx, w, cnt)


@_jit
def _gather_planes(x, y, idx, w, cnt):
    for p in range(x.shape[0]):
        _plane(x, y, idx, w, cnt, p)


@_jit_parallel
def _gather_planes_parallel(x, y, idx, w, cnt):
    for p in nb.prange(x.shape[0]):
        _plane(x, y, idx, w, cnt, p)


# (last dim?, parallel?) -> driver
_DRIVERS = {(True, False): _gather_rows, (True, True): _gather_rows_parallel,
            (False, False): _gather_planes, (False, True): _gather_planes_parallel}


def gather_axis(x, table, axis):
    """x with its dim `axis` read through table = (idx, w, cnt): that dim becomes n_out.
    idx (K, n_out) and cnt (n_out,): int64; w (K, n_out): x's dtype."""
    idx, w, cnt = table
    shape, n_out = x.shape, idx.shape[1]
    p = int(np.prod(shape[:axis], dtype=np.int64))
    q = int(np.prod(shape[axis + 1:], dtype=np.int64))
    x = np.ascontiguousarray(x).reshape((p, shape[axis]) if q == 1 else (p, shape[axis], q))
    # allocated in its final shape: a view would make the engine copy it before adopting it
    out = np.empty(shape[:axis] + (n_out,) + shape[axis + 1:], x.dtype)
    y = out.reshape(x.shape[:1] + (n_out,) + x.shape[2:])
    _DRIVERS[q == 1, conv.PARALLEL and p > 1](x, y, idx, w, cnt)
    return out
