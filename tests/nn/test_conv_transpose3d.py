"""F.conv_transpose3d and nn.ConvTranspose3d: values and gradients against torch in float64
(rtol 1e-10) over stride / padding / output_padding / groups / dilation, float64 gradchecks
(and a second-order one), float32 preservation, the module's init, repr, output_size and
errors."""
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


def check_both(kw, arrays, seed=0):
    """conv_transpose3d on engine and torch tensors (all requiring grad), contracted with one
    random cotangent; -> ((y, grads), (torch y, torch grads))."""
    ours = [autograd.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = F.conv_transpose3d(*ours, **kw), TF.conv_transpose3d(*theirs, **kw)
    g = np.random.default_rng(seed).standard_normal(tuple(ty.shape))
    y.backward(autograd.tensor(g))
    ty.backward(torch.tensor(g))
    return ((y.data, [t.grad.data for t in ours]),
            (ty.detach().numpy(), [t.grad.numpy() for t in theirs]))


def assert_same(ours, theirs, rtol=1e-10, atol=1e-12):
    (y, grads), (ty, tgrads) = ours, theirs
    assert y.shape == ty.shape and y.dtype == ty.dtype, f"{y.shape} {y.dtype} vs {ty.shape}"
    np.testing.assert_allclose(y, ty, rtol=rtol, atol=atol, err_msg="output")
    for i, (g, tg) in enumerate(zip(grads, tgrads)):
        assert g.shape == tg.shape and g.dtype == tg.dtype
        np.testing.assert_allclose(g, tg, rtol=rtol, atol=atol, err_msg=f"gradient {i}")


@st.composite
def configs(draw):
    """Small shapes with a positive output; output_padding < max(stride, dilation)."""
    groups = draw(st.integers(1, 2))
    c_in, cg_out = groups * draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 2)) for _ in range(3))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(3))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(3))
    out_pad = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    size = tuple(draw(st.integers(1, 3)) for _ in range(3))
    padding = tuple(draw(st.integers(0, min(1, ((i - 1) * s + d * (k - 1) + o) // 2)))
                    for i, s, d, k, o in zip(size, stride, dilation, kernel, out_pad))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    arrays = [rng.standard_normal((draw(st.integers(1, 2)), c_in) + size),
              rng.standard_normal((c_in, cg_out) + kernel)]
    if draw(st.booleans()):
        arrays.append(rng.standard_normal(cg_out * groups))
    return arrays, dict(stride=stride, padding=padding, output_padding=out_pad, groups=groups,
                        dilation=dilation)


@settings(deadline=None, max_examples=30)
@given(cfg=configs())
def test_matches_torch(cfg):
    arrays, kw = cfg
    assert_same(*check_both(kw, arrays))


@settings(deadline=None, max_examples=8)
@given(cfg=configs())
def test_gradcheck(cfg):
    arrays, kw = cfg
    assert autograd.gradcheck(lambda *a: F.conv_transpose3d(*a, **kw), arrays, atol=1e-6,
                              rtol=1e-5)


@pytest.mark.parametrize("x_shape,w_shape,kw", [
    ((2, 4, 3, 2, 3), (4, 3, 2, 3, 2), dict(stride=(2, 1, 3), padding=(1, 0, 1),
                                            output_padding=(1, 0, 2), groups=2,
                                            dilation=(1, 2, 1))),
    ((1, 3, 2, 3, 2), (3, 1, 3, 1, 2), dict(stride=2, padding=1, output_padding=1, groups=3)),
    ((1, 2, 2, 2, 2), (2, 2, 1, 1, 1), dict(stride=3)),              # 1x1x1 kernel: gaps
    ((2, 2, 3, 3, 3), (2, 1, 2, 2, 2), dict(dilation=2, padding=2)),  # padding crops taps
])
def test_fixed_cases_match_torch_and_gradcheck(x_shape, w_shape, kw):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(x_shape), rng.standard_normal(w_shape),
              rng.standard_normal(w_shape[1] * kw.get("groups", 1))]
    assert_same(*check_both(kw, arrays))
    assert autograd.gradcheck(lambda *a: F.conv_transpose3d(*a, **kw), arrays, atol=1e-6,
                              rtol=1e-5)


def test_second_order_gradcheck():
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((1, 2, 2, 2, 1)), rng.standard_normal((2, 1, 2, 1, 2)),
              rng.standard_normal(1)]
    kw = dict(stride=2, padding=(1, 0, 0), output_padding=(1, 0, 1))
    assert autograd.gradgradcheck(lambda *a: F.conv_transpose3d(*a, **kw), arrays)


def test_positional_arguments_unbatched_and_empty_batch():
    rng = np.random.default_rng(3)
    w, b = rng.standard_normal((4, 1, 2, 2, 2)), rng.standard_normal(2)
    x = rng.standard_normal((4, 2, 3, 2))                      # unbatched (C, D, H, W)
    # (input, weight, bias, stride, padding, output_padding, groups, dilation)
    y = F.conv_transpose3d(autograd.tensor(x), autograd.tensor(w), autograd.tensor(b),
                           2, 1, 1, 2, 1)
    ty = TF.conv_transpose3d(torch.tensor(x), torch.tensor(w), torch.tensor(b), 2, 1, 1, 2, 1)
    assert y.shape == tuple(ty.shape) == (2, 3, 5, 3)
    np.testing.assert_allclose(y.data, ty.numpy(), rtol=1e-10, atol=1e-12)
    empty = [np.zeros((0, 4, 2, 2, 2)), w, b]
    assert_same(*check_both(dict(stride=2, groups=2), empty))


def test_float32_stays_float32():
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(s).astype(np.float32)
              for s in ((2, 2, 3, 3, 2), (2, 3, 2, 2, 2), (3,))]
    ours, theirs = check_both(dict(stride=2, padding=1), arrays)
    assert ours[0].dtype == np.float32 and all(g.dtype == np.float32 for g in ours[1])
    assert_same(ours, theirs, rtol=1e-4, atol=1e-4)


def test_is_the_input_gradient_of_conv3d():
    # <conv_transpose3d(y), x> == <y, conv3d(x)> for the same weight and geometry
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((2, 3, 7, 6, 5)), rng.standard_normal((2, 4, 4, 3, 3))
    w = rng.standard_normal((4, 3, 3, 2, 2))
    kw = dict(stride=2, padding=1, dilation=(1, 2, 1))
    conv = F.conv3d(autograd.tensor(x), autograd.tensor(w), **kw).data
    back = F.conv_transpose3d(autograd.tensor(y), autograd.tensor(w), output_padding=(0, 1, 1),
                              **kw).data
    assert back.shape == x.shape
    np.testing.assert_allclose((back * x).sum(), (y * conv).sum(), rtol=1e-10)


def test_errors():
    x, w = autograd.zeros(1, 2, 2, 2, 2), autograd.zeros(2, 1, 2, 2, 2)
    with pytest.raises(ValueError, match="5-D"):
        F.conv_transpose3d(x, autograd.zeros(2, 1, 2, 2))
    with pytest.raises(ValueError, match="expected input"):
        F.conv_transpose3d(autograd.zeros(2, 2, 2), w)
    with pytest.raises(ValueError, match="channels"):
        F.conv_transpose3d(autograd.zeros(1, 3, 2, 2, 2), w)
    with pytest.raises(ValueError, match="output_padding"):
        F.conv_transpose3d(x, w, stride=2, output_padding=2)


# ------------------------------------------------------------------------- the module
def test_module_matches_torch_with_copied_weights():
    kw = dict(stride=(2, 1, 2), padding=(1, 0, 0), output_padding=(1, 0, 0), groups=2,
              dilation=(1, 1, 2))
    ours = nn.ConvTranspose3d(4, 6, (3, 2, 2), dtype=autograd.float64, **kw)
    theirs = torch.nn.ConvTranspose3d(4, 6, (3, 2, 2), dtype=torch.float64, **kw)
    assert ours.weight.shape == tuple(theirs.weight.shape) == (4, 3, 3, 2, 2)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(6).standard_normal((2, 4, 3, 2, 3))
    xs, txs = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(xs), theirs(txs)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    y.square().sum().backward()
    ty.square().sum().backward()
    np.testing.assert_allclose(xs.grad.data, txs.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.bias.grad.data, theirs.bias.grad.numpy(), rtol=1e-10)


def test_module_init_bounds_and_output_size():
    autograd.manual_seed(0)
    m = nn.ConvTranspose3d(8, 4, 3)
    bound = 1 / math.sqrt(4 * 27)     # fan_in = C_out / groups * kD * kH * kW
    assert np.abs(m.weight.data).max() <= bound and np.abs(m.bias.data).max() <= bound
    assert np.abs(m.weight.data).max() > 0.8 * bound
    m = nn.ConvTranspose3d(2, 2, 3, stride=2, padding=1)
    x = autograd.zeros(1, 2, 3, 3, 3)
    assert m(x).shape == (1, 2, 5, 5, 5)
    assert m(x, output_size=(6, 5, 6)).shape == (1, 2, 6, 5, 6)
    assert m(x, output_size=(1, 2, 6, 6, 6)).shape == (1, 2, 6, 6, 6)
    with pytest.raises(ValueError, match="output size"):
        m(x, output_size=(7, 5, 5))
    with pytest.raises(ValueError, match="expected input"):
        m(autograd.zeros(1, 3, 3, 3, 3))
