"""RNNCell, LSTMCell and GRUCell with PyTorch's signatures and parameter names: one time step.
Fused by default (a one-step sequence op of autograd.ops.rnn; LSTMCell's node makes c' and o,
ops.rnn_cell); `cell.fused = False` records the composed step instead."""
from __future__ import annotations

import math
import numbers

from autograd import Tensor
from autograd.ops.rnn import GRUSequence, RNNSequence
from autograd.ops.rnn_cell import LSTMCellState
from autograd.torch_errors import ArgumentError, DtypeError

from . import functional as F
from . import init
from .module import Module
from .rnn_steps import (_check_state_dtype, _input_bias, _uniform_parameter, _zeros,
                        gru_step, lstm_step, rnn_step)

# --------------------------------------------------------------------- cells
def check_sizes(name: str, **sizes) -> None:
    """torch's checks on a recurrent module's sizes (ints, > 0), with its messages."""
    for key, value in sizes.items():
        if not isinstance(value, numbers.Integral) or isinstance(value, bool):
            raise TypeError(f"{name}: {key} should be of type int, got: "
                            f"{type(value).__name__}")
        if value <= 0:
            raise ValueError(f"{name}: {key} must be greater than zero, got {value}")


class RNNCellBase(Module):
    """torch's base of the cells: RNNCellBase(input_size, hidden_size, bias, num_chunks) holds
    weight_ih (num_chunks * H, I), weight_hh (num_chunks * H, H) and the two biases."""

    mode = ""
    fused = True  # False: the composed step (rnn_step, lstm_step, gru_step), the test oracle

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None):
        super().__init__()
        check_sizes(type(self).__name__, input_size=input_size, hidden_size=hidden_size)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        g = num_chunks * hidden_size
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

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        k = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -k, k)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        return s if nonlinearity == "tanh" else f"{s}, nonlinearity={nonlinearity}"

    def _prepare(self, x: Tensor, hx, n_states: int):
        """Check shapes, add a batch dim to unbatched input; returns (x, states, batched)."""
        name = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ArgumentError(f"{name}: expected input of shape (N, {self.input_size}) or "
                                f"({self.input_size},), got {tuple(x.shape)}")
        if x.dtype != self.weight_ih.dtype:
            raise DtypeError(f"{name}: input dtype {x.dtype} differs from the parameters' "
                             f"dtype {self.weight_ih.dtype}")
        batched = x.ndim == 2
        if not batched:
            x = x.unsqueeze(0)
        shape = (x.shape[0], self.hidden_size)
        if hx is None:
            states = [_zeros(shape, x) for _ in range(n_states)]
        else:
            states = [hx] if n_states == 1 else list(hx)
            if len(states) != n_states:
                raise ArgumentError(f"{name}: expected {n_states} initial states, got "
                                    f"{len(states)}")
            names = ("h_0", "c_0") if n_states == 2 else ("hx",)
            for s, what in zip(states, names):
                _check_state_dtype(name, what, s, x.dtype)
            states = [s if batched else s.unsqueeze(0) for s in states]
            for s in states:
                if tuple(s.shape) != shape:
                    want, got = (shape, s.shape) if batched else (shape[1:], s.shape[1:])
                    raise ArgumentError(f"{name}: expected a state of shape {tuple(want)}, "
                                        f"got {tuple(got)}")
        return x, states, batched

    def _biases(self) -> tuple:
        return () if self.bias_ih is None else (self.bias_ih, self.bias_hh)

    def _project(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight_ih, _input_bias(self.mode, self.bias_ih, self.bias_hh))


class RNNCell(RNNCellBase):
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu).  x: (N, I) or (I,), h: (N, H) ->
    (N, H)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got "
                             f"{nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
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


class LSTMCell(RNNCellBase):
    """One LSTM step;  x: (N, I) or (I,), hx = (h, c) each (N, H) -> (h', c')."""

    mode = "LSTM"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

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


class GRUCell(RNNCellBase):
    """One GRU step;  x: (N, I) or (I,), h: (N, H) -> (N, H)."""

    mode = "GRU"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, hx, 1)
        if self.fused:
            h = GRUSequence.apply(x.unsqueeze(0), h, self.weight_ih, self.weight_hh,
                                  *self._biases())[0]
        else:
            h = gru_step(self._project(x), h, self.weight_hh.T, self.bias_hh)
        return h if batched else h.squeeze(0)
