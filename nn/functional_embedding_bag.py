"""embedding_bag: the rows of an embedding table picked by the indices of each bag, reduced
per bag by sum, mean or max (torch.nn.functional.embedding_bag).

Composed from differentiable ops, so it needs no VJP of its own: sum and mean are an
Embedding lookup of the bags' indices followed by a segment sum (IndexAddIntoZeros) of the
rows into their bags; max finds each bag's winning row per feature in numpy, as torch's CPU
kernel does (the first row seen that is greater than all before it), and gathers those
elements of the weight, so that the gradient goes to the winner alone.
"""
from __future__ import annotations

import warnings

import numpy as np

from autograd.ops.embedding import Embedding, embedding_renorm_
from autograd.ops.index import Gather
from autograd.ops.shape import IndexAddIntoZeros
from autograd.tensor import Tensor
from autograd.torch_errors import ArgumentError, DtypeError

from .functional import _floats, _padding_index

__all__ = ["embedding_bag"]

MODES = ("sum", "mean", "max")
_OP = "embedding_bag"
_NUMBERS = (int, float, np.integer, np.floating)


def _array(x) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _integers(name, x) -> np.ndarray:
    arr = _array(x)
    if arr.dtype.kind not in "iu":
        raise DtypeError(f"{_OP}: {name} must be integers (int32 or int64), got dtype "
                         f"{arr.dtype}")
    return arr.astype(np.int64, copy=False)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode="mean", sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    """Per bag, the sum, mean or max of the rows of weight: (V, D) its indices pick -> (B, D).

    input (B, N): B bags of N indices each (offsets must be None); or input (n,) with
    offsets (B,): bag i holds input[offsets[i]:offsets[i+1]], the last one running to the
    end; with include_last_offset, offsets (B + 1,) ends in n (CSR style). offsets start at
    0 and do not decrease. An empty bag gives zeros. per_sample_weights (shape of input,
    mode 'sum' only) scale each row before the sum. Indices equal to padding_idx are left
    out of their bag (of the mean's count too). max_norm renormalises the rows input names
    in place in weight first (as F.embedding); scale_grad_by_freq divides each index's
    gradient by its count over the bags (not in mode 'max'). sparse=True is not supported.
    """
    if _array(weight).dtype.kind in "iu" and _array(input).dtype.kind == "f":
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.", stacklevel=2)
        weight, input = input, weight
    idx = _array(input)
    psw = per_sample_weights
    if psw is not None and tuple(_array(psw).shape) != tuple(idx.shape):
        raise ValueError(f"{_OP}: If per_sample_weights ({tuple(_array(psw).shape)}) is not "
                         f"None, then it must have the same shape as the input "
                         f"({tuple(idx.shape)})")
    if _array(weight).ndim != 2:
        raise ValueError(f"{_OP}: weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{_array(weight).ndim}")
    w, psw = _floats(_OP, weight=weight, per_sample_weights=psw)
    idx = _integers("input", idx)
    offsets, include_last_offset = _bag_offsets(idx, offsets, include_last_offset)
    _check_mode(mode, scale_grad_by_freq, sparse, psw)
    v, d = w.shape
    if idx.size and (idx.min() < 0 or idx.max() >= v):
        bad = idx[(idx < 0) | (idx >= v)][0]
        raise ArgumentError(f"{_OP}: Expected idx >= 0 && idx < num_embeddings but found idx to be "
                            f"{int(bad)} (weight of shape {tuple(w.shape)})")
    padding_idx = _padding_index(_OP, padding_idx)
    if padding_idx is not None:
        if not -v <= padding_idx < v:
            raise ArgumentError(f"{_OP}: padding_idx must be within the number of embeddings, "
                                f"{-v} through {v - 1}, but got {padding_idx}")
        padding_idx %= v
    if max_norm is not None:
        for name, value in (("max_norm", max_norm), ("norm_type", norm_type)):
            if isinstance(value, bool) or not isinstance(value, _NUMBERS):
                raise TypeError(f"{_OP}: {name} must be a number, got {value!r}")
    bag, n_bags = _bag_of_position(idx.size, offsets, include_last_offset)
    idx = idx.reshape(-1)
    if max_norm is not None:   # every index given, padding included, as torch
        embedding_renorm_(w.data, idx, float(max_norm), float(norm_type))
        w._version += 1
    if psw is not None:
        psw = psw.reshape(-1)
    if padding_idx is not None:
        kept = np.flatnonzero(idx != padding_idx)
        if kept.size < idx.size:
            idx, bag = idx[kept], bag[kept]
            psw = None if psw is None else psw[kept]
    if mode == "max" and idx.size:
        return _bag_max(w, idx, bag, n_bags)
    rows = Embedding.apply(w, indices=idx, padding_idx=None,
                           scale_grad_by_freq=bool(scale_grad_by_freq))
    if psw is not None:
        rows = rows * psw.reshape(-1, 1)
    out = IndexAddIntoZeros.apply(rows, index=bag, shape=(n_bags, d))
    if mode == "mean":
        count = np.maximum(np.bincount(bag, minlength=n_bags), 1).astype(w.dtype)
        out = out / Tensor._wrap(count[:, None], False)
    return out


def _bag_offsets(idx, offsets, include_last_offset):
    """(offsets as int64, include_last_offset) after torch's checks of the input's layout;
    a 2-D input (B, N) gets the offsets 0, N, 2N, ..."""
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{_OP}: if input is 2D, then offsets has to be None, as input is "
                             f"treated is a mini-batch of fixed length sequences. However, "
                             f"found offsets of type {type(offsets)}")
        if idx.shape[1] == 0:   # torch's arange(0, numel, 0) fails the same way
            raise ArgumentError(f"{_OP}: a 2-D input needs bags of at least one index, got shape "
                             f"{tuple(idx.shape)}")
        return np.arange(0, idx.size, idx.shape[1], dtype=np.int64), False
    if idx.ndim != 1:
        raise ValueError(f"{_OP}: input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{idx.ndim}")
    if offsets is None:
        raise ValueError(f"{_OP}: offsets has to be a 1D Tensor but got None")
    off = _array(offsets)
    if off.ndim != 1:
        raise ValueError(f"{_OP}: offsets has to be a 1D Tensor, got shape {tuple(off.shape)}")
    off = _integers("offsets", off)
    include_last_offset = bool(include_last_offset)
    if include_last_offset and off.size == 0:
        raise ArgumentError(f"{_OP}: include_last_offset: number of offset should be at least 1")
    n = idx.size
    if off.size == 0:
        if n:   # torch reads past the end of the empty offsets here (it crashes)
            raise ValueError(f"{_OP}: offsets is empty, so there are no bags for the {n} "
                             f"indices of input")
        return off, include_last_offset
    if off[0] != 0:
        raise ArgumentError(f"{_OP}: offsets[0] has to be 0, i.e., the first sequence in the "
                            f"mini-batch has to start from position 0. However, got {off[0]}")
    if off[-1] > n:
        raise ArgumentError(f"{_OP}: offsets[-1] can not be greater than input's length {n} but "
                            f"got offsets[-1] of {off[-1]}")
    if include_last_offset and off[-1] != n:   # torch's result would be undefined there
        raise ValueError(f"{_OP}: with include_last_offset=True, offsets[-1] must be the "
                         f"input's length {n}, got {off[-1]}")
    if np.any(np.diff(off) < 0):   # torch's result would be undefined there
        raise ValueError(f"{_OP}: offsets must not decrease, got {off.tolist()}")
    return off, include_last_offset


def _check_mode(mode, scale_grad_by_freq, sparse, psw):
    if mode not in MODES:
        raise ValueError(f"{_OP}: mode has to be one of sum, mean or max, got {mode!r}")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError(f"{_OP}: max mode does not support scaling the gradient by the "
                         f"frequency")
    if mode == "max" and sparse:
        raise ValueError(f"{_OP}: max mode does not support sparse weights")
    if sparse:
        raise ValueError(f"{_OP}: sparse=True is not supported (this engine has no sparse "
                         f"gradients); use sparse=False")
    if psw is not None and mode != "sum":
        raise NotImplementedError(f"{_OP}: per_sample_weights was not None. per_sample_weights "
                                  f"is only supported for mode='sum' (got mode='{mode}').")


def _bag_of_position(n, offsets, include_last_offset):
    """(the bag of each of the n positions, the number of bags); the offsets are checked."""
    n_bags = offsets.size - 1 if include_last_offset else offsets.size
    ends = np.append(offsets[1:], n) if not include_last_offset else offsets[1:]
    sizes = ends - offsets[:n_bags]
    return np.repeat(np.arange(n_bags, dtype=np.int64), sizes), n_bags


def _bag_max_rows(values, idx, bag, n_bags):
    """Per bag and feature, the weight row that wins the max: the first row of the bag,
    replaced by each later row that is greater (so a NaN wins only in first place, and ties
    go to the earliest, as torch's CPU kernel); 0 for an empty bag. values = weight[idx];
    idx, bag: (k,), k > 0, bag non-decreasing. -> (rows (n_bags, D) int64, empty (n_bags,))."""
    nan = np.isnan(values)
    if nan.any():
        values = np.where(nan, -np.inf, values)
    k = idx.size
    starts = np.flatnonzero(np.r_[True, bag[1:] != bag[:-1]])
    segment = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, k]))
    best = np.maximum.reduceat(values, starts, axis=0)
    position = np.where(values == best[segment], np.arange(k)[:, None], k)
    first = np.minimum.reduceat(position, starts, axis=0)
    if nan.any():
        first = np.where(nan[starts], starts[:, None], first)
    rows = np.zeros((n_bags, values.shape[1]), np.int64)
    rows[bag[starts]] = idx[first]
    empty = np.ones(n_bags, bool)
    empty[bag[starts]] = False
    return rows, empty


def _bag_max(w, idx, bag, n_bags):
    """Per bag and feature, weight's element at the winning row (_bag_max_rows); empty bags
    give 0."""
    rows, empty = _bag_max_rows(w.data[idx], idx, bag, n_bags)
    out = Gather.apply(w, index=rows, axis=0)
    if empty.any():
        out = out.masked_fill(empty[:, None], 0)
    return out


def bag_bookkeeping(input, weight, offsets, mode, include_last_offset=False, padding_idx=None):
    """torch.embedding_bag's other outputs, as its CPU kernel gives them, for arguments that
    embedding_bag has accepted: (offset2bag, bag_size, max_indices), int64 ndarrays.
    offset2bag: the bag of each index (torch's float32 fast path of mode 'sum' without
    padding_idx leaves it empty; here it is always filled); bag_size: the indices other than
    padding_idx per bag (zeros, one per offset, in mode 'sum'); max_indices: mode 'max' the
    winning row per bag and feature, 'mean' bag_size again, 'sum' zeros as bag_size."""
    idx = _integers("input", _array(input)).reshape(-1)
    off, last = _bag_offsets(_integers("input", _array(input)), offsets, include_last_offset)
    bag, n_bags = _bag_of_position(idx.size, off, last)
    if mode == "sum":
        zeros = np.zeros(off.size, np.int64)
        return bag, zeros, zeros.copy()
    kept = np.ones(idx.size, bool) if padding_idx is None \
        else idx != padding_idx % _array(weight).shape[0]
    bag_size = np.bincount(bag[kept], minlength=n_bags).astype(np.int64)
    if mode == "mean":
        return bag, bag_size, bag_size.copy()
    w = _array(weight)
    if kept.any():
        rows, _ = _bag_max_rows(w[idx[kept]], idx[kept], bag[kept], n_bags)
    else:
        rows = np.zeros((n_bags, w.shape[1]), np.int64)
    return bag, bag_size, rows
