"""autograd.allocator: glibc's mmap/trim thresholds are raised at import, unless opted out."""
import subprocess
import sys

import pytest

from autograd import allocator


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt only")
def test_tuned_at_import():
    assert allocator.applied is True
    assert allocator.tune_malloc() is True   # idempotent


def test_opt_out_leaves_malloc_alone():
    code = "import autograd.allocator as a; print(a.applied)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"AUTOGRAD_MALLOC_TUNING": "0", "PATH": ""}, check=True,
                         cwd=str(__import__("pathlib").Path(__file__).parents[2]))
    assert out.stdout.strip() == "False"
