"""Recurrent layers against PyTorch (same weights, float64) and finite differences."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Tensor
from nn.rnn import (GRU, LSTM, RNN, GRUCell, GRUSequence, LSTMCell, LSTMSequence, RNNCell,
                    RNNSequence)

torch = pytest.importorskip("torch")

LAYERS = {"lstm": (LSTM, torch.nn.LSTM, {}), "gru": (GRU, torch.nn.GRU, {}),
          "rnn_tanh": (RNN, torch.nn.RNN, {"nonlinearity": "tanh"}),
          "rnn_relu": (RNN, torch.nn.RNN, {"nonlinearity": "relu"})}
CELLS = {"lstm": (LSTMCell, torch.nn.LSTMCell, {}), "gru": (GRUCell, torch.nn.GRUCell, {}),
         "rnn_tanh": (RNNCell, torch.nn.RNNCell, {"nonlinearity": "tanh"}),
         "rnn_relu": (RNNCell, torch.nn.RNNCell, {"nonlinearity": "relu"})}


def copy_from_torch(ours, theirs):
    """Give `ours` (cast to float64) the weights of the float64 torch module `theirs`."""
    ours.double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def assert_close(a, b, what, rtol=1e-8, atol=1e-10):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


def both(arr):
    return Tensor(arr.copy(), requires_grad=True), torch.tensor(arr.copy(), requires_grad=True)


def flat(out):
    """Every tensor in an (output, h) or (output, (h, c)) result, in order."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in flat(o)]
    return [out]


def check_module_against_torch(ours, theirs, inputs, rng):
    """Forward both with the same inputs; contract every output with one random cotangent."""
    ours_in, torch_in = zip(*(both(a) for a in inputs))
    ours_out, torch_out = ours(*_nest(ours_in)), theirs(*_nest(torch_in))
    ours_flat, torch_flat = flat(ours_out), flat(torch_out)
    assert len(ours_flat) == len(torch_flat)
    loss_ours, loss_torch = 0, 0
    for i, (a, b) in enumerate(zip(ours_flat, torch_flat)):
        assert tuple(a.shape) == tuple(b.shape), f"output {i}: {a.shape} vs {tuple(b.shape)}"
        assert_close(a.data, b.detach().numpy(), f"output {i}")
        v = rng.standard_normal(a.shape)
        loss_ours = loss_ours + (a * Tensor(v)).sum()
        loss_torch = loss_torch + (b * torch.tensor(v)).sum()
    loss_ours.backward()
    loss_torch.backward()
    for i, (a, b) in enumerate(zip(ours_in, torch_in)):
        assert_close(a.grad.data, b.grad.numpy(), f"gradient of input {i}")
    params = dict(ours.named_parameters())
    assert set(params) == {n for n, _ in theirs.named_parameters()}
    for name, p in theirs.named_parameters():
        assert_close(params[name].grad.data, p.grad.numpy(), f"gradient of {name}")


def _nest(inputs):
    """(x,), (x, h) or (x, h, c) -> call arguments (x,), (x, h) or (x, (h, c))."""
    return inputs if len(inputs) < 3 else (inputs[0], tuple(inputs[1:]))


@settings(deadline=None, max_examples=30)
@given(kind=st.sampled_from(sorted(LAYERS)), num_layers=st.integers(1, 2),
       bidirectional=st.booleans(), batch_first=st.booleans(), bias=st.booleans(),
       with_state=st.booleans(), batched=st.booleans(), seq=st.integers(1, 4),
       batch=st.integers(1, 3), in_size=st.integers(1, 4), hidden=st.integers(1, 4),
       fused=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_layer_matches_torch(kind, num_layers, bidirectional, batch_first, bias, with_state,
                             batched, seq, batch, in_size, hidden, fused, seed):
    ours_cls, torch_cls, kw = LAYERS[kind]
    opts = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first,
                bias=bias, **kw)
    torch.manual_seed(seed)
    theirs = torch_cls(in_size, hidden, **opts).double()
    ours = ours_cls(in_size, hidden, **opts)
    ours.fused = fused
    copy_from_torch(ours, theirs)
    rng = np.random.default_rng(seed)
    shape = (batch, seq) if batch_first else (seq, batch)
    x = rng.standard_normal((shape + (in_size,)) if batched else (seq, in_size))
    inputs = [x]
    if with_state:
        d = num_layers * (2 if bidirectional else 1)
        state_shape = (d, batch, hidden) if batched else (d, hidden)
        inputs += [rng.standard_normal(state_shape) for _ in range(2 if kind == "lstm" else 1)]
    check_module_against_torch(ours, theirs, inputs, rng)


@settings(deadline=None, max_examples=20)
@given(kind=st.sampled_from(sorted(CELLS)), bias=st.booleans(), with_state=st.booleans(),
       batched=st.booleans(), batch=st.integers(1, 3), in_size=st.integers(1, 4),
       hidden=st.integers(1, 4), seed=st.integers(0, 2 ** 16), fused=st.booleans())
def test_cell_matches_torch(kind, bias, with_state, batched, batch, in_size, hidden, seed, fused):
    ours_cls, torch_cls, kw = CELLS[kind]
    torch.manual_seed(seed)
    theirs = torch_cls(in_size, hidden, bias=bias, **kw).double()
    ours = ours_cls(in_size, hidden, bias=bias, **kw)
    ours.fused = fused
    copy_from_torch(ours, theirs)
    rng = np.random.default_rng(seed)
    lead = (batch,) if batched else ()
    inputs = [rng.standard_normal(lead + (in_size,))]
    if with_state:
        inputs += [rng.standard_normal(lead + (hidden,)) for _ in range(2 if kind == "lstm" else 1)]
    check_module_against_torch(ours, theirs, inputs, rng)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kind", sorted(CELLS))
def test_fused_cell_matches_the_composed_step_in_float32(kind, bias):
    cls, _, kw = CELLS[kind]
    autograd.manual_seed(0)
    cells = [cls(5, 8, bias=bias, **kw), cls(5, 8, bias=bias, **kw)]
    cells[1].load_state_dict(cells[0].state_dict())
    cells[1].fused = False
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 4, 5)).astype(np.float32)
    results = []
    for cell in cells:
        states = [autograd.zeros(4, 8) for _ in range(2 if kind == "lstm" else 1)]
        total = 0
        for t in range(x.shape[0]):      # a few steps: gradients flow through the states
            out = cell(autograd.tensor(x[t]), states[0] if len(states) == 1 else tuple(states))
            states = list(out) if kind == "lstm" else [out]
            total = total + (states[0] * states[0]).sum()
        total.backward()
        results.append([s.data for s in states] + [p.grad.data for p in cell.parameters()])
    for fused, composed in zip(*results):
        assert fused.dtype == np.float32
        np.testing.assert_allclose(fused, composed, rtol=1e-5, atol=1e-6)


def with_parameters(module, names):
    """fn(x, *states_and_params) that runs module with the given tensors as its parameters."""
    def fn(*tensors):
        params, rest = tensors[-len(names):], tensors[:-len(names)]
        for n, t in zip(names, params):
            module._parameters[n] = t
        x, states = rest[0], rest[1:]
        if not states:
            return module(x)
        return module(x, states[0] if len(states) == 1 else tuple(states))
    return fn


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("kind", sorted(CELLS))
def test_cell_gradcheck(kind, fused):
    cls, _, kw = CELLS[kind]
    autograd.manual_seed(0)
    cell = cls(3, 2, **kw).double()
    cell.fused = fused
    names = [n for n, _ in cell.named_parameters()]
    rng = np.random.default_rng(1)
    states = [rng.standard_normal((2, 2)) for _ in range(2 if kind == "lstm" else 1)]
    inputs = [rng.standard_normal((2, 3))] + states + [p.data.copy() for p in cell.parameters()]
    assert autograd.gradcheck(with_parameters(cell, names), inputs, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("fused", [True, False])
def test_lstm_cell_state_feeds_the_hidden_state_as_in_torch(fused):
    # hooks and retain_grad on each step's c' see dL/dc' through h' = o tanh(c') too (the
    # fused cell once kept c' -> h' inside its node: c'.grad and, with a hook that scales it,
    # the parameter gradients differed from torch's)
    torch.manual_seed(0)
    theirs = torch.nn.LSTMCell(3, 4).double()
    ours = LSTMCell(3, 4)
    copy_from_torch(ours, theirs)
    ours.fused = fused
    xs = np.random.default_rng(2).standard_normal((4, 2, 3))

    def run(cell, tensor):
        state, cs = None, []
        for x in xs:
            state = cell(tensor(x), state)
            c = state[1]
            c.retain_grad()
            c.register_hook(lambda g: g * 0.5)
            cs.append(c)
        (state[0].sum() + (state[1] * state[1]).sum()).backward()
        return ([c.grad.detach().numpy() for c in cs],
                [p.grad.detach().numpy() for p in cell.parameters()])

    (c_ours, p_ours), (c_theirs, p_theirs) = run(ours, Tensor), run(theirs, torch.tensor)
    for t, (a, b) in enumerate(zip(c_ours, c_theirs)):
        assert_close(a, b, f"c[{t}].grad")
    for a, b, (name, _) in zip(p_ours, p_theirs, ours.named_parameters()):
        assert_close(a, b, name)


def test_fused_lstm_cell_state_op_second_derivatives():
    from autograd.ops.rnn_cell import LSTMCellState
    rng = np.random.default_rng(3)
    args = [rng.standard_normal(s) for s in [(2, 3), (2, 2), (2, 2), (8, 3), (8, 2), (8,)]]
    assert autograd.gradgradcheck(lambda *a: LSTMCellState.apply(*a), args, atol=1e-6,
                                  rtol=1e-5)


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn_tanh"])
def test_multilayer_bidirectional_gradcheck(kind, fused):
    cls, _, kw = LAYERS[kind]
    autograd.manual_seed(0)
    layer = cls(2, 3, num_layers=2, bidirectional=True, **kw).double()
    layer.fused = fused
    names = [n for n, _ in layer.named_parameters()]
    rng = np.random.default_rng(2)
    states = [rng.standard_normal((4, 2, 3)) for _ in range(2 if kind == "lstm" else 1)]
    inputs = [rng.standard_normal((4, 2, 2))] + states + [p.data.copy() for p in layer.parameters()]
    assert autograd.gradcheck(with_parameters(layer, names), inputs, atol=1e-6, rtol=1e-5,
                              mode="random", n_directions=3)


@settings(deadline=None, max_examples=15)
@given(kind=st.sampled_from(sorted(LAYERS)), num_layers=st.integers(1, 2),
       bidirectional=st.booleans(), bias=st.booleans(), seq=st.integers(1, 6),
       batch=st.integers(1, 3), hidden=st.integers(1, 5), dtype=st.sampled_from(["f4", "f8"]),
       seed=st.integers(0, 2 ** 16))
def test_fused_matches_composed(kind, num_layers, bidirectional, bias, seq, batch, hidden, dtype,
                                seed):
    """The fused sequence ops against the composed per-step graph, their oracle."""
    cls, _, kw = LAYERS[kind]
    autograd.manual_seed(seed)
    layer = cls(3, hidden, num_layers=num_layers, bidirectional=bidirectional, bias=bias,
                **kw).to(np.dtype(dtype))
    rng = np.random.default_rng(seed)
    d = num_layers * (2 if bidirectional else 1)
    arrays = [rng.standard_normal((seq, batch, 3))]
    arrays += [rng.standard_normal((d, batch, hidden)) for _ in range(2 if kind == "lstm" else 1)]
    arrays = [a.astype(dtype) for a in arrays]
    cotangents = None
    results = []
    for fused in (True, False):
        layer.fused = fused
        layer.zero_grad()
        inputs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
        outs = flat(layer(*_nest(inputs)))
        if cotangents is None:
            cotangents = [rng.standard_normal(o.shape).astype(dtype) for o in outs]
        sum((o * Tensor(v)).sum() for o, v in zip(outs, cotangents)).backward()
        assert all(o.dtype == np.dtype(dtype) for o in outs)
        grads = [t.grad.data for t in inputs] + [p.grad.data for p in layer.parameters()]
        assert all(g.dtype == np.dtype(dtype) for g in grads)
        results.append([o.data for o in outs] + grads)
    rtol, atol = (1e-12, 1e-13) if dtype == "f8" else (1e-4, 1e-5)
    for i, (a, b) in enumerate(zip(*results)):
        assert_close(a, b, f"result {i}", rtol=rtol, atol=atol)


@pytest.mark.parametrize("reverse", [False, True])
def test_sequence_ops_gradcheck(reverse):
    rng = np.random.default_rng(4)
    L, N, H = 3, 2, 2
    x = lambda *shape: rng.standard_normal(shape)  # noqa: E731
    lstm_inputs = [x(L, N, 3), x(N, H), x(N, H), x(4 * H, 3), x(4 * H, H)]
    assert autograd.gradcheck(
        lambda *a: LSTMSequence.apply(*a, reverse=reverse),
        lstm_inputs + [x(4 * H), x(4 * H)], atol=1e-7, rtol=1e-6)
    assert autograd.gradcheck(                   # bias=False: no bias inputs at all
        lambda *a: LSTMSequence.apply(*a, reverse=reverse), lstm_inputs, atol=1e-7, rtol=1e-6)
    gru_inputs = [x(L, N, 3), x(N, H), x(3 * H, 3), x(3 * H, H)]
    for biases in ([x(3 * H), x(3 * H)], []):
        assert autograd.gradcheck(lambda *a: GRUSequence.apply(*a, reverse=reverse),
                                  gru_inputs + biases, atol=1e-7, rtol=1e-6)
    rnn_inputs = [x(L, N, 3), x(N, H) + 0.1, x(H, 3), x(H, H)]
    for relu in (False, True):
        for biases in ([x(H), x(H)], []):
            assert autograd.gradcheck(
                lambda *a: RNNSequence.apply(*a, reverse=reverse, relu=relu),
                rnn_inputs + biases, atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize("reverse", [False, True])
def test_lstm_sequence_with_every_cell_state(reverse):
    """cells=True: (2L, N, H), the hidden states then each step's cell state; the last cell
    state equals the default output's final one, and every step's gradient checks."""
    rng = np.random.default_rng(5)
    L, N, H = 4, 2, 3
    args = [rng.standard_normal(s) for s in [(L, N, 2), (N, H), (N, H), (4 * H, 2), (4 * H, H),
                                             (4 * H,)]]
    both = LSTMSequence.apply(*[Tensor(a) for a in args], reverse=reverse, cells=True)
    plain = LSTMSequence.apply(*[Tensor(a) for a in args], reverse=reverse)
    assert both.shape == (2 * L, N, H)
    np.testing.assert_array_equal(both.data[:L], plain.data[:L])
    np.testing.assert_array_equal(both.data[L + (0 if reverse else L - 1)], plain.data[L])
    assert autograd.gradcheck(lambda *a: LSTMSequence.apply(*a, reverse=reverse, cells=True),
                              args, atol=1e-7, rtol=1e-6)


def test_small_lstm_full_gradcheck_per_time_step():
    layer = LSTM(2, 2).double()
    x = np.random.default_rng(3).standard_normal((3, 1, 2))
    assert autograd.gradcheck(lambda x: layer(x)[0], [x], atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_float32_stays_float32(kind):
    cls, _, kw = LAYERS[kind]
    layer = cls(3, 4, num_layers=2, bidirectional=True, **kw)
    x = Tensor(np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32),
               requires_grad=True)
    out, h = layer(x)
    for t in flat((out, h)):
        assert t.dtype == np.float32
    (out.sum() + flat(h)[0].sum()).backward()
    assert x.grad.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in layer.parameters())


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_parameter_names_shapes_and_init(kind):
    cls, torch_cls, kw = LAYERS[kind]
    autograd.manual_seed(7)
    ours = cls(3, 5, num_layers=2, bidirectional=True, **kw)
    theirs = torch_cls(3, 5, num_layers=2, bidirectional=True, **kw)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    bound = 1 / np.sqrt(5)
    for p in ours.parameters():
        assert p.dtype == np.float32 and np.all(np.abs(p.data) <= bound)
    autograd.manual_seed(7)
    again = cls(3, 5, num_layers=2, bidirectional=True, **kw)
    for a, b in zip(ours.parameters(), again.parameters()):
        np.testing.assert_array_equal(a.data, b.data)


def test_dropout_between_layers_only_in_training():
    autograd.manual_seed(0)
    layer = LSTM(3, 4, num_layers=3, dropout=0.5).double()
    plain = LSTM(3, 4, num_layers=3).double()
    plain.load_state_dict(layer.state_dict())
    x = Tensor(np.random.default_rng(0).standard_normal((4, 2, 3)))
    expected = plain(x)[0].data
    layer.eval()
    np.testing.assert_array_equal(layer(x)[0].data, expected)
    layer.train()
    first, second = layer(x)[0].data, layer(x)[0].data
    assert not np.allclose(first, expected) and not np.allclose(first, second)
    one_layer = LSTM(3, 4, num_layers=1, dropout=0.5).double()
    np.testing.assert_array_equal(one_layer(x)[0].data, one_layer(x)[0].data)


def test_final_state_of_reverse_direction_is_first_output():
    layer = GRU(2, 3, bidirectional=True).double()
    x = Tensor(np.random.default_rng(0).standard_normal((5, 2, 2)))
    out, h = layer(x)
    np.testing.assert_array_equal(h.data[0], out.data[-1, :, :3])
    np.testing.assert_array_equal(h.data[1], out.data[0, :, 3:])


def test_bad_inputs_give_clear_errors():
    layer = LSTM(3, 4)
    with pytest.raises(ValueError, match=r"LSTM.*\(5, 2, 7\)"):
        layer(Tensor(np.zeros((5, 2, 7), np.float32)))
    with pytest.raises(ValueError, match=r"LSTM.*\(5, 2, 3, 1\)"):
        layer(Tensor(np.zeros((5, 2, 3, 1), np.float32)))
    with pytest.raises(ValueError, match=r"sequence length must be positive.*\(0, 2, 3\)"):
        layer(Tensor(np.zeros((0, 2, 3), np.float32)))
    with pytest.raises(TypeError, match=r"LSTM.*float64.*float32"):
        layer(Tensor(np.zeros((5, 2, 3))))
    h = Tensor(np.zeros((2, 2, 4), np.float32))
    with pytest.raises(ValueError, match=r"h_0.*\(1, 2, 4\).*\(2, 2, 4\)"):
        layer(Tensor(np.zeros((5, 2, 3), np.float32)), (h, h))
    with pytest.raises(ValueError, match="LSTM: hx must be a tuple"):
        layer(Tensor(np.zeros((5, 2, 3), np.float32)), h)
    with pytest.raises(ValueError, match="nonlinearity"):
        RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        LSTM(3, 4, proj_size=4)
    assert LSTM(3, 4, dtype=np.float64).weight_hh_l0.dtype == np.float64
    assert RNNCell(3, 4, dtype=np.float64).weight_ih.dtype == np.float64
    with pytest.raises(ValueError, match=r"GRUCell.*\(2, 5\)"):
        GRUCell(3, 4)(Tensor(np.zeros((2, 5), np.float32)))
    with pytest.raises(ValueError, match=r"LSTMCell.*state of shape \(2, 4\)"):
        LSTMCell(3, 4)(Tensor(np.zeros((2, 3), np.float32)),
                       (Tensor(np.zeros((2, 5), np.float32)),) * 2)


def test_torch_base_classes_answer_isinstance():
    import nn
    for layer in (LSTM(2, 3), GRU(2, 3), RNN(2, 3)):
        assert isinstance(layer, nn.RNNBase) and not isinstance(layer, nn.RNNCellBase)
    for cell in (LSTMCell(2, 3), GRUCell(2, 3), RNNCell(2, 3)):
        assert isinstance(cell, nn.RNNCellBase) and not isinstance(cell, nn.RNNBase)
