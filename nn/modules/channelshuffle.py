"""torch.nn.modules.channelshuffle's names for the engine's classes, defined in
nn/activation_more.py."""
from ..activation_more import ChannelShuffle

__all__ = ["ChannelShuffle"]
