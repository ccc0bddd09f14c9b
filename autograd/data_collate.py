"""default_collate / default_convert: samples -> a batch, with torch.utils.data's type rules.

    Tensor / ndarray (B samples of shape S)  -> Tensor (B, *S), stacked with the graph kept
    float -> float64 Tensor (B,);  int -> int64 (bool -> bool);  numpy scalar -> its dtype
    str / bytes -> the batch unchanged;  dict / namedtuple / list -> the same type, field by field
    tuple -> list (torch's backward-compatible choice)
"""
from __future__ import annotations

import collections.abc
import copy
import re

import numpy as np

from . import dtypes
from .function import is_grad_enabled
from .tensor import Tensor
from .tensor_shape import stack

_STR_OR_OBJECT = re.compile(r"[SaUO]")   # numpy dtype codes torch cannot make a tensor of
_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        "found {}")


def _is_numpy(x) -> bool:
    return type(x).__module__ == "numpy" and not isinstance(x, (str, bytes))


def _stack(batch) -> Tensor:
    """Tensors / ndarrays (B of shape S) -> (B, *S); differentiable if any needs a gradient."""
    shapes = {tuple(b.shape) for b in batch}
    if len(shapes) > 1:
        raise ValueError(f"default_collate: samples of one batch have different shapes "
                         f"{sorted(shapes)}; pass a collate_fn that pads them")
    if is_grad_enabled() and any(isinstance(b, Tensor) and b.requires_grad for b in batch):
        return stack([b if isinstance(b, Tensor) else Tensor._wrap(np.asarray(b), False)
                      for b in batch])
    return Tensor._wrap(np.stack([b.data if isinstance(b, Tensor) else b for b in batch]), False)


def _numbers(batch, dtype=None) -> Tensor:
    try:
        out = np.asarray(batch, dtype)
    except (TypeError, ValueError) as e:
        raise TypeError(f"default_collate: cannot make a tensor of the numbers {list(batch)!r}: "
                        f"{e}") from None
    if out.dtype.kind not in "biuf":     # an int past int64 (ValueError), or a non-number
        error = ValueError if all(isinstance(b, int) for b in batch) else TypeError
        raise error(f"default_collate: cannot make a tensor of the numbers {list(batch)!r} "
                    f"(they give dtype {out.dtype})")
    if dtype is None and out.dtype.kind == "f":   # ints mixed with floats: torch.tensor's dtype
        out = out.astype(dtypes._default_dtype)
    return Tensor._wrap(out, False)


def default_collate(batch):
    """Collate a list of B samples into one batch (see the module docstring for the types)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(batch)
    if isinstance(elem, np.ndarray):
        if _STR_OR_OBJECT.search(elem.dtype.str):
            raise TypeError(_ERR.format(elem.dtype))
        return _stack([np.asarray(b) for b in batch])
    if isinstance(elem, (np.bool_, np.number, np.object_)):
        return Tensor._wrap(np.asarray(batch), False)    # numpy scalars keep their dtype
    if isinstance(elem, float):
        return _numbers(batch, np.float64)
    if isinstance(elem, int):
        return _numbers(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        fields = {key: default_collate([d[key] for d in batch]) for key in elem}
        return _same_mapping(elem, fields)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):   # namedtuple
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        lengths = [len(s) for s in batch]
        if len(set(lengths)) > 1:
            raise ValueError(f"default_collate: each element in list of batch should be of "
                             f"equal size, got lengths {lengths}")
        fields = [default_collate(samples) for samples in zip(*batch)]
        return fields if isinstance(elem, tuple) else _same_sequence(elem, fields)
    raise TypeError(_ERR.format(type(elem)))


def default_convert(data):
    """What a loader without batching (batch_size=None) yields for one sample: ndarrays and
    numpy scalars become Tensors, containers are converted field by field (a tuple becomes a
    list, as in torch), anything else is left as it is."""
    if isinstance(data, Tensor):
        return data
    if _is_numpy(data):
        if isinstance(data, np.ndarray) and _STR_OR_OBJECT.search(data.dtype.str):
            return data
        return Tensor._wrap(np.asarray(data), False)
    if isinstance(data, collections.abc.Mapping):
        return _same_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _same_sequence(data, [default_convert(d) for d in data])
    return data


def _same_mapping(like, fields: dict):
    """fields in a mapping of like's type (a copy for mutable ones), else a dict."""
    try:
        if isinstance(like, collections.abc.MutableMapping):
            clone = copy.copy(like)
            clone.update(fields)
            return clone
        return type(like)(fields)
    except TypeError:
        return fields


def _same_sequence(like, fields: list):
    """fields in a sequence of like's type (a copy for mutable ones), else a list."""
    try:
        if isinstance(like, collections.abc.MutableSequence):
            clone = copy.copy(like)
            for i, f in enumerate(fields):
                clone[i] = f
            return clone
        return type(like)(fields)
    except TypeError:
        return fields
