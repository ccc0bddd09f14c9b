"""Hypothesis draws the same examples on every run (derandomize), so that a run on a clean
clone is reproducible; HYPOTHESIS_PROFILE=explore draws new ones each run, for local hunting."""
import os

from hypothesis import settings

settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def pytest_configure(config):
    """Import the engine before pytest's per-test warning capture starts, as a script does:
    its warning filter (autograd/fp_warnings.py), added at import, is then in place for every
    test instead of being dropped with the capture block that collected the first test file."""
    import autograd  # noqa: F401
