"""state_dict and load_state_dict of a Module, with PyTorch's key order, loading rules and
customization points.

    sd = model.state_dict()            # OrderedDict name -> Tensor (detached, shares memory)
    best = copy.deepcopy(model.state_dict())   # a snapshot, as in PyTorch
    missing, unexpected = other.load_state_dict(sd, strict=False)

As in PyTorch, each module saves its own entries in `_save_to_state_dict` and checks and
loads them in `_load_from_state_dict` (which a subclass may override, to rename the keys of an
old checkpoint say), `get_extra_state` / `set_extra_state` carry state that is not a tensor,
and hooks may run around both. One difference: loading is all or nothing. The checks of every
module run first; a module's loads (and set_extra_state) wait in a list and run only once no
check failed.
"""
from __future__ import annotations

import warnings
from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

from autograd import Tensor, saved

from .module_hooks import RemovableHandle, _add

_EXTRA_STATE = "_extra_state"   # the key suffix of get_extra_state's value, as torch's
_loading = []   # the pending loads of the load_state_dict calls in progress (innermost last)


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns, as PyTorch: a (missing_keys, unexpected_keys) pair."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _as_array(v) -> np.ndarray:
    return v.data if isinstance(v, Tensor) else np.asarray(v)


def _hooks(module, name: str) -> OrderedDict:
    """The module's hook dict `name`, made on first registration (most modules have none)."""
    hooks = module.__dict__.get(name)
    if hooks is None:
        hooks = OrderedDict()
        object.__setattr__(module, name, hooks)
    return hooks


def _registered(module, name: str):
    return list(module.__dict__.get(name, {}).values())


def _load_later(action):
    """Run action() once every module's checks passed (at once outside load_state_dict)."""
    if _loading:
        _loading[-1].append(action)
    else:
        action()


def _copy_into(t, v, assign: bool):
    def load():
        if assign:
            t.data = v if v.dtype.kind == "f" or t.dtype.kind != "f" else v.astype(t.dtype)
            return
        # in place, as PyTorch: views of the array and optimizer references stay valid
        with saved.writable(t._data):
            np.copyto(t._data, v, casting="unsafe")
        t._version += 1
    return load


class StateDictMixin:
    """state_dict / load_state_dict over _parameters, _buffers and _modules."""

    def _local_state(self):
        """(name, tensor) of own parameters, then own persistent buffers."""
        skip = self.__dict__.get("_non_persistent_buffers_set", ())
        for name, p in self._parameters.items():
            if p is not None:
                yield name, p
        for name, b in self._buffers.items():
            if b is not None and name not in skip:
                yield name, b

    def _optional_state_keys(self, version) -> tuple:
        """Own state names a checkpoint of the given state version may lack. PyTorch's
        BatchNorm (state version 2) added num_batches_tracked: a checkpoint without version
        metadata (ours carry none) or older than 2 that lacks it still loads, the counter
        being left as is."""
        if "num_batches_tracked" in self._buffers and (version is None or version < 2):
            return ("num_batches_tracked",)
        return ()

    # ----------------------------------------------------------------- extra state
    def get_extra_state(self):
        """Override (with set_extra_state) to save state that is not a tensor: its value is
        saved under '<prefix>_extra_state'."""
        raise RuntimeError("Reached a code path in Module.get_extra_state() that should never "
                           "be called: override get_extra_state in the module's class")

    def set_extra_state(self, state):
        """Override (with get_extra_state): gets the value get_extra_state saved."""
        raise RuntimeError("Reached a code path in Module.set_extra_state() that should never "
                           "be called: override set_extra_state in the module's class")

    def _has_extra_state(self, method: str) -> bool:
        return getattr(type(self), method) is not getattr(StateDictMixin, method)

    # ----------------------------------------------------------------- saving
    def _save_to_state_dict(self, destination, prefix: str, keep_vars: bool):
        """Put this module's own entries (not its children's) into destination."""
        for name, t in self._local_state():
            destination[prefix + name] = t if keep_vars else t.detach()
        if self._has_extra_state("get_extra_state"):
            destination[prefix + _EXTRA_STATE] = self.get_extra_state()

    def state_dict(self, *args, destination=None, prefix: str = "", keep_vars: bool = False):
        """Parameters and persistent buffers by dotted name, module by module (own
        parameters, own buffers, then children), as detached Tensors sharing the model's
        memory, as PyTorch's: training changes them, so deep-copy (or clone) a snapshot (the
        Tensors themselves with keep_vars=True), added to `destination` (a new OrderedDict by
        default), which is returned. A tensor shared by two modules appears under both
        names."""
        if args:  # PyTorch's deprecated positional order
            warnings.warn("state_dict: positional arguments are deprecated, as in PyTorch; "
                          "use destination=, prefix=, keep_vars=", FutureWarning, stacklevel=2)
            destination = args[0] if destination is None else destination
            prefix = args[1] if len(args) > 1 and prefix == "" else prefix
            keep_vars = args[2] if len(args) > 2 and keep_vars is False else keep_vars
        if destination is None:
            destination = OrderedDict()
        for (hook,) in _registered(self, "_state_dict_pre_hooks"):
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(destination=destination, prefix=prefix + name + ".",
                             keep_vars=keep_vars)
        for hook, may_replace in _registered(self, "_state_dict_hooks"):
            result = hook(self, destination, prefix, {})
            if result is not None:
                if not may_replace:
                    raise RuntimeError("state_dict post hook must return None (use "
                                       "_register_state_dict_hook to replace the dict)")
                destination = result
        return destination

    # ----------------------------------------------------------------- loading
    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        """Check this module's own entries of state_dict (keys prefix + name) and queue their
        loads; add to missing_keys, unexpected_keys and error_msgs (lists shared by the
        whole load_state_dict call). Overridable, as PyTorch's."""
        for (hook,) in _registered(self, "_load_state_dict_pre_hooks"):
            hook(self, state_dict, prefix, local_metadata, strict, missing_keys,
                 unexpected_keys, error_msgs)
        if hasattr(self, "_materialize_from"):   # a lazy module takes the checkpoint's shapes
            self._materialize_from(state_dict, prefix)
        local = dict(self._local_state())
        optional = self._optional_state_keys(local_metadata.get("version"))
        assign = local_metadata.get("assign_to_params_buffers", False)
        for name, t in local.items():
            key = prefix + name
            if key not in state_dict:
                if strict and name not in optional:
                    missing_keys.append(key)
                continue
            v = _as_array(state_dict[key])
            if v.shape != t.data.shape:
                error_msgs.append(f"{key!r}: shape {tuple(v.shape)} in the state_dict, "
                                  f"{tuple(t.data.shape)} in the model")
            elif v.dtype.kind not in "biufc":
                error_msgs.append(f"{key!r}: dtype {v.dtype} in the state_dict is not numeric")
            else:
                _load_later(_copy_into(t, v, assign))
        extra = prefix + _EXTRA_STATE
        if self._has_extra_state("set_extra_state"):
            if extra in state_dict:
                value = state_dict[extra]
                _load_later(lambda: self.set_extra_state(value))
            elif strict:
                missing_keys.append(extra)
        elif strict and extra in state_dict:
            unexpected_keys.append(extra)
        if strict:   # a key under a child module's name is that child's to check
            for key in state_dict:
                if key.startswith(prefix) and key != extra:
                    head, dot, _ = key[len(prefix):].partition(".")
                    if (head not in self._modules) if dot else (head not in local):
                        unexpected_keys.append(key)

    def load_state_dict(self, state_dict, strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy arrays into parameters and buffers in place, converting the dtype as
        Tensor.copy_ does (assign=True: each parameter and buffer takes the state_dict's
        array itself, its memory and dtype, as torch's assign); every mismatch is listed in
        one error, and nothing is loaded then. Returns (missing_keys, unexpected_keys), a
        namedtuple."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict for {type(self).__name__}: expected a mapping "
                            f"(a state_dict), got {type(state_dict).__name__}")
        metadata = getattr(state_dict, "_metadata", None)  # a torch state_dict's versions
        state_dict = OrderedDict(state_dict)   # the modules' overrides and hooks may edit it
        missing, unexpected, errors, pending = [], [], [], []

        def load(module, local, prefix):
            meta = dict(metadata.get(prefix[:-1], {})) if metadata is not None else {}
            if assign:
                meta["assign_to_params_buffers"] = True
            module._load_from_state_dict(local, prefix, meta, True, missing, unexpected,
                                         errors)
            for name, child in module._modules.items():
                if child is not None:
                    head = prefix + name + "."
                    load(child, {k: v for k, v in local.items() if k.startswith(head)}, head)
            for (hook,) in _registered(module, "_load_state_dict_post_hooks"):
                if hook(module, _IncompatibleKeys(missing, unexpected)) is not None:
                    raise RuntimeError("load_state_dict post hook must return None (it may "
                                       "edit missing_keys and unexpected_keys in place)")

        _loading.append(pending)
        try:
            load(self, state_dict, "")
        finally:
            _loading.pop()
        problems = []
        if strict:
            problems += [f"missing key {k!r}" for k in missing]
            problems += [f"unexpected key {k!r}" for k in unexpected]
        problems += errors
        if problems:
            raise RuntimeError(f"load_state_dict for {type(self).__name__}: "
                               + "; ".join(problems))
        for action in pending:
            action()
        return _IncompatibleKeys(missing, unexpected)

    # ----------------------------------------------------------------- hooks
    def register_state_dict_pre_hook(self, hook) -> RemovableHandle:
        """hook(module, prefix, keep_vars), before the module saves its entries."""
        return _add(_hooks(self, "_state_dict_pre_hooks"), (hook,), False)

    def register_state_dict_post_hook(self, hook) -> RemovableHandle:
        """hook(module, state_dict, prefix, local_metadata) -> None, after the module and its
        children saved theirs; it may edit state_dict in place."""
        return _add(_hooks(self, "_state_dict_hooks"), (hook, False), False)

    def _register_state_dict_hook(self, hook) -> RemovableHandle:
        """As register_state_dict_post_hook, but a returned dict replaces the state_dict."""
        return _add(_hooks(self, "_state_dict_hooks"), (hook, True), False)

    def register_load_state_dict_pre_hook(self, hook) -> RemovableHandle:
        """hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs), before the module checks its entries; it may edit
        state_dict (this module's part of it) in place."""
        return _add(_hooks(self, "_load_state_dict_pre_hooks"), (hook,), False)

    def _register_load_state_dict_pre_hook(self, hook, with_module: bool = False):
        """PyTorch's older form: hook(state_dict, prefix, ...) without the module, unless
        with_module."""
        if not callable(hook) or with_module:
            return self.register_load_state_dict_pre_hook(hook)
        return self.register_load_state_dict_pre_hook(lambda module, *args: hook(*args))

    def register_load_state_dict_post_hook(self, hook) -> RemovableHandle:
        """hook(module, incompatible_keys) -> None, after the module and its children were
        checked (before anything is loaded); it may edit incompatible_keys.missing_keys and
        .unexpected_keys in place (clearing them lets a strict load pass)."""
        return _add(_hooks(self, "_load_state_dict_post_hooks"), (hook,), False)
