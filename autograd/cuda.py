"""autograd.cuda: there is no GPU backend; these answer PyTorch's usual questions."""
from __future__ import annotations


def is_available() -> bool:
    """False: the engine computes on the CPU only."""
    return False


def device_count() -> int:
    return 0


def manual_seed(seed: int):
    """Like torch.cuda.manual_seed without a GPU: nothing to seed."""


def manual_seed_all(seed: int):
    """Like torch.cuda.manual_seed_all without a GPU: nothing to seed."""


from .amp import cuda_amp as amp  # noqa: E402  (torch.cuda.amp.autocast / GradScaler)


def empty_cache():
    """Like torch.cuda.empty_cache without a GPU: no cached device memory to release."""


def synchronize(device=None):
    """Like torch.cuda.synchronize without a GPU: nothing runs asynchronously."""
