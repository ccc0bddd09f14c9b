"""create_graph=True through the reductions: var/std, max/amax, logsumexp, prod, norms,
cumsum, median, and what is built on them (normalize, cosine_similarity, a gradient penalty)."""
import numpy as np
import pytest

import autograd
import nn

torch = pytest.importorskip("torch")

# (name, fn(lib, F, inputs), shapes, low end of the input range)
CASES = [
    ("var", lambda L, F, t: t[0].var(1), [(3, 4)], 0.5),
    ("var_all", lambda L, F, t: t[0].var() * t[0], [(3, 4)], 0.5),
    ("std_keepdim", lambda L, F, t: t[0].std(0, keepdim=True) * t[0], [(3, 4)], 0.5),
    ("std_all", lambda L, F, t: t[0].std(), [(3, 4)], 0.5),
    ("max", lambda L, F, t: t[0].max() * t[0], [(3, 4)], 0.5),
    ("max_dim", lambda L, F, t: t[0].max(1)[0] ** 2, [(3, 4)], 0.5),
    ("amax", lambda L, F, t: t[0].amax(0) ** 2, [(3, 4)], 0.5),
    ("logsumexp", lambda L, F, t: t[0].logsumexp(1) ** 2, [(3, 4)], 0.5),
    ("prod", lambda L, F, t: t[0].prod(1) ** 2 + t[0].prod(), [(3, 4)], 0.5),
    ("norm2", lambda L, F, t: t[0].norm(dim=1) ** 2 + t[0].norm(), [(3, 4)], -1.5),
    ("norm3", lambda L, F, t: t[0].norm(3, dim=1) ** 2, [(3, 4)], -1.5),
    ("norm1", lambda L, F, t: t[0].norm(1) * t[0], [(3, 4)], -1.5),
    ("norm_inf", lambda L, F, t: t[0].norm(float("inf"), dim=0) * t[0], [(3, 4)], -1.5),
    ("vector_norm", lambda L, F, t: L.linalg.vector_norm(t[0], dim=1) ** 2, [(3, 4)], -1.5),
    ("cumsum", lambda L, F, t: t[0].cumsum(1) ** 2, [(3, 4)], 0.5),
    ("median", lambda L, F, t: t[0].median() * t[0], [(3, 5)], 0.5),
    ("normalize", lambda L, F, t: F.normalize(t[0], dim=1) ** 2 * t[0], [(3, 4)], 0.5),
    ("cosine_similarity", lambda L, F, t: F.cosine_similarity(t[0], t[1]) ** 2,
     [(3, 4), (3, 4)], 0.5),
    ("cumprod", lambda L, F, t: t[0].cumprod(1) ** 2, [(3, 4)], 0.5),
    ("diag", lambda L, F, t: L.diag(t[0] * t[0], 1) ** 2 + L.diag(L.diag(t[0] ** 3)), [(3, 4)],
     0.5),
    ("floor_sign", lambda L, F, t: (t[0] * 3).floor() * t[0] ** 2 + t[0].sign() * t[0],
     [(3, 4)], 0.5),
    ("gradient_penalty", lambda L, F, t: ((t[0] @ t[1]).tanh().norm(2, dim=1) - 1) ** 2,
     [(3, 4), (4, 5)], 0.5),
]


def _arrays(shapes, lo, seed):
    rng = np.random.default_rng(seed)
    return [rng.uniform(lo, 1.5, s) for s in shapes]


@pytest.mark.parametrize("name,fn,shapes,lo", CASES, ids=[c[0] for c in CASES])
def test_first_and_second_derivatives_match_torch(name, fn, shapes, lo):
    arrays = _arrays(shapes, lo, 0)
    ours = [autograd.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = fn(autograd, nn.functional, ours), fn(torch, torch.nn.functional, theirs)
    v = np.random.default_rng(1).standard_normal(tuple(ty.shape))
    g = autograd.grad(y, ours, autograd.tensor(v), create_graph=True)
    tg = torch.autograd.grad(ty, theirs, torch.tensor(v), create_graph=True)
    plain = autograd.grad(fn(autograd, nn.functional, ours), ours, autograd.tensor(v))
    for a, b, c in zip(g, tg, plain):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(a.numpy(), c.numpy(), rtol=1e-12, atol=1e-14)
    sum((a ** 2).sum() for a in g).backward()
    sum((b ** 2).sum() for b in tg).backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name,fn,shapes,lo", CASES, ids=[c[0] for c in CASES])
def test_gradgradcheck(name, fn, shapes, lo):
    inputs = [autograd.tensor(a, requires_grad=True) for a in _arrays(shapes, lo, 2)]
    assert autograd.gradgradcheck(lambda *t: fn(autograd, nn.functional, list(t)), inputs)


def test_prod_with_a_zero_refuses_create_graph_by_name():
    x = autograd.tensor([[1.0, 0.0], [2.0, 3.0]], dtype=autograd.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="Prod: create_graph=True with a zero"):
        autograd.grad(x.prod(1).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="CumProd: create_graph=True with a zero"):
        autograd.grad(x.cumprod(1).sum(), x, create_graph=True)
