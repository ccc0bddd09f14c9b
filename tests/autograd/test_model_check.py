"""autograd.check_model_gradients: every recurrent model passes in float64, the report names
what it checked, the user's model is left alone, and per-step dL/dh_t match torch."""
import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor
from autograd.model_check import StateProbe, finite_difference_grad, float64_copy
from nn.tbptt import unroll

RECURRENT = [
    (nn.RNN, dict(nonlinearity="tanh")),
    (nn.RNN, dict(nonlinearity="relu")),
    (nn.LSTM, {}),
    (nn.GRU, {}),
    (nn.RNN, dict(num_layers=2)),
    (nn.LSTM, dict(num_layers=2)),
    (nn.GRU, dict(bidirectional=True)),
    (nn.LSTM, dict(bidirectional=True)),
    (nn.GRU, dict(num_layers=2, bidirectional=True, batch_first=True)),
    (nn.LSTM, dict(bias=False)),
]


def _case(cls, kw, seq_len=4, batch=2, in_size=3, hidden=3, seed=0):
    autograd.manual_seed(seed)
    rnn = cls(in_size, hidden, **kw)
    rng = np.random.default_rng(seed)
    shape = (batch, seq_len, in_size) if kw.get("batch_first") else (seq_len, batch, in_size)
    x = Tensor(rng.standard_normal(shape).astype(np.float32))
    v = rng.standard_normal(shape[:2] + (hidden * rnn.num_directions,))

    def loss_fn(m, x):
        out, _ = m(x)
        return (out * Tensor(v)).sum() + (out ** 2).mean()

    def probed(m, probe, x):
        out, _ = unroll(m, x, probe=probe)
        return (out * Tensor(v)).sum() + (out ** 2).mean()

    return rnn, loss_fn, probed, x


@pytest.mark.parametrize("cls,kw", RECURRENT, ids=lambda a: getattr(a, "__name__", str(a)))
def test_every_recurrent_model_passes(cls, kw):
    rnn, loss_fn, probed, x = _case(cls, kw)
    rep = autograd.check_model_gradients(rnn, loss_fn, (x,), probed_loss_fn=probed)
    assert rep.ok, str(rep)
    assert [c.name for c in rep.params] == [n for n, _ in rnn.named_parameters()]
    n_states = x.shape[1 if kw.get("batch_first") else 0] * rnn.num_layers * rnn.num_directions
    n_states *= 2 if cls is nn.LSTM else 1
    assert len(rep.states) == n_states
    assert rep.worst_rel_error < 1e-5
    assert all(c.grad_norm > 0 for c in rep.states)


def test_report_table_and_sampling():
    rnn, loss_fn, probed, x = _case(nn.LSTM, {}, hidden=5)
    rep = autograd.check_model_gradients(rnn, loss_fn, (x,), probed_loss_fn=probed,
                                         max_elements_per_param=10, max_elements_per_state=4)
    text = str(rep)
    assert "PASS" in text and "max abs err" in text and "|dL/ds_t|" in text
    for name, _ in rnn.named_parameters():
        assert name in text
    w = next(c for c in rep.params if c.name == "weight_hh_l0")
    assert w.shape == (20, 5) and w.checked == "10/100+dir"
    assert next(c for c in rep.states if c.name == "h[l0]").checked == "4/10+dir"
    # h before c, and time steps in order
    order = [(c.name, c.t) for c in rep.states]
    assert order[:5] == [("h[l0]", t) for t in range(4)] + [("c[l0]", 0)]
    again = autograd.check_model_gradients(rnn, loss_fn, (x,), probed_loss_fn=probed,
                                           max_elements_per_param=10, max_elements_per_state=4)
    assert [(c.max_abs_err, c.checked) for c in again.params] == \
        [(c.max_abs_err, c.checked) for c in rep.params]


def test_users_model_is_not_touched():
    rnn, loss_fn, probed, x = _case(nn.GRU, {})
    before = {n: p.data.copy() for n, p in rnn.named_parameters()}
    rep = autograd.check_model_gradients(rnn, loss_fn, (x,), probed_loss_fn=probed)
    assert rep.ok
    for n, p in rnn.named_parameters():
        assert p.dtype == np.float32 and p.grad is None
        np.testing.assert_array_equal(p.data, before[n])
    assert x.dtype == np.float32 and rnn.training


def test_float64_copy_is_independent():
    rnn = nn.LSTM(2, 3)
    m = float64_copy(rnn)
    for (_, p), (_, q) in zip(rnn.named_parameters(), m.named_parameters()):
        assert q.dtype == np.float64 and not np.shares_memory(p.data, q.data)
        np.testing.assert_array_equal(q.data, p.data.astype(np.float64))
    assert not m.training


def test_wrong_gradient_is_caught_and_named():
    """A hand-made Function with a deliberately wrong VJP inside one model."""
    class BadScale(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, g):
            return (2.02 * g,)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(3, 3)
            self.b = nn.Linear(3, 1)

        def forward(self, x):
            return self.b(BadScale.apply(self.a(x)))

    x = Tensor(np.random.default_rng(0).standard_normal((4, 3)))
    rep = autograd.check_model_gradients(Net(), lambda m, x: (m(x) ** 2).sum(), (x,))
    assert not rep.ok
    assert rep.failed == ["a.weight", "a.bias"]
    assert "FAIL" in str(rep) and "NO" in str(rep)


def test_probed_forward_that_differs_is_reported():
    rnn, loss_fn, probed, x = _case(nn.RNN, {})
    rep = autograd.check_model_gradients(
        rnn, loss_fn, (x,), probed_loss_fn=lambda m, p, x: probed(m, p, x) * 1.5)
    assert not rep.ok and rep.problems and "do not compute the same function" in rep.problems[0]
    assert len(rep.problems) == 1   # the ops the two graphs do not share are not blamed


def test_a_probed_loss_that_never_probes_fails_and_says_so():
    rnn, loss_fn, _, x = _case(nn.LSTM, {})
    rep = autograd.check_model_gradients(rnn, loss_fn, (x,),
                                         probed_loss_fn=lambda m, p, x: loss_fn(m, x))
    assert not rep.ok and not rep.states
    assert any("never called its probe" in p for p in rep.problems), str(rep)


def test_a_random_loss_is_named_as_the_cause():
    import nn.functional as F
    rnn, _, _, x = _case(nn.GRU, {})
    rep = autograd.check_model_gradients(
        rnn, lambda m, x: F.dropout(m(x)[0], 0.5, training=True).sum(), (x,))
    assert not rep.ok and "deterministic" in rep.problems[0], str(rep)


def test_recurrent_dropout_on_one_layer_warns_as_torch():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.GRU(3, 4, dropout=0.5)


def test_per_step_gradients_match_torch():
    torch = pytest.importorskip("torch")
    rnn, _, _, _ = _case(nn.RNN, {})
    m = float64_copy(rnn)
    x = np.random.default_rng(1).standard_normal((5, 2, 3))
    probe = StateProbe()
    out, _ = unroll(m, Tensor(x), probe=probe)
    (out ** 3).sum().backward()
    w = {n: torch.tensor(p.data, requires_grad=True) for n, p in m.named_parameters()}
    h, hs = torch.zeros(2, 3, dtype=torch.float64), []
    for t in range(5):
        h = torch.tanh(torch.tensor(x[t]) @ w["weight_ih_l0"].T + w["bias_ih_l0"]
                       + h @ w["weight_hh_l0"].T + w["bias_hh_l0"])
        h.retain_grad()
        hs.append(h)
    (torch.stack(hs) ** 3).sum().backward()
    for t in range(5):
        np.testing.assert_allclose(probe.leaves[("h", 0, 0, t)].grad.data, hs[t].grad.numpy(),
                                   rtol=1e-10, atol=1e-12)


def test_finite_difference_grad_and_bad_loss():
    a = np.array([[0.5, -1.0], [2.0, 0.25]])
    g = finite_difference_grad(lambda: float(np.sum(np.sin(a) * a)), a)
    np.testing.assert_allclose(g, np.cos(a) * a + np.sin(a), rtol=1e-8)
    with pytest.raises(ValueError, match="scalar Tensor"):
        autograd.check_model_gradients(nn.Linear(2, 2), lambda m, x: m(x), (Tensor(a),))


def test_frozen_parameters_are_skipped_and_limits_validated():
    rnn, loss_fn, _, x = _case(nn.GRU, {})
    rnn.bias_hh_l0.requires_grad_(False)
    rep = autograd.check_model_gradients(rnn, loss_fn, (x,))
    assert rep.ok and "bias_hh_l0" not in [c.name for c in rep.params] and len(rep.params) == 3
    with pytest.raises(ValueError, match="max_elements_per_param"):
        autograd.check_model_gradients(rnn, loss_fn, (x,), max_elements_per_param=0)


def test_probe_shape_mismatch_is_an_error():
    probe = StateProbe()
    probe(Tensor(np.zeros((2, 3))), "k")
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        probe(Tensor(np.zeros((3, 3))), "k")


def _lstm_with_state(seed=0):
    autograd.manual_seed(seed)
    rnn = nn.LSTM(3, 2)
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal((3, 2, 3)).astype(np.float32))
    h0, c0 = (rng.standard_normal((1, 2, 2)).astype(np.float32) for _ in range(2))

    def loss_fn(m, x, h0, c0):
        return (m(x, (h0, c0))[0] ** 2).sum()

    def probed(m, probe, x, h0, c0):
        return (unroll(m, x, (h0, c0), probe=probe)[0] ** 2).sum()

    return rnn, loss_fn, probed, (x, Tensor(h0), Tensor(c0))


def test_input_and_initial_state_gradients_are_checked():
    rnn, loss_fn, probed, inputs = _lstm_with_state()
    rep = autograd.check_model_gradients(rnn, loss_fn, inputs, probed_loss_fn=probed,
                                         check_inputs=("x", "c0"),
                                         input_names=("x", "h0", "c0"), probed_name="unrolled")
    assert rep.ok, str(rep)
    assert [(c.name, c.shape, c.checked) for c in rep.inputs] == \
        [("x", (3, 2, 3), "18/18"), ("c0", (1, 2, 2), "4/4")]
    assert all(c.agrees and c.probed_ok for c in rep.params + rep.inputs)
    text = str(rep)
    assert "\ninput " in text and "vs unrolled" in text
    assert "of the unrolled forward (probed_loss_fn)" in text and "LSTMSequence" in text
    assert inputs[0].dtype == np.float32 and inputs[0].grad is None   # the caller's are untouched
    everything = autograd.check_model_gradients(rnn, loss_fn, inputs, check_inputs=True)
    assert [c.name for c in everything.inputs] == ["input[0]", "input[1]", "input[2]"]
    assert all(c.agrees is None for c in everything.params)   # no probed forward to compare
    assert "vs " not in str(everything)


def test_check_inputs_is_validated():
    rnn, loss_fn, _, inputs = _lstm_with_state()
    with pytest.raises(ValueError, match="check_inputs entry 'y'"):
        autograd.check_model_gradients(rnn, loss_fn, inputs, check_inputs=("y",),
                                       input_names=("x", "h0", "c0"))
    with pytest.raises(ValueError, match="input_names"):
        autograd.check_model_gradients(rnn, loss_fn, inputs, input_names=("x",))
    with pytest.raises(ValueError, match="check_inputs entry 3"):
        autograd.check_model_gradients(rnn, loss_fn, inputs, check_inputs=(3,))


def test_a_wrong_initial_state_gradient_is_caught():
    """An op whose VJP drops its second input's gradient: only that input's row fails."""
    class AddState(autograd.Function):
        @staticmethod
        def forward(ctx, x, h):
            return x + h

        @staticmethod
        def backward(ctx, g):
            return g, np.zeros_like(g)

    def loss_fn(m, x, h):
        return (m(AddState.apply(x, h)) ** 2).sum()

    def probed(m, probe, x, h):
        return (m(probe(x + h, ("s", 0))) ** 2).sum()

    rng = np.random.default_rng(0)
    x, h = Tensor(rng.standard_normal((2, 3))), Tensor(rng.standard_normal((2, 3)))
    rep = autograd.check_model_gradients(nn.Linear(3, 2), loss_fn, (x, h), probed_loss_fn=probed,
                                         check_inputs=True, input_names=("x", "h"))
    assert rep.failed == [] and rep.failed_inputs == ["h"] and rep.disagree == ["h"]
    assert rep.model_only_ops == [f"AddState ({__name__})"]
    assert "side with the probed forward" in rep.problems[0] and "AddState" in rep.problems[0]
