"""create_graph=True for autograd.linalg: det, slogdet, cholesky, qr, eigh/eigvalsh, svd/svdvals,
inv, solve, pinv, matrix_exp and the ops composed from them. First and second derivatives
against torch, the recorded first derivative against the ordinary backward, gradgradcheck in
float64 (and third derivatives for a few), float32 against torch, and torch's rules where the
derivatives are undefined (repeated eigenvalues, singular matrices)."""
import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")


def spd(L, x):
    """A symmetric positive-definite matrix from any square x (cholesky, eigh inputs)."""
    return x @ x.mT + 3 * L.eye(x.shape[-1], dtype=x.dtype)


def sym(x):
    return x + x.mT


def gauge_free_eigh(w, v):
    """A function of eigh's outputs that does not depend on the eigenvectors' signs."""
    return (v ** 2 * w.unsqueeze(-2)).sum(-1) + w.exp()


def gauge_free_svd(L, a, full_matrices=False):
    """A function of svd's outputs that does not depend on the singular vectors' signs."""
    u, s, vh = L.linalg.svd(a, full_matrices=full_matrices)
    k = s.shape[-1]
    weights = L.arange(1.0, u.shape[-2] + 1, dtype=a.dtype).unsqueeze(-1)
    return ((u[..., :k] ** 2 * weights).sum(-2) * s + (vh[..., :k, :] ** 2).sum(-1) * s ** 2
            + ((u[..., :k] * s.unsqueeze(-2)) @ vh[..., :k, :]).sum(-1).sum(-1, keepdim=True))


def singular_batch(rng):
    """Three 3x3 matrices: invertible, of rank 2, invertible (det's two branches at once)."""
    a = rng.standard_normal((3, 3, 3))
    a[1, 2] = a[1, 0] - 2 * a[1, 1]
    return a


def _normal(*shape, shift=0.0):
    def make(rng):
        a = rng.standard_normal(shape)
        if shift:
            a = a + shift * np.eye(shape[-1])
        return a
    return make


# (name, fn(L, *inputs), [make(rng) per input]): the same expression in both libraries; the
# inputs are well conditioned (shifted by a multiple of I where an inverse is taken) and
# eigen/singular values are distinct with probability 1
CASES = [
    ("det", lambda L, a: L.linalg.det(a) ** 2 + L.linalg.det(a), [_normal(2, 3, 3)]),
    ("det_singular_batch", lambda L, a: L.linalg.det(a), [singular_batch]),
    ("det_1x1", lambda L, a: L.linalg.det(a).exp(), [_normal(2, 1, 1)]),
    ("slogdet", lambda L, a: L.linalg.slogdet(a).logabsdet ** 2, [_normal(2, 3, 3, shift=3)]),
    ("logdet", lambda L, a: spd(L, a).logdet() * a.sum(), [_normal(3, 3)]),
    ("cholesky", lambda L, a: L.linalg.cholesky(spd(L, a)) ** 2, [_normal(2, 3, 3)]),
    ("cholesky_upper", lambda L, a: L.linalg.cholesky(spd(L, a), upper=True).exp(),
     [_normal(3, 3)]),
    ("qr_tall", lambda L, a: (lambda q, r: (q ** 3).sum(-1) * r.sum())(*L.linalg.qr(a)),
     [_normal(2, 4, 3)]),
    ("qr_square", lambda L, a: (lambda q, r: q @ r.exp())(*L.linalg.qr(a)), [_normal(3, 3)]),
    ("qr_wide", lambda L, a: (lambda q, r: (q ** 2).sum() * r ** 2)(*L.linalg.qr(a)),
     [_normal(2, 3, 5)]),
    ("qr_complete_wide", lambda L, a: (lambda q, r: q.sin().sum() + r ** 3)(
        *L.linalg.qr(a, mode="complete")), [_normal(3, 4)]),
    ("eigh", lambda L, a: gauge_free_eigh(*L.linalg.eigh(sym(a))), [_normal(2, 3, 3)]),
    ("eigh_upper_leaf", lambda L, a: gauge_free_eigh(*L.linalg.eigh(a, UPLO="U")),
     [_normal(3, 4, 4)]),
    ("eigh_values_only", lambda L, a: L.linalg.eigh(sym(a))[0] ** 2, [_normal(2, 3, 3)]),
    ("eigvalsh", lambda L, a: L.linalg.eigvalsh(sym(a)).exp(), [_normal(2, 3, 3)]),
    ("eigvalsh_upper_leaf", lambda L, a: L.linalg.eigvalsh(a, UPLO="U") ** 3, [_normal(3, 3)]),
    ("svd_tall", lambda L, a: gauge_free_svd(L, a), [_normal(2, 4, 3)]),
    ("svd_wide", lambda L, a: gauge_free_svd(L, a), [_normal(2, 3, 4)]),
    ("svd_square", lambda L, a: gauge_free_svd(L, a), [_normal(3, 3)]),
    ("svd_full_tall", lambda L, a: gauge_free_svd(L, a, True), [_normal(4, 2)]),
    ("svd_full_wide", lambda L, a: gauge_free_svd(L, a, True), [_normal(2, 2, 3)]),
    ("svd_values_only", lambda L, a: L.linalg.svd(a)[1] ** 2, [_normal(2, 3, 3)]),
    ("svdvals", lambda L, a: L.linalg.svdvals(a.sin()).exp(), [_normal(2, 3, 4)]),
    ("matrix_norm_nuc", lambda L, a: L.linalg.matrix_norm(a, "nuc") ** 2, [_normal(3, 4)]),
    ("inv", lambda L, a: L.linalg.inv(a) ** 2, [_normal(2, 3, 3, shift=3)]),
    ("inv_ex", lambda L, a: L.linalg.inv_ex(a).inverse.exp(), [_normal(3, 3, shift=3)]),
    ("matrix_power", lambda L, a: L.linalg.matrix_power(a, -2), [_normal(3, 3, shift=3)]),
    ("solve", lambda L, a, b: L.linalg.solve(a, b) ** 2, [_normal(2, 3, 3, shift=3),
                                                          _normal(3, 2)]),
    ("solve_left_false", lambda L, a, b: L.linalg.solve(a * a, b, left=False).exp(),
     [_normal(3, 3, shift=3), _normal(2, 4, 3)]),
    ("solve_vector", lambda L, a, b: L.linalg.solve(a, b.exp()) ** 2,
     [_normal(2, 3, 3, shift=3), _normal(2, 3)]),
    ("solve_triangular", lambda L, a, b: L.linalg.solve_triangular(a, b, upper=True) ** 2,
     [_normal(3, 3, shift=3), _normal(3, 2)]),
    ("pinv_wide", lambda L, a: L.linalg.pinv(a) ** 2, [_normal(2, 3, 4)]),
    ("pinv_tall", lambda L, a: L.linalg.pinv(a).sin(), [_normal(4, 2)]),
    ("pinv_hermitian", lambda L, a: L.linalg.pinv(sym(a), hermitian=True) ** 2,
     [_normal(3, 3, shift=2)]),
    ("lstsq_gels", lambda L, a, b: L.linalg.lstsq(a, b, driver="gels").solution ** 2,
     [_normal(4, 3), _normal(4, 2)]),
    ("lstsq_gelsd", lambda L, a, b: L.linalg.lstsq(a, b, driver="gelsd").solution ** 2,
     [_normal(2, 3), _normal(2, 2)]),
    ("matrix_exp", lambda L, a: L.linalg.matrix_exp(a) ** 2, [_normal(2, 3, 3)]),
    ("multi_dot", lambda L, a, b: L.linalg.multi_dot([a, b.exp(), b.mT]) ** 2,
     [_normal(3, 3), _normal(3, 2)]),
]
# norms and condition numbers: composed of svdvals / inv and the reductions of ops/reduce.py
# (amax, amin, norm), whose recorded VJPs live there
CASES += [
    ("matrix_norm_2", lambda L, a: L.linalg.matrix_norm(a, 2) ** 2, [_normal(2, 3, 4)]),
    ("matrix_norm_-2", lambda L, a: L.linalg.matrix_norm(a.exp(), -2), [_normal(4, 3)]),
    ("cond", lambda L, a: L.linalg.cond(a) ** 2, [_normal(2, 3, 3, shift=2)]),
    ("cond_-2", lambda L, a: L.linalg.cond(a, -2), [_normal(3, 4)]),
    ("norm_fro", lambda L, a: L.linalg.norm(a.sin()) ** 3, [_normal(3, 3)]),
]
NAMES = [c[0] for c in CASES]


def _inputs(makes, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [make(rng).astype(dtype) for make in makes]


def _compare_with_torch(fn, arrays, rtol, atol):
    dtype = arrays[0].dtype
    ours = [autograd.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = fn(autograd, *ours), fn(torch, *theirs)
    rng = np.random.default_rng(2)
    v = rng.standard_normal(tuple(tout.shape)).astype(dtype)
    g = autograd.grad(out, ours, autograd.tensor(v), create_graph=True)
    tg = torch.autograd.grad(tout, theirs, torch.tensor(v), create_graph=True)
    plain = autograd.grad(fn(autograd, *ours), ours, autograd.tensor(v))
    for a, b, c in zip(g, tg, plain):
        assert a.requires_grad and a.dtype == dtype
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=rtol, atol=atol)
        np.testing.assert_allclose(a.numpy(), c.numpy(), rtol=rtol, atol=atol)
    # a second-order quantity mixing every gradient: sum_i <w_i, g_i^2> + <g_0, x_0>
    ws = [rng.standard_normal(a.shape).astype(dtype) for a in arrays]
    second = (sum((a ** 2 * autograd.tensor(w)).sum() for a, w in zip(g, ws))
              + (g[0] * ours[0]).sum())
    tsecond = (sum((b ** 2 * torch.tensor(w)).sum() for b, w in zip(tg, ws))
               + (tg[0] * theirs[0]).sum())
    second.backward()
    tsecond.backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol * 10,
                                   atol=atol * 10)


@pytest.mark.parametrize("name,fn,makes", CASES, ids=NAMES)
def test_first_and_second_derivatives_match_torch(name, fn, makes):
    _compare_with_torch(fn, _inputs(makes, 1), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name,fn,makes", CASES, ids=NAMES)
def test_float32_matches_torch(name, fn, makes):
    _compare_with_torch(fn, _inputs(makes, 1, np.float32), rtol=2e-4, atol=2e-4)


# eigh of a leaf reads one triangle, but its gradient is the symmetric one (as torch's):
# finite differences of the other triangle are zero, so those are checked against torch only
TRIANGLE_READ = ("eigh_upper_leaf", "eigvalsh_upper_leaf")


@pytest.mark.parametrize("name,fn,makes", [c for c in CASES if c[0] not in TRIANGLE_READ],
                         ids=[n for n in NAMES if n not in TRIANGLE_READ])
def test_gradgradcheck(name, fn, makes):
    xs = [autograd.tensor(a, requires_grad=True) for a in _inputs(makes, 3)]
    assert autograd.gradgradcheck(lambda *a: fn(autograd, *a), xs, atol=1e-6, rtol=1e-4)


# torch's own double backward of these fails (a variable of its graph modified in place)
@pytest.mark.parametrize("p", [1, -1, np.inf, "fro", "nuc"])
def test_cond_other_norms_gradgradcheck(p):
    a = autograd.tensor(_normal(3, 3, shift=2)(np.random.default_rng(3)), requires_grad=True)
    assert autograd.gradgradcheck(lambda x: autograd.linalg.cond(x, p), [a], atol=1e-6,
                                  rtol=1e-4)


# Third derivatives: the recorded VJPs are built of ops (Inv, Solve, SVD, Det, MatrixExp, Eigh)
# whose own recorded VJPs then run
THIRD = ["det", "slogdet", "cholesky", "qr_tall", "eigh", "eigvalsh",
         "svd_wide", "svdvals", "inv", "solve", "pinv_wide", "matrix_exp"]


@pytest.mark.parametrize("name", THIRD)
def test_third_derivatives_gradgradcheck(name):
    (fn, makes), = [c[1:] for c in CASES if c[0] == name]
    xs = [autograd.tensor(a, requires_grad=True) for a in _inputs(makes, 4)]

    def first(*args):
        out = fn(autograd, *args)
        v = autograd.tensor(np.random.default_rng(5).standard_normal(out.shape))
        return autograd.grad(out, args, v, create_graph=True)
    assert autograd.gradgradcheck(first, xs, atol=1e-5, rtol=1e-3)


# --------------------------------------------------------------- torch's rules at the edges
def _second(lib, fn, a):
    """(first derivative, second-order gradient) of fn(a).sum() at a, in lib."""
    grad = autograd.grad if lib is autograd else torch.autograd.grad
    x = lib.tensor(a, requires_grad=True)
    (g,) = grad(fn(lib, x).sum(), [x], create_graph=True)
    (h,) = grad((g ** 2).sum(), [x])
    return g.detach().numpy(), h.numpy()


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("name,fn,a", [
    # repeated eigen/singular values: the eigenvector terms are 0/0, nan as torch's
    ("eigvalsh_identity", lambda L, x: L.linalg.eigvalsh(x) ** 2, np.eye(3)),
    ("eigh_values_identity", lambda L, x: L.linalg.eigh(x)[0] ** 2, np.eye(3)),
    ("svdvals_identity", lambda L, x: L.linalg.svdvals(x) ** 2, np.eye(3)),
    ("svdvals_wide_rank_deficient", lambda L, x: L.linalg.svdvals(x) ** 2,
     np.array([[1.0, 0, 0], [0, 0, 0]])),
    # det at a singular matrix: the SVD form of the cofactor, differentiable
    ("det_rank_1", lambda L, x: L.linalg.det(x), np.outer([1.0, 2, 3], [1.0, -1, 2])),
    ("det_rank_2", lambda L, x: L.linalg.det(x) * 2, singular_batch(np.random.default_rng(0))),
], ids=lambda p: p if isinstance(p, str) else "")
def test_undefined_and_singular_cases_follow_torch(name, fn, a):
    ours, theirs = _second(autograd, fn, a), _second(torch, fn, a)
    for x, y in zip(ours, theirs):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12)   # nan where torch's is


def test_slogdet_of_a_singular_matrix_refuses_by_name():
    x = autograd.tensor(np.outer([1.0, 2, 3], [1.0, -1, 2]), requires_grad=True)
    with pytest.raises(autograd.linalg.LinAlgError, match=r"linalg\.slogdet \(backward\).*"
                                                           r"singular"):
        autograd.grad(autograd.linalg.slogdet(x).logabsdet, x, create_graph=True)


@pytest.mark.parametrize("mode,shape,match", [
    ("r", (3, 2), "mode='r'"), ("complete", (4, 2), "nrows > ncols")])
def test_qr_modes_without_a_derivative_refuse_as_torch(mode, shape, match):
    x = autograd.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    with pytest.raises(RuntimeError, match=match):
        autograd.grad(autograd.linalg.qr(x, mode=mode).R.sum(), x, create_graph=True)


def test_det_grad_of_grad_on_a_mixed_batch_is_exact_on_each_matrix():
    # the batch is split between the two formulas; each matrix gets the gradient it would
    # get alone
    a = singular_batch(np.random.default_rng(7))
    x = autograd.tensor(a, requires_grad=True)
    (g,) = autograd.grad(autograd.linalg.det(x).sum(), x, create_graph=True)
    (h,) = autograd.grad((g ** 2).sum(), x)
    for i in range(3):
        xi = autograd.tensor(a[i], requires_grad=True)
        (gi,) = autograd.grad(autograd.linalg.det(xi), xi, create_graph=True)
        (hi,) = autograd.grad((gi ** 2).sum(), xi)
        np.testing.assert_allclose(g.numpy()[i], gi.numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(h.numpy()[i], hi.numpy(), rtol=1e-12, atol=1e-14)


def _cofactor_by_minors(x):
    """torch: the cofactor matrix of (*, 3, 3) matrices from its 2x2 minors, a polynomial."""
    rows = []
    for i in range(3):
        ii = [k for k in range(3) if k != i]
        row = []
        for j in range(3):
            jj = [k for k in range(3) if k != j]
            m = x[..., ii, :][..., :, jj]
            minor = m[..., 0, 0] * m[..., 1, 1] - m[..., 0, 1] * m[..., 1, 0]
            row.append((-1) ** (i + j) * minor)
        rows.append(torch.stack(row, -1))
    return torch.stack(rows, -2)


def test_det_third_derivative_at_a_singular_matrix_is_exact():
    # det is a polynomial: its derivatives of every order are those of the cofactor written
    # with minors. (gradgradcheck cannot check this one: next to a singular matrix torch's rule
    # takes det A^{-T}, whose rounding error finite differences magnify)
    a = singular_batch(np.random.default_rng(4))
    rng = np.random.default_rng(7)
    v, w = rng.standard_normal(3), rng.standard_normal(a.shape)
    x = autograd.tensor(a, requires_grad=True)
    (g1,) = autograd.grad(autograd.linalg.det(x), x, autograd.tensor(v), create_graph=True)
    (g2,) = autograd.grad(((g1 * autograd.tensor(w)) ** 2).sum(), x, create_graph=True)
    (g3,) = autograd.grad((g2 * autograd.tensor(w)).sum(), x)
    t = torch.tensor(a, requires_grad=True)
    tg1 = torch.tensor(v)[:, None, None] * _cofactor_by_minors(t)
    (tg2,) = torch.autograd.grad(((tg1 * torch.tensor(w)) ** 2).sum(), t, create_graph=True)
    (tg3,) = torch.autograd.grad((tg2 * torch.tensor(w)).sum(), t)
    np.testing.assert_allclose(g1.detach().numpy(), tg1.detach().numpy(), atol=1e-13)
    np.testing.assert_allclose(g2.detach().numpy(), tg2.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(g3.numpy(), tg3.numpy(), atol=1e-11)
