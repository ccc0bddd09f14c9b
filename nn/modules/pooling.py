"""torch.nn.modules.pooling's names for the engine's classes, defined in nn/fold.py,
nn/fractional_pool.py, nn/layers_more.py, nn/pooling.py."""
from ..fold import (
    AdaptiveAvgPool3d, AvgPool3d, LPPool1d, LPPool2d, LPPool3d, _LPPoolNd, MaxPool3d,
    MaxUnpool1d, MaxUnpool2d, MaxUnpool3d, _MaxUnpoolNd)
from ..fractional_pool import FractionalMaxPool2d, FractionalMaxPool3d
from ..layers_more import (
    AdaptiveAvgPool1d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d,
    _AdaptiveMaxPoolNd)
from ..pooling import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d, _MaxPoolNd

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d",
           "AvgPool1d", "AvgPool2d", "AvgPool3d", "FractionalMaxPool2d",
           "FractionalMaxPool3d", "LPPool1d", "LPPool2d", "LPPool3d",
           "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
           "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d"]
