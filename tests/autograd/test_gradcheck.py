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


# --------------------------------------------------------------------- the caller's tensors
def _tripled(grad):
    return grad * 3


@pytest.mark.parametrize("fast_mode", [False, True])
def test_a_fn_that_reads_module_parameters_is_checked_through_them(fast_mode):
    # torch's idiom: the parameters are the inputs, fn closes over the module. The check must
    # perturb the parameters themselves: with copies both Jacobians were zero and it passed.
    import nn
    autograd.manual_seed(0)
    lstm = nn.LSTM(3, 2).double()
    x = autograd.randn(4, 1, 3, dtype=autograd.float64)

    def fn(*params):
        return lstm(x)[0]

    assert gradcheck(fn, tuple(lstm.parameters()), fast_mode=fast_mode)
    lstm.weight_hh_l0.register_hook(_tripled)     # a wrong gradient for one parameter
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(fn, tuple(lstm.parameters()), fast_mode=fast_mode)


class WrongWhenStrided(MulWrongSecond):
    """y = x * w with dx wrong (sign flipped) for a non-contiguous x alone, as a numpy
    backward that loses its writes into a transposed buffer's reshape copy is."""

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved
        dx = g * w
        return (dx if x.flags.c_contiguous else -dx), g * x


def test_inputs_keep_their_memory_layout():
    base = autograd.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    w = autograd.tensor(np.linspace(0.5, 2, 6).reshape(3, 2), requires_grad=True)
    contiguous = autograd.tensor(base.detach().numpy().T.copy(), requires_grad=True)
    assert gradcheck(WrongWhenStrided.apply, (contiguous, w))
    seen = []
    gradcheck(lambda a: seen.append(a.is_contiguous()) or a * 2, (base.t(),))
    assert seen and not any(seen)                  # fn gets the caller's transposed tensor
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(WrongWhenStrided.apply, (base.t(), w))


def test_inputs_that_share_memory_are_refused():
    x = autograd.tensor(X, requires_grad=True)
    with pytest.raises(ValueError, match="inputs 0 and 1 share memory"):
        gradcheck(lambda a, b: a @ b, (x, x.t()))
    assert gradcheck(lambda a, b: a * b, (x, x))   # the same tensor twice is one input


def test_inputs_held_by_a_live_graph_are_perturbed_and_restored_bit_for_bit():
    w = autograd.tensor(X, requires_grad=True)
    loss = (w * w).sum()                          # a graph of the caller's that saved w
    before = w.detach().numpy().copy()
    assert gradcheck(lambda a: (a @ a.t()).tanh(), (w,))
    np.testing.assert_array_equal(w.detach().numpy(), before)
    with pytest.raises(ValueError, match="read-only"):
        w.data[0, 0] = 1.0                        # locked again while that graph lives
    loss.backward()                               # its graph is intact: no version bumped
    np.testing.assert_array_equal(w.grad.numpy(), 2 * X)


def test_gradcheck_error_is_a_runtime_error_as_torchs():
    assert issubclass(GradcheckError, RuntimeError)
    with pytest.raises(RuntimeError):
        gradcheck(WrongSquare.apply, [X])
