"""The fused Linear op (F.linear, nn.Linear): against its composition x @ w.t() + b (its test
oracle), torch, a float64 gradcheck, and clear errors."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from tests.helpers import check_float32, check_op

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(3)
SHAPES = [(4, 5), (5,), (2, 3, 5), (2, 1, 3, 5), (0, 5), (3, 0)]


def _composed(x, w, b=None):
    y = x @ w.t()
    return y if b is None else y + b


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch_and_gradchecks(shape, bias):
    n_in = shape[-1]
    x, w, b = RNG.standard_normal(shape), RNG.standard_normal((3, n_in)), RNG.standard_normal(3)
    args = (x, w, b) if bias else (x, w)
    check_op(lambda *t: F.linear(*t), lambda *t: TF.linear(*t), *args)


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 5)])
def test_linear_is_its_composition_bitwise_in_float32(shape):
    x = autograd.tensor(RNG.standard_normal(shape).astype(np.float32), requires_grad=True)
    w = autograd.tensor(RNG.standard_normal((6, 5)).astype(np.float32), requires_grad=True)
    b = autograd.tensor(RNG.standard_normal(6).astype(np.float32), requires_grad=True)
    g = RNG.standard_normal(shape[:-1] + (6,)).astype(np.float32)
    results = []
    for fn in (F.linear, _composed):
        for t in (x, w, b):
            t.grad = None
        y = fn(x, w, b)
        (y * autograd.tensor(g)).sum().backward()
        results.append([y.data, x.grad.data, w.grad.data, b.grad.data])
    for fused, composed in zip(*results):
        assert fused.dtype == np.float32
        np.testing.assert_array_equal(fused, composed)


def test_linear_on_a_strided_input_and_float32():
    base = autograd.tensor(RNG.standard_normal((4, 6, 10)), requires_grad=True)
    tb = torch.tensor(base.data, requires_grad=True)
    w = RNG.standard_normal((3, 5))
    y = F.linear(base[:, ::2, 1:6], autograd.tensor(w))
    ty = TF.linear(tb[:, ::2, 1:6], torch.tensor(w))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12)
    y.tanh().sum().backward()
    ty.tanh().sum().backward()
    np.testing.assert_allclose(base.grad.data, tb.grad.numpy(), rtol=1e-12, atol=1e-15)
    check_float32(lambda x, w, b: F.linear(x, w, b), RNG.standard_normal((2, 5)),
                  RNG.standard_normal((3, 5)), RNG.standard_normal(3))


def test_linear_gradient_only_where_needed():
    x = autograd.tensor(RNG.standard_normal((4, 5)).astype(np.float32))     # no grad
    layer = nn.Linear(5, 3)
    layer.bias.requires_grad_(False)
    layer(x).sum().backward()
    assert layer.weight.grad is not None and layer.bias.grad is None and x.grad is None
    np.testing.assert_allclose(layer.weight.grad.data, np.ones((3, 4)) @ x.data, rtol=1e-5, atol=1e-6)


def test_linear_errors_name_the_op_shapes_and_dtypes():
    x = autograd.ones(4, 5)
    with pytest.raises(ValueError, match=r"linear.*\(4, 5\).*\(3, 6\)"):
        F.linear(x, autograd.ones(3, 6))
    with pytest.raises(TypeError, match=r"linear.*float32.*float64.*\(4, 5\)"):
        F.linear(x, autograd.ones(3, 5, dtype=autograd.float64))
    with pytest.raises(ValueError, match=r"Linear.*\(\*, 5\).*\(4, 6\)"):
        nn.Linear(5, 3)(autograd.ones(4, 6))


def test_linear_with_a_broadcast_bias_or_a_1d_weight_composes():
    x, w = RNG.standard_normal((4, 5)), RNG.standard_normal((3, 5))
    check_op(lambda x, w, b: F.linear(x, w, b), lambda x, w, b: TF.linear(x, w, b),
             x, w, np.array([0.5]))
    check_op(lambda x, w: F.linear(x, w), lambda x, w: TF.linear(x, w), x, w[0])
