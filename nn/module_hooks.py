"""Forward hooks and forward pre-hooks of a Module, with PyTorch's calling rules.

    handle = model.fc.register_forward_hook(lambda m, args, out: seen.append(out.shape))
    model(x)
    handle.remove()

A pre-hook runs before forward as hook(module, args) and may return new args (a tuple, or
one value that becomes a 1-tuple); a hook runs after it as hook(module, args, output) and may
return a new output. with_kwargs=True passes the keyword arguments too: hook(module, args,
kwargs) -> None or (args, kwargs), and hook(module, args, kwargs, output).

Full backward hooks (register_full_backward_hook / register_full_backward_pre_hook) run in
backward, once per call of the module; module_backward_hooks.py wires them into the graph.
"""
from __future__ import annotations

import itertools
import warnings
from collections import OrderedDict

from .module_backward_hooks import BackwardHook

_ids = itertools.count()


class RemovableHandle:
    """What register_*_hook returns: handle.remove() unregisters the hook; also a context
    manager that removes it on exit."""

    def __init__(self, hooks: OrderedDict):
        self.hooks = hooks
        self.id = next(_ids)

    def remove(self) -> None:
        self.hooks.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _store(module, name: str) -> OrderedDict:
    hooks = module.__dict__.get(name)
    if hooks is None:
        hooks = OrderedDict()
        object.__setattr__(module, name, hooks)
    # a module that never had a hook is called without looking for any (see __call__)
    object.__setattr__(module, "_has_hooks", True)
    return hooks


def _add(hooks: OrderedDict, entry, prepend: bool) -> RemovableHandle:
    if not callable(entry[0]):
        raise TypeError(f"register hook: expected a callable, got {type(entry[0]).__name__}")
    handle = RemovableHandle(hooks)
    hooks[handle.id] = entry
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


class HooksMixin:
    """register_forward_pre_hook / register_forward_hook and the __call__ that runs them."""

    def register_forward_pre_hook(self, hook, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """hook(module, args) -> None or new args, called before every forward."""
        return _add(_store(self, "_forward_pre_hooks"), (hook, bool(with_kwargs)), prepend)

    def register_forward_hook(self, hook, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
        """hook(module, args, output) -> None or a new output, called after every forward
        (with always_call, also when forward raises; output is then None)."""
        return _add(_store(self, "_forward_hooks"),
                    (hook, bool(with_kwargs), bool(always_call)), prepend)

    def register_full_backward_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """hook(module, grad_input, grad_output) -> None or a new grad_input, called in
        backward with the gradients w.r.t. the module's positional inputs and its outputs
        (tuples; None for non-tensors)."""
        return _add(_store(self, "_backward_hooks"), (hook, False), prepend)

    def register_full_backward_pre_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """hook(module, grad_output) -> None or a new grad_output, called in backward
        before the gradients w.r.t. the module's inputs are computed."""
        return _add(_store(self, "_backward_hooks"), (hook, True), prepend)

    def __call__(self, *args, **kwargs):
        if "_has_hooks" not in self.__dict__:
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args, kwargs):
        d = self.__dict__
        if not (d.get("_forward_pre_hooks") or d.get("_forward_hooks")
                or d.get("_backward_hooks")):
            d.pop("_has_hooks", None)   # every hook was removed: back to the plain path
            return self.forward(*args, **kwargs)
        name = type(self).__name__
        for hook, with_kwargs in list(self.__dict__.get("_forward_pre_hooks", {}).values()):
            if with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(f"{name}: a forward pre-hook with with_kwargs=True "
                                           f"must return None or a tuple (new_args, "
                                           f"new_kwargs), but got {result!r}")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        hooks = list(self.__dict__.get("_forward_hooks", {}).values())
        backward = self.__dict__.get("_backward_hooks")
        if backward:
            backward = BackwardHook(self, [h for h, pre in backward.values() if not pre],
                                    [h for h, pre in backward.values() if pre])
            args = backward.setup_input_hook(args)
        called = set()
        output = None
        try:
            output = self.forward(*args, **kwargs)
            for i, (hook, with_kwargs, _) in enumerate(hooks):
                called.add(i)
                result = (hook(self, args, kwargs, output) if with_kwargs
                          else hook(self, args, output))
                if result is not None:
                    output = result
            if backward:
                output = backward.setup_output_hook(output)
            return output
        except Exception:
            for i, (hook, with_kwargs, always) in enumerate(hooks):
                if always and i not in called:
                    try:
                        result = (hook(self, args, kwargs, output) if with_kwargs
                                  else hook(self, args, output))
                        if result is not None:
                            output = result
                    except Exception as e:  # noqa: BLE001 - the forward's error wins
                        warnings.warn(f"{name}: a forward hook with always_call=True raised "
                                      f"{type(e).__name__}: {e}, silenced because forward "
                                      f"raised first", stacklevel=3)
            raise
