"""torch.nn.modules.pixelshuffle's names for the engine's classes, defined in nn/upsample.py."""
from ..upsample import PixelShuffle, PixelUnshuffle

__all__ = ["PixelShuffle", "PixelUnshuffle"]
