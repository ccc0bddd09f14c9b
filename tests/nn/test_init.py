"""nn.init: drawn weights match the formulas (bounds, std) within sampling error."""
import math

import numpy as np
import pytest

import autograd
import nn
from nn import Linear, Parameter, init

SHAPES = [(300, 400), (64, 16, 3, 3)]


def _fans(shape):
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _assert_uniform(a, bound):
    """U(-bound, bound): inside the bounds, reaching near them, std bound/sqrt(3) within 5 sigma
    of the sample std's spread (relative sd of a uniform sample's std: sqrt(0.8 / (4 n)))."""
    n = a.size
    assert a.min() >= -bound and a.max() <= bound
    assert a.max() > 0.99 * bound and a.min() < -0.99 * bound
    assert abs(a.std() / (bound / math.sqrt(3)) - 1) < 5 * math.sqrt(0.8 / (4 * n))
    assert abs(a.mean()) < 5 * bound / math.sqrt(3 * n)


def _assert_normal(a, std, mean=0.0):
    """N(mean, std^2): mean, std (relative sd sqrt(1 / (2 n))) and the mass beyond 2 std
    (4.55% for a Gaussian, none for a uniform of the same std), each within 5 sigma."""
    n = a.size
    assert abs(a.std() / std - 1) < 5 * math.sqrt(1 / (2 * n))
    assert abs(a.mean() - mean) < 5 * std / math.sqrt(n)
    p = 0.0455
    frac = np.mean(np.abs(a - mean) > 2 * std)
    assert abs(frac - p) < 5 * math.sqrt(p * (1 - p) / n)


def _param(shape, dtype=np.float32):
    return Parameter(np.zeros(shape, dtype))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_xavier_uniform_bound(shape, gain):
    fan_in, fan_out = _fans(shape)
    w = init.xavier_uniform_(_param(shape), gain=gain)
    _assert_uniform(w.data, gain * math.sqrt(6.0 / (fan_in + fan_out)))


@pytest.mark.parametrize("shape", SHAPES)
def test_xavier_normal_std(shape):
    fan_in, fan_out = _fans(shape)
    w = init.xavier_normal_(_param(shape), gain=0.5)
    _assert_normal(w.data, 0.5 * math.sqrt(2.0 / (fan_in + fan_out)))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity,a,gain", [("relu", 0, math.sqrt(2)),
                                                 ("leaky_relu", 0.2, math.sqrt(2 / 1.04)),
                                                 ("leaky_relu", math.sqrt(5), math.sqrt(1 / 3)),
                                                 ("tanh", 0, 5 / 3), ("linear", 0, 1.0)])
def test_kaiming_uniform_bound(shape, mode, nonlinearity, a, gain):
    fan = _fans(shape)[0 if mode == "fan_in" else 1]
    w = init.kaiming_uniform_(_param(shape), a=a, mode=mode, nonlinearity=nonlinearity)
    _assert_uniform(w.data, gain * math.sqrt(3.0 / fan))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_kaiming_normal_std(shape, mode):
    fan = _fans(shape)[0 if mode == "fan_in" else 1]
    w = init.kaiming_normal_(_param(shape), mode=mode, nonlinearity="relu")
    _assert_normal(w.data, math.sqrt(2.0 / fan))


def test_uniform_normal_constant_zeros_ones():
    _assert_uniform(init.uniform_(_param((400, 300)), -0.3, 0.3).data, 0.3)
    u = init.uniform_(_param((400, 300)), 2.0, 3.0).data
    assert u.min() >= 2.0 and u.max() <= 3.0 and abs(u.mean() - 2.5) < 0.01
    _assert_normal(init.normal_(_param((400, 300)), 1.5, 0.2).data, 0.2, mean=1.5)
    assert np.all(init.constant_(_param((3, 4)), 0.25).data == 0.25)
    assert np.all(init.ones_(_param((3, 4))).data == 1)
    w = _param((3, 4))
    w.data[...] = 7
    assert np.all(init.zeros_(w).data == 0)


def test_trunc_normal_stays_in_bounds():
    w = init.trunc_normal_(_param((200, 100)), mean=0.0, std=1.0, a=-1.0, b=0.5).data
    assert w.min() >= -1.0 and w.max() <= 0.5 and w.min() < -0.99 and w.max() > 0.49


def test_trunc_normal_in_a_far_tail_is_immediate_and_follows_the_density():
    # rejection sampling redrew values in [5, 6] (a 3e-7 chance each) without end
    w = autograd.empty(20000, dtype=autograd.float64)
    init.trunc_normal_(w, mean=0.0, std=1.0, a=5.0, b=6.0)
    x = w.data
    assert x.min() >= 5.0 and x.max() <= 6.0
    assert abs(x.mean() - 5.1831) < 0.01    # the truncated N(0, 1)'s mean (scipy's truncnorm)
    with pytest.warns(UserWarning, match="more than 2 std"):
        init.trunc_normal_(autograd.empty(10), mean=10.0, std=1.0, a=-1.0, b=1.0)
    y = init.trunc_normal_(autograd.empty(100000, dtype=autograd.float64), 1.0, 2.0, -1.0, 4.0)
    # truncated N(1, 4) on [-1, 4]: mean 1.2904, std 1.2895 (scipy's truncnorm)
    assert abs(y.data.mean() - 1.2904) < 0.02 and abs(y.data.std() - 1.2895) < 0.02


def test_constant_fills_accept_integer_and_bool_tensors_as_torch():
    assert init.zeros_(autograd.tensor([1, 2, 3])).tolist() == [0, 0, 0]
    assert init.ones_(autograd.tensor([True, False])).tolist() == [True, True]
    assert init.constant_(autograd.tensor([1, 2]), 7).tolist() == [7, 7]
    eye = init.eye_(autograd.zeros(2, 3, dtype=autograd.int64))
    assert eye.dtype == np.int64 and eye.tolist() == [[1, 0, 0], [0, 1, 0]]
    assert init.dirac_(autograd.zeros(2, 2, 3, dtype=autograd.int64))[:, :, 1].tolist() == \
        [[1, 0], [0, 1]]
    with pytest.raises(TypeError, match="normal_: needs a floating-point tensor"):
        init.normal_(autograd.tensor([1, 2]))


@pytest.mark.parametrize("shape", [(50, 30), (30, 50), (8, 4, 3, 3), (20, 20)])
def test_orthogonal_rows_or_columns_orthonormal(shape):
    gain = 1.7
    w = init.orthogonal_(_param(shape, np.float64), gain=gain).data.reshape(shape[0], -1)
    rows, cols = w.shape
    gram = w @ w.T if rows <= cols else w.T @ w
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), atol=1e-10)


def test_calculate_gain_matches_torch():
    torch = pytest.importorskip("torch")
    cases = [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
             ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)]
    for name, param in cases:
        assert init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param), rel=1e-12)
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_in_place_keeps_object_array_and_dtype():
    for dtype in (np.float32, np.float64):
        w = _param((10, 20), dtype)
        arr = w._data
        out = init.kaiming_uniform_(w)
        assert out is w and w._data is arr and w.data.dtype == dtype
        assert np.any(arr != 0)
        assert w._version == 1


def test_manual_seed_makes_init_reproducible():
    autograd.manual_seed(123)
    a = init.xavier_normal_(_param((20, 30))).data.copy()
    b = Linear(5, 7)
    autograd.manual_seed(123)
    c = init.xavier_normal_(_param((20, 30))).data.copy()
    d = Linear(5, 7)
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(b.weight.data, d.weight.data)
    np.testing.assert_array_equal(b.bias.data, d.bias.data)
    e = init.xavier_normal_(_param((20, 30))).data
    assert not np.array_equal(a, e)


def test_explicit_generator():
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    a = init.normal_(_param((10,)), generator=g1).data
    b = init.normal_(_param((10,)), generator=g2).data
    np.testing.assert_array_equal(a, b)


def test_linear_default_init_bounds():
    """PyTorch's Linear init: weight and bias both U(-1/sqrt(in), 1/sqrt(in))."""
    m = Linear(256, 512)
    bound = 1 / math.sqrt(256)
    _assert_uniform(m.weight.data, bound)
    assert np.abs(m.bias.data).max() <= bound and m.bias.data.std() > 0.5 * bound / math.sqrt(3)
    assert m.weight.dtype == np.float32 and m.bias.dtype == np.float32
    assert Linear(3, 2, dtype=np.float64).weight.dtype == np.float64


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"at least 2 dims, got shape \(5,\)"):
        init.xavier_uniform_(_param((5,)))
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out'"):
        init.kaiming_normal_(_param((3, 3)), mode="fan_avg")
    with pytest.raises(TypeError, match="floating-point"):
        init.uniform_(np.zeros(3, np.int64))
    with pytest.raises(TypeError, match="expected a Tensor"):
        init.uniform_([1.0, 2.0])
    # zero-element tensors are left alone, as in PyTorch
    init.kaiming_uniform_(_param((0, 3)))


@pytest.mark.parametrize("make", [
    lambda lib: lib.Linear(60, 200),
    lambda lib: lib.Conv2d(6, 200, 3),
    lambda lib: lib.Conv1d(4, 100, 5, groups=2),
])
def test_default_init_matches_torch_distribution(make):
    """Same shapes and the same bounds as PyTorch's defaults (kaiming_uniform_(a=sqrt(5)) on
    the weight, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) on the bias)."""
    torch = pytest.importorskip("torch")
    ours, theirs = make(nn), make(torch.nn)
    for name, tp in theirs.named_parameters():
        p = dict(ours.named_parameters())[name].data
        assert p.shape == tuple(tp.shape) and p.dtype == np.float32
        fan_in = int(np.prod(theirs.weight.shape[1:]))
        bound = 1 / math.sqrt(fan_in)
        assert np.abs(p).max() <= bound and np.abs(tp.detach().numpy()).max() <= bound
        assert abs(p.std() / (bound / math.sqrt(3)) - 1) < 5 * math.sqrt(0.2 / p.size)
    for make_pair in [(nn.BatchNorm2d(4), torch.nn.BatchNorm2d(4)),
                      (nn.LayerNorm((2, 3)), torch.nn.LayerNorm((2, 3)))]:
        ours, theirs = make_pair
        for k, v in theirs.state_dict().items():
            np.testing.assert_array_equal(ours.state_dict()[k], v.numpy())
