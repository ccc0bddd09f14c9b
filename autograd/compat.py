"""Names PyTorch scripts use that have no work to do on this CPU engine, so that such a script
runs after `import autograd as torch`: torch.backends (the cudnn/mps/cuda flags, stored and
ignored), use_deterministic_algorithms (the engine is deterministic), set_printoptions,
finfo/iinfo, Size, the legacy typed constructors (FloatTensor, LongTensor, ...),
autograd.Variable and set_float32_matmul_precision (stored, no effect)."""
from __future__ import annotations

import sys
import types
import warnings

import numpy as np

from .tensor_repr import set_printoptions  # noqa: F401  (torch.set_printoptions)

iinfo = np.iinfo


def finfo(type=None):  # noqa: A002  (PyTorch's name)
    """Machine limits of a float dtype (the default dtype when none is given)."""
    from . import dtypes
    return np.finfo(dtypes._default_dtype if type is None else type)


def _module(name: str, doc: str, **attrs) -> types.ModuleType:
    """A module registered under `name`, so that `import autograd.backends.cudnn as cudnn`
    (torch's import line, renamed) works as the attribute form does."""
    module = types.ModuleType(name, doc)
    module.__dict__.update(attrs)
    sys.modules[name] = module
    return module


backends = _module(
    "autograd.backends", "torch.backends: flags stored and ignored (no GPU backend here)",
    cudnn=_module("autograd.backends.cudnn", "torch.backends.cudnn's flags (no effect)",
                  enabled=True, benchmark=False, deterministic=False, allow_tf32=True,
                  is_available=lambda: False),
    mps=_module("autograd.backends.mps", "torch.backends.mps: not available",
                is_available=lambda: False, is_built=lambda: False),
    cuda=_module("autograd.backends.cuda", "torch.backends.cuda: not built",
                 matmul=types.SimpleNamespace(allow_tf32=False), is_built=lambda: False),
    mkldnn=_module("autograd.backends.mkldnn", "torch.backends.mkldnn's flag (no effect)",
                   enabled=True, is_available=lambda: False),
)

version = _module("autograd.version", "torch.version: this engine's; no CUDA or ROCm build",
                  cuda=None, hip=None, debug=False)   # __version__: set by __init__

_deterministic = False


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Recorded only: every kernel of this engine is deterministic already."""
    global _deterministic
    _deterministic = bool(mode)


def are_deterministic_algorithms_enabled() -> bool:
    return _deterministic


_matmul_precision = "highest"


def set_float32_matmul_precision(precision: str) -> None:
    """Stored and reported by get_float32_matmul_precision, with no effect: float32 matmuls
    here always run in full float32 (BLAS has no TF32/bfloat16 path to opt into). An unknown
    value warns and changes nothing, as in PyTorch."""
    global _matmul_precision
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the "
                      f"set_float32_matmul_precision call has no effect.", stacklevel=2)
        return
    _matmul_precision = precision


def get_float32_matmul_precision() -> str:
    """The value last given to set_float32_matmul_precision ('highest' at start)."""
    return _matmul_precision


class Size(tuple):
    """torch.Size: a tuple of dim sizes, what .shape and .size() give. It prints as torch's,
    torch.Size([2, 3])."""

    def __repr__(self):
        return f"torch.Size({list(self)})"

    def __getitem__(self, i):   # a slice is a Size too, as torch's
        out = tuple.__getitem__(self, i)
        return Size(out) if isinstance(i, slice) else out

    def __add__(self, other):
        return Size(tuple.__add__(self, other))

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))


class _TypedTensorMeta(type):
    def __instancecheck__(cls, obj):
        from .tensor import Tensor
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __call__(cls, *args):
        """FloatTensor(2, 3): zeros of that shape (PyTorch's are uninitialized); FloatTensor(
        data): a tensor of data in this type; FloatTensor(): an empty one."""
        from .tensor import Tensor
        if not args:
            return Tensor._wrap(np.zeros((0,), cls.dtype), False)
        if len(args) == 1 and isinstance(args[0], Size):   # FloatTensor(x.size())
            args = tuple(args[0])
        if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            return Tensor._wrap(np.zeros(tuple(int(a) for a in args), cls.dtype), False)
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            return Tensor(args[0], dtype=cls.dtype)
        raise TypeError(f"{cls.__name__}: expected sizes or data, got {args!r}")

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"


def _typed(name, dtype):
    return _TypedTensorMeta(name, (), {"dtype": np.dtype(dtype), "__doc__":
                                       f"torch.{name}: legacy constructor of {dtype} tensors"})


FloatTensor, DoubleTensor = _typed("FloatTensor", np.float32), _typed("DoubleTensor", np.float64)
LongTensor, IntTensor = _typed("LongTensor", np.int64), _typed("IntTensor", np.int32)
ShortTensor, CharTensor = _typed("ShortTensor", np.int16), _typed("CharTensor", np.int8)
ByteTensor, BoolTensor = _typed("ByteTensor", np.uint8), _typed("BoolTensor", np.bool_)


def Variable(data, requires_grad: bool = False, volatile: bool = False):  # noqa: N802
    """torch.autograd.Variable, long a no-op wrapper: the tensor itself (requiring grad if
    asked)."""
    from .tensor import Tensor
    t = data if isinstance(data, Tensor) else Tensor(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


__all__ = ["finfo", "iinfo", "backends", "version", "use_deterministic_algorithms",
           "are_deterministic_algorithms_enabled", "set_printoptions", "Size", "FloatTensor",
           "DoubleTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor",
           "BoolTensor", "set_float32_matmul_precision", "get_float32_matmul_precision"]
