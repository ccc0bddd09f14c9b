"""Perceptron: the classic rule on separable and non-separable data, and the logistic surrogate."""
import numpy as np
import pytest
from sklearn.datasets import load_iris

import autograd
import nn
from nn import Perceptron

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
XOR_Y = np.array([0, 1, 1, 0])


def _iris_setosa():
    X, y = load_iris(return_X_y=True)
    return X.astype(np.float32), (y == 0).astype(np.int64)


def test_rule_reaches_100_percent_on_iris_setosa_vs_rest():
    X, y = _iris_setosa()
    p = Perceptron(4)
    fit = p.fit(X, y, epochs=100, lr=1.0)
    assert fit.converged and fit.mistakes[-1] == 0 and fit.epochs == len(fit.mistakes) < 100
    assert p.history is fit
    pred = p.predict(autograd.tensor(X))
    assert pred.shape == (150,) and set(np.unique(pred.data)) <= {0.0, 1.0}
    assert np.mean(pred.data == y) == 1.0
    # the learned hyperplane separates the classes: z >= 0 exactly on setosa
    z = X @ p.weight.data + p.bias.data[0]
    assert np.all((z >= 0) == (y == 1))


def test_rule_reports_no_convergence_on_xor():
    p = Perceptron(2)
    fit = p.fit(XOR_X, XOR_Y, epochs=50)
    assert not fit.converged and fit.epochs == 50 and len(fit.mistakes) == 50
    assert min(fit.mistakes) > 0
    assert np.mean(p.predict(XOR_X).data == XOR_Y) < 1.0


def test_rule_updates_only_on_mistakes_by_the_formula():
    p = Perceptron(2, dtype=np.float64)
    X = np.array([[1.0, 2.0], [-1.0, -3.0]])
    y = np.array([1, 0])
    fit = p.fit(X, y, epochs=1, lr=0.5)
    # sample 0: z = 0 -> y_hat = 1 = y, no update; sample 1: z = 0 -> y_hat = 1 != 0:
    # w += 0.5 * (0 - 1) * x1, b += 0.5 * (0 - 1)
    np.testing.assert_array_equal(p.weight.data, [0.5, 1.5])
    np.testing.assert_array_equal(p.bias.data, [-0.5])
    assert fit.mistakes == [1] and not fit.converged
    fit = p.fit(X, y, epochs=10, lr=0.5)
    assert fit.converged and fit.mistakes == [0]
    np.testing.assert_array_equal(p.weight.data, [0.5, 1.5])  # nothing changes without mistakes


def test_shuffled_fit_is_reproducible_and_converges():
    X, y = _iris_setosa()
    autograd.manual_seed(0)
    a = Perceptron(4).fit(X, y, shuffle=True)
    autograd.manual_seed(0)
    b = Perceptron(4).fit(X, y, shuffle=True)
    assert a == b and a.converged


def test_surrogate_trains_with_an_optimizer_like_loop():
    """forward returns logits: BCEWithLogitsLoss + plain gradient descent fits setosa."""
    X, y = _iris_setosa()
    X = (X - X.mean(0)) / X.std(0)
    p = Perceptron(4)
    x, t = autograd.tensor(X), autograd.tensor(y.astype(np.float32))
    loss_fn = nn.BCEWithLogitsLoss()
    first = None
    for _ in range(100):
        p.zero_grad()
        loss = loss_fn(p(x), t)
        loss.backward()
        first = first if first is not None else loss.item()
        with autograd.no_grad():
            for q in p.parameters():
                q.sub_(q.grad * 0.5)
    assert loss.item() < 0.1 * first
    assert p.weight.grad.dtype == np.float32
    assert np.mean(p.predict(x).data == y) == 1.0
    proba = p.predict_proba(x)
    np.testing.assert_allclose(proba.data, 1 / (1 + np.exp(-p(x).data)), rtol=1e-6)
    assert not proba.requires_grad


def test_surrogate_gradcheck_and_torch_logistic_regression():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((6, 3)), rng.integers(0, 2, 6).astype(np.float64)
    p = Perceptron(3, dtype=np.float64)
    p.weight.data[...] = rng.standard_normal(3)
    p.bias.data[...] = 0.3

    def loss(x, w, b):
        p._parameters["weight"], p._parameters["bias"] = w, b
        return nn.BCEWithLogitsLoss()(p(x), autograd.tensor(y))

    w0, b0 = p.weight, p.bias
    assert autograd.gradcheck(loss, [X, p.weight.data, p.bias.data])
    p._parameters["weight"], p._parameters["bias"] = w0, b0
    out = nn.BCEWithLogitsLoss()(p(autograd.tensor(X)), autograd.tensor(y))
    out.backward()
    tw = torch.tensor(p.weight.data, requires_grad=True)
    tb = torch.tensor(p.bias.data, requires_grad=True)
    tout = torch.nn.functional.binary_cross_entropy_with_logits(torch.tensor(X) @ tw + tb,
                                                                torch.tensor(y))
    tout.backward()
    np.testing.assert_allclose(out.item(), tout.item(), rtol=1e-10)
    np.testing.assert_allclose(p.weight.grad.data, tw.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(p.bias.grad.data, tb.grad.numpy(), rtol=1e-10)


def test_module_behaviour_and_errors():
    p = Perceptron(3)
    assert repr(p) == "Perceptron(in_features=3)"
    assert list(p.state_dict()) == ["weight", "bias"]
    assert p.weight.shape == (3,) and p.bias.shape == (1,) and not p.weight.data.any()
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 3\), got \(2, 4\)"):
        p(autograd.randn(2, 4))
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        p.fit(np.zeros((2, 3)), np.array([0, 2]))
    with pytest.raises(ValueError, match=r"y must have shape \(2,\)"):
        p.fit(np.zeros((2, 3)), np.array([0, 1, 1]))
    with pytest.raises(ValueError, match=r"X must have shape \(N, 3\)"):
        p.fit(np.zeros((2, 2)), np.array([0, 1]))
    with pytest.raises(ValueError, match="lr must be positive"):
        p.fit(np.zeros((2, 3)), np.array([0, 1]), lr=0)
