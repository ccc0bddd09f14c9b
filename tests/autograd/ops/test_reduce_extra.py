"""prod, norm, all/any and cumsum: values and gradients against torch, gradcheck, dtypes and
edge cases (zeros in prod, 0-d, empty tensors, negative dims, keepdim)."""
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import assume, given, settings

import autograd
from tests.helpers import arrays, away_from_zero, check_float32, check_op, finite, shapes

torch = pytest.importorskip("torch")

SETTINGS = settings(deadline=None, max_examples=20)
with_zeros = st.one_of(st.just(0.0), st.floats(-2, 2))


@st.composite
def shape_and_dim(draw, tuples=False):
    """A shape and a dim: None, an int (negative allowed) or, with tuples, a tuple of them."""
    shape = draw(shapes)
    n = max(len(shape), 1)
    choices = st.none() | st.integers(-n, n - 1)
    if tuples:
        choices = choices | st.lists(st.integers(0, n - 1), min_size=1, max_size=n,
                                     unique=True).map(tuple)
    return shape, draw(choices)


# ----------------------------------------------------------------- prod
@pytest.mark.parametrize("keepdim", [False, True])
@SETTINGS
@given(data=st.data(), sd=shape_and_dim())
def test_prod_matches_torch_with_zeros(keepdim, data, sd):
    shape, dim = sd
    x = data.draw(arrays(shape, with_zeros))
    if dim is None:
        check_op(lambda t: t.prod(), lambda t: t.prod(), x, numpy_ref=np.prod)
        check_op(lambda t: autograd.prod(t), lambda t: torch.prod(t), x)
    else:
        check_op(lambda t: autograd.prod(t, dim, keepdim=keepdim),
                 lambda t: torch.prod(t, dim, keepdim=keepdim), x,
                 numpy_ref=lambda a: np.prod(a, axis=dim if a.ndim else None, keepdims=keepdim))


def test_prod_gradient_with_one_and_two_zeros():
    for x in ([2.0, 0.0, 3.0, 4.0], [0.0, 5.0, 0.0, 4.0], [0.0], [[1.0, 0.0], [0.0, 0.0]]):
        check_op(lambda t: t.prod(), lambda t: t.prod(), np.array(x))
        check_op(lambda t: t.prod(-1), lambda t: t.prod(-1), np.array(x))


def test_prod_dtypes_and_edges():
    check_float32(lambda t: t.prod(0), np.array([[1.5, 2.0], [0.0, 3.0]]))
    for src in (np.array([1, 2, 3], np.int32), np.array([True, False]), np.arange(6).reshape(2, 3)):
        ours, theirs = autograd.tensor(src).prod(), torch.tensor(src).prod()
        assert ours.dtype == np.int64 and ours.item() == theirs.item()
    assert autograd.tensor([2, 3]).prod(dtype=autograd.float64).dtype == np.float64
    assert autograd.zeros(0).prod().item() == 1.0
    np.testing.assert_array_equal(autograd.zeros((2, 0)).prod(1).data, [1.0, 1.0])
    with pytest.raises(TypeError, match="prod: dim must be an int"):
        autograd.ones(2, 3).prod((0, 1))
    with pytest.raises(IndexError, match="prod: dim 2"):
        autograd.ones(2, 3).prod(2)


# ----------------------------------------------------------------- norm
P_VALUES = [2, 1, 3, 0.5, float("inf"), float("-inf"), 0, "fro"]


@pytest.mark.parametrize("p", P_VALUES, ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
@SETTINGS
@given(data=st.data(), sd=shape_and_dim(tuples=True))
def test_norm_matches_torch(p, keepdim, data, sd):
    shape, dim = sd
    if p == "fro" and isinstance(dim, tuple) and len(dim) > 2:
        with pytest.raises(RuntimeError, match="at most 2 dims"):
            autograd.norm(autograd.ones(shape), p, dim)
        return
    # elements away from 0 and distinct (no tied extremes, no kink of |x|), for gradcheck
    x = data.draw(arrays(shape, away_from_zero, unique=True))
    a = np.sort(np.abs(x).ravel())   # 3 and -3 (or nearly) tie for the inf norms
    assume(a.size < 2 or np.min(np.diff(a)) > 1e-3)
    check_op(lambda t: autograd.norm(t, p, dim, keepdim), lambda t: torch.norm(t, p, dim, keepdim),
             x, gradcheck=p != 0)
    check_op(lambda t: t.norm(p=p, dim=dim, keepdim=keepdim),
             lambda t: t.norm(p=p, dim=dim, keepdim=keepdim), x, gradcheck=False)


@pytest.mark.parametrize("p", P_VALUES, ids=str)
def test_norm_gradient_at_zero_and_ties_like_torch(p):
    for x in ([0.0, 0.0, 0.0], [[0.0, 1.0, -1.0], [0.0, 0.0, 0.0]], [3.0, -3.0, 1.0]):
        check_op(lambda t: t.norm(p), lambda t: t.norm(p), np.array(x), gradcheck=False)
        check_op(lambda t: t.norm(p, dim=-1), lambda t: t.norm(p, dim=-1), np.array(x),
                 gradcheck=False)


def test_norm_dtypes_and_errors():
    check_float32(lambda t: t.norm(), np.array([[1.0, -2.0], [3.0, 0.5]]))
    check_float32(lambda t: t.norm(float("inf"), dim=0), np.array([[1.0, -2.0], [3.0, 0.5]]))
    assert autograd.tensor(2.0).norm().item() == 2.0
    assert autograd.tensor([1, 2]).norm(dtype=autograd.float64).dtype == np.float64
    assert autograd.zeros((0, 3)).norm().item() == 0.0
    with pytest.raises(TypeError, match=r"norm: needs a floating-point tensor.*int64.*\(2,\)"):
        autograd.tensor([1, 2]).norm()
    with pytest.raises(ValueError, match="'fro' or 'nuc'"):
        autograd.ones(2, 2).norm("spectral")
    assert autograd.ones(2, 2).norm("nuc").item() == pytest.approx(2.0)   # (see linalg)
    with pytest.raises(RuntimeError, match="empty"):
        autograd.zeros((0, 3)).norm(float("inf"), dim=0)
    with pytest.raises(TypeError, match="out="):
        autograd.norm(autograd.ones(2), out=autograd.ones(()))


# ----------------------------------------------------------------- all / any
@pytest.mark.parametrize("name", ["all", "any"])
@pytest.mark.parametrize("keepdim", [False, True])
@SETTINGS
@given(data=st.data(), sd=shape_and_dim(tuples=True))
def test_all_any_match_torch(name, keepdim, data, sd):
    shape, dim = sd
    x = data.draw(arrays(shape, st.sampled_from([0.0, 1.0, -2.5, np.nan])))
    for src in (x, x.astype(bool), x.astype(np.int64, copy=False) if np.isfinite(x).all() else x):
        if dim is None:
            ours, theirs = getattr(autograd, name)(autograd.tensor(src)), \
                getattr(torch, name)(torch.tensor(src))
        else:
            ours = getattr(autograd.tensor(src), name)(dim, keepdim=keepdim)
            theirs = getattr(torch.tensor(src), name)(dim, keepdim=keepdim)
        assert ours.dtype == np.bool_ and theirs.dtype == torch.bool
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_all_any_edges():
    assert autograd.zeros(0).all().item() is True and autograd.zeros(0).any().item() is False
    np.testing.assert_array_equal(autograd.zeros((2, 0)).all(1).data, [True, True])
    x = autograd.tensor([0.5, 1.0], requires_grad=True)
    assert not x.all().requires_grad
    u = np.array([[1, 0, 7], [2, 3, 0]], np.uint8)   # uint8 in, uint8 out (0 or 1), as torch
    for name, args in [("all", ()), ("any", ()), ("all", (0,)), ("any", (1, True)),
                       ("all", ((0, 1),))]:
        ours = getattr(autograd.tensor(u), name)(*args)
        theirs = getattr(torch.tensor(u), name)(*args)
        assert ours.dtype == np.uint8 and theirs.dtype == torch.uint8
        np.testing.assert_array_equal(ours.data, theirs.numpy())


# ----------------------------------------------------------------- cumsum
@SETTINGS
@given(data=st.data(), sd=shape_and_dim())
def test_cumsum_matches_torch(data, sd):
    shape, dim = sd
    dim = 0 if dim is None else dim
    x = data.draw(arrays(shape, finite))
    check_op(lambda t: autograd.cumsum(t, dim), lambda t: torch.cumsum(t, dim), x,
             numpy_ref=lambda a: np.cumsum(a, axis=dim) if a.ndim else a)
    check_op(lambda t: t.cumsum(dim=dim), lambda t: t.cumsum(dim=dim), x, gradcheck=False)


def test_cumsum_dtypes_and_edges():
    check_float32(lambda t: t.cumsum(-1), np.array([[1.0, 2.0], [3.0, 4.0]]))
    ours = autograd.tensor(np.array([1, 2, 3], np.int32)).cumsum(0)
    assert ours.dtype == np.int64
    np.testing.assert_array_equal(ours.data, [1, 3, 6])
    assert autograd.tensor([True, True]).cumsum(0).dtype == np.int64
    assert autograd.tensor([1, 2]).cumsum(0, dtype=autograd.float32).dtype == np.float32
    assert autograd.zeros((2, 0)).cumsum(1).shape == (2, 0)
    with pytest.raises(TypeError, match="cumsum: dim must be an int"):
        autograd.ones(2).cumsum(None)
    with pytest.raises(IndexError, match="cumsum: dim -3"):
        autograd.ones(2, 2).cumsum(-3)


def test_max_dim_indices_changed_in_place_make_backward_raise():
    x = autograd.tensor(np.array([[1.0, 3, 2], [5, 4, 0]]), requires_grad=True)
    v, i = x.max(1)
    i.add_(1)
    with pytest.raises(RuntimeError, match="modified in place"):
        v.sum().backward()
    v, i = x.min(1)
    with pytest.raises(ValueError, match="read-only"):
        i.data[0] = 2
    v.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1, 0, 0], [0, 0, 1]])
