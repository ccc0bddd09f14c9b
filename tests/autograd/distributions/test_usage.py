"""Second derivatives against finite differences (gradgradcheck), and the way RL, VAE and
Bayesian scripts use distributions, written as `import autograd as torch`."""
import numpy as np

import autograd
import autograd as torch
import nn
import optim

D = autograd.distributions


def _leaf(x):
    return autograd.tensor(np.asarray(x, np.float64), dtype=autograd.float64, requires_grad=True)


def test_gradgradcheck_log_prob_entropy_kl():
    m, s, x = _leaf([0.3, -1.0]), _leaf([0.7, 1.6]), _leaf([0.1, 0.4])
    assert autograd.gradgradcheck(lambda m, s, x: D.Normal(m, s).log_prob(x), (m, s, x))
    a, b = _leaf([0.8, 2.5]), _leaf([1.7, 0.6])
    assert autograd.gradgradcheck(lambda a, b: D.Gamma(a, b).entropy(), (a, b))
    assert autograd.gradgradcheck(
        lambda a, b: D.kl_divergence(D.Beta(a, b), D.Beta(b, a)), (a, b))
    z = _leaf([[0.2, -0.4, 1.1], [0.0, 0.3, -0.8]])
    assert autograd.gradgradcheck(lambda z: D.Categorical(logits=z).entropy(), (z,))
    A, v = _leaf([[1.0, 0.2], [0.3, 0.8]]), _leaf([[0.4, -0.2], [1.0, 0.3]])
    assert autograd.gradgradcheck(
        lambda A, v: D.MultivariateNormal(v[0], covariance_matrix=A @ A.mT + 0.5 * autograd.eye(
            2, dtype=A.dtype)).log_prob(v), (A, v))


def test_reinforce_with_categorical_learns_the_best_arm():
    torch.manual_seed(0)
    logits = torch.zeros(3, requires_grad=True)
    opt = optim.Adam([logits], lr=0.1)
    reward = torch.tensor([0.0, 1.0, 0.2])
    for _ in range(60):
        dist = torch.distributions.Categorical(logits=logits)
        actions = dist.sample((32,))
        loss = -(dist.log_prob(actions) * reward[actions]).mean() - 0.01 * dist.entropy()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert torch.distributions.Categorical(logits=logits).probs.data.argmax() == 1


def test_vae_style_step_reduces_the_elbo_loss():
    torch.manual_seed(1)
    x = torch.randn(64, 4)
    enc, dec = nn.Linear(4, 2 * 2), nn.Linear(2, 4)
    opt = optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=0.05)
    prior = D.Normal(torch.zeros(2), torch.ones(2))
    losses = []
    for _ in range(40):
        mu, log_sigma = enc(x).chunk(2, -1)
        q = D.Independent(D.Normal(mu, log_sigma.exp()), 1)
        z = q.rsample()
        recon = D.Independent(D.Normal(dec(z), 1.0), 1).log_prob(x)
        kl = D.kl_divergence(q, D.Independent(prior.expand((64, 2)), 1))
        loss = (kl - recon).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert np.isfinite(losses).all() and losses[-1] < losses[0] - 0.5


def test_tanh_gaussian_policy_and_bernoulli_likelihood():
    torch.manual_seed(2)
    mu, log_std = torch.zeros(5, 2, requires_grad=True), torch.zeros(5, 2, requires_grad=True)
    base = D.Normal(mu, log_std.exp())
    pi = D.TransformedDistribution(base, [D.transforms.TanhTransform(cache_size=1)])
    action = pi.rsample()
    logp = pi.log_prob(action).sum(-1)   # the cached pre-tanh value, no atanh round trip
    (logp.mean() + action.pow(2).mean()).backward()
    assert mu.grad is not None and np.isfinite(log_std.grad.data).all()
    w = torch.zeros(3, requires_grad=True)
    feats = torch.randn(20, 3)
    y = D.Bernoulli(logits=feats @ torch.tensor([1.0, -2.0, 0.5])).sample()
    for _ in range(50):
        nll = -D.Bernoulli(logits=feats @ w).log_prob(y).mean()
        (g,) = torch.autograd.grad(nll, [w])
        w = (w - 0.5 * g).detach().requires_grad_(True)
    assert nll.item() < 0.6


def test_gamma_rsample_refuses_a_second_derivative_in_the_concentration():
    """dx/dalpha of a draw is not recorded: create_graph raises by name, never a silently
    constant slope (torch's is not implemented either)."""
    import pytest
    import autograd
    from autograd.distributions import Beta, Gamma
    alpha = autograd.tensor([1.5, 3.0], dtype=autograd.float64, requires_grad=True)
    x = Gamma(alpha, autograd.tensor([1.0, 2.0], dtype=autograd.float64)).rsample()
    (g,) = autograd.grad(x.sum(), alpha)            # first order: fine
    assert g.shape == (2,)
    with pytest.raises(RuntimeError, match="StandardGammaDraw: create_graph=True"):
        autograd.grad(Gamma(alpha, 1.0).rsample().sum(), alpha, create_graph=True)
    with pytest.raises(RuntimeError, match="StandardGammaDraw: create_graph=True"):
        autograd.grad(Beta(alpha, alpha * 2).rsample().sum(), alpha, create_graph=True)
