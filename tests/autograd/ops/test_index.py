"""gather, scatter, scatter_add, index_select, repeat, flip, roll, nonzero, where(cond):
values and gradients against torch, float64 gradchecks, float32 kept, bad input refused."""
import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import autograd
from tests.helpers import arrays, assert_gradcheck, check_float32, check_op

torch = pytest.importorskip("torch")

SETTINGS = settings(deadline=None, max_examples=15)
RNG = np.random.default_rng(11)
nd_shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def _index_for(data, shape, axis, unique=False):
    """A random gather/scatter index: no larger than shape outside axis, values in range."""
    ishape = tuple(data.draw(st.integers(1, n)) if a != axis else
                   data.draw(st.integers(1, n if unique else n + 2)) for a, n in enumerate(shape))
    if unique:  # a permutation prefix along axis: no slot written twice
        perm = np.argsort(RNG.random(ishape[:axis] + (shape[axis],) + ishape[axis + 1:]), axis)
        return np.take(perm, range(ishape[axis]), axis=axis).astype(np.int64)
    return RNG.integers(0, shape[axis], ishape).astype(np.int64)


@SETTINGS
@given(data=st.data(), shape=nd_shapes)
def test_gather_matches_torch(data, shape):
    x = data.draw(arrays(shape))
    axis = data.draw(st.integers(0, x.ndim - 1))
    dim = axis - x.ndim if data.draw(st.booleans()) else axis
    idx = _index_for(data, shape, axis)
    check_op(lambda t: t.gather(dim, autograd.tensor(idx)),
             lambda t: torch.gather(t, dim, torch.tensor(idx)), x)
    check_op(lambda t: autograd.gather(t, dim, idx), lambda t: t.gather(dim, torch.tensor(idx)), x,
             gradcheck=False)


@SETTINGS
@given(data=st.data(), shape=nd_shapes)
def test_scatter_and_scatter_add_match_torch_in_both_inputs(data, shape):
    x = data.draw(arrays(shape))
    axis = data.draw(st.integers(0, x.ndim - 1))
    uniq = _index_for(data, shape, axis, unique=True)
    src = data.draw(arrays(uniq.shape))
    check_op(lambda t, s: t.scatter(axis, autograd.tensor(uniq), s),
             lambda t, s: t.scatter(axis, torch.tensor(uniq), s), x, src)
    rep = _index_for(data, shape, axis)        # repeated slots add up
    src = data.draw(arrays(rep.shape))
    check_op(lambda t, s: autograd.scatter_add(t, axis, rep, s),
             lambda t, s: torch.scatter_add(t, axis, torch.tensor(rep), s), x, src)
    check_op(lambda t: t.scatter(axis, autograd.tensor(uniq), value=2.5),
             lambda t: t.scatter(axis, torch.tensor(uniq), 2.5), x)


def test_scatter_with_src_larger_than_index_gets_zero_gradient_outside():
    x, src = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 5))
    idx = np.array([[2, 0, 1], [1, 2, 0]])
    for op in ("scatter", "scatter_add"):
        fn = lambda t, s, op=op: getattr(t, op)(0, autograd.tensor(idx), s)  # noqa: E731
        assert_gradcheck(fn, x, src)
        s = autograd.tensor(src, requires_grad=True)
        fn(autograd.tensor(x), s).sum().backward()
        assert np.all(s.grad.data[2:] == 0) and np.all(s.grad.data[:, 3:] == 0)
        expected = getattr(torch.tensor(x), op)(0, torch.tensor(idx), torch.tensor(src))
        np.testing.assert_allclose(fn(autograd.tensor(x), autograd.tensor(src)).data,
                                   expected.numpy(), rtol=1e-12)


@SETTINGS
@given(data=st.data(), shape=nd_shapes)
def test_index_select_matches_torch(data, shape):
    x = data.draw(arrays(shape))
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    idx = RNG.integers(0, shape[dim], data.draw(st.integers(0, 5)))
    check_op(lambda t: t.index_select(dim, autograd.tensor(idx)),
             lambda t: t.index_select(dim, torch.tensor(idx)), x)
    check_op(lambda t: autograd.index_select(t, dim, autograd.tensor(idx[:1].reshape(()) if
                                                                       idx.size else 0)),
             lambda t: t.index_select(dim, torch.tensor(idx[:1].reshape(()) if idx.size else 0)),
             x)


@SETTINGS
@given(data=st.data(), shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
def test_repeat_flip_roll_match_torch(data, shape):
    x = data.draw(arrays(shape))
    reps = tuple(data.draw(st.lists(st.integers(0, 3), min_size=x.ndim, max_size=x.ndim + 2)))
    check_op(lambda t: t.repeat(*reps), lambda t: t.repeat(reps), x,
             numpy_ref=lambda a: np.tile(a.reshape((1,) * (len(reps) - a.ndim) + a.shape), reps))
    if x.ndim:
        dims = data.draw(st.lists(st.integers(0, x.ndim - 1), min_size=1, unique=True))
        dims = [d - x.ndim if k % 2 else d for k, d in enumerate(dims)]
        shifts = data.draw(st.lists(st.integers(-5, 5), min_size=len(dims), max_size=len(dims)))
        check_op(lambda t: t.roll(shifts, dims), lambda t: t.roll(shifts, dims), x)
    else:
        dims = [0] if data.draw(st.booleans()) else []
    check_op(lambda t: t.flip(dims), lambda t: torch.flip(t, dims), x)
    check_op(lambda t: autograd.flip(t, dims), lambda t: t.flip(dims), x, gradcheck=False)
    shift = data.draw(st.integers(-7, 7))
    check_op(lambda t: autograd.roll(t, shift), lambda t: torch.roll(t, shift), x)


@pytest.mark.parametrize("dtype", [np.float64, np.int64, np.bool_])
def test_nonzero_and_where_match_torch(dtype):
    for shape in [(0,), (), (3,), (2, 3), (2, 0, 3), (2, 2, 3)]:
        a = (RNG.integers(0, 3, shape) * (RNG.random(shape) < 0.6)).astype(dtype)
        ours, theirs = autograd.tensor(a), torch.tensor(a)
        got, want = ours.nonzero(), torch.nonzero(theirs)
        assert got.dtype == np.int64 and got.shape == tuple(want.shape)
        np.testing.assert_array_equal(got.data, want.numpy())
        for g, w in [(autograd.nonzero(ours, as_tuple=True), theirs.nonzero(as_tuple=True)),
                     (autograd.where(ours), torch.where(theirs))]:
            assert isinstance(g, tuple) and len(g) == len(w)
            for gi, wi in zip(g, w):
                assert gi.dtype == np.int64
                np.testing.assert_array_equal(gi.data, wi.numpy())


def test_three_argument_where_and_tensor_where_still_differentiate():
    x, y = RNG.standard_normal((2, 3)), RNG.standard_normal(3)
    cond = x > 0
    check_op(lambda a, b: autograd.where(autograd.tensor(cond), a, b),
             lambda a, b: torch.where(torch.tensor(cond), a, b), x, y)
    check_op(lambda a, b: a.where(autograd.tensor(cond), b),
             lambda a, b: a.where(torch.tensor(cond), b), x, y)


def test_float32_stays_float32():
    x = RNG.standard_normal((3, 4))
    idx = np.array([[0, 2], [1, 1]])
    check_float32(lambda t: t.gather(1, idx), x)
    check_float32(lambda t, s: t.scatter(1, idx, s[:2, :2]), x, x)
    check_float32(lambda t, s: t.scatter_add(0, idx, s), x, x)
    check_float32(lambda t: t.index_select(0, [2, 0]), x)
    check_float32(lambda t: t.repeat(2, 1, 3), x)
    check_float32(lambda t: t.flip(0, 1), x)
    check_float32(lambda t: t.roll((1, -1), (0, 1)), x)


def test_scatter_takes_a_number_as_fourth_argument_like_torch():
    x, idx = RNG.standard_normal((2, 3)), np.array([[2], [0]])
    np.testing.assert_array_equal(
        autograd.tensor(x).scatter(1, autograd.tensor(idx), -1.5).data,
        torch.tensor(x).scatter(1, torch.tensor(idx), -1.5).numpy())


def test_integer_tensors_gather_and_scatter_without_gradient():
    x = autograd.tensor([[1, 2, 3], [4, 5, 6]])
    idx = [[2, 0], [1, 1]]
    got = x.gather(1, idx)
    assert got.dtype == np.int64 and not got.requires_grad
    np.testing.assert_array_equal(got.data, [[3, 1], [5, 5]])
    np.testing.assert_array_equal(x.scatter(1, autograd.tensor([[0], [2]]), value=9).data,
                                  [[9, 2, 3], [4, 5, 9]])


def test_index_checks_raise_clear_errors():
    x = autograd.randn(2, 3)
    with pytest.raises(IndexError, match=r"gather: index 3 is out of bounds for dim 1 with size 3"):
        x.gather(1, [[3]])
    with pytest.raises(IndexError, match=r"gather: index -1 is out of bounds"):
        x.gather(1, [[-1]])
    with pytest.raises(TypeError, match=r"gather: index must be an integer tensor.*float"):
        x.gather(1, autograd.tensor([[0.0]]))
    with pytest.raises(ValueError, match=r"gather: index shape \(2,\) must have as many dims"):
        x.gather(0, [0, 1])
    with pytest.raises(ValueError, match=r"larger than the tensor of shape \(2, 3\)"):
        x.gather(0, [[0, 0, 0, 0]])
    with pytest.raises(IndexError, match=r"gather: dim 2 is out of range"):
        x.gather(2, [[0]])
    with pytest.raises(TypeError, match=r"scatter: src has dtype torch.float64.*float32"):
        x.scatter(0, [[0]], autograd.tensor([[1.0]], dtype=autograd.float64))
    with pytest.raises(ValueError, match=r"or src of shape \(1, 1\)"):
        x.scatter(0, [[0, 1]], autograd.ones(1, 1))
    with pytest.raises(TypeError, match=r"scatter: pass exactly one of src"):
        x.scatter(0, [[0]])
    with pytest.raises(ValueError, match=r"scatter: index shape \(1, 1\) must have as many "
                                         r"dims as the tensor of shape \(2, 3\), src shape \(\)"):
        x.scatter(0, [[0]], autograd.tensor(1.0))
    with pytest.raises(IndexError, match=r"index_select: index 5 is out of bounds"):
        x.index_select(1, [0, 5])
    with pytest.raises(IndexError, match=r"index_select: index -1 is out of bounds"):
        x.index_select(0, [-1])
    with pytest.raises(ValueError, match=r"repeat: 1 repeats \(2,\) are fewer than the 2 dims"):
        x.repeat(2)
    with pytest.raises(ValueError, match=r"roll: shifts \(1, 2\) and dims \(0,\)"):
        x.roll((1, 2), 0)
    with pytest.raises(ValueError, match=r"roll: shifts \(\) and dims \(\)"):
        x.roll((), ())
    with pytest.raises(ValueError, match=r"flip: dim \(0, -2\) repeats an axis"):
        x.flip([0, -2])
    with pytest.raises(TypeError, match=r"where: pass both input and other"):
        autograd.where(x > 0, x)


def test_zero_dim_and_empty_tensors():
    s = np.array(1.5)
    check_op(lambda t: t.gather(0, autograd.tensor(0)), lambda t: t.gather(0, torch.tensor(0)), s)
    check_op(lambda t: t.index_select(0, [0]), lambda t: t.index_select(0, torch.tensor([0])), s)
    check_op(lambda t, v: t.scatter(-1, autograd.tensor(0), v),
             lambda t, v: t.scatter(-1, torch.tensor(0), v), s, np.array(2.5))
    e = np.zeros((0, 3))
    check_op(lambda t: t.gather(1, np.zeros((0, 2), np.int64)),
             lambda t: t.gather(1, torch.zeros(0, 2, dtype=torch.long)), e)
    check_op(lambda t: t.index_select(1, []),
             lambda t: t.index_select(1, torch.tensor([], dtype=torch.long)),
             RNG.standard_normal((2, 3)))


def test_saved_index_modified_in_place_makes_backward_raise():
    x = autograd.tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    idx = autograd.tensor([[0, 2], [1, 0]])
    y = x.gather(1, idx)
    idx.add_(1)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.sum().backward()
