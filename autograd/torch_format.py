"""PyTorch's checkpoint container (torch.save since 1.6), read and written without torch.

The file is an uncompressed zip whose entries all sit in one folder `<name>/`:

    <name>/data.pkl             the saved object, pickled (protocol 2); each storage is a
                                persistent id ('storage', <storage class>, key, location, numel)
    <name>/.format_version      b"1"
    <name>/.storage_alignment   b"64": each storage's bytes start at a multiple of 64 in the file
    <name>/byteorder            b"little" or b"big": the order of the storages' bytes
    <name>/data/<key>           one storage's raw bytes, numel * itemsize of them
    <name>/version              b"3\\n"
    <name>/.data/serialization_id   (torch's own cache key: ignored on load, not written)

A dtype without a legacy storage class (uint16, uint32, uint64) is stored as
torch.storage.UntypedStorage, numel counted in bytes, and rebuilt by `_rebuild_tensor_v3`,
which names the dtype. This module knows the layout and the dtypes; torch_pickle writes the
pickle, torch_unpickle reads it.
"""
from __future__ import annotations

import os
import struct
import sys
import zipfile

import numpy as np

from . import dtypes

# torch dtype name -> numpy dtype of a storage of it (None: no numpy equivalent)
_NUMPY = {"float32": np.float32, "float64": np.float64, "float16": np.float16, "int64": np.int64,
          "int32": np.int32, "int16": np.int16, "int8": np.int8, "uint8": np.uint8,
          "bool": np.bool_, "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64,
          "bfloat16": None, "complex64": np.complex64, "complex128": np.complex128}
# the legacy typed storage classes torch still pickles for these dtypes
STORAGE_CLASSES = {"DoubleStorage": "float64", "FloatStorage": "float32",
                   "HalfStorage": "float16", "BFloat16Storage": "bfloat16",
                   "LongStorage": "int64", "IntStorage": "int32", "ShortStorage": "int16",
                   "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool",
                   "ComplexFloatStorage": "complex64", "ComplexDoubleStorage": "complex128"}
_CLASS_OF = {name: cls for cls, name in STORAGE_CLASSES.items()}
# numpy can hold these but the engine cannot compute in them: they are widened on load
WIDENED = {"float16": np.float32, "bfloat16": np.float32}
# every dtype name torch pickles (torch.float32 is written as the global `torch float32`)
TORCH_DTYPE_NAMES = tuple(_NUMPY) + (
    "complex32", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz",
    "float8_e8m0fnu", "float4_e2m1fn_x2", "qint8", "quint8", "qint32", "quint4x2", "quint2x4",
    "bits8", "bits16", "uint1", "uint2", "uint3", "uint4", "uint5", "uint6", "uint7",
    "int1", "int2", "int3", "int4", "int5", "int6", "int7")

class CheckpointError(RuntimeError):
    """The file is damaged, or holds something this engine cannot rebuild."""


ALIGNMENT = 64
_FORMAT_VERSION = b"3\n"   # what torch 2.x writes; its reader accepts 1 and up
_LEGACY_MAGIC = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"  # pickled 0x1950a86a...


def numpy_dtype(torch_name: str) -> np.dtype | None:
    """The numpy dtype of a storage of torch dtype `torch_name`, or None (complex32, fp8...)."""
    np_type = _NUMPY.get(torch_name)
    return None if np_type is None else np.dtype(np_type)


def engine_dtype(torch_name: str):
    """What a pickled `torch.<name>` dtype object loads as: the engine's dtype of that name
    (numpy's, or the named stand-in for bfloat16 and complex), so `x.to(d)` still works."""
    known = getattr(dtypes, torch_name, None)
    if isinstance(known, (np.dtype, dtypes.dtype)):
        return dtypes.of(known) if isinstance(known, np.dtype) else known
    np_type = _NUMPY.get(torch_name)
    return dtypes.of(np_type) if np_type is not None else dtypes.UnsupportedDtype(torch_name)


def torch_dtype_name(dt) -> str | None:
    """The torch dtype name of a numpy dtype or one of the engine's named stand-ins, else None."""
    if isinstance(dt, dtypes.UnsupportedDtype):
        return dt.name if dt.name in TORCH_DTYPE_NAMES else None
    for name, np_type in _NUMPY.items():
        if np_type is not None and dt == np.dtype(np_type):
            return name
    return None


def storage_class(torch_name: str) -> str | None:
    """The legacy storage class torch pickles for a dtype (None: it uses UntypedStorage)."""
    return _CLASS_OF.get(torch_name)


# --------------------------------------------------------------------------- writing
def archive_name(f) -> str:
    """The folder torch names inside the zip: the file's stem, or "archive" for a stream."""
    if hasattr(f, "write"):
        return "archive"
    stem = os.path.splitext(os.path.basename(os.fspath(f)))[0]
    return stem if stem and stem.isprintable() and "/" not in stem else "archive"


def write_archive(f, name: str, pickled: bytes, storages) -> None:
    """Write the zip torch.save writes: `storages` is [(key, ndarray)], each array contiguous
    and in native byte order; its bytes start at a multiple of 64 as torch's (so torch.load's
    mmap=True can map them in place)."""
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        _write_record(zf, f"{name}/data.pkl", pickled)
        _write_record(zf, f"{name}/.format_version", b"1")
        _write_record(zf, f"{name}/.storage_alignment", str(ALIGNMENT).encode())
        _write_record(zf, f"{name}/byteorder", sys.byteorder.encode())
        for key, arr in storages:
            _write_record(zf, f"{name}/data/{key}", _raw_bytes(arr))
        _write_record(zf, f"{name}/version", _FORMAT_VERSION)


def _raw_bytes(arr: np.ndarray) -> memoryview:
    """arr's memory as bytes without a copy (a Fortran-ordered block is C-ordered reversed)."""
    if not arr.flags.c_contiguous:
        arr = arr.T
    return memoryview(np.ascontiguousarray(arr).reshape(-1).view(np.uint8))


def _write_record(zf: zipfile.ZipFile, name: str, data) -> None:
    """One stored entry, padded with an extra field so that its data starts aligned."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    size = len(data)
    zip64 = size * 1.05 > zipfile.ZIP64_LIMIT   # zipfile then adds a 20-byte zip64 field
    start = zf.fp.tell() + 30 + len(name.encode()) + 4 + (20 if zip64 else 0)
    pad = -start % ALIGNMENT
    info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad   # "FB": torch's padding field
    with zf.open(info, mode="w", force_zip64=zip64) as entry:
        entry.write(data)


# --------------------------------------------------------------------------- reading
def archive_prefix(names) -> str | None:
    """The folder holding data.pkl if `names` are a torch.save archive's entries, else None."""
    for n in names:
        folder, _, leaf = n.rpartition("/")
        if leaf == "data.pkl" and folder and "/" not in folder:
            return folder
    return None


def probe_prefix(source):
    """The archive folder if source (a path or a seekable stream, rewound afterwards) is a
    torch.save zip; None for anything else, a damaged zip included: the caller names it."""
    try:
        with zipfile.ZipFile(source) as zf:
            return archive_prefix(zf.namelist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error):
        return None
    finally:
        if not isinstance(source, str):
            source.seek(0)


def is_torchscript(names, prefix: str) -> bool:
    """torch.jit.save archives carry compiled code beside the pickle."""
    return f"{prefix}/constants.pkl" in names or any(
        n.startswith(f"{prefix}/code/") for n in names)


def legacy_kind(head: bytes) -> str | None:
    """Which pre-1.6 torch.save format a non-zip file starts like, if any."""
    if head.startswith(_LEGACY_MAGIC):
        return "the legacy pickle format torch.save wrote before PyTorch 1.6"
    if head[257:262] == b"ustar":
        return "the tar format of PyTorch 0.1-0.3"
    return None


def read_byteorder(zf: zipfile.ZipFile, prefix: str) -> str:
    """The storages' byte order: the record if present, else this machine's, as torch."""
    name = f"{prefix}/byteorder"
    if name not in zf.namelist():
        return sys.byteorder
    order = zf.read(name).decode("ascii", "replace").strip()
    if order not in ("little", "big"):
        raise CheckpointError(f"has an unknown byteorder record {order!r}")
    return order
