"""torch.nn.modules.conv's names for the engine's classes, defined in nn/conv.py,
nn/conv_transpose.py, nn/conv_transpose3d.py, nn/fold.py, nn/lazy_layers.py."""
from ..conv import Conv1d, Conv2d, _ConvNd
from ..conv_transpose import ConvTranspose1d, ConvTranspose2d, _ConvTransposeNd
from ..conv_transpose3d import ConvTranspose3d
from ..fold import Conv3d
from ..lazy_layers import (
    LazyConv1d, LazyConv2d, LazyConv3d, LazyConvTranspose1d, LazyConvTranspose2d,
    LazyConvTranspose3d, _LazyConvXdMixin)

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
           "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
           "LazyConvTranspose2d", "LazyConvTranspose3d"]
