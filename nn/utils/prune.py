"""Pruning as in torch.nn.utils.prune: parts of a parameter are zeroed through a mask.

    prune.l1_unstructured(lin, "weight", amount=0.3)  # the 30% smallest |w| are masked
    lin.weight_orig     # the Parameter the optimizer sees (its masked entries get zero grad)
    lin.weight_mask     # a buffer of 0s and 1s, saved in state_dict
    lin.weight          # weight_orig * weight_mask, recomputed by a forward pre-hook
    prune.remove(lin, "weight")                        # lin.weight is a Parameter again, zeros kept

Pruning the same tensor again composes the masks (a PruningContainer): the new amount counts
only the units still unpruned, a float as a fraction of them, an int as a number of them.
Masks carry no gradient, so they are computed on numpy arrays; compute_mask still takes and
returns Tensors, so a BasePruningMethod subclass written for torch works unchanged.
"""
from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable

import numpy as np

import autograd
from autograd import Tensor
from autograd.generator import default_generator

__all__ = ["BasePruningMethod", "PruningContainer", "Identity", "RandomUnstructured",
           "L1Unstructured", "RandomStructured", "LnStructured", "CustomFromMask",
           "identity", "random_unstructured", "l1_unstructured", "random_structured",
           "ln_structured", "global_unstructured", "custom_from_mask", "remove", "is_pruned"]


def _array(t) -> np.ndarray:
    """A fresh, contiguous ndarray copy of a Tensor (or array-like)."""
    return np.array(t.data if isinstance(t, Tensor) else t, copy=True, order="C")


def _pre_hooks(module) -> dict:
    """handle id -> (hook, with_kwargs), as nn/module_hooks.py stores them."""
    return module.__dict__.get("_forward_pre_hooks", {})


def _pruning_hooks(module, name: str) -> list:
    """The handle ids of the pruning hooks acting on module.<name>."""
    return [k for k, (hook, _) in _pre_hooks(module).items()
            if isinstance(hook, BasePruningMethod) and hook._tensor_name == name]


class BasePruningMethod(ABC):
    """A way to choose a mask. Subclasses set PRUNING_TYPE ("unstructured", "structured" with
    a `dim` attribute, or "global") and define compute_mask; apply() installs the method on a
    module as the forward pre-hook that recomputes module.<name> = <name>_orig * <name>_mask."""

    PRUNING_TYPE: str
    _tensor_name: str | None = None

    def __call__(self, module, inputs) -> None:
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """The mask for t (same shape), given the mask default_mask that earlier pruning left."""

    def apply_mask(self, module) -> Tensor:
        """<name>_orig * <name>_mask: differentiable w.r.t. <name>_orig."""
        if self._tensor_name is None:
            raise AssertionError(f"Module {module} has to be pruned")
        mask = getattr(module, self._tensor_name + "_mask")
        orig = getattr(module, self._tensor_name + "_orig")
        return mask.to(dtype=orig.dtype) * orig

    @classmethod
    def apply(cls, module, name: str, *args, importance_scores=None, **kwargs):
        """Prune module.<name> with cls(*args, **kwargs), composed with any pruning already on
        it; importance_scores (name's shape) rank the entries instead of the values."""
        old_keys = _pruning_hooks(module, name)
        if len(old_keys) > 1:
            raise AssertionError(f"Avoid adding multiple pruning hooks to the same tensor "
                                 f"{name} of module {module}. Use a PruningContainer.")
        method = cls(*args, **kwargs)
        method._tensor_name = name
        if old_keys:
            old = _pre_hooks(module)[old_keys[0]][0]
            earlier = tuple(old) if isinstance(old, PruningContainer) else (old,)
            method = PruningContainer(*earlier, method)

        orig = getattr(module, name)
        if importance_scores is None:
            importance_scores = orig
        elif importance_scores.shape != orig.shape:
            raise AssertionError(f"importance_scores should have the same shape as parameter "
                                 f"{name} of {module}, got {tuple(importance_scores.shape)} vs "
                                 f"{tuple(orig.shape)}")
        if old_keys:
            default_mask = getattr(module, name + "_mask").detach().clone()
        else:
            module.register_parameter(name + "_orig", orig)
            del module._parameters[name]
            default_mask = autograd.ones_like(orig)
        try:
            mask = method.compute_mask(importance_scores, default_mask=default_mask)
        except Exception:
            if not old_keys:   # give the parameter back, as torch does
                module.register_parameter(name, module._parameters.pop(name + "_orig"))
            raise
        module.register_buffer(name + "_mask", mask)
        setattr(module, name, method.apply_mask(module))
        # the old hook goes only now, so a failed second pruning leaves the first in place
        for k in old_keys:
            del _pre_hooks(module)[k]
        module.register_forward_pre_hook(method)
        return method

    def prune(self, t: Tensor, default_mask: Tensor | None = None,
              importance_scores: Tensor | None = None) -> Tensor:
        """t * compute_mask(importance_scores or t, default_mask or ones), without a module."""
        if importance_scores is None:
            importance_scores = t
        elif importance_scores.shape != t.shape:
            raise AssertionError(f"importance_scores should have the same shape as tensor t, "
                                 f"got {tuple(importance_scores.shape)} vs {tuple(t.shape)}")
        if default_mask is None:
            default_mask = autograd.ones_like(t)
        return t * self.compute_mask(importance_scores, default_mask=default_mask)

    def remove(self, module) -> None:
        """Make the pruning permanent: module.<name> becomes the Parameter <name>_orig holding
        orig * mask; <name>_orig and <name>_mask are gone. The hook itself is left to the caller
        (prune.remove drops it)."""
        name = self._tensor_name
        if name is None:
            raise AssertionError(f"Module {module} has to be pruned before pruning can be "
                                 f"removed")
        weight = self.apply_mask(module)
        if hasattr(module, name):
            delattr(module, name)
        orig = module._parameters.pop(name + "_orig")
        orig.data = weight.data
        delattr(module, name + "_mask")
        setattr(module, name, orig)


class PruningContainer(BasePruningMethod):
    """The pruning methods applied in turn to one tensor. Its mask is the last method's,
    computed on the units the earlier masks left: the entries still 1 (unstructured), the
    channels along `dim` not yet all 0 (structured), or everything (global)."""

    def __init__(self, *methods):
        self._pruning_methods: tuple = ()
        if methods:
            self._tensor_name = getattr(methods[0], "_tensor_name", None)
        for method in methods:
            self.add_pruning_method(method)

    def add_pruning_method(self, method) -> None:
        """Append a method acting on the same tensor as this container."""
        if not isinstance(method, BasePruningMethod):
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method._tensor_name != self._tensor_name:
            raise ValueError(f"Can only add pruning methods acting on the parameter named "
                             f"'{self._tensor_name}' to PruningContainer {self}. Found "
                             f"'{method._tensor_name}'")
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, idx):
        return self._pruning_methods[idx]

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        method = self._pruning_methods[-1]
        scores = _array(t)
        mask = _array(default_mask).astype(scores.dtype)
        alive = _unpruned(method, mask)
        partial = method.compute_mask(Tensor(scores[alive]), default_mask=Tensor(mask[alive]))
        mask[alive] = _array(partial)
        return Tensor(mask)


def _unpruned(method: BasePruningMethod, mask: np.ndarray):
    """The index of mask's part that `method` may still prune, by its PRUNING_TYPE."""
    kind = method.PRUNING_TYPE
    if kind == "unstructured":
        return mask == 1
    if kind == "global":
        return (slice(None),) * mask.ndim
    if kind != "structured":
        raise ValueError(f"Unrecognized PRUNING_TYPE {kind}")
    if not hasattr(method, "dim"):
        raise AttributeError('Pruning methods of PRUNING_TYPE "structured" need to have the '
                             'attribute `dim` defined.')
    dim = method.dim + mask.ndim if method.dim < 0 else method.dim
    if not 0 <= dim < mask.ndim:
        raise IndexError(f"Index is out of bounds for tensor with dimensions {mask.ndim}")
    others = tuple(d for d in range(mask.ndim) if d != dim)
    alive = [slice(None)] * mask.ndim
    alive[dim] = mask.sum(axis=others) != 0
    return tuple(alive)


class Identity(BasePruningMethod):
    """Prunes nothing: the mask is all ones (useful to get the _orig / _mask layout)."""

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t, default_mask):
        return default_mask

    @classmethod
    def apply(cls, module, name):
        return super().apply(module, name)


class _Unstructured(BasePruningMethod):
    """Masks `amount` entries (int: a count; float: a fraction of the tensor), the first k in
    the order `_order(t)` gives."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount):
        _check_amount(amount)
        self.amount = amount

    def compute_mask(self, t, default_mask):
        k = _count_to_prune(self.amount, t.numel())
        mask = _array(default_mask)
        mask.reshape(-1)[self._order(t)[:k]] = 0
        return Tensor(mask)


class RandomUnstructured(_Unstructured):
    """Masks `amount` entries chosen uniformly at random."""

    def _order(self, t):
        return default_generator().permutation(t.numel())

    @classmethod
    def apply(cls, module, name, amount):
        return super().apply(module, name, amount=amount)


class L1Unstructured(_Unstructured):
    """Masks the `amount` entries of smallest absolute value."""

    def _order(self, t):
        return np.argsort(np.abs(_array(t)).reshape(-1), kind="stable")

    @classmethod
    def apply(cls, module, name, amount, importance_scores=None):
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


def _channel_mask(t: Tensor, dim: int, pruned: np.ndarray, default_mask: Tensor) -> Tensor:
    """Ones of t's shape and dtype, zero on the channels `pruned` along dim, times default_mask."""
    mask = np.ones(t.shape, dtype=_array(t).dtype)
    index = [slice(None)] * mask.ndim
    index[dim] = pruned
    mask[tuple(index)] = 0
    return Tensor(mask * _array(default_mask).astype(mask.dtype))


class RandomStructured(BasePruningMethod):
    """Masks `amount` whole channels along `dim`, chosen uniformly at random."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount, dim=-1):
        _check_amount(amount)
        self.amount = amount
        self.dim = dim

    def compute_mask(self, t, default_mask):
        _check_structured(t, self.dim)
        n = t.shape[self.dim]
        k = _count_to_prune(self.amount, n)
        if k == 0:
            return default_mask
        return _channel_mask(t, self.dim, default_generator().permutation(n)[:k], default_mask)

    @classmethod
    def apply(cls, module, name, amount, dim=-1):
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Masks the `amount` channels along `dim` of smallest Ln norm (n as torch.norm's p:
    a number, inf, -inf or "fro")."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount, n, dim=-1):
        _check_amount(amount)
        self.amount = amount
        self.n = n
        self.dim = dim

    def compute_mask(self, t, default_mask):
        _check_structured(t, self.dim)
        size = t.shape[self.dim]
        k = _count_to_prune(self.amount, size)
        if k == 0:
            return default_mask
        dim = self.dim % t.ndim
        norms = autograd.norm(t.detach(), p=self.n,
                              dim=[d for d in range(t.ndim) if d != dim])
        smallest = np.argsort(_array(norms), kind="stable")[:k]
        return _channel_mask(t, dim, smallest, default_mask)

    @classmethod
    def apply(cls, module, name, amount, n, dim, importance_scores=None):
        return super().apply(module, name, amount=amount, n=n, dim=dim,
                             importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Masks where the given mask (the tensor's shape) is 0."""

    PRUNING_TYPE = "global"

    def __init__(self, mask):
        self.mask = mask

    def compute_mask(self, t, default_mask):
        if tuple(default_mask.shape) != tuple(self.mask.shape):
            raise AssertionError(f"default_mask shape {tuple(default_mask.shape)} must match "
                                 f"self.mask shape {tuple(self.mask.shape)}")
        mask = _array(default_mask)
        return Tensor(mask * _array(self.mask).astype(mask.dtype))

    @classmethod
    def apply(cls, module, name, mask):
        return super().apply(module, name, mask=mask)


# ---------------------------------------------------------------- the functions users call
def identity(module, name: str):
    """Apply the pruning layout (<name>_orig, <name>_mask of ones) without pruning anything."""
    Identity.apply(module, name)
    return module


def random_unstructured(module, name: str, amount):
    """Mask `amount` random entries of module.<name> (int: how many; float in [0, 1]: what
    fraction of those still unpruned)."""
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module, name: str, amount, importance_scores=None):
    """Mask the `amount` entries of module.<name> of smallest |value| (or of smallest
    |importance_scores|, a tensor of the parameter's shape)."""
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module, name: str, amount, dim: int):
    """Mask `amount` random channels of module.<name> along dim (e.g. dim=0: output units)."""
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module, name: str, amount, n, dim: int, importance_scores=None):
    """Mask the `amount` channels of module.<name> along dim with the smallest Ln norm."""
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def custom_from_mask(module, name: str, mask):
    """Mask module.<name> where `mask` (its shape) is 0."""
    CustomFromMask.apply(module, name, mask)
    return module


def global_unstructured(parameters, pruning_method, importance_scores=None, **kwargs) -> None:
    """Prune [(module, name), ...] as one flat vector with pruning_method(**kwargs) (an
    unstructured method, e.g. prune.L1Unstructured with amount=0.2): the amount is taken
    over all of them together. importance_scores: {(module, name): tensor} to rank by."""
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    parameters = list(parameters)
    importance_scores = importance_scores if importance_scores is not None else {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")

    scores = np.concatenate([
        _array(importance_scores.get((m, n), getattr(m, n))).reshape(-1) for m, n in parameters])
    masks = [getattr(m, n + "_mask", None) for m, n in parameters]
    default_mask = np.concatenate([
        (np.ones(getattr(m, n).shape, scores.dtype) if mask is None else _array(mask)).reshape(-1)
        for (m, n), mask in zip(parameters, masks)])

    method = pruning_method(**kwargs)
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(f'Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. '
                        f"Found method {pruning_method} of type {method.PRUNING_TYPE}")
    method._tensor_name = "temp"
    final = _array(PruningContainer(method).compute_mask(Tensor(scores), Tensor(default_mask)))

    start = 0
    for module, name in parameters:
        shape = getattr(module, name).shape
        size = int(np.prod(shape))
        custom_from_mask(module, name, mask=Tensor(final[start:start + size].reshape(shape)))
        start += size


def remove(module, name: str):
    """Make the pruning of module.<name> permanent: it is a plain Parameter again, holding
    orig * mask; <name>_orig, <name>_mask and the hook are gone."""
    for k in _pruning_hooks(module, name):
        _pre_hooks(module)[k][0].remove(module)
        del _pre_hooks(module)[k]
        return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning "
                     f"can be removed")


def is_pruned(module) -> bool:
    """Whether module or any of its submodules has a pruning hook."""
    return any(isinstance(hook, BasePruningMethod)
               for sub in module.modules() for hook, _ in _pre_hooks(sub).values())


# ---------------------------------------------------------------- amount checks (torch's)
def _check_amount(amount) -> None:
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    if ((isinstance(amount, numbers.Integral) and amount < 0)
            or (not isinstance(amount, numbers.Integral) and not 0.0 <= float(amount) <= 1.0)):
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a "
                         f"non-negative integer")


def _count_to_prune(amount, size: int) -> int:
    """How many of `size` units `amount` prunes: an int as is (at most size), a float as
    round(amount * size) (Python's round: half to even, as torch)."""
    if isinstance(amount, numbers.Integral):
        if amount > size:
            raise ValueError(f"amount={amount} should be smaller than the number of parameters "
                             f"to prune={size}")
        return int(amount)
    return int(round(amount * size))


def _check_structured(t, dim: int) -> None:
    if t.ndim <= 1:
        raise ValueError(f"Structured pruning can only be applied to multidimensional tensors. "
                         f"Found tensor of shape {tuple(t.shape)} with {t.ndim} dims")
    if dim >= t.ndim:
        raise IndexError(f"Invalid index {dim} for tensor of size {tuple(t.shape)}")
