"""The activation and softmax kernels on their own, against numpy, in float32 and float64.

These must also pass with NUMBA_DISABLE_JIT=1 (pure Python): see test_without_the_jit.py.
"""
import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

from autograd import kernels

SETTINGS = settings(deadline=None, max_examples=30)
DTYPES = [np.float32, np.float64]
any_shape = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5)
rows_shape = hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6)


def values(dtype, shape, lo=-30.0, hi=30.0):
    return hnp.arrays(dtype, shape, elements=st.floats(lo, hi, width=32))


def tol(dtype):
    return {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-13, "atol": 1e-15}


def assert_close(actual, expected, dtype):
    assert actual.dtype == dtype and actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected.astype(dtype), **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@SETTINGS
@given(data=st.data(), shape=any_shape)
def test_pointwise_kernels(dtype, data, shape):
    x = data.draw(values(dtype, shape))
    g = data.draw(values(dtype, shape, -2.0, 2.0))
    y_sig = 1 / (1 + np.exp(-x.astype(np.float64)))
    assert_close(kernels.sigmoid_forward(x), y_sig, dtype)
    y = kernels.sigmoid_forward(x)
    assert_close(kernels.sigmoid_backward(y, g), g * y * (1 - y), dtype)
    t = np.tanh(x)
    assert_close(kernels.tanh_backward(t, g), g * (1 - t * t), dtype)
    r = np.maximum(x, 0)
    assert_close(kernels.relu_backward(r, g), np.where(r > 0, g, 0), dtype)
    for slope in (0.01, 0.3):
        assert_close(kernels.leaky_relu_forward(x, slope), np.where(x > 0, x, x * dtype(slope)), dtype)
        assert_close(kernels.leaky_relu_backward(x, g, slope), np.where(x > 0, g, g * dtype(slope)),
              dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_hardtanh_backward_zeroes_the_flat_parts_and_passes_nan(dtype):
    x = np.array([np.nan, -np.inf, -1.0, -0.5, 0.0, 0.999, 1.0, 2.0, np.inf], dtype)
    g = np.array([1.0, 2.0, 3.0, 4.0, np.inf, np.nan, np.nan, 8.0, 9.0], dtype)
    out = kernels.hardtanh_backward(x, g, -1.0, 1.0)
    expected = np.array([1.0, 0.0, 0.0, 4.0, np.inf, np.nan, 0.0, 0.0, 0.0], dtype)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, expected)
    strided = kernels.hardtanh_backward(x[::2], g[::2], -1.0, 1.0)   # nan, -1, 0, 1, inf
    np.testing.assert_array_equal(strided, np.array([1.0, 0.0, np.inf, 0.0, 0.0], dtype))
    assert kernels.hardtanh_backward(np.array(0.5, dtype), np.array(2.0, dtype), 0, 1) == 2.0


@pytest.mark.parametrize("dtype", DTYPES)
def test_pointwise_kernels_write_into_c_ordered_outputs_for_strided_inputs(dtype):
    x = np.linspace(-3, 3, 12, dtype=dtype).reshape(3, 4).T   # Fortran-ordered view
    g = np.ones((4, 3), dtype)
    assert_close(kernels.sigmoid_forward(x), 1 / (1 + np.exp(-x)), dtype)
    assert_close(kernels.relu_backward(np.maximum(x, 0), g), (x > 0).astype(dtype), dtype)
    assert_close(kernels.tanh_backward(np.tanh(x), g), 1 - np.tanh(x) ** 2, dtype)
    assert_close(kernels.leaky_relu_forward(x, 0.1), np.where(x > 0, x, 0.1 * x), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_kernel_does_not_overflow(dtype):
    x = np.array([-1e4, -100.0, 0.0, 100.0, 1e4], dtype)
    with np.errstate(over="raise", invalid="raise"):
        y = kernels.sigmoid_forward(x)
    np.testing.assert_allclose(y, [0, 1 / (1 + np.exp(100.0)), 0.5, 1, 1], rtol=1e-6, atol=1e-40)


def np_softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def np_log_softmax(x):
    s = x - x.max(axis=1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


@pytest.mark.parametrize("dtype", DTYPES)
@SETTINGS
@given(data=st.data(), shape=rows_shape)
def test_softmax_kernels(dtype, data, shape):
    x = data.draw(values(dtype, shape))
    g = data.draw(values(dtype, shape, -2.0, 2.0))
    x64 = x.astype(np.float64)
    y, ly = kernels.softmax_lastdim(x), kernels.log_softmax_lastdim(x)
    assert_close(y, np_softmax(x64), dtype)
    assert_close(ly, np_log_softmax(x64), dtype)
    y64 = y.astype(np.float64)
    assert_close(kernels.softmax_backward_lastdim(y, g), y64 * (g - (g * y64).sum(1, keepdims=True)),
          dtype)
    assert_close(kernels.log_softmax_backward_lastdim(ly, g),
          g - np.exp(ly.astype(np.float64)) * g.sum(1, keepdims=True), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_kernels_are_stable_and_handle_edge_rows(dtype):
    x = np.array([[1e4, -1e4, 0.0], [-np.inf, 0.0, -np.inf], [5.0, 5.0, 5.0]], dtype)
    y, ly = kernels.softmax_lastdim(x), kernels.log_softmax_lastdim(x)
    np.testing.assert_allclose(y, [[1, 0, 0], [0, 1, 0], [1 / 3] * 3], rtol=1e-6)
    assert np.all(np.isfinite(ly[0]) | (x[0] == -1e4)) and ly[0, 0] == 0
    assert np.all(np.isnan(kernels.softmax_lastdim(np.full((1, 2), -np.inf, dtype))))
    assert kernels.softmax_lastdim(np.zeros((0, 3), dtype)).shape == (0, 3)
