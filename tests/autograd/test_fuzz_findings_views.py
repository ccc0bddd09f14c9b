"""Results that share memory or identity with an input where torch's do not (found by random
programs run against torch): each used to give a silently wrong gradient or a crash."""
import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")


def _run(lib, program):
    a = lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=lib.float64, requires_grad=True)
    return program(lib, a)


@pytest.mark.parametrize("spec", ["ij->ji", "ii->i", "ij->ij"])
def test_an_einsum_that_only_rearranges_aliases_as_torchs(spec):
    """A pure permutation is a view of the input, as torch's ("ii->i" a copy in both); an
    in-place op on the result under no_grad writes into the input exactly when torch's does."""
    got = []
    for lib in (autograd, torch):
        w = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        out = lib.einsum(spec, w)
        with lib.no_grad():
            out.mul_(10)
        got.append(w.detach().numpy().copy())
    np.testing.assert_array_equal(*got)
    before = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    w = autograd.tensor(before, requires_grad=True)
    y = w * 1
    z = autograd.einsum(spec, y)
    (z * z).sum().backward()
    tw = torch.tensor(before, requires_grad=True)
    tz = torch.einsum(spec, tw * 1)
    (tz * tz).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy())


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_with_a_dim_of_a_0d_tensor_are_new_tensors(op):
    def program(lib):
        x = lib.tensor(2.0, dtype=lib.float64, requires_grad=True)
        y = x * 1
        z = getattr(y, op)(0)[0]
        y.mul_(3)
        (z + y).backward()
        return z.item(), x.grad.item()
    assert program(autograd) == program(torch) == (2.0, 4.0)


@pytest.mark.parametrize("make", [
    lambda y: y.squeeze(), lambda y: y.squeeze(0), lambda y: y.transpose(0, 0),
    lambda y: y.swapaxes(0, -1), lambda y: y.t()])
def test_shape_ops_that_change_nothing_return_a_new_tensor(make):
    """A hook on the result must act on it alone, not on its input's gradient."""
    grads = []
    for lib in (autograd, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = x * 3
        z = make(y)
        assert z is not y
        z.register_hook(lambda g: g * 100)
        y.sum().backward()
        grads.append(x.grad.numpy().tolist())
    assert grads[0] == grads[1] == [3.0, 3.0]


def test_movedim_of_a_0d_tensor_is_a_new_tensor():
    x = autograd.tensor(2.0, requires_grad=True)
    y = x * 1
    assert y.movedim((), ()) is not y
    assert torch.tensor(2.0).movedim((), ()).shape == y.movedim((), ()).shape == ()


@pytest.mark.parametrize("index", ["ellipsis", "empty", "none", "mask"])
def test_writing_into_a_0d_non_leaf_then_backward(index):
    """The gradient reaching the write can be a numpy scalar (products of 0-d arrays are):
    backward used to fail on item assignment."""
    out = []
    for lib in (autograd, torch):
        a = lib.tensor(0.5, dtype=lib.float64, requires_grad=True)
        y = a * 2
        key = {"ellipsis": ..., "empty": (), "none": None, "mask": y > 0}[index]
        y[key] = 3.0
        (y * a).backward()
        b = lib.tensor(0.5, dtype=lib.float64, requires_grad=True)
        y = b * 2
        y[key] = b * 5
        (g,) = lib.autograd.grad(y * b, b, create_graph=True)
        out.append((a.grad.item(), g.item()))
    assert out[0] == out[1] == (3.0, 5.0)


@pytest.mark.parametrize("expr, raises", [("y / 2", False), ("y / c", False),
                                          ("c / y", True)])
def test_division_saves_the_dividend_only_for_the_divisor_gradient(expr, raises):
    """x / 2 does not save x (torch's neither): changing x in place afterwards leaves its
    backward valid; c / x needs x and raises, in both."""
    results = []
    for lib in (autograd, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        c = lib.tensor([3.0, 4.0], dtype=lib.float64)
        y = x * 1
        z = eval(expr)
        with lib.no_grad():
            y.add_(1)
        if raises:
            with pytest.raises(RuntimeError, match="modified|in place"):
                z.sum().backward()
        else:
            z.sum().backward()
            results.append(x.grad.tolist())
    assert raises or results[0] == results[1]
