"""CosineAnnealingWarmRestarts, _LRScheduler, MultiplicativeLR.step(epoch) and swa_utils
(SWALR, AveragedModel, update_bn) against torch."""
import warnings

import numpy as np
import pytest

import autograd
import nn
import optim
from optim import lr_scheduler as sched
from optim import swa_utils

torch = pytest.importorskip("torch")
TS = torch.optim.lr_scheduler
LRS = (0.1, 0.03)


def _pair(**opt_kw):
    """Our and torch's SGD with two groups (lr 0.1 and 0.03)."""
    ours = optim.SGD([{"params": [nn.Parameter(np.zeros(1))], "lr": lr} for lr in LRS], **opt_kw)
    theirs = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)], "lr": lr}
                              for lr in LRS], **opt_kw)
    return ours, theirs


def _same_lrs(s_o, s_t, opt_o, opt_t, msg=""):
    assert s_o.get_last_lr() == pytest.approx(s_t.get_last_lr(), rel=1e-12, abs=1e-15), msg
    assert [g["lr"] for g in opt_o.param_groups] == pytest.approx(
        [g["lr"] for g in opt_t.param_groups], rel=1e-12, abs=1e-15), msg


RESTARTS = [dict(T_0=3), dict(T_0=3, T_mult=1, eta_min=0.01), dict(T_0=2, T_mult=2),
            dict(T_0=1, T_mult=3, eta_min=0.005)]


@pytest.mark.parametrize("kwargs", RESTARTS, ids=str)
def test_warm_restarts_step_matches_torch(kwargs):
    opt_o, opt_t = _pair()
    s_o = sched.CosineAnnealingWarmRestarts(opt_o, **kwargs)
    s_t = TS.CosineAnnealingWarmRestarts(opt_t, **kwargs)
    _same_lrs(s_o, s_t, opt_o, opt_t, "constructor")
    seen = set()
    for epoch in range(30):
        opt_o.step()
        opt_t.step()
        s_o.step()
        s_t.step()
        _same_lrs(s_o, s_t, opt_o, opt_t, f"epoch {epoch}")
        assert (s_o.T_cur, s_o.T_i, s_o.last_epoch) == (s_t.T_cur, s_t.T_i, s_t.last_epoch)
        seen.add(s_o.T_i)
    assert len(seen) > 1 or kwargs.get("T_mult", 1) == 1
    assert s_o._step_count == s_t._step_count == 0           # its step() does not count


@pytest.mark.parametrize("kwargs", RESTARTS, ids=str)
def test_warm_restarts_fractional_epochs_and_interleaving_match_torch(kwargs):
    opt_o, opt_t = _pair()
    s_o = sched.CosineAnnealingWarmRestarts(opt_o, **kwargs)
    s_t = TS.CosineAnnealingWarmRestarts(opt_t, **kwargs)
    for epoch in (0.5, 1.25, 2.9, 3, 7.3, None, None, 6.1, 0.2, None, 15.75, 30.5, None, 2):
        with warnings.catch_warnings():
            warnings.simplefilter("error")                  # no deprecation warning here
            s_o.step(epoch)
        s_t.step(epoch)
        _same_lrs(s_o, s_t, opt_o, opt_t, f"epoch {epoch}")
        assert s_o.T_cur == pytest.approx(s_t.T_cur, rel=1e-12)
        assert (s_o.T_i, s_o.last_epoch) == (s_t.T_i, s_t.last_epoch)


def test_warm_restarts_state_dict_round_trip_and_resume():
    opt, _ = _pair()
    s = sched.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2, eta_min=0.001)
    for _ in range(5):
        s.step()
    saved, lrs = s.state_dict(), [g["lr"] for g in opt.param_groups]
    other_opt, _ = _pair()                    # the usual resume: build, then load both
    other = sched.CosineAnnealingWarmRestarts(other_opt, T_0=2, T_mult=2, eta_min=0.001)
    other_opt.load_state_dict(opt.state_dict())
    other.load_state_dict(saved)
    assert [g["lr"] for g in other_opt.param_groups] == lrs
    for _ in range(9):
        s.step()
        other.step()
        assert other.get_last_lr() == s.get_last_lr()
    _, opt_t = _pair()
    t_keys = set(TS.CosineAnnealingWarmRestarts(opt_t, T_0=2).state_dict())
    assert {"T_0", "T_i", "T_mult", "eta_min", "T_cur", "base_lrs", "last_epoch"} <= \
        set(saved) & t_keys


@pytest.mark.parametrize("kwargs,match", [
    (dict(T_0=0), "positive integer T_0, but got 0"),
    (dict(T_0=2.0), "positive integer T_0"),
    (dict(T_0=2, T_mult=0), "integer T_mult >= 1, but got 0"),
    (dict(T_0=2, T_mult=1.5), "integer T_mult >= 1, but got 1.5"),
    (dict(T_0=2, eta_min="0"), "float or int eta_min"),
])
def test_warm_restarts_errors_like_torch(kwargs, match):
    opt_o, opt_t = _pair()
    with pytest.raises(ValueError, match=f"CosineAnnealingWarmRestarts: expected {match}"):
        sched.CosineAnnealingWarmRestarts(opt_o, **kwargs)
    with pytest.raises(ValueError):
        TS.CosineAnnealingWarmRestarts(opt_t, **kwargs)


def test_warm_restarts_negative_epoch_raises():
    opt, _ = _pair()
    s = sched.CosineAnnealingWarmRestarts(opt, T_0=2)
    with pytest.raises(ValueError, match="non-negative epoch, but got -1"):
        s.step(-1)


def test_lrscheduler_alias_is_subclassable():
    assert issubclass(sched._LRScheduler, sched.LRScheduler)

    class Halving(sched._LRScheduler):
        def get_lr(self):
            return [base * 0.5 ** self.last_epoch for base in self.base_lrs]

    opt, _ = _pair()
    s = Halving(opt)
    for _ in range(3):
        opt.step()
        s.step()
    assert s.get_last_lr() == pytest.approx([lr / 8 for lr in LRS])


def test_multiplicative_step_with_epoch_multiplies_as_torch():
    opt_o, opt_t = _pair()
    s_o = sched.MultiplicativeLR(opt_o, lr_lambda=lambda e: 0.5 + 0.1 * e)
    s_t = TS.MultiplicativeLR(opt_t, lr_lambda=lambda e: 0.5 + 0.1 * e)
    _same_lrs(s_o, s_t, opt_o, opt_t, "constructor")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                     # step(epoch) is deprecated
        for epoch in (None, 0, None, 0, 3, None):
            opt_o.step()
            opt_t.step()
            s_o.step(epoch)
            s_t.step(epoch)
            _same_lrs(s_o, s_t, opt_o, opt_t, f"epoch {epoch}")
    assert s_o.get_last_lr()[0] < LRS[0] * 0.5 ** 2


SWA = [dict(swa_lr=0.05, anneal_epochs=3), dict(swa_lr=0.05, anneal_epochs=4,
                                                anneal_strategy="linear"),
       dict(swa_lr=0.2, anneal_epochs=0), dict(swa_lr=[0.01, 0.5], anneal_epochs=2),
       dict(swa_lr=0.02, anneal_epochs=1, anneal_strategy="linear")]


@pytest.mark.parametrize("kwargs", SWA, ids=str)
def test_swalr_matches_torch(kwargs):
    opt_o, opt_t = _pair()
    s_o = swa_utils.SWALR(opt_o, **kwargs)
    s_t = torch.optim.swa_utils.SWALR(opt_t, **kwargs)
    _same_lrs(s_o, s_t, opt_o, opt_t, "constructor")
    for epoch in range(8):
        opt_o.step()
        opt_t.step()
        s_o.step()
        s_t.step()
        _same_lrs(s_o, s_t, opt_o, opt_t, f"epoch {epoch}")
    swa = kwargs["swa_lr"] if isinstance(kwargs["swa_lr"], list) else [kwargs["swa_lr"]] * 2
    assert s_o.get_last_lr() == pytest.approx(swa)
    assert [g["swa_lr"] for g in opt_o.param_groups] == swa


@pytest.mark.parametrize("kwargs,match", [
    (dict(swa_lr=0.1, anneal_strategy="exp"), "one of 'cos' or 'linear'"),
    (dict(swa_lr=0.1, anneal_epochs=-1), "equal or greater than 0"),
    (dict(swa_lr=0.1, anneal_epochs=2.5), "equal or greater than 0"),
    (dict(swa_lr=[0.1, 0.2, 0.3]), "expected 2 values"),
])
def test_swalr_errors(kwargs, match):
    opt, _ = _pair()
    with pytest.raises(ValueError, match=f"SWALR: .*{match}"):
        swa_utils.SWALR(opt, **kwargs)


def _models(seed=0):
    """A Linear -> BatchNorm1d model, ours and torch's with the same weights."""
    torch.manual_seed(seed)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4)).double()
    ours = nn.Sequential(nn.Linear(3, 4, dtype=np.float64), nn.BatchNorm1d(4, dtype=np.float64))
    _copy_weights(ours, theirs)
    return ours, theirs


def _copy_weights(ours, theirs):
    for p, q in zip(ours.parameters(), theirs.parameters()):
        p.data[...] = q.detach().numpy()


def _same_state(ours, theirs, msg=""):
    sd_o, sd_t = ours.state_dict(), theirs.state_dict()
    assert list(sd_o) == list(sd_t)
    for k, v in sd_t.items():
        np.testing.assert_allclose(sd_o[k].data, v.numpy(), rtol=1e-12, err_msg=f"{msg} {k}")


@pytest.mark.parametrize("mode", ["swa", "ema", "ema_multi", "swa_buffers"])
def test_averaged_model_matches_torch(mode):
    ours, theirs = _models()
    kw_o, kw_t = {}, {}
    if mode == "ema":
        kw_o, kw_t = (dict(avg_fn=m.get_ema_avg_fn(0.7)) for m in (swa_utils,
                                                                     torch.optim.swa_utils))
    elif mode == "ema_multi":
        kw_o = dict(multi_avg_fn=swa_utils.get_ema_multi_avg_fn(0.7))
        kw_t = dict(multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(0.7))
    elif mode == "swa_buffers":
        kw_o = kw_t = dict(use_buffers=True)
    avg_o = swa_utils.AveragedModel(ours, **kw_o)
    avg_t = torch.optim.swa_utils.AveragedModel(theirs, **kw_t)
    rng = np.random.default_rng(1)
    for step in range(4):
        x = rng.normal(size=(6, 3))
        ours(autograd.tensor(x))                            # moves the BatchNorm buffers
        theirs(torch.from_numpy(x))
        with torch.no_grad():
            for q in theirs.parameters():
                q.add_(torch.from_numpy(rng.normal(size=tuple(q.shape))))
        _copy_weights(ours, theirs)
        avg_o.update_parameters(ours)
        avg_t.update_parameters(theirs)
        _same_state(avg_o, avg_t, f"update {step}")
    assert int(avg_o.n_averaged.item()) == 4
    for a, p in zip(avg_o.parameters(), ours.parameters()):
        assert not np.allclose(a.data, p.data)              # an average, not a copy
    avg_o.eval()
    avg_t.eval()
    x = rng.normal(size=(5, 3))
    np.testing.assert_allclose(avg_o(autograd.tensor(x)).data,
                               avg_t(torch.from_numpy(x)).detach().numpy(), rtol=1e-10)


def test_averaged_model_rejects_two_avg_fns():
    ours, _ = _models()
    with pytest.raises(ValueError, match="only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(ours, avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    with pytest.raises(ValueError, match="Invalid decay value 1.5"):
        swa_utils.get_ema_avg_fn(1.5)


def test_update_bn_matches_torch():
    ours, theirs = _models()
    ours.eval()
    theirs.eval()
    ours[1].momentum = theirs[1].momentum = 0.3
    rng = np.random.default_rng(2)
    batches = [rng.normal(size=(n, 3)) + 2.0 for n in (5, 7, 4)]
    swa_utils.update_bn([(autograd.tensor(b), 0) for b in batches], ours)
    torch.optim.swa_utils.update_bn([(torch.from_numpy(b), 0) for b in batches], theirs)
    _same_state(ours, theirs)
    assert not ours.training and ours[1].momentum == 0.3    # mode and momentum restored
    assert int(ours[1].num_batches_tracked.item()) == 3
    swa_utils.update_bn([], nn.Linear(2, 2))                # no BatchNorm: nothing to do
