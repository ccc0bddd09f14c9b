"""Corner cases of the speed paths, part 2: the fused in-place axpy (add_/sub_/SGD), the
activation kernels' float32 constants and the last-axis softmax rows.
"""
import numpy as np
import pytest

import autograd
import nn
import optim
from autograd.kernels import update

from tests.reliability.speed_helpers import assert_close, ours as _t, theirs as _tt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(1234)


# ------------------------------------------------------------------ fused in-place axpy
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("alpha", [1, 0.1, -3.5, 1e-3])
def test_add_sub_inplace_bitwise_equal_to_numpy(dtype, alpha):
    y0 = RNG.standard_normal(257).astype(dtype)
    o = RNG.standard_normal(257).astype(dtype)
    t = autograd.tensor(y0.copy())
    t.sub_(autograd.tensor(o), alpha=alpha)
    ref = y0.copy()
    np.subtract(ref, o * alpha, out=ref, casting="unsafe")
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.data, ref)
    t = autograd.tensor(y0.copy())
    t.add_(o, alpha=alpha)
    ref = y0.copy()
    np.add(ref, o * alpha, out=ref, casting="unsafe")
    np.testing.assert_array_equal(t.data, ref)


@pytest.mark.parametrize("case", ["self", "reversed", "shifted", "fortran", "0d", "empty",
                                  "broadcast", "int_tensor", "float64_into_float32"])
def test_add_inplace_layouts_and_aliasing(case):
    if case == "self":
        t = autograd.tensor(np.arange(6.0, dtype=np.float32))
        t.add_(t, alpha=2)
        expect = 3 * np.arange(6.0, dtype=np.float32)
    elif case == "reversed":
        t = autograd.tensor(np.arange(6.0, dtype=np.float32))
        t.add_(t[::-1])
        expect = np.full(6, 5.0, np.float32)
    elif case == "shifted":       # overlapping operand and target
        buf = np.arange(8.0)
        t = autograd.from_numpy(buf[:6])
        t.add_(buf[2:])
        expect = np.arange(6.0) + np.arange(2.0, 8.0)
    elif case == "fortran":
        a = np.asfortranarray(RNG.standard_normal((3, 4)))
        o = RNG.standard_normal((3, 4))
        t = autograd.from_numpy(a.copy(order="F"))
        t.sub_(o, alpha=0.5)
        expect = a - 0.5 * o
        assert t.data.flags.f_contiguous
    elif case == "0d":
        t = autograd.tensor(np.float32(1.5))
        t.add_(np.asarray(np.float32(2.0)), alpha=2)
        expect = np.asarray(np.float32(5.5))
    elif case == "empty":
        t = autograd.tensor(np.zeros((0, 3), np.float32))
        t.add_(np.zeros((0, 3), np.float32))
        expect = np.zeros((0, 3), np.float32)
    elif case == "broadcast":
        t = autograd.tensor(np.zeros((2, 3)))
        t.add_(np.arange(3.0), alpha=2)
        expect = np.tile(2 * np.arange(3.0), (2, 1))
    elif case == "int_tensor":    # a float result does not fit an integer tensor (torch too)
        t = autograd.tensor(np.ones(3, np.int64))
        with pytest.raises(TypeError, match=r"add_.*int64.*float64"):
            t.add_(np.full(3, 2.7))
        t.add_(np.full(3, 2))
        expect = np.full(3, 3, np.int64)
    else:
        t = autograd.tensor(np.ones(3, np.float32))
        t.add_(np.full(3, 0.1), alpha=3)
        expect = (np.ones(3) + 0.3).astype(np.float32)
    assert t.dtype == expect.dtype
    np.testing.assert_allclose(t.data, expect, rtol=1e-6)


def test_add_inplace_into_saved_weight_invalidates_backward():
    w = _t(RNG.standard_normal((3, 3)))
    x = _t(RNG.standard_normal((2, 3)))
    loss = (x @ w).sum()
    with autograd.no_grad():
        w.add_(np.ones((3, 3)))
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_add_inplace_bad_shape_names_op_and_shapes():
    t = autograd.tensor(np.ones(3, np.float32))
    with pytest.raises(ValueError, match=r"add_.*\(4,\).*\(3,\)"):
        t.add_(np.ones(4, np.float32))


def test_add_inplace_alpha_none_raises_naming_the_op():
    # alpha=None was a TypeError (None * array); the fused path rounds it to float32(None),
    # which is nan, and fills the tensor with nan without a word
    t = autograd.tensor(np.ones(3, np.float32))
    with pytest.raises(TypeError, match="add_"):
        t.add_(np.ones(3, np.float32), alpha=None)
    np.testing.assert_array_equal(t.data, np.ones(3, np.float32))


@pytest.mark.parametrize("op", ["add_", "sub_"])
def test_add_inplace_array_alpha_raises_naming_the_op(op):
    # a non-scalar alpha reaches the numba kernel: a raw TypingError, not an error naming
    # the op (PyTorch: TypeError, alpha must be a number)
    t = autograd.tensor(np.ones(3, np.float32))
    with pytest.raises((TypeError, ValueError), match=op):
        getattr(t, op)(np.ones(3, np.float32), alpha=np.array([1.0, 2.0, 3.0]))


def test_axpy_kernel_declines_what_it_cannot_do():
    n = update.SMALL + 36   # above the size under which numpy's path is taken anyway
    y = np.ones(n)
    assert update.axpy_(y, 2.0, np.ones(n)) and np.array_equal(y, np.full(n, 3.0))
    assert not update.axpy_(y, 1.0, y[::-1])                    # overlap
    assert not update.axpy_(y, 1.0, np.ones(n, np.float32))     # dtype mismatch
    assert not update.axpy_(y, 1.0, np.ones((1, n)))            # shape mismatch
    ro = np.ones(n)
    ro.flags.writeable = False
    assert not update.axpy_(ro, 1.0, np.ones(n))
    assert not update.axpy_(np.ones(n, np.int64), 1.0, np.ones(n, np.int64))
    f = np.asfortranarray(np.ones((n, 3)))
    assert not update.axpy_(f, 1.0, np.ones((n, 3)))
    np.testing.assert_array_equal(f, np.ones((n, 3)))


# ------------------------------------------------------------------ SGD on the fused update
@pytest.mark.parametrize("layout", ["C", "F", "0d", "empty", "strided"])
@pytest.mark.parametrize("kw", [dict(), dict(momentum=0.9), dict(momentum=0.9, nesterov=True),
                                dict(momentum=0.5, dampening=0.3, weight_decay=0.1),
                                dict(maximize=True, weight_decay=0.01)])
def test_sgd_matches_torch(layout, kw):
    shape = {"C": (3, 4), "F": (3, 4), "0d": (), "empty": (0, 3), "strided": (3, 4)}[layout]
    p0 = RNG.standard_normal(shape)
    if layout == "F":
        data = np.asfortranarray(p0)
    elif layout == "strided":
        data = np.zeros((3, 8))[:, ::2]
        data[...] = p0
    else:
        data = p0.copy()
    p = nn.Parameter(autograd.from_numpy(data))
    tp = torch.nn.Parameter(torch.tensor(p0))
    opt, topt = optim.SGD([p], lr=0.1, **kw), torch.optim.SGD([tp], lr=0.1, **kw)
    for _ in range(3):
        g = RNG.standard_normal(shape)
        p.grad, tp.grad = autograd.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    assert_close(p, tp.detach(), rtol=1e-12, atol=1e-14)


def test_sgd_float32_stays_float32_and_matches_torch():
    p0 = RNG.standard_normal((5, 7)).astype(np.float32)
    p, tp = nn.Parameter(p0.copy()), torch.nn.Parameter(torch.tensor(p0))
    opt = optim.SGD([p], lr=0.03, momentum=0.9)
    topt = torch.optim.SGD([tp], lr=0.03, momentum=0.9)
    for _ in range(4):
        g = RNG.standard_normal((5, 7)).astype(np.float32)
        p.grad, tp.grad = autograd.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    assert p.dtype == np.float32 and p.grad.dtype == np.float32
    np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-6, atol=1e-7)


def test_sgd_grad_aliasing_the_parameter():
    p = nn.Parameter(np.arange(4.0))
    p.grad = autograd.from_numpy(p.data)      # the gradient is the parameter's own memory
    optim.SGD([p], lr=0.5).step()
    np.testing.assert_array_equal(p.data, 0.5 * np.arange(4.0))


def test_sgd_after_backward_through_graph_still_alive():
    # the update goes through the read-only lock of a retained graph; that graph then raises
    w = nn.Parameter(RNG.standard_normal((3, 2)).astype(np.float32))
    x = autograd.tensor(RNG.standard_normal((4, 3)).astype(np.float32))
    loss = (x @ w).sum()
    loss.backward(retain_graph=True)
    before = w.data.copy()
    optim.SGD([w], lr=0.1).step()
    np.testing.assert_allclose(w.data, before - np.float32(0.1) * w.grad.data, rtol=1e-6)
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()
    del loss
    assert w.data.flags.writeable


# ------------------------------------------------------------------ activation kernels
SPECIAL = [-0.0, 0.0, -1e30, 1e30, -np.inf, np.inf, -100.0, 100.0, -88.0, 88.0, 1e-8, -1e-8,
           -17.0, 17.0, 0.5, -0.5]


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_special_values_match_torch(name, dtype):
    a = np.array(SPECIAL, dtype)
    x, tx = _t(a), _tt(a)
    y, ty = getattr(x, name)(), getattr(torch, name)(tx)
    assert y.dtype == dtype
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    # atol: float32 sigmoid(-100) is the subnormal 3.8e-44 here, 0 in PyTorch
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=rtol, atol=1e-40)
    w = np.linspace(-1, 1, a.size).astype(dtype)
    (y * autograd.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    assert x.grad.dtype == dtype
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=10 * rtol, atol=1e-30)
    if name == "tanh":  # tanh(-0.0) is -0.0
        assert np.array_equal(np.signbit(y.data[:2]), [True, False])


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_activation_nan_propagates(name):
    y = getattr(_t(np.array([np.nan, 1.0], np.float32)), name)()
    assert np.isnan(y.data[0]) and not np.isnan(y.data[1])


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_activation_views_and_empty(name):
    base = RNG.standard_normal((4, 6))
    for a in [base[:, ::-2], np.asfortranarray(base), base[:0], np.asarray(base[1, 2])]:
        x, tx = autograd.from_numpy(a), _tt(a)
        x.requires_grad = True
        y, ty = getattr(x, name)(), getattr(torch, name)(tx)
        assert_close(y, ty)
        y.sum().backward()
        ty.sum().backward()
        assert_close(x.grad, tx.grad)
        np.testing.assert_array_equal(x.data, a)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_activation_gradcheck(name):
    x = _t(RNG.standard_normal((3, 4)) * 3)
    assert autograd.gradcheck(lambda t: getattr(t, name)(), (x,), eps=1e-6, atol=1e-7,
                              rtol=1e-6)


def test_activation_integer_input_gives_float32():
    for name in ["sigmoid", "tanh"]:
        y = getattr(autograd.tensor(np.arange(-2, 3)), name)()
        assert y.dtype == np.float32
        ref = getattr(torch, name)(torch.arange(-2, 3).float()).numpy()
        np.testing.assert_allclose(y.data, ref, rtol=1e-6)


def test_activation_kernels_round_in_float32():
    from autograd.kernels import activation as K
    x = RNG.standard_normal(1000).astype(np.float32) * 6
    y = K.sigmoid_forward(x)
    assert y.dtype == np.float32
    # within a few float32 roundings of the exact logistic (its exp is fastexp's, <= 1 ulp)
    exact = 1 / (1 + np.exp(-x.astype(np.float64)))
    np.testing.assert_allclose(y, exact, rtol=4 * np.finfo(np.float32).eps, atol=0)
    one = np.float32(1)
    g = RNG.standard_normal(1000).astype(np.float32)
    assert K.sigmoid_backward(y, g).dtype == np.float32
    np.testing.assert_array_equal(K.tanh_backward(y, g), g * (one - y * y))


# ------------------------------------------------------------------ softmax rows
@pytest.mark.parametrize("shape, dim", [((3, 5), -1), ((3, 5), 1), ((5,), 0), ((5,), -1),
                                        ((2, 3, 4), -1), ((2, 3, 4), 2), ((2, 3, 4), 1),
                                        ((3, 0), -1), ((0, 4), -1), ((), -1), ((2, 1), -1)])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_rows_match_torch(shape, dim, op):
    a = RNG.standard_normal(shape)
    x, tx = _t(a), _tt(a)
    y, ty = getattr(x, op)(dim), getattr(torch, op)(tx, dim)
    assert_close(y, ty)
    w = RNG.standard_normal(shape)
    (y * autograd.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    assert_close(x.grad, tx.grad)
    np.testing.assert_array_equal(x.data, a)


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_rows_noncontiguous_inputs_and_float32(op):
    base = RNG.standard_normal((4, 10)).astype(np.float32)
    for a in [base.T, base[:, ::-3], np.asfortranarray(base)]:
        x = autograd.from_numpy(a)
        x.requires_grad = True
        tx = _tt(a)
        y, ty = getattr(x, op)(-1), getattr(torch, op)(tx, -1)
        assert y.dtype == np.float32
        np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-5, atol=1e-6)
        y.sum().backward()
        ty.sum().backward()
        assert x.grad.dtype == np.float32
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-4, atol=1e-6)
        np.testing.assert_array_equal(x.data, a)


def test_softmax_output_is_released_with_its_graph():
    x = _t(RNG.standard_normal((3, 4)))
    y = x.softmax(-1)
    loss = y.sum()
    del loss
    out = y.detach()
    y = None
    out.data[0, 0] = 0.25       # the saved rows are released: writeable again
    assert out.data[0, 0] == 0.25


def test_softmax_gradcheck():
    x = _t(RNG.standard_normal((2, 3, 4)))
    assert autograd.gradcheck(lambda t: t.softmax(-1) * t.log_softmax(2), (x,), eps=1e-6,
                              atol=1e-7, rtol=1e-6)
