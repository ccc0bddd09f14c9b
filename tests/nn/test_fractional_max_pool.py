"""Fractional max pooling against torch's, with the same _random_samples: values, indices and
gradients (2-D and 3-D, float32 and float64, unbatched, ratio or size); gradcheck; the
errors torch raises; drawn samples give windows inside the input."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import gradcheck

torch = pytest.importorskip("torch")

CASES_2D = [((2, 3, 10, 9), (2, 3), {"output_size": (6, 5)}),
            ((2, 3, 10, 9), 2, {"output_ratio": (0.5, 0.7)}),
            ((3, 11, 11), 3, {"output_size": 4}),
            ((2, 2, 7, 8), (2, 2), {"output_size": (6, 7)}),
            ((2, 2, 5, 6), 1, {"output_size": (5, 6)})]


def _both(nd, shape, kernel, kw, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    u = rng.random((1 if len(shape) == nd + 1 else shape[0], shape[-nd - 1], nd)).astype(dtype)
    g = None
    out = []
    for lib, f in ((torch, getattr(torch.nn.functional, f"fractional_max_pool{nd}d")),
                   (autograd, getattr(F, f"fractional_max_pool{nd}d"))):
        xt = lib.tensor(x, requires_grad=True)
        y, idx = f(xt, kernel, return_indices=True, _random_samples=lib.tensor(u), **kw)
        g = rng.standard_normal(tuple(y.shape)).astype(dtype) if g is None else g
        (y * lib.tensor(g)).sum().backward()
        out.append((y.detach().numpy(), idx.numpy(), xt.grad.numpy()))
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,kernel,kw", CASES_2D)
def test_2d_matches_torch(shape, kernel, kw, dtype):
    theirs, ours = _both(2, shape, kernel, kw, dtype)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


def test_3d_matches_torch():
    theirs, ours = _both(3, (2, 3, 8, 9, 10), (2, 3, 2), {"output_size": (5, 4, 6)},
                         np.float64)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


def test_gradcheck():
    u = autograd.tensor(np.random.default_rng(1).random((1, 2, 2)))
    x = autograd.tensor(np.random.default_rng(2).permutation(2 * 7 * 6).reshape(1, 2, 7, 6)
                        / 10.0, requires_grad=True)
    assert gradcheck(lambda t: F.fractional_max_pool2d(t, 2, output_size=(4, 3),
                                                       _random_samples=u), (x,))


def test_drawn_samples_and_module():
    x = autograd.randn(2, 3, 12, 13)
    pool = nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.5), return_indices=True)
    y, idx = pool(x)
    assert y.shape == (2, 3, 6, 6) == tuple(torch.nn.FractionalMaxPool2d(
        3, output_ratio=(0.5, 0.5))(torch.zeros(2, 3, 12, 13)).shape)
    flat = x.numpy().reshape(2, 3, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, idx.numpy().reshape(2, 3, -1), 2),
                                  y.numpy().reshape(2, 3, -1))


@pytest.mark.parametrize("kw", [{}, {"output_size": 4, "output_ratio": 0.5},
                                {"output_ratio": (1.5, 0.5)}])
def test_module_refuses_as_torch(kw):
    with pytest.raises(ValueError):
        torch.nn.FractionalMaxPool2d(2, **kw)
    with pytest.raises(ValueError):
        nn.FractionalMaxPool2d(2, **kw)


def test_output_too_large_refused():
    with pytest.raises(RuntimeError):
        torch.nn.functional.fractional_max_pool2d(torch.zeros(1, 1, 5, 5), 3, output_size=4)
    with pytest.raises(RuntimeError, match="fractional_max_pool2d: output_size"):
        F.fractional_max_pool2d(autograd.zeros(1, 1, 5, 5), 3, output_size=4)
