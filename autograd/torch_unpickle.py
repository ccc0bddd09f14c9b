"""Read the pickle of a torch.save archive into this engine's objects, without importing torch.

torch's names in the pickle are looked up in a table of stand-ins: `_rebuild_tensor_v2`
and its kin make a Tensor viewing the storage's array, `_rebuild_parameter` an nn.Parameter,
`torch.float32` the engine's dtype, `torch.Size` the engine's Size (a tuple). Any other
torch name (a pickled torch.nn module, an optimizer object) is refused by name, since only
torch could build it.

weights_only=True allows, besides that table, only containers, a few harmless builtins and
numpy's array and scalar constructors; BUILD (which sets attributes) only on OrderedDicts,
Counters and numpy arrays and dtypes. This is the pure-Python unpickler (pickle._Unpickler)
because the C one lets a subclass restrict globals but not BUILD.
"""
from __future__ import annotations

import _codecs
import _compat_pickle
import io
import pickle
import pickletools
import sys
import warnings
from collections import Counter, OrderedDict

import numpy as np

from . import dtypes
from .tensor import Tensor
from .torch_format import (STORAGE_CLASSES, TORCH_DTYPE_NAMES, WIDENED, CheckpointError,
                           engine_dtype, is_torchscript, numpy_dtype, read_byteorder,
                           torch_dtype_name)


class _StorageType:
    """What `torch.FloatStorage` (or `torch.storage.UntypedStorage`: dtype None) loads as."""

    def __init__(self, dtype_name):
        self.dtype_name = dtype_name


class _StorageRecord:
    """One data/<key> record, typed on first use and once per dtype, so that every tensor
    viewing it shares one array as torch's share one storage."""

    def __init__(self, key: str, raw: bytearray, dtype_name, swap: bool, widened: set):
        self.key, self.raw, self.dtype_name = key, raw, dtype_name
        self._swap, self._widened, self._arrays = swap, widened, {}

    def array(self, dtype_name=None) -> np.ndarray:
        """The storage as a 1-d array of dtype_name (the record's own type by default)."""
        name = dtype_name or self.dtype_name
        if name not in self._arrays:
            self._arrays[name] = self._decode(name)
        return self._arrays[name]

    def _decode(self, name) -> np.ndarray:
        if name is None:
            return np.frombuffer(self.raw, np.uint8)
        if name == "bfloat16":   # the top half of a float32: widen by shifting the bits up
            bits = self._typed(np.dtype(np.uint16))
            arr = (bits.astype(np.uint32) << 16).view(np.float32)
        else:
            dt = numpy_dtype(name)
            if dt is None or dt.kind == "c":
                raise CheckpointError(f"holds a {name} tensor (storage {self.key!r}); this "
                                      f"engine has no {name} dtype")
            arr = self._typed(dt)
        if name in WIDENED:
            self._widened.add(name)
            arr = arr.astype(WIDENED[name])
        return arr

    def _typed(self, dt: np.dtype) -> np.ndarray:
        if len(self.raw) % dt.itemsize:
            raise CheckpointError(f"storage {self.key!r} holds {len(self.raw)} bytes, not a "
                                  f"whole number of {dt} elements")
        arr = np.frombuffer(self.raw, dt)
        return arr.byteswap() if self._swap else arr


# ------------------------------------------------------------------ rebuilding tensors
def _check_layout(n: int, offset, size, stride) -> None:
    """Refuse a layout that would reach outside the storage: the view is made without copying,
    so a bad one would read foreign memory."""
    if not (isinstance(size, (tuple, list)) and isinstance(stride, (tuple, list))
            and len(size) == len(stride)
            and all(type(v) is int and v >= 0 for v in (offset, *size, *stride))):
        raise CheckpointError(f"has a tensor with a malformed layout: offset {offset!r}, "
                              f"size {size!r}, stride {stride!r}")
    last = offset + sum((s - 1) * st for s, st in zip(size, stride))
    if all(size) and last >= n:
        raise CheckpointError(f"has a tensor of size {size}, stride {stride} at offset "
                              f"{offset} that runs past its storage of {n} elements")


def _overlaps(size, stride) -> bool:
    """Whether two indices may share an element (an expand()ed tensor has stride 0)."""
    reach = 0
    for st, n in sorted((st, n) for n, st in zip(size, stride) if n > 1):
        if st <= reach:
            return True
        reach += (n - 1) * st
    return False


def _view(storage: np.ndarray, offset, size, stride) -> np.ndarray:
    """The tensor's elements: a view of the storage, so tensors saved sharing a storage
    still share memory; a copy when its own elements overlap, so writes stay independent."""
    _check_layout(storage.size, offset, size, stride)
    size, stride = tuple(size), tuple(stride)
    if not all(size):
        return np.zeros(size, storage.dtype)
    item = storage.itemsize
    arr = np.ndarray(size, storage.dtype, buffer=storage, offset=offset * item,
                     strides=tuple(s * item for s in stride))
    return arr.copy() if _overlaps(size, stride) else arr


def _tensor(arr: np.ndarray, requires_grad) -> Tensor:
    t = Tensor._wrap(arr, False)
    if requires_grad:
        t.requires_grad = True   # the setter refuses an integer tensor that requires grad
    return t


def _storage_of(storage, dtype_name=None) -> np.ndarray:
    if not isinstance(storage, _StorageRecord):
        raise CheckpointError(f"has a tensor whose storage is a {type(storage).__name__}")
    return storage.array(dtype_name)


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _tensor(_view(_storage_of(storage), storage_offset, size, stride), False)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    return _tensor(_view(_storage_of(storage), storage_offset, size, stride), requires_grad)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    name = torch_dtype_name(dtype) or str(dtype)
    return _tensor(_view(_storage_of(storage, name), storage_offset, size, stride),
                   requires_grad)


def _parameter_class():
    """nn.Parameter; nn sits above autograd, so it is imported when first needed."""
    from nn.parameter import Parameter
    return Parameter


def _drop_state(state, what: str) -> None:
    if state:
        names = sorted(state) if isinstance(state, dict) else state
        warnings.warn(f"load: dropped the Python attributes {names} of a saved {what}: this "
                      f"engine's tensors carry no attributes", stacklevel=4)


def _rebuild_parameter(data, requires_grad, backward_hooks):
    return _parameter_class()(data, bool(requires_grad))


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    _drop_state(state, "Parameter")
    return _rebuild_parameter(data, requires_grad, backward_hooks)


def _rebuild_from_type_v2(func, new_type, args, state):
    """A tensor saved with Python attributes or as a subclass: the tensor, then its type."""
    t = func(*args)
    if isinstance(new_type, type) and issubclass(new_type, Tensor) and type(t) is not new_type:
        t = (_parameter_class()(t, t.requires_grad) if new_type is _parameter_class() else
             new_type._wrap(t._data, t.requires_grad))
    _drop_state(state, "tensor")
    return t


def _from_cpu_tensor(data, dtype, device, requires_grad):
    return _tensor(data._data, requires_grad)


def _refused(what: str):
    def rebuild(*args):
        raise CheckpointError(f"holds {what}, which this engine does not support")
    return rebuild


def _torch_device(kind, index=None):
    """A CPU device, or for another one its name, which the engine refuses where it is used."""
    from .device import device
    name = kind if index is None else f"{kind}:{index}"
    return device(name) if str(kind).startswith("cpu") else name


def _size(dims=()):
    """torch.Size as the engine's Size (a tuple that also answers numel())."""
    from .compat import Size
    return Size(dims)


def _torch_names() -> dict:
    names = {
        "torch._utils._rebuild_tensor": _rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch._utils._rebuild_device_tensor_from_cpu_tensor": _from_cpu_tensor,
        "torch._utils._rebuild_sparse_tensor": _refused("a sparse tensor"),
        "torch._utils._rebuild_qtensor": _refused("a quantized tensor"),
        "torch._utils._rebuild_nested_tensor": _refused("a nested tensor"),
        "torch._utils._rebuild_meta_tensor_no_storage": _refused("a meta tensor"),
        "torch._utils._rebuild_wrapper_subclass": _refused("a tensor subclass"),
        "torch._utils._rebuild_device_tensor_from_numpy": _refused("a numpy-backed device tensor"),
        "torch.serialization._get_layout": str,
        "torch.Size": _size, "torch.device": _torch_device,
        "torch.Tensor": Tensor, "torch._tensor.Tensor": Tensor,
        "torch.storage.UntypedStorage": _StorageType(None),
        "torch.storage.TypedStorage": _StorageType(None),
    }
    names.update({f"torch.{cls}": _StorageType(dt) for cls, dt in STORAGE_CLASSES.items()})
    names.update({f"torch.{dt}": engine_dtype(dt) for dt in TORCH_DTYPE_NAMES})
    return names


_TORCH = _torch_names()
_LAZY_TORCH = {"torch.nn.parameter.Parameter": _parameter_class}
_SAFE = {"collections.OrderedDict": OrderedDict, "collections.Counter": Counter,
         "builtins.set": set, "builtins.frozenset": frozenset, "builtins.complex": complex,
         "builtins.bytearray": bytearray, "builtins.slice": slice, "_codecs.encode": _codecs.encode}
# numpy's array, scalar and dtype constructors (numpy 2 moved numpy.core to numpy._core): they
# build arrays of data only, and this engine's checkpoints hold numpy arrays beside tensors
_NUMPY_SAFE = frozenset({"numpy.ndarray", "numpy.dtype", "numpy.core.multiarray._reconstruct",
                         "numpy.core.multiarray.scalar", "numpy._core.multiarray._reconstruct",
                         "numpy._core.multiarray.scalar"})


# ------------------------------------------------------------------ the unpickler
def _qualified(module: str, name: str) -> str:
    """The Python 3 dotted name of a global, which protocol 2 may spell the Python 2 way
    (`__builtin__ set`)."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    return f"{module}.{name}"


def _is_torch(full: str) -> bool:
    return full.startswith("torch.")


def _torch_object_error(full: str) -> CheckpointError:
    if full.startswith("torch.nn.") or full.startswith("torch.optim."):
        kind = "model" if full.startswith("torch.nn.") else "optimizer"
        return CheckpointError(
            f"holds a whole pickled torch {kind} ({full}), as torch.save({kind}) writes: its "
            f"classes are torch's and cannot be rebuilt without torch. Save its state instead, "
            f"torch.save({kind}.state_dict(), f), and load that into this engine's {kind} "
            f"with load_state_dict")
    return CheckpointError(f"holds the torch object {full}, which this engine cannot rebuild")


class TorchUnpickler(pickle._Unpickler):
    """Unpickles data.pkl; persistent ids name storage records, read through `records`."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file, records, weights_only: bool):
        super().__init__(file, encoding="utf-8")
        self.records, self.weights_only = records, weights_only

    def find_class(self, module, name):
        full = _qualified(module, name)
        if full in _TORCH:
            return _TORCH[full]
        if full in _LAZY_TORCH:
            return _LAZY_TORCH[full]()
        if _is_torch(full):
            raise _torch_object_error(full)
        if full in _SAFE:
            return _SAFE[full]
        if full in _NUMPY_SAFE or not self.weights_only:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"weights_only=True refuses the global {full}: unpickling it could run code. A "
            f"checkpoint of tensors, numbers, strings and containers needs no other names; "
            f"if the file holds a whole pickled model, save its state_dict() instead. If you "
            f"trust the file, load it with weights_only=False")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and isinstance(pid[2], str)
                and type(pid[4]) is int):
            raise CheckpointError(f"has an unknown persistent id {str(pid)[:80]}")
        return self.records(pid[2], pid[1].dtype_name, pid[4])

    def _load_build_checked(self):
        inst = self.stack[-2]   # under the state that BUILD pops
        if self.weights_only and not (type(inst) in (OrderedDict, Counter)
                                      or isinstance(inst, (np.ndarray, np.dtype, dtypes.dtype))):
            raise pickle.UnpicklingError(
                f"weights_only=True refuses to set the state of a {type(inst).__name__}; if "
                f"you trust the file, load it with weights_only=False")
        pickle._Unpickler.load_build(self)

    dispatch[pickle.BUILD[0]] = _load_build_checked


def refuse_torch_objects(data: bytes) -> None:
    """Name a pickled torch module or optimizer before building anything from the file."""
    try:
        for op, arg, _ in pickletools.genops(data):
            if op.name == "GLOBAL":
                full = _qualified(*arg.split(" ", 1))
                if _is_torch(full) and full not in _TORCH and full not in _LAZY_TORCH:
                    raise _torch_object_error(full)
    except (ValueError, EOFError) as e:
        raise CheckpointError(f"has a damaged data.pkl: {e}") from None


_CHUNK = 1 << 24


def _itemsize(dtype_name) -> int:
    """Bytes per element of a storage: an untyped one counts bytes."""
    if dtype_name is None:
        return 1
    return 2 if dtype_name == "bfloat16" else numpy_dtype(dtype_name).itemsize


class StorageRecords:
    """Reads data/<key> records once each and checks their size against the pickle's."""

    def __init__(self, zf, prefix: str, byteorder: str):
        self.zf, self.prefix, self.swap = zf, prefix, byteorder != sys.byteorder
        self.widened: set = set()
        self._read: dict = {}

    def __call__(self, key: str, dtype_name, numel: int) -> _StorageRecord:
        if key in self._read:
            record = self._read[key]
            if record.dtype_name != dtype_name:
                raise CheckpointError(f"uses storage {key!r} as both {record.dtype_name} and "
                                      f"{dtype_name}")
            return record
        name = f"{self.prefix}/data/{key}"
        raw = self._read_record(name)
        itemsize = _itemsize(dtype_name)
        if len(raw) != numel * itemsize:
            raise CheckpointError(f"has a record {name!r} of {len(raw)} bytes; its pickle "
                                  f"says {numel} elements of {itemsize} bytes")
        record = self._read[key] = _StorageRecord(key, raw, dtype_name, self.swap, self.widened)
        return record

    def _read_record(self, name: str) -> bytearray:
        """The record's bytes in one writable buffer, read in chunks so that a large storage
        is never held twice; reading to the end makes zipfile check its CRC."""
        try:
            info = self.zf.getinfo(name)
        except KeyError:
            raise CheckpointError(f"lacks the record {name!r} its pickle refers to") from None
        buf = bytearray(info.file_size)
        view, pos = memoryview(buf), 0
        with self.zf.open(info) as f:
            while pos < len(buf):
                n = f.readinto(view[pos:pos + _CHUNK])
                if not n:
                    raise EOFError(f"record {name!r} ends after {pos} of {len(buf)} bytes")
                pos += n
            f.read(1)
        return buf


def load_archive(zf, prefix: str, weights_only: bool):
    """The object a torch.save zip holds; a float16 or bfloat16 storage met on the way is
    widened to float32 with a warning."""
    names = zf.namelist()
    if is_torchscript(names, prefix):
        raise CheckpointError("is a TorchScript archive (torch.jit.save), which holds compiled "
                              "torch code this engine cannot run; save the model's "
                              "state_dict() with torch.save instead")
    records = StorageRecords(zf, prefix, read_byteorder(zf, prefix))
    data = zf.read(f"{prefix}/data.pkl")
    refuse_torch_objects(data)
    obj = TorchUnpickler(io.BytesIO(data), records, weights_only).load()
    if records.widened:
        warnings.warn(f"load: {' and '.join(sorted(records.widened))} tensors were converted "
                      f"to float32: this engine computes in float32 and float64 only",
                      stacklevel=4)
    return obj
