"""torch.nn.modules.lazy's names for the engine's classes, defined in nn/lazy.py."""
from ..lazy import LazyModuleMixin

__all__ = ["LazyModuleMixin"]
