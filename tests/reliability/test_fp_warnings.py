"""Floating-point exceptions inside the engine are silent, as in PyTorch (inf and NaN results,
no numpy RuntimeWarning); a user's own numpy code still warns as numpy does."""
import warnings

import numpy as np
import pytest

import autograd as A

CASES = {
    "div by zero": lambda z: z / A.zeros(4),
    "reciprocal": lambda z: z.reciprocal(),
    "rdiv": lambda z: 1 / z,
    "exp overflow": lambda z: (z * 100).exp(),
    "mul overflow": lambda z: z * 1e38 * 1e38,
    "log": lambda z: z.log(),
    "sqrt": lambda z: z.sqrt(),
    "pow": lambda z: z ** -2,
}


@pytest.mark.parametrize("name", list(CASES))
def test_no_numpy_warning_from_forward_or_backward(name):
    with warnings.catch_warnings(record=True) as caught:
        y = CASES[name](A.tensor([0.0, -1.0, 1000.0, 1.0], requires_grad=True))
        y.sum().backward()
    numpy_fp = [w for w in caught if issubclass(w.category, RuntimeWarning)
                and "encountered" in str(w.message)]
    assert not numpy_fp, [str(w.message) for w in numpy_fp]


def test_user_numpy_code_still_warns():
    with warnings.catch_warnings(record=True) as caught:
        warnings.filterwarnings("always", category=RuntimeWarning, append=True)
        np.divide(np.float32(1), np.float32(0))
    assert any("divide by zero" in str(w.message) for w in caught)
