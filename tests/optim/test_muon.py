"""Muon against torch.optim.Muon: torch orthogonalizes in bfloat16 and this engine in the
parameter's dtype, so the trajectories agree to bfloat16's precision; the iteration itself is
checked for what it promises (singular values pulled to about [0.5, 1.5])."""
import numpy as np
import pytest

import autograd
import optim
from optim.muon import NS_COEFFICIENTS, newton_schulz

torch = pytest.importorskip("torch")


def _train(lib, opt_cls, weights, x, steps, **kw):
    params = [lib.tensor(w.copy(), requires_grad=True) for w in weights]
    opt = opt_cls(params, **kw)
    for _ in range(steps):
        opt.zero_grad()
        (lib.tanh(lib.tensor(x) @ params[0].T) @ params[1].T).pow(2).sum().backward()
        opt.step()
    return [p.detach().numpy() for p in params], opt


@pytest.mark.parametrize("kw", [{}, {"nesterov": False, "weight_decay": 0.0},
                                {"adjust_lr_fn": "match_rms_adamw", "lr": 0.02},
                                {"momentum": 0.5, "ns_steps": 3}])
def test_trajectory_matches_torch_to_bfloat16(kw):
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal((6, 4)).astype(np.float32),
               rng.standard_normal((3, 6)).astype(np.float32)]
    x = rng.standard_normal((5, 4)).astype(np.float32)
    ours, opt = _train(autograd, optim.Muon, weights, x, 5, **kw)
    theirs, opt_t = _train(torch, torch.optim.Muon, weights, x, 5, **kw)
    for w, a, b in zip(weights, ours, theirs):
        moved = np.abs(b - w).max()
        assert moved > 1e-3
        np.testing.assert_allclose(a - w, b - w, atol=0.03 * moved)
    assert sorted(opt.state_dict()["param_groups"][0]) == sorted(
        opt_t.state_dict()["param_groups"][0])
    assert list(opt.state_dict()["state"][0]) == list(opt_t.state_dict()["state"][0])


@pytest.mark.parametrize("shape", [(8, 5), (5, 8), (6, 6)])
def test_newton_schulz_flattens_the_spectrum(shape):
    g = np.random.default_rng(1).standard_normal(shape) * np.logspace(0, 2, shape[1])
    s = np.linalg.svd(newton_schulz(g, NS_COEFFICIENTS, 5, 1e-7), compute_uv=False)
    assert s.min() > 0.3 and s.max() < 1.5
    u, _, vt = np.linalg.svd(g, full_matrices=False)
    o = newton_schulz(g, NS_COEFFICIENTS, 5, 1e-7)
    assert np.allclose(u @ (u.T @ o @ vt.T) @ vt, o)   # same singular subspaces as g


def test_refusals_as_torch():
    with pytest.raises(ValueError, match="only supports 2D parameters"):
        optim.Muon([autograd.zeros(2, 3, 4, requires_grad=True)])
    with pytest.raises(ValueError, match="not supported"):
        optim.Muon([autograd.zeros(2, 3, requires_grad=True)], adjust_lr_fn="other")
    with pytest.raises(ValueError, match="momentum"):
        optim.Muon([autograd.zeros(2, 3, requires_grad=True)], momentum=-1.0)
    p = autograd.zeros(2, 3, requires_grad=True)
    opt = optim.Muon([p], ns_steps=100)
    p.grad = autograd.ones(2, 3)
    with pytest.raises(ValueError, match="less than 100"):
        opt.step()
