"""MixtureSameFamily against torch's: batch and event shapes, log_prob / mean / variance / cdf
values with first and second derivatives (float64 and float32), expand, sample shapes and
statistics, support validation and the constructor's errors."""
import numpy as np
import pytest
import torch

import autograd
from autograd.distributions import (Categorical, Independent, MixtureSameFamily, Normal,
                                    constraints)
from tests.autograd.distributions.oracle import compare

R = np.random.default_rng(11)
K = 4


def D(lib):
    return lib.distributions


def gmm(lib, logits, loc, scale, event_dims=0):
    """A mixture of Normals (event_dims=1: of diagonal Gaussians over the last dim)."""
    comp = D(lib).Normal(loc, scale)
    if event_dims:
        comp = D(lib).Independent(comp, event_dims)
    return D(lib).MixtureSameFamily(D(lib).Categorical(logits=logits), comp)


# (mixture logits shape, component loc shape, event dims, value shape)
SHAPES = {
    "1d": ((K,), (K,), 0, (5,)),
    "2d_event": ((K,), (K, 2), 1, (3, 2)),
    "batch": ((3, K), (3, K, 2), 1, (5, 3, 2)),
    "scalar_mixture_batched_components": ((K,), (2, K), 0, (3, 2)),
    "mixture_batch_broadcast": ((3, K), (2, 3, K), 0, (2, 3)),
    "mixture_batch_one": ((1, K), (3, K, 2), 1, (3, 2)),
}


def arrays_for(shape_key):
    logits_shape, loc_shape, _, value_shape = SHAPES[shape_key]
    return (R.standard_normal(logits_shape), R.standard_normal(loc_shape),
            R.uniform(0.5, 1.5, loc_shape), R.standard_normal(value_shape))


@pytest.mark.parametrize("key", list(SHAPES))
def test_shapes_as_torch(key):
    logits, loc, scale, _ = arrays_for(key)
    dims = SHAPES[key][2]
    ours = gmm(autograd, autograd.tensor(logits), autograd.tensor(loc), autograd.tensor(scale),
               dims)
    theirs = gmm(torch, torch.tensor(logits), torch.tensor(loc), torch.tensor(scale), dims)
    assert ours.batch_shape == theirs.batch_shape
    assert ours.event_shape == theirs.event_shape
    broadcast = SHAPES[key][0][:-1] != SHAPES[key][1][:-1 - dims]
    for shape in ((), (6,), (2, 3)):
        expected = shape + tuple(theirs.batch_shape) + tuple(theirs.event_shape)
        assert tuple(ours.sample(shape).shape) == expected
        if not broadcast:   # torch's sample fails on a mixture batch that broadcasts
            assert tuple(theirs.sample(shape).shape) == expected
    assert not ours.has_rsample


@pytest.mark.parametrize("key", list(SHAPES))
def test_log_prob_mean_variance_match_torch_with_derivatives(key):
    dims = SHAPES[key][2]
    compare(lambda lib, lg, m, s, x: gmm(lib, lg, m, s, dims).log_prob(x), *arrays_for(key))
    compare(lambda lib, lg, m, s: (gmm(lib, lg, m, s, dims).mean,
                                   gmm(lib, lg, m, s, dims).variance), *arrays_for(key)[:3])


@pytest.mark.parametrize("key", ["1d", "scalar_mixture_batched_components",
                                 "mixture_batch_broadcast"])
def test_cdf_matches_torch_with_derivatives(key):
    compare(lambda lib, lg, m, s, x: gmm(lib, lg, m, s).cdf(x), *arrays_for(key))


def test_probs_parameterized_mixture_and_expand():
    probs, loc, scale = R.uniform(0.1, 1, (2, K)), R.standard_normal((2, K)), R.uniform(1, 2, K)
    x = R.standard_normal((3, 5, 2))

    def fn(lib, p, m, s, x):
        d = D(lib).MixtureSameFamily(D(lib).Categorical(probs=p), D(lib).Normal(m, s))
        wide = d.expand((5, 2))
        assert tuple(wide.batch_shape) == (5, 2)
        return wide.log_prob(x), wide.mean, wide.variance
    compare(fn, probs, loc, scale, x)


def test_multivariate_normal_components():
    loc, a = R.standard_normal((K, 3)), R.standard_normal((K, 3, 3))
    logits, x = R.standard_normal(K), R.standard_normal((4, 3))

    def fn(lib, lg, m, a, x):
        cov = a @ a.mT + lib.eye(3, dtype=a.dtype)
        d = D(lib).MixtureSameFamily(D(lib).Categorical(logits=lg),
                                     D(lib).MultivariateNormal(m, covariance_matrix=cov))
        return d.log_prob(x), d.mean, d.variance
    compare(fn, logits, loc, a, x, dtypes=(np.float64,))


def test_samples_follow_the_mixture():
    autograd.manual_seed(0)
    probs = autograd.tensor([0.2, 0.5, 0.3], dtype=autograd.float64)
    loc = autograd.tensor([[-10.0, 0.0], [0.0, 10.0], [10.0, 20.0]], dtype=autograd.float64)
    d = MixtureSameFamily(Categorical(probs=probs),
                          Independent(Normal(loc, autograd.full((3, 2), 1e-3)), 1))
    draws = d.sample((20000,)).data
    assert draws.shape == (20000, 2) and draws.dtype == np.float64
    picked = np.rint(draws[:, 0] / 10).astype(int) + 1      # the component each draw came from
    np.testing.assert_allclose(draws[:, 1], loc.data[picked, 1], atol=0.01)   # whole events
    np.testing.assert_allclose(np.bincount(picked, minlength=3) / 20000, probs.data, atol=0.015)
    np.testing.assert_allclose(draws.mean(0), d.mean.data, atol=0.15)
    np.testing.assert_allclose(draws.var(0), d.variance.data, rtol=0.05)
    assert not d.sample((3,)).requires_grad
    # one mixture over a batch of 2 component sets: each batch element picks on its own
    shared = MixtureSameFamily(Categorical(probs=probs),
                               Normal(loc[:, 0].expand(2, 3), autograd.full((2, 3), 1e-3)))
    picks = np.rint(shared.sample((2000,)).data / 10)
    assert picks.shape == (2000, 2) and 0.4 < np.mean(picks[:, 0] != picks[:, 1]) < 0.85


def test_validation_as_torch():
    rates = R.uniform(0.5, 2, K)
    for lib in (autograd, torch):
        d = D(lib).MixtureSameFamily(D(lib).Categorical(logits=lib.zeros(K)),
                                     D(lib).Exponential(lib.tensor(rates)),
                                     validate_args=True)
        assert np.isfinite(float(d.log_prob(lib.tensor(1.0))))
        with pytest.raises(ValueError, match="support"):
            d.log_prob(lib.tensor([1.0, -1.0]))
    ours = MixtureSameFamily(Categorical(logits=autograd.zeros(K)),
                             Independent(Normal(autograd.zeros(K, 2), 1.0), 1))
    assert ours.support.event_dim == 1 and not ours.support.is_discrete
    assert isinstance(ours.support, constraints.Constraint)


def test_constructor_errors_as_torch():
    for lib in (autograd, torch):
        comp = D(lib).Normal(lib.zeros(3, K), lib.ones(3, K))
        with pytest.raises(ValueError, match="Categorical"):
            D(lib).MixtureSameFamily(comp, comp)
        with pytest.raises(ValueError, match="Distribution"):
            D(lib).MixtureSameFamily(D(lib).Categorical(logits=lib.zeros(K)), lib.zeros(K))
        with pytest.raises(ValueError, match="does not equal"):
            D(lib).MixtureSameFamily(D(lib).Categorical(logits=lib.zeros(K + 1)), comp)
        with pytest.raises(ValueError, match="not compatible"):
            D(lib).MixtureSameFamily(D(lib).Categorical(logits=lib.zeros(2, K)), comp)
