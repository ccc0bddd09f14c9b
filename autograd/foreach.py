"""torch._foreach_*: one op over a list of tensors, as EMA helpers and optimizer code call
them. Each is a loop over the per-tensor op (torch fuses them into multi-tensor kernels; the
results are the same), so gradients, in-place checks and dtype rules are the per-tensor
op's own.

The second argument is, as in torch: a number, a list of numbers (one per tensor), a list of
tensors (one per tensor) or one tensor (used with every tensor). In-place forms return the
list they were given; the others return a tuple of new tensors.

    with autograd.no_grad():
        autograd._foreach_lerp_(ema_params, params, 1 - decay)
"""
from __future__ import annotations

from numbers import Number

import numpy as np

from .linalg import vector_norm
from .tensor import Tensor

__all__ = ["_foreach_add", "_foreach_add_", "_foreach_sub", "_foreach_sub_", "_foreach_mul",
           "_foreach_mul_", "_foreach_div", "_foreach_div_", "_foreach_lerp", "_foreach_lerp_",
           "_foreach_addcmul", "_foreach_addcmul_", "_foreach_addcdiv", "_foreach_addcdiv_",
           "_foreach_zero_", "_foreach_copy_", "_foreach_norm", "_foreach_sqrt",
           "_foreach_sqrt_", "_foreach_neg", "_foreach_neg_", "_foreach_abs", "_foreach_abs_",
           "_foreach_exp", "_foreach_exp_", "_foreach_reciprocal", "_foreach_reciprocal_",
           "_foreach_clone"]


def _tensors(op: str, tensors) -> list:
    """The tensor list argument, checked: a non-empty list or tuple of Tensors."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expected a list or tuple of Tensors, got "
                        f"{type(tensors).__name__}")
    if not tensors:
        raise RuntimeError("Tensor list must have at least one tensor.")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: element {i} of the tensor list is a "
                            f"{type(t).__name__}, not a Tensor")
    return list(tensors)


def _per_tensor(op: str, n: int, other, name: str = "other") -> list:
    """other for each of n tensors: a number or one Tensor repeated, or a list's items."""
    if isinstance(other, (Number, Tensor)):
        return [other] * n
    if isinstance(other, np.ndarray) and other.ndim == 0:
        return [other.item()] * n
    if not isinstance(other, (list, tuple)):
        raise TypeError(f"{op}: {name} must be a number, a Tensor, or a list of numbers or "
                        f"Tensors, got {type(other).__name__}")
    if len(other) != n:
        if all(isinstance(o, Tensor) for o in other):
            raise RuntimeError(f"Tensor lists must have the same number of tensors, got {n} "
                               f"and {len(other)}")
        raise RuntimeError("Tensor list must have same number of elements as scalar list.")
    return list(other)


def _scalars(op: str, n: int, value, name: str = "value") -> list:
    """addcmul/addcdiv's value: a number, a list of numbers, or a 1-D tensor of n numbers."""
    if isinstance(value, Tensor):
        if value.ndim != 1 or value.shape[0] != n:
            raise RuntimeError(f"{op}: a tensor {name} must be 1-D with one number per "
                               f"tensor ({n}), got shape {tuple(value.shape)}")
        return value.tolist()
    return _per_tensor(op, n, value, name)


def _check_alpha(op: str, other, alpha) -> None:
    # torch takes alpha only with tensor operands: with numbers, fold it into them
    tensor_other = isinstance(other, Tensor) or (
        isinstance(other, (list, tuple)) and other and isinstance(other[0], Tensor))
    if alpha != 1 and not tensor_other:
        raise TypeError(f"{op}: alpha is only accepted with a Tensor or a list of Tensors "
                        f"as other, got {type(other).__name__}")


# ------------------------------------------------------------------------- binary
def _foreach_add(self, other, *, alpha=1) -> tuple:
    """(t + alpha * o for each t, o); other: number, numbers, Tensors or one Tensor."""
    ts = _tensors("_foreach_add", self)
    _check_alpha("_foreach_add", other, alpha)
    return tuple(t.add(o, alpha=alpha) for t, o in
                 zip(ts, _per_tensor("_foreach_add", len(ts), other)))


def _foreach_add_(self, other, *, alpha=1) -> list:
    """t += alpha * o for each t, o, in place; returns self."""
    ts = _tensors("_foreach_add_", self)
    _check_alpha("_foreach_add_", other, alpha)
    for t, o in zip(ts, _per_tensor("_foreach_add_", len(ts), other)):
        t.add_(o, alpha=alpha)
    return self


def _foreach_sub(self, other, *, alpha=1) -> tuple:
    """(t - alpha * o for each t, o)."""
    ts = _tensors("_foreach_sub", self)
    _check_alpha("_foreach_sub", other, alpha)
    return tuple(t.sub(o, alpha=alpha) for t, o in
                 zip(ts, _per_tensor("_foreach_sub", len(ts), other)))


def _foreach_sub_(self, other, *, alpha=1) -> list:
    """t -= alpha * o for each t, o, in place; returns self."""
    ts = _tensors("_foreach_sub_", self)
    _check_alpha("_foreach_sub_", other, alpha)
    for t, o in zip(ts, _per_tensor("_foreach_sub_", len(ts), other)):
        t.sub_(o, alpha=alpha)
    return self


def _foreach_mul(self, other) -> tuple:
    """(t * o for each t, o)."""
    ts = _tensors("_foreach_mul", self)
    return tuple(t.mul(o) for t, o in zip(ts, _per_tensor("_foreach_mul", len(ts), other)))


def _foreach_mul_(self, other) -> list:
    """t *= o for each t, o, in place; returns self."""
    ts = _tensors("_foreach_mul_", self)
    for t, o in zip(ts, _per_tensor("_foreach_mul_", len(ts), other)):
        t.mul_(o)
    return self


def _foreach_div(self, other) -> tuple:
    """(t / o for each t, o)."""
    ts = _tensors("_foreach_div", self)
    return tuple(t.div(o) for t, o in zip(ts, _per_tensor("_foreach_div", len(ts), other)))


def _foreach_div_(self, other) -> list:
    """t /= o for each t, o, in place; returns self."""
    ts = _tensors("_foreach_div_", self)
    for t, o in zip(ts, _per_tensor("_foreach_div_", len(ts), other)):
        t.div_(o)
    return self


# ------------------------------------------------------------------------- ternary
def _foreach_lerp(self, tensors1, weight) -> tuple:
    """(t + w * (e - t) for each t, e, w); weight: number, numbers or Tensors."""
    ts = _tensors("_foreach_lerp", self)
    ends = _per_tensor("_foreach_lerp", len(ts), _tensors("_foreach_lerp", tensors1),
                       "tensors1")
    return tuple(t.lerp(e, w) for t, e, w in
                 zip(ts, ends, _per_tensor("_foreach_lerp", len(ts), weight, "weight")))


def _foreach_lerp_(self, tensors1, weight) -> list:
    """t += w * (e - t) for each t, e, w, in place (an EMA update); returns self."""
    ts = _tensors("_foreach_lerp_", self)
    ends = _per_tensor("_foreach_lerp_", len(ts), _tensors("_foreach_lerp_", tensors1),
                       "tensors1")
    for t, e, w in zip(ts, ends, _per_tensor("_foreach_lerp_", len(ts), weight, "weight")):
        t.lerp_(e, w)
    return self


def _operands(op, self, tensor1, tensor2, value, scalars):
    if scalars is not None:   # torch's keyword for a list or a tensor of values
        value = scalars
    ts = _tensors(op, self)
    a = _per_tensor(op, len(ts), _tensors(op, tensor1), "tensor1")
    b = _per_tensor(op, len(ts), _tensors(op, tensor2), "tensor2")
    return zip(ts, a, b, _scalars(op, len(ts), value))


def _foreach_addcmul(self, tensor1, tensor2, value=1, *, scalars=None) -> tuple:
    """(t + v * a * b for each t, a, b, v); value: number, numbers or a 1-D tensor."""
    operands = _operands("_foreach_addcmul", self, tensor1, tensor2, value, scalars)
    return tuple(t.addcmul(a, b, value=v) for t, a, b, v in operands)


def _foreach_addcmul_(self, tensor1, tensor2, value=1, *, scalars=None) -> list:
    """t += v * a * b for each t, a, b, v, in place; returns self."""
    for t, a, b, v in _operands("_foreach_addcmul_", self, tensor1, tensor2, value, scalars):
        t.addcmul_(a, b, value=v)
    return self


def _foreach_addcdiv(self, tensor1, tensor2, value=1, *, scalars=None) -> tuple:
    """(t + v * a / b for each t, a, b, v)."""
    operands = _operands("_foreach_addcdiv", self, tensor1, tensor2, value, scalars)
    return tuple(t.addcdiv(a, b, value=v) for t, a, b, v in operands)


def _foreach_addcdiv_(self, tensor1, tensor2, value=1, *, scalars=None) -> list:
    """t += v * a / b for each t, a, b, v, in place; returns self."""
    for t, a, b, v in _operands("_foreach_addcdiv_", self, tensor1, tensor2, value, scalars):
        t.addcdiv_(a, b, value=v)
    return self


# ------------------------------------------------------------------------- the rest
def _foreach_zero_(self) -> list:
    """Fill every tensor with zeros, in place; returns self."""
    for t in _tensors("_foreach_zero_", self):
        t.zero_()
    return self


def _foreach_copy_(self, src, non_blocking: bool = False) -> list:
    """Copy src[i] into self[i] (broadcast and cast as Tensor.copy_), in place; returns
    self."""
    ts = _tensors("_foreach_copy_", self)
    for t, s in zip(ts, _per_tensor("_foreach_copy_", len(ts), _tensors("_foreach_copy_", src),
                                    "src")):
        t.copy_(s)
    return self


def _foreach_norm(self, ord=2, dtype=None) -> tuple:
    """(the ord-norm of each tensor's elements, a 0-d tensor) as linalg.vector_norm."""
    return tuple(vector_norm(t, ord, dtype=dtype) for t in _tensors("_foreach_norm", self))


def _foreach_clone(self) -> tuple:
    return tuple(t.clone() for t in _tensors("_foreach_clone", self))


def _unary(method: str):
    """The out-of-place and in-place _foreach forms of the Tensor method `method`."""
    def out_of_place(self) -> tuple:
        return tuple(getattr(t, method)() for t in _tensors(f"_foreach_{method}", self))

    def in_place(self) -> list:
        for t in _tensors(f"_foreach_{method}_", self):
            getattr(t, method + "_")()
        return self

    out_of_place.__name__, in_place.__name__ = f"_foreach_{method}", f"_foreach_{method}_"
    out_of_place.__doc__ = f"({method}(t) for each t)."
    in_place.__doc__ = f"t = {method}(t) for each t, in place; returns self."
    return out_of_place, in_place


_foreach_sqrt, _foreach_sqrt_ = _unary("sqrt")
_foreach_neg, _foreach_neg_ = _unary("neg")
_foreach_abs, _foreach_abs_ = _unary("abs")
_foreach_exp, _foreach_exp_ = _unary("exp")
_foreach_reciprocal, _foreach_reciprocal_ = _unary("reciprocal")
