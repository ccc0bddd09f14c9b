"""kernels.scan.scan_f64: numpy's cumsum/cumprod in float64, rounded once to float32."""
import numpy as np
import pytest

from autograd.kernels.scan import scan_f64


def _reference(x, axis, reverse, product):
    fn = np.cumprod if product else np.cumsum
    wide = x.astype(np.float64)
    if reverse:
        return np.flip(fn(np.flip(wide, axis), axis=axis), axis).astype(x.dtype)
    return fn(wide, axis=axis).astype(x.dtype)


@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4), (1, 1), (3, 0, 2), (0,), (4, 1, 6)])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("product", [False, True])
def test_scan_is_a_float64_scan_rounded_once(shape, reverse, product):
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 1.5, shape).astype(np.float32)
    for axis in range(len(shape)):
        got = scan_f64(x, axis, reverse=reverse, product=product)
        assert got.dtype == np.float32 and got.shape == x.shape
        np.testing.assert_array_equal(got, _reference(x, axis, reverse, product))


def test_scan_of_strided_views_and_special_values():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 8)).astype(np.float32)[::2, 1::3].T   # not contiguous
    x[0, 0], x[1, 1] = np.inf, np.nan
    for axis in (0, 1):
        for product in (False, True):
            np.testing.assert_array_equal(scan_f64(x, axis, product=product),
                                          _reference(x, axis, False, product))


def test_a_long_float32_sum_does_not_drift():
    x = np.full(10 ** 6, 0.1, np.float32)
    assert abs(scan_f64(x, 0)[-1] - 100000) < 0.01
    assert abs(np.cumsum(x)[-1] - 100000) > 100   # what a float32 accumulator gives
