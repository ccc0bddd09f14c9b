"""torch.utils.data.sampler's names."""
from ...data_sampler import *  # noqa: F401,F403
from ...data_sampler import __all__  # noqa: F401
