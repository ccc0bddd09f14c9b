"""kernels.adaptive_pool.adaptive_max_forward against a numpy loop over the windows, and the
scatter that is its VJP (pooling.max_pool_backward) adding up where windows overlap."""
import numpy as np
import pytest

from autograd.kernels.adaptive_pool import adaptive_max_forward
from autograd.kernels.pooling import max_pool_backward


def _reference(x, out):
    """Each window by slicing: the max, the first of equal maxima, the last NaN if any."""
    p, sizes = x.shape[0], x.shape[1:]
    y, idx = np.empty((p,) + out, x.dtype), np.empty((p,) + out, np.int64)
    for cell in np.ndindex(*out):
        lo = [(i * n) // o for i, n, o in zip(cell, sizes, out)]
        hi = [-(-(i + 1) * n // o) for i, n, o in zip(cell, sizes, out)]
        win = x[(slice(None),) + tuple(slice(a, b) for a, b in zip(lo, hi))].reshape(p, -1)
        nan = np.isnan(win)
        local = np.where(nan.any(1), win.shape[1] - 1 - nan[:, ::-1].argmax(1), win.argmax(1))
        coords = np.unravel_index(local, tuple(b - a for a, b in zip(lo, hi)))
        idx[(slice(None),) + cell] = np.ravel_multi_index(
            tuple(c + a for c, a in zip(coords, lo)), sizes)
        y[(slice(None),) + cell] = win[np.arange(p), local]
    return y, idx


@pytest.mark.parametrize("shape,out", [((3, 1, 7, 5), (1, 3, 2)), ((2, 1, 4, 4), (1, 6, 6)),
                                       ((2, 3, 5, 4), (2, 3, 3)), ((2, 1, 1, 9), (1, 1, 4)),
                                       ((1, 1, 1, 3), (1, 1, 7)), ((4, 2, 2, 2), (1, 1, 1))])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forward_matches_the_window_loop(shape, out, dtype):
    rng = np.random.default_rng(sum(shape) + sum(out))
    x = rng.integers(-2, 3, shape).astype(dtype)   # small integers: many ties
    x[0].flat[rng.integers(0, x[0].size, 3)] = np.nan
    x[-1].flat[rng.integers(0, x[-1].size, 2)] = -np.inf
    y, idx = adaptive_max_forward(x, out)
    want_y, want_idx = _reference(x, out)
    np.testing.assert_array_equal(idx, want_idx)
    np.testing.assert_array_equal(y, want_y)
    assert y.dtype == dtype and idx.dtype == np.int64


def test_all_minus_inf_window_points_at_its_first_element():
    x = np.full((1, 1, 2, 3), -np.inf)
    y, idx = adaptive_max_forward(x, (1, 1, 2))
    np.testing.assert_array_equal(idx.ravel(), [0, 1])   # windows [0, 2) and [1, 3) of W
    assert np.all(y == -np.inf)


def test_scatter_adds_where_windows_share_an_argmax():
    x = np.array([[[[0.0, 5.0, 1.0]]]])     # out 4 over W = 3: [0,1) [0,2) [1,3) [2,3)
    y, idx = adaptive_max_forward(x, (1, 1, 4))
    np.testing.assert_array_equal(idx.ravel(), [0, 1, 1, 2])
    g = np.array([[[[1.0, 2.0, 3.0, 4.0]]]])
    np.testing.assert_array_equal(max_pool_backward(g, idx, x.shape).ravel(), [1, 5, 4])
