"""The backward walk: accumulation, retain_graph, grad modes, detach, deep and diamond graphs."""
import gc
import warnings
import weakref

import numpy as np
import pytest

import autograd
from autograd import Tensor
from autograd.engine import unbroadcast

torch = pytest.importorskip("torch")


def leaf(values, dtype=autograd.float64):
    return autograd.tensor(values, dtype=dtype, requires_grad=True)


# ----------------------------------------------------------------------------- accumulation
def test_leaf_grads_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 3 + 2 * x.data)
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.data, [3, 3])


def test_same_input_twice_and_shared_arrays():
    x = leaf([1.0, -2.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data)
    a, b = leaf([1.0]), leaf([2.0])
    (a + b).sum().backward()   # the same gradient array reaches both leaves
    a.grad.data += 10
    assert b.grad.data[0] == 1, "leaf grads must not share memory"


def test_diamond_graph():
    x = leaf([0.5, -1.5, 2.0])
    y = x * 2
    z = (y * y + y.exp() - y).sum()
    z.backward()
    xt = torch.tensor(x.data, requires_grad=True)
    yt = xt * 2
    (yt * yt + yt.exp() - yt).sum().backward()
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-12)


def test_branch_that_needs_no_grad_is_skipped():
    x, c = leaf([1.0, 2.0]), autograd.tensor([3.0, 4.0], dtype=autograd.float64)
    ((x * c) + (c * c)).sum().backward()
    np.testing.assert_allclose(x.grad.data, c.data)
    assert c.grad is None


def test_backward_with_explicit_gradient():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    y = x * x
    y.backward(autograd.tensor([[1.0, 0.0], [0.5, 2.0]], dtype=autograd.float64))
    np.testing.assert_allclose(x.grad.data, 2 * x.data * [[1, 0], [0.5, 2]])
    with pytest.raises(RuntimeError, match="one element"):
        (x * x).backward()
    with pytest.raises(ValueError, match=r"\(3,\)"):
        (x * x).backward(np.ones(3))


def test_backward_on_a_leaf_and_errors_without_grad():
    x = leaf(2.0)
    x.backward()
    assert x.grad.data == 1
    with pytest.raises(RuntimeError, match="does not require grad"):
        autograd.tensor([1.0]).sum().backward()


def test_intermediate_tensors_keep_no_grad():
    x = leaf([1.0, 2.0])
    y = x * 2
    (y * y).sum().backward()
    assert x.grad is not None
    with pytest.warns(UserWarning, match="not a leaf Tensor"):   # as torch's
        assert y.grad is None
    y.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # retained: no warning
        assert y.grad is None


# ----------------------------------------------------------------------------- retain_graph
def test_second_backward_raises_a_clear_error():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.data.copy()
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * first)


def test_saved_buffers_are_freed_after_backward():
    x = leaf(np.arange(4.0))
    y = x.exp() * x
    node = y.grad_fn
    assert node.saved
    y.sum().backward()
    assert not node.saved


def test_intermediate_outputs_are_not_kept_alive_by_the_graph():
    x = leaf(np.arange(4.0))
    h = x * 2
    ref = weakref.ref(h)
    y = (h + 1).sum()
    del h
    gc.collect()
    assert ref() is None, "the graph must hold Nodes, not output tensors"
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2)


# ----------------------------------------------------------------------------- grad mode
def test_no_grad_context_and_enable_grad_inside():
    x = leaf([1.0])
    with autograd.no_grad():
        y = x * 2
        assert not autograd.is_grad_enabled()
        with autograd.enable_grad():
            z = x * 2
        assert not autograd.is_grad_enabled()
    assert autograd.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None


@pytest.mark.parametrize("bare", [False, True])
def test_no_grad_and_enable_grad_as_decorators(bare):
    x = leaf([1.0])

    def double(t):
        """Doubles t."""
        return t * 2

    off = autograd.no_grad(double) if bare else autograd.no_grad()(double)
    on = autograd.enable_grad(double) if bare else autograd.enable_grad()(double)
    assert not off(x).requires_grad and off.__doc__ == "Doubles t."
    with autograd.no_grad():
        assert on(x).requires_grad
    assert autograd.is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with autograd.no_grad():
            1 / 0
    assert autograd.is_grad_enabled()


def test_detach_shares_data_and_cuts_the_graph():
    x = leaf([1.0, 2.0])
    y = x * 3
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and np.shares_memory(d.data, y.data)
    (d * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, y.data)


def test_clone_copies_and_passes_the_gradient():
    x = leaf([1.0, 2.0])
    y = x.clone()
    assert not np.shares_memory(x.data, y.data) and y.grad_fn is not None
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3, 3])


# ----------------------------------------------------------------------------- graph shape
def test_deep_chain_of_20000_ops_has_no_recursion_error():
    x = leaf([1.0])
    y = x
    for _ in range(10_000):
        y = y * 1.0001
        y = y - 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.0001 ** 10_000], rtol=1e-9)


def test_float32_stays_float32_end_to_end():
    autograd.manual_seed(0)
    x = autograd.randn(4, 3)
    w = autograd.randn(3, 5, requires_grad=True)
    b = autograd.zeros(5, requires_grad=True)
    h = (x @ w + b).relu() * 0.5 + (x @ w).tanh() ** 2 - 1.0
    h = h.sigmoid() / (h.abs() + 1e-3).sqrt() + h.clamp(-1, 1) + h.maximum(0.1)
    p = h.log_softmax(dim=1) + h.softmax(dim=0) + h.logsumexp(1, keepdim=True)
    loss = p.mean() + p.var() + p.std(dim=0).sum() + p.max() + p[:, 1:].exp().sum()
    for t in (h, p, loss):
        assert t.dtype == np.float32
    loss.backward()
    assert w.grad.dtype == np.float32 and b.grad.dtype == np.float32
    assert np.all(np.isfinite(w.grad.data))


def test_modifying_a_saved_tensor_in_place_is_caught():
    a = leaf([1.0, 2.0])
    w = autograd.tensor([3.0, 4.0], dtype=autograd.float64)
    y = (a * w).sum()
    w.mul_(2)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_in_place_on_a_leaf_that_requires_grad_is_refused_unless_no_grad():
    w = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf"):
        w.add_(1.0)
    with autograd.no_grad():
        w.sub_(0.5)
    np.testing.assert_allclose(w.data, [0.5, 1.5])


def test_detect_anomaly_names_the_op():
    x = leaf([0.0, 1.0])
    with autograd.detect_anomaly():
        (x - 1.0).log()   # NaN and -inf forward: recorded, not raised (as torch)
        y = (x - 1.0).sqrt().sum()
        with pytest.raises(RuntimeError, match="Sqrt"):
            y.backward()


# ----------------------------------------------------------------------------- unbroadcast
@pytest.mark.parametrize("grad_shape, shape", [
    ((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 3), (1, 3)), ((2, 3), (2, 1)), ((2, 3), ()),
    ((4, 2, 3), (2, 1)), ((4, 1, 3), (1, 1)), ((5,), (1,)),
])
def test_unbroadcast_sums_to_the_input_shape(grad_shape, shape):
    g = np.arange(np.prod(grad_shape), dtype=np.float64).reshape(grad_shape)
    out = unbroadcast(g, shape)
    assert out.shape == shape
    # the VJP of broadcast_to is the sum over what it stretched: check <g, b(x)> = <u(g), x>
    x = np.random.default_rng(0).standard_normal(shape)
    np.testing.assert_allclose(np.sum(g * np.broadcast_to(x, grad_shape)), np.sum(out * x))


def test_broadcast_gradients_through_the_engine():
    a = leaf(np.ones((2, 1, 3)))
    b = leaf(np.ones((4, 1)))
    c = leaf(2.0)
    (a * b * c).sum().backward()
    assert a.grad.shape == (2, 1, 3) and b.grad.shape == (4, 1) and c.grad.shape == ()
    np.testing.assert_allclose(a.grad.data, 8.0)
    np.testing.assert_allclose(b.grad.data, 12.0)
    np.testing.assert_allclose(c.grad.data, 24.0)
    assert isinstance(a.grad, Tensor)


def test_slices_and_dense_uses_of_one_tensor_accumulate_like_torch():
    """Per-step slices (IndexedGrad), repeated fancy indices and a dense use all sum up."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((5, 3, 4))
    ours = autograd.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)

    def f(t, lib):
        h = t * 2.0                                   # a Node parent, not a leaf
        out = h.sum() * 0.5
        for i in range(5):
            out = out + (h[i] * h[i]).sum()           # basic index, one slice per step
        idx = [0, 2, 2, 4]
        out = out + (h[idx] ** 3).sum() + (t[:, 1] * 3.0).sum()
        return out

    f(ours, autograd).backward()
    f(theirs, torch).backward()
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12)


def test_leaves_fed_the_same_gradient_array_do_not_share_memory():
    y = autograd.ones(3, requires_grad=True)
    z = autograd.ones(3, requires_grad=True)
    (y + z).sum().backward()
    assert not np.shares_memory(y.grad.data, z.grad.data)
    y.grad.data *= 5  # an in-place edit of one gradient (as clipping does) leaves the other
    np.testing.assert_array_equal(z.grad.data, np.ones(3, np.float32))


def test_a_tensor_used_twice_in_one_op_gets_both_contributions():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    (x + x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])
    (x * x).sum().backward()  # accumulates on top: 2 + 2x
    np.testing.assert_array_equal(x.grad.data, [4.0, 6.0])
