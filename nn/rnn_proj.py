"""nn.LSTM with proj_size > 0 (PyTorch's LSTM with projections): h_t = W_hr (o_t * tanh(c_t)).

The hidden state h has proj_size P features, the cell state c keeps hidden_size H; W_hh is
(4H, P), W_hr (P, H), and a layer above the first takes the P (or 2P, bidirectional) features
of the one below. The fused LSTMSequence op knows nothing of the projection, so each direction
runs as the composed per-step graph (the input projection still one matmul before the loop).
"""
from __future__ import annotations

import numbers

import numpy as np

import autograd
from autograd import Tensor
from autograd.ops.rnn import _order


def check_proj_size(name: str, mode: str, proj_size, hidden_size: int) -> int:
    """PyTorch's checks, with its messages, on proj_size; returns it as an int."""
    if not isinstance(proj_size, numbers.Integral) or isinstance(proj_size, bool):
        raise TypeError(f"{name}: proj_size must be an int, got {type(proj_size).__name__}")
    if proj_size < 0:
        raise ValueError(f"{name}: proj_size should be a positive integer or zero to disable "
                         f"projections, got {proj_size}")
    if proj_size and mode != "LSTM":
        raise ValueError(f"{name}: proj_size argument is only supported for LSTM, not RNN or "
                         f"GRU, got proj_size={proj_size}")
    if proj_size and proj_size >= hidden_size:
        raise ValueError(f"{name}: proj_size has to be smaller than hidden_size, got "
                         f"proj_size={proj_size} and hidden_size={hidden_size}")
    return int(proj_size)


def lstm_proj_step(xp: Tensor, h: Tensor, c: Tensor, w_hh_t: Tensor, w_hr_t: Tensor):
    """Gates i, f, g, o from xp + h @ W_hh^T, xp: (N, 4H), h: (N, P), c: (N, H);
    returns (h' = (o * tanh(c')) @ W_hr^T (N, P), c' (N, H))."""
    hs = c.shape[-1]
    gates = xp + h @ w_hh_t
    s = gates.sigmoid()
    i, f, o = s[:, :hs], s[:, hs:2 * hs], s[:, 3 * hs:]
    g = gates[:, 2 * hs:3 * hs].tanh()
    c = f * c + i * g
    return (o * c.tanh()) @ w_hr_t, c


def lstm_proj_direction(xp: Tensor, init: list, w_hh: Tensor, w_hr: Tensor, reverse: bool,
                        every_step: bool = False):
    """The time loop over xp: (L, N, 4H), init = [h0 (N, P), c0 (N, H)] -> (outputs (L, N, P),
    (h_n, c_n)), or with every_step the states of every step, (L, N, P) and (L, N, H)
    (packed sequences take each sequence's final state at its own length)."""
    w_hh_t, w_hr_t = w_hh.T, w_hr.T
    n_steps = xp.shape[0]
    hs, cs = [None] * n_steps, [None] * n_steps
    h, c = init
    for t in _order(n_steps, reverse):
        h, c = lstm_proj_step(xp[t], h, c, w_hh_t, w_hr_t)
        hs[t], cs[t] = h, c
    out = autograd.stack(hs, 0)
    if every_step:
        return out, (out, autograd.stack(cs, 0))
    return out, (h, c)


def packed_zero_states(module, packed):
    """Zero (h_0 (D * num_layers, B, P), c_0 (D * num_layers, B, H)) for a PackedSequence
    input, or None when the input is malformed (nn/rnn_packed.py then names the problem)."""
    x, sizes = packed.data, packed.batch_sizes
    sizes = np.asarray(sizes.data if isinstance(sizes, Tensor) else sizes).reshape(-1)
    if not isinstance(x, Tensor) or sizes.size == 0:
        return None
    lead = (module.num_layers * module.num_directions, int(sizes[0]))
    return tuple(Tensor._wrap(np.zeros(lead + (n,), x.dtype), False)
                 for n in (module.proj_size, module.hidden_size))
