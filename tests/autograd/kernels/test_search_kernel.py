"""kernels.search.search_rows: per-row numpy searchsorted on sorted NaN-free rows, and
torch's steps where numpy's differ (a NaN in the sequence, an unsorted row)."""
import numpy as np
import pytest

from autograd.kernels.search import search_rows


@pytest.mark.parametrize("rows,n,m", [(5, 9, 4), (1, 6, 7), (3, 0, 2), (0, 4, 3), (4, 1, 0)])
@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.uint8])
def test_rows_match_numpy_on_sorted_rows(rows, n, m, right, dtype):
    rng = np.random.default_rng(rows * 100 + n * 10 + m)
    seq = np.sort(rng.integers(0, 6, (rows, n)), -1).astype(dtype)
    values = rng.integers(0, 7, (rows, m)).astype(dtype)
    side = "right" if right else "left"
    want = np.array([np.searchsorted(a, b, side) for a, b in zip(seq, values)]).reshape(rows, m)
    got = search_rows(seq, values, right, np.int64)
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.int64 and got.shape == (rows, m)
    shuffled = rng.permuted(seq, axis=-1)   # the sorter reads through the permutation
    order = np.argsort(shuffled, -1, kind="stable")
    np.testing.assert_array_equal(search_rows(shuffled, values, right, np.int32, order), want)


def test_one_sequence_row_serves_every_values_row():
    seq = np.array([[1.0, 3.0, 5.0]])
    values = np.array([[0.0, 3.0], [4.0, 9.0], [5.0, 1.0]])
    np.testing.assert_array_equal(search_rows(seq, values, False, np.int64),
                                  [[0, 1], [2, 3], [2, 0]])


def test_nan_steps_as_torch():
    seq = np.array([[1.0, 2.0, np.nan, np.nan]])
    values = np.array([[0.0, 1.5, 5.0, np.nan, np.inf, -np.inf]])
    # the first probe (index 2) is NaN, which sends every search right: torch gives 4 for all
    for right in (False, True):
        np.testing.assert_array_equal(search_rows(seq, values, right, np.int64), [[4] * 6])
    seq = np.array([[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(search_rows(seq, np.array([[np.nan, -np.inf, np.inf]]),
                                              False, np.int64), [[3, 0, 3]])
