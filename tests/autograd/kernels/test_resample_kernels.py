"""The resampling kernel (one dim read through a tap table, and its VJP through the
transposed table) against the numpy take / reduceat forms."""
import numpy as np
import pytest

from autograd.ops import resample as R


def random_taps(rng, n_in, n_out, k, dtype, weighted=True):
    """k taps with non-decreasing indices (as the interpolation tables), random weights."""
    return tuple(R._tap(np.sort(rng.integers(0, n_in, n_out)),
                        rng.standard_normal(n_out).astype(dtype) if weighted else None)
                 for _ in range(k))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k,weighted", [(1, False), (1, True), (2, True), (4, True)])
@pytest.mark.parametrize("n_in,n_out", [(5, 3), (4, 11), (3, 40), (9, 9)])
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_gather_and_scatter_match_numpy(dtype, k, weighted, n_in, n_out, axis):
    rng = np.random.default_rng(n_in * 100 + n_out + k)
    taps = random_taps(rng, n_in, n_out, k, dtype, weighted)
    shape = [2, 3, 4]
    shape[axis] = n_in
    x = rng.standard_normal(shape).astype(dtype)
    y = R._gather(x, taps, axis)
    assert y.dtype == dtype and y.flags.c_contiguous and y.base is None
    np.testing.assert_allclose(y, R._gather_numpy(x, taps, axis), rtol=1e-6, atol=1e-6)
    g = rng.standard_normal(y.shape).astype(dtype)
    dx = R._scatter(g, taps, axis, n_in)   # 3-40 outputs: transposed widths 0 to ~40
    assert dx.dtype == dtype and dx.shape == x.shape and dx.base is None
    np.testing.assert_allclose(dx, R._scatter_numpy(g, taps, axis, n_in), rtol=1e-5,
                               atol=1e-5)


def test_non_contiguous_input():
    rng = np.random.default_rng(1)
    taps = random_taps(rng, 6, 13, 2, np.float64)
    x = rng.standard_normal((6, 5, 4)).transpose(1, 0, 2)   # (5, 6, 4), not contiguous
    want_y = R._gather_numpy(x, taps, 1)
    g = rng.standard_normal(want_y.shape)
    want_dx = R._scatter_numpy(g, taps, 1, 6)
    np.testing.assert_allclose(R._gather(x, taps, 1), want_y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(R._scatter(g, taps, 1, 6), want_dx, rtol=1e-12, atol=1e-12)
    last = R._gather(np.ascontiguousarray(x.transpose(0, 2, 1)), taps, 2)
    np.testing.assert_allclose(last, want_y.transpose(0, 2, 1), rtol=1e-12, atol=1e-12)


def test_non_finite_values_stay_local():
    # each output sums only its own taps: an inf elsewhere in the row does not reach it
    taps = (R._tap(np.array([0, 0, 1, 2]), np.array([1.0, 0.5, 0.5, 1.0])),)
    x = np.array([[1.0, 2.0, np.inf]])
    np.testing.assert_array_equal(R._gather(x, taps, 1), [[1.0, 0.5, 1.0, np.inf]])
    g = np.array([[1.0, 1.0, np.inf, 1.0]])
    np.testing.assert_array_equal(R._scatter(g, taps, 1, 3), [[1.5, np.inf, 1.0]])
