"""Tensor methods (a mixin of Tensor): inverse trigonometric and hyperbolic functions, atan2,
log2/log10/exp2, deg2rad/rad2deg and their in-place forms; heaviside, gcd, lcm, unique,
unique_consecutive, histc, bincount, argwhere (no gradient); msort, take, diag_embed,
diagflat, vdot, mv, cov, corrcoef, logdet/det/inverse/pinverse; and PyTorch's aliases
(arcsin, absolute, negative, fix, subtract, multiply, divide, greater, ..., clip_, conj).
Function forms (and isin, trapezoid, trapz, cumulative_trapezoid) in functional_math_more.py.

The elementwise ops are ops of ops/unary_more.py; the rest is composed from differentiable
Tensor ops, or computed with numpy when PyTorch gives no gradient. Integer and bool inputs of
the floating ops compute in the default float dtype, as in PyTorch.
"""
from __future__ import annotations

import math

import numpy as np

from . import tensor_math as _tm  # its Tensor is bound by tensor.py once the class exists
from .dims import _one_axis
from .ops import unary_more as U
from .ops.matrix import DiagonalIntoZeros
from .tensor_aliases import inplace_result_type
from .tensor_extra import _about
from .tensor_inplace import check_cast
from .tensor_special import _pair
from .torch_errors import ArgumentError, DtypeError, DtypeNotImplementedError


def _unary(op_cls):
    """A method y = op(x) computed in floating point."""
    def method(self):
        return op_cls.apply(self._floating())
    method.__doc__ = op_cls.__doc__
    return method


def _wrap(array, dtype=None):
    return _tm.Tensor._wrap(np.asarray(array if dtype is None else array.astype(dtype)), False)


def _tensor(op, name, v):
    if not isinstance(v, _tm.Tensor):
        raise TypeError(f"{op}: {name} must be a tensor, got {type(v).__name__}")
    return v


def _int_arg(op, name, v, low=None):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{op}: {name} must be an int, got {v!r}")
    if low is not None and v < low:
        raise ValueError(f"{op}: {name} must be >= {low}, got {v}")
    return int(v)


def _integers(op, a, b):
    if a.dtype.kind not in "iu" or b.dtype.kind not in "iu":
        raise DtypeNotImplementedError(f"{op}: needs integer tensors, got "
                                       f"{_about(input=a, other=b)}")


def _not_into_int(op, self, other, floating):
    """A CastError, as PyTorch's, when self's dtype cannot hold the in-place result."""
    check_cast(op, inplace_result_type(self, other, floating), self)


def _square_float(op, A):
    if A.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point tensor, got {_about(A=A)}")
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"{op}: expected a (batch of) square matrices, got {_about(A=A)}")


def _unique_axis(x, dim, op):
    """dim checked, as an axis of x (None: all elements)."""
    if dim is None:
        return None
    if x.ndim == 0:
        raise IndexError(f"{op}: dim {dim} is out of range for a 0-d tensor")
    axis = _one_axis(dim, x.ndim, op)
    if x.data.size == 0 and x.shape[axis] != 0:
        raise ValueError(f"{op}: the dims other than dim {dim} have size 0 "
                         f"(shape {tuple(x.shape)}), so there is nothing to compare")
    return axis


def _results(values, inverse, counts, return_inverse, return_counts):
    out = (_wrap(values),)
    if return_inverse:
        out += (_wrap(inverse, np.int64),)
    if return_counts:
        out += (_wrap(counts, np.int64),)
    return out[0] if len(out) == 1 else out


class MathMoreMixin:
    """Inverse trigonometric, hyperbolic and base-2/10 functions, the ops PyTorch gives no
    gradient, small linear algebra and statistics, and PyTorch's aliases."""

    __slots__ = ()

    # ----------------------------------------------------------------- elementwise
    asin = arcsin = _unary(U.Asin)
    acos = arccos = _unary(U.Acos)
    atan = arctan = _unary(U.Atan)
    sinh = _unary(U.Sinh)
    cosh = _unary(U.Cosh)
    asinh = arcsinh = _unary(U.Asinh)
    acosh = arccosh = _unary(U.Acosh)
    atanh = arctanh = _unary(U.Atanh)
    log2 = _unary(U.Log2)
    log10 = _unary(U.Log10)
    exp2 = _unary(U.Exp2)

    def deg2rad(self):
        """x * pi / 180."""
        return self._floating() * (math.pi / 180)

    def rad2deg(self):
        """x * 180 / pi."""
        return self._floating() * (180 / math.pi)

    def atan2(self, other):
        """atan2(x, other), the angle of the point (other, x), in (-pi, pi]; broadcast."""
        return U.Atan2.apply(*_pair("atan2", self, other, floating=True, tensors_only=True))

    arctan2 = atan2

    def atan2_(self, other):
        _not_into_int("atan2_", self, other, True)
        return self._inplace_via("atan2_", lambda old: old.atan2(other), other)

    arctan2_ = atan2_

    # ----------------------------------------------------------------- no gradient
    def heaviside(self, values):
        """0 where x < 0, values where x == 0, 1 where x > 0 (NaN gives 0); values: a tensor of
        x's dtype, broadcast. No derivative: backward through it raises, as PyTorch's."""
        _tensor("heaviside", "values", values)
        if self.dtype != values.dtype:
            raise DtypeError(f"heaviside: input and values must have one dtype, got "
                             f"{_about(input=self, values=values)}")
        a, b = _pair("heaviside", self, values)
        out = np.where(a.data == 0, b.data, a.data > 0).astype(a.dtype)
        return U.NoDerivative.apply(a, b, values=out, op="heaviside")

    def heaviside_(self, values):
        return self._inplace_via("heaviside_", lambda old: old.heaviside(values), values)

    def gcd(self, other):
        """The greatest common divisor (>= 0; gcd(0, 0) = 0) of integer tensors, broadcast."""
        a, b = _pair("gcd", self, other, tensors_only=True)
        _integers("gcd", a, b)
        return _wrap(np.gcd(a.data, b.data))

    def lcm(self, other):
        """The least common multiple (>= 0; 0 if either is 0) of integer tensors, broadcast."""
        a, b = _pair("lcm", self, other, tensors_only=True)
        _integers("lcm", a, b)
        return _wrap(np.lcm(a.data, b.data))

    def gcd_(self, other):
        return self._inplace_via("gcd_", lambda old: old.gcd(other))

    def lcm_(self, other):
        return self._inplace_via("lcm_", lambda old: old.lcm(other))

    def unique(self, sorted=True, return_inverse=False, return_counts=False,  # noqa: A002
               dim=None):
        """The distinct elements (or slices along dim) in ascending (lexicographic) order,
        with the int64 inverse (where each element went: x's shape, or (x.shape[dim],)) and
        counts if asked. Every NaN is distinct, as PyTorch's; results are always sorted."""
        axis = _unique_axis(self, dim, "unique")
        return _results(*U.unique_slices(self._data, axis), return_inverse, return_counts)

    def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
        """The first of each run of equal consecutive elements (or slices along dim), with
        the int64 inverse and the runs' lengths if asked."""
        axis = _unique_axis(self, dim, "unique_consecutive")
        return _results(*U.unique_slices(self._data, axis, consecutive=True), return_inverse,
                        return_counts)

    def histc(self, bins=100, min=0, max=0):  # noqa: A002
        """Counts in `bins` equal bins over [min, max] (x's data range when min == max, widened
        by 1 each way if that is one value); elements outside and NaN are not counted.
        x: floating point -> (bins,) of x's dtype, no gradient."""
        if self.dtype.kind != "f":
            raise TypeError(f"histc: needs a floating-point tensor, got {_about(input=self)}")
        bins = _int_arg("histc", "bins", bins, 1)
        lo, hi = float(min), float(max)
        if lo > hi:
            raise ValueError(f"histc: max must be larger than min, got min={min}, max={max}")
        if lo == hi and self._data.size:
            lo, hi = float(self._data.min()), float(self._data.max())
        if lo == hi:
            lo, hi = lo - 1, hi + 1
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError(f"histc: the range [{lo}, {hi}] is not finite")
        return _wrap(U.histc_counts(self._data, bins, lo, hi))

    def bincount(self, weights=None, minlength=0):
        """out[i] = the number of times i occurs in x (or the sum of weights where it does);
        x: 1-D non-negative integers -> (max(max(x) + 1, minlength),): int64, or float64
        (float32 for float32 weights). No derivative for weights, as PyTorch."""
        minlength = _int_arg("bincount", "minlength", minlength, 0)
        x = self._data
        if x.ndim != 1 or x.dtype.kind not in "iu" or (x.size and x.min() < 0):
            raise ArgumentError(f"bincount: needs 1-D non-negative integers, got "
                             f"{_about(input=self)}" + (f" with min {x.min()}" if x.ndim == 1
                                                         and x.dtype.kind in "iu" and x.size
                                                         else ""))
        if weights is None:
            return _wrap(np.bincount(x, minlength=minlength).astype(np.int64))
        weights = _tensor("bincount", "weights", weights)
        if weights.shape != x.shape:
            raise ValueError(f"bincount: weights must be 1-D with input's length, got "
                             f"{_about(input=self, weights=weights)}")
        dtype = np.float32 if weights.dtype == np.float32 else np.float64
        out = np.bincount(x, weights.data.astype(np.float64), minlength).astype(dtype)
        return U.NoDerivative.apply(weights, values=out, op="bincount")

    def argwhere(self):
        """The indices of the nonzero elements, (N, x.ndim) int64 (as nonzero())."""
        return _wrap(np.argwhere(self._data), np.int64)

    # ----------------------------------------------------------------- composed, differentiable
    def msort(self):
        """x sorted along dim 0 (the values of sort(0))."""
        return self.sort(0)[0]

    def take(self, index):
        """x viewed as 1-D, at index (an int64 tensor; negatives count from the end) -> index's
        shape; gradients scatter-add back."""
        index = _tensor("take", "index", index)
        if index.dtype != np.int64:
            raise TypeError(f"take: index must be an int64 tensor, got {_about(index=index)}")
        n = self._data.size
        bad = index.data[(index.data >= n) | (index.data < -n)]
        if bad.size:
            raise IndexError(f"take: index {bad.flat[0]} is out of range for a tensor of "
                             f"{n} elements ({_about(input=self)})")
        return self.reshape(-1)[index]

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        """The last dim of x (..., n) as the offset diagonal of (n + |offset|)-square
        matrices in output dims dim1 and dim2 (the other output dims are x's leading ones)."""
        if self.ndim == 0:
            raise IndexError(f"diag_embed: needs at least 1 dim, got {_about(input=self)}")
        ndim = self.ndim + 1
        d1, d2 = _one_axis(dim1, ndim, "diag_embed"), _one_axis(dim2, ndim, "diag_embed")
        if d1 == d2:
            raise ValueError(f"diag_embed: dim1 and dim2 must differ, got {dim1} and {dim2}")
        m = self.shape[-1] + abs(offset)
        lead = iter(self.shape[:-1])
        shape = tuple(m if i in (d1, d2) else next(lead) for i in range(ndim))
        # zeros written on their diagonal: C order, as PyTorch's (whatever dim1 and dim2)
        return DiagonalIntoZeros.apply(self, shape=shape, offset=int(offset), dim1=d1, dim2=d2)

    def diagflat(self, offset=0):
        """x flattened, as the offset diagonal of a square matrix."""
        return self.reshape(-1).diag_embed(offset)

    def vdot(self, other):
        """sum(x * other) of two 1-D tensors of one dtype and length (real: the same as dot)."""
        _tensor("vdot", "other", other)
        if self.ndim != 1 or other.ndim != 1 or self.shape != other.shape:
            raise ValueError(f"vdot: needs two 1-D tensors of one length, got "
                             f"{_about(input=self, other=other)}")
        if self.dtype != other.dtype:
            raise TypeError(f"vdot: both tensors must have one dtype, got "
                            f"{_about(input=self, other=other)}")
        return self.dot(other)

    def mv(self, vec):
        """Matrix times vector: (n, m) and (m,) of one dtype -> (n,)."""
        _tensor("mv", "vec", vec)
        if self.ndim != 2 or vec.ndim != 1 or self.shape[1] != vec.shape[0]:
            raise ArgumentError(f"mv: needs a (n, m) matrix and a (m,) vector, got "
                                f"{_about(input=self, vec=vec)}")
        if self.dtype != vec.dtype:
            raise TypeError(f"mv: both tensors must have one dtype, got "
                            f"{_about(input=self, vec=vec)}")
        return self.matmul(vec)

    def cov(self, *, correction=1, fweights=None, aweights=None):
        """The covariance matrix of the variables (rows); see autograd.cov."""
        from .functional_math_more import cov   # composed there, from this mixin's neighbours
        return cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self):
        """Pearson's correlation coefficients of the variables (rows); see autograd.corrcoef."""
        from .functional_math_more import corrcoef
        return corrcoef(self)

    def logdet(self):
        """log det(A): (*, n, n) -> (*); nan where det < 0, -inf where it is 0."""
        from . import linalg   # it imports tensor_math's neighbours
        _square_float("logdet", self)
        sign, logabsdet = linalg.slogdet(self)
        return _tm.where(sign.data < 0, math.nan, logabsdet)

    def det(self):
        """det(A): (*, n, n) -> (*)."""
        from . import linalg
        _square_float("det", self)
        return linalg.det(self)

    def inverse(self):
        """A^{-1}: (*, n, n) -> (*, n, n); a singular A raises."""
        from . import linalg
        _square_float("inverse", self)
        return linalg.inv(self)

    def pinverse(self, rcond=1e-15):
        """The pseudo-inverse (*, m, n) -> (*, n, m): singular values at or below
        rcond * the largest count as zero."""
        from . import linalg
        return linalg.pinv(self, rcond=rcond)

    # ----------------------------------------------------------------- aliases
    def absolute(self):
        """|x| (PyTorch refuses bool tensors)."""
        _no_bool("absolute", self)
        return self.abs()

    def absolute_(self):
        _no_bool("absolute_", self)
        return self.abs_()

    def negative(self):
        """-x (PyTorch refuses bool tensors)."""
        _no_bool("negative", self)
        return -self

    def negative_(self):
        _no_bool("negative_", self)
        return self.neg_()

    def fix(self):
        """trunc(x): rounded toward zero."""
        return self.trunc()

    def fix_(self):
        return self._inplace_via("fix_", lambda old: old.trunc())

    def subtract(self, other, *, alpha=1):
        """x - alpha * other (an integer tensor takes an integer alpha only)."""
        _alpha("subtract", self, other, alpha)
        return self - (other if alpha == 1 else other * alpha)

    def subtract_(self, other, *, alpha=1):
        _alpha("subtract_", self, other, alpha)
        return self.sub_(other, alpha=alpha)

    def multiply(self, other):
        """x * other."""
        return self * other

    def multiply_(self, other):
        return self.mul_(other)

    def divide(self, other, *, rounding_mode=None):
        """x / other (floating); with rounding_mode 'trunc' or 'floor' the quotient rounded
        toward zero or down, in the operands' promoted dtype, with zero gradients."""
        if rounding_mode is None:
            return self / other
        if rounding_mode not in ("trunc", "floor"):
            raise ValueError(f"divide: rounding_mode must be None, 'trunc' or 'floor', got "
                             f"{rounding_mode!r}")
        a, b = _pair("divide", self, other)
        if a.dtype == np.bool_:
            raise DtypeNotImplementedError(f"divide: rounding_mode={rounding_mode!r} does not "
                                           f"support bool tensors ({_about(input=a, other=b)})")
        if a.dtype.kind in "iu" and not np.all(b.data):
            raise RuntimeError(f"divide: integer division by zero ({_about(input=a, other=b)})")
        values = U.rounded_quotient(a.data, b.data, rounding_mode)
        return U.ZeroGrad.apply(a, b, values=values)

    def divide_(self, other, *, rounding_mode=None):
        if rounding_mode is None:
            return self.div_(other)
        _not_into_int("divide_", self, other, False)
        return self._inplace_via(
            "divide_", lambda old: old.divide(other, rounding_mode=rounding_mode), other)

    def greater(self, other):
        return self.gt(other)

    def greater_equal(self, other):
        return self.ge(other)

    def less(self, other):
        return self.lt(other)

    def less_equal(self, other):
        return self.le(other)

    def not_equal(self, other):
        return self.ne(other)

    def _compare_(self, op, ufunc, other):
        """x = (x <op> other) as 0/1 in x's dtype, in place (zero gradient, as PyTorch)."""
        def values(old):   # compared as x <op> other is, in PyTorch's promoted dtype
            out = old._ordering(ufunc, other)
            if out is NotImplemented:
                raise TypeError(f"{op}: cannot compare a tensor with {type(other).__name__}")
            return U.ZeroGrad.apply(old, values=out._data)
        return self._inplace_via(op, values, other)

    def greater_(self, other):
        return self._compare_("greater_", np.greater, other)

    def greater_equal_(self, other):
        return self._compare_("greater_equal_", np.greater_equal, other)

    def less_(self, other):
        return self._compare_("less_", np.less, other)

    def less_equal_(self, other):
        return self._compare_("less_equal_", np.less_equal, other)

    def not_equal_(self, other):
        return self._compare_("not_equal_", np.not_equal, other)

    def eq_(self, other):
        return self._compare_("eq_", np.equal, other)

    gt_, ge_, lt_, le_, ne_ = greater_, greater_equal_, less_, less_equal_, not_equal_

    def clip_(self, min=None, max=None):  # noqa: A002
        """clamp_: x limited to [min, max] in place."""
        return self.clamp_(min, max)

    def conj(self):
        """x itself: a real tensor is its own complex conjugate."""
        return self

    resolve_conj = resolve_neg = conj


def _no_bool(op, x):
    if x.dtype == np.bool_:
        raise TypeError(f"{op}: not supported for bool tensors ({_about(input=x)})")


def _alpha(op, x, other, alpha):
    arrays = [np.asarray(v.data if isinstance(v, _tm.Tensor) else v) for v in (x, other)]
    if all(a.dtype.kind in "iub" for a in arrays) and not isinstance(alpha, (int, np.integer)):
        raise TypeError(f"{op}: an integer tensor takes an integer alpha, got {alpha!r}")
