"""Every kernel test of this folder again with NUMBA_DISABLE_JIT=1, in one subprocess: the
kernels' pure-Python path (the one a user debugs with) must give the same answers."""
import os
import subprocess
import sys
from pathlib import Path

import numba
import pytest

HERE = Path(__file__).resolve().parent


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="already pure Python")
def test_kernel_tests_pass_with_the_jit_disabled():
    files = sorted(str(p) for p in HERE.glob("test_*.py") if p.name != Path(__file__).name)
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *files], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert " passed" in proc.stdout and "skipped" not in proc.stdout, proc.stdout[-1000:]
