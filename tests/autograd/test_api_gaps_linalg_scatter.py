"""linalg_legacy and tensor_scatter_more against torch: svd (U, S, V; some; compute_uv),
qr(some), cholesky(upper), cholesky_solve / cholesky_inverse (torch's dense gradient in L),
triangular_solve, slogdet, matrix_power, matrix_exp, chain_matmul as functions and methods;
select_scatter, slice_scatter, diagonal_scatter and index_reduce(_) with their gradients and
refusals. Gradients are compared on quantities invariant to the singular vectors' signs."""
import warnings

import numpy as np
import pytest

import autograd as ag
from tests.helpers import assert_gradcheck, check_against_torch

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(17)


def r(*shape):
    return RNG.standard_normal(shape)


def spd(n, batch=()):
    a = r(*batch, n, n)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def chol(n, batch=()):
    return np.linalg.cholesky(spd(n, batch))


@pytest.fixture(autouse=True)
def _quiet_deprecations():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


LINALG = {
    "svd_S_and_UV": (lambda L, a: (L.svd(a)[1], L.svd(a)[0] @ L.svd(a)[2].mT), [r(4, 3)]),
    "svd_full_shapes": (lambda L, a: a.svd(some=False)[1], [r(2, 3, 5)]),
    "svd_no_uv": (lambda L, a: L.svd(a, compute_uv=False)[1], [r(3, 4)]),
    "qr_reduced": (lambda L, a: (lambda q, rr: (q @ rr, rr.abs()))(*L.qr(a)), [r(5, 3)]),
    "qr_complete": (lambda L, a: (lambda q, rr: (q @ rr, rr.abs()))(*a.qr(some=False)),
                    [r(3, 4)]),
    "cholesky": (lambda L, a: L.cholesky(a @ a.mT + 4 * L.eye(4, dtype=L.float64)),
                 [r(4, 4)]),
    "cholesky_upper": (lambda L, a: (a @ a.mT + 4 * L.eye(4, dtype=L.float64)).cholesky(
        upper=True), [r(4, 4)]),
    "cholesky_solve": (lambda L, b, c: L.cholesky_solve(b, c), [r(3, 2), chol(3)]),
    "cholesky_solve_upper_batched": (lambda L, b, c: b.cholesky_solve(c.mT, upper=True),
                                     [r(2, 3, 2), chol(3, (2,))]),
    "cholesky_inverse": (lambda L, c: L.cholesky_inverse(c), [chol(3)]),
    "cholesky_inverse_upper": (lambda L, c: c.mT.cholesky_inverse(upper=True), [chol(4)]),
    "triangular_solve": (lambda L, b, a: L.triangular_solve(b, a)[0], [r(3, 2), spd(3)]),
    "triangular_solve_lower_t": (lambda L, b, a: b.triangular_solve(
        a, upper=False, transpose=True)[0], [r(3, 2), spd(3)]),
    "triangular_solve_unit": (lambda L, b, a: L.triangular_solve(
        b, a, unitriangular=True)[0], [r(2, 3, 2), r(2, 3, 3)]),
    "slogdet": (lambda L, a: L.slogdet(a)[1], [spd(3, (2,))]),
    "slogdet_method": (lambda L, a: a.slogdet().logabsdet, [r(3, 3)]),
    "matrix_power": (lambda L, a: L.matrix_power(a, 3), [r(3, 3)]),
    "matrix_power_neg": (lambda L, a: a.matrix_power(-2), [spd(3)]),
    "matrix_exp": (lambda L, a: L.matrix_exp(a), [r(2, 3, 3) / 2]),
    "matrix_exp_method": (lambda L, a: a.matrix_exp(), [r(3, 3) / 2]),
    "chain_matmul": (lambda L, a, b, c: L.chain_matmul(a, b, c), [r(2, 3), r(3, 5), r(5, 2)]),
    "chain_matmul_one": (lambda L, a: L.chain_matmul(a), [r(2, 3)]),
}


@pytest.mark.parametrize("name", LINALG)
def test_legacy_linalg_matches_torch(name):
    fn, arrays = LINALG[name]
    check_against_torch(lambda *xs: fn(ag, *xs), lambda *xs: fn(torch, *xs), *arrays,
                        rtol=1e-8, atol=1e-10)


def test_legacy_linalg_results_shapes_and_fields():
    a = r(2, 4, 3)
    for some in (True, False):
        ours, theirs = ag.svd(ag.tensor(a), some=some), torch.svd(torch.tensor(a), some=some)
        assert [tuple(t.shape) for t in ours] == [tuple(t.shape) for t in theirs]
        assert (ours.U.shape, ours.S.shape, ours.V.shape) == tuple(
            tuple(t.shape) for t in (theirs.U, theirs.S, theirs.V))
        q, rr = ag.qr(ag.tensor(a), some=some)
        tq, tr = torch.qr(torch.tensor(a), some=some)
        assert (q.shape, rr.shape) == (tuple(tq.shape), tuple(tr.shape))
    no_uv = ag.svd(ag.tensor(a), compute_uv=False)
    assert not no_uv.U.data.any() and no_uv.U.shape == (2, 4, 4) and no_uv.V.shape == (2, 3, 3)
    s = ag.slogdet(ag.tensor(spd(3)))
    assert s.sign.item() == 1.0 and ag.tensor(spd(3)).triangular_solve(
        ag.tensor(spd(3))).cloned_coefficient.shape == (3, 3)


def test_cholesky_solve_ignores_the_other_triangle_in_value():
    c = chol(3)
    noisy = c + np.triu(r(3, 3), 1)
    b = r(3, 2)
    np.testing.assert_allclose(ag.cholesky_solve(ag.tensor(b), ag.tensor(noisy)).data,
                               torch.cholesky_solve(torch.tensor(b), torch.tensor(noisy)),
                               rtol=1e-10)


def test_legacy_linalg_gradcheck():
    """Against finite differences on the triangle that is read (torch's gradient on the
    other one is its dense formula's, which no finite difference sees)."""
    b, c, a = r(3, 2), chol(3), spd(3)
    assert_gradcheck(lambda x, y: ag.cholesky_solve(x, y.tril()), b, c)
    assert_gradcheck(lambda y: ag.cholesky_inverse(y.triu(), upper=True), c.T)
    assert_gradcheck(lambda x, y: ag.triangular_solve(x, y)[0], b, a)


def test_legacy_linalg_warnings_and_refusals():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        ag.qr(ag.ones(2, 2))
        ag.cholesky(ag.eye(2))
    assert [str(w.message).split(" is")[0] for w in seen] == ["torch.qr", "torch.cholesky"]
    with pytest.raises(RuntimeError, match="one or more matrices"):
        ag.chain_matmul()
    with pytest.raises(RuntimeError, match="expected 2"):
        ag.chain_matmul(ag.ones(3))
    with pytest.raises(TypeError, match="must be a tensor"):
        ag.svd([[1.0]])
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ag.cholesky_solve(ag.ones(3), ag.eye(3))


# ----------------------------------------------------------------- scatters
SCATTERS = {
    "select_scatter": (lambda L, x, s: L.select_scatter(x, s, 1, -1), [r(3, 4, 2), r(3, 2)]),
    "select_scatter_method": (lambda L, x, s: x.select_scatter(s, 0, 0), [r(3, 4), r(4)]),
    "slice_scatter": (lambda L, x, s: L.slice_scatter(x, s, 1, 0, 4, 2), [r(3, 4), r(3, 2)]),
    "slice_scatter_default": (lambda L, x, s: x.slice_scatter(s), [r(3, 4), r(3, 4)]),
    "slice_scatter_neg": (lambda L, x, s: x.slice_scatter(s, -1, -2), [r(3, 4), r(3, 2)]),
    "slice_scatter_end": (lambda L, x, s: x.slice_scatter(s, 0, None, 10, 2),
                          [r(5, 2), r(3, 2)]),
    "diagonal_scatter": (lambda L, x, s: L.diagonal_scatter(x, s), [r(3, 4), r(3)]),
    "diagonal_scatter_up": (lambda L, x, s: x.diagonal_scatter(s, 1), [r(3, 4), r(3)]),
    "diagonal_scatter_down": (lambda L, x, s: x.diagonal_scatter(s, -1), [r(3, 4), r(2)]),
    "diagonal_scatter_3d": (lambda L, x, s: x.diagonal_scatter(s, 0, 0, 1),
                            [r(2, 3, 4), r(4, 2)]),
    "diagonal_scatter_apart": (lambda L, x, s: x.diagonal_scatter(s, 1, 2, 0),
                               [r(3, 2, 4), r(2, 2)]),
    "diagonal_scatter_reversed": (lambda L, x, s: x.diagonal_scatter(s, 0, 2, 1),
                                  [r(2, 3, 4), r(2, 3)]),
}


@pytest.mark.parametrize("name", SCATTERS)
def test_scatters_match_torch(name):
    fn, arrays = SCATTERS[name]
    check_against_torch(lambda *xs: fn(ag, *xs), lambda *xs: fn(torch, *xs), *arrays)


@pytest.mark.parametrize("name", ["select_scatter", "diagonal_scatter_apart", "slice_scatter"])
def test_scatters_gradcheck(name):
    fn, arrays = SCATTERS[name]
    assert_gradcheck(lambda *xs: fn(ag, *xs), *arrays)


def test_scatters_keep_self_dtype_and_refuse_what_torch_refuses():
    x = np.zeros((3, 4), np.float32)
    for src in (np.ones(3), np.ones(3, np.int64)):
        ours = ag.select_scatter(ag.tensor(x), ag.tensor(src), 1, 0)
        assert ours.dtype == torch.select_scatter(torch.tensor(x), torch.tensor(src), 1,
                                                  0).numpy().dtype
    for call, match, kind in [
            (lambda L: L.select_scatter(L.zeros(3, 4), L.ones(4), 1, 0), "size equal",
             RuntimeError),
            (lambda L: L.select_scatter(L.zeros(3, 4), L.ones(3), 1, 5), "out of range",
             IndexError),
            (lambda L: L.slice_scatter(L.zeros(3, 4), L.ones(3, 3), 1, 0, 4, 2), "size equal",
             RuntimeError),
            (lambda L: L.slice_scatter(L.zeros(3, 4), L.ones(3, 2), 1, 0, 4, 0),
             "step must be positive", RuntimeError),
            (lambda L: L.diagonal_scatter(L.zeros(3, 4), L.ones(2)), "size equal",
             RuntimeError)]:
        with pytest.raises(kind, match=match):
            call(torch)
        with pytest.raises(kind, match=match):
            call(ag)


def test_scatter_gradient_reaches_a_float64_src_into_float32_self():
    s = ag.ones(3, dtype=ag.float64, requires_grad=True)
    out = ag.zeros(3, 4).select_scatter(s, 1, 2)
    assert out.dtype == np.float32
    (out * 2).sum().backward()
    assert s.grad.dtype == np.float64
    np.testing.assert_array_equal(s.grad.data, 2.0)


# ----------------------------------------------------------------- index_reduce
INDEX = np.array([0, 0, 2, 3, 0])


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("dim", [0, 1])
def test_index_reduce_matches_torch(reduce, include_self, dim):
    x, src = r(4, 4), r(5, 4) if dim == 0 else r(4, 5)

    def fn(L, a, b):
        return a.index_reduce(dim, L.tensor(INDEX), b, reduce, include_self=include_self)
    check_against_torch(lambda *xs: fn(ag, *xs), lambda *xs: fn(torch, *xs), x, src)


def test_index_reduce_in_place_function_form_and_ints():
    x, src = r(4, 3), r(5, 3)
    ours = ag.tensor(x)
    assert ours.index_reduce_(0, ag.tensor(INDEX), ag.tensor(src), "amax") is ours
    theirs = torch.tensor(x).index_reduce_(0, torch.tensor(INDEX), torch.tensor(src), "amax")
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    np.testing.assert_array_equal(
        ag.index_reduce(ag.tensor(x), 1, ag.tensor([2], dtype=ag.int32), ag.tensor(src[:4, :1]),
                        "prod").data,
        torch.index_reduce(torch.tensor(x), 1, torch.tensor([2], dtype=torch.int32),
                           torch.tensor(src[:4, :1]), "prod").numpy())
    xi, si = np.ones((3, 2), np.int64), np.array([[2, 3], [4, 5], [6, 7]])
    ours = ag.tensor(xi).index_reduce(0, ag.tensor([0, 0, 2]), ag.tensor(si), "mean")
    theirs = torch.tensor(xi).index_reduce(0, torch.tensor([0, 0, 2]), torch.tensor(si), "mean")
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_index_reduce_gradcheck_and_refusals():
    assert_gradcheck(lambda a, b: a.index_reduce(0, ag.tensor(INDEX), b, "prod"), r(4, 3),
                     r(5, 3))
    x, src = ag.ones(3, 2), ag.ones(3, 2)
    for call, match, kind in [
            (lambda L, a, s: a.index_reduce(0, L.tensor([0, 0, 2]), s, "sum"),
             "Expected reduce", RuntimeError),
            (lambda L, a, s: a.index_reduce(0, L.tensor([0, 0, 2]), s[:2], "amax"),
             "Number of indices", RuntimeError),
            (lambda L, a, s: a.index_reduce(0, L.tensor([[0, 0, 2]]), s, "amax"),
             "vector", IndexError),
            (lambda L, a, s: a.index_reduce(0, L.tensor([0.0, 0, 2]), s, "amax"),
             "int32/int64", RuntimeError),
            (lambda L, a, s: a.index_reduce(0, L.tensor([0, 0, 5]), s, "amax"),
             "out of range", IndexError),
            (lambda L, a, s: a.index_reduce(0, L.tensor([0, 0, -1]), s, "amax"),
             "out of range", IndexError),
            (lambda L, a, s: a.index_reduce(0, L.tensor([0, 0, 2]), s.long(), "amax"),
             "same scalar type", RuntimeError)]:
        with pytest.raises(kind, match=match):
            call(torch, torch.ones(3, 2), torch.ones(3, 2))
        with pytest.raises(kind, match=match):
            call(ag, x, src)
