"""kernels.update.axpy_: y += alpha * x in place, one pass; numpy's path when it does not apply."""
import numpy as np
import pytest

import autograd
from autograd.kernels.update import SMALL, axpy_


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_axpy_matches_numpy_rounding(dtype):
    rng = np.random.default_rng(0)
    y, x = rng.standard_normal((17, 5)).astype(dtype), rng.standard_normal((17, 5)).astype(dtype)
    expected = y + x * dtype(-0.37)
    assert axpy_(y, -0.37, x)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("size", [1, SMALL, SMALL + 1, 1000])
def test_small_updates_take_numpy_and_round_the_same(size):
    """Up to SMALL elements the kernel declines (its call costs more than numpy's); a tensor
    update gives the same bits either way."""
    rng = np.random.default_rng(size)
    y = rng.standard_normal(size).astype(np.float32)
    g = rng.standard_normal(size).astype(np.float32)
    expected = y - g * np.float32(0.1)
    assert axpy_(y.copy(), -0.1, g) == (size > SMALL)
    p = autograd.tensor(y, requires_grad=True)
    with autograd.no_grad():
        p.sub_(autograd.from_numpy(g), alpha=0.1)
    np.testing.assert_array_equal(p.data, expected)


@pytest.mark.parametrize("y, x", [
    (np.zeros((30, 4), np.float32), np.ones((4, 30), np.float32).T),   # non-contiguous x
    (np.zeros((30, 4), np.float32), np.ones((30, 4), np.float64)),      # dtype mismatch
    (np.zeros((30, 4), np.float32), np.ones(4, np.float32)),            # broadcast
    (np.zeros((30, 4), np.int64), np.ones((30, 4), np.int64)),          # integers
    (np.zeros((30, 4), np.float16), np.ones((30, 4), np.float16)),      # half precision
])
def test_axpy_declines_what_it_does_not_handle(y, x):
    before = y.copy()
    assert not axpy_(y, 2.0, x)
    np.testing.assert_array_equal(y, before)


def test_axpy_declines_overlap_and_read_only():
    y = np.arange(100, dtype=np.float64)
    assert not axpy_(y, 1.0, y)                      # the same memory: numpy's path
    ro = np.ones(100)
    ro.setflags(write=False)
    assert not axpy_(ro, 1.0, np.ones(100))


def test_tensor_sub_add_alpha_use_it_and_keep_semantics():
    p = autograd.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    g = np.full((2, 3), 2.0, np.float32)
    with autograd.no_grad():
        p.sub_(autograd.from_numpy(g), alpha=0.25)
        np.testing.assert_array_equal(p.data, np.full((2, 3), 0.5, np.float32))
        p.add_(autograd.from_numpy(g), alpha=0.5)
        np.testing.assert_array_equal(p.data, np.full((2, 3), 1.5, np.float32))
        p.sub_([1.0, 1.0, 1.0], alpha=-1)                  # a list broadcasts through numpy
        np.testing.assert_array_equal(p.data, np.full((2, 3), 2.5, np.float32))
    assert p.dtype == autograd.float32
