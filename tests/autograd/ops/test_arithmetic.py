"""Elementwise arithmetic: numpy forward, float64 gradcheck and torch values+gradients."""
import operator

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import assume, given, settings

import autograd
from tests.helpers import (arrays, away_from_zero, broadcastable, check_against_torch,
                           check_float32, check_op, finite, positive, shapes)

torch = pytest.importorskip("torch")

SETTINGS = settings(deadline=None, max_examples=25)

BINARY = {
    "add": (operator.add, np.add, finite, finite),
    "sub": (operator.sub, np.subtract, finite, finite),
    "mul": (operator.mul, np.multiply, finite, finite),
    "div": (operator.truediv, np.divide, finite, away_from_zero),
    "pow": (operator.pow, np.power, positive, finite),
}


@pytest.mark.parametrize("name", list(BINARY))
@SETTINGS
@given(data=st.data(), bshapes=broadcastable)
def test_binary_ops_under_broadcasting(name, data, bshapes):
    op, ref, left, right = BINARY[name]
    a = data.draw(arrays(bshapes.input_shapes[0], left))
    b = data.draw(arrays(bshapes.input_shapes[1], right))
    check_op(op, op, a, b, numpy_ref=ref)


@pytest.mark.parametrize("name, fn, tfn", [
    ("maximum", autograd.maximum, torch.maximum),
    ("minimum", autograd.minimum, torch.minimum),
])
@SETTINGS
@given(data=st.data(), bshapes=broadcastable)
def test_maximum_minimum(name, fn, tfn, data, bshapes):
    a = data.draw(arrays(bshapes.input_shapes[0]))
    b = data.draw(arrays(bshapes.input_shapes[1]))
    assume(np.all(np.abs(np.subtract(a, b)) > 1e-3))  # a kink: no finite difference there
    check_op(fn, tfn, a, b, numpy_ref=getattr(np, name))


def test_maximum_minimum_split_ties_like_torch():
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([1.0, 5.0, 3.0])
    check_against_torch(autograd.maximum, torch.maximum, a, b)
    check_against_torch(autograd.minimum, torch.minimum, a, b)


UNARY = {
    "neg": (operator.neg, operator.neg, np.negative, finite),
    "exp": (autograd.exp, torch.exp, np.exp, finite),
    "log": (autograd.log, torch.log, np.log, positive),
    "sqrt": (autograd.sqrt, torch.sqrt, np.sqrt, positive),
    "abs": (autograd.abs, torch.abs, np.abs, away_from_zero),
    "square": (lambda x: x ** 2, lambda x: x ** 2, np.square, finite),
    "cube": (lambda x: x ** 3, lambda x: x ** 3, lambda x: x ** 3, finite),
    "rsqrt": (lambda x: x ** -0.5, lambda x: x ** -0.5, lambda x: x ** -0.5, positive),
    "rpow": (lambda x: 2.5 ** x, lambda x: 2.5 ** x, lambda x: 2.5 ** x, finite),
    "rsub": (lambda x: 2 - x, lambda x: 2 - x, lambda x: 2 - x, finite),
    "rdiv": (lambda x: 2 / x, lambda x: 2 / x, lambda x: 2 / x, away_from_zero),
    "radd_rmul": (lambda x: 3 * x + 1.5, lambda x: 3 * x + 1.5, lambda x: 3 * x + 1.5, finite),
    "div_scalar": (lambda x: x / 4 - 1, lambda x: x / 4 - 1, lambda x: x / 4 - 1, finite),
}


@pytest.mark.parametrize("name", list(UNARY))
@SETTINGS
@given(data=st.data(), shape=shapes)
def test_unary_ops(name, data, shape):
    ours, theirs, ref, elements = UNARY[name]
    x = data.draw(arrays(shape, elements))
    check_op(ours, theirs, x, numpy_ref=ref)


def test_method_forms_equal_function_forms():
    x = autograd.tensor([0.5, 1.5, 2.0], dtype=autograd.float64)
    for name in ("exp", "log", "sqrt", "abs", "neg"):
        np.testing.assert_array_equal(getattr(x, name)().data, getattr(autograd, name)(x).data)
    y = autograd.tensor([1.0, 1.0, 3.0], dtype=autograd.float64)
    np.testing.assert_array_equal(x.add(y).data, (x + y).data)
    np.testing.assert_array_equal(x.sub(y).data, (x - y).data)
    np.testing.assert_array_equal(x.mul(y).data, (x * y).data)
    np.testing.assert_array_equal(x.div(y).data, (x / y).data)
    np.testing.assert_array_equal(x.pow(y).data, (x ** y).data)
    for name, op in [("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
                     ("div", operator.truediv), ("pow", operator.pow)]:
        np.testing.assert_array_equal(getattr(autograd, name)(x, y).data, op(x, y).data)
        np.testing.assert_array_equal(getattr(autograd, name)(x, 2.0).data, op(x, 2.0).data)


@pytest.mark.parametrize("lo, hi", [(-1.0, 1.0), (None, 0.5), (-0.5, None)])
@SETTINGS
@given(data=st.data(), shape=shapes)
def test_clamp(lo, hi, data, shape):
    x = data.draw(arrays(shape))
    bounds = [v for v in (lo, hi) if v is not None]
    assume(all(np.all(np.abs(x - v) > 1e-3) for v in bounds))
    check_op(lambda t: t.clamp(lo, hi), lambda t: t.clamp(lo, hi), x,
             numpy_ref=lambda a: np.clip(a, lo, hi))


def test_clamp_at_the_bounds_matches_torch_and_needs_a_bound():
    x = np.array([-1.0, 0.0, 1.0, 2.0])
    check_against_torch(lambda t: t.clamp(-1.0, 1.0), lambda t: t.clamp(-1.0, 1.0), x)
    with pytest.raises(ValueError, match="clamp"):
        autograd.tensor([1.0]).clamp()


@SETTINGS
@given(data=st.data(), bshapes=broadcastable)
def test_where(data, bshapes):
    a = data.draw(arrays(bshapes.input_shapes[0]))
    b = data.draw(arrays(bshapes.input_shapes[1]))
    out_shape = np.broadcast_shapes(a.shape, b.shape)
    cond = data.draw(arrays(out_shape, st.booleans(), dtype=np.bool_))
    check_op(lambda x, y: autograd.where(autograd.tensor(cond), x, y),
             lambda x, y: torch.where(torch.tensor(cond), x, y), a, b,
             numpy_ref=lambda x, y: np.where(cond, x, y))


def test_where_with_scalars_and_masked_fill():
    x = autograd.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = autograd.where(x > 0, x, 0.0)
    assert y.dtype == np.float32
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1, 0, 1])
    z = x.masked_fill(autograd.tensor([True, False, False]), -5.0)
    np.testing.assert_array_equal(z.data, [-5, -2, 3])
    with pytest.raises(TypeError, match="bool"):
        autograd.where(autograd.tensor([1, 0]), x, x)


COMPARISONS = [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]


@pytest.mark.parametrize("op", COMPARISONS)
@settings(deadline=None, max_examples=10)
@given(data=st.data(), bshapes=broadcastable)
def test_comparisons_have_no_grad(op, data, bshapes):
    grid = st.sampled_from([-1.0, 0.0, 0.5, 2.0])  # repeated values, so == and != get ties
    a = data.draw(arrays(bshapes.input_shapes[0], grid))
    b = data.draw(arrays(bshapes.input_shapes[1], grid))
    x = autograd.tensor(a, requires_grad=True)
    out = op(x, autograd.tensor(b))
    assert out.dtype == np.bool_ and not out.requires_grad
    np.testing.assert_array_equal(out.data, op(a, b))
    np.testing.assert_array_equal(op(x, 0.5).data, op(a, 0.5))


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv,
                                autograd.maximum, autograd.minimum])
def test_float32_binary_ops_stay_float32(op):
    check_float32(lambda a, b: op(op(a, b), 2.0), np.ones((2, 3)) * 1.5, np.ones(3) * 0.5)


@pytest.mark.parametrize("fn", [lambda x: x.exp(), lambda x: x.log(), lambda x: x.sqrt(),
                                lambda x: x.abs(), lambda x: -x, lambda x: x ** 3,
                                lambda x: x ** 0.5, lambda x: 2 ** x, lambda x: x ** x,
                                lambda x: x.clamp(0.2, 1.0)])
def test_float32_unary_ops_stay_float32(fn):
    check_float32(fn, np.array([0.5, 1.5, 2.5]))


def test_broadcast_error_names_the_op_and_shapes():
    with pytest.raises(ValueError, match=r"add.*\(2, 3\).*\(4,\)"):
        autograd.ones(2, 3) + autograd.ones(4)
    with pytest.raises(ValueError, match=r"mul.*\(2,\).*\(3,\)"):
        autograd.ones(2) * autograd.ones(3)


def test_pow_gradients_at_zero_and_negative_bases_match_torch():
    x = np.array([0.0, 1.0, -2.0])
    check_against_torch(lambda t: t ** 0, lambda t: t ** 0, x)
    check_against_torch(lambda t: t ** 2, lambda t: t ** 2, x)
    check_against_torch(lambda a, b: a ** b, lambda a, b: a ** b,
                        np.array([0.0, 0.0, 2.0, -2.0]), np.array([0.0, 2.0, 0.0, 3.0]))


def test_integer_tensors_cannot_take_negative_integer_powers():
    with pytest.raises(ValueError, match="pow"):
        autograd.tensor([2]) ** -1
