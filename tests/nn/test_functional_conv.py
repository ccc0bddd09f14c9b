"""conv1d / conv2d: float64 gradchecks and values + gradients against torch."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def check_both(fn, tfn, arrays, seed=0):
    """fn on engine tensors and tfn on torch tensors; return values and input grads of both."""
    ours = [autograd.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = fn(*ours), tfn(*theirs)
    g = np.random.default_rng(seed).standard_normal(ty.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    return ((y.data, [t.grad.data for t in ours]),
            (ty.detach().numpy(), [t.grad.numpy() for t in theirs]))


def assert_same(ours, theirs, rtol=1e-10, atol=1e-12):
    (y, grads), (ty, tgrads) = ours, theirs
    assert y.shape == ty.shape
    np.testing.assert_allclose(y, ty, rtol=rtol, atol=atol)
    for g, tg in zip(grads, tgrads):
        np.testing.assert_allclose(g, tg, rtol=rtol, atol=atol)


@st.composite
def conv_configs(draw, nd):
    groups = draw(st.integers(1, 2))
    c, f = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    size = tuple(draw(st.integers(max(d * (k - 1) + 1 - 2 * p, 1), 6))
                 for k, p, d in zip(kernel, padding, dilation))
    n = draw(st.integers(1, 2))
    bias = draw(st.booleans())
    seed = draw(st.integers(0, 2**16))
    return dict(x=(n, c) + size, w=(f, c // groups) + kernel, bias=bias, stride=stride,
                padding=padding, dilation=dilation, groups=groups, seed=seed)


def arrays_for(cfg):
    rng = np.random.default_rng(cfg["seed"])
    arrays = [rng.standard_normal(cfg["x"]), rng.standard_normal(cfg["w"])]
    if cfg["bias"]:
        arrays.append(rng.standard_normal(cfg["w"][0]))
    return arrays


def geometry(cfg):
    return {k: cfg[k] for k in ("stride", "padding", "dilation", "groups")}


@pytest.mark.parametrize("nd", [1, 2])
@settings(deadline=None, max_examples=25)
@given(data=st.data())
def test_conv_gradcheck(nd, data):
    cfg = data.draw(conv_configs(nd))
    conv = F.conv2d if nd == 2 else F.conv1d
    assert autograd.gradcheck(lambda *a: conv(*a, **geometry(cfg)), arrays_for(cfg),
                              atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("nd", [1, 2])
@settings(deadline=None, max_examples=40)
@given(data=st.data())
def test_conv_matches_torch(nd, data):
    cfg = data.draw(conv_configs(nd))
    ours, tconv = (F.conv2d, TF.conv2d) if nd == 2 else (F.conv1d, TF.conv1d)
    kw = geometry(cfg)
    assert_same(*check_both(lambda *a: ours(*a, **kw), lambda *a: tconv(*a, **kw),
                          arrays_for(cfg), cfg["seed"]))


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("kernel,dilation", [((3, 3), (1, 1)), ((4, 2), (1, 2)), ((2, 3), (3, 1))])
def test_conv2d_string_padding(padding, kernel, dilation):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((2, 3, 9, 8)), rng.standard_normal((4, 3) + kernel),
              rng.standard_normal(4)]
    kw = dict(padding=padding, dilation=dilation)
    ours, theirs = check_both(lambda *a: F.conv2d(*a, **kw), lambda *a: TF.conv2d(*a, **kw), arrays)
    if padding == "same":
        assert ours[0].shape[2:] == (9, 8)
    assert_same(ours, theirs)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_conv1d_same_padding_even_kernel():
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((2, 3, 10)), rng.standard_normal((5, 3, 4))]
    assert_same(*check_both(lambda *a: F.conv1d(*a, padding="same"),
                          lambda *a: TF.conv1d(*a, padding="same"), arrays))


def test_unbatched_input_and_non_contiguous_views():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 7, 3)).transpose(2, 0, 1)          # (3, 6, 7), not contiguous
    w = rng.standard_normal((4, 3, 3, 3))
    assert_same(*check_both(lambda a, b: F.conv2d(a.permute(0, 1, 2), b, padding=1, stride=2),
                          lambda a, b: TF.conv2d(a, b, padding=1, stride=2), [x, w]))


def test_lenet_sized_layer_matches_torch():
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal((8, 16, 14, 14)), rng.standard_normal((32, 16, 3, 3)),
              rng.standard_normal(32)]
    assert_same(*check_both(lambda *a: F.conv2d(*a, padding=1),
                          lambda *a: TF.conv2d(*a, padding=1), arrays))


def test_float32_stays_float32():
    rng = np.random.default_rng(5)
    x = autograd.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32), requires_grad=True)
    w = autograd.tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    b = autograd.tensor(np.zeros(4, np.float32), requires_grad=True)
    y = F.conv2d(x, w, b, padding=1)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32
    ty = TF.conv2d(torch.tensor(x.data), torch.tensor(w.data), padding=1)
    np.testing.assert_allclose(y.data, ty.numpy(), rtol=1e-5, atol=1e-5)


def test_only_weight_needs_grad():
    rng = np.random.default_rng(6)
    x = autograd.tensor(rng.standard_normal((2, 2, 5, 5)))
    w = autograd.tensor(rng.standard_normal((3, 2, 2, 2)), requires_grad=True)
    F.conv2d(x, w).sum().backward()
    tw = torch.tensor(w.data, requires_grad=True)
    TF.conv2d(torch.tensor(x.data), tw).sum().backward()
    np.testing.assert_allclose(w.grad.data, tw.grad.numpy(), rtol=1e-10)
    assert x.grad is None


@pytest.mark.parametrize("x_shape,w_shape,kw,match", [
    ((1, 3, 8, 8), (4, 2, 3, 3), {}, r"3 channels.*\(4, 2, 3, 3\)"),
    ((1, 4, 8, 8), (3, 2, 3, 3), {"groups": 2}, r"3 output channels.*groups=2"),
    ((1, 3, 2, 8), (4, 3, 3, 3), {}, r"\(1, 3, 2, 8\).*smaller than"),
    ((1, 3, 5, 5), (4, 3, 3, 3), {"dilation": 3}, r"dilated kernel \(7, 7\)"),
    ((1, 3, 8, 8), (4, 3, 3, 3), {"stride": 0}, "stride must be >= 1"),
    ((1, 3, 8, 8), (4, 3, 3, 3), {"padding": (1, 2, 3)}, "padding must be"),
    ((1, 3, 8, 8), (4, 3, 3, 3), {"padding": "full"}, "padding must be"),
    ((1, 3, 8, 8), (4, 3, 3, 3), {"padding": "same", "stride": 2}, "needs stride 1"),
    ((3, 8), (4, 3, 3, 3), {}, r"input \(N, C, H, W\) or \(C, H, W\), got shape \(3, 8\)"),
    ((2, 8, 8), (4, 3, 3, 3), {}, r"input of shape \(2, 8, 8\) has 2 channels"),
    ((1, 3, 8, 8), (4, 3, 3), {}, r"weight must be 4-D"),
])
def test_conv2d_bad_arguments(x_shape, w_shape, kw, match):
    # torch raises RuntimeError for each; ours is also the engine's ValueError
    with pytest.raises(RuntimeError):
        TF.conv2d(torch.zeros(x_shape), torch.zeros(w_shape), **kw)
    with pytest.raises(RuntimeError, match=match):
        F.conv2d(autograd.zeros(*x_shape), autograd.zeros(*w_shape), **kw)
    with pytest.raises(ValueError, match=match):
        F.conv2d(autograd.zeros(*x_shape), autograd.zeros(*w_shape), **kw)


CONVS = {"conv1d": ((1, 2, 5), (3, 2, 2)), "conv2d": ((1, 2, 5, 5), (3, 2, 2, 2)),
         "conv3d": ((1, 2, 4, 4, 4), (3, 2, 2, 2, 2)),
         "conv_transpose2d": ((1, 2, 5, 5), (2, 3, 2, 2))}


@pytest.mark.parametrize("op", sorted(CONVS))
@pytest.mark.parametrize("arg", ["stride", "padding", "dilation", "groups"])
@pytest.mark.parametrize("value", [1.5, None])
def test_a_float_or_none_size_is_a_type_error_as_in_torch(op, arg, value):
    x, w = CONVS[op]
    with pytest.raises(TypeError):
        getattr(TF, op)(torch.zeros(x), torch.zeros(w), **{arg: value})
    with pytest.raises(TypeError, match=f"{op}: {arg} must be"):
        getattr(F, op)(autograd.zeros(*x), autograd.zeros(*w), **{arg: value})


@pytest.mark.parametrize("op,kw", [("conv2d", dict(padding=(1,), stride=(2,))),
                                   ("conv2d", dict(dilation=(2,))),
                                   ("conv3d", dict(padding=(1,), dilation=[1])),
                                   ("conv_transpose2d", dict(stride=(2,), output_padding=(1,),
                                                             padding=[1]))])
def test_length_one_sizes_stand_for_every_dim_as_in_torch(op, kw):
    x, w = CONVS[op]
    rng = np.random.default_rng(10)
    arrays = [rng.standard_normal(x), rng.standard_normal(w)]
    assert_same(*check_both(lambda *a: getattr(F, op)(*a, **kw),
                            lambda *a: getattr(TF, op)(*a, **kw), arrays))


def test_an_unbatched_conv3d_error_shows_the_input_s_own_shape():
    with pytest.raises(RuntimeError, match=r"conv3d: input of shape \(2, 4, 4, 4\) with "):
        F.conv3d(autograd.zeros(2, 4, 4, 4), autograd.zeros(3, 2, 5, 5, 5))
    with pytest.raises(RuntimeError, match=r"conv3d: input of shape \(2, 4, 4, 4\) has 2 "):
        F.conv3d(autograd.zeros(2, 4, 4, 4), autograd.zeros(3, 3, 1, 1, 1))


def test_conv_bad_bias_and_dtypes():
    x, w = autograd.zeros(1, 3, 8, 8), autograd.zeros(4, 3, 3, 3)
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\)"):
        F.conv2d(x, w, autograd.zeros(3))
    with pytest.raises(TypeError, match="input torch.float32, weight torch.float64"):
        F.conv2d(x, w.double())
    with pytest.raises(TypeError, match="int64"):
        F.conv1d(autograd.tensor(np.zeros((1, 3, 8), np.int64)), autograd.zeros(4, 3, 3))


@pytest.mark.parametrize("c,groups", [(2, 1), (8, 1), (8, 2)])    # K = 18 / 72 / 36 rows
@pytest.mark.parametrize("geom", [dict(padding=1), dict(stride=2, dilation=(1, 2), padding=(0, 2))])
def test_per_image_and_batch_wide_products(c, groups, geom):
    # K <= PER_IMAGE_MAX_K runs the products per image, larger K (or groups) one batch-wide
    # product; both, with every input needing a gradient, against torch and finite differences
    from autograd.ops.conv import PER_IMAGE_MAX_K
    assert (c // groups * 9 <= PER_IMAGE_MAX_K) == (c == 2)
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal((3, c, 7, 8)), rng.standard_normal((4, c // groups, 3, 3)),
              rng.standard_normal(4)]
    kw = dict(geom, groups=groups)
    assert_same(*check_both(lambda *a: F.conv2d(*a, **kw), lambda *a: TF.conv2d(*a, **kw), arrays))
    small = [arrays[0][:2]] + arrays[1:]              # a batch of 2 keeps the check quick
    assert autograd.gradcheck(lambda *a: F.conv2d(*a, **kw), small, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("c", [1, 16])
def test_float32_lenet_layers_stay_float32_and_close_to_torch(c):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((4, c, 12, 12)).astype(np.float32)
    w = rng.standard_normal((8, c, 3, 3)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    ours, theirs = check_both(lambda *a: F.conv2d(*a, padding=1),
                              lambda *a: TF.conv2d(*a, padding=1), [x, w, b])
    assert ours[0].dtype == np.float32 and all(g.dtype == np.float32 for g in ours[1])
    assert_same(ours, theirs, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("c", [1, 16])                 # per-image (bias in the product) / wide
@pytest.mark.parametrize("need", [(True, False, True), (False, False, True), (False, True, False),
                                  (True, True, False), (False, True, True)])
def test_bias_gradient_whichever_inputs_need_grad(c, need):
    # the small-K path gets the bias gradient from the dW product (a ones row in cols) when
    # the weight needs a gradient, and from a sum of g otherwise
    rng = np.random.default_rng(9)
    arrays = [rng.standard_normal((3, c, 6, 7)), rng.standard_normal((4, c, 3, 3)),
              rng.standard_normal(4)]
    ours = [autograd.tensor(a, requires_grad=r) for a, r in zip(arrays, need)]
    theirs = [torch.tensor(a, requires_grad=r) for a, r in zip(arrays, need)]
    y, ty = F.conv2d(*ours, padding=1), TF.conv2d(*theirs, padding=1)
    g = rng.standard_normal(ty.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    for t, tt, r in zip(ours, theirs, need):
        if r:
            np.testing.assert_allclose(t.grad.data, tt.grad.numpy(), rtol=1e-10, atol=1e-12)
        else:
            assert t.grad is None
