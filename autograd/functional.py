"""Function forms of the Tensor methods (autograd.exp(x) is x.exp()), as in PyTorch."""
from __future__ import annotations

from .ops import activation as A
from .tensor import Tensor, _t


def add(a, b): return _t(a) + b
def sub(a, b): return _t(a) - b
def mul(a, b): return _t(a) * b
def div(a, b): return _t(a) / b
def pow(a, b): return _t(a) ** b  # noqa: A001
def exp(x): return _t(x).exp()
def log(x): return _t(x).log()
def sqrt(x): return _t(x).sqrt()
def abs(x): return _t(x).abs()  # noqa: A001
def neg(x): return -_t(x)
def clamp(x, min=None, max=None): return _t(x).clamp(min, max)  # noqa: A002
def maximum(a, b): return _t(a).maximum(b)
def minimum(a, b): return _t(a).minimum(b)
def relu(x): return _t(x).relu()
def tanh(x): return _t(x).tanh()
def sigmoid(x): return _t(x).sigmoid()
def softmax(x, dim=-1): return _t(x).softmax(dim)
def log_softmax(x, dim=-1): return _t(x).log_softmax(dim)


def leaky_relu(x, negative_slope=0.01):
    """y = x if x > 0 else negative_slope * x."""
    return _t(x).leaky_relu(negative_slope)


def step(x):
    """Heaviside step, 1 where x >= 0 else 0; its gradient is zero (see ops.activation.Step)."""
    return A.Step.apply(_t(x))


heaviside = step


def sum(x, dim=None, keepdim=False): return _t(x).sum(dim, keepdim)  # noqa: A001
def mean(x, dim=None, keepdim=False): return _t(x).mean(dim, keepdim)
def var(x, dim=None, unbiased=True, keepdim=False): return _t(x).var(dim, unbiased, keepdim)
def std(x, dim=None, unbiased=True, keepdim=False): return _t(x).std(dim, unbiased, keepdim)
def max(x, dim=None, keepdim=False): return _t(x).max(dim, keepdim)  # noqa: A001
def min(x, dim=None, keepdim=False): return _t(x).min(dim, keepdim)  # noqa: A001
def amax(x, dim=None, keepdim=False): return _t(x).amax(dim, keepdim)
def amin(x, dim=None, keepdim=False): return _t(x).amin(dim, keepdim)
def logsumexp(x, dim, keepdim=False): return _t(x).logsumexp(dim, keepdim)
def argmax(x, dim=None, keepdim=False): return _t(x).argmax(dim, keepdim)
def argmin(x, dim=None, keepdim=False): return _t(x).argmin(dim, keepdim)
def reshape(x, *shape): return _t(x).reshape(*shape)
def flatten(x, start_dim=0, end_dim=-1): return _t(x).flatten(start_dim, end_dim)
def transpose(x, dim0, dim1): return _t(x).transpose(dim0, dim1)
def permute(x, *dims): return _t(x).permute(*dims)
def squeeze(x, dim=None): return _t(x).squeeze(dim)
def unsqueeze(x, dim): return _t(x).unsqueeze(dim)
def split(x, split_size_or_sections, dim=0): return _t(x).split(split_size_or_sections, dim)
def chunk(x, chunks, dim=0): return _t(x).chunk(chunks, dim)


__all__ = ["add", "sub", "mul", "div", "pow", "exp", "log", "sqrt", "abs", "neg", "clamp",
           "maximum", "minimum", "relu", "tanh", "sigmoid", "softmax", "log_softmax",
           "leaky_relu", "step", "heaviside", "sum", "mean", "var", "std", "max", "min", "amax",
           "amin", "logsumexp", "argmax", "argmin", "reshape", "flatten", "transpose", "permute",
           "squeeze", "unsqueeze", "split", "chunk"]
