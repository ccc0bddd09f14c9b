"""Tensor methods: special elementwise math (a mixin of Tensor): erf, erfc, erfinv, lgamma,
digamma, polygamma, mvlgamma, i0, sinc, logit, xlogy, logaddexp/logaddexp2, hypot, copysign,
fmax/fmin, nextafter, frac, nan_to_num, float_power, angle, sgn, positive, true_divide, signbit,
isclose, logcumsumexp, renorm, dist, inner (function forms in functional_special.py).

The special functions and the binary ops with edge cases of their own are ops of
ops/special.py (kernels in kernels/special.py); logit, frac, nan_to_num, float_power,
mvlgamma, renorm, dist and inner are composed from differentiable Tensor ops. Integer and bool
inputs of the floating ops compute in float32, as in PyTorch.
"""
from __future__ import annotations

import math
from numbers import Number

import numpy as np

from . import dtypes
from . import tensor_math as _tm  # its Tensor is bound by tensor.py once the class exists
from .dims import _one_axis
from .dtypes import _result_dtype, float64
from .ops import special as S
from .ops.elementwise_more import Rounded
from .ops.special_more import angle as _angle
from .tensor_extra import _about, _broadcast
from .torch_errors import DtypeError, DtypeNotImplementedError


def _pair(op, a, b, floating=False, tensors_only=False):
    """a and b (a tensor and a tensor or number) as Tensors of PyTorch's result dtype;
    floating: an integer result becomes float32. Raises naming op on bad operands."""
    if tensors_only:
        for name, v in (("input", a), ("other", b)):
            if not isinstance(v, _tm.Tensor):
                raise TypeError(f"{op}: {name} must be a tensor, got {type(v).__name__}")
    if not isinstance(a, _tm.Tensor) and not isinstance(b, _tm.Tensor):
        raise TypeError(f"{op}: needs at least one tensor, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    a = a if isinstance(a, _tm.Tensor) else b._operand(a)
    b = b if isinstance(b, _tm.Tensor) else a._operand(b)
    da, db = a.data.dtype, b.data.dtype
    dtype = _result_dtype(da, db, a.data.ndim == 0, b.data.ndim == 0)
    if floating and dtype.kind != "f":
        dtype = dtypes._default_dtype
    _broadcast(op, input=a, other=b)
    return (a if da == dtype else a.to(dtype)), (b if db == dtype else b.to(dtype))


def _floating_only(op, x, error=TypeError):
    if x.data.dtype.kind != "f":
        raise error(f"{op}: needs a floating-point tensor, got {_about(input=x)}")


def _no_int_pair(op, a, b):
    """logaddexp, hypot, nextafter: PyTorch has no integer kernel (one float operand will do)."""
    if a.data.dtype.kind != "f" and b.data.dtype.kind != "f":
        raise DtypeNotImplementedError(f"{op}: needs a floating-point operand, got "
                                       f"{_about(input=a, other=b)}")


def _number(op, name, v):
    if isinstance(v, bool) or not isinstance(v, Number):
        raise TypeError(f"{op}: {name} must be a number, got {v!r}")
    return float(v)


class SpecialMixin:
    """Special functions and the elementwise ops PyTorch groups with them."""

    __slots__ = ()

    # ----------------------------------------------------------------- special functions
    def erf(self):
        """The error function 2/sqrt(pi) int_0^x exp(-t^2) dt."""
        return S.Erf.apply(self._floating())

    def erfc(self):
        """1 - erf(x), accurate where erf(x) is close to 1."""
        return S.Erfc.apply(self._floating())

    def erfinv(self):
        """The inverse of erf: +-inf at +-1, nan outside [-1, 1]."""
        return S.Erfinv.apply(self._floating())

    def lgamma(self):
        """log|Gamma(x)|: inf at 0 and the negative integers."""
        return S.Lgamma.apply(self._floating())

    def digamma(self):
        """d/dx lgamma(x): -inf at +0, +inf at -0, nan at the negative integers."""
        return S.Polygamma.apply(self._floating(), n=0)

    def polygamma(self, n):
        """The n-th derivative of digamma (n an int >= 0; 0 is digamma itself)."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"polygamma: n must be an int, got {n!r}")
        if n < 0:
            raise ValueError(f"polygamma: n must be >= 0, got {n}")
        return S.Polygamma.apply(self._floating(), n=int(n))

    def mvlgamma(self, p):
        """The log multivariate gamma of dimension p >= 1:
        p(p-1)/4 log(pi) + sum_{j<p} lgamma(x - j/2)."""
        if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
            raise TypeError(f"mvlgamma: p must be an int, got {p!r}")
        if p < 1:
            raise ValueError(f"mvlgamma: p must be >= 1, got {p}")
        if self._data.dtype == np.bool_:
            raise TypeError(f"mvlgamma: not supported for bool tensors ({_about(input=self)})")
        x = self._floating()
        shifts = np.arange(-(p - 1) / 2, 0.5, 0.5, dtype=x.data.dtype)   # -(p-1)/2 .. 0
        terms = (x.unsqueeze(-1) + _tm.Tensor._wrap(shifts, False)).lgamma()
        return terms.sum(-1) + p * (p - 1) / 4 * math.log(math.pi)

    def i0(self):
        """The modified Bessel function of the first kind, order 0 (nan at +-inf, as PyTorch)."""
        return S.I0.apply(self._floating())

    def sinc(self):
        """sin(pi x) / (pi x), 1 at 0."""
        return S.Sinc.apply(self._floating())

    def logit(self, eps=None):
        """log(z / (1 - z)) with z = x clamped to [eps, 1 - eps] when eps is given (then no
        gradient outside that range)."""
        eps = None if eps is None else _number("logit", "eps", eps)
        return S.Logit.apply(self._floating(), eps=eps)

    # ----------------------------------------------------------------- binary
    def xlogy(self, other):
        """x * log(y), 0 where x == 0 (unless y is nan); either may be a number."""
        return S.Xlogy.apply(*_pair("xlogy", self, other, floating=True))

    def logaddexp(self, other):
        """log(exp(x) + exp(y)) without overflow."""
        a, b = _pair("logaddexp", self, other, floating=True, tensors_only=True)
        _no_int_pair("logaddexp", self, other)
        return S.LogAddExp.apply(a, b)

    def logaddexp2(self, other):
        """log2(2^x + 2^y) without overflow."""
        a, b = _pair("logaddexp2", self, other, floating=True, tensors_only=True)
        _no_int_pair("logaddexp2", self, other)
        return S.LogAddExp.apply(a, b, base2=True)

    def hypot(self, other):
        """sqrt(x^2 + y^2) without overflow."""
        a, b = _pair("hypot", self, other, floating=True, tensors_only=True)
        _no_int_pair("hypot", self, other)
        return S.Hypot.apply(a, b)

    def copysign(self, other):
        """|x| with the sign of y (a tensor or a number; -0.0 counts as negative)."""
        return S.Copysign.apply(*_pair("copysign", self, other, floating=True))

    def fmax(self, other):
        """The elementwise max, a NaN losing to a number (ties take x, and x's gradient)."""
        return S.FMaxMin.apply(*_pair("fmax", self, other, tensors_only=True))

    def fmin(self, other):
        """The elementwise min, a NaN losing to a number (ties take x, and x's gradient)."""
        return S.FMaxMin.apply(*_pair("fmin", self, other, tensors_only=True), largest=False)

    def nextafter(self, other):
        """The next representable float after x in the direction of y."""
        a, b = _pair("nextafter", self, other, floating=True, tensors_only=True)
        _no_int_pair("nextafter", self, other)
        return S.NextAfter.apply(a, b)

    def float_power(self, exponent):
        """x ** exponent computed (and returned) in float64, whatever the inputs' dtypes."""
        x = self.to(float64)
        if isinstance(exponent, _tm.Tensor):
            return x ** exponent.to(float64)
        return x ** _number("float_power", "exponent", exponent)

    def true_divide(self, other):
        """x / y as floats (the same as div)."""
        return self / other

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """Bool tensor: |x - y| <= atol + rtol |y| (broadcast); equal infinities are close,
        NaNs only with equal_nan. Both tensors must have one dtype."""
        if not isinstance(other, _tm.Tensor):
            raise TypeError(f"isclose: other must be a tensor, got {type(other).__name__}")
        if self._data.dtype != other.data.dtype:
            raise RuntimeError(f"isclose: both tensors must have the same dtype, got "
                               f"{_about(input=self, other=other)}")
        rtol, atol = _number("isclose", "rtol", rtol), _number("isclose", "atol", atol)
        if rtol < 0 or atol < 0:
            raise ValueError(f"isclose: rtol and atol must be >= 0, got {rtol} and {atol}")
        _broadcast("isclose", input=self, other=other)
        a, b = self._data, other.data
        if a.dtype.kind != "f":
            a, b = a.astype(np.float64), b.astype(np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            err = np.abs(a - b)
            close = (a == b) | (np.isfinite(err) & (err <= atol + np.abs(rtol * b)))
        if equal_nan:
            close |= np.isnan(a) & np.isnan(b)
        return _tm.Tensor._wrap(np.asarray(close), False)

    # ----------------------------------------------------------------- piecewise
    def frac(self):
        """x - trunc(x), the fractional part with x's sign (gradient 1)."""
        _floating_only("frac", self, DtypeNotImplementedError)
        return self - self.trunc()

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        """x with NaN, +inf and -inf replaced (by default 0 and the dtype's largest and lowest
        finite values); no gradient flows to the replaced elements. Integers pass unchanged."""
        if self._data.dtype.kind != "f":
            return self.clone()
        info = np.finfo(self._data.dtype)
        out = self
        for mask, value, default in ((np.isnan, nan, 0.0), (np.isposinf, posinf, info.max),
                                     (np.isneginf, neginf, info.min)):
            v = default if value is None else _number("nan_to_num", "a replacement", value)
            with np.errstate(over="ignore"):   # 1e300 in float32 is inf, as PyTorch
                v = np.asarray(v, self._data.dtype)
            out = _tm.where(mask(self._data), _tm.Tensor._wrap(v, False), out)
        return out

    def angle(self):
        """The argument of each (real) element: pi below 0, else 0, nan at nan; zero gradient.
        Integers and bools give float32, as in PyTorch."""
        return Rounded.apply(self._floating(), fn=_angle)

    def sgn(self):
        """sign(x) for real tensors; 0 at NaN, as PyTorch."""
        if self._data.dtype.kind != "f":
            return self.sign()
        return _tm.where(np.isnan(self._data), 0.0, self.sign())

    def positive(self):
        """x itself (PyTorch refuses bool tensors)."""
        if self._data.dtype == np.bool_:
            raise TypeError(f"positive: not supported for bool tensors ({_about(input=self)})")
        return self

    def signbit(self):
        """Bool tensor: True where the sign bit is set (-0.0 included)."""
        d = self._data
        return _tm.Tensor._wrap(np.signbit(d) if d.dtype.kind == "f" else
                                np.asarray(d < 0) if d.dtype.kind == "i" else
                                np.zeros(d.shape, np.bool_), False)

    # ----------------------------------------------------------------- along dims
    def logcumsumexp(self, dim):
        """log(cumsum(exp(x))) along dim, without overflow or underflow."""
        _floating_only("logcumsumexp", self, DtypeNotImplementedError)
        axis = _one_axis(dim, self._data.ndim, "logcumsumexp") if self._data.ndim else None
        if axis is None:
            return self.clone()
        return S.LogCumSumExp.apply(self, axis=axis)

    def renorm(self, p, dim, maxnorm):
        """Each slice x.select(dim, i) whose p-norm exceeds maxnorm, scaled to norm maxnorm
        (by maxnorm / (norm + 1e-7), as PyTorch; differentiable through the norm).
        x: at least 2-D, floating point."""
        _floating_only("renorm", self)
        if self._data.ndim < 2:
            raise ValueError(f"renorm: needs at least 2 dims, got {_about(input=self)}")
        p, maxnorm = _number("renorm", "p", p), _number("renorm", "maxnorm", maxnorm)
        if not p > 0:
            raise ValueError(f"renorm: p must be positive, got {p}")
        if not maxnorm >= 0:
            raise ValueError(f"renorm: maxnorm must be >= 0, got {maxnorm}")
        axis = _one_axis(dim, self._data.ndim, "renorm")
        others = tuple(d for d in range(self._data.ndim) if d != axis)
        norm = self.norm(p, dim=others, keepdim=True)
        factor = _tm.where(norm.data > maxnorm, maxnorm / (norm + 1e-7), 1.0)
        return (self * factor).contiguous()   # C order whatever x's, as PyTorch's

    def dist(self, other, p=2):
        """The p-norm of x - y (broadcast), a 0-d tensor."""
        if not isinstance(other, _tm.Tensor):
            raise TypeError(f"dist: other must be a tensor, got {type(other).__name__}")
        if self._data.dtype.kind != "f" and other.data.dtype.kind != "f":
            raise DtypeError(f"dist: needs floating-point tensors, got "
                             f"{_about(input=self, other=other)}")
        _broadcast("dist", input=self, other=other)
        return (self - other).norm(_number("dist", "p", p))

    def inner(self, other):
        """Sum over the last dims: (..., n) and (..., n) -> x's leading dims then y's; a 0-d
        operand multiplies."""
        if not isinstance(other, _tm.Tensor):
            raise TypeError(f"inner: other must be a tensor, got {type(other).__name__}")
        if self._data.ndim == 0 or other.data.ndim == 0:
            return self * other
        if self._data.dtype != other.data.dtype:
            raise TypeError(f"inner: both tensors must have one dtype, got "
                            f"{_about(input=self, other=other)}")
        if self.shape[-1] != other.shape[-1]:
            raise ValueError(f"inner: the last dims must match, got "
                             f"{_about(input=self, other=other)}")
        from .functional_more import tensordot   # it imports this module's neighbours
        return tensordot(self, other, ([self._data.ndim - 1], [other.data.ndim - 1]))
