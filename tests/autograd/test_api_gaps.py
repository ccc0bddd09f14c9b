"""functional_torch_more against torch: broadcast_shapes, result_type / promote_types /
can_cast over every pair of dtypes, asarray's aliasing rules, scalar_tensor, the seed and
default-device functions, rsub / fill / masked_fill / detach, searchsorted / bucketize,
histogram, concatenate, torch's top-level in-place forms and the dtype names int, short,
dtype."""
import warnings

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings

import autograd as ag
from tests.helpers import check_against_torch
from tests.helpers import same_exact as same

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(5)
DTYPES = [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64, np.float32, np.float64]


def tdt(dtype):
    return torch.from_numpy(np.zeros(0, dtype)).dtype


def npdt(tdtype):
    return torch.zeros(0, dtype=tdtype).numpy().dtype


# ----------------------------------------------------------------- shapes and dtypes
@pytest.mark.parametrize("shapes", [((2, 1), (3,)), (2, (3, 1)), (), ((1, 4), [2, 1], 4),
                                    ((0, 1), (3,)), ((5,),)])
def test_broadcast_shapes(shapes):
    ours = ag.broadcast_shapes(*shapes)
    assert ours == tuple(torch.broadcast_shapes(*shapes)) and isinstance(ours, ag.Size)


@settings(deadline=None, max_examples=60)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=4,
                                                min_side=0, max_side=3))
def test_broadcast_shapes_property(shapes):
    """Any shapes numpy broadcasts: the same result as torch; sum_to_size undoes the
    expand, with torch's values and gradients."""
    ins, out = shapes.input_shapes, shapes.result_shape
    assert ag.broadcast_shapes(*ins) == tuple(torch.broadcast_shapes(*ins)) == out
    big = RNG.standard_normal(out)
    check_against_torch(lambda x: x.sum_to_size(ins[0]), lambda x: x.sum_to_size(ins[0]),
                        big)


def test_broadcast_shapes_refusals():
    with pytest.raises(RuntimeError, match="Mismatching argument at index 1"):
        ag.broadcast_shapes((2,), (3,))
    with pytest.raises(ValueError, match="negative length"):
        ag.broadcast_shapes((-1,))


@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("b", DTYPES)
def test_promote_types_and_can_cast_match_torch(a, b):
    assert ag.promote_types(a, b) == npdt(torch.promote_types(tdt(a), tdt(b)))
    assert ag.can_cast(a, b) == torch.can_cast(tdt(a), tdt(b))


OPERANDS = [lambda L: L.tensor([1, 2]), lambda L: L.tensor([1.0, 2.0]),
            lambda L: L.tensor([1.0], dtype=L.float64), lambda L: L.tensor(1.0, dtype=L.float64),
            lambda L: L.tensor(3), lambda L: L.tensor([True]),
            lambda L: L.tensor([1], dtype=L.int32), lambda L: 2, lambda L: 2.5, lambda L: True]


@pytest.mark.parametrize("i", range(len(OPERANDS)))
@pytest.mark.parametrize("j", range(len(OPERANDS)))
def test_result_type_matches_torch(i, j):
    ours = ag.result_type(OPERANDS[i](ag), OPERANDS[j](ag))
    assert ours == npdt(torch.result_type(OPERANDS[i](torch), OPERANDS[j](torch)))


def test_dtype_names():
    assert ag.int == np.int32 and ag.short == np.int16
    assert isinstance(ag.float32, ag.dtype) and isinstance(ag.ones(2).dtype, ag.dtype)
    assert ag.ones(2, dtype=ag.int).dtype == np.int32


# ----------------------------------------------------------------- constructors
def test_asarray_aliases_as_torch():
    t = ag.ones(3, requires_grad=True)
    assert ag.asarray(t) is t and ag.asarray(t, requires_grad=True) is t
    y = t * 2
    assert ag.asarray(y) is y
    d = ag.asarray(t, requires_grad=False)
    assert not d.requires_grad and d.data_ptr() == t.data_ptr()
    c = ag.asarray(t, copy=True)
    assert not c.requires_grad and c.data_ptr() != t.data_ptr()
    assert ag.asarray(t, dtype=ag.float64).dtype == np.float64
    with pytest.raises(ValueError, match="can't alias"):
        ag.asarray(t, dtype=ag.float64, copy=False)
    a = np.ones(3)
    shared = ag.asarray(a)
    a[0] = 5
    assert shared.data[0] == 5 and shared.dtype == np.float64
    assert ag.asarray(a, copy=True).data_ptr() != shared.data_ptr()
    with pytest.raises(ValueError, match="arbitrary sequence"):
        ag.asarray([1, 2], copy=False)


@pytest.mark.parametrize("obj", [[1, 2.5], 3, np.float64(3), [True, False], [[1, 2]], 2.5])
def test_asarray_of_data_takes_tensors_dtypes(obj):
    same(ag.asarray(obj), torch.asarray(obj))
    same(ag.asarray(obj, dtype=ag.float64), torch.asarray(obj, dtype=torch.float64))


def test_asarray_requires_grad_and_tensor_lists():
    x = ag.asarray([1.0, 2.0], requires_grad=True)
    assert x.requires_grad and x.is_leaf
    with pytest.raises(TypeError):
        ag.asarray([1, 2], requires_grad=True)
    same(ag.asarray([ag.tensor(1.0), ag.tensor(2.0)]),
         torch.asarray([torch.tensor(1.0), torch.tensor(2.0)]))


@pytest.mark.parametrize("s", [3, True, 2.5, -1])
def test_scalar_tensor(s):
    same(ag.scalar_tensor(s), torch.scalar_tensor(s))
    same(ag.scalar_tensor(s, dtype=ag.int64), torch.scalar_tensor(s, dtype=torch.int64))
    with pytest.raises(TypeError):
        ag.scalar_tensor("1")


def test_concatenate():
    xs = [RNG.standard_normal((2, 3)), RNG.standard_normal((1, 3))]
    check_against_torch(lambda a, b: ag.concatenate([a, b]),
                        lambda a, b: torch.concatenate([a, b]), *xs)
    check_against_torch(lambda a, b: ag.concatenate((a.T, b.T), axis=1),
                        lambda a, b: torch.concatenate((a.T, b.T), axis=1), *xs)
    check_against_torch(lambda a, b: ag.concatenate([a, b], dim=-2),
                        lambda a, b: torch.concatenate([a, b], dim=-2), *xs)


# ----------------------------------------------------------------- seeds and devices
def test_seeds():
    ag.manual_seed(1234)
    assert ag.initial_seed() == 1234
    s = ag.seed()
    assert isinstance(s, int) and 0 <= s < 2 ** 64 and ag.initial_seed() == s
    first = ag.rand(3).data
    ag.manual_seed(s)
    np.testing.assert_array_equal(ag.rand(3).data, first)


def test_default_device_is_the_cpu():
    assert ag.get_default_device() == ag.device("cpu")
    ag.set_default_device("cpu")
    ag.set_default_device(ag.device("cpu"))
    ag.set_default_device(None)
    assert ag.get_default_device() == ag.device("cpu")
    with pytest.raises(RuntimeError, match="not available"):
        ag.set_default_device("cuda")


# ----------------------------------------------------------------- values
def test_rsub_fill_masked_fill_detach():
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal(3)
    check_against_torch(lambda x, y: ag.rsub(x, y, alpha=2), lambda x, y: torch.rsub(
        x, y, alpha=2), a, b)
    check_against_torch(lambda x: ag.rsub(x, 3.0), lambda x: torch.rsub(x, 3.0), a)
    same(ag.rsub(ag.tensor([1, 2]), 3), torch.rsub(torch.tensor([1, 2]), 3))
    same(ag.rsub(ag.tensor([1, 2]), 3.5, alpha=2), torch.rsub(torch.tensor([1, 2]), 3.5,
                                                               alpha=2))
    check_against_torch(lambda x, v: ag.fill(x, v.sum()), lambda x, v: torch.fill(x, v.sum()),
                        a, b)
    same(ag.fill(ag.tensor([1, 2]), 3.7), torch.fill(torch.tensor([1, 2]), 3.7))
    with pytest.raises(RuntimeError, match="0-dimension value tensor"):
        ag.fill(ag.ones(2), ag.ones(1))
    mask = a > 0
    check_against_torch(lambda x: ag.masked_fill(x, ag.tensor(mask), -1.0),
                        lambda x: torch.masked_fill(x, torch.tensor(mask), -1.0), a)
    x = ag.ones(2, requires_grad=True)
    assert not ag.detach(x).requires_grad
    y = x * 2
    assert ag.detach_(y) is y and not y.requires_grad and y.is_leaf
    z = ag.ones(3)
    assert ag.fill_(z, 2) is z and ag.zero_(z) is z and not z.data.any()


IN_PLACE = {"exp_": (), "sigmoid_": (), "tanh_": (), "relu_": (), "square_": (), "abs_": (),
            "neg_": (), "sqrt_": (), "log_": (), "sin_": (), "cos_": (), "floor_": (),
            "round_": (), "trunc_": (), "frac_": (), "clamp_": (0.1, 0.5), "clip_": (0.2,),
            "clamp_min_": (0.3,), "clamp_max_": (0.3,), "reciprocal_": (), "rsqrt_": (),
            "erf_": (), "expm1_": (), "log1p_": (), "logit_": (), "sinc_": (), "deg2rad_": (),
            "xlogy_": (2.0,), "nan_to_num_": (), "atan_": (), "asinh_": (), "exp2_": ()}


@pytest.mark.parametrize("name", IN_PLACE)
def test_top_level_in_place_forms(name):
    v = RNG.uniform(0.1, 0.9, (2, 3))
    x, t = ag.tensor(v), torch.tensor(v)
    assert getattr(ag, name)(x, *IN_PLACE[name]) is x
    getattr(torch, name)(t, *IN_PLACE[name])
    np.testing.assert_allclose(x.data, t.numpy(), rtol=1e-6)
    with pytest.raises(TypeError, match="must be Tensor"):
        getattr(ag, name)([0.5], *IN_PLACE[name])


def test_integer_in_place_forms():
    for name, args in [("gcd_", (ag.tensor([4, 6]),)), ("lcm_", (ag.tensor([4, 6]),))]:
        x, t = ag.tensor([6, 9]), torch.tensor([6, 9])
        getattr(ag, name)(x, *args)
        getattr(torch, name)(t, torch.tensor(args[0].data))
        same(x, t)


# ----------------------------------------------------------------- searchsorted
SEARCHES = [([1, 3, 5, 7], [[3, 6], [9, 0]], {}),
            ([1, 3, 5, 7], [[3, 6], [9, 0]], {"right": True}),
            ([1, 3, 5, 7], [3, 7, 1], {"side": "right"}),
            ([1.0, 3, 5, 7], [3.5, -1, 8.0], {"out_int32": True}),
            ([1, 3, 5, 7], [3.5], {}),
            ([[1, 3, 5, 7], [2, 4, 6, 8]], [[3, 6], [9, 0]], {"side": "right"}),
            ([[[1, 3], [5, 7]]], [[[3, 4, 5], [5, 6, 8]]], {}),
            ([1, 1, 1, 2], [1, 2, 3], {"right": False}),
            ([], [1.0], {})]


@pytest.mark.parametrize("seq,values,kwargs", SEARCHES)
def test_searchsorted_matches_torch(seq, values, kwargs):
    same(ag.searchsorted(ag.tensor(seq), ag.tensor(values), **kwargs),
         torch.searchsorted(torch.tensor(seq), torch.tensor(values), **kwargs))


def test_searchsorted_scalars_sorter_and_refusals():
    seq = [1, 3, 5, 7]
    same(ag.searchsorted(ag.tensor(seq), 3), torch.searchsorted(torch.tensor(seq), 3))
    same(ag.searchsorted(ag.tensor(seq), 3, right=True),
         torch.searchsorted(torch.tensor(seq), 3, right=True))
    unsorted, order = [7, 1, 5, 3], [1, 3, 2, 0]
    same(ag.searchsorted(ag.tensor(unsorted), ag.tensor([3, 4]), sorter=ag.tensor(order)),
         torch.searchsorted(torch.tensor(unsorted), torch.tensor([3, 4]),
                            sorter=torch.tensor(order)))
    for call, match in [
            (lambda L: L.searchsorted(L.tensor(seq), L.tensor([3]), right=True, side="left"),
             "opposites"),
            (lambda L: L.searchsorted(L.tensor(seq), L.tensor([3]), side="middle"),
             "'left' or 'right'"),
            (lambda L: L.searchsorted(L.tensor(3), L.tensor([3])), "positive dimension"),
            (lambda L: L.searchsorted(L.tensor([seq]), 3), "scalar only"),
            (lambda L: L.searchsorted(L.tensor([seq, seq]), L.tensor([3, 6])),
             "first N-1 dimensions"),
            (lambda L: L.searchsorted(L.tensor(seq), L.tensor([3]), sorter=L.tensor([0, 1])),
             "same size")]:
        with pytest.raises(RuntimeError, match=match):
            call(torch)
        with pytest.raises(RuntimeError, match=match):
            call(ag)


@pytest.mark.parametrize("right", [False, True])
def test_bucketize_matches_torch(right):
    b = [1, 3, 5, 7]
    v = RNG.integers(0, 9, (3, 4))
    same(ag.bucketize(ag.tensor(v), ag.tensor(b), right=right),
         torch.bucketize(torch.tensor(v), torch.tensor(b), right=right))
    same(ag.bucketize(3, ag.tensor(b), right=right, out_int32=True),
         torch.bucketize(3, torch.tensor(b), right=right, out_int32=True))
    with pytest.raises(RuntimeError, match="must be 1 dimension"):
        ag.bucketize(ag.tensor([3]), ag.tensor([b]))


# ----------------------------------------------------------------- histogram
HISTOGRAMS = [([1.0, 2, 1], 4, {"range": (0.0, 3.0)}),
              ([0.0, 1, 2, 3, -1, 4, float("nan")], 3, {"range": (0.0, 3.0)}),
              ([1.0, 1.0], 3, {}),
              ([], 3, {}),
              ([[1.0, 5.0], [2, 9]], 3, {}),
              ([1.0, 2, 1], 4, {"range": (0.0, 3.0), "density": True})]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("values,bins,kwargs", HISTOGRAMS)
def test_histogram_matches_torch(values, bins, kwargs, dtype):
    x = np.array(values, dtype)
    hist, edges = ag.histogram(ag.tensor(x), bins, **kwargs)
    thist, tedges = torch.histogram(torch.tensor(x), bins, **kwargs)
    same(hist, thist)
    same(edges, tedges)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_histogram_of_random_data_weights_and_edges(dtype):
    x = RNG.standard_normal(1000).astype(dtype)
    w = RNG.uniform(0, 2, 1000).astype(dtype)
    for bins in (7, 32):
        h, e = ag.histogram(ag.tensor(x), bins, weight=ag.tensor(w))
        th, te = torch.histogram(torch.tensor(x), bins, weight=torch.tensor(w))
        np.testing.assert_array_equal(e.data, te.numpy())
        np.testing.assert_allclose(h.data, th.numpy(), rtol=1e-5)
    edges = np.array([-2.0, -0.5, 0.0, 0.1, 3.0], dtype)
    h, e = ag.histogram(ag.tensor(x), ag.tensor(edges), density=True)
    th, te = torch.histogram(torch.tensor(x), torch.tensor(edges), density=True)
    np.testing.assert_allclose(h.data, th.numpy(), rtol=1e-6)
    assert h.dtype == dtype and e.dtype == dtype


def test_histogram_refusals_as_torch():
    for call, match in [
            (lambda L: L.histogram(L.tensor([1, 2]), 3), "histogramdd"),
            (lambda L: L.histogram(L.tensor([1.0, 2]), 0), "bins must be > 0"),
            (lambda L: L.histogram(L.tensor([1.0, 2]), 3, range=(2.0, 1.0)), "exceed max"),
            (lambda L: L.histogram(L.tensor([1.0, float("inf")]), 3), "not finite"),
            (lambda L: L.histogram(L.tensor([1.0, 2]), 2, weight=L.tensor([1.0, 2, 3])),
             "same shape"),
            (lambda L: L.histogram(L.tensor([1.0, 2]), 2, weight=L.tensor([1, 2])),
             "same dtype"),
            (lambda L: L.histogram(L.tensor([1.0, 2]), L.tensor([[3.0, 1, 5]])),
             "one dimension")]:
        with pytest.raises(RuntimeError, match=match):
            call(torch)
        with pytest.raises(RuntimeError, match=match):
            call(ag)


def test_deprecated_names_warn_like_torch():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        ag.chain_matmul(ag.ones(2, 2), ag.ones(2, 2))
    assert any("chain_matmul is deprecated" in str(w.message) for w in seen)


def test_dlpack_round_trips_share_memory():
    t = torch.arange(4.0)
    a = ag.from_dlpack(t)
    t[0] = 9
    assert a.data[0] == 9 and a.dtype == np.float32
    x = ag.ones(3)
    back = torch.from_dlpack(ag.to_dlpack(x))
    x.data[1] = 5
    assert back[1].item() == 5


def test_unsafe_split_and_chunk_are_split_and_chunk():
    for ours, theirs in [(ag.unsafe_split(ag.arange(5), 2), torch.unsafe_split(torch.arange(5),
                                                                                2)),
                         (ag.arange(6).unsafe_chunk(3), torch.arange(6).unsafe_chunk(3))]:
        assert [o.tolist() for o in ours] == [t.tolist() for t in theirs]
