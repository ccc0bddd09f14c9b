"""Module, Parameter and the containers, with PyTorch's registration and state_dict rules."""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

import autograd
from autograd import Tensor

from .device import check_device, parse_to
from .module_hooks import HooksMixin, RemovableHandle  # noqa: F401  (nn.module.RemovableHandle)


class Parameter(Tensor):
    """A Tensor that a Module registers as trainable; requires grad by default."""

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = np.zeros((0,), np.float32)
        super().__init__(data.data if isinstance(data, Tensor) else data)
        if self.data.dtype.kind != "f":
            raise TypeError(f"Parameter: needs floating-point data, got dtype {self.data.dtype}")
        self.requires_grad = requires_grad

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class Module(HooksMixin):
    """Base class of every layer and model: subclasses set attributes and define forward.

    Calling a module runs its forward pre-hooks, forward, then its forward hooks
    (register_forward_pre_hook / register_forward_hook, in nn/module_hooks.py).
    """

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # ----------------------------------------------------------------- registration
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"assigning attributes")
        if name in self._buffers and not isinstance(value, (Parameter, Module)):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"{type(self).__name__}: cannot assign a {type(value).__name__} "
                                f"as buffer {name!r} (Tensor or None expected)")
            self._buffers[name] = value
            return
        if name in self._parameters and value is not None and not isinstance(value, Parameter):
            raise TypeError(f"{type(self).__name__}: cannot assign a {type(value).__name__} as "
                            f"parameter {name!r} (nn.Parameter or None expected)")
        target = (self._parameters if isinstance(value, Parameter)
                  else self._modules if isinstance(value, Module) else None)
        for store in (self._parameters, self._buffers, self._modules):
            if store is not target:
                store.pop(name, None)
        if target is None:
            object.__setattr__(self, name, value)
            return
        target[name] = value  # a replaced entry keeps its place in the order, as in PyTorch
        self.__dict__.pop(name, None)

    def __getattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param):
        if param is None:
            self._parameters[name] = None
        else:
            setattr(self, name, param)

    def register_buffer(self, name: str, tensor, persistent: bool = True):
        """A non-trainable tensor saved in state_dict (e.g. BatchNorm's running mean)."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: buffer {name!r} must be a Tensor or None, got "
                            f"{type(tensor).__name__}")
        self.__dict__.pop(name, None)
        self._buffers[name] = tensor
        if not persistent:
            self.__dict__.setdefault("_non_persistent", set()).add(name)

    def add_module(self, name: str, module):
        if module is None:
            self._modules[name] = None
        else:
            setattr(self, name, module)

    # ----------------------------------------------------------------- calling
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    # ----------------------------------------------------------------- traversal
    def named_modules(self, prefix: str = "", memo=None):
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(f"{prefix}.{name}" if prefix else name, memo)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def named_parameters(self, prefix: str = "", recurse: bool = True):
        seen = set()
        mods = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mod_prefix, m in mods:
            for name, p in m._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), p

    def parameters(self, recurse: bool = True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = ""):
        for mod_prefix, m in self.named_modules(prefix):
            for name, b in m._buffers.items():
                if b is not None:
                    yield (f"{mod_prefix}.{name}" if mod_prefix else name), b

    def buffers(self):
        for _, b in self.named_buffers():
            yield b

    # ----------------------------------------------------------------- modes
    def train(self, mode: bool = True):
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True):
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none: bool = True):
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.data[...] = 0

    def apply(self, fn):
        """Call fn on every submodule, then on self (as PyTorch, e.g. for custom init)."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def to(self, *args, **kwargs):
        """to(device), to(dtype), to(device, dtype), to(tensor): casts every parameter (and
        its grad) and floating-point buffer to dtype, in place; returns self. The device
        must be the CPU ("cpu", or an object whose type is "cpu")."""
        _, dtype = parse_to(f"{type(self).__name__}.to", args, kwargs)
        if dtype is None:
            return self
        if dtype.kind not in "fc":
            raise TypeError(f"{type(self).__name__}.to: only accepts floating point dtypes, "
                            f"but got desired dtype={dtype}")
        for m in self.modules():
            for p in m._parameters.values():
                if p is not None:
                    p.data = p.data.astype(dtype)
                    if p.grad is not None:
                        p.grad.data = p.grad.data.astype(dtype)
            for b in m._buffers.values():
                if b is not None and b.data.dtype.kind == "f":
                    b.data = b.data.astype(dtype)
        return self

    def cpu(self):
        """Every parameter already lives on the CPU: returns self."""
        return self

    def cuda(self, device=None):
        """There is no accelerator: always raises RuntimeError."""
        check_device(f"{type(self).__name__}.cuda", "cuda")

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    # ----------------------------------------------------------------- state
    def _named_state(self, prefix: str = ""):
        """(name, tensor) of every parameter and persistent buffer, module by module as
        PyTorch orders a state_dict (own parameters, own buffers, then children). A tensor
        shared by two modules appears under both names, as in PyTorch."""
        skip = self.__dict__.get("_non_persistent", set())
        for name, p in self._parameters.items():
            if p is not None:
                yield prefix + name, p
        for name, b in self._buffers.items():
            if b is not None and name not in skip:
                yield prefix + name, b
        for name, m in self._modules.items():
            if m is not None:
                yield from m._named_state(prefix + name + ".")

    def state_dict(self, prefix: str = "",
                   keep_vars: bool = False) -> "OrderedDict[str, np.ndarray]":
        """Parameters and persistent buffers by dotted name, as ndarray copies (the Tensors
        themselves with keep_vars=True)."""
        return OrderedDict((name, t if keep_vars else np.array(t.data, copy=True))
                           for name, t in self._named_state(prefix))

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy arrays into parameters and buffers; every mismatch is listed in one error."""
        own = OrderedDict(self._named_state())
        problems = []
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict:
            problems += [f"missing key {k!r}" for k in missing]
            problems += [f"unexpected key {k!r}" for k in unexpected]
        for k, t in own.items():
            if k not in state_dict:
                continue
            v = state_dict[k]
            v = v.data if isinstance(v, Tensor) else np.asarray(v)
            if v.shape != t.data.shape:
                problems.append(f"{k!r}: shape {tuple(v.shape)} in the state_dict, "
                                f"{tuple(t.data.shape)} in the model")
            elif v.dtype.kind != t.data.dtype.kind:
                problems.append(f"{k!r}: dtype {v.dtype} in the state_dict, {t.data.dtype} in "
                                f"the model")
        if problems:
            raise RuntimeError(f"load_state_dict for {type(self).__name__}: "
                               + "; ".join(problems))
        for k, t in own.items():
            if k in state_dict:
                v = state_dict[k]
                v = v.data if isinstance(v, Tensor) else np.asarray(v)
                # in place, as PyTorch: views of the array and optimizer references stay valid
                with autograd.saved.writable(t.data):
                    np.copyto(t.data, v, casting="unsafe")
                t._version += 1
        return missing, unexpected

    # ----------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + repr(m).replace("\n", "\n  ")
                       for name, m in self._modules.items()]
        head = f"{type(self).__name__}("
        if len(extra_lines) == 1 and not child_lines:
            return head + extra_lines[0] + ")"
        if not extra_lines and not child_lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(extra_lines + child_lines) + "\n)"

    def __dir__(self):
        return (list(super().__dir__()) + list(self._parameters) + list(self._modules)
                + list(self._buffers))


class Sequential(Module):
    """Modules applied in order: Sequential(Linear(2, 8), ReLU(), Linear(8, 1))."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (dict, OrderedDict)):
            for name, m in modules[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, i):
        if isinstance(i, slice):
            return Sequential(OrderedDict(list(self._modules.items())[i]))
        return list(self._modules.values())[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self._modules)), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered."""

    def __init__(self, modules=()):
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module):
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def __getitem__(self, i):
        mods = list(self._modules.values())
        return ModuleList(mods[i]) if isinstance(i, slice) else mods[i]

    def __setitem__(self, i, module):
        key = list(self._modules)[i]
        self.add_module(key, module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __repr__(self):
        """Runs of identical submodules are shown once: (0-2): 3 x Linear(...)."""
        reprs = [repr(m) for m in self._modules.values()]
        if not reprs:
            return "ModuleList()"
        blocks = []  # [start, end, repr]
        for i, r in enumerate(reprs):
            if blocks and blocks[-1][2] == r:
                blocks[-1][1] = i
            else:
                blocks.append([i, i, r])
        lines = [(f"({a}): {r}" if a == b else f"({a}-{b}): {b - a + 1} x {r}")
                 .replace("\n", "\n  ") for a, b, r in blocks]
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules whose parameters are registered."""

    def __init__(self, modules=None):
        super().__init__()
        for name, m in (modules or {}).items():
            self.add_module(name, m)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __contains__(self, key):
        return key in self._modules

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()
