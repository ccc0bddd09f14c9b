"""Tensor.register_hook, Tensor.retain_grad, autograd.grad and autograd.backward, against torch."""
import gc

import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")


def both(values):
    """The same float64 leaf in the engine and in torch."""
    arr = np.array(values, dtype=np.float64)
    return (autograd.tensor(arr, dtype=autograd.float64, requires_grad=True),
            torch.tensor(arr, requires_grad=True))


def close(ours, theirs):
    assert ours is not None and theirs is not None
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def graph(lib, x, log):
    """A diamond with hooks on a leaf, on a non-leaf used twice, and a retained non-leaf."""
    x.register_hook(lambda g: log.append(("x", g.numpy().copy())) or g * 10)
    y = x * 2
    y.register_hook(lambda g: log.append(("y", g.numpy().copy())) or g * 3)
    y.retain_grad()
    z = (y * y.exp() + y.sin() * x).sum()
    return y, z


def test_hooks_and_retain_grad_match_torch():
    (x, xt), log, logt = both([0.5, -1.0, 0.25]), [], []
    y, z = graph(autograd, x, log)
    yt, zt = graph(torch, xt, logt)
    z.backward()
    zt.backward()
    close(x.grad, xt.grad)
    close(y.grad, yt.grad)
    assert y.retains_grad and yt.retains_grad and not x.retains_grad
    assert [k for k, _ in log] == [k for k, _ in logt] == ["y", "x"]
    for (_, a), (_, b) in zip(log, logt):  # each hook ran once, on the summed gradient
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_grad_matches_torch_and_leaves_dot_grad_alone():
    (x, xt), log, logt = both([0.5, -1.0, 0.25]), [], []
    y, z = graph(autograd, x, log)
    yt, zt = graph(torch, xt, logt)
    (gy,) = autograd.grad(z, y, retain_graph=True)
    (gyt,) = torch.autograd.grad(zt, yt, retain_graph=True)
    close(gy, gyt)  # the gradient of a non-leaf input has passed through its hooks
    gx, gy2 = autograd.grad(z, [x, y], retain_graph=True)
    gxt, _ = torch.autograd.grad(zt, [xt, yt], retain_graph=True)
    close(gx, gxt)
    # torch returns y's gradient before its hook when it also runs y's node (for x), after it
    # otherwise; the engine returns it after the hooks in both cases
    close(gy2, gyt)
    assert x.grad is None and xt.grad is None
    close(y.grad, yt.grad)  # a retained non-leaf's .grad fills in torch too
    (gx2,) = autograd.grad(z, x)
    close(gx2, gxt)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        autograd.grad(z, x)


def test_grad_of_several_outputs_with_grad_outputs():
    rng = np.random.default_rng(0)
    (a, at), (b, bt) = both(rng.standard_normal((2, 3))), both(rng.standard_normal(3))
    outs = [a * b, (a.tanh() * b).sum(dim=0), (a * a).sum()]
    outst = [at * bt, (at.tanh() * bt).sum(dim=0), (at * at).sum()]
    vs = [rng.standard_normal((2, 3)), rng.standard_normal(3), None]
    ga = autograd.grad(outs, (a, b), grad_outputs=[None if v is None else autograd.tensor(v)
                                                   for v in vs])
    gt = torch.autograd.grad(outst, (at, bt),
                             grad_outputs=[None if v is None else torch.tensor(v) for v in vs])
    for g, t in zip(ga, gt):
        close(g, t)
        assert g.dtype == autograd.float64 and g.shape == tuple(t.shape)


def test_grad_dict_inputs_unused_and_materialize():
    (x, _), (u, _) = both([1.0, 2.0]), both([3.0])
    y = (x * x).sum()
    with pytest.raises(RuntimeError, match=r"grad: input 1 \(shape \(1,\)\) appears not to have "
                                           r"been used"):
        autograd.grad(y, [x, u], retain_graph=True)
    gx, gu = autograd.grad(y, [x, u], allow_unused=True, retain_graph=True)
    assert gu is None
    np.testing.assert_allclose(gx.data, [2.0, 4.0])
    out = autograd.grad(y, {"x": x, "u": u}, materialize_grads=True)
    assert list(out) == ["x", "u"]
    np.testing.assert_array_equal(out["u"].data, [0.0])
    with pytest.raises(ValueError, match="allow_unused"):
        autograd.grad((x * 1).sum(), x, allow_unused=False, materialize_grads=True)


def test_grad_errors():
    (x, _) = both([1.0, 2.0])
    with pytest.raises(RuntimeError, match="only for an output with one element.*shape \\(2,\\)"):
        autograd.grad(x * 2, x)
    with pytest.raises(RuntimeError, match="grad: input 0 .* does not require grad"):
        autograd.grad((x * 2).sum(), autograd.ones(2))
    with pytest.raises(RuntimeError, match="element 0 of the outputs .* does not require grad"):
        autograd.grad(autograd.ones(2).sum(), x)
    with pytest.raises(RuntimeError, match="cannot be empty"):
        autograd.grad((x * 2).sum(), [])
    with pytest.raises(RuntimeError, match=r"grad_outputs\[0\] has shape \(3,\) and output 0 "
                                           r"has shape \(2,\)"):
        autograd.grad(x * 2, x, grad_outputs=autograd.ones(3))
    with pytest.raises(TypeError, match="inputs must be Tensors"):
        autograd.grad((x * 2).sum(), [np.ones(2)])


def test_grad_of_a_leaf_and_float32():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    (g,) = autograd.grad(x, x, grad_outputs=autograd.full((2,), 3.0))
    np.testing.assert_array_equal(g.data, [3.0, 3.0])
    (g,) = autograd.grad((x * x).sum(), x)
    assert g.dtype == autograd.float32 and x.grad is None
    np.testing.assert_allclose(g.data, [2.0, 4.0])


def test_backward_with_inputs_and_autograd_backward():
    (x, xt) = both([0.5, 2.0])
    z = x * 3
    (z * z).sum().backward(inputs=[z])
    zt = xt * 3
    (zt * zt).sum().backward(inputs=[zt])
    close(z.grad, zt.grad)
    assert x.grad is None and xt.grad is None
    (w, wt) = both([1.0, -1.0])
    autograd.backward([(w * 2).sum(), w * w], [None, autograd.tensor([1.0, 3.0])])
    torch.autograd.backward([(wt * 2).sum(), wt * wt], [None, torch.tensor([1.0, 3.0])])
    close(w.grad, wt.grad)


def test_hook_replacement_shapes_removal_and_errors():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    handle = x.register_hook(lambda g: g * 2)
    x.register_hook(lambda g: g + 1)
    (x * 1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])
    handle.remove()
    x.grad = None
    (x * 1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])
    y = x * 1
    y.register_hook(lambda g: autograd.ones(3))
    with pytest.raises(RuntimeError, match=r"returned a gradient of shape \(3,\) for a tensor "
                                           r"of shape \(2,\)"):
        y.sum().backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        autograd.ones(2).register_hook(print)
    with pytest.raises(RuntimeError, match="does not require grad"):
        autograd.ones(2).retain_grad()
    with pytest.raises(TypeError, match="callable"):
        x.register_hook(3)


def test_hooks_see_read_only_gradients():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1

    def edit(g):
        g.data[0] = 100.0

    y.register_hook(edit)
    with pytest.raises(ValueError, match="read-only"):
        (y + y).sum().backward()


def test_leaf_hook_registry_follows_the_leaf_lifetime():
    from autograd.hooks import leaf_hooks
    before = len(leaf_hooks)
    x = autograd.tensor([1.0], requires_grad=True)
    x.register_hook(lambda g: g)
    assert len(leaf_hooks) == before + 1
    del x
    gc.collect()
    assert len(leaf_hooks) == before


def test_zero_d_gradients_used_three_times():
    # 0-d sums are numpy scalars: the engine must keep them as arrays to add into them in place
    for make in (lambda y: y * y + y, lambda y: y * y * y + y, lambda y: (y * y + y) * y):
        x, xt = both(2.0)
        make(x * 1).backward()
        make(xt * 1).backward()
        close(x.grad, xt.grad)


class _Counted(autograd.Function):
    """Identity that counts its backward calls."""
    calls = 0

    @staticmethod
    def forward(ctx, x):
        return x * 1

    @staticmethod
    def backward(ctx, g):
        _Counted.calls += 1
        return g


def test_grad_runs_only_the_vjps_that_lead_to_the_inputs_as_torch():
    rng = np.random.default_rng(3)
    x = autograd.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    w = autograd.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    tx, tw = torch.tensor(x.data, requires_grad=True), torch.tensor(w.data, requires_grad=True)
    _Counted.calls = 0
    h = _Counted.apply(x)                    # only on x's side
    loss = ((h @ w).tanh() ** 2).sum()
    tloss = ((tx @ tw).tanh() ** 2).sum()
    (gw,) = autograd.autograd.grad(loss, [w], retain_graph=True)
    assert _Counted.calls == 0               # x's side is not wanted: not run
    np.testing.assert_allclose(gw.data, torch.autograd.grad(tloss, [tw], retain_graph=True)[0])
    (gh,) = autograd.autograd.grad(loss, [h], retain_graph=True)   # a non-leaf input
    assert _Counted.calls == 0               # below h nothing is wanted
    gx, gw2 = autograd.autograd.grad(loss, [x, w])
    assert _Counted.calls == 1
    tgx, tgw = torch.autograd.grad(tloss, [tx, tw])
    np.testing.assert_allclose(gx.data, tgx.numpy())
    np.testing.assert_allclose(gw2.data, tgw.numpy())
    np.testing.assert_allclose(gh.data, gx.data)   # the identity passes it through
    assert x.grad is None and w.grad is None


def test_a_module_backward_hook_runs_only_when_its_inputs_gradient_is_wanted():
    for lib in (autograd, torch):
        calls = []
        lin = lib.nn.Linear(3, 2).double()
        lin.register_full_backward_hook(lambda m, gi, go: calls.append("hook"))
        x = lib.tensor(np.ones((4, 3)), requires_grad=True)
        loss = lin(x).sum()
        lib.autograd.grad(loss, lin.weight, retain_graph=True)
        loss.backward(inputs=[lin.weight], retain_graph=True)
        assert calls == [] and x.grad is None, lib.__name__
        lib.autograd.grad(loss, x)
        assert calls == ["hook"], lib.__name__


def test_hooks_run_with_grad_mode_off_unless_create_graph_as_torch():
    # torch's backward pass runs with grad mode = create_graph: a hook's ops are not recorded
    for lib in (autograd, torch):
        seen = []
        w = lib.ones(3, requires_grad=True)
        w.register_hook(lambda g: seen.append(lib.is_grad_enabled()))
        y = w * 2
        y.register_hook(lambda g: seen.append((g * 2).requires_grad))
        (y * w).sum().backward()
        lib.autograd.grad((w * w).sum(), w)
        (g,) = lib.autograd.grad((w * w).sum(), w, create_graph=True)
        assert seen == [False, False, False, True] and lib.is_grad_enabled()
