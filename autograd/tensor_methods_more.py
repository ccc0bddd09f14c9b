"""PyTorch Tensor methods that ported code calls and the other mixins lack (a mixin of
Tensor): memory queries (data_ptr, get_device, pin_memory, is_pinned, share_memory_,
is_shared), the device and layout flags (is_mps, is_sparse, layout, ...), real / imag,
to_dense, unsafe_chunk / unsafe_split, the legacy constructor new(), is_nonzero,
is_same_size, is_conj / is_neg, fliplr / flipud, isposinf / isneginf / isreal,
ldexp(_) / frexp, sum_to_size, addr(_), adjoint, hardshrink, prelu, histogram; the random
fills random_, cauchy_, log_normal_, geometric_; and apply_ / map_ (a Python callable per
element, outside any graph).

The differentiable ones are composed from existing ops (frexp's mantissa is ops.frexp's
Mantissa); arguments are checked first, with PyTorch's error classes (see torch_errors).
"""
from __future__ import annotations

import mmap
from collections import namedtuple
from numbers import Number

import numpy as np

from . import compat, dtypes
from . import tensor_math as _tm  # its Tensor is bound by tensor.py once the class exists
from .device import as_device
from .dtypes import _common_dtype
from .dims import _shape_arg
from .generator import pick
from .ops.frexp import Mantissa
from .torch_errors import ArgumentError, DtypeError

Frexp = namedtuple("frexp", ["mantissa", "exponent"])   # torch.return_types.frexp


class layout:
    """torch.layout; the engine's one layout is `strided` (dense, with strides)."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name}"


strided = layout("strided")


def _in_shared_memory(arr: np.ndarray) -> bool:
    """True when arr's memory is an anonymous shared mapping (what share_memory_ makes)."""
    base = arr
    while isinstance(base, np.ndarray):
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    return isinstance(base, mmap.mmap)


def _random_max(dtype: np.dtype) -> int:
    """The exclusive upper bound of random_() without `to`: [0, 2**mantissa] for floats (every
    integer there is exact), [0, max] for integers, {0, 1} for bool, as PyTorch."""
    if dtype.kind == "f":
        return 2 ** (np.finfo(dtype).nmant + 1) + 1   # nmant + 1 digits, bound included
    if dtype.kind == "b":
        return 2
    return int(np.iinfo(dtype).max) + 1


class MethodsMoreMixin:
    """data_ptr, get_device, pin_memory, is_pinned, share_memory_, is_shared, the device
    flags, layout, real, imag, histogram, to_dense, unsafe_chunk, unsafe_split, new,
    is_nonzero, is_same_size, is_conj, is_neg, fliplr, flipud, isposinf, isneginf, isreal,
    ldexp, ldexp_, frexp, sum_to_size, addr, addr_, adjoint, hardshrink, prelu, random_,
    cauchy_, log_normal_, geometric_, apply_, map_."""

    __slots__ = ()

    # ----------------------------------------------------------------- memory and queries
    def data_ptr(self) -> int:
        """The address of the first element (0 for a tensor with no elements, as PyTorch)."""
        return 0 if self._data.size == 0 else int(self._data.ctypes.data)

    const_data_ptr = data_ptr

    def get_device(self) -> int:
        """-1: the tensor is on the CPU (a CUDA tensor would give its device index)."""
        return -1

    def pin_memory(self, device=None):
        """Refused as in PyTorch without an accelerator: pinned memory needs one."""
        raise RuntimeError("pin_memory: cannot access an accelerator device when none is "
                           "available (the engine runs on the CPU only)")

    def is_pinned(self, device=None) -> bool:
        return False

    def share_memory_(self):
        """Move the data into anonymous shared memory (a no-op if it is there already):
        processes forked afterwards see each other's in-place writes, as with PyTorch's
        share_memory_ for Hogwild-style training. Other views of the old memory no longer
        alias this tensor."""
        if not _in_shared_memory(self._data):
            old = self._data
            shared = np.frombuffer(mmap.mmap(-1, max(old.nbytes, 1)), old.dtype,
                                   old.size).reshape(old.shape)
            shared[...] = old
            self._data = shared   # the same values: a graph that saved `old` is unaffected
        return self

    def is_shared(self) -> bool:
        """True after share_memory_ (the data lives in shared memory)."""
        return _in_shared_memory(self._data)

    is_quantized = property(lambda self: False)
    is_meta = property(lambda self: False)
    is_nested = property(lambda self: False)
    is_mps = is_xpu = is_xla = is_vulkan = is_mkldnn = property(lambda self: False)
    is_sparse = is_sparse_csr = property(lambda self: False)
    layout = property(lambda self: strided, doc="torch.strided: every tensor here is dense.")
    real = property(lambda self: self, doc="self: the tensor is real already (torch's view).")

    @property
    def imag(self):
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")

    def histogram(self, bins, *, range=None, weight=None, density=False):  # noqa: A002
        """autograd.histogram(self, ...)."""
        from .functional_search import histogram
        return histogram(self, bins, range=range, weight=weight, density=density)

    def to_dense(self, dtype=None, *, masked_grad=None):
        """self (a strided tensor is dense already), cast to dtype if one is given."""
        return self if dtype is None else self.to(dtype)

    def unsafe_chunk(self, chunks, dim=0):
        """chunk: the views here carry no aliasing checks to skip."""
        return self.chunk(chunks, dim)

    def unsafe_split(self, split_size, dim=0):
        """split: the views here carry no aliasing checks to skip."""
        return self.split(split_size, dim)

    def is_conj(self) -> bool:
        """False: real tensors carry no lazy conjugation."""
        return False

    def is_neg(self) -> bool:
        """False: the engine has no lazy negation bit."""
        return False

    def new(self, *args, device=None):
        """PyTorch's legacy constructor, in self's dtype: new() is empty, new(2, 3) and
        new(Size([2, 3])) are uninitialized (here zero) tensors of that shape, new(data) is a
        tensor of that data (a tuple or list is data), new(tensor) aliases a tensor of the
        same dtype."""
        if device is not None:
            as_device(device, "new")
        dtype = self._data.dtype
        if not args:
            return _tm.Tensor._wrap(np.zeros((0,), dtype), False)
        if len(args) == 1 and isinstance(args[0], _tm.Tensor):
            other = args[0]
            if other.dtype != dtype:
                raise DtypeError(f"new: expected a tensor of dtype {dtype}, got one of dtype "
                                 f"{other.dtype}")
            return _tm.Tensor._wrap(other._data, False)
        if len(args) == 1 and isinstance(args[0], compat.Size) or all(
                isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            shape = tuple(int(n) for n in _shape_arg(args))
            if any(n < 0 for n in shape):
                raise ArgumentError(f"new: negative dimension in shape {shape}")
            return _tm.Tensor._wrap(np.zeros(shape, dtype), False)
        if len(args) > 1:
            raise TypeError(f"new: expected sizes (ints) or one data argument, got {args!r}")
        from .tensor import _to_array
        return _tm.Tensor._wrap(_to_array(args[0], dtype), False)

    def is_nonzero(self) -> bool:
        """bool(self) for a one-element tensor; zero or several elements are ambiguous."""
        n = self._data.size
        if n != 1:
            what = "no values" if n == 0 else "more than one value"
            raise ArgumentError(f"is_nonzero: Boolean value of Tensor with {what} is "
                                f"ambiguous (shape {tuple(self.shape)})")
        return bool(self._data.reshape(()))

    def is_same_size(self, other) -> bool:
        return tuple(self.shape) == tuple(other.shape)

    # ----------------------------------------------------------------- views and queries
    def fliplr(self):
        """Reverse dim 1 (left-right); needs at least 2 dims."""
        if self._data.ndim < 2:
            raise ArgumentError(f"fliplr: Input must be >= 2-d, got shape {tuple(self.shape)}")
        return self.flip(1)

    def flipud(self):
        """Reverse dim 0 (up-down); needs at least 1 dim."""
        if self._data.ndim < 1:
            raise ArgumentError("flipud: Input must be >= 1-d, got a 0-d tensor")
        return self.flip(0)

    def adjoint(self):
        """The conjugate transpose of the last two dims (a view): for real tensors, mT."""
        if self._data.ndim < 2:
            raise ArgumentError(f"adjoint: only supported on matrices or batches of matrices, "
                                f"got a {self._data.ndim}-D tensor")
        return self.transpose(-2, -1)

    def isposinf(self):
        """Bool tensor: True where the element is +inf (never for integer dtypes)."""
        d = self._data
        return _tm.Tensor._wrap(np.isposinf(d) if d.dtype.kind == "f"
                                else np.zeros(d.shape, bool), False)

    def isneginf(self):
        """Bool tensor: True where the element is -inf (never for integer dtypes)."""
        d = self._data
        return _tm.Tensor._wrap(np.isneginf(d) if d.dtype.kind == "f"
                                else np.zeros(d.shape, bool), False)

    def isreal(self):
        """Bool tensor, True everywhere: every dtype of the engine is real."""
        return _tm.Tensor._wrap(np.ones(self._data.shape, bool), False)

    # ----------------------------------------------------------------- arithmetic
    def ldexp(self, other):
        """self * 2**other in the promoted dtype of the two (the default float dtype when
        that is an integer one); differentiable in both."""
        if not isinstance(other, _tm.Tensor):
            raise TypeError(f"ldexp: argument 'other' must be a Tensor, not "
                            f"{type(other).__name__}")
        dtype = _common_dtype(self._data, other._data)
        if dtype.kind != "f":
            dtype = dtypes._default_dtype
        x = self if self._data.dtype == dtype else self.to(dtype)
        e = other if other._data.dtype == dtype else other.to(dtype)
        return x * (2.0 ** e)

    def ldexp_(self, other):
        """In-place ldexp (self must be floating point)."""
        if self._data.dtype.kind != "f":
            raise DtypeError(f"ldexp_: the result is floating point and cannot be written in "
                             f"place into a tensor of dtype {self.dtype}")
        return self._inplace_via("ldexp_", lambda old: old.ldexp(other), other)

    def frexp(self):
        """-> (mantissa, exponent) with self = mantissa * 2**exponent, 0.5 <= |mantissa| < 1
        (0, inf and nan keep exponent 0); exponent is int32. Floating point only; the
        mantissa is differentiable."""
        if self._data.dtype.kind != "f":
            raise DtypeError(f"frexp: only supports floating-point dtypes, got {self.dtype}")
        exponent = np.frexp(self._data)[1].astype(np.int32)
        return Frexp(Mantissa.apply(self), _tm.Tensor._wrap(exponent, False))

    def sum_to_size(self, *size):
        """Sum over the dims that broadcasting `size` up to self's shape would stretch or add:
        the gradient of an expand, as a tensor of shape `size`."""
        size = tuple(_shape_arg(size))
        shape = tuple(self.shape)
        lead = len(shape) - len(size)
        if lead < 0 or any(n != 1 and n != m for n, m in zip(size, shape[lead:])):
            raise ArgumentError(f"sum_to_size: size {list(size)} is not expandable to size "
                                f"{list(shape)}")
        axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(size)
                                          if n == 1 and shape[lead + i] != 1)
        if not axes:
            return self
        return self.sum(axes, keepdim=True).reshape(size)

    def addr(self, vec1, vec2, *, beta=1, alpha=1):
        """beta * self + alpha * outer(vec1, vec2); self broadcasts to (n, m). beta=0 ignores
        self's values (nan and inf included), as PyTorch."""
        for name, v in (("vec1", vec1), ("vec2", vec2)):
            if not isinstance(v, _tm.Tensor):
                raise TypeError(f"addr: {name} must be a tensor, got {type(v).__name__}")
            if v.ndim != 1:
                raise ArgumentError(f"addr: Expected 1-D argument {name}, but got "
                                    f"{v.ndim}-D")
        ints = all(t.dtype.kind in "iub" for t in (self, vec1, vec2))
        if ints and any(isinstance(s, float) for s in (alpha, beta)):
            raise TypeError("addr: for integral input tensors, beta and alpha must not be "
                            "floating point numbers")
        shape = (vec1.shape[0], vec2.shape[0])
        try:
            fits = np.broadcast_shapes(tuple(self.shape), shape) == shape
        except ValueError:
            fits = False
        if not fits:
            raise ArgumentError(f"addr: self of shape {tuple(self.shape)} does not broadcast "
                                f"to the outer product's shape {shape}")
        product = vec1.outer(vec2)
        if alpha != 1:
            product = product * alpha
        if beta == 0:
            return product + _tm.Tensor._wrap(np.zeros(self.shape, self.dtype), False)
        return (self if beta == 1 else self * beta) + product

    def addr_(self, vec1, vec2, *, beta=1, alpha=1):
        """In-place addr."""
        from .tensor_inplace import _grad_operand
        return self._inplace_via("addr_", lambda old: old.addr(vec1, vec2, beta=beta,
                                                               alpha=alpha),
                                 _grad_operand(vec1, vec2))

    def hardshrink(self, lambd=0.5):
        """x where |x| > lambd, else 0 (nn.functional.hardshrink)."""
        from nn.functional import hardshrink
        return hardshrink(self, lambd)

    def prelu(self, weight):
        """max(0, x) + weight * min(0, x), weight per channel (dim 1) or one value."""
        from nn.functional import prelu
        return prelu(self, weight)

    # ----------------------------------------------------------------- random fills
    def _fill_with(self, op, values):
        """Write drawn values in place, as uniform_ does: recorded (no gradient to the old
        values) on an op's output in grad mode, refused on a leaf that requires grad."""
        if self._records(None):
            return self._overwrite(op, _tm.Tensor._wrap(values, False))
        return self._apply_inplace(op, lambda d, o: np.copyto(d, o, casting="unsafe"), values)

    def random_(self, *args, generator=None, **kwargs):
        """Fill with integers drawn uniformly from [from, to - 1]: random_(to),
        random_(from, to) (to=None: up to the dtype's largest value), random_() (for floats
        [0, 2**mantissa bits], every value exact)."""
        names = ["from", "to"] if len(args) != 1 else ["to"]
        bounds = dict(zip(names, args))
        if len(args) > 2 or set(kwargs) - {"from", "to"} or set(kwargs) & set(bounds):
            raise TypeError(f"random_: expected (to) or (from, to), got {args!r} {kwargs!r}")
        bounds.update(kwargs)
        lo, hi = bounds.get("from", 0), bounds.get("to")
        dtype = self._data.dtype
        hi = _random_max(dtype) if hi is None else hi
        if not lo < hi:
            raise ArgumentError(f"random_ expects 'from' to be less than 'to', but got "
                                f"from={lo} >= to={hi}")
        if dtype.kind in "iub":
            info = np.iinfo(dtype) if dtype.kind != "b" else None
            low, high = (0, 1) if info is None else (int(info.min), int(info.max))
            for name, v in (("from", lo), ("to - 1", hi - 1)):
                if not low <= v <= high:
                    raise ArgumentError(f"random_: {name} is out of bounds for {dtype}: {v} "
                                        f"is outside [{low}, {high}]")
        draws = pick(generator).integers(int(lo), int(hi), size=self.shape, dtype=np.int64) \
            if hi <= 2 ** 63 else pick(generator).integers(int(lo), int(hi), size=self.shape,
                                                            dtype=np.uint64)
        return self._fill_with("random_", draws.astype(dtype))

    def _float_fill(self, op, what):
        if self._data.dtype.kind != "f":
            raise DtypeError(f"{op}: {what} is a continuous distribution: the tensor must be "
                             f"floating point, got dtype {self.dtype}")

    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        """Fill with Cauchy(median, sigma) draws: density 1 / (pi sigma (1 + ((x -
        median) / sigma)^2))."""
        self._float_fill("cauchy_", "Cauchy")
        if not sigma > 0:
            raise ArgumentError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
        u = pick(generator).random(self.shape)
        return self._fill_with("cauchy_", (median + sigma * np.tan(np.pi * (u - 0.5)))
                               .astype(self.dtype))

    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        """Fill with exp(N(mean, std^2)) draws."""
        self._float_fill("log_normal_", "log-normal")
        if not std > 0:
            raise ArgumentError(f"log_normal_ expects std > 0.0, but found std={std}")
        draws = pick(generator).lognormal(mean, std, size=self.shape)
        return self._fill_with("log_normal_", draws.astype(self.dtype))

    def geometric_(self, p, *, generator=None):
        """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...);
        any dtype."""
        if not isinstance(p, Number) or not 0 < p < 1:
            raise ArgumentError(f"geometric_ expects p to be in (0, 1), but got p={p}")
        draws = pick(generator).geometric(p, size=self.shape)
        return self._fill_with("geometric_", draws.astype(self.dtype))

    # ----------------------------------------------------------------- Python callables
    def _python_map(self, op, fn, *others):
        if self._requires_grad:
            raise RuntimeError(f"Can't call {op}() on Variable that requires grad. Use "
                               f"var.detach().{op}() instead.")
        if not callable(fn):
            raise TypeError(f"{op}: expected a callable, got {type(fn).__name__}")
        columns = [self._data.ravel().tolist()] + [
            np.broadcast_to(o._data, self.shape).ravel().tolist() for o in others]
        values = np.array([fn(*vs) for vs in zip(*columns)], dtype=object)
        values = values.astype(self.dtype).reshape(self.shape)
        return self._apply_inplace(op, lambda d, o: np.copyto(d, o, casting="unsafe"), values)

    def apply_(self, callable):  # noqa: A002  (PyTorch's name)
        """self[i] = callable(self[i]) for every element, with Python numbers; the results
        are cast to self's dtype. Slow; CPU tensors that do not require grad only."""
        return self._python_map("apply_", callable)

    def map_(self, tensor, callable):  # noqa: A002
        """self[i] = callable(self[i], tensor[i]), tensor broadcast to self's shape."""
        if not isinstance(tensor, _tm.Tensor):
            raise TypeError(f"map_: tensor must be a Tensor, got {type(tensor).__name__}")
        try:
            np.broadcast_to(tensor._data, self.shape)
        except ValueError:
            raise ArgumentError(f"map_: tensor of shape {tuple(tensor.shape)} does not "
                                f"broadcast to self's shape {tuple(self.shape)}") from None
        return self._python_map("map_", callable, tensor)
