"""Hypothesis draws the same examples on every run (derandomize), so that a run on a clean
clone is reproducible; HYPOTHESIS_PROFILE=explore draws new ones each run, for local hunting.

Once every test module is imported, the objects that exist then (modules, test functions,
their parameters, torch's and numba's own) are moved out of the garbage collector's sight
(gc.freeze): they live for the whole session, and each full collection (a test's
gc.collect(), or the automatic ones) would otherwise walk all of them again."""
import gc
import os

from hypothesis import settings

settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def pytest_collection_finish(session):
    gc.collect()
    gc.freeze()
