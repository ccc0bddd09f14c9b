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


ZERO_CASES = [
    ("prod_dim", lambda t: t.prod(1)), ("prod_keepdim", lambda t: t.prod(0, keepdim=True)),
    ("prod_all", lambda t: t.prod()), ("cumprod_0", lambda t: t.cumprod(0)),
    ("cumprod_1", lambda t: t.cumprod(1)), ("cumprod_2", lambda t: t.cumprod(2)),
]


@pytest.mark.parametrize("zeros", [1, 2, 3])
@pytest.mark.parametrize("name,fn", ZERO_CASES, ids=[c[0] for c in ZERO_CASES])
def test_prod_and_cumprod_with_zeros_have_torchs_higher_derivatives(name, fn, zeros):
    # the zero-safe VJPs (exclusive running products, cumprod's second derivative by scans):
    # first, second and third derivatives at inputs with one or more zeros per row
    rng = np.random.default_rng(zeros)
    x = rng.uniform(-1.5, 1.5, (2, 5, 3))
    x[0, rng.choice(5, zeros, replace=False), 1] = 0.0
    x[1, 2, :] = 0.0
    ours, theirs = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = fn(ours), fn(theirs)
    v = rng.standard_normal(tuple(ty.shape))
    (g,) = autograd.grad(y, ours, autograd.tensor(v), create_graph=True)
    (tg,) = torch.autograd.grad(ty, theirs, torch.tensor(v), create_graph=True)
    np.testing.assert_allclose(g.numpy(), tg.detach().numpy(), rtol=1e-12, atol=1e-14)
    u = rng.standard_normal(x.shape)
    third = name.startswith("prod")   # prod's recorded VJP runs on cumprods: one order more
    (h,) = autograd.grad(g, ours, autograd.tensor(u), create_graph=third)
    (th,) = torch.autograd.grad(tg, theirs, torch.tensor(u), create_graph=third)
    np.testing.assert_allclose(h.numpy(), th.detach().numpy(), rtol=1e-11, atol=1e-13)
    if third:
        (k,) = autograd.grad((h ** 2).sum(), ours)
        (tk,) = torch.autograd.grad((th ** 2).sum(), theirs)
        np.testing.assert_allclose(k.numpy(), tk.numpy(), rtol=1e-10, atol=1e-12)


def test_cumprod_with_a_zero_refuses_a_recorded_second_derivative_by_name():
    x = autograd.tensor([[1.0, 0.0, 2.0]], dtype=autograd.float64, requires_grad=True)
    (g,) = autograd.grad(x.cumprod(1).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="CumProd: create_graph=True through cumprod's second"):
        autograd.grad(g.sum(), x, create_graph=True)


def test_cumprod_second_derivative_with_zeros_in_float32_matches_float64():
    x = np.array([[0.5, 0.0, 2.0, -1.5], [0.0, 3.0, 0.0, 1.25]])
    out = []
    for dtype in (autograd.float32, autograd.float64):
        t = autograd.tensor(x, dtype=dtype, requires_grad=True)
        (g,) = autograd.grad((t.cumprod(1) ** 2).sum(), t, create_graph=True)
        (h,) = autograd.grad(g.sum(), t)
        assert h.dtype == dtype
        out.append(h.numpy().astype(np.float64))
    np.testing.assert_allclose(out[0], out[1], rtol=1e-6)
