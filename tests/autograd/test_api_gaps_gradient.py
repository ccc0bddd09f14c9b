"""functional_gradient against torch.gradient: uniform spacings (one number, one per dim),
coordinate tensors, edge_order 1 and 2, chosen dims, integer input; values and gradients
(float64, checked against finite differences too), and torch's refusals."""
import numpy as np
import pytest

import autograd as ag
from tests.helpers import assert_gradcheck, check_against_torch

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(41)
X = RNG.standard_normal((4, 5, 3))
COORDS = np.cumsum(RNG.uniform(0.2, 1.5, 5))

CASES = {
    "default": {},
    "edge2": {"edge_order": 2},
    "spacing": {"spacing": 0.5},
    "per_dim": {"spacing": [2.0, 0.5, 3.0]},
    "one_dim": {"dim": 1, "edge_order": 2},
    "negative_dim": {"dim": -1},
    "dims": {"dim": [2, 0], "spacing": [1.5, 2.5]},
    "coords": {"dim": 1, "spacing": "coords"},
    "coords_edge2": {"dim": 1, "spacing": "coords", "edge_order": 2},
}


def _call(L, x, case):
    kwargs = dict(CASES[case])
    if kwargs.get("spacing") == "coords":
        kwargs["spacing"] = [L.tensor(COORDS)]
    return L.gradient(x, **kwargs)


@pytest.mark.parametrize("case", CASES)
def test_gradient_matches_torch(case):
    check_against_torch(lambda x: _call(ag, x, case), lambda x: _call(torch, x, case), X,
                        rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", ["edge2", "coords_edge2", "dims"])
def test_gradient_gradcheck(case):
    assert_gradcheck(lambda x: _call(ag, x, case), X)


def test_gradient_of_the_coordinates_matches_torch():
    f = RNG.standard_normal((3, 5))
    check_against_torch(lambda x, c: ag.gradient(x, spacing=[c], dim=1, edge_order=2),
                        lambda x, c: torch.gradient(x, spacing=[c], dim=1, edge_order=2),
                        f, COORDS)


def test_gradient_dtypes_and_shapes():
    for data, kwargs in [([1, 2, 4], {}), ([1, 2, 4], {"spacing": 2}),
                         ([1, 2, 4], {"spacing": [ag.tensor([1, 2, 5])]}),
                         (np.float32([1, 3, 2, 7]), {"edge_order": 2})]:
        tk = {k: ([torch.tensor(s.data) for s in v] if k == "spacing" and isinstance(v, list)
                  else v) for k, v in kwargs.items()}
        (ours,), (theirs,) = ag.gradient(ag.tensor(data), **kwargs), torch.gradient(
            torch.tensor(data), **tk)
        assert ours.dtype == theirs.numpy().dtype
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6)
    assert ag.gradient(ag.tensor(1.0)) == () == torch.gradient(torch.tensor(1.0))


@pytest.mark.parametrize("call,match", [
    (lambda L: L.gradient(L.tensor([1.0, 2.0]), edge_order=2), "at least edge_order\\+1"),
    (lambda L: L.gradient(L.tensor([1.0])), "at least edge_order\\+1"),
    (lambda L: L.gradient(L.ones(3, 3), edge_order=3), "edge_order=1 and edge_order=2"),
    (lambda L: L.gradient(L.ones(3, 3), spacing=[2.0]), "since dim argument was not given"),
    (lambda L: L.gradient(L.ones(3, 3), spacing=[1.0, 2.0], dim=0), "same length"),
    (lambda L: L.gradient(L.ones(3, 3), dim=(0, 0)), "appears multiple times"),
    (lambda L: L.gradient(L.ones(3, 3), spacing=[L.tensor(2.0), L.tensor(3.0)]),
     "one dimension")])
def test_gradient_refusals_as_torch(call, match):
    with pytest.raises(RuntimeError, match=match):
        call(torch)
    with pytest.raises(RuntimeError, match=match):
        call(ag)
