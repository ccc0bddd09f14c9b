"""functional_call, as torch.func.functional_call: run a module with given tensors in place of
its parameters and buffers, then put its own back (also when forward raises).

    params = dict(model.named_parameters())
    loss = F.mse_loss(functional_call(model, params, (x,)), y)
    grads = autograd.grad(loss, list(params.values()), create_graph=True)
    fast = {k: p - lr * g for (k, p), g in zip(params.items(), grads)}   # MAML's inner step
    outer = F.mse_loss(functional_call(model, fast, (xq,)), yq)         # differentiates back

Gradients flow to the given tensors, not to the module's parameters. Keys are dotted names
as in named_parameters()/named_buffers(); for a parametrized tensor pass
"parametrizations.<name>.original" (passing "<name>" assigns through the parametrization's
right_inverse, as torch does).
"""
from __future__ import annotations

import contextlib
import warnings

from autograd import Tensor

from ..module import Module

__all__ = ["functional_call"]

_MISSING = object()


def _untie_named_tensors_map(module: Module, parameters_and_buffers: dict) -> dict:
    """A copy of parameters_and_buffers in which a value given for one name of a tied
    tensor (one tensor registered under several names) is given for all its names; two
    different values for the same tied tensor are a ValueError."""
    all_named = dict(module.named_parameters(remove_duplicate=False))
    all_named.update(module.named_buffers(remove_duplicate=False))
    names_of = {}   # id(tensor) -> its names (a Tensor's == is elementwise: ids)
    for name, tensor in all_named.items():
        names_of.setdefault(id(tensor), set()).add(name)
    tied = {name: names for names in names_of.values() if len(names) > 1 for name in names}
    given_tied = {name for name in parameters_and_buffers if name in tied}
    for name in given_tied:
        names = tied[name]
        if (len(names & given_tied) > 1
                and len({id(parameters_and_buffers[n]) for n in names & given_tied}) != 1):
            raise ValueError(f"functional_call got multiple values for keys {sorted(names)}, "
                             f"which are tied. Consider using tie_weights=False")
    untied = dict(parameters_and_buffers)
    for name in given_tied:
        for tied_name in tied[name]:
            untied[tied_name] = parameters_and_buffers[name]
    return untied


def _submodule(module: Module, path: str, memo: dict) -> Module:
    if not path:
        return module
    if path not in memo:
        prefix, _, attr = path.rpartition(".")
        parent = _submodule(module, prefix, memo)
        try:
            sub = getattr(parent, attr)
        except AttributeError as e:
            raise AttributeError(f"{parent._get_name()} has no attribute `{attr}`") from e
        if not isinstance(sub, Module):
            raise TypeError(f"submodule `{path}`: {sub} is not an instance of nn.Module")
        memo[path] = sub
    return memo[path]


def _swap_tensor(module: Module, name: str, tensor):
    """Put tensor (or _MISSING: remove) under module.<name>; returns what was there
    (_MISSING if nothing). A parameter or buffer slot takes any Tensor, bypassing
    __setattr__'s Parameter check, so the given tensor's graph reaches forward."""
    if tensor is not _MISSING and tensor is not None and not isinstance(tensor, Tensor):
        raise TypeError(f"{tensor} is not an instance of Tensor")
    for store in (module._parameters, module._buffers):
        if name in store:
            orig = store[name]
            if tensor is _MISSING:
                del store[name]
            else:
                store[name] = tensor
            return orig
    orig = getattr(module, name) if hasattr(module, name) else _MISSING
    if orig is not _MISSING and orig is not None and not isinstance(orig, Tensor):
        raise TypeError(f"attribute `{name}`: {orig} is not an instance of Tensor")
    if tensor is not _MISSING:
        setattr(module, name, tensor)
    elif hasattr(module, name):
        delattr(module, name)
    return orig


def _swap_tensors_dict(module: Module, named_tensors: dict, memo: dict) -> dict:
    """Swap every dotted name; on an error, undo the swaps already made and re-raise."""
    originals = {}
    try:
        for name, tensor in named_tensors.items():
            prefix, _, attr = name.rpartition(".")
            originals[name] = _swap_tensor(_submodule(module, prefix, memo), attr, tensor)
    except Exception:
        for name, orig in originals.items():
            prefix, _, attr = name.rpartition(".")
            _swap_tensor(_submodule(module, prefix, memo), attr, orig)
        raise
    return originals


def _check_keys(module: Module, keys) -> None:
    valid = {n for n, _ in module.named_parameters(remove_duplicate=False)}
    valid |= {n for n, _ in module.named_buffers(remove_duplicate=False)}
    missing, unexpected = sorted(valid - set(keys)), sorted(set(keys) - valid)
    msgs = []
    if unexpected:
        msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
    if missing:
        msgs.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
    if msgs:
        raise RuntimeError(f"Error(s) in reparametrizing for {module._get_name()}:\n\t"
                           + "\n\t".join(msgs))


@contextlib.contextmanager
def _reparametrize_module(module: Module, parameters_and_buffers: dict,
                          tie_weights: bool = False, strict: bool = False):
    """Inside the block the module holds the given tensors; afterwards its own again, and
    whatever the block left in a given slot (a buffer reassigned by forward, e.g. running
    statistics) is written back into parameters_and_buffers, as torch."""
    untied = (_untie_named_tensors_map(module, parameters_and_buffers) if tie_weights
              else parameters_and_buffers)
    if strict:
        _check_keys(module, untied)
    memo, originals = {}, {}
    try:
        originals = _swap_tensors_dict(module, untied, memo)
        yield
    finally:
        current = _swap_tensors_dict(module, originals, memo)
        parameters_and_buffers.update({k: current[k] for k in parameters_and_buffers
                                       if k in current})


def _functional_call(module: Module, parameters_and_buffers: dict, args=None, kwargs=None, *,
                     tie_weights: bool = True, strict: bool = False):
    kwargs = {} if kwargs is None else kwargs
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    with _reparametrize_module(module, parameters_and_buffers, tie_weights=tie_weights,
                               strict=strict):
        return module(*args, **kwargs)


def functional_call(module: Module, parameters_and_buffers: dict, args=None, kwargs=None, *,
                    tie_weights: bool = True, strict: bool = False):
    """module(*args, **kwargs) with parameters_and_buffers ({dotted name: Tensor}) in place
    of the module's own; args not a tuple is one argument. tie_weights: a value given for
    one name of a tied tensor is used for all its names. strict: the keys must be exactly
    the module's parameter and buffer names. Deprecated in torch (FutureWarning) in favour
    of torch.func.functional_call, here autograd.func.functional_call."""
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch "
                  "2.0 and will be removed in a future version of PyTorch. Please use "
                  "`torch.func.functional_call` instead which is a drop-in replacement.",
                  FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs,
                            tie_weights=tie_weights, strict=strict)
