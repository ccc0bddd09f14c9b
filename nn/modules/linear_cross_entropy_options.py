"""torch.nn.modules.linear_cross_entropy_options's names for the engine's classes, defined in
nn/linear_cross_entropy.py."""
from ..linear_cross_entropy import LinearCrossEntropyOptions

__all__ = ["LinearCrossEntropyOptions"]
