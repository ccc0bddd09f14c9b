"""Tensor methods and functions matching PyTorch: shape helpers, comparisons and logical ops,
rounding (zero gradient), cumprod, lerp, addcmul/addcdiv, diag, masked_select,
repeat_interleave, index_add, meshgrid, unique, diff; values, dtypes and gradients against
torch, float64 gradchecks, float32 kept float32."""
import math

import numpy as np
import pytest

import autograd
from tests.helpers import check_against_torch, check_float32, check_op
from tests.helpers import same_exact as same

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(8)


def r(*shape):
    return RNG.standard_normal(shape)


# ----------------------------------------------------------------- differentiable
DIFFERENTIABLE = [
    ("matmul", lambda a, b: a.matmul(b), lambda a, b: a.matmul(b), [(2, 3), (3, 4)]),
    ("dot", lambda a, b: a.dot(b), lambda a, b: a.dot(b), [(4,), (4,)]),
    ("dot_fn", lambda a, b: autograd.dot(a, b), torch.dot, [(4,), (4,)]),
    ("outer", lambda a, b: a.outer(b), lambda a, b: a.outer(b), [(3,), (2,)]),
    ("outer_fn", autograd.outer, torch.outer, [(3,), (2,)]),
    ("swapaxes", lambda a: a.swapaxes(0, -1), lambda a: a.swapaxes(0, -1), [(2, 3, 4)]),
    ("movedim", lambda a: a.movedim(0, 2), lambda a: a.movedim(0, 2), [(2, 3, 4)]),
    ("movedim_tuple", lambda a: autograd.movedim(a, (0, -1), (2, 0)),
     lambda a: torch.movedim(a, (0, -1), (2, 0)), [(2, 3, 4)]),
    ("unflatten", lambda a: a.unflatten(-1, (2, -1)), lambda a: a.unflatten(-1, (2, -1)),
     [(3, 6)]),
    ("clamp_min", lambda a: a.clamp_min(0.2), lambda a: a.clamp_min(0.2), [(3, 4)]),
    ("clamp_max", lambda a: autograd.clamp_max(a, -0.1), lambda a: torch.clamp_max(a, -0.1),
     [(3, 4)]),
    ("narrow", lambda a: a.narrow(1, -3, 2), lambda a: a.narrow(1, -3, 2), [(2, 4)]),
    ("narrow_fn", lambda a: autograd.narrow(a, 0, 1, 1), lambda a: torch.narrow(a, 0, 1, 1),
     [(2, 4)]),
    ("unbind", lambda a: a.unbind(1), lambda a: a.unbind(1), [(2, 3)]),
    ("unbind_fn", lambda a: autograd.unbind(a, -1), lambda a: torch.unbind(a, -1), [(3, 2)]),
    ("masked_select", lambda a: a.masked_select(autograd.tensor(MASK)),
     lambda a: a.masked_select(torch.tensor(MASK)), [(3, 4)]),
    ("masked_select_broadcast", lambda a: autograd.masked_select(a, autograd.tensor(MASK)),
     lambda a: torch.masked_select(a, torch.tensor(MASK)), [(4,)]),
    ("diag_1d", lambda a: a.diag(), lambda a: a.diag(), [(3,)]),
    ("diag_1d_k", lambda a: autograd.diag(a, -2), lambda a: torch.diag(a, -2), [(3,)]),
    ("diag_2d", lambda a: a.diag(), lambda a: a.diag(), [(3, 4)]),
    ("diag_2d_k", lambda a: a.diag(1), lambda a: a.diag(1), [(3, 4)]),
    ("diag_2d_negk", lambda a: a.diag(-1), lambda a: a.diag(-1), [(4, 3)]),
    ("cumprod", lambda a: a.cumprod(1), lambda a: a.cumprod(1), [(3, 4)]),
    ("cumprod_fn", lambda a: autograd.cumprod(a, -1), lambda a: torch.cumprod(a, -1), [(2, 5)]),
    ("lerp_tensor_weight", lambda a, b, w: a.lerp(b, w), lambda a, b, w: a.lerp(b, w),
     [(3, 4), (3, 4), (4,)]),
    ("lerp_scalar", lambda a, b: autograd.lerp(a, b, 0.3), lambda a, b: torch.lerp(a, b, 0.3),
     [(3, 4), (1, 4)]),
    ("addcmul", lambda a, b, c: a.addcmul(b, c, value=0.5),
     lambda a, b, c: a.addcmul(b, c, value=0.5), [(3, 4), (3, 4), (4,)]),
    ("addcdiv", lambda a, b, c: autograd.addcdiv(a, b, c, value=-2),
     lambda a, b, c: torch.addcdiv(a, b, c, value=-2), [(3, 4), (3, 1), (3, 4)]),
    ("repeat_interleave_int", lambda a: a.repeat_interleave(2), lambda a: a.repeat_interleave(2),
     [(2, 3)]),
    ("repeat_interleave_dim", lambda a: a.repeat_interleave(3, dim=-1),
     lambda a: a.repeat_interleave(3, dim=-1), [(2, 3)]),
    ("repeat_interleave_tensor",
     lambda a: autograd.repeat_interleave(a, autograd.tensor([1, 0, 2]), dim=1),
     lambda a: torch.repeat_interleave(a, torch.tensor([1, 0, 2]), dim=1), [(2, 3)]),
    ("index_add", lambda a, s: a.index_add(1, autograd.tensor([2, 0, 2]), s, alpha=1.5),
     lambda a, s: a.index_add(1, torch.tensor([2, 0, 2]), s, alpha=1.5), [(2, 4), (2, 3)]),
    ("index_add_fn", lambda a, s: autograd.index_add(a, 0, autograd.tensor([1]), s),
     lambda a, s: torch.index_add(a, 0, torch.tensor([1]), s), [(3, 2), (1, 2)]),
    ("meshgrid_ij", lambda a, b: autograd.meshgrid(a, b, indexing="ij"),
     lambda a, b: torch.meshgrid(a, b, indexing="ij"), [(3,), (2,)]),
    ("meshgrid_xy", lambda a, b, c: autograd.meshgrid([a, b, c], indexing="xy"),
     lambda a, b, c: torch.meshgrid([a, b, c], indexing="xy"), [(3,), (2,), (4,)]),
    ("diff", lambda a: autograd.diff(a), lambda a: torch.diff(a), [(3, 5)]),
    ("diff_n2_dim0", lambda a: autograd.diff(a, n=2, dim=0), lambda a: torch.diff(a, n=2, dim=0),
     [(4, 3)]),
    ("diff_prepend_append", lambda a, p, q: autograd.diff(a, 1, -1, p, q),
     lambda a, p, q: torch.diff(a, 1, -1, p, q), [(2, 3), (2, 1), (2, 2)]),
]
MASK = np.array([[True, False, True, False], [False] * 4, [True, True, False, True]])


@pytest.mark.parametrize("name,ours,theirs,shapes", DIFFERENTIABLE,
                         ids=[d[0] for d in DIFFERENTIABLE])
def test_differentiable_methods_match_torch_and_gradcheck(name, ours, theirs, shapes):
    arrays = [r(*s) for s in shapes]
    check_op(ours, theirs, *arrays)
    check_float32(ours, *arrays)


def test_cumprod_gradient_with_zeros_matches_torch():
    x = r(3, 6)
    x[0, 2] = 0.0
    x[1, 1] = x[1, 4] = 0.0
    x[2, 5] = 0.0
    check_op(lambda a: a.cumprod(1), lambda a: a.cumprod(1), x)
    check_against_torch(lambda a: a.cumprod(0), lambda a: a.cumprod(0), x)


def test_cumprod_integers_give_int64_and_edge_shapes():
    same(autograd.tensor([[1, 2], [3, 4]], dtype=autograd.int32).cumprod(0),
         torch.tensor([[1, 2], [3, 4]], dtype=torch.int32).cumprod(0))
    same(autograd.tensor(3.0).cumprod(0), torch.tensor(3.0).cumprod(0))
    assert autograd.zeros(0, 3).cumprod(0).shape == (0, 3)
    with pytest.raises(IndexError, match="cumprod"):
        autograd.ones(2, 3).cumprod(2)


ADDCMUL_DTYPES = [   # (self, tensor1, tensor2, value): one promotion over the three tensors
    (([1, 2], "int8"), ([True, False], "bool"), ([True, True], "bool"), 2),
    ((1.0, "float64"), ([1, 2], "int64"), ([3, 4], "int64"), 0.5),
    (([1, 2], "int64"), ([1, 2], "int64"), ([3, 4], "int64"), -1.7),   # value truncated
    (([1, 2], "int64"), (1.0, "float64"), ([3, 4], "int64"), 0.5),
    (([1, 2], "int8"), (1.0, "float64"), ([3.0, 4.0], "float32"), 0.5),
    (([1, 2], "uint8"), ([100, 2], "uint8"), ([3, 4], "uint8"), -1),   # wraps
    (([1.0, 2.0], "float32"), ([1.0, 2.0], "float64"), ([3, 4], "int32"), 0.1),
]


def test_addcmul_promotes_its_three_tensors_and_converts_value_like_torch():
    for *operands, value in ADDCMUL_DTYPES:
        ours, theirs = ([L.tensor(v, dtype=getattr(L, d)) for v, d in operands]
                        for L in (autograd, torch))
        same(autograd.addcmul(*ours, value=value), torch.addcmul(*theirs, value=value))
    b = autograd.tensor([True, False])
    with pytest.raises(NotImplementedError, match="addcmul.*Bool"):
        b.addcmul(b, b)
    with pytest.raises(RuntimeError, match="overflow"):
        autograd.tensor([1, 2], dtype=autograd.uint8).addcmul(b, b, value=300)


@pytest.mark.parametrize("op", ["sign", "floor", "ceil", "trunc", "round"])
def test_rounding_ops_have_torch_values_and_zero_gradient(op):
    x = np.array([-2.5, -1.7, -0.5, 0.0, 0.5, 1.5, 2.5, 3.2, np.nan, -np.inf])   # sign(nan) = 0
    check_op(lambda a: getattr(a, op)(), lambda a: getattr(a, op)(), x, gradcheck=False)
    check_op(lambda a: getattr(autograd, op)(a), lambda a: getattr(torch, op)(a), x,
             gradcheck=False)
    t = autograd.tensor(x, dtype=autograd.float32, requires_grad=True)
    getattr(t, op)().sum().backward()
    assert t.grad.dtype == np.float32 and not t.grad.data.any()
    ints = np.array([-3, 0, 4])
    same(getattr(autograd.tensor(ints), op)(), getattr(torch.tensor(ints), op)())
    if op == "sign":
        same(autograd.tensor([True, False]).sign(), torch.tensor([True, False]).sign())
    else:
        with pytest.raises(TypeError, match=op):
            getattr(autograd.tensor([True, False]), op)()


def test_round_decimals_matches_torch():
    x = r(10) * 100
    for d in (0, 1, 2, -1):
        np.testing.assert_allclose(autograd.tensor(x).round(decimals=d).data,
                                   torch.tensor(x).round(decimals=d).numpy(), rtol=1e-12)
        np.testing.assert_allclose(autograd.round(autograd.tensor(x), decimals=d).data,
                                   torch.round(torch.tensor(x), decimals=d).numpy(), rtol=1e-12)


@pytest.mark.parametrize("op", ["eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or",
                                "logical_xor"])
def test_comparisons_and_logical_ops_give_bools_like_torch(op):
    a, b = RNG.integers(-1, 2, (3, 4)), RNG.integers(-1, 2, (4,))
    same(getattr(autograd.tensor(a), op)(autograd.tensor(b)),
         getattr(torch.tensor(a), op)(torch.tensor(b)))
    same(getattr(autograd, op)(autograd.tensor(a), autograd.tensor(b)),
         getattr(torch, op)(torch.tensor(a), torch.tensor(b)))
    other = 0.0 if not op.startswith("logical") else torch.tensor(0.0)
    same(getattr(autograd.tensor(a.astype(float)), op)(0.0),
         getattr(torch.tensor(a.astype(float)), op)(other))


def test_logical_not_and_small_queries():
    a = np.array([0.0, 1.5, -2.0])
    same(autograd.tensor(a).logical_not(), torch.tensor(a).logical_not())
    same(autograd.logical_not(autograd.tensor([True, False])),
         torch.logical_not(torch.tensor([True, False])))
    t, u = autograd.zeros(2, 3), torch.zeros(2, 3)
    assert t.nelement() == u.nelement() == 6 and autograd.numel(t) == 6
    assert t.element_size() == u.element_size() == 4
    assert t.double().element_size() == 8
    assert t.is_floating_point() and not t.long().is_floating_point()
    assert autograd.is_floating_point(t)
    assert t.type_as(autograd.zeros(1, dtype=autograd.int64)).dtype == np.int64
    assert autograd.is_tensor(t) and not autograd.is_tensor(np.zeros(2))


def test_constants_match_torch():
    assert autograd.pi == torch.pi and autograd.e == torch.e and autograd.inf == torch.inf
    assert math.isnan(autograd.nan) and math.isnan(torch.nan)


def test_as_tensor_shares_memory_with_numpy_arrays():
    a = np.zeros(3)
    t = autograd.as_tensor(a)
    a[1] = 5.0
    assert t.data[1] == 5.0 and t.dtype == np.float64
    assert autograd.as_tensor(t) is t
    assert autograd.as_tensor([1.0, 2.0]).dtype == np.float32
    c = autograd.as_tensor(a, dtype=autograd.float32)
    a[0] = 7.0
    assert c.dtype == np.float32 and c.data[0] == 0.0
    with pytest.raises(TypeError, match="as_tensor"):
        autograd.as_tensor(np.zeros(2, np.complex64))


def test_unique_matches_torch():
    x = np.array([[3, 1, 3], [2, 1, 5]])
    for kw in ({}, {"return_inverse": True}, {"return_counts": True},
               {"return_inverse": True, "return_counts": True}):
        ours = autograd.unique(autograd.tensor(x), **kw)
        theirs = torch.unique(torch.tensor(x), **kw)
        for o, t in zip(ours if isinstance(ours, tuple) else (ours,),
                        theirs if isinstance(theirs, tuple) else (theirs,)):
            same(o, t)
    rows = np.array([[1, 2], [0, 5], [1, 2]])
    for o, t in zip(autograd.unique(autograd.tensor(rows), return_inverse=True, return_counts=True,
                                    dim=0),
                    torch.unique(torch.tensor(rows), return_inverse=True, return_counts=True,
                                 dim=0)):
        same(o, t)
    f = np.array([2.5, -1.0, 2.5])
    same(autograd.unique(autograd.tensor(f, dtype=autograd.float32)),
         torch.unique(torch.tensor(f, dtype=torch.float32)))


def test_repeat_interleave_counts_form_and_errors():
    same(autograd.repeat_interleave(autograd.tensor([2, 0, 1])),
         torch.repeat_interleave(torch.tensor([2, 0, 1])))
    same(autograd.tensor(5).repeat_interleave(3), torch.tensor(5).repeat_interleave(3))
    with pytest.raises(ValueError, match="repeat_interleave"):
        autograd.ones(2, 3).repeat_interleave(autograd.tensor([1, 2]), dim=1)
    with pytest.raises(ValueError, match="non-negative"):
        autograd.ones(3).repeat_interleave(-1)


def test_diff_of_bools_and_empty():
    b = np.array([True, True, False, True])
    same(autograd.diff(autograd.tensor(b)), torch.diff(torch.tensor(b)))
    same(autograd.diff(autograd.tensor([1, 4, 9, 16]), n=2),
         torch.diff(torch.tensor([1, 4, 9, 16]), n=2))
    assert autograd.diff(autograd.ones(2, 1)).shape == torch.diff(torch.ones(2, 1)).shape
    with pytest.raises(RuntimeError, match="diff"):
        autograd.diff(autograd.tensor(1.0))
    with pytest.raises(RuntimeError, match="diff"):
        autograd.diff(autograd.ones(2, 3), prepend=autograd.tensor(0.0))


def test_shape_helpers_edge_cases_and_errors():
    x = autograd.ones(2, 3)
    assert x.unbind(0)[0].shape == (3,) and len(autograd.ones(0, 2).unbind(0)) == 0
    assert x.narrow(1, 3, 0).shape == (2, 0)
    assert x.movedim(-1, 0).shape == (3, 2) and autograd.swapdims(x, 0, 1).shape == (3, 2)
    with pytest.raises(RuntimeError, match="narrow"):
        x.narrow(1, 2, 2)
    with pytest.raises(ValueError, match="unflatten"):
        x.unflatten(1, (2, 2))
    with pytest.raises(ValueError, match="movedim"):
        x.movedim((0, 1), (0,))
    with pytest.raises(RuntimeError, match=r"dot: expected 1-D tensors, got shapes \(2, 3\)"):
        x.dot(x)
    with pytest.raises(RuntimeError, match="diag"):
        autograd.ones(2, 2, 2).diag()
    with pytest.raises(TypeError, match="masked_select"):
        x.masked_select(x)
    with pytest.raises(ValueError, match=r"masked_select: a mask of shape \(4,\)"):
        x.masked_select(autograd.ones(4).bool())
    with pytest.raises(ValueError, match="index_add"):
        x.index_add(0, autograd.tensor([0]), autograd.ones(1, 2))
    with pytest.raises(IndexError, match="index_add"):
        x.index_add(0, autograd.tensor([2]), autograd.ones(1, 3))
    with pytest.raises(ValueError, match="meshgrid"):
        autograd.meshgrid(x, indexing="yx")


# ----------------------------------------------------------------- in place
INPLACE = [
    ("relu_", lambda t: t.relu_()), ("exp_", lambda t: t.exp_()),
    ("sigmoid_", lambda t: t.sigmoid_()), ("tanh_", lambda t: t.tanh_()),
    ("neg_", lambda t: t.neg_()), ("abs_", lambda t: t.abs_()),
    ("sqrt_", lambda t: t.abs_().sqrt_()), ("pow_", lambda t: t.pow_(3)),
    ("square_", lambda t: t.square_()), ("clamp_min_", lambda t: t.clamp_min_(0.1)),
    ("clamp_max_", lambda t: t.clamp_max_(0.1)),
]


@pytest.mark.parametrize("name,fn", INPLACE, ids=[i[0] for i in INPLACE])
def test_unary_inplace_on_op_output_matches_torch(name, fn):
    x = r(3, 4)

    def run(lib, a):
        h = a * 1.5
        out = fn(h)
        assert out is h
        return h * 2

    check_against_torch(lambda a: run(autograd, a), lambda a: run(torch, a), x)
    check_float32(lambda a: run(autograd, a), x)


BINARY_INPLACE = [
    ("lerp_", lambda h, b, w, lib: h.lerp_(b, w)),
    ("lerp_scalar", lambda h, b, w, lib: h.lerp_(b, 0.25)),
    ("addcmul_", lambda h, b, w, lib: h.addcmul_(b, w, value=0.5)),
    ("addcdiv_", lambda h, b, w, lib: h.addcdiv_(b, w.abs() + 1, value=-1.5)),
    ("index_add_", lambda h, b, w, lib: h.index_add_(
        0, lib.tensor([2, 0, 2]), b, alpha=2.0)),
    ("pow_tensor", lambda h, b, w, lib: h.abs().pow_(w)),
]


@pytest.mark.parametrize("name,fn", BINARY_INPLACE, ids=[i[0] for i in BINARY_INPLACE])
def test_binary_inplace_on_op_output_matches_torch(name, fn):
    a, b, w = r(3, 4), r(3, 4), r(3, 4)

    def run(lib, a, b, w):
        h = a * 1.5
        h2 = fn(h, b, w, lib)
        return h2 * 2

    check_against_torch(lambda *t: run(autograd, *t), lambda *t: run(torch, *t), a, b, w)
    check_float32(lambda *t: run(autograd, *t), a, b, w)


def test_inplace_on_plain_tensors_and_leaf_errors():
    t = autograd.tensor([-1.0, 4.0])
    assert t.relu_() is t and t.tolist() == [0.0, 4.0]
    t.sqrt_().exp_()
    np.testing.assert_allclose(t.data, np.exp([0.0, 2.0]), rtol=1e-6)
    leaf = autograd.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="exp_"):
        leaf.exp_()
    with pytest.raises(TypeError, match="exp_"):
        autograd.tensor([1, 2]).exp_()
    u = autograd.tensor([1, -2])
    u.abs_().neg_()
    assert u.tolist() == [-1, -2] and u.dtype == np.int64
    s = autograd.zeros(3)
    s.index_add_(0, autograd.tensor([1, 1]), autograd.ones(2))
    assert s.tolist() == [0.0, 2.0, 0.0]


def test_inplace_on_rows_of_an_op_output_writes_through_like_torch():
    x0 = r(3, 4)

    def run(lib, x):
        h = x * 2
        h[2].lerp_(x[0], 0.3)
        h[0].index_add_(0, lib.tensor([1, 1]), x[1, :2], alpha=2.0)
        h[1].sigmoid_()
        return h

    check_against_torch(lambda x: run(autograd, x), lambda x: run(torch, x), x0)
