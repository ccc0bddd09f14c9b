"""Elementwise math (sin, cos, log1p, expm1, rsqrt, ...), isnan/isinf/isfinite, // and %,
torch.max(a, b), allclose/equal and __format__, against torch, numpy and gradcheck."""
import math

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import autograd
from tests.helpers import (arrays, away_from_zero, broadcastable, check_float32, check_op,
                           positive, shapes)

torch = pytest.importorskip("torch")

SETTINGS = settings(deadline=None, max_examples=20)
small = st.floats(-0.9, 3, allow_nan=False)  # log1p's domain, away from its pole at -1

UNARY = [  # name, numpy reference, element strategy
    ("sin", np.sin, None),
    ("cos", np.cos, None),
    ("tan", np.tan, st.floats(-1.2, 1.2)),
    ("log1p", np.log1p, small),
    ("expm1", np.expm1, None),
    ("rsqrt", lambda a: 1 / np.sqrt(a), positive),
    ("square", np.square, None),
    ("reciprocal", np.reciprocal, away_from_zero),
]


@pytest.mark.parametrize("name,ref,elements", UNARY, ids=[u[0] for u in UNARY])
@SETTINGS
@given(data=st.data(), shape=shapes)
def test_unary_matches_torch_and_gradcheck(name, ref, elements, data, shape):
    x = data.draw(arrays(shape, elements) if elements is not None else arrays(shape))
    check_op(lambda t: getattr(autograd, name)(t), lambda t: getattr(torch, name)(t), x,
             numpy_ref=ref)
    check_op(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), x)


@pytest.mark.parametrize("name", [u[0] for u in UNARY])
def test_unary_float32_and_integer_input(name):
    check_float32(lambda t: getattr(t, name)(), np.array([0.5, 0.25, 2.0]))
    ours = getattr(autograd, name)(autograd.tensor([1, 2, 3]))
    theirs = getattr(torch, name)(torch.tensor([1, 2, 3]))
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6)


def test_unary_edges_match_torch():
    x = np.array([-1.0, 0.0, -0.0, np.inf, -np.inf, np.nan, 1e-12])
    for name in ["sin", "cos", "log1p", "expm1", "rsqrt"]:
        ours = getattr(autograd, name)(autograd.tensor(x, dtype=autograd.float64)).data
        theirs = getattr(torch, name)(torch.tensor(x)).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, err_msg=name)
    assert autograd.sin(autograd.tensor([])).shape == (0,)


def test_isnan_isinf_isfinite():
    x = np.array([[1.0, np.nan, np.inf], [-np.inf, 0.0, -2.5]], np.float32)
    for name in ["isnan", "isinf", "isfinite"]:
        for src in (x, np.array([1, 2]), np.array(3.0), np.zeros((0, 2))):
            ours = getattr(autograd, name)(autograd.tensor(src))
            method = getattr(autograd.tensor(src), name)()
            theirs = getattr(torch, name)(torch.tensor(src))
            assert ours.dtype == np.bool_ and method.dtype == np.bool_
            np.testing.assert_array_equal(ours.data, theirs.numpy())
            np.testing.assert_array_equal(method.data, theirs.numpy())
            assert not ours.requires_grad


# ----------------------------------------------------------------- // and %
@SETTINGS
@given(data=st.data(), shapes=broadcastable)
def test_remainder_matches_torch_and_gradcheck(data, shapes):
    # a is an odd multiple of 0.05, b an even one: a stays 0.05 from the jumps of a % b
    a = data.draw(arrays(shapes.input_shapes[0], st.integers(-290, 290).map(lambda k: k / 10
                                                                            + 0.05)))
    b = data.draw(arrays(shapes.input_shapes[1], st.sampled_from([-3.0, -0.7, 0.4, 2.0])))
    check_op(lambda x, y: x % y, lambda x, y: torch.remainder(x, y), a, b,
             numpy_ref=np.remainder)
    check_op(lambda x, y: autograd.remainder(x, y), lambda x, y: x % y, a, b)


def test_floor_divide_matches_torch_and_its_backward_raises():
    a = np.array([5.0, -5.0, 5.5, -0.5, 0.0, 7.0], np.float32)
    b = np.array([2.0, 2.0, -2.0, 3.0, -1.0, 0.0], np.float32)
    x, t = autograd.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    for ours, theirs in [(x // autograd.tensor(b), t // torch.tensor(b)),
                         (autograd.floor_divide(x, 2), torch.floor_divide(t, 2)),
                         (x.floor_divide(-3), t.floor_divide(-3)),
                         (7 // x, 7 // t),
                         (autograd.tensor([3, 4, 5, 6, 7, 8]) // x, torch.arange(3, 9) // t)]:
        np.testing.assert_array_equal(ours.data, theirs.detach().numpy())
        # no derivative: in the graph (requires grad, as torch's), and backward raises
        assert ours.dtype == np.float32 and ours.requires_grad and theirs.requires_grad
        for y in (ours, theirs):
            with pytest.raises(RuntimeError, match="derivative for .*floor_divide is not impl"):
                y.sum().backward()
    with autograd.no_grad():
        assert not (x // 2).requires_grad


@pytest.mark.parametrize("op", ["//", "%"])
def test_integer_division_dtypes_and_zero_divisor(op):
    fn = {"//": lambda p, q: p // q, "%": lambda p, q: p % q}[op]
    a, b = np.array([7, -7, 6, -1]), np.array([2, 2, -4, 3])
    ours = fn(autograd.tensor(a), autograd.tensor(b))
    theirs = fn(torch.tensor(a), torch.tensor(b))
    assert ours.dtype == np.int64
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    np.testing.assert_array_equal(fn(autograd.tensor(a), 3).data, fn(torch.tensor(a), 3).numpy())
    np.testing.assert_array_equal(fn(autograd.tensor(a), 2.5).data,
                                  fn(torch.tensor(a), 2.5).numpy())
    with pytest.raises(RuntimeError, match="division by zero"):
        fn(autograd.tensor(a), autograd.tensor([1, 0, 1, 1]))
    with pytest.raises(RuntimeError, match="division by zero"):
        fn(5, autograd.tensor([1, 0]))
    with pytest.raises(ValueError, match=r"\(2,\) and \(3,\)"):
        fn(autograd.tensor([1.0, 2.0]), autograd.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="bool tensors"):
        fn(autograd.tensor([True]), autograd.tensor([True]))


def test_remainder_float32_and_division_by_zero():
    check_float32(lambda x, y: x % y, np.array([5.5, -2.5]), np.array([2.0, 1.5]))
    x = np.array([5.0, -5.0, 0.0])
    np.testing.assert_array_equal((autograd.tensor(x) % 0.0).data,
                                  (torch.tensor(x) % 0.0).numpy())
    np.testing.assert_array_equal((autograd.tensor(x) // 0.0).data,
                                  (torch.tensor(x) // 0.0).numpy())


# ----------------------------------------------------------------- max(a, b) / min(a, b)
@pytest.mark.parametrize("name", ["max", "min"])
@SETTINGS
@given(data=st.data(), shapes=broadcastable)
def test_elementwise_max_min_split_ties_like_torch(name, data, shapes):
    grid = st.integers(-3, 3).map(float)  # many ties
    a, b = (data.draw(arrays(s, grid)) for s in shapes.input_shapes)
    check_op(lambda x, y: getattr(autograd, name)(x, y), lambda x, y: getattr(torch, name)(x, y),
             a, b, gradcheck=False)
    check_op(lambda x, y: getattr(x, name)(y), lambda x, y: getattr(x, name)(y), a, b,
             gradcheck=False)
    c, d = (data.draw(arrays(s, st.integers(-300, 300).map(lambda k: k / 100 + 0.005)))
            for s in shapes.input_shapes)
    check_op(lambda x, y: getattr(autograd, name)(x, y), lambda x, y: getattr(torch, name)(x, y),
             c, d)


def test_max_with_dim_still_returns_values_and_indices():
    x = np.array([[1.0, 5.0], [7.0, 2.0]])
    values, indices = autograd.max(autograd.tensor(x), 1)
    np.testing.assert_array_equal(values.data, [5.0, 7.0])
    assert indices.dtype == np.int64
    check_float32(lambda p, q: autograd.min(p, q), x, x.T)


# ----------------------------------------------------------------- allclose, equal, format
def test_allclose_and_equal_return_python_bools_like_torch():
    a = np.array([1.0, 2.0, np.nan])
    b = a + np.array([1e-7, -1e-6, 0.0])
    for x, y, kw in [(a, b, {}), (a, b, {"equal_nan": True}), (a[:2], b[:2], {"rtol": 1e-9}),
                     (a[:2], np.array([1.0]), {}), (np.zeros((2, 0)), np.zeros((2, 0)), {})]:
        ours = autograd.allclose(autograd.tensor(x), autograd.tensor(y), **kw)
        assert type(ours) is bool
        assert ours == torch.allclose(torch.tensor(x), torch.tensor(y), **kw)
        assert autograd.tensor(x).allclose(autograd.tensor(y), **kw) == ours
    for x, y in [(a, a), (a[:2], a[:2]), (a[:2], a[:2] * 1.0 + [0.0, 1.0]), (a[:2], a[:1]),
                 (np.array([1, 2]), np.array([1.0, 2.0])), (np.zeros((1, 2)), np.zeros(2))]:
        ours = autograd.equal(autograd.tensor(x), autograd.tensor(y))
        assert type(ours) is bool
        assert ours == torch.equal(torch.tensor(x), torch.tensor(y))
        assert autograd.tensor(x).equal(autograd.tensor(y)) == ours
    with pytest.raises(RuntimeError, match="float32 and float64"):
        autograd.allclose(autograd.ones(2), autograd.ones(2, dtype=autograd.float64))
    with pytest.raises(ValueError, match=r"\(2,\) and \(3,\)"):
        autograd.allclose(autograd.ones(2), autograd.ones(3))


def test_format_of_a_scalar_tensor_like_torch():
    loss = autograd.tensor([0.25, 0.5], requires_grad=True).sum()
    assert f"{loss:.4f}" == f"{torch.tensor(0.75):.4f}" == "0.7500"
    assert f"{autograd.tensor(3):>4d}" == "   3"
    assert f"{autograd.tensor(math.pi, dtype=autograd.float64):.3e}" == "3.142e+00"
    t = autograd.tensor([1.5])
    assert f"{t}" == str(t)
    with pytest.raises(TypeError, match=r"0-d tensor.*shape \(1,\)"):
        f"{t:.2f}"
