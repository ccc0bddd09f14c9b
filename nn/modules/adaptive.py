"""torch.nn.modules.adaptive's names for the engine's classes, defined in nn/adaptive.py."""
from ..adaptive import AdaptiveLogSoftmaxWithLoss, _ASMoutput

__all__ = ["AdaptiveLogSoftmaxWithLoss"]
