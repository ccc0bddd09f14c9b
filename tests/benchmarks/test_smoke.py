"""`python -m benchmarks --tiny` end to end, and the command line's handling of skips and errors."""
import json

import pytest

from benchmarks import cli, sections
from benchmarks.util import Missing, lookup


def test_tiny_run_writes_report_and_results(tiny_run):   # the run: see conftest.py
    proc, res, md = tiny_run
    for heading in ("# Benchmark report", "## Training", "## Speed", "## BPTT gradient checks",
                    "## Errors", "## Plots"):
        assert heading in md
    assert res["mode"] == "tiny" and res["errors"] == []
    assert set(res["sections"]) == set(sections.SECTIONS)
    trained = {(r["section"], r["dataset"]) for r in res["training"]}
    for key in [("perceptron", "iris-setosa"), ("perceptron", "breast-cancer"),
                ("mlp", "digits"), ("mlp", "mnist1d"), ("cnn", "digits"), ("cnn", "mnist1d"),
                ("rnn", "mnist1d"), ("seq2seq", "dates"), ("transformer", "mnist1d"),
                ("fashion", "fashion-mnist")]:
        assert key in trained, key
    for r in res["training"]:
        assert r["status"] == "ok" or r["status"].startswith("skipped: "), r
        if r["status"] == "ok":
            assert 0.0 <= r["test_acc"] <= 1.0
    assert [r["key"] for r in res["speed"]][:3] == ["W1", "W1-nn", "W2"]
    assert {"W1", "W3", "W4", "W5"} <= {r["key"] for r in res["speed"] if "ours_ms" in r}
    assert res["gradcheck"] is not None
    assert "speed (ms/step)" in proc.stdout and "W5" in proc.stdout


def test_missing_module_skips_its_rows_and_the_run_succeeds(tmp_path, monkeypatch, capsys):
    def absent(*names):
        raise Missing(names[0])
    monkeypatch.setattr("benchmarks.models.need", absent)
    code = cli.main(["--tiny", "--quiet", "--only", "mlp,perceptron", "--out", str(tmp_path)])
    assert code == 0
    res = json.loads((tmp_path / "results.json").read_text())
    mlp_rows = [r for r in res["training"] if r["section"] == "mlp"]
    assert len(mlp_rows) == 2
    assert all(r["status"] == "skipped: nn.Linear missing" for r in mlp_rows)
    assert "skipped: nn.Linear missing" in capsys.readouterr().out
    assert "skipped: nn.Linear missing" in (tmp_path / "report.md").read_text()


def test_a_failing_section_is_reported_and_the_exit_code_says_so(tmp_path, monkeypatch):
    def broken(ctx):
        raise RuntimeError("boom in a layer")
    monkeypatch.setitem(sections.SECTIONS, "perceptron", broken)
    code = cli.main(["--tiny", "--quiet", "--only", "perceptron", "--out", str(tmp_path)])
    assert code == 1
    res = json.loads((tmp_path / "results.json").read_text())
    assert res["errors"] == [{"section": "perceptron", "error": "RuntimeError: boom in a layer"}]
    assert "boom in a layer" in (tmp_path / "report.md").read_text()


def test_arguments():
    a = cli.parse_args([])
    assert a.mode == "quick" and a.threads == 2 and a.out == "bench-out"
    assert a.sections == list(sections.SECTIONS)
    a = cli.parse_args(["--full", "--only", "speed, rnn", "--threads", "1"])
    assert a.mode == "full" and a.sections == ["speed", "rnn"] and a.threads == 1
    for bad in (["--only", "nope"], ["--threads", "0"], ["--tiny", "--full"]):
        with pytest.raises(SystemExit) as e:
            cli.parse_args(bad)
        assert e.value.code == 2


def test_lookup_finds_names_and_reports_missing_ones():
    from nn import Module
    assert lookup("nn.Module") is Module
    assert lookup("autograd.data.DataLoader").__name__ == "DataLoader"
    with pytest.raises(Missing, match="nn.NoSuchLayer"):
        lookup("nn.NoSuchLayer")
    with pytest.raises(Missing, match="nosuchpackage.X"):
        lookup("nosuchpackage.X")


def test_a_failed_gradient_check_fails_the_run(tmp_path, monkeypatch):
    monkeypatch.setitem(sections.SECTIONS, "gradcheck", lambda ctx: [
        {"model": "lstm", "worst_rel_error": 1e-9, "ok": True},
        {"model": "gru", "worst_rel_error": 0.3, "ok": False}])
    code = cli.main(["--tiny", "--quiet", "--only", "gradcheck", "--out", str(tmp_path)])
    assert code == 1
    res = json.loads((tmp_path / "results.json").read_text())
    assert res["errors"] == [{"section": "gradcheck", "error": "gradient check failed for gru"}]
    md = (tmp_path / "report.md").read_text()
    assert "| gru | 0.3 | False |" in md


def test_a_broken_model_is_an_error_row_and_its_neighbours_still_train(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise FloatingPointError("loss became nan at step 3")
    monkeypatch.setattr("benchmarks.models.cnn2d", broken)
    code = cli.main(["--tiny", "--quiet", "--only", "cnn", "--out", str(tmp_path)])
    assert code == 1
    res = json.loads((tmp_path / "results.json").read_text())
    status = {r["dataset"]: r["status"] for r in res["training"]}
    assert status == {"digits": "error: FloatingPointError: loss became nan at step 3",
                      "mnist1d": "ok"}
    assert res["errors"] == [{"section": "cnn", "error": "CNN 2x(conv3-pool2) on digits: "
                              "FloatingPointError: loss became nan at step 3"}]
