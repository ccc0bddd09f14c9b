"""max / avg / adaptive-avg pooling: float64 gradchecks and values + gradients against torch."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd
import nn.functional as F
from autograd.ops.pooling import pool_output_size

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def check_both(fn, tfn, x, seed=0):
    ours, theirs = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = fn(ours), tfn(theirs)
    g = np.random.default_rng(seed).standard_normal(ty.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def has_empty_window(shape, kw):
    """Whether some dilated window lies wholly in the padding (PyTorch then indexes outside
    the plane; the engine gives -inf and no gradient, see test_window_wholly_in_padding)."""
    nd = len(kw["kernel_size"])
    stride = kw["stride"] or kw["kernel_size"]
    for i, k, s, p, d in zip(shape[-nd:], kw["kernel_size"], stride, kw["padding"],
                             kw["dilation"]):
        for o in range(pool_output_size(i, k, s, p, d, kw["ceil_mode"])):
            pos = o * s - p + np.arange(k) * d
            if not np.any((pos >= 0) & (pos < i)):
                return True
    return False


@st.composite
def pool_configs(draw, nd, kind):
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd)) if kind == "max" else (1,) * nd
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    size = tuple(draw(st.integers(max(d * (k - 1) + 1 - 2 * p, 1), 7))
                 for k, p, d in zip(kernel, padding, dilation))
    lead = draw(st.sampled_from([(1, 1), (2, 3), (2,)]))
    kw = dict(kernel_size=kernel, stride=draw(st.sampled_from([None, stride])), padding=padding,
              ceil_mode=draw(st.booleans()))
    if kind == "max":
        kw["dilation"] = dilation
    else:
        kw["count_include_pad"] = draw(st.booleans())
    return lead + size, kw, draw(st.integers(0, 2**16))


POOLS = {("max", 1): (F.max_pool1d, TF.max_pool1d), ("max", 2): (F.max_pool2d, TF.max_pool2d),
         ("avg", 1): (F.avg_pool1d, TF.avg_pool1d), ("avg", 2): (F.avg_pool2d, TF.avg_pool2d)}


@pytest.mark.parametrize("kind,nd", list(POOLS))
@settings(deadline=None, max_examples=40)
@given(data=st.data())
def test_pool_matches_torch(kind, nd, data):
    shape, kw, seed = data.draw(pool_configs(nd, kind))
    ours, theirs = POOLS[kind, nd]
    if kind == "max":
        assume(not has_empty_window(shape, kw))
    x = np.random.default_rng(seed).standard_normal(shape)
    check_both(lambda t: ours(t, **kw), lambda t: theirs(t, **kw), x, seed)


@pytest.mark.parametrize("kind,nd", list(POOLS))
@settings(deadline=None, max_examples=15)
@given(data=st.data())
def test_pool_gradcheck(kind, nd, data):
    shape, kw, seed = data.draw(pool_configs(nd, kind))
    if kind == "max":   # a window wholly in padding gives -inf (as torch): no finite difference
        assume(not has_empty_window(shape, kw))
    # distinct values keep max pooling away from ties, where it is not differentiable
    x = np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape) * 0.1
    assert autograd.gradcheck(lambda t: POOLS[kind, nd][0](t, **kw), [x.astype(np.float64)])


def test_max_pool_ties_route_to_the_first_max():
    x = autograd.tensor(np.ones((1, 1, 4, 4)), requires_grad=True)
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    np.testing.assert_array_equal(idx.data[0, 0], [[0, 2], [8, 10]])
    y.sum().backward()
    expected = np.zeros((4, 4))
    expected[::2, ::2] = 1
    np.testing.assert_array_equal(x.grad.data[0, 0], expected)
    _, tidx = TF.max_pool2d(torch.ones(1, 1, 4, 4), 2, return_indices=True)
    np.testing.assert_array_equal(idx.data, tidx.numpy())


@pytest.mark.parametrize("shape", [(2, 3, 8, 8), (1, 2, 7, 5)])
@pytest.mark.parametrize("stride", [None, 1, (2, 1), 3])
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_max_pool_2x2_fast_path_matches_torch_with_ties(shape, stride, ceil_mode):
    # small integers make ties common: the first max must win in the unrolled 2x2 kernel too
    x = np.random.default_rng(7).integers(0, 3, shape).astype(np.float64)
    kw = dict(kernel_size=2, stride=stride, ceil_mode=ceil_mode)
    check_both(lambda t: F.max_pool2d(t, **kw), lambda t: TF.max_pool2d(t, **kw), x)
    _, idx = F.max_pool2d(autograd.tensor(x), return_indices=True, **kw)
    _, tidx = TF.max_pool2d(torch.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(idx.data, tidx.numpy())


def test_max_pool_return_indices_match_torch():
    x = np.random.default_rng(1).standard_normal((2, 3, 7, 9))
    _, idx = F.max_pool2d(autograd.tensor(x), 3, stride=2, padding=1, return_indices=True)
    _, tidx = TF.max_pool2d(torch.tensor(x), 3, stride=2, padding=1, return_indices=True)
    assert idx.dtype == np.int64
    np.testing.assert_array_equal(idx.data, tidx.numpy())
    _, idx1 = F.max_pool1d(autograd.tensor(x[0]), 2, return_indices=True)
    _, tidx1 = TF.max_pool1d(torch.tensor(x[0]), 2, return_indices=True)
    np.testing.assert_array_equal(idx1.data, tidx1.numpy())


def test_max_pool_propagates_nan_and_handles_inf():
    x = np.array([[[[1.0, np.nan], [3.0, 2.0]], [[-np.inf, -np.inf], [-np.inf, -np.inf]]]])
    y = F.max_pool2d(autograd.tensor(x), 2)
    assert np.isnan(y.data[0, 0, 0, 0]) and y.data[0, 1, 0, 0] == -np.inf


def test_window_wholly_in_padding():
    x = autograd.tensor(np.ones((1, 1, 1, 1)), requires_grad=True)
    y = F.max_pool2d(x, (1, 2), padding=(0, 1), dilation=(1, 2))   # taps at w = -1 and w = 1
    assert y.shape == (1, 1, 1, 1) and y.data.item() == -np.inf
    y.sum().backward()
    assert x.grad.data.item() == 0


def test_avg_pool_divisor_override():
    x = np.random.default_rng(2).standard_normal((2, 2, 6, 5))
    kw = dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, divisor_override=4)
    check_both(lambda t: F.avg_pool2d(t, **kw), lambda t: TF.avg_pool2d(t, **kw), x)


@pytest.mark.parametrize("in_size,out_size", [((5, 7), 1), ((5, 7), (2, 3)), ((6, 6), (4, 5)),
                                              ((3, 4), (None, 2)), ((4, 4), (4, 4)),
                                              ((3, 2), (5, 7))])
def test_adaptive_avg_pool2d_matches_torch(in_size, out_size):
    x = np.random.default_rng(3).standard_normal((2, 3) + in_size)
    check_both(lambda t: F.adaptive_avg_pool2d(t, out_size),
             lambda t: TF.adaptive_avg_pool2d(t, out_size), x)
    assert autograd.gradcheck(lambda t: F.adaptive_avg_pool2d(t, out_size), [x[:1, :2]])


def test_adaptive_avg_pool1d_matches_torch():
    x = np.random.default_rng(4).standard_normal((2, 3, 10))
    check_both(lambda t: F.adaptive_avg_pool1d(t, 4), lambda t: TF.adaptive_avg_pool1d(t, 4), x)


def test_unbatched_and_non_contiguous_inputs():
    x = np.random.default_rng(5).standard_normal((9, 8, 3)).transpose(2, 0, 1)
    check_both(lambda t: F.max_pool2d(t, 2), lambda t: TF.max_pool2d(t, 2), x)
    check_both(lambda t: F.avg_pool2d(t, 3, 1, 1), lambda t: TF.avg_pool2d(t, 3, 1, 1), x)


def test_float32_stays_float32():
    x = autograd.tensor(np.random.default_rng(6).standard_normal((2, 3, 8, 8)).astype(np.float32),
                        requires_grad=True)
    for fn in (lambda t: F.max_pool2d(t, 2), lambda t: F.avg_pool2d(t, 2),
               lambda t: F.adaptive_avg_pool2d(t, 1)):
        x.grad = None
        y = fn(x)
        assert y.dtype == np.float32
        y.sum().backward()
        assert x.grad.dtype == np.float32


@pytest.mark.parametrize("call,match", [
    (lambda x: F.max_pool2d(x, 2, padding=2), r"padding \(2, 2\) must be at most half"),
    (lambda x: F.max_pool2d(x, 5), r"\(1, 2, 4, 4\) is too small"),
    (lambda x: F.avg_pool2d(x, 0), "kernel_size must be >= 1"),
    (lambda x: F.max_pool2d(x, (2, 2, 2)), "kernel_size must be an int or a tuple of 2"),
    (lambda x: F.max_pool1d(x, 2), r"\(N, C, L\) or \(C, L\), got \(1, 2, 4, 4\)"),
    (lambda x: F.adaptive_avg_pool2d(x, 0), "output_size must be >= 1"),
    (lambda x: F.avg_pool2d(x, 2, divisor_override=0), "divisor_override"),
])
def test_pool_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call(autograd.zeros(1, 2, 4, 4))


def test_pool_rejects_integer_input():
    with pytest.raises(TypeError, match="int64"):
        F.max_pool2d(autograd.tensor(np.zeros((1, 1, 4, 4), np.int64)), 2)


@pytest.mark.parametrize("empty", [[], ()])
def test_an_empty_stride_means_the_kernel_size_as_in_torch(empty):
    x = np.arange(72.0).reshape(1, 2, 6, 6)
    for fn in ("max_pool2d", "avg_pool2d"):
        ours = getattr(F, fn)(autograd.tensor(x), 3, stride=empty)
        theirs = getattr(torch.nn.functional, fn)(torch.tensor(x), 3, stride=empty)
        np.testing.assert_array_equal(ours.data, theirs.numpy())


POOL_INPUTS = {"max_pool1d": (1, 2, 6), "avg_pool1d": (1, 2, 6), "max_pool2d": (1, 2, 6, 6),
               "avg_pool2d": (1, 2, 6, 6), "max_pool3d": (1, 2, 6, 6, 6),
               "avg_pool3d": (1, 2, 6, 6, 6)}


@pytest.mark.parametrize("op", sorted(POOL_INPUTS))
@pytest.mark.parametrize("kw", [dict(kernel_size=(2,)), dict(kernel_size=3, stride=(2,)),
                                dict(kernel_size=3, padding=[1])])
def test_length_one_sizes_stand_for_every_dim_as_in_torch(op, kw):
    x = np.random.default_rng(11).standard_normal(POOL_INPUTS[op])
    np.testing.assert_allclose(getattr(F, op)(autograd.tensor(x), **kw).data,
                               getattr(TF, op)(torch.tensor(x), **kw).numpy(), rtol=1e-12)


@pytest.mark.parametrize("op", sorted(POOL_INPUTS))
@pytest.mark.parametrize("arg", ["kernel_size", "stride", "padding"])
@pytest.mark.parametrize("value", [2.0, None])
def test_a_float_or_none_size_is_a_type_error_as_in_torch(op, arg, value):
    if arg == "stride" and value is None:   # the default: the kernel size
        return
    kw = {"kernel_size": 2, arg: value}
    with pytest.raises(TypeError):
        getattr(TF, op)(torch.zeros(POOL_INPUTS[op]), **kw)
    with pytest.raises(TypeError, match=f"{op}: {arg} must be"):
        getattr(F, op)(autograd.zeros(*POOL_INPUTS[op]), **kw)


@pytest.mark.parametrize("op", sorted(POOL_INPUTS))
@pytest.mark.parametrize("kw,match", [(dict(kernel_size=7), "is too small"),
                                      (dict(kernel_size=2, padding=2), "must be at most half"),
                                      (dict(kernel_size=2, stride=0), "stride must be >= 1")])
def test_geometry_errors_are_runtime_errors_as_in_torch(op, kw, match):
    with pytest.raises(RuntimeError):
        getattr(TF, op)(torch.zeros(POOL_INPUTS[op]), **kw)
    with pytest.raises(RuntimeError, match=f"{op}: .*{match}"):
        getattr(F, op)(autograd.zeros(*POOL_INPUTS[op]), **kw)


RANKED = {"max_pool1d": (1, (2,)), "avg_pool1d": (1, (2,)), "max_pool2d": (2, (2,)),
          "avg_pool2d": (2, (2,)), "max_pool3d": (3, (2,)), "avg_pool3d": (3, (2,)),
          "lp_pool1d": (1, (2, 2)), "lp_pool2d": (2, (2, 2)), "lp_pool3d": (3, (2, 2)),
          "adaptive_avg_pool1d": (1, (2,)), "adaptive_avg_pool2d": (2, (2,)),
          "adaptive_avg_pool3d": (3, (2,)), "adaptive_max_pool1d": (1, (2,)),
          "adaptive_max_pool2d": (2, (2,)), "adaptive_max_pool3d": (3, (2,))}


@pytest.mark.parametrize("op", sorted(RANKED))
@pytest.mark.parametrize("case", ["fewer dims", "more dims", "empty spatial dim"])
def test_rank_and_empty_input_errors_have_torch_s_class(op, case):
    # torch: RuntimeError, but an IndexError from avg_pool2d (lp_pool2d) below 3 dims; ours
    # is a ValueError there
    nd, args = RANKED[op]
    shape = {"fewer dims": (4,) * nd, "more dims": (1, 1) + (4,) * nd + (1,),
             "empty spatial dim": (1, 1, 0) + (4,) * (nd - 1)}[case]
    try:
        getattr(TF, op)(torch.zeros(shape), *args)
    except Exception as e:   # noqa: BLE001  (the class is what is compared)
        expected = ValueError if isinstance(e, IndexError) else type(e)
    with pytest.raises(expected, match=f"{op}: "):
        getattr(F, op)(autograd.zeros(*shape), *args)


@pytest.mark.parametrize("op", ["adaptive_avg_pool1d", "adaptive_avg_pool2d",
                                "adaptive_avg_pool3d", "adaptive_max_pool2d"])
def test_adaptive_output_size_errors_have_torch_s_class(op):
    nd = int(op[-2])
    x = (1, 1) + (4,) * nd
    with pytest.raises(TypeError):
        getattr(TF, op)(torch.zeros(x), 2.0)
    with pytest.raises(TypeError, match=f"{op}: output_size must be"):
        getattr(F, op)(autograd.zeros(*x), 2.0)
    with pytest.raises(RuntimeError):
        getattr(TF, op)(torch.zeros(x), (2,) * (nd + 1))
    with pytest.raises(RuntimeError, match=f"{op}: output_size must be"):
        getattr(F, op)(autograd.zeros(*x), (2,) * (nd + 1))
