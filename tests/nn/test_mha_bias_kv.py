"""MultiheadAttention with add_bias_kv and add_zero_attn against PyTorch (same weights; float64
tight, float32 loose): outputs, attention weights, input and parameter gradients, with every
kind of mask; parameter names, init and errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Tensor
from nn.transformer import MultiheadAttention

torch = pytest.importorskip("torch")
TOL = {np.float64: dict(rtol=1e-9, atol=1e-11), np.float32: dict(rtol=2e-5, atol=2e-6)}
# mixed bool / float masks are tested on purpose (torch warns that it deprecates them)
pytestmark = pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")
OPTIONS = [(True, False), (False, True), (True, True)]   # add_bias_kv, add_zero_attn


def make_pair(E, heads, dtype=np.float64, seed=0, **kw):
    """torch's module with random (non-zero) biases, and ours with its state_dict."""
    torch.manual_seed(seed)
    theirs = torch.nn.MultiheadAttention(E, heads, **kw)
    theirs = theirs.double() if dtype == np.float64 else theirs
    with torch.no_grad():
        for n, p in theirs.named_parameters():
            if "proj_bias" in n or "out_proj.bias" in n:
                p.normal_()
    ours = MultiheadAttention(E, heads, dtype=dtype, **kw)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def close(a, b, what, dtype=np.float64):
    a = a.data if isinstance(a, Tensor) else a
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    assert a.shape == b.shape, f"{what}: {a.shape} vs {b.shape}"
    np.testing.assert_allclose(a, b, err_msg=what, **TOL[dtype])


def run_both(ours, theirs, arrays, kw, rng, dtype=np.float64, self_attn=False):
    """Forward both, backpropagate one random cotangent of every output, compare it all."""
    if self_attn:
        x, tx = Tensor(arrays[0].copy(), requires_grad=True), torch.tensor(arrays[0].copy(),
                                                                            requires_grad=True)
        ins, tins = [x], [tx]
        args, targs = [x, x, x], [tx, tx, tx]
    else:
        ins = [Tensor(a.copy(), requires_grad=True) for a in arrays]
        tins = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
        args, targs = ins, tins
    out, w = ours(*args, **kw)
    tout, tw = theirs(*targs, **{k: torch.tensor(v) if "mask" in k else v
                                 for k, v in kw.items()})
    close(out, tout, "output", dtype)
    outs, touts = [out], [tout]
    if tw is None:
        assert w is None
    else:
        close(w, tw, "attention weights", dtype)
        outs.append(w)
        touts.append(tw)
    lo, lt = 0, 0
    for a, b in zip(outs, touts):
        v = rng.standard_normal(a.shape).astype(dtype)
        lo, lt = lo + (a * Tensor(v)).sum(), lt + (b * torch.tensor(v)).sum()
    lo.backward()
    lt.backward()
    for i, (a, b) in enumerate(zip(ins, tins)):
        close(a.grad, b.grad, f"gradient of input {i}", dtype)
    params = dict(ours.named_parameters())
    assert list(params) == [n for n, _ in theirs.named_parameters()]
    for name, p in theirs.named_parameters():
        close(params[name].grad, p.grad, f"gradient of {name}", dtype)


@settings(deadline=None, max_examples=40)
@given(options=st.sampled_from(OPTIONS), heads=st.integers(1, 3), head_dim=st.integers(1, 3),
       N=st.integers(1, 3), L=st.integers(1, 4), S=st.integers(1, 4), self_attn=st.booleans(),
       other_dims=st.booleans(), bias=st.booleans(), batch_first=st.booleans(),
       batched=st.booleans(), kpm_kind=st.sampled_from([None, "bool", "float"]),
       am_kind=st.sampled_from([None, "bool", "float", "bool3d", "float3d"]),
       need_weights=st.booleans(), average=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_bias_kv_and_zero_attn_match_torch(options, heads, head_dim, N, L, S, self_attn,
                                           other_dims, bias, batch_first, batched, kpm_kind,
                                           am_kind, need_weights, average, seed):
    E = heads * head_dim
    kdim, vdim = (E + 1, E + 2) if other_dims and not self_attn else (None, None)
    S = L if self_attn else S
    add_bias_kv, add_zero_attn = options
    ours, theirs = make_pair(E, heads, seed=seed, bias=bias, kdim=kdim, vdim=vdim,
                             batch_first=batch_first, add_bias_kv=add_bias_kv,
                             add_zero_attn=add_zero_attn)
    rng = np.random.default_rng(seed)
    n = N if batched else 1

    def seq(length, dim):
        shape = (N, length, dim) if batch_first else (length, N, dim)
        return rng.standard_normal(shape if batched else (length, dim))

    arrays = [seq(L, E)] if self_attn else [seq(L, E), seq(S, kdim or E), seq(S, vdim or E)]
    kw = {"need_weights": need_weights, "average_attn_weights": average}
    # masks that may hide every given key from a query: the appended keys still take part
    if kpm_kind is not None:
        kpm = rng.random((n, S)) < 0.5
        kpm[0] = True
        kpm = kpm if kpm_kind == "bool" else np.where(kpm, -np.inf, rng.standard_normal((n, S)))
        kw["key_padding_mask"] = kpm if batched else kpm[0]
    if am_kind is not None:
        shape = (n * heads, L, S) if am_kind.endswith("3d") else (L, S)
        am = rng.random(shape) < 0.4
        am[..., 0, :] = True
        kw["attn_mask"] = am if am_kind.startswith("bool") else np.where(
            am, -np.inf, rng.standard_normal(shape))
        if not batched and am_kind.endswith("3d"):
            kw["attn_mask"] = kw["attn_mask"][:heads]
    run_both(ours, theirs, arrays, kw, rng, self_attn=self_attn)


@pytest.mark.parametrize("add_bias_kv,add_zero_attn", OPTIONS)
def test_bias_kv_and_zero_attn_in_float32(add_bias_kv, add_zero_attn):
    ours, theirs = make_pair(6, 2, np.float32, seed=1, kdim=5, vdim=3, batch_first=True,
                             add_bias_kv=add_bias_kv, add_zero_attn=add_zero_attn)
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((2, 3, 6), (2, 4, 5),
                                                                  (2, 4, 3))]
    kw = {"key_padding_mask": np.array([[False, True, False, True], [True] * 4]),
          "attn_mask": rng.standard_normal((3, 4)).astype(np.float32)}
    run_both(ours, theirs, arrays, kw, rng, np.float32)
    out, w = ours(*(Tensor(a) for a in arrays), **kw)
    assert out.dtype == w.dtype == np.float32
    assert w.shape == (2, 3, 4 + add_bias_kv + add_zero_attn)


def test_a_query_with_every_key_masked_attends_to_the_appended_keys():
    ours, theirs = make_pair(4, 2, add_bias_kv=True, add_zero_attn=True)
    rng = np.random.default_rng(2)
    kw = {"key_padding_mask": np.ones((2, 3), bool), "average_attn_weights": False}
    out, w = ours(*(Tensor(rng.standard_normal((3, 2, 4))) for _ in range(3)), **kw)
    assert np.all(w.data[..., :3] == 0)
    np.testing.assert_allclose(w.data[..., 3:].sum(-1), 1.0)
    # and the same as torch's, gradients included
    run_both(ours, theirs, [rng.standard_normal((3, 2, 4)) for _ in range(3)], kw, rng)


def test_parameters_state_dict_and_init_as_torch():
    kw = dict(add_bias_kv=True, add_zero_attn=True, kdim=3, vdim=5)
    ours, theirs = MultiheadAttention(4, 2, **kw), torch.nn.MultiheadAttention(4, 2, **kw)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.add_zero_attn is True
    plain = MultiheadAttention(4, 2, add_zero_attn=True)
    assert plain.bias_k is None and plain.bias_v is None
    assert "bias_k" not in plain.state_dict()
    autograd.manual_seed(0)
    big = MultiheadAttention(1024, 1, add_bias_kv=True)
    # xavier_normal_ on (1, 1, E): fan_in = fan_out = E, std = 1 / sqrt(E)
    for p in (big.bias_k, big.bias_v):
        assert p.shape == (1, 1, 1024) and p.dtype == np.float32
        z = p.data * np.sqrt(1024)
        assert abs(z.std() - 1) < 0.1 and abs(z.mean()) < 0.1
        assert np.abs(z).max() > 2.2   # normal tails: xavier_uniform_ has the same std but
                                       # stops at sqrt(3)
    assert not np.array_equal(big.bias_k.data, big.bias_v.data)


def test_masks_of_the_wrong_shape_name_the_given_sequence_length():
    mha = MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True).double()
    q, k = Tensor(np.zeros((2, 3, 4))), Tensor(np.zeros((5, 3, 4)))
    with pytest.raises(ValueError, match=r"key_padding_mask must have shape \(3, 5\), got "
                                         r"\(3, 7\)"):
        mha(q, k, k, key_padding_mask=np.zeros((3, 7), bool))
    with pytest.raises(ValueError, match=r"attn_mask must have shape \(2, 5\) or \(6, 2, 5\)"):
        mha(q, k, k, attn_mask=np.zeros((2, 6), bool))
    with pytest.raises(TypeError, match="MultiheadAttention: query dtype torch.float32"):
        mha(q.float(), k.float(), k.float())
