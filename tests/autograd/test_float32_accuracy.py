"""float32 results that must not lose digits where PyTorch's keep them: sums over a leading
axis (numpy adds those row by row), the norms' sums of squares, the gradient of
binary_cross_entropy_with_logits in the tail, cumprod's gradient; and abs's gradient at nan."""
import math

import numpy as np
import pytest

import autograd
import nn.functional as F

torch = pytest.importorskip("torch")


def _rel(got, ref):
    got, ref = np.asarray(got, np.float64), np.asarray(ref, np.float64)
    return float(np.max(np.abs(got - ref) / np.maximum(np.abs(ref), 1e-30)))


def test_sums_over_a_leading_axis_keep_their_digits():
    # 0.1 over 2^20 rows: numpy's float32 sum along axis 0 came out ~1e-2 off
    rng = np.random.default_rng(0)
    x = (0.1 + 1e-3 * rng.standard_normal((1 << 20, 2))).astype(np.float32)
    ref = x.astype(np.float64)
    t = autograd.tensor(x)
    assert _rel(t.sum(0).data, ref.sum(0)) < 1e-6
    assert _rel(t.mean(0).data, ref.mean(0)) < 1e-6
    assert _rel(t.T.sum(1).data, ref.sum(0)) < 1e-6
    assert _rel(t.std(0).data, ref.std(0, ddof=1)) < 1e-4
    assert _rel(t.logsumexp(0).data, np.log(np.exp(ref).sum(0))) < 1e-6
    # a broadcast bias's gradient (the engine's unbroadcast) and Linear's
    b = autograd.zeros(2, requires_grad=True)
    (t + b).sum().backward()
    assert _rel(b.grad.data, np.full(2, 1 << 20)) == 0
    w, bias = autograd.zeros(3, 2, requires_grad=True), autograd.zeros(3, requires_grad=True)
    F.linear(t, w, bias).backward(autograd.tensor(x[:, :1].repeat(3, 1)))
    assert _rel(bias.grad.data, np.full(3, ref[:, 0].sum())) < 1e-6


def test_layer_and_batch_norm_statistics_keep_their_digits():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 1 << 18)).astype(np.float32)
    ref = torch.nn.functional.layer_norm(torch.tensor(x, dtype=torch.float64), (1 << 18,))
    got = F.layer_norm(autograd.tensor(x), (1 << 18,))
    # the error against the largest |y|: 3e-5 with np.einsum's sum of squares, 1e-7 in torch
    err = np.abs(got.data - ref.numpy()).max() / np.abs(ref.numpy()).max()
    assert err < 1e-6
    xb = rng.standard_normal((64, 3, 4096)).astype(np.float32) + 3
    ref = torch.nn.functional.batch_norm(torch.tensor(xb, dtype=torch.float64), None, None,
                                         training=True)
    got = F.batch_norm(autograd.tensor(xb), None, None, training=True)
    np.testing.assert_allclose(got.data, ref.numpy(), atol=2e-6)


@pytest.mark.parametrize("x", [-8.0, -15.0, -20.0, -40.0, 8.0, 36.0])
@pytest.mark.parametrize("target", [0.0, 1.0])
def test_bce_with_logits_gradient_in_the_tails(x, target):
    # the gradient is sigmoid(x) - t: for t = 0 and x << 0 it is tiny, and 1 - sigmoid(-x)
    # rounded it to 0
    xt = autograd.tensor([x], requires_grad=True)
    F.binary_cross_entropy_with_logits(xt, autograd.tensor([target]), reduction="sum").backward()
    ref = 1 / (1 + np.exp(-x)) - target if target == 0 else -1 / (1 + np.exp(x))
    assert _rel(xt.grad.data, [ref]) < 1e-6


def test_cumprod_gradient_runs_in_float64():
    x = autograd.tensor([1e30, 1e30, 1e-30, 1e-30], requires_grad=True)
    y = x.cumprod(0)
    y[3].backward()
    assert np.isfinite(x.grad.data).all()
    np.testing.assert_allclose(x.grad.data[3], 1e30, rtol=1e-6)
    rng = np.random.default_rng(2)
    a = (1 + 1e-3 * rng.standard_normal(10_000)).astype(np.float32)
    ours = autograd.tensor(a, requires_grad=True)
    ours.cumprod(0).sum().backward()
    theirs = torch.tensor(a.astype(np.float64), requires_grad=True)
    theirs.cumprod(0).sum().backward()
    assert _rel(ours.grad.data, theirs.grad.numpy()) < 5e-7


def test_abs_gradient_at_a_nan_input_is_zero_as_torchs():
    # torch's sgn(nan) is 0 (elu's and hardtanh's nan gradients differ between torch's
    # scalar and vector kernels; this engine follows the vector ones, which real sizes take)
    n = 100
    values = np.full(n, -0.5)
    values[::7] = np.nan
    ours = autograd.tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    autograd.abs(ours).sum().backward()
    torch.abs(theirs).sum().backward()
    np.testing.assert_array_equal(ours.grad.data, theirs.grad.numpy())


@pytest.mark.parametrize("shape,axis", [((10**6, 3), 0), ((7, 40000, 3), 1), ((129 * 3 + 5, 2), 0),
                                        ((1000, 4), (0,)), ((1000, 4), -2)])
def test_float64_sums_over_a_leading_axis_are_cascaded(shape, axis):
    """float64 over a non-innermost axis: numpy adds row by row (1e-14 relative at 10^6 rows,
    1.6e-10 at 10^7); blocks of rows keep it near the rounding of the result."""
    x = np.random.default_rng(0).random(shape)
    a = axis[0] if isinstance(axis, tuple) else axis
    exact = np.apply_along_axis(math.fsum, a, x)
    got = autograd.tensor(x).sum(axis).numpy()
    assert np.abs(got - exact).max() <= 4e-16 * np.abs(exact).max()
    assert autograd.tensor(x).sum(axis, keepdim=True).shape == np.expand_dims(exact, a).shape
