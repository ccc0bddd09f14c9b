"""Batching variable-length sequences (torch.nn.utils.rnn): pad_sequence, unpad_sequence, and
the packed sequences of nn.utils.packed re-exported under torch's names."""
from __future__ import annotations

import autograd
from autograd import Tensor
from autograd.torch_errors import ArgumentError

from .. import functional as F
from .packed import (PackedSequence, invert_permutation, pack_padded_sequence,  # noqa: F401
                     pack_sequence, pad_packed_sequence, unpack_sequence)

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of lengths L_i, padded with padding_value to T = max L_i (after them,
    or before them with padding_side='left').  sequences: [(L_i, *)] ->
    (T, B, *), or (B, T, *) with batch_first.  Differentiable."""
    op = "pad_sequence"
    if padding_side not in ("left", "right"):
        raise ValueError(f"{op}: padding_side must be 'left' or 'right', got {padding_side!r}")
    seqs = [s if isinstance(s, Tensor) else autograd.tensor(s) for s in sequences]
    if not seqs:
        raise ArgumentError(f"{op}: received an empty list of sequences")
    trailing = {tuple(s.shape[1:]) for s in seqs}
    if any(s.ndim == 0 for s in seqs) or len(trailing) > 1:
        raise ArgumentError(f"{op}: sequences must have shape (L_i, *) with the same "
                            f"trailing dims, got shapes {[tuple(s.shape) for s in seqs]}")
    longest = max(s.shape[0] for s in seqs)
    padded = []
    for s in seqs:
        gap = longest - s.shape[0]
        if gap:
            pair = (0, gap) if padding_side == "right" else (gap, 0)
            s = F.pad(s, (0, 0) * (s.ndim - 1) + pair, value=padding_value)
        padded.append(s)
    return autograd.stack(padded, dim=0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """The inverse of pad_sequence (right padding): (T, B, *) or (B, T, *) with batch_first,
    lengths (B,) -> [(L_i, *)]."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    lengths = [int(n) for n in (lengths.tolist() if isinstance(lengths, Tensor) else lengths)]
    if len(lengths) != x.shape[0] or any(not 0 <= n <= x.shape[1] for n in lengths):
        raise ValueError(f"unpad_sequence: lengths {lengths} do not fit padded sequences of "
                         f"shape {tuple(padded_sequences.shape)} (batch_first={batch_first})")
    return [x[i, :n] for i, n in enumerate(lengths)]
