"""The arguments of Module.to: a device (the CPU only), a dtype, or a tensor to match.

A device is the string "cpu" (or "cpu:0"), or any object whose `type` is "cpu" (such as
autograd.device("cpu")); "cuda" and the other accelerators raise a clear RuntimeError.
"""
from __future__ import annotations

import numpy as np

from autograd import Tensor
from autograd.device import as_device, device as _device, is_device_string


def _is_device(x) -> bool:
    if isinstance(x, bool):
        return False
    return (is_device_string(x) or isinstance(x, (int, _device))
            or isinstance(getattr(x, "type", None), str))


def check_device(where: str, device) -> None:
    """Raise unless device names the CPU (autograd.device's rules; any object with a `type`
    string counts as a device)."""
    if not isinstance(device, (str, int, _device)):
        device = device.type
    as_device(device, where)


def parse_to(where: str, args: tuple, kwargs: dict):
    """(device or None, np.dtype or None) from to(device), to(dtype), to(device, dtype),
    to(tensor), with optional non_blocking / copy / memory_format, as in PyTorch."""
    kwargs = dict(kwargs)
    device, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
    for key in ("non_blocking", "copy", "memory_format"):
        kwargs.pop(key, None)
    if kwargs:
        raise TypeError(f"{where}: unexpected keyword argument {next(iter(kwargs))!r}")
    rest = list(args)
    if rest and isinstance(rest[0], Tensor):
        dtype = rest.pop(0).dtype
    elif rest and (rest[0] is None or _is_device(rest[0])):
        device = rest.pop(0)
    if rest and not isinstance(rest[0], bool):
        dtype = rest.pop(0)
    if rest and isinstance(rest[0], bool):
        rest.pop(0)  # non_blocking: every copy here is synchronous
    if rest:
        raise TypeError(f"{where}: received an invalid combination of arguments {args!r}; "
                        f"expected (device, dtype), (dtype) or (tensor)")
    if device is not None:
        if not _is_device(device):
            raise TypeError(f"{where}: {device!r} is not a device (expected 'cpu')")
        check_device(where, device)
    if dtype is not None:
        try:
            dtype = np.dtype(dtype)
        except TypeError as e:
            raise TypeError(f"{where}: {dtype!r} is not a dtype or a device") from e
    return device, dtype
