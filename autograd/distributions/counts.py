"""Geometric, NegativeBinomial and Multinomial: counts drawn with numpy from the engine's
generator and scored with Tensor ops."""
from __future__ import annotations

import numpy as np

from ..tensor_index import where
from . import constraints
from .bernoulli import Binomial
from .categorical import Categorical
from .distribution import Distribution
from .gamma import Gamma
from .utils import (as_size, broadcast_all, constant, is_number, lazy_property,
                    logits_to_probs, probs_to_logits, rng, softplus)


def _logsigmoid(x):
    return -softplus(-x)


class Geometric(Distribution):
    """The number of failures before the first success of Bernoulli(probs) trials:
    (1 - p)^k p; probs in (0, 1] (or logits)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
        else:
            (self.logits,) = broadcast_all(logits)
        given = probs if probs is not None else logits
        param = self.probs if probs is not None else self.logits
        super().__init__(() if is_number(given) else param.shape, validate_args=validate_args)
        if self._validate_args and probs is not None:
            value = np.asarray(self.probs.data)
            if not (value > 0).all():   # p = 0 never stops: torch rejects it too
                raise ValueError(
                    f"Expected parameter probs ({type(self.probs).__name__} of shape "
                    f"{tuple(self.probs.shape)}) of distribution {self!r} to be positive but "
                    f"found invalid values:\n{value[~(value > 0)]}")

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Geometric, batch_shape, _instance, ("probs", "logits"))

    @property
    def mean(self):
        return 1.0 / self.probs - 1.0

    @property
    def mode(self):
        return self.probs.new_zeros(self.probs.shape)

    @property
    def variance(self):
        return (1.0 / self.probs - 1.0) / self.probs

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    def sample(self, sample_shape=()):
        """floor(log u / log(1 - p)) with u ~ U[tiny, 1)."""
        shape = tuple(self._extended_shape(sample_shape))
        p = np.broadcast_to(np.asarray(self.probs.data, np.float64), shape)
        u = np.maximum(rng().random(shape), np.finfo(self.probs.dtype).tiny)
        with np.errstate(divide="ignore"):   # p = 1: log(1 - p) = -inf, the draw is 0
            draws = np.floor(np.log(u) / np.log1p(-p))
        return constant(draws, self.probs.dtype)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        probs = where((probs == 1) & (value == 0), 0.0, probs)   # 0 * log(0) -> 0
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self):
        # binary_cross_entropy_with_logits(logits, probs) / probs
        return (softplus(self.logits) - self.logits * self.probs) / self.probs


class NegativeBinomial(Distribution):
    """The number of successes before total_count failures of Bernoulli(probs) trials;
    total_count may be any real >= 0. Drawn as Poisson(Gamma(total_count, exp(-logits)))."""

    arg_constraints = {"total_count": constraints.greater_than_eq(0),
                       "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            self.total_count, self.probs = broadcast_all(total_count, probs)
            self.total_count = self.total_count.type_as(self.probs)
        else:
            self.total_count, self.logits = broadcast_all(total_count, logits)
            self.total_count = self.total_count.type_as(self.logits)
        self._param = self.probs if probs is not None else self.logits
        super().__init__(self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_params(NegativeBinomial, batch_shape, _instance,
                                  ("total_count", "probs", "logits"))
        new._param = new.__dict__["logits" if "logits" in self.__dict__ else "probs"]
        return new

    @property
    def mean(self):
        return self.total_count * self.logits.exp()

    @property
    def mode(self):
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self):
        return self.mean / (-self.logits).sigmoid()

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self):
        return self._param.size()

    def sample(self, sample_shape=()):
        rate = Gamma(self.total_count, (-self.logits).exp(), validate_args=False)
        rate = np.asarray(rate.sample(sample_shape).data, np.float64)
        return constant(rng().poisson(rate), self._param.dtype)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        n = self.total_count
        unnormalized = n * _logsigmoid(-self.logits) + value * _logsigmoid(self.logits)
        normalization = -(n + value).lgamma() + (1.0 + value).lgamma() + n.lgamma()
        normalization = where(n + value == 0.0, 0.0, normalization)   # lgamma(0) = inf
        return unnormalized - normalization


class Multinomial(Distribution):
    """Counts (event_shape (K,)) of total_count (an int) draws from Categorical(probs or
    logits); counts as floats in the parameters' dtype."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, (int, np.integer)):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = int(total_count)
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=self.total_count, probs=self.probs)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Multinomial, _instance)
        batch_shape = as_size(batch_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        new._binomial = Binomial(total_count=self.total_count, probs=new.probs)
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        return constraints.multinomial(self.total_count)

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    @property
    def logits(self):
        return self._categorical.logits

    @property
    def probs(self):
        return self._categorical.probs

    @property
    def param_shape(self):
        return self._categorical.param_shape

    def sample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        p = np.asarray(self.probs.data, np.float64)
        p = np.broadcast_to(p / p.sum(-1, keepdims=True), shape)
        return constant(rng().multinomial(self.total_count, p), self.probs.dtype)

    def entropy(self):
        n = self.total_count
        term1 = n * self._categorical.entropy() - float(np.log(np.arange(1, n + 1)).sum())
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = self._binomial.log_prob(support).exp()
        return term1 + (binomial_probs * (support + 1).lgamma()).sum((0, -1))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        logits = where((value == 0) & (logits == -np.inf), 0.0, logits)   # 0 * -inf -> 0
        log_factorial_n = (value.sum(-1) + 1).lgamma()
        log_factorial_xs = (value + 1).lgamma().sum(-1)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)


__all__ = ["Geometric", "NegativeBinomial", "Multinomial"]
