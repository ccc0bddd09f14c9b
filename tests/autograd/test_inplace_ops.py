"""+=, -=, *=, /= and add_/sub_/mul_/div_/fill_/copy_/clamp_ change the tensor in place, and
are recorded on op outputs as in PyTorch: values and gradients against torch."""
import numpy as np
import pytest

import autograd
import nn

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(5)


def test_manual_sgd_with_isub_trains_like_torch():
    x, y = RNG.standard_normal((8, 3)), RNG.standard_normal((8, 1))
    w0, b0 = RNG.standard_normal((1, 3)), RNG.standard_normal(1)
    ours, theirs = nn.Linear(3, 1).double(), torch.nn.Linear(3, 1).double()
    ours.load_state_dict({"weight": w0, "bias": b0})
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(w0))
        theirs.bias.copy_(torch.tensor(b0))
    losses = []
    for lib, model, X, Y in ((autograd, ours, autograd.tensor(x), autograd.tensor(y)),
                             (torch, theirs, torch.tensor(x), torch.tensor(y))):
        run = []
        for _ in range(4):
            loss = ((model(X) - Y) ** 2).mean()
            run.append(loss.item())
            model.zero_grad()
            loss.backward()
            with lib.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
        losses.append(run)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-12)
    assert losses[0][-1] < losses[0][0]


def test_in_place_operators_keep_the_tensor_object_and_its_memory():
    t = autograd.ones(3)
    alias, shared = t, t.detach()
    arr = t._data
    t *= 2
    t += 1
    t -= 0.5
    t /= 5
    assert alias is t and t._data is arr
    np.testing.assert_allclose(shared.data, np.full(3, 0.5))
    g = autograd.tensor([1.0, 2.0], requires_grad=True)
    (g * g).sum().backward()
    grad = g.grad
    g.grad *= 0.5
    assert g.grad is grad
    np.testing.assert_allclose(grad.data, [1.0, 2.0])


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_recorded_in_place_arithmetic_on_an_op_output_matches_torch(op):
    x, z = RNG.standard_normal((2, 3)), RNG.standard_normal(3) + 3.0
    grads = []
    for lib in (autograd, torch):
        xt = lib.tensor(x, requires_grad=True)
        zt = lib.tensor(z, requires_grad=True)
        y = xt * 2.0
        if op == "add":
            y += zt
        elif op == "sub":
            y -= zt
        elif op == "mul":
            y *= zt
        else:
            y /= zt
        (y.tanh() * lib.tensor(x)).sum().backward()
        grads.append([y.detach().numpy(), xt.grad.numpy(), zt.grad.numpy()])
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-14)


def test_accumulating_a_loss_with_iadd():
    for lib in (autograd, torch):
        a = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        loss = 0
        for i in range(3):
            loss += (a * a * (i + 1)).sum()
        loss.backward()
        np.testing.assert_allclose(a.grad.numpy(), 12 * np.array([1.0, -2.0, 0.5]))


def test_in_place_into_a_plain_tensor_with_a_grad_operand_is_recorded():
    z = autograd.tensor([1.0, 2.0], requires_grad=True)
    acc = autograd.zeros(2, dtype=autograd.float64)
    acc += z * 3.0
    assert acc.requires_grad
    (acc * acc).sum().backward()
    np.testing.assert_allclose(z.grad.data, 18 * np.array([1.0, 2.0]))


def test_in_place_over_values_an_op_saved_raises_at_backward():
    x = autograd.tensor([0.5, -1.0], requires_grad=True)
    y = x.sigmoid()          # saves its output
    y *= 2.0
    with pytest.raises(RuntimeError, match="Sigmoid.*modified in place"):
        y.sum().backward()


def test_in_place_on_a_leaf_that_requires_grad_raises():
    w = autograd.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="sub_: a leaf tensor that requires grad"):
        w -= 0.1
    with autograd.no_grad():
        w -= 0.5
    np.testing.assert_allclose(w.data, [0.5, 1.5])
    assert w.requires_grad and w.grad_fn is None


def test_integer_tensors_refuse_a_float_result():
    t = autograd.tensor([1, 2])
    for fn in (lambda: t.__itruediv__(2), lambda: t.__imul__(2.5),
               lambda: t.add_(autograd.tensor([0.5, 0.5]))):
        with pytest.raises(TypeError, match="int64"):
            fn()
    t += 1
    t *= 3
    np.testing.assert_array_equal(t.data, [6, 9])


def test_recorded_in_place_on_an_indexed_view_writes_through_like_torch():
    results = []
    for lib in (autograd, torch):
        x = lib.tensor(np.ones((2, 3)), requires_grad=True)
        z = lib.tensor(np.full(3, 0.5), requires_grad=True)
        h = x * 2.0
        h[:, 0].mul_(5)            # a basic-index view: the change reaches h
        v = h[0]
        v += z
        h[1] += 100
        h[0][2] = 7.0
        e = h[1, 1]                # a 0-d view
        e.mul_(3)
        a = h[[0, 1]]              # advanced indexing copies, in both engines
        a += 1000
        (h * lib.tensor(np.arange(6.0).reshape(2, 3))).sum().backward()
        results.append([t.detach().numpy() for t in (h, v, e, a, x.grad, z.grad)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_recorded_in_place_on_other_views_writes_through_and_on_op_outputs_works():
    # in-place ops on reshape / transpose views change the tensor they view, as in torch
    for fn in (lambda h: h.reshape(6).mul_(2), lambda h: h.T.add_(1),
               lambda h: h.reshape(6).__setitem__(0, 1.0)):
        got = []
        for lib in (autograd, torch):
            x = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
            h = x * 2.0
            fn(h)
            (h * h).sum().backward()
            got.append((h.detach().numpy(), x.grad.numpy()))
        for ours, theirs in zip(*got):
            np.testing.assert_allclose(ours, theirs)
    # an op whose output is a view of its own temporary (Linear reshapes its product): the
    # residual idiom `out += identity` works
    grads = []
    for lib, F in ((autograd, nn.functional), (torch, torch.nn.functional)):
        w = lib.tensor(np.arange(6.0).reshape(2, 3) / 4, requires_grad=True)
        out = F.linear(lib.tensor(np.ones((2, 2, 3))), w)
        if lib is autograd:
            assert out.data.base is not None
        out += lib.tensor(np.ones((2, 2, 2)))
        (out * out).sum().backward()
        grads.append([out.detach().numpy(), w.grad.numpy()])
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("op", ["fill_", "copy_", "clamp_", "zero_"])
def test_recorded_overwrites_match_torch(op):
    x, s = RNG.standard_normal(4), RNG.standard_normal(4)
    grads = []
    for lib in (autograd, torch):
        xt = lib.tensor(x, requires_grad=True)
        st = lib.tensor(s, requires_grad=True)
        y = xt * 3.0
        if op == "fill_":
            y.fill_(2.0)
        elif op == "copy_":
            y.copy_(st * 2.0)
        elif op == "clamp_":
            y.clamp_(-1.0, 1.0)
        else:
            y.zero_()
        (y * lib.tensor(s) + xt).sum().backward()
        grads.append([y.detach().numpy(), xt.grad.numpy()] +
                     ([st.grad.numpy()] if op == "copy_" else []))
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-14)


def test_views_taken_before_an_in_place_op_follow_it_like_torch():
    results = []
    for lib in (autograd, torch):
        a = lib.tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=True)
        b = lib.tensor([2.0, 3.0, 4.0], requires_grad=True)
        y = a * 1.0
        v, w, e = y[0], y.T, y[1, 2]
        u = v[1:]                   # a view of a view
        y.mul_(b)
        y[1, 0] = 9.0
        loss = (v * v).sum() + (w * w).sum() + (u * u).sum() + e * e
        loss.backward()
        results.append([t.detach().numpy() for t in (v, w, u, e, a.grad, b.grad)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_the_view_registry_does_not_grow_with_a_weight_viewed_every_step():
    from autograd import views
    w = autograd.tensor(np.ones((3, 3)), requires_grad=True)
    for _ in range(1000):
        (autograd.ones(2, 3, dtype=autograd.float64) @ w.T).sum()
    assert len(views._views[id(w)].views) <= 64
    del w
    assert not any(entry() is None for entry in views._views.values())


VIEW_CASES = {
    "view of a view": lambda y, w: (y[1:][0:2], lambda: y.mul_(w)),
    "reshape then index": lambda y, w: (y.reshape(2, 2)[1][0:1], lambda: y.mul_(w)),
    "advanced index copies": lambda y, w: (y[[0, 2]], lambda: y.mul_(w)),
    "mask copies": lambda y, w: (y[y > 2], lambda: y.add_(w)),
    "slot written elsewhere": lambda y, w: (y[0:2], y.__setitem__(slice(2, 4), w) or (lambda: None)),
}


@pytest.mark.parametrize("name", list(VIEW_CASES))
def test_views_and_copies_around_an_in_place_op_match_torch(name):
    results = []
    for lib in (autograd, torch):
        x = lib.tensor(np.arange(1.0, 5.0), requires_grad=True)
        w = lib.tensor([0.5, 1.5, 2.0, 3.0][:4 if name != "slot written elsewhere" else 2],
                       requires_grad=True)
        y = x * 2.0
        v, write = VIEW_CASES[name](y, w)
        write()
        (v * v * 3).sum().backward()
        results.append([v.detach().numpy(), x.grad.numpy(),
                        None if w.grad is None else w.grad.numpy()])
    for ours, theirs in zip(*results):
        # a view of untouched slots is not re-recorded: w gets no gradient where torch's is 0
        ours = np.zeros_like(theirs) if ours is None and theirs is not None else ours
        assert (ours is None) == (theirs is None)
        if ours is not None:
            np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_in_place_on_an_op_output_reaches_its_views_and_int_targets_stay_plain():
    results = []
    for lib, F in ((autograd, nn.functional), (torch, torch.nn.functional)):
        W = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        t = F.linear(lib.tensor(np.ones((2, 2, 3))), W)   # ours: a view of Linear's product
        v = t[0]
        t.mul_(2)
        v.sum().backward()
        results.append([v.detach().numpy(), W.grad.numpy()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    t = autograd.zeros(3, dtype=autograd.int64)
    t[0] = autograd.ones(3, requires_grad=True)[0] * 2
    assert not t.requires_grad
    t[1] = 7
    np.testing.assert_array_equal(t.data, [2, 7, 0])


# ------------------------------------------------------------ broadcast views (expand)
@pytest.mark.parametrize("write", [
    lambda e: e.add_(1), lambda e: e.mul_(2), lambda e: e.uniform_(),
    lambda e: e.__setitem__((slice(None), 0), 5),
])
def test_writing_into_an_expanded_tensor_is_refused_as_in_torch(write):
    """Each of the rows of zeros(1, 3).expand(2, 3) is the same memory: a write would land
    once per location, not once per element. PyTorch refuses; so does this engine."""
    t = autograd.zeros(1, 3)
    with pytest.raises(RuntimeError, match="single memory location"):
        write(t.expand(2, 3))
    np.testing.assert_array_equal(t.data, np.zeros((1, 3), np.float32))
    tt = torch.zeros(1, 3)
    with pytest.raises(RuntimeError, match="single memory location"):
        write(tt.expand(2, 3))


def test_writes_into_expanded_slots_without_overlap_are_allowed_as_in_torch():
    ours, theirs = autograd.zeros(1, 3), torch.zeros(1, 3)
    for t in (ours, theirs):
        e = t.expand(2, 3)
        e[0] = 7          # one row: each slot once
        e[1, 2] = 9       # a single element
        t.expand(1, 3).add_(1)   # nothing stretched
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    for t in (ours, theirs):
        t.expand(4, 3).fill_(2)  # one value everywhere: well defined, allowed by torch
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_setitem_with_an_ellipsis_and_advanced_writes_into_an_expanded_tensor():
    ours, theirs = autograd.zeros(2, 3), torch.zeros(2, 3)
    for t in (ours, theirs):
        t[..., 0] = 5.0
        t[...] = t + 1
        t[0, ...] = 2.0
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    zero_d = autograd.zeros(())
    zero_d[...] = 3.0
    assert zero_d.item() == 3.0
    with autograd.no_grad():
        ours[..., 1] = 7.0
    assert (ours.data[:, 1] == 7).all()
    e = autograd.zeros(1, 3).expand(2, 3)
    e[[0]] = 1.0                 # an advanced index: allowed, as in torch (which warns)
    np.testing.assert_array_equal(e.data, np.ones((2, 3), np.float32))
    with pytest.raises(IndexError, match=r"setitem: .*shape \(2, 3\)"):
        ours[5] = 1.0


def test_contiguous_copies_an_expanded_or_transposed_tensor_as_torch():
    base, tbase = autograd.zeros(1, 3), torch.zeros(1, 3)
    c, tc = base.expand(2, 3).contiguous(), tbase.expand(2, 3).contiguous()
    c.add_(1)
    tc.add_(1)
    np.testing.assert_array_equal(c.data, tc.numpy())
    np.testing.assert_array_equal(base.data, tbase.numpy())   # the base is untouched
    x = autograd.tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    y = x.t().contiguous()
    assert y.data.flags.c_contiguous and y.shape == (3, 2)
    (y * autograd.tensor(np.arange(6.0).reshape(3, 2))).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.arange(6.0).reshape(3, 2).T)
    same = autograd.ones(2, 2)
    assert same.contiguous() is same


@pytest.mark.parametrize("size", [1, 10, 64, 65, 300])
def test_add_with_a_numpy_float64_alpha_rounds_as_the_kernel(size):
    y0 = RNG.standard_normal(size).astype(np.float32)
    o = RNG.standard_normal(size).astype(np.float32)
    t = autograd.tensor(y0.copy())
    with autograd.no_grad():
        t.add_(autograd.tensor(o), alpha=np.float64(0.1))
    np.testing.assert_array_equal(t.data, y0 + np.float32(0.1) * o)
    assert t.dtype == np.float32


def test_an_indexed_leaf_whose_data_changed_shape_is_named():
    x = autograd.ones(3, requires_grad=True)
    y = x[1:].sum()
    x.data = np.zeros(1, np.float32)
    with pytest.raises(RuntimeError, match=r"GetItem: .*now has shape \(1,\)"):
        y.backward()
