"""SyncBatchNorm as torch runs it without an initialized process group (the only case here:
the engine has no torch.distributed): plain batch normalization over the local batch, for
inputs of any rank >= 2, and convert_sync_batchnorm to swap it in for BatchNorm*d layers."""
from __future__ import annotations

from .layers_more import _InstanceNorm
from .normalization import _BatchNorm

__all__ = ["SyncBatchNorm"]


class SyncBatchNorm(_BatchNorm):
    """Batch normalization over (N, *) for each channel.  x: (N, C, *) -> same.

    Across processes torch averages the batch statistics; with no process group (always,
    here) it falls back to BatchNorm's computation on the local batch, as this does. weight
    (C,) = 1, bias (C,) = 0, running_mean / running_var / num_batches_tracked as BatchNorm's.
    process_group is kept and not used.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, process_group=None,
                 device=None, dtype=None, *, bias: bool = True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input):
        if input.ndim < 2:
            raise ValueError(f"expected at least 2D input (got {input.ndim}D input)")
        if input.shape[1] == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """module with every BatchNorm1d/2d/3d (any _BatchNorm, not InstanceNorm) in it
        replaced by a SyncBatchNorm holding the same parameter and buffer objects, training
        flag and qconfig; a BatchNorm given itself comes back as a new SyncBatchNorm."""
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, _InstanceNorm):
            out = cls(module.num_features, module.eps, module.momentum, module.affine,
                      module.track_running_stats, process_group, bias=module.bias is not None)
            if module.affine:   # the same Parameters: an optimizer holding them still works
                out.weight = module.weight
                out.bias = module.bias
            out.running_mean = module.running_mean
            out.running_var = module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
            if hasattr(module, "qconfig"):
                out.qconfig = module.qconfig
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out
