"""Pickle any object as torch.save does, without importing torch.

A Tensor is written as torch writes its own: the call
`torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
OrderedDict())` whose storage is a persistent id ('storage', torch.FloatStorage, key, 'cpu',
numel) naming a `data/<key>` record of raw bytes; a Parameter wraps that in
`torch._utils._rebuild_parameter(tensor, requires_grad, OrderedDict())`. Those are the
functions torch.load(weights_only=True) allows, so a file of Tensors, dicts, lists, tuples,
numbers and strings loads in torch. A numeric numpy array held by a dict, list, tuple or set
is written as a tensor too (an array a user put in a checkpoint's dict): torch refuses numpy's
names under weights_only=True.
Inside any other object (a pickled Module or optimizer) arrays stay arrays, so that object
loads back exactly. Everything else is pickled by Python's own rules.

The torch names are written as bare GLOBAL opcodes by a stand-in object (_Global): Python's
pickler would import a function's module to check its name, which would need torch. That is
why this uses the pure-Python pickler (pickle._Pickler), whose dispatch table can be extended;
the pickle holds no array data, so its speed does not matter.
"""
from __future__ import annotations

import io
import pickle
from collections import OrderedDict

import numpy as np

from .compat import Size
from .data_view import DataView
from .device import device
from .tensor import Tensor
from .torch_format import storage_class, torch_dtype_name

# objects whose items are checkpoint data rather than another object's internal state
_CONTAINERS = (dict, list, tuple, set, frozenset)


class _Global:
    """Pickled as the GLOBAL opcode `module name`; never called."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle's save_reduce insists that the function is callable
        raise TypeError(f"{self.module}.{self.name} is a name written into a pickle only")


_INTERNED: dict = {}


def torch_global(module: str, name: str) -> _Global:
    """One stand-in per name, so that the pickle memo writes each GLOBAL once."""
    key = (module, name)
    if key not in _INTERNED:
        _INTERNED[key] = _Global(module, name)
    return _INTERNED[key]


_REBUILD_V2 = torch_global("torch._utils", "_rebuild_tensor_v2")
_TORCH_SIZE = torch_global("torch", "Size")
_TORCH_DEVICE = torch_global("torch", "device")
_REBUILD_V3 = torch_global("torch._utils", "_rebuild_tensor_v3")   # dtypes without a storage class
_REBUILD_PARAMETER = torch_global("torch._utils", "_rebuild_parameter")
_REBUILD_FROM_TYPE = torch_global("torch._tensor", "_rebuild_from_type_v2")


class _Storage:
    """One torch storage: a contiguous native-order array whose memory tensors view."""

    __slots__ = ("key", "array", "dtype_name")

    def __init__(self, key: str, array: np.ndarray, dtype_name: str):
        self.key, self.array, self.dtype_name = key, array, dtype_name

    def persistent_id(self) -> tuple:
        cls = storage_class(self.dtype_name)
        if cls is None:   # torch 2.3+: an untyped storage, counted in bytes
            return ("storage", torch_global("torch.storage", "UntypedStorage"), self.key, "cpu",
                    self.array.nbytes)
        return ("storage", torch_global("torch", cls), self.key, "cpu", self.array.size)


def _root(arr: np.ndarray) -> np.ndarray:
    """The ndarray at the end of arr's chain of bases: views of one root share a storage."""
    while isinstance(arr.base, np.ndarray):
        arr = arr.base
    return arr


def _contiguous_strides(shape) -> tuple:
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def _layout_in(arr: np.ndarray, root: np.ndarray):
    """(storage_offset, stride) of arr inside root's memory, in elements, or None when torch
    cannot describe it so: another dtype, a stride that is negative or not a whole element,
    or a root whose memory is not one block."""
    if root.dtype != arr.dtype or not arr.dtype.isnative:
        return None
    if not (root.flags.c_contiguous or root.flags.f_contiguous):
        return None
    dense = _contiguous_strides(arr.shape)
    if arr.size == 0:   # touches no element: any storage will do
        return 0, dense
    item = arr.itemsize
    start = arr.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    if start < 0 or start % item:
        return None
    strides, last = [], start
    for n, s, d in zip(arr.shape, arr.strides, dense):
        if n == 1:   # any stride describes a dimension of one; use the dense one
            strides.append(d)
            continue
        if s < 0 or s % item:
            return None
        strides.append(s // item)
        last += (n - 1) * s
    if last + item > root.nbytes:
        return None
    return start // item, tuple(strides)


class _StoragePlan:
    """Gives each saved array a storage, sharing one among the views of a root array, as
    torch saves one storage for a tensor and its slices."""

    def __init__(self):
        self.storages: list[_Storage] = []
        self._by_root: dict = {}   # (id(root), dtype) -> _Storage; the root stays referenced

    def place(self, arr: np.ndarray):
        """(storage, offset, stride) for arr."""
        name = torch_dtype_name(arr.dtype)
        if name is None or arr.dtype.kind == "c":
            raise TypeError(f"save: cannot write a tensor of dtype {arr.dtype} in torch's "
                            f"format")
        root = _root(arr)
        layout = _layout_in(arr, root)
        if layout is None:   # a copy of its own, as torch would hold it
            root = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("="))
            layout = _layout_in(root, root)
        key = (id(root), root.dtype)
        storage = self._by_root.get(key)
        if storage is None:
            storage = _Storage(str(len(self.storages)), root, name)
            self._by_root[key] = storage
            self.storages.append(storage)
        return (storage,) + layout


def _tensor_like(arr: np.ndarray) -> bool:
    """An array of a dtype the engine computes in (float16 ones stay numpy's)."""
    return arr.dtype.kind in "biu" or arr.dtype in (np.float32, np.float64)


def _parameter_class():
    """nn.Parameter; nn sits above autograd, so it is imported when first needed."""
    from nn.parameter import Parameter
    return Parameter


class TorchPickler(pickle._Pickler):
    """Protocol 2, as torch.save: torch.load(weights_only=True) reads no newer opcodes."""

    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file):
        super().__init__(file, protocol=2)
        self.plan = _StoragePlan()
        self._inside = 0   # how many non-container objects enclose what is being pickled

    def persistent_id(self, obj):
        return obj.persistent_id() if type(obj) is _Storage else None

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        if type(obj) in (np.ndarray, DataView) and not self._inside and _tensor_like(obj):
            return self._rebuild_args(np.asarray(obj), False)
        if type(obj) is Size:   # as torch pickles them: names its weights_only load accepts
            return _TORCH_SIZE, (tuple(obj),)
        if type(obj) is device:
            return _TORCH_DEVICE, ((obj.type,) if obj.index is None else (obj.type, obj.index))
        return NotImplemented

    def save_reduce(self, func, args, state=None, listitems=None, dictitems=None,
                    state_setter=None, *, obj=None):
        """Count the objects (not containers) whose state is being pickled."""
        inside = obj is not None and not isinstance(obj, _CONTAINERS)
        self._inside += inside
        try:
            super().save_reduce(func, args, state, listitems, dictitems, state_setter, obj=obj)
        finally:
            self._inside -= inside

    def _rebuild_args(self, arr: np.ndarray, requires_grad: bool):
        storage, offset, stride = self.plan.place(arr)
        args = (storage, offset, tuple(arr.shape), stride, requires_grad, OrderedDict())
        if storage_class(storage.dtype_name) is None:
            return _REBUILD_V3, args + (torch_global("torch", storage.dtype_name),)
        return _REBUILD_V2, args

    def _reduce_tensor(self, t: Tensor):
        if type(t) is Tensor:
            return self._rebuild_args(t._data, bool(t.requires_grad))
        if type(t) is _parameter_class():
            # the inner tensor is a fresh object: the Parameter itself is what the memo shares
            return _REBUILD_PARAMETER, (Tensor._wrap(t._data, False), bool(t.requires_grad),
                                        OrderedDict())
        func, args = self._rebuild_args(t._data, bool(t.requires_grad))
        return _REBUILD_FROM_TYPE, (func, type(t), args, None)

    def _save_global_name(self, obj: _Global):
        self.write(pickle.GLOBAL + obj.module.encode() + b"\n" + obj.name.encode() + b"\n")
        self.memoize(obj)

    dispatch[_Global] = _save_global_name


def dumps(obj) -> tuple[bytes, list]:
    """obj pickled as torch.save pickles it, and the [(key, array)] storages it refers to."""
    buf = io.BytesIO()
    pickler = TorchPickler(buf)
    pickler.dump(obj)
    return buf.getvalue(), [(s.key, s.array) for s in pickler.plan.storages]
