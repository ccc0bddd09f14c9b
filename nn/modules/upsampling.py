"""torch.nn.modules.upsampling's names for the engine's classes, defined in nn/upsample.py."""
from ..upsample import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]
