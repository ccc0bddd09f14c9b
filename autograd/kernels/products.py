"""Products that BLAS serves badly: a batch of outer products (the VJPs of attention's
(B, S, H) @ (B, H, 1) and (B, 1, S) @ (B, S, H)). numpy broadcasts a (B, m, 1) * (B, 1, n)
multiply through a stride-0 inner loop, ~5x slower than this loop; each element is the one
product, so the results are the same bits."""
import numba as nb
import numpy as np

from .readonly import readonly


@nb.njit(cache=True, error_model="numpy", nogil=True)
def _batched_outer(a, b, out):
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            v = a[i, j]
            for k in range(out.shape[2]):
                out[i, j, k] = v * b[i, k]


def batched_outer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a (..., m, 1) * b (..., 1, n) -> (..., m, n); a loop for one batch dim of the same
    size and one float dtype, numpy's broadcasting multiply otherwise."""
    if (a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0] or a.dtype != b.dtype
            or a.dtype.kind != "f" or a.itemsize < 4):
        return np.multiply(a, b)
    out = np.empty((a.shape[0], a.shape[1], b.shape[2]), a.dtype)
    # contiguous rows (a copy of a strided view, such as a gradient that cat's VJP split): the
    # loop over a strided b stays scalar, ~3x slower
    _batched_outer(readonly(a[:, :, 0]), readonly(b[:, 0, :]), out)
    return out
