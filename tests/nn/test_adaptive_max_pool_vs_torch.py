"""adaptive_max_pool1d/2d/3d (one kernel over all windows) against torch: values, indices
and gradients for windows that overlap, repeat (out > in) or cover one element; ties, NaN
and -inf; gradcheck and a second derivative in float64."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
OPS = {1: (F.adaptive_max_pool1d, TF.adaptive_max_pool1d),
       2: (F.adaptive_max_pool2d, TF.adaptive_max_pool2d),
       3: (F.adaptive_max_pool3d, TF.adaptive_max_pool3d)}


def _run(nd, x, out, g):
    """(values, indices, input gradient) from ours and from torch for cotangent g."""
    ours, theirs = OPS[nd]
    a, t = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, i = ours(a, out, return_indices=True)
    yt, it = theirs(t, out, return_indices=True)
    y.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    return (y.data, i.data, a.grad.data), (yt.detach().numpy(), it.numpy(), t.grad.numpy())


def _same(ours, theirs):
    for o, t in zip(ours, theirs):
        assert o.shape == t.shape and o.dtype == t.dtype
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[1], theirs[1])
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6, atol=1e-6)


CASES = [(1, (2, 3, 10), 4), (1, (3, 5), 7), (1, (2, 2, 1), 3), (1, (1, 2, 9), 9),
         (2, (2, 3, 7, 5), (3, 2)), (2, (1, 2, 4, 3), (6, 7)), (2, (3, 6, 5), (None, 4)),
         (2, (2, 2, 9, 11), (4, 5)), (2, (1, 1, 5, 5), 1), (2, (1, 1, 3, 2), (5, 3)),
         (3, (2, 2, 5, 7, 4), (2, 3, 2)), (3, (1, 2, 3, 4, 3), 5), (3, (2, 4, 6, 3), (None, 4, 1))]


@pytest.mark.parametrize("nd,shape,out", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values_indices_and_gradients_match_torch(nd, shape, out, dtype):
    rng = np.random.default_rng(len(shape) * 10 + sum(shape))
    x = rng.standard_normal(shape).astype(dtype)
    g = rng.standard_normal(tuple(OPS[nd][1](torch.tensor(x), out).shape)).astype(dtype)
    _same(*_run(nd, x, out, g))


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_ties_nan_and_infinities_match_torch(nd):
    rng = np.random.default_rng(nd)
    shape = (2, 3) + (5,) * nd
    x = rng.integers(-1, 2, shape).astype(np.float64)   # many ties
    x[0, 0].flat[[1, 3, 4]] = np.nan                    # the last NaN of a window wins
    x[0, 1] = -np.inf                                  # windows of -inf only
    x[1, 0].flat[[0, 2]] = np.inf
    for out in [3, 7, 2]:
        g = rng.standard_normal(tuple(OPS[nd][1](torch.tensor(x), out).shape))
        _same(*_run(nd, x, out, g))


@pytest.mark.parametrize("nd,shape,out", [(1, (2, 2, 5), 7), (2, (1, 2, 5, 4), (3, 6)),
                                          (3, (1, 1, 3, 4, 3), (2, 3, 4))])
def test_gradcheck_and_second_derivative(nd, shape, out):
    x = np.random.default_rng(0).permutation(np.prod(shape)).reshape(shape) / 7.0  # no ties
    fn = OPS[nd][0]
    assert ag.gradcheck(lambda a: fn(a, out), (ag.tensor(x, requires_grad=True),))
    assert ag.gradgradcheck(lambda a: fn(a, out), (ag.tensor(x, requires_grad=True),))
    # d/dg of <dx, h> is the output read at the argmaxes: against torch's double backward
    h = np.random.default_rng(2).standard_normal(shape)
    grads = []
    for L, pool in ((ag, fn), (torch, OPS[nd][1])):
        a = L.tensor(x, requires_grad=True)
        y = pool(a, out)
        w = L.tensor(np.random.default_rng(3).standard_normal(tuple(y.shape)), requires_grad=True)
        (dx,) = L.autograd.grad((y * w).sum(), a, create_graph=True)
        (dw,) = L.autograd.grad((dx * L.tensor(h)).sum(), w)
        grads.append(np.asarray(dw.detach().numpy() if L is torch else dw.data))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def test_modules_keep_return_indices():
    x = np.random.default_rng(4).standard_normal((2, 3, 9, 6))
    y, i = nn.AdaptiveMaxPool2d((4, 5), return_indices=True)(ag.tensor(x))
    yt, it = torch.nn.AdaptiveMaxPool2d((4, 5), return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(i.data, it.numpy())
    np.testing.assert_array_equal(y.data, yt.numpy())
    y = nn.AdaptiveMaxPool1d(4)(ag.tensor(x[:, :, 0]))
    np.testing.assert_array_equal(y.data, torch.nn.AdaptiveMaxPool1d(4)(torch.tensor(x[:, :, 0])))
