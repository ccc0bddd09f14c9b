"""Parameter: the Tensor subclass a Module registers as trainable."""
from __future__ import annotations

import numpy as np

from autograd import Tensor
from autograd.dtypes import _supported
from autograd.tensor import _to_array


class Parameter(Tensor):
    """A Tensor that a Module registers as trainable; requires grad by default.

    Parameter(t) shares t's memory, as PyTorch: p.data[0] = 5 changes t too (an ndarray is
    shared the same way). An array a live graph saved for backward stays locked and
    versioned through the shared memory (autograd/saved.py), so an optimizer step into p
    before that backward makes the backward raise instead of using the new values.
    Integer or bool data is accepted with requires_grad=False only.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            arr = np.zeros((0,), np.float32)
        elif isinstance(data, Tensor):
            arr = data._data
        elif isinstance(data, np.ndarray):
            arr = _supported(data, "Parameter")
        else:
            arr = _to_array(data)  # a Python list or scalar: a new array anyway
        # Tensor.__init__ would copy the array: fill the slots by hand to share it
        self._data, self.grad, self._node, self._version, self._base = arr, None, None, 0, None
        self._requires_grad = False
        if requires_grad and arr.dtype.kind != "f":
            raise TypeError(f"Parameter: needs floating-point data, got dtype {arr.dtype} "
                            f"(integer or bool data only with requires_grad=False)")
        self.requires_grad = bool(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        """A Parameter of the same class over a copy of the memory, without .grad, as torch's:
        a copied model (a target network, a fine-tuning copy) starts with no gradient, where
        a plain Tensor's deepcopy keeps its .grad."""
        result = memo.get(id(self))
        if result is None:
            result = object.__new__(type(self))
            result._data, result._grad, result._node = self._data.copy(), None, None
            result._version, result._base = 0, None
            result._requires_grad = self._requires_grad
            memo[id(self)] = result
        return result



class Buffer(Tensor):
    """torch's nn.Buffer: a Tensor that, assigned as a module attribute, is registered as a
    buffer (persistent: in state_dict). It shares data's memory, as torch's (a detached
    view)."""

    __slots__ = ("persistent",)

    def __init__(self, data=None, *, persistent=True):
        arr = (np.empty((0,), np.float32) if data is None else
               data._data if isinstance(data, Tensor) else _to_array(data))
        self._data, self._grad, self._node, self._version, self._base = arr, None, None, 0, None
        self._requires_grad = False
        self.requires_grad = bool(isinstance(data, Tensor) and data.requires_grad)
        self.persistent = persistent


def __getattr__(name):
    """torch.nn.parameter's lazy names, from nn/lazy.py (loaded on first use: it builds on
    the layers, which import this module)."""
    if name in ("UninitializedParameter", "UninitializedBuffer", "is_lazy"):
        from . import lazy
        return getattr(lazy, name)
    raise AttributeError(f"module 'nn.parameter' has no attribute {name!r}")
