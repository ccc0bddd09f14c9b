"""Lazy parameters and modules, as torch.nn's: a LazyLinear / LazyConv / LazyBatchNorm holds
UninitializedParameters until its first call, which reads the input's shape, materializes
them in place (the same objects, so an optimizer made before the dry run still holds them),
initializes them as the plain module's constructor would, and turns the module into that
plain module (`cls_to_become`).

    model = nn.Sequential(nn.LazyLinear(64), nn.ReLU(), nn.LazyLinear(10))
    model(autograd.zeros(1, 784))        # the dry run: Linear(784, 64), Linear(64, 10)
    opt = optim.SGD(model.parameters(), lr=0.1)

The layers themselves are in lazy_layers.py.
"""
from __future__ import annotations

import itertools

import numpy as np

from autograd import Tensor, no_grad

from .linear import _dtype
from .parameter import Parameter

_NOT_INITIALIZED = ("Call `forward` with a dummy batch to initialize the parameters before "
                    "using them")

# what may be read from an uninitialized tensor: its bookkeeping (what Module.to, the
# optimizers, state_dict and load_state_dict touch) and the dtype/device conversions torch
# allows; any other public attribute is an op on data that does not exist yet
_ALLOWED = frozenset({
    "data", "dtype", "device", "requires_grad", "grad", "grad_fn", "is_leaf", "retains_grad",
    "materialize", "cls_to_become", "detach", "size", "copy_", "is_floating_point",
    "is_complex", "half", "float", "double", "to", "cpu", "cuda", "is_cuda", "is_cpu",
    "get_device"})


def _use_error(tensor, name: str) -> ValueError:
    return ValueError(f"Attempted to use an uninitialized parameter in {name!r}. This error "
                      f"happens when you are using a `LazyModule` or explicitly manipulating "
                      f"`{type(tensor).__name__}` objects. " + _NOT_INITIALIZED)


class UninitializedTensorMixin:
    """What UninitializedParameter and UninitializedBuffer share: no shape, no ops, and
    materialize(shape), which gives the tensor its memory and its final class."""

    __slots__ = ()
    cls_to_become: type = Tensor

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Allocate (uninitialized) memory of `shape` in the tensor's dtype (or `dtype`) and
        become a cls_to_become, in place: every holder of this object sees the change."""
        dt = self._data.dtype if dtype is None else np.dtype(dtype)
        self.data = np.empty(tuple(int(n) for n in shape), dt)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. "
                           "This error usually happens in `load_state_dict` when trying to load "
                           "an uninitialized parameter into an initialized one. "
                           + _NOT_INITIALIZED)

    def __getattribute__(self, name):
        if name.startswith("_") or name in _ALLOWED or name == "shape":
            return object.__getattribute__(self, name)   # shape: its property raises
        raise _use_error(self, name)

    def detach(self):
        # state_dict shows the placeholder itself, as torch's (there is no data to detach)
        return self

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def _refuse(name: str):
    def op(self, *args, **kwargs):
        raise _use_error(self, name)
    op.__name__ = name
    return op


# operators reach the class, not __getattribute__: refuse them one by one (== and hash stay,
# so `p in some_list` and dict keys keep working)
for _name in ("add", "radd", "iadd", "sub", "rsub", "isub", "mul", "rmul", "imul", "truediv",
              "rtruediv", "itruediv", "floordiv", "rfloordiv", "mod", "rmod", "pow", "rpow",
              "matmul", "rmatmul", "neg", "pos", "abs", "lt", "le", "gt", "ge", "getitem",
              "setitem", "len", "iter", "float", "int", "bool", "index"):
    setattr(UninitializedTensorMixin, f"__{_name}__", _refuse(f"__{_name}__"))


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter whose shape is not known yet (of a lazy module); materialize(shape) makes
    it a Parameter of that shape in place. dtype= sets the dtype it will have."""

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device=None, dtype=None):
        super().__init__(np.empty((0,), _dtype(dtype)), requires_grad)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet; materialize(shape) makes it a Tensor."""

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, device=None, dtype=None,
                 persistent: bool = True):
        super().__init__(np.empty((0,), _dtype(dtype)), requires_grad=requires_grad)


def is_lazy(param) -> bool:
    """Whether param is an UninitializedParameter or UninitializedBuffer."""
    return isinstance(param, UninitializedTensorMixin)


class LazyModuleMixin:
    """Listed before a Module class in the bases: the first call runs initialize_parameters(*args, **kwargs)
    (a forward pre-hook registered here), then, once every parameter and buffer is
    materialized, the module's class becomes cls_to_become (if set) and the hook is gone."""

    cls_to_become: type | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters,
                                                               with_kwargs=True)

    def initialize_parameters(self, *args, **kwargs) -> None:
        """Materialize and initialize the parameters from the first input's shape."""
        raise NotImplementedError(f"initialize_parameters is not implemented for "
                                  f"{type(self).__name__}")

    def has_uninitialized_params(self) -> bool:
        """Whether any own parameter or buffer is still uninitialized."""
        return any(is_lazy(t) for t in itertools.chain(self._parameters.values(),
                                                       self._buffers.values()))

    def _infer_parameters(self, module, args, kwargs=None):
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        del module._initialize_hook
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def _materialize_from(self, state_dict, prefix: str) -> None:
        """Materialize each uninitialized parameter or buffer that state_dict holds an
        initialized value for (with that value's shape), so that an initialized module's
        state loads into a lazy one, itself or as a child (Module.load_state_dict calls this
        first); it still turns into the plain module at its first call."""
        with no_grad():
            for name, t in itertools.chain(self._parameters.items(), self._buffers.items()):
                value = state_dict.get(prefix + name)
                shape = np.shape(value.data if isinstance(value, Tensor) else value)
                # an empty value is a placeholder that lost its class (e.g. through .numpy()):
                # it leaves the parameter lazy rather than making it a size-0 one
                if is_lazy(t) and value is not None and not is_lazy(value) and np.prod(shape):
                    t.materialize(shape)


def _input_shape(input) -> tuple:
    """The shape of a lazy module's first input (a Tensor, or anything numpy can read)."""
    return tuple(input.shape) if isinstance(input, Tensor) else np.shape(input)


__all__ = ["UninitializedParameter", "UninitializedBuffer", "UninitializedTensorMixin",
           "LazyModuleMixin", "is_lazy"]
