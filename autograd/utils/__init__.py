"""PyTorch's torch.utils under this package's name: `from autograd.utils.data import DataLoader`
ports `from torch.utils.data import DataLoader`."""
from . import data  # noqa: F401
