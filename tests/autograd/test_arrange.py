"""tensor_arrange.py's and functional_arrange.py's ops against torch in float64 (values,
shapes, dtypes, the gradients of a random cotangent at rtol 1e-10) and finite differences;
integer and bool inputs; the memory-layout queries; the in-place variants (recorded, refused,
seen through aliases); the random draws (shapes, dtypes, statistics, zero gradients, the
engine's generator); the errors."""
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import autograd
from tests.helpers import check_against_torch, check_float32, check_op

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(29)


def r(*shape):
    return RNG.standard_normal(shape)


def idx(*values):
    return np.array(values, np.int64)


def both(fn):
    """fn(lib, *xs) as the pair (ours, theirs): lib is autograd, then torch."""
    return (lambda *xs: fn(autograd, *xs)), (lambda *xs: fn(torch, *xs))


def same(ours, theirs):
    """A result (or tuple of results) equals torch's exactly in shape, dtype and value."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            same(o, t)
        return
    t = theirs.detach().numpy()
    assert ours.dtype == t.dtype, f"dtype {ours.dtype} != torch's {t.dtype}"
    assert ours.shape == t.shape, f"shape {ours.shape} != torch's {t.shape}"
    np.testing.assert_array_equal(ours.data, t)


MASK = RNG.random((3, 4)) > 0.5
TIES = np.array([[1.0, 3.0, 3.0, -2.0], [3.0, -2.0, 0.0, 1.0], [-2.0, 0.5, 3.0, 0.0]])

# (name, fn(lib, *inputs), input shapes): every op is differentiable in its float inputs
CASES = [
    ("rot90", lambda L, a: a.rot90(), [(2, 3)]),
    ("rot90_k2", lambda L, a: L.rot90(a, 2), [(2, 3)]),
    ("rot90_k3_dims", lambda L, a: a.rot90(3, [2, 0]), [(2, 3, 4)]),
    ("rot90_negative", lambda L, a: L.rot90(a, -5, (-1, 1)), [(2, 3, 4)]),
    ("rot90_k0", lambda L, a: a.rot90(0), [(2, 3)]),
    ("tensor_split_sections", lambda L, a: a.tensor_split(3), [(7, 2)]),
    ("tensor_split_more_sections", lambda L, a: L.tensor_split(a, 4, dim=-1), [(2, 3)]),
    ("tensor_split_indices", lambda L, a: a.tensor_split([1, -1, 9], 1), [(2, 7)]),
    ("tensor_split_decreasing", lambda L, a: L.tensor_split(a, (5, 2)), [(7,)]),
    ("tensor_split_tensor_0d", lambda L, a: a.tensor_split(L.tensor(3), 0), [(7,)]),
    ("tensor_split_tensor_1d", lambda L, a: a.tensor_split(L.tensor(idx(2, 3))), [(7, 2)]),
    ("hsplit", lambda L, a: a.hsplit(2), [(3, 4)]),
    ("hsplit_1d", lambda L, a: L.hsplit(a, [1, 4]), [(6,)]),
    ("vsplit", lambda L, a: L.vsplit(a, 3), [(3, 2)]),
    ("dsplit", lambda L, a: a.dsplit([1]), [(2, 1, 3)]),
    ("unfold", lambda L, a: a.unfold(1, 2, 1), [(2, 4)]),
    ("unfold_step", lambda L, a: a.unfold(0, 3, 2), [(7, 2)]),
    ("unfold_gap", lambda L, a: a.unfold(-1, 2, 3), [(2, 3, 8)]),
    ("unfold_middle", lambda L, a: a.unfold(1, 3, 1), [(2, 4, 3)]),
    ("unfold_0d", lambda L, a: a.unfold(0, 1, 1), [()]),
    ("reshape_as", lambda L, a, b: a.reshape_as(b), [(2, 6), (3, 4)]),
    ("aminmax", lambda L, a: tuple(a.aminmax()), [(3, 4)]),
    ("aminmax_dim", lambda L, a: tuple(L.aminmax(a, dim=1)), [(3, 4)]),
    ("aminmax_keepdim", lambda L, a: tuple(a.aminmax(dim=-1, keepdim=True)), [(2, 3, 4)]),
    ("aminmax_all_keepdim", lambda L, a: tuple(a.aminmax(keepdim=True)), [(2, 3)]),
    ("aminmax_0d", lambda L, a: tuple(a.aminmax(dim=0)), [()]),
    ("put", lambda L, a, s: a.put(L.tensor(idx(0, -1, 3)), s), [(2, 3), (3,)]),
    ("put_accumulate", lambda L, a, s: L.put(a, L.tensor(idx([1, 1], [4, 1])), s, True),
     [(2, 3), (2, 2)]),
    ("hstack", lambda L, a, b: L.hstack([a, b]), [(3,), (2,)]),
    ("hstack_2d", lambda L, a, b: L.hstack((a, b)), [(3, 2), (3, 1)]),
    ("hstack_0d", lambda L, a, b: L.hstack([a, b]), [(), (2,)]),
    ("vstack", lambda L, a, b: L.vstack([a, b]), [(2, 3), (3,)]),
    ("row_stack", lambda L, a, b: L.row_stack([a, b]), [(3,), (3,)]),
    ("dstack", lambda L, a, b: L.dstack([a, b]), [(3,), (1, 3)]),
    ("dstack_3d", lambda L, a, b: L.dstack([a, b]), [(2, 3, 1), (2, 3, 2)]),
    ("column_stack", lambda L, a, b, c: L.column_stack([a, b, c]), [(3,), (3, 2), (3,)]),
    ("column_stack_0d", lambda L, a, b: L.column_stack([a, b]), [(), ()]),
    ("atleast_1d", lambda L, a: L.atleast_1d(a), [()]),
    ("atleast_2d", lambda L, a, b: L.atleast_2d(a, b), [(3,), ()]),
    ("atleast_3d", lambda L, a, b, c: L.atleast_3d([a, b, c]), [(3,), (2, 3), ()]),
    ("atleast_3d_4d", lambda L, a: L.atleast_3d(a), [(1, 2, 1, 2)]),
    ("block_diag", lambda L, a, b, c: L.block_diag(a, b, c), [(2, 3), (2,), ()]),
    ("block_diag_one", lambda L, a: L.block_diag(a), [(3, 2)]),
    ("block_diag_empty_block", lambda L, a, b: L.block_diag(a, b), [(2, 0), (3,)]),
    ("cartesian_prod", lambda L, a, b: L.cartesian_prod(a, b), [(3,), (2,)]),
    ("cartesian_prod_3", lambda L, a, b, c: L.cartesian_prod(a, b, c), [(2,), (3,), (2,)]),
    ("cartesian_prod_1", lambda L, a: L.cartesian_prod(a), [(4,)]),
    ("combinations", lambda L, a: L.combinations(a), [(4,)]),
    ("combinations_3", lambda L, a: L.combinations(a, r=3), [(5,)]),
    ("combinations_replacement", lambda L, a: L.combinations(a, 2, True), [(3,)]),
    ("combinations_too_long", lambda L, a: L.combinations(a, 4), [(3,)]),
    ("combinations_0", lambda L, a: L.combinations(a, 0), [(3,)]),
    ("vander_N0", lambda L, a: L.vander(a, 0), [(3,)]),
    # in place on an op's output: recorded, the gradient reaches the old values and source
    ("index_fill_", lambda L, a: (a * 1).index_fill_(1, L.tensor(idx(0, -1)), -1.5), [(3, 4)]),
    ("index_fill__tensor_value", lambda L, a, v: (a * 1).index_fill_(0, L.tensor(idx(1)), v),
     [(3, 4), ()]),
    ("index_copy_", lambda L, a, s: (a * 1).index_copy_(0, L.tensor(idx(2, 0)), s),
     [(3, 4), (2, 4)]),
    ("masked_scatter_", lambda L, a, s: (a * 1).masked_scatter_(L.tensor(MASK[1]), s),
     [(3, 4), (7,)]),
    ("put_", lambda L, a, s: (a * 1).put_(L.tensor(idx([3], [-2])), s), [(2, 3), (2, 1)]),
    ("put__accumulate", lambda L, a, s: (a * 1).put_(L.tensor(idx(0, 0, 5)), s, True),
     [(2, 3), (3,)]),
    ("fill_diagonal_", lambda L, a: (a * 1).fill_diagonal_(2.5), [(3, 4)]),
    ("fill_diagonal__wrap", lambda L, a: (a * 1).fill_diagonal_(-1, wrap=True), [(7, 2)]),
    ("fill_diagonal__cube", lambda L, a: (a * 1).fill_diagonal_(0.0), [(3, 3, 3)]),
]


@pytest.mark.parametrize("name, fn, shapes", CASES, ids=[c[0] for c in CASES])
def test_matches_torch_and_finite_differences(name, fn, shapes):
    ours, theirs = both(fn)
    check_op(ours, theirs, *[r(*s) for s in shapes])


@pytest.mark.parametrize("name, fn, shapes", [c for c in CASES if c[0] in (
    "rot90_k3_dims", "tensor_split_indices", "unfold_gap", "aminmax_dim", "put", "hstack_2d",
    "block_diag", "cartesian_prod", "combinations", "index_copy_", "put_")])
def test_float32_stays_float32(name, fn, shapes):
    check_float32(both(fn)[0], *[r(*s) for s in shapes])


@pytest.mark.parametrize("n, N, increasing", [(4, None, False), (3, 5, False), (4, 3, True),
                                              (3, 1, False)])
def test_vander_matches_torch_and_powers(n, N, increasing):
    """torch's own vander cannot back-propagate (its backward trips over an in-place
    cumprod), so the gradient is checked against torch's powers x ** k, and by gradcheck."""
    x = r(n)
    x[0] = 0.0   # repeated products are exact at 0
    same(autograd.vander(autograd.tensor(x), N, increasing),
         torch.vander(torch.tensor(x), N, increasing))
    k = list(range(N or n))

    def powers(a):
        cols = torch.stack([a ** j for j in k], 1)
        return cols if increasing else cols.flip(1)
    check_op(lambda a: autograd.vander(a, N, increasing), powers, x)
    check_float32(lambda a: autograd.vander(a, N, increasing), x)


def test_put_with_repeated_indices_matches_torch():
    """Without accumulate the last write wins, and every source slot still gets the gradient
    at its position, as torch's put_ (take of the gradient)."""
    for acc in (False, True):
        check_against_torch(lambda a, s: a.put(autograd.tensor(idx(1, -5, 4, 1)), s, acc),
                            lambda a, s: a.put(torch.tensor(idx(1, -5, 4, 1)), s, acc),
                            r(2, 3), r(4))


def test_aminmax_shares_the_gradient_among_ties_as_torch():
    for fn in (lambda a: tuple(a.aminmax()), lambda a: tuple(a.aminmax(dim=0)),
               lambda a: tuple(a.aminmax(dim=1, keepdim=True))):
        check_against_torch(fn, fn, TIES)


@settings(deadline=None, max_examples=40)
@given(n=st.integers(0, 9), cuts=st.one_of(st.integers(1, 6), st.lists(st.integers(-12, 12),
                                                                        max_size=4)))
def test_tensor_split_any_sections_or_indices(n, cuts):
    x = r(2, n)
    same(autograd.tensor(x).tensor_split(cuts, 1), torch.tensor(x).tensor_split(cuts, 1))


@settings(deadline=None, max_examples=40)
@given(n=st.integers(0, 8), size=st.integers(0, 8), step=st.integers(1, 4),
       dim=st.sampled_from([0, 1, -1]))
def test_unfold_any_window(n, size, step, dim):
    shape = [3, 3]
    shape[dim] = n
    x = r(*shape)
    if size > n:
        with pytest.raises(ValueError, match="unfold: size"):
            autograd.tensor(x).unfold(dim, size, step)
        return
    check_against_torch(lambda a: a.unfold(dim, size, step), lambda a: a.unfold(dim, size, step),
                        x)


# ----------------------------------------------------------------- dtypes
INTS = np.array([[3, -1, 0, 7], [2, 5, -5, 0], [0, 1, 4, -2]], np.int32)
DTYPE_CASES = [
    ("rot90_int", lambda L, a: a.rot90(1, (1, 0))),
    ("tensor_split_bool", lambda L, a: (a > 0).tensor_split(3, 1)),
    ("unfold_int", lambda L, a: a.unfold(1, 2, 2)),
    ("aminmax_int", lambda L, a: tuple(a.aminmax(dim=0))),
    ("aminmax_bool", lambda L, a: tuple((a > 0).aminmax())),
    ("put_int", lambda L, a: a.put(L.tensor(idx(1, 2)), a[0, :2] * 10)),
    ("put_bool_accumulate", lambda L, a: (a > 0).put(L.tensor(idx(0, 0)), L.tensor([True, False]),
                                                     accumulate=True)),
    ("hstack_promotes", lambda L, a: L.hstack([a, a.float(), a > 0])),
    ("vstack_int_bool", lambda L, a: L.vstack([a[0], a > 0])),
    ("column_stack_int64_int32", lambda L, a: L.column_stack([a.long(), a])),
    ("dstack_bool", lambda L, a: L.dstack([a > 0, a < 0])),
    ("block_diag_promotes", lambda L, a: L.block_diag(a.long(), L.tensor([True]), a.float())),
    ("cartesian_prod_int", lambda L, a: L.cartesian_prod(a[0], a[1])),
    ("combinations_bool", lambda L, a: L.combinations(a[0] > 0, 2, True)),
    ("vander_int32", lambda L, a: L.vander(a[1], 4)),
    ("vander_bool", lambda L, a: L.vander(a[0] > 0)),
    ("vander_float32", lambda L, a: L.vander(a[2].float(), 3, True)),
    ("index_fill__int", lambda L, a: a.clone().index_fill_(0, L.tensor(idx(1)), 2.7)),
    ("index_copy__int", lambda L, a: a.clone().index_copy_(1, L.tensor(idx(3)), a[:, :1])),
    ("masked_scatter__bool", lambda L, a: (a > 0).masked_scatter_(L.tensor(MASK), a < 0)),
    ("put__int", lambda L, a: a.clone().put_(L.tensor(idx(-1)), a[1, 1:2])),
    ("fill_diagonal__int", lambda L, a: a.clone().fill_diagonal_(1.7)),
    ("fill_diagonal__bool", lambda L, a: (a > 0).fill_diagonal_(True)),
]


@pytest.mark.parametrize("name, fn", DTYPE_CASES, ids=[c[0] for c in DTYPE_CASES])
def test_dtypes_and_values_match_torch(name, fn):
    same(fn(autograd, autograd.tensor(INTS)), fn(torch, torch.tensor(INTS)))


@pytest.mark.parametrize("row, col, offset", [(3, 4, 0), (3, 4, 1), (4, 3, -2), (3, 3, 100),
                                              (3, 4, -5), (0, 3, 0), (1, 1, 0)])
def test_tril_and_triu_indices_match_torch(row, col, offset):
    for name in ("tril_indices", "triu_indices"):
        same(getattr(autograd, name)(row, col, offset), getattr(torch, name)(row, col, offset))
    same(autograd.triu_indices(row, col, offset, dtype=autograd.int32),
         torch.triu_indices(row, col, offset, dtype=torch.int32))


def test_unravel_index_matches_torch_even_out_of_range():
    # torch takes every coordinate modulo its dim: 6 -> (0, 0) and -7 -> (2, 1), no error
    flat = idx(4, 1, 0, 5, 6, -1, -7, 23)
    for shape in [(3, 2), (2, 3, 4), (6,), 6]:
        same(autograd.unravel_index(autograd.tensor(flat), shape),
             torch.unravel_index(torch.tensor(flat), shape))
    same(autograd.unravel_index(autograd.tensor(np.int32(4)), (3, 2)),
         torch.unravel_index(torch.tensor(np.int32(4)), (3, 2)))
    assert autograd.unravel_index(autograd.tensor(idx(1)), ()) == ()


def test_block_diag_of_nothing_or_empty_blocks_matches_torch():
    same(autograd.block_diag(), torch.block_diag())   # (1, 0) float32
    same(autograd.block_diag(autograd.zeros(0)), torch.block_diag(torch.zeros(0)))
    same(autograd.block_diag(autograd.zeros(0, 2, dtype=autograd.int64), autograd.tensor(INTS)),
         torch.block_diag(torch.zeros(0, 2, dtype=torch.int64), torch.tensor(INTS)))


def test_empty_like_follows_input():
    x = autograd.tensor(INTS)
    for kwargs, tkwargs in [({}, {}), ({"dtype": autograd.float64}, {"dtype": torch.float64})]:
        got, want = autograd.empty_like(x, **kwargs), torch.empty_like(torch.tensor(INTS),
                                                                       **tkwargs)
        assert got.shape == tuple(want.shape) and got.dtype == want.numpy().dtype
    y = autograd.empty_like(x.float(), requires_grad=True)
    assert y.requires_grad and y.is_leaf


def test_names_are_exposed_as_in_torch():
    methods = ["rot90", "tensor_split", "hsplit", "vsplit", "dsplit", "unfold", "reshape_as",
               "aminmax", "stride", "storage_offset", "is_contiguous", "nbytes", "itemsize",
               "element_size", "index_fill_", "index_copy_", "index_add_", "masked_scatter_",
               "fill_diagonal_", "put_", "put", "bernoulli", "bernoulli_"]
    functions = ["hstack", "vstack", "row_stack", "dstack", "column_stack", "atleast_1d",
                 "atleast_2d", "atleast_3d", "tensor_split", "hsplit", "vsplit", "dsplit",
                 "rot90", "block_diag", "cartesian_prod", "combinations", "vander",
                 "tril_indices", "triu_indices", "empty_like", "normal", "bernoulli",
                 "poisson", "aminmax", "unravel_index", "put"]
    assert [m for m in methods if not hasattr(autograd.Tensor, m)] == []
    assert [f for f in functions if not callable(getattr(autograd, f, None))] == []
    assert all(hasattr(torch.Tensor, m) for m in methods)
    assert all(callable(getattr(torch, f)) for f in functions)
    got = autograd.tensor(TIES).aminmax()
    assert got.min.item() == -2.0 and got.max.item() == 3.0 and tuple(got) == (got.min, got.max)


# ----------------------------------------------------------------- memory layout
LAYOUTS = [
    ("contiguous", lambda x: x),
    ("transposed", lambda x: x.t()),
    ("row", lambda x: x[1]),
    ("column", lambda x: x[:, 1]),
    ("strided", lambda x: x[1:, ::2]),
    ("expanded", lambda x: x.expand(2, 3, 4)),
    ("permuted", lambda x: x.unsqueeze(0).permute(2, 0, 1)),
    ("scalar", lambda x: x[1, 2]),
]


@pytest.mark.parametrize("name, view", LAYOUTS, ids=[c[0] for c in LAYOUTS])
def test_layout_queries_match_torch_for_views(name, view):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    ours, theirs = view(autograd.tensor(a)), view(torch.tensor(a))
    assert ours.stride() == theirs.stride()
    assert [ours.stride(d) for d in range(ours.ndim)] == list(theirs.stride())
    assert ours.storage_offset() == theirs.storage_offset()
    assert ours.is_contiguous() == theirs.is_contiguous()
    assert (ours.nbytes, ours.itemsize, ours.element_size()) == \
        (theirs.nbytes, theirs.itemsize, theirs.element_size())


def test_layout_of_int64_and_the_engine_copies():
    x = autograd.tensor(INTS.astype(np.int64))
    assert (x.nbytes, x.itemsize, x.stride()) == (96, 8, (4, 1))
    assert x.t().contiguous().stride() == (3, 1) and x.t().contiguous().is_contiguous()
    # unfold is a view, as torch's: its strides, and writes reach x
    w = x.unfold(1, 2, 1)
    assert w.stride() == torch.tensor(INTS.astype(np.int64)).unfold(1, 2, 1).stride()
    w[0, 1, 1] = 100
    assert x.data[0, 2] == 100 and w.data[0, 2, 0] == 100


# ----------------------------------------------------------------- in place
INPLACE = [
    ("index_fill_", lambda t: t.index_fill_(0, autograd.tensor(idx(1)), 5.0)),
    ("index_copy_", lambda t: t.index_copy_(1, autograd.tensor(idx(0)), autograd.ones(3, 1))),
    ("masked_scatter_", lambda t: t.masked_scatter_(autograd.tensor(MASK), autograd.ones(12))),
    ("put_", lambda t: t.put_(autograd.tensor(idx(0, 11)), autograd.ones(2))),
    ("fill_diagonal_", lambda t: t.fill_diagonal_(5.0)),
    ("bernoulli_", lambda t: t.bernoulli_(1.0)),
]


@pytest.mark.parametrize("name, op", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_writes_the_array_and_bumps_the_version(name, op):
    t = autograd.zeros(3, 4)
    alias = t.detach()
    version = t._version
    assert op(t) is t
    assert t._version > version and alias.data.any()   # the alias sees the write
    w = autograd.zeros(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match=f"{name}: a leaf tensor that requires grad"):
        op(w)
    with autograd.no_grad():
        op(w)
    assert w.data.any() and w.is_leaf


def test_inplace_after_a_saving_op_makes_backward_raise():
    a = autograd.tensor(r(3, 4), requires_grad=True)
    h = a * 1
    y = (h ** 2).sum()   # pow saves h
    h.index_fill_(0, autograd.tensor(idx(0)), 0.0)
    with pytest.raises(RuntimeError):
        y.backward()


def test_inplace_through_a_row_view_writes_the_base_as_torch():
    a = r(3, 4)
    check_against_torch(lambda x: _fill_row(x, autograd), lambda x: _fill_row(x, torch), a)


def _fill_row(x, lib):
    h = x * 2
    h[1].index_fill_(0, lib.tensor(idx(0, 2)), 7.0)
    return h


def test_bernoulli_inplace_on_an_op_output_gives_no_gradient_to_the_old_values():
    a = autograd.tensor(r(2, 3), requires_grad=True)
    h = a * 3
    h[0].bernoulli_(0.0)
    h.sum().backward()
    np.testing.assert_array_equal(a.grad.data, [[0, 0, 0], [3, 3, 3]])


# ----------------------------------------------------------------- random
def test_normal_overloads_shapes_dtypes_and_statistics():
    autograd.manual_seed(0)
    mean = autograd.tensor(np.array([-3.0, 0.0, 5.0]))
    std = autograd.tensor(np.array([[0.5], [2.0]]), dtype=autograd.float32)
    cases = [(autograd.normal(mean, std), (2, 3), np.float64),   # broadcast, mean's dtype
             (autograd.normal(std, mean.abs()), (2, 3), np.float32),
             (autograd.normal(mean), (3,), np.float64),
             (autograd.normal(1.0, std), (2, 1), np.float32),
             (autograd.normal(0.0, 1.0, (2, 4)), (2, 4), np.float32),
             (autograd.normal(0, 1, size=(3,), dtype=autograd.float64), (3,), np.float64)]
    for got, shape, dtype in cases:
        assert got.shape == shape and got.dtype == dtype
    big = autograd.normal(autograd.full((20000,), 2.0, dtype=autograd.float64), 3.0)
    assert abs(big.data.mean() - 2.0) < 0.1 and abs(big.data.std() - 3.0) < 0.1
    per = autograd.normal(mean.expand(20000, 3), 0.5).data
    np.testing.assert_allclose(per.mean(0), [-3, 0, 5], atol=0.03)
    assert autograd.normal(0.0, 0.0, (4,)).data.tolist() == [0.0] * 4


def test_random_draws_use_the_engine_generator():
    draws = [lambda: autograd.normal(autograd.zeros(5), 1.0),
             lambda: autograd.normal(0.0, 1.0, (5,)),
             lambda: autograd.bernoulli(autograd.full((50,), 0.5)),
             lambda: autograd.poisson(autograd.full((5,), 3.0)),
             lambda: autograd.zeros(50).bernoulli_(0.5)]
    for draw in draws:
        autograd.manual_seed(7)
        first = draw().data
        autograd.manual_seed(7)
        np.testing.assert_array_equal(draw().data, first)
        assert not np.array_equal(draw().data, first)   # the generator moved on
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    for name in ("bernoulli", "poisson"):
        x = autograd.full((40,), 0.5)
        np.testing.assert_array_equal(getattr(autograd, name)(x, generator=g1).data,
                                      getattr(autograd, name)(x, generator=g2).data)


def test_bernoulli_and_poisson_statistics_and_dtypes():
    autograd.manual_seed(1)
    p = autograd.tensor(np.array([0.0, 0.2, 0.9, 1.0]), dtype=autograd.float64)
    draws = autograd.bernoulli(p.expand(20000, 4))
    assert draws.dtype == np.float64 and set(np.unique(draws.data)) <= {0.0, 1.0}
    np.testing.assert_allclose(draws.data.mean(0), [0, 0.2, 0.9, 1], atol=0.02)
    assert draws.data[:, 0].max() == 0 and draws.data[:, 3].min() == 1
    drawn = p.bernoulli(0.3)   # p given: p's shape and dtype, not recorded
    assert drawn.shape == (4,) and drawn.dtype == np.float64 and not drawn.requires_grad
    assert p.bernoulli(p=0.0).data.tolist() == [0.0] * 4
    assert abs(autograd.full((20000,), 1.0).bernoulli(p=0.25).data.mean() - 0.25) < 0.02
    for dtype in (autograd.int64, autograd.bool_, autograd.float32):
        t = autograd.zeros(20000, dtype=dtype).bernoulli_(0.75)
        assert t.dtype == dtype and abs(t.data.astype(float).mean() - 0.75) < 0.02
    rows = autograd.zeros(3000, 3).bernoulli_(autograd.tensor([0.0, 0.5, 1.0]))
    np.testing.assert_allclose(rows.data.mean(0), [0, 0.5, 1], atol=0.04)
    rates = autograd.tensor(np.array([0.0, 1.0, 7.5]), dtype=autograd.float32)
    counts = autograd.poisson(rates.expand(20000, 3))
    assert counts.dtype == np.float32 and np.all(counts.data == np.round(counts.data))
    np.testing.assert_allclose(counts.data.mean(0), [0, 1, 7.5], rtol=0.03, atol=0.01)
    np.testing.assert_allclose(counts.data.var(0), [0, 1, 7.5], rtol=0.06, atol=0.01)


@pytest.mark.parametrize("draw", [
    lambda p: autograd.normal(p, 1.0), lambda p: autograd.normal(p, p.abs()),
    lambda p: autograd.normal(0.0, p.abs()), lambda p: autograd.bernoulli(p.sigmoid()),
    lambda p: p.sigmoid().bernoulli(), lambda p: autograd.poisson(p.abs())])
def test_draws_from_parameters_that_require_grad_have_zero_gradient_as_torch(draw):
    p = autograd.tensor(r(2, 3), requires_grad=True)
    y = draw(p)
    assert y.requires_grad
    (y * 3.0).sum().backward()
    np.testing.assert_array_equal(p.grad.data, np.zeros((2, 3)))
    assert not autograd.normal(0.0, 1.0, (2,)).requires_grad
    assert autograd.normal(0.0, 1.0, (2,), requires_grad=True).requires_grad


# ----------------------------------------------------------------- errors
F32, F64, I64 = np.float32, np.float64, np.int64


def t(shape, dtype=F32):
    return autograd.tensor(np.ones(shape, dtype))


ERRORS = [
    ("rot90_dims", lambda: t((2, 3)).rot90(1, [0]), ValueError, r"rot90: .*two rotation dims"),
    ("rot90_1d", lambda: t((3,)).rot90(), ValueError, r"rot90: .*at least 2 dims.*\(3,\)"),
    ("rot90_same", lambda: t((2, 3)).rot90(1, (0, -2)), ValueError,
     r"rot90: .*must differ.*\(0, -2\).*\(2, 3\).*float32"),
    ("rot90_range", lambda: t((2, 3)).rot90(1, (0, 2)), IndexError, r"rot90: dim 2 is out"),
    ("rot90_k", lambda: t((2, 3)).rot90(1.5), TypeError, r"rot90: k must be an int"),
    ("tensor_split_0d", lambda: t(()).tensor_split(2), RuntimeError,
     r"tensor_split: .*at least 1 dim.*\(\)"),
    ("tensor_split_zero", lambda: t((3,)).tensor_split(0), ValueError,
     r"tensor_split: the number of sections must be positive, got 0"),
    ("tensor_split_int32", lambda: t((3,)).tensor_split(t((2,), np.int32)), TypeError,
     r"tensor_split: .*int64.*\(2,\) and dtype torch.int32"),
    ("tensor_split_2d", lambda: t((3,)).tensor_split(t((1, 2), I64)), ValueError,
     r"tensor_split: .*0-d or 1-d.*\(1, 2\)"),
    ("tensor_split_float", lambda: t((3,)).tensor_split([1.0]), TypeError,
     r"tensor_split: indices_or_sections must be"),
    ("hsplit_uneven", lambda: t((2, 3)).hsplit(2), ValueError,
     r"hsplit: cannot split dim 1 of size 3 into 2 equal parts.*\(2, 3\)"),
    ("hsplit_0d", lambda: t(()).hsplit(1), RuntimeError, r"hsplit: .*at least 1 dim,"),
    ("vsplit_1d", lambda: t((4,)).vsplit(2), RuntimeError, r"vsplit: .*at least 2 dims.*\(4,\)"),
    ("dsplit_2d", lambda: t((2, 2)).dsplit(1), RuntimeError, r"dsplit: .*at least 3 dims"),
    ("hsplit_tensor", lambda: t((2, 2)).hsplit(t((1,), I64)), TypeError, r"hsplit: indices"),
    ("unfold_size", lambda: t((2, 3)).unfold(1, 4, 1), ValueError,
     r"unfold: size 4 exceeds the size 3 of dim 1.*\(2, 3\)"),
    ("unfold_negative", lambda: t((2, 3)).unfold(1, -1, 1), ValueError, r"unfold: size must"),
    ("unfold_step", lambda: t((2, 3)).unfold(1, 2, 0), ValueError, r"unfold: step must be pos"),
    ("unfold_dim", lambda: t((2, 3)).unfold(2, 1, 1), IndexError, r"unfold: dim 2 is out"),
    ("reshape_as", lambda: t((2, 3)).reshape_as(t((4,))), ValueError, r"reshape: .*\(4,\)"),
    ("reshape_as_type", lambda: t((2, 3)).reshape_as((3, 2)), TypeError,
     r"reshape_as: other must be a tensor"),
    ("aminmax_empty", lambda: t((0, 2)).aminmax(), RuntimeError,
     r"aminmax: cannot reduce an empty tensor.*\(0, 2\)"),
    ("aminmax_empty_dim", lambda: t((2, 0)).aminmax(dim=1), IndexError,
     r"aminmax: dim 1 to reduce has size 0.*\(2, 0\)"),
    ("stride", lambda: t((2, 3)).stride(2), IndexError, r"stride: dim 2 is out of range"),
    ("stride_0d", lambda: t(()).stride(0), IndexError, r"stride: dim 0 .*0-d"),
    ("put_index", lambda: t((2, 3)).put(t((2,), np.int32), t((2,))), TypeError,
     r"put: index must have dtype int64.*\(2, 3\).*float32.*int32"),
    ("put_dtype", lambda: t((2, 3)).put_(t((2,), I64), t((2,), F64)), TypeError,
     r"put: .*same dtype.*float32.*float64"),
    ("put_count", lambda: t((2, 3)).put(t((2,), I64), t((3,))), ValueError,
     r"put: .*same number of elements.*source of shape \(3,\).*index of shape \(2,\)"),
    ("put_range", lambda: t((2, 3)).put_(autograd.tensor(idx(0, 6)), t((2,))), IndexError,
     r"put: index 6 is out of range for a tensor of 6 elements"),
    ("put_range_negative", lambda: t((2, 3)).put(autograd.tensor(idx(-7)), t((1,))),
     IndexError, r"put: index -7 is out of range"),
    ("index_fill_", lambda: t((2, 3)).index_fill_(1, autograd.tensor(idx(3)), 1.0), IndexError,
     r"index_fill: index 3 is out of bounds for dim 1"),
    ("index_copy_", lambda: t((2, 3)).index_copy_(0, autograd.tensor(idx(0)), t((1, 3), F64)),
     TypeError, r"index_copy: .*same dtype"),
    ("masked_scatter_", lambda: t((3,)).masked_scatter_(t((2, 3), bool), t((6,))), ValueError,
     r"masked_scatter_: a mask of shape \(2, 3\) does not broadcast to .* \(3,\)"),
    ("masked_scatter__short", lambda: t((2, 3)).masked_scatter_(t((2, 3), bool), t((5,))),
     ValueError, r"masked_scatter: source has 5 elements, fewer than the 6"),
    ("fill_diagonal_1d", lambda: t((3,)).fill_diagonal_(1), ValueError,
     r"fill_diagonal_: .*at least 2 dims.*\(3,\)"),
    ("fill_diagonal_unequal", lambda: t((2, 3, 2)).fill_diagonal_(1), ValueError,
     r"fill_diagonal_: all dims must have the same size.*\(2, 3, 2\)"),
    ("fill_diagonal_value", lambda: t((2, 2)).fill_diagonal_(t((2,))), TypeError,
     r"fill_diagonal_: fill_value must be a number"),
    ("hstack_empty", lambda: autograd.hstack([]), ValueError, r"hstack: .*non-empty"),
    ("hstack_tensor", lambda: autograd.hstack(t((2,))), TypeError,
     r"hstack: expects a list or tuple of tensors, got Tensor"),
    ("hstack_ndim", lambda: autograd.hstack([t((2, 3)), t((3,))]), ValueError,
     r"hstack: .*every dim but 1.*tensor 0 of shape \(2, 3\).*tensor 1 of shape \(3,\)"),
    ("vstack_shape", lambda: autograd.vstack([t((2, 3)), t((2,), I64)]), ValueError,
     r"vstack: .*every dim but 0.*\(2, 3\) and dtype torch.float32.*\(1, 2\) and dtype torch.int64"),
    ("column_stack", lambda: autograd.column_stack([t((3,)), t((2,))]), ValueError,
     r"column_stack: .*\(3, 1\).*\(2, 1\)"),
    ("dstack_element", lambda: autograd.dstack([t((2,)), [1.0]]), TypeError,
     r"dstack: element 1 must be a tensor"),
    ("atleast_1d", lambda: autograd.atleast_1d(1.0), TypeError,
     r"atleast_1d: element 0 must be a tensor"),
    ("block_diag", lambda: autograd.block_diag(t((2,)), t((2, 2, 2))), ValueError,
     r"block_diag: .*at most 2 dims.*input 1 of shape \(2, 2, 2\)"),
    ("cartesian_prod_2d", lambda: autograd.cartesian_prod(t((2,)), t((2, 2))), ValueError,
     r"cartesian_prod: expects 1-d tensors.*input 1 of shape \(2, 2\)"),
    ("cartesian_prod_dtype", lambda: autograd.cartesian_prod(t((2,)), t((2,), I64)), TypeError,
     r"cartesian_prod: .*one dtype.*float32.*int64"),
    ("cartesian_prod_none", lambda: autograd.cartesian_prod(), ValueError,
     r"cartesian_prod: expects at least one"),
    ("combinations_r", lambda: autograd.combinations(t((3,)), -1), ValueError,
     r"combinations: r must be a non-negative int, got -1"),
    ("combinations_2d", lambda: autograd.combinations(t((2, 3))), ValueError,
     r"combinations: expects 1-d.*\(2, 3\)"),
    ("vander_N", lambda: autograd.vander(t((3,)), -1), ValueError, r"vander: N must be"),
    ("vander_2d", lambda: autograd.vander(t((2, 2))), ValueError, r"vander: expects 1-d"),
    ("tril_indices", lambda: autograd.tril_indices(-1, 3), ValueError,
     r"tril_indices: row and col must be non-negative, got row=-1"),
    ("triu_indices_dtype", lambda: autograd.triu_indices(3, 3, dtype=autograd.float32),
     TypeError, r"triu_indices: dtype must be int64 or int32, got float32"),
    ("tril_indices_device", lambda: autograd.tril_indices(3, 3, device="cuda"), RuntimeError,
     r"tril_indices"),
    ("unravel_index_float", lambda: autograd.unravel_index(t((2,)), (3, 2)), TypeError,
     r"unravel_index: indices must have an integer dtype.*float32"),
    ("unravel_index_shape", lambda: autograd.unravel_index(t((2,), I64), (3, -1)), ValueError,
     r"unravel_index: shape must have positive sizes, got \(3, -1\)"),
    ("unravel_index_int", lambda: autograd.unravel_index(4, (3, 2)), TypeError,
     r"unravel_index: indices must be a tensor"),
    ("normal_std", lambda: autograd.normal(t((2,)), -1.0), ValueError,
     r"normal: expects every std >= 0"),
    ("normal_std_tensor", lambda: autograd.normal(0.0, autograd.tensor([1.0, -1.0])),
     ValueError, r"normal: expects every std >= 0, got a minimum of -1"),
    ("normal_std_number", lambda: autograd.normal(0.0, -1.0, (2,)), ValueError,
     r"normal: expects std >= 0, got std=-1"),
    ("normal_int", lambda: autograd.normal(t((2,), I64), 1.0), TypeError,
     r"normal: mean must be a floating-point tensor.*int64"),
    ("normal_bcast", lambda: autograd.normal(t((2,)), t((3,))), ValueError,
     r"normal: mean and std cannot be broadcast.*\(2,\).*\(3,\)"),
    ("normal_size", lambda: autograd.normal(0.0, 1.0), TypeError, r"normal: .*size is required"),
    ("normal_size_tensor", lambda: autograd.normal(t((2,)), t((2,)), (2,)), TypeError,
     r"normal: size, dtype and requires_grad are taken only with a number"),
    ("normal_dtype", lambda: autograd.normal(0.0, 1.0, (2,), dtype=autograd.int64), TypeError,
     r"normal: dtype must be a floating-point dtype, got int64"),
    ("bernoulli_range", lambda: autograd.bernoulli(autograd.tensor([0.5, 1.5])), ValueError,
     r"bernoulli: expects p to lie in \[0, 1\], got p with values in \[0.5, 1.5\]"),
    ("bernoulli_nan", lambda: autograd.bernoulli(autograd.tensor([0.5, np.nan])), ValueError,
     r"bernoulli: expects p to lie in \[0, 1\]"),
    ("bernoulli_int", lambda: autograd.bernoulli(t((2,), I64)), TypeError,
     r"bernoulli: needs a floating-point tensor.*int64"),
    ("bernoulli_p", lambda: t((2,)).bernoulli(1.5), ValueError, r"bernoulli: .*got p=1.5"),
    ("bernoulli__p", lambda: t((2,)).bernoulli_(-0.1), ValueError, r"bernoulli_: .*p=-0.1"),
    ("bernoulli__int_p", lambda: t((2,)).bernoulli_(t((2,), I64)), TypeError,
     r"bernoulli_: p must be a floating-point tensor.*int64"),
    ("bernoulli__bcast", lambda: t((3,)).bernoulli_(t((2, 1))), ValueError,
     r"bernoulli_: p cannot be broadcast to self's shape.*\(3,\).*\(2, 1\)"),
    ("poisson_negative", lambda: autograd.poisson(autograd.tensor([1.0, -2.0])), ValueError,
     r"poisson: expects non-negative rates.*minimum of -2"),
    ("poisson_int", lambda: autograd.poisson(t((2,), I64)), TypeError,
     r"poisson: input must be a floating-point tensor.*int64"),
]


@pytest.mark.parametrize("name, call, error, message", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_name_the_op_shapes_and_dtypes(name, call, error, message):
    with pytest.raises(error, match=message):
        call()
