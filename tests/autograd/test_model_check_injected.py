"""check_model_gradients and python -m benchmarks.gradcheck against bugs injected into the
fused recurrent ops' backward (monkeypatched here, autograd/ops/rnn.py untouched): each bug
fails the check, which names the tensors it corrupts and the fused op; the real code passes."""
import numpy as np
import pytest

import autograd.ops.rnn as R
from benchmarks import gradcheck as gc

LSTM_PARAMS = ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0"]
OP = {"lstm": "LSTMSequence", "gru": "GRUSequence", "rnn": "RNNSequence"}
CLASSES = {"lstm": R.LSTMSequence, "gru": R.GRUSequence, "rnn": R.RNNSequence}


def _scale_dc_carry(monkeypatch, model):
    """dc *= 1.05 after every step of the LSTM cell's backward: the cell-state carry."""
    orig = R.rnn_kernels.lstm_cell_backward

    def cell_backward(acts, tc, c_all, t, c_first, prev_t, g_t, dh, dc, *rest):
        orig(acts, tc, c_all, t, c_first, prev_t, g_t, dh, dc, *rest)
        dc *= 1.05

    monkeypatch.setattr(R.rnn_kernels, "lstm_cell_backward", cell_backward)


def _patch_backward(monkeypatch, model, change, one_step_only=False):
    cls = CLASSES[model]
    orig = cls.backward

    def backward(ctx, grad):
        out = list(orig(ctx, grad))
        if not one_step_only or out[0].shape[0] == 1:   # out[0]: (L, N, ...) of the input
            change(out)
        return tuple(out)

    monkeypatch.setattr(cls, "backward", staticmethod(backward))


def _scale_dx(monkeypatch, model, **kw):
    def change(out):
        out[0] = out[0] * 1.5
    _patch_backward(monkeypatch, model, change, **kw)


def _zero_initial_state_grads(monkeypatch, model, **kw):
    def change(out):
        for i in ((1, 2) if model == "lstm" else (1,)):
            out[i] = np.zeros_like(out[i])
    _patch_backward(monkeypatch, model, change, **kw)


def _drop_h0_from_weight_grad(monkeypatch, model):
    """sum_t dxp_t^T h_{t-1} without the t = 0 term, h_{-1} = h0 (LSTM and GRU only)."""
    def recurrent_weight_grad(dxpt, hs_seq, h0, reverse):
        n, hs = h0.shape[0], hs_seq.reshape(-1, h0.shape[1])
        return dxpt[:, :-n] @ hs[n:] if reverse else dxpt[:, n:] @ hs[:-n]

    monkeypatch.setattr(R, "_recurrent_weight_grad", recurrent_weight_grad)


BUGS = {"dc carry": _scale_dc_carry, "dx": _scale_dx, "dh0": _zero_initial_state_grads,
        "h0 in dW_hh": _drop_h0_from_weight_grad}

# (model, bug, failed parameters, failed inputs); the head is past the recurrent op: unaffected
CASES = [
    ("lstm", "dc carry", LSTM_PARAMS, ["x", "h0", "c0"]),
    ("lstm", "dx", [], ["x"]),
    ("lstm", "dh0", [], ["h0", "c0"]),
    ("lstm", "h0 in dW_hh", ["rnn.weight_hh_l0"], []),
    ("gru", "dx", [], ["x"]),
    ("gru", "dh0", [], ["h0"]),
    ("gru", "h0 in dW_hh", ["rnn.weight_hh_l0"], []),
    ("rnn", "dx", [], ["x"]),
    ("rnn", "dh0", [], ["h0"]),
]


@pytest.mark.parametrize("model,bug,params,inputs", CASES, ids=lambda a: str(a))
def test_injected_fused_bug_fails_and_names_the_op(monkeypatch, model, bug, params, inputs):
    BUGS[bug](monkeypatch, model)
    rep = gc.run_case(gc.build_case(model, seq_len=3, hidden=2))
    assert not rep.ok
    assert rep.failed == params and rep.failed_inputs == inputs
    assert rep.disagree == params + inputs      # the unrolled graph's gradient differs too
    op = f"{OP[model]} (autograd.ops.rnn)"
    assert rep.model_only_ops == [op]
    assert len(rep.problems) == 1
    assert "side with the unrolled forward" in rep.problems[0] and op in rep.problems[0]
    # the state rows differentiate the unrolled graph, which never runs the fused op
    assert rep.states and all(c.ok for c in rep.states)


def test_cli_points_at_the_fused_op(monkeypatch, capsys):
    _scale_dc_carry(monkeypatch, "lstm")
    assert gc.main(["--model", "lstm", "--seq-len", "3", "--hidden", "2"]) == 1
    out = capsys.readouterr().out
    assert "failed parameters: rnn.weight_ih_l0" in out and "failed inputs: x, h0, c0" in out
    assert "latest failing step: - (the state rows differentiate the unrolled graph only)" in out
    assert "the model's forward disagrees with the unrolled graph on rnn.weight_ih_l0" in out
    assert "ops only in the model's graph: LSTMSequence (autograd.ops.rnn)" in out
    assert "h0                (1, 2, 2)" in out


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("bug", ["dx", "dh0"])
def test_seq2seq_covers_the_one_step_decoder(monkeypatch, cell, bug):
    """The bug only in one-step calls (the decoder's; the encoder runs 3 steps at once)."""
    BUGS[bug](monkeypatch, cell, one_step_only=True)
    rep = gc.run_case(gc.build_case("seq2seq", seq_len=3, hidden=2, attention="dot", cell=cell))
    assert not rep.ok
    must = "decoder.embedding.weight" if bug == "dx" else "decoder.rnn.weight_hh_l0"
    assert must in rep.failed and must in rep.disagree
    assert "decoder.out.bias" not in rep.failed
    assert rep.model_only_ops == [f"{OP[cell]} (autograd.ops.rnn)"]


@pytest.mark.parametrize("model,kw", [("lstm", {}), ("gru", dict(num_layers=2)),
                                      ("rnn", dict(bidirectional=True)),
                                      ("lstm", dict(unfused=True))], ids=str)
def test_correct_code_passes_with_inputs_and_initial_states(model, kw):
    rep = gc.run_case(gc.build_case(model, seq_len=3, hidden=2, **kw))
    assert rep.ok, str(rep)
    assert [c.name for c in rep.inputs] == ["x", "h0", "c0"][:3 if model == "lstm" else 2]
    h0 = next(c for c in rep.inputs if c.name == "h0")
    n_states = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    assert h0.shape == (n_states, 2, 2) and h0.grad_norm > 0
    assert all(c.agrees for c in rep.params + rep.inputs)
    assert all(c.vs_probed < 1e-12 for c in rep.params + rep.inputs)
