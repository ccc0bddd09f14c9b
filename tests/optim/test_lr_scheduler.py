"""Learning-rate schedulers against torch.optim.lr_scheduler: lr sequences, resuming, errors."""
import warnings

import numpy as np
import pytest

import autograd
import nn
import optim
from optim import lr_scheduler as sched

torch = pytest.importorskip("torch")
TS = torch.optim.lr_scheduler
LRS = (0.1, 0.03)


def _inverse(epoch):
    return 1.0 / (1.0 + epoch)


def _halving(epoch):
    return 0.5 ** (epoch // 4)


def _decay(epoch):
    return 0.95


SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("StepLR", dict(step_size=1)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 11], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001)),  # 20 epochs pass the restarts
    ("CosineAnnealingLR", dict(T_max=20)),
    ("LambdaLR", dict(lr_lambda=_inverse)),
    ("LambdaLR", dict(lr_lambda=[_inverse, _halving])),
    ("MultiplicativeLR", dict(lr_lambda=_decay)),
    ("ConstantLR", dict(factor=0.5, total_iters=4)),
    ("LinearLR", dict(start_factor=0.25, end_factor=0.9, total_iters=6)),
    ("LinearLR", dict()),
]
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULERS)]


def _optimizers(lrs=LRS):
    ours = optim.SGD([{"params": [nn.Parameter(np.zeros(2))], "lr": lr} for lr in lrs], lr=1.0)
    theirs = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)], "lr": lr}
                              for lr in lrs], lr=1.0)
    return ours, theirs


def _lrs(opt):
    return [g["lr"] for g in opt.param_groups]


def _assert_lrs(s_o, s_t, opt_o, opt_t, msg=""):
    np.testing.assert_allclose(s_o.get_last_lr(), s_t.get_last_lr(), rtol=1e-12, atol=0,
                               err_msg=msg)
    np.testing.assert_allclose(_lrs(opt_o), _lrs(opt_t), rtol=1e-12, atol=0, err_msg=msg)


def _epoch(opt_o, opt_t, s_o, s_t):
    opt_o.step()
    opt_t.step()
    s_o.step()
    s_t.step()


@pytest.mark.parametrize("name,kwargs", SCHEDULERS, ids=IDS)
def test_lr_sequence_matches_torch(name, kwargs):
    opt_o, opt_t = _optimizers()
    s_o, s_t = getattr(sched, name)(opt_o, **kwargs), getattr(TS, name)(opt_t, **kwargs)
    _assert_lrs(s_o, s_t, opt_o, opt_t, "after the constructor")
    seen = set()
    for epoch in range(20):
        _epoch(opt_o, opt_t, s_o, s_t)
        _assert_lrs(s_o, s_t, opt_o, opt_t, f"epoch {epoch}")
        seen.add(tuple(s_o.get_last_lr()))
        assert s_o.last_epoch == s_t.last_epoch
    assert len(seen) > 1  # the schedule really changes the lr
    assert [g["initial_lr"] for g in opt_o.param_groups] == list(LRS)


def test_two_schedulers_chain_like_torch():
    opt_o, opt_t = _optimizers()
    pair_o = [sched.StepLR(opt_o, 4, 0.5), sched.ExponentialLR(opt_o, 0.9)]
    pair_t = [TS.StepLR(opt_t, 4, 0.5), TS.ExponentialLR(opt_t, 0.9)]
    for _ in range(20):
        opt_o.step()
        opt_t.step()
        for a, b in zip(pair_o, pair_t):
            a.step()
            b.step()
        _assert_lrs(pair_o[1], pair_t[1], opt_o, opt_t)


@pytest.mark.parametrize("name,kwargs", [s for s in SCHEDULERS if s[0] not in
                                         ("LambdaLR", "MultiplicativeLR")])
def test_step_with_epoch_uses_closed_form_like_torch(name, kwargs):
    opt_o, opt_t = _optimizers()
    s_o, s_t = getattr(sched, name)(opt_o, **kwargs), getattr(TS, name)(opt_t, **kwargs)
    opt_o.step()
    opt_t.step()
    for epoch in (3, 9, 2, 15):
        with pytest.warns(UserWarning, match="deprecated"):
            s_o.step(epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s_t.step(epoch)
        _assert_lrs(s_o, s_t, opt_o, opt_t, f"epoch {epoch}")


@pytest.mark.parametrize("name,kwargs", SCHEDULERS, ids=IDS)
def test_state_dict_round_trip_resumes_identically(name, kwargs):
    opt_a, _ = _optimizers()
    s_a = getattr(sched, name)(opt_a, **kwargs)
    for _ in range(8):
        opt_a.step()
        s_a.step()
    opt_b, _ = _optimizers(lrs=(5.0, 7.0))
    s_b = getattr(sched, name)(opt_b, **kwargs)
    opt_b.load_state_dict(opt_a.state_dict())
    s_b.load_state_dict(s_a.state_dict())
    assert "optimizer" not in s_a.state_dict()
    for _ in range(12):
        for opt, s in ((opt_a, s_a), (opt_b, s_b)):
            opt.step()
            s.step()
        assert s_a.get_last_lr() == s_b.get_last_lr() and _lrs(opt_a) == _lrs(opt_b)


@pytest.mark.parametrize("name,kwargs", [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001)),
    ("LinearLR", dict(start_factor=0.25, total_iters=9)),
])
def test_constructing_with_last_epoch_matches_torch(name, kwargs):
    opt_o, opt_t = _optimizers()
    for opt in (opt_o, opt_t):
        for g in opt.param_groups:
            g["initial_lr"], g["lr"] = g["lr"], g["lr"] / 2
    s_o = getattr(sched, name)(opt_o, last_epoch=5, **kwargs)
    s_t = getattr(TS, name)(opt_t, last_epoch=5, **kwargs)
    _assert_lrs(s_o, s_t, opt_o, opt_t)
    for _ in range(12):
        _epoch(opt_o, opt_t, s_o, s_t)
        _assert_lrs(s_o, s_t, opt_o, opt_t)


METRICS = [1.0, 0.9, 0.9, 0.95, 0.9, 0.91, 0.92, 0.89, 0.89, 0.8999, 0.5, 0.6, 0.6, 0.6, 0.6,
           0.6, 0.45, 0.46, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
PLATEAU = [
    dict(patience=2),
    dict(mode="max", patience=1, factor=0.5),
    dict(threshold_mode="abs", threshold=0.05, patience=1),
    dict(mode="max", threshold_mode="abs", threshold=0.01, patience=0),
    dict(patience=1, cooldown=2, factor=0.3, min_lr=[0.02, 0.001]),
    dict(patience=0, min_lr=0.01, eps=1e-3),
]


@pytest.mark.parametrize("kwargs", PLATEAU)
def test_reduce_on_plateau_matches_torch(kwargs):
    opt_o, opt_t = _optimizers()
    s_o, s_t = sched.ReduceLROnPlateau(opt_o, **kwargs), TS.ReduceLROnPlateau(opt_t, **kwargs)
    changes = 0
    for i, metric in enumerate(METRICS):
        before = _lrs(opt_o)
        opt_o.step()
        opt_t.step()
        s_o.step(autograd.tensor(metric, dtype=autograd.float64) if i % 2 else metric)
        s_t.step(metric)
        _assert_lrs(s_o, s_t, opt_o, opt_t, f"step {i}")
        assert (s_o.best, s_o.num_bad_epochs, s_o.cooldown_counter) == \
            (s_t.best, s_t.num_bad_epochs, s_t.cooldown_counter)
        changes += before != _lrs(opt_o)
    assert changes >= 1


def test_reduce_on_plateau_state_dict_round_trip():
    opt_a, _ = _optimizers()
    s_a = sched.ReduceLROnPlateau(opt_a, patience=1)
    for m in METRICS[:8]:
        s_a.step(m)
    opt_b, _ = _optimizers()
    s_b = sched.ReduceLROnPlateau(opt_b)
    opt_b.load_state_dict(opt_a.state_dict())
    s_b.load_state_dict(s_a.state_dict())
    for m in METRICS[8:]:
        s_a.step(m)
        s_b.step(m)
        assert s_a.get_last_lr() == s_b.get_last_lr()


def test_scheduler_step_before_optimizer_step_warns():
    opt, _ = _optimizers()
    s = sched.StepLR(opt, 2)
    with pytest.warns(UserWarning, match="before optimizer.step"):
        s.step()
    opt2, _ = _optimizers()
    s2 = sched.StepLR(opt2, 2)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s2.step()


def test_scheduler_errors():
    opt, _ = _optimizers()
    with pytest.raises(TypeError, match="not an Optimizer"):
        sched.StepLR(object(), 2)
    with pytest.raises(TypeError, match="not an Optimizer"):
        sched.ReduceLROnPlateau(object())
    with pytest.raises(KeyError, match="initial_lr"):
        sched.ExponentialLR(opt, 0.9, last_epoch=3)
    with pytest.raises(ValueError, match="step_size"):
        sched.StepLR(opt, 0)
    with pytest.raises(ValueError, match="T_max"):
        sched.CosineAnnealingLR(opt, 0)
    with pytest.raises(ValueError, match="start_factor"):
        sched.LinearLR(opt, start_factor=0.0)
    with pytest.raises(ValueError, match="end_factor"):
        sched.LinearLR(opt, end_factor=1.5)
    with pytest.raises(ValueError, match="factor"):
        sched.ConstantLR(opt, factor=2.0)
    with pytest.raises(ValueError, match="expected 2 values"):
        sched.LambdaLR(opt, [_inverse])
    with pytest.raises(ValueError, match="factor should be < 1.0"):
        sched.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode 'up' is unknown"):
        sched.ReduceLROnPlateau(opt, mode="up")
    with pytest.raises(ValueError, match="threshold mode"):
        sched.ReduceLROnPlateau(opt, threshold_mode="log")
    with pytest.raises(ValueError, match="expected 2 values"):
        sched.ReduceLROnPlateau(opt, min_lr=[0.1])
    s = sched.ReduceLROnPlateau(opt, min_lr=[0.0, 0.0], patience=0)
    opt.add_param_group({"params": [nn.Parameter(np.zeros(1))], "lr": 0.5})
    s.step(1.0)
    with pytest.raises(RuntimeError, match="3 param groups but 2 min_lrs"):
        s.step(2.0)


def test_lambda_state_dict_keeps_callable_objects_state():
    class Warmup:
        def __init__(self, n):
            self.n = n

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.n)

    opt, _ = _optimizers()
    s = sched.LambdaLR(opt, [Warmup(4), _inverse])
    sd = s.state_dict()
    assert sd["lr_lambdas"] == [{"n": 4}, None]
    other = sched.LambdaLR(_optimizers()[0], [Warmup(10), _inverse])
    other.load_state_dict(sd)
    assert other.lr_lambdas[0].n == 4 and other.lr_lambdas[1] is _inverse
