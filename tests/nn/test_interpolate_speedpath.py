"""F.interpolate on the resampling kernel: float32 values and gradients against torch on
shapes beyond the small ones of test_upsample.py, and second derivatives in float64."""
import numpy as np
import pytest

import autograd
import nn.functional as F
from autograd.gradcheck import gradgradcheck
from tests.helpers import assert_close, assert_gradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

CASES = [
    ((2, 3, 17, 23), dict(scale_factor=2, mode="bilinear")),
    ((2, 3, 17, 23), dict(scale_factor=2, mode="bilinear", align_corners=True)),
    ((2, 3, 17, 23), dict(size=(7, 9), mode="bilinear")),
    ((2, 3, 17, 23), dict(size=(40, 5), mode="bilinear", align_corners=True)),
    ((2, 3, 17, 23), dict(scale_factor=(1.7, 0.45), mode="bilinear",
                          recompute_scale_factor=True)),
    ((2, 3, 17, 23), dict(scale_factor=2.6, mode="bilinear")),
    ((2, 3, 17, 23), dict(scale_factor=2, mode="bicubic")),
    ((2, 3, 17, 23), dict(size=(9, 31), mode="bicubic", align_corners=True)),
    ((2, 3, 17, 23), dict(scale_factor=0.6, mode="bicubic")),
    ((2, 3, 17, 23), dict(scale_factor=2, mode="nearest")),
    ((2, 3, 17, 23), dict(size=(9, 31), mode="nearest")),
    ((2, 3, 5, 6), dict(scale_factor=9, mode="nearest")),   # transposed tables 9 wide
    ((2, 3, 17, 23), dict(scale_factor=1.5, mode="nearest-exact")),
    ((2, 4, 50), dict(scale_factor=2, mode="linear")),
    ((2, 4, 50), dict(size=17, mode="linear", align_corners=True)),
    ((2, 4, 50), dict(scale_factor=0.3, mode="linear", recompute_scale_factor=True)),
    ((2, 4, 50), dict(size=71, mode="nearest")),
    ((1, 2, 6, 7, 8), dict(scale_factor=2, mode="trilinear")),
    ((1, 2, 6, 7, 8), dict(size=(3, 11, 5), mode="trilinear", align_corners=True)),
    ((1, 2, 6, 7, 8), dict(scale_factor=(0.5, 1.5, 2.5), mode="nearest")),
]


@pytest.mark.parametrize("shape,kw", CASES, ids=[f"{s}-{k}" for s, k in CASES])
def test_float32_values_and_gradients_match_torch(shape, kw):
    rng = np.random.default_rng(len(shape) + sum(shape))
    x = rng.standard_normal(shape).astype(np.float32)
    ours = autograd.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    y, y_t = F.interpolate(ours, **kw), TF.interpolate(theirs, **kw)
    assert y.dtype == np.float32 and y.shape == tuple(y_t.shape)
    assert_close(y.data, y_t.detach().numpy(), rtol=1e-5, atol=1e-5)
    g = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(autograd.tensor(g))
    y_t.backward(torch.tensor(g))
    assert ours.grad.dtype == np.float32
    assert_close(ours.grad.data, theirs.grad.numpy(), rtol=1e-5, atol=1e-4, what="grad")


def test_non_contiguous_input_matches_torch():
    x = np.random.default_rng(3).standard_normal((2, 9, 3, 7)).transpose(0, 2, 3, 1)
    for kw in (dict(scale_factor=2, mode="bilinear"), dict(size=(4, 5), mode="bicubic")):
        ours = autograd.tensor(x, requires_grad=True)
        theirs = torch.tensor(x, requires_grad=True)
        F.interpolate(ours, **kw).sum().backward()
        TF.interpolate(theirs, **kw).sum().backward()
        assert_close(ours.grad.data, theirs.grad.numpy())


SMALL = [
    ((1, 2, 5), dict(size=8, mode="linear")),
    ((1, 2, 3, 4), dict(scale_factor=2, mode="bilinear", align_corners=True)),
    ((1, 1, 4, 5), dict(size=(3, 7), mode="bicubic")),
    ((1, 1, 3, 2, 3), dict(size=(2, 4, 5), mode="trilinear")),
    ((1, 2, 3, 4), dict(size=(5, 3), mode="nearest")),
]


@pytest.mark.parametrize("shape,kw", SMALL, ids=[f"{s}-{k}" for s, k in SMALL])
def test_gradcheck_and_gradgradcheck_float64(shape, kw):
    x = np.random.default_rng(7).standard_normal(shape)
    fn = lambda t: F.interpolate(t, **kw)   # noqa: E731
    assert_gradcheck(fn, x)
    assert gradgradcheck(fn, (autograd.tensor(x, requires_grad=True),))
