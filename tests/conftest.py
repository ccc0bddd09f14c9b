"""Hypothesis draws the same examples on every run (derandomize), so that a run on a clean
clone is reproducible; HYPOTHESIS_PROFILE=explore draws new ones each run, for local hunting."""
import os

from hypothesis import settings

settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
