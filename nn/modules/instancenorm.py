"""torch.nn.modules.instancenorm's names for the engine's classes, defined in nn/layers_more.py,
nn/lazy_layers.py."""
from ..layers_more import _InstanceNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from ..lazy_layers import LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d

__all__ = ["InstanceNorm1d", "LazyInstanceNorm1d", "InstanceNorm2d", "LazyInstanceNorm2d",
           "InstanceNorm3d", "LazyInstanceNorm3d"]
