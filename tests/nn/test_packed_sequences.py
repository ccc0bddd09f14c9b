"""Packed sequences (nn.utils.rnn.PackedSequence and friends) and the recurrent layers run on
them, against torch (same weights, float64 at rtol 1e-10) and finite differences."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
from autograd import Tensor
from nn.utils.rnn import (PackedSequence, invert_permutation, pack_padded_sequence,
                          pack_sequence, pad_packed_sequence, unpack_sequence)
from tests.helpers import assert_gradcheck, check_float32, check_op

torch = pytest.importorskip("torch")
TR = torch.nn.utils.rnn

LAYERS = {"lstm": (nn.LSTM, torch.nn.LSTM, {}), "gru": (nn.GRU, torch.nn.GRU, {}),
          "rnn_tanh": (nn.RNN, torch.nn.RNN, {"nonlinearity": "tanh"}),
          "rnn_relu": (nn.RNN, torch.nn.RNN, {"nonlinearity": "relu"})}


def close(a, b, what, rtol=1e-10, atol=1e-12):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != {b.shape}"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


def same_ints(ours, theirs, what):
    """An int64 index tensor (or None) equal to torch's."""
    if theirs is None:
        assert ours is None, what
        return
    assert ours.dtype == np.int64, f"{what}: dtype {ours.dtype}"
    np.testing.assert_array_equal(ours.data, theirs.numpy(), err_msg=what)


def same_packed(ours, theirs, rtol=1e-10, atol=1e-12):
    assert isinstance(ours, PackedSequence)
    close(ours.data.data, theirs.data.detach().numpy(), "data", rtol, atol)
    for field in ("batch_sizes", "sorted_indices", "unsorted_indices"):
        same_ints(getattr(ours, field), getattr(theirs, field), field)


# --------------------------------------------------------------------- packing and padding
CASES = [([3, 2, 2], 3), ([4, 1], 5), ([1], 1), ([2, 2, 2], 2), ([1, 3, 2, 3], 4),
         ([5, 1, 3, 1, 2], 6)]


@pytest.mark.parametrize("lengths,n_steps", CASES)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("trailing", [(), (2,), (2, 3)])
def test_pack_and_pad_match_torch_and_gradcheck(lengths, n_steps, batch_first, trailing):
    rng = np.random.default_rng(len(lengths) + n_steps)
    b = len(lengths)
    x = rng.standard_normal(((b, n_steps) if batch_first else (n_steps, b)) + trailing)
    in_order = all(lengths[i] >= lengths[i + 1] for i in range(b - 1))
    for enforce in ([True, False] if in_order else [False]):
        kw = {"batch_first": batch_first, "enforce_sorted": enforce}
        ours = pack_padded_sequence(Tensor(x), autograd.tensor(lengths), **kw)
        theirs = TR.pack_padded_sequence(torch.tensor(x), torch.tensor(lengths), **kw)
        same_packed(ours, theirs)
        check_op(lambda t: pack_padded_sequence(t, lengths, **kw).data,
                 lambda t: TR.pack_padded_sequence(t, lengths, **kw).data, x)
        check_float32(lambda t: pack_padded_sequence(t, lengths, **kw).data, x)
        for total in (None, n_steps + 1):
            pad_kw = {"batch_first": batch_first, "padding_value": -2.5, "total_length": total}

            def ours_pad(d, p=ours, kw=pad_kw):
                return pad_packed_sequence(PackedSequence(d, *p[1:]), **kw)[0]

            def torch_pad(d, p=theirs, kw=pad_kw):
                return TR.pad_packed_sequence(TR.PackedSequence(d, *p[1:]), **kw)[0]
            check_op(ours_pad, torch_pad, ours.data.data)
            check_float32(ours_pad, ours.data.data)
            padded, lens = pad_packed_sequence(ours, **pad_kw)
            t_padded, t_lens = TR.pad_packed_sequence(theirs, **pad_kw)
            close(padded.data, t_padded.numpy(), "padded")
            same_ints(lens, t_lens, "lengths")


def test_round_trip_restores_the_valid_steps_and_padding():
    x = np.arange(24.0).reshape(4, 3, 2)
    lengths = [2, 4, 3]
    packed = pack_padded_sequence(Tensor(x), lengths, enforce_sorted=False)
    padded, lens = pad_packed_sequence(packed, padding_value=7.0)
    np.testing.assert_array_equal(lens.data, lengths)
    for b, n in enumerate(lengths):
        np.testing.assert_array_equal(padded.data[:n, b], x[:n, b])
        assert np.all(padded.data[n:, b] == 7.0)
    # packing the padded result again gives the same packed sequence
    again = pack_padded_sequence(padded, lens, enforce_sorted=False)
    np.testing.assert_array_equal(again.data.data, packed.data.data)
    np.testing.assert_array_equal(again.batch_sizes.data, packed.batch_sizes.data)


@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_pack_sequence_and_unpack_sequence_match_torch(enforce_sorted, dtype):
    rng = np.random.default_rng(1)
    lengths = [4, 3, 3, 1] if enforce_sorted else [2, 4, 1, 3]
    seqs = [(rng.standard_normal((n, 2)) * 10).astype(dtype) for n in lengths]
    ours = pack_sequence([Tensor(s) for s in seqs], enforce_sorted=enforce_sorted)
    theirs = TR.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=enforce_sorted)
    same_packed(ours, theirs)
    assert ours.data.dtype == dtype
    parts = unpack_sequence(ours)
    t_parts = TR.unpack_sequence(theirs)
    assert len(parts) == len(t_parts) == len(seqs)
    for p, t, s in zip(parts, t_parts, seqs):
        np.testing.assert_array_equal(p.data, t.numpy())
        np.testing.assert_array_equal(p.data, s)
        assert p.dtype == dtype


def test_pack_sequence_gradients_match_torch():
    rng = np.random.default_rng(2)
    seqs = [rng.standard_normal((n, 3)) for n in (2, 5, 1)]

    def ours(*s):
        return pad_packed_sequence(pack_sequence(list(s), enforce_sorted=False))[0]

    def theirs(*s):
        return TR.pad_packed_sequence(TR.pack_sequence(list(s), enforce_sorted=False))[0]
    check_op(ours, theirs, *seqs)
    check_op(lambda *s: unpack_sequence(pack_sequence(list(s), enforce_sorted=False)),
             lambda *s: TR.unpack_sequence(TR.pack_sequence(list(s), enforce_sorted=False)),
             *seqs)


def test_packed_sequence_is_a_namedtuple_with_conversions():
    p = pack_sequence([autograd.ones(3, 2), autograd.ones(1, 2)])
    assert p._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    data, batch_sizes, sorted_indices, unsorted_indices = p
    assert data is p.data and sorted_indices is None and unsorted_indices is None
    np.testing.assert_array_equal(batch_sizes.data, [2, 1, 1])
    assert repr(p).startswith("PackedSequence(data=")
    assert p.data.dtype == np.float32
    assert p.float() is p and p.cpu() is p and not p.is_cuda
    d = p.double()
    assert isinstance(d, PackedSequence) and d.data.dtype == np.float64
    assert d.batch_sizes is p.batch_sizes
    assert p.to(autograd.float64).data.dtype == np.float64
    assert p.long().data.dtype == np.int64
    q = PackedSequence(p.data, p.batch_sizes, autograd.tensor([1, 0]))
    np.testing.assert_array_equal(q.unsorted_indices.data, [1, 0])
    assert PackedSequence((p.data, p.batch_sizes)).batch_sizes is p.batch_sizes
    perm = torch.tensor([2, 0, 3, 1])
    same_ints(invert_permutation(autograd.tensor([2, 0, 3, 1])), TR.invert_permutation(perm),
              "invert_permutation")
    assert invert_permutation(None) is None
    assert TR.__all__ == nn.utils.rnn.__all__


def test_pack_and_pad_errors():
    x = autograd.zeros(3, 2, 4)
    with pytest.raises(RuntimeError, match=r"pack_padded_sequence: `lengths` array must be "
                                           r"sorted in decreasing order.*\[2, 3\]"):
        pack_padded_sequence(x, [2, 3])
    with pytest.raises(RuntimeError, match=r"pack_padded_sequence: length of all samples has to "
                                           r"be greater than 0.*\[3, 0\]"):
        pack_padded_sequence(x, [3, 0])
    with pytest.raises(RuntimeError, match="greater than 0"):
        pack_padded_sequence(x, [0, 3], enforce_sorted=False)
    with pytest.raises(RuntimeError, match=r"length of 4 exceeds the sequence length 3 of input "
                                           r"of shape \(3, 2, 4\)"):
        pack_padded_sequence(x, [4, 2])
    with pytest.raises(RuntimeError, match=r"len\(lengths\).*got 3 \(batch_size=2"):
        pack_padded_sequence(x, [3, 2, 1])
    with pytest.raises(RuntimeError, match=r"cannot pack empty tensors.*\(3, 0, 4\)"):
        pack_padded_sequence(autograd.zeros(3, 0, 4), [])
    with pytest.raises(ValueError, match=r"pack_padded_sequence: input must have shape.*\(3,\)"):
        pack_padded_sequence(autograd.zeros(3), [3])
    with pytest.raises(ValueError, match=r"lengths must be a 1-d sequence of integers.*float"):
        pack_padded_sequence(x, [3.0, 2.5])
    with pytest.raises(TypeError, match="pack_padded_sequence: input must be a Tensor"):
        pack_padded_sequence(np.zeros((3, 2)), [3, 2])
    with pytest.raises(ValueError, match=r"total_length=2 and max sequence length being 3"):
        pad_packed_sequence(pack_padded_sequence(x, [3, 1]), total_length=2)
    with pytest.raises(TypeError, match="pad_packed_sequence: expected a PackedSequence"):
        pad_packed_sequence(x)
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        pack_sequence([autograd.zeros(1, 2), autograd.zeros(2, 2)])


# --------------------------------------------------------------------- recurrent layers
def make_pair(kind, dtype=np.float64, **opts):
    ours_cls, torch_cls, kw = LAYERS[kind]
    theirs = torch_cls(3, 4, **kw, **opts).to(torch.float64 if dtype == np.float64
                                              else torch.float32)
    ours = ours_cls(3, 4, **kw, **opts)
    ours.to(autograd.float64 if dtype == np.float64 else autograd.float32)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def check_packed_layer(kind, lengths, num_layers=1, bidirectional=False, batch_first=False,
                       with_state=False, enforce_sorted=False, fused=True, bias=True,
                       dtype=np.float64, rtol=1e-10, seed=0):
    """Pack, run both layers, compare output/h_n/c_n and every gradient of a random loss."""
    atol = 1e-12 if dtype == np.float64 else 1e-6   # float32: for values near zero
    rng = np.random.default_rng(seed)
    ours, theirs = make_pair(kind, dtype, num_layers=num_layers, bidirectional=bidirectional,
                             batch_first=batch_first, bias=bias)
    ours.fused = fused
    b, n_steps = len(lengths), max(lengths) + 1
    arrays = [rng.standard_normal(((b, n_steps) if batch_first else (n_steps, b)) + (3,))]
    n_states = (2 if kind == "lstm" else 1) if with_state else 0
    arrays += [rng.standard_normal((num_layers * (2 if bidirectional else 1), b, 4))
               for _ in range(n_states)]
    arrays = [a.astype(dtype) for a in arrays]
    o_in = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    kw = {"batch_first": batch_first, "enforce_sorted": enforce_sorted}
    o_packed = pack_padded_sequence(o_in[0], lengths, **kw)
    t_packed = TR.pack_padded_sequence(t_in[0], lengths, **kw)
    hx = [None if not n_states else o_in[1] if n_states == 1 else tuple(o_in[1:]),
          None if not n_states else t_in[1] if n_states == 1 else tuple(t_in[1:])]
    o_out, o_h = ours(o_packed, hx[0])
    t_out, t_h = theirs(t_packed, hx[1])
    same_packed(o_out, t_out, rtol, atol)
    assert o_out.data.dtype == dtype
    o_states = list(o_h) if kind == "lstm" else [o_h]
    t_states = list(t_h) if kind == "lstm" else [t_h]
    weights = np.cos(o_out.data.data)
    loss_o = (o_out.data * Tensor(weights)).sum()
    loss_t = (t_out.data * torch.tensor(weights)).sum()
    for k, (o, t) in enumerate(zip(o_states, t_states)):
        close(o.data, t.detach().numpy(), f"final state {k}", rtol, atol)
        assert o.dtype == dtype
        v = rng.standard_normal(o.shape).astype(dtype)
        loss_o = loss_o + (o * Tensor(v)).sum()
        loss_t = loss_t + (t * torch.tensor(v)).sum()
    loss_o.backward()
    loss_t.backward()
    for k, (o, t) in enumerate(zip(o_in, t_in)):
        assert o.grad.dtype == dtype
        close(o.grad.data, t.grad.numpy(), f"gradient of input {k}", rtol, atol)
    params = dict(ours.named_parameters())
    assert set(params) == {n for n, _ in theirs.named_parameters()}
    for name, p in theirs.named_parameters():
        assert params[name].grad.dtype == dtype
        close(params[name].grad.data, p.grad.numpy(), f"gradient of {name}", rtol, atol)


@pytest.mark.parametrize("kind", sorted(LAYERS))
@pytest.mark.parametrize("num_layers,bidirectional", [(1, False), (1, True), (2, False),
                                                      (2, True)])
def test_layers_on_packed_sequences_match_torch(kind, num_layers, bidirectional):
    for batch_first, with_state in ((False, True), (True, False)):
        check_packed_layer(kind, [3, 5, 1, 3, 2], num_layers, bidirectional, batch_first,
                           with_state)


@settings(deadline=None, max_examples=25)
@given(kind=st.sampled_from(sorted(LAYERS)), num_layers=st.integers(1, 2),
       bidirectional=st.booleans(), batch_first=st.booleans(), with_state=st.booleans(),
       fused=st.booleans(), bias=st.booleans(), seed=st.integers(0, 2 ** 16),
       lengths=st.lists(st.integers(1, 4), min_size=1, max_size=4))
def test_layers_on_random_packed_batches_match_torch(kind, num_layers, bidirectional,
                                                     batch_first, with_state, fused, bias,
                                                     seed, lengths):
    check_packed_layer(kind, lengths, num_layers, bidirectional, batch_first, with_state,
                       fused=fused, bias=bias, seed=seed)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_sorted_batches_and_the_composed_graph_match_torch(kind):
    check_packed_layer(kind, [4, 4, 2, 1], 2, True, with_state=True, enforce_sorted=True)
    check_packed_layer(kind, [4, 2, 3], 2, True, with_state=True, fused=False)


@pytest.mark.parametrize("kind", ["lstm", "rnn_tanh"])
def test_float32_packed_layer_stays_float32_and_matches_torch(kind):
    check_packed_layer(kind, [2, 4, 3], 2, True, with_state=True, dtype=np.float32, rtol=1e-5)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_packed_layer_gradchecks_in_input_and_state(kind):
    ours, _ = make_pair(kind, num_layers=2, bidirectional=True)
    lengths = [2, 3, 1]
    rng = np.random.default_rng(3)
    x, h0 = rng.standard_normal((3, 3, 3)), rng.standard_normal((4, 3, 4))

    def fn(x, h0):
        hx = (h0, h0 * 0.5) if kind == "lstm" else h0
        out, h = ours(pack_padded_sequence(x, lengths, enforce_sorted=False), hx)
        return (out.data,) + (tuple(h) if kind == "lstm" else (h,))
    assert_gradcheck(fn, x, h0)


def test_packed_output_matches_running_each_sequence_alone():
    """h_n of each sequence is the state after its own last step, in the caller's order."""
    ours, _ = make_pair("lstm", num_layers=2, bidirectional=True)
    lengths = [2, 4, 3]
    rng = np.random.default_rng(4)
    seqs = [Tensor(rng.standard_normal((n, 3))) for n in lengths]
    out, (h, c) = ours(pack_sequence(seqs, enforce_sorted=False))
    parts = unpack_sequence(out)
    for b, s in enumerate(seqs):
        alone, (h1, c1) = ours(s.unsqueeze(1))
        close(parts[b].data, alone.data[:, 0], f"output of sequence {b}")
        close(h.data[:, b], h1.data[:, 0], f"h_n of sequence {b}")
        close(c.data[:, b], c1.data[:, 0], f"c_n of sequence {b}")


def test_dropout_between_layers_on_packed_data():
    ours, theirs = make_pair("gru", num_layers=2)
    ours.dropout = theirs.dropout = 0.5
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(5).standard_normal((3, 2, 3))
    o_out, _ = ours(pack_padded_sequence(Tensor(x), [3, 2]))
    t_out, _ = theirs(TR.pack_padded_sequence(torch.tensor(x), [3, 2]))
    close(o_out.data.data, t_out.data.detach().numpy(), "eval output")
    ours.train()
    out, h = ours(pack_padded_sequence(Tensor(x), [3, 2]))
    assert out.data.shape == (5, 4) and h.shape == (2, 2, 4)


def test_layer_errors_on_packed_input():
    lstm = nn.LSTM(3, 4)
    packed = pack_padded_sequence(autograd.zeros(3, 2, 3), [3, 2])
    with pytest.raises(ValueError, match=r"LSTM: expected h_0 of shape \(1, 2, 4\), got "
                                         r"\(1, 3, 4\)"):
        lstm(packed, (autograd.zeros(1, 3, 4), autograd.zeros(1, 3, 4)))
    with pytest.raises(ValueError, match="LSTM: hx must be a tuple"):
        lstm(packed, autograd.zeros(1, 2, 4))
    with pytest.raises(ValueError, match=r"GRU: expected PackedSequence data of shape "
                                         r"\(S, 5\), got \(5, 3\)"):
        nn.GRU(5, 4)(packed)
    with pytest.raises(TypeError, match="RNN: input dtype torch.float64 differs"):
        nn.RNN(3, 4)(packed.double())
    with pytest.raises(ValueError, match=r"RNN: batch_sizes \[2, 3\] must be"):
        nn.RNN(3, 4)(PackedSequence(autograd.zeros(5, 3), autograd.tensor([2, 3])))


def test_whole_number_float_lengths_are_taken_as_torch_and_fractions_refused():
    x = np.arange(12.0).reshape(3, 2, 2)
    mask = np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    ours = pack_padded_sequence(autograd.tensor(x), autograd.tensor(mask.sum(1)))
    theirs = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), torch.tensor(mask.sum(1)))
    np.testing.assert_array_equal(ours.data.data, theirs.data.numpy())
    np.testing.assert_array_equal(ours.batch_sizes.data, theirs.batch_sizes.numpy())
    with pytest.raises(ValueError, match="integers"):
        pack_padded_sequence(autograd.tensor(x), [2.5, 1.0])


def test_a_relu_rnn_whose_state_explodes_over_the_padding_keeps_finite_gradients():
    """After a short sequence the padded grid would run h' = relu(W h) with W = 100 until it
    overflows; the relu RNN runs by equal batch sizes instead, as torch gets a finite 0."""
    x = np.zeros((40, 2, 1), np.float32)
    x[:, 0, 0] = -1.0
    x[0, 1, 0] = 1.0
    weights = {"weight_ih_l0": np.ones((1, 1), np.float32),
               "weight_hh_l0": np.full((1, 1), 100.0, np.float32),
               "bias_ih_l0": np.zeros(1, np.float32), "bias_hh_l0": np.zeros(1, np.float32)}
    grads = []
    for lib, pack in ((autograd, pack_padded_sequence),
                      (torch, torch.nn.utils.rnn.pack_padded_sequence)):
        layer = lib.nn.RNN(1, 1, nonlinearity="relu")
        layer.load_state_dict(weights if lib is autograd else
                              {k: torch.tensor(v) for k, v in weights.items()})
        out, h = layer(pack(lib.tensor(x), [40, 1]))
        (out.data.sum() + h.sum()).backward()
        grads.append(np.asarray(layer.weight_hh_l0.grad.data if lib is autograd
                                else layer.weight_hh_l0.grad.numpy()))
    assert np.isfinite(grads[0]).all()
    np.testing.assert_allclose(grads[0], grads[1])


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("rows_per_run", [0, 10 ** 9])   # the runs / the padded grid
def test_fused_layers_match_torch_either_way(kind, rows_per_run, monkeypatch):
    """A fused layer takes the padded grid or the runs of equal batch size by their cost
    (nn.rnn_packed.ROWS_PER_RUN); both give torch's values and gradients."""
    from nn import rnn_packed
    monkeypatch.setattr(rnn_packed, "ROWS_PER_RUN", rows_per_run)
    ours, theirs = make_pair(kind, num_layers=2, bidirectional=True)
    lengths = [9, 1, 2, 1]
    rng = np.random.default_rng(7)
    x = rng.standard_normal((9, 4, 3))
    out_o, h_o = ours(pack_padded_sequence(Tensor(x, requires_grad=True), lengths,
                                           enforce_sorted=False))
    out_t, h_t = theirs(torch.nn.utils.rnn.pack_padded_sequence(
        torch.tensor(x, requires_grad=True), lengths, enforce_sorted=False))
    np.testing.assert_allclose(out_o.data.data, out_t.data.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    h_o, h_t = (h_o[0], h_t[0]) if kind == "lstm" else (h_o, h_t)
    np.testing.assert_allclose(h_o.data, h_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    (out_o.data.sum() + h_o.sum()).backward()
    (out_t.data.sum() + h_t.sum()).backward()
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)
