"""torch.utils.data.dataset's names."""
from ...data_dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset,  # noqa: F401
                             StackDataset, Subset, TensorDataset, random_split)
