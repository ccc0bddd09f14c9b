"""Gradient clipping with PyTorch's semantics (torch.nn.utils.clip_grad)."""
from __future__ import annotations

import math
import types
import warnings

import numpy as np

from autograd import Tensor


def _as_list(parameters) -> list:
    if isinstance(parameters, Tensor):
        return [parameters]
    is_generator = isinstance(parameters, types.GeneratorType)
    parameters = list(parameters)
    if is_generator and not parameters:
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur",
                      stacklevel=3)
    return parameters


def _vector_norm(a: np.ndarray, p: float) -> float:
    """The p-norm of all entries of a (p may be inf, -inf or 0), in a's dtype."""
    a = a.reshape(-1)
    if a.size == 0:
        return a.dtype.type(0)
    if p == 2.0:
        with np.errstate(over="ignore"):
            n = np.sqrt(np.dot(a, a))
        if np.isinf(n) and a.dtype.itemsize < 8 and np.isfinite(a).all():
            # the sum of squares overflowed in float32 though the norm itself may not
            n = a.dtype.type(np.sqrt(np.dot(a.astype(np.float64), a.astype(np.float64))))
        return n
    if p == math.inf:
        return np.abs(a).max()
    if p == -math.inf:
        return np.abs(a).min()
    if p == 0.0:
        return a.dtype.type(np.count_nonzero(a))
    if p == 1.0:
        return np.abs(a).sum()
    return np.sum(np.abs(a) ** p) ** (1.0 / p)


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """The p-norm of the norms of each tensor (= the norm of all their entries), as a 0-d Tensor.

    foreach (here and below) only picks an implementation in PyTorch; it is accepted and ignored.
    """
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    try:   # a number, or a string of one ('inf'), as torch's float(norm_type)
        norm_type = float(norm_type)
    except (TypeError, ValueError):
        raise ValueError(f"clip_grad_norm_: norm_type must be a number or 'inf', got "
                         f"{norm_type!r}") from None
    if not tensors:
        return Tensor._wrap(np.zeros((), np.float32), False)
    dtype = np.result_type(*[t.data.dtype for t in tensors])
    norms = np.array([_vector_norm(t.data, norm_type) for t in tensors], dtype=dtype)
    total = np.asarray(_vector_norm(norms, norm_type), dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           f"gradients is non-finite ({float(total)}), so it cannot be clipped; "
                           f"pass error_if_nonfinite=False to scale the gradients by it anyway")
    return Tensor._wrap(total, False)


def _float_grads(parameters, op) -> list:
    """The parameters' .grad tensors, which must be floating point to be scaled in place."""
    grads = [p.grad for p in parameters if p.grad is not None]
    for g in grads:
        if g.data.dtype.kind != "f":
            raise TypeError(f"{op}: a gradient of shape {tuple(g.shape)} has dtype "
                            f"{g.data.dtype}; gradients must be floating point")
    return grads


def clip_grads_with_norm_(parameters, max_norm: float, total_norm,
                          foreach: bool | None = None) -> None:
    """Scale every .grad in place by min(1, max_norm / (total_norm + 1e-6))."""
    grads = _float_grads(_as_list(parameters), "clip_grads_with_norm_")
    if not grads:
        return
    total = np.asarray(total_norm.data if isinstance(total_norm, Tensor) else total_norm)
    if total.dtype.kind != "f":
        total = total.astype(np.float32)
    kind = total.dtype.type
    coef = np.minimum(kind(max_norm) / (total + kind(1e-6)), kind(1.0))
    with np.errstate(invalid="ignore"):  # inf * 0 -> nan, as in PyTorch
        for g in grads:
            np.multiply(g.data, coef.astype(g.data.dtype), out=g.data)


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Scale the gradients so their joint norm is at most max_norm; returns the norm before.

    parameters: a Tensor or an iterable of Tensors (those without .grad are skipped).
    The result is a 0-d Tensor in the gradients' dtype, as in PyTorch.
    """
    max_norm = float(max_norm)
    if not max_norm >= 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    parameters = _as_list(parameters)
    grads = _float_grads(parameters, "clip_grad_norm_")
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient entry to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    if not clip_value >= 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for g in _float_grads(_as_list(parameters), "clip_grad_value_"):
        np.clip(g.data, -clip_value, clip_value, out=g.data)
