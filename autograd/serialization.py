"""autograd.save / autograd.load: PyTorch's checkpoint format, and the engine's own .npz one.

`save` writes what torch.save writes (a zip of a pickle and raw storages, see torch_format),
so torch.load reads it, or, for a path ending in .npz or with format="npz", numpy's .npz
archive of earlier versions. Either way a path is written atomically: a temporary file in the
target's directory is flushed, fsynced and renamed over the target with os.replace, so a crash
or an error never leaves a half-written file at `path`.

`load` tells the formats apart by their content. A torch checkpoint is unpickled with torch's
names mapped to this engine's objects and, by default (weights_only=True), no other code
reachable; an .npz archive is never unpickled (allow_pickle=False). A truncated or corrupt
file is one clear error.
"""
from __future__ import annotations

import io
import json
import os
import pickle
import struct
import tempfile
import zipfile
from collections import Counter, OrderedDict

import numpy as np

from . import torch_format, torch_pickle
from .tensor import Tensor
from .torch_format import CheckpointError
from .torch_unpickle import load_archive


def _arrays(state_dict) -> "OrderedDict[str, np.ndarray]":
    if not hasattr(state_dict, "items"):
        raise TypeError(f"save: expected a mapping of names to arrays (a state_dict), got "
                        f"{type(state_dict).__name__}; for a model, pass model.state_dict()")
    out = OrderedDict()
    for key, value in state_dict.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"save: keys must be non-empty strings, got {key!r}")
        arr = value.data if isinstance(value, Tensor) else np.asarray(value)
        if arr.dtype.hasobject or arr.dtype.kind not in "fiub":
            raise TypeError(f"save: {key!r} has dtype {arr.dtype}; only numeric and bool arrays "
                            f"can be saved")
        out[key] = arr
    return out


def save(obj, f, format=None) -> None:  # noqa: A002  (torch.save's argument names)
    """Write obj to f (a path or a binary file object) as torch.save does.

    obj: anything picklable. Tensors, Parameters, dicts (a state_dict's OrderedDict too),
    lists, tuples, sets, numbers, strings and None are written as torch writes them, so
    torch.load(f) reads the file with its default weights_only=True. Numeric numpy arrays in
    those containers are written as tensors (the engine's optimizer state holds arrays where
    torch's holds tensors) and load back as Tensors. Tensors viewing one array share one
    storage, as in torch (a slice saves its whole base; clone() it to save only the slice).
    A whole nn.Module or optimizer of this engine is pickled with its classes:
    load(f, weights_only=False) rebuilds it; torch.load refuses it under weights_only=True,
    as it refuses any class it does not know, and cannot build it otherwise.

    format: "torch" or "npz"; by default "npz" for a path ending in .npz (the engine's earlier
    format: a state_dict or nested checkpoint of arrays that np.load also reads), else "torch".
    """
    if format is None:
        is_npz = not hasattr(f, "write") and os.fspath(f).lower().endswith(".npz")
        format = "npz" if is_npz else "torch"  # noqa: A001
    if format == "npz":
        _save_npz(obj, f)
        return
    if format != "torch":
        raise ValueError(f"save: format must be 'torch' or 'npz', got {format!r}")
    pickled, storages = torch_pickle.dumps(obj)   # before any file is touched
    name = torch_format.archive_name(f)
    _write(f, lambda out: torch_format.write_archive(out, name, pickled, storages))


def _write(f, write) -> None:
    if hasattr(f, "write"):   # a file object (open(..., "wb"), io.BytesIO), as torch.save
        write(f)
        return
    _write_atomically(os.fspath(f), write)


def _save_npz(obj, path) -> None:
    """The .npz format: obj a mapping with non-empty string keys. A flat mapping of Tensors
    that need no grad or ndarrays (a state_dict) is written as one .npy entry per key, which
    np.load reads too. Anything else, e.g. {"epoch": 4, "model_state_dict":
    model.state_dict(), "optimizer_state_dict": opt.state_dict(), "loss": 0.3}, has its
    arrays and Tensors written as .npy entries and its structure (dicts, lists, tuples,
    numbers, strings, bools, None) as a JSON entry; load rebuilds the same objects.
    """
    if not hasattr(obj, "items"):
        raise TypeError(f"save: expected a mapping of names to values (a state_dict or a "
                        f"checkpoint dict), got {type(obj).__name__}; for a model, pass "
                        f"model.state_dict()")
    for key in obj:
        if not isinstance(key, str) or not key:
            raise TypeError(f"save: keys must be non-empty strings, got {key!r}")
    if all(isinstance(v, np.ndarray) or isinstance(v, Tensor) and not v.requires_grad
           for v in obj.values()):   # a state_dict: one plain .npy entry per name
        entries = [(key + ".npy", arr) for key, arr in _arrays(obj).items()]
        structure = None
    else:
        encoder = _Encoder()
        root = encoder.encode(obj, ())
        entries = encoder.entries
        structure = json.dumps({"format": _FORMAT, "version": _VERSION, "root": root},
                               allow_nan=True).encode()
    _write(path, lambda f: _write_zip(f, entries, structure))


def _write_zip(f, entries, structure) -> None:
    # the archive is written entry by entry (as np.savez does) so that any key is allowed
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        if structure is not None:
            zf.writestr(_STRUCTURE, structure)
        for name, arr in entries:
            with zf.open(name, mode="w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, arr, allow_pickle=False)


def _write_atomically(path: str, write) -> None:
    """Call write(file) on a temporary file beside path, then rename it over path."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)


def _file_mode(path: str) -> int:
    """Keep an existing target's permissions; a new file gets 0o666 minus the umask, like open()."""
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable; some platforms cannot open a directory, which is fine."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load(f, map_location=None, weights_only=None):
    """Read a file written by torch.save or by save: the same objects torch.load returns,
    with this engine's Tensors (nn.Parameters for parameters) in place of torch's; for an
    .npz archive the saved checkpoint, or for a flat state_dict an OrderedDict of
    name -> Tensor in the saved order.

    weights_only (None means True, as in torch >= 2.6): a torch checkpoint may then hold only
    tensors, containers, numbers, strings, dtypes and numpy arrays; any other global is
    refused before it is looked up. weights_only=False unpickles anything, e.g. a whole
    model of this engine saved with save(model, f): only for files you trust. A pickled
    torch module (torch.save(model)) is refused either way: save its state_dict. float16 and
    bfloat16 tensors load as float32, with a warning. Everything loads to the CPU;
    map_location is accepted as in torch, but naming another device is an error.
    """
    if map_location is not None:
        from .device import as_device
        if not callable(map_location) and not isinstance(map_location, dict):
            as_device(map_location, "load")   # "cpu" (a clear error for "cuda")
    if hasattr(f, "read"):   # a file object, as torch.load: read from where it stands
        source, path = io.BytesIO(f.read()), getattr(f, "name", "<file object>")
        head = source.getvalue()[:512]
    else:
        source = path = os.fspath(f)
        with open(path, "rb") as fh:
            head = fh.read(512)
    if head[:4] not in _ZIP_MAGIC:
        legacy = torch_format.legacy_kind(head)
        if legacy:
            raise RuntimeError(f"load: {path!r} is a PyTorch checkpoint in {legacy}; this "
                               f"engine reads the zip format torch.save writes since 1.6: "
                               f"re-save it with a recent torch, torch.save(torch.load(f), f2)")
        raise RuntimeError(f"load: {path!r} is not an .npz archive written by autograd.save "
                           f"nor a PyTorch checkpoint (it starts with {head[:4]!r}, not a zip "
                           f"header)")
    prefix = torch_format.probe_prefix(source)
    if prefix is not None:
        return _load_torch(source, prefix, path, True if weights_only is None else weights_only)
    return _load_npz(source, path)


def _load_torch(source, prefix: str, path, weights_only: bool):
    """Unpickle a torch.save archive; every error names the file."""
    try:
        with zipfile.ZipFile(source) as zf:
            return load_archive(zf, prefix, bool(weights_only))
    except CheckpointError as e:
        raise CheckpointError(f"load: {path!r} {e}") from None
    except pickle.UnpicklingError as e:
        raise pickle.UnpicklingError(f"load: {path!r}: {e}") from None
    except (zipfile.BadZipFile, EOFError, struct.error) as e:
        raise RuntimeError(f"load: {path!r} is not a complete PyTorch checkpoint (truncated "
                           f"or corrupt?): {type(e).__name__}: {e}") from e


def _load_npz(source, path):
    """The engine's .npz format; never unpickles."""
    structure = None
    try:
        with zipfile.ZipFile(source) as zf:
            if _STRUCTURE in zf.namelist():
                structure = json.loads(zf.read(_STRUCTURE).decode())
        if not isinstance(source, str):
            source.seek(0)
        with np.load(source, allow_pickle=False) as archive:
            names = [k for k in archive.files if structure is None or k != _STRUCTURE]
            out = OrderedDict((key, archive[key]) for key in names)
    except Exception as e:  # noqa: BLE001 - zipfile, json, numpy's header parser (SyntaxError)
        raise RuntimeError(f"load: {path!r} is not a complete .npz archive written by "
                           f"autograd.save nor a complete PyTorch checkpoint (truncated or "
                           f"corrupt?): {type(e).__name__}: {e}") from e
    for key, value in out.items():
        if not isinstance(value, np.ndarray):
            raise RuntimeError(f"load: entry {key!r} of {path!r} is not an .npy array; the file "
                               f"was not written by autograd.save")
    if structure is None:
        return OrderedDict((key, Tensor._wrap(arr, False)) for key, arr in out.items())
    if (not isinstance(structure, dict) or structure.get("format") != _FORMAT
            or "root" not in structure):
        raise RuntimeError(f"load: {path!r} has a {_STRUCTURE} entry that autograd.save did "
                           f"not write")
    if structure.get("version") != _VERSION:
        raise RuntimeError(f"load: {path!r} was written in checkpoint format version "
                           f"{structure.get('version')!r}; this engine reads version {_VERSION}")
    try:
        return _Decoder(out).decode(structure["root"], ())
    except RecursionError:
        raise RuntimeError(f"load: {path!r} is nested too deeply to read") from None
    except _Malformed as e:
        raise RuntimeError(f"load: {path!r} is not a checkpoint written by autograd.save: "
                           f"{e}") from None


# --------------------------------------------------------------------- the structure entry
# JSON keeps None, bools, ints, floats (nan and inf too) and strings as they are; every other
# value is an object with one tag: {"dict" | "OrderedDict" | "Counter": [[key, value], ...]}
# (keys are strings or ints, in order), {"list" | "tuple": [...]}, {"ndarray": entry},
# {"scalar": entry} (a numpy scalar), {"tensor": entry, "requires_grad": bool}.
_STRUCTURE = "structure.json"  # the flat format never writes it: its entries end in .npy
_FORMAT = "autograd.save"
_VERSION = 1
_MAPPINGS = {"dict": dict, "OrderedDict": OrderedDict, "Counter": Counter}


def _where(keys) -> str:
    return "/".join(repr(k) for k in keys) or "the checkpoint"


class _Encoder:
    """Turns a nested checkpoint into a JSON-ready tree; arrays go to self.entries."""

    def __init__(self):
        self.entries = []   # (zip entry name, ndarray)
        self._seen = {}     # id of a Tensor or ndarray -> its entry (shared objects stay shared)
        self._keep = []     # keeps the ids above from being reused while encoding
        self._open = set()  # ids of the containers being encoded, to refuse cycles

    def _entry(self, obj, arr: np.ndarray, keys) -> str:
        if arr.dtype.hasobject or arr.dtype.kind not in "fiub":
            raise TypeError(f"save: {_where(keys)} has dtype {arr.dtype}; only numeric and "
                            f"bool arrays can be saved")
        if id(obj) in self._seen:
            return self._seen[id(obj)]
        name = str(len(self.entries))
        self.entries.append((name + ".npy", arr))
        self._seen[id(obj)] = name
        self._keep.append(obj)
        return name

    def encode(self, value, keys):
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, np.generic):  # before float: np.float64 subclasses float
            return {"scalar": self._entry(np.asarray(value), np.asarray(value), keys)}
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, Tensor):
            return {"tensor": self._entry(value, value.data, keys),
                    "requires_grad": bool(value.requires_grad)}
        if isinstance(value, np.ndarray):
            return {"ndarray": self._entry(value, value, keys)}
        if isinstance(value, (dict, list, tuple)):
            if id(value) in self._open:
                raise TypeError(f"save: {_where(keys)} contains itself")
            self._open.add(id(value))
            try:
                if isinstance(value, dict):
                    tag = ("Counter" if isinstance(value, Counter) else
                           "OrderedDict" if isinstance(value, OrderedDict) else "dict")
                    return {tag: [[self._key(k, keys), self.encode(v, keys + (k,))]
                                  for k, v in value.items()]}
                tag = "tuple" if isinstance(value, tuple) else "list"
                return {tag: [self.encode(v, keys + (i,)) for i, v in enumerate(value)]}
            finally:
                self._open.discard(id(value))
        raise TypeError(f"save: {_where(keys)} is a {type(value).__name__}; a checkpoint holds "
                        f"dicts, lists and tuples of Tensors, ndarrays, numbers, strings, bools "
                        f"and None")

    @staticmethod
    def _key(key, keys):
        if isinstance(key, bool) or not isinstance(key, (str, int)):
            raise TypeError(f"save: dict keys must be strings or ints, got {key!r} "
                            f"({type(key).__name__}) in {_where(keys)}")
        return key


class _Malformed(Exception):
    pass


class _Decoder:
    """Rebuilds the saved objects from the JSON tree and the archive's arrays."""

    def __init__(self, arrays):
        self.arrays = arrays
        self._made = {}  # (tag, entry) -> object: an array saved once for two names is shared

    def _array(self, tag, name, keys):
        if not isinstance(name, str) or name not in self.arrays:
            raise _Malformed(f"{_where(keys)} refers to a missing array entry {name!r}")
        return self._made.get((tag, name)), self.arrays[name]

    def decode(self, node, keys):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, dict) and len(node) == 1:
            ((tag, body),) = node.items()
            if tag in ("ndarray", "scalar"):
                made, arr = self._array(tag, body, keys)
                if made is None:
                    if tag == "scalar" and arr.ndim != 0:
                        raise _Malformed(f"{_where(keys)} is a scalar of shape {tuple(arr.shape)}")
                    made = self._made[(tag, body)] = arr if tag == "ndarray" else arr[()]
                return made
            if tag in _MAPPINGS and isinstance(body, list):
                out = _MAPPINGS[tag]()
                for pair in body:
                    if (not isinstance(pair, list) or len(pair) != 2 or isinstance(pair[0], bool)
                            or not isinstance(pair[0], (str, int))):
                        raise _Malformed(f"{_where(keys)} has a malformed dict item {pair!r}")
                    out[pair[0]] = self.decode(pair[1], keys + (pair[0],))
                return out
            if tag in ("list", "tuple") and isinstance(body, list):
                items = [self.decode(v, keys + (i,)) for i, v in enumerate(body)]
                return items if tag == "list" else tuple(items)
        if isinstance(node, dict) and node.keys() == {"tensor", "requires_grad"}:
            made, arr = self._array("tensor", node["tensor"], keys)
            if made is None:
                grad = node["requires_grad"] is True
                if grad and arr.dtype.kind != "f":
                    raise _Malformed(f"{_where(keys)} is an {arr.dtype} tensor that requires grad")
                made = self._made[("tensor", node["tensor"])] = Tensor._wrap(arr, grad)
            return made
        raise _Malformed(f"{_where(keys)} has an unknown entry {str(node)[:80]!r}")


_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; the end record of an empty zip
