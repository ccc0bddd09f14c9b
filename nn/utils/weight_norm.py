"""The hook-based weight normalisation of torch.nn.utils (deprecated in torch in favour of
nn.utils.parametrizations.weight_norm, kept for old scripts and checkpoints).

    weight_norm(lin)        # lin.weight_g (out, 1), lin.weight_v (out, in) are the Parameters;
    lin(x)                  # a forward pre-hook recomputes lin.weight = g * v / ||v||
    remove_weight_norm(lin) # lin.weight is a Parameter again

state_dict keys are torch's: "weight_g", "weight_v".
"""
from __future__ import annotations

import warnings

from autograd import Tensor

from ..module import Module
from ..parameter import Parameter

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm"]


def norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """torch.norm_except_dim(v, 2, dim): the 2-norm over every dim but `dim`, kept as size-1
    dims (v (3, 4, 5), dim 1 -> (1, 4, 1)); dim=-1 means the norm of all of v, 0-dim."""
    if dim == -1:
        return v.norm(2)
    keep = dim % v.ndim
    axes = tuple(d for d in range(v.ndim) if d != keep)
    if not axes:   # a vector normalised along itself: |v| elementwise, as torch's
        return v.abs()
    return v.norm(2, dim=axes, keepdim=True)


def _weight_norm(v: Tensor, g: Tensor, dim: int) -> Tensor:
    """torch._weight_norm: v * (g / norm_except_dim(v, dim)), composed so no new VJP."""
    return v * (g / norm_except_dim(v, dim))


class WeightNorm:
    """The forward pre-hook that recomputes module.<name> from <name>_g and <name>_v."""

    def __init__(self, name: str, dim: int):
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module: Module) -> Tensor:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int) -> "WeightNorm":
        warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                      "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning,
                      stacklevel=3)
        for hook in _pre_hooks(module).values():
            if isinstance(hook[0], WeightNorm) and hook[0].name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same "
                                   f"parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        del module._parameters[name]
        module.register_parameter(name + "_g",
                                  Parameter(norm_except_dim(weight, fn.dim).detach()))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))   # a plain attribute from now on
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module))


def _pre_hooks(module: Module) -> dict:
    """handle id -> (hook, with_kwargs), as nn/module_hooks.py stores them."""
    return module.__dict__.get("_forward_pre_hooks", {})


def weight_norm(module: Module, name: str = "weight", dim: int = 0) -> Module:
    """w = g * v / ||v||, the norm over every dim but `dim` (over all of v with dim=None):
    replaces the Parameter `name` by `name`_g (the magnitude, v's shape with 1 everywhere
    but dim) and `name`_v (the direction, w's shape); w is recomputed before every forward.
    Deprecated in torch (FutureWarning): prefer nn.utils.parametrizations.weight_norm."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Undo weight_norm: `name` is a Parameter holding the current g * v / ||v||."""
    hooks = _pre_hooks(module)
    for k, (hook, _) in list(hooks.items()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
