"""The LU factorization and triangular solves of real matrices, batched over the leading
dims, with PyTorch's VJPs (FunctionsManual.cpp: linalg_lu_backward, the triangular-solve
rule); lu_solve, lu_unpack and solve_ex are composed from these two in autograd.linalg_lu.

Each VJP is written once, on a namespace of array functions: NP (ndarrays) for backward,
GRAPH (recorded Tensor ops) for backward_graph (create_graph=True), so the two cannot drift
apart.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..function import Function, constant
from ..kernels import lu as K
from .linalg_decomp import mT
from .shape import Cat


def permutation_matrix(piv, m, dtype):
    """P (*, m, m) with A = P L U, from LAPACK's pivots (*, k)."""
    perm = K.permutation(piv, m)
    p = np.zeros(perm.shape + (m,), dtype)
    np.put_along_axis(p, perm[..., None], 1, axis=-1)   # P^T[j, perm[j]] = 1
    return mT(p).copy()


def _cat(arrays, axis):
    return Cat.apply(*arrays, axis=axis)


# The array functions the VJPs below are written with. solve(t, b, upper, unit) is T^{-1} b
# for the triangle of t; eye(m, k, dtype) a constant.
NP = SimpleNamespace(tril=np.tril, triu=np.triu, mT=mT, cat=np.concatenate,
                     solve=K.solve_triangular, eye=lambda m, k, dtype: np.eye(m, k, dtype=dtype))
GRAPH = SimpleNamespace(tril=lambda t, k=0: t.tril(k), triu=lambda t, k=0: t.triu(k),
                        mT=lambda t: t.mT, cat=_cat,
                        solve=lambda t, b, upper, unit: TriangularSolve.apply(
                            t, b, upper=upper, unit=unit),
                        eye=lambda m, k, dtype: constant(np.eye(m, k, dtype=dtype)))


def _triangle(o, a, upper, unit):
    """The triangle of a that a triangular solve reads (strict when unit)."""
    return o.triu(a, 1 if unit else 0) if upper else o.tril(a, -1 if unit else 0)


def _solve_right_transposed(o, g, t):
    """g T^{-T} for T the upper triangle of t: (T^{-1} g^T)^T."""
    return o.mT(o.solve(t, o.mT(g), True, False))


def lu_backward(o, lu, p, g):
    """torch's linalg_lu_backward: the cotangent of A = P L U from g, that of the packed
    factor LU (*, m, n) (its strict lower part is L's, the rest U's), k = min(m, n):
    m == n: P L^{-T} [tril(L^T gL, -1) + triu(gU U^T)] U^{-T};
    m < n:  P L^{-T} [tril(L^T gL - gU U^T, -1) U1^{-T} + gU1 | gU2]  (U = [U1 | U2]);
    m > n:  P [L1^{-T} triu(gU U^T - L^T gL) + gL1 ; gL2] U^{-T}      (L = [L1 ; L2])."""
    m, n = lu.shape[-2:]
    k = min(m, n)
    low = o.tril(lu[..., :, :k], -1) + o.eye(m, k, lu.dtype)
    up = o.triu(lu[..., :k, :])
    gl, gu = o.tril(g[..., :, :k], -1), o.triu(g[..., :k, :])
    if m == n:
        ga = o.tril(o.mT(low) @ gl, -1) + o.triu(gu @ o.mT(up))
        ga = o.solve(o.mT(low), _solve_right_transposed(o, ga, up), True, True)
    elif m < n:
        u1 = up[..., :, :m]
        ga = _solve_right_transposed(o, o.tril(o.mT(low) @ gl - gu @ o.mT(up), -1), u1)
        ga = o.cat([ga + gu[..., :, :m], gu[..., :, m:]], -1)
        ga = o.solve(o.mT(low), ga, True, True)
    else:
        l1 = low[..., :n, :]
        ga = o.solve(o.mT(l1), o.triu(gu @ o.mT(up) - o.mT(low) @ gl), True, True)
        ga = o.cat([ga + gl[..., :n, :], gl[..., n:, :]], -2)
        ga = _solve_right_transposed(o, ga, up)
    return p @ ga


class LUFactor(Function):
    """LU (*, m, n), the packed factor of A = P L U (L unit lower (*, m, k), U upper
    (*, k, n), k = min(m, n)); forward takes the factor and pivots kernels.lu.lu_factor
    computed (the pivots and info are outputs a Function cannot return).
    dA = lu_backward(gL = tril(g[:, :k], -1), gU = triu(g[:k, :]))."""

    @staticmethod
    def forward(ctx, a, lu=None, pivots=None):
        ctx.save_for_backward(lu, pivots)
        return lu

    @staticmethod
    def backward(ctx, g):
        lu, pivots = ctx.saved
        p = permutation_matrix(pivots, lu.shape[-2], lu.dtype)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return (lu_backward(NP, lu, p, g),)   # a singular U: inf and nan, as torch's

    @staticmethod
    def backward_graph(ctx, g):
        lu, pivots = ctx.saved
        p = constant(permutation_matrix(pivots, lu.shape[-2], lu.dtype))
        return (lu_backward(GRAPH, ctx.output_tensor(lu), p, g),)


def triangular_solve_backward(o, a, x, g, upper, unit, needs_a=True):
    """(dA, dB) of X = T^{-1} B: dB = T^{-T} g, dA = -(dB X^T) on the triangle read (None
    unless needs_a)."""
    gb = o.solve(o.mT(a), g, not upper, unit)
    return (-_triangle(o, gb @ o.mT(x), upper, unit) if needs_a else None), gb


class TriangularSolve(Function):
    """X = T^{-1} B for T the upper or lower triangle of A (unit: ones on its diagonal, A's
    not read), A (*, n, n), B (*, n, k), batch dims broadcast -> (*, n, k); no check: a zero
    on T's diagonal gives inf and nan, as LAPACK's trsm. dB = T^{-T} g, dA = -tri(dB X^T)."""

    @staticmethod
    def forward(ctx, a, b, upper=True, unit=False):
        x = K.solve_triangular(a, b, upper, unit)
        ctx.save_for_backward(a, x)
        ctx.upper, ctx.unit = upper, unit
        return x

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved
        with np.errstate(invalid="ignore", over="ignore"):
            return triangular_solve_backward(NP, a, x, g, ctx.upper, ctx.unit,
                                             ctx.needs_input_grad[0])

    @staticmethod
    def backward_graph(ctx, g):
        a, x = ctx.saved
        at, xt = ctx.input_tensor(0, a), ctx.output_tensor(x)
        return triangular_solve_backward(GRAPH, at, xt, g, ctx.upper, ctx.unit,
                                         ctx.needs_input_grad[0])
