"""DataLoader with torch.utils.data's arguments: batches of Tensors, seeded shuffling.

    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, seed=0)
    for xb, yb in loader:      # xb: (64, ...) Tensor, yb: (64,) Tensor
        ...
"""
from __future__ import annotations

import itertools

import numpy as np

from .data_collate import default_collate, default_convert
from .data_dataset import IterableDataset, TensorDataset, _items, _rows
from .data_sampler import (BatchSampler, RandomSampler, SequentialSampler,
                           _InfiniteConstantSampler)
from .generator import _seeded


def get_worker_info():
    """None: every sample is loaded in the calling process (torch's answer there)."""
    return None


class DataLoader:
    """Iterate a Dataset in batches of Tensors, with PyTorch's arguments.

    batch_size: samples per batch (the last one may be smaller unless drop_last); None yields
    the samples one at a time, through collate_fn or default_convert (no batch dim).
    shuffle: a new permutation every epoch (a RandomSampler), drawn from `generator` (an
    autograd.Generator or np.random.Generator), else from a Generator made once from `seed`
    (this engine's extra), else from autograd's global generator (autograd.manual_seed).
    The same seed gives the same sequence of epochs.
    sampler: an iterable of indices (instead of shuffle); batch_sampler: an iterable of
    lists of indices (instead of batch_size, shuffle, sampler and drop_last).
    An IterableDataset is batched in its own order (no shuffle, sampler or batch_sampler).
    num_workers > 0 loads in the calling process, giving the same batches in the same order
    as num_workers=0; worker_init_fn(0) is then called at the start of each epoch (once with
    persistent_workers). pin_memory, timeout, prefetch_factor and the other multiprocessing
    options are checked and accepted but change nothing on the CPU.
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0, collate_fn=None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True, seed: int | None = None):
        self._check_workers(num_workers, timeout, prefetch_factor, persistent_workers)
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: pass either generator or seed, not both")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(f"DataLoader: generator must be an autograd.Generator or a "
                            f"numpy.random.Generator, got {type(generator).__name__}")
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                     f"{name} option, but got {name}={value}")
        elif not hasattr(dataset, "__getitem__"):
            raise TypeError(f"DataLoader: dataset must define __getitem__ (and __len__), or be "
                            f"an IterableDataset; got {type(dataset).__name__}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
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
        self.dataset = dataset
        self.generator = generator if seed is None else _seeded(seed)
        if sampler is None:
            sampler = self._default_sampler(shuffle)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, int(batch_size), bool(drop_last))
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle, self.drop_last = shuffle, bool(drop_last)
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.collate_fn = collate_fn or (default_collate if batch_sampler is not None
                                         else default_convert)
        self.num_workers, self.pin_memory, self.timeout = int(num_workers), pin_memory, timeout
        self.worker_init_fn, self.multiprocessing_context = worker_init_fn, multiprocessing_context
        self.prefetch_factor, self.persistent_workers = prefetch_factor, persistent_workers
        self.pin_memory_device, self.in_order = pin_memory_device, in_order
        self._workers_started = False

    @staticmethod
    def _check_workers(num_workers, timeout, prefetch_factor, persistent_workers):
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

    def _default_sampler(self, shuffle: bool):
        if self._iterable:
            return _InfiniteConstantSampler()
        # an empty dataset has nothing to shuffle (torch's RandomSampler refuses it)
        if shuffle and len(self.dataset):
            return RandomSampler(self.dataset, generator=self.generator)
        return SequentialSampler(self.dataset)

    def __len__(self) -> int:
        if self._iterable:   # TypeError, as in torch, if the stream has no __len__
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __iter__(self):
        if self.num_workers > 0 and self.worker_init_fn is not None \
                and not (self.persistent_workers and self._workers_started):
            self.worker_init_fn(0)
        self._workers_started = True
        if self._iterable:
            yield from self._iter_stream()
        elif self.batch_sampler is None:
            for i in self.sampler:
                yield self.collate_fn(self.dataset[i])
        else:
            for indices in self.batch_sampler:
                yield self._fetch(indices)

    def _fetch(self, indices):
        # a plain TensorDataset is batched by fancy indexing: no per-sample collation
        if self.collate_fn is default_collate and type(self.dataset) is TensorDataset:
            idx = np.asarray(indices, np.int64)
            return [_rows(t, idx) for t in self.dataset.tensors]
        return self.collate_fn(_items(self.dataset, list(indices)))

    def _iter_stream(self):
        stream = iter(self.dataset)
        if self.batch_size is None:
            for sample in stream:
                yield self.collate_fn(sample)
            return
        while batch := list(itertools.islice(stream, self.batch_size)):
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield self.collate_fn(batch)
