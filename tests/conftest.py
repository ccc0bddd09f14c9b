"""Hypothesis draws the same examples on every run (derandomize), so that a run on a clean
clone is reproducible; HYPOTHESIS_PROFILE=explore draws new ones each run, for local hunting.

Once every test module is imported, the objects that exist then (modules, test functions,
their parameters, torch's and numba's own) are moved out of the garbage collector's sight
(gc.freeze): they live for the whole session, and each full collection (a test's
gc.collect(), or the automatic ones) would otherwise walk all of them again.

torch, the reference most tests compare against, runs on one thread: its inputs here are
tiny, so a second thread only adds the hand-off and the spinning of its idle workers, which
compete for the 2 cores with the engine's BLAS threads in the same process (test files that
compare against torch ran 10-25% faster so). A test that sets torch's thread count itself
(benchmarks.speed) gets what it sets; the engine's own thread counts are left alone.

README's command runs the suite on one worker process per core (pytest-xdist, `-n auto`):
one test process would leave the second core idle while numba compiles a kernel or a test
waits on a child process. With `--dist loadgroup` (pyproject's addopts) each test file runs whole on one worker,
so a kernel a file uses is compiled (or loaded from numba's cache) once, and a module fixture is
built once; the files of tests/benchmarks share one worker, since their session fixture (a tiny
run of `python -m benchmarks`) is costly. Without `-n` the marks do nothing."""
import gc
import os
import random
import sys
import zlib

import numpy as np

from hypothesis import settings

settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def pytest_configure(config):
    """Import the engine before pytest's per-test warning capture starts, as a script does:
    its warning filter (autograd/fp_warnings.py), added at import, is then in place for every
    test instead of being dropped with the capture block that collected the first test file."""
    import autograd  # noqa: F401


def pytest_collection_modifyitems(config, items):
    import pytest

    for item in items:
        path = item.nodeid.split("::", 1)[0]
        group = "tests/benchmarks" if path.startswith("tests/benchmarks/") else path
        item.add_marker(pytest.mark.xdist_group(group))


def pytest_collection_finish(session):
    gc.collect()
    gc.freeze()


def pytest_runtest_setup(item):
    """torch on one thread (above), and every random generator a test may draw from without
    seeding it (the engine's, numpy's global one, Python's, torch's) seeded from the test's
    own id: a test draws the same numbers whichever tests ran before it in its process, so a
    run on two workers, a run of the whole suite and a run of that one test agree."""
    import autograd

    seed = zlib.crc32(item.nodeid.encode())
    autograd.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)
        if torch.get_num_threads() != 1:
            torch.set_num_threads(1)
