"""In-place writes that reach a tensor through its views, against torch: views of a tensor that
needs no grad (taken before a value that requires grad is written into it, or written through
themselves), and in-place ops on reshape / transpose / diagonal views of a recorded tensor."""
import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")


def _plain_view_before_base_write(M, w, k):
    a = M.zeros(4)
    v = a[1:3]
    a.copy_(w.flatten() * 2)
    return v.sum() * 3 + a.sum()


def _transposed_view_before_setitem(M, w, k):
    a = M.zeros(2, 2)
    v = a.t()
    a[0] = w[1]
    return (v * k).sum()


def _reshaped_view_before_setitem(M, w, k):
    a = M.zeros(2, 2)
    v = a.view(4)
    a[1] = w[0] * w[1]
    return (v * M.arange(4.0)).sum()


def _slice_of_plain_written(M, w, k):
    out = M.zeros(2, 4)
    left = out[0]
    left.copy_(w.flatten() * 2)
    return (out * out).sum()


def _view_of_view_of_plain_written(M, w, k):
    a = M.zeros(3, 2)
    v = a[1:]
    v[0].add_(w[0])
    return (a * a).sum() + v.sum()


def _plain_reshape_view_written(M, w, k):
    a = M.zeros(2, 2)
    v = a.view(4)
    v.add_(w.reshape(4) * 2)
    return (a * k).sum() + (v * v).sum()


def _plain_transpose_written(M, w, k):
    a = M.ones(2, 2)
    a.T.mul_(w)
    return (a * k).sum()


def _recorded_transpose_written(M, w, k):
    h = w * 1
    h.t().add_(w)
    return (h * k).sum()


def _recorded_reshape_then_slice_written(M, w, k):
    h = w * 2
    h.view(-1)[1:3].mul_(w.view(-1)[:2])
    return (h * k).sum()


def _recorded_diagonal_written(M, w, k):
    h = w * 3
    h.diagonal().add_(w[0])
    return (h * h * k).sum()


CASES = [_plain_view_before_base_write, _transposed_view_before_setitem,
         _reshaped_view_before_setitem, _slice_of_plain_written, _view_of_view_of_plain_written,
         _plain_reshape_view_written, _plain_transpose_written, _recorded_transpose_written,
         _recorded_reshape_then_slice_written, _recorded_diagonal_written]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__[1:] for c in CASES])
def test_write_through_a_view_gives_torchs_value_and_gradient(case):
    got = []
    for M in (autograd, torch):
        w = M.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=M.float64, requires_grad=True)
        k = M.tensor([[1.0, -2.0], [5.0, 7.0]], dtype=M.float64)
        loss = case(M, w, k)
        loss.backward()
        got.append((loss.detach().numpy(), w.grad.numpy()))
    for ours, theirs in zip(*got):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_a_plain_view_starts_requiring_grad_when_its_base_does():
    a = autograd.zeros(4)
    v = a[1:3]
    assert not v.requires_grad
    a.copy_(autograd.ones(4, requires_grad=True) * 2)
    assert v.requires_grad and v.grad_fn is not None
    u = a[3:]   # a view of the part a write leaves alone keeps its value and gradient path
    a[0] = autograd.tensor(5.0, requires_grad=True)
    assert u.requires_grad


def test_create_graph_through_a_write_into_a_transposed_view_matches_torch():
    got = []
    for M in (autograd, torch):
        w = M.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=M.float64, requires_grad=True)
        h = w * 1
        h.t().mul_(w)
        g, = M.autograd.grad((h * h).sum(), w, create_graph=True)
        (g * M.tensor([[1.0, -2.0], [5.0, 7.0]], dtype=M.float64)).sum().backward()
        got.append(w.grad.numpy())
    np.testing.assert_allclose(*got, rtol=1e-12)


def test_set_view_matches_finite_differences():
    w = autograd.tensor(np.arange(1.0, 5.0).reshape(2, 2), requires_grad=True)
    v = autograd.tensor(np.array([0.5, -1.5]), requires_grad=True)

    def f(w, v):
        h = w * 1
        h.diagonal().mul_(v)
        return h * h
    assert autograd.gradcheck(f, (w, v))


def test_writes_through_an_expanded_view_are_refused():
    h = autograd.tensor([1.0, 2.0], requires_grad=True) * 1
    with pytest.raises(RuntimeError, match="single memory location"):
        h.expand(3, 2).add_(1.0)


def _view_squeezed_in_place_then_base_written(M, w, k):
    t = w * 1
    v = t[0:1]
    v.squeeze_(0)
    t.mul_(2)
    return (v * k[0]).sum()


def _plain_view_unsqueezed_then_base_written(M, w, k):
    a = M.zeros(2, dtype=M.float64)
    v = a[0:2]
    v.unsqueeze_(0)
    a.add_(w[1])
    return (v * v).sum()


def _view_unsqueezed_in_place_then_written(M, w, k):
    t = w * 1
    v = t[0]
    v.unsqueeze_(0)
    v.mul_(k[1:])
    return (t * t).sum()


def _squeeze_under_no_grad_keeps_the_graph(M, w, k):
    t = w * 1.5
    with M.no_grad():
        t.squeeze_(0)
    return (t * t).sum()


RESHAPED = [_view_squeezed_in_place_then_base_written, _plain_view_unsqueezed_then_base_written,
            _view_unsqueezed_in_place_then_written, _squeeze_under_no_grad_keeps_the_graph]


@pytest.mark.parametrize("case", RESHAPED, ids=[c.__name__[1:] for c in RESHAPED])
def test_a_view_reshaped_in_place_still_follows_its_base_as_torch(case):
    test_write_through_a_view_gives_torchs_value_and_gradient(case)


def test_a_result_saved_by_an_in_place_op_is_the_tensor_itself():
    # exp_ saves its output: a later write into the tensor makes backward raise, as torch's,
    # instead of using a private copy of the old values
    for M in (autograd, torch):
        x = M.tensor([0.0, 1.0], dtype=M.float64, requires_grad=True)
        t = x * 1
        t.exp_()
        with M.no_grad():
            t.add_(1.0)
        with pytest.raises(RuntimeError, match="modified"):
            t.sum().backward()


def test_a_tensor_over_a_numpy_view_is_written_as_its_own_as_torch():
    # from_numpy of a numpy view has no base tensor to write through: it records in place
    got = []
    for M in (autograd, torch):
        w = M.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=M.float64, requires_grad=True)
        arr = np.zeros((4, 4))
        t = M.from_numpy(arr[::2])
        t.add_(w.repeat(1, 2))
        (t * t).sum().backward()
        got.append((arr.copy(), w.grad.numpy()))
    for ours, theirs in zip(*got):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_a_view_keeps_its_base_so_a_write_into_a_view_of_an_unnamed_result_counts():
    got = []
    for M in (autograd, torch):
        x = M.ones(2, 3, dtype=M.float64, requires_grad=True)
        v = (x * 2)[0]
        v.mul_(M.tensor([1.0, 2.0, 3.0], dtype=M.float64))
        (v * v).sum().backward()
        got.append((v.detach().numpy(), x.grad.numpy()))
    for ours, theirs in zip(*got):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_list_of_ints_in_the_tensor_constructor_is_float_as_torch():
    for data in ([1, 2], [[True, False]], (3,)):
        assert str(autograd.Tensor(data).dtype) == str(torch.Tensor(data).dtype)
    assert autograd.Tensor(np.array([1, 2])).dtype == np.int64   # arrays keep their dtype


def test_view_of_a_tensor_whose_strides_allow_none_is_refused_as_torch():
    for M in (autograd, torch):
        x = M.arange(6.0).reshape(2, 3)
        with pytest.raises(RuntimeError, match="view size is not compatible"):
            x.t().view(-1)
        v = x.view(3, 2)   # a view that exists aliases
        v[0, 0] = 7.0
        assert x[0, 0].item() == 7.0


def test_an_in_place_op_on_an_empty_view_changes_nothing_as_torch():
    got = []
    for M in (autograd, torch):
        w = M.ones(3, dtype=M.float64, requires_grad=True)
        x = w * 2
        x[1:1] += 1.0
        x.narrow(0, 1, 0).zero_()
        (x * x).sum().backward()
        got.append(w.grad.numpy())
    np.testing.assert_array_equal(*got)


def test_scatter_with_a_0d_src_and_a_no_op_flatten_as_torch():
    for M in (autograd, torch):
        out = M.zeros(3).scatter_(0, M.tensor([2]), M.tensor(5.0))
        assert out.tolist() == [0.0, 0.0, 5.0]
        x = M.ones(3, requires_grad=True)
        assert x.flatten() is x and x.flatten(0, 0) is x
        assert M.ones(2, 3).flatten(1, 1).shape == (2, 3)


def test_unfold_is_a_view_whose_writes_reach_the_tensor_and_its_graph_as_torch():
    out = []
    for lib in (autograd, torch):
        x = lib.arange(4.0)
        x.unfold(0, 2, 2)[0].fill_(9)                       # a plain write through the view
        w = lib.arange(6.0, requires_grad=True)
        y = w * 1
        y.unfold(0, 2, 2).mul_(lib.tensor([[1.0, 2.0]]))    # recorded, written through
        (y * y).sum().backward()
        v = lib.arange(24.0, requires_grad=True)
        win = v.reshape(2, 3, 4).unfold(2, 2, 1).unfold(1, 2, 1)   # overlapping windows
        (win ** 2).sum().backward()
        out.append([t.detach().numpy() for t in (x, y, w.grad, v.grad)] + [tuple(win.shape)])
    for ours, theirs in zip(*out):
        np.testing.assert_array_equal(ours, theirs)
    y = autograd.arange(6.0, requires_grad=True) * 1
    with pytest.raises(RuntimeError, match="overlapping windows"):
        y.unfold(0, 3, 1).mul_(2)   # torch multiplies the shared slots twice


_NO_GRAD_VIEW_OPS = {
    "mul_": lambda v, L: v.mul_(2), "add_": lambda v, L: v.add_(L.ones(2)),
    "fill_": lambda v, L: v.fill_(3), "copy_": lambda v, L: v.copy_(L.ones(2)),
    "setitem": lambda v, L: v.__setitem__(0, 5.0), "exp_": lambda v, L: v.exp_(),
    "mul_by_a_grad_tensor": lambda v, L: v.mul_(L.ones(2, requires_grad=True)),
}


@pytest.mark.parametrize("op", list(_NO_GRAD_VIEW_OPS))
def test_in_place_on_a_view_made_in_no_grad_mode_is_refused_in_grad_mode_as_torch(op):
    # torch refuses it: the write's gradient would be lost (through a non-leaf) or a leaf
    # changed unnoticed; under no_grad again it is allowed, and on a view of a tensor that
    # needs no grad when it is not recorded
    torch = pytest.importorskip("torch")
    for lib in (autograd, torch):
        for leaf in (True, False):
            for view_of_view in (False, True):
                w = lib.ones(3, requires_grad=True)
                base = w if leaf else w * 1
                with lib.no_grad():
                    v = base[1:]
                if view_of_view:
                    v = v[0:2]
                with pytest.raises(RuntimeError, match="no_grad mode"):
                    _NO_GRAD_VIEW_OPS[op](v, lib)
                with lib.no_grad():
                    _NO_GRAD_VIEW_OPS[op](v, lib)
        x = lib.ones(3)
        with lib.no_grad():
            v = x[1:]
        if op == "mul_by_a_grad_tensor":   # of a constant: refused only when recorded
            with pytest.raises(RuntimeError, match="no_grad mode"):
                _NO_GRAD_VIEW_OPS[op](v, lib)
        else:
            _NO_GRAD_VIEW_OPS[op](v, lib)
