"""skip_init, as torch.nn.utils.skip_init: build a module without initialising its weights."""
from __future__ import annotations

import inspect

from ..module import Module

__all__ = ["skip_init"]


def _no_reset(self, *args, **kwargs) -> None:
    """reset_parameters skipped: the parameters keep the memory they were created with."""


def skip_init(module_cls, *args, **kwargs):
    """module_cls(*args, **kwargs) with its parameters and buffers left uninitialised (their
    values unspecified, as torch.empty's), e.g. before loading a checkpoint or a custom init.
    As torch, module_cls must take a `device` argument. torch builds the module on the meta
    device; this engine has none, so the constructor runs with reset_parameters (the
    convention every layer here follows for its initialisation) replaced by a no-op."""
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    kwargs.setdefault("device", "cpu")
    if not hasattr(module_cls, "reset_parameters"):
        return module_cls(*args, **kwargs)
    skipping = type(module_cls.__name__, (module_cls,), {"reset_parameters": _no_reset})
    module = skipping(*args, **kwargs)
    module.__class__ = module_cls   # the instance is an ordinary module_cls from here on
    return module
