"""Cauchy and HalfCauchy."""
from __future__ import annotations

import math

from . import constraints
from .distribution import Distribution
from .transformed_distribution import HalfDistribution
from .utils import broadcast_all, is_number, uniform


class Cauchy(Distribution):
    """scale / (pi (scale^2 + (x - loc)^2)); no mean (nan) and infinite variance.
    rsample: loc + scale tan(pi (u - 1/2)) with u ~ U[0, 1)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        batch_shape = () if is_number(loc) and is_number(scale) else self.loc.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Cauchy, batch_shape, _instance, ("loc", "scale"))

    @property
    def mean(self):
        return self.loc.new_full(tuple(self._extended_shape()), math.nan)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return self.loc.new_full(tuple(self._extended_shape()), math.inf)

    def rsample(self, sample_shape=()):
        u = uniform(self._extended_shape(sample_shape), self.loc.dtype)
        return self.loc + (math.pi * (u - 0.5)).tan() * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (-math.log(math.pi) - self.scale.log()
                - ((value - self.loc) / self.scale).pow(2).log1p())

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value):
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + self.scale.log()


class HalfCauchy(HalfDistribution):
    """|X| with X ~ Cauchy(0, scale): density 2 Cauchy(x; 0, scale) on x >= 0."""

    folded = Cauchy

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(HalfCauchy, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self):
        return self.scale.new_full(tuple(self._extended_shape()), math.inf)

    @property
    def variance(self):
        return self.base_dist.variance


__all__ = ["Cauchy", "HalfCauchy"]
