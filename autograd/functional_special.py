"""Function forms of tensor_special's methods (autograd.erf(x) is x.erf()), the functions torch
has without a method (xlog1py, also in autograd.special)."""
from __future__ import annotations

import numpy as np

from . import tensor_math as _tm  # its Tensor is bound by tensor.py once the class exists
from .functional_more import _method, _tensor_method
from .ops import special as S
from .tensor_special import _pair


erf, erfc, erfinv, lgamma, digamma, mvlgamma, i0, sinc, logit = map(
    _method, ["erf", "erfc", "erfinv", "lgamma", "digamma", "mvlgamma", "i0", "sinc", "logit"])
frac, nan_to_num, sgn, positive, signbit, logcumsumexp, renorm, angle = map(
    _method, ["frac", "nan_to_num", "sgn", "positive", "signbit", "logcumsumexp", "renorm",
              "angle"])
logaddexp, logaddexp2, hypot, fmax, fmin, nextafter, isclose, dist, inner, copysign = map(
    _tensor_method, ["logaddexp", "logaddexp2", "hypot", "fmax", "fmin", "nextafter", "isclose",
              "dist", "inner", "copysign"])


def polygamma(n, input):  # noqa: A002
    """The n-th derivative of digamma at input (torch's argument order: n first)."""
    return _tm._t(input).polygamma(n)


def xlogy(input, other):  # noqa: A002
    """input * log(other), 0 where input == 0; either may be a number."""
    return S.Xlogy.apply(*_pair("xlogy", input, other, floating=True))


def xlog1py(input, other):  # noqa: A002
    """input * log1p(other), 0 where input == 0; either may be a number."""
    return S.Xlogy.apply(*_pair("xlog1py", input, other, floating=True), log1p=True)


def float_power(input, exponent):  # noqa: A002
    """input ** exponent in float64; either may be a number."""
    if not isinstance(input, _tm.Tensor):
        if not isinstance(exponent, _tm.Tensor):
            raise TypeError(f"float_power: needs at least one tensor, got "
                            f"{type(input).__name__} and {type(exponent).__name__}")
        input = _tm.Tensor(np.asarray(input, np.float64))
    return input.float_power(exponent)


def true_divide(dividend, divisor):
    """dividend / divisor as floats (one of them a tensor)."""
    if not isinstance(dividend, _tm.Tensor) and not isinstance(divisor, _tm.Tensor):
        raise TypeError(f"true_divide: needs at least one tensor, got "
                        f"{type(dividend).__name__} and {type(divisor).__name__}")
    return dividend / divisor


__all__ = ["erf", "erfc", "erfinv", "lgamma", "digamma", "mvlgamma", "i0", "sinc", "logit",
           "frac", "nan_to_num", "sgn", "angle", "positive", "signbit", "logcumsumexp", "renorm",
           "logaddexp", "logaddexp2", "hypot", "fmax", "fmin", "nextafter", "isclose", "dist",
           "inner", "polygamma", "xlogy", "xlog1py", "copysign", "float_power", "true_divide"]
