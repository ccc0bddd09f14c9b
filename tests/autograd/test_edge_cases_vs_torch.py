"""Edge cases a parity probe found: linalg on non-finite, singular or rank-deficient input
(no hang, no raw numpy error, torch's values), the default dtype in ops made after
set_default_dtype, float_power_'s dtype rule, randint's range check and keyword form."""
import signal

import numpy as np
import pytest

import autograd as A

torch = pytest.importorskip("torch")


@pytest.fixture
def deadline():
    """numpy's SVD never returned on an inf: fail instead of hanging the suite."""
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("hung")))
    signal.alarm(20)
    yield
    signal.alarm(0)


@pytest.mark.parametrize("fn", ["svdvals", "pinv", "matrix_rank", "cond", "eigvalsh",
                                "svd_vals", "nuc"])
def test_non_finite_matrices_give_nan_like_torch(deadline, fn):
    x = np.stack([np.eye(3), np.eye(3)])
    x[1, 0, 0] = np.inf
    call = {"svdvals": lambda L, a: L.linalg.svdvals(a), "pinv": lambda L, a: L.linalg.pinv(a),
            "matrix_rank": lambda L, a: L.linalg.matrix_rank(a),
            "cond": lambda L, a: L.linalg.cond(a), "eigvalsh": lambda L, a: L.linalg.eigvalsh(a),
            "svd_vals": lambda L, a: L.linalg.svd(a)[1],
            "nuc": lambda L, a: L.linalg.matrix_norm(a, "nuc")}[fn]
    ours = call(A, A.tensor(x)).data
    theirs = call(torch, torch.tensor(x)).numpy()
    np.testing.assert_array_equal(ours[0], theirs[0])     # the finite matrix is unaffected
    if fn != "pinv":   # torch's pinv of an inf matrix is 0 (its NaN singular values drop)
        assert np.isnan(ours[1]).all() == np.isnan(theirs[1]).all()


def test_lstsq_rank_follows_rcond_and_cond_of_a_singular_matrix_is_inf():
    a, b = np.diag([3.0, 1, 0.4]), np.ones((3, 1))
    for rcond in (None, 0.2, 0.5):   # (torch's default gelsy is nondeterministic here:
        # its rank-deficient results vary from call to call; gelsd's do not)
        for driver in (None, "gelsd"):
            ours = A.linalg.lstsq(A.tensor(a), A.tensor(b), rcond=rcond, driver=driver)
            theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), rcond=rcond,
                                        driver="gelsd")
            assert int(ours.rank.item()) == int(theirs.rank.item())
            np.testing.assert_allclose(ours.solution.data, theirs.solution.numpy(), rtol=1e-12)
    for p in (1, -1, float("inf"), "fro"):
        assert A.linalg.cond(A.tensor(np.diag([1.0, 0])), p).item() == np.inf


def test_inv_ex_never_raises_numpys_error():
    out = A.linalg.inv_ex(A.tensor([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]]))
    assert out.inverse.shape == (3, 3)
    out = A.linalg.inv_ex(A.tensor([[[1.0, 2], [2, 4]], [[1.0, 0], [0, 2]]]))
    assert out.info.data.tolist() == [2, 0] and np.isnan(out.inverse.data[0]).all()
    np.testing.assert_array_equal(out.inverse.data[1], [[1, 0], [0, 0.5]])


def test_ops_made_after_set_default_dtype_use_it():
    A.set_default_dtype(A.float64)
    try:
        ints = A.tensor([1, 2])
        for t in (ints.xlogy(3), ints.atan2(A.tensor([1, 1])), ints.copysign(-1.0),
                  A.special.xlog1py(ints, ints), A.utils.data.default_collate([1, 2.5])):
            assert t.dtype == A.float64
    finally:
        A.set_default_dtype(A.float32)
    assert A.tensor([1, 2]).xlogy(3).dtype == A.float32


def test_float_power_in_place_needs_a_float64_tensor_as_torch():
    for L in (A, torch):
        with pytest.raises((TypeError, RuntimeError)):
            L.tensor([0.5, 2.0]).float_power_(2.0)
        y = L.tensor([0.5, 2.0], dtype=L.float64)
        y.float_power_(2.0)
        assert y.tolist() == [0.25, 4.0]


def test_randint_keyword_size_and_range_of_the_dtype():
    assert A.randint(5, size=(3,)).shape == (3,)
    with pytest.raises(ValueError, match="does not fit dtype uint8"):
        A.randint(300, (6,), dtype=A.uint8)
    assert A.randint(0, 256, (50,), dtype=A.uint8).dtype == np.uint8


def test_cond_marks_only_the_singular_matrices_of_a_batch_and_finfo_default():
    a = np.stack([[[1.0, 2], [2, 4]], 2 * np.eye(2)])
    for p in (1, "fro"):
        ours = A.linalg.cond(A.tensor(a), p).data
        np.testing.assert_allclose(ours, torch.linalg.cond(torch.tensor(a), p).numpy())
    assert A.finfo().eps == np.finfo(np.float32).eps


@pytest.mark.parametrize("kw", [{}, {"dim": (1, 2)}, {"dim": (0, 2), "keepdim": True}])
def test_tensor_norm_nuc_as_torch(kw):
    x = np.random.default_rng(0).standard_normal((3, 2, 4))
    x = x if kw else x[0]
    a, t = A.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    o, to = a.norm(p="nuc", **kw), t.norm(p="nuc", **kw)
    o.sum().backward()
    to.sum().backward()
    np.testing.assert_allclose(o.data, to.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=1e-10)
