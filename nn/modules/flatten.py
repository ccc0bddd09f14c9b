"""torch.nn.modules.flatten's names for the engine's classes, defined in nn/linear.py."""
from ..linear import Flatten, Unflatten

__all__ = ["Flatten", "Unflatten"]
