"""RNNCell, LSTMCell and GRUCell with PyTorch's signatures and parameter names: one time step.
Fused by default (a one-step sequence op of autograd.ops.rnn; LSTMCell's node makes c' and o,
ops.rnn_cell); `cell.fused = False` records the composed step instead."""
from __future__ import annotations

import math

from autograd import Tensor
from autograd.ops.rnn import GRUSequence, RNNSequence
from autograd.ops.rnn_cell import LSTMCellState

from . import functional as F
from .module import Module
from .rnn_steps import (_GATES, _check_state_dtype, _input_bias, _uniform_parameter, _zeros,
                        gru_step, lstm_step, rnn_step)

# --------------------------------------------------------------------- cells
class _CellBase(Module):
    mode = ""
    fused = True  # False: the composed step (rnn_step, lstm_step, gru_step), the test oracle

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None, *, mode=None):
        super().__init__()
        self.mode = mode or type(self).mode
        if input_size <= 0 or hidden_size <= 0:
            raise ValueError(f"{type(self).__name__}: input_size and hidden_size must be "
                             f"positive, got {input_size} and {hidden_size}")
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        g = _GATES[self.mode] * hidden_size
        k = 1.0 / math.sqrt(hidden_size)
        self.weight_ih = _uniform_parameter((g, input_size), k)
        self.weight_hh = _uniform_parameter((g, hidden_size), k)
        if bias:
            self.bias_ih = _uniform_parameter((g,), k)
            self.bias_hh = _uniform_parameter((g,), k)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        if dtype is not None:
            self.to(dtype)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")

    def _prepare(self, x: Tensor, hx, n_states: int):
        """Check shapes, add a batch dim to unbatched input; returns (x, states, batched)."""
        name = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input of shape (N, {self.input_size}) or "
                             f"({self.input_size},), got {tuple(x.shape)}")
        if x.dtype != self.weight_ih.dtype:
            raise TypeError(f"{name}: input dtype {x.dtype} differs from the parameters' dtype "
                            f"{self.weight_ih.dtype}")
        batched = x.ndim == 2
        if not batched:
            x = x.unsqueeze(0)
        shape = (x.shape[0], self.hidden_size)
        if hx is None:
            states = [_zeros(shape, x) for _ in range(n_states)]
        else:
            states = [hx] if n_states == 1 else list(hx)
            if len(states) != n_states:
                raise ValueError(f"{name}: expected {n_states} initial states, got {len(states)}")
            names = ("h_0", "c_0") if n_states == 2 else ("hx",)
            for s, what in zip(states, names):
                _check_state_dtype(name, what, s, x.dtype)
            states = [s if batched else s.unsqueeze(0) for s in states]
            for s in states:
                if tuple(s.shape) != shape:
                    want, got = (shape, s.shape) if batched else (shape[1:], s.shape[1:])
                    raise ValueError(f"{name}: expected a state of shape {tuple(want)}, got "
                                     f"{tuple(got)}")
        return x, states, batched

    def _biases(self) -> tuple:
        return () if self.bias_ih is None else (self.bias_ih, self.bias_hh)

    def _project(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight_ih, _input_bias(self.mode, self.bias_ih, self.bias_hh))


RNNCellBase = _CellBase   # torch's public base class, for isinstance checks


class RNNCell(_CellBase):
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu).  x: (N, I) or (I,), h: (N, H) ->
    (N, H)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got "
                             f"{nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, device, dtype,
                         mode="RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU")
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, hx, 1)
        relu = self.nonlinearity == "relu"
        if self.fused:   # a one-step sequence op: one node, hand-written backward
            h = RNNSequence.apply(x.unsqueeze(0), h, self.weight_ih, self.weight_hh,
                                  *self._biases(), relu=relu)[0]
        else:
            h = rnn_step(self._project(x), h, self.weight_hh.T, relu)
        return h if batched else h.squeeze(0)


class LSTMCell(_CellBase):
    """One LSTM step;  x: (N, I) or (I,), hx = (h, c) each (N, H) -> (h', c')."""

    mode = "LSTM"

    def forward(self, input, hx=None):
        x, (h, c), batched = self._prepare(input, hx, 2)
        if self.fused:   # c' and o from one node, then h' = o * tanh(c') recorded on c', as
            # torch's cell: a hook or retain_grad on c' sees the gradient through h' too
            state = LSTMCellState.apply(x, h, c, self.weight_ih, self.weight_hh,
                                        *self._biases())
            c = state[0]
            h = state[1] * c.tanh()
        else:
            h, c = lstm_step(self._project(x), h, c, self.weight_hh.T)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(_CellBase):
    """One GRU step;  x: (N, I) or (I,), h: (N, H) -> (N, H)."""

    mode = "GRU"

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, hx, 1)
        if self.fused:
            h = GRUSequence.apply(x.unsqueeze(0), h, self.weight_ih, self.weight_hh,
                                  *self._biases())[0]
        else:
            h = gru_step(self._project(x), h, self.weight_hh.T, self.bias_hh)
        return h if batched else h.squeeze(0)
