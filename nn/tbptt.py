"""Truncated back-propagation through time, and an unrolled forward of RNN / LSTM / GRU.

`unroll` runs a recurrent layer step by step from its own parameters, with the same ops in the
same order as the layer's composed per-step path (bit for bit equal to it; the fused LSTM op
sums its products in another order, so it agrees to rounding), and passes every hidden state
h_t (and LSTM cell state c_t) through a `probe(state, key)` callable. A probe that adds a zero
leaf makes dL/dh_t visible as that leaf's .grad (see autograd.model_check.StateProbe).

Truncated BPTT: the sequence is cut into chunks of k steps; each chunk starts from the previous
chunk's final state detached from the graph, so gradients flow back at most k steps.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

import autograd
from autograd import Tensor

from .rnn_steps import gru_step, rnn_step


def _identity(state, key):
    return state


# --------------------------------------------------------------------- unrolled forward
def _lstm_step_probed(xp, h, c, w_hh_t, probe, key):
    """nn.rnn_steps.lstm_step with the probe on c_t placed between c_t and h_t = o * tanh(c_t), so
    the probe's gradient is the total dL/dc_t (through h_t as well as through c_{t+1})."""
    hs = h.shape[-1]
    gates = xp + h @ w_hh_t
    s = gates.sigmoid()
    i, f, o = s[:, :hs], s[:, hs:2 * hs], s[:, 3 * hs:]
    g = gates[:, 2 * hs:3 * hs].tanh()
    c = probe(f * c + i * g, ("c",) + key)
    return o * c.tanh(), c


def _layer_weights(module, layer, direction):
    suffix = "_reverse" if direction == 1 else ""
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    return [getattr(module, f"{n}_l{layer}{suffix}", None) for n in names]


def _initial_states(module, x, hx):
    mode = module.mode
    shape = (module.num_layers * module.num_directions, x.shape[1], module.hidden_size)
    if hx is None:
        zero = Tensor._wrap(np.zeros(shape, x.dtype), False)
        return [zero, zero] if mode == "LSTM" else [zero]
    states = list(hx) if mode == "LSTM" else [hx]
    for s in states:
        if tuple(s.shape) != shape:
            raise ValueError(f"unroll: expected an initial state of shape {shape}, got "
                             f"{tuple(s.shape)}")
    return states


def unroll(module, input: Tensor, hx=None, probe=None):
    """The forward of nn.RNN / nn.LSTM / nn.GRU written out step by step, with probes.

    input: (L, N, H_in) ((N, L, H_in) with batch_first) -> (output (L, N, D*H), h_n) exactly as
    module(input, hx); for LSTM h_n is (h_n, c_n). probe(state, key) is applied to every new
    state, key = ("h" | "c", layer, direction, t); it returns the state to use from then on.
    """
    mode = getattr(module, "mode", None)
    if mode not in ("RNN_TANH", "RNN_RELU", "LSTM", "GRU"):
        raise TypeError(f"unroll: expected an nn.RNN, nn.LSTM or nn.GRU, got "
                        f"{type(module).__name__}")
    if not isinstance(input, Tensor) or input.ndim != 3:
        raise ValueError(f"unroll: expected a batched input of shape (L, N, H_in), got "
                         f"{tuple(getattr(input, 'shape', ()))}")
    if getattr(module, "proj_size", 0):
        raise NotImplementedError(f"unroll: LSTM with proj_size={module.proj_size} is not "
                                  f"written out step by step")
    if module.training and module.dropout > 0 and module.num_layers > 1:
        raise RuntimeError("unroll: inter-layer dropout is random; call module.eval() first")
    probe = probe or _identity
    x = input.transpose(0, 1) if module.batch_first else input
    init = _initial_states(module, x, hx)
    n_dir, length = module.num_directions, x.shape[0]
    finals = [[] for _ in init]
    for layer in range(module.num_layers):
        outs = []
        for d in range(n_dir):
            w_ih, w_hh, b_ih, b_hh = _layer_weights(module, layer, d)
            xp = x @ w_ih.T
            b = None if b_ih is None else (b_ih if mode == "GRU" else b_ih + b_hh)
            if b is not None:
                xp = xp + b
            w_hh_t = w_hh.T
            states = [s[layer * n_dir + d] for s in init]
            seq = [None] * length
            for t in (range(length - 1, -1, -1) if d == 1 else range(length)):
                key = (layer, d, t)
                if mode == "LSTM":
                    h, c = _lstm_step_probed(xp[t], states[0], states[1], w_hh_t, probe, key)
                    states = [probe(h, ("h",) + key), c]
                elif mode == "GRU":
                    states = [probe(gru_step(xp[t], states[0], w_hh_t, b_hh), ("h",) + key)]
                else:
                    h = rnn_step(xp[t], states[0], w_hh_t, mode == "RNN_RELU")
                    states = [probe(h, ("h",) + key)]
                seq[t] = states[0]
            outs.append(autograd.stack(seq, 0))
            for f, s in zip(finals, states):
                f.append(s)
        x = outs[0] if n_dir == 1 else autograd.cat(outs, dim=2)
    if module.batch_first:
        x = x.transpose(0, 1)
    finals = [autograd.stack(f, 0) for f in finals]
    return x, (tuple(finals) if mode == "LSTM" else finals[0])


# --------------------------------------------------------------------- truncated BPTT
def detach_state(state):
    """A hidden state (Tensor, or tuple/list of them as LSTM's (h, c)) cut from the graph."""
    if state is None:
        return None
    if isinstance(state, Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(s) for s in state)
    raise TypeError(f"detach_state: expected a Tensor or a tuple of Tensors, got "
                    f"{type(state).__name__}")


def chunk_bounds(length: int, k: int) -> list:
    """[(start, stop), ...]: range(length) cut into pieces of k steps (the last may be shorter)."""
    if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k <= 0:
        raise ValueError(f"truncated BPTT: k must be a positive integer, got {k!r}")
    k = int(k)   # numpy integers too
    return [(s, min(s + k, length)) for s in range(0, length, k)]


def _time_slice(x, start, stop, time_dim):
    return x[start:stop] if time_dim == 0 else x[:, start:stop]


def _time_dim(model, time_dim):
    if time_dim is None:
        time_dim = 1 if getattr(model, "batch_first", False) else 0
    if time_dim not in (0, 1):
        raise ValueError(f"truncated BPTT: time_dim must be 0 or 1, got {time_dim}")
    return time_dim


@dataclass
class TBPTTResult:
    """loss: sum of the chunk losses; state: the final state (detached); chunks: their number."""
    loss: float
    state: object
    chunks: int


def truncated_bptt(model, input, target, loss_fn, k: int, hx=None, optimizer=None,
                   time_dim=None) -> TBPTTResult:
    """One pass of truncated BPTT over a sequence, the state detached every k steps.

    model(x_chunk, state) -> (output, state), e.g. nn.LSTM; loss_fn(output, target_chunk) -> a
    scalar. Each chunk is back-propagated at once. Without an optimizer the gradients
    accumulate: .grad is then the gradient of the summed chunk losses with every chunk's start
    state held fixed (`truncated_objective`); with k >= L that is full BPTT. With an optimizer,
    optimizer.step() and zero_grad() follow each chunk (classic TBPTT training).
    input: (L, N, ...) (or (N, L, ...) with time_dim=1 / batch_first); target: same time layout.
    """
    time_dim = _time_dim(model, time_dim)
    length = input.shape[time_dim]
    state, total = hx, 0.0
    bounds = chunk_bounds(length, k)
    for start, stop in bounds:
        out, state = model(_time_slice(input, start, stop, time_dim), state)
        loss = loss_fn(out, _time_slice(target, start, stop, time_dim))
        loss.backward()
        total += float(loss.item())
        if optimizer is not None:
            optimizer.step()
            optimizer.zero_grad()
        state = detach_state(state)
    return TBPTTResult(total, state, len(bounds))


def boundary_states(model, input, k: int, hx=None, time_dim=None) -> list:
    """The state at the start of every chunk (computed without a graph): [hx, s_k, s_2k, ...]."""
    time_dim = _time_dim(model, time_dim)
    states, state = [], hx
    with autograd.no_grad():
        for start, stop in chunk_bounds(input.shape[time_dim], k):
            states.append(state)
            _, state = model(_time_slice(input, start, stop, time_dim), state)
    return states


def truncated_objective(model, input, target, loss_fn, k: int, hx=None, time_dim=None):
    """The objective truncated BPTT differentiates, as a function of the parameters.

    The chunk start states are computed now and frozen; the returned f() -> scalar Tensor sums
    the chunk losses run from those fixed states. Its full gradient (or the finite differences
    of its value) equals what `truncated_bptt` accumulates.
    """
    time_dim = _time_dim(model, time_dim)
    starts = boundary_states(model, input, k, hx, time_dim)
    bounds = chunk_bounds(input.shape[time_dim], k)

    def objective():
        total = None
        for (start, stop), state in zip(bounds, starts):
            out, _ = model(_time_slice(input, start, stop, time_dim), state)
            loss = loss_fn(out, _time_slice(target, start, stop, time_dim))
            total = loss if total is None else total + loss
        return total

    return objective
