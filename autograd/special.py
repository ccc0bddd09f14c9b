"""autograd.special: torch.special's names for the special functions of functional_special and
a few others (import autograd.special, or autograd.special.erf after import autograd)."""
from . import tensor_math as _tm
from .functional_special import (_method, digamma, erf, erfc, erfinv, i0, logit,  # noqa: F401
                                 mvlgamma, polygamma, sinc, xlog1py, xlogy)
from .functional_special import lgamma as gammaln
from .functional_special import mvlgamma as multigammaln

psi = digamma


def expit(input):  # noqa: A002  (PyTorch's name)
    """The logistic sigmoid."""
    return _tm._t(input).sigmoid()


logsumexp, log1p, expm1, round, softmax, log_softmax = map(  # noqa: A001
    _method, ["logsumexp", "log1p", "expm1", "round", "softmax", "log_softmax"])

__all__ = ["erf", "erfc", "erfinv", "gammaln", "digamma", "psi", "polygamma", "multigammaln",
           "i0", "sinc", "logit", "xlogy", "xlog1py", "expit", "logsumexp", "log1p", "expm1",
           "round", "softmax", "log_softmax"]
