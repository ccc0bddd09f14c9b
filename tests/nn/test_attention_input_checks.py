"""Inputs that torch refuses are refused here too, with an error that names the op, the
argument, its dtype and shape: integer attention masks (scaled_dot_product_attention,
MultiheadAttention, the Transformer layers and stacks), query / key / value batches that do
not agree (MultiheadAttention) or do not broadcast (scaled_dot_product_attention), a 2-D
key_padding_mask for unbatched input, and recurrent initial states of another dtype than the
parameters. The inputs torch accepts (broadcast batch dims in SDPA) still match it."""
import re

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import Tensor

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
TF = torch.nn.functional
E, HEADS, FF = 8, 2, 16


def randn(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def both_raise(ours, theirs, error, match):
    """theirs (torch) raises anything; ours raises `error` whose message matches `match`."""
    with pytest.raises(Exception):
        theirs()
    with pytest.raises(error, match=match):
        ours()


def as_torch(v):
    return torch.tensor(v) if isinstance(v, np.ndarray) else v


# ------------------------------------------------------------------ integer masks
INT_DTYPES = [np.int64, np.int32, np.uint8]


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_sdpa_refuses_an_integer_attn_mask(dtype):
    q = randn(1, 3, 4)
    mask = np.triu(np.ones((3, 3), dtype), 1)
    both_raise(lambda: F.scaled_dot_product_attention(Tensor(q), Tensor(q), Tensor(q),
                                                      attn_mask=autograd.tensor(mask)),
               lambda: TF.scaled_dot_product_attention(*[torch.tensor(q)] * 3,
                                                       attn_mask=torch.tensor(mask)),
               TypeError, rf"scaled_dot_product_attention: attn_mask must be bool or floating "
                          rf"point, got {np.dtype(dtype)} of shape \(3, 3\)")


def _mha_pair():
    return nn.MultiheadAttention(E, HEADS).double(), torch.nn.MultiheadAttention(E, HEADS).double()


def _encoder_layer_pair():
    return (nn.TransformerEncoderLayer(E, HEADS, FF, 0.0).double(),
            torch.nn.TransformerEncoderLayer(E, HEADS, FF, 0.0).double())


def _encoder_pair():
    ours, theirs = _encoder_layer_pair()
    return (nn.TransformerEncoder(ours, 2),
            torch.nn.TransformerEncoder(theirs, 2, enable_nested_tensor=False))


def _transformer_pair():
    kw = dict(d_model=E, nhead=HEADS, num_encoder_layers=1, num_decoder_layers=1,
              dim_feedforward=FF, dropout=0.0)
    return nn.Transformer(**kw).double(), torch.nn.Transformer(**kw).double()


# (owner, make the pair, call(module, x, masks), mask name, mask shape); x is (3, 2, E)
TRI = np.triu(np.ones((3, 3), np.int64), 1)
PAD = np.array([[0, 0, 1], [0, 1, 1]], np.int64)
MASK_CASES = [
    ("MultiheadAttention", _mha_pair, lambda m, x, kw: m(x, x, x, **kw), "attn_mask", TRI),
    ("MultiheadAttention", _mha_pair, lambda m, x, kw: m(x, x, x, **kw), "key_padding_mask",
     PAD),
    ("TransformerEncoderLayer", _encoder_layer_pair, lambda m, x, kw: m(x, **kw), "src_mask",
     TRI),
    ("TransformerEncoderLayer", _encoder_layer_pair, lambda m, x, kw: m(x, **kw),
     "src_key_padding_mask", PAD),
    ("TransformerEncoder", _encoder_pair, lambda m, x, kw: m(x, **kw), "mask", TRI),
    ("TransformerEncoder", _encoder_pair, lambda m, x, kw: m(x, **kw), "src_key_padding_mask",
     PAD),
    ("Transformer", _transformer_pair, lambda m, x, kw: m(x, x, **kw), "src_mask", TRI),
    ("Transformer", _transformer_pair, lambda m, x, kw: m(x, x, **kw), "tgt_mask", TRI),
    ("Transformer", _transformer_pair, lambda m, x, kw: m(x, x, **kw), "memory_mask", TRI),
    ("Transformer", _transformer_pair, lambda m, x, kw: m(x, x, **kw), "src_key_padding_mask",
     PAD),
    ("Transformer", _transformer_pair, lambda m, x, kw: m(x, x, **kw),
     "memory_key_padding_mask", PAD),
    ("TransformerDecoderLayer",
     lambda: (nn.TransformerDecoderLayer(E, HEADS, FF, 0.0).double(),
              torch.nn.TransformerDecoderLayer(E, HEADS, FF, 0.0).double()),
     lambda m, x, kw: m(x, x, **kw), "tgt_mask", TRI),
]


@pytest.mark.parametrize("owner, make, call, name, mask", MASK_CASES,
                         ids=[f"{c[0]}-{c[3]}" for c in MASK_CASES])
def test_modules_refuse_an_integer_mask_naming_it(owner, make, call, name, mask):
    ours, theirs = make()
    x = randn(3, 2, E)
    shape = re.escape(str(mask.shape))
    both_raise(lambda: call(ours, Tensor(x), {name: autograd.tensor(mask)}),
               lambda: call(theirs, torch.tensor(x), {name: torch.tensor(mask)}),
               TypeError, rf"^{owner}: {name} must be bool or floating point, got int64 of "
                          rf"shape {shape}")


def test_mha_refuses_an_integer_mask_given_as_a_numpy_array():
    ours, _ = _mha_pair()
    x = Tensor(randn(3, 2, E))
    with pytest.raises(TypeError, match="MultiheadAttention: attn_mask .* got int64"):
        ours(x, x, x, attn_mask=TRI)


@pytest.mark.parametrize("mask", [TRI.astype(bool), np.where(TRI, -np.inf, 0.0),
                                  np.where(TRI, -1e3, 0.5).astype(np.float32)],
                         ids=["bool", "float64", "float32"])
def test_sdpa_still_takes_bool_and_floating_masks_as_torch(mask):
    q, k, v = randn(2, 3, 4, seed=1), randn(2, 3, 4, seed=2), randn(2, 3, 5, seed=3)
    # torch's bool mask says True = take part, as ours
    ours = F.scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v),
                                          attn_mask=Tensor(mask))
    theirs = TF.scaled_dot_product_attention(torch.tensor(q), torch.tensor(k), torch.tensor(v),
                                             attn_mask=torch.tensor(mask))
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6, atol=1e-7)


# ------------------------------------------------------------------ batch sizes in MHA
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("n_kv", [1, 2])
def test_mha_refuses_key_value_batch_unlike_the_query(batch_first, n_kv):
    ours = nn.MultiheadAttention(E, HEADS, batch_first=batch_first).double()
    theirs = torch.nn.MultiheadAttention(E, HEADS, batch_first=batch_first).double()
    q, kv = (3, 4, E), (5, n_kv, E)
    if batch_first:
        q, kv = (4, 3, E), (n_kv, 5, E)
    q, kv = randn(*q), randn(*kv)
    both_raise(lambda: ours(Tensor(q), Tensor(kv), Tensor(kv)),
               lambda: theirs(*(torch.tensor(a) for a in (q, kv, kv))),
               ValueError, re.escape(f"MultiheadAttention: batch sizes of query {q.shape} and "
                                     f"key/value {kv.shape} differ (4 != {n_kv}; "
                                     f"batch_first={batch_first})"))


@pytest.mark.parametrize("k_shape, v_shape, match", [
    ((4, 2, E), (5, 2, E), "key .* and value .* must agree outside the last dim"),
    ((4, 2, E), (4, 3, E), "key .* and value .* must agree outside the last dim"),
    ((4, 2, E - 1), (4, 2, E), rf"expected key with 3 dims and last dim {E}"),
    ((4, E), (4, E), "expected key with 3 dims"),
])
def test_mha_refuses_key_value_shapes_that_disagree(k_shape, v_shape, match):
    ours, theirs = _mha_pair()
    q, k, v = randn(3, 2, E), randn(*k_shape), randn(*v_shape)
    both_raise(lambda: ours(Tensor(q), Tensor(k), Tensor(v)),
               lambda: theirs(*(torch.tensor(a) for a in (q, k, v))),
               ValueError, "MultiheadAttention: " + match)


# ------------------------------------------------------------------ batch dims in SDPA
@pytest.mark.parametrize("shapes", [
    ((2, 3, 4), (3, 5, 4), (3, 5, 4)),
    ((2, 3, 4), (2, 5, 4), (3, 5, 6)),
    ((2, 2, 3, 4), (3, 2, 5, 4), (3, 2, 5, 4)),
])
def test_sdpa_refuses_batch_dims_that_do_not_broadcast(shapes):
    q, k, v = (randn(*s) for s in shapes)
    both_raise(lambda: F.scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v)),
               lambda: TF.scaled_dot_product_attention(*(torch.tensor(a) for a in (q, k, v))),
               ValueError, r"scaled_dot_product_attention: the batch dims .* of query "
                           + re.escape(f"{shapes[0]}, key {shapes[1]} and value {shapes[2]}")
                           + " do not broadcast")


@pytest.mark.parametrize("shapes, mask_shape", [
    (((2, 3, 4), (1, 5, 4), (1, 5, 6)), None),
    (((2, 1, 3, 4), (1, 2, 5, 4), (2, 2, 5, 6)), (2, 1, 3, 5)),
    (((3, 4), (2, 5, 4), (2, 5, 6)), (2, 3, 5)),     # the scores' batch comes from key
    (((2, 3, 4), (5, 4), (2, 5, 6)), (3, 5)),
    (((2, 3, 4), (2, 5, 4), (5, 6)), (1, 5)),
])
def test_sdpa_broadcasts_batch_dims_as_torch(shapes, mask_shape):
    arrays = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    mask = None if mask_shape is None else randn(*mask_shape, seed=9)
    out = F.scaled_dot_product_attention(*ours, attn_mask=None if mask is None else Tensor(mask))
    tout = TF.scaled_dot_product_attention(*theirs, attn_mask=as_torch(mask))
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = randn(*out.shape, seed=7)
    out.backward(Tensor(g))
    tout.backward(torch.tensor(g))
    for name, a, b in zip("qkv", ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-9, atol=1e-11,
                                   err_msg=f"grad of {name}")


@pytest.mark.parametrize("mask_shape", [(2, 2, 3, 5), (3, 3, 5)])
def test_sdpa_refuses_a_mask_that_would_grow_the_scores(mask_shape):
    q, k, v = randn(2, 3, 4), randn(2, 5, 4), randn(2, 5, 4)
    mask = np.zeros(mask_shape)
    both_raise(lambda: F.scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v),
                                                      attn_mask=Tensor(mask)),
               lambda: TF.scaled_dot_product_attention(*(torch.tensor(a) for a in (q, k, v)),
                                                       attn_mask=torch.tensor(mask)),
               ValueError, r"attn_mask of shape .* does not broadcast to the scores' shape "
                           r"\(2, 3, 5\)")


# ------------------------------------------------------------------ unbatched key_padding_mask
def test_mha_unbatched_query_wants_a_1d_key_padding_mask():
    ours, theirs = _mha_pair()
    q, kv = randn(3, E), randn(4, E)
    kpm = np.zeros((1, 4), bool)
    both_raise(lambda: ours(Tensor(q), Tensor(kv), Tensor(kv), key_padding_mask=Tensor(kpm)),
               lambda: theirs(torch.tensor(q), torch.tensor(kv), torch.tensor(kv),
                              key_padding_mask=torch.tensor(kpm)),
               ValueError, r"MultiheadAttention: for unbatched \(2-D\) query, key_padding_mask "
                           r"must be None or 1-D of shape \(4,\), got shape \(1, 4\)")
    kpm = np.zeros(5, bool)
    both_raise(lambda: ours(Tensor(q), Tensor(kv), Tensor(kv), key_padding_mask=Tensor(kpm)),
               lambda: theirs(torch.tensor(q), torch.tensor(kv), torch.tensor(kv),
                              key_padding_mask=torch.tensor(kpm)),
               ValueError, r"1-D of shape \(4,\), got shape \(5,\)")


def test_mha_unbatched_query_with_a_1d_key_padding_mask_matches_torch():
    ours, theirs = _mha_pair()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    q, kv = randn(3, E, seed=1), randn(4, E, seed=2)
    kpm = np.array([False, True, False, True])
    out, w = ours(Tensor(q), Tensor(kv), Tensor(kv), key_padding_mask=Tensor(kpm))
    tout, tw = theirs(torch.tensor(q), torch.tensor(kv), torch.tensor(kv),
                      key_padding_mask=torch.tensor(kpm))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-10, atol=1e-12)
