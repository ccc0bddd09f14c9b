"""im2col / col2im: the kernel pair behind convolution (and its VJP).

Layout: x (N, C, H, W) <-> cols (N, C*kH*kW, Ho*Wo), row index (c*kH + ki)*kW + kj and
column index oh*Wo + ow. With this layout `weight(F, C*kH*kW) @ cols[n]` is already
(F, Ho*Wo), i.e. NCHW output with no transposing copy. Out-of-range taps (padding) read 0.

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
def _valid_range(off, stride, size, n_out):
    """Output positions o in [lo, hi) whose input position o*stride + off lies in [0, size)."""
    lo = 0 if off >= 0 else -((off) // stride)          # ceil(-off / stride)
    hi = -((off - size) // stride)                      # ceil((size - off) / stride)
    hi = min(max(hi, lo), n_out)
    lo = min(lo, n_out)
    return lo, hi


@_jit_inline
def _im2col_image(x, cols, n, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo):
    n_ch, h, w = x.shape[1], x.shape[2], x.shape[3]
    for c in range(n_ch):
        for ki in range(kh):
            for kj in range(kw):
                row = (c * kh + ki) * kw + kj
                off_w = kj * dw - pw
                lo, hi = _valid_range(off_w, sw, w, wo)
                for oh in range(ho):
                    ih = oh * sh - ph + ki * dh
                    base = oh * wo
                    if ih < 0 or ih >= h:
                        for ow in range(wo):
                            cols[n, row, base + ow] = 0.0
                        continue
                    for ow in range(lo):
                        cols[n, row, base + ow] = 0.0
                    for ow in range(lo, hi):
                        cols[n, row, base + ow] = x[n, c, ih, ow * sw + off_w]
                    for ow in range(hi, wo):
                        cols[n, row, base + ow] = 0.0


@_jit_inline
def _col2im_image(cols, x, n, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo):
    n_ch, h, w = x.shape[1], x.shape[2], x.shape[3]
    for c in range(n_ch):
        for ki in range(kh):
            for kj in range(kw):
                row = (c * kh + ki) * kw + kj
                off_w = kj * dw - pw
                lo, hi = _valid_range(off_w, sw, w, wo)
                for oh in range(ho):
                    ih = oh * sh - ph + ki * dh
                    if ih < 0 or ih >= h:
                        continue
                    base = oh * wo
                    for ow in range(lo, hi):
                        x[n, c, ih, ow * sw + off_w] += cols[n, row, base + ow]


@_jit
def _im2col(x, cols, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo):
    for n in range(x.shape[0]):
        _im2col_image(x, cols, n, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo)


@_jit_parallel
def _im2col_parallel(x, cols, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo):
    for n in nb.prange(x.shape[0]):
        _im2col_image(x, cols, n, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo)


@_jit
def _col2im(cols, x, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo):
    for n in range(x.shape[0]):
        _col2im_image(cols, x, n, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo)


@_jit_parallel
def _col2im_parallel(cols, x, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo):
    for n in nb.prange(x.shape[0]):
        _col2im_image(cols, x, n, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo)


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
        run = _im2col_parallel if PARALLEL and n > 1 else _im2col
        run(np.ascontiguousarray(x), cols, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo)
    return cols


def col2im(cols: np.ndarray, x_shape, kernel, stride=(1, 1), padding=(0, 0),
           dilation=(1, 1), out_size=None) -> np.ndarray:
    """The adjoint of im2col: cols (N, C*kH*kW, Ho*Wo) -> (N, C, H, W), overlaps summed."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    ho, wo = _out_size(x_shape, kernel, stride, padding, dilation, out_size)
    x = np.zeros(x_shape, cols.dtype)
    if cols.size:
        run = _col2im_parallel if PARALLEL and x_shape[0] > 1 else _col2im
        run(np.ascontiguousarray(cols), x, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo)
    return x
