"""torch.nn.parallel on a machine without accelerators: DataParallel wraps a module and, as
torch's does when it finds no GPU, runs it on the whole batch in this process.

DistributedDataParallel is not provided: torch's refuses to be built without a process group
(torch.distributed.init_process_group), and the engine has no torch.distributed to make one.
"""
from __future__ import annotations

from .module import Module

__all__ = ["DataParallel"]


class DataParallel(Module):
    """torch.nn.DataParallel as torch runs it without a GPU: forward(*inputs, **kwargs) is
    module(*inputs, **kwargs), on the whole batch; inputs and outputs have the wrapped
    module's shapes.

    The wrapped module is the child `module`, so state_dict keys are prefixed with
    "module." (as torch's: load such a checkpoint into dp.module after stripping the prefix,
    or into the DataParallel itself). device_ids is [] and output_device and dim are not
    kept, as in torch when no accelerator is found.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        self.module = module
        self.device_ids = []

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
