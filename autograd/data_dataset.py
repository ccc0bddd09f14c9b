"""Datasets with torch.utils.data's names: map-style (indexable) and iterable-style (streams),
and the ways to combine and split them."""
from __future__ import annotations

import math
import warnings
from bisect import bisect_right

import numpy as np

from . import generator as generator_mod
from .function import is_grad_enabled
from .tensor import Tensor


class Dataset:
    """An indexable collection of samples: subclasses define __getitem__ (and usually
    __len__). `a + b` is ConcatDataset([a, b]); Dataset[T] is Dataset, for annotations."""

    def __class_getitem__(cls, item):
        return cls

    def __getitem__(self, index):  # pragma: no cover - documented interface
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclasses define __iter__. A DataLoader batches consecutive
    samples (no shuffle or sampler). `a + b` is ChainDataset([a, b])."""

    def __iter__(self):  # pragma: no cover - documented interface
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other):
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Sample i is tuple(t[i] for t in tensors); every tensor shares its first dim N.

    tensors: Tensors (kept as given, so a sample of one that requires grad is in its graph)
    or ndarrays of shapes (N, ...), kept in their own dtype.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        tensors = tuple(t if isinstance(t, Tensor) else Tensor._wrap(np.asarray(t), False)
                        for t in tensors)
        if any(t.ndim == 0 for t in tensors):
            raise ValueError("TensorDataset: every tensor needs a first (sample) dim; "
                             "got a 0-d tensor")
        if len({t.shape[0] for t in tensors}) > 1:
            raise ValueError(f"TensorDataset: all tensors must have the same first dim, got "
                             f"shapes {[tuple(t.shape) for t in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(_rows(t, index) for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


def _rows(t: Tensor, index) -> Tensor:
    """t[index]: through the graph when t needs a gradient, else straight from the ndarray."""
    if t.requires_grad and is_grad_enabled():
        return t[index]
    return Tensor._wrap(np.asarray(t.data[index]), False)


class StackDataset(Dataset):
    """Sample i of several same-length datasets side by side: a tuple (StackDataset(a, b))
    or a dict (StackDataset(x=a, y=b))."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("StackDataset: supported either tuple- (via args) or dict- (via "
                             "kwargs) like input/output, but both types are given")
        if not args and not kwargs:
            raise ValueError("StackDataset: at least one dataset should be passed")
        self.datasets = args or kwargs
        lengths = [len(d) for d in (args or kwargs.values())]
        if len(set(lengths)) > 1:
            raise ValueError(f"StackDataset: size mismatch between datasets, lengths {lengths}")
        self._length = lengths[0]

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: list) -> list:
        named = isinstance(self.datasets, dict)
        parts = {k: _items(d, indices) for k, d in
                 (self.datasets.items() if named else enumerate(self.datasets))}
        if named:
            return [{k: parts[k][j] for k in parts} for j in range(len(indices))]
        return [tuple(parts[k][j] for k in parts) for j in range(len(indices))]

    def __len__(self) -> int:
        return self._length


def _items(dataset, indices: list) -> list:
    """[dataset[i] for i in indices], through the dataset's own __getitems__ if it has one."""
    getitems = getattr(dataset, "__getitems__", None)
    if not callable(getitems):
        return [dataset[i] for i in indices]
    items = getitems(indices)
    if len(items) != len(indices):
        raise ValueError(f"{type(dataset).__name__}.__getitems__ returned {len(items)} "
                         f"samples for {len(indices)} indices")
    return items


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list) -> list:
        return _items(self.dataset, [self.indices[i] for i in indices])

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Map-style datasets one after another: len is the sum of their lengths."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError(f"ConcatDataset does not support IterableDataset (got "
                                f"{type(d).__name__}); use ChainDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self) -> int:
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


class ChainDataset(IterableDataset):
    """Iterable-style datasets one after another, chained as they are iterated."""

    def __init__(self, datasets):
        self.datasets = datasets

    def _checked(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got "
                                f"{type(d).__name__}")
            yield d

    def __iter__(self):
        for d in self._checked():
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self._checked())


def random_split(dataset, lengths, generator=None):
    """Split dataset into non-overlapping random Subsets of the given lengths.

    lengths: ints that sum to len(dataset), or fractions that sum to 1 (each split gets
    floor(fraction * n) samples, the remainder is dealt out one by one from the first).
    generator: an autograd.Generator or np.random.Generator for the permutation (default:
    autograd's generator).
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
