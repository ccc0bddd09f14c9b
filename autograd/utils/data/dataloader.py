"""torch.utils.data.dataloader's names."""
from ...data_collate import default_collate, default_convert  # noqa: F401
from ...data_loader import DataLoader, get_worker_info  # noqa: F401
