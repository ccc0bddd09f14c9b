"""torch's public checking helpers of RNNBase (check_input, get_expected_hidden_size,
check_hidden_size, check_forward_args, permute_hidden, and LSTM's cell-state variants), for
subclasses written against them. The layers' own forward checks its arguments in rnn.py."""
from __future__ import annotations

from autograd.torch_errors import ArgumentError, DtypeValueError


class RNNChecksMixin:
    def check_input(self, input, batch_sizes) -> None:
        """input: (L, N, H_in) (or (N, L, H_in) with batch_first), or a PackedSequence's
        (S, H_in) data when batch_sizes is given."""
        if input.dtype != self.weight_ih_l0.dtype:
            raise DtypeValueError(f"{type(self).__name__}: input must have the type "
                                  f"{self.weight_ih_l0.dtype}, got type {input.dtype}")
        dims = 2 if batch_sizes is not None else 3
        if input.dim() != dims:
            raise ArgumentError(f"{type(self).__name__}: input must have {dims} dimensions, got "
                                f"{input.dim()}")
        if input.size(-1) != self.input_size:
            raise ArgumentError(f"{type(self).__name__}: input.size(-1) must be equal to "
                                f"input_size. Expected {self.input_size}, got {input.size(-1)}")

    def get_expected_hidden_size(self, input, batch_sizes) -> tuple:
        if batch_sizes is not None:
            batch = int(batch_sizes[0])
        else:
            batch = input.size(0) if self.batch_first else input.size(1)
        return (self.num_layers * self.num_directions, batch,
                self.proj_size if self.proj_size > 0 else self.hidden_size)

    def get_expected_cell_size(self, input, batch_sizes) -> tuple:
        """LSTM's c: hidden_size wide even with proj_size."""
        return self.get_expected_hidden_size(input, batch_sizes)[:2] + (self.hidden_size,)

    def check_hidden_size(self, hx, expected_hidden_size,
                          msg: str = "Expected hidden size {}, got {}") -> None:
        if tuple(hx.shape) != tuple(expected_hidden_size):
            raise ArgumentError(msg.format(tuple(expected_hidden_size), list(hx.shape)))

    def check_forward_args(self, input, hidden, batch_sizes) -> None:
        """input's checks, then hidden's shape: (h, c) for an LSTM, h otherwise."""
        self.check_input(input, batch_sizes)
        expected = self.get_expected_hidden_size(input, batch_sizes)
        if self.mode != "LSTM":
            self.check_hidden_size(hidden, expected)
            return
        self.check_hidden_size(hidden[0], expected, "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def permute_hidden(self, hx, permutation):
        """hx (or LSTM's (h, c)) with its batch dimension reordered by permutation (None: as
        is), as a PackedSequence's sorted order asks."""
        if permutation is None:
            return hx
        if self.mode == "LSTM":
            return tuple(s.index_select(1, permutation) for s in hx)
        return hx.index_select(1, permutation)
