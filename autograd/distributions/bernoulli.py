"""Bernoulli, Binomial and Poisson: counts, drawn with numpy and scored with Tensor ops."""
from __future__ import annotations

import numpy as np

from ..functional_special import xlogy
from ..tensor_index import where
from . import constraints
from .distribution import Distribution
from .utils import (broadcast_all, constant, is_number, lazy_property, logits_to_probs,
                    probs_to_logits, rng, softplus)


def _enumerate_counts(dist, total_count: int, expand: bool):
    values = constant(np.arange(1 + total_count), dist._param.dtype)
    values = values.reshape((-1,) + (1,) * len(dist._batch_shape))
    return values.expand((-1,) + tuple(dist._batch_shape)) if expand else values


class Bernoulli(Distribution):
    """1 with probability probs (or sigmoid(logits)), else 0; samples in probs' dtype."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            is_scalar = is_number(probs)
            (self.probs,) = broadcast_all(probs)
        else:
            is_scalar = is_number(logits)
            (self.logits,) = broadcast_all(logits)
        self._param = self.probs if probs is not None else self.logits
        super().__init__(() if is_scalar else self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_params(Bernoulli, batch_shape, _instance, ("probs", "logits"))
        new._param = new.__dict__["logits" if "logits" in self.__dict__ else "probs"]
        return new

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        p = np.asarray(self.probs.data)
        return constant(np.where(p == 0.5, np.nan, p > 0.5), self.probs.dtype)

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

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
        shape = tuple(self._extended_shape(sample_shape))
        p = np.broadcast_to(np.asarray(self.probs.data, np.float64), shape)
        return constant(rng().random(shape) < p, self.probs.dtype)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return logits * value - softplus(logits)   # -binary_cross_entropy_with_logits

    def entropy(self):
        return softplus(self.logits) - self.logits * self.probs

    def enumerate_support(self, expand=True):
        return _enumerate_counts(self, 1, expand)


class Binomial(Distribution):
    """The number of successes in total_count trials of probability probs (or
    sigmoid(logits)); counts as floats in the parameters' dtype."""

    arg_constraints = {"total_count": constraints.nonnegative_integer,
                       "probs": constraints.unit_interval, "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
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
        new = self._expand_params(Binomial, batch_shape, _instance,
                                  ("total_count", "probs", "logits"))
        new._param = new.__dict__["logits" if "logits" in self.__dict__ else "probs"]
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self):
        return self.total_count * self.probs

    @property
    def mode(self):
        mode = ((self.total_count + 1) * self.probs).floor()
        return where(mode > self.total_count, self.total_count, mode)

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

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
        shape = tuple(self._extended_shape(sample_shape))
        n = np.broadcast_to(np.asarray(self.total_count.data).astype(np.int64), shape)
        p = np.broadcast_to(np.asarray(self.probs.data, np.float64), shape)
        return constant(rng().binomial(n, p), self._param.dtype)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        log_binomial = (n + 1).lgamma() - (value + 1).lgamma() - (n - value + 1).lgamma()
        # n log(1 + exp(logits)), written so that logits = +-inf and n = 0 stay finite
        normalizer = n * (logits.clamp(min=0) + logits - logits.clamp(max=0)) / 2 \
            + n * (-logits.abs()).exp().log1p()
        return value * logits + log_binomial - normalizer

    def _homogeneous_count(self, what):
        counts = np.asarray(self.total_count.data)
        total = int(counts.max())
        if counts.min() != total:
            raise NotImplementedError(f"Inhomogeneous total count not supported by `{what}`.")
        return total

    def entropy(self):
        total = self._homogeneous_count("entropy")
        log_prob = self.log_prob(_enumerate_counts(self, total, False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand=True):
        return _enumerate_counts(self, self._homogeneous_count("enumerate_support"), expand)


class Poisson(Distribution):
    """rate^k exp(-rate) / k!; samples as floats in rate's dtype."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(() if is_number(rate) else self.rate.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Poisson, batch_shape, _instance, ("rate",))

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return self.rate.floor()

    @property
    def variance(self):
        return self.rate

    def sample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        rate = np.broadcast_to(np.asarray(self.rate.data, np.float64), shape)
        return constant(rng().poisson(rate), self.rate.dtype)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return xlogy(value, rate) - rate - (value + 1).lgamma()


__all__ = ["Bernoulli", "Binomial", "Poisson"]
