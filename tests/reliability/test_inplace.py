"""In-place changes to anything a recorded op saved make backward raise (naming the op) or,
for a write straight into the numpy array, fail at once; optimizers and load_state_dict still
work, and saved arrays become writeable again once the graph is freed."""
from __future__ import annotations

import gc

import numpy as np
import pytest

import autograd
import nn
import optim
from autograd import no_grad, saved, tensor

SAVED = "Mul: a tensor of shape .* saved for backward was modified in place"


def _mul_graph():
    """x * w with only x requiring grad; Mul saves w's array."""
    x = tensor([1.0, 2.0], requires_grad=True)
    w = tensor([3.0, 4.0])
    return x, w, (x * w).sum()


def _no_live_graph():
    gc.collect()
    return not saved._guards and not saved._pending and not saved._waiting


@pytest.mark.parametrize("modify", [
    lambda w: setattr(w, "data", np.array([5.0, 6.0], np.float32)),
    lambda w: w.__setitem__(0, 5.0),
    lambda w: w.add_(1.0),
    lambda w: w.sub_(1.0),
    lambda w: w.mul_(2.0),
    lambda w: w.div_(2.0),
    lambda w: w.fill_(0.0),
    lambda w: w.zero_(),
    lambda w: w.copy_(np.zeros(2)),
    lambda w: w.clamp_(0.0, 1.0),
], ids=["data=", "setitem", "add_", "sub_", "mul_", "div_", "fill_", "zero_", "copy_", "clamp_"])
def test_api_modification_of_a_saved_tensor_makes_backward_raise(modify):
    x, w, y = _mul_graph()
    modify(w)
    with pytest.raises(RuntimeError, match=SAVED):
        y.backward()
    assert x.grad is None


@pytest.mark.parametrize("write", [
    lambda w: w.data.__setitem__(0, 5.0),
    lambda w: np.asarray(w).__setitem__(0, 5.0),
    lambda w: w.numpy().__setitem__(slice(None), 0.0),
    lambda w: np.add(w.data, 1, out=w.data),
], ids=["t.data[0]=", "np.asarray(t)[0]=", "t.numpy()[:]=", "ufunc out="])
def test_raw_numpy_write_into_a_saved_array_is_refused(write):
    x, w, y = _mul_graph()
    with pytest.raises(ValueError, match="read-only"):
        write(w)
    y.backward()  # the saved array is intact, so the gradient is right
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])
    assert _no_live_graph()
    write(w)  # once the graph is freed the array is writeable again


def test_modifying_a_view_or_the_base_of_a_saved_array_is_caught():
    x = tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    w = tensor([[1.0, 2.0], [3.0, 4.0]])
    y = (x * w.reshape(4)).sum()          # Mul saved a view of w's array
    w.mul_(2.0)                           # written through the base
    with pytest.raises(RuntimeError, match=SAVED):
        y.backward()
    y = (x * w.reshape(4)).sum()
    with pytest.raises(ValueError, match="read-only"):
        w.data[0, 0] = 7.0                # raw write into the base
    other_view = w.reshape(4)
    other_view.add_(1.0)                  # a sibling view of the same memory
    with pytest.raises(RuntimeError, match=SAVED):
        y.backward()


def test_modifying_a_saved_output_is_caught():
    x = tensor([0.5, 1.5], requires_grad=True)
    y = x.exp()                           # Exp saves its output
    loss = y.sum()
    with no_grad():
        y.mul_(2.0)
    with pytest.raises(RuntimeError, match="Exp: a tensor .* modified in place"):
        loss.backward()


def test_detach_shares_the_guard():
    x = tensor([0.5, 1.5], requires_grad=True)
    y = x.sigmoid()
    loss = (y * y).sum()
    d = y.detach()
    d.add_(1.0)
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_unmodified_graph_gives_the_right_gradient_and_unlocks():
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = tensor([0.5, -1.0, 2.0])
    y = (x * w).sum() + (x.reshape(3, 1) * w).sum()
    # w is saved for x's gradient; x is saved by nothing (w needs no gradient), as in torch
    assert not w.data.flags.writeable and x.data.flags.writeable
    y.backward()
    np.testing.assert_allclose(x.grad.data, w.data + w.data.sum())
    assert _no_live_graph()
    assert w.data.flags.writeable and x.data.flags.writeable


def test_views_of_views_saved_along_an_unrolled_graph_all_unlock():
    # each step saves views of the previous step's output (the pattern of a recurrent cell):
    # backward releases them latest first, while the arrays they view are still held
    cell = nn.GRUCell(3, 4)
    h = autograd.zeros(2, 4)
    outs = []
    for t in range(30):
        h = cell(autograd.randn(2, 3), h)
        outs.append(h)
    y = autograd.stack(outs).sum()
    held = [o._data for o in outs]
    assert not any(a.flags.writeable for a in held)
    y.backward()
    assert _no_live_graph()
    assert all(a.flags.writeable for a in held)
    outs[3].data[0, 0] = 1.0


def test_a_view_waits_for_every_held_base_in_its_chain():
    base = tensor(np.arange(12.0))
    v2 = base.reshape(3, 4)[1:]           # a view of a view of base's array
    a = tensor(np.ones(12), requires_grad=True)
    b = tensor(np.ones((2, 4)), requires_grad=True)
    keep_base = (a * base).sum()          # holds the base array
    only_view = (b * v2).sum()            # holds the view chain
    assert not base.data.flags.writeable and not v2.data.flags.writeable
    only_view.backward()
    assert not v2.data.flags.writeable    # its base is still held by keep_base's graph
    late_view = base.reshape(12)          # made while base is held: read-only by inheritance
    assert not late_view.data.flags.writeable
    keep_base.backward()
    assert _no_live_graph()
    assert v2.data.flags.writeable and base.data.flags.writeable
    assert late_view.data.flags.writeable


def test_discarded_graph_unlocks_its_arrays():
    lin = nn.Linear(3, 2)
    out = lin(autograd.randn(4, 3, requires_grad=True))   # the weight is saved for dx
    assert not lin.weight.data.flags.writeable
    del out
    assert _no_live_graph()
    assert lin.weight.data.flags.writeable
    lin.weight.data[0, 0] = 1.0


def test_user_read_only_arrays_stay_read_only():
    arr = np.ones(3)
    arr.setflags(write=False)
    w = autograd.from_numpy(arr)
    x = tensor([1.0, 2.0, 3.0], dtype=np.float64, requires_grad=True)
    (x * w).sum().backward()
    assert _no_live_graph()
    assert not arr.flags.writeable


@pytest.mark.parametrize("opt_cls", [optim.SGD, optim.Adam])
def test_optimizer_steps_after_backward_discarded_forward_and_retained_graph(opt_cls):
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    opt = opt_cls(model.parameters(), lr=0.1)
    x = autograd.randn(5, 3)
    before = [p.data.copy() for p in model.parameters()]
    model(x).sum().backward()
    opt.step()                                   # after backward
    kept = model(x)                              # a forward whose graph is never used
    opt.step()
    retained = model(x).sum()
    retained.backward(retain_graph=True)
    opt.step()                                   # while a retained graph holds p.data
    for p, b in zip(model.parameters(), before):
        assert not np.array_equal(p.data, b)
    with pytest.raises(RuntimeError, match="modified in place"):
        retained.backward()
    model.load_state_dict(model.state_dict())   # while graphs are alive
    del kept, retained
    assert _no_live_graph()


def test_load_state_dict_invalidates_a_live_graph():
    lin = nn.Linear(2, 2)
    y = lin(autograd.randn(3, 2, requires_grad=True)).sum()
    lin.load_state_dict({k: np.zeros_like(v) for k, v in lin.state_dict().items()})
    np.testing.assert_array_equal(lin.weight.data, 0)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_batchnorm_reset_running_stats_while_a_graph_holds_them():
    bn = nn.BatchNorm1d(3).eval()
    x = autograd.randn(4, 3, requires_grad=True)
    y = bn(x).sum()
    bn.reset_running_stats()   # stats were not saved for x's gradient: backward still works
    y.backward()
    assert x.grad is not None and np.all(np.isfinite(x.grad.data))


def test_modifying_an_index_tensor_after_indexing_is_caught():
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    idx = tensor([0, 2])
    y = x[idx].sum()
    idx.add_(-1)
    with pytest.raises(RuntimeError, match="GetItem: a tensor of shape \\(2,\\)"):
        y.backward()
    z = x[idx].sum()
    with pytest.raises(ValueError, match="read-only"):
        idx.data[0] = 1
    z.backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 1.0])  # idx is now [-1, 1]


def test_linear_saves_only_what_its_gradients_need_as_torch():
    """A layer whose input needs no grad keeps no hold on its weight: changing the weight in
    place before backward is fine (torch saves the weight only for the input's gradient),
    and the weight's gradient is that of the forward's input."""
    torch = pytest.importorskip("torch")
    x = np.arange(6.0).reshape(3, 2) / 5
    results = []
    for lib in ("ours", "torch"):
        lin = nn.Linear(2, 1).double() if lib == "ours" else torch.nn.Linear(2, 1).double()
        with (no_grad() if lib == "ours" else torch.no_grad()):
            lin.weight.copy_(tensor([[0.5, -1.0]], dtype=np.float64) if lib == "ours"
                             else torch.tensor([[0.5, -1.0]], dtype=torch.float64))
            lin.bias.zero_()
        y = (lin(tensor(x) if lib == "ours" else torch.tensor(x)) ** 2).sum()
        with (no_grad() if lib == "ours" else torch.no_grad()):
            lin.weight.mul_(2)
        y.backward()
        results.append(np.array(lin.weight.grad.numpy() if lib == "torch" else lin.weight.grad.data))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)
    # an input that needs grad: the weight is saved for its gradient, and the change is caught
    lin = nn.Linear(2, 1).double()
    y = lin(tensor(x, requires_grad=True)).sum()
    with no_grad():
        lin.weight.mul_(2)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_numpy_style_writes_into_a_held_array_say_why_they_are_refused():
    lin = nn.Linear(3, 2)
    y = lin(autograd.randn(4, 3, requires_grad=True)).sum()
    for write in (lambda d: d.__isub__(1.0), lambda d: d.__setitem__(0, 5.0)):
        with pytest.raises(ValueError, match="read-only while a recorded graph that saved it "
                                             "for backward is alive"):
            write(lin.weight.data)
    y.backward()
    lin.weight.data -= 0.1 * lin.weight.grad.data      # the graph is freed: writable again
    lin.weight.data[0] = 1.0
    np.testing.assert_array_equal(lin.weight.data[0], 1.0)
