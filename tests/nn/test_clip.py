"""Gradient clipping and flat parameter vectors against torch.nn.utils."""
import math

import numpy as np
import pytest

import autograd
import nn
from nn.utils import (clip_grad_norm_, clip_grad_value_, parameters_to_vector,
                      vector_to_parameters)

torch = pytest.importorskip("torch")
SHAPES = [(3, 4), (5,), (), (2, 1, 3)]


def _pair(dtype=np.float64, scale=1.0, seed=0, shapes=SHAPES):
    """Our parameters and torch's with identical data and gradients; one more without a grad."""
    rng = np.random.default_rng(seed)
    ours, theirs = [], []
    for shape in shapes:
        w, g = rng.normal(size=shape).astype(dtype), (scale * rng.normal(size=shape)).astype(dtype)
        p, q = nn.Parameter(w.copy()), torch.tensor(w.copy(), requires_grad=True)
        p.grad, q.grad = autograd.tensor(g.copy()), torch.tensor(g.copy())
        ours.append(p)
        theirs.append(q)
    ours.append(nn.Parameter(np.ones(2, dtype)))
    theirs.append(torch.ones(2, dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True))
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, -math.inf, 3.0, 0.5, 0.0, "inf"])
@pytest.mark.parametrize("max_norm", [0.1, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ours, theirs = _pair()
    total_o = clip_grad_norm_(iter(ours), max_norm, norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert isinstance(total_o, autograd.Tensor) and total_o.shape == ()
    assert total_o.dtype == np.float64
    np.testing.assert_allclose(total_o.item(), total_t.item(), rtol=1e-10)
    for p, q in zip(ours[:-1], theirs[:-1]):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-10, atol=1e-15)
    assert ours[-1].grad is None


def test_clip_grad_norm_scales_to_max_norm_and_keeps_small_grads():
    ours, _ = _pair(scale=10.0)
    before = np.sqrt(sum((p.grad.data ** 2).sum() for p in ours[:-1]))
    total = clip_grad_norm_(ours, 1.0)
    np.testing.assert_allclose(total.item(), before, rtol=1e-12)
    after = np.sqrt(sum((p.grad.data ** 2).sum() for p in ours[:-1]))
    np.testing.assert_allclose(after, 1.0, rtol=1e-5)
    grads = [p.grad.data.copy() for p in ours[:-1]]
    clip_grad_norm_(ours, 10.0)  # already below: the gradients stay (up to the 1e-6 guard)
    for p, g in zip(ours, grads):
        np.testing.assert_allclose(p.grad.data, g, rtol=1e-6)


def test_clip_grad_norm_float32_matches_torch_and_stays_float32():
    ours, theirs = _pair(np.float32, scale=3.0)
    total_o = clip_grad_norm_(ours, 0.5)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, 0.5)
    assert total_o.dtype == np.float32
    np.testing.assert_allclose(total_o.item(), total_t.item(), rtol=1e-6)
    for p, q in zip(ours[:-1], theirs[:-1]):
        assert p.grad.data.dtype == np.float32
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_clip_grad_norm_float32_large_values_do_not_overflow():
    p = nn.Parameter(np.zeros(4, np.float32))
    p.grad = autograd.tensor(np.full(4, 1e20, np.float32))
    total = clip_grad_norm_([p], 1.0)
    np.testing.assert_allclose(total.item(), 2e20, rtol=1e-6)
    np.testing.assert_allclose(p.grad.data, 0.5, rtol=1e-5)


def test_clip_grad_norm_single_tensor_and_empty():
    p = nn.Parameter(np.ones(4))
    p.grad = autograd.tensor(np.full(4, 2.0))
    np.testing.assert_allclose(clip_grad_norm_(p, 1.0).item(), 4.0)
    np.testing.assert_allclose(p.grad.data, 0.5, rtol=1e-6)
    empty = clip_grad_norm_([], 1.0)
    assert empty.item() == 0.0 and empty.dtype == np.float32
    with pytest.warns(UserWarning, match="empty generator"):
        clip_grad_norm_((q for q in []), 1.0)
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm_(p, -1.0)


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_error_if_nonfinite(bad):
    ours, theirs = _pair()
    ours[0].grad.data[0, 0] = bad
    theirs[0].grad[0, 0] = bad
    grads = [p.grad.data.copy() for p in ours[:-1]]
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError):
        torch.nn.utils.clip_grad_norm_(theirs, 1.0, error_if_nonfinite=True)
    for p, g in zip(ours, grads):  # nothing was scaled
        np.testing.assert_array_equal(p.grad.data, g)
    # without the flag the gradients are scaled anyway, as in torch
    total_o = clip_grad_norm_(ours, 1.0)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert not np.isfinite(total_o.item()) and not math.isfinite(total_t.item())
    for p, q in zip(ours[:-1], theirs[:-1]):
        np.testing.assert_array_equal(np.isnan(p.grad.data), torch.isnan(q.grad).numpy())


@pytest.mark.parametrize("clip_value", [0.0, 0.3, 5.0])
def test_clip_grad_value_matches_torch(clip_value):
    ours, theirs = _pair()
    clip_grad_value_(ours, clip_value)
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for p, q in zip(ours[:-1], theirs[:-1]):
        np.testing.assert_array_equal(p.grad.data, q.grad.numpy())
    assert np.abs(ours[0].grad.data).max() <= clip_value
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value_(ours, -1.0)


def test_parameters_to_vector_and_back():
    ours, theirs = _pair(shapes=[(3, 4), (5,), (2, 1, 3)])
    vec = parameters_to_vector(ours[:-1])
    expected = torch.nn.utils.parameters_to_vector(theirs[:-1])
    np.testing.assert_array_equal(vec.data, expected.detach().numpy())
    # differentiable: the gradient of sum(c * vec) reaches each parameter as c's slice
    for p in ours:
        p.grad = None
    c = np.arange(vec.shape[0], dtype=np.float64)
    (vec * autograd.tensor(c)).sum().backward()
    np.testing.assert_array_equal(np.concatenate([p.grad.data.ravel() for p in ours[:-1]]), c)
    new = autograd.tensor(np.linspace(-1, 1, vec.shape[0]))
    vector_to_parameters(new, ours[:-1])
    torch.nn.utils.vector_to_parameters(torch.from_numpy(new.data.copy()), theirs[:-1])
    for p, q in zip(ours[:-1], theirs[:-1]):
        assert p.data.shape == tuple(q.shape)
        np.testing.assert_array_equal(p.data, q.detach().numpy())
    with pytest.raises(ValueError, match=r"vec has shape \(3,\), the parameters need \(23,\)"):
        vector_to_parameters(autograd.tensor(np.zeros(3)), ours[:-1])
    with pytest.raises(TypeError, match="expected a Tensor"):
        vector_to_parameters(np.zeros(23), ours[:-1])


def test_a_norm_type_that_is_not_a_number_is_named():
    p = nn.Parameter(np.ones(3))
    p.grad = autograd.ones(3, dtype=autograd.float64)
    with pytest.raises(ValueError, match="clip_grad_norm_: norm_type must be a number or 'inf', "
                                         "got 'fro'"):
        clip_grad_norm_([p], 1.0, "fro")
