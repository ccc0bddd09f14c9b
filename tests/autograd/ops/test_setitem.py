"""t[index] = v is recorded when v requires grad or t is an op's output (SetItem): values and
gradients against torch's CopySlices, float64 gradcheck, and the cases that must raise."""
import numpy as np
import pytest

import autograd
from tests.helpers import check_float32, check_op

torch = pytest.importorskip("torch")

X = np.arange(12.0).reshape(3, 4) / 10 - 0.5

# index -> a value of the shape it selects (or one that broadcasts into it)
CASES = {
    "row": (1, np.linspace(-1, 1, 4)),
    "slice": ((slice(0, 2), slice(1, 3)), np.array([[1.0, 2.0], [3.0, 4.0]])),
    "broadcast row": ((slice(None), slice(0, 2)), np.array([0.5, -0.5])),
    "scalar slot": ((2, 3), np.array(7.0)),
    "array index": (np.array([2, 0]), np.ones((2, 4)) * 0.25),
    "mask": (X > 0, np.array(-3.0)),
    "step": ((slice(None), slice(1, None, 2)), np.arange(6.0).reshape(3, 2)),
}


def _ours_index(index):
    if isinstance(index, np.ndarray):
        return autograd.tensor(index)
    return index


def _torch_index(index):
    if isinstance(index, np.ndarray):
        return torch.tensor(index)
    if isinstance(index, tuple):
        return tuple(_torch_index(i) for i in index)
    return index


@pytest.mark.parametrize("name", list(CASES))
def test_setitem_into_an_op_output_matches_torch(name):
    index, v = CASES[name]

    def ours(x, val):
        y = x * 2.0
        y[_ours_index(index)] = val
        return y.tanh()

    def theirs(x, val):
        y = x * 2.0
        y[_torch_index(index)] = val
        return y.tanh()

    check_op(ours, theirs, X, v)


@pytest.mark.parametrize("name", ["row", "slice", "array index"])
def test_setitem_of_a_grad_value_into_a_plain_tensor(name):
    index, v = CASES[name]
    # the target requires no grad: after the write it is an op output, its gradient reaches v
    val = autograd.tensor(v, requires_grad=True)
    t = autograd.tensor(X)
    t[_ours_index(index)] = val * 3.0
    assert t.requires_grad and t.grad_fn is not None
    (t * t).sum().backward()
    tv = torch.tensor(v, requires_grad=True)
    tt = torch.tensor(X)
    tt[_torch_index(index)] = tv * 3.0
    (tt * tt).sum().backward()
    np.testing.assert_allclose(t.data, tt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(val.grad.data, tv.grad.numpy(), rtol=1e-12)


def test_setitem_float32_stays_float32_and_a_float64_value_gets_a_float64_grad():
    def fn(x, val):
        y = x + 0
        y[0] = val
        return y
    check_float32(fn, X, X[0])
    val = autograd.tensor(np.ones(4), requires_grad=True)         # float64
    y = autograd.zeros(3, 4, dtype=autograd.float32)
    y[1] = val
    assert y.dtype == np.float32
    y.sum().backward()
    assert val.grad.dtype == np.float64
    np.testing.assert_array_equal(val.grad.data, np.ones(4))


def test_repeated_setitem_keeps_only_the_last_write_in_the_gradient():
    x = autograd.tensor(X, requires_grad=True)
    a = autograd.tensor(np.ones(4), requires_grad=True)
    b = autograd.tensor(np.full(4, 2.0), requires_grad=True)
    y = x * 1.0
    y[0] = a
    y[0] = b            # overwrites a: a gets no gradient from y[0]
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.data, np.zeros(4))
    np.testing.assert_array_equal(b.grad.data, np.ones(4))
    np.testing.assert_array_equal(x.grad.data, np.vstack([np.zeros(4), np.ones((2, 4))]))


def test_setitem_writes_in_place_views_see_it():
    x = autograd.tensor(X, requires_grad=True)
    y = x * 1.0
    view = y.data          # the same array: a recorded write must not rebind it
    y[0, 0] = 42.0
    assert view[0, 0] == 42.0


def test_setitem_over_values_an_op_saved_raises_at_backward():
    x = autograd.tensor(X, requires_grad=True)
    s = x.sigmoid()        # saves its output
    s[0] = 1.0
    with pytest.raises(RuntimeError, match="Sigmoid.*modified in place"):
        s.sum().backward()


def test_setitem_into_a_leaf_that_requires_grad_raises():
    w = autograd.tensor(X, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w[0] = autograd.tensor(np.ones(4), requires_grad=True)
    with autograd.no_grad():   # allowed there, and not recorded
        w[0] = 1.0
    assert w.grad_fn is None


def test_setitem_under_no_grad_is_not_recorded():
    val = autograd.tensor(np.ones(4), requires_grad=True)
    t = autograd.tensor(X)
    with autograd.no_grad():
        t[0] = val
    assert not t.requires_grad
    np.testing.assert_array_equal(t.data[0], np.ones(4))


def test_setitem_shape_mismatch_names_shapes_and_dtypes():
    y = autograd.tensor(X, requires_grad=True) * 1.0
    with pytest.raises(ValueError, match=r"setitem.*\(5,\).*float64.*\(3, 4\)"):
        y[0] = autograd.tensor(np.ones(5), requires_grad=True)


def test_a_recorded_fill_loop_and_shared_gradients_match_torch():
    grads = []
    for lib in (autograd, torch):
        w = lib.tensor(np.arange(6.0).reshape(2, 3) / 10, requires_grad=True)
        leaf = lib.tensor(np.ones((5, 2, 3)), requires_grad=True)
        out = lib.zeros(5, 2, 3, dtype=lib.float64) * 1
        for t in range(5):
            out[t] = w * (t + 1)           # each write recorded, the gradient flows back
        both = out + leaf                  # Add hands one gradient array to two parents
        again = out * 2 + both
        (again * again).sum().backward()
        grads.append([w.grad.numpy() if lib is torch else w.grad.data,
                      leaf.grad.numpy() if lib is torch else leaf.grad.data])
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
