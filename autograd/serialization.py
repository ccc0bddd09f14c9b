"""save/load of a state_dict (name -> array) as numpy's .npz archive, written atomically.

`save` writes a temporary file in the target's directory, flushes and fsyncs it, then renames
it over the target with os.replace, so a crash or an error never leaves a half-written file at
`path`. `load` never unpickles (allow_pickle=False) and turns a truncated or corrupt archive
into one clear error.
"""
from __future__ import annotations

import os
import tempfile
import zipfile
from collections import OrderedDict

import numpy as np

from .tensor import Tensor


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


def save(state_dict, path) -> None:
    """Write state_dict (str -> Tensor or ndarray) to path as an uncompressed .npz, atomically."""
    arrays = _arrays(state_dict)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            # the archive is written entry by entry (as np.savez does) so that any key is allowed
            with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED,
                                 allowZip64=True) as zf:
                for key, arr in arrays.items():
                    with zf.open(key + ".npy", mode="w", force_zip64=True) as entry:
                        np.lib.format.write_array(entry, arr, allow_pickle=False)
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


def load(path) -> "OrderedDict[str, np.ndarray]":
    """Read a file written by save: an OrderedDict of name -> ndarray, in the saved order."""
    path = os.fspath(path)
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic not in _ZIP_MAGIC:
        raise RuntimeError(f"load: {path!r} is not an .npz archive written by autograd.save "
                           f"(it starts with {magic!r}, not a zip header)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            out = OrderedDict((key, archive[key]) for key in archive.files)
    except Exception as e:  # noqa: BLE001 - zipfile, numpy's header parser (even SyntaxError)
        raise RuntimeError(f"load: {path!r} is not a complete .npz archive written by "
                           f"autograd.save (truncated or corrupt?): {type(e).__name__}: {e}") from e
    for key, value in out.items():
        if not isinstance(value, np.ndarray):
            raise RuntimeError(f"load: entry {key!r} of {path!r} is not an .npy array; the file "
                               f"was not written by autograd.save")
    return out


_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; the end record of an empty zip
