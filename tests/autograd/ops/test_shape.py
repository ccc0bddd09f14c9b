"""Shape ops and indexing: numpy forward, float64 gradcheck and torch values+gradients."""
import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import autograd
from tests.helpers import arrays, check_against_torch, check_float32, check_op, shapes

torch = pytest.importorskip("torch")

SETTINGS = settings(deadline=None, max_examples=20)
X = np.arange(24.0).reshape(2, 3, 4) / 10 - 1


@SETTINGS
@given(data=st.data(), shape=shapes)
def test_reshape_view_flatten(data, shape):
    x = data.draw(arrays(shape))
    target = (-1,) if x.size == 1 else data.draw(st.sampled_from(
        [(x.size,), (-1, 1), (1, x.size), (1, -1, 1)]))
    check_op(lambda t: t.reshape(*target), lambda t: t.reshape(*target), x,
             numpy_ref=lambda a: a.reshape(target))
    check_op(lambda t: t.view(target), lambda t: t.reshape(target), x)
    check_op(lambda t: t.flatten(), lambda t: t.flatten(), x, numpy_ref=np.ravel)


@pytest.mark.parametrize("start, end", [(0, -1), (1, 2), (0, 1), (-2, -1), (2, 2)])
def test_flatten_ranges(start, end):
    check_op(lambda t: t.flatten(start, end), lambda t: t.flatten(start, end), X)


@SETTINGS
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=3))
def test_permute_transpose_T(data, shape):
    x = data.draw(arrays(shape))
    perm = data.draw(st.permutations(range(x.ndim)))
    neg = tuple(p - x.ndim if k % 2 else p for k, p in enumerate(perm))
    check_op(lambda t: t.permute(*neg), lambda t: t.permute(*neg), x,
             numpy_ref=lambda a: a.transpose(perm))
    d0, d1 = data.draw(st.integers(-x.ndim, x.ndim - 1)), data.draw(st.integers(0, x.ndim - 1))
    check_op(lambda t: t.transpose(d0, d1), lambda t: t.transpose(d0, d1), x,
             numpy_ref=lambda a: np.swapaxes(a, d0, d1))
    check_op(lambda t: t.T, lambda t: t.permute(*reversed(range(t.ndim))), x,
             numpy_ref=lambda a: a.T)
    check_op(lambda t: autograd.permute(t, perm), lambda t: t.permute(perm), x)


@SETTINGS
@given(data=st.data(), shape=hnp.array_shapes(min_dims=0, max_dims=4, max_side=2))
def test_squeeze_unsqueeze(data, shape):
    x = data.draw(arrays(shape))
    n = max(x.ndim, 1)
    check_op(lambda t: t.squeeze(), lambda t: t.squeeze(), x, numpy_ref=np.squeeze)
    d = data.draw(st.integers(-n, n - 1))
    check_op(lambda t: t.squeeze(d), lambda t: t.squeeze(d), x)
    u = data.draw(st.integers(-x.ndim - 1, x.ndim))
    check_op(lambda t: t.unsqueeze(u), lambda t: t.unsqueeze(u), x,
             numpy_ref=lambda a: np.expand_dims(a, u))


def test_squeeze_a_tuple_of_dims():
    x = np.ones((1, 2, 1, 3))
    check_op(lambda t: t.squeeze((0, 2)), lambda t: t.squeeze((0, 2)), x)
    check_op(lambda t: t.squeeze(1), lambda t: t.squeeze(1), x)


@SETTINGS
@given(data=st.data(), shapes2=hnp.mutually_broadcastable_shapes(num_shapes=1, min_dims=0,
                                                                  max_dims=3, max_side=3))
def test_expand(data, shapes2):
    x = data.draw(arrays(shapes2.input_shapes[0]))
    target = shapes2.result_shape
    check_op(lambda t: t.expand(*target), lambda t: t.expand(target), x,
             numpy_ref=lambda a: np.broadcast_to(a, target))
    if x.ndim:
        minus = target[:len(target) - x.ndim] + (-1,) * x.ndim
        check_op(lambda t: t.expand(minus), lambda t: t.expand(minus), x)
    check_op(lambda t: t.expand_as(autograd.zeros(target)),
             lambda t: t.expand_as(torch.zeros(target)), x)


def test_expand_errors():
    with pytest.raises(ValueError, match=r"expand.*\(2, 3\)"):
        autograd.ones(2, 3).expand(4, 3)


INDEXES = {
    "int": 1, "negative int": -1, "slice": slice(0, 2), "tuple of ints": (1, 2),
    "step": (slice(None), slice(None, None, 2)), "offset step": (Ellipsis, slice(1, None, 2)),
    "None": (None, 1), "ellipsis": (Ellipsis, 1), "ellipsis None": (Ellipsis, None, slice(1, 3)),
    "list": [1, 1, 0], "int array": (np.array([0, 1, 1]),),
    "two arrays": (np.array([0, 1, 1]), np.array([2, 0, 2])),
    "array slice array": (np.array([0, 1]), slice(None), np.array([3, 3])),
    "slice array": (slice(None), np.array([2, 2, 0])), "None array": (None, np.array([1, 1])),
    "2-d array": (np.array([[0, 1], [1, 1]]),), "int and array": (1, np.array([0, 0, 2])),
    "mask": X > 0.0, "2-d mask": X[:, :, 0] > -0.5,
    "slice mask": (slice(None), np.array([True, False, True])),
    "everything": (), "empty slice": slice(2, 1),
}


def _torch_index(index):
    if isinstance(index, np.ndarray):
        return torch.tensor(index)
    if isinstance(index, tuple):
        return tuple(_torch_index(i) for i in index)
    return index


@pytest.mark.parametrize("index", list(INDEXES.values()), ids=list(INDEXES))
def test_indexing(index):
    ours_index = autograd.tensor(index) if isinstance(index, np.ndarray) else index
    check_op(lambda t: t[ours_index], lambda t: t[_torch_index(index)], X,
             numpy_ref=lambda a: a[index])


def test_negative_step_slices_match_numpy_and_gradcheck():
    check_op(lambda t: t[:, ::-1], lambda t: t.flip(1), X, numpy_ref=lambda a: a[:, ::-1])
    check_op(lambda t: t[::-2, 2:0:-1], lambda t: t[torch.tensor([1])][:, torch.tensor([2, 1])], X,
             numpy_ref=lambda a: a[::-2, 2:0:-1])


def test_repeated_indices_accumulate():
    x = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3, 0, 1])
    y = autograd.tensor(np.ones((2, 2)), requires_grad=True)
    (y[autograd.tensor([1, 1])] * autograd.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    np.testing.assert_array_equal(y.grad.data, [[0, 0], [4, 6]])


def test_index_errors_name_the_shape():
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        autograd.ones(2, 3)[5]


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat(dim):
    a, b, c = X, X[:, :1] * 2 if dim == 1 else X * 2, X + 1
    if dim == 0:
        b = X[:1] * 2
    sizes = [a, b, c]
    check_op(lambda *ts: autograd.cat(ts, dim), lambda *ts: torch.cat(ts, dim), *sizes,
             numpy_ref=lambda *arrs: np.concatenate(arrs, dim))


@pytest.mark.parametrize("axis", [0, 1, -1, -2])
def test_cat_op_with_a_negative_axis_splits_its_gradient_on_that_axis(axis):
    # the internal callers (linalg's VJPs) pass Cat.apply a negative axis
    from autograd.ops.shape import Cat
    rng = np.random.default_rng(0)
    parts = [rng.standard_normal((2, 3)), rng.standard_normal((2, 3) if axis % 2 else (1, 3)),
             rng.standard_normal((2, 1) if axis % 2 else (4, 3))]
    ts = [autograd.tensor(p, requires_grad=True) for p in parts]
    y = Cat.apply(*ts, axis=axis)
    w = rng.standard_normal(y.shape)
    (y * autograd.tensor(w)).sum().backward()
    edges = np.cumsum([0] + [p.shape[axis] for p in parts])
    for t, lo, hi in zip(ts, edges[:-1], edges[1:]):
        np.testing.assert_array_equal(t.grad.numpy(), np.take(w, range(lo, hi), axis=axis))


@pytest.mark.parametrize("dim", [0, 1, 3, -1, -4])
def test_stack(dim):
    check_op(lambda *ts: autograd.stack(ts, dim), lambda *ts: torch.stack(ts, dim), X, X * 2,
             X - 1, numpy_ref=lambda *arrs: np.stack(arrs, dim))


def test_cat_and_stack_errors():
    with pytest.raises(ValueError, match="cat"):
        autograd.cat([autograd.ones(2, 3), autograd.ones(2, 4)], 0)
    with pytest.raises(ValueError, match="stack"):
        autograd.stack([autograd.ones(2), autograd.ones(3)])
    with pytest.raises(ValueError, match="cat"):
        autograd.cat([])


@pytest.mark.parametrize("size, dim", [(1, 0), (2, 1), (3, -1), ([1, 3], -1), ([2, 0, 1], 1)])
def test_split(size, dim):
    check_op(lambda t: t.split(size, dim), lambda t: t.split(size, dim), X)
    assert [p.shape for p in autograd.split(autograd.tensor(X), size, dim)] == \
        [tuple(p.shape) for p in torch.tensor(X).split(size, dim)]


@pytest.mark.parametrize("n, length", [(3, 5), (4, 6), (2, 4), (5, 3), (1, 3)])
def test_chunk_sizes_match_torch(n, length):
    x = np.arange(float(length))
    assert [p.shape for p in autograd.tensor(x).chunk(n)] == \
        [tuple(p.shape) for p in torch.tensor(x).chunk(n)]
    check_op(lambda t: t.chunk(n), lambda t: t.chunk(n), x)


def test_split_and_chunk_argument_errors():
    with pytest.raises(ValueError, match="split"):
        autograd.tensor(X).split([1, 1], 1)
    with pytest.raises(ValueError, match="split"):
        autograd.tensor(X).split(0)
    with pytest.raises(ValueError, match="chunk"):
        autograd.tensor(X).chunk(0)


@pytest.mark.parametrize("fn", [
    lambda t: t.reshape(3, 2), lambda t: t.T, lambda t: t.unsqueeze(0).squeeze(),
    lambda t: t.expand(4, 2, 3), lambda t: t[[0, 0, 1], 1:], lambda t: t[t > 0.2],
    lambda t: autograd.cat([t, t], 1), lambda t: autograd.stack([t, t]), lambda t: t.split(1),
    lambda t: t.flatten(), lambda t: t.permute(1, 0),
])
def test_float32_shape_ops_stay_float32(fn):
    check_float32(fn, np.arange(6.0).reshape(2, 3) / 10)


def test_function_forms():
    t = autograd.tensor(X)
    for ours, ref in [(autograd.reshape(t, 4, 6), X.reshape(4, 6)),
                      (autograd.flatten(t, 1), X.reshape(2, 12)),
                      (autograd.transpose(t, 0, 2), X.transpose(2, 1, 0)),
                      (autograd.unsqueeze(t, 1), X[:, None]),
                      (autograd.squeeze(autograd.unsqueeze(t, 1), 1), X)]:
        np.testing.assert_array_equal(ours.data, ref)
    assert [c.shape for c in autograd.chunk(t, 2, 2)] == [(2, 3, 2), (2, 3, 2)]


def test_reshape_error_names_the_shapes():
    with pytest.raises(ValueError, match=r"reshape.*\(2, 3, 4\).*\(5, 5\)"):
        autograd.tensor(X).reshape(5, 5)
    check_against_torch(lambda t: t.reshape(6, 4)[1:, ::3], lambda t: t.reshape(6, 4)[1:, ::3], X)


def test_cat_and_stack_promote_like_torch():
    ints, floats = [1, 2], [0.5]
    assert autograd.cat([autograd.tensor(ints), autograd.tensor(floats)]).dtype == np.float32
    assert autograd.stack([autograd.tensor(1.0), autograd.tensor(2.0, dtype=autograd.float64)]
                          ).dtype == np.float64
    x = autograd.tensor([1.0], requires_grad=True)
    autograd.cat([x, autograd.tensor([3])]).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.item() == 1


@pytest.mark.parametrize("call, error", [
    (lambda t: t.permute(0, 5, 1), IndexError), (lambda t: t.permute(0, 0, 1), ValueError),
    (lambda t: t.permute(0, 1), ValueError), (lambda t: t.transpose(0, 3), IndexError),
    (lambda t: t[0, 0].transpose(0, 1), IndexError), (lambda t: t.squeeze(3), IndexError),
    (lambda t: t.unsqueeze(4), IndexError), (lambda t: t.unsqueeze(0.5), TypeError),
    (lambda t: t.sum(0.5), TypeError), (lambda t: t.flatten(0, 3), IndexError),
])
def test_bad_dims_raise_like_torch(call, error):
    with pytest.raises(error):
        call(autograd.tensor(X))
    with pytest.raises(error if error is not ValueError else RuntimeError):
        call(torch.tensor(X))
