"""Adaptive max pooling on planes x (P, D, H, W) (D = 1 or H = 1 for fewer spatial dims).

Cell i of an axis of size n cut into o cells covers [floor(i*n/o), ceil((i+1)*n/o)), so
windows overlap when n is not a multiple of o, and repeat input positions when o > n. The
gradient goes back with `pooling.max_pool_backward`, which adds where argmaxes coincide.
"""
import numba as nb
import numpy as np

from .readonly import readonly


@nb.njit(cache=True, nogil=True)
def _bounds(n, o):
    """Window [start, stop) of each of o cells over an axis of n."""
    lo, hi = np.empty(o, np.int64), np.empty(o, np.int64)
    for i in range(o):
        lo[i], hi[i] = (i * n) // o, -((-(i + 1) * n) // o)
    return lo, hi


@nb.njit(cache=True, nogil=True)
def _adaptive_max_forward(x, y, idx):
    h, w = x.shape[2], x.shape[3]
    d0, d1 = _bounds(x.shape[1], y.shape[1])
    h0, h1 = _bounds(h, y.shape[2])
    w0, w1 = _bounds(w, y.shape[3])
    for p in range(x.shape[0]):
        for i in range(y.shape[1]):
            for j in range(y.shape[2]):
                for k in range(y.shape[3]):
                    # starting at the window's first value picks what torch's -inf start does
                    arg = (d0[i] * h + h0[j]) * w + w0[k]
                    best = x[p, d0[i], h0[j], w0[k]]
                    for a in range(d0[i], d1[i]):
                        for b in range(h0[j], h1[j]):
                            row = (a * h + b) * w
                            for c in range(w0[k], w1[k]):
                                v = x[p, a, b, c]
                                # strict > keeps the first max; each NaN wins, so the last one does
                                if v > best or v != v:
                                    best = v
                                    arg = row + c
                    y[p, i, j, k] = best
                    idx[p, i, j, k] = arg


def adaptive_max_forward(x: np.ndarray, out_size) -> tuple[np.ndarray, np.ndarray]:
    """x: (P, D, H, W) -> (y (P, oD, oH, oW), argmax as int64 flat indices (d*H + h)*W + w)."""
    shape = (x.shape[0],) + tuple(out_size)
    y, idx = np.empty(shape, x.dtype), np.empty(shape, np.int64)
    if y.size:
        _adaptive_max_forward(readonly(x), y, idx)
    return y, idx
