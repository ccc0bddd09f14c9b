"""create_graph=True: recorded backward passes, checked against torch and finite differences."""
import numpy as np
import pytest

import autograd
from autograd.ops.activation import Tanh

torch = pytest.importorskip("torch")

# (name, fn(lib, x, y), x shape, y shape): the same expression in both libraries. Inputs are
# drawn in (0.5, 1.5) (the logs and roots stay finite), away from the kinks of relu & co.
CASES = [
    ("add_sub_neg", lambda L, x, y: -(x + y) - y * 2, (3, 4), (4,)),
    ("mul_div", lambda L, x, y: x * y / (x + y), (3, 4), (3, 1)),
    ("pow_scalar", lambda L, x, y: x ** 3 + x ** 0.5 + y ** 2, (3,), (3,)),
    ("pow_tensor", lambda L, x, y: x ** y, (2, 3), (3,)),
    ("rpow", lambda L, x, y: 2.0 ** x + y, (4,), (4,)),
    ("exp_log_sqrt", lambda L, x, y: x.exp() * y.log() + (x * y).sqrt(), (2, 3), (2, 3)),
    ("trig", lambda L, x, y: x.sin() * y.cos() + (x * 0.3).tan(), (5,), (5,)),
    ("log1p_expm1_rsqrt", lambda L, x, y: x.log1p() * y.expm1() + x.rsqrt(), (4,), (4,)),
    ("abs_clamp", lambda L, x, y: (x - 1).abs() * y + (x * y).clamp(0.7, 1.3) ** 2,
     (6,), (6,)),
    ("max_min", lambda L, x, y: L.maximum(x, y) ** 2 + L.minimum(x, y).exp(), (5,), (5,)),
    ("where", lambda L, x, y: L.where(x > 1, x * x, y.exp()), (6,), (6,)),
    ("activations", lambda L, x, y: x.tanh() * y.sigmoid() + (x - 1).relu() ** 2
     + L.nn.functional.leaky_relu(x - 1, 0.2) * y, (7,), (7,)),
    ("softmax", lambda L, x, y: x.softmax(-1) * y + (x * y).log_softmax(0) ** 2, (3, 4), (4,)),
    ("softmax_mid_dim", lambda L, x, y: (x * y).softmax(1) ** 2, (2, 3, 4), (4,)),
    ("sum_mean", lambda L, x, y: (x ** 2).sum(1, keepdim=True) * (x * y).mean(0)
     + x.sum() ** 2, (3, 4), (4,)),
    ("shape_ops", lambda L, x, y: (x.reshape(4, 3).T * y[None, :]).permute(1, 0) ** 2,
     (3, 4), (4,)),
    ("index", lambda L, x, y: (x[1:, ::2] ** 2).sum(0) + (x[[0, 0, 2]][:, :2].exp() * y[:2]).sum(0),
     (3, 4), (4,)),
    ("cat_stack", lambda L, x, y: L.cat([x * y, x ** 2], 0).sum(0)
     * L.stack([y, y.exp()], 1).sum(1), (2, 3), (3,)),
    ("expand", lambda L, x, y: (x.unsqueeze(0).expand(2, 3) * y) ** 2, (3,), (2, 3)),
    ("matmul", lambda L, x, y: ((x @ y).tanh() @ y.T) ** 2, (3, 4), (4, 5)),
    ("matmul_vec", lambda L, x, y: (x @ y).exp() + (y @ y) * x.sum(), (4,), (4,)),
    ("matmul_batched", lambda L, x, y: (x @ y).sin(), (2, 3, 4), (4, 2)),
    ("linear", lambda L, x, y: L.nn.functional.linear(x, y, y[0]).tanh() ** 2, (5, 3), (3, 3)),
    ("cast", lambda L, x, y: (x * y).to(L.float64).exp(), (3,), (3,)),
    ("pad", lambda L, x, y: L.nn.functional.pad(x * y, (1, 2, 0, 1)) ** 2, (3, 4), (4,)),
    ("pad_crop", lambda L, x, y: L.nn.functional.pad(x, (-1, 2)) ** 2 * y[0], (3, 4), (4,)),
    ("setitem", lambda L, x, y: _put(x, y) ** 2, (3, 4), (3,)),
    ("clamp_tensors", lambda L, x, y: L.clamp(x, y, y + 0.3) ** 2, (3, 4), (4,)),
    ("remainder_fmod", lambda L, x, y: L.remainder(x * 3, y) ** 2 + L.fmod(x * 3, y) ** 2,
     (5,), (5,)),
]


def _put(x, y):
    z = x * 1
    z[:, 1] = y * 2     # a recorded write into a column
    return z


def _inputs(shape_x, shape_y, seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 1.5, shape_x), rng.uniform(0.5, 1.5, shape_y)


class _Ours:
    """autograd's names as the cases spell torch's (L.cat, L.nn.functional.linear, ...)."""

    def __getattr__(self, name):
        if name == "nn":
            import nn
            return nn
        return getattr(autograd, name)


def _torch_ns():
    return torch


def _ours_ns():
    return _Ours()


@pytest.mark.parametrize("name,fn,sx,sy", CASES, ids=[c[0] for c in CASES])
def test_first_and_second_derivatives_match_torch(name, fn, sx, sy):
    x0, y0 = _inputs(sx, sy, 1)
    ours_ns, theirs_ns = _ours_ns(), _torch_ns()
    x, y = (autograd.tensor(a, requires_grad=True) for a in (x0, y0))
    tx, ty = (torch.tensor(a, requires_grad=True) for a in (x0, y0))
    out, tout = fn(ours_ns, x, y), fn(theirs_ns, tx, ty)
    v = np.random.default_rng(2).standard_normal(tuple(tout.shape))
    g = autograd.grad(out, [x, y], autograd.tensor(v), create_graph=True)
    tg = torch.autograd.grad(tout, [tx, ty], torch.tensor(v), create_graph=True)
    plain = autograd.grad(fn(ours_ns, x, y), [x, y], autograd.tensor(v))
    for a, b, c in zip(g, tg, plain):
        assert a.requires_grad == b.requires_grad   # False for a linear fn, as in torch
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(a.numpy(), c.numpy(), rtol=1e-12, atol=1e-14)
    # a second-order quantity that mixes both gradients
    second = (g[0] ** 2).sum() + (g[1] * y).sum()
    tsecond = (tg[0] ** 2).sum() + (tg[1] * ty).sum()
    second.backward()
    tsecond.backward()
    for a, b in ((x, tx), (y, ty)):
        assert (a.grad is None) == (b.grad is None)
        if a.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name,fn,sx,sy", CASES, ids=[c[0] for c in CASES])
def test_gradgradcheck(name, fn, sx, sy):
    x0, y0 = _inputs(sx, sy, 3)
    ns = _ours_ns()
    x, y = (autograd.tensor(a, requires_grad=True) for a in (x0, y0))
    assert autograd.gradgradcheck(lambda a, b: fn(ns, a, b), (x, y), atol=1e-6, rtol=1e-4)


def test_gradgradcheck_catches_a_wrong_recorded_vjp(monkeypatch):
    x = autograd.tensor([0.3, -0.2, 0.9], dtype=autograd.float64, requires_grad=True)
    assert autograd.gradgradcheck(lambda a: a.tanh(), (x,))
    # right first derivatives, recorded without their dependence on y: wrong second ones
    monkeypatch.setattr(Tanh, "backward_graph", staticmethod(
        lambda ctx, g: (g * autograd.tensor(1 - ctx.saved[0] ** 2),)))
    with pytest.raises(autograd.GradcheckError, match="input 0"):
        autograd.gradgradcheck(lambda a: a.tanh(), (x,))
    # a wrong first derivative: differentiated consistently, so only the comparison with the
    # ordinary backward pass sees it
    monkeypatch.setattr(Tanh, "backward_graph", staticmethod(
        lambda ctx, g: (g * (1 - 1.1 * ctx.output_tensor(ctx.saved[0]) ** 2),)))
    with pytest.raises(autograd.GradcheckError, match="recorded backward"):
        autograd.gradgradcheck(lambda a: a.tanh(), (x,))


def test_backward_create_graph_fills_grads_with_graphs_and_accumulates():
    x = autograd.tensor([1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])
    (x ** 2).sum().backward(create_graph=True)      # accumulates, still recorded
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 16.0])
    g = x.grad
    x.grad = None
    g.sum().backward()                              # d/dx (3x^2 + 2x) = 6x + 2
    np.testing.assert_allclose(x.grad.numpy(), [8.0, 14.0])


def test_gradient_penalty_matches_torch():
    """A WGAN-GP style penalty: the norm of d critic / d input, trained through."""
    rng = np.random.default_rng(0)
    x0, w0, w1 = rng.standard_normal((4, 3)), rng.standard_normal((5, 3)), rng.standard_normal((1, 5))
    import nn
    results = []
    for lib, F, grad in ((autograd, nn.functional, autograd.grad),
                         (torch, torch.nn.functional, torch.autograd.grad)):
        x = lib.tensor(x0, requires_grad=True)
        a, b = lib.tensor(w0, requires_grad=True), lib.tensor(w1, requires_grad=True)
        score = F.linear(F.leaky_relu(F.linear(x, a), 0.2).tanh(), b)
        (gx,) = grad(score.sum(), x, create_graph=True)
        penalty = ((gx.pow(2).sum(1) + 1e-12).sqrt() - 1).pow(2).mean()
        penalty.backward()
        results.append([t.grad.numpy() for t in (a, b)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_an_op_without_a_recorded_vjp_is_named(monkeypatch):
    monkeypatch.delattr(Tanh, "backward_graph")
    x = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="Tanh: create_graph=True is not supported"):
        autograd.grad(x.tanh().sum(), x, create_graph=True)


def test_grad_outputs_that_require_grad_stay_in_the_graph():
    """Hessian-vector products by the double-backward trick differentiate through v."""
    x = autograd.tensor([0.5, -1.0], dtype=autograd.float64, requires_grad=True)
    v = autograd.zeros(2, dtype=autograd.float64, requires_grad=True)
    y = (x ** 3).sum()
    (g,) = autograd.grad(y, x, create_graph=True)
    (gv,) = autograd.grad(g, x, v, create_graph=True)      # H v, linear in v
    (hu,) = autograd.grad(gv, v, autograd.tensor([1.0, 1.0], dtype=autograd.float64))
    np.testing.assert_allclose(hu.numpy(), 6 * x.numpy())  # H = diag(6x)


def test_maml_meta_gradient_matches_torch():
    """One MAML meta-step on sine regression: an inner SGD step taken with create_graph=True,
    the query loss differentiated through it back to the initial weights."""
    import nn
    rng = np.random.default_rng(4)
    w = [rng.standard_normal((16, 1)) * 0.5, rng.standard_normal(16) * 0.1,
         rng.standard_normal((1, 16)) * 0.3, rng.standard_normal(1) * 0.1]
    xs, xq = rng.uniform(-3, 3, (10, 1)), rng.uniform(-3, 3, (10, 1))
    ys, yq = np.sin(xs + 0.5), np.sin(xq + 0.5)
    grads = []
    for lib, F, grad in ((autograd, nn.functional, autograd.grad),
                         (torch, torch.nn.functional, torch.autograd.grad)):
        params = [lib.tensor(a, requires_grad=True) for a in w]

        def net(x, p):
            return F.linear(F.relu(F.linear(x, p[0], p[1])), p[2], p[3])

        inner = F.mse_loss(net(lib.tensor(xs), params), lib.tensor(ys))
        g = grad(inner, params, create_graph=True)
        fast = [p - 0.1 * gi for p, gi in zip(params, g)]
        outer = F.mse_loss(net(lib.tensor(xq), fast), lib.tensor(yq))
        outer.backward()
        grads.append([p.grad.numpy() for p in params])
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kw", [{}, {"bidirectional": True, "num_layers": 2}, {"bias": False},
                                {"batch_first": True, "proj_size": 2}])
def test_lstm_layer_second_derivatives_match_torch(kw):
    """The fused LSTMSequence records its VJP by re-running the composed cells."""
    import nn
    rng = np.random.default_rng(0)
    m = nn.LSTM(3, 4, **kw).double()
    tm = torch.nn.LSTM(3, 4, **kw).double()
    tm.load_state_dict({k: torch.tensor(v) for k, v in m.state_dict().items()})
    x0 = rng.standard_normal((5, 2, 3))
    res = []
    for lib, mod, grad in ((autograd, m, autograd.grad), (torch, tm, torch.autograd.grad)):
        x = lib.tensor(x0, requires_grad=True)
        out, (h, c) = mod(x)
        params = [x] + list(mod.parameters())
        gs = grad((out ** 2).sum() + (c * c).sum() * h.sum(), params, create_graph=True)
        sum((g ** 2).sum() for g in gs).backward()
        res.append([p.grad.numpy() for p in params])
    for ours, theirs in zip(*res):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-11)


def test_lstm_packed_sequence_gradgradcheck():
    import nn
    from nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    m = nn.LSTM(2, 3).double()
    x = autograd.tensor(np.random.default_rng(1).standard_normal((4, 2, 2)), requires_grad=True)

    def fn(x):
        out, _ = m(pack_padded_sequence(x, [4, 2]))
        return pad_packed_sequence(out)[0]

    assert autograd.gradgradcheck(fn, (x,))


@pytest.mark.parametrize("kind,kw", [
    ("GRU", {}), ("GRU", {"bidirectional": True, "num_layers": 2}), ("GRU", {"bias": False}),
    ("GRU", {"batch_first": True}), ("RNN", {}), ("RNN", {"nonlinearity": "relu"}),
    ("RNN", {"bidirectional": True, "bias": False})])
def test_gru_and_rnn_layer_second_derivatives_match_torch(kind, kw):
    """The fused GRUSequence / RNNSequence record their VJPs by re-running the composed
    steps, as LSTMSequence does."""
    import nn
    rng = np.random.default_rng(0)
    m = getattr(nn, kind)(3, 4, **kw).double()
    tm = getattr(torch.nn, kind)(3, 4, **kw).double()
    tm.load_state_dict({k: torch.tensor(v) for k, v in m.state_dict().items()})
    x0 = rng.standard_normal((2, 5, 3) if m.batch_first else (5, 2, 3))
    h00 = 0.5 * rng.standard_normal((m.num_layers * m.num_directions, 2, 4))
    res = []
    for lib, mod, grad in ((autograd, m, autograd.grad), (torch, tm, torch.autograd.grad)):
        x, h0 = lib.tensor(x0, requires_grad=True), lib.tensor(h00, requires_grad=True)
        out, h = mod(x, h0)
        params = [x, h0] + list(mod.parameters())
        gs = grad((out ** 2).sum() + (h * h).sum() * out.sum(), params, create_graph=True)
        sum((g ** 2).sum() for g in gs).backward()
        res.append([p.grad.numpy() for p in params])
    for ours, theirs in zip(*res):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("cell", ["GRUCell", "RNNCell"])
def test_gru_and_rnn_cells_gradgradcheck_fused_and_composed(cell):
    import nn
    m = getattr(nn, cell)(2, 3).double()
    x = autograd.tensor(np.random.default_rng(2).standard_normal((2, 2)), requires_grad=True)
    h = autograd.tensor(np.random.default_rng(3).standard_normal((2, 3)), requires_grad=True)
    assert autograd.gradgradcheck(lambda a, b: m(a, b), (x, h))
    m.fused = False
    assert autograd.gradgradcheck(lambda a, b: m(a, b), (x, h))


def test_gru_packed_sequence_gradgradcheck():
    import nn
    from nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    m = nn.GRU(2, 3, bidirectional=True).double()
    x = autograd.tensor(np.random.default_rng(1).standard_normal((4, 2, 2)), requires_grad=True)

    def fn(x):
        out, _ = m(pack_padded_sequence(x, [4, 2]))
        return pad_packed_sequence(out)[0]

    assert autograd.gradgradcheck(fn, (x,))


def test_backward_with_inputs_and_create_graph_fills_only_those():
    x = autograd.tensor([1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    w = autograd.tensor([3.0, -1.0], dtype=autograd.float64, requires_grad=True)
    h = x * w                                   # a non-leaf input too
    (h ** 2).sum().backward(inputs=[x, h], create_graph=True)
    assert w.grad is None and x.grad.requires_grad and h.grad.requires_grad
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy() * w.numpy() ** 2)
    np.testing.assert_allclose(h.grad.numpy(), 2 * h.detach().numpy())
    x.grad.sum().backward(inputs=[w])           # d/dw sum(2 x w^2) = 4 x w
    np.testing.assert_allclose(w.grad.numpy(), 4 * x.numpy() * w.numpy())


def test_is_grads_batched_matches_torch():
    """A Jacobian row by row through grad(is_grads_batched=True), as torch's recipe."""
    x0 = np.array([0.5, -1.0, 2.0])
    results = []
    for lib, grad in ((autograd, autograd.grad), (torch, torch.autograd.grad)):
        x = lib.tensor(x0, requires_grad=True)
        y = lib.stack([x[0] * x[1], x.sin().sum(), (x ** 2)[2]])
        (jac,) = grad(y, x, lib.eye(3, dtype=lib.float64), is_grads_batched=True)
        results.append(jac.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)
    x = autograd.tensor(x0, requires_grad=True)
    y = x * x
    autograd.grad(y, x, autograd.eye(3, dtype=autograd.float64), is_grads_batched=True)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        autograd.grad(y, x, autograd.ones(3, dtype=autograd.float64))   # freed, as torch's
    with pytest.raises(RuntimeError, match="same leading batch dim"):
        x = autograd.tensor(x0, requires_grad=True)
        autograd.grad([x * 2, x * 3], x, [autograd.ones(2, 3), autograd.ones(3, 3)],
                      is_grads_batched=True)


def test_a_leaf_hook_sees_the_whole_gradient_once_as_torch():
    results = []
    for lib, grad in ((autograd, autograd.grad), (torch, torch.autograd.grad)):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        calls = []
        x.register_hook(lambda g: (calls.append(1), g ** 2)[1])
        (x.sin() + x * x).sum().backward(create_graph=True)
        results.append((len(calls), x.grad.detach().numpy().copy()))
    assert results[0][0] == results[1][0] == 1
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)


def test_retained_and_input_grads_are_their_own_tensors():
    x = autograd.tensor([1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    a = x * x
    a.retain_grad()
    y = a + 1
    y.retain_grad()
    v = autograd.tensor([1.0, 1.0], dtype=autograd.float64)
    y.backward(v, create_graph=True)
    assert a.grad is not y.grad and y.grad is not v
    y.grad.mul_(3)
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 1.0])
    b = autograd.tensor(2.0, dtype=autograd.float64, requires_grad=True)
    c = b.expand(3)
    c.retain_grad()
    c.sum().backward(create_graph=True)
    c.grad.mul_(2)                        # its own contiguous tensor, not a broadcast view
    np.testing.assert_array_equal(c.grad.numpy(), [2.0, 2.0, 2.0])


def test_a_hook_changing_the_shape_is_refused_under_create_graph():
    x = autograd.tensor([1.0, 2.0, 3.0], dtype=autograd.float64, requires_grad=True)
    h = x * 2
    h.register_hook(lambda g: g.sum())
    with pytest.raises(RuntimeError, match=r"returned a gradient of shape \(\) for a tensor "
                                           r"of shape \(3,\)"):
        (h ** 2).sum().backward(create_graph=True)


def test_module_zero_grad_without_none_cuts_the_old_graph():
    import nn
    m = nn.Linear(2, 1).double()
    x = autograd.ones(1, 2, dtype=autograd.float64)
    (m(x) ** 3).sum().backward(create_graph=True)
    m.zero_grad(set_to_none=False)
    assert not m.weight.grad.requires_grad and not m.weight.grad.numpy().any()
    tm = torch.nn.Linear(2, 1).double()
    tm.load_state_dict({k: torch.tensor(v) for k, v in m.state_dict().items()})
    (m(x) ** 2).sum().backward(create_graph=True)
    (tm(torch.ones(1, 2, dtype=torch.float64)) ** 2).sum().backward(create_graph=True)
    (ours,) = autograd.grad(m.weight.grad.sum(), m.weight)
    (theirs,) = torch.autograd.grad(tm.weight.grad.sum(), tm.weight)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def _second_order(L, grad, fn):
    """(does the recorded gradient require grad, its gradient's values or None)."""
    x = L.tensor([0.3, -1.0, 2.0], dtype=L.float64, requires_grad=True)
    (g,) = grad(fn(L, x), x, create_graph=True)
    if not g.requires_grad:
        return False, None
    (h,) = grad((g * g).sum(), x)
    return True, (h.numpy() if L is not torch else h.numpy(force=True)).tolist()  # torch may
    # give a ZeroTensor


@pytest.mark.parametrize("fn", [
    lambda L, x: (x.relu() * 3).sum(), lambda L, x: x.abs().sum(),
    lambda L, x: L.nn.functional.leaky_relu(x, 0.1).sum(),
    lambda L, x: (x.clamp(-0.5, 0.5) * x).sum(), lambda L, x: L.maximum(x, x * x).sum(),
    lambda L, x: L.nn.functional.relu6(x * 4).sum(),
    lambda L, x: L.nn.functional.hardtanh(x, -0.5, 0.5).sum(),
    lambda L, x: x.amax(0) * 2,   # torch's recorded gradient is cut from x here: so is ours
    lambda L, x: x.norm(1) + x.norm(float("inf")),
    lambda L, x: L.nn.functional.softshrink(x, 0.5).sum(),
    lambda L, x: L.nn.functional.hardshrink(x, 0.5).sum(),
    lambda L, x: L.nn.functional.threshold(x, 0.1, 2.0).sum(),
    lambda L, x: L.nn.functional.hardtanh(x, -0.5, 0.5).sum() * 2,
    # torch's clamp, maximum and minimum select g by a mask computed outside the graph: on
    # their own, their recorded gradient does not depend on x (nor do ours)
    lambda L, x: x.clamp(-0.5, 0.5).sum(), lambda L, x: x.clip(max=0.5).sum(),
    lambda L, x: x.clamp(L.zeros(3, dtype=L.float64), L.ones(3, dtype=L.float64)).sum(),
    lambda L, x: L.maximum(x, L.zeros(3, dtype=L.float64)).sum(),
    lambda L, x: L.minimum(x, L.zeros(3, dtype=L.float64)).sum()])
def test_piecewise_linear_ops_reach_their_inputs_as_zeros(fn):
    """grad of a ReLU/abs network's gradient w.r.t. the input: zeros, as torch's (the 0/1
    masks of the recorded VJPs depend on the input with a zero derivative), not "unused";
    and where torch's recorded gradient does not depend on the input, neither does ours."""
    ours = _second_order(_Ours(), autograd.grad, fn)
    theirs = _second_order(torch, torch.autograd.grad, fn)
    assert ours[0] == theirs[0]
    if ours[0]:
        np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)


def test_clamp_with_one_tensor_bound_records():
    results = []
    for lib, grad in ((autograd, autograd.grad), (torch, torch.autograd.grad)):
        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        t = lib.tensor([1.5, 1.5, 1.5], dtype=lib.float64, requires_grad=True)
        (g,) = grad((x.clamp(min=t) ** 3).sum(), x, create_graph=True)
        (h,) = grad(g.sum(), x)
        results.append(h.numpy())
    np.testing.assert_allclose(results[0], results[1])


def test_materialized_zeros_require_grad_under_create_graph_as_torch():
    x = autograd.tensor([1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    y = autograd.tensor([1.0], dtype=autograd.float64, requires_grad=True)
    gx, gy = autograd.grad((x * x).sum(), [x, y], create_graph=True, materialize_grads=True)
    assert gx.requires_grad and gy.requires_grad and not gy.numpy().any()
    _, gy = autograd.grad((x * x).sum(), [x, y], materialize_grads=True)
    assert not gy.requires_grad


def test_a_custom_function_with_a_recorded_vjp_returning_a_list():
    class Cube(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            return [g * 3 * ctx.saved[0] ** 2]

        @staticmethod
        def backward_graph(ctx, g):
            return [g * 3 * ctx.input_tensor(0, ctx.saved[0]) ** 2]

    x = autograd.tensor([1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    (g,) = autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (h,) = autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), [6.0, 12.0])
