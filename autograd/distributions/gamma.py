"""Gamma, Chi2, Dirichlet and Beta; their rsample differentiates a Gamma draw in its concentration
by implicit reparameterization (gamma_grad.py)."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..compat import finfo
from ..function import Function
from ..functional_special import xlogy
from ..special import gammainc
from ..tensor import Tensor, stack
from ..tensor_index import where
from . import constraints
from .distribution import Distribution
from .gamma_grad import standard_gamma_grad
from .utils import as_size, broadcast_all, constant, is_number, rng


class StandardGammaDraw(Function):
    """x = a Gamma(alpha, 1) draw (made before the call, `draws`), as a function of alpha by
    implicit reparameterization: dalpha = g * dx/dalpha (gamma_grad.py). It has no recorded
    VJP, so create_graph=True through it raises, naming it (torch's is not implemented
    either), rather than treating dx/dalpha as a constant."""

    @staticmethod
    def forward(ctx, alpha, draws):
        if ctx.needs_input_grad is not None:
            ctx.slope = standard_gamma_grad(np.asarray(alpha, np.float64), draws)
        return draws

    @staticmethod
    def backward(ctx, g):
        return (g * ctx.slope.astype(g.dtype, copy=False),)


def standard_gamma(concentration: Tensor) -> Tensor:
    """Gamma(concentration, 1) draws shaped like concentration, at least the dtype's tiny
    (as torch's); differentiable in concentration (StandardGammaDraw)."""
    a = np.asarray(concentration.data, np.float64)
    # (np.asarray: numpy returns a float, not an array, for a 0-d concentration)
    draws = np.asarray(rng().standard_gamma(a)).astype(concentration.dtype)
    np.maximum(draws, finfo(concentration.dtype).tiny, out=draws)
    return StandardGammaDraw.apply(concentration, draws=draws)


class Gamma(Distribution):
    """rate^a x^(a-1) exp(-rate x) / Gamma(a), a = concentration; rsample differentiable in
    both parameters (in concentration to first order: create_graph through the draw raises,
    see StandardGammaDraw)."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        scalar = is_number(concentration) and is_number(rate)
        super().__init__(() if scalar else self.concentration.shape,
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Gamma, batch_shape, _instance, ("concentration", "rate"))

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=()):
        shape = tuple(self._extended_shape(sample_shape))
        value = standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        v = np.asarray(value.data)
        tiny = finfo(value.dtype).tiny
        if (v < tiny).any():   # a huge rate underflowed: lift to tiny, not recorded (torch)
            value = value + constant(np.maximum(v, tiny) - v, value.dtype)
        return value

    def log_prob(self, value):
        if not isinstance(value, Tensor):
            value = Tensor(np.asarray(value, self.rate.dtype))
        if self._validate_args:
            self._validate_sample(value)
        a, rate = self.concentration, self.rate
        return xlogy(a, rate) + xlogy(a - 1, value) - rate * value - a.lgamma()

    def entropy(self):
        a = self.concentration
        return a - self.rate.log() + a.lgamma() + (1.0 - a) * a.digamma()

    def cdf(self, value):
        """P(concentration, rate * value), as torch's: differentiable in value and rate (the
        derivative in the concentration is not implemented, in torch either)."""
        if self._validate_args:
            self._validate_sample(value)
        return gammainc(self.concentration, self.rate * value)


class Chi2(Gamma):
    """Gamma(df / 2, 1 / 2): the sum of df squared standard normals."""

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args=None):
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Chi2, _instance)
        return super().expand(batch_shape, new)

    @property
    def df(self):
        return self.concentration * 2


class Dirichlet(Distribution):
    """A probability vector (event_shape (K,)) with density prop. to prod x_k^(c_k - 1);
    rsample normalizes K Gamma(c_k) draws."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Dirichlet, batch_shape, _instance, ("concentration",))

    def rsample(self, sample_shape=()):
        gammas = standard_gamma(self.concentration.expand(tuple(self._extended_shape(
            sample_shape))))
        value = gammas / gammas.sum(-1, keepdim=True)
        # as torch: a component that rounded to exactly 0 or 1 is moved just inside (0, 1)
        # (Beta's log_prob of a draw of 1.0 was inf), not recorded
        v = np.asarray(value.data)
        inside = np.clip(v, finfo(v.dtype).tiny, np.nextafter(v.dtype.type(1), v.dtype.type(0)))
        if (inside != v).any():
            value = value + constant(inside - v, value.dtype)
        return value

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return xlogy(c - 1.0, value).sum(-1) + c.sum(-1).lgamma() - c.lgamma().sum(-1)

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self):
        c = self.concentration
        cm1 = (c - 1).clamp(min=0.0)
        below_one = (c < 1).all(-1, keepdim=True)   # the mode is then a corner
        total = where(below_one, 1.0, cm1.sum(-1, True))
        corner = constant(np.eye(c.shape[-1])[np.asarray(c.data).argmax(-1)], c.dtype)
        return where(below_one, corner, cm1 / total)

    @property
    def variance(self):
        c = self.concentration
        c0 = c.sum(-1, True)
        return c * (c0 - c) / (c0.pow(2) * (c0 + 1))

    def entropy(self):
        c = self.concentration
        k, a0 = c.shape[-1], c.sum(-1)
        return (c.lgamma().sum(-1) - a0.lgamma() - (k - a0) * a0.digamma()
                - ((c - 1.0) * c.digamma()).sum(-1))


class Beta(Distribution):
    """x^(c1 - 1) (1 - x)^(c0 - 1) / B(c1, c0) on [0, 1], a Dirichlet over (x, 1 - x);
    rsample is G1 / (G1 + G0) with Gamma draws."""

    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        if is_number(concentration1) and is_number(concentration0):
            both = Tensor(np.array([concentration1, concentration0], dtypes._default_dtype))
        else:
            c1, c0 = broadcast_all(concentration1, concentration0)
            both = stack([c1, c0], -1)
        self._dirichlet = Dirichlet(both, validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Beta, _instance)
        batch_shape = as_size(batch_shape)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def concentration1(self):
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self):
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self):
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape=()):
        return self._dirichlet.rsample(sample_shape).select(-1, 0)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self._dirichlet.log_prob(stack([value, 1.0 - value], -1))

    def entropy(self):
        return self._dirichlet.entropy()


__all__ = ["Gamma", "Chi2", "Dirichlet", "Beta"]
