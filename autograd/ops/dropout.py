"""Inverted dropout: the mask is drawn by the caller and scaled by 1 / (1 - p)."""
from __future__ import annotations

from ..function import Function, constant


class Dropout(Function):
    """y = x * mask;  dx = g * mask, mask in {0, 1/(1-p)} drawn once per call.
    x: any shape -> same."""

    @staticmethod
    def forward(ctx, x, mask=None):
        ctx.mask = mask
        return x * mask

    @staticmethod
    def backward(ctx, g):
        return (g * ctx.mask,)

    @staticmethod
    def backward_graph(ctx, g):
        return (g * constant(ctx.mask),)
