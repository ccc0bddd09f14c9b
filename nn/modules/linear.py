"""torch.nn.modules.linear's names for the engine's classes, defined in nn/activation_more.py,
nn/lazy_layers.py, nn/linear.py."""
from ..activation_more import Bilinear
from ..lazy_layers import LazyLinear
from ..linear import Identity, Linear

__all__ = ["Identity", "Linear", "Bilinear", "LazyLinear"]
