"""Sampling of the distributions added after the first set: shapes, dtypes and support as
torch's, the empirical distribution of draws against torch's draws and against the
distribution's own mean/variance, manual_seed reproducibility, and rsample gradients (given
the same noise as torch, or unbiased in expectation)."""
import numpy as np
import pytest
import torch

import autograd
from autograd import distributions as ad
from tests.autograd.distributions.oracle import compare

N = 4000
QUANTILES = np.array([0.1, 0.25, 0.5, 0.75, 0.9])


def MAKERS(lib, dt):
    D, T = lib.distributions, (lambda x: lib.tensor(np.asarray(x, np.float64), dtype=dt))
    return {
        "cauchy": D.Cauchy(T([0.5, -1.0]), T([1.0, 2.0])),
        "half_cauchy": D.HalfCauchy(T([1.0, 0.3])),
        "half_normal": D.HalfNormal(T([1.0, 0.3])),
        "gumbel": D.Gumbel(T([0.5, -1.0]), T([1.0, 2.0])),
        "weibull": D.Weibull(T([1.0, 2.0]), T([0.8, 3.0])),
        "pareto": D.Pareto(T([1.0, 2.0]), T([9.0, 12.0])),   # light enough tails for x.var()
        "student_t": D.StudentT(T([5.0, 9.0]), T([0.5, -1.0]), T([1.0, 2.0])),
        "chi2": D.Chi2(T([0.7, 4.0])),
        "geometric": D.Geometric(T([0.3, 0.8])),
        "negative_binomial": D.NegativeBinomial(T([2.5, 6.0]), probs=T([0.3, 0.6])),
        "multinomial": D.Multinomial(7, probs=T([[0.2, 0.0, 0.8], [0.3, 0.3, 0.4]])),
        "relaxed_bernoulli": D.RelaxedBernoulli(T(0.5), probs=T([0.2, 0.7])),
        "relaxed_one_hot": D.RelaxedOneHotCategorical(T(0.7), logits=T([[0.2, -1.0, 0.8]])),
        "lowrank_mvn": D.LowRankMultivariateNormal(T([1.0, -1.0, 0.0]),
                                                   T([[1.0], [0.5], [-0.3]]), T([0.5, 1.0, 2.0])),
        "von_mises": D.VonMises(T([0.5, -3.0, 1.0]), T([0.2, 4.0, 40.0])),
        "continuous_bernoulli": D.ContinuousBernoulli(T([0.2, 0.4999, 0.9])),
        "logistic_normal": D.LogisticNormal(T([0.3, -0.5]), T([1.0, 0.4])),
    }


NO_MOMENTS = {"cauchy", "half_cauchy", "relaxed_bernoulli", "relaxed_one_hot",
              "logistic_normal"}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_sample_shapes_dtypes_and_support(dtype):
    ours_all = MAKERS(autograd, getattr(autograd, dtype))
    theirs_all = MAKERS(torch, getattr(torch, dtype))
    for name, ours in ours_all.items():
        theirs = theirs_all[name]
        assert ours.batch_shape == tuple(theirs.batch_shape), name
        assert ours.event_shape == tuple(theirs.event_shape), name
        assert ours.has_rsample == theirs.has_rsample, name
        for shape in [(), (3,), (2, 5)]:
            a, b = ours.sample(shape), theirs.sample(shape)
            assert tuple(a.shape) == tuple(b.shape), (name, shape, a.shape, b.shape)
            assert a.dtype == b.numpy().dtype, (name, a.dtype, b.dtype)
            assert not a.requires_grad
            assert np.all(ours.support.check(a).data), (name, a)
            if ours.has_rsample:
                assert tuple(ours.rsample(shape).shape) == tuple(b.shape)


def _marginals(x):
    """(N, *batch, *event) draws -> (N, M): one column per scalar marginal."""
    return x.reshape(len(x), -1)


@pytest.mark.parametrize("name", list(MAKERS(torch, torch.float64)))
def test_draws_match_torch_draws_and_moments(name):
    autograd.manual_seed(0)
    torch.manual_seed(0)
    ours = MAKERS(autograd, autograd.float64)[name]
    theirs = MAKERS(torch, torch.float64)[name]
    x = ours.sample((N,)).numpy()
    y = theirs.sample((N,)).numpy()
    # the two empirical cdfs at torch's quantiles: each within ~4.5 standard errors
    xs, ys = _marginals(x), _marginals(y)
    for j in range(xs.shape[1]):
        t = np.quantile(ys[:, j], QUANTILES)
        fx = (xs[:, j, None] <= t).mean(0)
        fy = (ys[:, j, None] <= t).mean(0)
        np.testing.assert_allclose(fx, fy, atol=0.05, err_msg=f"{name} marginal {j}")
    if name in NO_MOMENTS:
        return
    if name == "von_mises":   # circular: E cos(x - loc) = 1 - circular variance
        loc, var = ours.loc.numpy(), ours.variance.numpy()
        np.testing.assert_allclose(np.cos(x - loc).mean(0), 1 - var, atol=0.03)
        return
    mean, var = ours.mean.numpy(), ours.variance.numpy()
    np.testing.assert_allclose(x.mean(0), mean, atol=5 * np.sqrt(var.max() / N) + 1e-3)
    np.testing.assert_allclose(x.var(0), var, rtol=0.15, atol=1e-3)


@pytest.mark.parametrize("name", ["cauchy", "student_t", "von_mises", "multinomial",
                                  "negative_binomial", "relaxed_one_hot"])
def test_manual_seed_makes_samples_reproducible(name):
    d = MAKERS(autograd, autograd.float64)[name]
    autograd.manual_seed(123)
    first = d.sample((5,)).numpy().copy()
    autograd.manual_seed(123)
    np.testing.assert_array_equal(d.sample((5,)).numpy(), first)
    assert not np.array_equal(d.sample((5,)).numpy(), first)


def _noise(kind, shape):
    """The same fixed noise of `shape` for both libraries: U(0.01, 0.99) or N(0, 1)."""
    n = int(np.prod(shape, dtype=np.int64))
    rng = np.random.default_rng(5 if kind == "u" else 6)
    draws = rng.uniform(0.01, 0.99, n) if kind == "u" else rng.standard_normal(n)
    return draws.reshape(tuple(shape))


def _same_noise(monkeypatch):
    from autograd.distributions import (cauchy, continuous_bernoulli, exponential,
                                        lowrank_multivariate_normal, normal, relaxed, uniform)
    ours_u = lambda shape, dtype: autograd.tensor(_noise("u", shape), dtype=dtype)  # noqa
    ours_n = lambda shape, dtype: autograd.tensor(_noise("n", shape), dtype=dtype)  # noqa
    for module in (cauchy, continuous_bernoulli, exponential, relaxed, uniform):
        monkeypatch.setattr(module, "uniform", ours_u)
    for module in (normal, lowrank_multivariate_normal):
        monkeypatch.setattr(module, "standard_normal", ours_n)
    t_n = lambda shape, dtype, device: torch.tensor(_noise("n", shape), dtype=dtype)  # noqa
    monkeypatch.setattr(torch.distributions.normal, "_standard_normal", t_n)
    monkeypatch.setattr(torch.distributions.lowrank_multivariate_normal, "_standard_normal", t_n)
    monkeypatch.setattr(torch, "rand", lambda shape, dtype=None, device=None: torch.tensor(
        _noise("u", shape), dtype=dtype))
    monkeypatch.setattr(torch.Tensor, "exponential_", lambda self: self.copy_(
        -torch.tensor(_noise("u", self.shape), dtype=self.dtype).neg().log1p()))
    monkeypatch.setattr(torch.Tensor, "cauchy_", lambda self: self.copy_(
        torch.tan(np.pi * (torch.tensor(_noise("u", self.shape), dtype=self.dtype) - 0.5))))


def test_rsample_gradients_match_torch_given_the_same_noise(monkeypatch):
    _same_noise(monkeypatch)
    rng = np.random.default_rng(8)
    loc, scale = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    D = lambda lib: lib.distributions  # noqa: E731
    compare(lambda lib, m, s: (D(lib).Cauchy(m, s).rsample((4,)),
                               D(lib).HalfCauchy(s).rsample((4,)),
                               D(lib).HalfNormal(s).rsample((4,)),
                               D(lib).Gumbel(m, s).rsample((4,)),
                               D(lib).Weibull(s, s + 0.5).rsample((4,)),
                               D(lib).Pareto(s, s + 1).rsample((4,)),
                               D(lib).LogisticNormal(m, s).rsample((4,))), loc, scale)
    compare(lambda lib, m, w, d: D(lib).LowRankMultivariateNormal(m, w, d).rsample((4,)),
            loc, rng.standard_normal((3, 2)), scale)
    compare(lambda lib, t, z: (D(lib).RelaxedBernoulli(t, logits=z).rsample((4,)),
                               D(lib).RelaxedOneHotCategorical(t, logits=z).rsample((4,)),
                               D(lib).ContinuousBernoulli(logits=z).rsample((4,))),
            np.array(0.6), loc)


def test_gamma_based_rsample_gradients_are_unbiased():
    """Chi2: dE[x]/d df = 1. StudentT: E[x^2] = loc^2 + scale^2 df / (df - 2), whose
    derivative in df goes through the Chi2 draw's implicit reparameterization."""
    autograd.manual_seed(0)
    df = autograd.tensor([0.6, 4.0], dtype=autograd.float64, requires_grad=True)
    ad.Chi2(df).rsample((20000,)).mean(0).sum().backward()
    np.testing.assert_allclose(df.grad.numpy(), [1.0, 1.0], rtol=0.05)
    df = autograd.tensor([9.0, 12.0], dtype=autograd.float64, requires_grad=True)
    loc = autograd.tensor([0.5, -1.0], dtype=autograd.float64, requires_grad=True)
    scale = autograd.tensor([1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    ad.StudentT(df, loc, scale).rsample((20000,)).pow(2).mean(0).sum().backward()
    d, s = df.detach().numpy(), scale.detach().numpy()
    np.testing.assert_allclose(df.grad.numpy(), -2 * s ** 2 / (d - 2) ** 2, rtol=0.2)
    np.testing.assert_allclose(scale.grad.numpy(), 2 * s * d / (d - 2), rtol=0.05)
    np.testing.assert_allclose(loc.grad.numpy(), 2 * loc.detach().numpy(), atol=0.1)


@pytest.mark.parametrize("name", list(MAKERS(torch, torch.float64)))
def test_expand_matches_torch(name):
    ours = MAKERS(autograd, autograd.float64)[name]
    theirs = MAKERS(torch, torch.float64)[name]
    shape = (4,) + tuple(theirs.batch_shape)
    a, b = ours.expand(shape), theirs.expand(shape)
    assert type(a) is type(ours) and a.batch_shape == tuple(b.batch_shape)
    assert a.event_shape == tuple(b.event_shape)
    x = a.sample((2,))
    assert tuple(x.shape) == tuple(b.sample((2,)).shape)
    if name == "von_mises":   # torch takes log I0 from a polynomial fit good to ~2e-7, which a
        # log density near 0 turns into a large relative error: check against the exact value
        xs, loc, k = x.numpy(), np.array([0.5, -3.0, 1.0]), np.array([0.2, 4.0, 40.0])
        i0 = np.array([np.i0(v) for v in k])
        expected = k * np.cos(xs - loc) - np.log(2 * np.pi * i0)
    else:
        expected = b.log_prob(torch.tensor(x.numpy())).numpy()
    np.testing.assert_allclose(a.log_prob(x).numpy(), expected, rtol=1e-6)
