"""autograd.gradcheck against torch.autograd.gradcheck: both flag the same wrong backwards and
pass the same right ones; nested outputs, non-Tensor arguments, float32 inputs and torch's
keyword arguments behave as in torch."""
import numpy as np
import pytest
import torch

import autograd
import autograd.backprop as backprop
import nn
from autograd import GradcheckError, gradcheck, gradgradcheck

X = np.linspace(-1.0, 1.5, 3)


def doubling(backward):
    """y = 2x in both engines, with the given backward(g) -> dx (written for either)."""
    class Ours(autograd.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return backward(g)

    class Theirs(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return backward(g)

    return Ours.apply, Theirs.apply


def ours(a=X, dtype=autograd.float64):
    return autograd.tensor(a, dtype=dtype, requires_grad=True)


def theirs(a=X, dtype=torch.float64):
    return torch.tensor(a, dtype=dtype, requires_grad=True)


def both(fn_ours, fn_torch, **kw):
    """(our verdict, torch's verdict) on one input, without raising."""
    return (gradcheck(fn_ours, (ours(),), raise_exception=False, **kw),
            torch.autograd.gradcheck(fn_torch, (theirs(),), raise_exception=False, **kw))


RIGHT = doubling(lambda g: g * 2)
WRONG = doubling(lambda g: g * 3)


# --------------------------------------------------------------------- outputs
def test_nested_outputs_are_checked_and_named_by_position():
    with pytest.raises(GradcheckError, match=r"output 1\[0\] with respect to input 0"):
        gradcheck(lambda x: (x.sin(), (WRONG[0](x),)), (ours(),))
    with pytest.raises(GradcheckError, match=r"output 'b'"):
        gradcheck(lambda x: {"a": x.sin(), "b": [WRONG[0](x)]}, (ours(),))
    assert gradcheck(lambda x: (x.sin(), (RIGHT[0](x), [x.exp()])), (ours(),))
    assert gradcheck(lambda x: (lambda y: (y, [y]))(x.sin()), (ours(),))   # one tensor twice
    # torch takes flat tuples only: the same verdicts there
    assert both(lambda x: (x.sin(), WRONG[0](x)), lambda x: (x.sin(), WRONG[1](x))) == \
        (False, False)


def _lstms():
    autograd.manual_seed(0)
    torch.manual_seed(0)
    return nn.LSTM(2, 2).double(), torch.nn.LSTM(2, 2).double()


def test_every_lstm_output_is_checked():
    lstm, tlstm = _lstms()
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in ((3, 1, 2), (1, 1, 2), (1, 1, 2))]
    assert gradcheck(lambda x, h, c: lstm(x, (h, c)), [ours(a) for a in arrays])
    assert torch.autograd.gradcheck(lambda x, h, c: (lambda o, hc: (o, *hc))(*tlstm(x, (h, c))),
                                    [theirs(a) for a in arrays])

    def wrong_c_n(x, h, c):   # only c_n, nested in the (h_n, c_n) pair, is wrong
        out, (h_n, c_n) = lstm(x, (h, c))
        return out, (h_n, WRONG[0](c_n))

    with pytest.raises(GradcheckError, match=r"output 1\[1\]"):
        gradcheck(wrong_c_n, [ours(a) for a in arrays])


def test_an_integer_output_has_nothing_to_check_as_in_torch():
    assert gradcheck(lambda x: x.argmax(), (ours(),))
    assert torch.autograd.gradcheck(lambda x: x.argmax(), (theirs(),))


# --------------------------------------------------------------------- inputs
def test_non_tensor_arguments_reach_fn_unchanged():
    lin = nn.Linear(3, 2).double()
    seen = []

    def fn(x, flag, nothing, module, scale, pair):
        seen.append((flag, nothing, module, scale, pair))
        y = module(x) * scale if flag is True and nothing is None else x
        return y * pair[1]

    marker = ("kept", 2.0)
    assert gradcheck(fn, (ours(), True, None, lin, 0.5, marker))
    flag, nothing, module, scale, pair = seen[0]
    assert flag is True and nothing is None and module is lin and pair is marker
    assert type(scale) is float
    tlin = torch.nn.Linear(3, 2).double()
    assert torch.autograd.gradcheck(fn, (theirs(), True, None, tlin, 0.5, marker))


def test_rnn_with_no_initial_state():
    autograd.manual_seed(0)
    rnn, trnn = nn.GRU(2, 3).double(), torch.nn.GRU(2, 3).double()
    x = np.random.default_rng(1).standard_normal((3, 1, 2))
    assert gradcheck(lambda x, h0: rnn(x, h0)[0], (ours(x), None))
    assert torch.autograd.gradcheck(lambda x, h0: trnn(x, h0)[0], (theirs(x), None))


def test_float32_model_is_checked_in_float32_with_torchs_warning():
    lin, tlin = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    kw = dict(eps=1e-2, atol=1e-2, rtol=1e-2)
    with pytest.warns(UserWarning, match="not double precision"):
        assert gradcheck(lin, (ours(X[None], autograd.float32),), **kw)
    with pytest.warns(UserWarning, match="not a double precision"):
        assert torch.autograd.gradcheck(tlin, (theirs(X[None], torch.float32),), **kw)
    with pytest.warns(UserWarning):
        assert gradcheck(WRONG[0], (ours(X, autograd.float32),), raise_exception=False,
                         **kw) is False


def test_complex_input_is_a_clear_error():
    with pytest.raises(TypeError, match="input 0 is complex"):
        gradcheck(lambda z: z * 2, (np.array([1 + 1j]),))


# --------------------------------------------------------------------- strictness
def test_an_additive_error_in_a_backward_is_caught_as_torch_does():
    off = doubling(lambda g: g * 2 + 1e-4)
    assert both(*off) == (False, False)
    assert both(*RIGHT) == (True, True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(off[0], (ours(),))
    msg = str(info.value)
    for part in ("output 0 with respect to input 0", "output index (", "input index (",
                 "analytic", "numeric", "6 of 9 elements"):
        assert part in msg, msg


def test_the_random_mode_stays_the_cheap_option():
    assert both(*WRONG, fast_mode=True) == (False, False)
    assert both(*RIGHT, fast_mode=True) == (True, True)


def test_a_backward_not_scaled_by_the_output_gradient_is_caught():
    # right on every one-hot output gradient, wrong on a zero one
    odd = doubling(lambda g: g * 2 + float((g == 0).all()))
    assert both(*odd) == (False, False)
    with pytest.raises(GradcheckError, match="zero gradients for every output"):
        gradcheck(odd[0], (ours(),))


class TwoOutputs(autograd.autograd.Function):
    """(2x, 3x), with None for an output that gets no gradient; the backward cannot cope."""

    @staticmethod
    def forward(ctx, x):
        ctx.set_materialize_grads(False)
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, g2, g3):
        return g2 * 2 + g3 * 3


def test_check_undefined_grad():
    with pytest.raises(GradcheckError, match="check_undefined_grad.*output 0 getting no "
                                             "gradient.*TypeError"):
        gradcheck(TwoOutputs.apply, (ours(),))
    assert gradcheck(TwoOutputs.apply, (ours(),), check_undefined_grad=False)


def test_nondet_tol_bounds_two_backward_passes():
    rng = np.random.default_rng(0)
    noisy = doubling(lambda g: g * (2 + 1e-9 * float(rng.standard_normal())))
    assert both(*noisy) == (False, False)
    assert both(*noisy, nondet_tol=1e-6) == (True, True)
    with pytest.raises(GradcheckError, match="not reentrant"):
        gradcheck(noisy[0], (ours(),))


def test_check_batched_grad_compares_with_a_loop(monkeypatch):
    assert both(lambda x: x.sin(), lambda x: x.sin(), check_batched_grad=True) == (True, True)
    orig = backprop._batched_grad
    monkeypatch.setattr(backprop, "_batched_grad",
                        lambda *a: tuple(g * 1.5 for g in orig(*a)))
    with pytest.raises(GradcheckError, match="check_batched_grad"):
        gradcheck(lambda x: x.sin(), (ours(),), check_batched_grad=True)


def test_torch_keywords_are_accepted_or_refused_clearly():
    x = (ours(),)
    assert gradcheck(lambda a: a.sin(), x, check_grad_dtypes=True, masked=None)
    assert gradcheck(lambda a: a.sin(), x, masked=False, check_batched_forward_grad=False)
    for kw in (dict(check_forward_ad=True), dict(check_batched_forward_grad=True)):
        with pytest.raises(NotImplementedError, match="forward-mode AD"):
            gradcheck(lambda a: a.sin(), x, **kw)
    with pytest.raises(ValueError, match="check_backward_ad"):
        gradcheck(lambda a: a.sin(), x, check_backward_ad=False)
    with pytest.raises(AssertionError):   # torch refuses it too: no check would be left
        torch.autograd.gradcheck(lambda a: a.sin(), (theirs(),), check_backward_ad=False)
    with pytest.raises(ValueError, match="masked"):
        gradcheck(lambda a: a.sin(), x, masked=True)
    with pytest.raises(NotImplementedError):
        gradgradcheck(lambda a: a.sin(), x, check_fwd_over_rev=True)


def test_gradgradcheck_takes_the_same_inputs_and_outputs():
    def fn(x, power, flag):
        assert type(power) is float and flag is None
        return x ** power, (x.sin(),)

    assert gradgradcheck(fn, (ours(), 3.0, None), check_undefined_grad=True,
                         check_batched_grad=True)
    assert torch.autograd.gradgradcheck(lambda x, p, f: (x ** p, x.sin()), (theirs(), 3.0, None))
