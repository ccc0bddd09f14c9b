"""Datasets and a DataLoader with PyTorch's names: batches of Tensors, seeded shuffling.

    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, seed=0)
    for xb, yb in loader:      # xb: (64, ...) Tensor, yb: (64,) Tensor
        ...
"""
from __future__ import annotations

import math
import warnings
from bisect import bisect_right
from numbers import Number

import numpy as np

from . import generator as generator_mod
from .tensor import Tensor


class Dataset:
    """An indexable collection of samples: subclasses define __getitem__ and __len__."""

    def __getitem__(self, index):  # pragma: no cover - documented interface
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self):  # pragma: no cover - documented interface
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Sample i is (t[i] for t in tensors); every tensor shares its first dim N.

    tensors: Tensors or ndarrays of shapes (N, ...), kept in their own dtype.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        arrays = [t.data if isinstance(t, Tensor) else np.asarray(t) for t in tensors]
        for a in arrays:
            if a.ndim == 0:
                raise ValueError("TensorDataset: every tensor needs a first (sample) dim; "
                                 "got a 0-d tensor")
        sizes = [a.shape[0] for a in arrays]
        if len(set(sizes)) > 1:
            raise ValueError(f"TensorDataset: all tensors must have the same first dim, got "
                             f"shapes {[tuple(a.shape) for a in arrays]}")
        self.arrays = arrays
        self.tensors = tuple(Tensor._wrap(a, False) for a in arrays)

    def __getitem__(self, index):
        return tuple(Tensor._wrap(np.asarray(a[index]), False) for a in self.arrays)

    def __len__(self):
        return self.arrays[0].shape[0]


def default_collate(samples):
    """Stack a list of samples into a batch: Tensors/ndarrays/numbers -> (B, ...) Tensor;
    tuples, lists and dicts are collated field by field."""
    first = samples[0]
    if isinstance(first, (Tensor, np.ndarray, Number, np.generic)):
        arrays = [s.data if isinstance(s, Tensor) else np.asarray(s) for s in samples]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise ValueError(f"default_collate: samples of one batch have different shapes "
                             f"{sorted(shapes)}; pass a collate_fn that pads them")
        out = np.stack(arrays)
        if out.dtype == np.float64 and not isinstance(first, (Tensor, np.ndarray, np.generic)):
            out = out.astype(np.float32)  # Python floats become float32, as in tensor()
        return Tensor._wrap(out, False)
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    if isinstance(first, (tuple, list)):
        if len({len(s) for s in samples}) > 1:
            raise ValueError("default_collate: samples of one batch have different lengths")
        fields = [default_collate(list(field)) for field in zip(*samples)]
        return fields if isinstance(first, list) else tuple(fields)
    raise TypeError(f"default_collate: cannot batch samples of type {type(first).__name__}")


def default_convert(sample):
    """What a loader with batch_size=None yields for one sample: ndarrays and numpy scalars
    become Tensors (tuples, lists and dicts field by field); anything else is left as it is."""
    if isinstance(sample, (np.ndarray, np.generic)) and sample.dtype.kind in "biuf":
        return Tensor._wrap(np.asarray(sample), False)
    if isinstance(sample, dict):
        return {k: default_convert(v) for k, v in sample.items()}
    if isinstance(sample, tuple):
        return tuple(default_convert(v) for v in sample)
    if isinstance(sample, list):
        return [default_convert(v) for v in sample]
    return sample


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Datasets one after another: len is the sum of their lengths."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise ValueError(f"ConcatDataset: index {idx} is out of range for a dataset "
                                 f"of length {n}")
            idx += n
        which = bisect_right(self.cumulative_sizes, idx)
        if which == len(self.datasets):
            raise IndexError(f"ConcatDataset: index {idx} is out of range for a dataset of "
                             f"length {n}")
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


def random_split(dataset, lengths, generator: np.random.Generator | None = None):
    """Split dataset into non-overlapping random Subsets of the given lengths.

    lengths: ints that sum to len(dataset), or fractions that sum to 1 (each split gets
    floor(fraction * n) samples, the remainder is dealt out one by one from the first).
    generator: an np.random.Generator for the permutation (default: autograd's generator).
    """
    n, lengths = len(dataset), list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and "
                                 f"1: {frac}")
        lengths = [math.floor(n * frac) for frac in lengths]
        for i in range(n - sum(lengths)):
            lengths[i % len(lengths)] += 1
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(f"random_split: length of split at index {i} is 0; this might "
                              f"result in an empty dataset", stacklevel=2)
    if any(isinstance(k, float) and not k.is_integer() or k < 0 for k in lengths):
        raise ValueError(f"random_split: lengths must be non-negative integers or fractions "
                         f"that sum to 1, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths {sum(lengths)} does not equal "
                         f"the length of the input dataset ({n})")
    order = generator_mod.pick(generator).permutation(n).tolist()
    bounds = np.cumsum([0] + [int(k) for k in lengths]).tolist()
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


class DataLoader:
    """Iterate a Dataset in batches of Tensors, with PyTorch's arguments.

    batch_size: samples per batch (the last one may be smaller unless drop_last); None yields
    the samples one at a time, through collate_fn or default_convert (no batch dim).
    shuffle: a new permutation every epoch, drawn from `generator` (an np.random.Generator),
    else from a Generator made once from `seed` (this engine's extra), else from autograd's
    global generator (autograd.manual_seed). The same seed gives the same sequence of epochs.
    sampler: an iterable of indices (instead of shuffle); batch_sampler: an iterable of
    lists of indices (instead of batch_size, shuffle, sampler and drop_last).
    num_workers > 0 loads in the calling process, giving the same batches in the same order
    as num_workers=0; worker_init_fn(0) is then called at the start of each epoch (once with
    persistent_workers). pin_memory, timeout, prefetch_factor and the other multiprocessing
    options are checked and accepted but change nothing on the CPU.
    A TensorDataset is batched by fancy indexing, without per-sample collation.
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0, collate_fn=None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn=None, multiprocessing_context=None,
                 generator: np.random.Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True, seed: int | None = None):
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size = None
        elif batch_size is None:   # no batching: one converted sample at a time, as in torch
            if drop_last:
                raise ValueError("DataLoader: batch_size=None option disables auto-batching "
                                 "and is mutually exclusive with drop_last")
        elif isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got "
                             f"{batch_size!r}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)) \
                or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers option should be non-negative "
                             f"(an integer), got {num_workers!r}; use num_workers=0 to load in "
                             f"the main process")
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified with "
                             "num_workers > 0")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: pass either generator or seed, not both")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(f"DataLoader: generator must be a numpy.random.Generator, got "
                            f"{type(generator).__name__}")
        if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise TypeError(f"DataLoader: dataset must define __getitem__ and __len__, got "
                            f"{type(dataset).__name__}")
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.drop_last = bool(drop_last)
        self.generator = generator if seed is None else np.random.default_rng(seed)
        self.collate_fn = collate_fn
        self.num_workers, self.pin_memory, self.timeout = int(num_workers), pin_memory, timeout
        self.worker_init_fn, self.multiprocessing_context = worker_init_fn, multiprocessing_context
        self.prefetch_factor, self.persistent_workers = prefetch_factor, persistent_workers
        self.pin_memory_device, self.in_order = pin_memory_device, in_order
        self._workers_started = False

    def __len__(self) -> int:
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self) -> np.ndarray:
        if self.sampler is not None:
            return np.fromiter((int(i) for i in self.sampler), np.int64)
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        rng = self.generator if self.generator is not None else generator_mod.default_generator()
        return rng.permutation(n)

    def _batches(self):
        if self.batch_sampler is not None:
            for idx in self.batch_sampler:
                yield np.asarray([int(i) for i in idx], np.int64)
            return
        order = self._order()
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        for b in range(0, stop, self.batch_size):
            yield order[b:b + self.batch_size]

    def __iter__(self):
        if self.num_workers > 0 and self.worker_init_fn is not None \
                and not (self.persistent_workers and self._workers_started):
            self.worker_init_fn(0)
        self._workers_started = True
        if self.batch_size is None and self.batch_sampler is None:
            convert = self.collate_fn or default_convert
            for i in self._order():
                yield convert(self.dataset[int(i)])
            return
        fast = isinstance(self.dataset, TensorDataset) and self.collate_fn is None
        collate = self.collate_fn or default_collate
        for idx in self._batches():
            if fast:
                yield tuple(Tensor._wrap(a[idx], False) for a in self.dataset.arrays)
            else:
                yield collate([self.dataset[int(i)] for i in idx])


__all__ = ["ConcatDataset", "DataLoader", "Dataset", "Subset", "TensorDataset",
           "default_collate", "default_convert", "random_split"]
