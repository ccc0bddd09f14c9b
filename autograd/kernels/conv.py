"""Convolution kernels: im2col / col2im and the layout moves around the batch-wide product.

Layout: x (N, C, H, W) <-> cols (C*kH*kW, N*Ho*Wo), row index (c*kH + ki)*kW + kj and column
index (n*Ho + oh)*Wo + ow. With the whole batch in the columns, the forward product
`weight(F, C*kH*kW) @ cols` and both VJP products are each ONE large BLAS call: OpenBLAS
spreads one large product over its threads but runs a stack of N small per-image products
serially (measured at 2 threads, LeNet's 16->32 layer: 0.29 ms against 0.47 ms). The
(F, N*L) product is moved to (N, F, L) with the bias added in the same pass (`unfold_output`),
and the incoming gradient goes the other way with the bias gradient summed on the way
(`fold_grad`). The kernels work on a zero-padded copy of the image that holds every tap, so
their inner loops need no bounds tests; stride and dilation 1 get their own loops.

Each kernel has a serial and a batch-parallel driver (prange over images; each image owns its
columns and its slice of the image, so col2im's accumulation has no write races). Measured on
2 cores, LeNet-sized layers: parallel halves the kernel time when the cores are idle, but when
other processes share them each parallel launch can stall ~20 ms waiting for a descheduled
worker (serial: ~0.9 ms). So the parallel drivers are opt-in: AUTOGRAD_PARALLEL=1, or set
`PARALLEL = True` here (the pooling kernels follow the same switch).
"""
import os

import numba as nb
import numpy as np

from .readonly import readonly

PARALLEL = os.environ.get("AUTOGRAD_PARALLEL", "0") == "1"

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)
_jit_parallel = nb.njit(cache=True, error_model="numpy", nogil=True, parallel=True)
_jit_inline = nb.njit(cache=True, error_model="numpy", nogil=True, inline="always")
# sums in a float64 accumulator, in any order (fastmath reassoc): the loop vectorizes
_jit_sum = nb.njit(cache=True, error_model="numpy", nogil=True, fastmath={"reassoc"})
# indices cast to unsigned skip numba's negative-index wraparound test, which otherwise keeps
# loops with a runtime offset from vectorizing (2-4x slower, measured); every index cast here
# is >= 0 by construction
_u = np.uint64


@_jit_inline
def _im2col_image(xp, cols, n, kh, kw, sh, sw, dh, dw):
    # cols: (K, N, Ho, Wo). Plain multi-dim indexing with literal unit offsets in the common
    # stride-1 case: index arithmetic on runtime strides (or row views made in the loop)
    # runs 2-3x slower here (measured)
    ho, wo = cols.shape[2], cols.shape[3]
    unit = sh == 1 and sw == 1 and dh == 1 and dw == 1
    for c in range(xp.shape[1]):
        for ki in range(kh):
            for kj in range(kw):
                r = (c * kh + ki) * kw + kj
                if unit:
                    for oh in range(ho):
                        for ow in range(wo):
                            cols[r, n, oh, ow] = xp[n, c, oh + ki, ow + kj]
                else:
                    for oh in range(ho):
                        ih = _u(oh * sh + ki * dh)
                        for ow in range(wo):
                            cols[r, n, oh, ow] = xp[n, c, ih, _u(ow * sw + kj * dw)]


@_jit_inline
def _col2im_image(cols, xp, n, kh, kw, sh, sw, dh, dw):
    ho, wo = cols.shape[2], cols.shape[3]
    unit = sh == 1 and sw == 1 and dh == 1 and dw == 1
    for c in range(xp.shape[1]):
        for ki in range(kh):
            for kj in range(kw):
                r = (c * kh + ki) * kw + kj
                if unit:
                    for oh in range(ho):
                        for ow in range(wo):
                            xp[n, c, oh + ki, ow + kj] += cols[r, n, oh, ow]
                else:
                    for oh in range(ho):
                        ih = _u(oh * sh + ki * dh)
                        for ow in range(wo):
                            xp[n, c, ih, _u(ow * sw + kj * dw)] += cols[r, n, oh, ow]


@_jit
def _im2col(xp, cols, kh, kw, sh, sw, dh, dw):
    for n in range(xp.shape[0]):
        _im2col_image(xp, cols, n, kh, kw, sh, sw, dh, dw)


@_jit_parallel
def _im2col_parallel(xp, cols, kh, kw, sh, sw, dh, dw):
    for n in nb.prange(xp.shape[0]):
        _im2col_image(xp, cols, n, kh, kw, sh, sw, dh, dw)


@_jit
def _col2im(cols, xp, kh, kw, sh, sw, dh, dw):
    for n in range(xp.shape[0]):
        _col2im_image(cols, xp, n, kh, kw, sh, sw, dh, dw)


@_jit_parallel
def _col2im_parallel(cols, xp, kh, kw, sh, sw, dh, dw):
    for n in nb.prange(xp.shape[0]):
        _col2im_image(cols, xp, n, kh, kw, sh, sw, dh, dw)


@_jit
def _pad_into(x, xp, ph, pw):
    # xp is fresh from np.empty: write the zero border and the image in one pass
    h, w = x.shape[2], x.shape[3]
    hp, wp = xp.shape[2], xp.shape[3]
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(hp):
                r = i - ph
                if r < 0 or r >= h:
                    for j in range(wp):
                        xp[n, c, i, j] = 0
                    continue
                for j in range(pw):
                    xp[n, c, i, j] = 0
                for j in range(w):
                    xp[n, c, i, _u(j + pw)] = x[n, c, _u(r), j]
                for j in range(pw + w, wp):
                    xp[n, c, i, _u(j)] = 0


@_jit
def _crop_from(xp, x, ph, pw):
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(x.shape[2]):
                ii = _u(ph + i)
                for j in range(x.shape[3]):
                    x[n, c, i, j] = xp[n, c, ii, _u(pw + j)]


@_jit
def _unfold_output(yt, b, y):
    # yt (F, N*L) -> y (N, F, L), + b[f] (b empty: no bias)
    n_, f_, l_ = y.shape
    for n in range(n_):
        for f in range(f_):
            src = yt[f, n * l_:(n + 1) * l_]
            dst = y[n, f]
            if b.size:
                bf = b[f]
                for i in range(l_):
                    dst[i] = src[i] + bf
            else:
                for i in range(l_):
                    dst[i] = src[i]


@_jit_sum
def _fold_grad(g, gt, db):
    # g (N, F, L) -> gt (F, N*L); db[f] = sum of g[:, f] (float64 accumulator; reassociated,
    # it vectorizes: 190 -> 47 us for LeNet's (32, 32, 196) gradient, measured)
    n_, f_, l_ = g.shape
    for f in range(f_):
        db[f] = 0.0
    for n in range(n_):
        for f in range(f_):
            src = g[n, f]
            dst = gt[f, n * l_:(n + 1) * l_]
            s = 0.0
            for i in range(l_):
                v = src[i]
                dst[i] = v
                s += v
            db[f] += s


@_jit
def _add_bias(y, b):
    # y (N, F, L) += b[f]
    for n in range(y.shape[0]):
        for f in range(y.shape[1]):
            bf = b[f]
            for i in range(y.shape[2]):
                y[n, f, i] += bf


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
           out_size=None, ones_row=False) -> np.ndarray:
    """x: (N, C, H, W) -> cols (C*kH*kW, N*Ho*Wo), zeros where a tap falls in the padding.

    `padding` is the (top, left) padding; `out_size` (Ho, Wo) defaults to the symmetric-padding
    size and may be given to pad the bottom/right edges differently (padding='same').
    `ones_row` appends a row of ones (C*kH*kW + 1 rows): a bias column on the weight then rides
    in the forward product, and the dW product yields the bias gradient as its last row.
    """
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    n, c, h, w = x.shape
    ho, wo = _out_size(x.shape, kernel, stride, padding, dilation, out_size)
    k = c * kh * kw
    cols = np.empty((k + 1 if ones_row else k, n * ho * wo), x.dtype)
    if ones_row:
        cols[k] = 1
    if n * ho * wo and k:
        xp = np.empty(_padded_shape(x.shape, kernel, stride, padding, dilation, (ho, wo)),
                      x.dtype)
        _pad_into(readonly(x), xp, ph, pw)
        run = _im2col_parallel if PARALLEL and n > 1 else _im2col
        run(xp, cols[:k].reshape(-1, n, ho, wo), kh, kw, sh, sw, dh, dw)
    return cols


def col2im(cols: np.ndarray, x_shape, kernel, stride=(1, 1), padding=(0, 0),
           dilation=(1, 1), out_size=None) -> np.ndarray:
    """The adjoint of im2col: cols (C*kH*kW, N*Ho*Wo) or a (C*kH*kW, N, Ho*Wo) view
    -> (N, C, H, W), overlaps summed."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    ho, wo = _out_size(x_shape, kernel, stride, padding, dilation, out_size)
    x = np.empty(x_shape, cols.dtype)
    if not cols.size:
        x.fill(0)
        return x
    xp = np.zeros(_padded_shape(x_shape, kernel, stride, padding, dilation, (ho, wo)),
                  cols.dtype)
    run = _col2im_parallel if PARALLEL and x_shape[0] > 1 else _col2im
    # a (K, N, L) view (per-image products) is read in place, without a contiguous copy;
    # at L = 1 that view is F-ordered, a third layout to compile for, so it is copied (only
    # K * N values then)
    cols = cols.reshape(-1, x_shape[0], ho, wo)
    if cols.flags.f_contiguous and not cols.flags.c_contiguous:
        cols = np.ascontiguousarray(cols)
    run(cols, xp, kh, kw, sh, sw, dh, dw)
    _crop_from(xp, x, ph, pw)
    return x


def unfold_output(yt: np.ndarray, bias, n: int) -> np.ndarray:
    """yt (F, N*L) -> y (N, F, L) with bias (F,) added (bias None: none)."""
    f, nl = yt.shape
    y = np.empty((n, f, nl // n), yt.dtype)
    b = readonly(np.empty(0, yt.dtype) if bias is None else bias, yt.dtype)
    _unfold_output(readonly(yt), b, y)
    return y


def fold_grad(g: np.ndarray):
    """g (N, F, L) -> (g as (F, N*L), bias gradient (F,) = g summed over N and L)."""
    n, f, l_ = g.shape
    gt = np.empty((f, n * l_), g.dtype)
    db = np.empty(f, np.float64)
    _fold_grad(readonly(g), gt, db)
    return gt, db.astype(g.dtype)


def add_bias(y: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """y (N, F, L) += bias (F,) in place; returns y."""
    _add_bias(y, readonly(bias, y.dtype))
    return y


def bias_grad(g: np.ndarray) -> np.ndarray:
    """g (N, F, L) -> (F,): g summed over N and L."""
    # numpy's pairwise sum over the contiguous axis first: 3x faster than one (0, 2) reduction
    # and than a serial accumulator loop (measured, LeNet's first layer)
    return g.sum(axis=2).sum(axis=0)
