"""benchmarks.report's Plots section says why it is empty, and only blames matplotlib when
matplotlib is really missing."""
import importlib.util

from benchmarks import report


def _results(diag_plots=()):
    return {"mode": "tiny", "threads": 1, "seed": 0, "seconds": 1.0, "environment": {},
            "training": [], "speed": [], "resources": None, "gradcheck": None, "errors": [],
            "diagnostics": {"lines": ["ok"], "plots": list(diag_plots)}}


def test_no_training_plots_with_matplotlib_installed(tmp_path):
    md = "\n".join(report.write(tmp_path, _results(["norms.png"])))
    assert "![norms.png](norms.png)" in md
    assert "matplotlib is not installed" not in md
    assert "no loss curves or attention maps in this run (the diagnostics plots are above)" in md


def test_missing_matplotlib_is_said(tmp_path, monkeypatch):
    find = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "matplotlib" else find(name, *a))
    md = "\n".join(report.write(tmp_path, _results()))
    assert "matplotlib is not installed: no plots" in md
