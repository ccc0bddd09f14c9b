"""Pointwise parts of the fused LSTM step, forward and backward, in feature-major layout.

Per-step arrays are C-contiguous with rows = features and columns = batch: the gate
pre-activations are (4H, N) with row blocks i, f, g, o. In this layout the recurrent product is
w_hh (4H, H) @ h^T (H, N), which OpenBLAS splits across threads along its 4H rows (about 1.5x
faster than h (N, H) @ w_hh^T at N = 32). Each gate block is then H*N contiguous elements, and
the loops below run over it flattened: one long loop vectorizes, where loops along rows of N
elements did not (per-row views and alias checks cost as much as the work, and LLVM does not
vectorize an index with a runtime offset such as `col + r`; slices are used instead).
The exponentials and tanh stay in numpy (vectorized; numba has no SVML here); these loops fuse
the arithmetic around them. Whole-sequence arrays are passed with a step index `t` (or a column
offset) so that no view is made per step in Python. `one` is 1 in the arrays' dtype, so float32
arithmetic is not promoted to float64 (which halves the vector width).
"""
import numba as nb

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)


@_jit
def lstm_preact(pre, xp, t, bias, e):
    """pre (4H, N) += xp[t] + bias: the gate pre-activations in place (xp (L, 4H, N), bias
    (4H, N): the summed biases repeated along the batch); e (3H, N) = -|pre| on the i, f, o rows
    (exp(e) <= 1 never overflows, for either sign)."""
    m = pre.size // 4
    p, x, b, ef = pre.reshape(4 * m), xp[t].reshape(4 * m), bias.reshape(4 * m), e.reshape(3 * m)
    for k in range(4 * m):
        p[k] += x[k] + b[k]
    for k in range(2 * m):
        ef[k] = -abs(p[k])
    for k in range(m):
        ef[2 * m + k] = -abs(p[3 * m + k])


@_jit
def lstm_cell(pre, e, acts, c_all, t, c_prev):
    """From pre (4H, N) (its g rows already tanh) and e = exp(-|pre|) on rows i, f, o (3H, N):
    acts[t] (4H, N) = i, f, g, o and c_all[t] (H, N) = f * c_prev + i * g."""
    m = pre.size // 4
    one = pre.dtype.type(1)
    p, ef, a = pre.reshape(4 * m), e.reshape(3 * m), acts[t].reshape(4 * m)
    c, cp = c_all[t].reshape(m), c_prev.reshape(m)
    _sigmoid_from_exp(p[:2 * m], ef[:2 * m], a[:2 * m], one)
    _sigmoid_from_exp(p[3 * m:], ef[2 * m:], a[3 * m:], one)
    gi, gf, gg, pg = a[:m], a[m:2 * m], a[2 * m:3 * m], p[2 * m:3 * m]
    for k in range(m):
        gg[k] = pg[k]
    for k in range(m):
        c[k] = gf[k] * cp[k] + gi[k] * gg[k]


@_jit
def _sigmoid_from_exp(p, e, a, one):
    """a = sigmoid(p) from e = exp(-|p|), as the composed op (kernels.sigmoid_forward) does it:
    1 / (1 + e), times e when p is negative."""
    for k in range(p.size):
        v = e[k]
        q = one / (one + v)
        a[k] = q if p[k] >= 0 else v * q


@_jit
def lstm_hidden(acts, tc, t, h, out):
    """h (H, N) = o * tanh(c) from acts[t] and tc[t]; out[t] (N, H) = h^T, the op's output."""
    hs, n = h.shape
    m = hs * n
    o, tcf, hf = acts[t].reshape(4 * m)[3 * m:], tc[t].reshape(m), h.reshape(m)
    for k in range(m):
        hf[k] = o[k] * tcf[k]
    ot = out[t]
    for j in range(hs):
        row = h[j]
        for r in range(n):
            ot[r, j] = row[r]


@_jit
def lstm_cell_backward(acts, tc, c_all, t, c_first, prev_t, g_t, dh, dc, d, dxpt, col, dbv,
                       one):
    """One step back in feature-major layout. g_t (H, N) is the op's output gradient at step t
    (transposed); dh (H, N) the recurrent product of the later step, dc (H, N) the cell-state
    gradient carried back (left as dc * f for the earlier step). d (4H, N) = the gradient of
    this step's gate pre-activations, also copied to dxpt[:, col:col + N]; dbv (4H, N) += d, the
    bias gradient summed along the batch at the end (per-lane sums keep the loop vectorized)."""
    g4, n = acts.shape[1], acts.shape[2]
    m = g4 // 4 * n
    a, tcf, g = acts[t].reshape(4 * m), tc[t].reshape(m), g_t.reshape(m)
    cp = (c_all[prev_t] if prev_t >= 0 else c_first).reshape(m)
    dhf, dcf, df, bf = dh.reshape(m), dc.reshape(m), d.reshape(4 * m), dbv.reshape(4 * m)
    for k in range(m):
        i = a[k]
        f = a[m + k]
        gv = a[2 * m + k]
        o = a[3 * m + k]
        tv = tcf[k]
        dhv = dhf[k] + g[k]
        dcv = dcf[k] + dhv * o * (one - tv * tv)
        df[k] = dcv * gv * i * (one - i)
        df[m + k] = dcv * cp[k] * f * (one - f)
        df[2 * m + k] = dcv * i * (one - gv * gv)
        df[3 * m + k] = dhv * tv * o * (one - o)
        dcf[k] = dcv * f
    for k in range(4 * m):
        bf[k] += df[k]
    for j in range(g4):
        src, dst = d[j], dxpt[j, col:col + n]
        for r in range(n):
            dst[r] = src[r]


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
