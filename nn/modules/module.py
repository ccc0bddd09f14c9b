"""torch.nn.modules.module's names for the engine's classes, defined in nn/module.py,
nn/module_state.py."""
from ..module import Module
from ..module_state import _IncompatibleKeys

__all__ = ["Module"]
