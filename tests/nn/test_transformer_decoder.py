"""TransformerDecoderLayer, TransformerDecoder and Transformer against PyTorch (same weights,
float64 rtol 1e-10, one float32 case), finite differences, a small copy task and bad input."""
import numpy as np
import pytest

import autograd
import optim
from autograd import Tensor
from nn import CrossEntropyLoss, Embedding, Linear, Module
from nn.normalization import LayerNorm
from nn.transformer_decoder import Transformer, TransformerDecoder, TransformerDecoderLayer

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-10, 1e-12


def assert_close(a, b, what, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


def copy_weights(theirs, ours, dtype=np.float64):
    """Give theirs non-trivial biases and norm weights (so their gradients are tested against
    something), then load its state_dict into ours."""
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            if p.ndim == 1:
                p.normal_()
    ours.load_state_dict({k: v.numpy().astype(dtype) for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())


def leaves(*arrays, dtype=np.float64):
    ours = [Tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    return ours, theirs


def compare(ours, theirs, args, targs, out, tout, rng, rtol=RTOL, atol=ATOL):
    """Outputs, then gradients of <out, v> w.r.t. every input and every parameter."""
    assert out.dtype == tout.detach().numpy().dtype
    assert_close(out.data, tout.detach().numpy(), "output", rtol, atol)
    v = rng.standard_normal(out.shape).astype(out.dtype)
    (out * Tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    for i, (a, b) in enumerate(zip(args, targs)):
        assert a.grad.dtype == out.dtype
        assert_close(a.grad.data, b.grad.numpy(), f"gradient of input {i}", rtol, atol)
    params = dict(ours.named_parameters())
    assert list(params) == [name for name, _ in theirs.named_parameters()]
    for name, p in theirs.named_parameters():
        assert params[name].grad.dtype == out.dtype, name
        assert_close(params[name].grad.data, p.grad.numpy(), f"gradient of {name}", rtol, atol)


def seq(rng, length, n, d, batch_first, batched=True):
    if not batched:
        return rng.standard_normal((length, d))
    return rng.standard_normal((n, length, d) if batch_first else (length, n, d))


def decoder_masks(rng, kind, n, t, s, nhead):
    """(ours, torch's) keyword masks of one kind; every query row keeps a key to attend to
    (key 0 is never padded or masked), so torch gives no NaN rows."""
    if kind == "none":
        return {}, {}
    if kind == "causal":
        m = Transformer.generate_square_subsequent_mask(t, dtype=np.float64)
        return ({"tgt_mask": m, "tgt_is_causal": True},
                {"tgt_mask": torch.tensor(m.data), "tgt_is_causal": True})
    if kind == "bool":
        tgt_mask = np.triu(np.ones((t, t), bool), 1)
        memory_mask = rng.random((t, s)) < 0.4
        memory_mask[:, 0] = False
        tkpm, mkpm = rng.random((n, t)) < 0.3, rng.random((n, s)) < 0.3
        tkpm[:, 0] = mkpm[:, 0] = False
    else:  # float masks, the memory one per head
        tgt_mask = rng.standard_normal((t, t))
        memory_mask = rng.standard_normal((n * nhead, t, s))
        tkpm = np.where(rng.random((n, t)) < 0.3, -1e3, 0.0)
        mkpm = rng.standard_normal((n, s))
    kw = {"tgt_mask": tgt_mask, "memory_mask": memory_mask, "tgt_key_padding_mask": tkpm,
          "memory_key_padding_mask": mkpm}
    return kw, {k: torch.tensor(v) for k, v in kw.items()}


CONFIGS = [  # (norm_first, batch_first, activation, mask kind)
    (False, False, "relu", "none"),
    (False, False, "relu", "causal"),
    (True, True, "gelu", "bool"),
    (False, True, "gelu", "float"),
    (True, False, "relu", "causal"),
    (False, False, "relu", "bool"),
]


@pytest.mark.parametrize("norm_first,batch_first,activation,kind", CONFIGS)
def test_decoder_layer_matches_torch(norm_first, batch_first, activation, kind):
    d, nhead, ff, n, t, s = 6, 2, 7, 2, 4, 5
    torch.manual_seed(0)
    kw = dict(dropout=0.0, activation=activation, norm_first=norm_first,
              batch_first=batch_first)
    theirs = torch.nn.TransformerDecoderLayer(d, nhead, ff, **kw).double()
    ours = TransformerDecoderLayer(d, nhead, ff, **kw).double()
    copy_weights(theirs, ours)
    rng = np.random.default_rng(1)
    args, targs = leaves(seq(rng, t, n, d, batch_first), seq(rng, s, n, d, batch_first))
    mk, tmk = decoder_masks(rng, kind, n, t, s, nhead)
    out, tout = ours(*args, **mk), theirs(*targs, **tmk)
    compare(ours, theirs, args, targs, out, tout, rng)


def test_decoder_layer_unbatched_and_callable_activation():
    torch.manual_seed(1)
    theirs = torch.nn.TransformerDecoderLayer(4, 2, 5, dropout=0.0,
                                              activation=torch.tanh).double()
    ours = TransformerDecoderLayer(4, 2, 5, dropout=0.0, activation=autograd.tanh).double()
    copy_weights(theirs, ours)
    rng = np.random.default_rng(2)
    args, targs = leaves(rng.standard_normal((3, 4)), rng.standard_normal((5, 4)))
    kpm = np.array([False, False, True, False, True])
    out = ours(*args, memory_key_padding_mask=kpm)
    tout = theirs(*targs, memory_key_padding_mask=torch.tensor(kpm))
    assert out.shape == (3, 4)
    compare(ours, theirs, args, targs, out, tout, rng)


@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_stack_matches_torch(batch_first):
    torch.manual_seed(2)
    layer = torch.nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, batch_first=batch_first)
    theirs = torch.nn.TransformerDecoder(layer, 2, norm=torch.nn.LayerNorm(4)).double()
    ours = TransformerDecoder(TransformerDecoderLayer(4, 2, 6, dropout=0.0,
                                                      batch_first=batch_first), 2,
                              norm=LayerNorm(4)).double()
    copy_weights(theirs, ours)
    rng = np.random.default_rng(3)
    args, targs = leaves(seq(rng, 5, 2, 4, batch_first), seq(rng, 3, 2, 4, batch_first))
    mask = Transformer.generate_square_subsequent_mask(5)  # float32 mask on a float64 model
    tkpm = np.array([[False] * 5, [False, False, False, True, True]])
    out = ours(*args, tgt_mask=mask, tgt_key_padding_mask=tkpm)
    tout = theirs(*targs, tgt_mask=torch.tensor(mask.data), tgt_key_padding_mask=torch.tensor(tkpm))
    compare(ours, theirs, args, targs, out, tout, rng)


def make_transformers(dtype=np.float64, seed=0, **kw):
    kw = {"d_model": 4, "nhead": 2, "num_encoder_layers": 2, "num_decoder_layers": 2,
          "dim_feedforward": 6, "dropout": 0.0, **kw}
    torch.manual_seed(seed)
    theirs = torch.nn.Transformer(**kw).to(torch.float64 if dtype == np.float64 else
                                           torch.float32)
    ours = Transformer(**kw, dtype=dtype)
    copy_weights(theirs, ours, dtype)
    return ours, theirs


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")
@pytest.mark.parametrize("batch_first,norm_first,activation", [(False, False, "relu"),
                                                               (True, True, "gelu")])
def test_transformer_matches_torch_with_all_masks(batch_first, norm_first, activation):
    ours, theirs = make_transformers(batch_first=batch_first, norm_first=norm_first,
                                     activation=activation)
    n, s, t = 2, 5, 4
    rng = np.random.default_rng(4)
    args, targs = leaves(seq(rng, s, n, 4, batch_first), seq(rng, t, n, 4, batch_first))
    src_mask = rng.random((s, s)) < 0.3
    src_mask[:, 0] = False
    skpm = np.array([[False] * s, [False, False, True, True, True]])
    kw = {"src_mask": src_mask, "tgt_mask": Transformer.generate_square_subsequent_mask(t).data,
          "memory_mask": rng.standard_normal((t, s)), "src_key_padding_mask": skpm,
          "tgt_key_padding_mask": np.array([[False] * t, [False, False, False, True]]),
          "memory_key_padding_mask": skpm}
    out = ours(*args, **kw)
    tout = theirs(*targs, **{k: torch.tensor(v) for k, v in kw.items()})
    assert out.shape == args[1].shape
    compare(ours, theirs, args, targs, out, tout, rng)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_transformer_unbatched_matches_torch():
    ours, theirs = make_transformers(seed=3, num_encoder_layers=1, num_decoder_layers=1)
    rng = np.random.default_rng(9)
    args, targs = leaves(rng.standard_normal((5, 4)), rng.standard_normal((3, 4)))
    kw = {"src_key_padding_mask": np.array([False, False, False, True, True]),
          "tgt_mask": Transformer.generate_square_subsequent_mask(3).data}
    kw["memory_key_padding_mask"] = kw["src_key_padding_mask"]
    out = ours(*args, **kw)
    tout = theirs(*targs, **{k: torch.tensor(v) for k, v in kw.items()})
    assert out.shape == (3, 4)
    compare(ours, theirs, args, targs, out, tout, rng)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_transformer_float32_stays_float32_and_matches_torch():
    ours, theirs = make_transformers(np.float32, seed=5)
    rng = np.random.default_rng(5)
    args, targs = leaves(rng.standard_normal((5, 3, 4)), rng.standard_normal((4, 3, 4)),
                         dtype=np.float32)
    mask = Transformer.generate_square_subsequent_mask(4)
    assert mask.dtype == np.float32
    out = ours(*args, tgt_mask=mask)
    tout = theirs(*targs, tgt_mask=torch.tensor(mask.data))
    assert out.dtype == np.float32
    compare(ours, theirs, args, targs, out, tout, rng, rtol=1e-4, atol=1e-5)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
@pytest.mark.parametrize("kw", [{}, {"bias": False}, {"norm_first": True, "batch_first": True}])
def test_state_dict_keys_and_shapes_match_torch(kw):
    ours = Transformer(8, 2, 2, 1, 16, **kw)
    theirs = torch.nn.Transformer(8, 2, 2, 1, 16, **kw)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert "encoder.norm.weight" in ours.state_dict() and "decoder.norm.weight" in \
        ours.state_dict()
    layer = TransformerDecoderLayer(8, 2, **kw)
    their_layer = torch.nn.TransformerDecoderLayer(8, 2, **kw)
    assert list(layer.state_dict()) == list(their_layer.state_dict())
    assert [n for n, _ in layer.named_modules()] == [n for n, _ in their_layer.named_modules()]
    # every matrix is re-initialised with xavier_uniform_, as torch does
    for name, p in ours.named_parameters():
        if p.ndim > 1:
            bound = np.sqrt(6.0 / sum(p.shape))
            assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.5 * bound, name


def test_generate_square_subsequent_mask_matches_torch():
    for sz in (0, 1, 4):
        ours = Transformer.generate_square_subsequent_mask(sz)
        theirs = torch.nn.Transformer.generate_square_subsequent_mask(sz)
        assert ours.dtype == np.float32 and ours.shape == (sz, sz)
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert Transformer.generate_square_subsequent_mask(3, dtype=np.float64).dtype == np.float64


def test_decoder_layer_gradcheck():
    autograd.manual_seed(0)
    layer = TransformerDecoderLayer(4, 2, 5, dropout=0.0, norm_first=True).double()
    mask = Transformer.generate_square_subsequent_mask(3)
    kpm = np.array([[False, False, True, False], [False, True, False, False]])
    rng = np.random.default_rng(6)
    fn = lambda t, m: layer(t, m, tgt_mask=mask, memory_key_padding_mask=kpm)  # noqa: E731
    assert autograd.gradcheck(fn, [rng.standard_normal((3, 2, 4)),
                                   rng.standard_normal((4, 2, 4))], atol=1e-6, rtol=1e-5)


def test_deep_copies_are_independent():
    layer = TransformerDecoderLayer(4, 2, 5)
    stack = TransformerDecoder(layer, 3)
    assert len(stack.layers) == 3 and stack.num_layers == 3 and stack.norm is None
    ws = [lay.linear1.weight for lay in stack.layers] + [layer.linear1.weight]
    assert len({id(w) for w in ws}) == 4
    assert all(np.array_equal(w.data, layer.linear1.weight.data) for w in ws)
    stack.layers[0].linear1.weight.data[...] = 0.0
    assert not np.allclose(stack.layers[1].linear1.weight.data, 0.0)


def test_dropout_only_in_training():
    autograd.manual_seed(0)
    layer = TransformerDecoderLayer(4, 2, 8, dropout=0.5)
    rng = np.random.default_rng(7)
    t = Tensor(rng.standard_normal((3, 2, 4)).astype(np.float32))
    m = Tensor(rng.standard_normal((5, 2, 4)).astype(np.float32))
    assert not np.allclose(layer(t, m).data, layer(t, m).data)
    layer.eval()
    np.testing.assert_array_equal(layer(t, m).data, layer(t, m).data)


class CopyModel(Module):
    """Tokens -> embeddings -> Transformer -> vocabulary logits (teacher forcing)."""

    def __init__(self, vocab, d_model):
        super().__init__()
        self.embed = Embedding(vocab, d_model)
        self.transformer = Transformer(d_model, 2, 1, 1, 16, dropout=0.0, batch_first=True)
        self.head = Linear(d_model, vocab)

    def forward(self, src, tgt_in):
        mask = Transformer.generate_square_subsequent_mask(tgt_in.shape[1])
        h = self.transformer(self.embed(src), self.embed(tgt_in), tgt_mask=mask)
        return self.head(h)


def test_copy_task_training_lowers_the_loss():
    autograd.manual_seed(0)
    vocab, length, bos = 6, 4, 0
    rng = np.random.default_rng(8)
    src = rng.integers(1, vocab, size=(16, length))
    tgt_in = np.concatenate([np.full((16, 1), bos), src[:, :-1]], axis=1)
    model = CopyModel(vocab, 16)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = CrossEntropyLoss()
    src_t, tgt_t, y = Tensor(src), Tensor(tgt_in), Tensor(src.reshape(-1))
    losses = []
    for _ in range(40):
        opt.zero_grad()
        loss = loss_fn(model(src_t, tgt_t).reshape(-1, vocab), y)
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    assert np.isfinite(losses).all()
    assert losses[-1] < 0.5 * losses[0], losses


def test_bad_input_raises_clear_errors():
    layer = TransformerDecoderLayer(4, 2, 5)
    t = Tensor(np.zeros((3, 2, 4), np.float32))
    m = Tensor(np.zeros((5, 2, 4), np.float32))
    with pytest.raises(ValueError, match=r"TransformerDecoderLayer: expected memory .*d_model=4"
                                         r".*\(5, 2, 6\)"):
        layer(t, Tensor(np.zeros((5, 2, 6), np.float32)))
    with pytest.raises(ValueError, match=r"expected tgt .*\(3, 2, 3\)"):
        layer(Tensor(np.zeros((3, 2, 3), np.float32)), m)
    with pytest.raises(ValueError, match=r"batch sizes of tgt \(3, 2, 4\) and memory \(5, 3, 4\)"):
        layer(t, Tensor(np.zeros((5, 3, 4), np.float32)))
    with pytest.raises(ValueError, match=r"both be batched"):
        layer(t, Tensor(np.zeros((5, 4), np.float32)))
    with pytest.raises(ValueError, match=r"tgt_mask must have shape \(3, 3\) or \(4, 3, 3\), "
                                         r"got \(3, 5\)"):
        layer(t, m, tgt_mask=np.zeros((3, 5), bool))
    with pytest.raises(ValueError, match=r"memory_mask must have shape \(3, 5\).*got \(5, 3\)"):
        layer(t, m, memory_mask=np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"memory_key_padding_mask must have shape \(2, 5\), "
                                         r"got \(2, 3\)"):
        layer(t, m, memory_key_padding_mask=np.zeros((2, 3), bool))
    with pytest.raises(TypeError, match=r"tgt_mask must be bool or floating point, got int64"):
        layer(t, m, tgt_mask=np.zeros((3, 3), np.int64))
    with pytest.raises(TypeError, match=r"float64.*float32"):
        layer(t.double(), m.double())
    with pytest.raises(RuntimeError, match=r"TransformerDecoderLayer: activation"):
        TransformerDecoderLayer(4, 2, activation="swish")
    model = Transformer(4, 2, 1, 1, 5)
    with pytest.raises(RuntimeError, match=r"batch number of src \(5, 2, 4\) and tgt \(3, 1, 4\)"):
        model(m, Tensor(np.zeros((3, 1, 4), np.float32)))
    with pytest.raises(RuntimeError, match=r"feature number .* d_model=4"):
        model(Tensor(np.zeros((5, 2, 3), np.float32)), t)
    with pytest.raises(ValueError, match="sz must be a non-negative int"):
        Transformer.generate_square_subsequent_mask(-1)
