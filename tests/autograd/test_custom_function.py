"""User-defined Functions: ctx.saved_tensors, the number of gradients backward returns, and
non-Tensor positional arguments (`MulConstant.apply(x, 3.0)`), against torch.autograd.Function."""
import numpy as np
import pytest

import autograd
from autograd import Function

torch = pytest.importorskip("torch")


def leaf(values):
    return autograd.tensor(values, dtype=autograd.float64, requires_grad=True)


class MulConstant(Function):
    """y = x * c (c a Python number);  dx = g * c."""

    @staticmethod
    def forward(ctx, x, c):
        ctx.c = c
        return x * c

    @staticmethod
    def backward(ctx, g):
        return g * ctx.c, None


class TorchMulConstant(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, c):
        ctx.c = c
        return x * c

    @staticmethod
    def backward(ctx, g):
        return g * ctx.c, None


class ScaledProduct(Function):
    """y = a * b * s (s positional, between the tensors);  da = g b s, db = g a s."""

    @staticmethod
    def forward(ctx, a, s, b):
        ctx.save_for_backward(a, b)
        ctx.s = s
        return a * b * s

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_s, need_b = ctx.needs_input_grad
        assert need_s is False
        return (g * b * ctx.s if need_a else None), None, (g * a * ctx.s if need_b else None)


class TorchScaledProduct(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, s, b):
        ctx.save_for_backward(a, b)
        ctx.s = s
        return a * b * s

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b * ctx.s, None, g * a * ctx.s


def test_saved_tensors_is_saved():
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            assert ctx.saved_tensors is ctx.saved and isinstance(ctx.saved_tensors, tuple)
            (x,) = ctx.saved_tensors
            return (2 * x * g,)

    x = leaf([1.5, -2.0])
    Square.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [3.0, -4.0], rtol=1e-12)


def test_non_tensor_positional_argument_matches_torch():
    data = np.array([[0.5, -1.0, 2.0], [3.0, 0.25, -0.75]])
    v = np.random.default_rng(0).standard_normal(data.shape)
    x = leaf(data)
    y = MulConstant.apply(x, 3.0)
    (y * autograd.tensor(v)).sum().backward()
    xt = torch.tensor(data, requires_grad=True)
    yt = TorchMulConstant.apply(xt, 3.0)
    (yt * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-10)
    assert y.grad_fn.name() == "MulConstantBackward"
    assert autograd.gradcheck(lambda t: MulConstant.apply(t, -1.5), (data,))


def test_non_tensor_between_tensors_and_needs_input_grad():
    rng = np.random.default_rng(1)
    a_np, b_np = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    a, b = leaf(a_np), autograd.tensor(b_np, dtype=autograd.float64)
    ScaledProduct.apply(a, 0.5, b).sum().backward()
    at, bt = torch.tensor(a_np, requires_grad=True), torch.tensor(b_np)
    TorchScaledProduct.apply(at, 0.5, bt).sum().backward()
    np.testing.assert_allclose(a.grad.data, at.grad.numpy(), rtol=1e-10)
    assert b.grad is None
    assert autograd.gradcheck(lambda p, q: ScaledProduct.apply(p, 2.0, q), (a_np, b_np))


def test_non_tensor_arguments_under_no_grad_and_float32():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    with autograd.no_grad():
        y = MulConstant.apply(x, 2.0)
    assert not y.requires_grad and y.grad_fn is None
    z = MulConstant.apply(x, np.float32(2.0))
    z.sum().backward()
    assert z.dtype == autograd.float32 and x.grad.dtype == autograd.float32


def test_fewer_gradients_than_inputs_that_require_grad_raises():
    class Forgetful(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return (g,)

    a, b = leaf([1.0]), leaf([2.0])
    with pytest.raises(RuntimeError, match=r"Forgetful\.backward returned 1 gradient for 2 inputs"):
        Forgetful.apply(a, b).sum().backward()
    # the missing entry belongs to an input that needs no gradient: None, as before
    a, c = leaf([1.0]), autograd.tensor([2.0], dtype=autograd.float64)
    Forgetful.apply(a, c).sum().backward()
    np.testing.assert_allclose(a.grad.data, [1.0])


def test_fewer_gradients_with_positional_arguments_raises():
    class Forgetful(Function):
        @staticmethod
        def forward(ctx, a, s, b):
            return a * b * s

        @staticmethod
        def backward(ctx, g):
            return g, None

    with pytest.raises(RuntimeError, match=r"Forgetful\.backward returned 2 gradients for 3 "
                                           r"inputs.*input 2 requires grad"):
        Forgetful.apply(leaf([1.0]), 2.0, leaf([3.0])).sum().backward()


def test_extra_gradients_and_a_bare_array():
    class Extra(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2, g

    with pytest.raises(RuntimeError, match=r"Extra\.backward returned 2 gradients for 1 inputs"):
        Extra.apply(leaf([1.0])).sum().backward()

    class TrailingNone(Extra):
        @staticmethod
        def backward(ctx, g):
            return g * 2, None

    class Bare(Extra):
        @staticmethod
        def backward(ctx, g):
            return g * 2  # one input: a bare array stands for a one-entry tuple

    for fn in (TrailingNone, Bare):
        x = leaf([[1.0, 2.0], [3.0, 4.0]])
        fn.apply(x).sum().backward()
        np.testing.assert_allclose(x.grad.data, np.full((2, 2), 2.0))


def test_attribute_error_inside_forward_is_not_swallowed():
    class Broken(Function):
        @staticmethod
        def forward(ctx, a):
            return a.no_such_attribute

    with pytest.raises(AttributeError, match="no_such_attribute"):
        Broken.apply(leaf([1.0]))
