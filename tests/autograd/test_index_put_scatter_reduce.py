"""index_put / index_put_ and scatter_reduce / scatter_reduce_: values and gradients against
torch (float64, rtol 1e-10) and finite differences, repeated and bool-mask indices, broadcast
values, ties and zeros, in-place recording, dtypes, and errors that name the op."""
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import autograd
from tests.helpers import (assert_close, assert_gradcheck, check_against_torch, check_float32,
                           check_op)

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
X = RNG.standard_normal((3, 4))


def _lib(t):
    return autograd if isinstance(t, autograd.Tensor) else torch


# ----------------------------------------------------------------- index_put
# each case: (index builder given the library, values shape)
PUT_CASES = {
    "rows": (lambda lib: (lib.tensor([2, 0]),), (2, 4)),
    "row broadcast": (lambda lib: (lib.tensor([2, 0]),), (4,)),
    "0-d value": (lambda lib: (lib.tensor([1]),), ()),
    "elements": (lambda lib: (lib.tensor([0, 2, 1]), lib.tensor([3, 0, 1])), (3,)),
    "negative": (lambda lib: (lib.tensor([-1, 0]), lib.tensor([-4, 2])), (2,)),
    "broadcast indices": (lambda lib: (lib.tensor([[0], [2]]), lib.tensor([1, 3, 0])), (2, 3)),
    "int32 index": (lambda lib: (lib.tensor([1, 2], dtype=lib.int32),), (1, 4)),
    "full mask": (lambda lib: (lib.tensor(X > 0),), (int((X > 0).sum()),)),
    "row mask": (lambda lib: (lib.tensor([True, False, True]),), (4,)),
    "mask then int": (lambda lib: (lib.tensor([True, False, True]), lib.tensor([3, 1])), (2,)),
    "empty": (lambda lib: (lib.tensor(np.zeros(0, np.int64)),), (4,)),
}
REPEATED = (lambda lib: (lib.tensor([0, 2, 0, 0]), lib.tensor([1, 3, 1, 1])), (4,))


@pytest.mark.parametrize("accumulate", [False, True])
@pytest.mark.parametrize("case", list(PUT_CASES))
def test_index_put_matches_torch_and_gradcheck(case, accumulate):
    index, vshape = PUT_CASES[case]
    v = RNG.standard_normal(vshape)
    check_op(lambda x, v: x.index_put(index(_lib(x)), v, accumulate),
             lambda x, v: x.index_put(index(_lib(x)), v, accumulate), X, v)


def test_index_put_accumulate_sums_repeated_indices():
    index, vshape = REPEATED
    v = np.array([1.0, 2.0, 3.0, 4.0])
    check_op(lambda x, v: x.index_put(index(_lib(x)), v, accumulate=True),
             lambda x, v: x.index_put(index(_lib(x)), v, accumulate=True), X, v)
    out = autograd.zeros(3, 4, dtype=autograd.float64).index_put(
        index(autograd), autograd.tensor(v), accumulate=True)
    assert out.data[0, 1] == 1.0 + 3.0 + 4.0


def test_index_put_without_accumulate_gives_every_value_its_gradient_on_repeats():
    index, _ = REPEATED
    check_against_torch(lambda x, v: x.index_put(index(_lib(x)), v) * 1.0,
                        lambda x, v: x.index_put(index(_lib(x)), v) * 1.0,
                        X, np.full(4, 0.5))   # equal values: the result is well defined


@pytest.mark.parametrize("accumulate", [False, True])
@pytest.mark.parametrize("case", ["rows", "elements", "row mask", "broadcast indices"])
def test_index_put_in_place_on_an_op_output_is_recorded(case, accumulate):
    index, vshape = PUT_CASES[case]
    v0 = RNG.standard_normal(vshape)

    def run(lib):
        x = lib.tensor(X, requires_grad=True)
        v = lib.tensor(v0, requires_grad=True)
        y = x * 2.0
        out = y.index_put_(index(lib), v, accumulate=accumulate)
        assert out is y
        (y.tanh() * lib.tensor(X)).sum().backward()
        return y.detach().numpy(), x.grad.numpy(), v.grad.numpy()

    for k, (a, b) in enumerate(zip(run(autograd), run(torch))):
        assert_close(a, b, what=f"output {k}")


@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put_in_place_on_a_plain_tensor_writes_its_array(accumulate):
    index, _ = REPEATED
    t = autograd.tensor(X)
    arr = t._data
    v = np.array([1.0, 2.0, 3.0, 4.0])
    t.index_put_(index(autograd), autograd.tensor(v), accumulate)
    theirs = torch.tensor(X).index_put_(index(torch), torch.tensor(v), accumulate)
    assert t._data is arr and not t.requires_grad
    if accumulate:   # without accumulate, which repeated value wins is unspecified
        assert_close(t.data, theirs.numpy())


@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put_in_place_with_values_requiring_grad_records_the_write(accumulate):
    def run(lib):
        x = lib.tensor(np.zeros((3, 2)))
        v = lib.tensor(np.array([1.0, 2.0]), requires_grad=True)
        x.index_put_((lib.tensor([0, 0]),), v, accumulate=accumulate)
        assert x.requires_grad
        (x * lib.tensor(np.arange(6.0).reshape(3, 2))).sum().backward()
        return x.detach().numpy(), v.grad.numpy()

    for k, (a, b) in enumerate(zip(run(autograd), run(torch))):
        assert_close(a, b, what=f"output {k}")


def test_index_put_in_place_refuses_a_leaf_that_requires_grad():
    x = autograd.tensor(X, requires_grad=True)
    with pytest.raises(RuntimeError, match="index_put_: a leaf tensor"):
        x.index_put_((autograd.tensor([0]),), autograd.tensor(1.0, dtype=autograd.float64))
    with autograd.no_grad():
        x.index_put_((autograd.tensor([0]),), autograd.tensor(1.0, dtype=autograd.float64))
    assert np.all(x.data[0] == 1.0)


def test_index_put_function_forms():
    idx, v = (autograd.tensor([1]),), autograd.tensor(5.0)
    x = autograd.zeros(2, 2)
    assert np.all(autograd.index_put(x, idx, v).data == [[0, 0], [5, 5]])
    assert np.all(x.data == 0)
    assert autograd.index_put_(x, idx, v, accumulate=True) is x
    assert np.all(x.data == [[0, 0], [5, 5]])


def test_index_put_keeps_float32():
    check_float32(lambda x, v: x.index_put((autograd.tensor([0, 0]),), v, accumulate=True),
                  X.astype(np.float32), np.ones(4, np.float32))
    check_float32(lambda x, v: x.index_put((autograd.tensor([1, 0]),), v),
                  X.astype(np.float32), np.ones(4, np.float32))


def test_index_put_integer_tensor_has_no_gradient():
    x = autograd.tensor([[1, 2], [3, 4]])
    out = x.index_put((autograd.tensor([0, 0]),), autograd.tensor([10, 20]), accumulate=True)
    assert out.dtype == np.int64 and not out.requires_grad
    assert out.tolist() == torch.tensor([[1, 2], [3, 4]]).index_put(
        (torch.tensor([0, 0]),), torch.tensor([10, 20]), accumulate=True).tolist()


@pytest.mark.parametrize("indices, values, error, words", [
    ((autograd.tensor([0, 3]),), autograd.tensor(1.0), IndexError, "index 3 is out of bounds"),
    ((autograd.tensor([-4]),), autograd.tensor(1.0), IndexError, "out of bounds for dimension 0"),
    ((autograd.tensor([0]), autograd.tensor([4])), autograd.tensor(1.0), IndexError,
     "index 4 is out of bounds for dimension 1 with size 4"),
    ((autograd.tensor([0.0]),), autograd.tensor(1.0), IndexError, "integer or bool"),
    ((autograd.tensor([0]),), autograd.tensor(1.0, dtype=autograd.float64), TypeError,
     "dtype torch.float64 but the tensor has dtype torch.float32"),
    ((autograd.tensor([0, 1]),), autograd.ones(3), ValueError,
     r"values of shape \(3,\) cannot be broadcast to the indexed result of shape \(2, 4\)"),
    ((autograd.tensor([0, 1]),), autograd.ones(1, 1, 4), ValueError, "cannot be broadcast"),
    ((autograd.tensor([0, 1]), autograd.tensor([0, 1, 2])), autograd.tensor(1.0), IndexError,
     r"could not be broadcast together, shapes \(2,\), \(3,\)"),
    ((autograd.tensor([True, False]),), autograd.tensor(1.0), IndexError,
     r"mask of shape \(2,\)"),
    ((autograd.tensor([0]),) * 3, autograd.tensor(1.0), IndexError, "too many indices"),
    (autograd.tensor([0]), autograd.tensor(1.0), TypeError, "indices must be a tuple"),
    ((None,), autograd.tensor(1.0), TypeError, r"indices\[0\] must be a tensor"),
    ((), autograd.tensor(1.0), IndexError, "indices is empty"),
    ((autograd.tensor([0]),), 1.0, TypeError, "values must be a tensor"),
])
@pytest.mark.parametrize("op", ["index_put", "index_put_"])
def test_index_put_errors_name_the_op(op, indices, values, error, words):
    x = autograd.zeros(3, 4)
    with pytest.raises(error, match=words) as info:
        getattr(x, op)(indices, values)
    assert str(info.value).startswith(op + ":")
    assert np.all(x.data == 0)


def test_index_put_on_a_0d_tensor_is_refused_as_in_torch():
    with pytest.raises(IndexError, match="index_put: too many indices"):
        autograd.tensor(3.0).index_put((autograd.tensor(0),), autograd.tensor(1.0))
    with pytest.raises(IndexError):
        torch.tensor(3.0).index_put((torch.tensor(0),), torch.tensor(1.0))


# ----------------------------------------------------------------- scatter_reduce
REDUCES = ["sum", "prod", "mean", "amax", "amin"]
SR_SELF = RNG.permutation(np.linspace(0.5, 2.5, 12)).reshape(3, 4)   # distinct: no ties
SR_SRC = RNG.permutation(np.linspace(-2.3, 2.2, 10)).reshape(2, 5) + 0.01


def _sr(dim, index, reduce, include_self):
    return lambda x, s: x.scatter_reduce(dim, _lib(x).tensor(index), s, reduce,
                                         include_self=include_self)


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("dim, index", [
    (0, np.array([[2, 0, 2, 1], [2, 2, 0, 1]])),
    (1, np.array([[3, 3, 0], [1, 3, 3]])),
    (-1, np.array([[0, 0, 0, 0, 0], [2, 1, 2, 1, 2]])),
])
def test_scatter_reduce_matches_torch_and_gradcheck(reduce, include_self, dim, index):
    src = SR_SRC[:, :index.shape[1]] if index.shape[1] < 5 else SR_SRC
    fn = _sr(dim, index, reduce, include_self)
    check_op(fn, fn, SR_SELF, np.ascontiguousarray(src))


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["amax", "amin"])
def test_scatter_reduce_ties_share_the_gradient_as_in_torch(reduce, include_self):
    x = np.array([3.0, 1.0, 5.0, -2.0])
    src = np.array([3.0, 3.0, 2.0, 1.0, -2.0, 5.0])
    index = np.array([0, 0, 1, 1, 3, 2])
    fn = _sr(0, index, reduce, include_self)
    check_against_torch(fn, fn, x, src)


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("x, src", [
    ([2.0, 0.0, 3.0, 1.5], [0.0, 2.0, 5.0, 4.0, 0.5, 1.0]),    # single zeros in src, x zero
    ([2.0, 1.0, 3.0, 1.5], [0.0, 0.0, 5.0, 0.0, 0.5, 1.0]),    # two zeros into one element
    ([0.0, 0.0, 3.0, 1.5], [0.0, 2.0, 5.0, 0.0, 0.0, 1.0]),
])
def test_scatter_reduce_prod_with_zeros_matches_torch(x, src, include_self):
    fn = _sr(0, np.array([0, 0, 1, 1, 1, 3]), "prod", include_self)
    check_op(fn, fn, np.array(x), np.array(src))


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", REDUCES)
def test_scatter_reduce_integers_match_torch(reduce, include_self):
    x = np.array([[5, -3, 7], [2, 8, -1]])
    src = np.array([[-3, 4, 6], [9, -7, 1], [2, 2, -5]])
    index = np.array([[1, 0, 1], [1, 1, 0], [0, 0, 1]])
    ours = autograd.tensor(x).scatter_reduce(0, autograd.tensor(index), autograd.tensor(src),
                                             reduce, include_self=include_self)
    theirs = torch.tensor(x).scatter_reduce(0, torch.tensor(index), torch.tensor(src), reduce,
                                            include_self=include_self)
    assert ours.dtype == np.int64 and not ours.requires_grad
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_scatter_reduce_src_larger_than_index_uses_its_corner():
    index = np.array([[1, 0], [1, 1]])
    fn = _sr(0, index, "amax", True)
    ours = fn(autograd.tensor(SR_SELF), autograd.tensor(SR_SRC))
    theirs = fn(torch.tensor(SR_SELF), torch.tensor(SR_SRC))
    assert_close(ours.data, theirs.numpy())
    for reduce in REDUCES:   # torch has no backward here; finite differences do
        assert_gradcheck(_sr(0, index, reduce, False), SR_SELF, SR_SRC)


@pytest.mark.parametrize("reduce", REDUCES)
def test_scatter_reduce_0d_and_empty(reduce):
    fn0 = lambda x, s: x.scatter_reduce(0, _lib(x).tensor(0), s, reduce)   # noqa: E731
    check_op(fn0, fn0, np.array(1.5), np.array(-0.7))
    empty = np.zeros((0, 4), np.int64)
    fn = _sr(0, empty, reduce, False)
    check_op(fn, fn, SR_SELF, np.zeros((0, 4)))


@pytest.mark.parametrize("reduce", REDUCES)
def test_scatter_reduce_in_place_and_function_form(reduce):
    index = np.array([[2, 0, 2, 1], [2, 2, 0, 1]])

    def run(lib):
        x = lib.tensor(SR_SELF, requires_grad=True)
        s = lib.tensor(SR_SRC[:, :4], requires_grad=True)
        y = x * 1.5
        assert y.scatter_reduce_(0, lib.tensor(index), s, reduce, include_self=False) is y
        f = lib.scatter_reduce(y, 1, lib.tensor(index), s, reduce)
        (f.sin() * lib.tensor(SR_SELF)).sum().backward()
        return f.detach().numpy(), x.grad.numpy(), s.grad.numpy()

    for k, (a, b) in enumerate(zip(run(autograd), run(torch))):
        assert_close(a, b, what=f"output {k}")
    plain = autograd.tensor(SR_SELF)
    arr = plain._data
    plain.scatter_reduce_(0, autograd.tensor(index), autograd.tensor(SR_SRC[:, :4]), reduce)
    assert plain._data is arr
    assert_close(arr, torch.tensor(SR_SELF).scatter_reduce_(
        0, torch.tensor(index), torch.tensor(SR_SRC[:, :4]), reduce).numpy())


@pytest.mark.parametrize("reduce", REDUCES)
def test_scatter_reduce_keeps_float32(reduce):
    index = autograd.tensor([[2, 0, 2, 1], [2, 2, 0, 1]])
    check_float32(lambda x, s: x.scatter_reduce(0, index, s, reduce, include_self=False),
                  SR_SELF.astype(np.float32), SR_SRC[:, :4].astype(np.float32))


@pytest.mark.parametrize("args, error, words", [
    ((0, [[0, 1]], "max"), ValueError, "reduce must be one of 'sum', 'prod'"),
    ((0, [[0, 3, 0, 0]], "sum"), IndexError, "index 3 is out of bounds for dim 0 with size 3"),
    ((2, [[0]], "sum"), IndexError, "dim 2 is out of range"),
    ((0, [[0.0]], "sum"), TypeError, "index must be an integer tensor"),
    ((0, [0, 1], "sum"), ValueError, r"index shape \(2,\) must have as many dims"),
    ((0, [[0] * 6], "sum"), ValueError, "is larger than"),
])
def test_scatter_reduce_errors_name_the_op(args, error, words):
    x = autograd.zeros(3, 4)
    dim, index, reduce = args
    with pytest.raises(error, match=words):
        x.scatter_reduce(dim, autograd.tensor(index), autograd.ones(2, 5), reduce)
    with pytest.raises(TypeError, match="scatter_reduce: src has dtype torch.float64"):
        x.scatter_reduce(0, autograd.tensor([[0]]), autograd.ones(1, 1, dtype=autograd.float64),
                         "sum")
    with pytest.raises(TypeError, match="scatter_reduce: src must be a tensor"):
        x.scatter_reduce(0, autograd.tensor([[0]]), 1.0, "sum")


@settings(deadline=None, max_examples=25)
@given(data=st.data(), reduce=st.sampled_from(REDUCES), include_self=st.booleans(),
       shape=st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple))
def test_scatter_reduce_property_against_torch(data, reduce, include_self, shape):
    ndim = len(shape)
    dim = data.draw(st.integers(-ndim, ndim - 1))
    ishape = tuple(data.draw(st.integers(0 if i == dim % ndim else 1, 4 if i == dim % ndim
                                         else n)) for i, n in enumerate(shape))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 16)))
    index = rng.integers(0, shape[dim], ishape)
    # distinct magnitudes away from 0: no ties, a smooth product
    n = int(np.prod(shape)) + int(np.prod(ishape))
    vals = rng.permutation(np.linspace(0.3, 2.0, n)) * rng.choice([-1.0, 1.0], n)
    x, src = vals[:int(np.prod(shape))].reshape(shape), vals[int(np.prod(shape)):].reshape(ishape)
    check_op(_sr(dim, index, reduce, include_self), _sr(dim, index, reduce, include_self),
             x, src)
