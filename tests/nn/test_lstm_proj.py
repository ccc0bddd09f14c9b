"""nn.LSTM with proj_size against PyTorch (same weights; float64 tight, float32 loose):
outputs, final states, input, state and parameter gradients, packed sequences, errors."""
import numpy as np
import pytest

import autograd
from autograd import Tensor
from nn.rnn import GRU, LSTM
from nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")
TOL = {np.float64: dict(rtol=1e-9, atol=1e-11), np.float32: dict(rtol=2e-5, atol=2e-6)}


def pair(dtype=np.float64, seed=0, **kw):
    """A torch LSTM (random init, seeded) and ours with its weights, both of `dtype`."""
    torch.manual_seed(seed)
    theirs = torch.nn.LSTM(**kw).to(torch.float64 if dtype == np.float64 else torch.float32)
    ours = LSTM(**kw, dtype=dtype)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def close(a, b, what, dtype=np.float64):
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    assert tuple(a.shape) == tuple(b.shape), f"{what}: {tuple(a.shape)} vs {tuple(b.shape)}"
    np.testing.assert_allclose(a.data if isinstance(a, Tensor) else a, b, err_msg=what,
                               **TOL[dtype])


def leaves(*arrays):
    return ([Tensor(a.copy(), requires_grad=True) for a in arrays],
            [torch.tensor(a.copy(), requires_grad=True) for a in arrays])


def backward_both(ours, theirs, rng):
    lo, lt = 0, 0
    for a, b in zip(ours, theirs):
        v = rng.standard_normal(a.shape).astype(a.dtype)
        lo = lo + (a * Tensor(v)).sum()
        lt = lt + (b * torch.tensor(v)).sum()
    lo.backward()
    lt.backward()


def same_parameter_grads(ours, theirs, dtype=np.float64):
    params = dict(ours.named_parameters())
    assert list(params) == [n for n, _ in theirs.named_parameters()]
    for name, p in theirs.named_parameters():
        close(params[name].grad, p.grad, f"gradient of {name}", dtype)


CASES = [  # num_layers, bidirectional, batch_first, bias, with_state, batched
    (1, False, False, True, False, True), (1, True, True, False, True, True),
    (2, False, True, True, True, True), (2, True, False, True, True, True),
    (3, True, False, True, False, True), (2, True, False, True, True, False),
    (1, False, False, False, False, False)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("num_layers,bidirectional,batch_first,bias,with_state,batched", CASES)
def test_lstm_proj_matches_torch(num_layers, bidirectional, batch_first, bias, with_state,
                                 batched, dtype):
    H, P, I, L, N = 5, 3, 4, 6, 2
    ours, theirs = pair(dtype, num_layers, input_size=I, hidden_size=H, num_layers=num_layers,
                        bias=bias, batch_first=batch_first, bidirectional=bidirectional,
                        proj_size=P)
    rng = np.random.default_rng(num_layers)
    D = 2 if bidirectional else 1
    xs = (N, L, I) if batch_first else (L, N, I)
    arrays = [rng.standard_normal(xs if batched else (L, I))]
    if with_state:
        lead = (num_layers * D, N) if batched else (num_layers * D,)
        arrays += [rng.standard_normal(lead + (P,)), rng.standard_normal(lead + (H,))]
    ins, tins = leaves(*(a.astype(dtype) for a in arrays))
    hx, thx = (tuple(ins[1:]), tuple(tins[1:])) if with_state else (None, None)
    out, (h, c) = ours(ins[0], hx)
    tout, (th, tc) = theirs(tins[0], thx)
    assert out.dtype == h.dtype == c.dtype == dtype
    for what, a, b in (("output", out, tout), ("h_n", h, th), ("c_n", c, tc)):
        close(a, b, what, dtype)
    # the output carries P features per direction, h_n P, c_n H
    assert out.shape[-1] == D * P and h.shape[-1] == P and c.shape[-1] == H
    backward_both([out, h, c], [tout, th, tc], rng)
    for i, (a, b) in enumerate(zip(ins, tins)):
        close(a.grad, b.grad, f"gradient of input {i}", dtype)
    same_parameter_grads(ours, theirs, dtype)


def test_fused_flag_does_not_change_the_projected_layer():
    ours, theirs = pair(input_size=3, hidden_size=4, num_layers=2, bidirectional=True,
                        proj_size=2)
    x = Tensor(np.random.default_rng(1).standard_normal((5, 2, 3)))
    ours.fused = False
    out, (h, c) = ours(x)
    close(out, theirs(torch.tensor(x.data))[0], "output of the composed layer")
    ours.fused = True
    np.testing.assert_array_equal(ours(x)[0].data, out.data)


@pytest.mark.parametrize("fused", [True, False])   # the padded-grid and by-runs packed paths
@pytest.mark.parametrize("enforce_sorted,lengths", [(True, [5, 3, 3, 1]), (False, [2, 5, 1, 4])])
@pytest.mark.parametrize("with_state", [False, True])
def test_lstm_proj_on_packed_sequences_matches_torch(fused, enforce_sorted, lengths,
                                                     with_state):
    H, P, I, T, B = 4, 2, 3, max(lengths), len(lengths)
    ours, theirs = pair(input_size=I, hidden_size=H, num_layers=2, bidirectional=True,
                        proj_size=P)
    ours.fused = fused
    rng = np.random.default_rng(sum(lengths))
    arrays = [rng.standard_normal((T, B, I))]
    if with_state:
        arrays += [rng.standard_normal((4, B, P)), rng.standard_normal((4, B, H))]
    ins, tins = leaves(*arrays)
    packed = pack_padded_sequence(ins[0], autograd.tensor(lengths),
                                  enforce_sorted=enforce_sorted)
    tpacked = torch.nn.utils.rnn.pack_padded_sequence(tins[0], torch.tensor(lengths),
                                                      enforce_sorted=enforce_sorted)
    hx, thx = (tuple(ins[1:]), tuple(tins[1:])) if with_state else (None, None)
    out, (h, c) = ours(packed, hx)
    tout, (th, tc) = theirs(tpacked, thx)
    close(out.data, tout.data, "packed output")
    padded, _ = pad_packed_sequence(out)
    tpadded, _ = torch.nn.utils.rnn.pad_packed_sequence(tout)
    close(padded, tpadded, "padded output")
    close(h, th, "h_n")
    close(c, tc, "c_n")
    backward_both([out.data, h, c], [tout.data, th, tc], rng)
    for i, (a, b) in enumerate(zip(ins, tins)):
        close(a.grad, b.grad, f"gradient of input {i}")
    same_parameter_grads(ours, theirs)


def test_parameter_names_shapes_init_and_repr():
    kw = dict(input_size=3, hidden_size=5, num_layers=2, bidirectional=True, proj_size=2)
    autograd.manual_seed(3)
    ours, theirs = LSTM(**kw), torch.nn.LSTM(**kw)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.weight_hr_l1_reverse.shape == (2, 5) and ours.weight_ih_l1.shape == (20, 4)
    bound = 1 / np.sqrt(5)
    for p in ours.parameters():
        assert p.dtype == np.float32 and np.all(np.abs(p.data) <= bound)
        assert np.abs(p.data).max() > bound / 4   # drawn, not left at zero
    assert repr(ours) == repr(theirs)
    assert LSTM(3, 5, bias=False, proj_size=2).weight_hr_l0.shape == (2, 5)
    assert "proj_size" not in repr(LSTM(3, 5))
    assert LSTM(3, 5, proj_size=np.int64(2)).proj_size == 2


def test_bad_proj_size_and_states_give_clear_errors():
    with pytest.raises(ValueError, match="LSTM: proj_size has to be smaller than hidden_size"):
        LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="LSTM: proj_size should be a positive integer"):
        LSTM(3, 4, proj_size=-1)
    with pytest.raises(TypeError, match="LSTM: proj_size must be an int"):
        LSTM(3, 4, proj_size=2.0)
    with pytest.raises(ValueError, match="GRU: proj_size argument is only supported for LSTM"):
        GRU(3, 4, proj_size=2)
    layer = LSTM(3, 4, num_layers=2, proj_size=2)
    x = Tensor(np.zeros((5, 2, 3), np.float32))
    h, c = Tensor(np.zeros((2, 2, 2), np.float32)), Tensor(np.zeros((2, 2, 4), np.float32))
    with pytest.raises(ValueError, match=r"h_0 of shape \(2, 2, 2\), got \(2, 2, 4\)"):
        layer(x, (c, c))
    with pytest.raises(ValueError, match=r"c_0 of shape \(2, 2, 4\), got \(2, 2, 2\)"):
        layer(x, (h, h))
    with pytest.raises(ValueError, match=r"h_0 of shape \(2, 2\), got \(2, 4\)"):
        layer(Tensor(np.zeros((5, 3), np.float32)), (c[:, 0], c[:, 0]))
    out, (hn, cn) = layer(x, (h, c))
    assert out.shape == (5, 2, 2) and hn.shape == (2, 2, 2) and cn.shape == (2, 2, 4)
