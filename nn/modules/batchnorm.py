"""torch.nn.modules.batchnorm's names for the engine's classes, defined in nn/lazy_layers.py,
nn/normalization.py, nn/sync_batchnorm.py."""
from ..lazy_layers import LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, _LazyNormBase
from ..normalization import _BatchNorm, BatchNorm1d, BatchNorm2d, BatchNorm3d, _NormBase
from ..sync_batchnorm import SyncBatchNorm

__all__ = ["BatchNorm1d", "LazyBatchNorm1d", "BatchNorm2d", "LazyBatchNorm2d", "BatchNorm3d",
           "LazyBatchNorm3d", "SyncBatchNorm"]
