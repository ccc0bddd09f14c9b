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
(benchmarks.speed) gets what it sets; the engine's own thread counts are left alone."""
import gc
import os
import sys

from hypothesis import settings

settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def pytest_configure(config):
    """Import the engine before pytest's per-test warning capture starts, as a script does:
    its warning filter (autograd/fp_warnings.py), added at import, is then in place for every
    test instead of being dropped with the capture block that collected the first test file."""
    import autograd  # noqa: F401


def pytest_collection_finish(session):
    gc.collect()
    gc.freeze()


def pytest_runtest_setup(item):
    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != 1:
        torch.set_num_threads(1)
