"""Matrix product with numpy's matmul rules (batching, broadcasting, 1-D operands) on BLAS."""
import math

import numpy as np

from ..function import Function
from ..kernels.products import batched_outer
from .layout import c_order
from ..saved import held_by_several, transposed
from ..stacked import ProductGrad
from ..summation import add_reduce


def _product(a, b):
    """np.matmul(a, b). An inner dimension of 1 (the outer products
    of attention's backward) is a broadcast multiply: numpy's matmul takes a loop ~30x slower
    than that for a batch of them, and a single product per element rounds the same."""
    if a.shape[-1] == 1 and a.ndim >= 2 and b.ndim >= 2 and b.shape[-2] == 1:
        return batched_outer(a, b)
    if b.ndim == 2 and a.ndim > 2 and a.flags.c_contiguous:
        # batched x @ W: one product over all rows (numpy loops over the batch: ~2x slower)
        rows = a.reshape(math.prod(a.shape[:-1]), a.shape[-1])
        return np.matmul(rows, b).reshape(a.shape[:-1] + b.shape[1:])
    return np.matmul(a, b)


class MatMul(Function):
    """y = a @ b;  da = g @ b^T, db = a^T @ g (1-D operands promoted, then squeezed back)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        # numpy keeps permuted batch dims' order in the result; PyTorch's is C-contiguous
        return c_order(_product(a, b))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        # restore the squeezed dims, the last one first: for 1-D @ 1-D, g is 0-d
        if b.ndim == 1:
            g = np.expand_dims(g, -1)
        if a.ndim == 1:
            g = np.expand_dims(g, -2)
        ga = gb = None
        if need_a:
            ga = _product(g, transposed(b2))
            if a.ndim == 1:
                ga = ga[..., 0, :]
        if need_b:
            if b.ndim == 2 and held_by_several(b):
                # W used by several ops (each step of an RNN): x^T @ g is left to the engine,
                # which stacks the products that reach W into one (see autograd.stacked)
                gb = ProductGrad.of_rows(a2, g)
            elif b2.ndim == 2 and a2.ndim > 2:
                # batched x @ W: fold the batch into one large product instead of summing later
                gb = ProductGrad.of_rows(a2, g).dense()
            else:
                gb = _product(np.swapaxes(a2, -1, -2), g)
            if b.ndim == 1:
                gb = gb[..., 0]
        return ga, gb

    @staticmethod
    def backward_graph(ctx, g):
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        at, bt = ctx.input_tensor(0, a), ctx.input_tensor(1, b)
        a2 = at.unsqueeze(0) if a.ndim == 1 else at
        b2 = bt.unsqueeze(-1) if b.ndim == 1 else bt
        if b.ndim == 1:
            g = g.unsqueeze(-1)
        if a.ndim == 1:
            g = g.unsqueeze(-2)
        ga = gb = None
        if need_a:
            ga = g @ b2.transpose(-1, -2)
            if a.ndim == 1:
                ga = ga.squeeze(-2)
        if need_b:
            gb = a2.transpose(-1, -2) @ g
            if b.ndim == 1:
                gb = gb.squeeze(-1)
        return ga, gb   # batch dims that broadcasting added are summed by the walk


class Linear(Function):
    """y = x @ w^T (+ b), one op for nn.Linear: x (*, in), w (out, in), b (out,) -> (*, out);
    dx = g @ w, dw = g^T @ x, db = g summed over the rows. (Composed, it is three recorded ops
    and a temporary for the bias sum; that composition is its test oracle.)"""

    @staticmethod
    def forward(ctx, x, w, *bias):
        needs = ctx.needs_input_grad
        if needs is not None:   # recorded: x for dw, w for dx, as torch saves them (a frozen
            # input's layer may change its weight in place before backward)
            ctx.save_for_backward(x if needs[1] else None, w if needs[0] else None)
        x2 = x.reshape(math.prod(x.shape[:-1]), x.shape[-1]) if x.ndim != 2 else x
        y = np.matmul(x2, w.T)
        if bias:
            y += bias[0]
        return y.reshape(x.shape[:-1] + w.shape[:1])

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved
        needs = ctx.needs_input_grad
        g2 = g.reshape(math.prod(g.shape[:-1]), g.shape[-1]) if g.ndim != 2 else g
        gx = np.matmul(g2, w).reshape(g.shape[:-1] + w.shape[1:]) if needs[0] else None
        gw = None
        if needs[1]:
            x2 = x.reshape(math.prod(x.shape[:-1]), x.shape[-1]) if x.ndim != 2 else x
            gw = ProductGrad(g2, x2) if held_by_several(w) else np.matmul(g2.T, x2)
        gb = add_reduce(g2, 0) if len(needs) > 2 and needs[2] else None
        return gx, gw, gb

    @staticmethod
    def backward_graph(ctx, g):
        x, w = ctx.saved
        needs = ctx.needs_input_grad
        g2 = g.reshape(-1, g.shape[-1])
        gx = (g2 @ ctx.input_tensor(1, w)).reshape(g.shape[:-1] + w.shape[1:]) if needs[0] else None
        gw = None
        if needs[1]:
            gw = g2.T @ ctx.input_tensor(0, x).reshape(-1, x.shape[-1])
        gb = g2.sum(dim=0) if len(needs) > 2 and needs[2] else None
        return gx, gw, gb
