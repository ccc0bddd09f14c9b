"""A weight used by several ops (each step of an RNN): the engine stacks the products x^T @ g
that reach it into one (engine.ProductGrad). The gradients must be those of one product per
use: checked against torch, against the unstacked path, and through hooks, autograd.grad,
anomaly mode, retain_graph, a non-leaf weight and the memory bound that flushes early."""
import numpy as np
import pytest

import autograd
import optim
from autograd import nn, stacked
from autograd import functional as F

torch = pytest.importorskip("torch")


def _rnn_loss(lib, x, w_in, w_h, steps, linear=False):
    """tanh RNN written with elementary ops; every step multiplies by w_in and w_h."""
    h = x[0] @ w_in
    for t in range(1, steps):
        rec = (lib.nn.functional.linear(h, w_h) if linear else h @ w_h)
        h = (x[t] @ w_in + rec).tanh()
    return (h * h).sum()


def _data(seed, steps=7, n=3, i=4, hs=5, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((steps, n, i)).astype(dtype),
            (rng.standard_normal((i, hs)) * 0.5).astype(dtype),
            (rng.standard_normal((hs, hs)) * 0.5).astype(dtype))


class _Lib:   # the namespace _rnn_loss reads for our engine
    nn = nn


def _ours(x, w_in, w_h, steps, linear=False):
    wi = autograd.tensor(w_in, requires_grad=True)
    wh = autograd.tensor(w_h, requires_grad=True)
    loss = _rnn_loss(_Lib, autograd.tensor(x), wi, wh, steps, linear)
    return loss, wi, wh


@pytest.mark.parametrize("linear", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_weight_used_at_every_step_matches_torch(linear, dtype):
    x, w_in, w_h = _data(0, dtype=dtype)
    loss, wi, wh = _ours(x, w_in, w_h, len(x), linear)
    loss.backward()
    ti = torch.tensor(w_in, requires_grad=True)
    th = torch.tensor(w_h, requires_grad=True)
    _rnn_loss(torch, torch.tensor(x), ti, th, len(x), linear).backward()
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(wi.grad.numpy(), ti.grad.numpy(), **tol)
    np.testing.assert_allclose(wh.grad.numpy(), th.grad.numpy(), **tol)
    assert wi.grad.dtype == dtype and wi.grad.numpy().flags.c_contiguous


def test_stacked_equals_one_product_per_use(monkeypatch):
    x, w_in, w_h = _data(1)
    loss, wi, wh = _ours(x, w_in, w_h, len(x))
    loss.backward()
    # the same pass with nothing held back: every ProductGrad multiplied where it arrives
    monkeypatch.setattr(stacked, "STACK_ROWS", -1)
    loss2, wi2, wh2 = _ours(x, w_in, w_h, len(x))
    loss2.backward()
    np.testing.assert_allclose(wi.grad.numpy(), wi2.grad.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(wh.grad.numpy(), wh2.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_memory_bound_flushes_early_and_stays_exact(monkeypatch):
    x, w_in, w_h = _data(2, steps=12)
    loss, wi, wh = _ours(x, w_in, w_h, len(x))
    loss.backward()
    monkeypatch.setattr(stacked, "STACK_BYTES", 200)   # a flush every couple of steps
    loss2, wi2, wh2 = _ours(x, w_in, w_h, len(x))
    loss2.backward()
    np.testing.assert_allclose(wh.grad.numpy(), wh2.grad.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(wi.grad.numpy(), wi2.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_grad_accumulates_over_passes_and_retain_graph():
    x, w_in, w_h = _data(3)
    loss, wi, wh = _ours(x, w_in, w_h, len(x))
    loss.backward(retain_graph=True)
    once = wh.grad.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(wh.grad.numpy(), 2 * once, rtol=1e-12)


def test_leaf_hook_runs_once_on_the_total():
    x, w_in, w_h = _data(4)
    loss, wi, wh = _ours(x, w_in, w_h, len(x))
    seen = []
    wh.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 2)
    loss.backward()
    assert len(seen) == 1
    ref_loss, _, ref_wh = _ours(x, w_in, w_h, len(x))
    ref_loss.backward()
    np.testing.assert_allclose(seen[0], ref_wh.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(wh.grad.numpy(), 2 * ref_wh.grad.numpy(), rtol=1e-12)


def test_autograd_grad_of_a_stacked_weight_and_of_another_input():
    x, w_in, w_h = _data(5)
    loss, wi, wh = _ours(x, w_in, w_h, len(x))
    (g_h,) = autograd.grad(loss, [wh], retain_graph=True)
    (g_i,) = autograd.grad(loss, [wi])
    assert wh.grad is None and wi.grad is None
    ref_loss, ref_wi, ref_wh = _ours(x, w_in, w_h, len(x))
    ref_loss.backward()
    np.testing.assert_allclose(np.asarray(g_h), ref_wh.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(g_i), ref_wi.grad.numpy(), rtol=1e-12)


def test_non_leaf_weight_and_mixed_uses():
    """W = 2 V is a node (its gradient is multiplied at once); V also enters the loss
    directly, so its leaf gradient mixes a stacked and an ordinary contribution."""
    x, w_in, w_h = _data(6)
    v = autograd.tensor(w_h, requires_grad=True)
    wi = autograd.tensor(w_in, requires_grad=True)
    loss = _rnn_loss(_Lib, autograd.tensor(x), wi, v * 2, len(x)) + (v @ v).sum()
    loss.backward()
    tv = torch.tensor(w_h, requires_grad=True)
    ti = torch.tensor(w_in, requires_grad=True)
    (_rnn_loss(torch, torch.tensor(x), ti, tv * 2, len(x)) + (tv @ tv).sum()).backward()
    np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(wi.grad.numpy(), ti.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_anomaly_mode_sees_a_stacked_nan():
    x, w_in, w_h = _data(7)
    x[2, 0, 0] = np.nan
    wi = autograd.tensor(w_in, requires_grad=True)
    wh = autograd.tensor(w_h, requires_grad=True)
    with autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="returned NaN"):
            _rnn_loss(_Lib, autograd.tensor(x), wi, wh, len(x)).backward()


def test_replaced_weight_of_another_shape_raises_clearly():
    x, w_in, w_h = _data(8)
    loss, wi, wh = _ours(x, w_in, w_h, len(x))
    wh.data = np.zeros((7, 7))
    with pytest.raises(RuntimeError, match=r"MatMul.*\(5, 5\).*modified"):
        loss.backward()


@pytest.fixture
def stack_sizes(monkeypatch):
    """The number of products each made stack held, in the order they are made."""
    sizes = []
    flush = stacked.Held.flush

    def counting(self):
        sizes.extend(len(entry[3]) for entry in self.stacks.values())
        return flush(self)

    monkeypatch.setattr(stacked.Held, "flush", counting)
    return sizes


def test_the_products_of_a_reused_weight_are_stacked(stack_sizes):
    x, w_in, w_h = _data(10, steps=7)
    loss, wi, wh = _ours(x, w_in, w_h, len(x))
    loss.backward()
    assert sorted(stack_sizes) == [6, 7]   # one product per weight: w_h's 6 uses, w_in's 7


def test_batched_input_and_vector_weight_keep_their_paths():
    rng = np.random.default_rng(9)
    w = autograd.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    v = autograd.tensor(rng.standard_normal(4), requires_grad=True)
    xs = [autograd.tensor(rng.standard_normal((2, 5, 4))) for _ in range(3)]
    loss = sum(((x @ w).sum() + (x @ v).sum() for x in xs), autograd.tensor(0.0))
    loss.backward()
    want_w = sum(x.numpy().reshape(-1, 4).T @ np.ones((10, 3)) for x in xs)
    want_v = sum(x.numpy().reshape(-1, 4).sum(0) for x in xs)
    np.testing.assert_allclose(w.grad.numpy(), want_w, rtol=1e-12)
    np.testing.assert_allclose(v.grad.numpy(), want_v, rtol=1e-12)


@pytest.mark.parametrize("w_shape, x_shape", [((0, 4), (3, 0)), ((4, 0), (3, 4)),
                                              ((4, 0), (4,)), ((4, 3), (2, 0, 4))])
def test_zero_size_reused_weight(w_shape, x_shape):
    w = autograd.tensor(np.ones(w_shape), requires_grad=True)
    x = autograd.tensor(np.ones(x_shape))
    ((x @ w).sum() + (x @ w).sum()).backward()
    assert w.grad.shape == w_shape and not w.grad.numpy().any()


class _Probe(autograd.Function):
    """Identity whose backward runs `action` (user code inside the pass, not a hook: the
    engine holds its products back across it)."""

    action = None

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        _Probe.action()
        return g


def _two_uses_and_a_late_action(lib, action, probe=False):
    """x0 @ w and x1 @ w run their VJPs early; then, while the pass still holds w's products,
    action(x0, x1) runs from a hook on u (recorded first, so reached last), or from a custom
    Function's backward when probe."""
    rng = np.random.default_rng(11)
    p = lib.tensor(rng.standard_normal(3), requires_grad=True)
    x0, x1 = lib.tensor(rng.standard_normal((3, 4))), lib.tensor(rng.standard_normal((3, 4)))
    w = lib.tensor(rng.standard_normal((4, 2)), requires_grad=True)
    if probe:
        _Probe.action = lambda: action(x0, x1)
        u = _Probe.apply(p * 2)
    else:
        u = p * 2
    loss = ((x0 @ w) ** 2).sum() + ((x1 @ w) ** 2).sum()
    if not probe:
        def hook(g):
            with lib.no_grad():
                action(x0, x1)

        u.register_hook(hook)
    (u.sum() + loss).backward()
    return w.grad, x0, x1


def _zero(x0, x1):
    with (autograd.no_grad() if isinstance(x0, autograd.Tensor) else torch.no_grad()):
        x0.zero_()
        x1.zero_()


@pytest.mark.parametrize("probe", [False, True])
def test_an_in_place_write_during_the_pass_sees_the_products_made_first(probe):
    ours, _, _ = _two_uses_and_a_late_action(autograd, _zero, probe)
    ref, _, _ = _two_uses_and_a_late_action(torch, _zero)
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-12)


def test_held_arrays_stay_locked_then_are_released():
    def write_raw(x0, x1):
        x0.numpy()[0, 0] = 5.0

    # a hook runs after the held products are made: its write changes nothing computed
    ours, _, _ = _two_uses_and_a_late_action(autograd, write_raw)
    ref, _, _ = _two_uses_and_a_late_action(torch, lambda a, b: None)
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-12)
    # other user code in the pass finds the held arrays locked
    with pytest.raises(ValueError, match="read-only"):
        _two_uses_and_a_late_action(autograd, write_raw, probe=True)
    # after the pass, and after a pass that raised, the inputs are writeable again
    _, x0, x1 = _two_uses_and_a_late_action(autograd, lambda a, b: None, probe=True)
    assert x0.numpy().flags.writeable and x1.numpy().flags.writeable
    seen = {}

    def keep(a, b):
        seen["x0"] = a
        raise KeyError("stop")

    with pytest.raises(KeyError):
        _two_uses_and_a_late_action(autograd, keep, probe=True)
    assert seen["x0"].numpy().flags.writeable


def _cell_and_hook(lib, action):
    """An RNNCell run for 3 steps; a hook on s0 (recorded first, so reached after every use of
    the cell's weights) acts on the optimizer or reads weight_hh.grad."""
    ours = lib is autograd
    cell = nn.RNNCell(4, 5, dtype=autograd.float64) if ours else torch.nn.RNNCell(4, 5).double()
    with lib.no_grad():
        for k, p in enumerate(cell.parameters()):
            p.copy_(lib.tensor(np.random.default_rng(k).uniform(-0.5, 0.5, tuple(p.shape))))
    opt = (optim.SGD if ours else torch.optim.SGD)(cell.parameters(), lr=0.5)
    p = lib.tensor(np.ones(3), requires_grad=True)
    s0 = (p * 2).sum()
    h = None
    for x in np.random.default_rng(9).standard_normal((3, 2, 4)):
        h = cell(lib.tensor(x), h)
    seen = []

    def hook(g):
        if action == "step":
            opt.step()
        elif action == "zero_grad":
            opt.zero_grad()
        w_grad = cell.weight_hh.grad
        seen.append(None if w_grad is None else w_grad.detach().numpy().copy())

    s0.register_hook(hook)
    (s0 + (h ** 2).sum()).backward()
    w, g = cell.weight_hh, cell.weight_hh.grad
    return w.detach().numpy(), None if g is None else g.detach().numpy(), seen[0]


@pytest.mark.parametrize("action", ["read", "step", "zero_grad"])
def test_hooks_see_the_weight_gradients_made(action):
    ours, ref = _cell_and_hook(autograd, action), _cell_and_hook(torch, action)
    for got, want in zip(ours, ref):
        assert (got is None) == (want is None)
        if want is not None:
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def _lstm_cells_with_a_late_probe(cell, rng, action):
    h0 = autograd.tensor(rng.standard_normal((2, 4)))
    c0 = autograd.tensor(rng.standard_normal((2, 4)))
    p = autograd.tensor(np.ones(2), requires_grad=True)
    _Probe.action = lambda: action(h0)
    s0 = _Probe.apply(p * 2).sum()   # recorded first: its backward runs last
    h, c = cell(autograd.tensor(rng.standard_normal((2, 3))), (h0, c0))
    h, c = cell(autograd.tensor(rng.standard_normal((2, 3))), (h, c))
    (s0 + h.sum()).backward()
    return cell.weight_hh.grad.numpy(), cell.weight_ih.grad.numpy()


@pytest.mark.parametrize("budget", [1, 700, 1500, 20000])
def test_no_flush_comes_between_two_products_of_one_op(budget, monkeypatch):
    """An LSTM step sends products for w_ih and w_hh (the latter against the given h0): the
    memory-bound flush waits until both are held, so h0 stays locked while it is needed and
    a write into it later in the pass either fails or changes nothing computed."""
    cell = nn.LSTMCell(3, 4, dtype=autograd.float64)
    want = _lstm_cells_with_a_late_probe(cell, np.random.default_rng(13), lambda h0: None)
    cell.zero_grad()
    monkeypatch.setattr(stacked, "STACK_BYTES", budget)

    def write(h0):
        try:
            h0.numpy()[:] = 5.0
        except ValueError:   # still held (read-only): nothing was written
            pass

    got = _lstm_cells_with_a_late_probe(cell, np.random.default_rng(13), write)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12)


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell", "RNNCell"])
def test_cells_run_step_by_step_stack_their_weights_and_match_torch(kind, stack_sizes):
    rng = np.random.default_rng(12)
    xs = rng.standard_normal((6, 3, 4))
    ours, ref = getattr(nn, kind)(4, 5, dtype=autograd.float64), getattr(torch.nn, kind)(4, 5)
    ref = ref.double()
    with torch.no_grad():
        for name, p in ref.named_parameters():
            p.copy_(torch.tensor(getattr(ours, name).numpy()))
    h = th = None
    lstm = kind == "LSTMCell"
    for x in xs:
        h = ours(autograd.tensor(x), h)
        th = ref(torch.tensor(x), th)
    (h[0] if lstm else h).pow(2).sum().backward()
    (th[0] if lstm else th).pow(2).sum().backward()
    for name, p in ref.named_parameters():
        np.testing.assert_allclose(getattr(ours, name).grad.numpy(), p.grad.numpy(),
                                   rtol=1e-10, atol=1e-12)
    assert max(stack_sizes) == len(xs)    # each weight's six products made as one
