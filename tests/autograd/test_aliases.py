"""tensor_aliases / functional_aliases against torch: select, mT, ravel, split_with_sizes,
broadcast_to, narrow_copy, the in-place shape ops and elementwise in-place forms (values,
gradients, refusals), the byte/char/short casts and queries."""
import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")

X = np.arange(24.0).reshape(2, 3, 4) / 7 - 1.5


def _np(t):
    return t.detach().numpy(force=True) if isinstance(t, torch.Tensor) else t.data


VIEWS = {
    "select": lambda L, x: x.select(1, -1),
    "select_fn": lambda L, x: L.select(x, 2, 0),
    "mT": lambda L, x: x.mT,
    "mH": lambda L, x: x.mH,
    "H": lambda L, x: x[0].H,
    "ravel": lambda L, x: L.ravel(x),
    "moveaxis": lambda L, x: x.moveaxis(0, -1),
    "split_with_sizes": lambda L, x: x.split_with_sizes([1, 3], dim=2)[1],
    "broadcast_to": lambda L, x: L.broadcast_to(x[0, 0], (5, 4)),
    "narrow_copy": lambda L, x: x.narrow_copy(1, 1, 2),
    "clone_fn": lambda L, x: L.clone(x),
    "t_fn": lambda L, x: L.t(x[1]),
}


@pytest.mark.parametrize("name", VIEWS)
def test_views_and_their_gradients_as_torch(name):
    out = []
    for L in (ag, torch):
        x = L.tensor(X, requires_grad=True)
        y = VIEWS[name](L, x)
        w = L.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)))
        (y * w).sum().backward()
        out.append((_np(y), _np(x.grad)))
    (y, g), (ty, tg) = out
    assert y.shape == ty.shape
    np.testing.assert_allclose(y, ty, rtol=0, atol=0)
    np.testing.assert_allclose(g, tg, rtol=1e-14, atol=0)   # summation order


def test_select_checks_its_arguments():
    x = ag.ones(2, 3)
    with pytest.raises(IndexError, match="out of range for dim 1 of size 3"):
        x.select(1, 3)
    with pytest.raises(IndexError, match="0-d"):
        ag.tensor(1.0).select(0, 0)
    with pytest.raises(ValueError, match="at least 2 dims"):
        ag.ones(3).mT


SHAPE_OPS = [("t_", ()), ("transpose_", (0, 1)), ("swapaxes_", (1, 0)), ("unsqueeze_", (1,)),
             ("squeeze_", ()), ("squeeze_", (0,))]


@pytest.mark.parametrize("op, args", SHAPE_OPS)
def test_in_place_shape_ops_change_the_tensor_and_keep_the_graph(op, args):
    out = []
    for L in (ag, torch):
        a = L.tensor(X[:1, :, 0], requires_grad=True)        # (1, 3)
        b = a * 2
        same = getattr(b, op)(*args)
        assert same is b
        (b * L.tensor(np.arange(b.numel(), dtype=float).reshape(tuple(b.shape)))).sum().backward()
        out.append((tuple(b.shape), _np(b), _np(a.grad)))
    assert out[0][0] == out[1][0]
    np.testing.assert_array_equal(out[0][1], out[1][1])
    np.testing.assert_array_equal(out[0][2], out[1][2])


def test_in_place_shape_op_on_a_leaf_that_requires_grad_is_refused_unless_no_grad():
    x = ag.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        x.t_()
    with ag.no_grad():
        x.t_()
    assert x.shape == (3, 2) and x.requires_grad


UNARY = ["log_", "sin_", "cos_", "tan_", "floor_", "ceil_", "round_", "trunc_", "frac_",
         "sign_", "sgn_", "reciprocal_", "log1p_", "expm1_", "erf_", "lgamma_", "sinc_"]


@pytest.mark.parametrize("op", UNARY)
def test_elementwise_in_place_forms_match_torch_with_gradients(op):
    base = np.array([0.3, 1.7, 2.5, 0.9])
    out = []
    for L in (ag, torch):
        a = L.tensor(base, requires_grad=True)
        b = a * 1.0
        assert getattr(b, op)() is b
        (b * L.tensor([1.0, -2.0, 3.0, 0.5])).sum().backward()
        out.append((_np(b), _np(a.grad)))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-14)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-12)


@pytest.mark.parametrize("op, args", [("fmod_", (3,)), ("remainder_", (3,)), ("hypot_", None),
                                      ("cumsum_", (0,)), ("cumprod_", (1,)), ("tril_", ()),
                                      ("nan_to_num_", ()), ("copysign_", None), ("xlogy_", None)])
def test_binary_and_other_in_place_forms(op, args):
    out = []
    for L in (ag, torch):
        a = L.tensor([[5.5, -7.0], [2.0, 0.25]], requires_grad=True)
        o = L.tensor([[1.5, 2.0], [-3.0, 0.5]], requires_grad=True)
        b = a * 1.0
        getattr(b, op)(*((o,) if args is None else args))
        (b * L.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        out.append((_np(b), _np(a.grad), None if o.grad is None else _np(o.grad)))
    for x, y in zip(*out):
        if y is None or x is None:
            assert x is None or not x.any()
            continue
        np.testing.assert_allclose(x, y, rtol=1e-12)


def test_integer_tensors_keep_their_dtype_or_refuse_a_float_result():
    for L in (ag, torch):
        q = L.tensor([5, -7])
        q.sign_()
        assert _np(q).tolist() == [1, -1] and str(q.dtype).endswith("int64")
        with pytest.raises((TypeError, RuntimeError)):
            L.tensor([1, 2]).log_()
        with pytest.raises((TypeError, RuntimeError)):
            L.tensor([5, 7]).fmod_(2.5)


def test_casts_and_queries_as_torch():
    for L in (ag, torch):
        x = L.tensor([-1.5, 300.0])
        assert str(x.short().dtype).endswith("int16") and str(x.char().dtype).endswith("int8")
        assert str(x.byte().dtype).endswith("uint8") and str(L.uint8).endswith("uint8")
        assert x.is_signed() and not x.byte().is_signed() and not x.is_complex()
        assert x.ndimension() == 1 and not L.tensor(True).is_signed()
        assert tuple(L.tensor(np.ones((2, 3))).short().shape) == (2, 3)


def test_in_place_ops_after_an_in_place_shape_op_are_recorded_as_torchs():
    out = []
    for L in (ag, torch):
        b = L.tensor([[1.0, 2], [3, 4]], requires_grad=True)
        h = b * 2
        h.t_()
        h.mul_(2)
        h[0, 1] = 1.0
        (h * L.tensor([[1.0, 2], [3, 4]])).sum().backward()
        c = L.tensor([1.0, 2], requires_grad=True)
        g = c * 3
        g.unsqueeze_(0)
        g.add_(1)
        g.sin_()
        g.sum().backward()
        out.append((_np(h), _np(b.grad), _np(c.grad)))
    for x, y in zip(*out):
        np.testing.assert_allclose(x, y, rtol=1e-6)


def test_in_place_after_reshaping_a_viewed_tensor_is_refused_not_wrong():
    # a tensor whose older views would be replayed on its new shape: the write cannot be
    # recorded right, so it raises (it gave wrong gradients). (A view reshaped in place is
    # written through: test_view_writes.)
    x = ag.tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
    h = x * 1
    w = h[0]
    h.t_()
    with pytest.raises(RuntimeError, match="view of another tensor"):
        h.mul_(2)
    assert w.shape == (3,)


def test_addmm_in_place_keeps_an_integer_dtype_as_torch():
    for L in (ag, torch):
        m = L.ones(2, 2, dtype=L.int64)
        m.addmm_(L.ones(2, 2, dtype=L.int64), L.ones(2, 2, dtype=L.int64))
        assert _np(m).tolist() == [[3, 3], [3, 3]] and str(m.dtype).endswith("int64")


@pytest.mark.parametrize("op", ["eq_", "ne_", "lt_", "le_", "gt_", "ge_"])
def test_in_place_comparisons_write_0_or_1_with_a_zero_gradient_as_torch(op):
    out = []
    for L in (ag, torch):
        a = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = a * 1
        getattr(b, op)(L.tensor([2.0, 2.0, 2.0]))
        (b * 3).sum().backward()
        out.append((_np(b), _np(a.grad)))
    for x, y in zip(*out):
        np.testing.assert_array_equal(x, y)
