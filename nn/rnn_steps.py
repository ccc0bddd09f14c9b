"""The pieces the recurrent layers and cells share: one time step of each cell as composed
ops (rnn_step, lstm_step, gru_step: the graph `fused = False` records, the oracle of the fused
ops), the fused LSTM direction, PyTorch's recurrent init and the state checks."""
from __future__ import annotations

import numpy as np

from autograd import Tensor
from autograd.creation import default_generator
from autograd.dtypes import get_default_dtype
from autograd.ops.rnn import LSTMSequence
from autograd.torch_errors import DtypeError

from .module import Parameter

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _uniform_parameter(shape, bound) -> Parameter:
    """PyTorch's recurrent init: U(-1/sqrt(hidden), 1/sqrt(hidden)) from the default generator."""
    return Parameter(default_generator().uniform(-bound, bound, shape).astype(
        get_default_dtype()))


def _zeros(shape, like: Tensor) -> Tensor:
    return Tensor._wrap(np.zeros(shape, like.dtype), False)


def _check_state_dtype(owner: str, what: str, state, dtype) -> None:
    """Refuse an initial state that is no Tensor or whose dtype is not `dtype` (the input's and
    the parameters', already checked equal): torch refuses it too, where a cast would hide it."""
    if not isinstance(state, Tensor):
        raise TypeError(f"{owner}: {what} must be a Tensor, got {type(state).__name__}")
    if state.dtype != dtype:
        raise DtypeError(f"{owner}: {what} dtype {state.dtype} differs from the input's and "
                         f"the parameters' dtype {dtype}; convert it with .to({dtype})")


# --------------------------------------------------------------------- one step of each cell
def rnn_step(xp: Tensor, h: Tensor, w_hh_t: Tensor, relu: bool) -> Tensor:
    """h' = act(xp + h @ W_hh^T); xp: (N, H) already holds x @ W_ih^T + b_ih + b_hh."""
    pre = xp + h @ w_hh_t
    return pre.relu() if relu else pre.tanh()


def lstm_step(xp: Tensor, h: Tensor, c: Tensor, w_hh_t: Tensor):
    """Gates i, f, g, o from xp + h @ W_hh^T, xp: (N, 4H);  returns (h', c')."""
    hs = h.shape[-1]
    gates = xp + h @ w_hh_t
    s = gates.sigmoid()  # one pass over all 4H columns beats three separate sigmoids
    i, f, o = s[:, :hs], s[:, hs:2 * hs], s[:, 3 * hs:]
    g = gates[:, 2 * hs:3 * hs].tanh()
    c = f * c + i * g
    return o * c.tanh(), c


def gru_step(xp: Tensor, h: Tensor, w_hh_t: Tensor, b_hh):
    """Gates r, z, n, PyTorch's form n = tanh(x_n + r * (W_hn h + b_hn)); xp: (N, 3H) -> h'."""
    hs = h.shape[-1]
    hp = h @ w_hh_t
    if b_hh is not None:
        hp = hp + b_hh
    rz = (xp[:, :2 * hs] + hp[:, :2 * hs]).sigmoid()
    r, z = rz[:, :hs], rz[:, hs:]
    n = (xp[:, 2 * hs:] + r * hp[:, 2 * hs:]).tanh()
    return n + z * (h - n)  # (1 - z) * n + z * h with one op fewer


def _input_bias(mode, b_ih, b_hh):
    """The bias added to the input projection: both biases, except GRU's b_hh (inside r * ...)."""
    if b_ih is None:
        return None
    return b_ih if mode == "GRU" else b_ih + b_hh


def _lstm_direction(x: Tensor, init: list, w_ih, w_hh, b_ih, b_hh, reverse: bool,
                    every_step: bool = False):
    """One fused LSTM direction, input projection included: x (L, N, I) ->
    (outputs (L, N, H), (h_n, c_n)); with every_step, the states are those of every step,
    each (L, N, H)."""
    biases = () if b_ih is None else (b_ih, b_hh)
    y = LSTMSequence.apply(x, init[0], init[1], w_ih, w_hh, *biases, reverse=reverse,
                           cells=every_step)
    n_steps = x.shape[0]
    if every_step:
        return y[:n_steps], (y[:n_steps], y[n_steps:])
    return y[:n_steps], (y[0 if reverse else n_steps - 1], y[n_steps])
