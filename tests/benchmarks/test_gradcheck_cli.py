"""python -m benchmarks.gradcheck: passes on every model and seq2seq attention type, and fails,
naming the parameters, when one VJP is broken on purpose."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd.ops.activation as A
import nn.rnn as rnn
from benchmarks import gradcheck as gc

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("argv", [
    ["--model", "rnn"],
    ["--model", "rnn", "--nonlinearity", "relu", "--layers", "2"],
    ["--model", "lstm", "--bidirectional"],
    ["--model", "gru", "--layers", "2"],
    ["--model", "seq2seq", "--attention", "dot"],
    ["--model", "seq2seq", "--attention", "general", "--cell", "gru"],
    ["--model", "seq2seq", "--attention", "additive", "--bidirectional"],
    ["--model", "seq2seq", "--attention", "none", "--cell", "gru"],
])
def test_cli_passes(argv, capsys):
    assert gc.main(argv + ["--seq-len", "3", "--hidden", "3"]) == 0
    out = capsys.readouterr().out
    assert "PASS" in out and "parameter" in out and "|dL/ds_t|" in out and "vs unrolled" in out
    assert " NO" not in out
    if "seq2seq" not in argv:   # x and the nonzero initial state are checked too
        assert "\ninput " in out and "\nx " in out and "\nh0 " in out


def test_seq2seq_tables_cover_encoder_and_decoder_steps():
    rep = gc.run_case(gc.build_case("seq2seq", seq_len=3, hidden=3, attention="additive"))
    assert rep.ok, str(rep)
    names = {c.name for c in rep.states}
    assert names == {"enc h[l0]", "enc c[l0]", "dec h[l0]", "dec c[l0]"}
    assert {c.t for c in rep.states if c.name == "dec h[l0]"} == {0, 1, 2}
    assert any(c.name == "decoder.attention.v.weight" for c in rep.params)


def _broken_tanh(monkeypatch):
    orig = A.Tanh.backward

    def backward(ctx, g):
        return tuple(1.01 * d for d in orig(ctx, g))

    monkeypatch.setattr(A.Tanh, "backward", staticmethod(backward))


def test_broken_vjp_fails_and_names_the_parameters(monkeypatch, capsys):
    _broken_tanh(monkeypatch)
    rep = gc.run_case(gc.build_case("rnn", seq_len=4, hidden=3, unfused=True))
    assert not rep.ok
    assert rep.failed == ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0",
                          "rnn.bias_hh_l0"]   # the head comes after the last tanh: unaffected
    # dL/dh_3 comes straight from the head; every earlier step passed through a tanh VJP
    assert [(c.t, c.ok) for c in rep.states] == [(0, False), (1, False), (2, False), (3, True)]
    assert gc.main(["--model", "lstm", "--seq-len", "3", "--hidden", "3", "--unfused"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "failed parameters: rnn.weight_ih_l0" in out
    assert "latest failing step: h[l0] t = 1, c[l0] t = 2" in out
    rows = gc.summary(models=("gru", "seq2seq"), attentions=("additive",), seq_len=3, hidden=3)
    assert [r["ok"] for r in rows] == [False, False]
    assert all(r["worst_rel_error"] > 1e-4 for r in rows)   # passing runs stay below 1e-5


def test_broken_tanh_with_fused_layers(monkeypatch):
    """The fused RNN op has its own VJP, so a broken Tanh misses its parameters but not the
    unrolled per-step graph; in seq2seq it reaches the additive attention's parameters."""
    _broken_tanh(monkeypatch)
    rep = gc.run_case(gc.build_case("rnn", seq_len=4, hidden=3))
    assert rep.failed == [] and rep.failed_inputs == [] and not rep.ok
    assert [c.t for c in rep.states if not c.ok] == [0, 1, 2]
    # the unrolled graph's parameter gradients differ, and finite differences say it is wrong
    assert "rnn.weight_hh_l0" in rep.disagree and "head.bias" not in rep.disagree
    assert "side with the model's forward" in rep.problems[0]
    assert any(op.startswith("Tanh ") for op in rep.probed_only_ops)
    rep = gc.run_case(gc.build_case("seq2seq", seq_len=3, hidden=3, attention="additive"))
    assert "decoder.attention.query_proj.weight" in rep.failed
    assert "decoder.out.bias" not in rep.failed


def test_broken_fused_vjp_is_caught_on_the_parameters(monkeypatch):
    orig = rnn.RNNSequence.backward

    def backward(ctx, g):
        dx, dh, dw_ih, dw_hh, *db = orig(ctx, g)
        return (dx, dh, dw_ih, 1.01 * dw_hh, *db)

    monkeypatch.setattr(rnn.RNNSequence, "backward", staticmethod(backward))
    rep = gc.run_case(gc.build_case("rnn", seq_len=4, hidden=3))
    assert rep.failed == ["rnn.weight_hh_l0"] and rep.disagree == ["rnn.weight_hh_l0"]
    assert all(c.ok for c in rep.states)   # the unrolled graph does not use the fused op
    assert rep.model_only_ops == ["RNNSequence (autograd.ops.rnn)"]
    assert "RNNSequence" in rep.problems[0]


def test_summary_rows():
    # (every attention type passes through the command line above; one row of seq2seq here)
    rows = gc.summary(models=("rnn", "seq2seq"), attentions=("general",), seq_len=3, hidden=3)
    assert [r["model"] for r in rows] == ["rnn-tanh", "seq2seq-lstm-general"]
    for r in rows:
        assert r["ok"] and r["params_checked"] >= 6 and r["states_checked"] > 0
        assert r["agrees_with_unrolled"]
        assert r["inputs_checked"] == (2 if r["model"] == "rnn-tanh" else 0)   # x, h0
        assert 0 <= r["worst_rel_error"] < 1e-5


def test_bad_arguments_exit_with_usage():
    with pytest.raises(SystemExit) as e:
        gc.main(["--model", "rnn", "--seq-len", "0"])
    assert e.value.code == 2
    with pytest.raises(SystemExit):
        gc.main(["--model", "transformer"])
    with pytest.raises(ValueError, match="attention"):
        gc.build_case("seq2seq", attention="cosine")


def test_module_entry_point_exit_status():
    proc = subprocess.run([sys.executable, "-m", "benchmarks.gradcheck", "--model", "gru",
                           "--seq-len", "3", "--hidden", "2"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "gradient check of gru" in proc.stdout and "PASS" in proc.stdout
    assert np.isfinite(float(proc.stdout.split("loss ")[1].split(":")[0]))
