"""The fused LSTM step kernels against a plain numpy LSTM cell, and the LSTMSequence op built on
them against the same numpy recurrence (float32 within a few ulp, float64 to rounding)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd.kernels import rnn as k
from autograd.ops.rnn import LSTMSequence


def _sigmoid(x):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def _cell_reference(pre, c_prev):
    """pre (N, 4H) gates i, f, g, o -> (acts, c, h) in float64."""
    pre, c_prev = pre.astype(np.float64), c_prev.astype(np.float64)
    i, f, g, o = np.split(pre, 4, axis=1)
    i, f, o, g = _sigmoid(i), _sigmoid(f), _sigmoid(o), np.tanh(g)
    c = f * c_prev + i * g
    return np.concatenate([i, f, g, o], 1), c, o * np.tanh(c)


def _step(xp_t, hw, prev):
    """The forward step as LSTMSequence runs it, on fresh buffers."""
    n, g4 = hw.shape
    hs = g4 // 4
    dt = hw.dtype
    e, tg = np.empty((n, g4), dt), np.empty((n, hs), dt)
    acts, out = np.empty((n, g4), dt), np.empty((n, 2 * hs), dt)
    pre = hw.copy()
    k.lstm_preact(xp_t, pre, e)
    np.exp(e, out=e)
    np.tanh(pre[:, 2 * hs:3 * hs], out=tg)
    k.lstm_cell(pre, e, tg, prev, acts, out)
    return acts, out[:, hs:]


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 4), hs=st.integers(1, 9), dtype=st.sampled_from([np.float32, np.float64]),
       scale=st.sampled_from([0.1, 3.0, 200.0]), seed=st.integers(0, 2**16))
def test_forward_step_matches_numpy(n, hs, dtype, scale, seed):
    rng = np.random.default_rng(seed)
    xp_t = (rng.standard_normal((n, 4 * hs)) * scale).astype(dtype)
    hw = (rng.standard_normal((n, 4 * hs)) * scale).astype(dtype)
    prev = rng.standard_normal((n, 2 * hs)).astype(dtype)
    acts, c = _step(xp_t, hw, prev)
    ref_acts, ref_c, _ = _cell_reference(xp_t.astype(np.float64) + hw, prev[:, hs:])
    assert acts.dtype == dtype and c.dtype == dtype
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(acts, ref_acts, **tol)
    np.testing.assert_allclose(c, ref_c, **tol)


def test_saturated_gates_are_exact_limits():
    pre = np.array([[-1e4, 1e4, 1e4, -1e4]], np.float32)  # i=0, f=1, g=1, o=0 (H=1)
    acts, c = _step(pre, np.zeros_like(pre), np.array([[0.0, 2.5]], np.float32))
    np.testing.assert_array_equal(acts, [[0.0, 1.0, 1.0, 0.0]])
    np.testing.assert_array_equal(c, [[2.5]])


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 3), hs=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_backward_step_matches_numpy(n, hs, seed):
    rng = np.random.default_rng(seed)
    pre = rng.standard_normal((n, 4 * hs))
    prev = rng.standard_normal((n, 2 * hs))
    acts, c, _ = _cell_reference(pre, prev[:, hs:])
    tc = np.tanh(c)
    grad = rng.standard_normal((n, 2 * hs))
    dh0, dc0 = rng.standard_normal((n, hs)), rng.standard_normal((n, hs))
    dc, dxp = dc0.copy(), np.empty((n, 4 * hs))
    k.lstm_cell_backward(acts, tc, prev, grad, dh0, dc, dxp, 1.0)
    i, f, g, o = np.split(acts, 4, axis=1)
    dh = dh0 + grad[:, :hs]
    dct = dc0 + grad[:, hs:] + dh * o * (1 - tc ** 2)
    want = np.concatenate([dct * g * i * (1 - i), dct * prev[:, hs:] * f * (1 - f),
                           dct * i * (1 - g ** 2), dh * tc * o * (1 - o)], 1)
    np.testing.assert_allclose(dxp, want, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(dc, dct * f, rtol=1e-13, atol=1e-15)


class _Ctx:
    def save_for_backward(self, *arrays):
        self.saved = arrays


def _numpy_lstm(xp, h0, c0, w, reverse):
    """Forward outputs [h, c] per step in float64, time reversed when `reverse`."""
    h, c = h0.astype(np.float64), c0.astype(np.float64)
    out = np.empty(xp.shape[:2] + (2 * h0.shape[1],))
    for t in (range(len(xp) - 1, -1, -1) if reverse else range(len(xp))):
        _, c, h = _cell_reference(xp[t] + h @ w.T.astype(np.float64), c)
        out[t] = np.concatenate([h, c], 1)
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reverse", [False, True])
def test_sequence_forward_matches_numpy(dtype, reverse):
    rng = np.random.default_rng(1)
    L, N, H = 6, 3, 5
    xp = rng.standard_normal((L, N, 4 * H)).astype(dtype)
    h0, c0 = rng.standard_normal((2, N, H)).astype(dtype)
    w = (rng.standard_normal((4 * H, H)) * 0.5).astype(dtype)
    ctx = _Ctx()
    out = LSTMSequence.forward(ctx, xp, h0, c0, w, reverse=reverse)
    assert out.dtype == dtype
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(out, _numpy_lstm(xp, h0, c0, w, reverse), **tol)
    grads = LSTMSequence.backward(ctx, np.ones_like(out))
    assert [g.dtype for g in grads] == [dtype] * 4
    assert [g.shape for g in grads] == [xp.shape, h0.shape, c0.shape, w.shape]
