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
from .distribution import Distribution
from .exponential import Exponential, Laplace
from .gamma import Beta, Dirichlet, Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .mixture_same_family import MixtureSameFamily
from .multivariate_normal import MultivariateNormal
from .normal import LogNormal, Normal
from .transformed_distribution import TransformedDistribution
from .transforms import (AffineTransform, ComposeTransform, ExpTransform, PowerTransform,
                         SigmoidTransform, SoftplusTransform, TanhTransform, Transform)
from .uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Dirichlet", "Distribution",
           "Exponential", "Gamma", "Independent", "Laplace", "LogNormal", "MixtureSameFamily",
           "MultivariateNormal",
           "Normal", "OneHotCategorical", "OneHotCategoricalStraightThrough", "Poisson",
           "TransformedDistribution", "Uniform", "kl_divergence", "register_kl",
           "constraints", "transforms", "AffineTransform", "ComposeTransform",
           "ExpTransform", "PowerTransform", "SigmoidTransform", "SoftplusTransform",
           "TanhTransform", "Transform"]
