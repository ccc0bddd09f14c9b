"""dropout, embedding, linear and the re-exported activations of nn.functional."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def test_nn_exposes_functional():
    assert nn.functional is F
    for name in F.__all__:
        assert callable(getattr(F, name)), name


@pytest.mark.parametrize("name,kwargs", [("relu", {}), ("tanh", {}), ("sigmoid", {}),
                                         ("leaky_relu", {"negative_slope": 0.2}),
                                         ("softmax", {"dim": 1}), ("log_softmax", {"dim": 0}),
                                         ("softmax", {}), ("log_softmax", {})])
def test_activations_match_torch(name, kwargs):
    x = np.random.default_rng(0).standard_normal((3, 4))
    ours, theirs = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = getattr(F, name)(ours, **kwargs), getattr(TF, name)(theirs, **kwargs)
    g = np.random.default_rng(1).standard_normal((3, 4))
    y.backward(g)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_step_is_heaviside():
    np.testing.assert_array_equal(F.step(autograd.tensor([-1.0, 0.0, 2.0])).data, [0, 1, 1])


def test_linear_matches_torch_and_gradchecks():
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((2, 3, 4)), rng.standard_normal((5, 4)), rng.standard_normal(5)]
    ours = [autograd.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = F.linear(*ours), TF.linear(*theirs)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12)
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=1e-12)
    assert autograd.gradcheck(F.linear, arrays)
    assert autograd.gradcheck(F.linear, arrays[:2])


# ------------------------------------------------------------------------- dropout
def test_dropout_scales_kept_elements_and_masks_the_gradient():
    autograd.manual_seed(0)
    x = autograd.ones(200, 50, requires_grad=True)
    y = F.dropout(x, p=0.3)
    kept = y.data != 0
    np.testing.assert_allclose(y.data[kept], 1 / 0.7, rtol=1e-6)
    assert abs(kept.mean() - 0.7) < 0.02
    y.backward(np.full(y.shape, 2.0, np.float32))
    np.testing.assert_allclose(x.grad.data, np.where(kept, 2 / 0.7, 0), rtol=1e-6)
    assert y.dtype == x.grad.dtype == np.float32


def test_dropout_is_reproducible_from_the_seed_and_gradchecks():
    x = np.random.default_rng(3).standard_normal((4, 5))
    autograd.manual_seed(7)
    a = F.dropout(autograd.tensor(x), 0.5).data
    autograd.manual_seed(7)
    b = F.dropout(autograd.tensor(x), 0.5).data
    np.testing.assert_array_equal(a, b)

    def fn(t):
        autograd.manual_seed(11)          # the same mask on every evaluation
        return F.dropout(t, 0.4)
    assert autograd.gradcheck(fn, [x])


def test_dropout_identity_cases_and_p_one():
    x = autograd.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    y = F.dropout(x, 1.0)
    np.testing.assert_array_equal(y.data, 0)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\], got 1.5"):
        F.dropout(x, 1.5)


# ------------------------------------------------------------------------- embedding
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_matches_torch(padding_idx):
    rng = np.random.default_rng(4)
    w = rng.standard_normal((6, 3))
    idx = np.array([[0, 2, 2], [5, 1, 2]])          # repeated rows accumulate
    ours, theirs = autograd.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    y = F.embedding(autograd.tensor(idx), ours, padding_idx=padding_idx)
    ty = TF.embedding(torch.tensor(idx), theirs, padding_idx=padding_idx)
    g = rng.standard_normal(ty.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12)
    if padding_idx is not None:
        np.testing.assert_array_equal(ours.grad.data[padding_idx], 0)


def test_embedding_gradcheck_and_dtypes():
    rng = np.random.default_rng(5)
    idx = autograd.tensor(np.array([3, 0, 3, 1]))
    assert autograd.gradcheck(lambda w: F.embedding(idx, w), [rng.standard_normal((4, 2))])
    w = autograd.randn(4, 2, requires_grad=True)
    y = F.embedding(np.array([[1], [1]]), w)
    assert y.shape == (2, 1, 2) and y.dtype == np.float32
    y.sum().backward()
    assert w.grad.dtype == np.float32
    np.testing.assert_array_equal(w.grad.data[1], [2, 2])


def test_embedding_bad_arguments():
    w = autograd.zeros(4, 2)
    with pytest.raises(ValueError, match=r"index 4 is out of range for a weight of shape \(4, 2\)"):
        F.embedding(autograd.tensor([0, 4]), w)
    with pytest.raises(TypeError, match="indices must be integers, got dtype float32"):
        F.embedding(autograd.tensor([0.0, 1.0]), w)
    with pytest.raises(ValueError, match="padding_idx 4 is out of range"):
        F.embedding(autograd.tensor([0]), w, padding_idx=4)
    with pytest.raises(ValueError, match=r"weight must be 2-D"):
        F.embedding(autograd.tensor([0]), autograd.zeros(4))
    with pytest.raises(NotImplementedError, match="max_norm"):
        F.embedding(autograd.tensor([0]), w, max_norm=1.0)
