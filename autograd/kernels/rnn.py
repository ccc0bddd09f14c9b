"""Pointwise parts of the fused LSTM step, forward and backward, on one time step.

Arrays are C-contiguous 2-D with rows = batch. Gate columns are laid out i, f, g, o, each H
wide. The exponentials and tanh stay in numpy (vectorized); these loops fuse the arithmetic
around them. `prev` and `out` rows hold [h, c] (2H wide), the fused op's output layout.
In the backward kernel `one` is 1 in the arrays' dtype, so float32 arithmetic is not promoted
to float64 (which halves the vector width).
"""
import numba as nb

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)


@_jit
def lstm_preact(xp_t, hw, e):
    """hw += xp_t: the gate pre-activations (N, 4H) in place; e = -|pre| (exp(e) <= 1 never
    overflows, for either sign)."""
    n, g4 = hw.shape
    for r in range(n):
        x, h, er = xp_t[r], hw[r], e[r]
        for j in range(g4):
            v = x[j] + h[j]
            h[j] = v
            er[j] = -abs(v)


@_jit
def lstm_cell(pre, e, tg, prev, acts, out):
    """From pre (N, 4H), e = exp(-|pre|) and tg = tanh(pre_g): acts (N, 4H) = i, f, g, o and
    out[:, H:] = c = f * c_prev + i * g with c_prev = prev[:, H:].

    The sigmoid is the composed op's (kernels.sigmoid_forward) to the bit, and each gate is
    rounded to the array dtype before it is used, so the fused layer equals the per-step graph
    bitwise."""
    n, g4 = e.shape
    hs = g4 // 4
    one = acts.dtype.type(1)
    for r in range(n):
        pr, er, tr, pv, ar, orow = pre[r], e[r], tg[r], prev[r], acts[r], out[r]
        for j in range(hs):
            for k in (j, hs + j, 3 * hs + j):
                v = er[k]
                q = one / (one + v)
                ar[k] = q if pr[k] >= 0 else v * q
            ar[2 * hs + j] = tr[j]
            orow[hs + j] = ar[hs + j] * pv[hs + j] + ar[j] * ar[2 * hs + j]


@_jit
def lstm_cell_backward(acts, tc, prev, grad, dh, dc, dxp, one):
    """One BPTT step. acts (N, 4H) i, f, g, o; tc = tanh(c_t); prev[:, H:] = c_{t-1};
    grad (N, 2H) = upstream [dh_t, dc_t]; dh = dL/dh_t from later steps; dc (N, H) is updated in
    place to dL/dc_{t-1}; dxp (N, 4H) = dL/d(pre-activations)."""
    n, g4 = acts.shape
    hs = g4 // 4
    for r in range(n):
        a, tr, pr, gr, dhr, dcr, dx = acts[r], tc[r], prev[r], grad[r], dh[r], dc[r], dxp[r]
        for j in range(hs):
            i = a[j]
            f = a[hs + j]
            g = a[2 * hs + j]
            o = a[3 * hs + j]
            t = tr[j]
            dhv = dhr[j] + gr[j]
            dcv = dcr[j] + gr[hs + j] + dhv * o * (one - t * t)
            dx[j] = dcv * g * i * (one - i)
            dx[hs + j] = dcv * pr[hs + j] * f * (one - f)
            dx[2 * hs + j] = dcv * i * (one - g * g)
            dx[3 * hs + j] = dhv * t * o * (one - o)
            dcr[j] = dcv * f
