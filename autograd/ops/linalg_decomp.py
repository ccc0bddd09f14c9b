"""Determinants and decompositions of real (*, m, n) matrices, batched over the leading dims:
det, slogdet, cholesky, qr, eigh, svd. The VJPs are PyTorch's (FunctionsManual.cpp).

A Function returns one array, so an op with several outputs (Q and R, eigenvalues and
eigenvectors) returns them packed along one last axis, (*, size_1 + size_2 + ...); the caller
slices them apart (autograd.linalg) and backward gets their cotangents packed the same way.

Each op also has a `backward_graph` (create_graph=True): the same VJP with Tensor ops, as
torch's formulas are when grad mode is on; it reads the outputs by rebuilding the packed
array forward returned (`ctx.output_tensor`) and slicing it with recorded ops.
"""
from __future__ import annotations

import math

import numpy as np

from ..function import Function, constant
from .shape import Cat


class LinAlgError(RuntimeError):
    """A factorization or inversion failed (a singular or non-positive-definite input), as
    torch.linalg.LinAlgError: a RuntimeError."""


def mT(a):
    """The transpose of the last two dims."""
    return np.swapaxes(a, -1, -2)


def pack(batch, *arrays):
    """Arrays of shapes batch + tail_i -> one (*batch, sum of the tails' sizes) array."""
    return np.concatenate([a.reshape(batch + (math.prod(a.shape[len(batch):]),))
                           for a in arrays], axis=-1)   # (not -1: a batch may be empty)


def unpack(g, batch, *tails):
    """The inverse of pack: a packed g -> one array of shape batch + tail per tail."""
    out, start = [], 0
    for tail in tails:
        size = math.prod(tail)
        out.append(g[..., start:start + size].reshape(batch + tuple(tail)))
        start += size
    return out


def unpack_tensor(t, batch, *tails):
    """unpack for a Tensor, with recorded slices: a packed t -> one Tensor per tail."""
    out, start = [], 0
    for tail in tails:
        size = math.prod(tail)
        out.append(t[..., start:start + size].reshape(batch + tuple(tail)))
        start += size
    return out


def _solve(a, b):
    """a^{-1} b for Tensors, recorded (linalg_solve imports this module: imported late)."""
    from .linalg_solve import Solve
    return Solve.apply(a, b)


def _right_solve_transposed(x, r):
    """x r^{-T} for Tensors, recorded."""
    return _solve(r, x.mT).mT


def _eye(n, dtype):
    return constant(np.eye(n, dtype=dtype))


def about(a, name="A"):
    return f"{name} of shape {tuple(a.shape)} and dtype {a.dtype}"


def nan_where_not_finite(fn, a, *args, **kwargs):
    """fn(a, ...) (np.linalg.svd, eigh, ...) of a batch of matrices, NaN for each matrix that
    holds an inf or a nan: LAPACK's SVD may never return on one, torch's result is NaN."""
    ok = np.isfinite(a).all(axis=(-2, -1))
    if ok.all():
        return fn(a, *args, **kwargs)
    out = fn(np.where(ok[..., None, None], a, 0), *args, **kwargs)
    for r in out if isinstance(out, tuple) else (out,):
        r[~ok] = np.nan   # ok has the batch shape: it selects whole matrices/vectors
    return out


def inverse(op, a):
    """np.linalg.inv(a), failing with a LinAlgError that names op."""
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise LinAlgError(f"{op}: the input matrix is singular, so it cannot be inverted "
                          f"({about(a)})") from None


def _cofactor(a, d):
    """The cofactor matrix of a: d a^{-T} where d = det(a) != 0, and from the SVD
    a = U diag(s) V^T elsewhere: det(U) det(V) U diag(prod_{j != i} s_j) V^T (zero when the
    rank is below n - 1), as torch's gradient of det at singular matrices."""
    n = a.shape[-1]
    if a.size == 0:   # 0x0 matrices (det 1, no entries) or an empty batch
        return np.zeros_like(a)
    flat, dets = a.reshape(-1, n, n), d.reshape(-1)
    out = np.empty_like(flat)
    ok = dets != 0
    if ok.any():
        out[ok] = dets[ok, None, None] * mT(np.linalg.inv(flat[ok]))
    if not ok.all():
        u, s, vh = np.linalg.svd(flat[~ok])
        others = np.prod(np.where(np.eye(n, dtype=bool), 1, s[:, None, :]), axis=-1)
        sign = np.linalg.det(u) * np.linalg.det(vh)
        out[~ok] = sign[:, None, None] * ((u * others[:, None, :]) @ vh)
    return out.reshape(a.shape)


class Det(Function):
    """y = det(A), (*, n, n) -> (*);  dA = g * cofactor(A) (= g y A^{-T} when invertible)."""

    @staticmethod
    def forward(ctx, a):
        with np.errstate(over="ignore"):   # inf past the dtype's range, as PyTorch
            d = np.asarray(np.linalg.det(a), a.dtype)
        ctx.save_for_backward(a, d)
        return d

    @staticmethod
    def backward(ctx, g):
        a, d = ctx.saved
        return (g[..., None, None] * _cofactor(a, d),)

    @staticmethod
    def backward_graph(ctx, g):
        # torch's rule in grad mode: g det A^{-T} where |det A| >= 100 eps, the SVD form of
        # the cofactor on the other matrices of the batch (each computed on its own ones)
        a, d = ctx.saved
        at, dt = ctx.input_tensor(0, a), ctx.output_tensor(d)
        small = (np.abs(d) < 100 * np.finfo(a.dtype).eps).reshape(-1)
        if not small.any():
            return (_det_grad_invertible(at, dt, g),)
        if small.all():
            return (_det_grad_svd(at, g),)
        n = a.shape[-1]
        big, tiny = np.flatnonzero(~small), np.flatnonzero(small)
        at, dt, g = at.reshape(-1, n, n), dt.reshape(-1), g.reshape(-1)
        parts = Cat.apply(_det_grad_invertible(at[big], dt[big], g[big]),
                          _det_grad_svd(at[tiny], g[tiny]), axis=0)
        return (parts[np.argsort(np.concatenate([big, tiny]))].reshape(a.shape),)


def _det_grad_invertible(a, d, g):
    """g det(A) A^{-T} for Tensors, recorded."""
    from .linalg_solve import Inv
    return (g * d).unsqueeze(-1).unsqueeze(-1) * Inv.apply(a).mT


def _det_grad_svd(a, g):
    """g times the cofactor matrix of A = U diag(S) Vh, recorded: det(U) det(Vh) U
    diag(prod_{j != i} S_j) Vh (torch's det backward at (nearly) singular matrices)."""
    n = a.shape[-1]
    u, s, vh = unpack_tensor(SVD.apply(a), tuple(a.shape[:-2]), (n, n), (n,), (n, n))
    alpha = Det.apply(u) * Det.apply(vh)
    return (u * (_products_of_others(s) * (g * alpha).unsqueeze(-1)).unsqueeze(-2)) @ vh


def _products_of_others(s):
    """(*, n) -> (*, n): prod_{j != i} s_j, from prefix and suffix products (no division,
    so exact at zeros), recorded."""
    n = s.shape[-1]
    before = [constant(np.ones(tuple(s.shape[:-1]) + (1,), s.dtype))]
    after = list(before)
    for i in range(1, n):
        before.append(before[-1] * s[..., i - 1:i])
        after.append(after[-1] * s[..., n - i:n - i + 1])
    return Cat.apply(*[b * c for b, c in zip(before, reversed(after))], axis=-1)


class SLogDet(Function):
    """(sign, log|det A|) packed as (*, 2);  dA = g_logabsdet A^{-T} (sign: zero gradient)."""

    @staticmethod
    def forward(ctx, a):
        sign, logabs = np.linalg.slogdet(a)
        ctx.save_for_backward(a)
        return np.stack([sign, logabs], axis=-1).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        return (g[..., 1, None, None] * mT(inverse("linalg.slogdet (backward)", a)),)

    @staticmethod
    def backward_graph(ctx, g):
        from .linalg_solve import Inv
        (a,) = ctx.saved
        try:
            a_inv = Inv.apply(ctx.input_tensor(0, a))
        except LinAlgError:
            raise LinAlgError(f"linalg.slogdet (backward): the input matrix is singular, so it "
                              f"cannot be inverted ({about(a)})") from None
        return (g[..., 1].unsqueeze(-1).unsqueeze(-1) * a_inv.mT,)


def _fails(m) -> bool:
    try:
        np.linalg.cholesky(m)
    except np.linalg.LinAlgError:
        return True
    return False


def _first_failing(count, fails) -> int:
    """The first i in [0, count) where fails(0..i+1) first holds, for a monotone fails (the
    batch prefix, or the leading minor, that the factorization stops at): O(log count) tries."""
    lo, hi = 0, count - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if fails(mid + 1):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _not_positive_definite(a):
    """torch's LinAlgError for a batch a (*, n, n) whose Cholesky factorization fails: the
    first failing matrix of the batch and the order of its first leading minor that is not
    positive-definite."""
    flat = a.reshape((-1,) + a.shape[-2:])
    b = _first_failing(len(flat), lambda k: _fails(flat[:k]))
    order = _first_failing(a.shape[-1], lambda k: _fails(flat[b, :k, :k])) + 1
    at = f"(Batch element {b}): " if a.ndim > 2 else ""
    return LinAlgError(f"linalg.cholesky: {at}The factorization could not be completed because "
                       f"the input is not positive-definite (the leading minor of order {order} "
                       f"is not positive-definite) ({about(a)})")


class Cholesky(Function):
    """L = cholesky(A), A = L L^T, from A's lower triangle (upper: U with A = U^T U, from
    the upper one), (*, n, n) -> (*, n, n);
    dA = sym(L^{-T} phi(L^T gL) L^{-1}), phi = the lower triangle with its diagonal halved."""

    @staticmethod
    def forward(ctx, a, upper=False):
        try:
            # the factor of A^T's lower triangle is U^T (numpy < 2 has no upper=)
            low = np.linalg.cholesky(mT(a) if upper else a)
        except np.linalg.LinAlgError:
            raise _not_positive_definite(mT(a) if upper else a) from None
        ctx.save_for_backward(low)
        ctx.upper = upper
        return mT(low).copy() if upper else low

    @staticmethod
    def backward(ctx, g):
        (low,) = ctx.saved
        if ctx.upper:
            g = mT(g)
        low_inv = np.linalg.inv(low)
        phi = np.tril(mT(low) @ g)
        np.einsum("...ii->...i", phi)[...] *= 0.5
        ga = mT(low_inv) @ phi @ low_inv
        return (0.5 * (ga + mT(ga)),)

    @staticmethod
    def backward_graph(ctx, g):
        # torch's cholesky_backward: L^{-T} sym(phi) L^{-1}, two recorded solves
        (low,) = ctx.saved
        if ctx.upper:
            low_t, g = ctx.output_tensor(mT(low).copy()).mT, g.mT
        else:
            low_t = ctx.output_tensor(low)
        phi = (low_t.mT @ g).tril()
        phi = 0.5 * (phi + phi.tril(-1).mT)
        return (_right_solve_transposed(_solve(low_t.mT, phi), low_t.mT),)


def _copyltu(m):
    """The symmetric matrix with m's lower triangle: tril(m) + tril(m, -1)^T."""
    return np.tril(m) + mT(np.tril(m, -1))


def _triangular_right_solve(x, r):
    """x r^{-T} for an upper-triangular invertible r."""
    return mT(np.linalg.solve(r, mT(x)))


class QR(Function):
    """A = Q R, (*, m, n) -> Q (*, m, k), R (*, k, n) packed (k = min(m, n); k = m for Q and
    R in mode 'complete'); mode 'r' returns R alone. For m >= n:
    dA = (gQ + Q copyltu(M)) R^{-T}, M = R gR^T - gQ^T Q; for m < n, the same on the first m
    columns with gQ + Y gV^T (A = [X | Y], R = [U | V]), and Q gV on the last n - m."""

    @staticmethod
    def forward(ctx, a, mode="reduced"):
        batch = a.shape[:-2]
        if mode == "r":
            ctx.mode = mode
            return np.linalg.qr(a, mode="r")
        q, r = np.linalg.qr(a, mode=mode)
        ctx.save_for_backward(q, r)
        ctx.mode, ctx.batch = mode, batch
        return pack(batch, q, r)

    @staticmethod
    def backward(ctx, g):
        if ctx.mode == "r":
            raise RuntimeError("linalg.qr: the derivative depends on Q, which is not computed "
                               "when mode='r'; use mode='reduced' to differentiate through it")
        q, r = ctx.saved
        m, n = q.shape[-2], r.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError(f"linalg.qr: the QR decomposition is not differentiable when "
                               f"mode='complete' and nrows > ncols (got {m} > {n})")
        gq, gr = unpack(g, ctx.batch, q.shape[-2:], r.shape[-2:])
        if m >= n:
            mm = r @ mT(gr) - mT(gq) @ q
            return (_triangular_right_solve(gq + q @ _copyltu(mm), r),)
        u, v = r[..., :, :m], r[..., :, m:]
        gu, gv = gr[..., :, :m], gr[..., :, m:]
        y = q @ v
        gq = gq + y @ mT(gv)
        mm = u @ mT(gu) - mT(gq) @ q
        gx = _triangular_right_solve(gq + q @ _copyltu(mm), u)
        return (np.concatenate([gx, q @ gv], axis=-1),)

    @staticmethod
    def backward_graph(ctx, g):
        if ctx.mode == "r" or (ctx.mode == "complete"
                               and ctx.saved[0].shape[-2] > ctx.saved[1].shape[-1]):
            QR.backward(ctx, g)   # raises the error of the modes without a derivative
        q, r = ctx.saved
        m, n = q.shape[-2], r.shape[-1]
        shapes = (q.shape[-2:], r.shape[-2:])
        q, r = unpack_tensor(ctx.output_tensor(pack(ctx.batch, q, r)), ctx.batch, *shapes)
        gq, gr = unpack_tensor(g, ctx.batch, *shapes)
        if m >= n:
            mm = r @ gr.mT - gq.mT @ q
            return (_right_solve_transposed(gq + q @ _copyltu_tensor(mm), r),)
        u, v = r[..., :, :m], r[..., :, m:]
        gu, gv = gr[..., :, :m], gr[..., :, m:]
        gq = gq + (q @ v) @ gv.mT
        mm = u @ gu.mT - gq.mT @ q
        gx = _right_solve_transposed(gq + q @ _copyltu_tensor(mm), u)
        return (Cat.apply(gx, q @ gv, axis=-1),)


def _copyltu_tensor(m):
    """_copyltu for a Tensor, recorded."""
    return m.tril() + m.tril(-1).mT


def _gap(values):
    """E[i, j] = values[j] - values[i], with ones on the diagonal (the divisor of the
    eigenvector and singular-vector terms)."""
    e = values[..., None, :] - values[..., :, None]
    np.einsum("...ii->...i", e)[...] = 1
    return e


class Eigh(Function):
    """A = V diag(L) V^T for a symmetric A (only the UPLO triangle is read), (*, n, n) ->
    L (*, n) ascending, V (*, n, n) packed (L alone when vectors=False);
    dA = V (diag(gL) + skew(V^T gV) / E) V^T, skew(X) = (X - X^T) / 2, E_ij = L_j - L_i."""

    @staticmethod
    def forward(ctx, a, uplo="L", vectors=True):
        w, v = nan_where_not_finite(np.linalg.eigh, a, UPLO=uplo)
        ctx.save_for_backward(w, v)
        ctx.vectors, ctx.uplo = vectors, uplo
        return pack(a.shape[:-2], w, v) if vectors else w

    @staticmethod
    def backward(ctx, g):
        w, v = ctx.saved
        if ctx.vectors:
            gw, gv = unpack(g, w.shape[:-1], w.shape[-1:], v.shape[-2:])
        else:
            gw, gv = g, None
        if gv is not None and gv.any():
            vgv = mT(v) @ gv
            # repeated eigenvalues divide by 0: inf and nan, as PyTorch's, silently
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                inner = 0.5 * (vgv - mT(vgv)) / _gap(w)
                np.einsum("...ii->...i", inner)[...] = gw
                return (v @ inner @ mT(v),)
        inner = gw[..., None, :] * np.eye(w.shape[-1], dtype=w.dtype)  # eigenvalues alone:
        return (v @ inner @ mT(v),)                                     # no 0/0 at repeats

    @staticmethod
    def backward_graph(ctx, g):
        w, v = ctx.saved
        batch, n = w.shape[:-1], w.shape[-1]
        if ctx.vectors:
            wt, vt = unpack_tensor(ctx.output_tensor(pack(batch, w, v)), batch, (n,), (n, n))
            gw, gv = unpack_tensor(g, batch, (n,), (n, n))
            # the eigenvector term even where gv is zero (its derivative in gv is then still
            # recorded), unless repeated eigenvalues make it 0/0: then, as backward, without
            full = bool(gv.data.any()) or not (np.diff(w, axis=-1) == 0).any()
        else:
            # V is not an output: a recorded eigh of the input (rebuilt from its eigenpairs
            # where the input is not a leaf) lets the second derivative reach it, as torch's
            a = ctx.input_tensor(0, (v * w[..., None, :]) @ mT(v))
            wt, vt = unpack_tensor(Eigh.apply(a, uplo=ctx.uplo), batch, (n,), (n, n))
            gw, full = g, False
        if not full:
            return ((vt * gw.unsqueeze(-2)) @ vt.mT,)
        vgv = vt.mT @ gv
        gap = wt.unsqueeze(-2) - wt.unsqueeze(-1) + _eye(n, w.dtype)
        inner = 0.5 * (vgv - vgv.mT) / gap + gw.diag_embed()
        return (vt @ inner @ vt.mT,)


class SVD(Function):
    """A = U diag(S) Vh, (*, m, n) -> U (*, m, m or k), S (*, k), Vh (*, n or k, n) packed
    (S alone when vectors=False), k = min(m, n). With full_matrices the extra columns of U
    and rows of Vh get no gradient (they are not unique), as in torch. With E_ij = S_j^2 - S_i^2:
    dA = U [(skew(U^T gU) S + S skew(V^T gV)) / E + diag(gS)] Vh, plus (I - U U^T) gU S^{-1} Vh
    when m > n, or U S^{-1} gVh (I - V Vh) when m < n; skew(X) = X - X^T."""

    @staticmethod
    def forward(ctx, a, full_matrices=False, vectors=True):
        u, s, vh = nan_where_not_finite(np.linalg.svd, a, full_matrices=full_matrices)
        k = s.shape[-1]
        ctx.save_for_backward(u[..., :k], s, vh[..., :k, :])
        ctx.vectors, ctx.shapes = vectors, (u.shape[-2:], s.shape[-1:], vh.shape[-2:])
        return pack(a.shape[:-2], u, s, vh) if vectors else s

    @staticmethod
    def backward(ctx, g):
        u, s, vh = ctx.saved
        m, k, n = u.shape[-2], s.shape[-1], vh.shape[-1]
        if ctx.vectors:
            gu, gs, gvh = unpack(g, s.shape[:-1], *ctx.shapes)
            gu, gvh = gu[..., :k], gvh[..., :k, :]
        else:
            gu, gs, gvh = None, g, None
        if gu is None or not (gu.any() or gvh.any()):   # S alone: no 0/0 at repeated values
            return ((u * gs[..., None, :]) @ vh,)
        v, gv = mT(vh), mT(gvh)
        # repeated or zero singular values divide by 0: inf and nan, as PyTorch's, silently
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            skew_u, skew_v = mT(u) @ gu, mT(v) @ gv
            skew_u, skew_v = skew_u - mT(skew_u), skew_v - mT(skew_v)
            inner = (skew_u * s[..., None, :] + s[..., :, None] * skew_v) / _gap(s * s)
            np.einsum("...ii->...i", inner)[...] += gs
            if m > n:
                gu_sinv = gu / s[..., None, :]
                return (((u @ inner) + gu_sinv - u @ (mT(u) @ gu_sinv)) @ vh,)
            if m < n:
                sinv_gvh = gvh / s[..., :, None]
                return (u @ ((inner @ vh) + sinv_gvh - (sinv_gvh @ v) @ vh),)
            return (u @ inner @ vh,)

    @staticmethod
    def backward_graph(ctx, g):
        u, s, vh = ctx.saved
        m, k, n = u.shape[-2], s.shape[-1], vh.shape[-1]
        batch = s.shape[:-1]
        if ctx.vectors:
            # the packed output again: the extra columns of a full U or rows of Vh are not
            # saved (nor used), zeros stand for them
            shapes = ctx.shapes
            full_u = np.zeros(batch + tuple(shapes[0]), u.dtype)
            full_vh = np.zeros(batch + tuple(shapes[2]), vh.dtype)
            full_u[..., :k], full_vh[..., :k, :] = u, vh
            out = ctx.output_tensor(pack(batch, full_u, s, full_vh))
            ut, st, vht = unpack_tensor(out, batch, *shapes)
            gu, gs, gvh = unpack_tensor(g, batch, *shapes)
            if shapes[0][-1] != k:
                ut, gu = ut[..., :k], gu[..., :k]
            if shapes[2][-2] != k:
                vht, gvh = vht[..., :k, :], gvh[..., :k, :]
            # the singular-vector terms even where gU and gVh are zero, unless repeated (or,
            # for m != n, zero) singular values make them 0/0: then, as backward, without
            safe = not (np.diff(s, axis=-1) == 0).any() and (m == n or np.all(s != 0))
            full = bool(gu.data.any() or gvh.data.any() or safe)
        else:
            # U and Vh are not outputs: a recorded SVD of the input (rebuilt from its factors
            # where the input is not a leaf) lets the second derivative reach them, as torch's
            a = ctx.input_tensor(0, (u * s[..., None, :]) @ vh)
            ut, st, vht = unpack_tensor(SVD.apply(a), batch, (m, k), (k,), (k, n))
            gs, full = g, False
        if not full:
            return ((ut * gs.unsqueeze(-2)) @ vht,)
        # torch's svd_backward, E_ij = S_j^2 - S_i^2
        skew_u, skew_v = ut.mT @ gu, vht @ gvh.mT
        skew_u, skew_v = skew_u - skew_u.mT, skew_v - skew_v.mT
        s2 = st * st
        gap = s2.unsqueeze(-2) - s2.unsqueeze(-1) + _eye(k, s.dtype)
        inner = (skew_u * st.unsqueeze(-2) + st.unsqueeze(-1) * skew_v) / gap + gs.diag_embed()
        if m > n:
            gu_sinv = gu / st.unsqueeze(-2)
            return ((ut @ inner + gu_sinv - ut @ (ut.mT @ gu_sinv)) @ vht,)
        if m < n:
            sinv_gvh = gvh / st.unsqueeze(-1)
            return (ut @ (inner @ vht + sinv_gvh - (sinv_gvh @ vht.mT) @ vht),)
        return (ut @ inner @ vht,)
