"""The GRU step kernels (kernels.rnn.gru_*) against the numpy formulas, forward and backward,
in float32 and float64, saturated gates included (also run with NUMBA_DISABLE_JIT=1)."""
import numpy as np
import pytest

from autograd.kernels import rnn as K


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _forward_step(xpt, h, w_t, b):
    """The kernels' forward step, as GRUSequence.forward runs it."""
    n, g3 = xpt.shape
    hs = g3 // 3
    hp = h @ w_t
    pre, e = np.empty((n, 2 * hs), xpt.dtype), np.empty((n, 2 * hs), xpt.dtype)
    a = np.empty((n, g3), xpt.dtype)
    hpn, out = np.empty((n, hs), xpt.dtype), np.empty((n, hs), xpt.dtype)
    K.gru_preact(xpt, hp, b, pre, e)
    np.exp(e, out=e)
    K.gru_candidate(xpt, hp, pre, e, a, hpn)
    np.tanh(a[:, 2 * hs:], out=a[:, 2 * hs:])
    K.gru_hidden(a, h, out)
    return a, hpn, out


@pytest.mark.parametrize("scale", [1.0, 40.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gru_forward_step_matches_numpy(dtype, scale):
    rng = np.random.default_rng(0)
    n, hs = 5, 7
    xpt = (rng.standard_normal((n, 3 * hs)) * scale).astype(dtype)
    h = rng.standard_normal((n, hs)).astype(dtype)
    w_t = rng.standard_normal((hs, 3 * hs)).astype(dtype)
    b = rng.standard_normal(3 * hs).astype(dtype)
    a, hpn, out = _forward_step(xpt, h, w_t, b)
    x64, h64 = xpt.astype(np.float64), h.astype(np.float64)
    hp = h64 @ w_t.astype(np.float64) + b
    r = _sigmoid(x64[:, :hs] + hp[:, :hs])
    z = _sigmoid(x64[:, hs:2 * hs] + hp[:, hs:2 * hs])
    cand = np.tanh(x64[:, 2 * hs:] + r * hp[:, 2 * hs:])
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for got, want in ((a[:, :hs], r), (a[:, hs:2 * hs], z), (a[:, 2 * hs:], cand),
                      (hpn, hp[:, 2 * hs:]), (out, cand + z * (h64 - cand))):
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * (1 + scale))
    assert np.all(np.isfinite(a))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gru_backward_step_matches_numpy(dtype):
    rng = np.random.default_rng(1)
    n, hs = 4, 6
    a = rng.uniform(0.05, 0.95, (n, 3 * hs)).astype(dtype)
    a[:, 2 * hs:] = rng.uniform(-0.9, 0.9, (n, hs))
    hpn, h_prev, gt, carry, dh0 = (rng.standard_normal((n, hs)).astype(dtype) for _ in range(5))
    dh = dh0.copy()
    dxp, dhp = np.empty((n, 3 * hs), dtype), np.empty((n, 3 * hs), dtype)
    K.gru_cell_backward(a, hpn, h_prev, gt, carry, dh, dxp, dhp, dtype(1))
    r, z, c = (a[:, k * hs:(k + 1) * hs].astype(np.float64) for k in range(3))
    dv = dh0 + carry + gt
    dn = dv * (1 - z) * (1 - c * c)
    want_dxp = np.hstack([dn * hpn * r * (1 - r), dv * (h_prev - c) * z * (1 - z), dn])
    want_dhp = np.hstack([want_dxp[:, :2 * hs], dn * r])
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for got, want in ((dxp, want_dxp), (dhp, want_dhp), (dh, dv * z)):
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)
