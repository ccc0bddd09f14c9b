"""Samplers with torch.utils.data's names: the order (and batching) of a map-style dataset.

    loader = DataLoader(ds, batch_sampler=BatchSampler(RandomSampler(ds, generator=g), 32, True))
"""
from __future__ import annotations

import itertools

import numpy as np

from . import generator as generator_mod
from .tensor import Tensor
from .tensor_factory import multinomial


def _positive_int(value, name: str, owner: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{owner}: {name} should be a positive integer value, but got "
                         f"{name}={value!r}")
    return int(value)


def _checked_generator(generator, owner: str):
    if generator is not None and not isinstance(generator, (np.random.Generator,
                                                            np.random.RandomState)):
        raise TypeError(f"{owner}: generator must be an autograd.Generator or a "
                        f"numpy.random.Generator, got {type(generator).__name__}")
    return generator


class Sampler:
    """Base class: __iter__ yields dataset indices (or lists of them); __len__ is optional.
    Sampler[int] is Sampler, so torch-style subclass annotations run."""

    def __class_getitem__(cls, item):
        return cls

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh permutation of range(len(data_source)) on every pass, drawn from `generator`
    (default: autograd's generator at iteration time). replacement=True draws num_samples
    indices independently; without replacement, num_samples > n chains whole permutations."""

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got "
                            f"replacement={replacement!r}")
        self.data_source, self.replacement = data_source, replacement
        self._num_samples = num_samples
        self.generator = _checked_generator(generator, "RandomSampler")
        _positive_int(self.num_samples, "num_samples", "RandomSampler")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n, k = len(self.data_source), int(self.num_samples)
        rng = generator_mod.pick(self.generator)
        if self.replacement:
            yield from rng.integers(0, n, size=k).tolist()
            return
        for _ in range(k // n):
            yield from rng.permutation(n).tolist()
        if k % n:   # no draw for an empty tail: one epoch costs one permutation, as before
            yield from rng.permutation(n)[:k % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a fresh random order on every pass."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = _checked_generator(generator, "SubsetRandomSampler")

    def __iter__(self):
        for i in generator_mod.pick(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """num_samples indices in [0, len(weights)), index i drawn with probability weights[i] /
    sum(weights) (each at most once without replacement)."""

    def __init__(self, weights, num_samples: int, replacement: bool = True, generator=None):
        _positive_int(num_samples, "num_samples", "WeightedRandomSampler")
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean value, "
                             f"but got replacement={replacement!r}")
        w = np.asarray(weights.data if isinstance(weights, Tensor) else weights, np.float64)
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1d sequence but given "
                             f"weights have shape {tuple(w.shape)}")
        self.weights = Tensor._wrap(w, False)
        self.num_samples, self.replacement = int(num_samples), replacement
        self.generator = _checked_generator(generator, "WeightedRandomSampler")

    def __iter__(self):
        drawn = multinomial(self.weights, self.num_samples, self.replacement,
                            generator=self.generator)
        yield from drawn.data.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of batch_size consecutive indices from `sampler` (the last one shorter unless
    drop_last)."""

    def __init__(self, sampler, batch_size: int, drop_last: bool):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"BatchSampler: batch_size should be a positive integer value, "
                             f"but got batch_size={batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, but got "
                             f"drop_last={drop_last!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self):
        it = iter(self.sampler)
        while batch := list(itertools.islice(it, self.batch_size)):
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


class _InfiniteConstantSampler(Sampler):
    """None forever: an iterable-style dataset ignores indices."""

    def __iter__(self):
        return itertools.repeat(None)


__all__ = ["BatchSampler", "RandomSampler", "Sampler", "SequentialSampler",
           "SubsetRandomSampler", "WeightedRandomSampler"]
