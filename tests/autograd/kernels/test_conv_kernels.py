"""im2col / col2im against a direct numpy loop, col2im as the exact adjoint of im2col, and the
layout moves (unfold_output, fold_grad, add_bias, bias_grad) against numpy."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd.kernels.conv import (add_bias, bias_grad, col2im, conv_output_size, fold_grad,
                                  im2col, unfold_output)


def im2col_loop(x, kernel, stride, padding, dilation):
    """Reference: one output column at a time, padding by np.pad; (C*kH*kW, N*Ho*Wo)."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    n, c, h, w = x.shape
    ho = conv_output_size(h, kh, sh, ph, dh)
    wo = conv_output_size(w, kw, sw, pw, dw)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    cols = np.zeros((n, c, kh, kw, ho, wo), x.dtype)
    for ki in range(kh):
        for kj in range(kw):
            for oh in range(ho):
                for ow in range(wo):
                    cols[:, :, ki, kj, oh, ow] = xp[:, :, oh * sh + ki * dh, ow * sw + kj * dw]
    return cols.reshape(n, c * kh * kw, ho * wo).transpose(1, 0, 2).reshape(c * kh * kw, -1)


def col2im_loop(cols, x_shape, kernel, stride, padding, dilation):
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    n, c, h, w = x_shape
    ho = conv_output_size(h, kh, sh, ph, dh)
    wo = conv_output_size(w, kw, sw, pw, dw)
    cols = cols.reshape(c, kh, kw, n, ho, wo).transpose(3, 0, 1, 2, 4, 5)
    xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), cols.dtype)
    for ki in range(kh):
        for kj in range(kw):
            for oh in range(ho):
                for ow in range(wo):
                    xp[:, :, oh * sh + ki * dh, ow * sw + kj * dw] += cols[:, :, ki, kj, oh, ow]
    return xp[:, :, ph:ph + h, pw:pw + w]


@st.composite
def configs(draw):
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
    size = []
    for k, s, p, d in zip(kernel, stride, padding, dilation):
        least = max(d * (k - 1) + 1 - 2 * p, 1)   # at least one output position
        size.append(draw(st.integers(least, least + 6)))
    return (n, c, *size), kernel, stride, padding, dilation


@settings(deadline=None, max_examples=60)
@given(cfg=configs(), dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 99))
def test_im2col_matches_loop(cfg, dtype, seed):
    shape, *geometry = cfg
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    got = im2col(x, *geometry)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, im2col_loop(x, *geometry))


@settings(deadline=None, max_examples=60)
@given(cfg=configs(), dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 99))
def test_col2im_matches_loop_and_is_the_adjoint(cfg, dtype, seed):
    shape, *geometry = cfg
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    cols_shape = im2col(x, *geometry).shape
    cols = rng.standard_normal(cols_shape).astype(dtype)
    got = col2im(cols, shape, *geometry)
    assert got.dtype == dtype and got.shape == shape
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, col2im_loop(cols, shape, *geometry), rtol=tol, atol=tol)
    # <im2col(x), cols> == <x, col2im(cols)>: the VJP of im2col is col2im
    lhs = np.sum(im2col(x, *geometry) * cols.astype(np.float64))
    rhs = np.sum(x * col2im(cols.astype(np.float64), shape, *geometry))
    assert abs(lhs - rhs) <= 1e-9 * max(1.0, abs(lhs))


def test_non_contiguous_input_and_known_values():
    x = np.arange(2 * 4 * 4, dtype=np.float64).reshape(2, 4, 4).transpose(0, 2, 1)[:, None]
    cols = im2col(x, (2, 2), (2, 2))
    np.testing.assert_array_equal(cols, im2col_loop(np.ascontiguousarray(x), (2, 2), (2, 2),
                                                    (0, 0), (1, 1)))
    # a 1x1 image, 3x3 kernel, padding 1: only the centre tap sees the pixel
    one = im2col(np.full((1, 1, 1, 1), 7.0), (3, 3), padding=(1, 1))
    np.testing.assert_array_equal(one.ravel(), [0, 0, 0, 0, 7, 0, 0, 0, 0])


def test_overlapping_windows_accumulate():
    cols = np.ones((9, 9))                    # 3x3 kernel over a 5x5 image, stride 1
    x = col2im(cols, (1, 1, 5, 5), (3, 3))
    expected = np.outer([1, 2, 3, 2, 1], [1, 2, 3, 2, 1])
    np.testing.assert_array_equal(x[0, 0], expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_empty_batch(dtype):
    cols = im2col(np.zeros((0, 2, 5, 5), dtype), (3, 3))
    assert cols.shape == (18, 0) and cols.dtype == dtype
    assert col2im(cols, (0, 2, 5, 5), (3, 3)).shape == (0, 2, 5, 5)


def test_parallel_drivers_match_serial(monkeypatch):
    from autograd.kernels import conv, pooling
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 2, 7, 6))
    geometry = ((3, 2), (2, 1), (1, 1), (1, 2))
    serial = im2col(x, *geometry)
    cols = rng.standard_normal(serial.shape)
    serial_back = col2im(cols, x.shape, *geometry)
    planes = x.reshape(6, 7, 6)
    serial_pool = pooling.max_pool_forward(planes, (2, 2), (2, 2), (1, 0), (1, 1), (4, 3))
    monkeypatch.setattr(conv, "PARALLEL", True)
    np.testing.assert_array_equal(im2col(x, *geometry), serial)
    np.testing.assert_array_equal(col2im(cols, x.shape, *geometry), serial_back)
    for a, b in zip(pooling.max_pool_forward(planes, (2, 2), (2, 2), (1, 0), (1, 1), (4, 3)),
                    serial_pool):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_col2im_reads_a_per_image_view(dtype):
    # the per-image products give dcols as (N, K, L); col2im takes its (K, N, L) view in place
    rng = np.random.default_rng(3)
    geometry = ((3, 3), (1, 2), (1, 0), (2, 1))
    shape = (3, 2, 7, 6)
    k, nl = im2col(np.zeros(shape, dtype), *geometry).shape
    per_image = rng.standard_normal((3, k, nl // 3)).astype(dtype)
    view = per_image.swapaxes(0, 1)
    got = col2im(view, shape, *geometry)
    want = col2im(np.ascontiguousarray(view).reshape(k, nl), shape, *geometry)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(got, col2im_loop(view.reshape(k, nl), shape, *geometry),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("with_bias", [True, False])
def test_unfold_output_moves_and_adds_bias(dtype, with_bias):
    rng = np.random.default_rng(4)
    n, f, l_ = 3, 5, 7
    yt = rng.standard_normal((f, n * l_)).astype(dtype)
    b = rng.standard_normal(f).astype(dtype) if with_bias else None
    y = unfold_output(yt, b, n)
    want = yt.reshape(f, n, l_).transpose(1, 0, 2) + (0 if b is None else b[:, None])
    assert y.dtype == dtype and y.flags.c_contiguous
    np.testing.assert_array_equal(y, want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fold_grad_and_bias_grad(dtype):
    rng = np.random.default_rng(5)
    g = rng.standard_normal((3, 5, 7)).astype(dtype)
    gt, db = fold_grad(g)
    np.testing.assert_array_equal(gt, g.transpose(1, 0, 2).reshape(5, -1))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert db.dtype == dtype and bias_grad(g).dtype == dtype
    np.testing.assert_allclose(db, g.astype(np.float64).sum(axis=(0, 2)), rtol=tol, atol=tol)
    np.testing.assert_allclose(bias_grad(g), g.astype(np.float64).sum(axis=(0, 2)),
                               rtol=tol, atol=tol)
    y = g.copy()
    b = rng.standard_normal(5).astype(dtype)
    assert add_bias(y, b) is y
    np.testing.assert_array_equal(y, g + b[:, None])


def test_unit_and_strided_paths_agree():
    # stride and dilation 1 run their own literal-offset loops: check them and the general
    # loops against the reference, forward and adjoint
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, 9, 8))
    for geometry in [((3, 3), (1, 1), (1, 1), (1, 1)), ((3, 3), (1, 1), (2, 2), (2, 2)),
                     ((2, 3), (2, 1), (0, 1), (1, 1))]:
        cols = im2col(x, *geometry)
        np.testing.assert_array_equal(cols, im2col_loop(x, *geometry))
        g = rng.standard_normal(cols.shape)
        np.testing.assert_allclose(col2im(g, x.shape, *geometry),
                                   col2im_loop(g, x.shape, *geometry), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_im2col_ones_row_appends_ones(dtype):
    x = np.random.default_rng(3).standard_normal((2, 3, 5, 6)).astype(dtype)
    plain = im2col(x, (3, 3), (1, 1), (1, 1))
    got = im2col(x, (3, 3), (1, 1), (1, 1), ones_row=True)
    assert got.dtype == dtype and got.shape == (plain.shape[0] + 1, plain.shape[1])
    np.testing.assert_array_equal(got[:-1], plain)
    np.testing.assert_array_equal(got[-1], np.ones(plain.shape[1], dtype))
