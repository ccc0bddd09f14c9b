"""torch.utils.data.distributed.DistributedSampler: each of num_replicas processes reads its own
share of a dataset. With no process group here (autograd.distributed), num_replicas and rank
are given explicitly, as torch needs when its distributed package is not initialized."""
from __future__ import annotations

import math

from ...creation import randperm
from ...data_sampler import Sampler
from ...generator import Generator

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """Indices rank, rank + num_replicas, ... of the dataset's order (a permutation seeded by
    seed + epoch when shuffle), padded by repeating its start to a multiple of num_replicas,
    or cut to one with drop_last: every replica gets num_samples indices."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle: bool = True,
                 seed: int = 0, drop_last: bool = False):
        if num_replicas is None or rank is None:
            raise RuntimeError("DistributedSampler: requires distributed package to be "
                               "available (none here: pass num_replicas and rank)")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.epoch, self.drop_last, self.shuffle, self.seed = 0, drop_last, shuffle, seed
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            g = Generator().manual_seed(self.seed + self.epoch)
            indices = randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices += indices[:pad]
            else:
                indices += (indices * math.ceil(pad / len(indices)))[:pad]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """The epoch mixed into the shuffle's seed: call it before each epoch's loader pass."""
        self.epoch = epoch
