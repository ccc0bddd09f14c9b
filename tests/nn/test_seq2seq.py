"""Seq2Seq: shapes, teacher forcing, greedy decoding and finite-difference gradients."""
import numpy as np
import pytest

import autograd
from autograd import Tensor
from nn.seq2seq import Decoder, Encoder, Seq2Seq

PAD, SOS, EOS, V = 0, 1, 2, 9
SRC = np.array([[3, 4, 5, 6, 2], [7, 8, 2, 0, 0], [4, 2, 0, 0, 0]])
TGT = np.array([[1, 5, 4, 3, 2], [1, 8, 7, 2, 0], [1, 6, 2, 0, 0]])


def make(attention=None, cell="lstm", bidirectional=False, num_layers=1, seed=0, hidden=6,
         padding_idx=PAD):
    autograd.manual_seed(seed)
    enc = Encoder(V, 4, hidden, num_layers=num_layers, cell=cell, bidirectional=bidirectional,
                  padding_idx=padding_idx)
    dec = Decoder(V, 4, hidden, enc.output_size, num_layers=num_layers, cell=cell,
                  attention=attention, padding_idx=padding_idx)
    return Seq2Seq(enc, dec, sos_idx=SOS, eos_idx=EOS, pad_idx=PAD, seed=seed)


ATTENTIONS = [None, "dot", "general", "additive"]


@pytest.mark.parametrize("attention", ATTENTIONS)
@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("ratio", [0.0, 1.0])
def test_forward_shapes_weights_and_backward(attention, cell, ratio):
    model = make(attention, cell, bidirectional=attention != "dot", num_layers=2)
    logits, weights = model(SRC, TGT, teacher_forcing_ratio=ratio)
    assert logits.shape == (3, 4, V) and logits.dtype == np.float32
    if attention is None:
        assert weights is None
    else:
        assert weights.shape == (3, 4, 5)
        np.testing.assert_allclose(weights.data.sum(-1), 1.0, rtol=1e-5)
        assert np.all(weights.data.transpose(1, 0, 2)[:, SRC == PAD] == 0)
    logits.sum().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.dtype == np.float32, name
        assert np.all(np.isfinite(p.grad.data)), name


def torch_reference(model, src, tgt, attention, cell, bidirectional):
    """The same model written with torch modules and the parameters of `model` (as leaves)."""
    torch = pytest.importorskip("torch")
    from torch.func import functional_call
    p = {k: torch.tensor(v, requires_grad=True) for k, v in model.state_dict().items()}
    enc, dec = model.encoder, model.decoder
    rnn_cls = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
    enc_rnn = rnn_cls(4, enc.hidden_size, enc.num_layers, batch_first=True,
                      bidirectional=bidirectional).double()
    dec_rnn = rnn_cls(4 + enc.output_size, dec.hidden_size, dec.num_layers).double()
    sub = lambda prefix: {k[len(prefix):]: v for k, v in p.items() if k.startswith(prefix)}  # noqa: E731
    src_t, tgt_t = torch.tensor(src), torch.tensor(tgt)
    outputs, state = functional_call(enc_rnn, sub("encoder.rnn."),
                                     (p["encoder.embedding.weight"][src_t],))
    states = state if cell == "lstm" else (state,)
    summary = torch.cat(list(states[0][-2:] if bidirectional else states[0][-1:]), dim=1)
    if bidirectional:
        states = tuple(s.reshape(enc.num_layers, 2, *s.shape[1:]).sum(1) for s in states)
    state = states if cell == "lstm" else states[0]
    mask = src_t != PAD
    logits = []
    for t in range(tgt.shape[1] - 1):
        if attention is None:
            context = summary
        else:
            q = (state[0] if cell == "lstm" else state)[-1]
            if attention == "general":
                scores = (outputs @ (q @ p["decoder.attention.query_proj.weight"].T)[:, :, None])
            else:
                hidden = torch.tanh(outputs @ p["decoder.attention.key_proj.weight"].T
                                    + (q @ p["decoder.attention.query_proj.weight"].T)[:, None])
                scores = hidden @ p["decoder.attention.v.weight"].T
            weights = torch.softmax(scores[..., 0].masked_fill(~mask, float("-inf")), -1)
            context = (weights[:, None] @ outputs)[:, 0]
        x = torch.cat([p["decoder.embedding.weight"][tgt_t[:, t]], context], 1)[None]
        out, state = functional_call(dec_rnn, sub("decoder.rnn."), (x, state))
        logits.append(torch.cat([out[0], context], 1) @ p["decoder.out.weight"].T
                      + p["decoder.out.bias"])
    return torch.stack(logits, 1), p


@pytest.mark.parametrize("attention", [None, "general", "additive"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_matches_the_same_model_in_torch(attention, cell):
    torch = pytest.importorskip("torch")
    model = make(attention, cell, bidirectional=True, num_layers=2, hidden=3).double()
    logits, _ = model(SRC, TGT, teacher_forcing_ratio=1.0)
    ref, params = torch_reference(model, SRC, TGT, attention, cell, True)
    np.testing.assert_allclose(logits.data, ref.detach().numpy(), rtol=1e-8, atol=1e-10)
    v = np.random.default_rng(0).standard_normal(logits.shape)
    (logits * Tensor(v)).sum().backward()
    (ref * torch.tensor(v)).sum().backward()
    for name, p in model.named_parameters():
        expected = params[name].grad.numpy()
        if name.endswith("embedding.weight"):
            expected = expected.copy()
            expected[PAD] = 0  # padding_idx rows get no gradient (as torch.nn.Embedding)
        np.testing.assert_allclose(p.grad.data, expected, rtol=1e-8, atol=1e-10, err_msg=name)


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_teacher_forcing_one_feeds_the_target(attention):
    model = make(attention).double()
    logits, _ = model(SRC, TGT, teacher_forcing_ratio=1.0)
    outputs, state, summary, mask, cache = model._encode(SRC)
    for t in range(TGT.shape[1] - 1):
        step, state, _ = model.decoder.step(Tensor(TGT[:, t]), state, outputs, summary, mask,
                                            cache)
        np.testing.assert_allclose(logits.data[:, t], step.data, rtol=1e-12)


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_teacher_forcing_zero_is_greedy(attention):
    model = make(attention, cell="gru").double()
    logits, _ = model(SRC, TGT, teacher_forcing_ratio=0.0)
    greedy, _ = model.greedy_decode(SRC, max_len=TGT.shape[1] - 1)
    pred = np.argmax(logits.data, axis=-1)
    for row in range(3):
        for t in range(greedy.shape[1]):
            assert greedy.data[row, t] == pred[row, t]
            if pred[row, t] == EOS:
                break


def test_teacher_forcing_ratio_is_seedable():
    a, b, c = make("additive", seed=3), make("additive", seed=3), make("additive", seed=3)
    out_a = a(SRC, TGT, teacher_forcing_ratio=0.5)[0].data
    np.testing.assert_array_equal(out_a, b(SRC, TGT, teacher_forcing_ratio=0.5)[0].data)
    rng = np.random.default_rng(3)
    np.testing.assert_array_equal(out_a, c(SRC, TGT, 0.5, rng=rng)[0].data)
    # some seed must mix teacher-forced and greedy steps into a third distinct result
    forced, free = a(SRC, TGT, 1.0)[0].data, a(SRC, TGT, 0.0)[0].data
    mixed = [a(SRC, TGT, 0.5, rng=np.random.default_rng(s))[0].data for s in range(8)]
    assert any(not np.allclose(m, forced) and not np.allclose(m, free) for m in mixed)


def test_greedy_decode_stops_at_the_end_token():
    model = make("dot")
    with autograd.no_grad():
        model.decoder.out.bias.data[:] = -50.0
        model.decoder.out.bias.data[EOS] = 50.0
    tokens, weights = model.greedy_decode(SRC, max_len=10)
    assert tokens.dtype == np.int64 and tokens.shape == (3, 1)
    assert np.all(tokens.data == EOS) and weights.shape == (3, 1, 5)


@pytest.mark.parametrize("attention", [None, "additive"])
def test_greedy_decode_pads_rows_that_ended(attention):
    """Scripted logits: row 0 ends at step 1, row 1 at step 3, row 2 never (max_len 5), then
    all rows end at step 4 and decoding stops there."""
    model = make(attention)
    script = {0: [EOS, 5, 5, 5], 1: [4, 5, EOS, 3], 2: [6, 7, 8, EOS]}
    real_step, fed = model.decoder.step, []

    def scripted(token, state, *args):
        fed.append(token.data.copy())
        logits, state, weights = real_step(token, state, *args)
        t = len(fed) - 1
        chosen = np.full((3, V), -10.0, np.float32)
        for row, seq in script.items():
            chosen[row, seq[t]] = 10.0
        return Tensor(chosen), state, weights

    model.decoder.step = scripted
    tokens, weights = model.greedy_decode(SRC, max_len=5)
    np.testing.assert_array_equal(tokens.data, [[EOS, PAD, PAD, PAD], [4, 5, EOS, PAD],
                                                [6, 7, 8, EOS]])
    np.testing.assert_array_equal(fed[0], [SOS] * 3)
    np.testing.assert_array_equal(fed[1], [EOS, 4, 6])  # each step feeds the previous output
    np.testing.assert_array_equal(fed[2], [PAD, 5, 7])
    if attention is not None:
        assert weights.shape == (3, 4, 5)
        assert np.all(weights.data[0, 1:] == 0) and np.all(weights.data[1, 3:] == 0)
        np.testing.assert_allclose(weights.data[2].sum(-1), 1.0, rtol=1e-5)
    model.decoder.step = real_step
    assert model.greedy_decode(SRC, max_len=2)[0].shape == (3, 2)  # max_len also stops


def test_encoder_summary_and_bridged_state():
    enc = Encoder(V, 4, 3, num_layers=2, cell="lstm", bidirectional=True).double()
    outputs, (h, c), summary = enc(Tensor(SRC))
    raw_h = enc.rnn(enc.embedding(Tensor(SRC)))[1][0]
    np.testing.assert_allclose(h.data, raw_h.data[0::2] + raw_h.data[1::2])
    np.testing.assert_allclose(summary.data[:, :3], outputs.data[:, -1, :3])
    np.testing.assert_allclose(summary.data[:, 3:], outputs.data[:, 0, 3:])
    assert h.shape == c.shape == (2, 3, 3) and outputs.shape == (3, 5, 6)


@pytest.mark.parametrize("attention", [None, "additive", "general"])
def test_tiny_seq2seq_gradcheck(attention):
    # no padding_idx: its embedding row is used but (by design) gets no gradient
    model = make(attention, cell="lstm", bidirectional=True, hidden=2, padding_idx=None).double()
    named = list(model.named_parameters())
    mods = dict(model.named_modules())
    src, tgt = SRC[:2, :4], TGT[:2, :3]

    def fn(*params):
        for (name, _), p in zip(named, params):
            path, _, leaf = name.rpartition(".")
            mods[path]._parameters[leaf] = p
        return model(src, tgt, teacher_forcing_ratio=1.0)[0]

    params = [p.data.copy() for _, p in named]
    assert autograd.gradcheck(fn, params, atol=1e-6, rtol=1e-5, mode="random", n_directions=3)


def test_tiny_decoder_step_full_gradcheck():
    model = make("additive", cell="gru", hidden=2).double()
    outputs, state, summary, mask, _ = model._encode(SRC[:2])

    def fn(enc_out, h):
        return model.decoder.step(Tensor(TGT[:2, 0]), h, enc_out, summary, mask)[0]

    assert autograd.gradcheck(fn, [outputs.data.copy(), state.data.copy()], atol=1e-7, rtol=1e-6)


def test_bad_arguments():
    enc = Encoder(V, 4, 6, cell="lstm")
    with pytest.raises(ValueError, match="must match the decoder"):
        Seq2Seq(enc, Decoder(V, 4, 6, 6, cell="gru"), SOS, EOS)
    with pytest.raises(ValueError, match="enc_dim 5"):
        Seq2Seq(enc, Decoder(V, 4, 6, 5), SOS, EOS)
    with pytest.raises(ValueError, match="cell must be"):
        Encoder(V, 4, 6, cell="rnn")
    model = make()
    with pytest.raises(ValueError, match=r"int tokens of shape \(N, length\).*float64"):
        model(SRC.astype(float), TGT)
    with pytest.raises(ValueError, match="teacher_forcing_ratio"):
        model(SRC, TGT, teacher_forcing_ratio=1.5)
    with pytest.raises(ValueError, match="start token"):
        model(SRC, TGT[:, :1])
