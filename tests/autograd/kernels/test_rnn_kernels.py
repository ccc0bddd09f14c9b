"""The fused LSTM step kernels (feature-major layout) against a plain numpy LSTM cell, and the
LSTMSequence op built on them against the same numpy recurrence (float32 within a few ulp,
float64 to rounding)."""
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


def _step(xp_t, hw, bias, c_prev):
    """One forward step as LSTMSequence runs it, on fresh buffers, in the op's layout: xp_t and
    hw (4H, N), c_prev (H, N) -> acts (4H, N), c (H, N), h (H, N) and out (N, H)."""
    g4, n = hw.shape
    hs = g4 // 4
    dt = hw.dtype
    pre, e = hw.copy(), np.empty((3 * hs, n), dt)
    acts, c_all, tc = np.empty((1, g4, n), dt), np.empty((1, hs, n), dt), np.empty((1, hs, n), dt)
    h, out = np.empty((hs, n), dt), np.empty((1, n, hs), dt)
    k.lstm_preact(pre, xp_t[None], 0, np.repeat(bias[:, None], n, axis=1), e)
    np.exp(e, out=e)
    np.tanh(pre[2 * hs:3 * hs], out=pre[2 * hs:3 * hs])
    k.lstm_cell(pre, e, acts, c_all, 0, c_prev)
    np.tanh(c_all[0], out=tc[0])
    k.lstm_hidden(acts, tc, 0, h, out)
    return acts[0], c_all[0], h, out[0]


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 4), hs=st.integers(1, 9), dtype=st.sampled_from([np.float32, np.float64]),
       scale=st.sampled_from([0.1, 3.0, 200.0]), seed=st.integers(0, 2**16))
def test_forward_step_matches_numpy(n, hs, dtype, scale, seed):
    rng = np.random.default_rng(seed)
    xp_t = (rng.standard_normal((4 * hs, n)) * scale).astype(dtype)
    hw = (rng.standard_normal((4 * hs, n)) * scale).astype(dtype)
    bias = rng.standard_normal(4 * hs).astype(dtype)
    c_prev = rng.standard_normal((hs, n)).astype(dtype)
    acts, c, h, out = _step(xp_t, hw, bias, c_prev)
    # the pre-activation rounded as the kernel sums it (hw + (xp_t + bias), in dtype): with
    # |values| ~ 800 a float32 sum's rounding alone moves a gate by 1e-4 relative
    pre = (hw + (xp_t + bias[:, None])).astype(np.float64).T
    ref_acts, ref_c, ref_h = _cell_reference(pre, c_prev.T)
    assert acts.dtype == dtype and c.dtype == dtype and out.dtype == dtype
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(acts.T, ref_acts, **tol)
    np.testing.assert_allclose(c.T, ref_c, **tol)
    np.testing.assert_allclose(h.T, ref_h, **tol)
    np.testing.assert_array_equal(out, h.T)


def test_saturated_gates_are_exact_limits():
    pre = np.array([[-1e4], [1e4], [1e4], [-1e4]], np.float32)  # i=0, f=1, g=1, o=0 (H=1)
    acts, c, h, _ = _step(pre, np.zeros_like(pre), np.zeros(4, np.float32),
                          np.array([[2.5]], np.float32))
    np.testing.assert_array_equal(acts[:, 0], [0.0, 1.0, 1.0, 0.0])
    np.testing.assert_array_equal(c, [[2.5]])
    np.testing.assert_array_equal(h, [[0.0]])


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 3), hs=st.integers(1, 6), first=st.booleans(), seed=st.integers(0, 2**16))
def test_backward_step_matches_numpy(n, hs, first, seed):
    rng = np.random.default_rng(seed)
    pre = rng.standard_normal((n, 4 * hs))
    c_prev = rng.standard_normal((n, hs))
    acts, c, _ = _cell_reference(pre, c_prev)
    tc = np.tanh(c)
    grad = rng.standard_normal((n, hs))
    dh0, dc0 = rng.standard_normal((n, hs)), rng.standard_normal((n, hs))
    # step t = 1 of a two-step sequence; its c_{t-1} is c_all[0], or c_first when prev_t = -1
    # (C-contiguous feature-major arrays, as the op passes them)
    acts_all = np.ascontiguousarray(np.stack([np.zeros_like(acts.T), acts.T]))
    tc_all = np.ascontiguousarray(np.stack([np.zeros_like(tc.T), tc.T]))
    c_all = np.ascontiguousarray(np.stack([c_prev.T, np.zeros_like(c_prev.T)]))
    c_first = c_prev.T.copy() if first else np.full((hs, n), np.nan)
    g_t = np.ascontiguousarray(grad.T)    # step 1's output gradient, feature-major
    dh, dc = dh0.T.copy(), dc0.T.copy()
    d, dxpt = np.empty((4 * hs, n)), np.full((4 * hs, 3 * n), np.nan)
    db = np.ones((4 * hs, n))
    k.lstm_cell_backward(acts_all, tc_all, c_all, 1, c_first, -1 if first else 0, g_t, dh, dc,
                         d, dxpt, n, db, 1.0)
    i, f, g, o = np.split(acts, 4, axis=1)
    dht = dh0 + grad
    dct = dc0 + dht * o * (1 - tc ** 2)
    want = np.concatenate([dct * g * i * (1 - i), dct * c_prev * f * (1 - f),
                           dct * i * (1 - g ** 2), dht * tc * o * (1 - o)], 1)
    tol = dict(rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(dxpt[:, n:2 * n], want.T, **tol)
    assert np.isnan(dxpt[:, :n]).all() and np.isnan(dxpt[:, 2 * n:]).all()  # other steps kept
    np.testing.assert_allclose(dc, (dct * f).T, **tol)
    np.testing.assert_array_equal(d, dxpt[:, n:2 * n])
    np.testing.assert_allclose(db, 1 + want.T, **tol)


class _Ctx:
    def save_for_backward(self, *arrays):
        self.saved = arrays


def _numpy_lstm(x, h0, c0, w_ih, w_hh, b, reverse):
    """Forward h per step, then the final c, in float64, time reversed when `reverse`."""
    h, c = h0.astype(np.float64), c0.astype(np.float64)
    out = np.empty((len(x) + 1,) + h0.shape)
    for t in (range(len(x) - 1, -1, -1) if reverse else range(len(x))):
        pre = x[t].astype(np.float64) @ w_ih.T + b + h @ w_hh.T.astype(np.float64)
        _, c, h = _cell_reference(pre, c)
        out[t] = h
    out[-1] = c
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reverse", [False, True])
def test_sequence_forward_matches_numpy(dtype, reverse):
    rng = np.random.default_rng(1)
    L, N, I, H = 6, 3, 4, 5
    x = rng.standard_normal((L, N, I)).astype(dtype)
    h0, c0 = rng.standard_normal((2, N, H)).astype(dtype)
    w_ih = (rng.standard_normal((4 * H, I)) * 0.5).astype(dtype)
    w_hh = (rng.standard_normal((4 * H, H)) * 0.5).astype(dtype)
    b_ih, b_hh = rng.standard_normal((2, 4 * H)).astype(dtype)
    ctx = _Ctx()
    out = LSTMSequence.forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=reverse)
    assert out.dtype == dtype and out.shape == (L + 1, N, H)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(out, _numpy_lstm(x, h0, c0, w_ih, w_hh, b_ih + b_hh, reverse),
                               **tol)
    grads = LSTMSequence.backward(ctx, np.ones_like(out))
    assert [g.dtype for g in grads] == [dtype] * 7
    assert [g.shape for g in grads] == [a.shape for a in (x, h0, c0, w_ih, w_hh, b_ih, b_hh)]


def test_sequence_rejects_bad_shapes_and_dtypes():
    f = np.float32
    x, h = np.zeros((3, 2, 4), f), np.zeros((2, 5), f)
    w_ih, w_hh = np.zeros((20, 4), f), np.zeros((20, 5), f)
    with pytest.raises(ValueError, match=r"LSTMSequence.*\(20, 3\)"):
        LSTMSequence.forward(_Ctx(), x, h, h, np.zeros((20, 3), f), w_hh)
    with pytest.raises(ValueError, match=r"LSTMSequence.*\(2, 6\)"):
        LSTMSequence.forward(_Ctx(), x, np.zeros((2, 6), f), h, w_ih, w_hh)
    with pytest.raises(TypeError, match="LSTMSequence.*float32.*float64"):
        LSTMSequence.forward(_Ctx(), x, h, h, w_ih, w_hh.astype(np.float64))
