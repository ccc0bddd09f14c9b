"""The depthwise kernels against a numpy loop over the taps: forward, and both gradients as
its exact adjoints (<dx, x> = <g, y> with w fixed; <dw, w> = <g, y> with x fixed)."""
import numpy as np
import pytest

from autograd.kernels.conv import conv_output_size
from autograd.kernels.depthwise import (depthwise_forward, depthwise_grad_input,
                                        depthwise_grad_weight)

# (N, C, H, W), M, kernel, stride, padding, dilation
CASES = [((2, 3, 5, 6), 1, (3, 3), (1, 1), (1, 1), (1, 1)),
         ((1, 2, 7, 5), 2, (3, 2), (2, 1), (0, 1), (1, 2)),
         ((2, 2, 6, 7), 3, (2, 3), (2, 3), (1, 2), (2, 1)),
         ((1, 2, 1, 3), 1, (1, 2), (1, 2), (0, 0), (1, 1)),      # an input column no tap reads
         ((1, 1, 9, 7), 2, (2, 2), (3, 3), (0, 0), (1, 1))]      # trailing rows and columns too


def forward_loop(x, w, stride, padding, dilation):
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = w.shape[2:], stride, padding, dilation
    n, c, h, wd = x.shape
    m = w.shape[0] // c
    ho, wo = (conv_output_size(h, kh, sh, ph, dh), conv_output_size(wd, kw, sw, pw, dw))
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))).repeat(m, axis=1)
    y = np.zeros((n, c * m, ho, wo), x.dtype)
    for ki in range(kh):
        for kj in range(kw):
            win = xp[:, :, ki * dh:ki * dh + (ho - 1) * sh + 1:sh,
                     kj * dw:kj * dw + (wo - 1) * sw + 1:sw]
            y += w[None, :, 0, ki, kj, None, None] * win
    return y


@pytest.mark.parametrize("shape,m,kernel,stride,padding,dilation", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_depthwise_kernels_match_the_loop_and_are_adjoint(shape, m, kernel, stride, padding,
                                                          dilation, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal((shape[1] * m, 1) + kernel).astype(dtype)
    b = rng.standard_normal(shape[1] * m).astype(dtype)
    ref = forward_loop(x.astype(np.float64), w.astype(np.float64), stride, padding, dilation)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    y = depthwise_forward(x, w, b, stride, padding, dilation, ref.shape[2:])
    assert y.dtype == dtype
    np.testing.assert_allclose(y, ref + b[:, None, None], rtol=tol, atol=tol)
    g = rng.standard_normal(ref.shape)
    dx = depthwise_grad_input(g.astype(dtype), w, x.shape, stride, padding, dilation)
    dw = depthwise_grad_weight(x, g.astype(dtype), w.shape, stride, padding, dilation)
    assert dx.shape == x.shape and dw.shape == w.shape and dx.dtype == dw.dtype == dtype
    # columns of the linear maps x -> y and w -> y, dotted with g
    for i in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[i] = 1
        np.testing.assert_allclose(dx[i], np.vdot(g, forward_loop(e, w.astype(np.float64), stride,
                                                                  padding, dilation)),
                                   rtol=tol, atol=tol)
    for i in np.ndindex(w.shape):
        e = np.zeros(w.shape)
        e[i] = 1
        np.testing.assert_allclose(dw[i], np.vdot(g, forward_loop(x.astype(np.float64), e, stride,
                                                                  padding, dilation)),
                                   rtol=tol, atol=tol)
