"""searchsorted / bucketize against torch, value for value: batched sequences, both sides,
sorter, out_int32, NaN and inf on either side, unsorted rows, mixed dtypes, empty shapes and
numbers as values."""
import numpy as np
import pytest

import autograd as ag
from tests.helpers import same_exact as same

torch = pytest.importorskip("torch")

SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0])


def both(seq, values, **kwargs):
    """(ours, torch's) for the same call; numbers stay numbers."""
    def lib(L, wrap):
        kw = {k: wrap(v) if k == "sorter" else v for k, v in kwargs.items()}
        vals = values if np.ndim(values) == 0 and not isinstance(values, np.ndarray) \
            else wrap(values)
        return L.searchsorted(wrap(seq), vals, **kw)
    return lib(ag, ag.tensor), lib(torch, torch.tensor)


def _draw(rng, shape, dtype, specials):
    x = rng.integers(-3, 4, shape).astype(np.float64)
    if specials:
        x = np.where(rng.random(shape) < 0.3, rng.choice(SPECIAL, shape), x)
    return x.astype(dtype)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.uint8])
def test_batched_rows_match_torch(seed, dtype):
    rng = np.random.default_rng(seed)
    specials = np.dtype(dtype).kind == "f" and seed % 2 == 0   # NaN, inf, -0.0 mixed in
    for lead in [(5,), (2, 3), (1,), (0,), (3, 0)]:
        n, m = int(rng.integers(0, 8)), int(rng.integers(0, 5))
        seq = np.sort(_draw(rng, lead + (n,), np.float64, specials), -1).astype(dtype)
        values = _draw(rng, lead + (m,), dtype, specials)
        for kwargs in [{}, {"right": True}, {"side": "right"}, {"side": "left"},
                       {"out_int32": True, "right": True}]:
            same(*both(seq, values, **kwargs))


@pytest.mark.parametrize("right", [False, True])
def test_sorter_and_unsorted_rows_match_torch(right):
    rng = np.random.default_rng(7)
    seq = _draw(rng, (4, 3, 6), np.float64, specials=True)   # unsorted, with NaNs
    values = _draw(rng, (4, 3, 5), np.float64, specials=True)
    same(*both(seq, values, right=right))   # torch's binary-search steps, not numpy's answer
    order = np.argsort(seq, -1).astype(np.int64)
    same(*both(seq, values, right=right, sorter=order))
    same(*both(seq[0, 0], values, right=right, sorter=order[0, 0]))


def test_nan_in_the_sequence_as_torch_not_numpy():
    seq, values = np.array([1.0, 2.0, np.nan, np.nan]), np.array([0.0, 1.5, 5.0, np.nan])
    ours, theirs = both(seq, values)
    same(ours, theirs)
    assert ours.tolist() == [4, 4, 4, 4]   # numpy: [0, 1, 2, 2]
    same(*both(np.array([[1.0, 2.0, 3.0]] * 2), np.array([[np.nan, np.inf], [-np.inf, 2.0]])))


def test_one_dimensional_sequence_with_any_values_and_numbers():
    rng = np.random.default_rng(3)
    seq = np.sort(rng.standard_normal(9))
    for values in [rng.standard_normal((2, 3, 4)), rng.standard_normal(0), np.array(0.25), 0.25,
                   -7, 100.0]:
        for kwargs in [{}, {"right": True, "out_int32": True}]:
            same(*both(seq, values, **kwargs))
    same(*both(np.zeros(0), 1.0))


def test_mixed_dtypes_compare_in_torchs_promoted_dtype():
    # in float32 16777217 rounds to 16777216, so right=True passes both equal entries
    same(*both(np.array([[16777216, 16777217, 16777218]]), np.array([[16777216.0]], np.float32),
               right=True))
    same(*both(np.array([16777216, 16777217, 16777218]), np.array([16777216.0], np.float32),
               right=True))
    same(*both(np.array([[0.1]], np.float32), np.array([[0.1]])))
    same(*both(np.array([0.1], np.float32), 0.1))
    same(*both(np.array([1, 2, 3]), 2.5))
    same(*both(np.array([[1, 2, 3]], np.int8), np.array([[2]], np.uint8), right=True))


def test_refusals_as_torch():
    for seq, values, kwargs, match in [
            ([[1.0, 2.0]], [[1.0]], {"sorter": [[0, 2]]}, "sorter index out of range"),
            ([[1.0, 2.0]], [[1.0]], {"sorter": [[0, -1]]}, "sorter index out of range"),
            ([True, False], [True], {}, "not implemented")]:
        for L in (torch, ag):
            with pytest.raises(RuntimeError, match=match):
                L.searchsorted(L.tensor(seq), L.tensor(values),
                               **{k: L.tensor(v) for k, v in kwargs.items()})


@pytest.mark.parametrize("right", [False, True])
def test_bucketize_matches_torch(right):
    rng = np.random.default_rng(11)
    b = np.sort(_draw(rng, (7,), np.float64, specials=True))
    x = _draw(rng, (3, 4, 5), np.float64, specials=True)
    same(ag.bucketize(ag.tensor(x), ag.tensor(b), right=right),
         torch.bucketize(torch.tensor(x), torch.tensor(b), right=right))
    same(ag.bucketize(0.5, ag.tensor(b), right=right, out_int32=True),
         torch.bucketize(0.5, torch.tensor(b), right=right, out_int32=True))
