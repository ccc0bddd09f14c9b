"""state_dict and load_state_dict of a Module, with PyTorch's key order and loading rules.

    sd = model.state_dict()            # OrderedDict name -> Tensor (detached, shares memory)
    best = copy.deepcopy(model.state_dict())   # a snapshot, as in PyTorch
    missing, unexpected = other.load_state_dict(sd, strict=False)
"""
from __future__ import annotations

import warnings
from collections import OrderedDict, namedtuple

import numpy as np

from autograd import Tensor, saved


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


class StateDictMixin:
    """state_dict / load_state_dict over _parameters, _buffers and _modules."""

    def _state_modules(self, prefix: str = ""):
        """(key prefix, module) in state_dict order: self, then each child's subtree. A
        module registered twice is listed under both names, as in PyTorch."""
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m._state_modules(prefix + name + ".")

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

    def _named_state(self, prefix: str = ""):
        for mod_prefix, m in self._state_modules(prefix):
            for name, t in m._local_state():
                yield mod_prefix + name, t

    def state_dict(self, *args, destination=None, prefix: str = "", keep_vars: bool = False):
        """Parameters and persistent buffers by dotted name, module by module (own
        parameters, own buffers, then children), as detached Tensors sharing the model's
        memory, as PyTorch's: training changes them, so deep-copy (or clone) a snapshot (the
        Tensors themselves with keep_vars=True), added to `destination` (a new OrderedDict by default), which
        is returned. A tensor shared by two modules appears under both names."""
        if args:  # PyTorch's deprecated positional order
            warnings.warn("state_dict: positional arguments are deprecated, as in PyTorch; "
                          "use destination=, prefix=, keep_vars=", FutureWarning, stacklevel=2)
            destination = args[0] if destination is None else destination
            prefix = args[1] if len(args) > 1 and prefix == "" else prefix
            keep_vars = args[2] if len(args) > 2 and keep_vars is False else keep_vars
        if destination is None:
            destination = OrderedDict()
        for name, t in self._named_state(prefix):
            destination[name] = t if keep_vars else t.detach()
        return destination

    def load_state_dict(self, state_dict, strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy arrays into parameters and buffers in place, converting the dtype as
        Tensor.copy_ does (assign=True: each parameter and buffer takes the state_dict's
        array itself, its memory and dtype, as torch's assign); every mismatch is listed in
        one error, and nothing is loaded then. Returns (missing_keys, unexpected_keys), a
        namedtuple."""
        metadata = getattr(state_dict, "_metadata", None)  # a torch state_dict's versions
        own, optional = OrderedDict(), set()
        for mod_prefix, m in self._state_modules():
            version = (metadata.get(mod_prefix[:-1], {}).get("version")
                       if metadata is not None else None)
            if hasattr(m, "_materialize_from"):   # a lazy module takes the checkpoint's shapes
                m._materialize_from(state_dict, mod_prefix)
            for name, t in m._local_state():
                own[mod_prefix + name] = t
            optional.update(mod_prefix + name for name in m._optional_state_keys(version))
        missing = [k for k in own if k not in state_dict and k not in optional]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        if strict:
            problems += [f"missing key {k!r}" for k in missing]
            problems += [f"unexpected key {k!r}" for k in unexpected]
        loads = []
        for k, t in own.items():
            if k not in state_dict:
                continue
            v = _as_array(state_dict[k])
            if v.shape != t.data.shape:
                problems.append(f"{k!r}: shape {tuple(v.shape)} in the state_dict, "
                                f"{tuple(t.data.shape)} in the model")
            elif v.dtype.kind not in "biufc":
                problems.append(f"{k!r}: dtype {v.dtype} in the state_dict is not numeric")
            else:
                loads.append((t, v))
        if problems:
            raise RuntimeError(f"load_state_dict for {type(self).__name__}: "
                               + "; ".join(problems))
        for t, v in loads:
            if assign:
                t.data = v if v.dtype.kind == "f" or t.dtype.kind != "f" else v.astype(t.dtype)
                continue
            # in place, as PyTorch: views of the array and optimizer references stay valid
            with saved.writable(t._data):
                np.copyto(t._data, v, casting="unsafe")
            t._version += 1
        return _IncompatibleKeys(missing, unexpected)
