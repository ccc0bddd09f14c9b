"""torch.utils.data's names: the engine's datasets and loader (autograd.data)."""
from ..data import *  # noqa: F401,F403
from ..data import __all__  # noqa: F401
