"""Corner cases of the speed paths, part 1: the outer-product matmul, the cached transpose of
a saved weight and the zero-stride sum/mean gradients (part 2: test_speed_paths_pointwise.py).
"""
import numpy as np
import pytest

import autograd
import nn
import optim
from autograd import saved

from tests.reliability.speed_helpers import assert_close, ours as _t, theirs as _tt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(1234)


# ------------------------------------------------------------------ matmul, inner dim of 1
OUTER_CASES = [
    ((3, 1), (1, 4)),
    ((2, 3, 1), (2, 1, 4)),
    ((2, 3, 1), (1, 4)),          # broadcast batch on one side
    ((3, 1), (5, 1, 4)),
    ((2, 1, 3, 1), (4, 1, 5)),    # batch dims broadcast both ways
    ((0, 1), (1, 4)),             # empty rows
    ((3, 1), (1, 0)),             # empty columns
    ((0, 3, 1), (1, 2)),          # empty batch
    ((1, 1), (1, 1)),
]


@pytest.mark.parametrize("sa, sb", OUTER_CASES)
def test_outer_product_matmul_matches_torch(sa, sb):
    a, b = RNG.standard_normal(sa), RNG.standard_normal(sb)
    x, y = _t(a), _t(b)
    tx, ty = _tt(a), _tt(b)
    out, tout = x @ y, tx @ ty
    assert_close(out, tout)
    w = RNG.standard_normal(tout.shape)
    (out * autograd.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    assert_close(x.grad, tx.grad)
    assert_close(y.grad, ty.grad)


@pytest.mark.parametrize("sa, sb", [((2, 3, 1), (1, 4)), ((2, 1, 3, 1), (4, 1, 5)),
                                    ((1,), (1, 4)), ((3, 1), (1,))])
def test_outer_product_matmul_gradcheck(sa, sb):
    a, b = _t(RNG.standard_normal(sa)), _t(RNG.standard_normal(sb))
    assert autograd.gradcheck(lambda x, y: x @ y, (a, b), eps=1e-6, atol=1e-7, rtol=1e-6)


def test_outer_product_matmul_float32_stays_float32():
    a = _t(RNG.standard_normal((2, 3, 1)).astype(np.float32))
    b = _t(RNG.standard_normal((2, 1, 4)).astype(np.float32))
    out = a @ b
    assert out.dtype == np.float32
    out.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float32
    np.testing.assert_array_equal(out.data, np.matmul(a.data, b.data))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_outer_product_matmul_integer_and_bool_values(dtype):
    a = (RNG.integers(0, 3, (2, 3, 1))).astype(dtype)
    b = (RNG.integers(0, 3, (2, 1, 4))).astype(dtype)
    out = autograd.tensor(a) @ autograd.tensor(b)
    ref = np.matmul(a, b)
    assert out.dtype == ref.dtype
    np.testing.assert_array_equal(out.data, ref)


def test_outer_product_matmul_fortran_and_negative_stride_operands():
    base_a = np.asfortranarray(RNG.standard_normal((2, 3, 1)))
    base_b = RNG.standard_normal((2, 1, 8))[..., ::-2]
    x, y = autograd.from_numpy(base_a), autograd.from_numpy(base_b)
    x.requires_grad = y.requires_grad = True
    tx, ty = _tt(base_a), _tt(base_b)
    out, tout = x @ y, tx @ ty
    assert_close(out, tout)
    out.sum().backward()
    tout.sum().backward()
    assert_close(x.grad, tx.grad)
    assert_close(y.grad, ty.grad)
    # the inputs are left as they were
    np.testing.assert_array_equal(x.data, base_a)


def test_outer_product_matmul_aliasing_operands():
    # a and b views of one array: the product must read, never write
    buf = RNG.standard_normal((2, 4))
    x = _t(buf)
    a = x[:, :, None][:, :3]       # (2, 3, 1)
    b = x[:, None, :]              # (2, 1, 4)
    out = a @ b
    ref = np.matmul(buf[:, :3, None], buf[:, None, :])
    assert_close(out, ref)
    out.sum().backward()
    tx = _tt(buf)
    torch.matmul(tx[:, :3, None], tx[:, None, :]).sum().backward()
    assert_close(x.grad, tx.grad)


def test_matmul_batch_mismatch_with_inner_dim_one_names_the_op():
    a, b = _t(np.ones((2, 3, 1))), _t(np.ones((4, 1, 5)))
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3, 1\).*\(4, 1, 5\)"):
        a @ b


# ------------------------------------------------------------------ batched x @ W, folded
FOLD_CASES = [((32, 20, 32), (32, 64)), ((2, 3, 4, 5), (5, 6)), ((2, 0, 3), (3, 4)),
              ((3, 4, 0), (0, 5)), ((3, 4, 2), (2, 0)), ((1, 1, 3), (3, 1))]


@pytest.mark.parametrize("sa, sb", FOLD_CASES)
def test_folded_batched_matmul_is_numpys_product(sa, sb):
    # not bitwise: on some CPUs OpenBLAS blocks one tall product differently from a loop of
    # small ones, and sums round apart by an ulp
    a = RNG.standard_normal(sa).astype(np.float32)
    b = RNG.standard_normal(sb).astype(np.float32)
    got = (_t(a) @ _t(b)).data
    assert got.shape == np.matmul(a, b).shape and got.dtype == np.float32
    np.testing.assert_allclose(got, np.matmul(a, b), rtol=1e-5, atol=1e-5)


def test_folded_batched_matmul_values_and_grads_match_torch_for_strided_inputs():
    base, w = RNG.standard_normal((4, 6, 10)), RNG.standard_normal((7, 5))
    for contiguous in (False, True):
        ours_base, ours_w, tb, tw = _t(base), _t(w), _tt(base), _tt(w)
        x, tx = ours_base[:, ::2, 1:8], tb[:, ::2, 1:8]
        assert x.data.flags.c_contiguous is False   # numpy's batched product
        if contiguous:
            x, tx = x.contiguous(), tx.contiguous()
        y, ty = x @ ours_w, tx @ tw
        assert_close(y, ty)
        y.tanh().sum().backward()
        ty.tanh().sum().backward()
        assert_close(ours_base.grad, tb.grad)
        assert_close(ours_w.grad, tw.grad)


# ------------------------------------------------------------------ cached transpose
def _x_at_w_twice(x, w):
    """Two products saving the same weight array: its transpose gets cached."""
    return (x @ w).sum() + ((x * 2.0) @ w).sum()


def _expected_x_grad(w_now, n):
    return 3.0 * np.ones((n, w_now.shape[1])) @ w_now.T


def test_transposed_cache_is_used_and_correct():
    w = _t(RNG.standard_normal((4, 3)))
    x = _t(RNG.standard_normal((2, 4)))
    loss = _x_at_w_twice(x, w)
    loss.backward(retain_graph=True)
    guard = saved._guards[id(w._data)]
    assert guard.cache is not None          # the test exercises the cached path
    assert_close(x.grad, _expected_x_grad(w.data, 2))
    assert guard.cache[1] is not x.grad.data


def test_transposed_cache_second_backward_after_optimizer_step_raises():
    w = nn.Parameter(RNG.standard_normal((4, 3)))
    x = _t(RNG.standard_normal((2, 4)))
    loss = _x_at_w_twice(x, w)
    loss.backward(retain_graph=True)
    optim.SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


@pytest.mark.parametrize("how", ["sgd", "sub_", "setitem", "copy_", "load_state_dict",
                                 "data_assign", "mul_"])
def test_transposed_cache_refreshed_after_weight_update(how):
    lin = nn.Module()
    lin.w = nn.Parameter(RNG.standard_normal((4, 3)))
    w = lin.w
    x = _t(RNG.standard_normal((2, 4)))
    first = _x_at_w_twice(x, w)
    first.backward(retain_graph=True)        # graph kept alive: the cache stays
    new = RNG.standard_normal((4, 3))
    with autograd.no_grad():
        if how == "sgd":
            optim.SGD([w], lr=0.5).step()
        elif how == "sub_":
            w.sub_(autograd.tensor(np.ones((4, 3))), alpha=0.25)
        elif how == "setitem":
            w[1:3] = new[1:3]
        elif how == "copy_":
            w.copy_(autograd.tensor(new))
        elif how == "load_state_dict":
            lin.load_state_dict({"w": new})
        elif how == "data_assign":
            w.data = new
        elif how == "mul_":
            w.mul_(3.0)
    x.grad = None
    _x_at_w_twice(x, w).backward()
    assert_close(x.grad, _expected_x_grad(np.array(w.data), 2))
    del first


def test_transposed_cache_two_graphs_share_one_weight():
    w = nn.Parameter(RNG.standard_normal((4, 3)))
    x1, x2 = _t(RNG.standard_normal((2, 4))), _t(RNG.standard_normal((5, 4)))
    g1 = _x_at_w_twice(x1, w)
    g2 = _x_at_w_twice(x2, w)
    g1.backward(retain_graph=True)
    optim.SGD([w], lr=0.5).step()
    g3 = _x_at_w_twice(x2, w)     # a third graph on the updated weight
    x2.grad = None
    g3.backward()
    assert_close(x2.grad, _expected_x_grad(w.data, 5))
    with pytest.raises(RuntimeError, match="modified in place"):
        g2.backward()


def test_transposed_cache_fresh_weights_in_a_loop():
    # weights freed and reallocated (ids reused) never see another weight's cache
    for i in range(30):
        wn = RNG.standard_normal((4, 3))
        w = _t(wn)
        x = _t(RNG.standard_normal((2, 4)))
        _x_at_w_twice(x, w).backward()
        assert_close(x.grad, _expected_x_grad(wn, 2))
        del w, x


def test_transposed_cache_released_with_the_graph():
    w = _t(RNG.standard_normal((4, 3)))
    x = _t(RNG.standard_normal((2, 4)))
    loss = _x_at_w_twice(x, w)
    loss.backward(retain_graph=True)
    assert id(w._data) in saved._guards
    del loss
    assert id(w._data) not in saved._guards
    assert w.data.flags.writeable


def test_transposed_cache_float32_rnn_like_chain():
    # an unrolled chain h = tanh(h @ W): the cached transpose serves every step
    wn = (RNG.standard_normal((5, 5)) * 0.3).astype(np.float32)
    w, tw = _t(wn), _tt(wn)
    h0 = RNG.standard_normal((3, 5)).astype(np.float32)
    h, th = autograd.tensor(h0), torch.tensor(h0)
    for _ in range(6):
        h, th = (h @ w).tanh(), torch.tanh(th @ tw)
    h.sum().backward()
    th.sum().backward()
    assert w.grad.dtype == np.float32
    assert_close(w.grad, tw.grad, rtol=1e-5, atol=1e-6)


def test_transposed_cache_is_not_stale_after_a_write_through_the_base_of_a_saved_view():
    # the products save a view of W (W[0:4]); an update of W bumps W's guard only, so the
    # cached transpose kept on the view's guard is reused by a graph recorded after the update
    wn = RNG.standard_normal((4, 3))
    w = _t(wn, grad=False)
    wv = w[0:4]
    x = _t(RNG.standard_normal((2, 4)))
    first = _x_at_w_twice(x, wv)
    first.backward(retain_graph=True)       # builds the cache, keeps the graph alive
    with autograd.no_grad():
        w.mul_(2.0)
    x.grad = None
    _x_at_w_twice(x, wv).backward()
    assert_close(x.grad, _expected_x_grad(2.0 * wn, 2))
    del first


def test_transposed_cache_is_not_stale_after_a_write_into_a_flat_parameter_buffer():
    # a weight that is a view of one flat parameter buffer, updated through the buffer
    flat_np = RNG.standard_normal(20)
    flat = autograd.from_numpy(flat_np)
    w = autograd.from_numpy(flat_np[:12].reshape(4, 3))
    w.requires_grad = True
    x = _t(RNG.standard_normal((2, 4)))
    first = _x_at_w_twice(x, w)
    first.backward(retain_graph=True)
    with autograd.no_grad():
        flat.sub_(autograd.tensor(np.ones(20)), alpha=0.5)
    x.grad = None
    _x_at_w_twice(x, w).backward()
    assert_close(x.grad, _expected_x_grad(np.array(w.data), 2))
    del first


# ------------------------------------------------------------------ sum / mean gradients
@pytest.mark.parametrize("shape, dim", [((3, 4), None), ((3, 4), 0), ((3, 4), 1),
                                        ((2, 3, 4), (0, 2)), ((), None), ((0, 3), 0),
                                        ((3, 0), 1), ((0,), None), ((2, 1, 3), 1)])
@pytest.mark.parametrize("op", ["sum", "mean"])
def test_reduce_grad_is_a_writable_owned_array(shape, dim, op):
    a = RNG.standard_normal(shape)
    x, tx = _t(a), _tt(a)
    kw = {} if dim is None else {"dim": dim}
    out = getattr(x, op)(**kw)
    tout = getattr(tx, op)(**kw)
    assert_close(out, tout, atol=1e-12)
    out.sum().backward()
    tout.sum().backward()
    assert_close(x.grad, tx.grad)
    g = x.grad._data
    assert g.flags.writeable and g.dtype == np.float64
    assert 0 not in g.strides or g.size <= 1     # not a zero-stride view
    g += 1.0                                     # in place, as clip_grad/optimizers do
    assert_close(x.grad, tx.grad.numpy() + 1.0)


@pytest.mark.parametrize("op", ["sum", "mean"])
def test_leaf_grad_of_a_leading_axis_reduce_is_c_contiguous(op):
    # the engine copies the zero-stride gradient with numpy's order='K', which lays a
    # (3, 4) gradient stretched along axis 0 out as Fortran order: p.grad is then not
    # C-contiguous, unlike PyTorch's, and SGD's fused update falls back to two passes
    p = nn.Parameter(RNG.standard_normal((3, 4)))
    (getattr(p, op)(dim=0) * autograd.tensor(np.arange(4.0))).sum().backward()
    assert p.grad.data.flags.c_contiguous


def test_reduce_grad_shared_by_two_leaves_is_not_aliased():
    a, b = _t(RNG.standard_normal((3, 4))), _t(RNG.standard_normal((3, 4)))
    (a + b).sum().backward()
    assert not np.may_share_memory(a.grad.data, b.grad.data)
    a.grad.data[0, 0] = 7.0
    assert b.grad.data[0, 0] == 1.0


def test_reduce_grad_float32_then_sgd_and_accumulation():
    p = nn.Parameter(RNG.standard_normal((3, 4)).astype(np.float32))
    p.sum().backward()
    p.mean().backward()          # accumulates into the first gradient
    assert p.grad.dtype == np.float32
    np.testing.assert_allclose(p.grad.data, np.full((3, 4), 1 + 1 / 12, np.float32))
    before = p.data.copy()
    optim.SGD([p], lr=0.5, momentum=0.9).step()
    assert p.dtype == np.float32
    np.testing.assert_allclose(p.data, before - 0.5 * p.grad.data, rtol=1e-6)


def test_reduce_zero_stride_grad_through_further_ops():
    a = RNG.standard_normal((3, 4))
    x, tx = _t(a), _tt(a)
    ((x * x).exp().mean(dim=1) * 3.0).sum().backward()
    ((tx * tx).exp().mean(dim=1) * 3.0).sum().backward()
    assert_close(x.grad, tx.grad)


def test_reduce_gradcheck():
    x = _t(RNG.standard_normal((2, 3, 4)))
    assert autograd.gradcheck(lambda t: t.sum(dim=(0, 2)) * t.mean(dim=1).sum(), (x,),
                              eps=1e-6, atol=1e-7, rtol=1e-6)


