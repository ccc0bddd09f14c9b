"""torch.nn.modules.dropout's names for the engine's classes, defined in nn/activation_more.py,
nn/dropout.py."""
from ..activation_more import AlphaDropout, FeatureAlphaDropout
from ..dropout import Dropout, Dropout1d, Dropout2d, Dropout3d

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]
