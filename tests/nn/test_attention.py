"""Encoder-decoder attention against the same formulas in PyTorch, and finite differences."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Tensor
from nn.attention import Attention, masked_softmax

torch = pytest.importorskip("torch")


def torch_attention(method, params, q, keys, mask):
    """Reference: the same scores written in torch; params by our parameter names."""
    if method == "dot":
        scores = (keys @ q.unsqueeze(-1)).squeeze(-1)
    elif method == "general":
        scores = (keys @ (q @ params["query_proj.weight"].T).unsqueeze(-1)).squeeze(-1)
    else:
        hidden = torch.tanh(q @ params["query_proj.weight"].T
                            + (keys @ params["key_proj.weight"].T).transpose(0, 1)).transpose(0, 1)
        scores = (hidden @ params["v.weight"].T).squeeze(-1)
    if mask is not None:
        scores = scores.masked_fill(~torch.tensor(mask), float("-inf"))
    weights = torch.softmax(scores, -1)
    return (weights.unsqueeze(1) @ keys).squeeze(1), weights


@settings(deadline=None, max_examples=30)
@given(method=st.sampled_from(["dot", "general", "additive"]), batch=st.integers(1, 3),
       src=st.integers(1, 5), qdim=st.integers(1, 4), kdim=st.integers(1, 4),
       masked=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_attention_matches_torch(method, batch, src, qdim, kdim, masked, seed):
    if method == "dot":
        qdim = kdim
    rng = np.random.default_rng(seed)
    autograd.manual_seed(seed)
    att = Attention(qdim, kdim, method=method, hidden_dim=3).double()
    q, keys = rng.standard_normal((batch, qdim)), rng.standard_normal((batch, src, kdim))
    mask = None
    if masked:  # right padding, at least one real token per row
        lengths = rng.integers(1, src + 1, size=batch)
        mask = np.arange(src)[None, :] < lengths[:, None]
    tq, tk = torch.tensor(q, requires_grad=True), torch.tensor(keys, requires_grad=True)
    tparams = {n: torch.tensor(p.data.copy(), requires_grad=True)
               for n, p in att.named_parameters()}
    aq, ak = Tensor(q, requires_grad=True), Tensor(keys, requires_grad=True)
    ctx, w = att(aq, ak, None if mask is None else Tensor(mask))
    tctx, tw = torch_attention(method, tparams, tq, tk, mask)
    assert ctx.shape == (batch, kdim) and w.shape == (batch, src)
    np.testing.assert_allclose(ctx.data, tctx.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-10, atol=1e-12)
    if mask is not None:
        assert np.all(w.data[~mask] == 0)
    vc, vw = rng.standard_normal(ctx.shape), rng.standard_normal(w.shape)
    ((ctx * Tensor(vc)).sum() + (w * Tensor(vw)).sum()).backward()
    ((tctx * torch.tensor(vc)).sum() + (tw * torch.tensor(vw)).sum()).backward()
    np.testing.assert_allclose(aq.grad.data, tq.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ak.grad.data, tk.grad.numpy(), rtol=1e-10, atol=1e-12)
    for n, p in att.named_parameters():
        np.testing.assert_allclose(p.grad.data, tparams[n].grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=n)


@pytest.mark.parametrize("method", ["dot", "general", "additive"])
def test_attention_gradcheck_with_mask(method):
    autograd.manual_seed(0)
    att = Attention(3, 3, method=method).double()
    names = [n for n, _ in att.named_parameters()]
    mask = Tensor(np.array([[True, True, False], [True, False, False]]))
    rng = np.random.default_rng(0)

    def fn(q, keys, *params):
        for n, p in zip(names, params):
            path, leaf = n.rsplit(".", 1) if "." in n else ("", n)
            module = att if not path else dict(att.named_modules())[path]
            module._parameters[leaf] = p
        return att(q, keys, mask)

    inputs = [rng.standard_normal((2, 3)), rng.standard_normal((2, 3, 3))]
    inputs += [p.data.copy() for p in att.parameters()]
    assert autograd.gradcheck(fn, inputs, atol=1e-7, rtol=1e-6)


def test_additive_key_cache_gives_the_same_result():
    att = Attention(2, 3, method="additive", hidden_dim=4).double()
    rng = np.random.default_rng(1)
    q, keys = Tensor(rng.standard_normal((2, 2))), Tensor(rng.standard_normal((2, 5, 3)))
    c1, w1 = att(q, keys)
    c2, w2 = att(q, keys, key_cache=att.precompute(keys))
    np.testing.assert_array_equal(c1.data, c2.data)
    np.testing.assert_array_equal(w1.data, w2.data)
    assert Attention(2, 2, "dot").precompute(keys) is None


def test_fully_masked_row_gets_zero_weights_and_gradient():
    scores = Tensor(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), requires_grad=True)
    mask = np.array([[True, False, True], [False, False, False]])
    w = masked_softmax(scores, mask)
    assert np.all(np.isfinite(w.data)) and np.all(w.data[1] == 0) and w.data[0, 1] == 0
    np.testing.assert_allclose(w.data[0].sum(), 1.0)
    (w * Tensor(np.arange(6.0).reshape(2, 3))).sum().backward()
    assert np.all(scores.grad.data[1] == 0) and scores.grad.data[0, 1] == 0


def test_float32_stays_float32():
    for method in ("dot", "general", "additive"):
        att = Attention(4, 4, method=method)
        q = Tensor(np.ones((2, 4), np.float32), requires_grad=True)
        keys = Tensor(np.ones((2, 3, 4), np.float32), requires_grad=True)
        ctx, w = att(q, keys, Tensor(np.array([[True, True, False]] * 2)))
        assert ctx.dtype == np.float32 and w.dtype == np.float32
        ctx.sum().backward()
        assert q.grad.dtype == np.float32 and keys.grad.dtype == np.float32


def test_bad_arguments():
    with pytest.raises(ValueError, match="method"):
        Attention(2, 2, method="cosine")
    with pytest.raises(ValueError, match="query_dim == key_dim"):
        Attention(2, 3, method="dot")
    att = Attention(2, 3, method="general")
    q, keys = Tensor(np.zeros((2, 2), np.float32)), Tensor(np.zeros((2, 4, 3), np.float32))
    with pytest.raises(ValueError, match=r"got \(2, 2\) and \(2, 4, 4\)"):
        att(q, Tensor(np.zeros((2, 4, 4), np.float32)))
    with pytest.raises(ValueError, match=r"mask must be bool of shape \(2, 4\)"):
        att(q, keys, Tensor(np.ones((2, 3), bool)))
    with pytest.raises(ValueError, match="mask must be bool"):
        att(q, keys, Tensor(np.ones((2, 4), np.float32)))
