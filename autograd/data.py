"""Datasets and a DataLoader with PyTorch's names: batches of Tensors, seeded shuffling.

    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, seed=0)
    for xb, yb in loader:      # xb: (64, ...) Tensor, yb: (64,) Tensor
        ...
"""
from __future__ import annotations

from numbers import Number

import numpy as np

from . import creation
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


class DataLoader:
    """Iterate a Dataset in batches of Tensors.

    batch_size: samples per batch (the last one may be smaller unless drop_last).
    shuffle: a new permutation every epoch, drawn from `generator` (an np.random.Generator),
    else from a Generator made once from `seed`, else from autograd's global generator
    (autograd.manual_seed). The same seed gives the same sequence of epochs.
    A TensorDataset is batched by fancy indexing, without per-sample collation.
    """

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, generator: np.random.Generator | None = None,
                 seed: int | None = None, collate_fn=None):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got "
                             f"{batch_size!r}")
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: pass either generator or seed, not both")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(f"DataLoader: generator must be a numpy.random.Generator, got "
                            f"{type(generator).__name__}")
        if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise TypeError(f"DataLoader: dataset must define __getitem__ and __len__, got "
                            f"{type(dataset).__name__}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator if seed is None else np.random.default_rng(seed)
        self.collate_fn = collate_fn

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        rng = self.generator if self.generator is not None else creation.default_generator()
        return rng.permutation(n)

    def __iter__(self):
        order = self._order()
        fast = isinstance(self.dataset, TensorDataset) and self.collate_fn is None
        for b in range(len(self)):
            idx = order[b * self.batch_size:(b + 1) * self.batch_size]
            if fast:
                yield tuple(Tensor._wrap(a[idx], False) for a in self.dataset.arrays)
            else:
                collate = self.collate_fn or default_collate
                yield collate([self.dataset[int(i)] for i in idx])


__all__ = ["Dataset", "TensorDataset", "DataLoader", "default_collate"]
