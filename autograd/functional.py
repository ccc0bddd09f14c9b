"""Function forms of the Tensor methods (autograd.exp(x) is x.exp()), as in PyTorch, with
PyTorch's parameter names (input, other, dim, keepdim)."""
from __future__ import annotations

from .ops import activation as A
from .tensor import Tensor, _t  # noqa: F401  (Tensor re-exported)
from .tensor_math import allclose, bmm, einsum, equal, mm  # noqa: F401  (re-exported)

# ruff: noqa: A001, A002  (input, min, max, sum, all, ... are PyTorch's names)


def add(input, other): return _t(input) + other
def sub(input, other): return _t(input) - other
def mul(input, other): return _t(input) * other
def div(input, other): return _t(input) / other
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
def softmax(input, dim=-1): return _t(input).softmax(dim)
def log_softmax(input, dim=-1): return _t(input).log_softmax(dim)


def leaky_relu(input, negative_slope=0.01):
    """y = x if x > 0 else negative_slope * x."""
    return _t(input).leaky_relu(negative_slope)


def step(input):
    """Heaviside step, 1 where x >= 0 else 0; its gradient is zero (see ops.activation.Step)."""
    return A.Step.apply(_t(input))


heaviside = step


def sum(input, dim=None, keepdim=False): return _t(input).sum(dim, keepdim)
def mean(input, dim=None, keepdim=False): return _t(input).mean(dim, keepdim)
def amax(input, dim=None, keepdim=False): return _t(input).amax(dim, keepdim)
def amin(input, dim=None, keepdim=False): return _t(input).amin(dim, keepdim)
def logsumexp(input, dim, keepdim=False): return _t(input).logsumexp(dim, keepdim)
def argmax(input, dim=None, keepdim=False): return _t(input).argmax(dim, keepdim)
def argmin(input, dim=None, keepdim=False): return _t(input).argmin(dim, keepdim)
def all(input, dim=None, keepdim=False): return _t(input).all(dim, keepdim)
def any(input, dim=None, keepdim=False): return _t(input).any(dim, keepdim)
def cumsum(input, dim, *, dtype=None): return _t(input).cumsum(dim, dtype=dtype)


def var(input, dim=None, unbiased=True, keepdim=False):
    return _t(input).var(dim, unbiased, keepdim)


def std(input, dim=None, unbiased=True, keepdim=False):
    return _t(input).std(dim, unbiased, keepdim)


def max(input, dim=None, keepdim=False):
    """Max of all elements; (values, indices) along dim; max(a, b) is maximum(a, b)."""
    return _t(input).max(dim, keepdim)


def min(input, dim=None, keepdim=False):
    """Min of all elements; (values, indices) along dim; min(a, b) is minimum(a, b)."""
    return _t(input).min(dim, keepdim)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product of all elements, or along one dim; its gradient is exact where x holds zeros."""
    return _t(input).prod(dim, keepdim, dtype=dtype)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """Vector p-norm over dim (default: all elements): p a number, inf, -inf or 'fro'."""
    if out is not None:
        raise TypeError("norm: out= is not supported")
    return _t(input).norm(p, dim, keepdim, dtype=dtype)


def reshape(input, *shape): return _t(input).reshape(*shape)
def flatten(input, start_dim=0, end_dim=-1): return _t(input).flatten(start_dim, end_dim)
def transpose(input, dim0, dim1): return _t(input).transpose(dim0, dim1)
def permute(input, *dims): return _t(input).permute(*dims)
def squeeze(input, dim=None): return _t(input).squeeze(dim)
def unsqueeze(input, dim): return _t(input).unsqueeze(dim)
def chunk(input, chunks, dim=0): return _t(input).chunk(chunks, dim)


def split(input, split_size_or_sections, dim=0):
    return _t(input).split(split_size_or_sections, dim)


__all__ = ["add", "sub", "mul", "div", "pow", "floor_divide", "remainder", "exp", "log", "sqrt",
           "rsqrt", "log1p", "expm1", "sin", "cos", "tan", "square", "reciprocal", "abs", "neg",
           "clamp", "maximum", "minimum", "isnan", "isinf", "isfinite", "tril", "triu", "relu",
           "tanh", "sigmoid", "softmax", "log_softmax", "leaky_relu", "step", "heaviside", "sum",
           "mean", "var", "std", "max", "min", "amax", "amin", "logsumexp", "argmax", "argmin",
           "all", "any", "prod", "norm", "cumsum", "allclose", "equal", "einsum", "mm", "bmm",
           "reshape", "flatten", "transpose", "permute", "squeeze", "unsqueeze", "split",
           "chunk"]
