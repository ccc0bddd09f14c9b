"""Pointwise parts of the fused LSTM step, forward and backward, in feature-major layout.

Per-step arrays are C-contiguous with rows = features and columns = batch: the gate
pre-activations are (4H, N) with row blocks i, f, g, o. In this layout the recurrent product is
w_hh (4H, H) @ h^T (H, N), which OpenBLAS splits across threads along its 4H rows (about 1.5x
faster than h (N, H) @ w_hh^T at N = 32), and the inner loops below run along the batch.
The exponentials and tanh stay in numpy (vectorized; numba has no SVML here); these loops fuse
the arithmetic around them. Whole-sequence arrays are passed with a step index `t` (or a column
offset) so that no view is made per step. In the backward kernel `one` is 1 in the arrays'
dtype, so float32 arithmetic is not promoted to float64 (which halves the vector width).
"""
import numba as nb

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)


@_jit
def lstm_preact(pre, xp, t, bias, e):
    """pre (4H, N) += xp[t] + bias[:, None]: the gate pre-activations in place (xp (L, 4H, N));
    e (3H, N) = -|pre| on the i, f, o rows (exp(e) <= 1 never overflows, for either sign)."""
    g4, n = pre.shape
    hs = g4 // 4
    x = xp[t]
    for j in range(g4):
        b = bias[j]
        for r in range(n):
            pre[j, r] += x[j, r] + b
    for j in range(2 * hs):
        for r in range(n):
            e[j, r] = -abs(pre[j, r])
    for j in range(hs):
        for r in range(n):
            e[2 * hs + j, r] = -abs(pre[3 * hs + j, r])


@_jit
def lstm_cell(pre, e, acts, c_all, t, c_prev):
    """From pre (4H, N) (its g rows already tanh) and e = exp(-|pre|) on rows i, f, o (3H, N):
    acts[t] (4H, N) = i, f, g, o and c_all[t] (H, N) = f * c_prev + i * g.

    The sigmoid is the composed op's (kernels.sigmoid_forward): 1 / (1 + e), times e when the
    pre-activation is negative."""
    g4, n = pre.shape
    hs = g4 // 4
    a, c = acts[t], c_all[t]
    for j in range(hs):
        for k, m in ((j, j), (hs + j, hs + j), (3 * hs + j, 2 * hs + j)):
            p, er, ar = pre[k], e[m], a[k]
            for r in range(n):
                v = er[r]
                q = 1.0 / (1.0 + v)
                ar[r] = q if p[r] >= 0 else v * q
        gi, gf, gg = a[j], a[hs + j], a[2 * hs + j]
        pg, cp, cr = pre[2 * hs + j], c_prev[j], c[j]
        for r in range(n):
            gg[r] = pg[r]
            cr[r] = gf[r] * cp[r] + gi[r] * pg[r]


@_jit
def lstm_hidden(acts, tc, t, h, out):
    """h (H, N) = o * tanh(c) from acts[t] and tc[t]; out[t] (N, H) = h^T, the op's output."""
    hs, n = h.shape
    o, tct, ot = acts[t], tc[t], out[t]
    for j in range(hs):
        orow, trow, hrow = o[3 * hs + j], tct[j], h[j]
        for r in range(n):
            v = orow[r] * trow[r]
            hrow[r] = v
            ot[r, j] = v


@_jit
def lstm_cell_backward(acts, tc, c_all, t, c_first, prev_t, grad, dh, dc, dxpt, col, db, one):
    g4, n = acts.shape[1], acts.shape[2]
    hs = g4 // 4
    a, tct, gt = acts[t], tc[t], grad[t]
    cp = c_all[prev_t] if prev_t >= 0 else c_first
    for j in range(hs):
        ri, rf, rg, ro = a[j], a[hs + j], a[2 * hs + j], a[3 * hs + j]
        dxi, dxf, dxg, dxo = dxpt[j], dxpt[hs + j], dxpt[2 * hs + j], dxpt[3 * hs + j]
        trow, cprow, dhr, dcr = tct[j], cp[j], dh[j], dc[j]
        si = sf = sg = so = one - one
        for r in range(n):
            i = ri[r]
            f = rf[r]
            g = rg[r]
            o = ro[r]
            tv = trow[r]
            dhv = dhr[r] + gt[r, j]
            dcv = dcr[r] + dhv * o * (one - tv * tv)
            vi = dcv * g * i * (one - i)
            vf = dcv * cprow[r] * f * (one - f)
            vg = dcv * i * (one - g * g)
            vo = dhv * tv * o * (one - o)
            dxi[col + r] = vi
            dxf[col + r] = vf
            dxg[col + r] = vg
            dxo[col + r] = vo
            si += vi
            sf += vf
            sg += vg
            so += vo
            dcr[r] = dcv * f
        db[j] += si
        db[hs + j] += sf
        db[2 * hs + j] += sg
        db[3 * hs + j] += so


# --------------------------------------------------------------------- GRU, batch-major
# Per-step arrays are (N, 3H) with column blocks r, z, n; the inner loops run along the
# features. `one` is 1 in the arrays' dtype (no float64 promotion of float32 arithmetic).

@_jit
def gru_preact(xpt, hp, b_hh, pre, e):
    """hp (N, 3H) += b_hh: the recurrent part W_h h + b_hh in place; pre (N, 2H) = xp + hp on
    the r, z columns and e = -|pre| (exp(e) <= 1 never overflows)."""
    n, g3 = hp.shape
    h2 = 2 * (g3 // 3)
    for r in range(n):
        x, p, q, er = xpt[r], hp[r], pre[r], e[r]
        for j in range(g3):
            p[j] += b_hh[j]
        for j in range(h2):
            v = x[j] + p[j]
            q[j] = v
            er[j] = -abs(v)


@_jit
def gru_candidate(xpt, hp, pre, e, a, hpn):
    """From pre and e = exp(-|pre|) on the r, z columns: a[:, :2H] = r, z (the sigmoid of
    kernels.sigmoid_forward); hpn (N, H) = W_hn h + b_hn and a[:, 2H:] = x_n + r * hpn, the
    candidate's pre-activation (tanh follows in numpy)."""
    n, g3 = hp.shape
    hs = g3 // 3
    one = a.dtype.type(1)
    for r in range(n):
        q, er, ar, x, p, pn = pre[r], e[r], a[r], xpt[r], hp[r], hpn[r]
        for j in range(2 * hs):
            v = er[j]
            s = one / (one + v)
            ar[j] = s if q[j] >= 0 else v * s
        for j in range(hs):
            pn[j] = p[2 * hs + j]
            ar[2 * hs + j] = x[2 * hs + j] + ar[j] * pn[j]


@_jit
def gru_hidden(a, h, out):
    """out (N, H) = n + z * (h - n) from a (N, 3H) = r, z, n."""
    n, hs = out.shape
    for r in range(n):
        ar, hr, o = a[r], h[r], out[r]
        for j in range(hs):
            nv = ar[2 * hs + j]
            o[j] = nv + ar[hs + j] * (hr[j] - nv)


@_jit
def gru_cell_backward(a, hpn, h_prev, gt, carry, dh, dxp, dhp, one):
    """One step back: dh (N, H) += carry + gt (the recurrent product of the later step and
    this step's output gradient); dxp, dhp (N, 3H) the gradients of x W_ih^T + b_ih and of
    W_h h + b_hh; dh is left as dh * z, the direct path to h_prev (dhp @ W_hh follows)."""
    n, hs = dh.shape
    for r in range(n):
        ar, pn, hp_, g, c, d = a[r], hpn[r], h_prev[r], gt[r], carry[r], dh[r]
        dx, dp = dxp[r], dhp[r]
        for j in range(hs):
            rv = ar[j]
            zv = ar[hs + j]
            nv = ar[2 * hs + j]
            dv = d[j] + c[j] + g[j]
            dn = dv * (one - zv) * (one - nv * nv)
            vr = dn * pn[j] * rv * (one - rv)
            vz = dv * (hp_[j] - nv) * zv * (one - zv)
            dx[j] = vr
            dx[hs + j] = vz
            dx[2 * hs + j] = dn
            dp[j] = vr
            dp[hs + j] = vz
            dp[2 * hs + j] = dn * rv
            d[j] = dv * zv
