"""Attention masks that together leave a query row without any key: a bool mask (False = left
out) and a float mask (-inf = left out) combined, or a float mask alone. The row gets zero
weights and a zero output, as torch's scaled_dot_product_attention (torch's need_weights=True
path gives NaN there; ours gives zeros there too, as for bool masks). Rows that keep a key
match torch."""
import warnings

import numpy as np
import pytest

import autograd
import nn
from nn import functional as F
from nn.transformer import scaled_dot_product_attention

torch = pytest.importorskip("torch")


def _mha_pair(rng, e=4, heads=1):
    theirs = torch.nn.MultiheadAttention(e, heads, batch_first=True).double()
    ours = nn.MultiheadAttention(e, heads, batch_first=True, dtype=np.float64)
    ours.load_state_dict({k: autograd.tensor(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()})
    return ours, theirs


def test_bool_padding_and_float_mask_leaving_a_row_empty():
    rng = np.random.default_rng(0)
    ours, theirs = _mha_pair(rng)
    q, k = rng.standard_normal((1, 2, 4)), rng.standard_normal((1, 3, 4))
    pad = np.array([[False, True, True]])                  # keys 1, 2 are padding
    am = np.array([[-np.inf, 0.0, 0.0], [0.0, 0.0, 0.0]])  # query 0 may not see key 0
    qt, kt = autograd.tensor(q, requires_grad=True), autograd.tensor(k, requires_grad=True)
    out, w = ours(qt, kt, kt, key_padding_mask=autograd.tensor(pad),
                  attn_mask=autograd.tensor(am))
    with warnings.catch_warnings():   # torch deprecates mixing a bool and a float mask
        warnings.simplefilter("ignore")
        ref, _ = theirs(torch.tensor(q), torch.tensor(k), torch.tensor(k),
                        key_padding_mask=torch.tensor(pad), attn_mask=torch.tensor(am),
                        need_weights=False)
        _, ref_w = theirs(torch.tensor(q), torch.tensor(k), torch.tensor(k),
                          key_padding_mask=torch.tensor(pad), attn_mask=torch.tensor(am))
    np.testing.assert_array_equal(w.numpy()[0, 0], [0.0, 0.0, 0.0])   # not the padded keys'
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.numpy()[0, 1], ref_w.detach().numpy()[0, 1], rtol=1e-10)
    out.sum().backward()
    assert np.isfinite(qt.grad.numpy()).all() and np.isfinite(kt.grad.numpy()).all()


def test_float_mask_alone_leaving_a_row_empty_gives_zeros():
    rng = np.random.default_rng(1)
    q, k, v = (rng.standard_normal((2, 3, 4)) for _ in range(3))
    am = np.zeros((3, 3))
    am[1] = -np.inf
    am[2, 0] = -np.inf
    got = F.scaled_dot_product_attention(autograd.tensor(q), autograd.tensor(k),
                                         autograd.tensor(v), attn_mask=autograd.tensor(am))
    ref = torch.nn.functional.scaled_dot_product_attention(
        torch.tensor(q), torch.tensor(k), torch.tensor(v), attn_mask=torch.tensor(am))
    np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(got.numpy()[:, 1], 0.0)


def test_encoder_layer_with_a_sample_fully_padded_by_a_float_mask():
    rng = np.random.default_rng(2)
    theirs = torch.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True).double()
    ours = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True, dtype=np.float64)
    ours.load_state_dict({k: autograd.tensor(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()})
    x = rng.standard_normal((2, 3, 4))
    pad = np.zeros((2, 3))
    pad[1] = -np.inf
    # torch in training mode (dropout 0) takes the SDPA path: zero attention for sample 1 (its
    # eval-mode fast path gives NaN for that sample)
    got = ours(autograd.tensor(x), src_key_padding_mask=autograd.tensor(pad))
    ref = theirs(torch.tensor(x), src_key_padding_mask=torch.tensor(pad))
    np.testing.assert_allclose(got.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    ours.eval()
    assert np.isfinite(ours(autograd.tensor(x), src_key_padding_mask=autograd.tensor(pad))
                       .numpy()).all()


def test_functional_name_is_the_transformer_one():
    rng = np.random.default_rng(3)
    q = autograd.tensor(rng.standard_normal((2, 3, 4)))
    np.testing.assert_array_equal(
        F.scaled_dot_product_attention(q, q, q, is_causal=True).numpy(),
        scaled_dot_product_attention(q, q, q, is_causal=True).numpy())


def test_a_learned_float_mask_gets_its_gradient_from_scaled_dot_product_attention():
    """A relative-position or ALiBi-style bias passed as attn_mask trains, as in torch; -inf
    entries still mask their keys."""
    rng = np.random.default_rng(7)
    q, k, v = (rng.standard_normal((2, 2, 3, 4)) for _ in range(3))
    b = rng.standard_normal((3, 3))
    b[0, 2] = -np.inf
    grads = []
    for lib, sdpa in ((autograd, F.scaled_dot_product_attention),
                      (torch, torch.nn.functional.scaled_dot_product_attention)):
        ts = [lib.tensor(a, requires_grad=True) for a in (q, k, v)]
        bias = lib.tensor(b, requires_grad=True)
        out = sdpa(*ts, attn_mask=bias)
        (out * lib.tensor(np.arange(out.numel()).reshape(tuple(out.shape)) / 10.0)).sum().backward()
        grads.append([np.array(t.grad.tolist()) for t in ts + [bias]])
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_multihead_attention_refuses_a_float_mask_that_requires_grad():
    mha = nn.MultiheadAttention(4, 2, batch_first=True)
    x = autograd.randn(1, 3, 4)
    mask = autograd.zeros(3, 3, requires_grad=True)
    with pytest.raises(NotImplementedError, match="MultiheadAttention.*attn_mask that requires "
                                                  "grad.*gets no gradient here"):
        mha(x, x, x, attn_mask=mask)
    with autograd.no_grad():
        mha(x, x, x, attn_mask=mask)        # nothing recorded: nothing to lose
    mha(x, x, x, attn_mask=mask.detach())
