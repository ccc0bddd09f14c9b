"""Inverses and solves of real (*, n, n) matrices, batched over the leading dims: inv, solve,
pinv, matrix_exp, and the LU pivot check behind inv_ex's info. VJPs as PyTorch's, each also
recorded (backward_graph, for create_graph=True) with Tensor ops."""
from __future__ import annotations

import numpy as np

from ..function import Function, constant
from .linalg_decomp import LinAlgError, about, mT, nan_where_not_finite
from .shape import Cat


def lu_info(a):
    """LAPACK getrf's info for each matrix of a (*, n, n): 0, or the 1-based index of the
    first zero pivot of its LU factorization with partial pivoting. -> int32 (*)."""
    n = a.shape[-1]
    work = a.reshape(int(np.prod(a.shape[:-2])), n, n).astype(np.float64)
    info = np.zeros(work.shape[0], np.int32)
    if n == 0:
        return info.reshape(a.shape[:-2])
    # LAPACK's getrf met a zero pivot exactly where slogdet's sign is 0: the elimination
    # below, a Python loop over n, runs on those matrices only, to say which pivot
    found = np.flatnonzero(np.linalg.slogdet(work)[0] == 0)
    if found.size:
        info[found] = _first_zero_pivot(work[found])
    return info.reshape(a.shape[:-2])


def _first_zero_pivot(work):
    """For each matrix of work (b, n, n), float64, overwritten: the 1-based index of the first
    zero pivot of its LU elimination with partial pivoting, 0 if none."""
    n = work.shape[-1]
    info = np.zeros(work.shape[0], np.int32)
    rows = np.arange(work.shape[0])
    for k in range(n):
        piv = k + np.argmax(np.abs(work[:, k:, k]), axis=1)
        top = work[rows, piv].copy()
        work[rows, piv] = work[:, k]
        work[:, k] = top
        p = work[:, k, k]
        zero = p == 0
        info[(info == 0) & zero] = k + 1
        # a zero pivot has zeros below it (it is the column's largest): nothing to eliminate
        factors = work[:, k + 1:, k] / np.where(zero, 1, p)[:, None]
        work[:, k + 1:, k + 1:] -= factors[:, :, None] * work[:, None, k, k + 1:]
    return info


def singular(op, a, name="A"):
    """A LinAlgError for a singular a that says which matrix of the batch and which pivot."""
    info = lu_info(a)
    where = ""
    if info.any():
        idx = np.argwhere(info)[0]
        at = f"batch element {tuple(int(i) for i in idx)}, " if info.ndim else ""
        where = f": {at}diagonal element {int(info[tuple(idx)])} of its LU factor is zero"
    return LinAlgError(f"{op}: the input matrix {name} is singular{where} ({about(a, name)})")


def solve(a, b):
    """np.linalg.solve for a (*, n, n) and b (*, n, k) whose batch dims broadcast (numpy
    before 2.0 would read a b with one dim fewer than a as a stack of vectors)."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    return np.linalg.solve(np.broadcast_to(a, batch + a.shape[-2:]),
                           np.broadcast_to(b, batch + b.shape[-2:]))


class Inv(Function):
    """Y = A^{-1}, (*, n, n) -> (*, n, n);  dA = -Y^T g Y^T. With check=False a singular
    matrix gives NaNs instead of an error (inv_ex, which passes lu_info(A) as info)."""

    @staticmethod
    def forward(ctx, a, check=True, info=None):
        try:
            if info is not None and info.any():
                raise np.linalg.LinAlgError   # known singular: straight to the NaN path
            y = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            if check:
                raise singular("linalg.inv", a) from None
            y = np.full(a.shape, np.nan, a.dtype)
            info = lu_info(a) if info is None else info
            flat, out = a.reshape((-1,) + a.shape[-2:]), y.reshape((-1,) + a.shape[-2:])
            good = np.flatnonzero(info.reshape(-1) == 0)
            try:   # the invertible ones in one batched call
                out[good] = np.linalg.inv(flat[good])
            except np.linalg.LinAlgError:   # LAPACK still finds a zero pivot: NaN there
                for k in good:
                    try:
                        out[k] = np.linalg.inv(flat[k])
                    except np.linalg.LinAlgError:
                        pass
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        yt = mT(y)
        return (-(yt @ g @ yt),)

    @staticmethod
    def backward_graph(ctx, g):
        (y,) = ctx.saved
        yt = ctx.output_tensor(y).mT
        return (-(yt @ (g @ yt)),)


class Solve(Function):
    """X = A^{-1} B, A (*, n, n), B (*, n, k) (batch dims broadcast) -> (*, n, k);
    dB = A^{-T} g, dA = -dB X^T (the engine sums them back to A's and B's shapes)."""

    @staticmethod
    def forward(ctx, a, b):
        try:
            x = solve(a, b)
        except np.linalg.LinAlgError:
            raise singular("linalg.solve", a) from None
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved
        gb = solve(mT(a), g)
        ga = -(gb @ mT(x)) if ctx.needs_input_grad[0] else None
        return ga, gb

    @staticmethod
    def backward_graph(ctx, g):
        a, x = ctx.saved
        gb = Solve.apply(ctx.input_tensor(0, a).mT, g)
        ga = -(gb @ ctx.output_tensor(x).mT) if ctx.needs_input_grad[0] else None
        return ga, gb


class Pinv(Function):
    """Moore-Penrose pseudo-inverse P = A^+, (*, m, n) -> (*, n, m): singular values (or
    |eigenvalues| when hermitian) at or below max(atol, rtol * the largest) are dropped.
    dA is torch's pinv_backward (exact while the rank does not change):
    m <= n: -(P K)^T + K P^T - A P K P^T + P^T P (g^T - K A), K = g^T P;
    m > n:  -(K P)^T + (g^T - A K) P P^T + P^T K - P^T K P A, K = P g^T; all transposed."""

    @staticmethod
    def forward(ctx, a, atol=0.0, rtol=0.0, hermitian=False):
        atol, rtol = np.asarray(atol, a.dtype), np.asarray(rtol, a.dtype)
        if hermitian:
            w, v = nan_where_not_finite(np.linalg.eigh, a)
            cut = np.maximum(atol, rtol * np.abs(w).max(-1, initial=0))[..., None]
            winv = np.where(np.abs(w) > cut, 1 / np.where(w == 0, 1, w), 0)
            p = (v * winv[..., None, :]) @ mT(v)
        else:
            u, s, vh = nan_where_not_finite(np.linalg.svd, a, full_matrices=False)
            cut = np.maximum(atol, rtol * s.max(-1, initial=0))[..., None]
            sinv = np.where(s > cut, 1 / np.where(s == 0, 1, s), 0)
            p = (mT(vh) * sinv[..., None, :]) @ mT(u)
        ctx.save_for_backward(a, p)
        return p.astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        a, p = ctx.saved
        m, n = a.shape[-2:]
        pt, gt = mT(p), mT(g)
        if m <= n:
            k = gt @ p
            kpt = k @ pt
            out = -mT(p @ k) + kpt - (a @ p) @ kpt + (pt @ p) @ (gt - k @ a)
        else:
            k = p @ gt
            ptk = pt @ k
            out = -mT(k @ p) + (gt - a @ k) @ p @ pt + ptk - ptk @ p @ a
        return (out,)

    @staticmethod
    def backward_graph(ctx, g):
        a, p = ctx.saved
        m, n = a.shape[-2:]
        a, p = ctx.input_tensor(0, a), ctx.output_tensor(p)
        pt, gt = p.mT, g.mT
        if m <= n:
            k = gt @ p
            kpt = k @ pt
            return (-(p @ k).mT + kpt - (a @ p) @ kpt + (pt @ p) @ (gt - k @ a),)
        k = p @ gt
        ptk = pt @ k
        return (-(k @ p).mT + (gt - a @ k) @ p @ pt + ptk - ptk @ p @ a,)


def _expm(a):
    """exp(a) for (*, n, n) by scaling and squaring: each matrix is scaled by 2^-s until its
    1-norm is at most 1/2, where a Taylor polynomial of degree 18 is exact to rounding, then
    squared s times."""
    norm = np.abs(a).sum(axis=-2).max(axis=-1, initial=0)
    with np.errstate(divide="ignore"):
        steps = np.maximum(0, np.ceil(np.log2(np.where(norm > 0, norm, 1) / 0.5))).astype(int)
    x = a / (2.0 ** steps)[..., None, None]
    eye = np.eye(a.shape[-1], dtype=a.dtype)
    out = eye + x / 18
    for k in range(17, 0, -1):
        out = eye + (x @ out) / k
    for step in range(int(steps.max(initial=0))):
        out = np.where((steps > step)[..., None, None], out @ out, out)
    return out.astype(a.dtype, copy=False)


class MatrixExp(Function):
    """Y = exp(A), (*, n, n) -> (*, n, n);  dA = the top-right block of
    exp([[A^T, g], [0, A^T]]) (the Frechet derivative at A^T applied to g)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _expm(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        n = a.shape[-1]
        batch = np.broadcast_shapes(a.shape[:-2], g.shape[:-2])
        block = np.zeros(batch + (2 * n, 2 * n), np.result_type(a, g))
        block[..., :n, :n] = block[..., n:, n:] = mT(a)
        block[..., :n, n:] = g
        return (_expm(block)[..., :n, n:],)

    @staticmethod
    def backward_graph(ctx, g):
        (a,) = ctx.saved
        n = a.shape[-1]
        at = ctx.input_tensor(0, a).mT
        zeros = constant(np.zeros(a.shape, a.dtype))
        block = Cat.apply(Cat.apply(at, g, axis=-1), Cat.apply(zeros, at, axis=-1), axis=-2)
        return (MatrixExp.apply(block)[..., :n, n:],)
