"""check_model_gradients' per-step rows: where an error injected at one step shows, what the
report prints about it, and what the rows cost."""
import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor
from benchmarks import gradcheck as gc
from nn.tbptt import unroll


class WrongIdentity(autograd.Function):
    """y = x with a 1% error in the VJP."""

    @staticmethod
    def forward(ctx, x):
        return x * 1.0

    @staticmethod
    def backward(ctx, g):
        return (1.01 * g,)


def _rnn_case(inject_at=None, seq_len=4, hidden=3):
    autograd.manual_seed(0)
    rnn = nn.RNN(2, hidden)
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((seq_len, 2, 2)))
    v = rng.standard_normal((seq_len, 2, hidden))

    def loss_fn(m, x):
        return (m(x)[0] * Tensor(v)).sum()

    def probed(m, probe, x):
        def p(state, key):   # the wrong op sits in the update that makes s_k, before its probe
            if key[-1] == inject_at:
                state = WrongIdentity.apply(state)
            return probe(state, key)
        return (unroll(m, x, probe=p)[0] * Tensor(v)).sum()

    return rnn, loss_fn, probed, x


def test_an_error_in_the_update_to_step_k_fails_the_rows_before_k():
    rnn, loss_fn, probed, x = _rnn_case(inject_at=2)
    rep = autograd.check_model_gradients(rnn, loss_fn, (x,), probed_loss_fn=probed)
    assert [(c.t, c.ok) for c in rep.states] == [(0, False), (1, False), (2, True), (3, True)]
    assert rep.latest_failing_steps == {"h[l0]": 1}
    text = str(rep)
    assert "latest failing step: h[l0] t = 1" in text
    legend = " ".join(text.split())
    assert "wrong at every earlier step" in legend
    assert "takes s_k to s_k+1 (or in the output at step k) fails the rows t = 0..k" in legend
    assert rep.step_line() == "h[l0] t = 1"


def test_a_passing_report_prints_no_failing_step():
    rnn, loss_fn, probed, x = _rnn_case()
    rep = autograd.check_model_gradients(rnn, loss_fn, (x,), probed_loss_fn=probed)
    assert rep.ok and rep.latest_failing_steps == {} and rep.step_line() == "-"
    assert "latest failing step:" not in str(rep)


def test_state_rows_sample_four_elements_and_a_direction_by_default():
    rnn, loss_fn, probed, x = _rnn_case(hidden=8)
    calls = []

    def counted(m, probe, x):
        calls.append(1)
        return probed(m, probe, x)

    rep = autograd.check_model_gradients(rnn, loss_fn, (x,), probed_loss_fn=counted)
    assert rep.ok and {c.checked for c in rep.states} == {"4/16+dir"}
    # the documented cost: two forwards per element and per direction, for each state
    assert len(calls) == 1 + len(rep.states) * 2 * (4 + 1)
    # still caught with the sample: the direction covers every element
    rnn, loss_fn, probed, x = _rnn_case(inject_at=3, hidden=8)
    rep = autograd.check_model_gradients(rnn, loss_fn, (x,), probed_loss_fn=probed)
    assert [c.t for c in rep.states if not c.ok] == [0, 1, 2]


def test_cli_prints_the_latest_failing_step_and_the_summary_row_has_it(monkeypatch, capsys):
    import autograd.ops.activation as A
    orig = A.Tanh.backward
    monkeypatch.setattr(A.Tanh, "backward",
                        staticmethod(lambda ctx, g: tuple(1.01 * d for d in orig(ctx, g))))
    assert gc.main(["--model", "lstm", "--seq-len", "3", "--hidden", "3", "--unfused",
                    "--max-state-elements", "2"]) == 1
    out = capsys.readouterr().out
    # h_2 feeds the head only; c_2 passes through tanh(c_2) into h_2
    assert out.count("latest failing step: h[l0] t = 1, c[l0] t = 2") == 2
    row = gc.summary(models=("rnn",), seq_len=3, hidden=3)[0]
    assert row["latest_failing_step"] == "h[l0] t = 1" and not row["ok"]


@pytest.mark.parametrize("bad", [0, -1])
def test_cli_rejects_a_bad_state_sample(bad, capsys):
    with pytest.raises(SystemExit):
        gc.main(["--model", "rnn", "--max-state-elements", str(bad)])
    assert "--max-state-elements must be positive" in capsys.readouterr().err
