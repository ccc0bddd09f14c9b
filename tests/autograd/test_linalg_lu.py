"""linalg's LU family (lu_factor, lu_factor_ex, lu, lu_solve, torch.lu_unpack), solve_ex,
cholesky_ex, vander, tensorinv and tensorsolve against torch.linalg: values, gradients of a
random cotangent and finite differences in float64; pivots, info, shapes, dtypes, empty and
singular inputs, float32; second derivatives; torch.lu / torch.lu_solve / Tensor.lu; errors."""
import warnings

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import autograd
from autograd import linalg
from tests.helpers import assert_gradcheck, check_against_torch, check_float32, same_exact

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)
SINGULAR = np.stack([np.zeros((3, 3)), [[1.0, 2, 3], [2, 4, 6], [1, 0, 1]], np.eye(3)])
NOT_PD = np.stack([np.eye(3), np.diag([1.0, -1, 1]), [[4.0, 2, 1], [2, 1, 1], [1, 1, 5]],
                   [[4.0, 2, 1], [2, 2, 1], [1, 1, -5]]])


def r(*shape):
    return RNG.standard_normal(shape)


def spd(M, a):
    return a @ a.mT + a.shape[-1] * M.eye(a.shape[-1], dtype=a.dtype)


def lu_solve(M, a, b, **kw):
    return M.linalg.lu_solve(*M.linalg.lu_factor(a), b, **kw)


# (name, fn(lib, *inputs), input arrays): against torch and finite differences, float64
CASES = [
    ("lu_factor", lambda M, a: M.linalg.lu_factor(a).LU, [r(2, 3, 3)]),
    ("lu_factor_ex_wide", lambda M, a: M.linalg.lu_factor_ex(a).LU, [r(3, 5)]),
    ("lu_factor_ex_tall", lambda M, a: M.linalg.lu_factor_ex(a).LU, [r(2, 4, 3)]),
    ("lu_square", lambda M, a: tuple(M.linalg.lu(a)), [r(2, 4, 4)]),
    ("lu_wide", lambda M, a: tuple(M.linalg.lu(a)), [r(2, 3, 5)]),
    ("lu_tall", lambda M, a: tuple(M.linalg.lu(a)), [r(5, 3)]),
    ("lu_unpack_of_a_leaf", lambda M, lu: tuple(M.lu_unpack(
        lu, M.tensor(np.array([3, 4, 3], np.int32)))), [r(4, 3)]),
    ("lu_solve", lambda M, a, b: lu_solve(M, a, b), [r(2, 3, 3), r(3, 2)]),
    ("lu_solve_adjoint_broadcast", lambda M, a, b: lu_solve(M, a, b, adjoint=True),
     [r(2, 3, 3), r(2, 1, 3, 2)]),
    ("lu_solve_right", lambda M, a, b: lu_solve(M, a, b, left=False), [r(3, 3), r(2, 4, 3)]),
    ("lu_solve_right_adjoint", lambda M, a, b: lu_solve(M, a, b, left=False, adjoint=True),
     [r(2, 3, 3), r(2, 3)]),
    ("lu_solve_in_lu_itself", lambda M, lu, b: M.linalg.lu_solve(
        lu, M.tensor(np.array([2, 3, 3], np.int32)), b), [r(3, 3) + 3 * np.eye(3), r(3, 2)]),
    ("solve_ex_vector", lambda M, a, b: M.linalg.solve_ex(a, b).result, [r(2, 3, 3), r(3)]),
    ("solve_ex_right", lambda M, a, b: M.linalg.solve_ex(a, b, left=False).result,
     [r(2, 3, 3), r(4, 3)]),
    ("cholesky_ex", lambda M, a: M.linalg.cholesky_ex(spd(M, a)).L, [r(2, 3, 3)]),
    ("cholesky_ex_upper", lambda M, a: M.linalg.cholesky_ex(spd(M, a), upper=True).L,
     [r(3, 3)]),
    ("vander", lambda M, x: M.linalg.vander(x, N=4), [r(2, 3)]),
    ("vander_default_N", lambda M, x: M.linalg.vander(x), [r(3)]),
    ("tensorinv", lambda M, a: M.linalg.tensorinv(a, ind=1), [r(4, 2, 2)]),
    ("tensorsolve_dims", lambda M, a, b: M.linalg.tensorsolve(a, b, dims=(0,)),
     [r(6, 2, 3), r(2, 3)]),
]


@pytest.mark.parametrize("name,fn,arrays", CASES, ids=[c[0] for c in CASES])
def test_against_torch_and_finite_differences(name, fn, arrays):
    ours, theirs = (lambda *xs: fn(autograd, *xs)), (lambda *xs: fn(torch, *xs))
    check_against_torch(ours, theirs, *arrays, rtol=1e-9, atol=1e-10)
    assert_gradcheck(ours, *arrays)


@pytest.mark.parametrize("fn,arrays", [
    (lambda a: tuple(linalg.lu(a))[1:], [r(2, 3, 4)]),
    (lambda a: tuple(linalg.lu(a))[1:], [r(4, 3)]),
    (lambda a, b: lu_solve(autograd, a, b, adjoint=True), [r(3, 3), r(3, 2)]),
])
def test_second_derivatives(fn, arrays):
    assert autograd.gradgradcheck(fn, [autograd.tensor(a, requires_grad=True) for a in arrays])


def test_second_derivative_of_lu_solve_matches_torch():
    a, b = r(3, 3), r(3, 2)

    def run(M, grad):
        A, B = M.tensor(a, requires_grad=True), M.tensor(b, requires_grad=True)
        (gA,) = grad((lu_solve(M, A, B) ** 2).sum(), A, create_graph=True)
        (gA ** 2).sum().backward()
        return A.grad, B.grad

    for ours, theirs in zip(run(autograd, autograd.grad), run(torch, torch.autograd.grad)):
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-9)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(2, 3, 4), (4, 3), (0, 3, 3), (2, 0, 3), (3, 0)])
def test_factors_pivots_and_info_match_torch(dtype, shape):
    a = r(*shape).astype(dtype)
    ours, theirs = linalg.lu_factor_ex(autograd.tensor(a)), torch.linalg.lu_factor_ex(
        torch.tensor(a))
    assert ours._fields == ("LU", "pivots", "info")
    same_exact(ours.pivots, theirs.pivots)
    same_exact(ours.info, theirs.info)
    for o, t in zip(linalg.lu(autograd.tensor(a)), torch.linalg.lu(torch.tensor(a))):
        assert o.dtype == np.dtype(dtype) and o.shape == tuple(t.shape)
        np.testing.assert_allclose(o.data, t.numpy(), rtol=1e-5, atol=1e-6)
    same_exact(linalg.lu(autograd.tensor(a)).P, torch.linalg.lu(torch.tensor(a)).P)


def test_singular_matrices_give_torch_info_and_results_without_raising():
    a, b = SINGULAR, np.ones((3, 2))
    ours, theirs = linalg.lu_factor_ex(autograd.tensor(a)), torch.linalg.lu_factor_ex(
        torch.tensor(a))
    same_exact(ours.info, theirs.info)
    same_exact(ours.pivots, theirs.pivots)
    np.testing.assert_allclose(ours.LU.data, theirs.LU.numpy(), atol=1e-12)
    X, info = linalg.solve_ex(autograd.tensor(a), autograd.tensor(b))
    tX, tinfo = torch.linalg.solve_ex(torch.tensor(a), torch.tensor(b))
    same_exact(info, tinfo)
    np.testing.assert_allclose(X.data, tX.numpy(), atol=1e-12)   # nan and inf where torch's
    assert linalg.inv_ex(autograd.tensor(a)).info.data.tolist() == info.data.tolist()


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cholesky_ex_info_and_partial_factor_match_torch(upper, dtype):
    a = NOT_PD.astype(dtype)
    ours = linalg.cholesky_ex(autograd.tensor(a), upper=upper)
    theirs = torch.linalg.cholesky_ex(torch.tensor(a), upper=upper)
    assert ours._fields == ("L", "info")
    same_exact(ours.info, theirs.info)
    np.testing.assert_allclose(ours.L.data, theirs.L.numpy(), rtol=1e-6)
    assert ours.L.dtype == np.dtype(dtype)
    empty = linalg.cholesky_ex(autograd.tensor(a[:0]), upper=upper)
    assert empty.L.shape == (0, 3, 3) and empty.info.shape == (0,)


def test_solve_ex_shapes_and_info_follow_a_batch():
    a = autograd.tensor(r(2, 3, 3))
    assert linalg.solve_ex(a, autograd.tensor(r(4, 2, 3, 1))).result.shape == (4, 2, 3, 1)
    result, info = linalg.solve_ex(a[0], autograd.tensor(r(4, 3, 1)))
    assert result.shape == (4, 3, 1) and info.shape == () and info.dtype == np.int32
    assert linalg.solve_ex(a[:0], autograd.tensor(r(3, 2))).result.shape == (0, 3, 2)


@pytest.mark.parametrize("fn,arrays", [
    (lambda a: tuple(linalg.lu(a))[1:], [r(2, 3, 4)]),
    (lambda a, b: lu_solve(autograd, a, b, left=False), [r(3, 3), r(2, 3)]),
    (lambda a, b: linalg.solve_ex(a, b).result, [r(3, 3), r(3, 2)]),
    (lambda a: linalg.cholesky_ex(spd(autograd, a)).L, [r(3, 3)]),
])
def test_float32_in_float32_out(fn, arrays):
    check_float32(fn, *arrays)


@settings(deadline=None, max_examples=15)
@given(batch=st.sampled_from([(), (2,), (1, 2)]), m=st.integers(1, 4), n=st.integers(1, 4),
       seed=st.integers(0, 2 ** 16))
def test_plu_rebuilds_a_with_torch_pivots(batch, m, n, seed):
    a = np.random.default_rng(seed).standard_normal(batch + (m, n))
    P, L, U = linalg.lu(autograd.tensor(a))
    np.testing.assert_allclose((P @ L @ U).data, a, atol=1e-12)
    same_exact(linalg.lu_factor(autograd.tensor(a)).pivots,
               torch.linalg.lu_factor(torch.tensor(a)).pivots)


def test_lu_unpack_without_data_or_pivots_gives_empty_tensors_as_torch():
    a = r(2, 3, 3)
    for kw in ({"unpack_data": False}, {"unpack_pivots": False}):
        ours = autograd.lu_unpack(*linalg.lu_factor(autograd.tensor(a)), **kw)
        theirs = torch.lu_unpack(*torch.linalg.lu_factor(torch.tensor(a)), **kw)
        for o, t in zip(ours, theirs):
            assert o.shape == tuple(t.shape) and o.dtype == t.numpy().dtype


def test_torch_lu_lu_solve_and_tensor_methods_warn_as_torch():
    a, b = r(2, 3, 3), r(3, 2)
    with pytest.warns(UserWarning, match="torch.lu is deprecated"):
        LU, piv, info = autograd.lu(autograd.tensor(a), get_infos=True)
    with pytest.warns(UserWarning, match="torch.lu_solve is deprecated"):
        X = autograd.tensor(b).lu_solve(LU, piv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tLU, tpiv = torch.tensor(a).lu()
        tX = torch.lu_solve(torch.tensor(b), tLU, tpiv)
        LU2, piv2 = autograd.tensor(a).lu()
    same_exact(piv, tpiv)
    same_exact(piv2, tpiv)
    assert info.data.tolist() == [0, 0]
    np.testing.assert_allclose(X.data, tX.numpy(), rtol=1e-10)
    np.testing.assert_allclose(LU2.data, tLU.numpy(), rtol=1e-10)


def test_vander_of_integers_and_0d_as_torch():
    x = np.array([2, -1, 3], np.int32)
    same_exact(linalg.vander(autograd.tensor(x), N=3), torch.linalg.vander(torch.tensor(x), N=3))
    same_exact(linalg.vander(autograd.tensor(2.0), N=3), torch.linalg.vander(torch.tensor(2.0),
                                                                            N=3))


PIV = np.array([1, 2, 3], np.int32)
# (call on autograd or torch, the message ours gives): both must raise a RuntimeError
ERRORS = [
    (lambda M: M.linalg.lu_factor(M.eye(3), pivot=False), "without pivoting is not implemented"),
    (lambda M: M.linalg.lu(M.eye(3), pivot=False), "without pivoting is not implemented"),
    (lambda M: M.linalg.lu_factor(M.zeros(2, 3, 3)),
     r"lu_factor: \(Batch element 0\): U\[1,1\] is zero.*shape \(2, 3, 3\)"),
    (lambda M: M.linalg.lu_factor_ex(M.zeros(3, 3), check_errors=True), r"U\[1,1\] is zero"),
    (lambda M: M.linalg.lu_factor(M.ones(3, 3, dtype=M.int64)), "float32 or float64.*int64"),
    (lambda M: M.linalg.lu(M.ones(3)), r"at least 2 dims.*\(3,\)"),
    (lambda M: M.linalg.lu_solve(M.eye(3), M.tensor([1, 2, 3]), M.eye(3)), "torch.int32"),
    (lambda M: M.linalg.lu_solve(M.eye(3), M.tensor(PIV[:2]), M.eye(3)), "number of pivots"),
    (lambda M: M.linalg.lu_solve(M.eye(3), M.tensor(PIV), M.ones(3)), "at least 2 dim"),
    (lambda M: M.linalg.lu_solve(M.eye(3), M.tensor(PIV), M.ones(2, 3)),
     r"AX = B: A of shape \(3, 3\).*B of shape \(2, 3\)"),
    (lambda M: M.linalg.lu_solve(M.eye(3, dtype=M.float64), M.tensor(PIV), M.ones(3, 1)),
     "one dtype.*float64.*float32"),
    (lambda M: M.linalg.lu_solve(M.ones(3, 2), M.tensor(PIV[:2]), M.ones(3, 1)), "square"),
    (lambda M: M.lu_unpack(M.eye(3), M.tensor([1, 2, 3])), "int32"),
    (lambda M: M.lu_unpack(M.eye(3), M.tensor(np.array([0, 2, 3], np.int32))),
     "between 1 and LU.size"),
    (lambda M: M.linalg.solve_ex(M.zeros(2, 3, 3), M.ones(3, 1), check_errors=True),
     r"\(Batch element 0\): The solver failed because the input matrix is singular"),
    (lambda M: M.linalg.solve_ex(M.eye(3), M.ones(4, 1)), "incompatible shapes"),
    (lambda M: M.linalg.solve_ex(M.ones(3, 2), M.ones(3, 1)), "square"),
    (lambda M: M.linalg.cholesky_ex(M.stack([M.eye(3), -M.eye(3)]), check_errors=True),
     r"\(Batch element 1\).*the leading minor of order 1 is not positive-definite"),
    (lambda M: M.linalg.cholesky_ex(M.ones(3, 3, dtype=M.int64)), "int64"),
    (lambda M: M.linalg.vander(M.ones(3), N=1), "N must be greater than 1"),
    (lambda M: M.linalg.vander(M.ones(3) > 0), "bool"),
    (lambda M: M.linalg.tensorinv(M.ones(2, 2), ind=0), "strictly positive integer for 'ind'"),
    (lambda M: M.linalg.tensorinv(M.ones(4, 6, 8, 3), ind=1), "144 != 4"),
    (lambda M: M.linalg.tensorinv(M.zeros(2, 2), ind=1), "singular"),
    (lambda M: M.linalg.tensorsolve(M.ones(2, 3, 6), M.ones(6)), r"prod\(A.shape\[B.ndim:\]\)"),
]


@pytest.mark.parametrize("call,message", ERRORS)
def test_errors_are_runtime_errors_as_torch(call, message):
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError, match=message):
        call(autograd)
