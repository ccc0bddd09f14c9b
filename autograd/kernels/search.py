"""Binary search of values in the rows of a sorted sequence, step for step as PyTorch's CPU
searchsorted: lower bound is the first i with not (seq[i] < v) written as `seq[i] >= v`, so a
NaN value lands past the end, and a NaN in the sequence sends the search right whichever side
it is on. The answers (also on unsorted rows) are the ones torch gives, not numpy's."""
import numba as nb
import numpy as np

from .readonly import readonly


@nb.njit(cache=True, nogil=True)
def _search_rows(seq, order, use_order, values, right, out):
    rows, n = seq.shape
    for r in range(values.shape[0]):
        rs = r if rows > 1 else 0   # one sequence row serves every values row
        for j in range(values.shape[1]):
            v = values[r, j]
            lo, hi = 0, n
            while lo < hi:
                mid = lo + ((hi - lo) >> 1)
                s = seq[rs, order[rs, mid]] if use_order else seq[rs, mid]
                if not (s > v if right else s >= v):
                    lo = mid + 1
                else:
                    hi = mid
            out[r, j] = lo


def search_rows(seq: np.ndarray, values: np.ndarray, right: bool, out_dtype,
                order: np.ndarray | None = None) -> np.ndarray:
    """seq (R, n) or (1, n), values (R, m) of one dtype -> insertion indices (R, m) of
    out_dtype; order (like seq, int64, each entry in [0, n)) reads seq[r, order[r, i]]."""
    # the kernel writes int64 alone, cast after: an int32 output would compile it again
    out = np.empty(values.shape, np.int64)
    if out.size:
        use = order is not None
        order = readonly(order if use else np.zeros((1, 1), np.int64), np.int64)
        _search_rows(readonly(seq), order, use, readonly(values), bool(right), out)
    return out.astype(out_dtype, copy=False)
