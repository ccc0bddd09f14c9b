"""benchmarks.diagnostics: per-step gradient norms (checked against the finite-difference
checked per-step table), saturation counts on hand-set gates, and the quick experiment."""
import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor
from benchmarks import diagnostics as dg
from nn.tbptt import unroll


def _rnn_on_task(length=100, hidden=16, n=16, seed=0):
    autograd.manual_seed(seed)
    m = nn.RNN(1, hidden).double()
    head = nn.Linear(hidden, 2).double()
    x, y = dg.long_dependency_data(n, length, seed)
    return m, head, Tensor(x), y


def test_tanh_rnn_gradient_norm_falls_with_distance():
    m, head, x, y = _rnn_on_task()
    r = dg.recurrent_gradient_norms(m, x, dg._classify_last(head, y))
    g = r["grad_norm"]["l0"]
    assert g.shape == (100,) and np.all(g > 0)
    checkpoints = g[[99, 80, 60, 40, 20, 0]]
    assert np.all(np.diff(checkpoints) < 0), checkpoints
    assert np.mean(np.diff(g) > 0) > 0.9          # nearly every step back loses norm
    assert np.log10(g[-1] / g[0]) > 10            # by many orders of magnitude


def test_lstm_with_forget_bias_keeps_its_gradient():
    autograd.manual_seed(0)
    m = nn.LSTM(1, 16).double()
    dg._gate_bias(m, 1, 3.0)
    head = nn.Linear(16, 2).double()
    x, y = dg.long_dependency_data(16, 100, 0)
    r = dg.recurrent_gradient_norms(m, Tensor(x), dg._classify_last(head, y))
    g, gc = r["grad_norm"]["l0"], r["cell_grad_norm"]["l0"]
    assert np.log10(g[-1] / g[0]) < 3 and np.all(gc > 0)


def test_norms_equal_the_finite_difference_checked_table():
    autograd.manual_seed(2)
    m = nn.GRU(2, 3, num_layers=2, bidirectional=True).double()
    x = Tensor(np.random.default_rng(0).standard_normal((4, 2, 2)))
    r = dg.recurrent_gradient_norms(m, x, lambda out, hn: (out ** 2).sum())
    assert set(r["grad_norm"]) == {"l0", "l0_reverse", "l1", "l1_reverse"}
    rep = autograd.check_model_gradients(
        m, lambda mm, x: (mm(x)[0] ** 2).sum(), (x,),
        probed_loss_fn=lambda mm, p, x: (unroll(mm, x, probe=p)[0] ** 2).sum())
    assert rep.ok, str(rep)
    for c in rep.states:
        layer = c.name[len("h["):-1].replace(",rev", "_reverse")
        assert r["grad_norm"][layer][c.t] == pytest.approx(c.grad_norm, rel=1e-12)


def _set(m, weight, bias):
    for name, p in m.named_parameters():
        p.data[...] = weight if "weight" in name else bias


def test_saturation_counts_on_hand_set_gates():
    x = Tensor(np.ones((4, 2, 1)))
    lstm = nn.LSTM(1, 3).double()
    _set(lstm, 0.0, 5.0)   # every gate at +10: sigmoid and tanh saturated; c_t = t + 1
    sat = dg.recurrent_gradient_norms(lstm, x, lambda o, h: o.sum())["saturation"]["l0"]
    # t = 0: i, f, o, g saturated, tanh(c = 1) is not -> 4 of 5 units; from t = 2 on all are
    np.testing.assert_allclose(sat, [0.8, 0.8, 1.0, 1.0])
    _set(lstm, 0.0, 0.0)   # sigmoid 0.5, tanh 0: nothing saturated
    r = dg.recurrent_gradient_norms(lstm, x, lambda o, h: o.sum())
    assert np.all(r["saturation"]["l0"] == 0)
    gru = nn.GRU(1, 3).double()
    _set(gru, 0.0, 5.0)
    np.testing.assert_allclose(
        dg.recurrent_gradient_norms(gru, x, lambda o, h: o.sum())["saturation"]["l0"], 1.0)
    rnn = nn.RNN(1, 3).double()
    _set(rnn, 1.0, 0.0)    # h_t = tanh(1 + 3 h_{t-1}): 0.76, then saturated
    np.testing.assert_allclose(
        dg.recurrent_gradient_norms(rnn, x, lambda o, h: o.sum())["saturation"]["l0"], [0, 1, 1, 1])
    relu = nn.RNN(1, 3, nonlinearity="relu")
    r = dg.recurrent_gradient_norms(relu, Tensor(np.ones((3, 1, 1), np.float32)),
                                    lambda o, h: o.sum())
    assert np.all(np.isnan(r["saturation"]["l0"])) and r["grad_norm"]["l0"].shape == (3,)


def test_saturation_with_batch_first_two_layers_and_initial_state():
    autograd.manual_seed(0)
    m = nn.LSTM(2, 3, num_layers=2, batch_first=True).double()
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((2, 5, 2)) * 4)
    hx = (Tensor(rng.standard_normal((2, 2, 3))), Tensor(rng.standard_normal((2, 2, 3))))
    r = dg.recurrent_gradient_norms(m, x, lambda o, h: (o ** 2).sum(), hx)
    for k in ("l0", "l1"):
        assert r["saturation"][k].shape == (5,)
        assert np.all((0 <= r["saturation"][k]) & (r["saturation"][k] <= 1))
        assert r["grad_norm"][k].shape == (5,) and r["cell_grad_norm"][k].shape == (5,)
    assert r["saturation"]["l0"].mean() > 0   # inputs of scale 4 saturate some input gates


def test_quick_experiment(tmp_path):
    res = dg.run_experiment(quick=True, seed=0, out_dir=tmp_path)
    ld = res["long_dependency"]["decay_orders"]
    assert ld["rnn_tanh"] < -10 and ld["lstm"] < -10 and ld["gru"] < -10
    assert ld["lstm_forget_bias3"] > -3 and ld["gru_update_bias3"] > -3
    ex = res["exploding"]
    assert ex["growth_orders"] > 3 and ex["param_grad_norm"] > 1e3
    assert ex["clipped_grad_norm"] <= ex["max_norm"] * (1 + 1e-6)
    clipped, unclipped = ex["sgd"]["clipped"], ex["sgd"]["unclipped"]
    assert max(clipped["step_norm"]) <= ex["lr"] * ex["max_norm"] * (1 + 1e-6)
    assert unclipped["step_norm"][0] > 1e3 * ex["lr"]
    assert unclipped["weight_hh_norm"] > 100 * clipped["weight_hh_norm"]
    init = res["init"]
    he = init["he"]["act_std"]
    assert 0.3 < he[-1] / he[0] < 3
    assert init["xavier"]["act_std"][-1] < init["xavier"]["act_std"][0] / 5
    assert init["bad_std_0.01"]["act_std"][-1] < 1e-6
    assert init["bad_std_0.01"]["grad_std"][0] < 1e-6 < init["he"]["grad_std"][0]
    assert len(res["plots"]) == 4
    for p in res["plots"]:
        with open(p, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
