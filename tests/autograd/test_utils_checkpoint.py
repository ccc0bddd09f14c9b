"""autograd.utils.checkpoint (torch.utils.checkpoint): the segment's graph is not kept, the
replay in backward gives the plain run's gradients (dropout's masks included when
preserve_rng_state), and the reentrant and non-reentrant variants differ as torch's do."""
import gc
import warnings
import weakref

import numpy as np
import pytest

import autograd
import nn
from autograd.utils.checkpoint import checkpoint, checkpoint_sequential
from tests.helpers import assert_close, run_ours, run_torch

torch = pytest.importorskip("torch")
from torch.utils import checkpoint as torch_checkpoint  # noqa: E402

MODES = [False, True]   # use_reentrant


def _model():
    autograd.manual_seed(1)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 8),
                         nn.Tanh(), nn.Dropout(0.3), nn.Linear(8, 2))


def _train_step(how, use_reentrant, preserve=True):
    """(output, input grad, grads of the model's parameters, the next random draw)."""
    m = _model()
    autograd.manual_seed(7)
    x = autograd.randn(3, 4, requires_grad=True)
    if how == "plain":
        y = m(x)
    elif how == "checkpoint":
        y = checkpoint(m, x, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    else:
        y = checkpoint_sequential(m, 3, x, use_reentrant=use_reentrant,
                                  preserve_rng_state=preserve)
    (y ** 2).sum().backward()
    grads = [p.grad.numpy().copy() for p in m.parameters()]
    return y.detach().numpy(), x.grad.numpy(), grads, autograd.rand(3).numpy()


@pytest.mark.parametrize("use_reentrant", MODES)
@pytest.mark.parametrize("how", ["checkpoint", "sequential"])
def test_gradients_with_dropout_equal_the_plain_run(how, use_reentrant):
    ref = _train_step("plain", use_reentrant)
    got = _train_step(how, use_reentrant)
    np.testing.assert_array_equal(got[0], ref[0])
    np.testing.assert_allclose(got[1], ref[1], rtol=1e-6, atol=1e-7)
    for g, r in zip(got[2], ref[2]):
        np.testing.assert_allclose(g, r, rtol=1e-6, atol=1e-7)
    # the replay's draws are undone: the stream goes on as after the plain run
    np.testing.assert_array_equal(got[3], ref[3])


@pytest.mark.parametrize("use_reentrant", MODES)
def test_without_preserve_rng_state_the_replay_draws_new_masks(use_reentrant):
    ref = _train_step("plain", use_reentrant)
    got = _train_step("checkpoint", use_reentrant, preserve=False)
    np.testing.assert_array_equal(got[0], ref[0])   # the forward itself is the same run
    assert not np.allclose(got[1], ref[1])


@pytest.mark.parametrize("use_reentrant", MODES)
def test_the_segments_intermediate_graph_is_not_kept(use_reentrant):
    seen = []

    def fn(a):
        h = (a * 2).exp()
        seen.append(weakref.ref(h))
        return h.sin()

    x = autograd.randn(5, requires_grad=True)
    y = checkpoint(fn, x, use_reentrant=use_reentrant)
    gc.collect()
    assert seen[0]() is None
    assert y.grad_fn.parents == (x,)   # one op straight from the input
    y.sum().backward()
    xd = x.detach().numpy()
    assert_close(x.grad.numpy(), np.cos(np.exp(2 * xd)) * np.exp(2 * xd) * 2, rtol=1e-5,
                 atol=1e-6)


@pytest.mark.parametrize("use_reentrant", MODES)
def test_gradients_match_torchs_checkpoint_for_several_outputs(use_reentrant):
    arrays = [np.random.default_rng(0).standard_normal((3, 4)),
              np.random.default_rng(1).standard_normal((4, 2))]

    def ours(a, w):
        return checkpoint(lambda a, w: ((a @ w).tanh(), (a * a).sum(1), 3), a, w,
                          use_reentrant=use_reentrant)[:2]

    def theirs(a, w):
        return torch_checkpoint.checkpoint(lambda a, w: ((a @ w).tanh(), (a * a).sum(1), 3),
                                           a, w, use_reentrant=use_reentrant)[:2]

    outs, grads, vs = run_ours(ours, arrays)
    t_outs, t_grads = run_torch(theirs, arrays, vs)
    for o, t in zip(outs + grads, t_outs + t_grads):
        assert_close(o, t)


@pytest.mark.parametrize("use_reentrant", MODES)
def test_gradcheck_through_a_checkpoint(use_reentrant):
    w = autograd.tensor(np.random.default_rng(2).standard_normal((3, 3)), requires_grad=True)
    x = autograd.tensor(np.random.default_rng(3).standard_normal((2, 3)), requires_grad=True)
    assert autograd.gradcheck(
        lambda x, w: checkpoint(lambda a, b: (a @ b).sigmoid() * a, x, w,
                                use_reentrant=use_reentrant), (x, w))


def test_second_order_gradients_through_a_non_reentrant_checkpoint():
    w = autograd.tensor(np.random.default_rng(4).standard_normal((3, 3)), requires_grad=True)
    x = autograd.tensor(np.random.default_rng(5).standard_normal(3), requires_grad=True)
    assert autograd.gradgradcheck(
        lambda x, w: checkpoint(lambda a, b: ((a @ b).sin() * a, a.exp()), x, w,
                                use_reentrant=False), (x, w))
    y = checkpoint(lambda a: a.exp(), x * 2, use_reentrant=True).sum()
    with pytest.raises(RuntimeError, match="create_graph=True needs use_reentrant=False"):
        autograd.grad(y, x, create_graph=True)


def test_only_one_of_two_outputs_used():
    x = autograd.randn(4, requires_grad=True)
    a, b = checkpoint(lambda t: (t.exp(), t.sin()), x, use_reentrant=False)
    a.sum().backward()
    assert_close(x.grad.numpy(), np.exp(x.detach().numpy()), rtol=1e-6)


def test_non_tensor_and_nested_outputs_as_torch():
    x = autograd.randn(2, 3, requires_grad=True)
    out = checkpoint(lambda a: (a * 2, 3, "s", None), x, use_reentrant=True)
    assert out[1:] == (3, "s", None) and out[0].requires_grad
    # non-reentrant reaches tensors inside lists and dicts; reentrant only a tuple's items
    d = checkpoint(lambda a: {"y": [a * 2]}, x, use_reentrant=False)
    assert d["y"][0].requires_grad
    lst = checkpoint(lambda a: [a * 2], x, use_reentrant=True)
    assert not lst[0].requires_grad
    ints = checkpoint(lambda a: (a * 2).long(), x, use_reentrant=False)
    assert not ints.requires_grad


def test_inputs_that_need_no_grad():
    lin = nn.Linear(3, 3)
    x = autograd.randn(2, 3)
    # non-reentrant: the parameters fn closes over still get their gradients
    y = checkpoint(lin, x, use_reentrant=False)
    assert y.requires_grad
    (gw,) = autograd.grad(y.sum(), [lin.weight])
    assert_close(gw.numpy(), np.tile(x.numpy().sum(0), (3, 1)), rtol=1e-6)
    # reentrant: torch's warning, and an output that requires no grad
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
        y = checkpoint(lin, x, use_reentrant=True)
    assert not y.requires_grad


def test_reentrant_backward_fills_the_parameters_grad():
    lin = nn.Linear(3, 2)
    x = autograd.randn(4, 3, requires_grad=True)
    checkpoint(lin, x, use_reentrant=True).sum().backward()
    assert_close(lin.weight.grad.numpy(), np.tile(x.detach().numpy().sum(0), (2, 1)),
                 rtol=1e-6)
    assert_close(lin.bias.grad.numpy(), np.full(2, 4.0))


def test_keyword_arguments_and_the_use_reentrant_warning():
    x = autograd.randn(3, requires_grad=True)
    y = checkpoint(lambda a, b=1: a * b, x, b=2, use_reentrant=False)
    y.sum().backward()
    assert_close(x.grad.numpy(), np.full(3, 2.0))
    with pytest.raises(ValueError, match="Unexpected keyword arguments: b"):
        checkpoint(lambda a, b=1: a * b, x, b=2, use_reentrant=True)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed"):
        checkpoint(lambda a: a * 2, x)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed"):
        checkpoint_sequential([nn.Identity()], 1, x)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: foo"):
        checkpoint_sequential([nn.Identity()], 1, x, use_reentrant=False, foo=1)


def test_under_no_grad_it_is_a_plain_call():
    x = autograd.randn(3, requires_grad=True)
    with autograd.no_grad():
        y = checkpoint(lambda a: a * 2, x, use_reentrant=False)
    assert not y.requires_grad


def test_an_input_changed_in_place_before_backward_raises():
    x = autograd.randn(3, requires_grad=True)
    a = x * 1
    y = checkpoint(lambda t: t.exp(), a, use_reentrant=False)
    a.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_nested_checkpoints_and_a_second_backward():
    x = autograd.randn(4, requires_grad=True)

    def inner(t):
        return t.sin() * 2

    def outer(t):
        return checkpoint(inner, t, use_reentrant=False).exp()

    y = checkpoint(outer, x, use_reentrant=False).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    xd = x.detach().numpy()
    assert_close(first, np.exp(2 * np.sin(xd)) * 2 * np.cos(xd), rtol=1e-5, atol=1e-6)
    y.backward()
    assert_close(x.grad.numpy(), 2 * first, rtol=1e-6)


def test_sequential_matches_torchs_segments_and_reachable_as_torch_utils():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        import autograd.utils.checkpoint as module
    assert autograd.utils.checkpoint is module and module.checkpoint is checkpoint
    with pytest.raises(ValueError, match="segment must hold at least one"):
        checkpoint_sequential([nn.Identity()] * 3, 5, autograd.randn(2), use_reentrant=False)
