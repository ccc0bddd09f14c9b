"""Helpers shared by the distributions: parameter broadcasting, probs <-> logits, lazy
parameters, and the noise every sampler draws from the engine's default generator."""
from __future__ import annotations

import numbers
from functools import update_wrapper

import numpy as np

from .. import dtypes
from ..compat import Size, finfo
from ..function import enable_grad
from ..functional_more import broadcast_tensors
from ..generator import pick
from ..ops.loss import SoftplusNeg
from ..tensor import Tensor

euler_constant = 0.57721566490153286060


def is_number(v) -> bool:
    return isinstance(v, numbers.Number) and not isinstance(v, Tensor)


def broadcast_all(*values) -> tuple:
    """Tensors and numbers -> Tensors of one broadcast shape. Numbers become tensors of the
    first tensor's dtype (of the default dtype when all are numbers), as in torch."""
    if not all(isinstance(v, Tensor) or is_number(v) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number or "
                         "autograd.Tensor.")
    dtype = next((v.dtype for v in values if isinstance(v, Tensor)), dtypes._default_dtype)
    tensors = [v if isinstance(v, Tensor) else Tensor(np.asarray(v, dtype)) for v in values]
    return broadcast_tensors(*tensors)


def as_size(shape) -> Size:
    """A sample_shape / batch_shape argument (a tuple, list, Size or int) as a Size."""
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    return Size(int(n) for n in shape)


def broadcast_shapes(*shapes) -> Size:
    try:
        return Size(np.broadcast_shapes(*(tuple(s) for s in shapes)))
    except ValueError:
        raise ValueError(f"shapes {', '.join(str(tuple(s)) for s in shapes)} cannot be "
                         f"broadcast together") from None


def sum_rightmost(value, dim: int):
    """value summed over its `dim` rightmost dims (dim == 0: value itself)."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:-dim]) + (-1,)).sum(-1)


def softplus(x: Tensor) -> Tensor:
    """log(1 + exp(x)) without overflow, for every x (no threshold)."""
    return SoftplusNeg.apply(-x)


def clamp_probs(probs: Tensor) -> Tensor:
    eps = float(finfo(probs.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """sigmoid(logits) for a binary variable, else softmax over the last dim."""
    return logits.sigmoid() if is_binary else logits.softmax(-1)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """log-odds for a binary variable, else log-probabilities; probs are first clamped to
    [eps, 1 - eps] so that 0 and 1 give finite logits."""
    p = clamp_probs(probs)
    return p.log() - (-p).log1p() if is_binary else p.log()


class lazy_property:
    """A parameter computed on first use from the other one (Categorical's probs from its
    logits, or the reverse), then stored on the instance; computed with grad enabled so it
    stays differentiable when first read under no_grad."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        update_wrapper(self, wrapped)

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def constant(array: np.ndarray, dtype) -> Tensor:
    """An ndarray as a tensor of dtype that needs no gradient."""
    return Tensor(np.asarray(array).astype(dtype, copy=False))


def standard_normal(shape, dtype) -> Tensor:
    """N(0, 1) noise of shape from the default generator (autograd.manual_seed fixes it)."""
    return constant(pick(None).standard_normal(tuple(shape)), dtype)


def uniform(shape, dtype) -> Tensor:
    """U[0, 1) noise of shape from the default generator, below 1 also after the cast to
    dtype (a float64 draw can round up to 1.0 in float32)."""
    u = pick(None).random(tuple(shape)).astype(dtype)
    np.minimum(u, np.nextafter(u.dtype.type(1), u.dtype.type(0)), out=u)
    return Tensor(u)


def rng() -> np.random.Generator:
    """The engine's default generator, looked up on each draw (manual_seed replaces it)."""
    return pick(None)


__all__ = ["broadcast_all", "logits_to_probs", "probs_to_logits", "clamp_probs",
           "lazy_property", "euler_constant"]
