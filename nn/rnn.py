"""Recurrent layers with PyTorch's signatures and parameter names: RNN, LSTM, GRU (their cells are
in rnn_cells.py, the composed steps in rnn_steps.py; both are re-exported here).

By default each direction of each layer runs as one fused op (autograd.ops.rnn: LSTMSequence,
GRUSequence, RNNSequence) that projects the input of every time step in one matmul before its
time loop, does one matmul per step for the recurrent part and back-propagates through time by
hand; `layer.fused = False` records the composed per-step graph instead (as `cell.fused =
False` does for a cell; gates are slices of one (N, G*H) tensor), which the tests keep as the
oracle.
"""
from __future__ import annotations

import math
import numbers
import warnings

import autograd
from autograd import Tensor
from autograd.ops.rnn import GRUSequence, LSTMSequence, RNNSequence, _order
from autograd.torch_errors import ArgumentError, DtypeValueError

from . import functional as F
from . import init
from .module import Module
from .rnn_cells import GRUCell, LSTMCell, RNNCell, RNNCellBase, check_sizes
from .rnn_checks import RNNChecksMixin
from .rnn_proj import check_proj_size, lstm_proj_direction, packed_zero_states
from .rnn_steps import (_GATES, _check_state_dtype, _input_bias, _lstm_direction,
                        _uniform_parameter, _zeros, gru_step, lstm_step, rnn_step)
from .utils.packed import PackedSequence

__all__ = ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "GRUSequence", "LSTMSequence",
           "RNNBase", "RNNCellBase", "RNNSequence", "gru_step", "lstm_step", "rnn_step"]


# --------------------------------------------------------------------- multi-layer layers
class RNNBase(RNNChecksMixin, Module):
    """torch's base of RNN, LSTM and GRU: RNNBase(mode, input_size, hidden_size, ...) with
    mode one of 'LSTM', 'GRU', 'RNN_TANH', 'RNN_RELU'."""

    fused = True  # False: the composed per-step graph (slower; the fused ops' test oracle)

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        if mode not in _GATES:
            raise ValueError(f"{name}: unrecognized RNN mode {mode!r} (one of "
                             f"{', '.join(map(repr, _GATES))})")
        self.mode = mode
        check_sizes(name, input_size=input_size, hidden_size=hidden_size,
                    num_layers=num_layers)
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0.0 <= dropout <= 1.0):
            raise ValueError(f"{name}: dropout should be a number in range [0, 1] "
                             f"representing the probability of an element being zeroed, got "
                             f"{dropout!r}")
        if dropout > 0 and num_layers == 1:   # torch's warning: it acts between layers only
            warnings.warn(f"dropout option adds dropout after all but last recurrent layer, so "
                          f"non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", UserWarning)
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        proj_size = check_proj_size(name, self.mode, proj_size, hidden_size)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        g = _GATES[self.mode] * hidden_size
        k = 1.0 / math.sqrt(hidden_size)
        h_out = proj_size or hidden_size   # the width of h, the layer's output per direction
        self._names = []  # per (layer, direction): names of w_ih, w_hh, b_ih, b_hh (, w_hr)
        for layer in range(num_layers):
            in_size = input_size if layer == 0 else h_out * self.num_directions
            for suffix in ("", "_reverse")[:self.num_directions]:
                names = [f"weight_ih_l{layer}{suffix}", f"weight_hh_l{layer}{suffix}"]
                setattr(self, names[0], _uniform_parameter((g, in_size), k))
                setattr(self, names[1], _uniform_parameter((g, h_out), k))
                if bias:
                    names += [f"bias_ih_l{layer}{suffix}", f"bias_hh_l{layer}{suffix}"]
                    setattr(self, names[2], _uniform_parameter((g,), k))
                    setattr(self, names[3], _uniform_parameter((g,), k))
                if proj_size:
                    names.append(f"weight_hr_l{layer}{suffix}")
                    setattr(self, names[-1], _uniform_parameter((proj_size, hidden_size), k))
                self._names.append(names)
        if dtype is not None:
            self.to(dtype)

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as at
        construction."""
        k = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -k, k)

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    def flatten_parameters(self):
        """No-op, for code written against PyTorch (its CPU path does nothing either)."""

    @property
    def _all_weights(self) -> list:
        """Per (layer, direction), the parameter names in torch's order: weight_ih, weight_hh,
        bias_ih, bias_hh (with bias), weight_hr (with proj_size)."""
        return [list(names) for names in self._names]

    @property
    def all_weights(self) -> list:
        """Per (layer, direction), the Parameters in the order of _all_weights."""
        return [[getattr(self, n) for n in names] for names in self._names]

    @property
    def _flat_weights_names(self) -> list:
        return [n for names in self._names for n in names]

    @property
    def _flat_weights(self) -> list:
        """The Parameters of _flat_weights_names, read at each access (torch keeps a list it
        updates on assignment; reading them keeps it in step with no __setattr__ hook)."""
        return [getattr(self, n, None) for n in self._flat_weights_names]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        for key, default in (("bias", True), ("batch_first", False), ("dropout", 0.0),
                             ("bidirectional", False)):
            if getattr(self, key) != default:
                s += f", {key}={getattr(self, key)}"
        return s

    def _weights(self, layer, direction):
        """[w_ih, w_hh, b_ih, b_hh] (biases None without bias), then w_hr with proj_size."""
        ws = [getattr(self, n) for n in self._names[layer * self.num_directions + direction]]
        return ws if self.bias else ws[:2] + [None, None] + ws[2:]

    def _check_input(self, x):
        name = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
        order = "(N, L, H_in)" if self.batch_first else "(L, N, H_in)"
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            raise ArgumentError(f"{name}: expected input of shape {order} or (L, H_in) with "
                             f"H_in = {self.input_size}, got {tuple(x.shape)}")
        if x.shape[1 if self.batch_first and x.ndim == 3 else 0] == 0:
            raise ArgumentError(f"{name}: the sequence length must be positive, got input of "
                                f"shape {tuple(x.shape)}")
        if x.dtype != self.weight_ih_l0.dtype:
            raise DtypeValueError(f"{name}: input dtype {x.dtype} differs from the parameters' "
                                  f"dtype {self.weight_ih_l0.dtype}")

    def _state_shape(self, shape, what):
        return shape[:2] + (self.proj_size,) if what == "h_0" and self.proj_size else shape

    def _check_state(self, s, shape, batched, what):
        _check_state_dtype(type(self).__name__, what, s, self.weight_ih_l0.dtype)
        shape = self._state_shape(shape, what)   # with proj_size, h has proj_size features
        got = tuple(s.shape)
        want = shape if batched else (shape[0], shape[2])
        if got != want:
            raise ArgumentError(f"{type(self).__name__}: expected {what} of shape {want}, got "
                                f"{got}")
        return s if batched else s.unsqueeze(1)

    def _run(self, x: Tensor, states: list, over=None) -> tuple:
        """x: (L, N, I), states: list of (D*num_layers, N, H) -> (output (L, N, D*H), finals).
        `over(run, inp, init, reverse)` runs one direction its own way (packed sequences,
        nn/rnn_packed.py); by default run(inp, init, reverse) covers the whole sequence."""
        n_dir = self.num_directions
        finals = [[] for _ in states]
        for layer in range(self.num_layers):
            if layer > 0 and self.training and self.dropout > 0:
                x = F.dropout(x, self.dropout, True)
            outs = []
            for d in range(n_dir):
                run, inp = self._layer_direction(x, layer, d)
                init = [s[layer * n_dir + d] for s in states]
                seq, last = run(inp, init, d == 1) if over is None else over(run, inp, init,
                                                                             d == 1)
                outs.append(seq)
                for f, s in zip(finals, last):
                    f.append(s)
            x = outs[0] if n_dir == 1 else autograd.cat(outs, dim=-1)
        return x, [autograd.stack(f, 0) for f in finals]

    def _layer_direction(self, x: Tensor, layer: int, d: int):
        """(run(inp, init, reverse) -> (outputs, finals), inp) for direction d of a layer:
        the fused ops project x themselves; the composed loops take x's input projection."""
        w_ih, w_hh, b_ih, b_hh, *w_hr = self._weights(layer, d)
        if self.proj_size:   # the fused op has no projection: the composed graph
            xp = F.linear(x, w_ih, _input_bias(self.mode, b_ih, b_hh))
            return (lambda inp, init, reverse, every_step=False: lstm_proj_direction(
                inp, init, w_hh, w_hr[0], reverse, every_step)), xp
        if self.fused:
            return (lambda inp, init, reverse, every_step=False: self._fused_direction(
                inp, init, (w_ih, w_hh, b_ih, b_hh), reverse, every_step)), x
        xp = F.linear(x, w_ih, _input_bias(self.mode, b_ih, b_hh))
        return (lambda inp, init, reverse, every_step=False:
                self._direction(inp, init, w_hh, b_hh, reverse)), xp

    def _fused_direction(self, x: Tensor, init: list, weights: tuple, reverse: bool,
                         every_step: bool = False):
        """One fused op over x: (L, N, I) -> (outputs (L, N, H), final states, or with
        every_step the states of every step, each (L, N, H))."""
        w_ih, w_hh, b_ih, b_hh = weights
        if self.mode == "LSTM":
            return _lstm_direction(x, init, w_ih, w_hh, b_ih, b_hh, reverse, every_step)
        biases = () if b_ih is None else (b_ih, b_hh)
        if self.mode == "GRU":
            y = GRUSequence.apply(x, init[0], w_ih, w_hh, *biases, reverse=reverse)
        else:
            y = RNNSequence.apply(x, init[0], w_ih, w_hh, *biases, reverse=reverse,
                                  relu=self.mode == "RNN_RELU")
        return y, ((y,) if every_step else (y[0 if reverse else x.shape[0] - 1],))

    def _direction(self, xp: Tensor, init: list, w_hh: Tensor, b_hh, reverse: bool):
        """The composed time loop over xp: (L, N, G*H) -> (outputs (L, N, H), final states)."""
        w_hh_t = w_hh.T
        steps = _order(xp.shape[0], reverse)
        outs = [None] * xp.shape[0]
        mode = self.mode
        if mode == "LSTM":
            h, c = init
            for t in steps:
                h, c = lstm_step(xp[t], h, c, w_hh_t)
                outs[t] = h
            return autograd.stack(outs, 0), (h, c)
        (h,) = init
        for t in steps:
            if mode == "GRU":
                h = gru_step(xp[t], h, w_hh_t, b_hh)
            else:
                h = rnn_step(xp[t], h, w_hh_t, mode == "RNN_RELU")
            outs[t] = h
        return autograd.stack(outs, 0), (h,)

    def _forward(self, input, hx_list, what):
        if isinstance(input, PackedSequence):
            from .rnn_packed import packed_forward  # it imports this module
            return packed_forward(self, input, hx_list, what)
        self._check_input(input)
        batched = input.ndim == 3
        x = input if batched else input.unsqueeze(1)
        if self.batch_first and batched:
            x = x.transpose(0, 1)
        shape = (self.num_layers * self.num_directions, x.shape[1], self.hidden_size)
        if hx_list is None:
            states = [_zeros(self._state_shape(shape, w), x) for w in what]
        else:
            states = [self._check_state(s, shape, batched, w) for s, w in zip(hx_list, what)]
        out, finals = self._run(x, states)
        if self.batch_first and batched:
            out = out.transpose(0, 1)
        if not batched:
            out, finals = out.squeeze(1), [f.squeeze(1) for f in finals]
        return out, finals


class RNN(RNNBase):
    """Elman RNN, h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh).

    input: (L, N, H_in) (or (N, L, H_in) with batch_first, or unbatched (L, H_in)),
    h_0: (D * num_layers, N, H) or None -> (output (L, N, D * H), h_n (D * num_layers, N, H)).
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        out, (h,) = self._forward(input, None if hx is None else [hx], ["h_0"])
        return out, h


class LSTM(RNNBase):
    """LSTM with gates i, f, g, o (PyTorch's order and parameter layout).

    input: (L, N, H_in) (or (N, L, H_in) with batch_first, or unbatched (L, H_in)),
    hx = (h_0, c_0) each (D * num_layers, N, H) or None -> (output (L, N, D * H), (h_n, c_n)).
    With proj_size P > 0 (nn/rnn_proj.py), h_0, h_n and the output have P features, not H.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)

    def forward(self, input, hx=None):
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise ArgumentError("LSTM: hx must be a tuple (h_0, c_0)")
        if hx is None and self.proj_size and isinstance(input, PackedSequence):
            hx = packed_zero_states(self, input)   # rnn_packed's zeros would be H wide
        out, (h, c) = self._forward(input, hx, ["h_0", "c_0"])
        return out, (h, c)


class GRU(RNNBase):
    """GRU with gates r, z, n; n = tanh(W_in x + b_in + r * (W_hn h + b_hn)) as PyTorch.

    input: (L, N, H_in) (or (N, L, H_in) with batch_first, or unbatched (L, H_in)),
    h_0: (D * num_layers, N, H) or None -> (output (L, N, D * H), h_n (D * num_layers, N, H)).
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        # proj_size: only to refuse it by name, as torch does
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)

    def forward(self, input, hx=None):
        out, (h,) = self._forward(input, None if hx is None else [hx], ["h_0"])
        return out, h
