"""Reductions with dim (None, int or tuple) and keepdim, against numpy, gradcheck and torch."""
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import assume, given, settings

import autograd
from tests.helpers import (arrays, check_against_torch, check_float32, check_op, finite,
                           shapes)

torch = pytest.importorskip("torch")

SETTINGS = settings(deadline=None, max_examples=25)
# distinct values at least 0.01 apart, so max/min/argmax have one winner and a finite difference
spaced = st.integers(-300, 300).map(lambda k: k / 100)


@st.composite
def shape_and_dims(draw, single=False):
    """A shape (0-d allowed) and a dim for it: None, an int, or a tuple of distinct ints."""
    shape = draw(shapes)
    n = max(len(shape), 1)
    axis = st.integers(-n, n - 1)
    if single:
        return shape, draw(axis)
    dims = st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True).map(
        lambda ds: tuple(d - n if i % 2 else d for i, d in enumerate(ds)))
    return shape, draw(st.none() | axis | dims)


def np_axis(dim, ndim):
    if dim is None or ndim == 0:
        return None
    return dim if isinstance(dim, int) else tuple(dim)


def torch_dim(dim, ndim):
    """torch spells "every dim" as a tuple of all of them."""
    return tuple(range(ndim)) if dim is None else dim


@pytest.mark.parametrize("name", ["sum", "mean"])
@pytest.mark.parametrize("keepdim", [False, True])
@SETTINGS
@given(data=st.data(), sd=shape_and_dims())
def test_sum_mean(name, keepdim, data, sd):
    shape, dim = sd
    x = data.draw(arrays(shape))
    ref = getattr(np, name)
    check_op(lambda t: getattr(t, name)(dim, keepdim=keepdim),
             lambda t: getattr(t, name)(dim=torch_dim(dim, t.ndim), keepdim=keepdim),
             x, numpy_ref=lambda a: ref(a, axis=np_axis(dim, a.ndim), keepdims=keepdim))


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("unbiased", [True, False])
@pytest.mark.parametrize("keepdim", [False, True])
@SETTINGS
@given(data=st.data(), sd=shape_and_dims())
def test_var_std(name, unbiased, keepdim, data, sd):
    shape, dim = sd
    x = data.draw(arrays(shape, spaced, unique=True))
    n = x.size if np_axis(dim, x.ndim) is None else np.prod(
        [shape[d] for d in np.atleast_1d(np_axis(dim, x.ndim))])
    assume(n > 1)  # with one element the unbiased estimate divides by zero
    ref = getattr(np, name)
    dims = dim if dim is not None else tuple(range(x.ndim))
    check_op(lambda t: getattr(t, name)(dim, unbiased=unbiased, keepdim=keepdim),
             lambda t: getattr(t, name)(dim=dims, unbiased=unbiased, keepdim=keepdim),
             x, numpy_ref=lambda a: ref(a, axis=np_axis(dim, a.ndim), ddof=int(unbiased),
                                         keepdims=keepdim), rtol=1e-9)


def test_var_of_one_element_is_nan_like_torch():
    t = autograd.tensor([2.0]).var()
    with pytest.warns(UserWarning):
        assert np.isnan(t.item()) and np.isnan(torch.tensor([2.0]).var().item())
    assert autograd.tensor([2.0]).var(unbiased=False).item() == 0


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("keepdim", [False, True])
@SETTINGS
@given(data=st.data(), sd=shape_and_dims(single=True))
def test_max_min_with_dim_return_values_and_indices(name, keepdim, data, sd):
    shape, dim = sd
    x = data.draw(arrays(shape, spaced, unique=True))
    ours = getattr(autograd.tensor(x), name)(dim, keepdim=keepdim)
    theirs = getattr(torch.tensor(x), name)(dim, keepdim=keepdim)
    np.testing.assert_array_equal(ours.values.data, theirs.values.numpy())
    np.testing.assert_array_equal(ours.indices.data, theirs.indices.numpy())
    assert ours.indices.dtype == np.int64
    values, indices = ours  # unpacks like torch's named tuple
    ref = getattr(np, "arg" + name)(x, axis=np_axis(dim, x.ndim), keepdims=keepdim) if x.ndim \
        else np.array(0)
    np.testing.assert_array_equal(indices.data, ref)
    check_op(lambda t: getattr(t, name)(dim, keepdim=keepdim).values,
             lambda t: getattr(t, name)(dim, keepdim=keepdim).values, x,
             numpy_ref=lambda a: getattr(np, name)(a, axis=np_axis(dim, a.ndim),
                                                    keepdims=keepdim and a.ndim > 0))


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin"])
@SETTINGS
@given(data=st.data(), sd=shape_and_dims())
def test_max_min_over_all_and_amax_amin(name, data, sd):
    shape, dim = sd
    x = data.draw(arrays(shape, spaced, unique=True))
    if name in ("max", "min"):
        ours, theirs = (lambda t: getattr(t, name)()), (lambda t: getattr(t, name)())
    else:
        ours = lambda t: getattr(t, name)(dim)  # noqa: E731
        theirs = lambda t: getattr(t, name)(dim=torch_dim(dim, t.ndim))  # noqa: E731
    check_op(ours, theirs, x)


def test_ties_share_the_gradient_like_torch():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    check_against_torch(lambda t: t.max(), lambda t: t.max(), x)
    check_against_torch(lambda t: t.amax(1), lambda t: t.amax(1), x)
    check_against_torch(lambda t: t.amin((0, 1)), lambda t: t.amin((0, 1)), x)
    ours = autograd.tensor(x).max(1)  # the first winner gets the whole gradient
    np.testing.assert_array_equal(ours.indices.data, [1, 0])


@pytest.mark.parametrize("keepdim", [False, True])
@SETTINGS
@given(data=st.data(), sd=shape_and_dims())
def test_logsumexp(keepdim, data, sd):
    shape, dim = sd
    x = data.draw(arrays(shape))

    def ref(a):
        axis = np_axis(dim, a.ndim)
        m = np.max(a, axis=axis, keepdims=True)
        out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
        return out if keepdim else np.squeeze(out, axis=axis)

    check_op(lambda t: t.logsumexp(dim, keepdim=keepdim),
             lambda t: t.logsumexp(dim=torch_dim(dim, t.ndim), keepdim=keepdim), x,
             numpy_ref=ref)


def test_logsumexp_is_stable():
    x = autograd.tensor([[1e4, 1e4 - 1.0], [-1e4, -1e4]], requires_grad=True)
    y = x.logsumexp(1)
    np.testing.assert_allclose(y.data, torch.tensor(x.data).logsumexp(1).numpy(), rtol=1e-6)
    y.sum().backward()
    assert np.all(np.isfinite(x.grad.data))


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@settings(deadline=None, max_examples=20)
@given(data=st.data(), sd=shape_and_dims(single=True), keepdim=st.booleans())
def test_argmax_argmin(name, data, sd, keepdim):
    shape, dim = sd
    x = data.draw(arrays(shape, spaced, unique=True))
    t = autograd.tensor(x, requires_grad=True)
    out = getattr(t, name)(dim, keepdim=keepdim)
    assert out.dtype == np.int64 and not out.requires_grad
    np.testing.assert_array_equal(out.data, getattr(torch.tensor(x), name)(dim, keepdim=keepdim))
    flat = getattr(autograd, name)(t)
    assert flat.shape == () and flat.item() == getattr(np, name)(x)


@pytest.mark.parametrize("fn", [lambda t: t.sum(0), lambda t: t.mean((0, 1)),
                                lambda t: t.var(1), lambda t: t.std(), lambda t: t.max(1).values,
                                lambda t: t.amin(0), lambda t: t.logsumexp(-1), lambda t: t.max()])
def test_float32_reductions_stay_float32(fn):
    check_float32(fn, np.arange(6.0).reshape(2, 3) / 7)


def test_reduction_errors_name_the_op():
    t = autograd.ones(2, 3)
    with pytest.raises(IndexError, match=r"sum: dim 2 is out of range"):
        t.sum(2)
    with pytest.raises(ValueError, match="mean.*repeats"):
        t.mean((0, 0))
    with pytest.raises(RuntimeError, match="max.*empty"):
        autograd.zeros(0).max()
    with pytest.raises(TypeError, match="mean"):
        autograd.tensor([1, 2]).mean()


def test_integer_sum_and_function_forms():
    assert autograd.tensor([[1, 2], [3, 4]]).sum(0).tolist() == [4, 6]
    x = autograd.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(autograd.sum(x, 1).data, x.data.sum(1))
    np.testing.assert_array_equal(autograd.mean(x, 0, keepdim=True).data,
                                  x.data.mean(0, keepdims=True))
    np.testing.assert_allclose(autograd.std(x).data, x.data.std(ddof=1), rtol=1e-6)
    np.testing.assert_array_equal(autograd.max(x, 1).values.data, x._data.max(1))
    np.testing.assert_array_equal(autograd.argmin(x, 1).data, [0, 0])


def test_std_of_constant_data_has_zero_gradient_like_torch():
    x = np.array([[1.0, 1.0, 1.0], [0.0, 1.0, 2.0]])
    check_against_torch(lambda t: t.std(1), lambda t: t.std(1), x)
    check_against_torch(lambda t: t.std(), lambda t: t.std(), np.ones(4))
