"""benchmarks.resources: the "Memory and start-up" section at tiny size, end to end through
`python -m benchmarks --tiny` (the session's run, see conftest.py), and its verdict and error
handling."""
import importlib.util

import pytest

from benchmarks import resources as R

HAS_TORCH = importlib.util.find_spec("torch") is not None


@pytest.fixture(scope="module")
def tiny(tiny_run):
    """The section from the session's tiny run (`python -m benchmarks --tiny --threads 1`,
    see conftest.py): (results["resources"], report)."""
    _, results, report = tiny_run
    assert results["errors"] == []
    return results["resources"], report


def test_memory_rows_have_positive_figures_from_separate_processes(tiny):
    res, _ = tiny
    keys = ["ours-elem", "ours-nn"] + (["torch-elem", "torch-nn"] if HAS_TORCH else [])
    assert res["seq"] == R.CONFIG["tiny"]["seq"] == 20 and res["threads"] == 1
    assert [r["key"] for r in res["memory"]] == keys
    for r in res["memory"]:
        assert r["status"] == "ok", r
        assert r["seq"] == 20 and r["engine"] == R.MODELS[r["key"]][0]
        assert r["baseline_mib"] > 20 and r["peak_mib"] >= r["peak_before_step_mib"]
        assert 0 < r["above_baseline_mib"] < 50      # a T=20 step needs a few MiB
        assert r["above_baseline_mib"] == pytest.approx(r["peak_mib"] - r["baseline_mib"])
        assert r["step_s"] > 0 and r["process_s"] > r["step_s"]
        # the peak is this process's own, not the parent's (which holds both engines)
        assert r["peak_mib"] < r["baseline_mib"] + 50
        if r["engine"] == "ours":
            assert r["malloc_tuning"] is True
            assert "numba" in r["modules"] and "torch" not in r["modules"]
        else:
            assert r["malloc_tuning"] is None
            assert r["modules"] == ["torch"]      # this engine stayed out of PyTorch's process
    losses = [r["loss"] for r in res["memory"]]   # the same first step everywhere
    assert max(losses) - min(losses) < 1e-5 * abs(losses[0])


def test_verdicts_compare_like_for_like_above_baseline(tiny):
    res, _ = tiny
    if not HAS_TORCH:
        assert res["verdicts"] == []
        return
    by_key = {r["key"]: r for r in res["memory"]}
    assert [(v["ours"], v["torch"]) for v in res["verdicts"]] == list(R.PAIRS)
    for v in res["verdicts"]:
        a, b = by_key[v["ours"]]["above_baseline_mib"], by_key[v["torch"]]["above_baseline_mib"]
        assert (v["ours_mib"], v["torch_mib"]) == (a, b)
        assert v["met"] == (a <= b) and v["ratio"] == pytest.approx(a / b)
        assert v["first_loss_rel_diff"] < 1e-5
    assert res["lines"][0].startswith("memory rule: ours <= torch")


def test_startup_is_timed_warm_only_at_tiny_size(tiny):
    res, _ = tiny
    assert [r["case"] for r in res["startup"]] == ["warm"]
    (warm,) = res["startup"]
    assert warm["status"] == "ok" and len(warm["runs"]) == 1
    run = warm["runs"][0]
    assert 0 < run["import_s"] < run["total_s"] and run["first_step_s"] > 0
    assert run["total_s"] == pytest.approx(run["import_s"] + run["build_s"]
                                           + run["first_step_s"])
    assert warm["process_s"] > warm["total_s"]
    assert warm["met"] == (warm["total_s"] < R.STARTUP_TARGET_S)


def test_report_has_the_section(tiny):
    res, md = tiny
    section = md[md.index("## Memory and start-up"):md.index("## BPTT gradient checks")]
    assert "| model | engine | malloc tuning | peak RSS MiB |" in section
    assert section.count("| ours |") == 2 and section.count("| torch |") == 2 * HAS_TORCH
    assert "| warm |" in section and "| cold |" not in section
    for line in res["lines"]:
        assert f"- {line}" in section


def test_quick_mode_skips_the_quadratic_torch_row_and_cold_start_runs_in_an_empty_cache():
    cfg = R.CONFIG["quick"]
    assert cfg["seq"] == 1000 and cfg["warm_runs"] == 3 and cfg["cold_runs"] >= 1
    assert cfg["malloc_off"] == () and R.CONFIG["tiny"]["malloc_off"] == ()
    rows = R.memory_rows(1000, 1, models=(), log=lambda m: None)   # nothing is run
    assert {r["status"] for r in rows} == {R.SKIPPED}
    assert R.verdicts(rows) == [] and R.errors({"memory": rows, "startup": []}) == []
    assert "torch-elem" not in cfg["models"] and set(R.CONFIG["full"]["models"]) == set(R.MODELS)


def test_a_failing_child_is_an_error_row_with_its_message():
    r = R._child(["memory", "no-such-model", 3], threads=1)
    assert r["status"].startswith("error: exit code 1: KeyError") and "no-such-model" in r["status"]
    res = {"memory": [{"key": "ours-nn", **r}], "startup": [{"case": "warm", "status": "ok"}]}
    assert R.errors(res) == ["ours-nn: " + r["status"][len("error: "):]]


def test_verdict_rule_and_malloc_off_rows_are_not_compared():
    def row(key, mib, tuning=True):
        return {"key": key, "status": "ok", "above_baseline_mib": mib, "loss": 2.0,
                "malloc_tuning": tuning if key.startswith("ours") else None}
    rows = [row("ours-elem", 90.0), row("torch-elem", 100.0), row("ours-nn", 120.0),
            row("torch-nn", 100.0), row("ours-nn", 10.0, tuning=False)]
    v = R.verdicts(rows)
    assert [(x["ours"], x["met"]) for x in v] == [("ours-elem", True), ("ours-nn", False)]
    assert v[1]["ratio"] == pytest.approx(1.2)
    lines = R.verdict_lines({"seq": 7, "verdicts": v, "memory": rows, "startup": []})
    assert "met" in lines[1] and "NOT met" in lines[2]
    assert lines[3] == "ours-nn with AUTOGRAD_MALLOC_TUNING=0: 10.0 MiB above baseline (-110.0 MiB)"
