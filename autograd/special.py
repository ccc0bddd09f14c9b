"""autograd.special: torch.special's names for the special functions of functional_special and
a few others (import autograd.special, or autograd.special.erf after import autograd).
Integer and bool inputs compute in float32, as in PyTorch."""
import math

import numpy as np

from . import tensor_math as _tm
from .kernels import special as K
from .kernels.bessel_jy import bessel_jy as _bessel_jy
from .kernels.bessel_k import bessel_k as _bessel_k
from .functional_special import (_method, digamma, erf, erfc, erfinv, i0, logit,  # noqa: F401
                                 mvlgamma, polygamma, sinc, xlog1py, xlogy)
from .functional_special import lgamma as gammaln
from .functional_special import mvlgamma as multigammaln
from .ops import special as S
from .ops import special_more as M
from .tensor_special import _no_int_pair, _pair

psi = digamma


def _float(input):  # noqa: A002
    return _tm._t(input)._floating()


def expit(input):  # noqa: A002  (PyTorch's name)
    """The logistic sigmoid."""
    return _tm._t(input).sigmoid()


def exp2(input):  # noqa: A002
    """2 ** x."""
    return _tm._t(input).exp2()


def ndtr(input):  # noqa: A002
    """The standard normal CDF Phi(x) = erfc(-x / sqrt(2)) / 2 (no cancellation for x < 0)."""
    return _float(input).mul(-math.sqrt(0.5)).erfc() * 0.5


def log_ndtr(input):  # noqa: A002
    """log(Phi(x)), finite far into the left tail (about -x^2/2 there)."""
    return M.LogNdtr.apply(_float(input))


def ndtri(input):  # noqa: A002
    """The inverse of ndtr on [0, 1]: -inf at 0, inf at 1, nan outside."""
    return M.Ndtri.apply(_float(input))


def erfcx(input):  # noqa: A002
    """The scaled complementary error function exp(x^2) erfc(x), accurate for large x."""
    return M.Erfcx.apply(_float(input))


def entr(input):  # noqa: A002
    """-x log(x) elementwise: 0 at 0, -inf below 0."""
    return M.Entr.apply(_float(input))


def i0e(input):  # noqa: A002
    """exp(-|x|) I_0(x), finite for every x (0 at +-inf)."""
    return M.I0e.apply(_float(input))


def i1(input):  # noqa: A002
    """The modified Bessel function of the first kind, order 1 (nan at +-inf, as PyTorch)."""
    return S.I1.apply(_float(input))


def i1e(input):  # noqa: A002
    """exp(-|x|) I_1(x), finite for every x (+-0 at +-inf)."""
    return M.I1e.apply(_float(input))


def zeta(input, other):  # noqa: A002
    """The Hurwitz zeta function sum_k (k + q)^-x, x = input, q = other (either may be a
    number; broadcast); differentiable in other only, as in PyTorch."""
    return M.Zeta.apply(*_pair("zeta", input, other, floating=True))


def gammainc(input, other):  # noqa: A002
    """The regularized lower incomplete gamma function P(a, x), a = input, x = other (two
    tensors, one of them floating, as PyTorch; broadcast); differentiable in other only."""
    return M.GammaInc.apply(*_igamma_pair("gammainc", input, other))


def gammaincc(input, other):  # noqa: A002
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    return M.GammaInc.apply(*_igamma_pair("gammaincc", input, other), upper=True)


def _igamma_pair(op, a, x):
    pair = _pair(op, a, x, floating=True, tensors_only=True)
    _no_int_pair(op, a, x)
    return pair


def _no_grad(values):
    """torch.special's Bessel functions have no derivative: the result requires no grad."""
    return _tm.Tensor._wrap(values, False)


def modified_bessel_i0(input):  # noqa: A002
    """I_0(x), as i0 but not differentiable (as in PyTorch)."""
    return _no_grad(K.bessel_i(0, _float(input).data))


def modified_bessel_i1(input):  # noqa: A002
    """I_1(x), as i1 but not differentiable (as in PyTorch)."""
    return _no_grad(K.bessel_i(1, _float(input).data))


def bessel_j0(input):  # noqa: A002
    """J_0(x), the Bessel function of the first kind (nan at +-inf, as PyTorch); not
    differentiable (as in PyTorch)."""
    return _no_grad(_bessel_jy(0, _float(input).data))


def bessel_j1(input):  # noqa: A002
    """J_1(x) (nan at +-inf); not differentiable."""
    return _no_grad(_bessel_jy(1, _float(input).data))


def bessel_y0(input):  # noqa: A002
    """Y_0(x), the Bessel function of the second kind: -inf at 0, nan below and at inf; not
    differentiable."""
    return _no_grad(_bessel_jy(2, _float(input).data))


def bessel_y1(input):  # noqa: A002
    """Y_1(x): -inf at 0, nan below and at inf; not differentiable."""
    return _no_grad(_bessel_jy(3, _float(input).data))


def modified_bessel_k0(input):  # noqa: A002
    """K_0(x), the modified Bessel function of the second kind: inf at 0, nan below; not
    differentiable (as in PyTorch)."""
    return _no_grad(_bessel_k(0, _float(input).data))


def modified_bessel_k1(input):  # noqa: A002
    """K_1(x): inf at 0, nan below; not differentiable."""
    return _no_grad(_bessel_k(1, _float(input).data))


def scaled_modified_bessel_k0(input):  # noqa: A002
    """e^x K_0(x), finite for large x; not differentiable."""
    return _no_grad(_bessel_k(0, _float(input).data, scaled=True))


def scaled_modified_bessel_k1(input):  # noqa: A002
    """e^x K_1(x), finite for large x; not differentiable."""
    return _no_grad(_bessel_k(1, _float(input).data, scaled=True))


def spherical_bessel_j0(input):  # noqa: A002
    """sin(x) / x: 1 at 0, 0 at +-inf, its Taylor series below |x| = 1/2; not differentiable."""
    x = np.asarray(_float(input).data)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        x2 = x * x
        series = 1 + x2 * (-1 / 6 + x2 * (1 / 120 + x2 * (-1 / 5040 + x2 * (
            1 / 362880 + x2 * (-1 / 39916800 + x2 * (1 / 6227020800))))))
        out = np.where(np.abs(x) < 0.5, series, np.sin(x) / x)
    return _no_grad(np.where(np.isinf(x), x.dtype.type(0), out).astype(x.dtype, copy=False))


logsumexp, log1p, expm1, round, softmax, log_softmax = map(  # noqa: A001
    _method, ["logsumexp", "log1p", "expm1", "round", "softmax", "log_softmax"])

__all__ = ["erf", "erfc", "erfinv", "gammaln", "digamma", "psi", "polygamma", "multigammaln",
           "i0", "sinc", "logit", "xlogy", "xlog1py", "expit", "logsumexp", "log1p", "expm1",
           "round", "softmax", "log_softmax", "exp2", "ndtr", "log_ndtr", "ndtri", "erfcx",
           "entr", "i0e", "i1", "i1e", "modified_bessel_i0", "modified_bessel_i1",
           "spherical_bessel_j0", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1",
           "modified_bessel_k0", "modified_bessel_k1",
           "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "zeta", "gammainc",
           "gammaincc"]
