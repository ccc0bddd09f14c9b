"""Module, with PyTorch's registration, traversal and mode rules. Parameter lives in
parameter.py, state_dict in module_state.py, hooks in module_hooks.py and the containers
in containers.py and parameter_containers.py; all are importable from here too."""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from autograd import Tensor
from autograd.dtypes import _supported

from .device import check_device, parse_to
from .module_hooks import HooksMixin, RemovableHandle  # noqa: F401  (nn.module.RemovableHandle)
from .module_state import StateDictMixin, _IncompatibleKeys  # noqa: F401
from .parameter import Buffer, Parameter


def _check_name(module, kind: str, name) -> None:
    """PyTorch's rules for the name of a parameter, buffer or submodule."""
    where = f"{type(module).__name__}: {kind} name"
    if not isinstance(name, str):
        raise TypeError(f"{where} should be a string. Got {type(name).__name__}")
    if "." in name:
        raise KeyError(f'{where} can\'t contain ".", got: {name}')
    if name == "":
        raise KeyError(f'{where} can\'t be empty string ""')


class Module(HooksMixin, StateDictMixin):
    """Base class of every layer and model: subclasses set attributes and define forward.

    Calling a module runs its forward pre-hooks, forward, then its forward hooks
    (register_forward_pre_hook / register_forward_hook, in nn/module_hooks.py).
    """

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_modules", OrderedDict())

    def _get_name(self) -> str:
        return type(self).__name__

    # ----------------------------------------------------------------- registration
    def _forget(self, name, *stores):
        for store in stores:
            if isinstance(store, set):
                store.discard(name)
            else:
                store.pop(name, None)

    def __setattr__(self, name, value):
        """As PyTorch: a Parameter or Module is registered (taking the name from whatever
        held it); a registered name keeps its slot and place when set to None; a registered
        parameter or submodule name takes only its own kind, a buffer name only a Tensor."""
        d = self.__dict__
        params = d.get("_parameters")
        cls = type(self).__name__
        if isinstance(value, (Parameter, Module)) and params is None:
            raise AttributeError(f"{cls}: call super().__init__() before assigning "
                                 f"parameters or submodules")
        if isinstance(value, Parameter):
            self._forget(name, d, self._buffers, self._modules, self._non_persistent_set())
            self.register_parameter(name, value)
        elif isinstance(value, Buffer) and params is not None:   # torch's nn.Buffer
            self._forget(name, d, params, self._modules)
            self._buffers.pop(name, None)
            self.register_buffer(name, value, value.persistent)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"{cls}: cannot assign a {type(value).__name__} as parameter "
                                f"{name!r} (nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            self._forget(name, d, params, self._buffers, self._non_persistent_set())
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"{cls}: cannot assign a {type(value).__name__} as child "
                                f"module {name!r} (nn.Module or None expected)")
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"{cls}: cannot assign a {type(value).__name__} as buffer "
                                f"{name!r} (Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _non_persistent_set(self) -> set:
        return self.__dict__.setdefault("_non_persistent_buffers_set", set())

    def __getattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_set().discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def _check_free(self, kind: str, name: str, store) -> None:
        if hasattr(self, name) and name not in store:
            raise KeyError(f"{type(self).__name__}: cannot register {kind} {name!r}: "
                           f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param) -> None:
        """Register an nn.Parameter (or None, which keeps the slot) under `name`."""
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"register_parameter")
        _check_name(self, "parameter", name)
        self._check_free("parameter", name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"{type(self).__name__}: cannot assign '{type(param).__name__}' "
                            f"object to parameter {name!r} (nn.Parameter or None required)")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """A non-trainable tensor saved in state_dict (e.g. BatchNorm's running mean);
        persistent=False leaves it out of state_dict."""
        if "_buffers" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"register_buffer")
        _check_name(self, "buffer", name)
        self._check_free("buffer", name, self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: buffer {name!r} must be a Tensor or None, got "
                            f"{type(tensor).__name__}")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_set().discard(name)
        else:
            self._non_persistent_set().add(name)

    def add_module(self, name: str, module) -> None:
        """Register `module` (or None, which keeps the slot) as the child `name`."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.add_module: {type(module).__name__} is "
                            f"not a Module subclass (child {name!r})")
        _check_name(self, "module", name)
        self._check_free("module", name, self._modules)
        self._modules[name] = module

    register_module = add_module

    # ----------------------------------------------------------------- lookup by path
    def get_submodule(self, target: str) -> "Module":
        """The submodule at a dotted path ("" is self): model.get_submodule("enc.0")."""
        mod = self
        for item in target.split(".") if target else ():
            if not hasattr(mod, item):
                raise AttributeError(f"{mod._get_name()} has no attribute `{item}`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return mod

    def set_submodule(self, target: str, module: "Module", strict: bool = False) -> None:
        """Put module at a dotted path: replace the submodule there, or (strict=False) add it
        to the existing parent, as torch's."""
        if not target:
            raise ValueError("set_submodule: cannot set the submodule without a target name")
        if not isinstance(module, Module):
            raise ValueError(f"set_submodule: `module` is not an nn.Module, found "
                             f"{type(module).__name__}")
        path, _, name = target.rpartition(".")
        parent = self.get_submodule(path)
        if strict and not hasattr(parent, name):
            raise AttributeError(f"{parent._get_name()} has no attribute `{name}`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError(f"`{name}` is not an nn.Module")
        setattr(parent, name, module)

    def share_memory(self) -> "Module":
        """Returns self: there is one process and its memory is already shared."""
        return self

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at a dotted path: model.get_parameter("enc.0.weight")."""
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        if not hasattr(mod, name):
            raise AttributeError(f"{mod._get_name()} has no attribute `{name}`")
        param = getattr(mod, name)
        if not isinstance(param, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return param

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at a dotted path: model.get_buffer("bn.running_mean")."""
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        if not hasattr(mod, name):
            raise AttributeError(f"{mod._get_name()} has no attribute `{name}`")
        if name not in mod._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return getattr(mod, name)

    # ----------------------------------------------------------------- calling
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    # ----------------------------------------------------------------- traversal
    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        """(dotted name, module) of self and every submodule, depth first; a module
        reachable twice is yielded once unless remove_duplicate=False."""
        memo = set() if memo is None else memo
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                           remove_duplicate)

    def modules(self, remove_duplicate: bool = True):
        for _, m in self.named_modules(remove_duplicate=remove_duplicate):
            yield m

    def named_children(self):
        """(name, child) of the direct submodules; a child registered twice comes once."""
        seen = set()
        for name, m in self._modules.items():
            if m is not None and m not in seen:
                seen.add(m)
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, store: str, prefix: str, recurse: bool, remove_duplicate: bool):
        seen = set()  # ids: a Tensor's == is elementwise
        mods = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                if recurse else [(prefix, self)])
        for mod_prefix, m in mods:
            for name, t in getattr(m, store).items():
                if t is None or id(t) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(t))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), t

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True):
        """(dotted name, parameter); a parameter shared by several modules comes once,
        under its first name, unless remove_duplicate=False."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True):
        """(dotted name, buffer), persistent or not; a shared tensor comes once."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ----------------------------------------------------------------- modes
    def train(self, mode: bool = True):
        """Set training mode here, then call train(mode) on each child (so an override of
        train in a submodule runs); returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"{type(self).__name__}.train: training mode is expected to be "
                             f"boolean, got {type(mode).__name__}")
        self.training = mode
        for m in self.children():
            m.train(mode)
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
            elif p.grad is not None and p.grad.grad_fn is not None:
                # a grad made with a graph (create_graph): fresh zeros, out of that graph
                p.grad = Tensor._wrap(np.zeros_like(p.grad._data), False)
            elif p.grad is not None:
                p.grad.data[...] = 0

    def apply(self, fn):
        """Call fn on every child's subtree, then on self (as PyTorch, e.g. for custom
        init); a child registered twice is visited once."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def to(self, *args, **kwargs):
        """to(device), to(dtype), to(device, dtype), to(tensor): casts every floating-point
        parameter (and its grad) and buffer to dtype, in place; returns self (integer and
        bool ones keep their dtype, as torch's). The device must be the CPU ("cpu", or an
        object whose type is "cpu")."""
        _, dtype = parse_to(f"{type(self).__name__}.to", args, kwargs)
        if dtype is None:
            return self
        if dtype.kind not in "fc":
            raise TypeError(f"{type(self).__name__}.to: only accepts floating point dtypes, "
                            f"but got desired dtype={dtype}")
        _supported(np.empty(0, dtype), f"{type(self).__name__}.to")
        for m in self.modules():
            for p in m._parameters.values():
                if p is not None and p._data.dtype.kind == "f":
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

    def half(self):
        """Refused with a TypeError: the kernels compute in float32 or float64 only."""
        raise TypeError(f"{type(self).__name__}.half: dtype float16 is not supported "
                        f"(floating point must be float32 or float64)")

    def bfloat16(self):
        """Refused with a TypeError: the kernels compute in float32 or float64 only."""
        raise TypeError(f"{type(self).__name__}.bfloat16: dtype bfloat16 is not supported "
                        f"(floating point must be float32 or float64)")

    def type(self, dst_type):
        """Casts every parameter and buffer, integer ones included (as torch's), to dst_type:
        a dtype or a name such as 'torch.DoubleTensor'."""
        return self._apply(lambda t: t.type(dst_type))

    def _apply(self, fn, recurse: bool = True):
        """fn(tensor) -> tensor on every parameter (and its grad) and buffer, children first:
        a parameter keeps its identity and takes the result's values, a buffer is replaced."""
        if recurse:
            for m in self.children():
                m._apply(fn)
        for p in self._parameters.values():
            if p is not None:
                p.data = fn(p.detach())
                if p.grad is not None:
                    p.grad.data = fn(p.grad.detach())
        for name, b in self._buffers.items():
            if b is not None:
                self._buffers[name] = fn(b)
        return self

    def to_empty(self, *, device, recurse: bool = True):
        """Parameters and buffers with the same shapes and dtypes but unset values (the
        CPU is the only device), as torch's after building a module on the meta device."""
        check_device(f"{type(self).__name__}.to_empty", device)
        return self._apply(lambda t: Tensor._wrap(np.empty_like(t._data), False), recurse)

    # ----------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + repr(m).replace("\n", "\n  ")
                       for name, m in self._modules.items()]
        head = f"{self._get_name()}("
        if len(extra_lines) == 1 and not child_lines:
            return head + extra_lines[0] + ")"
        if not extra_lines and not child_lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(extra_lines + child_lines) + "\n)"

    def __dir__(self):
        return (list(super().__dir__()) + list(self._parameters) + list(self._modules)
                + list(self._buffers))


# the containers subclass Module: imported last, so that nn.module.Sequential keeps working
from .containers import ModuleDict, ModuleList, Sequential  # noqa: E402,F401
from .parameter_containers import ParameterDict, ParameterList  # noqa: E402,F401
