"""nn.tbptt: the unrolled forward equals the layers (bitwise for the composed path, to rounding
for the fused ops); truncated BPTT with k >= L is full BPTT, and with k < L it is the exact
gradient of the truncated objective."""
import numpy as np
import pytest

import autograd
import nn
import optim
from autograd import Tensor
from autograd.model_check import finite_difference_grad
from nn.tbptt import (boundary_states, chunk_bounds, detach_state, truncated_bptt,
                      truncated_objective, unroll)

CONFIGS = [
    (nn.RNN, dict(nonlinearity="tanh")),
    (nn.RNN, dict(nonlinearity="relu", num_layers=2)),
    (nn.LSTM, dict(num_layers=2, bidirectional=True)),
    (nn.GRU, dict(bidirectional=True)),
    (nn.GRU, dict(num_layers=2, batch_first=True, bias=False)),
    (nn.LSTM, dict(batch_first=True)),
]


def _states_equal(a, b):
    a = a if isinstance(a, tuple) else (a,)
    b = b if isinstance(b, tuple) else (b,)
    return len(a) == len(b) and all(np.array_equal(x.data, y.data) for x, y in zip(a, b))


def _assert_states_close(a, b, dtype):
    a = a if isinstance(a, tuple) else (a,)
    b = b if isinstance(b, tuple) else (b,)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.dtype == y.dtype == dtype
        np.testing.assert_allclose(x.data, y.data, **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls,kw", CONFIGS, ids=lambda a: getattr(a, "__name__", str(a)))
def test_unroll_equals_the_layer(cls, kw, dtype):
    """The fused LSTM op computes its products in another layout and summation order than the
    per-step graph (feature-major, for speed), so the two agree to rounding, not bitwise; the
    composed per-step path, which unroll writes out op for op, stays bitwise equal."""
    autograd.manual_seed(1)
    m = cls(3, 4, **kw).to(dtype)
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((5, 2, 3)).astype(dtype))
    d = m.num_layers * m.num_directions
    h0 = Tensor(rng.standard_normal((d, 5 if kw.get("batch_first") else 2, 4)).astype(dtype))
    hx = (h0, h0 * 0.5) if cls is nn.LSTM else h0
    for state in (None, hx):
        out, hn = m(x, state)
        out2, hn2 = unroll(m, x, state)
        assert out2.dtype == dtype
        _assert_states_close(out, out2, dtype)
        _assert_states_close(hn, hn2, dtype)
    m.fused = False                                  # the layer's composed per-step graph
    out, hn = m(x, hx)
    out2, hn2 = unroll(m, x, hx)
    assert np.array_equal(out.data, out2.data) and _states_equal(hn, hn2)


def test_unroll_probe_sees_every_state():
    m = nn.LSTM(2, 3, num_layers=2)
    keys = []
    unroll(m, Tensor(np.ones((4, 1, 2), np.float32)), probe=lambda s, k: keys.append(k) or s)
    assert len(keys) == 2 * 2 * 4
    assert ("c", 1, 0, 3) in keys and ("h", 0, 0, 0) in keys


def test_unroll_rejects_bad_input():
    with pytest.raises(TypeError, match="nn.RNN"):
        unroll(nn.Linear(2, 2), Tensor(np.zeros((3, 1, 2), np.float32)))
    with pytest.raises(ValueError, match=r"\(4, 2\)"):
        unroll(nn.GRU(2, 3), Tensor(np.zeros((4, 2), np.float32)))
    m = nn.GRU(2, 3, num_layers=2, dropout=0.5)
    with pytest.raises(RuntimeError, match="eval"):
        unroll(m, Tensor(np.zeros((3, 1, 2), np.float32)))
    with pytest.raises(ValueError, match=r"\(1, 1, 3\)"):
        unroll(nn.GRU(2, 3), Tensor(np.zeros((3, 1, 2), np.float32)),
               Tensor(np.zeros((2, 1, 3), np.float32)))


def _setup(cls=nn.LSTM, length=7, seed=0):
    autograd.manual_seed(seed)
    m = cls(2, 3).double()
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal((length, 2, 2)))
    y = Tensor(rng.standard_normal((length, 2, 3)))
    h0 = Tensor(rng.standard_normal((1, 2, 3)))
    hx = (h0, h0 * 0.3) if cls is nn.LSTM else h0
    return m, x, y, hx


def _mse(out, target):
    return ((out - target) ** 2).mean()


def _grads(m):
    return {n: p.grad.data.copy() for n, p in m.named_parameters()}


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.RNN])
def test_k_at_least_length_is_full_bptt(cls):
    m, x, y, hx = _setup(cls)
    full = _mse(m(x, hx)[0], y)
    full.backward()
    expected = _grads(m)
    for k in (7, 50):
        m.zero_grad()
        res = truncated_bptt(m, x, y, _mse, k, hx)
        assert res.chunks == 1 and res.loss == pytest.approx(full.item(), rel=1e-14)
        for n, g in _grads(m).items():
            np.testing.assert_allclose(g, expected[n], rtol=1e-12, atol=1e-14, err_msg=n)


@pytest.mark.parametrize("cls,k", [(nn.LSTM, 3), (nn.GRU, 2), (nn.RNN, 1)])
def test_k_below_length_is_the_gradient_of_the_truncated_objective(cls, k):
    m, x, y, hx = _setup(cls)
    res = truncated_bptt(m, x, y, _mse, k, hx)
    assert res.chunks == len(chunk_bounds(7, k))
    tbptt = _grads(m)
    objective = truncated_objective(m, x, y, _mse, k, hx)
    assert objective().item() == pytest.approx(res.loss, rel=1e-12)
    m.zero_grad()
    out = m(x, hx)[0]   # the same summed chunk losses, back-propagated without truncation
    sum(_mse(out[s:e], y[s:e]) for s, e in chunk_bounds(7, k)).backward()
    full = _grads(m)
    differs = False
    for n, p in m.named_parameters():
        with autograd.no_grad():
            numeric = finite_difference_grad(lambda: float(objective().item()), p.data)
        np.testing.assert_allclose(tbptt[n], numeric, rtol=1e-6, atol=1e-9, err_msg=n)
        differs |= not np.allclose(tbptt[n], full[n], rtol=1e-3)
    assert differs   # truncation really changed the gradient


def test_truncated_state_is_the_full_forward_state():
    m, x, y, hx = _setup(nn.LSTM)
    res = truncated_bptt(m, x, y, _mse, 3, hx)
    _, (h, c) = m(x, hx)
    assert np.allclose(res.state[0].data, h.data, rtol=1e-13) and not res.state[0].requires_grad
    starts = boundary_states(m, x, 3, hx)
    assert len(starts) == 3 and starts[0] is hx


def test_training_with_an_optimizer_steps_per_chunk():
    m, x, y, hx = _setup(nn.GRU)
    m.float()
    x, y, hx = (Tensor(t.data.astype(np.float32)) for t in (x, y, hx))
    opt = optim.SGD(m.parameters(), lr=0.1)
    before = m.weight_hh_l0.data.copy()
    losses = [truncated_bptt(m, x, y, _mse, 3, hx, optimizer=opt).loss for _ in range(15)]
    assert m.weight_hh_l0.dtype == np.float32 and m.weight_hh_l0.grad is None
    assert not np.array_equal(before, m.weight_hh_l0.data)
    assert losses[-1] < losses[0]


def test_batch_first_time_dim():
    autograd.manual_seed(0)
    m = nn.GRU(2, 3, batch_first=True).double()
    rng = np.random.default_rng(0)
    x, y = Tensor(rng.standard_normal((2, 6, 2))), Tensor(rng.standard_normal((2, 6, 3)))
    res = truncated_bptt(m, x, y, _mse, 6)
    g = _grads(m)
    m.zero_grad()
    _mse(m(x)[0], y).backward()
    for n, e in _grads(m).items():
        np.testing.assert_allclose(g[n], e, rtol=1e-12, err_msg=n)
    assert res.state.shape == (1, 2, 3)


def test_helpers_validate():
    assert chunk_bounds(7, 3) == [(0, 3), (3, 6), (6, 7)]
    with pytest.raises(ValueError, match="positive integer"):
        chunk_bounds(5, 0)
    t = Tensor(np.ones(2), requires_grad=True) * 2
    h, c = detach_state((t, t))
    assert not h.requires_grad and h.grad_fn is None and detach_state(None) is None
    with pytest.raises(TypeError, match="detach_state"):
        detach_state(3)
    with pytest.raises(ValueError, match="time_dim"):
        truncated_bptt(nn.GRU(1, 1), Tensor(np.zeros((2, 1, 1))), None, _mse, 1, time_dim=2)
