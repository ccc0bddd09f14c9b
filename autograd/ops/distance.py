"""cdist: p-norm distances between the rows of two (batches of) matrices, without the
(..., P, R, M) tensor of differences that the composed form (`cdist_composed`, the test
oracle and the recorded VJP) builds."""
from __future__ import annotations

import numpy as np

from ..function import Function
from ..graph_backward import by_recomputing
from ..kernels import distance as K


def _batched(x, batch):
    """x (..., P, M) broadcast to batch + (P, M) -> contiguous (B, P, M)."""
    x = np.ascontiguousarray(np.broadcast_to(x, batch + x.shape[-2:]))
    return x.reshape((int(np.prod(batch)),) + x.shape[-2:])   # (-1 is ambiguous when empty)


def _transposed(t):
    return np.ascontiguousarray(t.transpose(0, 2, 1))


class Cdist(Function):
    """d = ||x1_i - x2_j||_p: x1 (..., P, M), x2 (..., R, M) -> (..., P, R), batch dims
    broadcast;  dx1_i = sum_j g_ij dd_ij / dx1_i and dx2_j = -sum_i g_ij dd_ij / dx1_i, with
    PyTorch's choices at ties (p = inf: each tied coordinate gets all of g) and at zero
    distance (0). With mm (p = 2 only), d^2 = |x1|^2 + |x2|^2 - 2 x1 x2^T: BLAS speed, but the
    cancellation costs digits when d is small against |x| (as torch's matrix-product form)."""

    @staticmethod
    def forward(ctx, x1, x2, p=2.0, mm=False):
        batch = np.broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
        a, b = _batched(x1, batch), _batched(x2, batch)
        mm = mm and p == 2
        d = _euclid_mm(a, b) if mm else K.cdist_forward(a, b, p)
        ctx.save_for_backward(x1, x2, a, b, d)
        ctx.p, ctx.mm, ctx.batch = p, mm, batch
        return d.reshape(batch + d.shape[1:])

    @staticmethod
    def backward(ctx, g):
        _, _, a, b, d = ctx.saved
        need = ctx.needs_input_grad or (True, True)
        g = np.ascontiguousarray(g.reshape(d.shape), d.dtype)
        if ctx.p == 0 or a.shape[2] == 0:   # a count of nonzeros: flat almost everywhere
            da, db = np.zeros_like(a), np.zeros_like(b)
        elif ctx.mm:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(d == 0, 0, g / d)
            da = a * ratio.sum(2)[:, :, None] - ratio @ b if need[0] else None
            db = b * ratio.sum(1)[:, :, None] - ratio.transpose(0, 2, 1) @ a if need[1] else None
        else:
            da = K.cdist_backward_rows(g, a, b, d, ctx.p) if need[0] else None
            db = K.cdist_backward_rows(_transposed(g), b, a, _transposed(d), ctx.p) \
                if need[1] else None
        batch = ctx.batch
        return (None if da is None else da.reshape(batch + da.shape[1:]),
                None if db is None else db.reshape(batch + db.shape[1:]))

    @staticmethod
    def backward_graph(ctx, g):
        x1, x2 = ctx.saved[:2]
        return by_recomputing(ctx, g, cdist_composed, (x1, x2), p=ctx.p)


def _euclid_mm(a, b):
    d2 = a @ b.transpose(0, 2, 1)
    d2 *= -2
    d2 += np.einsum("npm,npm->np", a, a)[:, :, None]
    d2 += np.einsum("nrm,nrm->nr", b, b)[:, None, :]
    np.maximum(d2, 0, out=d2)   # rounding can leave a tiny negative square
    return np.sqrt(d2, out=d2)


def cdist_composed(x1, x2, p=2.0):
    """Cdist from recorded Tensor ops on the (..., P, R, M) differences."""
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    if x1.shape[-1] == 0:
        return diff.sum(-1)
    return _norm_last(diff, p)


def _norm_last(diff, p):
    if p == np.inf:
        # every coordinate tied for the max gets the full gradient (norm's VJP shares it):
        # the sum over the ties, less (ties - 1) constant maxima, is the max
        a = diff.abs()
        top = a.amax(-1, keepdim=True).detach()
        tied = (a.data == top.data).astype(a.dtype)
        return (a * tied).sum(-1) - (top.squeeze(-1) * (tied.sum(-1) - 1))
    return diff.norm(p, dim=-1)


class Pdist(Function):
    """d = ||x_i - x_j||_p for the pairs i < j in row-major order: x (N, M) -> (N (N-1) / 2,);
    dx_i = sum_j s_ij dd_ij / dx_i with s = g on the pairs made symmetric (d is symmetric and
    its partial odd in x_i - x_j): one pass of cdist's row kernel over all N^2 pairs."""

    @staticmethod
    def forward(ctx, x, p=2.0):
        xb = np.ascontiguousarray(x)[None]
        d = K.cdist_forward(xb, xb, p)
        i, j = np.triu_indices(x.shape[0], 1)
        ctx.save_for_backward(x, d)
        ctx.p = p
        return d[0, i, j]

    @staticmethod
    def backward(ctx, g):
        x, d = ctx.saved
        n = x.shape[0]
        s = np.zeros((1, n, n), d.dtype)
        i, j = np.triu_indices(n, 1)
        s[0, i, j] = g
        s += s.transpose(0, 2, 1)
        xb = np.ascontiguousarray(x)[None]
        return (K.cdist_backward_rows(s, xb, xb, d, ctx.p)[0],)

    @staticmethod
    def backward_graph(ctx, g):
        return by_recomputing(ctx, g, pdist_composed, (ctx.saved[0],), p=ctx.p)


def pdist_composed(x, p=2.0):
    """Pdist from recorded Tensor ops on the (N (N-1) / 2, M) differences."""
    i, j = np.triu_indices(x.shape[0], 1)
    return _norm_last(x[i] - x[j], p)
