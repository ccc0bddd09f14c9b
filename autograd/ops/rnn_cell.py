"""One fused LSTM step for nn.LSTMCell, whose cell state feeds its hidden state in the graph.

A one-step LSTMSequence returns h' and c' side by side, with c' -> h' inside the node: a hook or
retain_grad on c' then sees only the gradient reaching c' from later steps, not the part
through h' = o * tanh(c'). torch's LSTMCell records c' before h', so its c'.grad is the whole
dL/dc' (what a study of vanishing gradients plots). Here the fused node makes c' and the output
gate o, and the cell records h' = o * tanh(c') on top of them (nn/rnn_cells.py).
"""
from __future__ import annotations

import numpy as np

from ..function import Function
from ..graph_backward import by_recomputing
from ..kernels import sigmoid_forward
from ..kernels.fastexp import tanh
from .rnn import _check_lstm, _weight_grad


class LSTMCellState(Function):
    """x (N, I), h, c (N, H), w_ih (4H, I), w_hh (4H, H), up to two biases (4H,) ->
    (2, N, H): c' = f * c + i * g, then o; gates i, f, g, o of x w_ih^T + h w_hh^T + biases.
    backward: from dc' and do, the gate pre-activations' gradient d (N, 4H), then
    dx = d w_ih, dh = d w_hh, dc = dc' f, dw_ih = d^T x, dw_hh = d^T h, db = sum_n d."""

    @staticmethod
    def forward(ctx, x, h, c, w_ih, w_hh, *biases):
        _check_lstm(x[None], h, c, w_ih, w_hh, biases)
        hs = h.shape[1]
        pre = x @ w_ih.T
        pre += h @ w_hh.T
        for b in biases:
            pre += b
        acts = np.empty_like(pre)   # i, f, g, o after their nonlinearities
        acts[:, :2 * hs] = sigmoid_forward(np.ascontiguousarray(pre[:, :2 * hs]))
        acts[:, 2 * hs:3 * hs] = tanh(pre[:, 2 * hs:3 * hs])
        acts[:, 3 * hs:] = sigmoid_forward(np.ascontiguousarray(pre[:, 3 * hs:]))
        out = np.empty((2,) + h.shape, h.dtype)
        np.multiply(acts[:, hs:2 * hs], c, out=out[0])
        out[0] += acts[:, :hs] * acts[:, 2 * hs:3 * hs]
        out[1] = acts[:, 3 * hs:]
        ctx.save_for_backward(x, h, c, w_ih, w_hh, acts)
        ctx.n_biases = len(biases)
        ctx.biases = biases     # read by backward_graph alone
        return out

    @staticmethod
    def backward(ctx, grad):
        x, h, c, w_ih, w_hh, acts = ctx.saved
        hs = h.shape[1]
        i, f, g, o = (acts[:, k * hs:(k + 1) * hs] for k in range(4))
        dc, do = grad[0], grad[1]
        one = acts.dtype.type(1)
        d = np.empty_like(acts)
        d[:, :hs] = dc * g * i * (one - i)
        d[:, hs:2 * hs] = dc * c * f * (one - f)
        d[:, 2 * hs:3 * hs] = dc * i * (one - g * g)
        d[:, 3 * hs:] = do * o * (one - o)
        need = ctx.needs_input_grad or (True,) * (5 + ctx.n_biases)
        dx = d @ w_ih if need[0] else None
        dh = d @ w_hh if need[1] else None
        dc_prev = dc * f if need[2] else None
        dw_ih = _weight_grad(d, x, w_ih) if need[3] else None
        dw_hh = _weight_grad(d, h, w_hh) if need[4] else None
        db = d.sum(axis=0) if any(need[5:]) else None
        return (dx, dh, dc_prev, dw_ih, dw_hh) + (db,) * ctx.n_biases

    @staticmethod
    def backward_graph(ctx, g):
        x, h, c, w_ih, w_hh, _ = ctx.saved
        return by_recomputing(ctx, g, lstm_cell_state_composed,
                              (x, h, c, w_ih, w_hh) + tuple(ctx.biases))


def lstm_cell_state_composed(x, h, c, w_ih, w_hh, *biases):
    """LSTMCellState from recorded Tensor ops (its recorded VJP re-runs this)."""
    from ..tensor_shape import stack
    hs = h.shape[-1]
    gates = x @ w_ih.mT + h @ w_hh.mT
    for b in biases:
        gates = gates + b
    s = gates.sigmoid()
    c = s[:, hs:2 * hs] * c + s[:, :hs] * gates[:, 2 * hs:3 * hs].tanh()
    return stack([c, s[:, 3 * hs:]], 0)
