"""linalg at its edges, against torch: empty batches and 0x0 matrices, matrix_power(A, 0),
inv_ex over a batch holding singular matrices, and the RuntimeError torch raises for shapes
and dtypes it refuses (ours: a RuntimeError subclass that is also a ValueError/TypeError)."""
import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("call", [
    "L.linalg.eigh(z(0, 3, 3))", "L.linalg.svd(z(0, 3, 2))",
    "L.linalg.svd(z(0, 3, 2), full_matrices=False)", "L.linalg.qr(z(2, 0, 3, 3))",
    "L.linalg.lstsq(z(0, 3, 2), z(0, 3, 1), driver='gels')[:1]"])
def test_empty_batches_as_torch(call):
    def shapes(lib):
        def z(*shape):
            return lib.zeros(*shape, dtype=lib.float64, requires_grad=True)
        return [tuple(t.shape) for t in eval(call, {"L": lib, "z": z})]
    assert shapes(autograd) == shapes(torch)


@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (0, 3, 3)])
def test_det_gradient_of_empty(shape):
    for create_graph in (False, True):
        x = autograd.zeros(*shape, dtype=autograd.float64, requires_grad=True)
        (g,) = autograd.grad([autograd.linalg.det(x).sum()], [x], create_graph=create_graph)
        assert g.shape == shape and not g.numpy().any()


def test_matrix_power_zero_stays_in_the_graph():
    a = np.array([[np.nan, 1.0], [2.0, 3.0]])
    x = autograd.tensor(a, requires_grad=True)
    y = autograd.linalg.matrix_power(x, 0)
    np.testing.assert_array_equal(y.detach().numpy(), np.eye(2))   # even with a NaN in A
    assert y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 2)))


def test_inv_ex_with_singular_members():
    x = np.random.default_rng(0).standard_normal((500, 4, 4))
    x[0] = 0
    x[7, :, 1] = x[7, :, 0]
    ours = autograd.linalg.inv_ex(autograd.tensor(x))
    theirs = torch.linalg.inv_ex(torch.tensor(x))
    np.testing.assert_array_equal(ours.info.numpy(), theirs.info.numpy())
    ok = theirs.info.numpy() == 0
    np.testing.assert_allclose(ours.inverse.numpy()[ok], theirs.inverse.numpy()[ok],
                               rtol=1e-10, atol=1e-12)
    assert np.isnan(ours.inverse.numpy()[~ok]).all()


REFUSED = [
    "L.linalg.inv(L.zeros(2, 3))", "L.linalg.det(L.zeros(3))",
    "L.linalg.det(L.zeros(3, 3, dtype=L.int64))", "L.linalg.solve(L.zeros(3, 3), L.zeros(4, 1))",
    "L.linalg.multi_dot([L.zeros(2, 3), L.zeros(4, 2)])", "L.linalg.qr(L.zeros(3, 3), mode='x')",
    "L.linalg.eigh(L.zeros(3, 3), UPLO='X')", "L.linalg.matrix_norm(L.zeros(3, 3), ord=3)",
    "L.linalg.solve(L.zeros(3, 3), L.zeros(3, 1, dtype=L.float64))",
]


@pytest.mark.parametrize("call", REFUSED)
def test_refusals_are_runtime_errors_as_torch(call):
    with pytest.raises(RuntimeError):
        eval(call, {"L": torch})
    with pytest.raises(RuntimeError, match=r"linalg\.\w+: "):
        eval(call, {"L": autograd})


@pytest.mark.parametrize("shape,bad_at", [((3, 3), None), ((2, 3, 3), 1), ((3, 3, 3, 3), 5),
                                          ((4, 4), None)])
def test_cholesky_error_names_the_batch_element_and_minor_as_torch(shape, bad_at):
    a = np.broadcast_to(np.eye(shape[-1]), shape).copy()
    flat = a.reshape((-1,) + shape[-2:])
    flat[0 if bad_at is None else bad_at, 1, 0] = flat[0 if bad_at is None else bad_at, 0, 1] = 2
    with pytest.raises(RuntimeError) as theirs:
        torch.linalg.cholesky(torch.tensor(a))
    with pytest.raises(autograd.linalg.LinAlgError) as ours:
        autograd.linalg.cholesky(autograd.tensor(a))
    assert str(ours.value).startswith(str(theirs.value).rstrip("."))


@pytest.mark.parametrize("n", [0, 1, 2, 5, 13])
def test_matrix_power_of_integer_matrices(n):
    a = np.random.default_rng(n).integers(-3, 4, (2, 3, 3))
    ours = autograd.linalg.matrix_power(autograd.tensor(a), n)
    theirs = torch.linalg.matrix_power(torch.tensor(a), n)
    assert ours.dtype == np.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(RuntimeError):
        autograd.linalg.matrix_power(autograd.tensor(a), -1)   # inv needs floats, as torch


def test_matrix_power_one_is_a_new_tensor():
    a = autograd.tensor(np.eye(2), requires_grad=True)
    b = autograd.linalg.matrix_power(a, 1)
    assert b is not a and b.requires_grad


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, 1, np.inf])
@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0), (2, 0, 3)])
def test_norms_of_empty_matrices_are_zero_as_torch(ord, shape):
    want = torch.linalg.matrix_norm(torch.zeros(*shape), ord, keepdim=True)
    x = autograd.zeros(*shape, requires_grad=True)
    got = autograd.linalg.matrix_norm(x, ord, keepdim=True)
    assert got.shape == tuple(want.shape) and not got.detach().numpy().any()
    got.sum().backward()
    assert x.grad.shape == shape


@pytest.mark.parametrize("p", [None, "fro", "nuc", 2, -2, 1, np.inf, -1, -np.inf])
@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0)])
def test_condition_number_of_empty_matrices_is_zero_as_torch(p, shape):
    want = torch.linalg.cond(torch.zeros(*shape), p)
    got = autograd.linalg.cond(autograd.zeros(*shape), p)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
