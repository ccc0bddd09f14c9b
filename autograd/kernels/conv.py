"""im2col / col2im: the kernel pair behind convolution (and its VJP).

Layout: x (N, C, H, W) <-> cols (N, C*kH*kW, Ho*Wo), row index (c*kH + ki)*kW + kj and
column index oh*Wo + ow. With this layout `weight(F, C*kH*kW) @ cols[n]` is already
(F, Ho*Wo), i.e. NCHW output with no transposing copy. The kernels work on a zero-padded
copy of the image that holds every tap, so their inner loops need no bounds tests.

Each kernel has a serial and a batch-parallel driver (prange over images; each image owns its
slice, so col2im's accumulation has no write races). Measured on 2 cores, LeNet-sized layers:
parallel halves the kernel time when the cores are idle, but when other processes share them
each parallel launch can stall ~20 ms waiting for a descheduled worker (serial: ~0.9 ms). So
the parallel drivers are opt-in: AUTOGRAD_PARALLEL=1, or set `PARALLEL = True` here (the
pooling kernels follow the same switch).
"""
import os

import numba as nb
import numpy as np

PARALLEL = os.environ.get("AUTOGRAD_PARALLEL", "0") == "1"

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)
_jit_parallel = nb.njit(cache=True, error_model="numpy", nogil=True, parallel=True)
_jit_inline = nb.njit(cache=True, error_model="numpy", nogil=True, inline="always")


@_jit_inline
def _im2col_image(xp, cols, n, kh, kw, sh, sw, dh, dw, ho, wo):
    # xp is zero-padded so that every tap is in range: the inner loop has no bounds tests
    for c in range(xp.shape[1]):
        img = xp[n, c]
        for ki in range(kh):
            for kj in range(kw):
                dst = cols[n, (c * kh + ki) * kw + kj]
                off = kj * dw
                for oh in range(ho):
                    src = img[oh * sh + ki * dh]
                    base = oh * wo
                    for ow in range(wo):
                        dst[base + ow] = src[ow * sw + off]


@_jit_inline
def _col2im_image(cols, xp, n, kh, kw, sh, sw, dh, dw, ho, wo):
    for c in range(xp.shape[1]):
        img = xp[n, c]
        for ki in range(kh):
            for kj in range(kw):
                src = cols[n, (c * kh + ki) * kw + kj]
                off = kj * dw
                for oh in range(ho):
                    dst = img[oh * sh + ki * dh]
                    base = oh * wo
                    for ow in range(wo):
                        dst[ow * sw + off] += src[base + ow]


@_jit
def _im2col(xp, cols, kh, kw, sh, sw, dh, dw, ho, wo):
    for n in range(xp.shape[0]):
        _im2col_image(xp, cols, n, kh, kw, sh, sw, dh, dw, ho, wo)


@_jit_parallel
def _im2col_parallel(xp, cols, kh, kw, sh, sw, dh, dw, ho, wo):
    for n in nb.prange(xp.shape[0]):
        _im2col_image(xp, cols, n, kh, kw, sh, sw, dh, dw, ho, wo)


@_jit
def _col2im(cols, xp, kh, kw, sh, sw, dh, dw, ho, wo):
    for n in range(xp.shape[0]):
        _col2im_image(cols, xp, n, kh, kw, sh, sw, dh, dw, ho, wo)


@_jit_parallel
def _col2im_parallel(cols, xp, kh, kw, sh, sw, dh, dw, ho, wo):
    for n in nb.prange(xp.shape[0]):
        _col2im_image(cols, xp, n, kh, kw, sh, sw, dh, dw, ho, wo)


def _padded_shape(x_shape, kernel, stride, padding, dilation, out_size):
    """(N, C, Hp, Wp) holding the image at offset (pH, pW) and every tap of every output."""
    n, c, h, w = x_shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    ho, wo = out_size
    return (n, c, max(h + ph, (ho - 1) * sh + (kh - 1) * dh + 1),
            max(w + pw, (wo - 1) * sw + (kw - 1) * dw + 1))


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """floor((I + 2P - D*(K-1) - 1) / S) + 1 (may be <= 0: the caller reports it)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _out_size(x_shape, kernel, stride, padding, dilation, out_size):
    if out_size is not None:
        return out_size
    return tuple(conv_output_size(i, k, s, p, d)
                 for i, k, s, p, d in zip(x_shape[2:], kernel, stride, padding, dilation))


def im2col(x: np.ndarray, kernel, stride=(1, 1), padding=(0, 0), dilation=(1, 1),
           out_size=None) -> np.ndarray:
    """x: (N, C, H, W) -> cols (N, C*kH*kW, Ho*Wo), zeros where a tap falls in the padding.

    `padding` is the (top, left) padding; `out_size` (Ho, Wo) defaults to the symmetric-padding
    size and may be given to pad the bottom/right edges differently (padding='same').
    """
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    n, c, h, w = x.shape
    ho, wo = _out_size(x.shape, kernel, stride, padding, dilation, out_size)
    cols = np.empty((n, c * kh * kw, ho * wo), x.dtype)
    if cols.size:
        xp = np.zeros(_padded_shape(x.shape, kernel, stride, padding, dilation, (ho, wo)),
                      x.dtype)
        xp[:, :, ph:ph + h, pw:pw + w] = x
        run = _im2col_parallel if PARALLEL and n > 1 else _im2col
        run(xp, cols, kh, kw, sh, sw, dh, dw, ho, wo)
    return cols


def col2im(cols: np.ndarray, x_shape, kernel, stride=(1, 1), padding=(0, 0),
           dilation=(1, 1), out_size=None) -> np.ndarray:
    """The adjoint of im2col: cols (N, C*kH*kW, Ho*Wo) -> (N, C, H, W), overlaps summed."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    ho, wo = _out_size(x_shape, kernel, stride, padding, dilation, out_size)
    if not cols.size:
        return np.zeros(x_shape, cols.dtype)
    xp = np.zeros(_padded_shape(x_shape, kernel, stride, padding, dilation, (ho, wo)),
                  cols.dtype)
    run = _col2im_parallel if PARALLEL and x_shape[0] > 1 else _col2im
    run(np.ascontiguousarray(cols), xp, kh, kw, sh, sw, dh, dw, ho, wo)
    h, w = x_shape[2:]
    return np.ascontiguousarray(xp[:, :, ph:ph + h, pw:pw + w])
