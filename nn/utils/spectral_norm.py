"""The hook-based spectral normalisation of torch.nn.utils (torch recommends
nn.utils.parametrizations.spectral_norm; this one is kept for old scripts and checkpoints).

    spectral_norm(lin)         # lin.weight_orig is the Parameter; buffers lin.weight_u, _v
    lin(x)                     # a forward pre-hook sets lin.weight = weight_orig / sigma
    remove_spectral_norm(lin)

sigma = u . (W v), with u, v refreshed by power iteration (in place, in training mode only)
before each forward. state_dict keys are torch's: "weight_orig", "weight_u", "weight_v".
torch's state-dict version metadata (and the load hook that upgrades checkpoints from before
torch 1.0) is not kept: this engine's state_dicts carry no metadata.
"""
from __future__ import annotations

import autograd
from autograd import Tensor

from .. import functional as F
from ..module import Module
from ..parameter import Parameter

__all__ = ["SpectralNorm", "spectral_norm", "remove_spectral_norm"]


def _default_dim(module: Module, dim):
    """torch's default: 1 for a transposed convolution (its weight is (in, out, ...)), 0
    otherwise."""
    if dim is not None:
        return dim
    from ..conv_transpose import _ConvTransposeNd
    return 1 if isinstance(module, _ConvTransposeNd) else 0


def reshape_weight_to_matrix(weight: Tensor, dim: int) -> Tensor:
    """weight (d0, ..., dn) -> (d_dim, prod of the others), dim moved to the front."""
    if dim != 0:
        weight = weight.permute(dim, *[d for d in range(weight.ndim) if d != dim])
    return weight.reshape(weight.shape[0], -1)


def power_iteration(weight_mat: Tensor, u: Tensor, v: Tensor, n: int, eps: float,
                    v_first: bool) -> None:
    """n steps of the power method for the top singular pair of weight_mat, written into u
    and v in place (so buffers shared with a replica see them) and outside the graph.
    v_first: the hook-based order (v then u); the parametrization updates u first."""
    with autograd.no_grad():
        for _ in range(n):
            if v_first:
                v.copy_(F.normalize(autograd.mv(weight_mat.mT, u), dim=0, eps=eps))
                u.copy_(F.normalize(autograd.mv(weight_mat, v), dim=0, eps=eps))
            else:
                u.copy_(F.normalize(autograd.mv(weight_mat, v), dim=0, eps=eps))
                v.copy_(F.normalize(autograd.mv(weight_mat.mT, u), dim=0, eps=eps))


class SpectralNorm:
    """The forward pre-hook that sets module.<name> = <name>_orig / sigma."""

    _version = 1

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12):
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name, self.dim = name, dim
        self.n_power_iterations, self.eps = n_power_iterations, eps

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        return reshape_weight_to_matrix(weight, self.dim)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            power_iteration(weight_mat, u, v, self.n_power_iterations, self.eps, True)
            # clones: a second forward's in-place update must not touch the first's graph
            u, v = u.clone(), v.clone()
        sigma = autograd.dot(u, autograd.mv(weight_mat, v))
        return weight / sigma

    def remove(self, module: Module) -> None:
        with autograd.no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        for suffix in ("", "_u", "_v", "_orig"):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs) -> None:
        setattr(module, self.name,
                self.compute_weight(module, do_power_iteration=module.training))

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim: int,
              eps: float) -> "SpectralNorm":
        for hook, _ in module.__dict__.get("_forward_pre_hooks", {}).values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same "
                                   f"parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        with autograd.no_grad():
            h, w = fn.reshape_weight_to_matrix(weight).shape
            u = F.normalize(autograd.randn(h, dtype=weight.dtype), dim=0, eps=fn.eps)
            v = F.normalize(autograd.randn(w, dtype=weight.dtype), dim=0, eps=fn.eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        # code that reads module.weight (an init, a repr) still finds a tensor there, as torch
        setattr(module, fn.name, weight.detach())
        module.register_buffer(fn.name + "_u", u)
        module.register_buffer(fn.name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """W_sn = W / sigma(W), sigma the largest singular value of W reshaped to (W.shape[dim],
    -1), estimated by n_power_iterations steps of the power method before every forward in
    training mode (the stored u, v in eval mode). dim defaults to 0 (1 for ConvTranspose)."""
    SpectralNorm.apply(module, name, n_power_iterations, _default_dim(module, dim), eps)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Undo spectral_norm: `name` is a Parameter holding W / sigma with the stored u, v."""
    hooks = module.__dict__.get("_forward_pre_hooks", {})
    for k, (hook, _) in list(hooks.items()):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del hooks[k]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
