"""autograd.device: the engine computes on the CPU alone, so `device("cpu")` is the only one.

It exists so that PyTorch's device idioms run unchanged (`x.to(device)`,
`device = autograd.device("cuda" if autograd.cuda.is_available() else "cpu")`).
"""
from __future__ import annotations

# the device types PyTorch knows: naming one of them is a request for hardware this engine
# does not drive; any other string is a typo
_TORCH_TYPES = ("cuda", "mps", "xpu", "xla", "meta", "hip", "ipu", "hpu", "mtia", "vulkan",
                "opengl", "opencl", "mkldnn", "ideep", "ve", "fpga", "maia", "lazy",
                "privateuseone")


def _unavailable(name: str, op: str) -> RuntimeError:
    return RuntimeError(f"{op}: device {name!r} is not available: this engine runs on the CPU "
                        f"only (autograd.cuda.is_available() is False); use 'cpu'")


class device:
    """device("cpu"), device("cpu:0"), device("cpu", 0) or device(other_device)."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002  (PyTorch's argument name)
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu', got "
                            f"{type.__class__.__name__}")
        kind, _, number = type.partition(":")
        if number:
            if index is not None:
                raise RuntimeError(f"device: {type!r} already has an index, and index={index} "
                                   f"was given too")
            if not number.isdigit():
                raise RuntimeError(f"device: invalid device string {type!r}")
            index = int(number)
        if kind != "cpu":
            if kind in _TORCH_TYPES:
                raise _unavailable(type, "device")
            raise RuntimeError(f"device: unknown device type {type!r}; this engine has 'cpu' "
                               f"only")
        if index is not None and (not isinstance(index, int) or index < 0):
            raise RuntimeError(f"device: the index must be a non-negative integer, got {index!r}")
        self.type, self.index = kind, index

    def __repr__(self):
        extra = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{extra})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


cpu = device("cpu")


def as_device(value, op: str) -> device:
    """A device argument (a device, 'cpu', 'cpu:0' or an int index) as a device; a clear
    error for CUDA and the other accelerators."""
    if isinstance(value, device):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        raise _unavailable(f"cuda:{value}", op)  # an int device is a CUDA ordinal in PyTorch
    if isinstance(value, str):
        if value.partition(":")[0] in _TORCH_TYPES:
            raise _unavailable(value, op)
        return device(value)
    raise TypeError(f"{op}: expected a device, got {value.__class__.__name__}")


def is_device_string(value) -> bool:
    return isinstance(value, str) and value.partition(":")[0] in ("cpu",) + _TORCH_TYPES
