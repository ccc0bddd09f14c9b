"""Embedding lookup: rows of a weight matrix gathered by integer indices."""
from __future__ import annotations

import numpy as np

from ..function import Function


class Embedding(Function):
    """y = weight[indices];  dweight = scatter-add of g rows at indices (padding_idx row: 0).
    weight: (V, D), indices: any int shape S -> (*S, D)."""

    @staticmethod
    def forward(ctx, weight, indices=None, padding_idx=None):
        ctx.indices, ctx.padding_idx, ctx.shape = indices, padding_idx, weight.shape
        return weight[indices]

    @staticmethod
    def backward(ctx, g):
        v, d = ctx.shape
        idx = ctx.indices.reshape(-1)
        rows = np.ascontiguousarray(g).reshape(idx.size, d)
        gw = np.zeros((v, d), g.dtype)
        # repeated indices must accumulate, which fancy-index assignment would not
        np.add.at(gw, idx, rows)
        if ctx.padding_idx is not None:
            gw[ctx.padding_idx] = 0
        return (gw,)
