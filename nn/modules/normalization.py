"""torch.nn.modules.normalization's names for the engine's classes, defined in nn/layers_more.py,
nn/normalization.py."""
from ..layers_more import CrossMapLRN2d, LocalResponseNorm, RMSNorm
from ..normalization import GroupNorm, LayerNorm

__all__ = ["LocalResponseNorm", "CrossMapLRN2d", "LayerNorm", "GroupNorm", "RMSNorm"]
