"""Recurrent layers and cells refuse an initial state whose dtype is not the parameters' (and
the input's), as torch does, with an error naming the module, the state and both dtypes;
where they used to cast it silently (RNN, GRU and their cells) or fail inside the fused op
(LSTM, LSTMCell)."""
import re

import numpy as np
import pytest

import nn
from autograd import Tensor
from nn.utils.rnn import pack_padded_sequence

torch = pytest.importorskip("torch")
I, H, L, N = 2, 3, 4, 2


def randn(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def message(owner, what, got="float32", want="float64"):
    return re.escape(f"{owner}: {what} dtype torch.{got} differs from the input's and the "
                     f"parameters' dtype torch.{want}")


def run(module, x, hx):
    return module(x if isinstance(module, torch.nn.Module) else Tensor(x), hx)


def states(lib, shapes, dtypes):
    make = torch.tensor if lib is torch else Tensor
    out = [make(randn(*s, dtype=d, seed=i)) for i, (s, d) in enumerate(zip(shapes, dtypes))]
    return out[0] if len(out) == 1 else tuple(out)


# (name, input shape, state shapes); the module is nn.<name>(I, H) and torch.nn.<name>(I, H)
CASES = [
    ("RNN", (L, N, I), [(1, N, H)]),
    ("GRU", (L, N, I), [(1, N, H)]),
    ("LSTM", (L, N, I), [(1, N, H)] * 2),
    ("RNN", (L, I), [(1, H)]),             # unbatched
    ("GRU", (L, I), [(1, H)]),
    ("LSTM", (L, I), [(1, H)] * 2),
    ("RNNCell", (N, I), [(N, H)]),
    ("GRUCell", (N, I), [(N, H)]),
    ("LSTMCell", (N, I), [(N, H)] * 2),
    ("GRUCell", (I,), [(H,)]),              # unbatched
    ("LSTMCell", (I,), [(H,)] * 2),
]


@pytest.mark.parametrize("name, x_shape, shapes", CASES,
                         ids=[f"{c[0]}-{len(c[1])}d" for c in CASES])
@pytest.mark.parametrize("module_dtype", [np.float64, np.float32])
def test_a_hidden_state_of_another_dtype_is_refused_as_by_torch(name, x_shape, shapes,
                                                                module_dtype):
    other = np.float32 if module_dtype == np.float64 else np.float64
    ours, theirs = getattr(nn, name)(I, H), getattr(torch.nn, name)(I, H)
    if module_dtype == np.float64:
        ours, theirs = ours.double(), theirs.double()
    x = randn(*x_shape, dtype=module_dtype)
    dtypes = [other] + [module_dtype] * (len(shapes) - 1)   # h_0 off, c_0 (if any) right
    with pytest.raises(Exception):
        run(theirs, x, states(torch, shapes, dtypes))
    what = "hx" if name in ("RNNCell", "GRUCell") else "h_0"
    with pytest.raises(TypeError, match=message(name, what, np.dtype(other).name,
                                                np.dtype(module_dtype).name)):
        run(ours, x, states(None, shapes, dtypes))


@pytest.mark.parametrize("name", ["LSTM", "LSTMCell"])
def test_lstm_refuses_a_cell_state_of_another_dtype(name):
    # torch lets a float32 c_0 through (type promotion makes c_n float64); refusing it is the
    # clear choice here, as for h_0: a silent cast would change the state's precision
    ours = getattr(nn, name)(I, H).double()
    x, shapes = ((randn(L, N, I), [(1, N, H)] * 2) if name == "LSTM"
                 else (randn(N, I), [(N, H)] * 2))
    with pytest.raises(TypeError, match=message(name, "c_0")):
        ours(Tensor(x), states(None, shapes, [np.float64, np.float32]))


def test_lstm_with_projections_refuses_a_hidden_state_of_another_dtype():
    ours = nn.LSTM(I, H, proj_size=2).double()
    theirs = torch.nn.LSTM(I, H, proj_size=2).double()
    x = randn(L, N, I)
    dtypes = [np.float32, np.float64]
    with pytest.raises(Exception):
        theirs(torch.tensor(x), states(torch, [(1, N, 2), (1, N, H)], dtypes))
    with pytest.raises(TypeError, match=message("LSTM", "h_0")):
        ours(Tensor(x), states(None, [(1, N, 2), (1, N, H)], dtypes))


def test_a_packed_sequence_with_a_hidden_state_of_another_dtype_is_refused():
    ours = nn.GRU(I, H).double()
    theirs = torch.nn.GRU(I, H).double()
    x, lengths = randn(L, N, I), np.array([4, 2])
    h0 = randn(1, N, H, dtype=np.float32)
    with pytest.raises(Exception):
        theirs(torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), torch.tensor(lengths)),
               torch.tensor(h0))
    with pytest.raises(TypeError, match=message("GRU", "h_0")):
        ours(pack_padded_sequence(Tensor(x), lengths), Tensor(h0))


def test_a_state_that_is_no_tensor_is_refused():
    with pytest.raises(TypeError, match="GRUCell: hx must be a Tensor, got ndarray"):
        nn.GRUCell(I, H).double()(Tensor(randn(N, I)), randn(N, H))


@pytest.mark.parametrize("name", ["RNN", "GRU", "LSTM"])
def test_states_of_the_right_dtype_still_match_torch(name):
    theirs = getattr(torch.nn, name)(I, H).double()
    ours = getattr(nn, name)(I, H).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = randn(L, N, I)
    shapes = [(1, N, H)] * (2 if name == "LSTM" else 1)
    out, _ = ours(Tensor(x), states(None, shapes, [np.float64] * len(shapes)))
    tout, _ = theirs(torch.tensor(x), states(torch, shapes, [np.float64] * len(shapes)))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
