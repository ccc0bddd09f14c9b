"""kernels.lu: the LU factor rebuilds A with LAPACK's pivot rule, the triangular solves and
the Cholesky factor agree with numpy, and a failed Cholesky stops where potf2 stops."""
import numpy as np
import pytest

from autograd.kernels import lu as K

RNG = np.random.default_rng(0)


def _unpacked(lu, piv):
    m, n = lu.shape[-2:]
    k = min(m, n)
    low = np.tril(lu[..., :, :k], -1) + np.eye(m, k)
    p = np.zeros(lu.shape[:-2] + (m, m))
    np.put_along_axis(p, K.permutation(piv, m)[..., None], 1, axis=-1)
    return np.swapaxes(p, -1, -2), low, np.triu(lu[..., :k, :])


@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 5), (2, 5, 3), (0, 3, 3), (2, 0, 0), (3, 2, 0)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lu_factor_rebuilds_a_with_the_largest_pivot(shape, dtype):
    a = RNG.standard_normal(shape).astype(dtype)
    lu, piv, info = K.lu_factor(a)
    k = min(shape[-2:])
    assert lu.dtype == dtype and lu.shape == a.shape and piv.dtype == info.dtype == np.int32
    assert piv.shape == shape[:-2] + (k,) and info.shape == shape[:-2] and not info.any()
    p, low, up = _unpacked(lu, piv)
    np.testing.assert_allclose(p @ low @ up, a, atol=1e-5 if dtype == np.float32 else 1e-12)
    assert np.all(np.abs(low) <= 1)   # partial pivoting: each pivot is its column's largest


def test_lu_factor_of_singular_matrices_records_the_first_zero_pivot():
    a = np.stack([np.zeros((3, 3)), [[1.0, 2, 3], [2, 4, 6], [1, 0, 1]], np.eye(3)])
    lu, piv, info = K.lu_factor(a)
    np.testing.assert_array_equal(info, [1, 3, 0])
    np.testing.assert_array_equal(piv, [[1, 2, 3], [2, 3, 3], [1, 2, 3]])
    p, low, up = _unpacked(lu, piv)
    np.testing.assert_allclose(p @ low @ up, a, atol=1e-12)


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("unit", [True, False])
def test_solve_triangular_matches_numpy_with_broadcast_batches(upper, unit):
    t = RNG.standard_normal((2, 1, 4, 4)) + 4 * np.eye(4)
    b = RNG.standard_normal((3, 4, 2))
    tri = np.triu(t, 1) if upper else np.tril(t, -1)
    tri = tri + (np.eye(4) if unit else np.diagonal(t, 0, -2, -1)[..., None] * np.eye(4))
    np.testing.assert_allclose(K.solve_triangular(t, b, upper, unit),
                               np.linalg.solve(tri, b), atol=1e-12)


def test_solve_triangular_with_a_zero_diagonal_gives_inf_and_nan():
    x = K.solve_triangular(np.zeros((3, 3)), np.ones((3, 1)), True, False)
    np.testing.assert_array_equal(x[:, 0], [np.nan, np.nan, np.inf])


def test_cholesky_matches_numpy_and_stops_where_potf2_stops():
    a = RNG.standard_normal((2, 4, 4))
    spd = a @ np.swapaxes(a, -1, -2) + 4 * np.eye(4)
    low, info = K.cholesky(spd)
    np.testing.assert_allclose(low, np.linalg.cholesky(spd), atol=1e-12)
    assert not info.any()
    bad = np.array([[4.0, 2, 1], [2, 1, 1], [1, 1, 5]])   # the minor of order 2 is singular
    low, info = K.cholesky(bad)
    assert info == 2
    np.testing.assert_array_equal(low, [[2, 0, 0], [1, 0, 0], [0.5, 1, 5]])


def test_permutation_applies_the_swaps_in_order():
    np.testing.assert_array_equal(K.permutation(np.array([[3, 2, 3], [2, 3, 3]], np.int32), 3),
                                  [[2, 1, 0], [1, 2, 0]])
