"""Optimizer hooks with PyTorch's signatures and calling order.

    handle = opt.register_step_post_hook(lambda opt, args, kwargs: log(opt.param_groups))
    handle.remove()

Step hooks, per optimizer or global (register_optimizer_step_pre_hook): a pre-hook runs as
hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs), a post-hook as
hook(optimizer, args, kwargs); `args` are step's own arguments, the optimizer first, as in
PyTorch. Pre-hooks run global ones first, post-hooks the optimizer's own first.

They cost step() nothing while none is registered: an optimizer that has a step hook to run
(its own or a global one) gets an instance attribute `step` that runs them around its class's
step, and loses it with the last hook. state_dict and load_state_dict hooks are called from
those two methods (optimizer.py).
"""
from __future__ import annotations

import itertools
import types
import weakref
from collections import OrderedDict

_ids = itertools.count()
_global_step_pre_hooks: OrderedDict = OrderedDict()
_global_step_post_hooks: OrderedDict = OrderedDict()
# every live optimizer by id (a WeakSet would need them hashable), so that a global hook
# reaches those made before it
_live: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


class RemovableHandle:
    """What the register_*_hook methods return: handle.remove() unregisters the hook; also a
    context manager that removes it on exit."""

    def __init__(self, hooks: OrderedDict, on_remove=None):
        self.hooks, self.id, self._on_remove = hooks, next(_ids), on_remove

    def remove(self) -> None:
        self.hooks.pop(self.id, None)
        if self._on_remove is not None:
            self._on_remove()

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _add(hooks: OrderedDict, hook, prepend=False, on_remove=None) -> RemovableHandle:
    if not callable(hook):
        raise TypeError(f"register hook: expected a callable, got {type(hook).__name__}")
    handle = RemovableHandle(hooks, on_remove)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def _sync_all():
    for opt in list(_live.values()):
        opt._sync_step_hooks()


def register_optimizer_step_pre_hook(hook) -> RemovableHandle:
    """hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs), before every
    optimizer's step()."""
    handle = _add(_global_step_pre_hooks, hook, on_remove=_sync_all)
    _sync_all()
    return handle


def register_optimizer_step_post_hook(hook) -> RemovableHandle:
    """hook(optimizer, args, kwargs) -> None, after every optimizer's step()."""
    handle = _add(_global_step_post_hooks, hook, on_remove=_sync_all)
    _sync_all()
    return handle


def _hooked_step(self, *args, **kwargs):
    """step() with the step hooks around it (installed on an optimizer only while it has some)."""
    args = (self, *args)
    for hook in (*_global_step_pre_hooks.values(), *self._optimizer_step_pre_hooks.values()):
        result = hook(self, args, kwargs)
        if result is not None:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise RuntimeError(f"{type(self).__name__}.step: a step pre-hook must return "
                                   f"None or a tuple (new_args, new_kwargs), but got {result!r}")
            args, kwargs = result
    out = type(self).step(*args, **kwargs)
    for hook in (*self._optimizer_step_post_hooks.values(), *_global_step_post_hooks.values()):
        hook(self, args, kwargs)
    return out


def _is_hooked_step(method) -> bool:
    return isinstance(method, types.MethodType) and method.__func__ is _hooked_step


class OptimizerHooks:
    """The register_*_hook methods of Optimizer; `_init_hooks` is called by its __init__."""

    def _init_hooks(self):
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()
        _live[id(self)] = self
        if _global_step_pre_hooks or _global_step_post_hooks:
            self._sync_step_hooks()

    def __getstate__(self):
        # as PyTorch: a pickled or deep-copied optimizer keeps no hooks
        return {k: v for k, v in self.__dict__.items()
                if not (k.startswith("_optimizer_") or k == "step" and _is_hooked_step(v))}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._init_hooks()

    def _sync_step_hooks(self):
        """Install the hooked step while a step hook applies to this optimizer, else remove it."""
        own = self.__dict__.get("step")
        if (self._optimizer_step_pre_hooks or self._optimizer_step_post_hooks
                or _global_step_pre_hooks or _global_step_post_hooks):
            if own is None:
                self.step = types.MethodType(_hooked_step, self)
        elif _is_hooked_step(own):
            del self.step

    def _add_step_hook(self, hooks, hook):
        ref = weakref.ref(self)  # the handle must not keep the optimizer alive

        def on_remove():
            opt = ref()
            if opt is not None:
                opt._sync_step_hooks()

        handle = _add(hooks, hook, on_remove=on_remove)
        self._sync_step_hooks()
        return handle

    def register_step_pre_hook(self, hook) -> RemovableHandle:
        """hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs), before step();
        returned args and kwargs are what step is called with."""
        return self._add_step_hook(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook) -> RemovableHandle:
        """hook(optimizer, args, kwargs) -> None, after step()."""
        return self._add_step_hook(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """hook(optimizer) -> None, before state_dict() builds the dict."""
        return _add(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """hook(optimizer, state_dict) -> None or a new state_dict, which state_dict() returns;
        the hook may also edit the dict in place."""
        return _add(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """hook(optimizer, state_dict) -> None or a new state_dict to load instead; it gets a
        shallow copy of the dict given to load_state_dict()."""
        return _add(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend: bool = False) -> RemovableHandle:
        """hook(optimizer) -> None, after load_state_dict() has loaded the dict."""
        return _add(self._optimizer_load_state_dict_post_hooks, hook, prepend)
