"""Argument and sample validation of the distributions added after the first set: the same
ValueError messages as torch (up to how a Size and a tensor print), and the other errors."""
import numpy as np
import pytest
import torch

import autograd
from tests.autograd.distributions.test_validation import T, _message

INVALID = {
    "cauchy": lambda lib, D: D.Cauchy(0.0, -1.0),
    "half_cauchy": lambda lib, D: D.HalfCauchy(T(lib, [1.0, -1.0])),
    "half_normal": lambda lib, D: D.HalfNormal(0.0),
    "gumbel": lambda lib, D: D.Gumbel(T(lib, [0.0, 1.0]), T(lib, [1.0, -2.0])),
    "weibull": lambda lib, D: D.Weibull(T(lib, [1.0, 2.0]), T(lib, [1.0, -1.0])),
    "pareto": lambda lib, D: D.Pareto(1.0, -2.0),
    "pareto_scale": lambda lib, D: D.Pareto(T(lib, [0.0, 1.0]), 2.0),
    "student_t_df": lambda lib, D: D.StudentT(T(lib, [-1.0, 2.0])),
    "student_t_scale": lambda lib, D: D.StudentT(2.0, 0.0, -1.0),
    "chi2": lambda lib, D: D.Chi2(T(lib, [3.0, -1.0])),
    "geometric_zero": lambda lib, D: D.Geometric(T(lib, [0.0, 0.5])),
    "geometric_above_one": lambda lib, D: D.Geometric(T(lib, [1.5])),
    "negative_binomial_count": lambda lib, D: D.NegativeBinomial(-1.0, probs=T(lib, 0.5)),
    "negative_binomial_probs": lambda lib, D: D.NegativeBinomial(2.0, probs=T(lib, [1.0])),
    "multinomial": lambda lib, D: D.Multinomial(3, probs=T(lib, [0.5, -0.5])),
    "relaxed_bernoulli": lambda lib, D: D.RelaxedBernoulli(T(lib, 0.5), probs=T(lib, [1.5])),
    "relaxed_one_hot": lambda lib, D: D.RelaxedOneHotCategorical(
        T(lib, 0.5), probs=T(lib, [0.5, -0.5])),
    "lowrank_cov_diag": lambda lib, D: D.LowRankMultivariateNormal(
        lib.zeros(2), lib.ones(2, 1), T(lib, [1.0, 0.0])),
    "lowrank_cov_factor_shape": lambda lib, D: D.LowRankMultivariateNormal(
        lib.zeros(3), lib.ones(2, 1), lib.ones(3)),
    "lowrank_cov_diag_shape": lambda lib, D: D.LowRankMultivariateNormal(
        lib.zeros(3), lib.ones(3, 1), lib.ones(2)),
    "lowrank_batch_shapes": lambda lib, D: D.LowRankMultivariateNormal(
        lib.zeros(2, 3), lib.ones(4, 3, 1), lib.ones(3)),
    "von_mises": lambda lib, D: D.VonMises(0.0, -1.0),
    "continuous_bernoulli": lambda lib, D: D.ContinuousBernoulli(T(lib, [1.5]),
                                                                 validate_args=True),
    "logistic_normal": lambda lib, D: D.LogisticNormal(T(lib, [0.0]), T(lib, [-1.0])),
    "half_normal_value": lambda lib, D: D.HalfNormal(1.0).log_prob(T(lib, -1.0)),
    "pareto_value": lambda lib, D: D.Pareto(2.0, 2.0).log_prob(T(lib, [3.0, 1.0])),
    "geometric_value": lambda lib, D: D.Geometric(0.5).log_prob(T(lib, 1.5)),
    "multinomial_value": lambda lib, D: D.Multinomial(3, probs=lib.ones(3)).log_prob(
        T(lib, [1.0, 1.0, 2.0])),
    "multinomial_event_shape": lambda lib, D: D.Multinomial(3, probs=lib.ones(3)).log_prob(
        T(lib, [1.0, 2.0])),
    "relaxed_one_hot_value": lambda lib, D: D.RelaxedOneHotCategorical(
        T(lib, 0.5), probs=lib.ones(3)).log_prob(T(lib, [0.5, 0.7, 0.1])),
    "continuous_bernoulli_value": lambda lib, D: D.ContinuousBernoulli(0.3).log_prob(
        T(lib, 1.5)),
    "neither_probs_nor_logits": lambda lib, D: D.Geometric(),
    "both_probs_and_logits": lambda lib, D: D.NegativeBinomial(
        2.0, probs=T(lib, 0.5), logits=T(lib, 0.0)),
}


@pytest.mark.parametrize("name", list(INVALID))
def test_error_messages_match_torch(name):
    ours = _message(autograd, INVALID[name])
    assert ours == _message(torch, INVALID[name])


def test_errors_name_the_distribution_and_shapes():
    with pytest.raises(ValueError, match=r"parameter scale \(Tensor of shape \(2,\)\) of "
                                         r"distribution Gumbel"):
        INVALID["gumbel"](autograd, autograd.distributions)
    with pytest.raises(NotImplementedError, match="inhomogeneous total_count"):
        autograd.distributions.Multinomial(2.5, probs=autograd.ones(3))
    with pytest.raises(NotImplementedError, match="StudentT has no reparameterized|"
                                                  "VonMises has no reparameterized"):
        autograd.distributions.VonMises(0.0, 1.0).rsample()


def test_validation_can_be_turned_off():
    D = autograd.distributions
    d = D.HalfNormal(-1.0, validate_args=False)
    assert np.isnan(d.log_prob(autograd.tensor(1.0)).item())
    assert D.Geometric(autograd.tensor([0.0]), validate_args=False).batch_shape == (1,)
    # as torch: a bad probs is clamped into (0, 1) unless validate_args is given explicitly
    D.ContinuousBernoulli(autograd.tensor([1.5]))
