"""Tensor printing against torch.Tensor's repr: number format, padding, wrapping, summarizing
and the suffixes, under the default and changed print options."""
import re

import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")

_rng = np.random.default_rng(0)
CASES = [
    np.array([[0.1234567, 2.5, -3.0], [1e-5, 100.25, 7.0]], np.float32),
    np.array([1.0, 2.0, 3.0], np.float32), np.array(3.14159, np.float32),
    np.array(3.0, np.float32), np.array([0.0, 0.0], np.float32),
    np.array([np.nan, 0.0, np.inf, -np.inf], np.float32), np.array([np.nan, 1.5], np.float32),
    np.array([1e9, 1.0], np.float32), np.array([1e-7, 1.0]), np.array([123456789.0]),
    _rng.standard_normal((2, 3)), _rng.standard_normal(40).astype(np.float32),
    _rng.standard_normal((3, 4, 5)).astype(np.float32),
    _rng.standard_normal(2000).astype(np.float32),
    _rng.standard_normal((50, 60)).astype(np.float32),
    _rng.standard_normal((20, 30, 4)).astype(np.float32),
    _rng.standard_normal((3, 3)).astype(np.float32) * 1e5,
    _rng.integers(-1000, 1000, 10).astype(np.float32),
    _rng.standard_normal(12).astype(np.float32) * 1e-3,
    np.arange(5), np.arange(5, dtype=np.int32), np.array([True, False]),
    np.arange(2000).reshape(40, 50), np.array([-5, 100, 3], np.int8),
    np.array([1, 200], np.uint8), np.array(7), np.array(True),
    np.zeros(0, np.float32), np.zeros((0, 3), np.float32), np.zeros(0, np.int64),
    np.zeros((2, 0)),
]
OPTIONS = [{}, dict(precision=2), dict(sci_mode=True), dict(sci_mode=False),
           dict(profile="short"), dict(linewidth=50), dict(edgeitems=1, threshold=5),
           dict(profile="full")]


def _unwrapped(text):
    # torch names its dtypes torch.float64 where this engine's are float64: six characters
    # more, which can move the suffix to a line of its own
    return re.sub(r",\n +dtype=", ", dtype=", text.replace("torch.", ""))


def _theirs(a, **kw):
    return _unwrapped(repr(torch.tensor(a, **kw)))


@pytest.mark.parametrize("opts", OPTIONS, ids=str)
def test_repr_matches_torch(opts):
    try:
        autograd.set_printoptions(**opts)
        torch.set_printoptions(**opts)
        for a in CASES:
            assert _unwrapped(repr(autograd.tensor(a))) == _theirs(a), (a.dtype, a.shape)
    finally:
        autograd.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")


def test_requires_grad_suffix_and_parameter_repr():
    a = np.array([1.5, 2.25], np.float32)
    assert repr(autograd.tensor(a, requires_grad=True)) == _theirs(a, requires_grad=True)
    assert repr(autograd.tensor(a, requires_grad=True) * 2).startswith(
        "tensor([3.0000, 4.5000], grad_fn=<Mul")


def test_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="profile"):
        autograd.set_printoptions(profile="long")


def test_data_prints_as_a_tensor_outside_the_graph():
    a = np.array([[0.123456, 1.5]], np.float32)
    w = autograd.tensor(a, requires_grad=True)
    assert repr(w.data) == str(w.data) == _theirs(a) == "tensor([[0.1235, 1.5000]])"
