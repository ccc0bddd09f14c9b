"""Sequential, ModuleList and ModuleDict, with PyTorch's indexing, renumbering and
registration rules (ParameterList and ParameterDict are in parameter_containers.py).

    seq = Sequential(Linear(2, 8), ReLU()).append(Linear(8, 1))
    del seq[1]                      # keys are renumbered: '0', '1'
    heads = ModuleDict([("cls", Linear(8, 3)), ("box", Linear(8, 4))])
"""
from __future__ import annotations

import operator
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from itertools import chain

from .module import Module


def _index(container, idx) -> int:
    """idx as a position in [0, len), or IndexError naming the container."""
    n = len(container)
    idx = operator.index(idx)
    if not -n <= idx < n:
        raise IndexError(f"{type(container).__name__}: index {idx} is out of range for "
                         f"{n} entries")
    return idx % n


def _renumber(module: Module, values) -> None:
    """Replace module's children by `values` under keys '0', '1', ... (in place, so the
    OrderedDict object stays the same)."""
    values = list(values)
    module._modules.clear()
    module._modules.update((str(i), m) for i, m in enumerate(values))


def _check_module(owner, module) -> None:
    if not isinstance(module, Module):
        raise TypeError(f"{type(owner).__name__}: {type(module).__name__} is not a Module "
                        f"subclass")


def _check_factor(owner, n) -> None:
    if not isinstance(n, int):
        raise TypeError(f"unsupported operand type(s) for *: {type(owner).__name__} and "
                        f"{type(n).__name__}")
    if n <= 0:
        raise ValueError(f"{type(owner).__name__}: non-positive multiplication factor {n}")


class Container(Module):
    """torch's deprecated nn.Container: a Module whose keyword arguments are its submodules
    (warns with torch's FutureWarning; subclass Module instead)."""

    def __init__(self, **kwargs):
        warnings.warn("`nn.Container` is deprecated. All of its functionality is now "
                      "implemented in `nn.Module`. Subclass that instead.", FutureWarning,
                      stacklevel=2)
        super().__init__()
        for key, value in kwargs.items():
            self.add_module(key, value)


class Sequential(Module):
    """Modules applied in order: Sequential(Linear(2, 8), ReLU(), Linear(8, 1)), or named
    with Sequential(OrderedDict(fc=..., act=...)) (a plain dict is refused, as PyTorch)."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for idx, module in enumerate(args):
                self.add_module(str(idx), module)

    def forward(self, input):
        for m in self._modules.values():
            input = m(input)
        return input

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_index(self, idx)]

    def __setitem__(self, idx, module):
        setattr(self, list(self._modules)[_index(self, idx)], module)

    def __delitem__(self, idx):
        keys = list(self._modules)
        for key in (keys[idx] if isinstance(idx, slice) else [keys[_index(self, idx)]]):
            delattr(self, key)
        _renumber(self, self._modules.values())  # as PyTorch, even if the keys were names

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __dir__(self):
        return [k for k in super().__dir__() if not k.isdigit()]

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def insert(self, index: int, module):
        """Insert before position index (-len <= index <= len); keys become '0', '1', ..."""
        _check_module(self, module)
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range for {n} "
                             f"modules")
        values = list(self._modules.values())
        values.insert(index if index >= 0 else index + n, module)
        _renumber(self, values)
        return self

    def extend(self, sequential):
        for layer in sequential:
            self.append(layer)
        return self

    def pop(self, key):
        v = self[key]
        del self[key]
        return v

    def _check_other(self, other):
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but "
                             f"{type(other)} is given.")

    def __add__(self, other):
        self._check_other(other)
        return Sequential().extend(self).extend(other)

    def __iadd__(self, other):
        self._check_other(other)
        offset = len(self)
        for i, module in enumerate(list(other)):
            self.add_module(str(i + offset), module)
        return self

    def __mul__(self, other):
        _check_factor(self, other)
        combined = Sequential()
        for i, module in enumerate(list(self) * other):
            combined.add_module(str(i), module)
        return combined

    __rmul__ = __mul__

    def __imul__(self, other):
        _check_factor(self, other)
        offset, originals = len(self), list(self)
        for i, module in enumerate(originals * (other - 1)):
            self.add_module(str(i + offset), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered, under '0', '1', ..."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[str(_index(self, idx))]

    def __setitem__(self, idx, module):
        setattr(self, str(_index(self, idx)), module)

    def __delitem__(self, idx):
        if isinstance(idx, slice):
            for k in range(len(self))[idx]:
                delattr(self, str(k))
        else:
            delattr(self, str(_index(self, idx)))
        _renumber(self, self._modules.values())

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        combined = ModuleList()
        for i, module in enumerate(chain(self, other)):
            combined.add_module(str(i), module)
        return combined

    def __dir__(self):
        return [k for k in super().__dir__() if not k.isdigit()]

    def insert(self, index: int, module) -> None:
        """Insert before position index, as list.insert (a negative index counts from the
        end, one past either end clamps)."""
        _check_module(self, module)
        values = list(self._modules.values())
        values.insert(index, module)
        _renumber(self, values)

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def pop(self, key):
        v = self[key]
        del self[key]
        return v

    def extend(self, modules):
        if not isinstance(modules, Iterable):
            raise TypeError(f"ModuleList.extend should be called with an iterable, but got "
                            f"{type(modules).__name__}")
        offset = len(self)
        for i, module in enumerate(modules):
            self.add_module(str(offset + i), module)
        return self

    def __repr__(self):
        """Runs of identical submodules are shown once: (0-2): 3 x Linear(...)."""
        reprs = [repr(m) for m in self._modules.values()]
        if not reprs:
            return f"{type(self).__name__}()"
        blocks = []  # [start, end, repr]
        for i, r in enumerate(reprs):
            if blocks and blocks[-1][2] == r:
                blocks[-1][1] = i
            else:
                blocks.append([i, i, r])
        lines = [(f"({a}): {r}" if a == b else f"({a}-{b}): {b - a + 1} x {r}")
                 .replace("\n", "\n  ") for a, b, r in blocks]
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


def _pairs(owner, items):
    """(key, value) pairs of a mapping (or a ModuleDict / ParameterDict) or of an iterable
    of pairs, checked as PyTorch."""
    name = type(owner).__name__
    if not isinstance(items, Iterable):
        raise TypeError(f"{name}.update should be called with an iterable of key/value "
                        f"pairs, but got {type(items).__name__}")
    if isinstance(items, Mapping) or (isinstance(items, Module) and hasattr(items, "items")):
        return list(items.items())
    pairs = []
    for j, p in enumerate(items):
        if not isinstance(p, Iterable):
            raise TypeError(f"{name} update sequence element #{j} should be Iterable; is "
                            f"{type(p).__name__}")
        p = tuple(p)
        if len(p) != 2:
            raise ValueError(f"{name} update sequence element #{j} has length {len(p)}; 2 "
                             f"is required")
        pairs.append(p)
    return pairs


class ModuleDict(Module):
    """A dict of modules whose parameters are registered; built from a mapping or from
    (name, module) pairs, in their order."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __contains__(self, key):
        return key in self._modules

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def clear(self) -> None:
        self._modules.clear()

    def pop(self, key):
        v = self[key]
        del self[key]
        return v

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def update(self, modules) -> None:
        for key, module in _pairs(self, modules):
            self[key] = module
