"""torch.distributed's questions, answered for an engine with no multi-process backend: a
script that checks `dist.is_available() and dist.is_initialized()` runs single-process; one
that needs a process group is told so by name."""
from __future__ import annotations

_NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to call "
                    "init_process_group.")


def is_available() -> bool:
    """False: this engine has no distributed backend (gloo, nccl, mpi)."""
    return False


def is_initialized() -> bool:
    return False


def init_process_group(*args, **kwargs):
    raise RuntimeError("init_process_group: this engine has no distributed backend (gloo, nccl "
                       "or mpi); train in one process")


def get_rank(group=None) -> int:
    raise RuntimeError(_NOT_INITIALIZED)


def get_world_size(group=None) -> int:
    raise RuntimeError(_NOT_INITIALIZED)
