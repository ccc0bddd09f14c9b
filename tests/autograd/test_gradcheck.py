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


def test_float32_tensors_keep_their_dtype_and_float_arrays_become_float64():
    # as torch: a float32 Tensor is checked in float32, with a warning; a numpy float array
    # (this checker's convenience) becomes a float64 Tensor
    seen = []

    def fn(a):
        seen.append(a.dtype)
        return a * a

    with pytest.warns(UserWarning, match="not double precision"):
        assert gradcheck(fn, [autograd.tensor(X, dtype=autograd.float32)], eps=1e-3,
                         atol=1e-2, rtol=1e-2)
    assert set(seen) == {np.dtype(np.float32)}
    seen.clear()
    assert gradcheck(fn, [X.astype(np.float32)])
    assert set(seen) == {np.dtype(np.float64)}


def test_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        gradcheck(Square.apply, [X], mode="sideways")
    with pytest.raises(ValueError, match="no input to check"):
        gradcheck(lambda i: i * 2, [np.array([1, 2])])


def test_gradcheck_does_not_alter_its_inputs():
    x = X.copy()
    t = autograd.tensor(X, dtype=autograd.float64)
    gradcheck(lambda a: a.exp(), [x])
    gradcheck(lambda a: a.exp(), [t])
    np.testing.assert_array_equal(x, X)
    np.testing.assert_array_equal(t.data, X)
    assert t.grad is None


def test_a_nan_output_is_an_error_not_a_pass():
    # one nan among the outputs used to turn every numeric derivative into nan, and nan
    # compares as no mismatch: a wrong VJP beside it passed
    x = np.array([0.5, 1.0, -2.0, 3.0])
    with pytest.raises(GradcheckError, match=r"output 1 .* is nan at index \(2,\)"):
        gradcheck(lambda a: (WrongSquare.apply(a), a.log()), [x])
    with pytest.raises(GradcheckError, match="finite outputs"):
        gradcheck(lambda a: (a - 10).sqrt(), [x])


def test_a_nan_gradient_is_a_mismatch():
    class NanGrad(Square):
        @staticmethod
        def backward(ctx, g):
            return (g * np.nan,)
    with pytest.raises(GradcheckError, match="analytic nan"):
        gradcheck(NanGrad.apply, [np.array([0.5, 2.0])])


def test_only_the_tensors_that_require_grad_are_checked_when_some_do():
    # as torch.autograd.gradcheck: b is a constant of fn, whatever fn does with it
    x = autograd.tensor([0.5, 1.0], dtype=autograd.float64, requires_grad=True)
    t = autograd.tensor([0.3, 2.0], dtype=autograd.float64)
    assert gradcheck(lambda a, b: (a * b.detach()).sin(), [x, t])
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(lambda a, b: WrongSquare.apply(a) * b, [x, t])
    # no input requires grad: every float input is checked (arrays have no such flag)
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(lambda a, b: a * WrongSquare.apply(b), [np.ones(2), np.ones(2)])


def test_torch_keywords():
    x = [np.array([0.5, 2.0])]
    assert gradcheck(WrongSquare.apply, x, raise_exception=False) is False
    assert gradcheck(Square.apply, x, raise_exception=False) is True
    with pytest.raises(GradcheckError, match="direction"):   # fast_mode is the random mode
        gradcheck(WrongSquare.apply, x, fast_mode=True)
    # nondet_tol bounds the difference between two backward passes (as torch), it does not
    # widen the gradient comparison
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(OffByOneAt.apply, [np.ones(6)], nondet_tol=2.0)
    assert gradcheck(Square.apply, x, check_batched_grad=True, check_grad_dtypes=True)
