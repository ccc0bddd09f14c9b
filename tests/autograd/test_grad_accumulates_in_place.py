"""A second backward adds into .grad's memory, as torch's AccumulateGrad does, so what was taken
of it before (a numpy view, a held reference) shows the sum."""
import numpy as np
import pytest

import autograd


def test_a_numpy_view_of_grad_sees_the_next_backward():
    x = autograd.ones(3, requires_grad=True)
    (x * 2).sum().backward()
    view, held = x.grad.numpy(), x.grad
    (x * 2).sum().backward()
    np.testing.assert_array_equal(view, [4, 4, 4])
    assert held is x.grad


def test_an_assigned_grad_is_added_into_as_torch_does():
    x = autograd.ones(2, requires_grad=True)
    mine = np.zeros(2, np.float32)
    x.grad = autograd.from_numpy(mine)
    (x * 3).sum().backward()
    np.testing.assert_array_equal(mine, [3, 3])


def test_a_grad_a_live_graph_saved_then_fails_that_graph_as_torch_s():
    x = autograd.ones(2, requires_grad=True)
    (x * 2).sum().backward()
    w = autograd.ones(2, requires_grad=True)
    y = (w * x.grad).sum()            # saves x.grad's array: read-only while y's graph lives
    (x * 2).sum().backward()          # a write into x.grad: torch's raises at y.backward() too
    np.testing.assert_array_equal(x.grad.numpy(), [4, 4])
    with pytest.raises(RuntimeError, match="Mul: a tensor of shape \\(2,\\) that this op saved"):
        y.backward()
