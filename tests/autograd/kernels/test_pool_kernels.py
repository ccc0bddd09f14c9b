"""Max-pool kernels: the 2x2 path (int8 window positions) against the general kernel."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd.kernels import pooling as P
from autograd.kernels.readonly import readonly


def general(x, stride, out):
    """The general kernel on a 2x2 window (its argmax is int64 flat indices); x read-only,
    as max_pool_forward passes it, so that no second compile is needed."""
    y = np.empty((x.shape[0],) + out, x.dtype)
    idx = np.empty(y.shape, np.int64)
    P._max_pool_forward(readonly(x), y, idx, 2, 2, *stride, 0, 0, 1, 1)
    return y, idx


def out_size(shape, stride):
    return tuple((i - 2) // s + 1 for i, s in zip(shape[1:], stride))


@settings(deadline=None, max_examples=60)
@given(h=st.integers(2, 9), w=st.integers(2, 9), stride=st.sampled_from([(2, 2), (1, 1), (2, 1),
                                                                         (3, 2)]),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 99))
def test_2x2_path_matches_general_kernel(h, w, stride, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, (3, h, w)).astype(dtype)    # small integers: many ties
    out = out_size(x.shape, stride)
    y, code = P.max_pool_forward(x, (2, 2), stride, (0, 0), (1, 1), out)
    ref_y, ref_idx = general(x, stride, out)
    assert code.dtype == np.int8 and y.dtype == dtype
    np.testing.assert_array_equal(y, ref_y)
    np.testing.assert_array_equal(P.flat_indices(code, stride, x.shape), ref_idx)
    g = rng.standard_normal(y.shape).astype(dtype)
    dx = P.max_pool_backward(g, code, x.shape, stride)
    assert dx.dtype == dtype
    np.testing.assert_array_equal(dx, P.max_pool_backward(g, ref_idx, x.shape))


def test_nan_wins_and_its_gradient_stays_put():
    x = np.array([[[1.0, np.nan, 0.0, 0.0], [3.0, 2.0, 0.0, 5.0]]])
    y, code = P.max_pool_forward(x, (2, 2), (2, 2), (0, 0), (1, 1), (1, 2))
    assert np.isnan(y[0, 0, 0]) and y[0, 0, 1] == 5.0
    np.testing.assert_array_equal(code[0, 0], [1, 3])
    g = np.array([[[np.nan, np.inf]]])
    dx = P.max_pool_backward(g, code, x.shape, (2, 2))
    # only the argmax gets the (non-finite) gradient; every other entry is exactly 0
    np.testing.assert_array_equal(dx, [[[0.0, np.nan, 0.0, 0.0], [0.0, 0.0, 0.0, np.inf]]])


@pytest.mark.parametrize("shape", [(2, 5, 7), (1, 4, 4)])
def test_tiled_backward_zeroes_uncovered_rows_and_columns(shape):
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    out = out_size(shape, (2, 2))
    y, code = P.max_pool_forward(x, (2, 2), (2, 2), (0, 0), (1, 1), out)
    g = np.ones(y.shape, np.float32)
    dx = P.max_pool_backward(g, code, shape, (2, 2))
    assert dx.sum() == y.size and dx[:, 2 * out[0]:].sum() == 0 and dx[:, :, 2 * out[1]:].sum() == 0


@settings(deadline=None, max_examples=40)
@given(h=st.integers(2, 9), half_w=st.integers(1, 5), dtype=st.sampled_from([np.float32,
                                                                            np.float64]),
       seed=st.integers(0, 99))
def test_even_width_path_matches_general_kernel_with_nans_and_ties(h, half_w, dtype, seed):
    # stride 2 over an even width runs the plane-long pass kernel
    rng = np.random.default_rng(seed)
    x = rng.integers(-1, 2, (4, h, 2 * half_w)).astype(dtype)
    x[rng.random(x.shape) < 0.2] = np.nan                # several nans in some windows
    out = out_size(x.shape, (2, 2))
    y, code = P.max_pool_forward(x, (2, 2), (2, 2), (0, 0), (1, 1), out)
    ref_y, ref_idx = general(x, (2, 2), out)
    np.testing.assert_array_equal(y, ref_y)
    np.testing.assert_array_equal(P.flat_indices(code, (2, 2), x.shape), ref_idx)
    g = rng.standard_normal(y.shape).astype(dtype)
    dx = P.max_pool_backward(g, code, x.shape, (2, 2))
    np.testing.assert_array_equal(dx, P.max_pool_backward(g, ref_idx, x.shape))
