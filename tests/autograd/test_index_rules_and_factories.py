"""PyTorch's indexing rules where numpy's differ (ints are selects, 0-d integer tensors are
ints, lists holding sequences are tuples, uint8 is a mask), setitem's leading-1 rule, and the
factories' torch arguments (device=, randint(high, size), set_default_dtype); against torch."""
import numpy as np
import pytest

import autograd as ag
import nn

torch = pytest.importorskip("torch")

X = np.arange(120.0).reshape(2, 3, 4, 5)


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.data


INDEXES = {   # name: fn(lib) -> index into X
    "int_slice_array": lambda L: (0, slice(None), L.tensor([1, 0])),
    "int_ellipsis_array": lambda L: (0, Ellipsis, L.tensor([4, 1, 1])),
    "none_array_slice_int": lambda L: (None, L.tensor([1, 0]), slice(None), 1),
    "int_slice_mask": lambda L: (1, slice(None), L.tensor([True, False, True, True])),
    "slice_array_slice_int": lambda L: (slice(None), L.tensor([2, 0]), slice(None), 0),
    "array_int_array": lambda L: (L.tensor([1, 0]), 0, L.tensor([2, 3])),
    "0d_tensor_then_array": lambda L: (slice(None), L.tensor(1), L.tensor([2, 3])),
    "0d_tensor_alone": lambda L: L.tensor(1),
    "list_of_tensors": lambda L: [L.tensor([0, 1]), L.tensor([2, 0])],
    "list_of_lists": lambda L: [[0, 1], [2, 0]],
    "list_with_slice": lambda L: [0, slice(1, None)],
    "empty_list": lambda L: [],
    "2d_array_with_int": lambda L: (L.tensor([[1, 0], [0, 1]]), slice(None), 3),
    # an Ellipsis that covers no dim leaves the arrays adjacent
    "arrays_around_empty_ellipsis": lambda L: (slice(None), slice(None), L.tensor([2, 0]),
                                               Ellipsis, L.tensor([1, 4])),
    "int_ellipsis_bool": lambda L: (1, Ellipsis, L.tensor([True, False, True, True, False])),
}


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", INDEXES)
def test_getitem_and_its_gradient_follow_torch(name):
    out = []
    for L in (ag, torch):
        x = L.tensor(X, requires_grad=True)
        y = x[INDEXES[name](L)]
        (y * L.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)))).sum().backward()
        out.append((_np(y), _np(x.grad)))
    (y, g), (ty, tg) = out
    assert y.shape == ty.shape
    np.testing.assert_array_equal(y, ty)
    np.testing.assert_array_equal(g, tg)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", ["int_slice_array", "int_ellipsis_array", "int_slice_mask",
                                  "slice_array_slice_int", "array_int_array", "list_of_tensors",
                                  "0d_tensor_then_array", "2d_array_with_int",
                                  "arrays_around_empty_ellipsis"])
def test_setitem_writes_where_torch_does_and_gradients_follow(name):
    out = []
    for L in (ag, torch):
        base = L.tensor(X, requires_grad=True)
        z = base * 1.0
        shape = tuple(z[INDEXES[name](L)].shape)
        v = L.tensor(np.arange(np.prod(shape), dtype=float).reshape(shape) + 1000,
                     requires_grad=True)
        z[INDEXES[name](L)] = v
        (z * L.tensor(np.sin(np.arange(X.size)).reshape(X.shape))).sum().backward()
        out.append((_np(z), _np(base.grad), _np(v.grad)))
        with L.no_grad():   # the unrecorded write lands in the same places
            plain = L.tensor(X)
            plain[INDEXES[name](L)] = v.detach()
        out[-1] += (_np(plain),)
    for a, b in zip(*out):
        np.testing.assert_array_equal(a, b)


def test_a_0d_integer_tensor_selects_a_view_that_in_place_ops_write_through():
    x = ag.zeros(3)
    x[ag.tensor(1)].add_(5)
    np.testing.assert_array_equal(x.data, [0, 5, 0])
    buf = ag.zeros(3, 2)
    for i in ag.arange(3):
        buf[i][0] = 1.0
    np.testing.assert_array_equal(buf.data, [[1, 0]] * 3)


def test_a_uint8_index_is_a_mask_as_in_torch():
    v = ag.arange(4.0)
    np.testing.assert_array_equal(v[np.array([1, 0, 1, 0], np.uint8)].data, [0, 2])


def test_a_leaf_that_requires_grad_still_refuses_a_split_index_write():
    x = ag.zeros(2, 3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match="in place"):
        x[0, :, ag.tensor([1, 0])] = 1.0
    with ag.no_grad():
        x[0, :, ag.tensor([1, 0])] = 1.0
    assert float(x.sum().item()) == 6.0


def test_setitem_drops_the_values_leading_size_1_dims():
    for L in (ag, torch):
        y = L.zeros(3)
        y[0] = L.tensor([[5.0]])
        w = L.tensor([2.0], requires_grad=True)
        z = L.zeros(3) * 1
        z[1] = w * 3
        z.sum().backward()
        assert _np(y).tolist() == [5, 0, 0] and _np(w.grad).tolist() == [3.0]


def test_split_chunk_cat_t_and_type_edge_cases_as_torch():
    for L in (ag, torch):
        assert [tuple(p.shape) for p in L.arange(0.0).split(2)] == [(0,)]
        assert [tuple(p.shape) for p in L.arange(0.0).chunk(2)] == [(0,), (0,)]
        assert [tuple(p.shape) for p in L.zeros(2, 0).chunk(2, 1)] == [(2, 0), (2, 0)]
        assert tuple(L.cat([L.tensor([]), L.ones(1, 2)]).shape) == (1, 2)
        assert tuple(L.cat([L.ones(1, 2), L.tensor([]), L.ones(2, 2)]).shape) == (3, 2)
        assert tuple(L.cat([L.tensor([]), L.tensor([])]).shape) == (0,)
        assert tuple(L.ones(3).t().shape) == (3,) and tuple(L.tensor(1.0).t().shape) == ()
        assert L.ones(2).type() == "torch.FloatTensor"
        assert L.ones(2, dtype=L.int64).type() == "torch.LongTensor"
        assert L.ones(2).type("torch.DoubleTensor").dtype == L.float64
    x = ag.ones(1, 2, requires_grad=True)
    (ag.cat([ag.tensor([]), x]) * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[2, 2]])


FACTORIES = ["zeros(2, device=d)", "ones(2, device=d)", "empty(2, device=d)",
             "full((2,), 1.0, device=d)", "arange(3, device=d)", "linspace(0, 1, 3, device=d)",
             "logspace(0, 2, 3, device=d)", "eye(2, device=d)", "randn(2, device=d)",
             "rand(2, device=d)", "randint(5, (2,), device=d)", "randperm(3, device=d)",
             "tensor([1.0], device=d)", "zeros_like(L.ones(2), device=d)",
             "ones_like(L.ones(2), device=d)", "full_like(L.ones(2), 3.0, device=d)",
             "randn_like(L.ones(2), device=d)", "rand_like(L.ones(2), device=d)",
             "randint_like(L.ones(2), 3, device=d)", "ones(1).new_zeros(2, device=d)",
             "ones(1).new_ones(2, device=d)", "ones(1).new_full((2,), 1.0, device=d)",
             "ones(1).new_tensor([1.0], device=d)", "ones(1).new_empty(2, device=d)"]


@pytest.mark.parametrize("call", FACTORIES)
def test_factories_take_a_cpu_device_and_refuse_cuda(call):
    for L in (ag, torch):
        for d in ("cpu", L.device("cpu")):
            t = eval("L." + call, {"L": L, "d": d})
            assert tuple(t.shape) in ((2,), (3,), (2, 2), (1,))
    with pytest.raises(RuntimeError, match="CPU only"):
        eval("L." + call, {"L": ag, "d": "cuda"})


def test_randint_forms_and_dtypes_as_torch():
    ag.manual_seed(0)
    for call in ("randint(10, (50,))", "randint(3, 10, (50,))", "randint(high=5, size=(50,))",
                 "randint(0, 2, (50,), dtype=L.int32)", "randint(5, (2, 3))"):
        ours, theirs = (eval("L." + call, {"L": L}) for L in (ag, torch))
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert str(ours.dtype) == str(theirs.dtype)
    assert set(ag.randint(3, 10, (500,)).data.tolist()) == set(range(3, 10))
    assert ag.randperm(4, dtype=ag.int32).dtype == np.int32
    with pytest.raises(ValueError, match="low < high"):
        ag.randint(5, 5, (2,))
    with pytest.raises(TypeError, match="size"):
        ag.randint(5)


def test_set_default_dtype_reaches_tensors_factories_and_new_parameters():
    assert ag.get_default_dtype() == ag.float32
    try:
        ag.set_default_dtype(ag.float64)
        made = [ag.tensor(1.5), ag.tensor([1.0, 2.0]), ag.zeros(2), ag.randn(2),
                ag.arange(0.0, 1.0),
                ag.full((1,), 2.0), ag.linspace(0, 1, 2), ag.tensor([1, 2]) / 2,
                ag.tensor([1, 2]).sqrt()]
        assert [t.dtype for t in made] == [ag.float64] * len(made)
        modules = [nn.Linear(2, 2), nn.LSTM(2, 2), nn.Conv2d(1, 1, 3), nn.Embedding(3, 2),
                   nn.LayerNorm(3), nn.MultiheadAttention(4, 2), nn.GRU(2, 2)]
        assert {p.dtype for m in modules for p in m.parameters()} == {np.dtype(np.float64)}
        assert ag.tensor([1, 2]).dtype == ag.int64   # integers keep theirs
        with pytest.raises(TypeError, match="float32 and float64"):
            ag.set_default_dtype(np.int64)
    finally:
        ag.set_default_dtype(ag.float32)
    assert ag.tensor(1.5).dtype == ag.float32 and nn.Linear(1, 1).weight.dtype == ag.float32
