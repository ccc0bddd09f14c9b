"""Stable ops at the edges: logits of +-1e4 and -inf entries give the values and gradients
PyTorch gives (finite wherever PyTorch's are), in float32 and float64, with no numpy
RuntimeWarning (overflow, invalid value, divide by zero) escaping."""
from __future__ import annotations

import numpy as np
import pytest

import autograd
from nn import functional as F

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

BIG = 1e4
INF = np.inf
LOGITS = np.array([
    [BIG, -BIG, 0.0, 1.0],
    [-BIG, -BIG, -BIG, -BIG],
    [BIG, BIG, -INF, 0.0],
    [0.0, -INF, -INF, 2.0],
    [-BIG, 3.0, -INF, BIG],
])
RTOL = {np.float32: 1e-5, np.float64: 1e-10}


def _close(ours, theirs, dtype, what):
    theirs = theirs.detach().numpy()
    assert ours.dtype == dtype, f"{what}: dtype {ours.dtype}, expected {np.dtype(dtype)}"
    assert np.array_equal(np.isfinite(ours), np.isfinite(theirs)), \
        f"{what}: finite pattern differs:\nours {ours}\ntorch {theirs}"
    np.testing.assert_allclose(ours, theirs, rtol=RTOL[dtype], atol=RTOL[dtype], equal_nan=True,
                               err_msg=what)


def _check(ours_fn, torch_fn, x, dtype, cotangent_seed=0):
    """Values and the VJP of a random cotangent, ours against torch."""
    x = np.asarray(x, dtype)
    a = autograd.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    y, ty = ours_fn(a), torch_fn(t)
    _close(y.data, ty, dtype, "value")
    v = np.random.default_rng(cotangent_seed).standard_normal(y.shape).astype(dtype)
    y.backward(v)
    ty.backward(torch.tensor(v))
    _close(a.grad.data, t.grad, dtype, "gradient")
    return y


DTYPES = [np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1])
def test_softmax(dtype, dim):
    y = _check(lambda x: x.softmax(dim), lambda x: torch.softmax(x, dim), LOGITS, dtype)
    assert np.all(np.isfinite(y.data))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1])
def test_log_softmax(dtype, dim):
    _check(lambda x: x.log_softmax(dim), lambda x: torch.log_softmax(x, dim), LOGITS, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1])
def test_logsumexp(dtype, dim):
    y = _check(lambda x: x.logsumexp(dim), lambda x: torch.logsumexp(x, dim), LOGITS, dtype)
    assert np.all(np.isfinite(y.data))


@pytest.mark.parametrize("dtype", DTYPES)
def test_logsumexp_of_an_all_minus_inf_row(dtype):
    x = np.array([[-INF, -INF], [0.0, -INF]])
    _check(lambda t: t.logsumexp(1), lambda t: torch.logsumexp(t, 1), x, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy(dtype, reduction):
    target = np.array([0, 2, 1, 3, 1])  # never a class whose logit is -inf
    _check(lambda x: F.cross_entropy(x, autograd.tensor(target), reduction=reduction),
           lambda x: torch.nn.functional.cross_entropy(x, torch.tensor(target),
                                                       reduction=reduction),
           LOGITS, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid(dtype):
    x = np.array([BIG, -BIG, 0.0, 80.0, -80.0, 700.0, -700.0, INF, -INF])
    y = _check(lambda t: t.sigmoid(), torch.sigmoid, x, dtype)
    assert np.all(np.isfinite(y.data))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_binary_cross_entropy_with_logits(dtype, reduction):
    x = np.array([BIG, -BIG, BIG, -BIG, 0.0, 50.0, -50.0])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.5, 1.0, 0.0], dtype)
    pw = np.array([2.0], dtype)
    _check(lambda t: F.binary_cross_entropy_with_logits(t, autograd.tensor(y),
                                                        pos_weight=autograd.tensor(pw),
                                                        reduction=reduction),
           lambda t: torch.nn.functional.binary_cross_entropy_with_logits(
               t, torch.tensor(y), pos_weight=torch.tensor(pw), reduction=reduction),
           x, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_training_step_on_extreme_logits_stays_finite(dtype):
    """A loss over +-1e4 logits back-propagates finite gradients into the layer below."""
    w = autograd.tensor(np.eye(4) * BIG, dtype=dtype, requires_grad=True)
    x = autograd.tensor(np.array([[1.0, -1.0, 0.5, 0.0], [0.0, 1.0, -1.0, 1.0]]), dtype=dtype)
    loss = F.cross_entropy(x @ w, autograd.tensor([1, 0])) + (x @ w).sigmoid().mean()
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(w.grad.data))


@pytest.mark.parametrize("dtype", DTYPES)
def test_nan_propagates_quietly(dtype):
    """A NaN among large logits gives NaN like PyTorch, without an overflow warning."""
    x = np.array([[np.nan, BIG, 1.0], [1.0, 2.0, 3.0]])
    _check(lambda t: t.logsumexp(1), lambda t: torch.logsumexp(t, 1), x, dtype)
    _check(lambda t: t.softmax(1), lambda t: torch.softmax(t, 1), x, dtype)
    _check(lambda t: t.log_softmax(1), lambda t: torch.log_softmax(t, 1), x, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_empty_reductions_match_torch(dtype):
    x = np.zeros((2, 0))
    _check(lambda t: t.logsumexp(1), lambda t: torch.logsumexp(t, 1), x, dtype)
    _check(lambda t: t.softmax(1), lambda t: torch.softmax(t, 1), x, dtype)
