"""conv_transpose1d / conv_transpose2d and nn.ConvTranspose1d / 2d: values and gradients
against torch in float64 (rtol 1e-10), float64 gradchecks, float32 preservation, the modules'
repr, parameters, init and output_size, and the errors."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
OURS = {1: F.conv_transpose1d, 2: F.conv_transpose2d}
THEIRS = {1: TF.conv_transpose1d, 2: TF.conv_transpose2d}


def check_both(fn, tfn, arrays, seed=0):
    """fn on engine tensors and tfn on torch tensors (float64, all requiring grad), contracted
    with one random cotangent; -> ((y, grads), (torch y, torch grads))."""
    ours = [autograd.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = fn(*ours), tfn(*theirs)
    g = np.random.default_rng(seed).standard_normal(tuple(ty.shape))
    y.backward(autograd.tensor(g))
    ty.backward(torch.tensor(g))
    return ((y.data, [t.grad.data for t in ours]),
            (ty.detach().numpy(), [t.grad.numpy() for t in theirs]))


def assert_same(ours, theirs, rtol=1e-10, atol=1e-12):
    (y, grads), (ty, tgrads) = ours, theirs
    assert y.shape == ty.shape, f"output shape {y.shape} != torch's {ty.shape}"
    assert y.dtype == ty.dtype
    np.testing.assert_allclose(y, ty, rtol=rtol, atol=atol, err_msg="output")
    assert len(grads) == len(tgrads)
    for i, (g, tg) in enumerate(zip(grads, tgrads)):
        assert g.shape == tg.shape and g.dtype == tg.dtype
        np.testing.assert_allclose(g, tg, rtol=rtol, atol=atol, err_msg=f"gradient of input {i}")


@st.composite
def configs(draw, nd):
    """Shapes and options with a positive output size; output_padding < max(stride, dilation)
    (so it may reach past the stride when the dilation is larger)."""
    groups = draw(st.integers(1, 2))
    c_in, cg_out = groups * draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    out_pad = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    size = tuple(draw(st.integers(1, 4)) for _ in range(nd))
    # padding up to what still leaves an output of size >= 1
    padding = tuple(draw(st.integers(0, min(2, ((i - 1) * s + d * (k - 1) + o) // 2)))
                    for i, s, d, k, o in zip(size, stride, dilation, kernel, out_pad))
    return dict(x=(draw(st.integers(1, 2)), c_in) + size, w=(c_in, cg_out) + kernel,
                bias=draw(st.booleans()), seed=draw(st.integers(0, 2**16)),
                kw=dict(stride=stride, padding=padding, output_padding=out_pad, groups=groups,
                        dilation=dilation))


def arrays_for(cfg):
    rng = np.random.default_rng(cfg["seed"])
    arrays = [rng.standard_normal(cfg["x"]), rng.standard_normal(cfg["w"])]
    if cfg["bias"]:
        arrays.append(rng.standard_normal(cfg["w"][1] * cfg["kw"]["groups"]))
    return arrays


# ------------------------------------------------------------------------- functional
@pytest.mark.parametrize("nd", [1, 2])
@settings(deadline=None, max_examples=40)
@given(data=st.data())
def test_matches_torch(nd, data):
    cfg = data.draw(configs(nd))
    kw = cfg["kw"]
    assert_same(*check_both(lambda *a: OURS[nd](*a, **kw), lambda *a: THEIRS[nd](*a, **kw),
                            arrays_for(cfg), cfg["seed"]))


@pytest.mark.parametrize("nd", [1, 2])
@settings(deadline=None, max_examples=15)
@given(data=st.data())
def test_gradcheck(nd, data):
    cfg = data.draw(configs(nd))
    assert autograd.gradcheck(lambda *a: OURS[nd](*a, **cfg["kw"]), arrays_for(cfg),
                              atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("nd,x_shape,w_shape,kw", [
    (2, (2, 4, 5, 6), (4, 3, 3, 2), dict(stride=2, padding=1, output_padding=1, dilation=(1, 2))),
    (2, (1, 4, 3, 4), (4, 1, 2, 3), dict(stride=(1, 2), padding=(0, 2), output_padding=(2, 1),
                                         groups=4, dilation=(3, 1))),
    (2, (2, 6, 4, 4), (6, 2, 3, 3), dict(stride=3, groups=3)),     # kernel gaps in the output
    (1, (2, 3, 7), (3, 2, 4), dict(stride=2, padding=3, output_padding=1)),
    (1, (1, 2, 5), (2, 3, 1), dict(stride=3, output_padding=2)),   # 1x1 kernel, stride 3
])
def test_fixed_cases_match_torch_and_gradcheck(nd, x_shape, w_shape, kw):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(x_shape), rng.standard_normal(w_shape),
              rng.standard_normal(w_shape[1] * kw.get("groups", 1))]
    assert_same(*check_both(lambda *a: OURS[nd](*a, **kw), lambda *a: THEIRS[nd](*a, **kw),
                            arrays))
    assert autograd.gradcheck(lambda *a: OURS[nd](*a, **kw), arrays, atol=1e-6, rtol=1e-5)


def test_positional_arguments_in_torch_order():
    # (input, weight, bias, stride, padding, output_padding, groups, dilation)
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((2, 4, 3, 3)), rng.standard_normal((4, 1, 3, 3)),
              rng.standard_normal(2)]
    assert_same(*check_both(lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1, 2, 1),
                            lambda x, w, b: TF.conv_transpose2d(x, w, b, 2, 1, 1, 2, 1), arrays))


@pytest.mark.parametrize("nd", [1, 2])
def test_unbatched_input(nd):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4,) + (5,) * nd)
    w, b = rng.standard_normal((4, 3) + (3,) * nd), rng.standard_normal(6)
    kw = dict(stride=2, padding=1, output_padding=1, groups=2)
    ours, theirs = check_both(lambda *a: OURS[nd](*a, **kw), lambda *a: THEIRS[nd](*a, **kw),
                              [x, w, b])
    assert ours[0].shape == (6,) + (10,) * nd
    assert_same(ours, theirs)


def test_non_contiguous_input():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 6, 3, 2)).transpose(3, 2, 0, 1)      # (2, 3, 5, 6), strided
    w = rng.standard_normal((3, 2, 2, 3))
    assert_same(*check_both(lambda a, b: F.conv_transpose2d(a, b, stride=2, padding=(1, 0)),
                            lambda a, b: TF.conv_transpose2d(a, b, stride=2, padding=(1, 0)),
                            [x, w]))


@pytest.mark.parametrize("nd", [1, 2])
def test_empty_batch(nd):
    rng = np.random.default_rng(5)
    arrays = [np.zeros((0, 4) + (3,) * nd), rng.standard_normal((4, 3) + (2,) * nd),
              rng.standard_normal(3)]
    ours, theirs = check_both(lambda *a: OURS[nd](*a, stride=2),
                              lambda *a: THEIRS[nd](*a, stride=2), arrays)
    assert ours[0].shape == (0, 3) + (6,) * nd
    assert_same(ours, theirs)


def test_float32_stays_float32():
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal((2, 4, 6, 5)).astype(np.float32),
              rng.standard_normal((4, 3, 3, 3)).astype(np.float32),
              rng.standard_normal(6).astype(np.float32)]
    kw = dict(stride=2, padding=1, output_padding=1, groups=2)
    ours, theirs = check_both(lambda *a: F.conv_transpose2d(*a, **kw),
                              lambda *a: TF.conv_transpose2d(*a, **kw), arrays)
    assert ours[0].dtype == np.float32 and all(g.dtype == np.float32 for g in ours[1])
    assert_same(ours, theirs, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("which", [0, 1, 2])
def test_one_input_needs_grad(which):
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal((2, 2, 4)), rng.standard_normal((2, 3, 3)),
              rng.standard_normal(3)]
    ours = [autograd.tensor(a, requires_grad=i == which) for i, a in enumerate(arrays)]
    theirs = [torch.tensor(a, requires_grad=i == which) for i, a in enumerate(arrays)]
    F.conv_transpose1d(*ours, stride=2).square().sum().backward()
    TF.conv_transpose1d(*theirs, stride=2).square().sum().backward()
    for i, (t, tt) in enumerate(zip(ours, theirs)):
        if i == which:
            np.testing.assert_allclose(t.grad.data, tt.grad.numpy(), rtol=1e-10, atol=1e-12)
        else:
            assert t.grad is None


def test_no_grad_forward():
    rng = np.random.default_rng(8)
    x, w = rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((2, 2, 2, 2))
    with autograd.no_grad():
        y = F.conv_transpose2d(autograd.tensor(x, requires_grad=True),
                               autograd.tensor(w, requires_grad=True), stride=2)
    assert not y.requires_grad
    np.testing.assert_allclose(y.data, TF.conv_transpose2d(torch.tensor(x), torch.tensor(w),
                                                           stride=2).numpy(), rtol=1e-10)


def test_is_the_input_gradient_of_conv2d():
    # <conv_transpose(y), x> == <y, conv(x)> for the same weight and geometry
    rng = np.random.default_rng(9)
    x, y = rng.standard_normal((2, 3, 9, 8)), rng.standard_normal((2, 4, 5, 4))
    w = rng.standard_normal((4, 3, 3, 2))
    kw = dict(stride=2, padding=1, dilation=(1, 2))
    conv = F.conv2d(autograd.tensor(x), autograd.tensor(w), **kw).data
    back = F.conv_transpose2d(autograd.tensor(y), autograd.tensor(w), output_padding=(0, 1),
                              **kw).data
    assert back.shape == x.shape
    np.testing.assert_allclose((back * x).sum(), (y * conv).sum(), rtol=1e-10)


@pytest.mark.parametrize("nd,x_shape,w_shape,kw,match", [
    (2, (1, 3, 4, 4), (4, 2, 3, 3), {}, r"\(1, 3, 4, 4\) has 3 channels.*\(4, 2, 3, 3\) "
                                        r"expects 4"),
    (2, (1, 4, 4, 4), (4, 2, 3, 3), {"groups": 3}, r"\(4, 2, 3, 3\) has 4 input channels, not "
                                                   r"divisible by groups=3"),
    (2, (1, 4, 4, 4), (4, 2, 3, 3), {"groups": 0}, "groups must be a positive int"),
    (2, (1, 4, 4, 4), (4, 2, 3, 3), {"output_padding": 1}, r"output_padding \(1, 1\) must be "
                                                           r"smaller than either stride \(1, 1\)"
                                                           r" or dilation \(1, 1\)"),
    (2, (1, 4, 4, 4), (4, 2, 3, 3), {"output_padding": (1, 2), "stride": 2, "dilation": 2},
     "output_padding"),
    (1, (1, 4, 4), (4, 2, 3), {"output_padding": -1}, "output_padding must be >= 0"),
    (1, (1, 4, 4), (4, 2, 3), {"padding": -1}, "padding must be >= 0"),
    (1, (1, 4, 4), (4, 2, 3), {"stride": 0}, "stride must be >= 1"),
    (1, (1, 4, 4), (4, 2, 3), {"dilation": 0}, "dilation must be >= 1"),
    (2, (1, 4, 4, 4), (4, 2, 3, 3), {"padding": "same"}, "padding must be an int or a tuple"),
    (2, (1, 4, 4, 4), (4, 2, 3, 3), {"stride": (1, 2, 3)}, "stride must be an int or a tuple"),
    (2, (1, 4, 2, 2), (4, 2, 3, 3), {"padding": 2},
     r"input of shape \(1, 4, 2, 2\).*output size \(0, 0\), which is too small"),
    (2, (4, 4), (4, 2, 3, 3), {}, r"input \(N, C, H, W\) or \(C, H, W\), got shape \(4, 4\)"),
    (1, (1, 4, 4), (4, 2, 3, 3), {}, r"weight must be 3-D .*\(4, 2, 3, 3\)"),
    (2, (1, 4, 4, 4), (4, 0, 3, 3), {}, r"weight of shape \(4, 0, 3, 3\) has a zero-size dim"),
    (2, (1, 4, 0, 4), (4, 2, 3, 3), {}, r"input of shape \(1, 4, 0, 4\) has a zero-size "
                                        r"spatial dim"),
])
def test_bad_arguments(nd, x_shape, w_shape, kw, match):
    with pytest.raises(ValueError, match=match):
        OURS[nd](autograd.zeros(*x_shape), autograd.zeros(*w_shape), **kw)


def test_bad_bias_and_dtypes():
    x, w = autograd.zeros(1, 4, 3, 3), autograd.zeros(4, 3, 2, 2)
    with pytest.raises(ValueError, match=r"bias must have shape \(6,\) for weight of shape "
                                         r"\(4, 3, 2, 2\) with groups=2, got \(3,\)"):
        F.conv_transpose2d(x, w, autograd.zeros(3), groups=2)
    with pytest.raises(TypeError, match="conv_transpose2d: .*input torch.float32, weight torch.float64"):
        F.conv_transpose2d(x, w.double())
    with pytest.raises(TypeError, match="conv_transpose1d: .*int64"):
        F.conv_transpose1d(autograd.tensor(np.zeros((1, 4, 3), np.int64)), autograd.zeros(4, 3, 2))


# ------------------------------------------------------------------------- modules
@st.composite
def module_configs(draw, nd):
    cfg = draw(configs(nd))
    groups = cfg["kw"]["groups"]
    kw = dict(cfg["kw"], kernel_size=cfg["w"][2:], bias=cfg["bias"])
    return cfg["w"][0], cfg["w"][1] * groups, kw, cfg["x"], cfg["seed"]


def _pair(nd, c_in, c_out, kw):
    """Our module (float64) and torch's with the same parameters."""
    ours = (nn.ConvTranspose1d if nd == 1 else nn.ConvTranspose2d)(c_in, c_out, **kw).double()
    theirs = (torch.nn.ConvTranspose1d if nd == 1 else torch.nn.ConvTranspose2d)(c_in, c_out,
                                                                                  **kw).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    return ours, theirs


def _module_check(ours, theirs, x, seed=0, **fwd):
    xs, xt = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ours(xs, **fwd), theirs(xt, **fwd)
    g = np.random.default_rng(seed).standard_normal(tuple(yt.shape))
    y.backward(autograd.tensor(g))
    yt.backward(torch.tensor(g))
    assert y.shape == tuple(yt.shape)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xs.grad.data, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    tparams = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(tparams)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.data, tparams[name].grad.numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=f"grad of {name}")


@pytest.mark.parametrize("nd", [1, 2])
@settings(deadline=None, max_examples=15)
@given(data=st.data())
def test_module_matches_torch(nd, data):
    c_in, c_out, kw, x_shape, seed = data.draw(module_configs(nd))
    ours, theirs = _pair(nd, c_in, c_out, kw)
    assert repr(ours) == repr(theirs)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    _module_check(ours, theirs, np.random.default_rng(seed).standard_normal(x_shape), seed)


@pytest.mark.parametrize("output_size", [(12, 10), [11, 9], (2, 6, 12, 9)])
def test_module_output_size(output_size):
    kw = dict(kernel_size=(3, 2), stride=2, padding=1, output_padding=1, groups=2, dilation=2)
    ours, theirs = _pair(2, 4, 6, kw)
    x = np.random.default_rng(10).standard_normal((2, 4, 5, 5))
    _module_check(ours, theirs, x, output_size=output_size)
    assert ours(autograd.tensor(x), output_size=output_size).shape[2:] == tuple(output_size[-2:])


def test_module_output_size_unbatched_and_1d():
    ours, theirs = _pair(1, 2, 3, dict(kernel_size=3, stride=3))
    x = np.random.default_rng(11).standard_normal((2, 4))
    for size in ([12], (3, 13), (14,)):
        _module_check(ours, theirs, x, output_size=size)


def test_module_output_size_errors():
    m = nn.ConvTranspose2d(4, 6, (3, 2), stride=2, padding=1, dilation=2)
    x = autograd.zeros(2, 4, 5, 5)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: requested an output size of "
                                         r"\(11, 11\), but valid sizes range from \(11, 9\) to "
                                         r"\(12, 10\) \(for an input of shape \(2, 4, 5, 5\)\)"):
        m(x, output_size=(11, 11))
    with pytest.raises(ValueError, match=r"for 4-D input, output_size must have 2 or 4 elements, "
                                         r"got \(6, 11, 9\)"):
        m(x, output_size=(6, 11, 9))


@pytest.mark.parametrize("size,dilation", [((11, 9), "self"), ((2, 6, 12, 10), "self"),
                                          (None, "self"), ((10, 8), None)])
def test_output_padding_takes_torch_s_arguments(size, dilation):
    # torch's signature (input, output_size, stride, padding, kernel_size, num_spatial_dims,
    # dilation=None), which subclasses with their own forward call; dilation None means 1
    ours, theirs = _pair(2, 4, 6, dict(kernel_size=(3, 2), stride=2, padding=1, dilation=2))
    results = []
    for m, x in ((ours, autograd.zeros(2, 4, 5, 5)), (theirs, torch.zeros(2, 4, 5, 5))):
        args = (x, size, m.stride, m.padding, m.kernel_size, 2)
        results.append(m._output_padding(*args) if dilation is None
                       else m._output_padding(*args, m.dilation))
    assert list(results[0]) == list(results[1])
    assert ours._reversed_padding_repeated_twice == theirs._reversed_padding_repeated_twice


def test_module_gradcheck():
    m = nn.ConvTranspose2d(2, 4, (2, 3), stride=(2, 1), padding=(1, 1), output_padding=(1, 0),
                           groups=2, dilation=(1, 2)).double()
    x = np.random.default_rng(12).standard_normal((2, 2, 3, 3))
    assert autograd.gradcheck(lambda a, w, b: F.conv_transpose2d(
        a, w, b, m.stride, m.padding, m.output_padding, m.groups, m.dilation),
        [x, m.weight.data, m.bias.data], atol=1e-6, rtol=1e-5)
    assert autograd.gradcheck(lambda a: m(a), [x], atol=1e-6, rtol=1e-5)


def test_module_defaults_attributes_and_float32():
    m = nn.ConvTranspose2d(4, 6, 3, groups=2)
    assert m.weight.shape == (4, 3, 3, 3) and m.bias.shape == (6,)
    assert m.weight.dtype == m.bias.dtype == np.float32
    assert (m.kernel_size, m.stride, m.padding, m.output_padding, m.dilation) == (
        (3, 3), (1, 1), (0, 0), (0, 0), (1, 1))
    assert m.transposed and m.padding_mode == "zeros" and m.groups == 2
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    no_bias = nn.ConvTranspose1d(4, 6, 3, bias=False)
    assert no_bias.bias is None and [n for n, _ in no_bias.named_parameters()] == ["weight"]
    assert repr(no_bias) == repr(torch.nn.ConvTranspose1d(4, 6, 3, bias=False))
    x = autograd.randn(2, 4, 5, 5, requires_grad=True)
    y = m(x)
    assert y.dtype == np.float32 and y.shape == (2, 6, 7, 7)
    y.sum().backward()
    assert x.grad.dtype == m.weight.grad.dtype == m.bias.grad.dtype == np.float32


@pytest.mark.parametrize("cls,args,fan_in", [
    (nn.ConvTranspose2d, (8, 64, (3, 5)), 64 * 15),
    (nn.ConvTranspose2d, (64, 32, 4, 2, 1, 0, 4), 8 * 16),    # groups=4
    (nn.ConvTranspose1d, (16, 128, 7), 128 * 7),
])
def test_module_default_init(cls, args, fan_in):
    # kaiming_uniform_(a=sqrt(5)) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)); fan_in taken as torch
    # does from the transposed weight: C_out/groups * kernel; the bias uses the same bound
    autograd.manual_seed(0)
    m = cls(*args)
    theirs = getattr(torch.nn, cls.__name__)(*args)
    assert m.weight.shape == tuple(theirs.weight.shape)
    bound = 1 / math.sqrt(fan_in)
    for p, tp in ((m.weight.data, theirs.weight), (m.bias.data, theirs.bias)):
        n = p.size
        assert np.abs(p).max() <= bound and np.abs(p).max() > bound * (1 - 20 / n)
        assert float(tp.detach().abs().max()) <= bound
        if n >= 1000:
            assert abs(p.std() / (bound / math.sqrt(3)) - 1) < 5 * math.sqrt(0.8 / (4 * n))
            assert abs(p.mean()) < 5 * bound / math.sqrt(3 * n)


def test_module_errors():
    with pytest.raises(ValueError, match=r"divisible by groups \(2\)"):
        nn.ConvTranspose2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r'ConvTranspose2d: only "zeros" padding mode'):
        nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="string padding is not supported"):
        nn.ConvTranspose1d(3, 4, 3, padding="same")
    with pytest.raises(ValueError, match="kernel_size must be an int or a tuple of 2 ints"):
        nn.ConvTranspose2d(3, 4, (3, 3, 3))
    with pytest.raises(ValueError, match="groups must be a positive integer"):
        nn.ConvTranspose1d(3, 3, 3, groups=0)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: expected input of shape \(N, 3, H, W\)"
                                         r" or \(3, H, W\), got \(1, 2, 5, 5\)"):
        nn.ConvTranspose2d(3, 4, 3)(autograd.randn(1, 2, 5, 5))
    with pytest.raises(TypeError, match="expected a Tensor input"):
        nn.ConvTranspose1d(3, 4, 3)(np.zeros((1, 3, 5)))
    # accepted when built, as in torch; the call names the rule
    with pytest.raises(ValueError, match="output_padding .* must be smaller than either stride"):
        nn.ConvTranspose1d(3, 4, 3, output_padding=1)(autograd.randn(1, 3, 5))
