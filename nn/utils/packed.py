"""Packed batches of variable-length sequences (torch.nn.utils.rnn): PackedSequence and the
functions that pack and unpack it.

A PackedSequence holds the valid steps of B sequences sorted by decreasing length, time-major:
step t contributes batch_sizes[t] rows (the sequences still running), so data is
(sum of lengths, *). sorted_indices[i] is the caller's index of the i-th longest sequence and
unsorted_indices its inverse; both are None when the caller's batch was already sorted.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

import autograd
from autograd import Tensor
from autograd.torch_errors import ArgumentError

_Fields = namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices",
                                         "unsorted_indices"])


def _int64(values) -> Tensor:
    return Tensor._wrap(np.asarray(values, np.int64), False)


def invert_permutation(permutation):
    """The inverse of a permutation (n,) int64, or None for None."""
    if permutation is None:
        return None
    perm = permutation.data if isinstance(permutation, Tensor) else np.asarray(permutation)
    out = np.empty(perm.shape, np.int64)
    out[perm] = np.arange(perm.size)
    return _int64(out)


class PackedSequence(_Fields):
    """(data (S, *), batch_sizes (T,) int64, sorted_indices (B,) int64 or None,
    unsorted_indices (B,) int64 or None); made by pack_padded_sequence and pack_sequence."""

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence((data, batch_sizes), ...), as torch allows
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise TypeError("PackedSequence: expected data and batch_sizes, or one "
                                "(data, batch_sizes) pair")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> "PackedSequence":
        """Convert data as Tensor.to does; the indices stay int64. Returns self if unchanged."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self) -> "PackedSequence":
        return self

    def float(self) -> "PackedSequence":
        return self.to(autograd.float32)

    def double(self) -> "PackedSequence":
        return self.to(autograd.float64)

    def long(self) -> "PackedSequence":
        return self.to(autograd.int64)

    def int(self) -> "PackedSequence":
        return self.to(autograd.int32)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def batch_sizes_of(sorted_lengths) -> np.ndarray:
    """Decreasing lengths (B,) -> batch_sizes (max length,) int64: how many are longer than t."""
    lengths = np.asarray(sorted_lengths, np.int64)
    return (lengths[None, :] > np.arange(lengths[0])[:, None]).sum(1).astype(np.int64)


def lengths_of(batch_sizes) -> np.ndarray:
    """batch_sizes (T,) -> the sorted lengths (B,) int64: the steps at which row b is present."""
    sizes = np.asarray(batch_sizes, np.int64)
    return (sizes[:, None] > np.arange(sizes[0])[None, :]).sum(0).astype(np.int64)


def _packed_rows(sizes: np.ndarray, n_batch: int, n_steps: int, batch_first: bool,
                 order=None):
    """For each packed row (time-major, sorted), its index in a flattened (T, B) or (B, T)
    grid; order (B,) maps a sorted position to its column in the grid (identity if None)."""
    t = np.repeat(np.arange(sizes.size), sizes)
    b = np.concatenate([np.arange(s) for s in sizes])
    if order is not None:
        b = order[b]
    return b * n_steps + t if batch_first else t * n_batch + b


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack padded sequences: input (T, B, *) (or (B, T, *) with batch_first), lengths (B,)
    -> PackedSequence with data (sum(lengths), *). With enforce_sorted=False any order of
    lengths is accepted and the batch is sorted (stably) by decreasing length. Differentiable
    in input."""
    op = "pack_padded_sequence"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"{op}: input must have shape (T, B, *) or (B, T, *) with "
                         f"batch_first, got shape {tuple(input.shape)}")
    lens = lengths.data if isinstance(lengths, Tensor) else np.asarray(lengths)
    if lens.ndim == 1 and lens.dtype.kind == "f" and np.array_equal(lens, np.trunc(lens)):
        lens = lens.astype(np.int64)   # whole-number floats, e.g. a float mask's row sums
    if lens.ndim != 1 or (lens.size and lens.dtype.kind not in "iu"):
        raise ArgumentError(f"{op}: lengths must be a 1-d sequence of integers, got shape "
                            f"{tuple(lens.shape)} and dtype {lens.dtype}")
    lens = lens.astype(np.int64)
    n_steps, n_batch = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    if n_batch == 0:
        raise RuntimeError(f"{op}: cannot pack empty tensors (input of shape "
                           f"{tuple(input.shape)})")
    if lens.size != n_batch:
        raise RuntimeError(f"{op}: expected len(lengths) to be equal to batch_size, but got "
                           f"{lens.size} (batch_size={n_batch}, input of shape "
                           f"{tuple(input.shape)})")
    if enforce_sorted:
        if np.any(lens[1:] > lens[:-1]):
            raise RuntimeError(f"{op}: `lengths` array must be sorted in decreasing order when "
                               f"`enforce_sorted` is True, got {lens.tolist()}. You can pass "
                               "`enforce_sorted=False` to pack_padded_sequence and/or "
                               "pack_sequence to sidestep this requirement.")
        order = None
    else:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
    if lens[-1] <= 0:
        raise RuntimeError(f"{op}: length of all samples has to be greater than 0, but found "
                           f"an element in 'lengths' that is <= 0: {lens.tolist()}")
    if lens[0] > n_steps:
        raise RuntimeError(f"{op}: a length of {int(lens[0])} exceeds the sequence length "
                           f"{n_steps} of input of shape {tuple(input.shape)} "
                           f"(batch_first={batch_first})")
    sizes = batch_sizes_of(lens)
    rows = _packed_rows(sizes, n_batch, n_steps, batch_first, order)
    data = input.reshape((n_batch * n_steps,) + tuple(input.shape[2:]))[rows]
    return PackedSequence(data, _int64(sizes), None if order is None else _int64(order))


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length=None):
    """The inverse of pack_padded_sequence: -> (padded (T, B, *) or (B, T, *) with
    batch_first, in the caller's batch order; lengths (B,) int64). T is the longest length,
    or total_length. Differentiable in sequence.data."""
    op = "pad_packed_sequence"
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{op}: expected a PackedSequence, got {type(sequence).__name__}")
    data = sequence.data
    sizes = np.asarray(_array(sequence.batch_sizes), np.int64)
    n_steps, n_batch = sizes.size, int(sizes[0])
    if data.ndim < 1 or data.shape[0] != sizes.sum():
        raise ValueError(f"{op}: data of shape {tuple(data.shape)} does not hold the "
                         f"{int(sizes.sum())} rows that batch_sizes {sizes.tolist()} count")
    if total_length is not None:
        if total_length < n_steps:
            raise ValueError(f"{op}: expected total_length to be at least the length of the "
                             f"longest sequence in input, but got total_length={total_length} "
                             f"and max sequence length being {n_steps}")
        n_steps = int(total_length)
    lens = lengths_of(sizes)
    # index of each grid cell's packed row, or one past the last row for padding
    where = np.full(n_batch * n_steps, data.shape[0], np.int64)
    where[_packed_rows(sizes, n_batch, n_steps, batch_first)] = np.arange(data.shape[0])
    grid = (n_batch, n_steps) if batch_first else (n_steps, n_batch)
    where = where.reshape(grid)
    unsorted = sequence.unsorted_indices
    if unsorted is not None:
        unsorted = np.asarray(_array(unsorted), np.int64)
        where = where[unsorted] if batch_first else where[:, unsorted]
        lens = lens[unsorted]
    if where.max() == data.shape[0]:
        pad = autograd.full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
        data = autograd.cat([data, pad], 0)
    padded = data[where.reshape(-1)].reshape(grid + tuple(data.shape[1:]))
    return padded, _int64(lens)


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences [(L_i, *)] -> PackedSequence; with enforce_sorted=True they
    must come in order of decreasing length."""
    from .rnn import pad_sequence  # nn.utils.rnn re-exports this module's names
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The inverse of pack_sequence: PackedSequence -> [(L_i, *)] in the caller's order."""
    from .rnn import unpad_sequence
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


def _array(x) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)
