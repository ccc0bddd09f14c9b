"""autograd.linalg against torch.linalg in float64 (values, shapes, dtypes and the gradients
of a random cotangent) and against finite differences; eigh, svd and their kin through
functions that do not depend on the eigenvectors' signs; batching and broadcasting; float32;
the non-differentiable outputs; the errors."""
import math

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings

import autograd
from autograd import linalg
from tests.helpers import assert_gradcheck, check_against_torch, check_float32

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
INF = math.inf


def r(*shape):
    return RNG.standard_normal(shape)


def both(fn):
    """fn(lib, *xs) as the pair (ours, theirs): lib is autograd, then torch."""
    return (lambda *xs: fn(autograd, *xs)), (lambda *xs: fn(torch, *xs))


def mT(a):
    return a.transpose(-1, -2)


def spd(M, a):
    """a a^T + n I: symmetric positive definite, well conditioned."""
    return a @ mT(a) + a.shape[-1] * M.eye(a.shape[-1], dtype=a.dtype)


def sym(a):
    return a + mT(a)


def eigh_invariant(M, a):
    """Eigenvalues, squared eigenvectors (sign-free) and V exp(L) V^T."""
    w, v = M.linalg.eigh(a)
    return w, v * v, (v * w.exp().unsqueeze(-2)) @ mT(v)


def svd_invariant(M, a, full=False):
    """S, squared singular vectors and U Vh (the polar factor): free of the signs."""
    u, s, vh = M.linalg.svd(a, full_matrices=full)
    k = s.shape[-1]
    u, vh = u[..., :k], vh[..., :k, :]
    return s, u * u, vh * vh, u @ vh


SINGULAR = np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]])   # rank 2
RANK_ONE = np.outer([1.0, 2, 0], [0.5, -1, 3])

# (name, fn(lib, *inputs), input arrays): checked against torch and finite differences
CASES = [
    ("det", lambda M, a: M.linalg.det(a), [r(3, 3)]),
    ("det_batched", lambda M, a: M.linalg.det(a), [r(2, 2, 4, 4)]),
    ("det_rank_one", lambda M, a: M.linalg.det(a), [RANK_ONE]),
    ("slogdet", lambda M, a: tuple(M.linalg.slogdet(a)), [r(2, 3, 3)]),
    ("inv", lambda M, a: M.linalg.inv(a), [r(2, 3, 3) + 3 * np.eye(3)]),
    ("inv_ex", lambda M, a: M.linalg.inv_ex(a).inverse, [r(3, 3) + 3 * np.eye(3)]),
    ("solve_matrix", lambda M, a, b: M.linalg.solve(a, b), [r(3, 3), r(3, 2)]),
    ("solve_broadcast", lambda M, a, b: M.linalg.solve(a, b), [r(2, 1, 3, 3), r(4, 3, 2)]),
    ("solve_vector", lambda M, a, b: M.linalg.solve(a, b), [r(2, 3, 3), r(3)]),
    ("solve_batched_vector", lambda M, a, b: M.linalg.solve(a, b), [r(2, 3, 3), r(2, 3)]),
    ("solve_right", lambda M, a, b: M.linalg.solve(a, b, left=False), [r(3, 3), r(2, 3)]),
    ("solve_triangular_upper", lambda M, a, b: M.linalg.solve_triangular(
        a + 3 * M.eye(3, dtype=a.dtype), b, upper=True), [r(2, 3, 3), r(3, 2)]),
    ("solve_triangular_lower_right_unit", lambda M, a, b: M.linalg.solve_triangular(
        a, b, upper=False, left=False, unitriangular=True), [r(3, 3), r(2, 3)]),
    ("cholesky", lambda M, a: M.linalg.cholesky(spd(M, a)), [r(2, 3, 3)]),
    ("cholesky_upper", lambda M, a: M.linalg.cholesky(spd(M, a), upper=True), [r(4, 4)]),
    ("qr_tall", lambda M, a: tuple(M.linalg.qr(a)), [r(5, 3)]),
    ("qr_wide_batched", lambda M, a: tuple(M.linalg.qr(a)), [r(2, 3, 5)]),
    ("qr_square", lambda M, a: tuple(M.linalg.qr(a)), [r(4, 4)]),
    ("qr_complete_wide", lambda M, a: tuple(M.linalg.qr(a, mode="complete")), [r(3, 4)]),
    ("eigh", lambda M, a: eigh_invariant(M, sym(a)), [r(2, 4, 4)]),
    ("eigh_upper", lambda M, a: M.linalg.eigh(sym(a), UPLO="U").eigenvalues, [r(3, 3)]),
    ("eigvalsh", lambda M, a: M.linalg.eigvalsh(sym(a)), [r(2, 3, 3)]),
    ("svd_tall", lambda M, a: svd_invariant(M, a), [r(5, 3)]),
    ("svd_wide_batched", lambda M, a: svd_invariant(M, a), [r(2, 3, 5)]),
    ("svd_square", lambda M, a: svd_invariant(M, a), [r(4, 4)]),
    ("svd_full_matrices", lambda M, a: svd_invariant(M, a, full=True), [r(4, 2)]),
    ("svdvals", lambda M, a: M.linalg.svdvals(a), [r(2, 3, 4)]),
    ("pinv_tall", lambda M, a: M.linalg.pinv(a), [r(5, 3)]),
    ("pinv_wide_batched", lambda M, a: M.linalg.pinv(a), [r(2, 3, 4)]),
    ("pinv_hermitian", lambda M, a: M.linalg.pinv(spd(M, a), hermitian=True), [r(3, 3)]),
    ("matrix_power_3", lambda M, a: M.linalg.matrix_power(a, 3), [r(2, 3, 3)]),
    ("matrix_power_neg", lambda M, a: M.linalg.matrix_power(a, -2), [r(3, 3) + 3 * np.eye(3)]),
    ("matrix_power_0", lambda M, a: M.linalg.matrix_power(a, 0) + a, [r(3, 3)]),
    ("matrix_exp", lambda M, a: M.linalg.matrix_exp(a), [r(3, 3)]),
    ("matrix_exp_batched_big", lambda M, a: M.linalg.matrix_exp(3 * a), [r(2, 4, 4)]),
    ("lstsq_gels_tall", lambda M, a, b: tuple(M.linalg.lstsq(a, b, driver="gels")[:2]),
     [r(5, 3), r(5, 2)]),
    ("lstsq_gels_wide", lambda M, a, b: M.linalg.lstsq(a, b, driver="gels").solution,
     [r(3, 5), r(3, 2)]),
    ("lstsq_gelsd", lambda M, a, b: tuple(M.linalg.lstsq(a, b, driver="gelsd")[:2]),
     [r(2, 5, 3), r(2, 5, 2)]),
    ("lstsq_default_vector", lambda M, a, b: M.linalg.lstsq(a, b).solution,
     [r(2, 4, 3), r(2, 4)]),
    ("multi_dot", lambda M, a, b, c, d: M.linalg.multi_dot([a, b, c, d]),
     [r(2, 5), r(5, 3), r(3, 4), r(4, 2)]),
    ("multi_dot_vectors", lambda M, a, b, c: M.linalg.multi_dot([a, b, c]),
     [r(3), r(3, 4), r(4)]),
    ("cross", lambda M, a, b: M.linalg.cross(a, b), [r(2, 4, 3), r(1, 4, 3)]),
    ("cross_dim", lambda M, a, b: M.linalg.cross(a, b, dim=0), [r(3, 2), r(3, 2)]),
    ("vecdot", lambda M, a, b: M.linalg.vecdot(a, b), [r(2, 3), r(3)]),
    ("vecdot_dim", lambda M, a, b: M.linalg.vecdot(a, b, dim=0), [r(4, 2), r(4, 2)]),
    ("diagonal", lambda M, a: M.linalg.diagonal(a, offset=1), [r(2, 3, 4)]),
    ("diagonal_dims", lambda M, a: M.linalg.diagonal(a, offset=-1, dim1=0, dim2=2),
     [r(3, 2, 4)]),
    ("cond", lambda M, a: M.linalg.cond(a), [r(2, 3, 4)]),
    ("cond_minus2", lambda M, a: M.linalg.cond(a, -2), [r(3, 3)]),
]

VECTOR_ORDS = [2, 1, INF, -INF, 0, 0.5, 3, -1.5]
for ord_ in VECTOR_ORDS:
    CASES.append((f"vector_norm_{ord_}", lambda M, a, o=ord_: M.linalg.vector_norm(a, o),
                  [r(2, 3, 4)]))
CASES += [
    ("vector_norm_dims", lambda M, a: M.linalg.vector_norm(a, 3, dim=(0, 2), keepdim=True),
     [r(2, 3, 4)]),
    ("vector_norm_dim_inf", lambda M, a: M.linalg.vector_norm(a, -INF, dim=-1), [r(3, 4)]),
]
for ord_ in ["fro", "nuc", INF, -INF, 1, -1, 2, -2]:
    CASES.append((f"matrix_norm_{ord_}", lambda M, a, o=ord_: M.linalg.matrix_norm(a, o),
                  [r(2, 3, 4)]))
    CASES.append((f"matrix_norm_{ord_}_dims_keepdim", lambda M, a, o=ord_: M.linalg.matrix_norm(
        a, o, dim=(2, 0), keepdim=True), [r(4, 2, 3)]))
    CASES.append((f"matrix_norm_{ord_}_dims", lambda M, a, o=ord_: M.linalg.matrix_norm(
        a, o, dim=(0, 2)), [r(4, 2, 3)]))
CASES += [
    ("norm_default_3d", lambda M, a: M.linalg.norm(a), [r(2, 3, 4)]),
    ("norm_vector_ord", lambda M, a: M.linalg.norm(a, 3), [r(5)]),
    ("norm_matrix_ord", lambda M, a: M.linalg.norm(a, "nuc"), [r(3, 4)]),
    ("norm_matrix_ord_inf", lambda M, a: M.linalg.norm(a, INF), [r(3, 4)]),
    ("norm_dim_int", lambda M, a: M.linalg.norm(a, 1, dim=1, keepdim=True), [r(2, 3, 4)]),
    ("norm_dim_pair", lambda M, a: M.linalg.norm(a, -2, dim=(0, 1)), [r(3, 4, 2)]),
    ("norm_dim_pair_default", lambda M, a: M.linalg.norm(a, dim=(1, 2)), [r(3, 4, 2)]),
]


@pytest.mark.parametrize("name,fn,arrays", CASES, ids=[c[0] for c in CASES])
def test_against_torch_and_finite_differences(name, fn, arrays):
    ours, theirs = both(fn)
    check_against_torch(ours, theirs, *arrays, rtol=1e-9, atol=1e-10)
    assert_gradcheck(ours, *arrays)


def test_det_gradient_at_a_rank_deficient_matrix_is_the_cofactor_matrix():
    # not compared with torch: its gradient here depends on the machine's LAPACK (all zeros
    # on one of ours, where the LU finds an exactly zero pivot), the cofactors do not
    a = autograd.tensor(SINGULAR, requires_grad=True)
    d = linalg.det(a)
    assert float(d) == pytest.approx(0.0, abs=1e-12)
    d.backward()
    cofactor = np.array([[4.0, 4, -4], [-2, -2, 2], [0, 0, 0]])
    np.testing.assert_allclose(a.grad.data, cofactor, atol=1e-12)
    assert_gradcheck(lambda x: linalg.det(x), SINGULAR)


def test_shapes_and_dtypes_of_outputs_match_torch():
    a = r(2, 5, 3)
    for fn in [lambda M, x: M.linalg.qr(x, mode="complete"), lambda M, x: M.linalg.qr(x, "r"),
               lambda M, x: M.linalg.svd(x), lambda M, x: M.linalg.svd(x, full_matrices=False),
               lambda M, x: M.linalg.lstsq(x, x[..., :2], driver="gelsd"),
               lambda M, x: M.linalg.lstsq(x, x[..., 0], driver="gels"),
               lambda M, x: M.linalg.lstsq(x, x[..., :2], driver="gels"),
               lambda M, x: M.linalg.slogdet(x[..., :3, :]),
               lambda M, x: M.linalg.matrix_rank(x), lambda M, x: M.linalg.eigh(x[..., :3, :])]:
        ours, theirs = fn(autograd, autograd.tensor(a)), fn(torch, torch.tensor(a))
        for field in getattr(ours, "_fields", ()):   # torch's field names
            getattr(theirs, field)
        for o, t in zip(ours if isinstance(ours, tuple) else [ours],
                        theirs if isinstance(theirs, tuple) else [theirs]):
            assert o.shape == tuple(t.shape) and o.dtype == t.detach().numpy().dtype


def test_qr_values_match_torch_in_complete_and_r_modes():
    a = r(2, 5, 3)
    for mode in ("complete", "r"):
        np.testing.assert_allclose(linalg.qr(autograd.tensor(a), mode).R.data,
                                   torch.linalg.qr(torch.tensor(a), mode).R.numpy(), atol=1e-12)


@pytest.mark.parametrize("p", ["fro", "nuc", INF, -INF, 1, -1])
def test_cond_in_the_norms_of_a_and_its_inverse(p):
    # torch.linalg.cond's own backward fails for these p (an in-place write into inv_ex's
    # output), so its gradient oracle is the same product of norms written out in torch
    a = r(2, 3, 3)
    ours = lambda x: linalg.cond(x, p)  # noqa: E731
    check_against_torch(ours, lambda x: torch.linalg.matrix_norm(x, p) * torch.linalg.matrix_norm(
        torch.linalg.inv(x), p), a, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(ours(autograd.tensor(a)).data,
                               torch.linalg.cond(torch.tensor(a), p).numpy(), rtol=1e-10)
    assert_gradcheck(ours, a)


def test_cholesky_reads_the_triangle_it_returns_as_torch():
    a = np.array([[4.0, 1], [3, 5]])
    for upper in (False, True):
        np.testing.assert_allclose(linalg.cholesky(autograd.tensor(a), upper=upper).data,
                                   torch.linalg.cholesky(torch.tensor(a), upper=upper).numpy(),
                                   atol=1e-14)


def test_det_of_singular_matrix_has_torch_cofactor_gradient():
    a = autograd.tensor(SINGULAR, requires_grad=True)
    linalg.det(a).backward()
    np.testing.assert_allclose(a.grad.data, [[4, 4, -4], [-2, -2, 2], [0, 0, 0]], atol=1e-12)


def test_vector_norm_of_zeros_has_zero_gradient():
    for ord_ in (2, 1, 3, 0.5, INF):
        x = autograd.zeros(3, dtype=autograd.float64, requires_grad=True)
        linalg.vector_norm(x, ord_).backward()
        t = torch.zeros(3, dtype=torch.float64, requires_grad=True)
        torch.linalg.vector_norm(t, ord_).backward()
        np.testing.assert_array_equal(x.grad.data, t.grad.numpy())


def test_eigh_and_svd_use_one_triangle_and_need_no_distinct_values_for_values_alone():
    a = r(3, 3)
    lower = linalg.eigvalsh(autograd.tensor(np.tril(a)))
    np.testing.assert_allclose(lower.data, np.linalg.eigvalsh(sym(np.tril(a)) - np.diag(
        np.diag(a))), atol=1e-12)
    upper = linalg.eigh(autograd.tensor(np.triu(a)), UPLO="U").eigenvalues
    np.testing.assert_allclose(upper.data, np.linalg.eigvalsh(np.triu(a), UPLO="U"), atol=1e-12)
    # repeated eigenvalues / singular values: the gradient of the values alone is finite
    for op in (linalg.eigvalsh, linalg.svdvals, lambda x: linalg.eigh(x).eigenvalues,
               lambda x: linalg.svd(x).S):
        x = autograd.eye(3, dtype=autograd.float64, requires_grad=True)
        op(x).sum().backward()
        np.testing.assert_allclose(x.grad.data, np.eye(3), atol=1e-12)


def test_matrix_rank_matches_torch_and_carries_no_gradient():
    low = r(2, 4, 2) @ r(2, 2, 5)
    x = autograd.tensor(low, requires_grad=True)
    t = torch.tensor(low)
    for kw in [{}, {"tol": 1e-3}, {"atol": 1.0}, {"atol": 0.5, "rtol": 0.1}, {"rtol": 0.5}]:
        ours = linalg.matrix_rank(x, **kw)
        assert not ours.requires_grad and ours.dtype == np.int64
        np.testing.assert_array_equal(ours.data, torch.linalg.matrix_rank(t, **kw).numpy())
    # singular values 10, 0.5, 0.01: atol alone (rtol then 0) keeps all three
    q1, q2 = np.linalg.qr(r(3, 3))[0], np.linalg.qr(r(3, 3))[0]
    spread = (q1 * [10, 0.5, 0.01]) @ q2
    for kw in [{"atol": 1e-3}, {"atol": 1e-3, "rtol": 0.01}, {"tol": 0.1}, {}]:
        assert linalg.matrix_rank(autograd.tensor(spread), **kw).item() == \
            torch.linalg.matrix_rank(torch.tensor(spread), **kw).item()
    assert linalg.matrix_rank(autograd.tensor(spread), atol=1e-3).item() == 3
    s = spd(np, r(3, 3))
    ours = linalg.matrix_rank(autograd.tensor(s), hermitian=True, atol=4.0)
    assert ours.item() == torch.linalg.matrix_rank(torch.tensor(s), hermitian=True,
                                                   atol=4.0).item()


def test_pinv_drops_small_singular_values_as_torch():
    low = r(4, 2) @ r(2, 3)
    for kw in [{}, {"atol": 0.5}, {"rtol": 0.3}, {"rcond": 1e-8}]:
        rc = kw.pop("rcond", None)
        args = () if rc is None else (rc,)
        np.testing.assert_allclose(linalg.pinv(autograd.tensor(low), *args, **kw).data,
                                   torch.linalg.pinv(torch.tensor(low), *args, **kw).numpy(),
                                   atol=1e-10)


def test_lstsq_rank_singular_values_and_residuals_match_torch():
    a, b = r(2, 5, 3), r(2, 5, 2)
    for driver in ("gels", "gelsy", "gelsd", "gelss"):
        ours = linalg.lstsq(autograd.tensor(a), autograd.tensor(b), driver=driver)
        theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
        for o, t in zip(ours, theirs):
            assert o.shape == tuple(t.shape), driver
            np.testing.assert_allclose(o.data, t.numpy(), rtol=1e-9, atol=1e-10)
        assert not ours.rank.requires_grad and not ours.singular_values.requires_grad


def test_inv_ex_reports_the_first_zero_pivot_as_torch():
    a = np.stack([SINGULAR, np.zeros((3, 3)), np.eye(3) * 2, RANK_ONE])
    ours = linalg.inv_ex(autograd.tensor(a))
    theirs = torch.linalg.inv_ex(torch.tensor(a))
    np.testing.assert_array_equal(ours.info.data, theirs.info.numpy())
    assert ours.info.dtype == np.int32
    np.testing.assert_allclose(ours.inverse.data[2], np.eye(3) / 2)
    with pytest.raises(linalg.LinAlgError, match=r"linalg.inv_ex.*batch element \(0,\)"):
        linalg.inv_ex(autograd.tensor(a), check_errors=True)


def test_inv_ex_of_invertible_and_empty_batches_as_torch():
    # info comes from LAPACK's sign when no pivot is zero; 0x0 matrices give info 0
    for a in (np.random.default_rng(3).standard_normal((4, 5, 5)), np.empty((2, 0, 0)),
              np.stack([np.eye(3), SINGULAR])):
        ours = linalg.inv_ex(autograd.tensor(a))
        theirs = torch.linalg.inv_ex(torch.tensor(a))
        np.testing.assert_array_equal(ours.info.data, theirs.info.numpy())
        assert ours.inverse.shape == tuple(theirs.inverse.shape)


broadcast_batches = hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3)


@settings(deadline=None, max_examples=15)
@given(shapes=broadcast_batches)
def test_solve_broadcasts_batch_dims_as_torch(shapes):
    sa, sb = shapes.input_shapes
    a, b = r(*sa, 3, 3) + 3 * np.eye(3), r(*sb, 3, 2)
    ours, theirs = both(lambda M, x, y: M.linalg.solve(x, y))
    check_against_torch(ours, theirs, a, b, rtol=1e-9, atol=1e-10)


FLOAT32 = [
    lambda a: linalg.det(a), lambda a: linalg.inv(a), lambda a: linalg.slogdet(a),
    lambda a: linalg.cholesky(spd(autograd, a)), lambda a: linalg.qr(a),
    lambda a: linalg.eigh(sym(a)).eigenvalues, lambda a: linalg.svd(a).S,
    lambda a: linalg.pinv(a), lambda a: linalg.matrix_exp(a),
    lambda a: linalg.matrix_norm(a, "nuc"), lambda a: linalg.solve(a, a[..., 0]),
    lambda a: linalg.vector_norm(a, 3),
    lambda a: linalg.lstsq(a, a, driver="gels").solution,
]


@pytest.mark.parametrize("fn", FLOAT32)
def test_float32_in_float32_out(fn):
    check_float32(fn, r(2, 3, 3) + 3 * np.eye(3))


def test_float32_values_near_float64():
    a = r(3, 3) + 3 * np.eye(3)
    for fn in (linalg.det, linalg.inv, linalg.matrix_exp, lambda x: linalg.svd(x).S):
        lo = fn(autograd.tensor(a, dtype=autograd.float32)).data
        np.testing.assert_allclose(lo, fn(autograd.tensor(a)).data, rtol=1e-4, atol=1e-5)


def test_vector_norm_dtype_casts_without_narrowing():
    x = autograd.tensor(r(4), dtype=autograd.float32)
    assert linalg.vector_norm(x, dtype=autograd.float64).dtype == np.float64
    with pytest.raises(TypeError, match="vector_norm"):
        linalg.vector_norm(x.double(), dtype=autograd.float32)


INTEGER_OPS = [linalg.det, linalg.slogdet, linalg.inv, linalg.inv_ex, linalg.cholesky,
               linalg.qr, linalg.eigh, linalg.eigvalsh, linalg.svd, linalg.svdvals, linalg.pinv,
               linalg.matrix_rank, linalg.matrix_exp, linalg.vector_norm, linalg.matrix_norm,
               linalg.norm, linalg.cond, lambda a: linalg.matrix_power(a, -2),
               lambda a: linalg.solve(a, a), lambda a: linalg.lstsq(a, a)]


@pytest.mark.parametrize("op", INTEGER_OPS)
def test_integer_input_is_refused(op):
    with pytest.raises(TypeError, match=r"linalg\.\w+: expected a float32 or float64 tensor.*"
                                        r"shape \(3, 3\) and dtype torch.int64"):
        op(autograd.tensor(np.arange(9).reshape(3, 3)))


SQUARE_OPS = [linalg.det, linalg.slogdet, linalg.inv, linalg.cholesky, linalg.eigh,
              linalg.eigvalsh, linalg.matrix_exp, lambda a: linalg.matrix_power(a, 2),
              lambda a: linalg.solve(a, a[0]), lambda a: linalg.cond(a, 1)]


@pytest.mark.parametrize("op", SQUARE_OPS)
def test_non_square_input_is_refused(op):
    with pytest.raises(ValueError, match=r"square matrices.*shape \(2, 3\) and dtype torch.float64"):
        op(autograd.tensor(r(2, 3)))


def test_singular_and_non_positive_definite_inputs_raise_linalg_errors():
    z = autograd.tensor(np.stack([np.eye(3), SINGULAR]))
    with pytest.raises(RuntimeError, match=r"linalg.inv: .*singular: batch element \(1,\), "
                                           r"diagonal element 3.*shape \(2, 3, 3\)"):
        linalg.inv(z)
    with pytest.raises(linalg.LinAlgError, match=r"linalg.solve: .*singular.*\(2, 3, 3\)"):
        linalg.solve(z, autograd.tensor(r(3)))
    with pytest.raises(linalg.LinAlgError, match=r"linalg.cholesky: .*positive-definite.*"
                                                 r"\(3, 3\)"):
        linalg.cholesky(autograd.tensor(-np.eye(3)))
    with pytest.raises(linalg.LinAlgError, match="linalg.inv"):
        linalg.matrix_power(autograd.tensor(SINGULAR), -1)
    assert issubclass(linalg.LinAlgError, RuntimeError)


def test_slogdet_of_singular_matrix_is_zero_sign_and_minus_inf():
    sign, logabsdet = linalg.slogdet(autograd.tensor(SINGULAR))
    assert sign.item() == 0 and logabsdet.item() == -INF


@pytest.mark.parametrize("upper,left", [(True, True), (False, True), (True, False),
                                        (False, False)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_solve_triangular_with_a_zero_pivot_gives_torchs_inf_and_nan(upper, left, dtype):
    # torch substitutes through the zero (LAPACK's trsm): inf and nan, in X and in both
    # gradients, where an LU solve raises
    rng = np.random.default_rng(3)
    a = rng.standard_normal((2, 3, 3))
    a[0, 1, 1] = a[1, 2, 2] = 0.0
    b = rng.standard_normal((2, 3, 2) if left else (2, 2, 3))
    g = rng.standard_normal(b.shape)
    out = []
    for lib in (autograd, torch):
        A = lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=True)
        B = lib.tensor(b, dtype=getattr(lib, dtype), requires_grad=True)
        X = lib.linalg.solve_triangular(A, B, upper=upper, left=left)
        X.backward(lib.tensor(g, dtype=getattr(lib, dtype)))
        out.append([t.detach().numpy() for t in (X, A.grad, B.grad)])
    for ours, theirs in zip(*out):
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
        np.testing.assert_array_equal(np.isposinf(ours), np.isposinf(theirs))
        finite = np.isfinite(theirs)
        np.testing.assert_allclose(ours[finite], theirs[finite], rtol=1e-4, atol=1e-5)


def test_qr_backward_errors_as_torch():
    x = autograd.tensor(r(4, 3), requires_grad=True)
    with pytest.raises(RuntimeError, match="mode='r'"):
        linalg.qr(x, mode="r").R.sum().backward()
    with pytest.raises(RuntimeError, match="complete"):
        linalg.qr(x, mode="complete").Q.sum().backward()


@pytest.mark.parametrize("call,err,match", [
    (lambda: linalg.vector_norm(autograd.tensor(r(3)), "fro"), TypeError, "ord"),
    (lambda: linalg.vector_norm(autograd.tensor(np.zeros((0, 2))), INF), Exception, "empty|ident"),
    (lambda: linalg.matrix_norm(autograd.tensor(r(3, 4)), 3), ValueError, "order 3"),
    (lambda: linalg.matrix_norm(autograd.tensor(r(3, 4)), dim=(0, 0)), ValueError, "different"),
    (lambda: linalg.matrix_norm(autograd.tensor(r(4))), ValueError, "at least 2 dims"),
    (lambda: linalg.matrix_norm(autograd.tensor(r(3, 4)), dim=0), ValueError, "2-tuple"),
    (lambda: linalg.norm(autograd.tensor(r(2, 3, 4)), 2), ValueError, "1-D or 2-D"),
    (lambda: linalg.norm(autograd.tensor(r(4)), "nuc"), ValueError, "at least 2 dims"),
    (lambda: linalg.qr(autograd.tensor(r(3, 3)), "full"), ValueError, "mode"),
    (lambda: linalg.eigh(autograd.tensor(r(3, 3)), UPLO="X"), ValueError, "UPLO"),
    (lambda: linalg.solve(autograd.tensor(r(3, 3)), autograd.tensor(r(2, 3))), ValueError,
     r"AX = B.*\(3, 3\).*\(2, 3\)"),
    (lambda: linalg.solve(autograd.tensor(r(2, 3, 3)), autograd.tensor(r(2, 3)), left=False),
     ValueError, "XA = B"),
    (lambda: linalg.solve(autograd.tensor(r(2, 3, 3)), autograd.tensor(r(4, 3, 1))), ValueError,
     "broadcast"),
    (lambda: linalg.solve(autograd.tensor(r(3, 3)), autograd.tensor(r(3), dtype=autograd.float32)),
     TypeError, "one dtype"),
    (lambda: linalg.lstsq(autograd.tensor(r(4, 3)), autograd.tensor(r(4, 2)), driver="x"),
     ValueError, "driver"),
    (lambda: linalg.lstsq(autograd.tensor(r(4, 3)), autograd.tensor(r(3, 2))), ValueError,
     "rows"),
    (lambda: linalg.multi_dot([autograd.tensor(r(3, 3))]), ValueError, "at least 2"),
    (lambda: linalg.multi_dot([autograd.tensor(r(3, 4)), autograd.tensor(r(3, 4))]),
     ValueError, r"tensors 0 and 1.*\(3, 4\)"),
    (lambda: linalg.multi_dot([autograd.tensor(r(2, 3, 3)), autograd.tensor(r(3, 3))]),
     ValueError, "2-D"),
    (lambda: linalg.cross(autograd.tensor(r(2, 4)), autograd.tensor(r(2, 4))), ValueError,
     "length 3"),
    (lambda: linalg.cross(autograd.tensor(r(2, 3)), autograd.tensor(r(3))), ValueError,
     "same number of dims"),
    (lambda: linalg.vecdot(autograd.tensor(r(2, 3)), autograd.tensor(r(4, 3))), ValueError,
     "broadcast"),
    (lambda: linalg.matrix_power(autograd.tensor(r(3, 3)), 1.5), TypeError, "int"),
    (lambda: linalg.det(np.eye(3)), TypeError, "must be a tensor"),
])
def test_argument_errors(call, err, match):
    with pytest.raises(err, match=match):
        call()


def test_torch_style_import_reaches_linalg():
    import autograd as torch_like
    from autograd.linalg import svd
    assert torch_like.linalg.norm is linalg.norm and svd is linalg.svd
