"""OneCycleLR, CyclicLR, PolynomialLR, SequentialLR, ChainedScheduler (and the older LambdaLR,
MultiplicativeLR, LinearLR, ConstantLR) against torch.optim.lr_scheduler: lrs and momenta for
300 steps, state_dict round trips (also through autograd.save / load), errors."""
import warnings

import numpy as np
import pytest

import autograd
import nn
import optim
from optim import lr_scheduler as ours_mod

torch = pytest.importorskip("torch")
theirs_mod = torch.optim.lr_scheduler
STEPS = 300
LRS = (0.1, 0.03)


def _half_every_50(epoch):
    return 0.5 ** (epoch // 50)


def _decay(epoch):
    return 0.99


# each entry builds the scheduler from either module (ours or torch's) and an optimizer
SPECS = {
    "OneCycle-cos": lambda m, o: m.OneCycleLR(o, max_lr=[0.2, 0.05], total_steps=STEPS),
    "OneCycle-linear-3phase": lambda m, o: m.OneCycleLR(
        o, max_lr=0.1, epochs=30, steps_per_epoch=10, pct_start=0.25,
        anneal_strategy="linear", three_phase=True, div_factor=10.0, final_div_factor=100.0),
    "OneCycle-no-momentum": lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=STEPS,
                                                      cycle_momentum=False),
    "Cyclic-triangular": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2],
                                                 step_size_up=20),
    "Cyclic-triangular2": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=15,
                                                  step_size_down=35, mode="triangular2"),
    "Cyclic-exp_range": lambda m, o: m.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1,
                                                step_size_up=25, mode="exp_range",
                                                gamma=0.995, base_momentum=0.7),
    "Cyclic-scale_fn": lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=10,
                                               scale_fn=_half_every_50,
                                               scale_mode="iterations", cycle_momentum=False),
    "Polynomial": lambda m, o: m.PolynomialLR(o, total_iters=120, power=2.0),
    "Polynomial-default": lambda m, o: m.PolynomialLR(o),
    "Sequential": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=10), m.CosineAnnealingLR(o, T_max=50)],
        milestones=[10]),
    "Sequential-3": lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, factor=0.5, total_iters=4), m.ExponentialLR(o, gamma=0.99),
            m.StepLR(o, step_size=30, gamma=0.5)], milestones=[7, 100]),
    "Chained": lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.2, total_iters=12), m.ExponentialLR(o, gamma=0.995)]),
    "Lambda": lambda m, o: m.LambdaLR(o, lr_lambda=[_half_every_50, _decay]),
    "Multiplicative": lambda m, o: m.MultiplicativeLR(o, lr_lambda=_decay),
    "Linear": lambda m, o: m.LinearLR(o, start_factor=0.2, end_factor=0.7, total_iters=90),
    "Constant": lambda m, o: m.ConstantLR(o, factor=0.4, total_iters=40),
}


def _optimizers(kind):
    if kind == "sgd":
        ours = optim.SGD([{"params": [nn.Parameter(np.zeros(2))], "lr": lr} for lr in LRS],
                         lr=1.0, momentum=0.9)
        theirs = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)], "lr": lr}
                                  for lr in LRS], lr=1.0, momentum=0.9)
    else:
        ours = optim.Adam([{"params": [nn.Parameter(np.zeros(2))], "lr": lr} for lr in LRS])
        theirs = torch.optim.Adam([{"params": [torch.zeros(2, requires_grad=True)], "lr": lr}
                                   for lr in LRS])
    return ours, theirs


def _hyper(opt):
    """lr and momentum (or beta1) of every group."""
    out = []
    for g in opt.param_groups:
        out += [g["lr"], g["betas"][0] if "betas" in g else g["momentum"]]
    return out


def _step(*opts_and_scheds):
    for opt, s in opts_and_scheds:
        opt.step()
        s.step()


def _compare(s_o, s_t, opt_o, opt_t, msg):
    np.testing.assert_allclose(_hyper(opt_o), _hyper(opt_t), rtol=1e-12, atol=1e-15,
                               err_msg=msg)
    np.testing.assert_allclose(s_o.get_last_lr(), s_t.get_last_lr(), rtol=1e-12, atol=1e-15,
                               err_msg=msg)


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("name", list(SPECS))
def test_schedule_matches_torch(name, kind):
    opt_o, opt_t = _optimizers(kind)
    s_o, s_t = SPECS[name](ours_mod, opt_o), SPECS[name](theirs_mod, opt_t)
    _compare(s_o, s_t, opt_o, opt_t, f"{name} at construction")
    for step in range(STEPS):
        _step((opt_o, s_o), (opt_t, s_t))
        _compare(s_o, s_t, opt_o, opt_t, f"{name} after {step + 1} steps")


@pytest.mark.parametrize("through_file", [False, True])
@pytest.mark.parametrize("name", list(SPECS))
def test_state_dict_round_trip_resumes_like_torch(name, through_file, tmp_path):
    opt_o, opt_t = _optimizers("sgd")
    s_o, s_t = SPECS[name](ours_mod, opt_o), SPECS[name](theirs_mod, opt_t)
    for _ in range(STEPS // 3):
        _step((opt_o, s_o), (opt_t, s_t))
    checkpoint = {"optimizer": opt_o.state_dict(), "scheduler": s_o.state_dict()}
    if through_file:
        autograd.save(checkpoint, tmp_path / "ckpt.npz")
        checkpoint = autograd.load(tmp_path / "ckpt.npz")
    fresh, _ = _optimizers("sgd")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a fresh scheduler, before any optimizer.step
        s_fresh = SPECS[name](ours_mod, fresh)
    fresh.load_state_dict(checkpoint["optimizer"])
    s_fresh.load_state_dict(checkpoint["scheduler"])
    _compare(s_fresh, s_t, fresh, opt_t, f"{name} right after loading")
    for step in range(STEPS - STEPS // 3):
        _step((fresh, s_fresh), (opt_t, s_t))
        _compare(s_fresh, s_t, fresh, opt_t, f"{name} {step + 1} steps after loading")


def test_one_cycle_refuses_a_step_past_total_steps_like_torch():
    opt_o, opt_t = _optimizers("sgd")
    s_o = ours_mod.OneCycleLR(opt_o, max_lr=0.1, total_steps=3)
    s_t = theirs_mod.OneCycleLR(opt_t, max_lr=0.1, total_steps=3)
    for _ in range(3):
        _step((opt_o, s_o), (opt_t, s_t))
    with pytest.raises(ValueError, match="total steps is 3"):
        s_t.step()
    with pytest.raises(ValueError, match="OneCycleLR: tried to step 4 times; .*total steps is 3"):
        s_o.step()


def test_constructor_errors():
    opt, _ = _optimizers("sgd")
    with pytest.raises(ValueError, match="total_steps OR"):
        ours_mod.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="positive integer total_steps"):
        ours_mod.OneCycleLR(opt, max_lr=0.1, total_steps=0)
    with pytest.raises(ValueError, match="positive integer epochs"):
        ours_mod.OneCycleLR(opt, max_lr=0.1, epochs=2.5, steps_per_epoch=3)
    with pytest.raises(ValueError, match="pct_start"):
        ours_mod.OneCycleLR(opt, max_lr=0.1, total_steps=10, pct_start=1)
    with pytest.raises(ValueError, match="anneal_strategy"):
        ours_mod.OneCycleLR(opt, max_lr=0.1, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="expected 2 values"):
        ours_mod.OneCycleLR(opt, max_lr=[0.1, 0.2, 0.3], total_steps=10)
    with pytest.raises(TypeError, match="not an Optimizer"):
        ours_mod.CyclicLR(object(), 0.1, 1.0)
    with pytest.raises(ValueError, match="mode 'sawtooth' is invalid"):
        ours_mod.CyclicLR(opt, 0.1, 1.0, mode="sawtooth")
    no_momentum = optim.Adagrad([nn.Parameter(np.zeros(2))])
    for make in (lambda: ours_mod.CyclicLR(no_momentum, 0.1, 1.0),
                 lambda: ours_mod.OneCycleLR(no_momentum, 0.1, total_steps=5)):
        with pytest.raises(ValueError, match="must support momentum or beta1"):
            make()
    s = ours_mod.StepLR(opt, 3)
    with pytest.raises(ValueError, match="one scheduler more than milestones"):
        ours_mod.SequentialLR(opt, [s], milestones=[2])
    other, _ = _optimizers("sgd")
    with pytest.raises(ValueError, match="same optimizer"):
        ours_mod.SequentialLR(opt, [s, ours_mod.StepLR(other, 2)], milestones=[2])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        ours_mod.ChainedScheduler([s, ours_mod.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="at least one scheduler"):
        ours_mod.ChainedScheduler([], optimizer=opt)
    with pytest.raises(ValueError, match="total_iters must be positive"):
        ours_mod.PolynomialLR(opt, total_iters=0)


def test_polynomial_closed_form_matches_torch():
    opt_o, opt_t = _optimizers("sgd")
    s_o = ours_mod.PolynomialLR(opt_o, total_iters=10, power=1.5)
    s_t = theirs_mod.PolynomialLR(opt_t, total_iters=10, power=1.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in (3, 7, 12, 0):
            s_o.step(epoch)
            s_t.step(epoch)
            _compare(s_o, s_t, opt_o, opt_t, f"epoch {epoch}")


def test_cyclic_scale_fn_object_state_is_saved():
    class Halving:
        def __init__(self):
            self.base = 0.5

        def __call__(self, x):
            return self.base ** x

    opt, _ = _optimizers("sgd")
    fn = Halving()
    s = ours_mod.CyclicLR(opt, 0.01, 0.1, step_size_up=4, scale_fn=fn, cycle_momentum=False)
    fn.base = 0.25
    sd = s.state_dict()
    assert sd["_scale_fn_custom"] == {"base": 0.25}
    other_fn = Halving()
    other = ours_mod.CyclicLR(_optimizers("sgd")[0], 0.01, 0.1, step_size_up=4,
                              scale_fn=other_fn, cycle_momentum=False)
    other.load_state_dict(sd)
    assert other_fn.base == 0.25 and other.last_epoch == s.last_epoch
    plain = ours_mod.CyclicLR(opt, 0.01, 0.1, scale_fn=_half_every_50, cycle_momentum=False)
    assert plain.state_dict()["_scale_fn_custom"] is None
