"""Tensor's arithmetic, comparison, activation and reduction methods (a mixin of Tensor),
and the free functions matmul and where.

Every method goes through an op class of `ops/` (`Function.apply` records the graph).
"""
from __future__ import annotations

from collections import namedtuple
from numbers import Number

import numpy as np

from .dims import _axes, _numpy_message, _one_axis
from .dtypes import _default_dtype, _result_dtype, bool_
from .ops import activation as A
from .ops import arithmetic as M
from .ops import linalg as L
from .ops import reduce as R

# tensor.py defines Tensor on top of this module's mixin, so it binds the class here once it
# exists (the code below only uses it at call time).
Tensor = None

MaxMin = namedtuple("MaxMin", ["values", "indices"])


def _t(x) -> Tensor:
    """x as a Tensor (a Tensor itself, or a new one holding a copy of x's data)."""
    return x if isinstance(x, Tensor) else Tensor(x)


class MathMixin:
    """Operators, elementwise math, activations and reductions of Tensor."""

    __slots__ = ()

    # ----------------------------------------------------------------- arithmetic
    def _floating(self) -> "Tensor":
        """self, or self cast to the default float dtype if it holds integers or bools."""
        return self if self.data.dtype.kind == "f" else self.to(_default_dtype)

    def _binary(self, fn, other, reverse=False, floating=False):
        other = self._operand(other)
        a, b = (other, self) if reverse else (self, other)
        da, db = a._data.dtype, b._data.dtype
        if da != db or (floating and da.kind != "f"):  # the common case skips promotion
            dtype = _result_dtype(da, db, a._data.ndim == 0, b._data.ndim == 0)
            if floating and dtype.kind != "f":
                dtype = _default_dtype
            if da != dtype:
                a = a.to(dtype)
            if db != dtype:
                b = b.to(dtype)
        try:
            return fn.apply(a, b)
        except ValueError as e:
            if a.data.shape == b.data.shape:
                raise
            raise ValueError(f"{fn.__name__.lower()}: shapes {a.data.shape} and {b.data.shape} "
                             f"cannot be broadcast together") from e

    def __add__(self, other):
        return self._binary(M.Add, other)

    def __radd__(self, other):
        return self._binary(M.Add, other, reverse=True)

    def __sub__(self, other):
        return self._binary(M.Sub, other)

    def __rsub__(self, other):
        return self._binary(M.Sub, other, reverse=True)

    def __mul__(self, other):
        return self._binary(M.Mul, other)

    def __rmul__(self, other):
        return self._binary(M.Mul, other, reverse=True)

    def __truediv__(self, other):
        return self._binary(M.Div, other, floating=True)

    def __rtruediv__(self, other):
        return self._binary(M.Div, other, reverse=True, floating=True)

    def __pow__(self, other):
        if isinstance(other, Number):
            if isinstance(other, float) or self.data.dtype == bool_:
                return M.PowScalar.apply(self._floating(), p=other)
            if self.data.dtype.kind != "f" and other < 0:
                raise ValueError(f"pow: integer tensors cannot be raised to a negative integer "
                                 f"power ({other}); convert to float first")
            return M.PowScalar.apply(self, p=other)
        return self._binary(M.Pow, other)

    def __rpow__(self, other):
        if isinstance(other, Number) and other > 0 and self.data.dtype.kind == "f":
            return M.RPowScalar.apply(self, c=other)
        return self._binary(M.Pow, other, reverse=True)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(self._operand(other), self)

    def __neg__(self):
        return M.Neg.apply(self)

    def __pos__(self):
        return self

    add = __add__
    sub = __sub__
    mul = __mul__
    div = __truediv__
    pow = __pow__
    neg = __neg__

    def _compare(self, ufunc, other):
        o = other.data if isinstance(other, Tensor) else other
        try:
            return Tensor._wrap(np.asarray(ufunc(self.data, o)), False)
        except (ValueError, TypeError) as e:
            raise type(e)(f"{ufunc.__name__}: cannot compare a tensor of shape {self.shape} and "
                          f"dtype {self.dtype} with {type(other).__name__} of shape "
                          f"{np.shape(o)}: {_numpy_message(e)}") from None

    def __lt__(self, other):
        return self._compare(np.less, other)

    def __le__(self, other):
        return self._compare(np.less_equal, other)

    def __gt__(self, other):
        return self._compare(np.greater, other)

    def __ge__(self, other):
        return self._compare(np.greater_equal, other)

    def __eq__(self, other):
        return self._compare(np.equal, other)

    def __ne__(self, other):
        return self._compare(np.not_equal, other)

    def __invert__(self):
        if self.data.dtype != bool_:
            raise TypeError(f"~: only bool tensors can be inverted, not {self.data.dtype}")
        return Tensor._wrap(~self.data, False)

    def __and__(self, other):
        return self._compare(np.logical_and, other)

    def __or__(self, other):
        return self._compare(np.logical_or, other)

    def eq(self, other):
        return self == other

    def exp(self):
        return M.Exp.apply(self._floating())

    def log(self):
        return M.Log.apply(self._floating())

    def sqrt(self):
        return M.Sqrt.apply(self._floating())

    def abs(self):
        return M.Abs.apply(self)

    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise ValueError("clamp: at least one of min and max must be given")
        if self.data.dtype.kind in "iu":  # bounds outside the integer range clamp nothing
            info = np.iinfo(self.data.dtype)
            min = None if min is None else np.clip(min, info.min, info.max)
            max = None if max is None else np.clip(max, info.min, info.max)
        return M.Clamp.apply(self, lo=min, hi=max)

    clip = clamp

    def maximum(self, other):
        return self._binary(M.Maximum, other)

    def minimum(self, other):
        return self._binary(M.Minimum, other)

    # ----------------------------------------------------------------- activations
    def relu(self):
        return A.ReLU.apply(self)

    def tanh(self):
        return A.Tanh.apply(self._floating())

    def sigmoid(self):
        return A.Sigmoid.apply(self._floating())

    def leaky_relu(self, negative_slope=0.01):
        return A.LeakyReLU.apply(self._floating(), slope=float(negative_slope))

    def step(self):
        return A.Step.apply(self)

    def softmax(self, dim=-1):
        return A.Softmax.apply(self._floating(), axis=_one_axis(dim, self.data.ndim, "softmax"))

    def log_softmax(self, dim=-1):
        return A.LogSoftmax.apply(self._floating(),
                                  axis=_one_axis(dim, self.data.ndim, "log_softmax"))

    # ----------------------------------------------------------------- reductions
    def sum(self, dim=None, keepdim=False):
        return R.Sum.apply(self, axis=_axes(dim, self.data.ndim, "sum"), keepdims=keepdim)

    def mean(self, dim=None, keepdim=False):
        if self.data.dtype.kind != "f":
            raise TypeError(f"mean: needs a floating-point tensor, got dtype {self.data.dtype}")
        return R.Mean.apply(self, axis=_axes(dim, self.data.ndim, "mean"), keepdims=keepdim)

    def var(self, dim=None, unbiased=True, keepdim=False, correction=None):
        c = (1 if unbiased else 0) if correction is None else correction
        return R.Var.apply(self._floating(), axis=_axes(dim, self.data.ndim, "var"),
                           correction=c, keepdims=keepdim)

    def std(self, dim=None, unbiased=True, keepdim=False, correction=None):
        c = (1 if unbiased else 0) if correction is None else correction
        return R.Std.apply(self._floating(), axis=_axes(dim, self.data.ndim, "std"),
                           correction=c, keepdims=keepdim)

    def _extreme(self, dim, keepdim, mode):
        if self.data.size == 0:
            raise RuntimeError(f"{mode}: cannot reduce an empty tensor of shape {self.shape}")
        if dim is None:
            return R.AMax.apply(self, axis=None, keepdims=False, mode=mode)
        axis = _one_axis(dim, self.data.ndim, mode)
        if self.data.ndim == 0:
            return MaxMin(self, Tensor._wrap(np.zeros((), np.int64), False))
        arg = np.argmax if mode == "max" else np.argmin
        idx = np.expand_dims(arg(self.data, axis=axis), axis)
        values = R.Gather.apply(self, index=idx, axis=axis)
        if not keepdim:
            values = values.squeeze(axis)
            idx = np.squeeze(idx, axis)
        return MaxMin(values, Tensor._wrap(idx, False))

    def max(self, dim=None, keepdim=False):
        """Max of all elements; or, with dim, (values, indices) along dim like PyTorch."""
        return self._extreme(dim, keepdim, "max")

    def min(self, dim=None, keepdim=False):
        return self._extreme(dim, keepdim, "min")

    def amax(self, dim=None, keepdim=False):
        return R.AMax.apply(self, axis=self._nonempty_axes(dim, "amax"), keepdims=keepdim,
                            mode="max")

    def amin(self, dim=None, keepdim=False):
        return R.AMax.apply(self, axis=self._nonempty_axes(dim, "amin"), keepdims=keepdim,
                            mode="min")

    def _nonempty_axes(self, dim, op):
        """The reduction axes of a max-like op, none of which may be empty (no identity)."""
        axes = _axes(dim, self.data.ndim, op)
        shape = self.data.shape
        if any(shape[a] == 0 for a in (range(len(shape)) if axes is None else axes)):
            raise RuntimeError(f"{op}: cannot reduce over an empty dim of a tensor of shape "
                               f"{shape} (dim={dim}); the reduction has no identity")
        return axes

    def logsumexp(self, dim, keepdim=False):
        axis = _axes(dim, self.data.ndim, "logsumexp")
        return R.LogSumExp.apply(self._floating(), axis=axis, keepdims=keepdim)

    def argmax(self, dim=None, keepdim=False):
        return self._arg(np.argmax, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return self._arg(np.argmin, dim, keepdim)

    def _arg(self, fn, dim, keepdim):
        if self.data.size == 0:
            raise RuntimeError(f"{fn.__name__}: cannot reduce an empty tensor of shape {self.shape}")
        if dim is None:
            return Tensor._wrap(np.asarray(fn(self.data), np.int64), False)
        axis = _one_axis(dim, self.data.ndim, fn.__name__)
        if self.data.ndim == 0:
            return Tensor._wrap(np.zeros((), np.int64), False)
        return Tensor._wrap(np.asarray(fn(self.data, axis=axis, keepdims=keepdim), np.int64), False)

    # ----------------------------------------------------------------- selection
    def masked_fill(self, mask, value):
        mask = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
        return where(mask, self._operand(value), self)


def matmul(a, b) -> Tensor:
    """a @ b with numpy's rules: (..., n, k) @ (..., k, m) -> (..., n, m); 1-D operands allowed."""
    a, b = _t(a), _t(b)
    sa, sb = a.data.shape, b.data.shape
    if a.data.ndim == 0 or b.data.ndim == 0:
        raise ValueError(f"matmul: both operands need at least one dim, got shapes {sa} and {sb}")
    if sa[-1] != sb[-2 if len(sb) > 1 else 0]:
        raise ValueError(f"matmul: shapes {sa} and {sb} are not aligned "
                         f"({sa[-1]} != {sb[-2 if len(sb) > 1 else 0]})")
    if a.data.dtype != b.data.dtype:
        raise RuntimeError(f"matmul: expected both operands to have the same dtype, got "
                           f"{a.data.dtype} and {b.data.dtype}")
    try:
        return L.MatMul.apply(a, b)
    except ValueError as e:
        raise ValueError(f"matmul: batch dims of shapes {sa} and {sb} cannot be broadcast") from e


def where(condition, input, other) -> Tensor:
    """input where condition else other, broadcasting all three."""
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got dtype {cond.dtype}")
    a = input if isinstance(input, Tensor) else None
    b = other if isinstance(other, Tensor) else None
    if a is None and b is None:
        a, b = Tensor(input), Tensor(other)
    elif a is None:
        a = b._operand(input)
    elif b is None:
        b = a._operand(other)
    dtype = _result_dtype(a.data.dtype, b.data.dtype, a.data.ndim == 0, b.data.ndim == 0)
    a, b = a.to(dtype), b.to(dtype)
    try:
        return M.Where.apply(a, b, cond=cond)
    except ValueError as e:
        raise ValueError(f"where: shapes {cond.shape}, {a.shape} and {b.shape} cannot be "
                         f"broadcast together") from e

