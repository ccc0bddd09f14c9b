"""Depthwise convolution kernels (groups == C_in, any channel multiplier M): output channel
f = c*M + m sees input channel c alone, so a direct loop does the kH*kW multiply-adds per
output where im2col + a stack of (M, kH*kW) @ (kH*kW, N*L) products moved kH*kW copies of
the input through memory (5-7x PyTorch's time in float32, measured).

Loops over one output row are too short to vectorize (LLVM's AVX2 loop takes 32 float32 a
turn: a row of 32 clipped by the padding runs scalar; such a kernel measured 6-9x slower than
this one). So each image plane is first split into its stride phases, zero-padded, in a small
scratch:

    phases[pa*sW + pb, r, q] = x[r*sH + pa - pH, q*sW + pb - pW]   (0 outside x)

and with the output laid out (Ho, Wq) (Wq - Wo spare columns), tap (ki, kj) reads one phase
at a fixed flat offset: out[i] += w * phase[i + off] for i over the whole plane, one long
contiguous loop per tap. The spare columns are dropped on the way out (forward) or held at
zero in the incoming gradient (backward), so they never reach a result.

Layouts: x (N, C, H, W), w (C*M, kH*kW), y / g (N, C*M, Ho, Wo). The weight gradient sums
N*Ho*Wo products per tap: each plane's dot in the input's precision (reassociated, so it
vectorizes into several partial sums), the planes' dots in float64.
The drivers are serial: parallel ones over planes (AUTOGRAD_PARALLEL, as conv's) measured no
faster on 2 cores.
"""
import numba as nb
import numpy as np

from .readonly import readonly

_flags = dict(cache=True, error_model="numpy", nogil=True, fastmath={"contract"})
_jit = nb.njit(**_flags)
_jit_inline = nb.njit(inline="always", **_flags)
# the weight gradient's dot products, reassociated so that they vectorize
_sum_flags = dict(_flags, fastmath={"contract", "reassoc"})
_jit_sum = nb.njit(**_sum_flags)
# unsigned indices skip numba's negative-index wraparound test, which keeps loops with a
# runtime offset from vectorizing; every index cast here is >= 0 by construction
_u = np.uint64


@_jit_inline
def _span(size_in, size_out, s, offset):
    """The q in [lo, hi) whose q*s + offset lies in [0, size_in), clipped to [0, size_out)."""
    lo = 0 if offset >= 0 else (s - 1 - offset) // s
    hi = (size_in - offset + s - 1) // s if size_in > offset else 0
    hi = min(max(hi, lo), size_out)
    return min(lo, hi), hi


@_jit_inline
def _split_phases(x, n, c, phases, sh, sw, ph, pw):
    """phases (sH*sW, Hq, Wq) <- the stride phases of x[n, c], zero-padded."""
    h, wd = x.shape[2], x.shape[3]
    hq, wq = phases.shape[1], phases.shape[2]
    for pb in range(sw):
        off = pb - pw
        lo, hi = _span(wd, wq, sw, off)
        for pa in range(sh):
            for r in range(hq):
                i = r * sh + pa - ph
                dst = phases[pa * sw + pb, r]
                if i < 0 or i >= h:
                    for q in range(wq):
                        dst[q] = 0
                    continue
                src = x[n, c, _u(i)]
                for q in range(lo):
                    dst[q] = 0
                if sw == 1:
                    for q in range(lo, hi):
                        dst[_u(q)] = src[_u(q + off)]
                else:
                    for q in range(lo, hi):
                        dst[_u(q)] = src[_u(q * sw + off)]
                for q in range(hi, wq):
                    dst[q] = 0


@_jit_inline
def _merge_phases(phases, dx, n, c, sh, sw, ph, pw):
    """dx[n, c] <- the inverse of _split_phases (the padding dropped)."""
    h, wd = dx.shape[2], dx.shape[3]
    hq, wq = phases.shape[1], phases.shape[2]
    # the trailing rows / columns that no output reads (a stride past the edge) are not in
    # the phases: their gradient is 0
    if wq * sw - pw < wd or hq * sh - ph < h:
        dx[n, c] = 0
    for pb in range(sw):
        off = pb - pw
        lo, hi = _span(wd, wq, sw, off)
        for pa in range(sh):
            for r in range(hq):
                i = r * sh + pa - ph
                if i < 0 or i >= h:
                    continue
                src = phases[pa * sw + pb, r]
                dst = dx[n, c, _u(i)]
                if sw == 1:
                    for q in range(lo, hi):
                        dst[_u(q + off)] = src[_u(q)]
                else:
                    for q in range(lo, hi):
                        dst[_u(q * sw + off)] = src[_u(q)]


@_jit_inline
def _load_grad(g, n, f, gq, wq):
    """gq (Ho*Wq,) <- g[n, f] in the (Ho, Wq) layout; its spare columns stay as they are
    (zero: the caller zeroes gq once)."""
    for oh in range(g.shape[2]):
        src = g[n, f, oh]
        base = oh * wq
        for ow in range(g.shape[3]):
            gq[_u(base + ow)] = src[ow]


@_jit_inline
def _forward_channel(x, w, b, y, taps, offs, size, n, c, phases, acc, sh, sw, ph, pw):
    m = y.shape[1] // x.shape[1]
    ho, wo = y.shape[2], y.shape[3]
    wq = phases.shape[2]
    _split_phases(x, n, c, phases, sh, sw, ph, pw)
    flat = phases.reshape(phases.shape[0], -1)
    for j in range(m):
        f = c * m + j
        bf = b[f] if b.size else 0.0
        for i in range(size):
            acc[i] = bf
        for t in range(taps.size):
            src = flat[taps[t]]
            off, wv = offs[t], w[f, t]
            for i in range(size):
                acc[_u(i)] += wv * src[_u(i + off)]
        for oh in range(ho):
            dst = y[n, f, oh]
            base = oh * wq
            for ow in range(wo):
                dst[ow] = acc[_u(base + ow)]


@_jit_inline
def _grad_input_channel(g, w, dx, taps, offs, size, n, c, phases, gq, sh, sw, ph, pw):
    m = g.shape[1] // dx.shape[1]
    wq = phases.shape[2]
    flat = phases.reshape(phases.shape[0], -1)
    flat[:] = 0
    for j in range(m):
        f = c * m + j
        _load_grad(g, n, f, gq, wq)
        for t in range(taps.size):
            dst = flat[taps[t]]
            off, wv = offs[t], w[f, t]
            for i in range(size):
                dst[_u(i + off)] += wv * gq[_u(i)]
    _merge_phases(phases, dx, n, c, sh, sw, ph, pw)


@_jit_inline
def _grad_weight_channel(x, g, dw_, taps, offs, size, c, phases, gq, zero, sh, sw, ph, pw):
    m = g.shape[1] // x.shape[1]
    wq = phases.shape[2]
    flat = phases.reshape(phases.shape[0], -1)
    for j in range(m):
        for t in range(taps.size):
            dw_[c * m + j, t] = 0.0
    for n in range(x.shape[0]):
        _split_phases(x, n, c, phases, sh, sw, ph, pw)
        for j in range(m):
            f = c * m + j
            _load_grad(g, n, f, gq, wq)
            for t in range(taps.size):
                src = flat[taps[t]]
                off = offs[t]
                s = zero
                for i in range(size):
                    s += gq[_u(i)] * src[_u(i + off)]
                dw_[f, t] += s


@_jit
def _forward(x, w, b, y, taps, offs, size, scratch, sh, sw, ph, pw):
    phases = np.empty_like(scratch)
    acc = np.empty(size, y.dtype)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            _forward_channel(x, w, b, y, taps, offs, size, n, c, phases, acc, sh, sw, ph, pw)


@_jit
def _grad_input(g, w, dx, taps, offs, size, scratch, sh, sw, ph, pw):
    phases = np.empty_like(scratch)
    gq = np.zeros(size, g.dtype)
    for n in range(dx.shape[0]):
        for c in range(dx.shape[1]):
            _grad_input_channel(g, w, dx, taps, offs, size, n, c, phases, gq, sh, sw, ph, pw)


@_jit_sum
def _grad_weight(x, g, dw_, taps, offs, size, scratch, zero, sh, sw, ph, pw):
    phases = np.empty_like(scratch)
    gq = np.zeros(size, g.dtype)
    for c in range(x.shape[1]):
        _grad_weight_channel(x, g, dw_, taps, offs, size, c, phases, gq, zero, sh, sw, ph, pw)


def _plan(kernel, stride, dilation, out_size, dtype):
    """Each tap's phase and flat offset, the length of the taps' flat loops, and a scratch
    array of the phases' shape."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    ho, wo = out_size
    wq = wo + (kw - 1) * dw // sw
    # LLVM's vector loop takes 32 elements a turn (4 interleaved AVX2 float32 vectors, or
    # float64 ones twice), the rest run scalar: the flat loops run over the (Ho, Wq) plane
    # rounded up to a multiple of 32 (the 9 taps over 288 take 0.75-0.9 the time of 272,
    # measured: stride 2 on 32x32)
    size = -(-ho * wq // 32) * 32
    # spare rows: the loops of the taps with a column offset, and the rounding, run past
    # the last row
    hq = ho + (kh - 1) * dh // sh + 1 + -(-(size - ho * wq) // wq)
    ki, kj = np.divmod(np.arange(kh) * dh, sh), np.divmod(np.arange(kw) * dw, sw)
    taps = (ki[1][:, None] * sw + kj[1][None, :]).ravel()
    offs = (ki[0][:, None] * wq + kj[0][None, :]).ravel()
    return taps, offs, size, np.empty((sh * sw, hq, wq), dtype)


def depthwise_forward(x, w, b, stride, padding, dilation, out_size):
    """x (N, C, H, W), w (C*M, 1, kH, kW), b (C*M,) or None -> y (N, C*M, Ho, Wo).
    `padding` is the (top, left) padding; `out_size` (Ho, Wo) fixes the bottom/right."""
    n, f = x.shape[0], w.shape[0]
    y = np.empty((n, f) + tuple(out_size), x.dtype)
    b = readonly(np.empty(0, x.dtype) if b is None else b, x.dtype)
    plan = _plan(w.shape[2:], stride, dilation, out_size, x.dtype)
    _forward(readonly(x), readonly(w, x.dtype).reshape(f, -1), b, y, *plan, *stride, *padding)
    return y


def depthwise_grad_input(g, w, x_shape, stride, padding, dilation):
    """g (N, C*M, Ho, Wo), w (C*M, 1, kH, kW) -> dx (N, C, H, W) of depthwise_forward."""
    dx = np.empty(x_shape, g.dtype)
    f = w.shape[0]
    plan = _plan(w.shape[2:], stride, dilation, g.shape[2:], g.dtype)
    _grad_input(readonly(g), readonly(w, g.dtype).reshape(f, -1), dx, *plan, *stride, *padding)
    return dx


def depthwise_grad_weight(x, g, w_shape, stride, padding, dilation):
    """x (N, C, H, W), g (N, C*M, Ho, Wo) -> dw (C*M, 1, kH, kW) of depthwise_forward."""
    dw_ = np.empty((w_shape[0], int(np.prod(w_shape[2:]))), np.float64)
    plan = _plan(w_shape[2:], stride, dilation, g.shape[2:], g.dtype)
    _grad_weight(readonly(x, g.dtype), readonly(g), dw_, *plan, g.dtype.type(0), *stride,
                 *padding)
    return dw_.astype(g.dtype).reshape(w_shape)
