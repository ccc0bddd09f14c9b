"""Dataset, TensorDataset and DataLoader: batch shapes, dtypes, coverage, seeded shuffling."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Tensor
from autograd.data import DataLoader, Dataset, TensorDataset, default_collate


def _xy(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    return x, y


def test_tensor_dataset_items_are_tensors_of_row_i():
    x, y = _xy()
    ds = TensorDataset(Tensor(x), y)
    assert len(ds) == 10
    xi, yi = ds[4]
    assert isinstance(xi, Tensor) and isinstance(yi, Tensor)
    np.testing.assert_array_equal(xi.data, x[4])
    assert yi.item() == 4 and yi.dtype == np.int64


def test_tensor_dataset_rejects_mismatched_first_dims():
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(4,\)"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()


@settings(deadline=None, max_examples=40)
@given(n=st.integers(0, 37), bs=st.integers(1, 12), drop_last=st.booleans(),
       shuffle=st.booleans())
def test_batches_cover_the_dataset_once(n, bs, drop_last, shuffle):
    x, y = _xy(n)
    loader = DataLoader(TensorDataset(x, y), batch_size=bs, shuffle=shuffle,
                        drop_last=drop_last, seed=3)
    batches = list(loader)
    assert len(batches) == len(loader) == (n // bs if drop_last else -(-n // bs))
    seen = np.concatenate([yb.data for _, yb in batches]) if batches else np.array([], np.int64)
    for xb, yb in batches:
        assert xb.shape[1:] == (3,) and xb.dtype == np.float32 and yb.dtype == np.int64
        assert xb.shape[0] == yb.shape[0] <= bs
        np.testing.assert_array_equal(xb.data, x[yb.data])     # rows stay paired
    if drop_last:
        assert all(xb.shape[0] == bs for xb, _ in batches)
        assert len(set(seen.tolist())) == len(seen) == (n // bs) * bs
    else:
        np.testing.assert_array_equal(np.sort(seen), np.arange(n))
    if not shuffle:
        np.testing.assert_array_equal(seen, np.arange(len(seen)))


def test_same_seed_same_epochs_and_epochs_differ():
    x, y = _xy(50)

    def epochs(loader, k=3):
        return [np.concatenate([yb.data for _, yb in loader]) for _ in range(k)]

    a = epochs(DataLoader(TensorDataset(x, y), batch_size=7, shuffle=True, seed=11))
    b = epochs(DataLoader(TensorDataset(x, y), batch_size=7, shuffle=True,
                          generator=np.random.default_rng(11)))
    for ea, eb in zip(a, b):
        np.testing.assert_array_equal(ea, eb)
    assert not np.array_equal(a[0], a[1])
    c = epochs(DataLoader(TensorDataset(x, y), batch_size=7, shuffle=True, seed=12), 1)
    assert not np.array_equal(a[0], c[0])


def test_global_seed_drives_shuffle_without_a_generator():
    x, y = _xy(40)
    loader = DataLoader(TensorDataset(x, y), batch_size=40, shuffle=True)
    autograd.manual_seed(5)
    first = next(iter(loader))[1].data.copy()
    autograd.manual_seed(5)
    again = next(iter(loader))[1].data
    np.testing.assert_array_equal(first, again)


class Squares(Dataset):
    def __len__(self):
        return 9

    def __getitem__(self, i):
        return {"x": np.full(2, i, np.float64), "y": i * i, "w": float(i)}


def test_generic_dataset_is_collated_field_by_field():
    batches = list(DataLoader(Squares(), batch_size=4))
    assert [b["x"].shape for b in batches] == [(4, 2), (4, 2), (1, 2)]
    assert batches[0]["x"].dtype == np.float64            # ndarrays keep their dtype
    assert batches[0]["w"].dtype == np.float64            # Python floats: float64, as torch
    assert batches[0]["y"].dtype == np.int64
    np.testing.assert_array_equal(batches[1]["y"].data, [16, 25, 36, 49])


def test_custom_collate_fn_is_used():
    loader = DataLoader(Squares(), batch_size=3, collate_fn=lambda s: len(s))
    assert list(loader) == [3, 3, 3]


def test_default_collate_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"different shapes.*\(2,\).*\(3,\)"):
        default_collate([np.zeros(2), np.zeros(3)])
    assert default_collate(["a", "b"]) == ["a", "b"]      # strings pass through, as torch
    with pytest.raises(TypeError, match="<U1"):
        default_collate([np.array(["a"]), np.array(["b"])])


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_bad_batch_size_is_a_clear_error(bad):
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(TensorDataset(*_xy()), batch_size=bad)


def test_bad_generator_arguments():
    ds = TensorDataset(*_xy())
    with pytest.raises(ValueError, match="either generator or seed"):
        DataLoader(ds, shuffle=True, seed=1, generator=np.random.default_rng(1))
    with pytest.raises(TypeError, match="Generator"):
        DataLoader(ds, shuffle=True, generator=1)
    with pytest.raises(TypeError, match="__getitem__"):
        DataLoader(5)


def test_loader_feeds_a_training_step():
    x, y = _xy(8)
    w = Tensor(np.ones((3, 1), np.float32), requires_grad=True)
    for xb, _ in DataLoader(TensorDataset(x, y), batch_size=4):
        (xb @ w).sum().backward()
    np.testing.assert_allclose(w.grad.data[:, 0], x.sum(0))


def test_batch_size_none_yields_samples_one_at_a_time_as_torch():
    torch = pytest.importorskip("torch")
    x, y = _xy(5)

    class Pairs(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": x[i], "y": y[i], "name": f"s{i}", "w": float(i)}

    ours = list(DataLoader(Pairs(), batch_size=None))
    theirs = list(torch.utils.data.DataLoader(Pairs(), batch_size=None))
    assert len(ours) == len(theirs) == len(DataLoader(Pairs(), batch_size=None)) == 5
    for a, b in zip(ours, theirs):
        assert isinstance(a["x"], Tensor) and a["x"].shape == tuple(b["x"].shape) == (3,)
        np.testing.assert_array_equal(a["x"].data, b["x"].numpy())
        assert a["y"].dtype == np.int64 and a["y"].shape == () and int(a["y"]) == int(b["y"])
        assert a["name"] == b["name"] and a["w"] == b["w"]      # left as they are
    samples = list(DataLoader(TensorDataset(x, y), batch_size=None, shuffle=True, seed=0))
    assert sorted(int(s[1]) for s in samples) == list(range(5))
    assert all(s[0].shape == (3,) for s in samples)
    with pytest.raises(ValueError, match="drop_last"):
        DataLoader(TensorDataset(x, y), batch_size=None, drop_last=True)
