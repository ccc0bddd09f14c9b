"""random_split, Subset, ConcatDataset and DataLoader's PyTorch arguments (workers, samplers)."""
import warnings

import numpy as np
import pytest

import autograd
from autograd.data import (ConcatDataset, DataLoader, Subset, TensorDataset, random_split)

torch = pytest.importorskip("torch")
tud = torch.utils.data


def _data(n=10):
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    return x, np.arange(n, dtype=np.int64)


@pytest.mark.parametrize("n,lengths", [
    (10, [3, 7]), (10, [0.3, 0.7]), (30, [0.3, 0.3, 0.4]), (11, [0.5, 0.5]),
    (7, [0.1, 0.2, 0.7]), (5, [5, 0]), (3, [1.0]),
])
def test_random_split_lengths_match_torch_and_partition(n, lengths):
    ds = TensorDataset(*_data(n))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a split of length 0
        ours = random_split(ds, lengths, generator=np.random.default_rng(0))
        theirs = tud.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    indices = sorted(i for s in ours for i in s.indices)
    assert indices == list(range(n))  # disjoint and complete
    for s in ours:
        assert isinstance(s, Subset) and s.dataset is ds
        for j, i in enumerate(s.indices):
            assert int(s[j][1].item()) == i


def test_random_split_is_seeded_and_uses_the_global_generator():
    ds = list(range(20))
    a = random_split(ds, [5, 15], generator=np.random.default_rng(3))
    b = random_split(ds, [5, 15], generator=np.random.default_rng(3))
    assert a[0].indices == b[0].indices
    autograd.manual_seed(1)
    c = random_split(ds, [0.25, 0.75])
    autograd.manual_seed(1)
    d = random_split(ds, [0.25, 0.75])
    assert c[0].indices == d[0].indices and [len(c[0]), len(c[1])] == [5, 15]


def test_random_split_errors_like_torch():
    with pytest.raises(ValueError, match="does not equal the length"):
        tud.random_split(range(10), [3, 3])
    with pytest.raises(ValueError, match=r"random_split: sum of input lengths 6 does not equal "
                                         r"the length of the input dataset \(10\)"):
        random_split(list(range(10)), [3, 3])
    with pytest.raises(ValueError, match="fraction at index 0 is not between 0 and 1"):
        random_split(list(range(10)), [-0.5, 1.5])
    with pytest.warns(UserWarning, match="length of split at index 1 is 0"):
        random_split(list(range(2)), [0.9, 0.1])
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        random_split(list(range(4)), [2, 2], generator=5)


def test_subset_and_concat_match_torch():
    x, y = _data(6)
    ours = ConcatDataset([TensorDataset(x[:2], y[:2]), Subset(TensorDataset(x, y), [5, 3, 4])])
    theirs = tud.ConcatDataset([tud.TensorDataset(torch.tensor(x[:2]), torch.tensor(y[:2])),
                                tud.Subset(tud.TensorDataset(torch.tensor(x), torch.tensor(y)),
                                           [5, 3, 4])])
    assert len(ours) == len(theirs) == 5 and ours.cumulative_sizes == theirs.cumulative_sizes
    for i in range(-5, 5):
        for a, b in zip(ours[i], theirs[i]):
            np.testing.assert_array_equal(a.data, b.numpy())
            assert a.dtype == b.numpy().dtype
    with pytest.raises(ValueError, match="out of range"):
        ours[-6]
    with pytest.raises(IndexError, match="out of range"):
        ours[5]
    with pytest.raises(ValueError, match="empty"):
        ConcatDataset([])
    batches = list(DataLoader(ours, batch_size=2))
    np.testing.assert_array_equal(batches[1][1].data, [5, 3])
    assert batches[2][0].shape == (1, 2)


@pytest.mark.parametrize("workers,persistent", [(0, False), (2, False), (3, True)])
def test_workers_give_the_same_batches(workers, persistent):
    x, y = _data(23)
    calls = []
    kwargs = dict(num_workers=workers, persistent_workers=persistent, pin_memory=True,
                  worker_init_fn=calls.append, timeout=5)
    if workers:
        kwargs["prefetch_factor"] = 2
    loader = DataLoader(TensorDataset(x, y), batch_size=5, shuffle=True, seed=4, **kwargs)
    plain = DataLoader(TensorDataset(x, y), batch_size=5, shuffle=True, seed=4)
    for _ in range(2):
        for (a, b), (c, d) in zip(loader, plain, strict=True):
            np.testing.assert_array_equal(a.data, c.data)
            np.testing.assert_array_equal(b.data, d.data)
    assert calls == ([] if workers == 0 else [0] if persistent else [0, 0])


def test_samplers_like_torch():
    x, y = _data(10)
    order = [9, 0, 4, 4, 1]
    ours = DataLoader(TensorDataset(x, y), batch_size=2, sampler=order)
    theirs = tud.DataLoader(tud.TensorDataset(torch.tensor(x), torch.tensor(y)), batch_size=2,
                            sampler=order)
    assert len(ours) == len(theirs) == 3
    for (a, b), (c, d) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(b.data, d.numpy())
    batches = [[3, 1, 2], [0], [7, 7]]
    ours = DataLoader(TensorDataset(x, y), batch_sampler=batches)
    theirs = tud.DataLoader(tud.TensorDataset(torch.tensor(x), torch.tensor(y)),
                            batch_sampler=batches)
    assert len(ours) == len(theirs) == 3
    for (a, b), (c, d) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a.data, c.numpy())
        assert b.dtype == np.int64 and d.dtype == torch.int64


@pytest.mark.parametrize("kwargs,match", [
    (dict(num_workers=-1), "num_workers option should be non-negative"),
    (dict(prefetch_factor=2), "prefetch_factor option could only be specified"),
    (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
    (dict(sampler=[0, 1], shuffle=True), "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
    (dict(batch_sampler=[[0]], drop_last=True), "batch_sampler option is mutually exclusive"),
    (dict(timeout=-1), "timeout option should be non-negative"),
])
def test_argument_errors_like_torch(kwargs, match):
    x, y = _data(4)
    with pytest.raises(ValueError, match=match):
        tud.DataLoader(tud.TensorDataset(torch.tensor(x)), **kwargs)
    with pytest.raises(ValueError, match="DataLoader: " + match):
        DataLoader(TensorDataset(x, y), **kwargs)


def test_positional_arguments_follow_torch():
    x, y = _data(9)
    collate_calls = []

    def collate(samples):
        collate_calls.append(len(samples))
        return len(samples)

    # dataset, batch_size, shuffle, sampler, batch_sampler, num_workers, collate_fn,
    # pin_memory, drop_last
    loader = DataLoader(list(range(9)), 4, False, None, None, 0, collate, False, True)
    assert list(loader) == [4, 4] and collate_calls == [4, 4] and len(loader) == 2
