"""LU factorization with partial pivoting, triangular solves and the Cholesky factorization
of batches of small dense matrices, in the order LAPACK's unblocked getf2, trsm and potf2
work: the pivot of column j is the first row of largest |a| at or below the diagonal, and a
zero pivot is recorded in info but skipped (no division), as LAPACK's, so the factor of a
singular matrix is LAPACK's too. Nothing is checked: division by a zero diagonal in a solve
gives inf and nan, as getrs."""
import math

import numba as nb
import numpy as np

from .readonly import readonly


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _lu_factor(a, piv, info):
    count, m, n = a.shape
    for t in range(count):
        x = a[t]
        for j in range(min(m, n)):
            p, best = j, abs(x[j, j])
            for i in range(j + 1, m):
                if abs(x[i, j]) > best:   # NaN never wins, as idamax
                    p, best = i, abs(x[i, j])
            piv[t, j] = p + 1
            if x[p, j] != 0:
                if p != j:
                    for c in range(n):
                        x[j, c], x[p, c] = x[p, c], x[j, c]
                for i in range(j + 1, m):
                    x[i, j] /= x[j, j]
            elif info[t] == 0:
                info[t] = j + 1
            for i in range(j + 1, m):
                f = x[i, j]
                for c in range(j + 1, n):
                    x[i, c] -= f * x[j, c]


def lu_factor(a: np.ndarray):
    """(LU, pivots, info) of a (*, m, n) with A = P L U: LU holds L's strict lower triangle
    (its unit diagonal implied) and U, (*, m, n) in a's dtype; pivots (*, min(m, n)) int32,
    1-based, row i was swapped with row pivots[i]; info (*) int32, 0 or the 1-based index of
    the first zero pivot."""
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    count = math.prod(batch)
    lu = np.array(a, order="C").reshape(count, m, n)
    piv = np.empty((count, min(m, n)), np.int32)
    info = np.zeros(count, np.int32)
    if lu.size:
        with np.errstate(all="ignore"):   # overflow as the jitted loop (NUMBA_DISABLE_JIT)
            _lu_factor(lu, piv, info)
    else:   # empty matrices: the identity permutation, as LAPACK's
        piv[:] = np.arange(1, min(m, n) + 1, dtype=np.int32)
    return lu.reshape(a.shape), piv.reshape(batch + (min(m, n),)), info.reshape(batch)


@nb.njit(cache=True, nogil=True)
def _permutation(piv, perm):
    for t in range(piv.shape[0]):
        for j in range(piv.shape[1]):
            p = piv[t, j] - 1
            perm[t, j], perm[t, p] = perm[t, p], perm[t, j]


def permutation(piv: np.ndarray, m: int) -> np.ndarray:
    """The row order the swaps of pivots (*, k) (1-based, each in [1, m]) give: perm (*, m)
    int64 with (P^T A)[j] = A[perm[j]], i.e. P[perm[j], j] = 1."""
    batch = piv.shape[:-1]
    count = math.prod(batch)
    perm = np.empty((count, m), np.int64)
    perm[:] = np.arange(m)
    _permutation(readonly(piv).reshape(count, piv.shape[-1]), perm)
    return perm.reshape(batch + (m,))


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _solve_triangular(t, x, upper, unit):
    count, n, k = x.shape
    for s in range(count):
        a, b = t[s], x[s]
        for step in range(n):
            i = n - 1 - step if upper else step
            lo, hi = (i + 1, n) if upper else (0, i)
            for j in range(lo, hi):
                f = a[i, j]
                for c in range(k):
                    b[i, c] -= f * b[j, c]
            if not unit:
                d = a[i, i]
                for c in range(k):
                    b[i, c] /= d


def solve_triangular(t: np.ndarray, b: np.ndarray, upper: bool, unit: bool) -> np.ndarray:
    """X with T X = B for T the upper (or lower) triangle of t (*, n, n), ones on its
    diagonal when unit (t's diagonal is not read then); b (*, n, k); batch dims broadcast.
    -> (*, n, k) in their common dtype."""
    batch = np.broadcast_shapes(t.shape[:-2], b.shape[:-2])
    dtype = np.result_type(t, b)
    n, k = b.shape[-2:]
    count = math.prod(batch)
    x = np.array(np.broadcast_to(b, batch + (n, k)), dtype, order="C").reshape(count, n, k)
    if x.size:
        tt = readonly(np.broadcast_to(t, batch + (n, n)), dtype)
        with np.errstate(all="ignore"):   # inf and nan as the jitted loop (NUMBA_DISABLE_JIT)
            _solve_triangular(tt.reshape(count, n, n), x, upper, unit)
    return x.reshape(batch + (n, k))


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _cholesky(a, info):
    count, n, _ = a.shape
    for t in range(count):
        x = a[t]
        for j in range(n):
            d = x[j, j]
            for c in range(j):
                d -= x[j, c] * x[j, c]
            if not d > 0:   # (NaN too) the diagonal keeps the value that failed, as potf2
                x[j, j] = d
                info[t] = j + 1
                break
            d = math.sqrt(d)
            x[j, j] = d
            for i in range(j + 1, n):
                s = x[i, j]
                for c in range(j):
                    s -= x[i, c] * x[j, c]
                x[i, j] = s / d


def cholesky(a: np.ndarray):
    """(L, info) for the lower triangles of a (*, n, n): L lower triangular with A = L L^T,
    and info (*) int32, 0 or the order of the first leading minor that is not positive
    definite. Where that happens L is LAPACK's potf2 stopped there: the failing value on the
    diagonal, the columns from there on as A's lower triangle left them."""
    batch, n = a.shape[:-2], a.shape[-1]
    count = math.prod(batch)
    low = np.tril(np.array(a, order="C")).reshape(count, n, n)
    info = np.zeros(count, np.int32)
    if low.size:
        _cholesky(low, info)
    return low.reshape(a.shape), info.reshape(batch)
