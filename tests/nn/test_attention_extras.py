"""Against PyTorch: F.scaled_dot_product_attention(enable_gqa=True) (grouped-query attention),
F.multi_head_attention_forward (torch's functional multi-head attention, (L, N, E) layout),
and the RNN/LSTM/GRU attributes all_weights, _all_weights, _flat_weights,
_flat_weights_names and flatten_parameters."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import Tensor

torch = pytest.importorskip("torch")
TF = torch.nn.functional
TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-4, atol=2e-5)}
# mixed bool / float masks are tested on purpose (torch warns that it deprecates them)
pytestmark = pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")


def close(a, b, what, dtype=np.float64):
    a = a.data if isinstance(a, Tensor) else a
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    assert a.shape == b.shape and a.dtype == b.dtype, f"{what}: {a.dtype}{a.shape} vs " \
                                                      f"{b.dtype}{b.shape}"
    np.testing.assert_allclose(a, b, err_msg=what, **TOL[dtype])


def compare(ours_fn, theirs_fn, arrays, dtype=np.float64, seed=0):
    """ours_fn(*Tensors) and theirs_fn(*torch tensors) -> a Tensor or a tuple whose None
    entries are skipped; compare values and the gradients of one random cotangent."""
    ours = [Tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    outs, touts = ours_fn(*ours), theirs_fn(*theirs)
    outs = outs if isinstance(outs, tuple) else (outs,)
    touts = touts if isinstance(touts, tuple) else (touts,)
    rng = np.random.default_rng(seed)
    total = ttotal = 0
    for k, (o, t) in enumerate(zip(outs, touts)):
        assert (o is None) == (t is None), f"output {k}: {o} vs {t}"
        if o is None:
            continue
        close(o, t, f"output {k}", dtype)
        g = rng.standard_normal(o.shape).astype(dtype)
        total = total + (o * Tensor(g)).sum()
        ttotal = ttotal + (t * torch.tensor(g)).sum()
    total.backward()
    ttotal.backward()
    for k, (x, t) in enumerate(zip(ours, theirs)):
        if t.grad is None:
            assert x.grad is None or not np.any(x.grad.data), f"input {k} has a gradient"
        else:
            close(x.grad, t.grad, f"gradient of input {k}", dtype)


# ------------------------------------------------------------------------- grouped-query SDPA
GQA_SHAPES = [   # query, key, value
    ((2, 8, 5, 4), (2, 2, 6, 4), (2, 2, 6, 3)),
    ((2, 8, 5, 4), (2, 2, 6, 4), (2, 4, 6, 3)),      # key and value with different head counts
    ((2, 6, 5, 4), (2, 1, 6, 4), (2, 3, 6, 4)),      # one key head (multi-query attention)
    ((8, 5, 4), (2, 6, 4), (2, 6, 3)),               # no batch dim: heads are dim -3
    ((3, 2, 4, 5, 4), (1, 2, 2, 6, 4), (1, 2, 2, 6, 3)),   # batch dims broadcast
    ((2, 4, 5, 4), (2, 4, 6, 4), (2, 4, 6, 4)),      # as many heads: nothing to repeat
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shapes", GQA_SHAPES, ids=str)
def test_gqa_matches_torch(shapes, dtype):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in shapes]
    compare(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True),
            lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, enable_gqa=True),
            arrays, dtype)


@pytest.mark.parametrize("mask_kind", ["bool", "float", "causal", "scale"])
def test_gqa_with_masks_matches_torch(mask_kind):
    rng = np.random.default_rng(2)
    q, k, v = rng.standard_normal((2, 6, 5, 4)), rng.standard_normal((2, 3, 5, 4)), \
        rng.standard_normal((2, 3, 5, 2))
    kw, tkw = {}, {}
    if mask_kind == "bool":   # per query head: (H, L, S); every row keeps a key
        m = rng.random((6, 5, 5)) < 0.6
        m[..., 0] = True
        kw, tkw = dict(attn_mask=Tensor(m)), dict(attn_mask=torch.tensor(m))
    elif mask_kind == "float":
        m = rng.standard_normal((5, 5))
        kw, tkw = dict(attn_mask=Tensor(m)), dict(attn_mask=torch.tensor(m))
    elif mask_kind == "causal":
        kw = tkw = dict(is_causal=True)
    else:
        kw = tkw = dict(scale=0.3)
    compare(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True, **kw),
            lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, enable_gqa=True, **tkw),
            [q, k, v])


def test_gqa_gradcheck():
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) for s in ((1, 4, 3, 2), (1, 2, 4, 2), (1, 1, 4, 2))]
    assert autograd.gradcheck(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True), arrays)


@pytest.mark.parametrize("shapes,error,match", [
    (((2, 8, 5, 4), (2, 3, 6, 4), (2, 3, 6, 3)), ValueError,
     "Number of heads in key and value must divide the number of heads in query"),
    (((2, 8, 5, 4), (2, 2, 6, 4), (2, 3, 6, 3)), ValueError, "must divide"),
    (((2, 2, 5, 4), (2, 4, 6, 4), (2, 4, 6, 3)), ValueError, "must divide"),
    (((5, 4), (6, 4), (6, 3)), IndexError, "enable_gqa needs query with a heads dim"),
])
def test_gqa_errors_as_torch(shapes, error, match):
    ours = [autograd.zeros(*s) for s in shapes]
    with pytest.raises(error, match=match):
        F.scaled_dot_product_attention(*ours, enable_gqa=True)
    with pytest.raises((RuntimeError, IndexError)):
        TF.scaled_dot_product_attention(*[torch.zeros(s) for s in shapes], enable_gqa=True)


def test_without_gqa_unequal_heads_still_fail():
    q, k, v = autograd.zeros(2, 8, 5, 4), autograd.zeros(2, 2, 6, 4), autograd.zeros(2, 2, 6, 3)
    with pytest.raises(ValueError, match="do not broadcast"):
        F.scaled_dot_product_attention(q, k, v)


# ------------------------------------------------------------- multi_head_attention_forward
L, S, N, E, H = 4, 5, 3, 6, 2


def mha_arrays(rng, kdim=E, vdim=E):
    return dict(in_w=rng.standard_normal((3 * E, E)), in_b=rng.standard_normal(3 * E),
                out_w=rng.standard_normal((E, E)) * 0.5, out_b=rng.standard_normal(E),
                bias_k=rng.standard_normal((1, 1, E)), bias_v=rng.standard_normal((1, 1, E)),
                q_w=rng.standard_normal((E, E)), k_w=rng.standard_normal((E, kdim)),
                v_w=rng.standard_normal((E, vdim)))


def masks(rng, kind, n, length, s, lib):
    """(key_padding_mask, attn_mask) of a kind, as lib's tensors; every row keeps a key."""
    if kind == "none":
        return None, None
    kpm = rng.random((n, s)) < 0.3
    kpm[:, 0] = False
    am = rng.random((length, s)) < 0.3
    am[:, 0] = False
    if kind == "bool":
        pass
    elif kind == "float":
        kpm, am = np.where(kpm, -np.inf, 0.0), rng.standard_normal((length, s))
    elif kind == "mixed":
        kpm = np.where(kpm, -np.inf, 0.0)
    elif kind == "3d":
        kpm, am = None, rng.standard_normal((n * H, length, s))
    return tuple(None if m is None else lib(m) for m in (kpm, am))


@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("mask_kind", ["none", "bool", "float", "mixed", "3d"])
@pytest.mark.parametrize("bias_kv,zero_attn", [(False, False), (True, False), (False, True),
                                               (True, True)])
def test_functional_mha_matches_torch(bias_kv, zero_attn, mask_kind, need_weights, average):
    rng = np.random.default_rng(4)
    p = mha_arrays(rng)
    names = ["in_w", "in_b", "out_w", "out_b", "bias_k", "bias_v"]
    inputs = [rng.standard_normal((L, N, E)), rng.standard_normal((S, N, E)),
              rng.standard_normal((S, N, E))] + [p[n] for n in names]
    state = rng.bit_generator.state

    def run(fn, lib):
        def call(q, k, v, in_w, in_b, out_w, out_b, bias_k, bias_v):
            rng.bit_generator.state = state   # the same masks for both
            kpm, am = masks(rng, mask_kind, N, L, S, lib)
            return fn(q, k, v, E, H, in_w, in_b, bias_k if bias_kv else None,
                      bias_v if bias_kv else None, zero_attn, 0.0, out_w, out_b,
                      key_padding_mask=kpm, need_weights=need_weights, attn_mask=am,
                      average_attn_weights=average)
        return call
    compare(run(F.multi_head_attention_forward, Tensor),
            run(TF.multi_head_attention_forward, torch.tensor), inputs)


@pytest.mark.parametrize("mask_kind", ["none", "bool", "3d"])
def test_functional_mha_unbatched_matches_torch(mask_kind):
    rng = np.random.default_rng(5)
    p = mha_arrays(rng)
    kpm = rng.random(S) < 0.4
    kpm[0] = False
    am = {"none": None, "bool": rng.random((L, S)) < 0.3,
          "3d": rng.standard_normal((H, L, S))}[mask_kind]
    if mask_kind == "bool":
        am[:, 0] = False

    def run(fn, lib):
        def call(q, k, v, in_w, out_w):
            return fn(q, k, v, E, H, in_w, None, None, None, False, 0.0, out_w, None,
                      key_padding_mask=lib(kpm), attn_mask=None if am is None else lib(am),
                      average_attn_weights=False)
        return call
    compare(run(F.multi_head_attention_forward, Tensor),
            run(TF.multi_head_attention_forward, torch.tensor),
            [rng.standard_normal((L, E)), rng.standard_normal((S, E)),
             rng.standard_normal((S, E)), p["in_w"], p["out_w"]])


def test_functional_mha_separate_weights_with_kdim_vdim_matches_torch():
    rng = np.random.default_rng(6)
    p = mha_arrays(rng, kdim=3, vdim=5)

    def run(fn, lib):
        def call(q, k, v, q_w, k_w, v_w, in_b, out_w, out_b):
            return fn(q, k, v, E, H, None, in_b, None, None, False, 0.0, out_w, out_b,
                      use_separate_proj_weight=True, q_proj_weight=q_w, k_proj_weight=k_w,
                      v_proj_weight=v_w)
        return call
    compare(run(F.multi_head_attention_forward, Tensor),
            run(TF.multi_head_attention_forward, torch.tensor),
            [rng.standard_normal((L, N, E)), rng.standard_normal((S, N, 3)),
             rng.standard_normal((S, N, 5))] + [p[n] for n in ("q_w", "k_w", "v_w", "in_b",
                                                               "out_w", "out_b")])


@pytest.mark.parametrize("which", ["k", "v", "both"])
def test_functional_mha_static_kv_matches_torch(which):
    """static_k / static_v replace the projected keys / values; with both, the given key and
    value are not used and may be shorter; key_padding_mask covers the static length."""
    rng = np.random.default_rng(7)
    p = mha_arrays(rng)
    s2 = S + 2
    kpm = rng.random((N, s2)) < 0.3
    kpm[:, 0] = False

    def run(fn, lib):
        def call(q, k, v, in_w, in_b, out_w, sk, sv):
            kw = {}
            if which in ("k", "both"):
                kw["static_k"] = sk
            if which in ("v", "both"):
                kw["static_v"] = sv
            return fn(q, k, v, E, H, in_w, in_b, None, None, False, 0.0, out_w, None,
                      key_padding_mask=lib(kpm), **kw)
        return call
    given = S if which == "both" else s2
    compare(run(F.multi_head_attention_forward, Tensor),
            run(TF.multi_head_attention_forward, torch.tensor),
            [rng.standard_normal((L, N, E)), rng.standard_normal((given, N, E)),
             rng.standard_normal((given, N, E)), p["in_w"], p["in_b"], p["out_w"],
             rng.standard_normal((N * H, s2, E // H)), rng.standard_normal((N * H, s2, E // H))])


def test_functional_mha_unbatched_static_kv_with_a_padding_mask_matches_torch():
    # the unbatched mask covers the static keys' length, which differs from key's
    rng = np.random.default_rng(9)
    p = mha_arrays(rng)
    s2 = S + 2
    kpm = np.zeros(s2, bool)
    kpm[-2:] = True

    def run(fn, lib):
        def call(q, k, in_w, in_b, out_w, sk, sv):
            return fn(q, k, k, E, H, in_w, in_b, None, None, False, 0.0, out_w, None,
                      key_padding_mask=lib(kpm), static_k=sk, static_v=sv)
        return call
    compare(run(F.multi_head_attention_forward, Tensor),
            run(TF.multi_head_attention_forward, torch.tensor),
            [rng.standard_normal((L, E)), rng.standard_normal((S, E)), p["in_w"], p["in_b"],
             p["out_w"], rng.standard_normal((H, s2, E // H)),
             rng.standard_normal((H, s2, E // H))])


def test_dtype_errors_name_the_op():
    m = nn.MultiheadAttention(8, 2)
    q, kv = autograd.ones(3, 2, 8), autograd.ones(4, 2, 8, dtype=autograd.float64)
    with pytest.raises(TypeError, match="MultiheadAttention: key dtype torch.float64"):
        m(q, kv, kv)
    i = autograd.ones(2, 3, 4, dtype=autograd.int64)
    with pytest.raises(TypeError, match="scaled_dot_product_attention: .* floating point, got "
                                        "dtype torch.int64"):
        F.scaled_dot_product_attention(i, i, i)


def test_functional_mha_is_causal_hint_and_dropout_when_not_training():
    rng = np.random.default_rng(8)
    p = mha_arrays(rng)
    causal = ~np.tril(np.ones((L, L), bool))
    for need_weights in (True, False):
        def run(fn, lib):
            def call(x, in_w, out_w):   # self-attention: one tensor as query, key and value
                return fn(x, x, x, E, H, in_w, None, None, None, False, 0.9, out_w, None,
                          training=False, attn_mask=lib(causal), is_causal=True,
                          need_weights=need_weights)
            return call
        compare(run(F.multi_head_attention_forward, Tensor),
                run(TF.multi_head_attention_forward, torch.tensor),
                [rng.standard_normal((L, N, E)), p["in_w"], p["out_w"]])


def test_functional_mha_float32():
    rng = np.random.default_rng(9)
    p = mha_arrays(rng)

    def run(fn, lib):
        def call(q, k, v, in_w, in_b, out_w, out_b):
            return fn(q, k, v, E, H, in_w, in_b, None, None, False, 0.0, out_w, out_b)
        return call
    compare(run(F.multi_head_attention_forward, Tensor),
            run(TF.multi_head_attention_forward, torch.tensor),
            [rng.standard_normal((L, N, E)), rng.standard_normal((S, N, E)),
             rng.standard_normal((S, N, E))] + [p[n] for n in ("in_w", "in_b", "out_w",
                                                               "out_b")], np.float32)


def test_module_and_functional_agree():
    """nn.MultiheadAttention runs the same body: its parameters through the functional form
    give its outputs (batch_first module, so the functional gets the transposed inputs)."""
    mha = nn.MultiheadAttention(E, H, add_bias_kv=True, batch_first=True,
                                dtype=autograd.float64)
    x = Tensor(np.random.default_rng(10).standard_normal((N, L, E)))
    out, w = mha(x, x, x, average_attn_weights=False)
    xt = x.transpose(0, 1)
    fout, fw = F.multi_head_attention_forward(
        xt, xt, xt, E, H, mha.in_proj_weight, mha.in_proj_bias, mha.bias_k, mha.bias_v, False,
        0.0, mha.out_proj.weight, mha.out_proj.bias, average_attn_weights=False)
    np.testing.assert_allclose(fout.transpose(0, 1).data, out.data, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(fw.data, w.data, rtol=1e-12, atol=1e-14)


def test_functional_mha_dropout_acts_when_training():
    rng = np.random.default_rng(11)
    p = mha_arrays(rng)
    q = Tensor(rng.standard_normal((L, N, E)))
    args = (q, q, q, E, H, Tensor(p["in_w"]), None, None, None, False, 0.5, Tensor(p["out_w"]),
            None)
    autograd.manual_seed(0)
    _, w_train = F.multi_head_attention_forward(*args, average_attn_weights=False)
    _, w_eval = F.multi_head_attention_forward(*args, training=False,
                                               average_attn_weights=False)
    assert np.any(w_train.data == 0) and not np.any(w_eval.data == 0)
    np.testing.assert_allclose(w_eval.data.sum(-1), 1.0)


@pytest.mark.parametrize("change,error,match", [
    (dict(embed_dim_to_check=E + 1), ValueError,
     f"was expecting embedding dimension of {E + 1}, but got {E}"),
    (dict(num_heads=4), ValueError, f"embed_dim {E} not divisible by num_heads 4"),
    (dict(is_causal=True), ValueError, "Need attn_mask if specifying the is_causal hint"),
    (dict(query=np.zeros((1, L, N, E))), ValueError,
     "query should be unbatched 2D or batched 3D tensor but received 4-D query tensor"),
    (dict(key=np.zeros((S, E))), ValueError, "For batched \\(3-D\\) `query`, expected `key`"),
    (dict(attn_mask=np.zeros((L, S + 1), bool)), ValueError, "attn_mask must have shape"),
    (dict(key_padding_mask=np.zeros((N, S + 1), bool)), ValueError,
     "key_padding_mask must have shape"),
    (dict(key_padding_mask=np.zeros((N, S), np.int64)), TypeError,
     "key_padding_mask must be bool or floating point"),
    (dict(bias_k=np.zeros((1, 1, E))), ValueError, "bias_k is set but bias_v is None"),
    (dict(bias_k=np.zeros((1, 1, E)), bias_v=np.zeros((1, 1, E)),
          static_k=np.zeros((N * H, S, E // H))), ValueError,
     "bias cannot be added to static key"),
    (dict(static_k=np.zeros((N * H + 1, S, E // H))), ValueError, "expecting static_k of shape"),
    (dict(static_k=np.zeros((N * H, S + 1, E // H))), ValueError,
     "the keys \\(6\\) and values \\(5\\) differ in length"),
    (dict(in_proj_weight=None), ValueError,
     "use_separate_proj_weight is False but in_proj_weight is None"),
    (dict(use_separate_proj_weight=True), ValueError,
     "use_separate_proj_weight is True but q_proj_weight is None"),
    (dict(value=np.zeros((S, N, E + 1))), ValueError, "does not match value shape"),
])
def test_functional_mha_errors(change, error, match):
    rng = np.random.default_rng(12)
    kw = dict(query=rng.standard_normal((L, N, E)), key=rng.standard_normal((S, N, E)),
              value=rng.standard_normal((S, N, E)), embed_dim_to_check=E, num_heads=H,
              in_proj_weight=rng.standard_normal((3 * E, E)), in_proj_bias=None, bias_k=None,
              bias_v=None, add_zero_attn=False, dropout_p=0.0,
              out_proj_weight=rng.standard_normal((E, E)), out_proj_bias=None)
    kw.update(change)
    if "is_causal" in change:
        kw["attn_mask"] = None
    with pytest.raises(error, match=match):
        F.multi_head_attention_forward(**{k: Tensor(v) if isinstance(v, np.ndarray) else v
                                          for k, v in kw.items()})
    with pytest.raises(Exception):   # torch: AssertionError, RuntimeError or ValueError
        TF.multi_head_attention_forward(**{k: torch.tensor(v) if isinstance(v, np.ndarray)
                                           else v for k, v in kw.items()})


# ------------------------------------------------------------------------- RNN weight lists
RNN_CASES = [(nn.RNN, torch.nn.RNN, dict(nonlinearity="relu")),
             (nn.RNN, torch.nn.RNN, dict(num_layers=2, bidirectional=True)),
             (nn.LSTM, torch.nn.LSTM, dict(num_layers=2)),
             (nn.LSTM, torch.nn.LSTM, dict(num_layers=2, bidirectional=True, proj_size=2)),
             (nn.GRU, torch.nn.GRU, dict(bias=False, bidirectional=True)),
             (nn.GRU, torch.nn.GRU, dict(num_layers=3))]


@pytest.mark.parametrize("ours_cls,theirs_cls,kw", RNN_CASES)
def test_rnn_weight_lists_match_torch(ours_cls, theirs_cls, kw):
    theirs = theirs_cls(3, 4, **kw).double()
    ours = ours_cls(3, 4, dtype=autograd.float64, **kw)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert ours._flat_weights_names == theirs._flat_weights_names
    assert ours._all_weights == theirs._all_weights
    assert len(ours.all_weights) == len(theirs.all_weights)
    for layer, tlayer in zip(ours.all_weights, theirs.all_weights):
        assert len(layer) == len(tlayer)
        for p, tp in zip(layer, tlayer):
            assert isinstance(p, nn.Parameter)
            np.testing.assert_array_equal(p.data, tp.detach().numpy())
    for name, p, tp in zip(ours._flat_weights_names, ours._flat_weights,
                           theirs._flat_weights):
        assert p is getattr(ours, name)
        np.testing.assert_array_equal(p.data, tp.detach().numpy())
    assert [p for layer in ours.all_weights for p in layer] == list(ours.parameters())


def test_flat_weights_follow_reassignment_and_flatten_parameters_is_a_no_op():
    lstm = nn.LSTM(3, 4, num_layers=2)
    x = Tensor(np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32))
    before = lstm(x)[0].data
    assert lstm.flatten_parameters() is None
    np.testing.assert_array_equal(lstm(x)[0].data, before)
    new = nn.Parameter(np.zeros((16, 4), np.float32))
    lstm.weight_hh_l1 = new
    assert lstm._flat_weights[lstm._flat_weights_names.index("weight_hh_l1")] is new
    assert lstm.all_weights[1][1] is new
    torch_lstm = torch.nn.LSTM(3, 4)
    assert torch_lstm.flatten_parameters() is None
