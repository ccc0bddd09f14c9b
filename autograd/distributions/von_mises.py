"""VonMises: the circular normal on [-pi, pi), drawn by Best and Fisher's rejection sampler
(in float64 numpy, from the engine's generator). log I0 and I1 / I0 use the engine's
exponentially scaled Bessel functions (torch uses a polynomial fit good to ~1e-7)."""
from __future__ import annotations

import math

import numpy as np

from ..special import i0e, i1e
from . import constraints
from .distribution import Distribution
from .utils import as_size, broadcast_all, constant, rng


def _log_i0(x):
    """log I0(x) = log(i0e(x)) + x for x >= 0: no overflow for large x."""
    return i0e(x).log() + x


def _rejection_sample(loc, kappa, shape):
    """Best & Fisher (1979), as torch: loc, kappa float64 arrays broadcast to shape."""
    loc, kappa = np.broadcast_to(loc, shape), np.broadcast_to(kappa, shape)
    tau = 1 + np.sqrt(1 + 4 * kappa ** 2)
    rho = (tau - np.sqrt(2 * tau)) / (2 * kappa)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(kappa < 1e-5, 1 / kappa + kappa, (1 + rho ** 2) / (2 * rho))
        x = np.zeros(shape)
        done = np.zeros(shape, np.bool_)
        gen = rng()
        while not done.all():
            u1, u2, u3 = gen.random((3,) + tuple(shape))
            z = np.cos(math.pi * u1)
            f = (1 + r * z) / (r + z)
            c = kappa * (r - f)
            accept = ~done & ((c * (2 - c) - u2 > 0) | (np.log(c / u2) + 1 - c >= 0))
            x = np.where(accept, np.sign(u3 - 0.5) * np.arccos(f), x)
            done |= accept
    return (x + math.pi + loc) % (2 * math.pi) - math.pi


class VonMises(Distribution):
    """exp(concentration cos(x - loc)) / (2 pi I0(concentration)), a circular distribution;
    mean and mode are loc, variance is the circular variance 1 - I1(k) / I0(k)."""

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args=None):
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, (), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(VonMises, as_size(batch_shape), _instance,
                                   ("loc", "concentration"))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (self.concentration * (value - self.loc).cos() - math.log(2 * math.pi)
                - _log_i0(self.concentration))

    def sample(self, sample_shape=()):
        """Draws in [-pi, pi), with no gradient (has_rsample is False, as in torch)."""
        shape = tuple(self._extended_shape(sample_shape))
        draws = _rejection_sample(np.asarray(self.loc.data, np.float64),
                                  np.asarray(self.concentration.data, np.float64), shape)
        return constant(draws, self.loc.dtype)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        k = self.concentration
        return 1 - i1e(k) / i0e(k)


__all__ = ["VonMises"]
