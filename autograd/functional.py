"""Function forms of the Tensor methods (autograd.exp(x) is x.exp()), as in PyTorch, with
PyTorch's parameter names (input, other, dim, keepdim)."""
from __future__ import annotations

import builtins
import math

import numpy as np

from .device import as_device
from .dtypes import _supported
from .ops import activation as A
from .tensor import Tensor, _t, _to_array, cat  # noqa: F401  (Tensor re-exported)
from .tensor_index import _wrap, index_add, masked_select, repeat_interleave  # noqa: F401
from .tensor_compare import allclose, equal  # noqa: F401  (re-exported)
from .tensor_math import bmm, einsum, mm  # noqa: F401  (re-exported)

# ruff: noqa: A001, A002  (input, min, max, sum, all, ... are PyTorch's names)


def add(input, other, *, alpha=1): return _t(input).add(other, alpha=alpha)
def sub(input, other, *, alpha=1): return _t(input).sub(other, alpha=alpha)
def mul(input, other): return _t(input) * other
def div(input, other, *, rounding_mode=None):
    return _t(input).div(other, rounding_mode=rounding_mode)


def pow(input, exponent): return _t(input) ** exponent
def floor_divide(input, other): return _t(input).floor_divide(other)
def remainder(input, other): return _t(input).remainder(other)
def exp(input): return _t(input).exp()
def log(input): return _t(input).log()
def sqrt(input): return _t(input).sqrt()
def rsqrt(input): return _t(input).rsqrt()
def log1p(input): return _t(input).log1p()
def expm1(input): return _t(input).expm1()
def sin(input): return _t(input).sin()
def cos(input): return _t(input).cos()
def tan(input): return _t(input).tan()
def square(input): return _t(input).square()
def reciprocal(input): return _t(input).reciprocal()
def abs(input): return _t(input).abs()
def neg(input): return -_t(input)
def clamp(input, min=None, max=None): return _t(input).clamp(min, max)
def maximum(input, other): return _t(input).maximum(other)
def minimum(input, other): return _t(input).minimum(other)
def isnan(input): return _t(input).isnan()
def isinf(input): return _t(input).isinf()
def isfinite(input): return _t(input).isfinite()
def tril(input, diagonal=0): return _t(input).tril(diagonal)
def triu(input, diagonal=0): return _t(input).triu(diagonal)
def relu(input): return _t(input).relu()
def tanh(input): return _t(input).tanh()
def sigmoid(input): return _t(input).sigmoid()
def softmax(input, dim=-1, dtype=None, **aliases): return _t(input).softmax(dim, dtype, **aliases)
def log_softmax(input, dim=-1, dtype=None, **aliases):
    return _t(input).log_softmax(dim, dtype, **aliases)


def leaky_relu(input, negative_slope=0.01):
    """y = x if x > 0 else negative_slope * x."""
    return _t(input).leaky_relu(negative_slope)


def step(input):
    """Heaviside step, 1 where x >= 0 else 0; its gradient is zero (see ops.activation.Step)."""
    return A.Step.apply(_t(input))


heaviside = step


# **aliases: numpy's names axis= / keepdims=, which the methods (and torch) accept
def sum(input, dim=None, keepdim=False, *, dtype=None, **aliases):
    return _t(input).sum(dim, keepdim, dtype, **aliases)


def mean(input, dim=None, keepdim=False, *, dtype=None, **aliases):
    return _t(input).mean(dim, keepdim, dtype, **aliases)


def amax(input, dim=None, keepdim=False, **aliases): return _t(input).amax(dim, keepdim, **aliases)
def amin(input, dim=None, keepdim=False, **aliases): return _t(input).amin(dim, keepdim, **aliases)
def logsumexp(input, *args, **kwargs): return _t(input).logsumexp(*args, **kwargs)
def argmax(input, dim=None, keepdim=False, **aliases):
    return _t(input).argmax(dim, keepdim, **aliases)
def argmin(input, dim=None, keepdim=False, **aliases):
    return _t(input).argmin(dim, keepdim, **aliases)
def all(input, dim=None, keepdim=False, **aliases): return _t(input).all(dim, keepdim, **aliases)
def any(input, dim=None, keepdim=False, **aliases): return _t(input).any(dim, keepdim, **aliases)
def cumsum(input, *args, **kwargs): return _t(input).cumsum(*args, **kwargs)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, **aliases):
    """Variance over dim; var(x, False) is the biased variance of all elements, as torch."""
    return _t(input).var(dim, unbiased, keepdim, correction=correction, **aliases)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, **aliases):
    """Standard deviation over dim; std(x, False) is the biased one of all elements."""
    return _t(input).std(dim, unbiased, keepdim, correction=correction, **aliases)


def max(input, dim=None, keepdim=False, **aliases):
    """Max of all elements; (values, indices) along dim; max(a, b) is maximum(a, b)."""
    return _t(input).max(dim, keepdim, **aliases)


def min(input, dim=None, keepdim=False, **aliases):
    """Min of all elements; (values, indices) along dim; min(a, b) is minimum(a, b)."""
    return _t(input).min(dim, keepdim, **aliases)


def prod(input, dim=None, keepdim=False, *, dtype=None, **aliases):
    """Product of all elements, or along one dim; its gradient is exact where x holds zeros."""
    return _t(input).prod(dim, keepdim, dtype=dtype, **aliases)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """Vector p-norm over dim (default: all elements): p a number, inf, -inf or 'fro'."""
    if out is not None:
        raise TypeError("norm: out= is not supported")
    return _t(input).norm(p, dim, keepdim, dtype=dtype)


def reshape(input, *shape): return _t(input).reshape(*shape)
def flatten(input, start_dim=0, end_dim=-1): return _t(input).flatten(start_dim, end_dim)
def transpose(input, dim0, dim1): return _t(input).transpose(dim0, dim1)
def permute(input, *dims): return _t(input).permute(*dims)
def squeeze(input, dim=None, **aliases): return _t(input).squeeze(dim, **aliases)
def unsqueeze(input, *args, **kwargs): return _t(input).unsqueeze(*args, **kwargs)
def chunk(input, chunks, dim=0): return _t(input).chunk(chunks, dim)


def split(input, split_size_or_sections, dim=0):
    return _t(input).split(split_size_or_sections, dim)


def eq(input, other): return _t(input) == other
def ne(input, other): return _t(input) != other
def lt(input, other): return _t(input) < other
def le(input, other): return _t(input) <= other
def gt(input, other): return _t(input) > other
def ge(input, other): return _t(input) >= other
def logical_and(input, other): return _t(input).logical_and(other)
def logical_or(input, other): return _t(input).logical_or(other)
def logical_xor(input, other): return _t(input).logical_xor(other)
def logical_not(input): return _t(input).logical_not()
def bitwise_and(input, other): return _t(input) & other
def bitwise_or(input, other): return _t(input) | other
def bitwise_xor(input, other): return _t(input) ^ other
def bitwise_not(input): return ~_t(input)
def bitwise_left_shift(input, other): return _t(input) << other
def bitwise_right_shift(input, other): return _t(input) >> other
def sign(input): return _t(input).sign()
def floor(input): return _t(input).floor()
def ceil(input): return _t(input).ceil()
def trunc(input): return _t(input).trunc()
def round(input, *, decimals=0): return _t(input).round(decimals)
def clamp_min(input, min): return _t(input).clamp_min(min)
def clamp_max(input, max): return _t(input).clamp_max(max)
def lerp(input, end, weight): return _t(input).lerp(end, weight)
def addcmul(input, tensor1, tensor2, *, value=1):
    return _t(input).addcmul(tensor1, tensor2, value=value)
def addcdiv(input, tensor1, tensor2, *, value=1):
    return _t(input).addcdiv(tensor1, tensor2, value=value)
def cumprod(input, *args, **kwargs): return _t(input).cumprod(*args, **kwargs)
def dot(input, tensor): return _t(input).dot(tensor)
def outer(input, vec2): return _t(input).outer(vec2)
def diag(input, diagonal=0): return _t(input).diag(diagonal)
def swapaxes(input, axis0, axis1): return _t(input).transpose(axis0, axis1)
def movedim(input, source, destination): return _t(input).movedim(source, destination)
def unflatten(input, dim, sizes): return _t(input).unflatten(dim, sizes)
def narrow(input, dim, start, length): return _t(input).narrow(dim, start, length)
def unbind(input, dim=0): return _t(input).unbind(dim)
def numel(input): return _t(input).numel()
def is_tensor(obj): return isinstance(obj, Tensor)
def is_floating_point(input): return input.is_floating_point()


swapdims = swapaxes
pi, e, inf, nan = math.pi, math.e, math.inf, math.nan


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """data as a tensor without a copy where possible: a Tensor of the same dtype is
    returned as is, a numpy array of a supported dtype is shared (as from_numpy)."""
    if device is not None:
        as_device(device, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or np.dtype(dtype) == data.dtype):
        return Tensor._wrap(_supported(data, "as_tensor"), False)
    return Tensor._wrap(_to_array(data, dtype), False)


def meshgrid(*tensors, indexing="ij"):
    """1-D tensors (n0,), (n1,), ... -> one (n0, n1, ...) grid each ('xy' swaps the first two
    dims of the result, as numpy); differentiable (each grid is an expanded view)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    tensors = [_t(t) for t in tensors]
    if not tensors:
        raise RuntimeError("meshgrid: expects a non-empty list of tensors")
    if builtins.any(t.ndim > 1 for t in tensors) or len({t.dtype for t in tensors}) > 1:
        raise RuntimeError(f"meshgrid: expected 0-D or 1-D tensors of one dtype, got shapes "
                           f"{[t.shape for t in tensors]} and dtypes "
                           f"{[str(t.dtype) for t in tensors]}")
    swap = indexing == "xy" and len(tensors) >= 2
    order = [1, 0] + list(range(2, len(tensors))) if swap else list(range(len(tensors)))
    shape = tuple(tensors[i].numel() for i in order)
    out = []
    for i, t in enumerate(tensors):
        at = order.index(i)
        view = [1] * len(tensors)
        view[at] = shape[at]
        out.append(t.reshape(view).expand(shape))
    return tuple(out)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The sorted distinct elements (or slices along dim) of input, optionally with the
    int64 inverse (where each element went) and counts; carries no gradient."""
    x = _t(input)
    if dim is None:
        vals, inv, counts = np.unique(x.data, return_inverse=True, return_counts=True)
        inv = inv.reshape(x.shape)
    else:
        from .dims import _one_axis
        axis = _one_axis(dim, x.ndim, "unique")
        if x.ndim == 0:
            raise IndexError("unique: dim is not supported for a 0-d tensor")
        vals, inv, counts = np.unique(x.data, return_inverse=True, return_counts=True,
                                      axis=axis)
        inv = inv.reshape(-1)
    out = (_wrap(vals.astype(x.dtype, copy=False)),)
    if return_inverse:
        out += (_wrap(inv.astype(np.int64)),)
    if return_counts:
        out += (_wrap(counts.astype(np.int64)),)
    return out[0] if len(out) == 1 else out


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along dim: out[i] = x[i + 1] - x[i], applied n times,
    after prepend/append are concatenated along dim. Bool tensors give x[i + 1] != x[i]."""
    x = _t(input)
    if x.ndim == 0:
        raise RuntimeError("diff: expects input to be at least one-dimensional")
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise RuntimeError(f"diff: order must be a non-negative int, got {n!r}")
    from .dims import _one_axis
    axis = _one_axis(dim, x.ndim, "diff")
    parts = [p for p in (prepend, x, append) if p is not None]
    parts = [_t(p) for p in parts]
    if builtins.any(p.ndim != x.ndim for p in parts):
        raise RuntimeError(f"diff: prepend and append must have the input's ndim, got shapes "
                           f"{[p.shape for p in parts]}")
    if len(parts) > 1:
        x = cat(parts, axis)
    for _ in range(n):
        m = x.shape[axis]
        if m == 0:
            break
        hi = x.narrow(axis, 1, m - 1)
        lo = x.narrow(axis, 0, m - 1)
        x = hi != lo if x.dtype == np.bool_ else hi - lo
    return x.clone() if x is parts[0] else x   # n = 0 (or an empty dim): a copy, as torch


__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
           "bitwise_left_shift", "bitwise_right_shift",
           "logical_not", "sign", "floor", "ceil", "trunc", "round", "clamp_min", "clamp_max",
           "lerp", "addcmul", "addcdiv", "cumprod", "dot", "outer", "diag", "swapaxes",
           "swapdims", "movedim", "unflatten", "narrow", "unbind", "numel", "is_tensor",
           "is_floating_point", "pi", "e", "inf", "nan", "as_tensor", "meshgrid", "unique",
           "diff", "repeat_interleave", "masked_select", "index_add",
           "add", "sub", "mul", "div", "pow", "floor_divide", "remainder", "exp", "log", "sqrt",
           "rsqrt", "log1p", "expm1", "sin", "cos", "tan", "square", "reciprocal", "abs", "neg",
           "clamp", "maximum", "minimum", "isnan", "isinf", "isfinite", "tril", "triu", "relu",
           "tanh", "sigmoid", "softmax", "log_softmax", "leaky_relu", "step", "heaviside", "sum",
           "mean", "var", "std", "max", "min", "amax", "amin", "logsumexp", "argmax", "argmin",
           "all", "any", "prod", "norm", "cumsum", "allclose", "equal", "einsum", "mm", "bmm",
           "reshape", "flatten", "transpose", "permute", "squeeze", "unsqueeze", "split",
           "chunk"]


# tile, take_along_dim, ..., tensordot, cdist, broadcast_tensors: see functional_more.py
from .functional_more import *  # noqa: E402,F401,F403
from .functional_more import __all__ as _extra

__all__ += _extra
from .functional_arrange import *  # noqa: E402,F401,F403
from .functional_arrange import __all__ as _arrange
__all__ += _arrange
from .functional_special import *  # noqa: E402,F401,F403
from .functional_special import __all__ as _special
__all__ += _special
from .functional_aliases import *  # noqa: E402,F401,F403
from .functional_aliases import __all__ as _aliases

__all__ += _aliases
from .functional_math_more import *  # noqa: E402,F401,F403
from .functional_math_more import __all__ as _math_more

__all__ += _math_more
