"""Sampling: shapes and dtypes as torch's, statistics of many draws against the
distribution's own mean/variance, reproducibility under autograd.manual_seed, and the
reparameterization gradients (given the same noise as torch, or in expectation)."""
import numpy as np
import pytest
import torch

import autograd
from autograd import distributions as ad
from tests.autograd.distributions.oracle import compare

N = 20000


def _t(x, dtype=autograd.float64, grad=False):
    return autograd.tensor(np.asarray(x, np.float64), dtype=dtype, requires_grad=grad)


def MAKERS(lib, dt):
    D, T = lib.distributions, (lambda x: lib.tensor(np.asarray(x, np.float64), dtype=dt))
    return {
        "normal": D.Normal(T([0.5, -1.0]), T([1.0, 2.0])),
        "lognormal": D.LogNormal(T([0.1, -0.3]), T([0.3, 0.5])),
        "laplace": D.Laplace(T([0.5, -1.0]), T([1.0, 0.5])),
        "exponential": D.Exponential(T([0.5, 2.0])),
        "uniform": D.Uniform(T([-1.0, 2.0]), T([1.0, 5.0])),
        "gamma": D.Gamma(T([0.5, 4.0]), T([1.0, 2.0])),
        "beta": D.Beta(T([0.5, 3.0]), T([2.0, 1.5])),
        "dirichlet": D.Dirichlet(T([[0.5, 1.0, 2.0], [3.0, 3.0, 1.0]])),
        "categorical": D.Categorical(probs=T([[0.2, 0.0, 0.8], [0.3, 0.3, 0.4]])),
        "onehot": D.OneHotCategorical(logits=T([[0.2, 0.0, 0.8], [0.3, 0.3, 0.4]])),
        "bernoulli": D.Bernoulli(probs=T([0.2, 0.9])),
        "binomial": D.Binomial(T([5.0, 10.0]), probs=T([0.3, 0.6])),
        "poisson": D.Poisson(T([0.5, 6.0])),
        "mvn": D.MultivariateNormal(T([1.0, -1.0]), covariance_matrix=T([[2.0, 0.6], [0.6, 1.0]])),
        "independent": D.Independent(D.Normal(T([[0.0, 1.0]]), T([[1.0, 0.5]])), 1),
        "tanh_normal": D.TransformedDistribution(D.Normal(T([0.0, 0.5]), T([1.0, 0.3])),
                                                 [D.transforms.TanhTransform()]),
    }


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(MAKERS(autograd, autograd.float64)))
def test_sample_shape_dtype_and_statistics(name, dtype):
    ours = MAKERS(autograd, getattr(autograd, dtype))[name]
    theirs = MAKERS(torch, getattr(torch, dtype))[name]
    for shape in [(), (3,), (N,)]:
        a, b = ours.sample(shape), theirs.sample(shape)
        assert tuple(a.shape) == tuple(b.shape) and a.dtype == b.numpy().dtype, (shape, a, b)
        assert not a.requires_grad
    assert ours.batch_shape == tuple(theirs.batch_shape)
    assert ours.event_shape == tuple(theirs.event_shape)
    assert ours.has_rsample == theirs.has_rsample
    x = a.data.astype(np.float64)
    if name == "categorical":
        freq = np.stack([(x == k).mean(0) for k in range(3)], -1)
        np.testing.assert_allclose(freq, ours.probs.data, atol=0.02)
        assert not (x[:, 0] == 1).any()   # probability 0
        return
    if name == "tanh_normal":
        np.testing.assert_allclose(np.arctanh(x).mean(0), [0.0, 0.5], atol=0.05)
        return
    mean, var = ours.mean.data.astype(np.float64), ours.variance.data.astype(np.float64)
    np.testing.assert_allclose(x.mean(0), mean, atol=6 * np.sqrt(var.max() / N) + 1e-3)
    np.testing.assert_allclose(x.var(0), var, rtol=0.1, atol=1e-3)
    if name == "mvn":
        np.testing.assert_allclose(np.cov(x.T), ours.covariance_matrix.data, atol=0.08)


@pytest.mark.parametrize("name", ["normal", "gamma", "categorical", "mvn", "binomial"])
def test_manual_seed_makes_samples_reproducible(name):
    d = MAKERS(autograd, autograd.float64)[name]
    autograd.manual_seed(123)
    first = d.sample((5,)).data.copy()
    autograd.manual_seed(123)
    np.testing.assert_array_equal(d.sample((5,)).data, first)
    assert not np.array_equal(d.sample((5,)).data, first)


def test_rsample_is_differentiable_and_sample_is_not():
    m, s = _t([0.0, 1.0], grad=True), _t([1.0, 2.0], grad=True)
    assert ad.Normal(m, s).rsample((2,)).requires_grad
    assert not ad.Normal(m, s).sample((2,)).requires_grad
    with pytest.raises(NotImplementedError, match="Categorical has no reparameterized"):
        ad.Categorical(logits=m).rsample()


def _same_noise(monkeypatch, eps, u):
    """Our samplers and torch's get the same noise: eps for normals, u (uniform) otherwise."""
    from autograd.distributions import exponential, multivariate_normal, normal, uniform
    fixed_eps = lambda shape, dtype: autograd.tensor(eps, dtype=dtype)  # noqa: E731
    fixed_u = lambda shape, dtype: autograd.tensor(u, dtype=dtype)  # noqa: E731
    for module in (normal, multivariate_normal):
        monkeypatch.setattr(module, "standard_normal", fixed_eps)
    for module in (uniform, exponential):
        monkeypatch.setattr(module, "uniform", fixed_u)
    t_eps = lambda shape, dtype, device: torch.tensor(eps, dtype=dtype)  # noqa: E731
    monkeypatch.setattr(torch.distributions.normal, "_standard_normal", t_eps)
    monkeypatch.setattr(torch.distributions.multivariate_normal, "_standard_normal", t_eps)
    monkeypatch.setattr(torch, "rand", lambda shape, dtype, device: torch.tensor(u, dtype=dtype))
    monkeypatch.setattr(torch.Tensor, "exponential_",
                        lambda self: self.copy_(-torch.tensor(u, dtype=self.dtype).neg().log1p()))

    def laplace_u(self, low, high):
        v = torch.tensor(u, dtype=self.dtype)
        return self.copy_(v * (2 - torch.finfo(self.dtype).eps) + (torch.finfo(self.dtype).eps - 1))
    monkeypatch.setattr(torch.Tensor, "uniform_", laplace_u)


def test_rsample_gradients_match_torch_given_the_same_noise(monkeypatch):
    rng = np.random.default_rng(5)
    eps, u = rng.standard_normal((4, 3)), rng.uniform(0.01, 0.99, (4, 3))
    _same_noise(monkeypatch, eps, u)
    loc, scale, a = rng.standard_normal(3), rng.uniform(0.5, 2, 3), rng.standard_normal((3, 3))
    D = lambda lib: lib.distributions  # noqa: E731
    compare(lambda lib, m, s: (D(lib).Normal(m, s).rsample((4,)),
                               D(lib).LogNormal(m, s).rsample((4,)),
                               D(lib).Independent(D(lib).Normal(m, s), 1).rsample((4,)),
                               D(lib).TransformedDistribution(
                                   D(lib).Normal(m, s), D(lib).transforms.TanhTransform())
                               .rsample((4,))), loc, scale)
    compare(lambda lib, m, s: (D(lib).Uniform(m, m + s).rsample((4,)),
                               D(lib).Exponential(s).rsample((4,)),
                               D(lib).Laplace(m, s).rsample((4,))), loc, scale)
    compare(lambda lib, m, a: D(lib).MultivariateNormal(
        m, covariance_matrix=a @ a.mT + lib.eye(3, dtype=a.dtype)).rsample((4,)), loc, a)


def test_gamma_rsample_gradient_matches_torch_standard_gamma_grad(monkeypatch):
    from autograd.distributions import gamma as gamma_module
    alpha = np.array([0.05, 0.3, 1.0, 2.5, 9.0, 40.0, 400.0])
    draws = np.random.default_rng(2).gamma(alpha, size=(50, 7))

    class FixedDraws:
        def standard_gamma(self, a):
            return draws

    monkeypatch.setattr(gamma_module, "rng", lambda: FixedDraws())
    for dtype, rtol in ((autograd.float64, 2e-3), (autograd.float32, 2e-3)):
        a, r = _t(alpha, dtype, grad=True), _t(np.full(7, 2.0), dtype, grad=True)
        x = ad.Gamma(a, r).rsample((50,))
        np.testing.assert_allclose(x.data, (draws / 2.0).astype(dtype), rtol=1e-6)
        x.sum().backward()
        at = torch.tensor(alpha, dtype=torch.float64).expand(50, 7)
        expected = torch._standard_gamma_grad(at, torch.tensor(draws)).numpy()
        # torch's rational approximations are good to ~1e-3; ours to ~1e-10 (see gamma_grad)
        np.testing.assert_allclose(a.grad.data, expected.sum(0) / 2.0, rtol=rtol)
        np.testing.assert_allclose(r.grad.data, -(draws / 4.0).sum(0), rtol=1e-5)


def test_gamma_grad_against_finite_differences_of_the_cdf():
    from autograd.distributions.gamma_grad import standard_gamma_grad
    alpha = np.array([0.02, 0.4, 1.0, 3.0, 12.0, 150.0])
    x = np.random.default_rng(7).gamma(alpha, size=(40, 6))
    A, X = torch.tensor(alpha, dtype=torch.float64), torch.tensor(x)
    h = 1e-6 * A
    dcdf = (torch.special.gammainc(A + h, X) - torch.special.gammainc(A - h, X)) / (2 * h)
    pdf = ((A - 1) * X.log() - X - A.lgamma()).exp()
    np.testing.assert_allclose(standard_gamma_grad(alpha, x), (-dcdf / pdf).numpy(), rtol=2e-6)


def test_reparameterized_gradients_are_unbiased():
    """d/da E[x] by the mean of pathwise gradients: Gamma(a, b): 1/b; Beta(a, b): b/(a+b)^2;
    Dirichlet's first coordinate likewise."""
    autograd.manual_seed(0)
    a, b = _t([0.4, 3.0], grad=True), _t([2.0, 1.5], grad=True)
    ad.Gamma(a, b).rsample((N,)).mean(0).sum().backward()
    np.testing.assert_allclose(a.grad.data, 1 / b.data, rtol=0.05)
    np.testing.assert_allclose(b.grad.data, -a.data / b.data ** 2, rtol=0.05)
    a.grad = b.grad = None
    ad.Beta(a, b).rsample((N,)).mean(0).sum().backward()
    total = a.data + b.data
    np.testing.assert_allclose(a.grad.data, b.data / total ** 2, rtol=0.05)
    np.testing.assert_allclose(b.grad.data, -a.data / total ** 2, rtol=0.05)


def test_straight_through_onehot_and_enumerate_support():
    p = _t([0.2, 0.3, 0.5], grad=True)
    d = ad.OneHotCategoricalStraightThrough(probs=p)
    s = d.rsample((4,))
    assert s.shape == (4, 3) and set(s.data.sum(-1)) == {1.0}
    (s * _t([1.0, 2.0, 3.0])).sum().backward()
    assert p.grad is not None
    for make in (lambda lib: lib.distributions.Categorical(logits=lib.zeros(2, 3)),
                 lambda lib: lib.distributions.Bernoulli(probs=lib.full((2,), 0.3)),
                 lambda lib: lib.distributions.OneHotCategorical(logits=lib.zeros(2, 3)),
                 lambda lib: lib.distributions.Binomial(4, probs=lib.full((2,), 0.3))):
        for expand in (True, False):
            a = make(autograd).enumerate_support(expand)
            b = make(torch).enumerate_support(expand)
            assert a.dtype == b.numpy().dtype
            np.testing.assert_array_equal(np.broadcast_to(a.data, a.shape), b.numpy())


def test_beta_and_dirichlet_draws_stay_inside_the_open_interval_as_torch():
    # a Beta(0.5, 0.5) draw of exactly 1.0 (143 in a million) made log_prob inf
    from autograd.distributions import Beta, Dirichlet, Gamma
    autograd.manual_seed(11)
    d = Beta(autograd.tensor(0.5), autograd.tensor(0.5))
    s = d.sample((200_000,))
    assert 0 < s.numpy().min() and s.numpy().max() <= np.nextafter(np.float32(1), 0)
    assert np.isfinite(d.log_prob(s).numpy()).all()
    c = autograd.tensor([0.05, 0.1, 0.2], requires_grad=True)
    x = Dirichlet(c).rsample((20_000,))
    assert 0 < x.detach().numpy().min() and x.detach().numpy().max() < 1
    x.sum().backward()                        # the moved draws keep their gradient path
    assert np.isfinite(c.grad.numpy()).all()
    g = Gamma(autograd.tensor(2.0), autograd.tensor(3.0))
    assert g.sample().shape == () and g.rsample().shape == ()   # 0-d parameters
