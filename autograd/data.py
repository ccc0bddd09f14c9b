"""torch.utils.data's names: datasets, samplers, collation and the DataLoader.

    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, seed=0)
    for xb, yb in loader:      # xb: (64, ...) Tensor, yb: (64,) Tensor
        ...

The pieces live in data_dataset.py, data_sampler.py, data_collate.py and data_loader.py.
"""
from .data_collate import default_collate, default_convert
from .data_dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset,
                           StackDataset, Subset, TensorDataset, random_split)
from .data_loader import DataLoader, get_worker_info
from .data_sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                           SubsetRandomSampler, WeightedRandomSampler)

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
           "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler", "StackDataset",
           "Subset", "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler",
           "default_collate", "default_convert", "get_worker_info", "random_split"]
