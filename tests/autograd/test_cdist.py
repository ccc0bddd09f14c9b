"""cdist's kernels (ops/distance.py): values and gradients against torch and against the
composed form, for every kind of p, batch broadcasting, zero distances and ties, both
compute modes, float32 and float64; gradcheck and gradgradcheck in float64."""
import numpy as np
import pytest

import autograd
from autograd.kernels import distance as K
from autograd.ops.distance import cdist_composed
from tests.helpers import assert_close, assert_gradcheck, check_against_torch

torch = pytest.importorskip("torch")

INF = float("inf")
PS = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 2.5, INF]
DIRECT, MM, AUTO = ("donot_use_mm_for_euclid_dist", "use_mm_for_euclid_dist",
                    "use_mm_for_euclid_dist_if_necessary")


def with_ties(shape1, shape2, seed=0):
    """Random rows, with a row of x1 repeated in x2 (a zero distance), coordinates shared
    (zero differences) and integer values (ties for the max at p = inf)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(-3, 4, shape1).astype(np.float64)
    b = rng.integers(-3, 4, shape2).astype(np.float64)
    a[..., 0, :] += rng.standard_normal(shape1[-1]) * 0.1
    b[..., 0, :] = a[..., 0, :] if len(shape2) >= len(shape1) else a[(0,) * (len(shape1) - 2)][0]
    return a, b


@pytest.mark.parametrize("p", PS)
@pytest.mark.parametrize("shapes", [((4, 3), (5, 3)), ((2, 1, 4, 3), (3, 5, 3)),
                                    ((1, 6, 2), (2, 3, 2))])
def test_values_and_grads_match_torch_with_zeros_and_ties(p, shapes):
    a, b = with_ties(*shapes)
    check_against_torch(lambda x, y: autograd.cdist(x, y, p, DIRECT),
                        lambda x, y: torch.cdist(x, y, p, compute_mode=DIRECT), a, b)


@pytest.mark.parametrize("p", PS)
def test_matches_the_composed_form(p):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 5, 4)), rng.standard_normal((1, 7, 4))
    b[0, 2] = a[1, 3]
    g = rng.standard_normal((2, 5, 7))
    outs = []
    for fn in (lambda x, y: autograd.cdist(x, y, p, DIRECT), lambda x, y: cdist_composed(x, y, p)):
        x, y = autograd.tensor(a, requires_grad=True), autograd.tensor(b, requires_grad=True)
        d = fn(x, y)
        (d * autograd.tensor(g)).sum().backward()
        outs.append((d.data, x.grad.data, y.grad.data))
    for got, want in zip(*outs):
        assert_close(got, want, 1e-12, 1e-12)


@pytest.mark.parametrize("p", [0.5, 1.0, 1.5, 2.0, 3.0, INF])
def test_gradcheck(p):
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 4))
    assert_gradcheck(lambda x, y: autograd.cdist(x, y, p), a, b)


@pytest.mark.parametrize("p", [1.5, 2.0, 3.0, INF])
@pytest.mark.parametrize("mode", [DIRECT, MM])
def test_gradgradcheck(p, mode):
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((2, 4))
    assert autograd.gradgradcheck(lambda x, y: autograd.cdist(x, y, p, mode), [a, b])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", [AUTO, MM, DIRECT])
def test_compute_modes_match_torch(mode, dtype):
    # 30 rows: the default mode takes the matrix-product form, as torch's
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((2, 30, 8)).astype(dtype), rng.standard_normal((2, 27, 8)).astype(dtype)
    b[1, 4] = a[1, 9]
    g = rng.standard_normal((2, 30, 27)).astype(dtype)
    x, y = autograd.tensor(a, requires_grad=True), autograd.tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    d, td = autograd.cdist(x, y, 2.0, mode), torch.cdist(tx, ty, 2.0, compute_mode=mode)
    (d * autograd.tensor(g)).sum().backward()
    (td * torch.tensor(g)).sum().backward()
    assert d.dtype == x.grad.dtype == y.grad.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    # the zero distance: its square is a rounding error in the product form, so its gradient
    # (and the distance itself) is left out of the comparison when the mode uses it
    keep = np.ones(d.shape, bool)
    keep[1, 9, 4] = mode == DIRECT
    assert_close(d.data[keep], td.detach().numpy()[keep], tol, tol)
    if mode == DIRECT:
        assert d.data[1, 9, 4] == 0
        assert_close(x.grad.data, tx.grad.numpy(), tol, tol)
        assert_close(y.grad.data, ty.grad.numpy(), tol, tol)


def test_float32_direct_sums_are_accurate():
    # near rows far from the origin: the float64 sums keep every digit the product form loses
    rng = np.random.default_rng(5)
    a = (100 + rng.standard_normal((40, 16))).astype(np.float32)
    b = (a[:30] + 1e-3 * rng.standard_normal((30, 16))).astype(np.float32)
    exact = np.sqrt(((a[:, None].astype(np.float64) - b[None]) ** 2).sum(-1))
    for p, want in [(2.0, exact)]:
        got = autograd.cdist(autograd.tensor(a), autograd.tensor(b), p, DIRECT).data
        assert got.dtype == np.float32
        assert np.max(np.abs(got - want) / want) < 1.2e-7   # one rounding to float32
        mm = autograd.cdist(autograd.tensor(a), autograd.tensor(b), p, MM).data
        assert np.max(np.abs(mm - want) / want) > 1e-3      # why DIRECT is offered


def test_empty_and_zero_width():
    for s1, s2 in [((0, 3), (4, 3)), ((2, 3), (0, 3)), ((2, 0), (4, 0)), ((0, 2, 3), (2, 3))]:
        a, b = np.ones(s1), np.ones(s2)
        for p in (0.0, 1.0, 2.0, INF, 3.0):
            x, y = autograd.tensor(a, requires_grad=True), autograd.tensor(b, requires_grad=True)
            d = autograd.cdist(x, y, p)
            want = torch.cdist(torch.tensor(a), torch.tensor(b), p)
            assert d.shape == tuple(want.shape)
            assert_close(d.data, want.numpy())
            d.sum().backward()
            assert x.grad.shape == s1 and y.grad.shape == s2


def test_nan_propagates_at_p_inf():
    a, b = np.array([[1.0, np.nan, 2.0]]), np.array([[0.0, 0.0, 9.0]])
    d = autograd.cdist(autograd.tensor(a), autograd.tensor(b), INF)
    assert np.isnan(d.data).all()


@pytest.mark.parametrize("p", [0.5, 1.0, 2.0, 3.0, INF])
def test_row_kernels_match_numpy(p):
    rng = np.random.default_rng(6)
    a, b = rng.standard_normal((2, 3, 5)), rng.standard_normal((2, 4, 5))
    diff = a[:, :, None] - b[:, None]
    want = np.abs(diff).max(-1) if p == INF else (np.abs(diff) ** p).sum(-1) ** (1 / p)
    d = K.cdist_forward(a, b, p)
    assert_close(d, want, 1e-13, 1e-13)
    g = rng.standard_normal(d.shape)
    if p == INF:
        part = np.sign(diff) * (np.abs(diff) == want[..., None])
    else:
        part = np.sign(diff) * np.abs(diff) ** (p - 1) / want[..., None] ** (p - 1)
    assert_close(K.cdist_backward_rows(g, a, b, d, p), (g[..., None] * part).sum(2), 1e-12,
                 1e-12)


@pytest.mark.parametrize("p", PS)
def test_float32_matches_torch(p):
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((2, 6, 9)), rng.standard_normal((2, 5, 9))
    g = rng.standard_normal((2, 6, 5))
    x = autograd.tensor(a.astype(np.float32), requires_grad=True)
    y = autograd.tensor(b.astype(np.float32), requires_grad=True)
    d = autograd.cdist(x, y, p)
    (d * autograd.tensor(g.astype(np.float32))).sum().backward()
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    td = torch.cdist(tx, ty, p)
    (td * torch.tensor(g)).sum().backward()
    assert d.dtype == x.grad.dtype == y.grad.dtype == np.float32
    assert_close(d.data, td.detach().numpy(), 2e-6, 1e-6)
    assert_close(x.grad.data, tx.grad.numpy(), 2e-5, 1e-5)
    assert_close(y.grad.data, ty.grad.numpy(), 2e-5, 1e-5)


@pytest.mark.parametrize("p", PS)
def test_pdist_matches_torch_and_the_composed_form(p):
    import nn.functional as F
    from autograd.ops.distance import pdist_composed
    x, _ = with_ties((6, 3), (2, 3))
    x[4] = x[1]   # a zero distance
    check_against_torch(lambda t: F.pdist(t, p), lambda t: torch.nn.functional.pdist(t, p), x)
    check_against_torch(lambda t: pdist_composed(t, p),
                        lambda t: torch.nn.functional.pdist(t, p), x)


@pytest.mark.parametrize("p", [1.5, 2.0, 3.0])
def test_pdist_gradcheck_and_gradgradcheck(p):
    import nn.functional as F
    x = np.random.default_rng(9).standard_normal((4, 3))
    assert_gradcheck(lambda t: F.pdist(t, p), x)
    assert autograd.gradgradcheck(lambda t: F.pdist(t, p), [x])


def test_pdist_of_fewer_than_two_rows_is_empty():
    import nn.functional as F
    for n in (0, 1):
        x = autograd.tensor(np.ones((n, 3)), requires_grad=True)
        d = F.pdist(x)
        assert d.shape == (0,)
        d.sum().backward()
        assert x.grad.shape == (n, 3)
