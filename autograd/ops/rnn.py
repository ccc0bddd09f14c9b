"""Fused whole-sequence recurrent ops: one graph node per direction of a layer, hand-written BPTT.

Slicing one step out of a (L, N, G*H) projection costs a full-size gradient per step in the
composed graph; here the time loop runs on arrays. The composed per-step graph in nn/rnn.py
(`layer.fused = False`) is the test oracle for these ops.
"""
from __future__ import annotations

import numpy as np

from .. import kernels
from ..function import Function
from ..kernels import rnn as rnn_kernels

def _order(n, reverse):
    return range(n - 1, -1, -1) if reverse else range(n)


def _previous(seq, first, reverse):
    """The state entering each step, in time order: (L, N, H) from outputs and initial state."""
    if reverse:
        return np.concatenate([seq[1:], first[None]], axis=0)
    return np.concatenate([first[None], seq[:-1]], axis=0)


class LSTMSequence(Function):
    """All steps of one LSTM direction.  xp (L, N, 4H) = x W_ih^T + b_ih + b_hh, h0, c0 (N, H),
    w_hh (4H, H) -> (L, N, 2H) holding [h_t, c_t];  BPTT through the saved gate activations."""

    @staticmethod
    def forward(ctx, xp, h0, c0, w_hh, reverse=False):
        n_steps, n, g4 = xp.shape
        hs = g4 // 4
        dtype = xp.dtype
        xp = np.ascontiguousarray(xp)
        acts = np.empty_like(xp)  # i, f, g, o after their nonlinearities
        out = np.empty((n_steps, n, 2 * hs), dtype)
        tc = np.empty((n_steps, n, hs), dtype)  # tanh(c_t), reused by backward
        hw, e, tg = np.empty((n, g4), dtype), np.empty((n, g4), dtype), np.empty((n, hs), dtype)
        prev = np.concatenate([h0, c0], axis=1).astype(dtype, copy=False)
        # the same products and roundings as the per-step graph (lstm_step), so the fused
        # layer's values equal it bitwise (nn.tbptt relies on that)
        w_t = w_hh.T
        for t in _order(n_steps, reverse):
            np.matmul(prev[:, :hs], w_t, out=hw)
            rnn_kernels.lstm_preact(xp[t], hw, e)
            np.exp(e, out=e)
            np.tanh(hw[:, 2 * hs:3 * hs], out=tg)
            out_t = out[t]
            rnn_kernels.lstm_cell(hw, e, tg, prev, acts[t], out_t)
            np.tanh(out_t[:, hs:], out=tc[t])
            np.multiply(acts[t, :, 3 * hs:], tc[t], out=out_t[:, :hs])
            prev = out_t
        ctx.save_for_backward(acts, tc, out, h0, c0, w_hh)
        ctx.reverse = reverse
        return out

    @staticmethod
    def backward(ctx, grad):
        acts, tc, out, h0, c0, w_hh = ctx.saved
        n_steps, n, g4 = acts.shape
        hs = g4 // 4
        dtype = acts.dtype
        grad = np.ascontiguousarray(grad, dtype)
        one = dtype.type(1)
        first = np.concatenate([h0, c0], axis=1).astype(dtype, copy=False)
        w = np.ascontiguousarray(w_hh)
        dxp = np.empty_like(acts)
        dh = np.zeros((n, hs), dtype)
        dc = np.zeros((n, hs), dtype)
        step = -1 if ctx.reverse else 1
        for t in _order(n_steps, not ctx.reverse):
            p = t - step
            prev = first if p < 0 or p >= n_steps else out[p]
            rnn_kernels.lstm_cell_backward(acts[t], tc[t], prev, grad[t], dh, dc, dxp[t],
                                            one)
            np.matmul(dxp[t], w, out=dh)
        # one weight-gradient product over all steps instead of one per step
        prev_h = _previous(out[..., :hs], h0.astype(dtype, copy=False), ctx.reverse)
        dw = dxp.reshape(-1, g4).T @ prev_h.reshape(-1, hs)
        return dxp, dh, dc, dw


class GRUSequence(Function):
    """All steps of one GRU direction.  xp (L, N, 3H) = x W_ih^T + b_ih, h0 (N, H),
    w_hh (3H, H), b_hh (3H,) -> h (L, N, H);  BPTT through the saved r, z, n."""

    @staticmethod
    def forward(ctx, xp, h0, w_hh, b_hh, reverse=False):
        n_steps, n, g3 = xp.shape
        hs = g3 // 3
        acts = np.empty_like(xp)  # r, z, n
        hp_n = np.empty((n_steps, n, hs), xp.dtype)  # W_hn h + b_hn, which r multiplies
        out = np.empty((n_steps, n, hs), xp.dtype)
        h, w_t = h0, w_hh.T
        for t in _order(n_steps, reverse):
            hp = h @ w_t + b_hh
            a = acts[t]
            a[:, :2 * hs] = kernels.sigmoid_forward(xp[t, :, :2 * hs] + hp[:, :2 * hs])
            hp_n[t] = hp[:, 2 * hs:]
            np.tanh(xp[t, :, 2 * hs:] + a[:, :hs] * hp_n[t], out=a[:, 2 * hs:])
            nt = a[:, 2 * hs:]
            np.add(nt, a[:, hs:2 * hs] * (h - nt), out=out[t])
            h = out[t]
        ctx.save_for_backward(acts, hp_n, out, h0, w_hh)
        ctx.reverse = reverse
        return out

    @staticmethod
    def backward(ctx, grad):
        acts, hp_n, out, h0, w_hh = ctx.saved
        n_steps, n, g3 = acts.shape
        hs = g3 // 3
        r, z, nt = acts[..., :hs], acts[..., hs:2 * hs], acts[..., 2 * hs:]
        prev_h = _previous(out, h0, ctx.reverse)
        k_n = (1 - z) * (1 - nt * nt)      # d(pre_n)/dh
        k_r = hp_n * r * (1 - r)           # d(pre_r)/d(pre_n)
        k_z = (prev_h - nt) * z * (1 - z)  # d(pre_z)/dh
        dxp = np.empty_like(acts)
        dhp = np.empty_like(acts)
        dh = np.zeros((n, hs), acts.dtype)
        for t in _order(n_steps, not ctx.reverse):
            dh = dh + grad[t]
            d_n = dh * k_n[t]
            dxp[t, :, 2 * hs:] = d_n
            np.multiply(d_n, k_r[t], out=dxp[t, :, :hs])
            np.multiply(dh, k_z[t], out=dxp[t, :, hs:2 * hs])
            dhp[t, :, :2 * hs] = dxp[t, :, :2 * hs]
            np.multiply(d_n, r[t], out=dhp[t, :, 2 * hs:])
            dh = dh * z[t] + dhp[t] @ w_hh
        dw = dhp.reshape(-1, g3).T @ prev_h.reshape(-1, hs)
        return dxp, dh, dw, dhp.sum(axis=(0, 1))


class RNNSequence(Function):
    """All steps of one Elman RNN direction.  xp (L, N, H) = x W_ih^T + b_ih + b_hh, h0 (N, H),
    w_hh (H, H) -> h (L, N, H);  BPTT through the saved outputs."""

    @staticmethod
    def forward(ctx, xp, h0, w_hh, reverse=False, relu=False):
        out = np.empty_like(xp)
        h, w_t = h0, w_hh.T
        for t in _order(xp.shape[0], reverse):
            pre = xp[t] + h @ w_t
            h = np.maximum(pre, 0, out=out[t]) if relu else np.tanh(pre, out=out[t])
        ctx.save_for_backward(out, h0, w_hh)
        ctx.reverse, ctx.relu = reverse, relu
        return out

    @staticmethod
    def backward(ctx, grad):
        out, h0, w_hh = ctx.saved
        dact = (out > 0).astype(out.dtype) if ctx.relu else 1 - out * out
        dxp = np.empty_like(out)
        dh = np.zeros(out.shape[1:], out.dtype)
        for t in _order(out.shape[0], not ctx.reverse):
            np.multiply(dh + grad[t], dact[t], out=dxp[t])
            dh = dxp[t] @ w_hh
        dw = dxp.reshape(-1, out.shape[2]).T @ _previous(out, h0, ctx.reverse).reshape(
            -1, out.shape[2])
        return dxp, dh, dw
