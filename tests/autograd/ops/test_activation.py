"""Activations: numpy forward, float64 gradcheck, torch values+gradients, stability."""
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import autograd
from tests.helpers import (arrays, away_from_zero, check_against_torch, check_float32,
                           check_op, finite, shapes)

torch = pytest.importorskip("torch")
F = torch.nn.functional

SETTINGS = settings(deadline=None, max_examples=25)


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_log_softmax(x, axis):
    s = x - x.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


POINTWISE = {
    "relu": (autograd.relu, torch.relu, lambda x: np.maximum(x, 0), away_from_zero),
    "relu method": (lambda t: t.relu(), torch.relu, lambda x: np.maximum(x, 0), away_from_zero),
    "leaky_relu": (autograd.functional.leaky_relu, F.leaky_relu,
                   lambda x: np.where(x > 0, x, 0.01 * x), away_from_zero),
    "leaky_relu 0.2": (lambda t: t.leaky_relu(0.2), lambda t: F.leaky_relu(t, 0.2),
                       lambda x: np.where(x > 0, x, 0.2 * x), away_from_zero),
    "tanh": (autograd.tanh, torch.tanh, np.tanh, finite),
    "sigmoid": (autograd.sigmoid, torch.sigmoid, np_sigmoid, finite),
}


@pytest.mark.parametrize("name", list(POINTWISE))
@SETTINGS
@given(data=st.data(), shape=shapes)
def test_pointwise_activations(name, data, shape):
    ours, theirs, ref, elements = POINTWISE[name]
    x = data.draw(arrays(shape, elements))
    check_op(ours, theirs, x, numpy_ref=ref)


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "tanh", "sigmoid"])
def test_pointwise_activations_on_non_contiguous_inputs(name):
    ours, theirs = POINTWISE[name][:2]
    x = np.arange(-6.0, 6.0).reshape(3, 4) / 3 + 0.05
    check_against_torch(lambda t: ours(t.T), lambda t: theirs(t.T), x)
    check_against_torch(lambda t: ours(t[:, ::2]) * 2, lambda t: theirs(t[:, ::2]) * 2, x)


@pytest.mark.parametrize("name, ours, theirs, ref", [
    ("softmax", autograd.softmax, torch.softmax, np_softmax),
    ("log_softmax", autograd.log_softmax, torch.log_softmax, np_log_softmax),
])
@SETTINGS
@given(data=st.data(), shape=shapes)
def test_softmax_family(name, ours, theirs, ref, data, shape):
    x = data.draw(arrays(shape))
    n = max(len(shape), 1)
    dim = data.draw(st.integers(-n, n - 1))
    check_op(lambda t: ours(t, dim), lambda t: theirs(t, dim), x,
             numpy_ref=lambda a: ref(a, dim if a.ndim else None))
    check_op(lambda t: getattr(t, name)(dim), lambda t: theirs(t, dim), x, gradcheck=False)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_is_stable_for_huge_logits(name):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4 + 1, -1e4], [1e4, 1e4, 1e4]])
    for dtype in (autograd.float32, autograd.float64):
        t = autograd.tensor(x, dtype=dtype, requires_grad=True)
        y = getattr(t, name)(1)
        assert np.all(np.isfinite(y.data)) and y.dtype == dtype
        (y * autograd.tensor([1.0, 2.0, 3.0], dtype=dtype)).sum().backward()
        assert np.all(np.isfinite(t.grad.data))
    check_against_torch(lambda t: getattr(t, name)(1), lambda t: getattr(t, name)(1), x)
    check_against_torch(lambda t: getattr(t, name)(0), lambda t: getattr(t, name)(0), x)


def test_sigmoid_and_tanh_are_stable_for_huge_inputs():
    x = np.array([-1e4, -800.0, -50.0, 0.0, 50.0, 800.0, 1e4])
    for dtype in (autograd.float32, autograd.float64):
        t = autograd.tensor(x, dtype=dtype, requires_grad=True)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            y = t.sigmoid() + t.tanh()
            y.sum().backward()
        assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(t.grad.data))
    check_against_torch(autograd.sigmoid, torch.sigmoid, x)
    check_against_torch(autograd.tanh, torch.tanh, x)


def test_relu_gradient_at_zero_matches_torch():
    check_against_torch(autograd.relu, torch.relu, np.array([-1.0, 0.0, 1.0]))
    check_against_torch(autograd.functional.leaky_relu, F.leaky_relu, np.array([-1.0, 0.0, 1.0]))


def test_step_is_zero_one_with_zero_gradient():
    x = autograd.tensor([-2.0, 0.0, 0.5], requires_grad=True)
    y = autograd.step(x)
    np.testing.assert_array_equal(y.data, [0, 1, 1])
    assert y.dtype == np.float32 and y.requires_grad
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 0, 0])
    np.testing.assert_array_equal(x.step().data, autograd.heaviside(x).data)


@pytest.mark.parametrize("fn", [autograd.relu, autograd.functional.leaky_relu, autograd.tanh,
                                autograd.sigmoid, autograd.step, lambda t: t.softmax(0),
                                lambda t: t.log_softmax(1), lambda t: t.T.softmax(1)])
def test_float32_activations_stay_float32(fn):
    check_float32(fn, np.arange(-3.0, 3.0).reshape(2, 3) / 2 + 0.1)


def test_softmax_error_names_the_dim():
    with pytest.raises(IndexError, match="softmax: dim 2"):
        autograd.ones(2, 3).softmax(2)
