"""Scaled dot-product attention, MultiheadAttention, TransformerEncoderLayer and
PositionalEncoding against PyTorch (same weights, float64) and finite differences."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Tensor
from nn.normalization import LayerNorm
from nn.transformer import (MultiheadAttention, PositionalEncoding, TransformerEncoder,
                            TransformerEncoderLayer, scaled_dot_product_attention)

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def assert_close(a, b, what, rtol=1e-8, atol=1e-10):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


def leaves(*arrays):
    ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    return ours, theirs


def backward_both(ours, theirs, rng):
    """Contract each output pair with one random cotangent and backpropagate both."""
    lo, lt = 0, 0
    for a, b in zip(ours, theirs):
        v = rng.standard_normal(a.shape)
        lo = lo + (a * Tensor(v)).sum()
        lt = lt + (b * torch.tensor(v)).sum()
    lo.backward()
    lt.backward()


def some_true_rows(rng, shape):
    """A random bool mask whose every row (last dim) has at least one True."""
    m = rng.random(shape) < 0.6
    m[..., rng.integers(0, shape[-1])] = True
    return m


@settings(deadline=None, max_examples=30)
@given(batch=st.lists(st.integers(1, 2), max_size=2), L=st.integers(1, 4), S=st.integers(1, 4),
       E=st.integers(1, 4), Ev=st.integers(1, 3),
       mask_kind=st.sampled_from(["none", "bool", "float", "causal", "empty_row"]),
       scale=st.sampled_from([None, 0.3]), seed=st.integers(0, 2 ** 16))
def test_sdpa_matches_torch(batch, L, S, E, Ev, mask_kind, scale, seed):
    rng = np.random.default_rng(seed)
    batch = tuple(batch)
    arrays = [rng.standard_normal(batch + (L, E)), rng.standard_normal(batch + (S, E)),
              rng.standard_normal(batch + (S, Ev))]
    (q, k, v), (tq, tk, tv) = leaves(*arrays)
    kw = {}
    if mask_kind in ("bool", "empty_row"):
        m = some_true_rows(rng, (L, S))
        if mask_kind == "empty_row":
            m[0] = False
        kw["attn_mask"] = m
    elif mask_kind == "float":
        kw["attn_mask"] = rng.standard_normal((L, S))
    elif mask_kind == "causal":
        kw["is_causal"] = True
    ours = scaled_dot_product_attention(q, k, v, scale=scale, **kw)
    tkw = {key: torch.tensor(val) if key == "attn_mask" else val for key, val in kw.items()}
    theirs = TF.scaled_dot_product_attention(tq, tk, tv, scale=scale, **tkw)
    assert_close(ours.data, theirs.detach().numpy(), "output")
    backward_both([ours], [theirs], rng)
    for name, a, b in zip("qkv", (q, k, v), (tq, tk, tv)):
        assert_close(a.grad.data, b.grad.numpy(), f"gradient of {name}")


def make_mha(E, heads, kdim, vdim, bias, batch_first, seed):
    torch.manual_seed(seed)
    theirs = torch.nn.MultiheadAttention(E, heads, bias=bias, kdim=kdim, vdim=vdim,
                                         batch_first=batch_first).double()
    with torch.no_grad():  # non-zero biases, so their gradients are tested against something
        for n, p in theirs.named_parameters():
            if "bias" in n:
                p.normal_()
    ours = MultiheadAttention(E, heads, bias=bias, kdim=kdim, vdim=vdim,
                              batch_first=batch_first).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


@settings(deadline=None, max_examples=30)
@given(heads=st.integers(1, 3), head_dim=st.integers(1, 3), N=st.integers(1, 3),
       L=st.integers(1, 4), S=st.integers(1, 4), self_attn=st.booleans(),
       other_dims=st.booleans(), bias=st.booleans(), batch_first=st.booleans(),
       batched=st.booleans(), mask_kind=st.sampled_from(["none", "bool", "float"]),
       use_kpm=st.booleans(), use_attn_mask=st.booleans(), average=st.booleans(),
       seed=st.integers(0, 2 ** 16))
def test_multihead_attention_matches_torch(heads, head_dim, N, L, S, self_attn, other_dims,
                                           bias, batch_first, batched, mask_kind, use_kpm,
                                           use_attn_mask, average, seed):
    E = heads * head_dim
    kdim, vdim = (E + 1, E + 2) if other_dims and not self_attn else (None, None)
    if self_attn:
        S = L
    ours, theirs = make_mha(E, heads, kdim, vdim, bias, batch_first, seed)
    rng = np.random.default_rng(seed)

    def seq(length, dim):
        if not batched:
            return rng.standard_normal((length, dim))
        return rng.standard_normal((N, length, dim) if batch_first else (length, N, dim))

    if self_attn:
        (x,), (tx,) = leaves(seq(L, E))
        args, targs = [x, x, x], [tx, tx, tx]
    else:
        (q, k, v), (tq, tk, tv) = leaves(seq(L, E), seq(S, kdim or E), seq(S, vdim or E))
        args, targs = [q, k, v], [tq, tk, tv]
    kw = {"average_attn_weights": average}
    n = N if batched else 1
    if mask_kind != "none" and use_kpm:
        kpm = ~some_true_rows(rng, (n, S))  # True = ignore; keep one key per row
        kw["key_padding_mask"] = kpm if mask_kind == "bool" else np.where(kpm, -1e3, 0.5)
        if not batched:
            kw["key_padding_mask"] = kw["key_padding_mask"][0]
    if mask_kind != "none" and use_attn_mask:
        am = rng.random((L, S)) < 0.4  # True = not allowed
        if use_kpm:
            allowed = ~am[None] & ~kpm.reshape(n, 1, S)
            if not allowed.any(-1).all():  # PyTorch gives NaN rows there; keep every row alive
                am[:] = False
        else:
            am[np.arange(L), rng.integers(0, S, size=L)] = False
        kw["attn_mask"] = am if mask_kind == "bool" else rng.standard_normal((L, S))
    out, w = ours(*args, **kw)
    tout, tw = theirs(*targs, **{a: torch.tensor(b) if "mask" in a else b for a, b in kw.items()})
    assert_close(out.data, tout.detach().numpy(), "output")
    assert_close(w.data, tw.detach().numpy(), "weights")
    backward_both([out, w], [tout, tw], rng)
    for i, (a, b) in enumerate(zip(args, targs)):
        if i == 0 or a is not args[0]:
            assert_close(a.grad.data, b.grad.numpy(), f"gradient of input {i}")
    params = dict(ours.named_parameters())
    assert set(params) == {name for name, _ in theirs.named_parameters()}
    for name, p in theirs.named_parameters():
        assert_close(params[name].grad.data, p.grad.numpy(), f"gradient of {name}")


def test_multihead_attention_need_weights_false_and_causal():
    ours, theirs = make_mha(4, 2, None, None, True, True, 0)
    rng = np.random.default_rng(0)
    (x,), (tx,) = leaves(rng.standard_normal((2, 3, 4)))
    mask = np.triu(np.ones((3, 3), bool), 1)
    out, w = ours(x, x, x, need_weights=False, is_causal=True)
    tout, _ = theirs(tx, tx, tx, need_weights=False, attn_mask=torch.tensor(mask), is_causal=True)
    assert w is None
    assert_close(out.data, tout.detach().numpy(), "output")


@settings(deadline=None, max_examples=15)
@given(nhead=st.integers(1, 2), head_dim=st.integers(1, 3), ff=st.integers(1, 5),
       N=st.integers(1, 2), L=st.integers(1, 4), norm_first=st.booleans(),
       batch_first=st.booleans(), with_masks=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_encoder_layer_matches_torch(nhead, head_dim, ff, N, L, norm_first, batch_first,
                                     with_masks, seed):
    d = nhead * head_dim
    torch.manual_seed(seed)
    theirs = torch.nn.TransformerEncoderLayer(d, nhead, ff, dropout=0.0, norm_first=norm_first,
                                              batch_first=batch_first).double()
    with torch.no_grad():
        for n, p in theirs.named_parameters():
            if "norm" in n or "in_proj_bias" in n or "out_proj.bias" in n:
                p.normal_()
    ours = TransformerEncoderLayer(d, nhead, ff, dropout=0.0, norm_first=norm_first,
                                   batch_first=batch_first).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(seed)
    (x,), (tx,) = leaves(rng.standard_normal((N, L, d) if batch_first else (L, N, d)))
    kw = {}
    if with_masks:
        kw["src_key_padding_mask"] = ~some_true_rows(rng, (N, L))
        kw["src_mask"] = np.zeros((L, L), bool)
        # mask one more pair where every sequence keeps another key to attend to
        kw["src_mask"][-1, 0] = bool((~kw["src_key_padding_mask"][:, 1:]).any(1).all())
    out = ours(x, **kw)
    tout = theirs(tx, **{a: torch.tensor(b) for a, b in kw.items()})
    assert_close(out.data, tout.detach().numpy(), "output")
    backward_both([out], [tout], rng)
    assert_close(x.grad.data, tx.grad.numpy(), "gradient of src")
    params = dict(ours.named_parameters())
    assert list(params) == [name for name, _ in theirs.named_parameters()]
    for name, p in theirs.named_parameters():
        assert_close(params[name].grad.data, p.grad.numpy(), f"gradient of {name}")


def test_encoder_stack_matches_torch():
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, batch_first=True)
    theirs = torch.nn.TransformerEncoder(layer, 2, norm=torch.nn.LayerNorm(4),
                                         enable_nested_tensor=False).double()
    ours = TransformerEncoder(TransformerEncoderLayer(4, 2, 6, dropout=0.0, batch_first=True), 2,
                              norm=LayerNorm(4)).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(0)
    (x,), (tx,) = leaves(rng.standard_normal((2, 5, 4)))
    kpm = np.array([[False] * 5, [False, False, False, True, True]])
    out = ours(x, src_key_padding_mask=kpm)
    tout = theirs(tx, src_key_padding_mask=torch.tensor(kpm))
    assert_close(out.data, tout.detach().numpy(), "output")
    backward_both([out], [tout], rng)
    assert_close(x.grad.data, tx.grad.numpy(), "gradient of src")
    params = dict(ours.named_parameters())
    assert list(params) == [name for name, _ in theirs.named_parameters()]
    for name, p in theirs.named_parameters():
        assert_close(params[name].grad.data, p.grad.numpy(), f"gradient of {name}")


def parameters_as_inputs(module, fn):
    """(fn_of_inputs_and_params, initial param arrays) for gradcheck over module's parameters."""
    named = list(module.named_parameters())
    mods = dict(module.named_modules())

    def wrapped(*tensors):
        params = tensors[len(tensors) - len(named):]
        for (name, _), p in zip(named, params):
            path, _, leaf = name.rpartition(".")
            mods[path]._parameters[leaf] = p
        return fn(*tensors[:len(tensors) - len(named)])

    return wrapped, [p.data.copy() for _, p in named]


def test_sdpa_gradcheck_with_mask():
    rng = np.random.default_rng(0)
    mask = np.array([[True, False, True], [False, False, False]])
    inputs = [rng.standard_normal((2, 2, 3)), rng.standard_normal((2, 3, 3)),
              rng.standard_normal((2, 3, 2))]
    fn = lambda q, k, v: scaled_dot_product_attention(q, k, v, attn_mask=mask)  # noqa: E731
    assert autograd.gradcheck(fn, inputs, atol=1e-7, rtol=1e-6)


def test_multihead_attention_gradcheck():
    autograd.manual_seed(0)
    mha = MultiheadAttention(4, 2, kdim=3, vdim=2).double()
    rng = np.random.default_rng(1)
    kpm = np.array([[False, False, True], [False, True, True]])
    fn, params = parameters_as_inputs(mha, lambda q, k, v: mha(q, k, v, key_padding_mask=kpm))
    inputs = [rng.standard_normal((2, 2, 4)), rng.standard_normal((3, 2, 3)),
              rng.standard_normal((3, 2, 2))] + params
    assert autograd.gradcheck(fn, inputs, atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_gradcheck(norm_first):
    autograd.manual_seed(0)
    layer = TransformerEncoderLayer(4, 2, 6, dropout=0.0, norm_first=norm_first).double()
    fn, params = parameters_as_inputs(layer, lambda x: layer(x, is_causal=True))
    x = np.random.default_rng(2).standard_normal((3, 2, 4))
    assert autograd.gradcheck(fn, [x] + params, atol=1e-6, rtol=1e-5, mode="random",
                              n_directions=3)


@pytest.mark.parametrize("d_model", [4, 5])
@pytest.mark.parametrize("batch_first", [False, True])
def test_positional_encoding(d_model, batch_first):
    pe = PositionalEncoding(d_model, max_len=10, batch_first=batch_first).double()
    L, N = 6, 2
    x = Tensor(np.zeros((N, L, d_model) if batch_first else (L, N, d_model)), requires_grad=True)
    y = pe(x)
    enc = y.data[0] if batch_first else y.data[:, 0]
    for p in range(L):
        for i in range(d_model):
            angle = p / 10000 ** (2 * (i // 2) / d_model)
            assert math.isclose(enc[p, i], math.sin(angle) if i % 2 == 0 else math.cos(angle),
                                rel_tol=1e-6, abs_tol=1e-7)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones(x.shape))
    assert "pe" not in pe.state_dict()
    with pytest.raises(ValueError, match="exceeds max_len 10"):
        pe(Tensor(np.zeros((11, 11, d_model))))


def test_dropout_only_in_training_and_float32_stays_float32():
    autograd.manual_seed(0)
    layer = TransformerEncoderLayer(4, 2, 8, dropout=0.5)
    x = Tensor(np.random.default_rng(0).standard_normal((3, 2, 4)).astype(np.float32),
               requires_grad=True)
    a, b = layer(x), layer(x)
    assert a.dtype == np.float32 and not np.allclose(a.data, b.data)
    layer.eval()
    c = layer(x)
    np.testing.assert_array_equal(c.data, layer(x).data)
    c.sum().backward()
    assert x.grad.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in layer.parameters())
    q = Tensor(np.ones((2, 3, 4), np.float32))
    assert not np.allclose(scaled_dot_product_attention(q, q, q, dropout_p=0.5).data,
                           scaled_dot_product_attention(q, q, q).data)


def test_bad_arguments():
    with pytest.raises(ValueError, match="divisible"):
        MultiheadAttention(5, 2)
    mha = MultiheadAttention(4, 2)
    x = Tensor(np.zeros((3, 2, 4), np.float32))
    with pytest.raises(ValueError, match=r"key.*\(3, 2, 5\)"):
        mha(x, Tensor(np.zeros((3, 2, 5), np.float32)), x)
    with pytest.raises(ValueError, match=r"key_padding_mask must have shape \(2, 3\)"):
        mha(x, x, x, key_padding_mask=np.zeros((3, 2), bool))
    with pytest.raises(ValueError, match=r"attn_mask must have shape \(3, 3\)"):
        mha(x, x, x, attn_mask=np.zeros((2, 3), bool))
    with pytest.raises(TypeError, match="float64.*float32"):
        mha(x.double(), x.double(), x.double())
    q = Tensor(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"query \(2, 3\), key \(2, 4\)"):
        scaled_dot_product_attention(q, Tensor(np.zeros((2, 4), np.float32)), q)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 3\)"):
        scaled_dot_product_attention(q, q, q, attn_mask=np.ones((3, 3), bool))
    with pytest.raises(ValueError, match="either attn_mask or is_causal"):
        scaled_dot_product_attention(q, q, q, attn_mask=np.ones((2, 2), bool), is_causal=True)
    with pytest.raises(RuntimeError, match="TransformerEncoderLayer: activation"):
        TransformerEncoderLayer(4, 2, activation="swish")   # torch: RuntimeError too
