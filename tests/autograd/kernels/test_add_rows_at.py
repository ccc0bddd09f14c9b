"""kernels.update.add_rows_at against numpy's add.at: repeats accumulate, negative indices,
any trailing shape; what it does not take is left untouched for the caller's add.at."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd.kernels.update import add_rows_at


@settings(max_examples=60, deadline=None)
@given(n_rows=st.integers(1, 6), trail=st.lists(st.integers(1, 3), max_size=2),
       idx_shape=st.lists(st.integers(0, 4), max_size=2), dtype=st.sampled_from(["f4", "f8"]),
       seed=st.integers(0, 2 ** 16))
def test_matches_numpy_add_at(n_rows, trail, idx_shape, dtype, seed):
    rng = np.random.default_rng(seed)
    idx = rng.integers(-n_rows, n_rows, idx_shape)
    values = rng.standard_normal(tuple(idx_shape) + tuple(trail)).astype(dtype)
    want = rng.standard_normal((n_rows, *trail)).astype(dtype)
    got = want.copy()
    np.add.at(want, idx, values)
    assert add_rows_at(got, idx, values)
    np.testing.assert_array_equal(got, want)


def test_refusals_leave_the_buffer_alone():
    buf = np.zeros((3, 2))
    assert not add_rows_at(buf, np.array([0, 3]), np.ones((2, 2)))      # out of range
    assert not add_rows_at(buf, np.array([0, 1]), np.ones((2, 2), np.float32))   # dtype
    assert not add_rows_at(buf, np.array([0.0, 1.0]), np.ones((2, 2)))  # float index
    assert not add_rows_at(np.zeros((3, 2), np.int64), np.array([0]), np.ones((1, 2), np.int64))
    a = np.arange(8.0).reshape(4, 2)
    assert not add_rows_at(a, np.array([1, 0, 3, 2]), a)   # values overlapping buf: add.at's
    assert not buf.any()
    with pytest.raises(IndexError):   # the caller's fallback raises numpy's error
        np.add.at(buf, np.array([0, 3]), np.ones((2, 2)))
