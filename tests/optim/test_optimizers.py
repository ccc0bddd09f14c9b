"""Optimizers against torch.optim: trajectories, state, state_dict, validation, dtypes."""
import copy

import numpy as np
import pytest

import autograd
import nn
import optim

torch = pytest.importorskip("torch")

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, nesterov=True, weight_decay=0.2, maximize=True)),
    ("SGD", dict(lr=0.05, maximize=True)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, betas=(0.3, 0.4), eps=1e-3)),  # lerp's weight >= 0.5 branch
    ("Adam", dict(lr=0.05, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
    ("AdamW", dict(lr=0.05, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.8)),
    ("RMSprop", dict(lr=0.01, alpha=0.3, centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, maximize=True, eps=1e-4)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.2)),
    ("Adagrad", dict(lr=0.1, eps=1e-3, maximize=True)),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, kw in CONFIGS]
RTOL, ATOL = 1e-10, 1e-13


def _problem(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(8, 3)), 0.5 * rng.normal(size=(8, 2))
    W0, b0 = rng.normal(size=(3, 2)), rng.normal(size=(2,))
    return [a.astype(dtype) for a in (X, y, W0, b0)]


def _loss_ours(params, X, y):
    W, b = params[:2]
    return (((autograd.tensor(X) @ W + b).tanh() - autograd.tensor(y)) ** 2).mean()


def _loss_torch(params, X, y):
    W, b = params[:2]
    return ((torch.tanh(torch.from_numpy(X) @ W + b) - torch.from_numpy(y)) ** 2).mean()


def _make(name, kwargs, dtype=np.float64, groups=None):
    """Our and torch's optimizer on identical weights W (3, 2), b (2,) and an unused (4,)."""
    X, y, W0, b0 = _problem(dtype)
    unused = np.arange(4, dtype=dtype)
    ours = [nn.Parameter(a.copy()) for a in (W0, b0, unused)]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in (W0, b0, unused)]

    def spec(ps):
        return ps if groups is None else [dict(g, params=[ps[i] for i in g["params"]])
                                          for g in groups]

    opt_o = getattr(optim, name)(spec(ours), foreach=False, **kwargs)
    opt_t = getattr(torch.optim, name)(spec(theirs), foreach=False, **kwargs)
    return (X, y), ours, theirs, opt_o, opt_t


def _step_both(data, ours, theirs, opt_o, opt_t, check_grads=True):
    opt_o.zero_grad()
    opt_t.zero_grad()
    _loss_ours(ours, *data).backward()
    _loss_torch(theirs, *data).backward()
    if check_grads:
        for p, q in zip(ours[:2], theirs[:2]):
            np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=RTOL, atol=ATOL)
    opt_o.step()
    opt_t.step()


def _assert_same_params(ours, theirs, rtol=RTOL, atol=ATOL, msg=""):
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=rtol, atol=atol, err_msg=msg)


def _assert_same_state(opt_o, opt_t, rtol=RTOL, atol=ATOL):
    so, st = opt_o.state_dict()["state"], opt_t.state_dict()["state"]
    assert so.keys() == st.keys()
    for i in st:
        assert so[i].keys() == st[i].keys(), (i, so[i].keys(), st[i].keys())
        for k, v in st[i].items():
            expected = v.numpy() if isinstance(v, torch.Tensor) else v
            np.testing.assert_allclose(so[i][k], expected, rtol=rtol, atol=atol, err_msg=k)


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_trajectory_matches_torch(name, kwargs):
    data, ours, theirs, opt_o, opt_t = _make(name, kwargs)
    start = ours[0].data.copy()
    for step in range(20):
        _step_both(data, ours, theirs, opt_o, opt_t)
        _assert_same_params(ours, theirs, msg=f"step {step}")
    assert not np.allclose(ours[0].data, start)           # the problem really moves the weights
    np.testing.assert_array_equal(ours[2].data, np.arange(4))  # no grad: untouched, no state
    assert opt_o.state.get(ours[2], {}).get("step", 0.0) == 0.0  # Adagrad's state starts at 0
    _assert_same_state(opt_o, opt_t)


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("Adam", dict(lr=0.05)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("Adagrad", dict(lr=0.1)),
])
def test_param_groups_with_own_options_match_torch(name, kwargs):
    groups = [{"params": [0], "lr": 0.02, "weight_decay": 0.3}, {"params": [1, 2]}]
    data, ours, theirs, opt_o, opt_t = _make(name, kwargs, groups=groups)
    assert opt_o.param_groups[0]["lr"] == 0.02 and opt_o.param_groups[1]["lr"] == kwargs["lr"]
    for _ in range(20):
        _step_both(data, ours, theirs, opt_o, opt_t)
    _assert_same_params(ours, theirs)
    _assert_same_state(opt_o, opt_t)


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_float32_stays_float32_and_tracks_torch(name, kwargs):
    data, ours, theirs, opt_o, opt_t = _make(name, kwargs, dtype=np.float32)
    for _ in range(5):
        _step_both(data, ours, theirs, opt_o, opt_t, check_grads=False)
    for p in ours:
        assert p.data.dtype == np.float32
    for s in opt_o.state.values():
        for v in s.values():
            if isinstance(v, np.ndarray):
                assert v.dtype == np.float32
    _assert_same_params(ours, theirs, rtol=1e-4, atol=1e-5)


def test_numpy_float64_hyperparameters_keep_float32():
    p = nn.Parameter(np.ones(3, np.float32))
    opt = optim.Adam([p], lr=np.float64(0.1), betas=(np.float64(0.9), np.float64(0.99)),
                     weight_decay=np.float64(0.01))
    p.grad = autograd.tensor(np.ones(3, np.float32))
    opt.step()
    assert p.data.dtype == np.float32 and opt.state[p]["exp_avg"].dtype == np.float32


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_state_dict_round_trip_resumes_identically(name, kwargs):
    data, ours, _, opt_o, _ = _make(name, kwargs)
    loss = lambda ps: _loss_ours(ps, *data)  # noqa: E731
    for _ in range(10):
        opt_o.zero_grad()
        loss(ours).backward()
        opt_o.step()
    sd = opt_o.state_dict()
    frozen = copy.deepcopy(sd)
    clones = [nn.Parameter(p.data.copy()) for p in ours]
    other = getattr(optim, name)(clones, lr=123.0)   # hyper-parameters come from the state dict
    other.load_state_dict(sd)
    assert other.param_groups[0]["lr"] == kwargs["lr"]
    for _ in range(10):
        for opt, ps in ((opt_o, ours), (other, clones)):
            opt.zero_grad()
            loss(ps).backward()
            opt.step()
    for p, q in zip(ours, clones):
        np.testing.assert_array_equal(p.data, q.data)
    # the saved dict holds copies: stepping did not change it
    for i, s in frozen["state"].items():
        for k, v in s.items():
            np.testing.assert_array_equal(sd["state"][i][k], v)


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_loads_torch_state_dict_and_continues_like_torch(name, kwargs):
    data, ours, theirs, opt_o, opt_t = _make(name, kwargs)
    for _ in range(10):
        opt_t.zero_grad()
        _loss_torch(theirs, *data).backward()
        opt_t.step()
    for p, q in zip(ours, theirs):
        p.data = q.detach().numpy().copy()
    opt_o.load_state_dict(opt_t.state_dict())
    for _ in range(10):
        _step_both(data, ours, theirs, opt_o, opt_t)
    _assert_same_params(ours, theirs)


def test_state_dict_layout_is_torch_layout():
    data, ours, theirs, opt_o, opt_t = _make(
        "SGD", dict(lr=0.1, momentum=0.9),
        groups=[{"params": [1]}, {"params": [0, 2], "lr": 0.3}])
    _step_both(data, ours, theirs, opt_o, opt_t)
    so, st = opt_o.state_dict(), opt_t.state_dict()
    assert [g["params"] for g in so["param_groups"]] == [g["params"] for g in st["param_groups"]]
    assert so["state"].keys() == st["state"].keys() == {0, 1}
    for go, gt in zip(so["param_groups"], st["param_groups"]):
        assert {k: go[k] for k in go} == {k: gt[k] for k in go}


def test_load_state_dict_errors():
    a, b = nn.Parameter(np.zeros(3)), nn.Parameter(np.zeros(2))
    opt = optim.Adam([a, b])
    a.grad, b.grad = autograd.tensor(np.ones(3)), autograd.tensor(np.ones(2))
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="parameter groups"):
        optim.Adam([{"params": [a]}, {"params": [b]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="group 0 has 2 parameters"):
        optim.Adam([a]).load_state_dict(sd)
    with pytest.raises(ValueError, match=r"shape \(3,\).*shape \(2,\)"):
        optim.Adam([b, a]).load_state_dict(sd)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})
    resumed = copy.deepcopy(sd)   # values are not checked on load, as in torch
    resumed["param_groups"][0]["lr"] = -1.0
    opt.load_state_dict(resumed)
    assert opt.param_groups[0]["lr"] == -1.0


BAD = [
    (optim.SGD, dict(lr=-0.1), ValueError, "learning rate"),
    (optim.SGD, dict(lr=0.1, momentum=-0.5), ValueError, "momentum"),
    (optim.SGD, dict(lr=0.1, weight_decay=-1e-3), ValueError, "weight_decay"),
    (optim.SGD, dict(lr=0.1, nesterov=True), ValueError, "Nesterov"),
    (optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), ValueError, "Nesterov"),
    (optim.SGD, dict(lr="0.1"), TypeError, "lr must be a real number"),
    (optim.SGD, dict(lr=float("nan")), ValueError, "learning rate"),
    (optim.Adam, dict(lr=-1e-3), ValueError, "learning rate"),
    (optim.Adam, dict(eps=-1e-8), ValueError, "epsilon"),
    (optim.Adam, dict(betas=(1.0, 0.999)), ValueError, "beta parameter at index 0"),
    (optim.Adam, dict(betas=(0.9, -0.1)), ValueError, "beta parameter at index 1"),
    (optim.Adam, dict(betas=(0.9,)), ValueError, "pair"),
    (optim.Adam, dict(weight_decay=-0.1), ValueError, "weight_decay"),
    (optim.AdamW, dict(betas=(0.9, 1.5)), ValueError, "index 1"),
    (optim.RMSprop, dict(alpha=-0.1), ValueError, "alpha"),
    (optim.RMSprop, dict(momentum=-0.1), ValueError, "momentum"),
    (optim.RMSprop, dict(eps=-1.0), ValueError, "epsilon"),
    (optim.Adagrad, dict(lr_decay=-0.1), ValueError, "lr_decay"),
    (optim.Adagrad, dict(initial_accumulator_value=-1.0), ValueError, "initial_accumulator"),
    (optim.Adagrad, dict(eps=-1.0), ValueError, "epsilon"),
]


@pytest.mark.parametrize("cls,kwargs,exc,match", BAD,
                         ids=[f"{c.__name__}-{kw}" for c, kw, _, _ in BAD])
def test_invalid_hyperparameters_raise(cls, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        cls([nn.Parameter(np.zeros(2))], **kwargs)
    if match == "Nesterov":   # torch checks Nesterov's condition on the defaults alone
        return
    # the same check applies to a group added later with its own options
    opt = cls([nn.Parameter(np.zeros(2))])
    with pytest.raises(exc, match=match):
        opt.add_param_group(dict(kwargs, params=[nn.Parameter(np.zeros(2))]))
    assert len(opt.param_groups) == 1


def test_bad_params_raise():
    p = nn.Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([p, np.zeros(2)], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(TypeError, match="ordered"):
        optim.SGD({p}, lr=0.1)
    opt = optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [p]})
    with pytest.raises(TypeError, match="must be a dict"):
        opt.add_param_group([p])
    with pytest.warns(UserWarning, match="duplicate"):
        optim.SGD([p, p], lr=0.1)


def test_add_param_group_fills_defaults_and_is_stepped():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(3))
    opt = optim.SGD([a], lr=0.1, momentum=0.5)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert opt.param_groups[1]["momentum"] == 0.5 and opt.param_groups[1]["params"] == [b]
    a.grad, b.grad = autograd.tensor(np.ones(2)), autograd.tensor(np.ones(3))
    opt.step()
    np.testing.assert_allclose(a.data, 0.9)
    np.testing.assert_allclose(b.data, 0.99)


def test_named_parameters_keep_their_names():
    model = nn.Sequential(nn.Linear(2, 3))
    opt = optim.SGD(model.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["0.weight", "0.bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["0.weight", "0.bias"]


def test_zero_grad():
    p = nn.Parameter(np.ones(3))
    opt = optim.SGD([p], lr=0.1)
    p.grad = autograd.tensor(np.ones(3))
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad
    np.testing.assert_array_equal(p.grad.data, 0)
    opt.zero_grad()
    assert p.grad is None


def test_step_with_closure_returns_loss_and_updates():
    data, ours, theirs, opt_o, opt_t = _make("SGD", dict(lr=0.1))
    calls = []

    def closure():
        calls.append(1)
        opt_o.zero_grad()
        loss = _loss_ours(ours, *data)
        loss.backward()
        return loss

    with autograd.no_grad():  # step re-enables grad for the closure
        loss = opt_o.step(closure)
    opt_t.zero_grad()
    expected = _loss_torch(theirs, *data)
    expected.backward()
    opt_t.step()
    assert calls == [1]
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=RTOL)
    _assert_same_params(ours, theirs)


def test_gradient_shape_mismatch_raises():
    p = nn.Parameter(np.ones(3))
    with pytest.raises(RuntimeError, match=r"assign a gradient of size \[4\] to a tensor of size"):
        p.grad = autograd.tensor(np.ones(4))      # refused at the assignment, as in torch
    p.grad = autograd.tensor(np.ones(3))
    p.grad.data = np.ones(4)                      # the gradient's memory replaced
    with pytest.raises(RuntimeError, match=r"shape \(3,\).*gradient of shape \(4,\)"):
        optim.Adam([p]).step()


def test_step_invalidates_graphs_that_saved_the_parameter():
    w = nn.Parameter(np.ones(3))
    opt = optim.SGD([w], lr=0.1)
    w.grad = autograd.tensor(np.ones(3))
    loss = (w * w).sum()         # saves w's array for backward
    opt.step()                   # changes that array in place
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_update_is_in_place():
    p = nn.Parameter(np.ones((2, 2), np.float32))
    arr = p._data
    for cls in (optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adagrad):
        p.grad = autograd.tensor(np.ones((2, 2), np.float32))
        grad = p.grad.data.copy()
        cls([p], lr=0.1).step()
        assert p._data is arr
        np.testing.assert_array_equal(p.grad.data, grad)  # the gradient is left alone


def test_training_loop_with_clipping_and_scheduler_matches_torch():
    data, ours, theirs, opt_o, opt_t = _make("AdamW", dict(lr=0.2, amsgrad=True))
    s_o = optim.lr_scheduler.CosineAnnealingLR(opt_o, T_max=6, eta_min=0.01)
    s_t = torch.optim.lr_scheduler.CosineAnnealingLR(opt_t, T_max=6, eta_min=0.01)
    for step in range(20):
        opt_o.zero_grad()
        opt_t.zero_grad()
        _loss_ours(ours, *data).backward()
        _loss_torch(theirs, *data).backward()
        n_o = nn.utils.clip_grad_norm_(ours, 0.05)
        n_t = torch.nn.utils.clip_grad_norm_(theirs, 0.05)
        np.testing.assert_allclose(n_o.item(), n_t.item(), rtol=RTOL)
        opt_o.step()
        opt_t.step()
        s_o.step()
        s_t.step()
        _assert_same_params(ours, theirs, msg=f"step {step}")
        assert s_o.get_last_lr() == pytest.approx(s_t.get_last_lr(), rel=1e-12)
