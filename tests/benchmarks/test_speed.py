"""The speed workloads compute the same thing in both engines: same losses, step after step."""
import numpy as np
import pytest

from benchmarks import speed as S

torch = pytest.importorskip("torch")

CFG = {"steps": 1, "runs": 1, "warmup": 0, "lstm_seq": 4, "s2s_len": 3, "w5_steps": 5,
       "pause": 0.0}


def _losses(build, engine, n=3):
    step = build(engine)
    return np.array([step() for _ in range(n)])


@pytest.mark.parametrize("key", ["W1", "W1-nn", "W2", "W3", "W3-nn", "W4", "W5", "W5-nn"])
def test_both_engines_follow_the_same_trajectory(key):
    work = {k: b for k, _, b, _ in S._workloads(CFG)}
    try:
        ours = _losses(work[key], S.Ours())
    except S.Missing as e:
        pytest.fail(f"{key} needs {e}")
    theirs = _losses(work[key], S.Torch())
    assert np.all(np.isfinite(ours))
    np.testing.assert_allclose(ours, theirs, rtol=2e-5)
    assert ours[2] < ours[0]                       # SGD steps really update the weights


def test_run_produces_rows_with_ratios():
    rows = S.run(dict(CFG, w5_steps=3), threads=1, log=lambda m: None)
    assert [r["key"] for r in rows] == ["W1", "W1-nn", "W2", "W3", "W3-nn", "W3-lstm", "W4",
                                      "W5", "W5-nn"]
    for r in rows:
        if "skipped" in r:
            continue
        assert r["ours_ms"] > 0 and r["torch_ms"] > 0
        assert r["ratio"] == pytest.approx(r["ours_ms"] / r["torch_ms"])
        assert r["first_loss_rel_diff"] < 1e-4
        if r["key"] in S.TARGETS:     # every targeted row carries its verdict
            assert r["met"] == (r["ratio"] <= S.TARGETS[r["key"]])
            assert S.verdict(r).endswith("met") and f"{r['target']:.2f}x" in S.verdict(r)
        else:
            assert "target" not in r and S.verdict(r) == "-"
    table = S.table(rows)
    assert table.splitlines()[0].split()[:2] == ["key", "workload"] and "W5" in table


def test_set_threads_limits_torch():
    S.set_threads(1)
    assert torch.get_num_threads() == 1
    S.set_threads(2)
    assert torch.get_num_threads() == 2
