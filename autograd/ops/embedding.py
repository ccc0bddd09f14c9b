"""Embedding lookup: rows of a weight matrix gathered by integer indices, and the max_norm
renormalisation of the looked-up rows (PyTorch's embedding_renorm_)."""
from __future__ import annotations

import numpy as np

from ..function import Function, constant
from ..kernels.update import add_rows_at
from ..saved import writable
from .shape import IndexAddIntoZeros


class Embedding(Function):
    """y = weight[indices];  dweight = scatter-add of g rows at indices (padding_idx row: 0),
    each row divided by its index's count in `indices` with scale_grad_by_freq.
    weight: (V, D), indices: any int shape S -> (*S, D)."""

    @staticmethod
    def forward(ctx, weight, indices=None, padding_idx=None, scale_grad_by_freq=False):
        ctx.indices, ctx.padding_idx, ctx.shape = indices, padding_idx, weight.shape
        ctx.scale_grad_by_freq = scale_grad_by_freq
        return weight[indices]

    @staticmethod
    def backward(ctx, g):
        v, d = ctx.shape
        idx = ctx.indices.reshape(-1)
        rows = np.ascontiguousarray(g).reshape(idx.size, d)
        if ctx.scale_grad_by_freq:   # as PyTorch: times 1/count, the reciprocal in g's dtype
            inverse = (1.0 / np.bincount(idx, minlength=v)[idx]).astype(g.dtype)
            rows = rows * inverse[:, None]
        gw = np.zeros((v, d), g.dtype)
        # repeated indices must accumulate, which fancy-index assignment would not
        if not add_rows_at(gw, idx, rows):
            np.add.at(gw, idx, rows)
        if ctx.padding_idx is not None:
            gw[ctx.padding_idx] = 0
        return (gw,)

    @staticmethod
    def backward_graph(ctx, g):
        # linear in g, independent of weight: the same scatter-add, recorded
        v, d = ctx.shape
        idx = ctx.indices.reshape(-1)
        rows = g.reshape(idx.size, d)
        if ctx.scale_grad_by_freq:
            inverse = (1.0 / np.bincount(idx, minlength=v)[idx]).astype(g.dtype)
            rows = rows * constant(inverse[:, None])
        if ctx.padding_idx is not None:
            rows = rows.masked_fill((idx == ctx.padding_idx)[:, None], 0)
        return (IndexAddIntoZeros.apply(rows, index=idx, shape=(v, d)),)


def embedding_renorm_(weight: np.ndarray, indices: np.ndarray, max_norm: float,
                      norm_type: float) -> None:
    """In place, not differentiated: each distinct row r of weight (V, D) named in indices
    whose norm_type-norm exceeds max_norm becomes r * max_norm / (norm + 1e-7) (the 1e-7 and
    the scale computed in float64 as PyTorch; the norms in weight's dtype)."""
    rows = np.unique(indices)
    norms = np.linalg.norm(weight[rows], ord=norm_type, axis=1)
    over = norms > max_norm
    # even when no row changes: as PyTorch, an op that saved weight then fails in backward
    with writable(weight):
        if over.any():
            scale = max_norm / (norms[over].astype(np.float64) + 1e-7)
            weight[rows[over]] *= scale.astype(weight.dtype)[:, None]
