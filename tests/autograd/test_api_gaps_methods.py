"""tensor_methods_more against torch: memory queries, new(), is_nonzero, fliplr/flipud,
isposinf/isneginf/isreal, ldexp/frexp (values, dtypes, gradients; the Mantissa op
gradchecked in float64), sum_to_size, addr(_), adjoint, hardshrink/prelu methods, the random
fills (ranges, dtypes, refusals) and apply_/map_."""
import itertools
import multiprocessing
import os

import numpy as np
import pytest

import autograd as ag
from tests.helpers import assert_gradcheck, check_against_torch
from tests.helpers import same_exact as same

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)


def r(*shape):
    return RNG.standard_normal(shape)


# ----------------------------------------------------------------- differentiable
DIFFERENTIABLE = {
    "fliplr": (lambda L, x: x.fliplr(), [r(3, 4, 2)]),
    "flipud": (lambda L, x: L.flipud(x), [r(3, 4)]),
    "adjoint": (lambda L, x: x.adjoint(), [r(2, 3, 4)]),
    "adjoint_fn": (lambda L, x: L.adjoint(x), [r(3, 4)]),
    "ldexp": (lambda L, x, e: x.ldexp(e), [r(3, 4), r(3, 4)]),
    "ldexp_bcast": (lambda L, x, e: L.ldexp(x, e), [r(3, 4), r(4)]),
    "frexp_mantissa": (lambda L, x: L.frexp(x * 40)[0], [r(3, 4)]),
    "sum_to_size": (lambda L, x: x.sum_to_size(3, 1), [r(2, 3, 4)]),
    "sum_to_size_tuple": (lambda L, x: x.sum_to_size((1, 4)), [r(2, 3, 4)]),
    "addr": (lambda L, m, a, b: m.addr(a, b, beta=0.5, alpha=2.0), [r(3, 4), r(3), r(4)]),
    "addr_fn": (lambda L, m, a, b: L.addr(m, a, b), [r(4), r(3), r(4)]),
    "ger": (lambda L, a, b: L.ger(a, b), [r(3), r(4)]),
    "hardshrink": (lambda L, x: x.hardshrink(0.3), [r(3, 4)]),
    "prelu": (lambda L, x, w: x.prelu(w), [r(2, 3, 4), np.abs(r(3))]),
}


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_differentiable_methods_match_torch(name):
    fn, arrays = DIFFERENTIABLE[name]
    check_against_torch(lambda *xs: fn(ag, *xs), lambda *xs: fn(torch, *xs), *arrays)


@pytest.mark.parametrize("name", ["frexp_mantissa", "ldexp", "addr", "sum_to_size"])
def test_gradcheck_float64(name):
    fn, arrays = DIFFERENTIABLE[name]
    assert_gradcheck(lambda *xs: fn(ag, *xs), *arrays)


def test_frexp_values_dtypes_and_edges():
    x = np.array([0.0, 3.0, -5.0, np.inf, -np.inf, np.nan, 1e-310, 2.0 ** -1070, 1e300])
    for dt in (np.float32, np.float64):
        with np.errstate(over="ignore"):
            a = x.astype(dt)
        m, e = ag.tensor(a).frexp()
        tm, te = torch.tensor(a).frexp()
        same(e, te)
        np.testing.assert_array_equal(m.data, tm.numpy())
        assert m.dtype == dt
    with pytest.raises(TypeError, match="floating-point"):
        ag.frexp(ag.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="floating-point"):
        ag.tensor([1, 2]).frexp()


def test_frexp_gradient_of_a_subnormal_is_inf_as_torch():
    x = ag.tensor(np.array([1e-40, 3.0], np.float32), requires_grad=True)
    ag.frexp(x).mantissa.sum().backward()
    t = torch.tensor(np.array([1e-40, 3.0], np.float32), requires_grad=True)
    torch.frexp(t).mantissa.sum().backward()
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy())


@pytest.mark.filterwarnings("ignore:An output with one or more elements was resized")
def test_ldexp_dtypes_match_torch():
    # the result dtype is the two's promotion (a 0-d float64 x with an int32 exponent is
    # float64), the default float dtype for two integer ones
    dts = [np.uint8, np.int32, np.int64, np.float32, np.float64]
    for x_dtype, e_dtype, x_shape, e_shape in itertools.product(dts, dts, [(), (3,)], [(), (3,)]):
        x = np.resize([1.1, 2, 3], x_shape).astype(x_dtype)
        e = np.resize([1, -2 if e_dtype != np.uint8 else 2, 0], e_shape).astype(e_dtype)
        same(ag.ldexp(ag.tensor(x), ag.tensor(e)), torch.ldexp(torch.tensor(x), torch.tensor(e)))


def test_ldexp_in_place_and_its_refusals():
    x = ag.tensor([1.0, 2.0])
    assert x.ldexp_(ag.tensor([1, 2])) is x
    np.testing.assert_array_equal(x.data, [2.0, 8.0])
    with pytest.raises(TypeError, match="dtype torch.int64"):
        ag.tensor([1, 2]).ldexp_(ag.tensor([1, 1]))
    with pytest.raises(TypeError, match="must be a Tensor"):
        ag.tensor([1.0]).ldexp(2)


def test_queries_match_torch():
    v = np.array([1.0, np.inf, -np.inf, np.nan, 0.0])
    for name in ("isposinf", "isneginf", "isreal"):
        same(getattr(ag, name)(ag.tensor(v)), getattr(torch, name)(torch.tensor(v)))
        same(getattr(ag.tensor([1, 2]), name)(), getattr(torch.tensor([1, 2]), name)())
    x = ag.tensor([[1.0]])
    assert x.is_nonzero() and not ag.is_nonzero(ag.tensor([0]))
    for bad in (ag.tensor([]), ag.tensor([1, 2])):
        with pytest.raises(RuntimeError, match="ambiguous"):
            bad.is_nonzero()
    with pytest.raises(TypeError):
        ag.is_nonzero(1)
    assert ag.is_same_size(ag.ones(2, 3), ag.zeros(2, 3)) and not x.is_same_size(ag.ones(1))
    assert not x.is_conj() and not ag.is_neg(x) and not x.is_quantized and not x.is_meta
    with pytest.raises(RuntimeError, match=">= 2-d"):
        ag.ones(3).fliplr()
    with pytest.raises(ValueError, match=">= 1-d"):
        ag.tensor(1.0).flipud()
    with pytest.raises(RuntimeError, match="matrices"):
        ag.ones(3).adjoint()


def test_memory_queries():
    x = ag.arange(6.0)
    assert x.get_device() == -1 and not x.is_pinned()
    assert ag.zeros(0).data_ptr() == 0 == torch.zeros(0).data_ptr()
    assert x[2:].data_ptr() == x.data_ptr() + 2 * x.data.itemsize   # a view's first element
    with pytest.raises(RuntimeError, match="accelerator"):
        x.pin_memory()


def _child_writes(shared, plain):
    shared.data[0] = 42.0
    plain.data[0] = 42.0
    os._exit(0)


def test_share_memory_is_seen_by_a_forked_process():
    shared, plain = ag.zeros(3), ag.zeros(3)
    y = shared * 2
    assert not shared.is_shared()
    assert shared.share_memory_() is shared and shared.is_shared()
    assert shared.share_memory_().is_shared()   # a no-op the second time
    np.testing.assert_array_equal(y.data, 0)
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    p = multiprocessing.get_context("fork").Process(target=_child_writes, args=(shared, plain))
    p.start()
    p.join(30)
    assert p.exitcode == 0
    assert shared.data[0] == 42.0 and plain.data[0] == 0.0


def test_new_follows_torch_legacy_forms():
    for dtype in (np.float32, np.int64):
        x, t = ag.tensor(np.ones(3, dtype)), torch.tensor(np.ones(3, dtype))
        for args in [(), (2, 3), ((2, 3),), ([1, 2],), (5,)]:
            ours, theirs = x.new(*args), t.new(*args)
            assert ours.shape == tuple(theirs.shape) and ours.dtype == theirs.numpy().dtype
        assert x.new(ag.Size([2, 3])).shape == (2, 3)
        np.testing.assert_array_equal(x.new((2, 3)).data, t.new((2, 3)).numpy())
    a = ag.ones(2)
    alias = ag.zeros(3).new(a)
    alias.data[0] = 7
    assert a.data[0] == 7 and not alias.requires_grad
    with pytest.raises(TypeError, match="dtype"):
        ag.zeros(3).new(ag.tensor([1, 2]))


def test_sum_to_size_refusals_and_identity():
    x = ag.ones(2, 3)
    assert x.sum_to_size(2, 3) is x
    for bad in [(4,), (2, 2), (1, 2, 3, 1)]:
        with pytest.raises(RuntimeError, match="not expandable"):
            x.sum_to_size(*bad)


def test_addr_edge_cases_as_torch():
    nan = ag.full((2, 2), float("nan"))
    out = nan.addr(ag.ones(2), ag.ones(2), beta=0)
    np.testing.assert_array_equal(out.data, torch.full((2, 2), float("nan")).addr(
        torch.ones(2), torch.ones(2), beta=0).numpy())
    same(ag.addr(ag.zeros(2, 2, dtype=ag.int64), ag.ones(2), ag.ones(2)),
         torch.addr(torch.zeros(2, 2, dtype=torch.int64), torch.ones(2), torch.ones(2)))
    with pytest.raises(TypeError, match="integral"):
        ag.zeros(2, 2, dtype=ag.int64).addr(ag.tensor([1, 2]), ag.tensor([1, 2]), alpha=1.5)
    with pytest.raises(RuntimeError, match="1-D"):
        ag.zeros(2, 2).addr(ag.ones(2, 1), ag.ones(2))
    m = ag.zeros(2, 3)
    assert m.addr_(ag.ones(2), ag.tensor([1.0, 2, 3])) is m
    np.testing.assert_array_equal(m.data, [[1, 2, 3], [1, 2, 3]])


def test_addr_in_place_is_recorded_in_a_graph():
    a = ag.tensor(r(3), requires_grad=True)
    m = ag.zeros(3, 2) * 1.0
    m.addr_(a, ag.ones(2))
    m.sum().backward()
    np.testing.assert_allclose(a.grad.data, np.full(3, 2.0))
    with pytest.raises(RuntimeError, match="leaf"):
        ag.zeros(3, 2, requires_grad=True).addr_(a, ag.ones(2))


# ----------------------------------------------------------------- random fills
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32, np.uint8,
                                   np.bool_])
def test_random_ranges_by_dtype(dtype):
    """random_() draws from [0, 2**24] / [0, 2**53] for float32 / float64 (every integer
    there is exact), [0, max] for integers, as torch."""
    ag.manual_seed(0)
    x = ag.zeros(4000, dtype=dtype)
    assert x.random_() is x and x.dtype == dtype
    if dtype in (np.float32, np.float64):
        top = 2.0 ** (24 if dtype == np.float32 else 53)
    else:
        top = 1.0 if dtype == np.bool_ else float(np.iinfo(dtype).max)
    d = x.data.astype(np.float64)
    assert d.min() >= 0 and d.max() <= top and d.max() > top / 2
    assert np.array_equal(d, np.round(d))
    x.random_(2 if dtype == np.bool_ else 3)
    assert set(np.unique(x.data).tolist()) <= {0, 1, 2}
    if dtype != np.bool_:
        x.random_(2, 5)
        assert set(np.unique(x.data).tolist()) == {2, 3, 4}
        x.random_(**{"from": 250, "to": None})
        assert x.data.min() >= 250


def test_random_fill_refusals_and_generator():
    with pytest.raises(RuntimeError, match="'from' to be less than 'to'"):
        ag.zeros(3).random_(5, 2)
    with pytest.raises(RuntimeError, match="leaf"):
        ag.zeros(3, requires_grad=True).random_()
    for L in (ag, torch):
        with pytest.raises(RuntimeError, match="out of bounds"):
            L.zeros(3, dtype=L.uint8).random_(0, 300)
    a = ag.zeros(5).random_(100, generator=ag.Generator().manual_seed(3))
    b = ag.zeros(5).random_(100, generator=ag.Generator().manual_seed(3))
    np.testing.assert_array_equal(a.data, b.data)


def test_continuous_fills_have_the_right_distributions():
    ag.manual_seed(1)
    n = 200_000
    c = ag.zeros(n, dtype=ag.float64).cauchy_(2.0, 0.5)
    assert abs(np.median(c.data) - 2.0) < 0.02
    assert abs(np.quantile(c.data, 0.75) - 2.5) < 0.02   # the quartiles are median +- sigma
    ln = ag.zeros(n, dtype=ag.float64).log_normal_(0.5, 0.25)
    assert abs(np.log(ln.data).mean() - 0.5) < 0.01 and abs(np.log(ln.data).std() - 0.25) < 0.01
    g = ag.zeros(n, dtype=ag.int64).geometric_(0.25)
    assert g.dtype == np.int64 and g.data.min() == 1 and abs(g.data.mean() - 4.0) < 0.05


def test_continuous_fill_refusals_as_torch():
    for call, match in [(lambda: ag.ones(3).cauchy_(0, -1), "sigma > 0.0"),
                        (lambda: ag.ones(3).log_normal_(0, 0), "std > 0.0"),
                        (lambda: ag.ones(3).geometric_(1), r"p to be in \(0, 1\)"),
                        (lambda: ag.ones(3).geometric_(0), r"p to be in \(0, 1\)")]:
        with pytest.raises(RuntimeError, match=match):
            call()
        with pytest.raises(ValueError, match=match):
            call()
    with pytest.raises(TypeError, match="floating point"):
        ag.ones(3, dtype=ag.int64).cauchy_()
    with pytest.raises(RuntimeError, match="floating point"):
        ag.ones(3, dtype=ag.int64).log_normal_()


def test_a_fill_of_an_op_output_is_recorded_with_no_gradient_to_the_old_values():
    x = ag.tensor(r(4), requires_grad=True)
    y = x * 2
    y.cauchy_()
    (y * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data)


# ----------------------------------------------------------------- Python callables
def test_apply_and_map_match_torch():
    for dtype in (torch.float32, torch.int64):
        t = torch.arange(6, dtype=dtype).reshape(2, 3)
        x = ag.tensor(t.numpy())
        assert x.apply_(lambda v: v * 2.5) is x
        same(x, t.apply_(lambda v: v * 2.5))
        o = torch.tensor([1, 2, 3], dtype=dtype)
        x.map_(ag.tensor(o.numpy()), lambda a, b: a - b)
        same(x, t.map_(o, lambda a, b: a - b))


def test_apply_refuses_what_torch_refuses():
    with pytest.raises(RuntimeError, match="requires grad"):
        ag.ones(2, requires_grad=True).apply_(lambda v: v)
    with pytest.raises(TypeError, match="callable"):
        ag.ones(2).apply_(3)
    with pytest.raises(ValueError, match="broadcast"):
        ag.ones(2).map_(ag.ones(3), lambda a, b: a)
    x = ag.ones(2)
    y = x.detach()
    x.apply_(lambda v: v + 1)
    np.testing.assert_array_equal(y.data, [2, 2])   # written in place, as torch


def test_device_flags_layout_and_real_parts():
    x = ag.ones(2, requires_grad=True)
    assert x.to_dense() is x and x.to_dense(ag.float64).dtype == np.float64
    assert x.const_data_ptr() == x.data_ptr() and ag.get_device(x) == -1
    for flag in ("is_mps", "is_xpu", "is_xla", "is_vulkan", "is_mkldnn", "is_sparse",
                 "is_sparse_csr"):
        assert getattr(x, flag) is False is getattr(torch.ones(2), flag)
    assert x.layout == ag.strided and repr(x.layout) == repr(torch.ones(2).layout)
    assert x.real is x and ag.real(x) is x
    for L in (ag, torch):
        with pytest.raises(RuntimeError, match="non-complex"):
            L.ones(2).imag
    h, e = ag.tensor([1.0, 2, 1]).histogram(3, range=(0.0, 3.0))
    th, te = torch.tensor([1.0, 2, 1]).histogram(3, range=(0.0, 3.0))
    same(h, th)
    same(e, te)
    assert [t.tolist() for t in ag.split_with_sizes(ag.arange(5), [2, 3])] == [[0, 1], [2, 3, 4]]
