"""Fused whole-sequence recurrent ops: one graph node per direction of a layer, hand-written BPTT.

Slicing one step out of a (L, N, G*H) projection costs a full-size gradient per step in the
composed graph; here the time loop runs on arrays. Each op takes the layer's input and does the
input projection itself, so that the weight gradients are one product each over all steps and
the recorded VJP (create_graph=True) can re-run the composed steps from the saved input. The
composed per-step graph in nn/rnn.py (`layer.fused = False`) is the test oracle for these ops.
"""
from __future__ import annotations

import numpy as np

from ..function import Function
from ..graph_backward import by_recomputing
from ..saved import held_by_several, transposed
from ..stacked import ProductGrad
from ..kernels import rnn as rnn_kernels
from ..kernels.fastexp import exp_, tanh_into


def _order(n, reverse):
    return range(n - 1, -1, -1) if reverse else range(n)


def _weight_t(w, n_steps):
    """w^T for the per-step products: a contiguous copy (OpenBLAS is ~1.3x faster on it) when
    the sequence repays it, else the one cached on w's guard when several live ops hold w (the
    cells of a step-by-step decoder), else the transposed view."""
    if n_steps >= 8:
        return np.ascontiguousarray(w.T)
    return transposed(w)


def _weight_grad(rows, inputs, w):
    """rows^T @ inputs, w's gradient (rows (M, G): the gate gradients, inputs (M, K)); left to
    the engine when several live ops hold w (a cell run step by step), which stacks those
    products into one (see autograd.stacked)."""
    return ProductGrad(rows, inputs) if held_by_several(w) else rows.T @ inputs


def _previous(seq, first, reverse):
    """The state entering each step, in time order: (L, N, H) from outputs and initial state."""
    if reverse:
        return np.concatenate([seq[1:], first[None]], axis=0)
    return np.concatenate([first[None], seq[:-1]], axis=0)


class LSTMSequence(Function):
    """All steps of one LSTM direction, its input projection included.

    x (L, N, I), h0, c0 (N, H), w_ih (4H, I), w_hh (4H, H), then any biases (4H,) (b_ih, b_hh:
    both are added) -> (L + 1, N, H): the hidden state of each step 0..L-1, then the final cell
    state; with cells=True, (2L, N, H): the hidden states, then the cell state of every step
    (packed sequences take each sequence's final state at its own length).
    BPTT through the saved gate activations; the weight gradients are one product each over
    all steps. Runs in feature-major layout (see kernels.rnn)."""

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, *biases, reverse=False, cells=False):
        _check_lstm(x, h0, c0, w_ih, w_hh, biases)
        n_steps, n, n_in = x.shape
        g4 = w_hh.shape[0]
        hs = g4 // 4
        dtype = x.dtype
        x2 = np.ascontiguousarray(x).reshape(n_steps * n, n_in)
        w_ih = np.ascontiguousarray(w_ih, dtype)
        w_hh = np.ascontiguousarray(w_hh, dtype)
        # (L, 4H, N): each step's block contiguous, which the hardware prefetches well
        xp = np.matmul(w_ih, x2.reshape(n_steps, n, n_in).transpose(0, 2, 1))
        bias = np.zeros((g4, 1), dtype)
        for b in biases:
            bias[:, 0] += b
        bias = np.repeat(bias, n, axis=1)       # (4H, N): the kernel's loop runs flat
        pre, e = np.empty((g4, n), dtype), np.empty((3 * hs, n), dtype)
        pre_g = pre[2 * hs:3 * hs]
        acts = np.empty((n_steps, g4, n), dtype)     # i, f, g, o after their nonlinearities
        c_all = np.empty((n_steps, hs, n), dtype)
        tc = np.empty((n_steps, hs, n), dtype)       # tanh(c_t), reused by backward
        out = np.empty((2 * n_steps if cells else n_steps + 1, n, hs), dtype)
        h = np.array(h0.T, dtype, order="C")
        c_first = np.array(c0.T, dtype, order="C")
        c_prev = c_first
        for t in _order(n_steps, reverse):
            np.matmul(w_hh, h, out=pre)
            rnn_kernels.lstm_preact(pre, xp, t, bias, e)
            exp_(e)
            tanh_into(pre_g, pre_g)
            rnn_kernels.lstm_cell(pre, e, acts, c_all, t, c_prev)
            c_prev = c_all[t]
            tanh_into(c_prev, tc[t])
            rnn_kernels.lstm_hidden(acts, tc, t, h, out)
        if cells:
            out[n_steps:] = c_all.transpose(0, 2, 1)
        else:
            out[n_steps] = c_prev.T
        ctx.save_for_backward(x2, acts, c_all, tc, out, h0, c_first, w_ih, w_hh)
        ctx.reverse, ctx.n_biases, ctx.cells = reverse, len(biases), cells
        ctx.biases = biases    # read by backward_graph alone
        return out

    @staticmethod
    def backward_graph(ctx, g):
        x2, _, _, _, out, h0, c_first, w_ih, w_hh = ctx.saved
        x = x2.reshape(out.shape[0] - 1 if not ctx.cells else out.shape[0] // 2,
                       h0.shape[0], x2.shape[1])
        arrays = (x, h0, c_first.T, w_ih, w_hh) + tuple(ctx.biases)
        return by_recomputing(ctx, g, lstm_composed, arrays, reverse=ctx.reverse,
                              cells=ctx.cells)

    @staticmethod
    def backward(ctx, grad):
        x2, acts, c_all, tc, out, h0, c_first, w_ih, w_hh = ctx.saved
        n_steps, g4, n = acts.shape
        hs = g4 // 4
        dtype = acts.dtype
        needs = getattr(ctx, "needs_input_grad", None) or (True,) * (5 + ctx.n_biases)
        dh = np.zeros((hs, n), dtype)
        if ctx.cells:   # every step's cell state has a gradient of its own, added at its step
            dc, grad_c = np.zeros((hs, n), dtype), grad[n_steps:]
        else:
            dc = np.array(grad[n_steps].T, dtype, order="C")   # the final cell state's gradient
        g_t = np.empty((hs, n), dtype)     # each step's output gradient, feature-major as acts
        d = np.empty((g4, n), dtype)
        dxpt = np.empty((g4, n_steps * n), dtype)
        dbv = np.zeros((g4, n), dtype)
        w_t = _weight_t(w_hh, n_steps)
        one = dtype.type(1)
        step = -1 if ctx.reverse else 1
        for t in _order(n_steps, not ctx.reverse):
            p = t - step
            prev_t = p if 0 <= p < n_steps else -1
            if ctx.cells:
                dc += grad_c[t].T
            np.copyto(g_t, grad[t].T)
            rnn_kernels.lstm_cell_backward(acts, tc, c_all, t, c_first, prev_t, g_t, dh, dc, d,
                                            dxpt, t * n, dbv, one)
            np.matmul(w_t, d, out=dh)
        db = dbv.sum(axis=1)
        dx = dw_ih = dw_hh = None
        if needs[0]:
            dx = (dxpt.T @ w_ih).reshape(n_steps, n, w_ih.shape[1])
        if needs[3]:
            dw_ih = _weight_grad(dxpt.T, x2, w_ih)
        if needs[4]:
            h0 = h0.astype(dtype, copy=False)
            dw_hh = (_weight_grad(dxpt.T, h0, w_hh) if n_steps == 1 else
                     _recurrent_weight_grad(dxpt, out[:n_steps], h0, ctx.reverse))
        return (dx, np.ascontiguousarray(dh.T), np.ascontiguousarray(dc.T), dw_ih,
                dw_hh) + (db,) * ctx.n_biases


def lstm_composed(x, h0, c0, w_ih, w_hh, *biases, reverse=False, cells=False):
    """LSTMSequence from recorded Tensor ops, step by step (its recorded VJP re-runs this)."""
    from ..tensor_shape import stack
    hs = h0.shape[-1]
    xp = x @ w_ih.mT
    for b in biases:
        xp = xp + b
    h, c, hs_seq, cs_seq = h0, c0, [None] * x.shape[0], [None] * x.shape[0]
    for t in _order(x.shape[0], reverse):
        gates = xp[t] + h @ w_hh.mT
        s = gates.sigmoid()
        c = s[:, hs:2 * hs] * c + s[:, :hs] * gates[:, 2 * hs:3 * hs].tanh()
        h = s[:, 3 * hs:] * c.tanh()
        hs_seq[t], cs_seq[t] = h, c
    return stack(hs_seq + (cs_seq if cells else [c]), 0)


def _recurrent_weight_grad(dxpt, hs_seq, h0, reverse):
    """sum_t dxp_t^T h_{t-1}: dxpt (G, L*N) against the states entering each step, without
    building the shifted (L*N, H) copy of them."""
    n = h0.shape[0]
    hs = hs_seq.reshape(-1, h0.shape[1])
    if reverse:   # step t is entered from h_{t+1}; the last step from h0
        dw = dxpt[:, -n:] @ h0
        if hs.shape[0] > n:
            dw += dxpt[:, :-n] @ hs[n:]
    else:
        dw = dxpt[:, :n] @ h0
        if hs.shape[0] > n:
            dw += dxpt[:, n:] @ hs[:-n]
    return dw


def _check_lstm(x, h0, c0, w_ih, w_hh, biases):
    """A clear error for inconsistent shapes or dtypes, before any kernel sees them."""
    shapes = [a.shape for a in (x, h0, c0, w_ih, w_hh) + tuple(biases)]
    ok = x.ndim == 3 and w_hh.ndim == 2 and w_hh.shape[0] % 4 == 0 and len(biases) <= 2
    if ok:
        n_steps, n, n_in = x.shape
        g4, hs = w_hh.shape
        ok = (g4 == 4 * hs and n_steps > 0 and h0.shape == (n, hs) and c0.shape == (n, hs)
              and w_ih.shape == (g4, n_in) and all(b.shape == (g4,) for b in biases))
    if not ok:
        raise ValueError("LSTMSequence: expected x (L, N, I), h0 and c0 (N, H), w_ih (4H, I), "
                         f"w_hh (4H, H) and up to two biases (4H,), got shapes "
                         f"{[tuple(s) for s in shapes]}")
    dtypes = {a.dtype for a in (x, h0, c0, w_ih, w_hh) + tuple(biases)}
    if len(dtypes) != 1 or x.dtype.kind != "f":
        raise TypeError(f"LSTMSequence: expected one floating dtype for all inputs, got "
                        f"{[str(a.dtype) for a in (x, h0, c0, w_ih, w_hh) + tuple(biases)]} "
                        f"for shapes {[tuple(s) for s in shapes]}")


class GRUSequence(Function):
    """All steps of one GRU direction, its input projection included.

    x (L, N, I), h0 (N, H), w_ih (3H, I), w_hh (3H, H), then b_ih, b_hh (3H,) or no biases
    -> h (L, N, H). xp = x W_ih^T + b_ih holds the input part of the gates r, z, n; b_hh
    is added to W_hh h (its n part inside r * (W_hn h + b_hn), PyTorch's form). BPTT through
    the saved r, z, n; the gate arithmetic runs in numba kernels (kernels.rnn.gru_*), exp and
    tanh in numpy; the weight gradients are one product each over all steps."""

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, *biases, reverse=False):
        _check_sequence("GRUSequence", 3, x, h0, w_ih, w_hh, biases)
        n_steps, n, n_in = x.shape
        g3 = w_hh.shape[0]
        hs = g3 // 3
        dtype = x.dtype
        x2 = np.ascontiguousarray(x).reshape(n_steps * n, n_in)
        xp = (x2 @ w_ih.T).reshape(n_steps, n, g3)
        b = np.zeros(g3, dtype)
        if biases:
            xp += biases[0]
            b += biases[1]
        w_t = _weight_t(w_hh, n_steps)
        acts = np.empty((n_steps, n, g3), dtype)       # r, z, n
        hp_n = np.empty((n_steps, n, hs), dtype)       # W_hn h + b_hn, which r multiplies
        out = np.empty((n_steps, n, hs), dtype)
        hp, pre, e = (np.empty((n, g3), dtype), np.empty((n, 2 * hs), dtype),
                      np.empty((n, 2 * hs), dtype))
        h = h_first = np.ascontiguousarray(h0, dtype)
        for t in _order(n_steps, reverse):
            a = acts[t]
            np.matmul(h, w_t, out=hp)
            rnn_kernels.gru_preact(xp[t], hp, b, pre, e)
            exp_(e)
            rnn_kernels.gru_candidate(xp[t], hp, pre, e, a, hp_n[t])
            tanh_into(a[:, 2 * hs:], a[:, 2 * hs:])   # (strided: np.tanh)
            rnn_kernels.gru_hidden(a, h, out[t])
            h = out[t]
        ctx.save_for_backward(x2, acts, hp_n, out, h_first, w_ih, w_hh)
        ctx.reverse, ctx.biases = reverse, biases
        return out

    @staticmethod
    def backward(ctx, grad):
        x2, acts, hp_n, out, h0, w_ih, w_hh = ctx.saved
        n_steps, n, g3 = acts.shape
        hs = g3 // 3
        dtype = acts.dtype
        grad = np.ascontiguousarray(grad, dtype)
        w = np.ascontiguousarray(w_hh, dtype)
        dxp = np.empty_like(acts)
        dhp = np.empty_like(acts)
        dh = np.zeros((n, hs), dtype)
        carry = np.zeros((n, hs), dtype)      # dhp of the later step @ W_hh
        one = dtype.type(1)
        step = -1 if ctx.reverse else 1
        for t in _order(n_steps, not ctx.reverse):
            p = t - step
            h_prev = out[p] if 0 <= p < n_steps else h0
            rnn_kernels.gru_cell_backward(acts[t], hp_n[t], h_prev, grad[t], carry, dh,
                                          dxp[t], dhp[t], one)
            np.matmul(dhp[t], w, out=carry)
        dh += carry
        rows = dhp.reshape(-1, g3)
        dw_hh = (_weight_grad(rows, h0, w_hh) if n_steps == 1 else
                 _recurrent_weight_grad(rows.T, out, h0, ctx.reverse))
        return _with_projection_grads(ctx, dxp, dh, dw_hh, rows)

    @staticmethod
    def backward_graph(ctx, g):
        x2, _, _, out, h0, w_ih, w_hh = ctx.saved
        x = x2.reshape(out.shape[0], out.shape[1], x2.shape[1])
        return by_recomputing(ctx, g, gru_composed, (x, h0, w_ih, w_hh) + tuple(ctx.biases),
                              reverse=ctx.reverse)


class RNNSequence(Function):
    """All steps of one Elman RNN direction, its input projection included.

    x (L, N, I), h0 (N, H), w_ih (H, I), w_hh (H, H), then b_ih, b_hh (H,) or no biases
    -> h (L, N, H), h_t = act(x_t W_ih^T + b_ih + b_hh + h_{t-1} W_hh^T), act tanh or relu;
    BPTT through the saved outputs."""

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, *biases, reverse=False, relu=False):
        _check_sequence("RNNSequence", 1, x, h0, w_ih, w_hh, biases)
        n_steps, n, n_in = x.shape
        x2 = np.ascontiguousarray(x).reshape(n_steps * n, n_in)
        out = (x2 @ w_ih.T).reshape(n_steps, n, w_hh.shape[0])
        for b in biases:
            out += b
        h, w_t, hp = h0, _weight_t(w_hh, n_steps), np.empty(h0.shape, x.dtype)
        for t in _order(n_steps, reverse):   # out[t] holds the input part until overwritten
            pre = np.add(out[t], np.matmul(h, w_t, out=hp), out=out[t])
            h = np.maximum(pre, 0, out=pre) if relu else tanh_into(pre, pre)
        ctx.save_for_backward(x2, out, h0, w_ih, w_hh)
        ctx.reverse, ctx.relu, ctx.biases = reverse, relu, biases
        return out

    @staticmethod
    def backward(ctx, grad):
        x2, out, h0, w_ih, w_hh = ctx.saved
        dact = (out > 0).astype(out.dtype) if ctx.relu else 1 - out * out
        dxp = np.empty_like(out)
        dh = np.zeros(out.shape[1:], out.dtype)
        for t in _order(out.shape[0], not ctx.reverse):
            np.multiply(dh + grad[t], dact[t], out=dxp[t])
            dh = dxp[t] @ w_hh
        hs = out.shape[2]
        rows = dxp.reshape(-1, hs)
        dw_hh = _weight_grad(rows, _previous(out, h0, ctx.reverse).reshape(-1, hs), w_hh)
        return _with_projection_grads(ctx, dxp, dh, dw_hh, rows)

    @staticmethod
    def backward_graph(ctx, g):
        x2, out, h0, w_ih, w_hh = ctx.saved
        x = x2.reshape(out.shape[0], out.shape[1], x2.shape[1])
        return by_recomputing(ctx, g, rnn_composed, (x, h0, w_ih, w_hh) + tuple(ctx.biases),
                              reverse=ctx.reverse, relu=ctx.relu)


def _with_projection_grads(ctx, dxp, dh, dw_hh, rows):
    """(dx, dh0, dw_ih, dw_hh, db_ih, db_hh) of GRUSequence / RNNSequence from the gradient of
    the input projection dxp (L, N, G) and `rows`, the gradient of W_hh h + b_hh as (L*N, G)
    (GRU's; the same as dxp's rows for the RNN, whose two biases are both added to xp)."""
    x2, w_ih = ctx.saved[0], ctx.saved[-2]
    need = ctx.needs_input_grad or (True,) * (4 + len(ctx.biases))
    flat = dxp.reshape(-1, dxp.shape[2])
    dx = (flat @ w_ih).reshape(dxp.shape[:2] + (w_ih.shape[1],)) if need[0] else None
    dw_ih = _weight_grad(flat, x2, w_ih) if need[2] else None
    grads = (dx, dh, dw_ih, dw_hh)
    if ctx.biases:
        grads += (np.add.reduce(flat, axis=0), np.add.reduce(rows, axis=0))
    return grads


def gru_composed(x, h0, w_ih, w_hh, *biases, reverse=False):
    """GRUSequence from recorded Tensor ops, step by step (its recorded VJP re-runs this)."""
    from ..tensor_shape import stack
    hs = h0.shape[-1]
    xp = x @ w_ih.mT
    if biases:
        xp = xp + biases[0]
    h, outs = h0, [None] * x.shape[0]
    for t in _order(x.shape[0], reverse):
        hp = h @ w_hh.mT
        if biases:
            hp = hp + biases[1]
        rz = (xp[t, :, :2 * hs] + hp[:, :2 * hs]).sigmoid()
        r, z = rz[:, :hs], rz[:, hs:]
        n = (xp[t, :, 2 * hs:] + r * hp[:, 2 * hs:]).tanh()
        h = outs[t] = n + z * (h - n)
    return stack(outs, 0)


def rnn_composed(x, h0, w_ih, w_hh, *biases, reverse=False, relu=False):
    """RNNSequence from recorded Tensor ops, step by step (its recorded VJP re-runs this)."""
    from ..tensor_shape import stack
    xp = x @ w_ih.mT
    for b in biases:
        xp = xp + b
    h, outs = h0, [None] * x.shape[0]
    for t in _order(x.shape[0], reverse):
        pre = xp[t] + h @ w_hh.mT
        h = outs[t] = pre.relu() if relu else pre.tanh()
    return stack(outs, 0)


def _check_sequence(op, gates, x, h0, w_ih, w_hh, biases):
    """A clear error for inconsistent shapes or dtypes of GRUSequence (3 gates) or
    RNNSequence (1), before any kernel sees them."""
    shapes = [a.shape for a in (x, h0, w_ih, w_hh) + tuple(biases)]
    ok = (x.ndim == 3 and w_hh.ndim == 2 and w_hh.shape[0] % gates == 0
          and len(biases) in (0, 2))
    if ok:
        n_steps, n, n_in = x.shape
        g, hs = w_hh.shape
        ok = (g == gates * hs and n_steps > 0 and h0.shape == (n, hs)
              and w_ih.shape == (g, n_in) and all(b.shape == (g,) for b in biases))
    if not ok:
        k = "" if gates == 1 else str(gates)
        raise ValueError(f"{op}: expected x (L, N, I), h0 (N, H), w_ih ({k}H, I), w_hh ({k}H, H) "
                         f"and no or two biases ({k}H,), got shapes "
                         f"{[tuple(s) for s in shapes]}")
    dtypes = {a.dtype for a in (x, h0, w_ih, w_hh) + tuple(biases)}
    if len(dtypes) != 1 or x.dtype.kind != "f":
        raise TypeError(f"{op}: expected one floating dtype for all inputs, got "
                        f"{[str(a.dtype) for a in (x, h0, w_ih, w_hh) + tuple(biases)]} "
                        f"for shapes {[tuple(s) for s in shapes]}")
