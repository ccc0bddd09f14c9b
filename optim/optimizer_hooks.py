"""Optimizer hooks with PyTorch's signatures and calling order.

    handle = opt.register_step_post_hook(lambda opt, args, kwargs: log(opt.param_groups))
    handle.remove()

Step hooks, per optimizer or global (register_optimizer_step_pre_hook): a pre-hook runs as
hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs), a post-hook as
hook(optimizer, args, kwargs); `args` are step's own arguments, the optimizer first, as in
PyTorch. Pre-hooks run global ones first, post-hooks the optimizer's own first.

As in PyTorch, the hooks live in the class's step function: every Optimizer class that
defines step gets it wrapped (`with_step_hooks`), so they also run when user code replaces
`opt.step` on the instance with something that calls the original (functools.partial, a
wrapper) or calls the class's step directly. While no hook is registered the wrapper costs
one check. Hooks run once per outermost step call: a subclass's step that calls
super().step() does not run them again. state_dict and load_state_dict hooks are called from
those two methods (optimizer.py).
"""
from __future__ import annotations

import functools
import itertools
import types
from collections import OrderedDict

_ids = itertools.count()
_global_step_pre_hooks: OrderedDict = OrderedDict()
_global_step_post_hooks: OrderedDict = OrderedDict()


class RemovableHandle:
    """What the register_*_hook methods return: handle.remove() unregisters the hook; also a
    context manager that removes it on exit."""

    def __init__(self, hooks: OrderedDict):
        self.hooks, self.id = hooks, next(_ids)

    def remove(self) -> None:
        self.hooks.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _add(hooks: OrderedDict, hook, prepend=False) -> RemovableHandle:
    if not callable(hook):
        raise TypeError(f"register hook: expected a callable, got {type(hook).__name__}")
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_optimizer_step_pre_hook(hook) -> RemovableHandle:
    """hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs), before every
    optimizer's step()."""
    return _add(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook) -> RemovableHandle:
    """hook(optimizer, args, kwargs) -> None, after every optimizer's step()."""
    return _add(_global_step_post_hooks, hook)


def _step_with_hooks_run(self, step, args, kwargs):
    """step(*args, **kwargs) with the pre-hooks before it and the post-hooks after it."""
    args = (self, *args)
    self._in_step_hooks = True   # an inner step (super().step()) runs no hooks of its own
    try:
        for hook in (*_global_step_pre_hooks.values(),
                     *self._optimizer_step_pre_hooks.values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{type(self).__name__}.step: a step pre-hook must "
                                       f"return None or a tuple (new_args, new_kwargs), but "
                                       f"got {result!r}")
                args, kwargs = result
        out = step(*args, **kwargs)
        for hook in (*self._optimizer_step_post_hooks.values(),
                     *_global_step_post_hooks.values()):
            hook(self, args, kwargs)
    finally:
        self._in_step_hooks = False
    return out


def with_step_hooks(step):
    """step wrapped so that the step hooks run around it (applied to every Optimizer class's
    own step, as PyTorch does); idempotent."""
    if getattr(step, "hooked", False):
        return step

    @functools.wraps(step)
    def step_with_hooks(self, *args, **kwargs):
        if (self._optimizer_step_pre_hooks or self._optimizer_step_post_hooks
                or _global_step_pre_hooks or _global_step_post_hooks) \
                and not self._in_step_hooks:
            return _step_with_hooks_run(self, step, args, kwargs)
        return step(self, *args, **kwargs)

    step_with_hooks.hooked = True
    return step_with_hooks


class OptimizerHooks:
    """The register_*_hook methods of Optimizer; `_init_hooks` is called by its __init__."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if isinstance(step, types.FunctionType):
            cls.step = with_step_hooks(step)

    def _init_hooks(self):
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()
        self._in_step_hooks = False
        cls = type(self)
        # a step assigned to the class after it was made (a patch) gets wrapped too, as
        # PyTorch wraps the class's step when an instance is made
        if isinstance(cls.step, types.FunctionType) and not getattr(cls.step, "hooked", False):
            cls.step = with_step_hooks(cls.step)

    def __getstate__(self):
        # as PyTorch: a pickled or deep-copied optimizer keeps no hooks
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_optimizer_")}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._init_hooks()

    def register_step_pre_hook(self, hook) -> RemovableHandle:
        """hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs), before step();
        returned args and kwargs are what step is called with."""
        return _add(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook) -> RemovableHandle:
        """hook(optimizer, args, kwargs) -> None, after step()."""
        return _add(self._optimizer_step_post_hooks, hook)

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
