"""autograd.amp: torch.amp's autocast and GradScaler for scripts ported from PyTorch.

The engine computes in float32 and float64 only (no float16 or bfloat16 kernels), so autocast
cannot lower the precision of a region: on the CPU an enabled region runs in full precision,
with one UserWarning saying so, and its results are more precise than torch's bfloat16 autocast.
Other devices are refused when enabled (the engine runs on the CPU only). GradScaler is the
real loss-scaling arithmetic (amp_scaler.py); on float32 gradients it rarely matters, but it
skips steps with inf/NaN gradients and moves the scale exactly as torch's CPU GradScaler.
autograd.cpu.amp and autograd.cuda.amp hold the legacy per-device spellings.
"""
from __future__ import annotations

import functools
import sys
import types
import warnings

from .amp_scaler import GradScaler, OptState  # noqa: F401
from .device import _TORCH_TYPES, _unavailable

__all__ = ["autocast", "GradScaler"]

_warned_full_precision = False   # the warning is given once per process, not per region


def _warn_full_precision(stacklevel: int) -> None:
    global _warned_full_precision
    if not _warned_full_precision:
        _warned_full_precision = True
        warnings.warn("autocast('cpu'): this engine has no float16/bfloat16 kernels, so the "
                      "autocast region runs in full precision (float32/float64); results are "
                      "more precise than torch's bfloat16 autocast would give", UserWarning,
                      stacklevel=stacklevel + 1)


class autocast:  # noqa: N801  (PyTorch's name)
    """Context manager and decorator `autocast(device_type, dtype=None, enabled=True,
    cache_enabled=None)`. enabled=False: a no-op. enabled on 'cpu': ops run in full precision
    (one UserWarning per process). enabled on 'cuda' or another accelerator: RuntimeError (CPU
    only). device_type must be a str (ValueError) naming a device type torch knows."""

    def __init__(self, device_type: str, dtype=None, enabled: bool = True,
                 cache_enabled: bool | None = None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if device_type != "cpu":
            if device_type not in _TORCH_TYPES:
                raise RuntimeError(f"autocast: unknown device_type {device_type!r}; this engine "
                                   f"has 'cpu' only")
            if enabled:
                raise _unavailable(device_type, "autocast")
        self.device = device_type
        self.fast_dtype = dtype             # recorded only: nothing is cast
        self._enabled = bool(enabled)
        self._cache_enabled = True if cache_enabled is None else bool(cache_enabled)

    def __enter__(self):
        if self._enabled:
            _warn_full_precision(stacklevel=2)
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError(f"autocast()(func) requires a callable, but got "
                            f"{type(func).__name__}; as a context manager write "
                            f"`with autocast(device_type=...):`")

        @functools.wraps(func)
        def run_in_region(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return run_in_region


class _CPUAutocast(autocast):
    """torch.cpu.amp.autocast(enabled=True, dtype=None, cache_enabled=True):
    autocast('cpu', ...)."""

    def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool = True):
        super().__init__("cpu", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class _CUDAAutocast(autocast):
    """torch.cuda.amp.autocast(enabled=True, dtype=None, cache_enabled=True):
    autocast('cuda', ...), so a RuntimeError unless enabled=False."""

    def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool = True):
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class _CPUGradScaler(GradScaler):
    """torch.cpu.amp.GradScaler(init_scale, ...): GradScaler('cpu', ...)."""

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True):
        super().__init__("cpu", init_scale, growth_factor, backoff_factor, growth_interval,
                         enabled)


class _CUDAGradScaler(GradScaler):
    """torch.cuda.amp.GradScaler(init_scale, ...): GradScaler('cuda', ...), which, as torch
    without CUDA, warns and disables itself (scale returns its input, step just steps)."""

    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True):
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval,
                         enabled)


_CPUAutocast.__name__ = _CUDAAutocast.__name__ = "autocast"
_CPUAutocast.__qualname__ = _CUDAAutocast.__qualname__ = "autocast"
_CPUGradScaler.__name__ = _CUDAGradScaler.__name__ = "GradScaler"
_CPUGradScaler.__qualname__ = _CUDAGradScaler.__qualname__ = "GradScaler"


def _module(name: str, doc: str, **names) -> types.ModuleType:
    """A namespace importable by its dotted name (`from autograd.cuda.amp import GradScaler`)."""
    module = types.ModuleType(name, doc)
    module.__dict__.update(names)
    sys.modules[name] = module
    return module


cpu_amp = _module("autograd.cpu.amp", "torch.cpu.amp's names", autocast=_CPUAutocast,
                  GradScaler=_CPUGradScaler)
cuda_amp = _module("autograd.cuda.amp", "torch.cuda.amp's names", autocast=_CUDAAutocast,
                   GradScaler=_CUDAGradScaler)
cpu = _module("autograd.cpu", "torch.cpu's names: the CPU, the engine's one device", amp=cpu_amp,
              is_available=lambda: True, device_count=lambda: 1)
