"""PyTorch's torch.utils under this package's name: `from autograd.utils.data import DataLoader`
ports `from torch.utils.data import DataLoader`; autograd.utils.checkpoint is
torch.utils.checkpoint."""
from . import checkpoint, data  # noqa: F401
