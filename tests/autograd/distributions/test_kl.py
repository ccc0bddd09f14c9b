"""kl_divergence against torch's closed forms (values, gradients, second derivatives), the
registry's dispatch and its error for unregistered pairs."""
import numpy as np
import pytest
import torch

import autograd
from autograd.distributions import (Distribution, Normal, kl_divergence, register_kl)
from tests.autograd.distributions.oracle import compare, const

R = np.random.default_rng(3)
LOC, LOC2 = R.standard_normal(3), R.standard_normal(3)
SCALE, SCALE2 = R.uniform(0.5, 2.0, 3), R.uniform(0.5, 2.0, 3)
PROBS, PROBS2 = R.uniform(0.1, 1.0, (2, 4)), R.uniform(0.1, 1.0, (2, 4))
A, B = R.standard_normal((3, 3)), R.standard_normal((2, 3, 3))


def D(lib):
    return lib.distributions


def kl(lib, p, q):
    return D(lib).kl_divergence(p, q)


CASES = {
    "normal": (lambda lib, m, s, m2, s2: kl(lib, D(lib).Normal(m, s), D(lib).Normal(m2, s2)),
               LOC, SCALE, LOC2, SCALE2),
    "normal_broadcast_number": (lambda lib, m, s: kl(lib, D(lib).Normal(m, s),
                                                     D(lib).Normal(0.0, 1.0)), LOC, SCALE),
    "categorical": (lambda lib, p, q: kl(lib, D(lib).Categorical(probs=p),
                                         D(lib).Categorical(logits=q)), PROBS, PROBS2),
    "categorical_zeros": (lambda lib, p, q: kl(
        lib, D(lib).Categorical(probs=p * const(lib, [1, 0, 1, 1], p)),
        D(lib).Categorical(probs=q * const(lib, [[1, 1, 1, 1], [1, 1, 0, 1]], q))),
        PROBS, PROBS2),
    "onehot": (lambda lib, p, q: kl(lib, D(lib).OneHotCategorical(logits=p),
                                    D(lib).OneHotCategorical(logits=q)), PROBS, PROBS2),
    "bernoulli": (lambda lib, p, q: kl(lib, D(lib).Bernoulli(probs=p), D(lib).Bernoulli(logits=q)),
                  PROBS[0, :3], LOC2),
    "bernoulli_edges": (lambda lib, p, q: kl(
        lib, D(lib).Bernoulli(probs=p * const(lib, [0, 1, 1, 0], p) + const(lib, [0, 0, 0, 1], p)),
        D(lib).Bernoulli(probs=q * const(lib, [1, 0, 0, 1], q) + const(lib, [0, 1, 0, 0], q))),
        PROBS[0] / 2, PROBS2[0] / 2),
    "mvn": (lambda lib, m, a, m2, b: kl(
        lib, D(lib).MultivariateNormal(m, covariance_matrix=a @ a.mT + lib.eye(3, dtype=a.dtype)),
        D(lib).MultivariateNormal(m2, scale_tril=b.tril(-1) + 2 * lib.eye(3, dtype=b.dtype))),
        LOC, A, LOC2, B),
    "independent": (lambda lib, m, s, m2, s2: kl(
        lib, D(lib).Independent(D(lib).Normal(m, s), 1),
        D(lib).Independent(D(lib).Normal(m2, s2), 1)), LOC, SCALE, LOC2, SCALE2),
    "uniform": (lambda lib, lo, w, lo2, w2: kl(lib, D(lib).Uniform(lo, lo + w),
                                               D(lib).Uniform(lo2 - 2, lo2 + w2 + 2)),
                LOC, SCALE, LOC2, SCALE2),
    "uniform_not_covered": (lambda lib, lo, w, lo2, w2: kl(
        lib, D(lib).Uniform(lo, lo + w), D(lib).Uniform(lo2, lo2 + w2)), LOC, SCALE, LOC2, SCALE2),
    "beta": (lambda lib, a, b, a2, b2: kl(lib, D(lib).Beta(a, b), D(lib).Beta(a2, b2)),
             SCALE, SCALE2, SCALE2, SCALE),
    "gamma": (lambda lib, a, b, a2, b2: kl(lib, D(lib).Gamma(a, b), D(lib).Gamma(a2, b2)),
              SCALE, SCALE2, SCALE2, SCALE),
    "dirichlet": (lambda lib, p, q: kl(lib, D(lib).Dirichlet(p), D(lib).Dirichlet(q)),
                  PROBS * 3, PROBS2 * 3),
    "exponential_laplace_poisson": (lambda lib, m, s, m2, s2: (
        kl(lib, D(lib).Exponential(s), D(lib).Exponential(s2)),
        kl(lib, D(lib).Laplace(m, s), D(lib).Laplace(m2, s2)),
        kl(lib, D(lib).Poisson(s), D(lib).Poisson(s2))), LOC, SCALE, LOC2, SCALE2),
    "binomial": (lambda lib, z, z2: kl(lib, D(lib).Binomial(const(lib, [4, 5, 6], z), logits=z),
                                       D(lib).Binomial(const(lib, [4, 3, 6], z), logits=z2)),
                 LOC, LOC2),
    "lognormal": (lambda lib, m, s, m2, s2: kl(lib, D(lib).LogNormal(m, s),
                                               D(lib).LogNormal(m2, s2)), LOC, SCALE, LOC2, SCALE2),
}


@pytest.mark.parametrize("name", list(CASES))
def test_kl_matches_torch(name):
    fn, *arrays = CASES[name]
    compare(fn, *arrays)


def test_unregistered_pair_raises_torch_message():
    p, q = Normal(0.0, 1.0), autograd.distributions.Categorical(probs=autograd.ones(3))
    with pytest.raises(NotImplementedError) as ours:
        kl_divergence(p, q)
    with pytest.raises(NotImplementedError) as theirs:
        torch.distributions.kl_divergence(torch.distributions.Normal(0.0, 1.0),
                                          torch.distributions.Categorical(probs=torch.ones(3)))
    assert str(ours.value) == str(theirs.value)
    assert "Normal" in str(ours.value) and "Categorical" in str(ours.value)


def test_register_kl_picks_the_most_specific_pair():
    class MyNormal(Normal):
        pass

    class Other(Distribution):
        arg_constraints = {}

    assert float(kl_divergence(MyNormal(0.0, 1.0), Normal(1.0, 1.0)).item()) == 0.5

    @register_kl(MyNormal, Normal)
    def _mine(p, q):
        return autograd.tensor(-1.0)

    assert kl_divergence(MyNormal(0.0, 1.0), Normal(1.0, 1.0)).item() == -1.0
    assert kl_divergence(Normal(0.0, 1.0), MyNormal(1.0, 1.0)).item() == 0.5
    with pytest.raises(NotImplementedError, match="p type Other and q type Normal"):
        kl_divergence(Other(), Normal(0.0, 1.0))
    with pytest.raises(TypeError):
        register_kl(int, Normal)


def test_kl_mvn_event_shape_mismatch():
    MVN = autograd.distributions.MultivariateNormal
    with pytest.raises(ValueError, match="different event shapes"):
        kl_divergence(MVN(autograd.zeros(2), autograd.eye(2)), MVN(autograd.zeros(3),
                                                                     autograd.eye(3)))
