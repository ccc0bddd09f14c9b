"""Pooling kernels on planes: x (P, H, W) with P = N*C.

Windows follow PyTorch: output o covers input o*stride - padding + k*dilation for k < kernel;
taps in the padding are skipped (max) or counted as zeros (avg, count_include_pad). Each kernel
handles one plane; a serial and a plane-parallel driver run it over all planes (parallel only
when `conv.PARALLEL` is set; see kernels/conv.py for why that is opt-in).
"""
import numba as nb
import numpy as np

from . import conv
from .readonly import readonly

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)
_jit_parallel = nb.njit(cache=True, error_model="numpy", nogil=True, parallel=True)
_jit_inline = nb.njit(cache=True, error_model="numpy", nogil=True, inline="always")
_u = conv._u   # unsigned indices: see kernels/conv.py


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
def _max4(a, b, c, d):
    # first max of a window in reading order; a nan wins, so it propagates
    m, k = a, 0
    t = (b > m) | (b != b)
    m = b if t else m
    k = 1 if t else k
    t = (c > m) | (c != c)
    m = c if t else m
    k = 2 if t else k
    t = (d > m) | (d != d)
    m = d if t else m
    k = 3 if t else k
    return m, k


@_jit_inline
def _max_plane_2x2(x, y, code, p, sh, sw):
    # the common 2x2 window with every tap in range, unrolled: the compares become selects
    # instead of unpredictable branches (3x faster than _max_plane, measured). The argmax is
    # kept as its window position 2*di + dj (int8): an eighth of the int64 flat index traffic.
    for oh in range(y.shape[1]):
        ih = _u(oh * sh)
        for ow in range(y.shape[2]):
            iw = _u(ow * sw)
            m, k = _max4(x[p, ih, iw], x[p, ih, iw + 1], x[p, ih + 1, iw], x[p, ih + 1, iw + 1])
            y[p, oh, ow] = m
            code[p, oh, ow] = k


@_jit
def _pair_max(x, m, k):
    # m[i], k[i] = first max of (x[2i], x[2i+1]) and its position; a nan wins
    for i in range(m.size):
        a, b = x[2 * i], x[2 * i + 1]
        t = (b > a) | (b != b)
        m[i] = b if t else a
        k[i] = t


@_jit
def _max_pool_2x2_even(x, y, code):
    # stride 2 over planes of even width, in two passes: the pair max along the rows, over
    # the whole array in one loop (the 14-28 wide rows of LeNet keep a loop per row scalar;
    # this one vectorizes), then the max of each window's top and bottom pair
    p_, h, w = x.shape
    ho, wo = y.shape[1], y.shape[2]
    n = x.size // 2
    hm, hk = np.empty(n, x.dtype), np.empty(n, np.int8)
    _pair_max(x.reshape(-1), hm, hk)
    hm3, hk3 = hm.reshape(p_, h, wo), hk.reshape(p_, h, wo)
    for p in range(p_):
        for oh in range(ho):
            for j in range(wo):
                # the bottom pair wins only if strictly greater (or nan): the first max in
                # reading order. The code is picked with a mask, not a conditional: LLVM
                # keeps `a if t else b` on int8 loads as a branch, mispredicted on half the
                # windows (12x slower, measured)
                m1, m2 = hm3[p, 2 * oh, j], hm3[p, 2 * oh + 1, j]
                t = (m2 > m1) | (m2 != m2)
                y[p, oh, j] = m2 if t else m1
                kt, kb = hk3[p, 2 * oh, j], hk3[p, 2 * oh + 1, j] | np.int8(2)
                code[p, oh, j] = kt ^ ((kt ^ kb) & -np.int8(t))


@_jit
def _max_pool_forward(x, y, idx, kh, kw, sh, sw, ph, pw, dh, dw):
    for p in range(x.shape[0]):
        _max_plane(x, y, idx, p, kh, kw, sh, sw, ph, pw, dh, dw)


@_jit_parallel
def _max_pool_forward_parallel(x, y, idx, kh, kw, sh, sw, ph, pw, dh, dw):
    for p in nb.prange(x.shape[0]):
        _max_plane(x, y, idx, p, kh, kw, sh, sw, ph, pw, dh, dw)


@_jit
def _max_pool_2x2(x, y, code, sh, sw):
    for p in range(x.shape[0]):
        _max_plane_2x2(x, y, code, p, sh, sw)


@_jit_parallel
def _max_pool_2x2_parallel(x, y, code, sh, sw):
    for p in nb.prange(x.shape[0]):
        _max_plane_2x2(x, y, code, p, sh, sw)


@_jit
def _max_pool_backward(g, idx, dx):
    # g, idx: (P, Ho*Wo), dx: (P, H*W); serial: one pass of scattered adds is memory-bound
    for p in range(g.shape[0]):
        for o in range(g.shape[1]):
            a = idx[p, o]
            if a >= 0:
                dx[p, a] += g[p, o]


@_jit
def _max_pool_2x2_backward_tiled(g, code, dx, z):
    # stride 2: the windows tile the plane, so every dx element is written once (no zero
    # fill, no scattered read-modify-write); rows and columns past the last window get 0.
    # z is a zero of dx's dtype, so that the selects below stay in that dtype
    ho, wo = g.shape[1], g.shape[2]
    h, w = dx.shape[1], dx.shape[2]
    for p in range(g.shape[0]):
        for oh in range(ho):
            for ow in range(wo):
                v, k = g[p, oh, ow], code[p, oh, ow]
                dx[p, 2 * oh, 2 * ow] = v if k == 0 else z
                dx[p, 2 * oh, 2 * ow + 1] = v if k == 1 else z
                dx[p, 2 * oh + 1, 2 * ow] = v if k == 2 else z
                dx[p, 2 * oh + 1, 2 * ow + 1] = v if k == 3 else z
            for iw in range(2 * wo, w):
                dx[p, 2 * oh, iw] = 0
                dx[p, 2 * oh + 1, iw] = 0
        for ih in range(2 * ho, h):
            for iw in range(w):
                dx[p, ih, iw] = 0


@_jit
def _spread_pairs(r, right, dx, z):
    # dx[2i], dx[2i+1] = r[i] at the side `right` names, 0 at the other
    for i in range(r.size):
        v, t = r[i], right[i]
        dx[2 * i] = z if t else v
        dx[2 * i + 1] = v if t else z


@_jit
def _max_pool_2x2_backward_even(g, code, dx, z):
    # the tiled backward for planes of even width, its stores in one array-long loop (see
    # _max_pool_2x2_even): each output's gradient goes to its top or bottom row first, then
    # to the left or right column (3x faster than per-plane loops, measured on LeNet)
    p_, ho, wo = g.shape
    h = dx.shape[1]
    r, right = np.empty((p_, h, wo), g.dtype), np.empty((p_, h, wo), np.bool_)
    for p in range(p_):
        for oh in range(ho):
            for j in range(wo):
                v, k = g[p, oh, j], code[p, oh, j]
                low = k >= 2
                r[p, 2 * oh, j] = z if low else v
                r[p, 2 * oh + 1, j] = v if low else z
                right[p, 2 * oh, j] = right[p, 2 * oh + 1, j] = (k & 1) != 0
        for i in range(2 * ho, h):     # a last odd row past every window
            for j in range(wo):
                r[p, i, j] = z
                right[p, i, j] = False
    _spread_pairs(r.reshape(-1), right.reshape(-1), dx.reshape(-1), z)


@_jit
def _max_pool_2x2_backward(g, code, dx, sh, sw):
    # overlapping (stride 1) or sparse windows: scatter-add into a zeroed dx
    for p in range(g.shape[0]):
        for oh in range(g.shape[1]):
            for ow in range(g.shape[2]):
                k = code[p, oh, ow]
                dx[p, _u(oh * sh + k // 2), _u(ow * sw + k % 2)] += g[p, oh, ow]


@_jit
def _codes_to_flat(code, flat, sh, sw, w):
    for p in range(code.shape[0]):
        for oh in range(code.shape[1]):
            for ow in range(code.shape[2]):
                k = code[p, oh, ow]
                flat[p, oh, ow] = (oh * sh + k // 2) * w + ow * sw + k % 2


def max_pool_forward(x, kernel, stride, padding, dilation, out_size):
    """x: (P, H, W) -> (y (P, Ho, Wo), argmax (P, Ho, Wo)).

    The argmax is int64 flat indices ih*W + iw (-inf and index -1 for a window wholly in the
    padding) or, on the unpadded 2x2 path, int8 window positions 2*di + dj; `flat_indices`
    turns either into flat indices and `max_pool_backward` takes either.
    """
    y = np.empty((x.shape[0],) + tuple(out_size), x.dtype)
    x = readonly(x)
    parallel = conv.PARALLEL and x.shape[0] > 1
    (sh, sw), (ho, wo) = stride, out_size
    if (tuple(kernel) == (2, 2) and tuple(padding) == (0, 0) and tuple(dilation) == (1, 1)
            and (ho - 1) * sh + 1 < x.shape[1] and (wo - 1) * sw + 1 < x.shape[2]):
        idx = np.empty(y.shape, np.int8)
        if y.size and not parallel and (sh, sw) == (2, 2) and x.shape[2] == 2 * wo:
            _max_pool_2x2_even(x, y, idx)
        elif y.size:
            (_max_pool_2x2_parallel if parallel else _max_pool_2x2)(x, y, idx, sh, sw)
    else:
        idx = np.empty(y.shape, np.int64)
        if y.size:
            run = _max_pool_forward_parallel if parallel else _max_pool_forward
            run(x, y, idx, *kernel, *stride, *padding, *dilation)
    return y, idx


def flat_indices(idx, stride, x_shape):
    """argmax from max_pool_forward -> int64 flat indices ih*W + iw, (P, Ho, Wo)."""
    if idx.dtype == np.int64:
        return idx
    flat = np.empty(idx.shape, np.int64)
    _codes_to_flat(readonly(idx), flat, stride[0], stride[1], x_shape[-1])
    return flat


def max_pool_backward(g, idx, x_shape, stride=(1, 1)):
    """Route each output gradient to its argmax: g (P, Ho, Wo) -> dx (P, H, W).
    `stride` is needed only for int8 window positions (the 2x2 path)."""
    g, idx = readonly(g), readonly(idx)
    if idx.dtype == np.int8 and tuple(stride) == (2, 2) and g.size:
        dx = np.empty(x_shape, g.dtype)
        even = x_shape[-1] == 2 * g.shape[-1]
        (_max_pool_2x2_backward_even if even else _max_pool_2x2_backward_tiled)(
            g, idx, dx, g.dtype.type(0))
        return dx
    dx = np.zeros(x_shape, g.dtype)
    if not g.size:
        return dx
    if idx.dtype == np.int8:
        _max_pool_2x2_backward(g, idx, dx, stride[0], stride[1])
    else:
        p = g.shape[0]
        _max_pool_backward(g.reshape(p, -1), idx.reshape(p, -1), dx.reshape(p, -1))
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
        _avg_pool_forward(readonly(x), y, *kernel, *stride, *padding,
                          count_include_pad, divisor)
    return y


def avg_pool_backward(g, x_shape, kernel, stride, padding, count_include_pad=True, divisor=0):
    """g: (P, Ho, Wo) -> dx (P, H, W): each output spreads g / divisor over its window."""
    dx = np.zeros(x_shape, g.dtype)
    if g.size:
        _avg_pool_backward(readonly(g), dx, *kernel, *stride, *padding,
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
        _adaptive_avg_forward(readonly(x), y)
    return y


def adaptive_avg_backward(g, x_shape):
    dx = np.zeros(x_shape, g.dtype)
    if g.size:
        _adaptive_avg_backward(readonly(g), dx)
    return dx
