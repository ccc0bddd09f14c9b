"""torch.nn.modules.fold's names for the engine's classes, defined in nn/fold.py."""
from ..fold import Fold, Unfold

__all__ = ["Fold", "Unfold"]
