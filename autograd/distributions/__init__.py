"""autograd.distributions: torch.distributions' common distributions, built from the
engine's differentiable Tensor ops, so log_prob, entropy, kl_divergence and rsample are
differentiable (also with create_graph=True). Samples come from the engine's default
generator: autograd.manual_seed makes them reproducible (they differ from torch's draws).

    import autograd as torch
    from autograd.distributions import Normal, Categorical, kl_divergence
    d = Normal(mu, sigma)
    z = d.rsample((16,))                # (16, *batch), differentiable in mu and sigma
    loss = -d.log_prob(z).mean() + kl_divergence(d, Normal(0.0, 1.0)).sum()
"""
from . import constraints, transforms  # noqa: F401
from .bernoulli import Bernoulli, Binomial, Poisson
from .categorical import Categorical, OneHotCategorical, OneHotCategoricalStraightThrough
from .cauchy import Cauchy, HalfCauchy
from .continuous_bernoulli import ContinuousBernoulli
from .counts import Geometric, Multinomial, NegativeBinomial
from .distribution import Distribution
from .exponential import Exponential, Laplace
from .gamma import Beta, Chi2, Dirichlet, Gamma
from .gumbel import Gumbel, Pareto, Weibull
from .independent import Independent
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .kl import kl_divergence, register_kl
from . import kl_more  # noqa: F401  (registers the pairs of the classes below)
from .mixture_same_family import MixtureSameFamily
from .multivariate_normal import MultivariateNormal
from .normal import HalfNormal, LogisticNormal, LogNormal, Normal
from .relaxed import (ExpRelaxedCategorical, LogitRelaxedBernoulli, RelaxedBernoulli,
                      RelaxedOneHotCategorical)
from .student_t import StudentT
from .transformed_distribution import TransformedDistribution
from .transforms import (AbsTransform, AffineTransform, ComposeTransform, ExpTransform,
                         PowerTransform, SigmoidTransform, SoftplusTransform,
                         StickBreakingTransform, TanhTransform, Transform)
from .uniform import Uniform
from .von_mises import VonMises

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Chi2", "ContinuousBernoulli",
           "Dirichlet", "Distribution", "ExpRelaxedCategorical", "Exponential", "Gamma",
           "Geometric", "Gumbel", "HalfCauchy", "HalfNormal", "Independent", "Laplace",
           "LogisticNormal", "LogitRelaxedBernoulli", "LogNormal",
           "LowRankMultivariateNormal", "MixtureSameFamily", "Multinomial",
           "MultivariateNormal", "NegativeBinomial", "Normal", "OneHotCategorical",
           "OneHotCategoricalStraightThrough", "Pareto", "Poisson", "RelaxedBernoulli",
           "RelaxedOneHotCategorical", "StudentT", "TransformedDistribution", "Uniform",
           "VonMises", "Weibull", "kl_divergence", "register_kl", "constraints",
           "transforms", "AbsTransform", "AffineTransform", "ComposeTransform",
           "ExpTransform", "PowerTransform", "SigmoidTransform", "SoftplusTransform",
           "StickBreakingTransform", "TanhTransform", "Transform"]
