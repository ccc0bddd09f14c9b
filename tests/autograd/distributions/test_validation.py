"""Argument and sample validation: torch's errors (the same messages, but for how a Size and a
tensor print), on by default, off with validate_args=False or
Distribution.set_default_validate_args(False)."""
import re

import numpy as np
import pytest
import torch

import autograd
from autograd.distributions import Distribution, Normal


def _size(m):
    items = m.group(1)
    return f"({items},)" if items and "," not in items else f"({items})"


def _message(lib, make):
    with pytest.raises(ValueError) as info:
        make(lib, lib.distributions)
    text = re.sub(r"torch\.Size\(\[(.*?)\]\)", _size, str(info.value))
    return text.split("invalid values:")[0]   # tensors print differently after this


def T(lib, x, dtype=None):
    return lib.tensor(np.asarray(x, np.float64), dtype=dtype or lib.float32)


INVALID = {
    "normal_scalar": lambda lib, D: D.Normal(0.0, -1.0),
    "normal_tensor": lambda lib, D: D.Normal(T(lib, [0, 1]), T(lib, [1, -1])),
    "normal_nan_loc": lambda lib, D: D.Normal(T(lib, [np.nan, 1]), T(lib, [1, 1])),
    "uniform": lambda lib, D: D.Uniform(1.0, 0.0),
    "categorical": lambda lib, D: D.Categorical(probs=T(lib, [0.5, -0.5])),
    "categorical_nan_logits": lambda lib, D: D.Categorical(logits=T(lib, [0.5, np.nan])),
    "onehot": lambda lib, D: D.OneHotCategorical(probs=T(lib, [0.5, -0.5])),
    "bernoulli": lambda lib, D: D.Bernoulli(probs=T(lib, [0.5, 1.5])),
    "binomial": lambda lib, D: D.Binomial(2.5, probs=T(lib, 0.5)),
    "dirichlet": lambda lib, D: D.Dirichlet(T(lib, [1.0, 0.0])),
    "gamma": lambda lib, D: D.Gamma(T(lib, [1.0, 0.0]), 1.0),
    "beta": lambda lib, D: D.Beta(1.0, -2.0),
    "poisson": lambda lib, D: D.Poisson(T(lib, [-1.0])),
    "exponential": lambda lib, D: D.Exponential(0.0),
    "laplace": lambda lib, D: D.Laplace(0.0, 0.0),
    "lognormal": lambda lib, D: D.LogNormal(0.0, -1.0),
    "mvn_not_pd": lambda lib, D: D.MultivariateNormal(T(lib, [0, 0]),
                                                      T(lib, [[1, 2], [2, 1]])),
    "mvn_scale_tril": lambda lib, D: D.MultivariateNormal(T(lib, [0, 0]),
                                                          scale_tril=T(lib, [[1, 0], [2, -1]])),
    "exponential_value": lambda lib, D: D.Exponential(1.0).log_prob(T(lib, -1.0)),
    "categorical_value": lambda lib, D: D.Categorical(logits=lib.zeros(3)).log_prob(
        lib.tensor(3)),
    "bernoulli_value": lambda lib, D: D.Bernoulli(0.3).log_prob(T(lib, 0.5)),
    "beta_value": lambda lib, D: D.Beta(2.0, 2.0).log_prob(T(lib, 1.5)),
    "uniform_value": lambda lib, D: D.Uniform(0.0, 1.0).log_prob(T(lib, [0.5, 2.0])),
    "poisson_value": lambda lib, D: D.Poisson(2.0).log_prob(T(lib, 1.5)),
    "dirichlet_value": lambda lib, D: D.Dirichlet(T(lib, [1, 1])).log_prob(T(lib, [0.5, 0.7])),
    "mvn_event_shape": lambda lib, D: D.MultivariateNormal(lib.zeros(3), lib.eye(3)).log_prob(
        lib.zeros(2)),
    "batch_shape": lambda lib, D: D.Normal(lib.zeros(3), 1.0).log_prob(lib.zeros(2)),
    "not_a_tensor": lambda lib, D: D.Normal(0.0, 1.0).log_prob(0.5),
    "probs_and_logits": lambda lib, D: D.Categorical(probs=lib.ones(2), logits=lib.ones(2)),
    "neither": lambda lib, D: D.Bernoulli(),
    "mvn_two_matrices": lambda lib, D: D.MultivariateNormal(
        lib.zeros(2), covariance_matrix=lib.eye(2), scale_tril=lib.eye(2)),
    "independent_too_many_dims": lambda lib, D: D.Independent(D.Normal(lib.zeros(3), 1.0), 2),
}


@pytest.mark.parametrize("name", list(INVALID))
def test_error_messages_match_torch(name):
    assert _message(autograd, INVALID[name]) == _message(torch, INVALID[name])


def test_validation_can_be_turned_off():
    d = Normal(0.0, -1.0, validate_args=False)
    assert np.isnan(d.log_prob(autograd.tensor(0.0)).item())
    assert Normal(0.0, 1.0, validate_args=False).log_prob(0.5).item() == pytest.approx(
        -0.5 * 0.25 - 0.5 * np.log(2 * np.pi))
    try:
        Distribution.set_default_validate_args(False)
        Normal(0.0, -1.0).log_prob(autograd.tensor(1.0))
        autograd.distributions.Exponential(1.0).log_prob(autograd.tensor(-1.0))
        with pytest.raises(ValueError):   # an explicit validate_args still wins
            Normal(0.0, -1.0, validate_args=True)
    finally:
        Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        Normal(0.0, -1.0)
    with pytest.raises(ValueError):
        Distribution.set_default_validate_args("yes")


def test_attributes_and_repr():
    D = autograd.distributions
    d = D.Normal(autograd.zeros(2, 3), 1.0)
    assert d.batch_shape == (2, 3) and d.event_shape == () and isinstance(d.batch_shape,
                                                                             autograd.Size)
    assert repr(D.Normal(0.0, 1.0)) == repr(torch.distributions.Normal(0.0, 1.0))
    assert repr(D.Independent(D.Normal(0.0, 1.0).expand((3,)), 1)) == repr(
        torch.distributions.Independent(torch.distributions.Normal(0.0, 1.0).expand((3,)), 1))
    assert repr(D.constraints.interval(0.0, 1.0)) == repr(torch.distributions.constraints
                                                          .interval(0.0, 1.0))
    for name in ("Normal", "Categorical", "Bernoulli", "MultivariateNormal", "Gamma", "Beta"):
        ours, theirs = getattr(D, name), getattr(torch.distributions, name)
        assert set(ours.arg_constraints) == set(theirs.arg_constraints)
        assert repr(ours.arg_constraints[next(iter(ours.arg_constraints))]) == repr(
            theirs.arg_constraints[next(iter(theirs.arg_constraints))])
    assert repr(D.Gamma.support) == repr(torch.distributions.Gamma.support)
    assert D.Categorical(logits=autograd.zeros(4)).support.upper_bound == 3
    assert D.Uniform(0.0, 2.0).support.check(autograd.tensor([1.0, 3.0])).tolist() == [True,
                                                                                       False]
    with pytest.raises(NotImplementedError, match="does not implement mode"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), D.transforms.TanhTransform()).mode
    with pytest.warns(FutureWarning):
        assert D.Normal(0.0, 1.0).sample_n(2).shape == (2,)


def test_expand_keeps_validation_and_shares_parameters():
    D = autograd.distributions
    loc = autograd.zeros(3, requires_grad=True)
    d = D.Normal(loc, 1.0, validate_args=False).expand((2, 3))
    assert d.batch_shape == (2, 3) and d._validate_args is False
    d.log_prob(autograd.ones(2, 3)).sum().backward()
    np.testing.assert_allclose(loc.grad.data, [2.0, 2.0, 2.0])
    b = D.Beta(autograd.ones(3), 2.0).expand((4, 3))
    assert b.batch_shape == (4, 3) and b.sample().shape == (4, 3)
    m = D.MultivariateNormal(autograd.zeros(2), scale_tril=autograd.eye(2)).expand((5,))
    assert m.batch_shape == (5,) and m.rsample((3,)).shape == (3, 5, 2)
    ln = D.LogNormal(0.0, 1.0).expand((2,))
    assert type(ln) is D.LogNormal and ln.sample().shape == (2,)
