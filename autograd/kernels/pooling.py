"""Pooling kernels on planes: x (P, H, W) with P = N*C.

Windows follow PyTorch: output o covers input o*stride - padding + k*dilation for k < kernel;
taps in the padding are skipped (max) or counted as zeros (avg, count_include_pad). Each kernel
handles one plane; a serial and a plane-parallel driver run it over all planes (parallel only
when `conv.PARALLEL` is set; see kernels/conv.py for why that is opt-in).
"""
import numba as nb
import numpy as np

from . import conv

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)
_jit_parallel = nb.njit(cache=True, error_model="numpy", nogil=True, parallel=True)
_jit_inline = nb.njit(cache=True, error_model="numpy", nogil=True, inline="always")


@_jit_inline
def _max_plane(x, y, idx, p, kh, kw, sh, sw, ph, pw, dh, dw):
    h, w = x.shape[1], x.shape[2]
    for oh in range(y.shape[1]):
        for ow in range(y.shape[2]):
            best = -np.inf
            arg = -1
            for ki in range(kh):
                ih = oh * sh - ph + ki * dh
                if ih < 0 or ih >= h:
                    continue
                for kj in range(kw):
                    iw = ow * sw - pw + kj * dw
                    if iw < 0 or iw >= w:
                        continue
                    v = x[p, ih, iw]
                    # strict > keeps the first max; a nan wins, so it propagates
                    if v > best or v != v or arg < 0:
                        best = v
                        arg = ih * w + iw
            y[p, oh, ow] = best
            idx[p, oh, ow] = arg


@_jit_inline
def _max_plane_2x2(x, y, idx, p, sh, sw):
    # the common 2x2 window with every tap in range, unrolled: the compares become selects
    # instead of unpredictable branches (3x faster than _max_plane, measured)
    w = x.shape[2]
    for oh in range(y.shape[1]):
        ih = oh * sh
        for ow in range(y.shape[2]):
            iw = ow * sw
            m = x[p, ih, iw]
            k = ih * w + iw
            v = x[p, ih, iw + 1]
            t = (v > m) | (v != v)
            m = v if t else m
            k = k + 1 if t else k
            v = x[p, ih + 1, iw]
            t = (v > m) | (v != v)
            m = v if t else m
            k = (ih + 1) * w + iw if t else k
            v = x[p, ih + 1, iw + 1]
            t = (v > m) | (v != v)
            m = v if t else m
            k = (ih + 1) * w + iw + 1 if t else k
            y[p, oh, ow] = m
            idx[p, oh, ow] = k


@_jit
def _max_pool_forward(x, y, idx, kh, kw, sh, sw, ph, pw, dh, dw):
    for p in range(x.shape[0]):
        _max_plane(x, y, idx, p, kh, kw, sh, sw, ph, pw, dh, dw)


@_jit_parallel
def _max_pool_forward_parallel(x, y, idx, kh, kw, sh, sw, ph, pw, dh, dw):
    for p in nb.prange(x.shape[0]):
        _max_plane(x, y, idx, p, kh, kw, sh, sw, ph, pw, dh, dw)


@_jit
def _max_pool_2x2(x, y, idx, sh, sw):
    for p in range(x.shape[0]):
        _max_plane_2x2(x, y, idx, p, sh, sw)


@_jit_parallel
def _max_pool_2x2_parallel(x, y, idx, sh, sw):
    for p in nb.prange(x.shape[0]):
        _max_plane_2x2(x, y, idx, p, sh, sw)


@_jit
def _max_pool_backward(g, idx, dx):
    # g, idx: (P, Ho*Wo), dx: (P, H*W); serial: one pass of scattered adds is memory-bound
    for p in range(g.shape[0]):
        for o in range(g.shape[1]):
            a = idx[p, o]
            if a >= 0:
                dx[p, a] += g[p, o]


def max_pool_forward(x, kernel, stride, padding, dilation, out_size):
    """x: (P, H, W) -> (y (P, Ho, Wo), argmax (P, Ho, Wo) as flat indices ih*W + iw;
    -inf and index -1 for a window wholly in the padding)."""
    y = np.empty((x.shape[0],) + tuple(out_size), x.dtype)
    idx = np.empty(y.shape, np.int64)
    if not y.size:
        return y, idx
    x = np.ascontiguousarray(x)
    parallel = conv.PARALLEL and x.shape[0] > 1
    (sh, sw), (ho, wo) = stride, out_size
    if (tuple(kernel) == (2, 2) and tuple(padding) == (0, 0) and tuple(dilation) == (1, 1)
            and (ho - 1) * sh + 1 < x.shape[1] and (wo - 1) * sw + 1 < x.shape[2]):
        (_max_pool_2x2_parallel if parallel else _max_pool_2x2)(x, y, idx, sh, sw)
    else:
        run = _max_pool_forward_parallel if parallel else _max_pool_forward
        run(x, y, idx, *kernel, *stride, *padding, *dilation)
    return y, idx


def max_pool_backward(g, idx, x_shape):
    """Route each output gradient to its argmax: g (P, Ho, Wo) -> dx (P, H, W)."""
    dx = np.zeros(x_shape, g.dtype)
    if g.size:
        p = g.shape[0]
        _max_pool_backward(np.ascontiguousarray(g).reshape(p, -1), idx.reshape(p, -1),
                           dx.reshape(p, -1))
    return dx


@_jit_inline
def _avg_window(o, stride, pad, kernel, size, include_pad):
    """Clipped window [lo, hi) of output o and its divisor (PyTorch's rule)."""
    lo = o * stride - pad
    hi = min(lo + kernel, size + pad)
    full = hi - lo
    lo, hi = max(lo, 0), min(hi, size)
    return lo, hi, full if include_pad else hi - lo


@_jit
def _avg_pool_forward(x, y, kh, kw, sh, sw, ph, pw, include_pad, divisor):
    h, w = x.shape[1], x.shape[2]
    for p in range(x.shape[0]):
        for oh in range(y.shape[1]):
            h0, h1, dh = _avg_window(oh, sh, ph, kh, h, include_pad)
            for ow in range(y.shape[2]):
                w0, w1, dw = _avg_window(ow, sw, pw, kw, w, include_pad)
                s = 0.0
                for ih in range(h0, h1):
                    for iw in range(w0, w1):
                        s += x[p, ih, iw]
                d = divisor if divisor > 0 else dh * dw
                y[p, oh, ow] = s / d if d > 0 else 0.0


@_jit
def _avg_pool_backward(g, dx, kh, kw, sh, sw, ph, pw, include_pad, divisor):
    h, w = dx.shape[1], dx.shape[2]
    for p in range(g.shape[0]):
        for oh in range(g.shape[1]):
            h0, h1, dh = _avg_window(oh, sh, ph, kh, h, include_pad)
            for ow in range(g.shape[2]):
                w0, w1, dw = _avg_window(ow, sw, pw, kw, w, include_pad)
                d = divisor if divisor > 0 else dh * dw
                if d <= 0:
                    continue
                v = g[p, oh, ow] / d
                for ih in range(h0, h1):
                    for iw in range(w0, w1):
                        dx[p, ih, iw] += v


def avg_pool_forward(x, kernel, stride, padding, out_size, count_include_pad=True, divisor=0):
    """x: (P, H, W) -> (P, Ho, Wo) window means; divisor > 0 overrides the window size."""
    y = np.empty((x.shape[0],) + tuple(out_size), x.dtype)
    if y.size:
        _avg_pool_forward(np.ascontiguousarray(x), y, *kernel, *stride, *padding,
                          count_include_pad, divisor)
    return y


def avg_pool_backward(g, x_shape, kernel, stride, padding, count_include_pad=True, divisor=0):
    """g: (P, Ho, Wo) -> dx (P, H, W): each output spreads g / divisor over its window."""
    dx = np.zeros(x_shape, g.dtype)
    if g.size:
        _avg_pool_backward(np.ascontiguousarray(g), dx, *kernel, *stride, *padding,
                           count_include_pad, divisor)
    return dx


@_jit
def _adaptive_avg_forward(x, y):
    h, w = x.shape[1], x.shape[2]
    ho, wo = y.shape[1], y.shape[2]
    for p in range(x.shape[0]):
        for oh in range(ho):
            h0, h1 = (oh * h) // ho, -((-(oh + 1) * h) // ho)
            for ow in range(wo):
                w0, w1 = (ow * w) // wo, -((-(ow + 1) * w) // wo)
                s = 0.0
                for ih in range(h0, h1):
                    for iw in range(w0, w1):
                        s += x[p, ih, iw]
                y[p, oh, ow] = s / ((h1 - h0) * (w1 - w0))


@_jit
def _adaptive_avg_backward(g, dx):
    h, w = dx.shape[1], dx.shape[2]
    ho, wo = g.shape[1], g.shape[2]
    for p in range(g.shape[0]):
        for oh in range(ho):
            h0, h1 = (oh * h) // ho, -((-(oh + 1) * h) // ho)
            for ow in range(wo):
                w0, w1 = (ow * w) // wo, -((-(ow + 1) * w) // wo)
                v = g[p, oh, ow] / ((h1 - h0) * (w1 - w0))
                for ih in range(h0, h1):
                    for iw in range(w0, w1):
                        dx[p, ih, iw] += v


def adaptive_avg_forward(x, out_size):
    """x: (P, H, W) -> (P, Ho, Wo); window i spans [floor(i*H/Ho), ceil((i+1)*H/Ho))."""
    y = np.empty((x.shape[0],) + tuple(out_size), x.dtype)
    if y.size:
        _adaptive_avg_forward(np.ascontiguousarray(x), y)
    return y


def adaptive_avg_backward(g, x_shape):
    dx = np.zeros(x_shape, g.dtype)
    if g.size:
        _adaptive_avg_backward(np.ascontiguousarray(g), dx)
    return dx
