"""tensor_math_more.py's ops against torch: float64 values and the gradients of a random
cotangent over the domain and at its edges (+-1, 0, +-inf, nan), finite differences, float32,
integer and bool inputs' dtypes, broadcasting, the in-place forms (values, recorded on an op's
output, refused on a leaf and on integer tensors), the no-gradient ops' outputs (unique,
unique_consecutive, isin, histc, bincount, argwhere, gcd, lcm, heaviside) and the errors."""
import numpy as np
import pytest

import autograd
from tests.helpers import assert_gradcheck, check_against_torch

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)
INF, NAN = float("inf"), float("nan")
EDGES = np.array([-INF, -1e300, -3.0, -2.0, -1.0, -0.5, -1e-300, -0.0, 0.0, 1e-300, 0.5, 1.0,
                  2.0, 3.0, 1e300, INF, NAN])
WIDE = np.concatenate([RNG.uniform(-5, 5, 200), EDGES])
UNIT = np.concatenate([RNG.uniform(-1, 1, 200), 1 - 10.0 ** RNG.uniform(-15, 0, 30), EDGES])
ABOVE1 = np.concatenate([1 + 10.0 ** RNG.uniform(-15, 2, 100), EDGES])
POSITIVE = np.concatenate([10.0 ** RNG.uniform(-30, 30, 100), EDGES])


def both(fn):
    """fn(lib, *xs) as the pair (ours, theirs): lib is autograd, then torch."""
    return (lambda *xs: fn(autograd, *xs)), (lambda *xs: fn(torch, *xs))


def same(ours, theirs):
    """Equal values, shape and dtype (nan equal to nan)."""
    t = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    assert ours.shape == t.shape, f"shape {ours.shape} != {t.shape}"
    assert ours.dtype == t.dtype, f"dtype {ours.dtype} != {t.dtype}"
    np.testing.assert_array_equal(ours.data, t)


def same_all(ours, theirs):
    ours = ours if isinstance(ours, tuple) else (ours,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        same(o, t)


UNARY = {   # name: (inputs, a range where finite differences are safe)
    "asin": (UNIT, (-0.9, 0.9)), "acos": (UNIT, (-0.9, 0.9)), "atan": (WIDE, (-4, 4)),
    "sinh": (WIDE, (-4, 4)), "cosh": (WIDE, (-4, 4)), "asinh": (WIDE, (-4, 4)),
    "acosh": (np.concatenate([ABOVE1, WIDE]), (1.1, 5)), "atanh": (UNIT, (-0.9, 0.9)),
    "log2": (np.concatenate([POSITIVE, WIDE]), (0.1, 5)),
    "log10": (np.concatenate([POSITIVE, WIDE]), (0.1, 5)),
    "exp2": (np.concatenate([WIDE, RNG.uniform(-1100, 1100, 50)]), (-4, 4)),
    "deg2rad": (WIDE, (-4, 4)), "rad2deg": (WIDE, (-4, 4)),
}
ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
           "arccosh": "acosh", "arctanh": "atanh"}


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")   # inf * 0 in the oracle
@pytest.mark.parametrize("name", UNARY)
def test_unary_against_torch_in_float64_with_edges(name):
    x, safe = UNARY[name]
    check_against_torch(*both(lambda L, t: getattr(L, name)(t)), x)    # function form
    check_against_torch(*both(lambda L, t: getattr(t, name)()), x)     # method form
    assert_gradcheck(lambda t: getattr(t, name)(), RNG.uniform(*safe, 8))


@pytest.mark.parametrize("alias", ALIASES)
def test_numpy_style_aliases_are_the_same_ops(alias):
    x = autograd.tensor(UNIT[:20] * 0.5 + 1.2 * (alias == "arccosh"), dtype=autograd.float64)
    name = ALIASES[alias]
    np.testing.assert_array_equal(getattr(x, alias)().data, getattr(x, name)().data)
    np.testing.assert_array_equal(getattr(autograd, alias)(x).data, getattr(x, name)().data)
    y = x.clone()
    getattr(y, alias + "_")()
    np.testing.assert_array_equal(y.data, getattr(x, name)().data)


@pytest.mark.parametrize("name", UNARY)
def test_float32_matches_torch(name):
    with np.errstate(over="ignore"):
        x32 = UNARY[name][0].astype(np.float32)
    x32 = x32[(np.abs(x32) > 1e-30) | (x32 == 0)]   # subnormals: numpy and torch may differ
    ours, theirs = getattr(autograd.tensor(x32), name)(), getattr(torch.tensor(x32), name)()
    assert ours.dtype == autograd.float32
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=3e-6, atol=1e-30)


@pytest.mark.parametrize("name", UNARY)
def test_integer_and_bool_inputs_give_the_default_float_dtype(name):
    for data in ([1, 2, 3], [True, False], np.array([1, 5], np.int32), np.array([3], np.uint8)):
        ours = getattr(autograd.tensor(data), name)()
        theirs = getattr(torch.tensor(data), name)()
        assert str(ours.dtype) == str(theirs.dtype)
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6)


def test_atan2_values_and_gradients_at_the_edges_and_under_broadcasting():
    y = np.array([0.0, -0.0, 0.0, -0.0, 1.0, -1.0, INF, -INF, INF, NAN, 1e-200, 1e300, 0.0])
    x = np.array([0.0, 0.0, -0.0, -0.0, 0.0, -0.0, 1.0, INF, -INF, 1.0, 1e-200, 1e300, 1e-320])
    check_against_torch(*both(lambda L, a, b: L.atan2(a, b)), y, x)
    check_against_torch(*both(lambda L, a, b: a.arctan2(b)), RNG.standard_normal((3, 1)),
                        RNG.standard_normal((1, 4)))
    assert_gradcheck(lambda a, b: a.atan2(b), RNG.standard_normal((2, 3)),
                     RNG.standard_normal(3) + 2)
    ours = autograd.atan2(autograd.tensor([1, 2]), autograd.tensor([3, 4]))
    assert ours.dtype == autograd.float32
    mixed = autograd.tensor([1, 2]).atan2(autograd.tensor([3.0], dtype=autograd.float64))
    assert mixed.dtype == autograd.float64


def test_atan2_errors():
    with pytest.raises(TypeError, match="atan2"):
        autograd.tensor([1.0]).atan2(2.0)
    with pytest.raises(ValueError, match=r"atan2.*\(2,\).*\(3,\)"):
        autograd.tensor([1.0, 2.0]).atan2(autograd.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="atan2_"):
        autograd.tensor([1, 2]).atan2_(autograd.tensor([1.0, 1.0]))
    with pytest.raises(ValueError, match="atan2_"):
        autograd.tensor([1.0, 2.0]).atan2_(autograd.tensor([[1.0], [1.0]]))


INPLACE = sorted(set(UNARY) | set(ALIASES))


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_forms_are_recorded_on_an_op_output_like_torch(name):
    x = (UNIT[:30] * 0.9 + (1.5 if name in ("acosh", "arccosh", "log2", "log10") else 0))
    v = RNG.standard_normal(x.shape)
    ours = autograd.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    y, ty = ours * 1.5, theirs * 1.5
    # torch has no derivative for acosh_ (its input is gone): the out-of-place op is the oracle
    out, ty = getattr(y, name + "_")(), getattr(ty, name)()
    assert out is y
    (y * autograd.tensor(v)).sum().backward()
    (ty * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_forms_refuse_leaves_that_require_grad_and_integer_tensors(name):
    with pytest.raises(RuntimeError, match="leaf"):
        getattr(autograd.tensor([0.5], requires_grad=True), name + "_")()
    with pytest.raises(TypeError, match=name + "_"):
        getattr(autograd.tensor([1, 0]), name + "_")()
    x = autograd.tensor([0.25, 0.5], dtype=autograd.float64)
    alias = x.detach()                    # shares the array: sees the write, as in torch
    getattr(x, name + "_")()
    want = getattr(torch.tensor([0.25, 0.5], dtype=torch.float64), name)().numpy()
    np.testing.assert_allclose(alias.data, want, rtol=1e-15)


def test_atan2_inplace_records_both_operands():
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal(3)
    ours = [autograd.tensor(v, requires_grad=True) for v in (a, b)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (a, b)]
    y, ty = ours[0] * 1.0, theirs[0] * 1.0
    y.atan2_(ours[1]).sum().backward()
    ty.atan2_(theirs[1]).sum().backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.data, t.grad.numpy(), rtol=1e-12)
    x = autograd.tensor([1.0, 2.0])        # float32 self, float64 other: written as float32
    x.arctan2_(autograd.tensor([1.0], dtype=autograd.float64))
    assert x.dtype == autograd.float32
    np.testing.assert_allclose(x.data, np.arctan2([1.0, 2.0], 1.0), rtol=1e-6)


# ---------------------------------------------------------------- no gradient
def test_heaviside_values_dtypes_broadcasting_and_no_derivative():
    x = np.array([-1.0, -0.0, 0.0, 2.0, NAN, -INF, INF], np.float32)
    same(autograd.heaviside(autograd.tensor(x), autograd.tensor(0.5)),
         torch.heaviside(torch.tensor(x), torch.tensor(0.5)))
    same(autograd.tensor([[-1.0], [0.0]]).heaviside(autograd.tensor([0.5, 0.7])),
         torch.heaviside(torch.tensor([[-1.0], [0.0]]), torch.tensor([0.5, 0.7])))
    same(autograd.tensor([-1, 0, 2]).heaviside(autograd.tensor([5])),
         torch.heaviside(torch.tensor([-1, 0, 2]), torch.tensor([5])))
    with pytest.raises(TypeError, match="heaviside.*dtype"):
        autograd.tensor([1.0]).heaviside(autograd.tensor([1.0], dtype=autograd.float64))
    with pytest.raises(TypeError, match="values must be a tensor"):
        autograd.tensor([1.0]).heaviside(0.5)
    leaf = autograd.tensor([1.0, 0.0], requires_grad=True)
    out = autograd.heaviside(leaf, autograd.tensor(0.5))
    with pytest.raises(RuntimeError, match="heaviside.*derivative"):
        out.sum().backward()
    np.testing.assert_array_equal(autograd.heaviside(autograd.tensor([-1.0, 0.0])).data, [0, 1])
    y = autograd.tensor([-1.0, 0.0, 3.0])
    assert y.heaviside_(autograd.tensor(0.25)) is y
    np.testing.assert_array_equal(y.data, [0.0, 0.25, 1.0])


def test_gcd_and_lcm_match_torch():
    a = RNG.integers(-30, 30, (4, 5))
    b = RNG.integers(-30, 30, 5)
    a[0, :2], b[:1] = 0, 0
    for name in ("gcd", "lcm"):
        same(getattr(autograd, name)(autograd.tensor(a), autograd.tensor(b)),
             getattr(torch, name)(torch.tensor(a), torch.tensor(b)))
        same(getattr(autograd.tensor(a.astype(np.int32)), name)(autograd.tensor(b)),
             getattr(torch.tensor(a.astype(np.int32)), name)(torch.tensor(b)))
        with pytest.raises(TypeError, match=f"{name}: needs integer"):
            getattr(autograd, name)(autograd.tensor([4.0]), autograd.tensor([6.0]))
        with pytest.raises(TypeError, match=f"{name}: needs integer"):
            getattr(autograd, name)(autograd.tensor([True]), autograd.tensor([True]))
        with pytest.raises(TypeError, match="other must be a tensor"):
            getattr(autograd.tensor([4]), name)(6)
        x = autograd.tensor(a.copy())
        assert getattr(x, name + "_")(autograd.tensor(b)) is x
        same(x, getattr(torch, name)(torch.tensor(a), torch.tensor(b)))


@pytest.mark.parametrize("args, kw", [
    (([1, 2, 3, 4], [2, 4]), {}),
    (([[1, 2], [3, 4]], [2, 4]), {"invert": True}),
    (([1, 2, 3], 2), {}),
    ((2, [1, 2, 3]), {}),
    (([1.0, 2.5, NAN, -0.0], [2.5, NAN, 0.0]), {}),
    (([1, 2, 3], [2.0, 3.5]), {}),
    (([1.0, 2.0, 3.0], [2, 3]), {"assume_unique": True}),
    (([1, 2, 3], [[2], [3]]), {}),
    (([1, 2], np.array([], np.int64)), {}),
    ((np.array(2), [1, 2]), {"invert": True}),
])
def test_isin_matches_torch(args, kw):
    def lib_args(lib):
        return [v if np.isscalar(v) else lib.tensor(v) for v in args]
    same(autograd.isin(*lib_args(autograd), **kw), torch.isin(*lib_args(torch), **kw))


def test_isin_errors():
    with pytest.raises(TypeError, match="bool"):
        autograd.isin(autograd.tensor([True]), autograd.tensor([True]))
    with pytest.raises(TypeError, match="at least one tensor"):
        autograd.isin(1, 2)
    with pytest.raises(TypeError, match="test_elements must be"):
        autograd.isin(autograd.tensor([1]), [1])


UNIQUE_INPUTS = [np.array([3, 1, 2, 3, 1, 5, -1]), np.array([3.0, NAN, 1.0, NAN, -0.0, 0.0]),
                 np.array([[1, 2], [1, 2], [0, 5], [1, 2]]), np.array([[2, 1], [3, 3]]),
                 np.array(5), np.array([True, False, True]), np.zeros((0, 3)),
                 np.array([1, 1, 2, 2, 3, 1, 1, 2]),
                 RNG.integers(0, 2, (3, 4, 3))]


@pytest.mark.parametrize("k", range(len(UNIQUE_INPUTS)))
@pytest.mark.parametrize("flags", [(False, False), (True, False), (False, True), (True, True)])
def test_unique_and_unique_consecutive_match_torch(k, flags):
    x = UNIQUE_INPUTS[k]
    inv, counts = flags
    kw = dict(return_inverse=inv, return_counts=counts)
    ours, theirs = autograd.tensor(x), torch.tensor(x)
    dims = [None] + list(range(-x.ndim, x.ndim))
    for dim in dims:
        if dim is not None and (x.size == 0 and x.shape[dim] != 0 or k == 1):
            continue   # with dim and NaNs torch's sort has no order: its results are arbitrary
        same_all(ours.unique(dim=dim, **kw), torch.unique(theirs, dim=dim, **kw))
        same_all(autograd.unique(ours, sorted=False, dim=dim, **kw),
                 torch.unique(theirs, sorted=True, dim=dim, **kw))
        same_all(autograd.unique_consecutive(ours, dim=dim, **kw),
                 torch.unique_consecutive(theirs, dim=dim, **kw))


def test_unique_errors_and_no_gradient():
    for name in ("unique", "unique_consecutive"):
        with pytest.raises(IndexError, match=name):
            getattr(autograd.tensor(5), name)(dim=0)
        with pytest.raises(IndexError, match=name):
            getattr(autograd.tensor([1, 2]), name)(dim=2)
        with pytest.raises(ValueError, match=f"{name}.*size 0"):
            getattr(autograd.zeros(2, 0), name)(dim=0)
    assert not autograd.tensor([1.0, 1.0], requires_grad=True).unique().requires_grad


@pytest.mark.parametrize("x, kw", [
    ([1.0, 2.0, 1.0, 4.0], dict(bins=4, min=0, max=3)),
    ([1.0, 2.0, 1.0, 4.0], dict(bins=4)),
    ([2.0, 2.0], dict(bins=4)),
    ([1.0, 2.0, NAN, INF, -INF], dict(bins=4, min=0, max=3)),
    ([1.0, 2.0, 3.0], dict(bins=3, min=1, max=1)),
    ([[1.0, 2.0], [3.0, 0.0]], dict(bins=3, min=0.5, max=3)),
    ([], dict(bins=3)),
    ([0.1, 0.2, 0.3, 0.7, 1.0, 0.99999999], dict(bins=10, min=0, max=1)),
    (list(RNG.standard_normal(500)), dict(bins=7, min=-2, max=2.5)),
])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_histc_matches_torch(x, kw, dtype):
    same(autograd.histc(autograd.tensor(x, dtype=dtype), **kw),
         torch.histc(torch.tensor(x, dtype=getattr(torch, dtype)), **kw))


def test_histc_errors():
    with pytest.raises(TypeError, match="histc.*floating"):
        autograd.tensor([1, 2]).histc(bins=4)
    with pytest.raises(ValueError, match="histc: bins"):
        autograd.tensor([1.0]).histc(bins=0)
    with pytest.raises(ValueError, match="max must be larger"):
        autograd.tensor([1.0]).histc(bins=3, min=3, max=1)
    with pytest.raises(ValueError, match="not finite"):
        autograd.tensor([1.0, INF]).histc(bins=3)
    with pytest.raises(ValueError, match="not finite"):
        autograd.tensor([NAN]).histc(bins=3)


def test_bincount_and_argwhere_match_torch():
    x = np.array([0, 2, 2, 5])
    for kw in ({}, {"minlength": 8}):
        same(autograd.tensor(x).bincount(**kw), torch.bincount(torch.tensor(x), **kw))
    for w in ([1.0, 2.0, 3.0, 4.0], np.array([1, 2, 3, 4]), np.array([1.0, 2, 3, 4])):
        same(autograd.bincount(autograd.tensor(x), autograd.tensor(w)),
             torch.bincount(torch.tensor(x), torch.tensor(w)))
    same(autograd.bincount(autograd.tensor(np.array([], np.int64)), minlength=3),
         torch.bincount(torch.tensor([], dtype=torch.long), minlength=3))
    for bad in ([-1, 2], [[1, 2]], [1.0, 2.0], [True]):
        with pytest.raises(ValueError, match="bincount"):
            autograd.tensor(bad).bincount()
    with pytest.raises(ValueError, match="bincount: weights"):
        autograd.tensor([1, 2]).bincount(autograd.tensor([1.0]))
    with pytest.raises(ValueError, match="minlength"):
        autograd.tensor([1, 2]).bincount(minlength=-1)
    w = autograd.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="bincount.*derivative"):
        autograd.tensor([0, 1]).bincount(w).sum().backward()
    for a in ([[1, 0], [0, 3]], 3.0, 0.0, [NAN, 0.0], np.zeros((2, 0, 3))):
        same(autograd.argwhere(autograd.tensor(a)), torch.argwhere(torch.tensor(a)))


# ---------------------------------------------------------------- composed, differentiable
COMPOSED = {   # name: (fn(lib, *xs), input arrays)
    "msort": (lambda L, x: L.msort(x), [RNG.standard_normal((4, 3))]),
    "msort_1d": (lambda L, x: x.msort(), [RNG.standard_normal(5)]),
    "take": (lambda L, x: L.take(x, L.tensor([[0, 5], [-1, 0]])), [RNG.standard_normal((2, 3))]),
    "take_0d": (lambda L, x: x.take(L.tensor(1)), [RNG.standard_normal(3)]),
    "diag_embed": (lambda L, x: L.diag_embed(x), [RNG.standard_normal((2, 3))]),
    "diag_embed_offset": (lambda L, x: x.diag_embed(offset=1, dim1=0, dim2=2),
                          [RNG.standard_normal((2, 3))]),
    "diag_embed_negative": (lambda L, x: x.diag_embed(-2, 2, 0), [RNG.standard_normal((2, 3))]),
    "diagflat": (lambda L, x: L.diagflat(x, offset=-1), [RNG.standard_normal((2, 2))]),
    "diagflat_0d": (lambda L, x: x.diagflat(2), [np.array(1.5)]),
    "vdot": (lambda L, x, y: L.vdot(x, y), [RNG.standard_normal(4), RNG.standard_normal(4)]),
    "mv": (lambda L, m, v: m.mv(v), [RNG.standard_normal((3, 4)), RNG.standard_normal(4)]),
    "cov": (lambda L, x: L.cov(x), [RNG.standard_normal((3, 5))]),
    "cov_1d": (lambda L, x: x.cov(correction=0), [RNG.standard_normal(5)]),
    "cov_weights": (lambda L, x, a: L.cov(x, fweights=L.tensor([1, 2, 1, 3, 1]), aweights=a),
                    [RNG.standard_normal((3, 5)), RNG.uniform(0.5, 2, 5)]),
    "cov_fweights": (lambda L, x: x.cov(correction=2, fweights=L.tensor([1, 2, 1, 3, 1])),
                     [RNG.standard_normal((2, 5))]),
    "corrcoef": (lambda L, x: L.corrcoef(x), [RNG.standard_normal((3, 6))]),
    "corrcoef_1d": (lambda L, x: x.corrcoef(), [RNG.standard_normal(6)]),
    "logdet": (lambda L, a: L.logdet(a), [RNG.standard_normal((3, 3)) + 4 * np.eye(3)]),
    "logdet_negative": (lambda L, a: a.logdet(), [np.array([[[0.0, 1.0], [1.0, 0.0]],
                                                             [[2.0, 1.0], [1.0, 2.0]]])]),
    "det": (lambda L, a: L.det(a), [RNG.standard_normal((2, 3, 3))]),
    "inverse": (lambda L, a: a.inverse(), [RNG.standard_normal((3, 3)) + 3 * np.eye(3)]),
    "pinverse": (lambda L, a: L.pinverse(a), [RNG.standard_normal((3, 2))]),
    "trapezoid": (lambda L, y: L.trapezoid(y), [RNG.standard_normal((3, 4))]),
    "trapezoid_dx": (lambda L, y: L.trapezoid(y, dx=0.5, dim=0), [RNG.standard_normal((3, 4))]),
    "trapezoid_x": (lambda L, y, x: L.trapezoid(y, x), [RNG.standard_normal((3, 4)),
                                                        np.cumsum(RNG.uniform(0, 1, 4))]),
    "trapezoid_x_2d": (lambda L, y, x: L.trapezoid(y, x, dim=0),
                       [RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))]),
    "trapezoid_x_broadcast": (lambda L, y, x: L.trapezoid(y, x, dim=1),
                              [RNG.standard_normal((2, 3, 4)), RNG.standard_normal((3, 1))]),
    "trapz": (lambda L, y, x: L.trapz(y, x), [RNG.standard_normal(5), RNG.standard_normal(5)]),
    "trapz_dx": (lambda L, y: L.trapz(y, dx=2.0), [RNG.standard_normal(5)]),
    "cumulative_trapezoid": (lambda L, y: L.cumulative_trapezoid(y),
                             [RNG.standard_normal((3, 4))]),
    "cumulative_trapezoid_dx": (lambda L, y: L.cumulative_trapezoid(y, dx=3.0, dim=0),
                                [RNG.standard_normal((3, 4))]),
    "cumulative_trapezoid_x": (lambda L, y, x: L.cumulative_trapezoid(y, x, dim=0),
                               [RNG.standard_normal((3, 4)), RNG.standard_normal(3)]),
}


@pytest.mark.parametrize("name", COMPOSED)
def test_composed_ops_match_torch_and_gradcheck(name):
    fn, arrays = COMPOSED[name]
    check_against_torch(*both(fn), *arrays)
    if name != "logdet_negative":
        assert_gradcheck(both(fn)[0], *arrays)


def test_logdet_is_nan_for_a_negative_determinant_and_minus_inf_for_a_singular_one():
    a = autograd.tensor([[0.0, 1.0], [1.0, 0.0]], requires_grad=True)
    out = a.logdet()
    assert np.isnan(out.item())
    out.backward()
    np.testing.assert_array_equal(a.grad.data, np.zeros((2, 2)))   # torch's too
    assert autograd.logdet(autograd.tensor([[1.0, 2.0], [2.0, 4.0]])).item() == -INF


@pytest.mark.parametrize("fn", [
    lambda L: L.trapezoid(L.tensor([1, 4, 9])),
    lambda L: L.trapezoid(L.tensor([1, 4, 9]), dx=2),
    lambda L: L.trapezoid(L.tensor([1, 4, 9]), L.tensor([0, 1, 3])),
    lambda L: L.trapezoid(L.tensor([1.0]).double()),
    lambda L: L.trapezoid(L.zeros(2, 0)),
    lambda L: L.trapezoid(L.zeros(2, 0, dtype=L.int64)),
    lambda L: L.trapezoid(L.tensor([[1.0, 2.0], [3.0, 4.0]]), L.tensor([[0.0, 2.0]]), dim=0),
    lambda L: L.trapezoid(L.tensor([1.0, 2.0]), L.tensor([0, 2], dtype=L.float64)),
    lambda L: L.cumulative_trapezoid(L.tensor([1, 2, 3])),
    lambda L: L.cumulative_trapezoid(L.tensor([1.0])),
    lambda L: L.cumulative_trapezoid(L.zeros(2, 0)),
    lambda L: L.cov(L.tensor([1, 2, 4])),
    lambda L: L.cov(L.tensor([[0.0, 1, 2], [2, 1, 0]]), aweights=L.tensor([0.5, 2, 1]).double()),
    lambda L: L.corrcoef(L.tensor([[1, 2, 4], [1, 2, 3]])),
    lambda L: L.corrcoef(L.tensor([[1.0, 1, 1], [1, 2, 3]])),
    lambda L: L.diag_embed(L.tensor([1, 2])),
    lambda L: L.diag_embed(L.tensor([True, False]), 1),
    lambda L: L.diag_embed(L.tensor([INF, NAN])),
    lambda L: L.vdot(L.tensor([1, 2]), L.tensor([3, 4])),
    lambda L: L.mv(L.tensor([[1, 2]]), L.tensor([3, 4])),
    lambda L: L.msort(L.tensor([3, 1, 2])),
    lambda L: L.take(L.tensor(5.0), L.tensor([0, 0])),
])
def test_dtypes_and_edge_results_match_torch(fn):
    ours, theirs = fn(autograd), fn(torch).detach()
    assert ours.shape == theirs.shape and str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6)   # float32: a few ulps


def test_cov_degenerate_cases_warn_and_match_torch():
    for fn in (lambda L: L.cov(L.tensor(1.0)), lambda L: L.cov(L.tensor([[1.0, 2.0]]),
                                                               correction=2)):
        with pytest.warns(RuntimeWarning, match="degrees of freedom"):
            ours = fn(autograd)
        with pytest.warns(UserWarning):
            theirs = fn(torch)
        same(ours, theirs)


def test_composed_ops_errors():
    t, f = autograd.tensor, autograd.tensor([1.0, 2.0])
    cases = [
        (IndexError, "take: index 2", lambda: f.take(t([2]))),
        (IndexError, "take: index -3", lambda: f.take(t([-3]))),
        (TypeError, "take: index must be an int64", lambda: f.take(t([1.0]))),
        (IndexError, "diag_embed", lambda: t(1.0).diag_embed()),
        (ValueError, "diag_embed: dim1 and dim2", lambda: f.diag_embed(dim1=0, dim2=0)),
        (IndexError, "diag_embed", lambda: f.diag_embed(dim1=0, dim2=3)),
        (TypeError, "vdot.*dtype", lambda: f.vdot(t([3, 4]))),
        (ValueError, r"vdot.*\(3,\)", lambda: f.vdot(t([1.0, 2.0, 3.0]))),
        (ValueError, "vdot", lambda: t([[1.0, 2.0]]).vdot(f)),
        (ValueError, "mv", lambda: t([[1.0, 2.0]]).mv(t([1.0, 2.0, 3.0]))),
        (ValueError, "mv", lambda: f.mv(f)),
        (TypeError, "mv.*dtype", lambda: t([[1.0, 2.0]]).mv(f.double())),
        (ValueError, "one x value for each sample", lambda: autograd.trapezoid(
            t([[1.0, 2.0], [3.0, 4.0]]), t([0.0, 2.0, 3.0]), dim=0)),
        (TypeError, "x or dx", lambda: autograd.trapezoid(f, f, dx=1.0)),
        (TypeError, "bool y", lambda: autograd.trapezoid(t([True, False]))),
        (TypeError, "bool x", lambda: autograd.cumulative_trapezoid(f, t([True, False]))),
        (TypeError, "dx must be a real", lambda: autograd.trapz(f, dx=True)),
        (IndexError, "trapezoid", lambda: autograd.trapezoid(f, dim=1)),
        (IndexError, "trapezoid", lambda: autograd.trapezoid(t(1.0))),
        (ValueError, "cov: fweights", lambda: f.cov(fweights=t([1.0, 2.0]))),
        (ValueError, "cov: fweights", lambda: f.cov(fweights=t([1, 2, 3]))),
        (ValueError, "cov: aweights", lambda: f.cov(aweights=t([1, 2]))),
        (ValueError, "fweights cannot be negative", lambda: f.cov(fweights=t([1, -2]))),
        (ValueError, "aweights cannot be negative", lambda: f.cov(aweights=t([1.0, -2.0]))),
        (ValueError, "sum to zero", lambda: f.cov(fweights=t([0, 0]))),
        (ValueError, "cov", lambda: autograd.ones(2, 2, 2).cov()),
        (TypeError, "correction must be an int", lambda: f.cov(correction=1.5)),
        (TypeError, "logdet.*floating", lambda: t([[1, 2], [3, 4]]).logdet()),
        (ValueError, "logdet.*square", lambda: f.logdet()),
        (TypeError, "det.*floating", lambda: autograd.det(t([[1, 2], [3, 4]]))),
        (ValueError, "inverse.*square", lambda: t([[1.0, 2.0]]).inverse()),
        (RuntimeError, "singular", lambda: t([[1.0, 2.0], [2.0, 4.0]]).inverse()),
    ]
    for kind, message, fn in cases:
        with pytest.raises(kind, match=message):
            fn()


# ---------------------------------------------------------------- aliases
def test_aliases_match_torch():
    x = np.array([-2.5, -1.0, -0.0, 0.0, 1.5, 3.0])
    y = np.array([2.0, -2.0, 1.0, 3.0, 0.5, -4.0])
    for name in ("absolute", "negative", "fix"):
        check_against_torch(*both(lambda L, a: getattr(L, name)(a)), x)
        check_against_torch(*both(lambda L, a: getattr(a, name)()), x)
    check_against_torch(*both(lambda L, a, b: L.subtract(a, b, alpha=2.5)), x, y)
    check_against_torch(*both(lambda L, a, b: a.subtract(b)), x, y)
    check_against_torch(*both(lambda L, a, b: L.multiply(a, b)), x, y)
    check_against_torch(*both(lambda L, a, b: a.divide(b)), x, y)
    for name in ("greater", "greater_equal", "less", "less_equal", "not_equal"):
        same(getattr(autograd, name)(autograd.tensor(x), autograd.tensor(y)),
             getattr(torch, name)(torch.tensor(x), torch.tensor(y)))
        same(getattr(autograd.tensor(x), name)(1.5), getattr(torch.tensor(x), name)(1.5))
    same(autograd.subtract(2, autograd.tensor([1.0])), torch.subtract(2, torch.tensor([1.0])))
    same(autograd.multiply(2, autograd.tensor([1, 2])), torch.multiply(2, torch.tensor([1, 2])))
    same(autograd.subtract(autograd.tensor([1, 2]), 1, alpha=2),
         torch.subtract(torch.tensor([1, 2]), 1, alpha=2))
    same(autograd.fix(autograd.tensor([1, -2])), torch.fix(torch.tensor([1, -2])))
    same(autograd.clip(autograd.tensor([1.5, -2.5]), -2, 1),
         torch.clip(torch.tensor([1.5, -2.5]), -2, 1))
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    for name in ("conj", "resolve_conj", "resolve_neg"):
        assert getattr(x, name)() is x and getattr(autograd, name)(x) is x


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_divide_with_a_rounding_mode_matches_torch(mode):
    a = np.array([-7.0, 7.0, -7.5, 5.0, -1.0, INF, 1.0, 0.0, -0.0, NAN, 6.0])
    b = np.array([2.0, -2.0, 2.0, 0.0, INF, 2.0, -INF, 0.0, 3.0, 1.0, -3.0])
    check_against_torch(*both(lambda L, x, y: L.divide(x, y, rounding_mode=mode)), a, b)
    ia, ib = RNG.integers(-20, 20, 30), RNG.integers(1, 7, 30) * RNG.choice([-1, 1], 30)
    for args in ((ia, ib), (ia.astype(np.int32), ib), (ia, 2.5), (ia, 3)):
        ours = autograd.divide(*[autograd.tensor(v) for v in args], rounding_mode=mode)
        same(ours, torch.divide(*[torch.tensor(v) for v in args], rounding_mode=mode))
    same(autograd.tensor(ia).divide(3, rounding_mode=mode),
         torch.tensor(ia).divide(3, rounding_mode=mode))
    x = autograd.tensor(ia.copy())
    assert x.divide_(autograd.tensor(ib), rounding_mode=mode) is x
    same(x, torch.divide(torch.tensor(ia), torch.tensor(ib), rounding_mode=mode))


def test_divide_errors():
    t = autograd.tensor
    with pytest.raises(RuntimeError, match="division by zero"):
        t([-7, 7]).divide(t([0, -2]), rounding_mode="trunc")
    with pytest.raises(ValueError, match="rounding_mode"):
        t([1.0]).divide(t([1.0]), rounding_mode="bad")
    with pytest.raises(TypeError, match="bool"):
        t([True]).divide(t([True]), rounding_mode="floor")
    with pytest.raises(TypeError, match="divide_"):
        t([-7, 7]).divide_(t([2.0, 2.0]), rounding_mode="trunc")
    with pytest.raises(TypeError, match="integer alpha"):
        autograd.subtract(t([1, 2]), t([1, 1]), alpha=2.5)
    with pytest.raises(TypeError, match="absolute.*bool"):
        t([True]).absolute()
    with pytest.raises(TypeError, match="negative.*bool"):
        autograd.negative(t([True]))


def test_inplace_aliases_and_comparisons():
    def pair(name, *args, data=(1.0, -2.0, 3.0), **kw):
        ours, theirs = autograd.tensor(list(data)), torch.tensor(list(data))
        assert getattr(ours, name)(*args, **kw) is ours
        getattr(theirs, name)(*[torch.tensor(a.data) if isinstance(a, autograd.Tensor) else a
                                for a in args], **kw)
        same(ours, theirs)
    pair("absolute_"), pair("negative_"), pair("fix_", data=(1.5, -2.5)), pair("fix_", data=(1, -2))
    pair("subtract_", autograd.tensor([1.0, 1.0, 1.0]), alpha=2)
    pair("multiply_", 2.5)
    pair("divide_", 2.0)
    pair("divide_", 2.0, rounding_mode="floor")
    pair("clip_", -1, 1), pair("clip_", max=1)
    for name in ("greater_", "greater_equal_", "less_", "less_equal_", "not_equal_"):
        pair(name, 1.0)
        pair(name, autograd.tensor([2.5]), data=(1, 2, 3))
    with pytest.raises(ValueError, match="greater_"):
        autograd.tensor([1.0, 2.0, 3.0]).greater_(autograd.tensor([[1.0], [2.0]]))
    with pytest.raises(RuntimeError, match="leaf"):
        autograd.tensor([1.0], requires_grad=True).greater_(2)


def test_inplace_comparison_on_an_op_output_gives_zero_gradients_as_torch():
    ours, theirs = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True), \
        torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y, ty = ours * 2, theirs * 2
    y.greater_(3)
    ty.greater_(3)
    assert y.requires_grad
    (y * 5).sum().backward()
    (ty * 5).sum().backward()
    same(y.detach(), ty.detach())
    same(ours.grad, theirs.grad)
    for mode in ("trunc", "floor"):   # a rounded quotient's gradient is zero, as torch's
        a = autograd.tensor([7.0, -7.0], requires_grad=True)
        b = autograd.tensor([2.0, 2.0], requires_grad=True)
        a.divide(b, rounding_mode=mode).sum().backward()
        assert a.grad.data.tolist() == [0, 0] and b.grad.data.tolist() == [0, 0]


@pytest.mark.parametrize("method", ["lt_", "le_", "gt_", "ge_", "eq_", "ne_", "less_",
                                    "greater_equal_", "not_equal_"])
def test_in_place_comparisons_promote_as_the_operators(method):
    # x.lt_(other) is x < other (PyTorch's promotion: a float64 0-d tensor does not lift a
    # float32 tensor, a negative or too large int wraps into an integer tensor's dtype)
    cases = [([3, 200, 0], "uint8", -5), ([0.1, 0.2, 0.3], "float32", ("0d", 0.1)),
             ([1, 2, 3], "int8", 257), ([1.5, -2.0], "float64", ("t", [1.5, 2.0], "int64")),
             ([True, False], "bool", 1)]
    for values, dtype, other in cases:
        out = []
        for lib in (autograd, torch):
            x = lib.tensor(values, dtype=getattr(lib, dtype))
            if isinstance(other, tuple) and other[0] == "0d":
                o = lib.tensor(other[1], dtype=lib.float64)
            elif isinstance(other, tuple):
                o = lib.tensor(other[1], dtype=getattr(lib, other[2]))
            else:
                o = other
            getattr(x, method)(o)
            out.append(np.asarray(x.numpy()))
        assert out[0].dtype == out[1].dtype
        np.testing.assert_array_equal(out[0], out[1])
