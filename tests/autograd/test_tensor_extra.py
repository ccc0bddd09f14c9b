"""tensor_extra.py's ops against torch in float64 (values, shapes, dtypes, the gradients of a
random cotangent at rtol 1e-10) and against finite differences; dtype rules on integer and
bool inputs; indices of cummax/median/kthvalue; the errors, one family at a time."""
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import autograd
from tests.helpers import broadcastable, check_against_torch, check_float32, check_op

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(13)
INF = float("inf")


def r(*shape):
    return RNG.standard_normal(shape)


def idx(*values):
    return np.array(values, np.int64)


def both(fn):
    """fn(lib, *xs) as the pair (ours, theirs): lib is autograd, then torch."""
    return (lambda *xs: fn(autograd, *xs)), (lambda *xs: fn(torch, *xs))


def same(ours, theirs, rtol=1e-12):
    """A result (or tuple of results) equals torch's in shape, dtype and value."""
    if isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            same(o, t, rtol)
        return
    t = theirs.detach().numpy()
    assert ours.dtype == t.dtype, f"dtype {ours.dtype} != torch's {t.dtype}"
    assert ours.shape == t.shape, f"shape {ours.shape} != torch's {t.shape}"
    np.testing.assert_allclose(ours.data, t, rtol=rtol, atol=0, equal_nan=True)


TAKE = RNG.integers(0, 4, (3, 2))
TAKE_NEGATIVE = RNG.integers(-4, 4, (1, 3, 2))   # torch counts these from the end
MASK = RNG.random((3, 4)) > 0.5

# (name, fn(lib, *inputs), input shapes): every op is differentiable in its float inputs
CASES = [
    ("tile", lambda L, a: a.tile((2, 1, 3)), [(2, 3)]),
    ("tile_short_fn", lambda L, a: L.tile(a, (2,)), [(2, 3)]),
    ("tile_0d", lambda L, a: a.tile(2, 2), [()]),
    ("take_along_dim", lambda L, a: a.take_along_dim(L.tensor(TAKE), 1), [(3, 4)]),
    ("take_along_dim_bcast", lambda L, a: L.take_along_dim(
        a, L.tensor(TAKE_NEGATIVE), -1), [(2, 1, 4)]),
    ("take_along_dim_flat", lambda L, a: a.take_along_dim(L.tensor(idx(11, 0, 5, 5))),
     [(3, 4)]),
    ("take_along_dim_argsort", lambda L, a: a.take_along_dim(a.argsort(0), 0), [(4, 3)]),
    ("index_fill", lambda L, a: a.index_fill(1, L.tensor(idx(0, -1, 0)), 1.5), [(3, 4)]),
    ("index_fill_tensor_value", lambda L, a, v: L.index_fill(a, 0, L.tensor(idx(2, 0, 2)), v),
     [(3, 4), ()]),
    ("index_fill_0d", lambda L, a: a.index_fill(0, L.tensor(idx(0)), 2.0), [()]),
    ("index_copy", lambda L, a, s: a.index_copy(0, L.tensor(idx(3, 1)), s), [(4, 3), (2, 3)]),
    ("index_copy_last", lambda L, a, s: L.index_copy(a, -1, L.tensor(idx(4, 0, 2)), s),
     [(2, 5), (2, 3)]),
    ("index_copy_0d_index", lambda L, a, s: a.index_copy(1, L.tensor(np.int64(2)), s),
     [(2, 3), (2, 1)]),
    ("masked_scatter", lambda L, a, s: a.masked_scatter(L.tensor(MASK), s), [(3, 4), (15,)]),
    ("masked_scatter_bcast_self", lambda L, a, s: a.masked_scatter(L.tensor(MASK), s),
     [(4,), (3, 5)]),
    ("masked_scatter_bcast_mask", lambda L, a, s: L.masked_scatter(a, L.tensor(MASK[0]), s),
     [(3, 1), (13,)]),
    ("cummax", lambda L, a: a.cummax(0), [(5,)]),
    ("cummax_dim", lambda L, a: L.cummax(a, -1), [(2, 3, 4)]),
    ("cummin", lambda L, a: a.cummin(1), [(3, 4)]),
    ("cummin_0d", lambda L, a: L.cummin(a, 0), [()]),
    ("median_all_even", lambda L, a: a.median(), [(3, 4)]),
    ("median_all_odd", lambda L, a: L.median(a), [(5,)]),
    ("median_dim", lambda L, a: a.median(1), [(2, 4, 3)]),
    ("median_dim_keepdim", lambda L, a: L.median(a, -1, True), [(2, 3, 5)]),
    ("nanmedian_all", lambda L, a: a.nanmedian(), [(4, 2)]),
    ("nanmedian_dim", lambda L, a: a.nanmedian(0), [(4, 3)]),
    ("kthvalue", lambda L, a: a.kthvalue(2), [(5,)]),
    ("kthvalue_dim", lambda L, a: L.kthvalue(a, 3, 0), [(3, 4)]),
    ("kthvalue_keepdim", lambda L, a: a.kthvalue(4, -1, True), [(2, 3, 4)]),
    ("nansum", lambda L, a: a.nansum(), [(3, 4)]),
    ("nansum_dims", lambda L, a: L.nansum(a, (0, 2), True), [(2, 3, 4)]),
    ("nanmean", lambda L, a: a.nanmean(1), [(3, 4)]),
    ("trace", lambda L, a: a.trace(), [(3, 3)]),
    ("trace_wide", lambda L, a: L.trace(a), [(2, 4)]),
    ("trace_tall", lambda L, a: a.trace(), [(4, 2)]),
    ("var_mean", lambda L, a: L.var_mean(a), [(3, 4)]),
    ("var_mean_dim", lambda L, a: L.var_mean(a, 1, keepdim=True), [(3, 4)]),
    ("var_mean_correction", lambda L, a: L.var_mean(a, (0, 2), correction=0), [(2, 3, 4)]),
    ("var_mean_unbiased", lambda L, a: L.var_mean(a, 0, False), [(3, 4)]),
    ("std_mean", lambda L, a: L.std_mean(a, -1), [(3, 4)]),
    ("std_mean_unbiased", lambda L, a: L.std_mean(a, False), [(5,)]),
    ("addmm", lambda L, x, a, b: x.addmm(a, b), [(2, 4), (2, 3), (3, 4)]),
    ("addmm_bcast", lambda L, x, a, b: L.addmm(x, a, b, beta=0.5, alpha=-2), [(4,), (2, 3),
                                                                               (3, 4)]),
    ("addmm_beta0", lambda L, x, a, b: L.addmm(x, a, b, beta=0), [(2, 1), (2, 3), (3, 4)]),
    ("addmv", lambda L, x, a, v: x.addmv(a, v, alpha=3), [(2,), (2, 3), (3,)]),
    ("addmv_0d", lambda L, x, a, v: L.addmv(x, a, v, beta=2), [(), (4, 3), (3,)]),
    ("baddbmm", lambda L, x, a, b: x.baddbmm(a, b), [(2, 3, 4), (2, 3, 5), (2, 5, 4)]),
    ("baddbmm_bcast", lambda L, x, a, b: L.baddbmm(x, a, b, beta=-1, alpha=0.5),
     [(3, 1), (2, 3, 5), (2, 5, 4)]),
    ("addbmm", lambda L, x, a, b: x.addbmm(a, b, beta=2), [(3, 4), (2, 3, 5), (2, 5, 4)]),
    ("addbmm_bcast", lambda L, x, a, b: L.addbmm(x, a, b), [(4,), (3, 3, 2), (3, 2, 4)]),
    ("cross", lambda L, a, b: a.cross(b, dim=1), [(4, 3), (4, 3)]),
    ("cross_bcast", lambda L, a, b: L.cross(a, b, dim=1), [(2, 3, 5), (1, 3, 1)]),
    ("cross_1d", lambda L, a, b: L.cross(a, b, 0), [(3,), (3,)]),
    ("kron", lambda L, a, b: a.kron(b), [(2, 3), (4,)]),
    ("kron_3d", lambda L, a, b: L.kron(a, b), [(2, 1, 2), (3, 2)]),
    ("kron_0d", lambda L, a, b: L.kron(a, b), [(), (3,)]),
    ("diagonal", lambda L, a: a.diagonal(), [(3, 4)]),
    ("diagonal_offset", lambda L, a: a.diagonal(1), [(3, 4)]),
    ("diagonal_negative", lambda L, a: L.diagonal(a, -2), [(4, 3)]),
    ("diagonal_dims", lambda L, a: a.diagonal(1, 2, 0), [(2, 3, 4)]),
    ("diagonal_dims_negative", lambda L, a: L.diagonal(a, offset=-1, dim1=-1, dim2=1),
     [(2, 4, 3, 2)]),
    ("diagonal_empty", lambda L, a: a.diagonal(5), [(2, 3)]),
    ("tensordot", lambda L, a, b: L.tensordot(a, b), [(2, 3, 4), (3, 4, 5)]),
    ("tensordot_1", lambda L, a, b: L.tensordot(a, b, 1), [(2, 3), (3, 4, 2)]),
    ("tensordot_0", lambda L, a, b: L.tensordot(a, b, 0), [(2, 3), (4,)]),
    ("tensordot_lists", lambda L, a, b: L.tensordot(a, b, ([1, -1], [1, 0])),
     [(2, 3, 4), (4, 3, 5)]),
    ("tensordot_full", lambda L, a, b: L.tensordot(a, b, ([0, 1], [1, 0])), [(2, 3), (3, 2)]),
    ("cdist", lambda L, a, b: L.cdist(a, b), [(4, 3), (5, 3)]),
    ("cdist_batch", lambda L, a, b: L.cdist(a, b), [(2, 1, 3, 4), (5, 2, 4)]),
    ("cdist_p1", lambda L, a, b: L.cdist(a, b, p=1), [(3, 2), (4, 2)]),
    ("cdist_p_half", lambda L, a, b: L.cdist(a, b, 0.5), [(3, 2), (4, 2)]),
    ("cdist_p3", lambda L, a, b: L.cdist(a, b, p=3), [(2, 3, 2), (2, 4, 2)]),
    ("cdist_inf", lambda L, a, b: L.cdist(a, b, p=INF), [(3, 4), (2, 4)]),
    ("cdist_p0", lambda L, a, b: L.cdist(a, b, p=0), [(3, 4), (2, 4)]),
    ("broadcast_tensors", lambda L, a, b, c: L.broadcast_tensors(a, b, c), [(2, 1), (3,), ()]),
    ("diff", lambda L, a, p: a.diff(2, 1, prepend=p), [(3, 5), (3, 2)]),
    ("fmod", lambda L, a, b: a.fmod(b), [(3, 4), (4,)]),
    ("fmod_scalar", lambda L, a: L.fmod(a, -0.7), [(3, 4)]),
]


@pytest.mark.parametrize("name, fn, shapes", CASES, ids=[c[0] for c in CASES])
def test_matches_torch_and_finite_differences(name, fn, shapes):
    arrays = [r(*s) for s in shapes]
    if name == "fmod":   # divisors away from 0 (these quotients are away from the jumps)
        arrays[1] = np.sign(arrays[1]) * (np.abs(arrays[1]) + 0.5)
    ours, theirs = both(fn)
    check_op(ours, theirs, *arrays)


@pytest.mark.parametrize("name, fn, shapes", [c for c in CASES if c[0] in (
    "take_along_dim", "index_copy", "masked_scatter", "cummax_dim", "median_dim", "kthvalue",
    "nanmean", "addmm_bcast", "cross", "kron", "diagonal_dims", "tensordot", "cdist",
    "fmod")])
def test_float32_stays_float32(name, fn, shapes):
    check_float32(both(fn)[0], *[r(*s) for s in shapes])


@settings(deadline=None, max_examples=25)
@given(shapes=broadcastable, seed=st.integers(0, 2 ** 16))
def test_fmod_gradients_under_broadcasting(shapes, seed):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-3, 3, shapes.input_shapes[0])
    b = rng.choice([-1, 1], shapes.input_shapes[1]) * rng.uniform(0.3, 2, shapes.input_shapes[1])
    q = np.abs(np.broadcast_to(a, shapes.result_shape) / np.broadcast_to(b, shapes.result_shape))
    if np.any(np.abs(q - np.round(q)) < 1e-3):   # fmod jumps where a / b is an integer
        return
    check_op(lambda x, y: autograd.fmod(x, y), torch.fmod, a, b)


@settings(deadline=None, max_examples=25)
@given(shapes=broadcastable, seed=st.integers(0, 2 ** 16))
def test_broadcast_tensors_and_cross_under_broadcasting(shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.standard_normal(s) for s in shapes.input_shapes)
    check_against_torch(lambda x, y: autograd.broadcast_tensors(x, y),
                        lambda x, y: torch.broadcast_tensors(x, y), a, b)
    sa, sb = (s + (3,) for s in [(1,) * (len(shapes.result_shape) - len(s)) + s
                                 for s in shapes.input_shapes])
    check_against_torch(lambda x, y: x.cross(y, dim=-1), lambda x, y: x.cross(y, dim=-1),
                        rng.standard_normal(sa), rng.standard_normal(sb))


# ----------------------------------------------------------------- indices, ties and NaN
NAN = np.nan
WITH_NAN = np.array([[3.0, NAN, 2.0, NAN, 1.0], [1.0, 4.0, 0.5, 2.0, 3.0],
                     [NAN, NAN, NAN, 0.0, -1.0], [0.2, 0.1, NAN, 0.3, 0.4]])


@pytest.mark.parametrize("op, args", [
    ("cummax", (1,)), ("cummin", (1,)), ("cummax", (0,)), ("median", (1,)), ("median", (0,)),
    ("nanmedian", (1, True)), ("kthvalue", (2, 1)), ("kthvalue", (5, 1)), ("kthvalue", (1, 0)),
])
def test_indices_and_nan_match_torch(op, args):
    x, t = autograd.tensor(WITH_NAN), torch.tensor(WITH_NAN)
    got, want = getattr(x, op)(*args), getattr(t, op)(*args)
    assert type(got).__name__.lower() == type(want).__name__   # a (values, indices) namedtuple
    same(got.values, want.values)
    same(got.indices, want.indices)


def test_ties_match_torch():
    ties = np.array([1.0, 1.0, 0.0, 1.0, 2.0, 2.0, -1.0, 2.0])
    for op in ("cummax", "cummin"):   # the latest of equal values, as torch
        same(tuple(getattr(autograd.tensor(ties), op)(0)),
             tuple(getattr(torch.tensor(ties), op)(0)))
    # median() and nanmedian() share their gradient among the elements equal to the result
    for values in ([1.0, 2.0, 2.0, 3.0], [2.0, 2.0, 2.0, 5.0, 1.0, 2.0], [NAN, 1.0, NAN]):
        for op in ("median", "nanmedian"):
            check_against_torch(lambda a: getattr(a, op)(), lambda a: getattr(a, op)(), values)


def test_nan_reductions_match_torch():
    for fn in (lambda a: a.nansum(), lambda a: a.nansum(1), lambda a: a.nanmean(),
               lambda a: a.nanmean(0, True), lambda a: a.nanmedian(), lambda a: a.median()):
        check_against_torch(fn, fn, WITH_NAN)
    all_nan = np.full((2, 3), NAN)
    for fn in (lambda a: a.nansum(), lambda a: a.nanmedian()):
        check_against_torch(fn, fn, all_nan)
    # an all-NaN slice: NaN, as torch, but a zero gradient where torch's is NaN
    x = autograd.tensor(all_nan, requires_grad=True)
    y = x.nanmean(1)
    same(y, torch.tensor(all_nan).nanmean(1))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros((2, 3)))
    same(autograd.tensor(WITH_NAN).nanmean(dtype=autograd.float32),
         torch.tensor(WITH_NAN).nanmean(dtype=torch.float32), rtol=1e-6)


def test_cdist_gradient_is_zero_at_zero_distance_as_torch():
    x1 = r(3, 4)
    x2 = np.concatenate([x1[1:2], r(2, 4)])   # row 1 of x1 is row 0 of x2: a zero distance
    for p in (2.0, 1.0, 0.5, 3.0):
        check_against_torch(lambda a, b: autograd.cdist(a, b, p), lambda a, b: torch.cdist(
            a, b, p), x1, x2)


# ----------------------------------------------------------------- dtypes
INTS = np.array([[3, -1, 0, 7], [2, 5, -5, 0], [0, 1, 4, -2]], np.int32)
DTYPE_CASES = [
    ("tile_bool", lambda L, a: (a > 0).tile(2, 1)),
    ("take_along_dim_int", lambda L, a: a.take_along_dim(L.tensor(TAKE), 1)),
    ("index_fill_int_float_value", lambda L, a: a.index_fill(0, L.tensor(idx(1)), 2.7)),
    ("index_copy_int", lambda L, a: a.index_copy(0, L.tensor(idx(2)), a[:1] * 10)),
    ("masked_scatter_int", lambda L, a: a.masked_scatter(L.tensor(MASK), a.reshape(-1) * 3)),
    ("cummax_int", lambda L, a: tuple(a.cummax(1))),
    ("cummin_bool", lambda L, a: tuple((a > 0).cummin(0))),
    ("median_int", lambda L, a: a.median()),
    ("median_int_dim", lambda L, a: a[:, :3].median(1).values),
    ("nanmedian_int", lambda L, a: a.nanmedian()),
    ("kthvalue_int", lambda L, a: tuple(a.kthvalue(3, 1))),
    ("nansum_int32", lambda L, a: a.nansum(0)),
    ("nansum_bool", lambda L, a: (a > 0).nansum()),
    ("nansum_dtype", lambda L, a: L.nansum(a, dtype=L.float64)),
    ("count_nonzero", lambda L, a: a.count_nonzero()),
    ("count_nonzero_dims", lambda L, a: L.count_nonzero(a, (0, 1))),
    ("count_nonzero_dim", lambda L, a: a.float().count_nonzero(dim=1)),
    ("trace_int32", lambda L, a: a.trace()),
    ("fmod_int", lambda L, a: a.fmod(3)),
    ("fmod_int_negative_divisor", lambda L, a: L.fmod(a, -3)),
    ("fmod_int_by_float", lambda L, a: a.fmod(2.5)),
    ("fmod_float32_by_0d_float64", lambda L, a: a.float().fmod(L.tensor(1.5, dtype=L.float64))),
    ("fmod_by_zero_float", lambda L, a: a.float().fmod(0.0)),
    ("addmm_int", lambda L, a: L.addmm(a[:, :3], a, a.T, beta=2, alpha=-3)),
    ("addmv_int", lambda L, a: a[:, 0].addmv(a, a[0])),
    ("cross_int", lambda L, a: a[:, :3].cross(a[:, 1:], dim=1)),
    ("kron_int_float", lambda L, a: L.kron(a.long(), a.float())),
    ("diagonal_int", lambda L, a: a.diagonal(1)),
    ("tensordot_int", lambda L, a: L.tensordot(a, a.T, 1)),
    ("broadcast_tensors_mixed", lambda L, a: L.broadcast_tensors(a[:1], a[:, :1].float())),
    ("diff_bool", lambda L, a: (a > 0).diff()),
]


@pytest.mark.parametrize("name, fn", DTYPE_CASES, ids=[c[0] for c in DTYPE_CASES])
def test_dtypes_and_values_match_torch(name, fn):
    same(fn(autograd, autograd.tensor(INTS)), fn(torch, torch.tensor(INTS)))


def test_names_are_exposed_as_in_torch():
    methods = ["tile", "take_along_dim", "index_fill", "index_copy", "masked_scatter", "cummax",
               "cummin", "median", "nanmedian", "kthvalue", "nansum", "nanmean", "diff",
               "trace", "fmod", "addmm", "addmv", "baddbmm", "addbmm", "cross", "kron",
               "count_nonzero", "diagonal"]
    functions = methods + ["var_mean", "std_mean", "tensordot", "cdist", "broadcast_tensors"]
    assert all(hasattr(autograd.Tensor, m) for m in methods)
    assert all(callable(getattr(autograd, f)) for f in functions)
    assert all(hasattr(torch.Tensor, m) for m in methods)


def test_cross_without_dim_takes_the_first_dim_of_size_3_and_warns():
    a, b = r(3, 3), r(3, 3)
    with pytest.warns(UserWarning, match="cross: calling it without dim"):
        got = autograd.tensor(a).cross(autograd.tensor(b))
    with pytest.warns(UserWarning):
        want = torch.tensor(a).cross(torch.tensor(b))
    same(got, want)


def test_addmm_beta_zero_ignores_nan_in_input():
    x = np.full((2, 2), NAN)
    a, b = r(2, 3), r(3, 2)
    got = autograd.addmm(autograd.tensor(x), autograd.tensor(a), autograd.tensor(b), beta=0)
    same(got, torch.addmm(torch.tensor(x), torch.tensor(a), torch.tensor(b), beta=0))


def test_diagonal_is_a_view_with_the_right_gradient():
    # a view, as torch's: a write into it (outside a graph) lands in x, and x's writes show
    x = autograd.tensor(r(3, 3))
    d = x.diagonal()
    d.mul_(0).add_(100.0)
    np.testing.assert_array_equal(np.diag(x.data), [100.0] * 3)
    x[1, 1] = -1.0
    assert d.data[1] == -1.0
    w = autograd.tensor(r(3, 3), requires_grad=True)
    (w.diagonal() * autograd.tensor([1.0, 2.0, 3.0], dtype=autograd.float64)).sum().backward()
    np.testing.assert_array_equal(w.grad.data, np.diag([1.0, 2.0, 3.0]))
    w.grad = None   # a write into a view of an unnamed tensor goes through it, as torch's
    d = (w * 2).diagonal().mul_(autograd.tensor([1.0, 2.0, 3.0], dtype=autograd.float64))
    d.sum().backward()
    np.testing.assert_array_equal(w.grad.data, np.diag([2.0, 4.0, 6.0]))


# ----------------------------------------------------------------- errors
F32, F64 = np.float32, np.float64


def t(shape, dtype=F32):
    return autograd.tensor(np.ones(shape, dtype))


ERRORS = [
    ("tile", lambda: t((2, 3)).tile(-1, 2), ValueError, r"tile: .*non-negative.*\(2, 3\)"),
    ("take_along_dim", lambda: t((2, 3)).take_along_dim(t((2, 1), np.int32), 1),
     TypeError, r"take_along_dim: .*int64.*\(2, 3\).*float32.*\(2, 1\).*int32"),
    ("take_along_dim_ndim", lambda: t((2, 3)).take_along_dim(autograd.tensor(idx(0)), 1),
     ValueError, r"take_along_dim: .*same number of dims.*\(2, 3\).*\(1,\)"),
    ("take_along_dim_range", lambda: t((2, 3)).take_along_dim(autograd.tensor(idx(3))[None], 1),
     IndexError, r"take_along_dim: index 3 is out of bounds .*size 3.*\(2, 3\)"),
    ("index_fill", lambda: t((2, 3)).index_fill(1, autograd.tensor(np.array([0], np.int32)), 1.0),
     TypeError, r"index_fill: index must have dtype int64.*\(2, 3\).*float32.*int32"),
    ("index_fill_value", lambda: t((2, 3)).index_fill(1, autograd.tensor(idx(0)), t((1,))),
     ValueError, r"index_fill: value must be .*0-d.*\(1,\)"),
    ("index_fill_range", lambda: t((2, 3)).index_fill(1, autograd.tensor(idx(3)), 1.0),
     IndexError, r"index_fill: index 3 is out of bounds for dim 1 with size 3"),
    ("index_copy", lambda: t((2, 3)).index_copy(1, autograd.tensor(idx(0)), t((2, 1), F64)),
     TypeError, r"index_copy: .*same dtype.*\(2, 3\).*float32.*\(2, 1\).*float64"),
    ("index_copy_shape", lambda: t((2, 3)).index_copy(1, autograd.tensor(idx(0)), t((2, 2))),
     ValueError, r"index_copy: source should have shape \(2, 1\).*\(2, 2\)"),
    ("index_copy_negative", lambda: t((2, 3)).index_copy(1, autograd.tensor(idx(-1)), t((2, 1))),
     IndexError, r"index_copy: index -1 is out of bounds"),
    ("masked_scatter", lambda: t((2, 3)).masked_scatter(t((2, 3)), t((6,))),
     TypeError, r"masked_scatter: .*bool mask.*mask of shape \(2, 3\) and dtype float32"),
    ("masked_scatter_short", lambda: t((2, 3)).masked_scatter(t((2, 3), bool), t((5,))),
     ValueError, r"masked_scatter: source has 5 elements, fewer than the 6"),
    ("masked_scatter_bcast", lambda: t((2, 3)).masked_scatter(t((3, 3), bool), t((9,))),
     ValueError, r"masked_scatter: shapes cannot be broadcast.*\(2, 3\).*\(3, 3\)"),
    ("cummax", lambda: t((2, 3)).cummax(2), IndexError, r"cummax: dim 2 is out of range"),
    ("median", lambda: t((2, 0)).median(1), IndexError, r"median: dim 1 .*size 0.*\(2, 0\)"),
    ("median_bool", lambda: t((2,), bool).median(), TypeError, r"median: .*bool.*\(2,\)"),
    ("kthvalue", lambda: t((2, 3)).kthvalue(4), IndexError,
     r"kthvalue: k=4 is out of range \[1, 3\].*\(2, 3\).*float32"),
    ("nanmean", lambda: t((2,), np.int64).nanmean(), TypeError, r"nanmean: .*\(2,\).*int64"),
    ("trace", lambda: t((2, 2, 2)).trace(), ValueError, r"trace: .*2-D.*\(2, 2, 2\)"),
    ("var_mean", lambda: autograd.var_mean(t((3,), np.int64)), TypeError,
     r"var_mean: .*floating.*\(3,\).*int64"),
    ("std_mean", lambda: autograd.std_mean(t((3,)), 0, True, correction=1), TypeError,
     r"std_mean: pass unbiased or correction"),
    ("fmod", lambda: t((2,), np.int64).fmod(autograd.tensor(idx(1, 0))), RuntimeError,
     r"fmod: integer division by zero"),
    ("fmod_bcast", lambda: t((2,)).fmod(t((3,))), ValueError,
     r"fmod: shapes cannot be broadcast.*\(2,\) and dtype torch.float32, other of shape \(3,\)"),
    ("addmm", lambda: autograd.addmm(t((2, 2)), t((2, 3)), t((2, 2))), ValueError,
     r"addmm: .*mat1 of shape \(2, 3\) and dtype torch.float32, mat2 of shape \(2, 2\)"),
    ("addmm_dtype", lambda: autograd.addmm(t((2, 2)), t((2, 3), F64), t((3, 2), F64)),
     TypeError, r"addmm: expected one dtype.*float32.*float64"),
    ("addmm_input", lambda: autograd.addmm(t((3,)), t((2, 3)), t((3, 2))), ValueError,
     r"addmm: input cannot be broadcast to .*\(2, 2\).*\(3,\)"),
    ("addmm_alpha", lambda: autograd.addmm(t((2,), np.int64), t((2, 3), np.int64),
                                           t((3, 2), np.int64), alpha=0.5),
     TypeError, r"addmm: alpha must be .*int for integer"),
    ("addmv", lambda: autograd.addmv(t((2,)), t((2, 3)), t((2,))), ValueError,
     r"addmv: .*mat of shape \(2, 3\).*vec of shape \(2,\)"),
    ("baddbmm", lambda: autograd.baddbmm(t((3,)), t((2, 2, 3)), t((3, 3, 3))), ValueError,
     r"baddbmm: .*batch1 of shape \(2, 2, 3\).*batch2 of shape \(3, 3, 3\)"),
    ("addbmm", lambda: autograd.addbmm(t((3,)), t((2, 3)), t((2, 3, 3))), ValueError,
     r"addbmm: .*\(2, 3\)"),
    ("cross", lambda: t((3, 4)).cross(t((3, 4)), dim=1), ValueError,
     r"cross: dim 1 must have size 3.*\(3, 4\)"),
    ("cross_dtype", lambda: t((3,)).cross(t((3,), F64)), TypeError,
     r"cross: .*same dtype.*float32.*float64"),
    ("cross_nodim", lambda: t((2, 4)).cross(t((2, 4))), ValueError,
     r"cross: no dim of size 3.*\(2, 4\)"),
    ("kron", lambda: t((2,)).kron([1.0]), TypeError, r"kron: other must be a tensor"),
    ("count_nonzero", lambda: t((2, 3)).count_nonzero((0, 0)), ValueError,
     r"count_nonzero: dim \(0, 0\) repeats"),
    ("diagonal", lambda: t((2, 3)).diagonal(0, 1, -1), ValueError,
     r"diagonal: needs two different dims.*\(2, 3\).*float32"),
    ("diagonal_1d", lambda: t((3,)).diagonal(), IndexError, r"diagonal: dim 1 is out of range"),
    ("tensordot", lambda: autograd.tensordot(t((2, 3)), t((2, 3)), 1), ValueError,
     r"tensordot: contracted dims \[1\] of a and \[0\] of b differ.*\(2, 3\)"),
    ("tensordot_dims", lambda: autograd.tensordot(t((2, 3)), t((3, 2)), 3), ValueError,
     r"tensordot: dims=3 must lie in \[0, 2\]"),
    ("tensordot_dtype", lambda: autograd.tensordot(t((2, 3)), t((3,), F64), 1), TypeError,
     r"tensordot: .*one dtype.*float32.*float64"),
    ("cdist", lambda: autograd.cdist(t((3, 4)), t((2, 5))), ValueError,
     r"cdist: .*same number of columns.*\(3, 4\).*\(2, 5\)"),
    ("cdist_int", lambda: autograd.cdist(t((3, 4), np.int64), t((2, 4), np.int64)), TypeError,
     r"cdist: needs floating-point.*int64"),
    ("cdist_p", lambda: autograd.cdist(t((3, 4)), t((2, 4)), p=-1), ValueError,
     r"cdist: p must be a non-negative number"),
    ("cdist_batch", lambda: autograd.cdist(t((2, 3, 4)), t((3, 2, 4))), ValueError,
     r"cdist: batch dims .*\(2, 3, 4\).*\(3, 2, 4\)"),
    ("broadcast_tensors", lambda: autograd.broadcast_tensors(t((2, 1)), t((2, 3)), t((4,))),
     ValueError, r"broadcast_tensors: shapes cannot be broadcast.*\(2, 3\).*\(4,\)"),
]


@pytest.mark.parametrize("name, call, error, message", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_name_the_op_shapes_and_dtypes(name, call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_review_corner_cases():
    """An empty dim list counts everything; diff(0) returns a copy; cummax(None) names the op."""
    torch = pytest.importorskip("torch")
    x = np.array([[0.0, 1.0], [2.0, 3.0]])
    got, want = autograd.tensor(x).count_nonzero(()), torch.tensor(x).count_nonzero(())
    assert got.shape == want.shape and got.item() == want.item()
    t = autograd.tensor(np.zeros(3))
    d = t.diff(0)
    d.add_(1)
    assert not t.numpy().any()
    with pytest.raises(TypeError, match="cummax: dim must be an int"):
        t.cummax(None)


def test_cdist_inf_ties_and_addmm_alpha_zero_as_torch():
    """cdist(p=inf) gives every tied coordinate the full gradient; alpha=0 ignores the
    product's NaNs (its gradient is 0), as torch."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    for _ in range(30):
        a = rng.integers(-2, 3, (3, 4)).astype(float)
        b = rng.integers(-2, 3, (2, 4)).astype(float)
        w = rng.standard_normal((3, 2))
        ours, ref = autograd.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y = autograd.cdist(ours, autograd.tensor(b), p=float("inf"))
        ty = torch.cdist(ref, torch.tensor(b), p=float("inf"))
        np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
        (y * autograd.tensor(w)).sum().backward()
        (ty * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(ours.grad.numpy(), ref.grad.numpy(), rtol=1e-12)
    m = np.array([[np.nan, 1.0], [1.0, 1.0]])
    mt = autograd.tensor(m, requires_grad=True)
    y = autograd.addmm(autograd.tensor(np.ones((2, 2))), mt, autograd.tensor(np.ones((2, 2))),
                       alpha=0)
    y.sum().backward()
    np.testing.assert_array_equal(y.numpy(), np.ones((2, 2)))
    np.testing.assert_array_equal(mt.grad.numpy(), np.zeros((2, 2)))


def test_baddbmm_alpha_zero_keeps_nans_as_torch():
    torch = pytest.importorskip("torch")
    b = np.array([[[np.nan, 1.0], [1.0, 1.0]]])
    got = autograd.baddbmm(autograd.tensor(np.ones((1, 2, 2))), autograd.tensor(b),
                           autograd.tensor(np.ones((1, 2, 2))), alpha=0)
    want = torch.baddbmm(torch.ones(1, 2, 2, dtype=torch.float64), torch.tensor(b),
                         torch.ones(1, 2, 2, dtype=torch.float64), alpha=0)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
