"""autograd.gradcheck: True on right VJPs; GradcheckError naming the worst element on wrong ones."""
import numpy as np
import pytest

import autograd
from autograd import Function, GradcheckError, gradcheck


class Square(Function):
    """y = x^2;  dx = 2 g x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        return (2 * g * x,)


class WrongSquare(Square):
    """y = x^2 with the factor 2 forgotten in the VJP."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        return (g * x,)


class OffByOneAt(Square):
    """A VJP that is right everywhere but at flat index 4."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        dx = 2 * g * x
        dx.reshape(-1)[4] += 1.0
        return (dx,)


class MulWrongSecond(Function):
    """y = a * b with a wrong VJP for b only."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        return g * b, g * b


X = np.linspace(-1.0, 1.5, 6).reshape(2, 3)


@pytest.mark.parametrize("mode", ["full", "random"])
def test_right_vjps_pass(mode):
    assert gradcheck(Square.apply, [X], mode=mode) is True
    assert gradcheck(lambda a, b: (a @ b).tanh(), [X, X.T], mode=mode) is True
    assert gradcheck(lambda a: (a.exp().sum(1), a.softmax(0)), [X], mode=mode) is True
    assert gradcheck(lambda a: a * 3, [np.array(0.5)], mode=mode) is True


def test_wrong_vjp_raises_with_input_index_values_and_errors():
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongSquare.apply, [X])
    msg = str(info.value)
    for part in ("input 0", "index", "analytic", "numeric", "abs error", "rel error"):
        assert part in msg, msg


def test_the_worst_index_is_reported():
    with pytest.raises(GradcheckError, match=r"index \(1, 1\)"):
        gradcheck(OffByOneAt.apply, [X])


def test_the_wrong_input_is_named():
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(MulWrongSecond.apply, [X, X[::-1] + 2])


def test_random_mode_catches_a_wrong_vjp():
    with pytest.raises(GradcheckError, match="direction"):
        gradcheck(WrongSquare.apply, [X], mode="random")
    big = np.random.default_rng(0).standard_normal((50, 40))
    assert gradcheck(lambda a: (a.sigmoid() * a).sum(1), [big], mode="random", n_directions=3)


def test_integer_inputs_are_passed_through_unchecked():
    idx = np.array([1, 0, 0])
    assert gradcheck(lambda a, i: a[i] * 2, [X, idx])


def test_float32_inputs_are_checked_in_float64():
    seen = []

    def fn(a):
        seen.append(a.dtype)
        return a * a

    assert gradcheck(fn, [autograd.tensor(X, dtype=autograd.float32)])
    assert set(seen) == {np.dtype(np.float64)}


def test_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        gradcheck(Square.apply, [X], mode="sideways")
    with pytest.raises(ValueError, match="no floating-point"):
        gradcheck(lambda a: a > 0, [X])


def test_gradcheck_does_not_alter_its_inputs():
    x = X.copy()
    t = autograd.tensor(X, dtype=autograd.float64)
    gradcheck(lambda a: a.exp(), [x])
    gradcheck(lambda a: a.exp(), [t])
    np.testing.assert_array_equal(x, X)
    np.testing.assert_array_equal(t.data, X)
    assert t.grad is None
