"""Function forms of tensor_math_more's methods (autograd.asin(x) is x.asin()), and the
functions torch has without a method: isin, trapezoid, trapz, cumulative_trapezoid."""
from __future__ import annotations

import warnings
from numbers import Number

import numpy as np

from . import tensor_math as _tm  # its Tensor is bound by tensor.py once the class exists
from .dims import _one_axis
from .dtypes import _result_dtype
from .functional_more import _method, _tensor_method
from .ops import activation as A
from .tensor_extra import _about
from .tensor_special import _pair

# ruff: noqa: A001, A002  (input, min, max, sorted are PyTorch's names)


(asin, acos, atan, sinh, cosh, asinh, acosh, atanh, arcsin, arccos, arctan, arcsinh, arccosh,
 arctanh, log2, log10, exp2, deg2rad, rad2deg) = map(_method, [
    "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "arcsin", "arccos",
    "arctan", "arcsinh", "arccosh", "arctanh", "log2", "log10", "exp2", "deg2rad", "rad2deg"])
(absolute, negative, fix, conj, resolve_conj, resolve_neg, msort, diag_embed, diagflat,
 argwhere, histc, bincount, unique, unique_consecutive) = map(_method, [
    "absolute", "negative", "fix", "conj", "resolve_conj", "resolve_neg", "msort",
    "diag_embed", "diagflat", "argwhere", "histc", "bincount", "unique", "unique_consecutive"])
(atan2, arctan2, gcd, lcm, take, vdot, mv, logdet, det, inverse, pinverse, greater,
 greater_equal, less, less_equal, not_equal) = map(_tensor_method, [
    "atan2", "arctan2", "gcd", "lcm", "take", "vdot", "mv", "logdet", "det", "inverse",
    "pinverse", "greater", "greater_equal", "less", "less_equal", "not_equal"])


def heaviside(input, values=None):
    """input.heaviside(values); without values, the engine's step (1 where x >= 0 else 0,
    zero gradient), which autograd.heaviside was before."""
    if values is None:
        return A.Step.apply(_tm._t(input))
    if not isinstance(input, _tm.Tensor):
        raise TypeError(f"heaviside: input must be a tensor, got {type(input).__name__}")
    return input.heaviside(values)


def clip(input, min=None, max=None):
    """clamp: input limited to [min, max]."""
    return _tm._t(input).clamp(min, max)


def subtract(input, other, *, alpha=1):
    """input - alpha * other; either may be a number."""
    a, b = _pair("subtract", input, other)
    return a.subtract(b, alpha=alpha)


def multiply(input, other):
    """input * other; either may be a number."""
    a, b = _pair("multiply", input, other)
    return a * b


def divide(input, other, *, rounding_mode=None):
    """input / other, rounded if asked ('trunc' or 'floor'); either may be a number."""
    if rounding_mode is None:
        if not isinstance(input, _tm.Tensor) and not isinstance(other, _tm.Tensor):
            raise TypeError(f"divide: needs at least one tensor, got {type(input).__name__} "
                            f"and {type(other).__name__}")
        return input / other
    a, b = _pair("divide", input, other)
    return a.divide(b, rounding_mode=rounding_mode)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Bool tensor of elements' shape: whether each element is in test_elements (either may
    be a number; compared in their promoted dtype; NaN is in nothing)."""
    if not isinstance(elements, _tm.Tensor) and not isinstance(test_elements, _tm.Tensor):
        raise TypeError(f"isin: needs at least one tensor, got {type(elements).__name__} and "
                        f"{type(test_elements).__name__}")
    arrays = []
    for name, v in (("elements", elements), ("test_elements", test_elements)):
        if not isinstance(v, (_tm.Tensor, Number)):
            raise TypeError(f"isin: {name} must be a tensor or a number, got "
                            f"{type(v).__name__}")
        arrays.append(v.data if isinstance(v, _tm.Tensor) else _tm._t(v).data)
    e, t = arrays
    if e.dtype == np.bool_ or t.dtype == np.bool_:
        raise TypeError(f"isin: bool tensors are not supported, got "
                        f"{_about(elements=e, test_elements=t)}")
    dtype = _result_dtype(e.dtype, t.dtype, e.ndim == 0, t.ndim == 0)
    out = np.isin(e.astype(dtype), t.astype(dtype), assume_unique=assume_unique,
                  invert=invert)
    return _tm.Tensor._wrap(np.asarray(out), False)


# ---------------------------------------------------------------- statistics
def _check_tensor(op, name, v):
    if not isinstance(v, _tm.Tensor):
        raise TypeError(f"{op}: {name} must be a tensor, got {type(v).__name__}")


def _int(op, name, v):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{op}: {name} must be an int, got {v!r}")
    return int(v)


def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance of the variables (rows) over the observations (columns):
    (V, N) -> (V, V) (1-D or 0-d: one variable -> 0-d), divided by the observations'
    weight less `correction`; fweights: int (N,) counts, aweights: float (N,) weights."""
    _check_tensor("cov", "input", input)
    x = input
    if x.ndim > 2 or x.dtype == np.bool_:
        raise ValueError(f"cov: needs a 0-, 1- or 2-D non-bool tensor, got "
                         f"{_about(input=x)}")
    correction = _int("cov", "correction", correction)
    x = x if x.ndim == 2 else x.reshape(1, -1)
    n = x.shape[1]
    w = None
    for name, wt, kind in (("fweights", fweights, "iu"), ("aweights", aweights, "f")):
        if wt is None:
            continue
        _check_tensor("cov", name, wt)
        if wt.ndim > 1 or wt.numel() != n or wt.dtype.kind not in kind:
            raise ValueError(f"cov: {name} must be 1-D, of {n} elements (the "
                             f"observations) and {'integer' if kind == 'iu' else 'floating'} "
                             f"dtype, got {_about(input=input, **{name: wt})}")
        if n and wt.data.min() < 0:
            raise ValueError(f"cov: {name} cannot be negative")
        w = wt if w is None else w * wt
    w_sum = n if w is None else w.sum()
    if w is not None and not np.all(w_sum.data != 0):
        raise ValueError("cov: the weights sum to zero, so they cannot be normalized")
    avg = (x if w is None else x * w).sum(1) / w_sum
    if w is not None and aweights is not None and correction != 0:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm = w_sum - correction
    if np.all(np.asarray(norm.data if isinstance(norm, _tm.Tensor) else norm) <= 0):
        warnings.warn("cov: degrees of freedom <= 0; correction should be less than the "
                      "number of observations", RuntimeWarning, stacklevel=2)
        norm = norm * 0
    x = x - avg.unsqueeze(1)
    c = x.matmul((x if w is None else x * w).t())
    with np.errstate(divide="ignore", invalid="ignore"):   # no degrees of freedom: inf, nan
        return (c / norm).squeeze()


def corrcoef(input):
    """Pearson's correlation coefficients of the variables (rows): cov / (std_i std_j),
    clipped to [-1, 1]; 0-d for one variable (nan where its variance is 0 or nan)."""
    c = cov(input)
    with np.errstate(divide="ignore", invalid="ignore"):   # a constant variable: nan
        if c.ndim == 0:
            return c / c
        std = c.diagonal().sqrt()
        c = c / std.reshape(-1, 1)
        c = c / std.reshape(1, -1)
    return c.clamp(-1, 1)


# ---------------------------------------------------------------- trapezoid rule
def _samples(op, y, x, dx, dim):
    """The checked (y, its axis), and the spacing: a number, or differences of x (a tensor
    shaped to broadcast against y's pairs of samples along the axis)."""
    if not isinstance(y, _tm.Tensor):
        raise TypeError(f"{op}: y must be a tensor, got {type(y).__name__}")
    if x is not None and dx is not None:
        raise TypeError(f"{op}: give x or dx, not both")
    if y.ndim == 0:
        raise IndexError(f"{op}: y must have at least 1 dim, got {_about(y=y)}")
    axis = _one_axis(dim, y.ndim, op)
    if y.dtype == np.bool_:
        raise TypeError(f"{op}: bool y is not supported ({_about(y=y)})")
    if x is None:
        dx = 1 if dx is None else dx
        if isinstance(dx, bool) or not isinstance(dx, Number) or isinstance(dx, complex):
            raise TypeError(f"{op}: dx must be a real number, got {dx!r}")
        return y, axis, dx
    if not isinstance(x, _tm.Tensor):
        raise TypeError(f"{op}: x must be a tensor, got {type(x).__name__}")
    if x.dtype == np.bool_:
        raise TypeError(f"{op}: bool x is not supported ({_about(x=x)})")
    if x.ndim == 1:   # spacing along dim only, as numpy
        if x.shape[0] != y.shape[axis]:
            raise ValueError(f"{op}: there must be one x value for each sample point, got "
                             f"{_about(y=y, x=x)} with dim={dim}")
        x = x.reshape([x.shape[0] if d == axis else 1 for d in range(y.ndim)])
    elif x.ndim < y.ndim:
        x = x.reshape((1,) * (y.ndim - x.ndim) + x.shape)
    m = x.shape[axis]
    return y, axis, x.narrow(axis, 1, max(m - 1, 0)) - x.narrow(axis, 0, max(m - 1, 0))


def _pairs(y, axis):
    n = y.shape[axis]
    return y.narrow(axis, 0, n - 1), y.narrow(axis, 1, n - 1)


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The integral of y along dim by the trapezoid rule, with sample points x (broadcast
    against y) or constant spacing dx (default 1): (..., n, ...) -> (..., ...)."""
    y, axis, spacing = _samples("trapezoid", y, x, dx, dim)
    n = y.shape[axis]
    if n == 0:
        shape = y.shape[:axis] + y.shape[axis + 1:]
        return _tm.Tensor._wrap(np.zeros(shape, y.dtype), False)
    if not isinstance(spacing, _tm.Tensor):
        ends = y.narrow(axis, 0, 1).sum(axis) + y.narrow(axis, n - 1, 1).sum(axis)
        return (y.sum(axis) - ends * 0.5) * spacing
    left, right = _pairs(y, axis)
    return ((left + right) * spacing).sum(axis) / 2.0


def trapz(y, x=None, *, dx=None, dim=-1):
    """trapezoid's older name."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoid-rule integral of y along dim: n samples -> n - 1 partial
    integrals (the first interval's, the first two's, ...)."""
    y, axis, spacing = _samples("cumulative_trapezoid", y, x, dx, dim)
    if y.shape[axis] == 0:
        return _tm.Tensor._wrap(np.zeros(y.shape, y.dtype), False)
    left, right = _pairs(y, axis)
    if not isinstance(spacing, _tm.Tensor):
        return (spacing / 2.0 * (left + right)).cumsum(axis)
    return ((left + right) * spacing).cumsum(axis) / 2.0


__all__ = ["asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "arcsin",
           "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "log2", "log10", "exp2",
           "deg2rad", "rad2deg", "absolute", "negative", "fix", "conj", "resolve_conj",
           "resolve_neg", "msort", "diag_embed", "diagflat", "argwhere", "histc", "bincount",
           "unique", "unique_consecutive", "cov", "corrcoef", "atan2", "arctan2", "gcd", "lcm",
           "take", "vdot", "mv", "logdet", "det", "inverse", "pinverse", "greater",
           "greater_equal", "less", "less_equal", "not_equal", "heaviside", "clip", "subtract",
           "multiply", "divide", "isin", "trapezoid", "trapz", "cumulative_trapezoid"]
