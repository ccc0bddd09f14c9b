"""PyTorch's other names and forms of existing Tensor methods (a mixin of Tensor): select, mT,
mH, H, ravel, moveaxis, split_with_sizes, broadcast_to, narrow_copy; the in-place shape ops
squeeze_, unsqueeze_, t_, transpose_; the in-place forms of elementwise methods (log_, sin_,
floor_, lerp-like binary ones such as fmod_, ...); the casts byte/char/short and the queries
ndimension, is_signed, is_complex. Each is written with the methods it names, so it needs no
op of its own."""
from __future__ import annotations

from numbers import Number

import numpy as np

from . import dtypes, function, hooks, views
from .dims import _one_axis
from .function import enable_grad, is_grad_enabled
from .ops.shape import ViewChain
from .tensor_inplace import CastError, check_cast, result_type

# in-place forms of methods whose result keeps an integer tensor's dtype (the others need a
# floating-point tensor to write into, as in PyTorch)
_KEEP_DTYPE = ["floor", "ceil", "round", "trunc", "sign", "sgn", "bitwise_not",
               "bitwise_and", "bitwise_or", "bitwise_xor", "remainder", "fmod", "floor_divide",
               "cumsum", "cumprod", "tril", "triu", "nan_to_num", "logical_not", "logical_and",
               "logical_or", "logical_xor", "addmm", "addmv", "addbmm", "baddbmm"]
_FLOAT_RESULT = ["log", "sin", "cos", "tan", "frac", "reciprocal", "rsqrt", "log1p", "expm1",
                 "erf", "erfc", "erfinv", "digamma", "lgamma", "logit", "i0", "sinc", "hypot",
                 "copysign", "xlogy", "float_power", "true_divide", "renorm", "polygamma",
                 "mvlgamma", "nextafter", "asin", "arcsin", "acos", "arccos", "atan", "arctan",
                 "sinh", "cosh", "asinh", "arcsinh", "acosh", "arccosh", "atanh", "arctanh",
                 "log2", "log10", "exp2", "deg2rad", "rad2deg"]


# the binary ones of those whose other operand promotes the result (logical_and and the like
# give bool, which any dtype takes), and the floating ones with no integer kernel: their
# integer result type stays integral, so that the cast check passes it on to the op's own
# "not implemented" refusal
_BINARY = {"bitwise_and", "bitwise_or", "bitwise_xor", "remainder", "fmod", "floor_divide",
           "hypot", "copysign", "xlogy", "true_divide", "nextafter"}
_NO_INT_KERNEL = {"hypot", "nextafter", "frac"}


def inplace_result_type(x, other, floating: bool) -> np.dtype:
    """The dtype of an op of x and other (a tensor or a number; anything else: x alone) under
    PyTorch's promotion, the default float dtype in place of an integral one when floating:
    what an in-place form checks against x's dtype before computing."""
    if isinstance(other, (function._Tensor, Number)) and not isinstance(other, complex):
        dtype = result_type(x, other)
    else:
        dtype = x._data.dtype
    return dtypes._default_dtype if floating and dtype.kind != "f" else dtype


def _result_dtype_of(self, name, args, kwargs) -> np.dtype:
    """inplace_result_type of self.name(*args, **kwargs)."""
    other = (args[0] if args else kwargs.get("other")) if name in _BINARY else None
    return inplace_result_type(self, other, name in _FLOAT_RESULT and name not in _NO_INT_KERNEL)


def _in_place(name, float_result):
    """x.name_(*args): x.name(*args) written into x, recorded or refused as add_ is (a
    CastError, as PyTorch's, when the result type cannot be cast to x's dtype)."""
    op = name + "_"

    def method(self, *args, **kwargs):
        from .tensor_inplace import _grad_operand
        if name == "float_power" and self.dtype != np.float64:   # as PyTorch
            raise CastError(f"float_power_: the base given to float_power_ has dtype "
                            f"{self.dtype} but the operation's result requires dtype float64 "
                            f"(shape {tuple(self.shape)})")
        into_float = self._data.dtype.kind == "f"   # takes any result: nothing to check
        if not into_float:
            check_cast(op, _result_dtype_of(self, name, args, kwargs), self)

        def compute(old):
            out = getattr(old, name)(*args, **kwargs)
            if not into_float:
                check_cast(op, out.dtype, self)
            return out

        return self._inplace_via(op, compute, _grad_operand(*args, *kwargs.values()))

    method.__name__ = method.__qualname__ = op
    method.__doc__ = f"In-place {name}: self = self.{name}(...)."
    return method


def _chained(view, result):
    """view._base after view took result's shape in place: its view op followed by result's
    (a ViewChain), so that writes into its base and into it still reach each other; or, when
    result is no view of it, (view, None, None): writes through it are refused."""
    base, fn, params = view._base[:3]
    made = result._base
    if fn is None or made is None or made[0] is not view:
        return (view, None, None) + view._base[3:]
    steps = params["steps"] if fn is ViewChain else ((fn, params),)
    return (base, ViewChain, {"steps": steps + ((made[1], made[2]),)}) + view._base[3:]


class AliasMixin:
    """select, mT, mH, H, ravel, moveaxis, split_with_sizes, broadcast_to, narrow_copy,
    squeeze_, unsqueeze_, t_, transpose_, swapaxes_, in-place elementwise forms, byte, char,
    short, ndimension, is_signed, is_complex, `element in t`."""

    __slots__ = ()

    def __contains__(self, element) -> bool:
        """`element in t`, as torch: (element == t).any() for a number or a Tensor (broadcast
        against t); anything else (a list, a string, None) is an error, not iterated."""
        if isinstance(element, (Number, np.bool_)) or hasattr(element, "_data"):
            return bool((element == self).any().item())
        raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you "
                           f"passed in a {type(element)}.")

    def select(self, dim, index):
        """The slice at `index` along `dim`, that dim removed (a view): x.select(1, 2) is
        x[:, 2]."""
        if self.ndim == 0:
            raise IndexError("select: a 0-d tensor has no dim to select from")
        d = _one_axis(dim, self.ndim, "select")
        n = self.shape[d]
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
            raise TypeError(f"select: index must be an int, got {type(index).__name__}")
        if not -n <= index < n:
            raise IndexError(f"select: index {index} is out of range for dim {dim} of size {n} "
                             f"(tensor of shape {tuple(self.shape)})")
        return self[(slice(None),) * d + (int(index),)]

    @property
    def mT(self):  # noqa: N802  (PyTorch's name)
        """The last two dims swapped (a batch of matrices transposed)."""
        if self.ndim < 2:
            raise ValueError(f"mT: needs a tensor with at least 2 dims, got shape "
                             f"{tuple(self.shape)}")
        return self.transpose(-2, -1)

    mH = mT   # real tensors: the conjugate transpose is the transpose

    @property
    def H(self):  # noqa: N802
        """The transpose of a matrix (2-D only, as in PyTorch)."""
        if self.ndim not in (0, 2):
            raise ValueError(f"H: needs a matrix or a 0-d tensor, got shape {tuple(self.shape)}")
        return self.t()

    def ravel(self):
        return self.reshape(-1)

    def moveaxis(self, source, destination):
        return self.movedim(source, destination)

    def split_with_sizes(self, split_sizes, dim=0):
        return self.split(list(split_sizes), dim)

    def broadcast_to(self, size):
        return self.expand(*size)

    def narrow_copy(self, dim, start, length):
        return self.narrow(dim, start, length).clone()

    # ----------------------------------------------------------------- in-place shape
    def _reshaped_in_place(self, op, view):
        """self takes the shape of view(self) (a view of its memory), recorded as that view
        op when self is in a graph; a leaf that requires grad refuses, as in PyTorch."""
        if self._requires_grad and self._node is None and is_grad_enabled():
            raise RuntimeError(f"{op}: a leaf tensor that requires grad cannot be changed in "
                               f"place; do it under autograd.no_grad() or on a clone")
        viewed = self._base is None and views.has_live_views(self)   # before view() adds one
        if self._node is not None:   # recorded even under no_grad: it stays in its graph
            with enable_grad():
                result = view(self)
        else:
            result = view(self)
        self._data = result._data
        if self._base is not None:
            self._base = _chained(self, result)
        elif viewed:   # its views would be replayed on the new shape: its in-place ops
            self._base = (self, None, None)   # are refused, never wrong
        hooks.rebind(self, result._node)
        return self

    def squeeze_(self, dim=None):
        return self._reshaped_in_place(
            "squeeze_", lambda t: t.squeeze() if dim is None else t.squeeze(dim))

    def unsqueeze_(self, dim):
        return self._reshaped_in_place("unsqueeze_", lambda t: t.unsqueeze(dim))

    def t_(self):
        return self._reshaped_in_place("t_", lambda t: t.t())

    def transpose_(self, dim0, dim1):
        return self._reshaped_in_place("transpose_", lambda t: t.transpose(dim0, dim1))

    swapaxes_ = swapdims_ = transpose_

    # ----------------------------------------------------------------- casts and queries
    def byte(self):
        return self.to(np.uint8)

    def char(self):
        return self.to(np.int8)

    def short(self):
        return self.to(np.int16)

    def ndimension(self) -> int:
        return self.ndim

    def is_signed(self) -> bool:
        return self.dtype.kind in "if"

    def is_complex(self) -> bool:
        return False


for _name in _KEEP_DTYPE:
    setattr(AliasMixin, _name + "_", _in_place(_name, False))
for _name in _FLOAT_RESULT:
    setattr(AliasMixin, _name + "_", _in_place(_name, True))
del _name
