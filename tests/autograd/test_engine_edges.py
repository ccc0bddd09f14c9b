"""Corner cases of gradient bookkeeping: gradient shapes and dtypes from custom Functions,
setitem with extra leading 1-dims, empty batches in fused cells, to(None, dtype),
set_grad_enabled as a decorator."""
import numpy as np
import pytest

import autograd
import nn

torch = pytest.importorskip("torch")


def test_setitem_of_a_value_with_extra_leading_ones_gets_its_gradient_shape():
    for lib in (autograd, torch):
        y = lib.ones(2, 3, requires_grad=True) * 1
        b = lib.tensor(np.arange(3.0).reshape(1, 1, 3), requires_grad=True)
        y[0] = b
        (y * y).sum().backward()
        assert tuple(b.grad.shape) == (1, 1, 3)
        np.testing.assert_allclose(np.asarray(b.grad.numpy() if lib is torch else b.grad.data),
                                   2 * np.arange(3.0).reshape(1, 1, 3))


@pytest.mark.parametrize("cls", [nn.LSTMCell, nn.GRUCell, nn.RNNCell])
def test_fused_cells_take_an_empty_batch(cls):
    cell = cls(5, 4)
    out = cell(autograd.zeros(0, 5))
    h = out[0] if isinstance(out, tuple) else out
    assert tuple(h.shape) == (0, 4)
    h.sum().backward()
    np.testing.assert_array_equal(cell.weight_ih.grad.data, 0)


class _WrongShape(autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return np.ones(4)


class _Float64Grad(autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g.astype(np.float64) * 2


def test_a_custom_gradient_of_the_wrong_shape_is_named():
    x = autograd.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"_WrongShape.backward returned a gradient of shape "
                                           r"\(4,\) for input 0 of shape \(3,\)"):
        _WrongShape.apply(x).sum().backward()


def test_a_float32_leaf_grad_stays_float32_when_a_backward_returns_float64():
    x = autograd.ones(3, requires_grad=True)
    for _ in range(3):
        _Float64Grad.apply(x).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, np.full(3, 6.0))


def test_to_none_and_a_dtype_casts():
    t = autograd.ones(2)
    assert t.to(None, autograd.float64).dtype == np.float64
    assert t.to(device=None, dtype=autograd.float64).dtype == np.float64
    assert torch.ones(2).to(None, torch.float64).dtype == torch.float64


def test_set_grad_enabled_as_a_decorator_restores_the_mode():
    @autograd.set_grad_enabled(False)
    def doubled(x):
        return x * 2

    assert autograd.is_grad_enabled()
    x = autograd.ones(2, requires_grad=True)
    assert not doubled(x).requires_grad
    assert autograd.is_grad_enabled()
    with autograd.no_grad():
        assert autograd.set_grad_enabled(True)(lambda: (x * 2).requires_grad)()
        assert not autograd.is_grad_enabled()


class _ReturnsShape(autograd.Function):
    """Returns a gradient of a given shape for its (3,) input, filled with 1, 2, 3, ..."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = shape
        return x * 1

    @staticmethod
    def backward(ctx, g):
        return np.arange(1, 1 + int(np.prod(ctx.shape)), dtype=g.dtype).reshape(ctx.shape)


@pytest.mark.parametrize("shape, expected", [
    ((1, 3), [1, 2, 3]), ((1, 1, 3), [1, 2, 3]),            # leading ones: reshaped
    ((2, 3), [5, 7, 9]),                                      # broadcast: summed
])
def test_a_gradient_with_extra_leading_dims_is_summed_back(shape, expected):
    for through_a_node in (False, True):
        a = autograd.ones(3, requires_grad=True)
        x = a * 1 if through_a_node else a
        _ReturnsShape.apply(x, shape=shape).sum().backward()
        np.testing.assert_array_equal(a.grad.data, expected)


@pytest.mark.parametrize("shape", [(3, 1), (1, 4), (2, 1, 1)])
def test_a_gradient_that_cannot_be_summed_back_is_refused(shape):
    for through_a_node in (False, True):
        a = autograd.ones(3, requires_grad=True)
        x = a * 1 if through_a_node else a
        with pytest.raises(RuntimeError, match=r"_ReturnsShape.backward returned a gradient"):
            _ReturnsShape.apply(x, shape=shape).sum().backward()
