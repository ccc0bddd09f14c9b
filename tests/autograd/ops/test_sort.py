"""sort, argsort, topk: values (differentiable) and int64 indices against torch, float64
gradchecks, stable order of ties, NaN placement, float32 kept, bad input refused."""
import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import autograd
from tests.helpers import arrays, check_float32, check_op

torch = pytest.importorskip("torch")

SETTINGS = settings(deadline=None, max_examples=15)
RNG = np.random.default_rng(12)
# on a 0.05 grid: unique values stay far apart, so finite differences never cross a tie
distinct = st.integers(-60, 60).map(lambda i: i / 20)
nd_shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5)


def _same_indices(ours, theirs):
    assert ours.dtype == np.int64, f"indices are {ours.dtype}, not int64"
    np.testing.assert_array_equal(ours.data, theirs.numpy())


@SETTINGS
@given(data=st.data(), shape=nd_shapes)
def test_sort_and_argsort_match_torch(data, shape):
    x = data.draw(arrays(shape, elements=distinct, unique=True))  # ties: see the stable test
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    desc = data.draw(st.booleans())
    check_op(lambda t: t.sort(dim, desc).values, lambda t: t.sort(dim, desc).values, x,
             numpy_ref=lambda a: np.flip(np.sort(a, dim), dim) if desc else np.sort(a, dim))
    check_op(lambda t: autograd.sort(t, dim=dim, descending=desc, stable=True)[0],
             lambda t: torch.sort(t, dim=dim, descending=desc, stable=True)[0], x,
             gradcheck=False)
    ours, theirs = autograd.tensor(x), torch.tensor(x)
    _same_indices(ours.sort(dim, desc).indices, theirs.sort(dim, desc).indices)
    _same_indices(ours.argsort(dim, desc), theirs.argsort(dim, desc))
    _same_indices(autograd.argsort(ours, dim, descending=desc), torch.argsort(theirs, dim, desc))


@SETTINGS
@given(data=st.data(), shape=nd_shapes)
def test_topk_matches_torch(data, shape):
    x = data.draw(arrays(shape, elements=distinct, unique=True))
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    k = data.draw(st.integers(0, x.shape[dim]))
    largest = data.draw(st.booleans())
    check_op(lambda t: t.topk(k, dim, largest).values, lambda t: t.topk(k, dim, largest).values,
             x)
    ours, theirs = autograd.topk(autograd.tensor(x), k, dim, largest), \
        torch.topk(torch.tensor(x), k, dim, largest)
    _same_indices(ours.indices, theirs.indices)
    if x.ndim == 1:  # default dim is the last one
        np.testing.assert_array_equal(autograd.tensor(x).topk(k).values.data,
                                      torch.tensor(x).topk(k).values.numpy())


@pytest.mark.parametrize("descending", [False, True])
def test_stable_sort_keeps_ties_in_order_like_torch(descending):
    for dtype in (np.float64, np.int64, np.int32, np.bool_):
        x = RNG.integers(0, 3, (4, 9)).astype(dtype)
        ours = autograd.tensor(x).sort(-1, descending, stable=True)
        theirs = torch.tensor(x).sort(dim=-1, descending=descending, stable=True)
        _same_indices(ours.indices, theirs.indices)
        assert ours.values.dtype == x.dtype
        np.testing.assert_array_equal(ours.values.data, theirs.values.numpy())


def test_gradient_of_tied_values_follows_the_indices():
    x = np.array([[1.0, 2.0, 1.0, 2.0, 0.5]])
    check_op(lambda t: t.sort(descending=True, stable=True).values,
             lambda t: t.sort(descending=True, stable=True).values, x,
             gradcheck=False)  # finite differences are meaningless at a tie


def test_nan_sorts_as_the_largest_value_like_torch():
    x = np.array([1.0, np.nan, 3.0, np.inf, -np.inf, np.nan, 0.0])
    for desc in (False, True):
        ours = autograd.tensor(x).sort(descending=desc, stable=True)
        theirs = torch.tensor(x).sort(descending=desc, stable=True)
        np.testing.assert_array_equal(ours.values.data, theirs.values.numpy())
        _same_indices(ours.indices, theirs.indices)
    for largest in (False, True):
        np.testing.assert_array_equal(autograd.tensor(x).topk(3, largest=largest).values.data,
                                      torch.tensor(x).topk(3, largest=largest).values.numpy())


def test_zero_dim_and_empty_tensors():
    s = np.array(2.5)
    check_op(lambda t: t.sort().values, lambda t: t.sort().values, s)
    check_op(lambda t: t.topk(1, 0).values, lambda t: t.topk(1, 0).values, s)
    assert autograd.tensor(s).argsort().shape == ()
    assert autograd.tensor(s).sort()[1].dtype == np.int64
    e = np.zeros((2, 0))
    check_op(lambda t: t.sort(1).values, lambda t: t.sort(1).values, e)
    check_op(lambda t: t.topk(0, 1).values, lambda t: t.topk(0, 1).values, e)
    check_op(lambda t: t.sort(0).values, lambda t: t.sort(0).values, e)


def test_float32_stays_float32():
    x = RNG.standard_normal((3, 5))
    check_float32(lambda t: t.sort(0).values, x)
    check_float32(lambda t: t.topk(2, largest=False).values, x)


def test_indices_saved_for_backward_cannot_be_changed_silently():
    x = autograd.tensor(RNG.standard_normal(5), requires_grad=True)
    values, indices = x.sort()
    indices.add_(0)
    with pytest.raises(RuntimeError, match="modified in place"):
        values.sum().backward()


def test_bad_arguments_raise_clear_errors():
    x = autograd.randn(2, 3)
    with pytest.raises(ValueError, match=r"topk: k=4 is out of range for dim -1 of size 3 "
                                         r"\(tensor of shape \(2, 3\)\)"):
        x.topk(4)
    with pytest.raises(ValueError, match=r"topk: k=-1"):
        x.topk(-1)
    with pytest.raises(IndexError, match=r"sort: dim 2 is out of range"):
        x.sort(2)
    with pytest.raises(IndexError, match=r"argsort: dim -3 is out of range"):
        x.argsort(-3)
