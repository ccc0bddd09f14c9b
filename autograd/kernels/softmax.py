"""Row-wise softmax family on C-contiguous 2-D arrays (rows, classes)."""
import numba as nb
import numpy as np

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)


@_jit
def _shift_by_row_max(x, out):
    # subtracting the row max keeps exp() in (0, 1]: logits of 1e4 stay finite
    for r in range(x.shape[0]):
        m = x[r, 0]
        for c in range(1, x.shape[1]):
            if x[r, c] > m:
                m = x[r, c]
        if m == -np.inf:  # an all -inf row: leave it -inf, softmax gives nan like PyTorch
            m = 0.0
        for c in range(x.shape[1]):
            out[r, c] = x[r, c] - m


@_jit
def _normalize_rows(e):
    for r in range(e.shape[0]):
        s = 0.0
        for c in range(e.shape[1]):
            s += e[r, c]
        inv = 1.0 / s
        for c in range(e.shape[1]):
            e[r, c] *= inv


@_jit
def _row_sums(e, out):
    for r in range(e.shape[0]):
        s = 0.0
        for c in range(e.shape[1]):
            s += e[r, c]
        out[r] = s


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
    _shift_by_row_max(x, out)
    np.exp(out, out=out)
    _normalize_rows(out)
    return out


def log_softmax_lastdim(x: np.ndarray) -> np.ndarray:
    """log_softmax over the last axis: (x - max) - log(sum(exp(x - max)))."""
    shifted = np.empty_like(x)
    if x.size == 0:
        return shifted
    _shift_by_row_max(x, shifted)
    sums = np.empty(x.shape[0], x.dtype)
    _row_sums(np.exp(shifted), sums)
    out = np.empty_like(x)
    _subtract_row(shifted, np.log(sums), out)
    return out


@_jit
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
        _softmax_backward(y, g, out)
    return out


@_jit
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
        _log_softmax_backward(np.exp(y), g, out)
    return out
