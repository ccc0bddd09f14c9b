"""Depthwise convolution (groups == C_in, channel multiplier 1-3), which runs its own kernels:
forward and gradients against torch in float64 and float32, float32 weight gradients against
a float64 reference, finite differences and second derivatives."""
import numpy as np
import pytest

import autograd
import nn.functional as F
from autograd.gradcheck import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

# (N, C, H, W), multiplier, kernel, stride, padding, dilation
CASES = [((2, 4, 8, 8), 1, 3, 1, 1, 1),
         ((2, 4, 9, 7), 2, 3, 2, 1, 1),
         ((1, 3, 10, 9), 1, (3, 5), (2, 1), (0, 2), (2, 1)),
         ((2, 2, 7, 8), 3, 2, 3, 0, 1),
         ((3, 5, 6, 6), 2, 5, 1, 2, 1),
         ((1, 2, 5, 6), 1, 3, 1, "same", (1, 2))]


def _run(lib, x, w, b, g, stride, padding, dilation):
    fn = F.conv2d if lib is autograd else torch.nn.functional.conv2d
    tensors = [lib.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = fn(*tensors, stride=stride, padding=padding, dilation=dilation, groups=x.shape[1])
    (y * lib.tensor(g)).sum().backward()
    return [y.detach().numpy()] + [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-11), (np.float32, 2e-4)])
@pytest.mark.parametrize("shape,m,kernel,stride,padding,dilation", CASES)
def test_depthwise_conv2d_matches_torch(shape, m, kernel, stride, padding, dilation, dtype, tol):
    rng = np.random.default_rng(sum(shape) + m)
    ks = (kernel, kernel) if isinstance(kernel, int) else kernel
    x = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal((shape[1] * m, 1) + ks).astype(dtype)
    b = rng.standard_normal(shape[1] * m).astype(dtype)
    yt = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), None, stride, padding,
                                    dilation, shape[1])
    g = rng.standard_normal(yt.shape).astype(dtype)
    ours = _run(autograd, x, w, b, g, stride, padding, dilation)
    theirs = _run(torch, x, w, b, g, stride, padding, dilation)
    for name, a, e in zip(("y", "dx", "dw", "db"), ours, theirs):
        assert a.dtype == dtype, name
        np.testing.assert_allclose(a, e, rtol=tol, atol=tol * max(1.0, np.abs(e).max()),
                                   err_msg=name)


def test_depthwise_conv1d_and_unbatched_match_torch():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 3, 11)), rng.standard_normal((6, 1, 4))
    for ours, theirs in [(F.conv1d, torch.nn.functional.conv1d)]:
        xa, wa = autograd.tensor(x, requires_grad=True), autograd.tensor(w, requires_grad=True)
        xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        y, yt = ours(xa, wa, None, 2, 3, 2, 3), theirs(xt, wt, None, 2, 3, 2, 3)
        (y ** 2).sum().backward()
        (yt ** 2).sum().backward()
        np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(wa.grad.numpy(), wt.grad.numpy(), rtol=1e-12, atol=1e-12)
    x2 = rng.standard_normal((3, 6, 5))
    y = F.conv2d(autograd.tensor(x2), autograd.tensor(w[:, :, None, :3]), padding=1, groups=3)
    yt = torch.nn.functional.conv2d(torch.tensor(x2), torch.tensor(w[:, :, None, :3]),
                                    padding=1, groups=3)
    np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-12, atol=1e-12)


def test_float32_weight_gradient_is_as_accurate_as_torch():
    # dW sums N*Ho*Wo = 32768 products per tap
    rng = np.random.default_rng(2)
    x = rng.standard_normal((32, 4, 32, 32)).astype(np.float32)
    w = rng.standard_normal((4, 1, 3, 3)).astype(np.float32)
    g = rng.standard_normal((32, 4, 32, 32)).astype(np.float32)
    exact = _run(torch, x.astype(np.float64), w.astype(np.float64),
                 np.zeros(4), g.astype(np.float64), 1, 1, 1)[2]
    ours = _run(autograd, x, w, np.zeros(4, np.float32), g, 1, 1, 1)[2]
    theirs = _run(torch, x, w, np.zeros(4, np.float32), g, 1, 1, 1)[2]
    scale = np.abs(exact).max()
    assert np.abs(ours - exact).max() <= max(2 * np.abs(theirs - exact).max(), 1e-6 * scale)


@pytest.mark.parametrize("m,stride,padding,dilation", [(1, 1, 1, 1), (2, 2, (1, 0), (1, 2))])
def test_depthwise_gradcheck_and_gradgradcheck(m, stride, padding, dilation):
    rng = np.random.default_rng(3)
    x = autograd.tensor(rng.standard_normal((1, 2, 5, 5)), requires_grad=True)
    w = autograd.tensor(rng.standard_normal((2 * m, 1, 3, 2)), requires_grad=True)
    b = autograd.tensor(rng.standard_normal(2 * m), requires_grad=True)

    def fn(x, w, b):   # tanh first: the conv's input is made by another op
        return F.conv2d(x.tanh(), w, b, stride, padding, dilation, groups=2)

    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))
