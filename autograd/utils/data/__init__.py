"""torch.utils.data's names: the engine's datasets and loader (autograd.data), and its
submodules (`from autograd.utils.data.sampler import SubsetRandomSampler`, ...)."""
from ...data import *  # noqa: F401,F403
from ...data import __all__  # noqa: F401
from . import dataloader, dataset, distributed, sampler  # noqa: F401,E402
from .distributed import DistributedSampler  # noqa: F401,E402
