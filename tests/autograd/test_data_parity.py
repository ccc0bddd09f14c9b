"""autograd.data against torch.utils.data: collation types, the graph through datasets and
loaders, samplers, iterable-style datasets, StackDataset and autograd's Generator."""
import collections
import copy
import pickle

import numpy as np
import pytest

import autograd
from autograd import Tensor
from autograd import data as D
from autograd.generator import Generator

torch = pytest.importorskip("torch")
tud = torch.utils.data

Point = collections.namedtuple("Point", "x y")


def _plain(x):
    """A comparable form of a batch: Tensors -> ("T", dtype, values), containers by type."""
    if isinstance(x, Tensor):
        return "T", str(x.data.dtype), x.data.tolist()
    if isinstance(x, torch.Tensor):
        return "T", str(x.numpy().dtype), x.tolist()
    if isinstance(x, np.ndarray):
        return "ndarray", str(x.dtype), x.tolist()
    if isinstance(x, dict):
        return "dict", {k: _plain(v) for k, v in x.items()}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x).__name__, [_plain(v) for v in x]
    if isinstance(x, (list, tuple)):
        return type(x).__name__, [_plain(v) for v in x]
    return type(x).__name__, x


# ------------------------------------------------------------------ collation types
BATCHES = {
    "floats": [0.5, 1.5, 2.0],
    "ints": [1, 2, 3],
    "bools": [True, False],
    "ints_and_floats": [1, 2.5],
    "np_float32": [np.float32(1), np.float32(2)],
    "np_int32": [np.int32(1), np.int32(2)],
    "np_0d": [np.array(1.0), np.array(2.0)],
    "arrays": [np.ones((2, 3), np.float32), np.zeros((2, 3), np.float32)],
    "strings": ["a", "b", "c"],
    "bytes": [b"a", b"b"],
    "tuples_with_str": [("a", 1), ("b", 2)],
    "dicts": [{"s": "a", "v": 1.5, "n": 1}, {"s": "b", "v": 2.5, "n": 2}],
    "namedtuples": [Point(1, "a"), Point(2, "b")],
    "nested": [(np.zeros(2), {"k": [1.0, "z"]}), (np.ones(2), {"k": [2.0, "w"]})],
    "lists": [[1, 2], [3, 4]],
}


@pytest.mark.parametrize("name", list(BATCHES))
def test_default_collate_types_and_dtypes_match_torch(name):
    batch = BATCHES[name]
    assert _plain(D.default_collate(batch)) == _plain(tud.default_collate(batch))


@pytest.mark.parametrize("sample", [(np.zeros(2), 1, "a"), Point(np.zeros(1), 2),
                                    {"a": np.int32(3), "b": [np.ones(1), "s"]},
                                    np.array(["a"]), 2.5, "text"])
def test_default_convert_matches_torch(sample):
    ours, theirs = D.default_convert(sample), tud.default_convert(sample)
    if isinstance(sample, np.ndarray):     # a string array is left as it is
        assert ours is sample and theirs is sample
    else:
        assert _plain(ours) == _plain(theirs)


@pytest.mark.parametrize("batch,found", [
    ([np.array(["a"])], "<U1"), ([np.array([object()])], "object"),
    ([np.array([b"x"])], r"\|S1"), ([None], "NoneType"), ([1 + 2j], "complex")])
def test_default_collate_rejects_what_torch_rejects(batch, found):
    with pytest.raises(TypeError, match="batch must contain tensors, numpy arrays") as theirs:
        tud.default_collate(batch)
    with pytest.raises(TypeError, match=found) as ours:
        D.default_collate(batch)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("batch", [[1, "a"], [1.5, "x"], [2**70]])
def test_default_collate_of_bad_numbers_raises_torch_exception_type(batch):
    with pytest.raises((TypeError, ValueError)) as theirs:
        tud.default_collate(batch)
    with pytest.raises(theirs.type, match="cannot make a tensor of the numbers"):
        D.default_collate(batch)


def test_default_collate_ragged_sequences_are_an_error():
    with pytest.raises(RuntimeError, match="equal size"):
        tud.default_collate([[1, 2], [3]])
    with pytest.raises(ValueError, match=r"equal size, got lengths \[2, 1\]"):
        D.default_collate([[1, 2], [3]])


def test_loader_over_python_floats_gives_float64_like_torch():
    class Floats(D.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return i / 2, {"w": float(i)}

    tfloats = type("TFloats", (tud.Dataset,), {"__len__": Floats.__len__,
                                               "__getitem__": Floats.__getitem__})
    ours = list(D.DataLoader(Floats(), batch_size=2))
    theirs = list(tud.DataLoader(tfloats(), batch_size=2))
    assert [_plain(b) for b in ours] == [_plain(b) for b in theirs]
    assert ours[0][0].dtype == np.float64


# ------------------------------------------------------------------ the graph is kept
def test_tensor_dataset_samples_and_batches_keep_the_graph_like_torch():
    w0 = np.random.default_rng(0).standard_normal((6, 2))
    w, tw = autograd.tensor(w0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    ds, tds = D.TensorDataset(w), tud.TensorDataset(tw)
    assert ds.tensors[0] is w and tds.tensors[0] is tw
    assert ds[0][0].requires_grad and tds[0][0].requires_grad
    loader = D.DataLoader(ds, batch_size=4, sampler=[5, 1, 1, 0, 3])
    tloader = tud.DataLoader(tds, batch_size=4, sampler=[5, 1, 1, 0, 3])
    total, ttotal = ds[2][0].sum() * 3, tds[2][0].sum() * 3
    for (xb,), (txb,) in zip(loader, tloader, strict=True):
        assert xb.requires_grad and txb.requires_grad
        total = total + (xb * xb).sum()
        ttotal = ttotal + (txb * txb).sum()
    total.backward()
    ttotal.backward()
    np.testing.assert_allclose(w.grad.data, tw.grad.numpy())
    with autograd.no_grad():
        assert not ds[0][0].requires_grad and not next(iter(loader))[0].requires_grad


def test_default_collate_stacks_tensors_through_the_graph():
    w = autograd.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    batch = D.default_collate([(w[0], 1), (w[2] * 2, 2)])
    assert batch[0].requires_grad and batch[0].shape == (2, 2)
    batch[0].sum().backward()
    np.testing.assert_array_equal(w.grad.data, [[1, 1], [0, 0], [2, 2]])


def test_tensor_dataset_sees_later_changes_to_its_tensor():
    x = autograd.zeros(3, 2)
    ds = D.TensorDataset(x)
    x.data = np.ones((3, 2), np.float32)     # an optimizer step that rebinds .data
    assert ds[1][0].data.tolist() == [1.0, 1.0]


# ------------------------------------------------------------------ batches are lists
@pytest.mark.parametrize("kwargs", [dict(batch_size=3), dict(batch_size=None),
                                    dict(batch_sampler=[[0, 2], [1]])])
def test_tensor_dataset_batches_have_torch_container_types(kwargs):
    x, y = np.arange(8.0).reshape(4, 2), np.arange(4)
    ours = list(D.DataLoader(D.TensorDataset(x, y), **kwargs))
    theirs = list(tud.DataLoader(tud.TensorDataset(torch.tensor(x), torch.tensor(y)),
                                 **kwargs))
    assert [_plain(b) for b in ours] == [_plain(b) for b in theirs]


def test_subclassed_tensor_dataset_goes_through_its_own_getitem():
    class Doubled(D.TensorDataset):
        def __getitem__(self, i):
            (x,) = super().__getitem__(i)
            return (x * 2,)

    (xb,) = next(iter(D.DataLoader(Doubled(np.arange(3.0)), batch_size=3)))
    assert xb.data.tolist() == [0.0, 2.0, 4.0]


# ------------------------------------------------------------------ samplers
def test_sequential_and_batch_samplers_match_torch():
    assert list(D.SequentialSampler(range(5))) == list(tud.SequentialSampler(range(5)))
    for n in range(0, 12):
        for bs in (1, 3, 4):
            for drop in (False, True):
                ours = D.BatchSampler(D.SequentialSampler(range(n)), bs, drop)
                theirs = tud.BatchSampler(tud.SequentialSampler(range(n)), bs, drop)
                assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("make", [
    lambda m: m.BatchSampler(range(3), 0, False), lambda m: m.BatchSampler(range(3), True, False),
    lambda m: m.BatchSampler(range(3), 2, 1), lambda m: m.RandomSampler(range(3), 1),
    lambda m: m.RandomSampler(range(3), num_samples=0), lambda m: m.RandomSampler([]),
    lambda m: m.WeightedRandomSampler([1.0], 0), lambda m: m.WeightedRandomSampler([1.0], 1, 1),
    lambda m: m.WeightedRandomSampler([[1.0]], 1)])
def test_sampler_argument_errors_like_torch(make):
    with pytest.raises((TypeError, ValueError)) as theirs:
        make(tud)
    with pytest.raises(theirs.type) as ours:
        make(D)
    name = str(theirs.value).split(" ")[0]       # the argument torch names
    assert name in str(ours.value)


def test_random_sampler_is_a_seeded_permutation():
    ds = list(range(50))
    a = list(D.RandomSampler(ds, generator=Generator().manual_seed(4)))
    b = list(D.RandomSampler(ds, generator=Generator().manual_seed(4)))
    c = list(D.RandomSampler(ds, generator=Generator().manual_seed(5)))
    assert a == b != c and sorted(a) == ds and a != ds
    sampler = D.RandomSampler(ds, generator=Generator().manual_seed(4))
    assert list(sampler) == a and list(sampler) != a        # a new order every pass
    autograd.manual_seed(8)
    d = list(D.RandomSampler(ds))
    autograd.manual_seed(8)
    assert list(D.RandomSampler(ds)) == d


def test_random_sampler_num_samples_and_replacement_like_torch():
    ds = list(range(7))
    for m, g in ((D, Generator().manual_seed(0)), (tud, torch.Generator().manual_seed(0))):
        more = list(m.RandomSampler(ds, num_samples=17, generator=g))
        assert len(more) == len(m.RandomSampler(ds, num_samples=17)) == 17
        assert sorted(more[:7]) == sorted(more[7:14]) == ds and set(more[14:]) <= set(ds)
        drawn = list(m.RandomSampler(ds, replacement=True, num_samples=400, generator=g))
        assert len(drawn) == 400 and set(drawn) == set(ds)       # repeats, every index hit


def test_subset_random_sampler_permutes_the_indices():
    idx = [3, 9, 4, 11]
    for m, g in ((D, Generator().manual_seed(1)), (tud, torch.Generator().manual_seed(1))):
        orders = [tuple(m.SubsetRandomSampler(idx, generator=g)) for _ in range(20)]
        assert all(sorted(o) == sorted(idx) for o in orders) and len(set(orders)) > 1
        assert len(m.SubsetRandomSampler(idx)) == 4


def test_weighted_random_sampler_frequencies():
    weights = [0.1, 0.0, 0.3, 0.6]
    for m, g in ((D, Generator().manual_seed(2)), (tud, torch.Generator().manual_seed(2))):
        s = m.WeightedRandomSampler(weights, 20000, generator=g)
        counts = np.bincount(list(s), minlength=4) / 20000
        np.testing.assert_allclose(counts, weights, atol=0.015)
        once = list(m.WeightedRandomSampler(weights, 3, replacement=False, generator=g))
        assert sorted(once) == [0, 2, 3] and len(s) == 20000
    s = D.WeightedRandomSampler(autograd.tensor(weights), 5, generator=Generator())
    assert s.weights.dtype == np.float64 and list(s) == list(
        D.WeightedRandomSampler(weights, 5, generator=Generator()))


def test_loader_builds_torch_samplers_and_accepts_them():
    x = np.arange(10.0)
    loader = D.DataLoader(D.TensorDataset(x), batch_size=4, drop_last=True)
    assert isinstance(loader.sampler, D.SequentialSampler)
    assert isinstance(loader.batch_sampler, D.BatchSampler) and len(loader) == 2
    shuffled = D.DataLoader(D.TensorDataset(x), batch_size=4, shuffle=True, seed=0)
    assert isinstance(shuffled.sampler, D.RandomSampler)
    sampler = D.BatchSampler(D.SequentialSampler(x), 3, False)
    ours = D.DataLoader(D.TensorDataset(x), batch_sampler=sampler)
    theirs = tud.DataLoader(tud.TensorDataset(torch.tensor(x)),
                            batch_sampler=tud.BatchSampler(tud.SequentialSampler(x), 3, False))
    assert [_plain(b) for b in ours] == [_plain(b) for b in theirs] and len(ours) == 4
    g = Generator().manual_seed(6)
    a = [b[0].data.tolist() for b in D.DataLoader(
        D.TensorDataset(x), batch_size=5, sampler=D.RandomSampler(x, generator=g))]
    assert sorted(sum(a, [])) == x.tolist()


def test_shuffle_with_a_generator_equals_shuffle_with_its_seed():
    x = np.arange(30)

    def order(**kw):
        loader = D.DataLoader(D.TensorDataset(x), batch_size=4, shuffle=True, **kw)
        return [np.concatenate([b[0].data for b in loader]).tolist() for _ in range(2)]

    assert order(seed=7) == order(generator=Generator().manual_seed(7)) \
        == order(generator=np.random.default_rng(7))


# ------------------------------------------------------------------ iterable-style datasets
def _streams(n, with_len=True):
    body = {"__iter__": lambda self: iter([np.full(2, i, np.float32) for i in range(n)])}
    if with_len:
        body["__len__"] = lambda self: n
    return (type("Stream", (D.IterableDataset,), dict(body))(),
            type("TStream", (tud.IterableDataset,), dict(body))())


@pytest.mark.parametrize("kwargs", [dict(batch_size=3), dict(batch_size=3, drop_last=True),
                                    dict(batch_size=None), dict(batch_size=7),
                                    dict(batch_size=2, shuffle=False)])
def test_loader_over_an_iterable_dataset_matches_torch(kwargs):
    ours, theirs = _streams(7)
    a, b = D.DataLoader(ours, **kwargs), tud.DataLoader(theirs, **kwargs)
    assert [_plain(x) for x in a] == [_plain(x) for x in b] and len(a) == len(b)
    assert [_plain(x) for x in a] == [_plain(x) for x in b]        # a second epoch


@pytest.mark.parametrize("kwargs,name", [(dict(shuffle=True), "shuffle"),
                                         (dict(sampler=[0]), "sampler"),
                                         (dict(batch_sampler=[[0]]), "batch_sampler")])
def test_iterable_dataset_refuses_orderings_like_torch(kwargs, name):
    ours, theirs = _streams(3)
    msg = f"with IterableDataset: expected unspecified {name} option"
    with pytest.raises(ValueError, match=msg):
        tud.DataLoader(theirs, **kwargs)
    with pytest.raises(ValueError, match=msg):
        D.DataLoader(ours, **kwargs)


def test_iterable_dataset_without_len():
    ours, theirs = _streams(3, with_len=False)
    with pytest.raises(TypeError):
        len(tud.DataLoader(theirs))
    with pytest.raises(TypeError):
        len(D.DataLoader(ours))
    assert len(list(D.DataLoader(ours, batch_size=2))) == 2


def test_chain_and_concat_by_plus_match_torch():
    (a, ta), (b, tb) = _streams(2), _streams(3)
    chain, tchain = a + b, ta + tb
    assert isinstance(chain, D.ChainDataset) and isinstance(tchain, tud.ChainDataset)
    assert [_plain(s) for s in chain] == [_plain(s) for s in tchain] and len(chain) == 5
    m1, m2 = D.TensorDataset(np.arange(2)), D.TensorDataset(np.arange(3))
    both = m1 + m2
    assert isinstance(both, D.ConcatDataset) and len(both) == 5 and both[3][0].item() == 1
    with pytest.raises(TypeError, match="ChainDataset only supports IterableDataset"):
        list(D.ChainDataset([a, m1]))
    with pytest.raises(TypeError, match="ConcatDataset does not support IterableDataset"):
        D.ConcatDataset([m1, a])


def test_stack_dataset_matches_torch():
    x, y = np.arange(8.0).reshape(4, 2), np.arange(4)
    ours = D.StackDataset(D.TensorDataset(x), D.Subset(D.TensorDataset(y), [3, 2, 1, 0]))
    theirs = tud.StackDataset(tud.TensorDataset(torch.tensor(x)),
                              tud.Subset(tud.TensorDataset(torch.tensor(y)), [3, 2, 1, 0]))
    assert len(ours) == len(theirs) == 4 and _plain(ours[1]) == _plain(theirs[1])
    assert [_plain(b) for b in D.DataLoader(ours, batch_size=3)] == \
        [_plain(b) for b in tud.DataLoader(theirs, batch_size=3)]
    named = D.StackDataset(a=D.TensorDataset(x), b=list(range(4)))
    tnamed = tud.StackDataset(a=tud.TensorDataset(torch.tensor(x)), b=list(range(4)))
    assert [_plain(b) for b in D.DataLoader(named, batch_size=2)] == \
        [_plain(b) for b in tud.DataLoader(tnamed, batch_size=2)]
    for args, kwargs, match in [((), {}, "at least one"), (([1],), {"b": [1]}, "both"),
                                (([1], [1, 2]), {}, "mismatch")]:
        with pytest.raises(ValueError):
            tud.StackDataset(*args, **kwargs)
        with pytest.raises(ValueError, match=match):
            D.StackDataset(*args, **kwargs)


def test_subscripted_base_classes_can_be_subclassed_as_in_torch():
    class Evens(D.Sampler[int]):
        def __iter__(self):
            return iter([0, 2])

    class Items(D.Dataset[tuple]):
        def __getitem__(self, i):
            return (i, float(i))

    batch = next(iter(D.DataLoader(Items(), batch_size=2, sampler=Evens())))
    assert _plain(batch) == ("list", [("T", "int64", [0, 2]), ("T", "float64", [0.0, 2.0])])


def test_get_worker_info_is_none_in_the_main_process():
    assert D.get_worker_info() is None and tud.get_worker_info() is None
    import autograd.utils.data as U
    assert U.get_worker_info is D.get_worker_info and U.WeightedRandomSampler is \
        D.WeightedRandomSampler and U.IterableDataset is D.IterableDataset


# ------------------------------------------------------------------ autograd.Generator
def test_generator_api_like_torch():
    g, tg = Generator(), torch.Generator()
    assert g.initial_seed() == tg.initial_seed()
    assert g.manual_seed(3) is g and tg.manual_seed(3) is tg and g.initial_seed() == 3
    assert g.manual_seed(-1).initial_seed() == tg.manual_seed(-1).initial_seed() == 2**64 - 1
    assert str(g.device) == str(tg.device) == "cpu"
    s = g.seed()
    assert g.initial_seed() == s and 0 <= s < 2**64
    state = g.get_state()
    a = autograd.randn(5, generator=g).data
    assert g.set_state(state) is g and np.array_equal(autograd.randn(5, generator=g).data, a)
    other = Generator().set_state(state)
    assert other.initial_seed() == s and np.array_equal(autograd.randn(5, generator=other).data, a)
    with pytest.raises(TypeError, match="seed must be an int, got float"):
        g.manual_seed(1.5)
    with pytest.raises(TypeError, match="seed must be an int, got bool"):
        g.manual_seed(True)
    with pytest.raises(ValueError, match="outside"):
        g.manual_seed(2**64)
    with pytest.raises(TypeError, match="Generator.set_state: expected a dict"):
        g.set_state(5)
    with pytest.raises(ValueError, match="Generator.set_state"):
        g.set_state({"bit_generator": "PCG64", "state": {"x": 1}})


def test_generator_is_accepted_by_every_random_factory():
    def draws(g):
        t = autograd.zeros(4)
        return [autograd.randn(3, generator=g), autograd.rand(3, generator=g),
                autograd.randint(0, 9, (3,), generator=g), autograd.randperm(6, generator=g),
                t.normal_(generator=g), autograd.zeros(3).uniform_(generator=g),
                autograd.tensor([0.2, 0.8]).multinomial(4, True, generator=g),
                [s.indices for s in D.random_split(range(8), [3, 5], generator=g)],
                list(D.RandomSampler(range(5), generator=g))]

    def plain(items):
        return [i.data.tolist() if isinstance(i, Tensor) else i for i in items]

    a = plain(draws(Generator().manual_seed(11)))
    assert a == plain(draws(Generator().manual_seed(11))) == plain(draws(
        np.random.default_rng(11)))              # the same stream as numpy's for that seed
    assert a != plain(draws(Generator().manual_seed(12)))


def test_engine_manual_seed_returns_a_generator_with_the_same_stream():
    g = autograd.manual_seed(21)
    assert isinstance(g, Generator) and g.initial_seed() == 21
    a = autograd.randn(4).data
    assert np.array_equal(autograd.randn(4, generator=Generator().manual_seed(21)).data, a)
    state = autograd.get_rng_state()
    b = autograd.randn(3).data
    autograd.set_rng_state(state)
    assert np.array_equal(autograd.randn(3).data, b)


def test_generator_survives_pickle_and_copy():
    g = Generator().manual_seed(9)
    g.random(3)
    for h in (pickle.loads(pickle.dumps(g)), copy.deepcopy(g)):
        assert type(h) is Generator and h.initial_seed() == 9
        assert np.array_equal(h.random(4), copy.deepcopy(g).random(4))


def test_loader_and_split_name_generator_errors():
    with pytest.raises(TypeError, match="DataLoader: generator must be an autograd.Generator"):
        D.DataLoader(D.TensorDataset(np.zeros(3)), shuffle=True, generator=torch.Generator())
    with pytest.raises(TypeError, match="RandomSampler: generator must be"):
        D.RandomSampler(range(3), generator=3)


def test_shuffle_order_is_the_one_seeded_loaders_always_gave():
    # one permutation per epoch and nothing else drawn: benchmarks seeded before the samplers
    # existed replay the same batches
    x = np.arange(23)
    rng = np.random.default_rng(5)
    expected = [rng.permutation(23).tolist() for _ in range(3)]
    after = rng.standard_normal(2).astype(np.float32)

    def epochs(loader):
        return [np.concatenate([b[0].data for b in loader]).tolist() for _ in range(3)]

    assert epochs(D.DataLoader(D.TensorDataset(x), batch_size=4, shuffle=True, seed=5)) \
        == expected
    loader = D.DataLoader(D.TensorDataset(x), batch_size=4, shuffle=True, drop_last=True)
    autograd.manual_seed(5)
    got = epochs(loader)
    assert got == [e[:20] for e in expected]
    np.testing.assert_array_equal(autograd.randn(2).data, after)
