"""One tiny end-to-end run of `python -m benchmarks`, shared by the tests that read its report
(the smoke test, the resources section's tests), and one data cache for the whole session:
each run costs about half a minute, mostly in the child processes it starts."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def bench_cache(tmp_path_factory):
    """The benchmarks' data cache for this test session (MNIST-1D is generated once here)."""
    return tmp_path_factory.mktemp("bench-cache")


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, bench_cache):
    """`python -m benchmarks --tiny --threads 1` in a fresh process:
    (the process, results.json as a dict, report.md's text)."""
    out = tmp_path_factory.mktemp("tiny-run")
    env = dict(os.environ, AUTOGRAD_BENCH_CACHE=str(bench_cache))
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--tiny", "--quiet",
                           "--threads", "1", "--out", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return (proc, json.loads((out / "results.json").read_text()),
            (out / "report.md").read_text())
