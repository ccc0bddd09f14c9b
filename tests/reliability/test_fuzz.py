"""Fuzz of the public ops (Tensor methods and operators, autograd functions, factories, layers):
each drawn input — random shapes including empty and 0-d, every dtype, NaN/inf, out-of-range
dims and indices, negative sizes — gives a result (and a backward pass), or a ValueError /
TypeError / RuntimeError / IndexError raised by the engine's own code naming the op.
`pytest -s` prints how many inputs were tried."""
from __future__ import annotations

import os

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from tests.reliability import fuzzing
from tests.reliability.fuzz_ops import OPS

# examples per op: 40 keeps the whole suite inside its 10 minutes on 2 cores; FUZZ_EXAMPLES=500
# (or HYPOTHESIS_PROFILE=explore, new examples each run) for a deeper search
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))


@pytest.mark.parametrize("name", sorted(OPS))
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_op_gives_a_result_or_a_clear_error(name, data):
    names, build = OPS[name]
    problem = fuzzing.run(build(data.draw), names)
    assert problem is None, f"{name}: {problem}"


def test_the_harness_accepts_only_clear_errors_from_the_engine():
    import numpy as np

    import autograd

    def raw():
        np.zeros(2).reshape(3)  # numpy's own error

    def unnamed():
        raise ValueError("shapes do not match")

    def other():
        raise KeyError("k")

    assert fuzzing.run(raw, ["reshape"]) is not None
    assert fuzzing.run(unnamed, ["matmul"]) is not None
    assert fuzzing.run(other, ["x"]).startswith("KeyError")
    assert fuzzing.run(lambda: autograd.matmul(np.ones((2, 3)), np.ones((4, 5))),
                       ["matmul"]) is None


def test_report_fuzz_count():
    tried = fuzzing.COUNTS["tried"]
    print(f"\nfuzz: {fuzzing.COUNTS}")
    assert tried == 0 or tried >= len(OPS)  # 0 when this test runs alone
