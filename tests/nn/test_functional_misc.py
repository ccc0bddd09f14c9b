"""dropout, embedding, linear and the re-exported activations of nn.functional."""
import re

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
    # as torch: a TypeError for a padding_idx that is not an int (an IndexError from the
    # modules for a float, which they index the weight with)
    for bad in ((1,), [1], 1.5, "1"):
        with pytest.raises(TypeError):
            TF.embedding(torch.tensor([0]), torch.zeros(4, 2), padding_idx=bad)
        with pytest.raises(TypeError, match="embedding: padding_idx must be an int or None"):
            F.embedding(autograd.tensor([0]), w, padding_idx=bad)
        error = IndexError if bad == 1.5 else TypeError
        for ours, theirs in ((nn.Embedding, torch.nn.Embedding),
                             (nn.EmbeddingBag, torch.nn.EmbeddingBag)):
            with pytest.raises(error):
                theirs(4, 2, padding_idx=bad)
            with pytest.raises(error, match=f"{ours.__name__}: padding_idx must be an int"):
                ours(4, 2, padding_idx=bad)
    y = F.embedding(autograd.tensor([1, 2]), autograd.ones(4, 2), padding_idx=autograd.tensor(1))
    np.testing.assert_array_equal(y.data, TF.embedding(torch.tensor([1, 2]), torch.ones(4, 2),
                                                       padding_idx=torch.tensor(1)).numpy())
    with pytest.raises(ValueError, match=r"weight must be 2-D"):
        F.embedding(autograd.tensor([0]), autograd.zeros(4))
    with pytest.raises(ValueError, match="sparse=True is not supported"):
        F.embedding(autograd.tensor([0]), w, sparse=True)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype,rtol,atol", [(np.float32, 1e-6, 1e-6), (np.float64, 1e-10, 1e-14)])
def test_gelu_matches_torch(approximate, dtype, rtol, atol):
    # both forms cancel in 1 + erf / 1 + tanh on the negative tail, so the tail is accurate only
    # to an absolute ~eps |x| (torch's float32 even returns -0.0 near x = -5.5): atol covers it
    x = np.concatenate([np.linspace(-12, 12, 241), [0.0, -0.0, 1e-30, 30.0, -30.0]])
    x = x.reshape(-1, 2).astype(dtype)
    g = np.random.default_rng(3).standard_normal(x.shape).astype(dtype)
    ours, theirs = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = F.gelu(ours, approximate), TF.gelu(theirs, approximate=approximate)
    y.backward(g)
    ty.backward(torch.tensor(g))
    assert y.dtype == dtype and ours.grad.dtype == dtype
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_gradcheck_and_edge_inputs(approximate):
    x = np.random.default_rng(4).standard_normal((3, 4)) * 2
    assert autograd.gradcheck(lambda t: F.gelu(t, approximate), [x], eps=1e-6, atol=1e-8,
                              rtol=1e-6)
    special = autograd.tensor([np.nan, np.inf, 40.0, -40.0], requires_grad=True)
    np.testing.assert_array_equal(F.gelu(special, approximate).data, [np.nan, np.inf, 40.0, -0.0])
    empty = autograd.zeros(2, 0, requires_grad=True)
    F.gelu(empty, approximate).sum().backward()
    assert empty.grad.shape == (2, 0)
    assert F.gelu(autograd.tensor(1.5, requires_grad=True), approximate).shape == ()


def test_gelu_bad_arguments():
    with pytest.raises(ValueError, match=r"gelu: approximate must be one of"):
        F.gelu(autograd.zeros(2), "erf")
    with pytest.raises(TypeError, match=r"gelu: .*int64"):
        F.gelu(autograd.zeros(2, dtype=np.int64))


def test_transformer_encoder_layer_runs_with_gelu():
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0,
                                       activation="gelu")
    x = autograd.tensor(np.random.default_rng(5).standard_normal((2, 3, 8)).astype(np.float32),
                        requires_grad=True)
    y = layer(x)
    y.sum().backward()
    assert y.shape == (2, 3, 8) and y.dtype == np.float32 and x.grad.dtype == np.float32


def _zeros_both(*shape):
    return autograd.zeros(*shape, requires_grad=True), torch.zeros(*shape, requires_grad=True)


@pytest.mark.parametrize("shapes", [((0, 1, 4, 4), (3, 1, 2, 2), True),
                                    ((0, 2, 5), (2, 2, 3), False), ((0, 2, 5), (4, 2, 3), True)])
def test_conv_on_empty_input_matches_torch(shapes):
    x_shape, w_shape, with_bias = shapes
    fn, tfn = (F.conv2d, TF.conv2d) if len(w_shape) == 4 else (F.conv1d, TF.conv1d)
    (x, tx), (w, tw) = _zeros_both(*x_shape), _zeros_both(*w_shape)
    b = autograd.tensor(np.arange(w_shape[0], dtype=np.float32) + 1, requires_grad=True)
    tb = torch.tensor(b.data, requires_grad=True)
    y = fn(x, w, b if with_bias else None)
    ty = tfn(tx, tw, tb if with_bias else None)
    assert y.shape == tuple(ty.shape) and y.dtype == np.float32
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())
    np.testing.assert_array_equal(w.grad.data, tw.grad.numpy())
    if with_bias:
        np.testing.assert_array_equal(b.grad.data, tb.grad.numpy())


def test_pool_and_conv_degenerate_sizes_raise_clear_errors():
    for x_shape, w_shape in [((1, 1, 4), (1, 1, 0)), ((1, 0, 4), (1, 0, 2)),
                             ((1, 2, 4), (0, 2, 2))]:
        with pytest.raises(ValueError, match="conv1d: weight of shape " + re.escape(str(w_shape))):
            F.conv1d(autograd.zeros(*x_shape), autograd.zeros(*w_shape))
    for fn, shape in [(F.max_pool1d, (0, 0)), (F.avg_pool1d, (2, 0, 4)),
                      (F.max_pool2d, (1, 2, 0, 3)), (F.avg_pool2d, (0, 0, 0))]:
        with pytest.raises(ValueError, match=rf"{fn.__name__}: .*{shape}"):
            fn(autograd.zeros(*shape), 2, None, 1)
    y = F.max_pool2d(autograd.zeros(0, 2, 4, 4, requires_grad=True), 2)
    assert y.shape == (0, 2, 2, 2)


def test_embedding_with_zero_dim_matches_torch():
    (w, tw) = _zeros_both(3, 0)
    idx = np.array([0, 2])
    y, ty = F.embedding(autograd.tensor(idx), w), TF.embedding(torch.tensor(idx), tw)
    y.sum().backward()
    ty.sum().backward()
    assert y.shape == tuple(ty.shape) == (2, 0) and w.grad.shape == tuple(tw.grad.shape)
