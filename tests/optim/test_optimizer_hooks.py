"""Optimizer hooks against torch.optim: step pre/post hooks (per optimizer and global),
state_dict and load_state_dict hooks, with the same arguments and calling order."""
import copy
import warnings

import numpy as np
import pytest

import autograd
import nn
import optim
from optim.optimizer import register_optimizer_step_post_hook, register_optimizer_step_pre_hook

torch = pytest.importorskip("torch")
from torch.optim.optimizer import (  # noqa: E402
    register_optimizer_step_post_hook as torch_global_post,
    register_optimizer_step_pre_hook as torch_global_pre)


def _pair(name="SGD", **kwargs):
    """Our and torch's optimizer on one parameter of 3 with a gradient of ones."""
    p, q = nn.Parameter(np.zeros(3)), torch.zeros(3, dtype=torch.float64, requires_grad=True)
    p.grad, q.grad = autograd.tensor(np.ones(3)), torch.ones(3, dtype=torch.float64)
    return getattr(optim, name)([p], lr=0.1, **kwargs), getattr(torch.optim, name)([q], lr=0.1,
                                                                                   **kwargs)


def _recorder(log, tag):
    """A step hook that logs what it is called with, in a form both libraries share."""
    def hook(opt, args, kwargs):
        log.append((tag, len(args), args[0] is opt, sorted(kwargs)))
    return hook


def test_step_hooks_are_called_like_torch_s():
    logs, returned = [], []
    for opt, glob_pre, glob_post in ((_pair()[0], register_optimizer_step_pre_hook,
                                      register_optimizer_step_post_hook),
                                     (_pair()[1], torch_global_pre, torch_global_post)):
        log = []
        hs = [opt.register_step_post_hook(_recorder(log, "post")),
              glob_post(_recorder(log, "global post")),
              opt.register_step_pre_hook(_recorder(log, "pre 1")),
              glob_pre(_recorder(log, "global pre")),
              opt.register_step_pre_hook(_recorder(log, "pre 2"))]
        try:
            results = [opt.step(), opt.step(lambda: 3.0), opt.step(closure=lambda: 4.0)]
            for h in hs:
                h.remove()
            opt.step()                                    # removed: nothing more is logged
        finally:
            for h in hs:
                h.remove()
        logs.append(log)
        returned.append(results)
    assert logs[0] == logs[1]
    assert logs[0][:5] == [("global pre", 1, True, []), ("pre 1", 1, True, []),
                           ("pre 2", 1, True, []), ("post", 1, True, []),
                           ("global post", 1, True, [])]
    assert returned[0] == returned[1] == [None, 3.0, 4.0]


@pytest.mark.parametrize("lib", ["ours", "torch"])
def test_a_step_pre_hook_can_replace_the_arguments(lib):
    opt = _pair()[0 if lib == "ours" else 1]
    seen = []

    def pre(o, args, kwargs):
        return args, {"closure": lambda: 7.0}

    opt.register_step_pre_hook(pre)
    opt.register_step_post_hook(lambda o, args, kwargs: seen.append(kwargs["closure"]()))
    assert opt.step() == 7.0
    assert seen == [7.0]
    opt.register_step_pre_hook(lambda o, args, kwargs: 5)
    with pytest.raises(RuntimeError, match="must return None or a tuple"):
        opt.step()


def test_global_step_hooks_reach_optimizers_made_before_and_after():
    before, log = _pair()[0], []
    handle = register_optimizer_step_post_hook(lambda o, a, k: log.append(type(o).__name__))
    try:
        after = _pair("Adam")[0]
        before.step()
        after.step()
        own = after.register_step_pre_hook(lambda *a: None)
    finally:
        handle.remove()
    assert log == ["SGD", "Adam"]
    before.step()
    after.step()
    assert log == ["SGD", "Adam"]      # the global hook is gone; after's own hook stays
    own.remove()


def test_lbfgs_runs_its_step_hooks_once_per_step():
    p = nn.Parameter(np.array([1.0, -2.0]))
    opt, log = optim.LBFGS([p], lr=1), []
    opt.register_step_pre_hook(_recorder(log, "pre"))
    opt.register_step_post_hook(_recorder(log, "post"))

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    opt.step(closure)
    assert log == [("pre", 2, True, []), ("post", 2, True, [])]
    assert np.abs(p.data).max() < 1e-6


def test_the_scheduler_order_warning_is_unchanged_by_hooks():
    opt = _pair()[0]
    opt.register_step_post_hook(lambda *a: None)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()                              # optimizer first: no warning
    opt2 = _pair()[0]
    opt2.register_step_post_hook(lambda *a: None)
    sched2 = optim.lr_scheduler.StepLR(opt2, step_size=1)
    with pytest.warns(UserWarning, match="before optimizer.step"):
        sched2.step()


def _dict_hooks(opt, log):
    """The four state-dict hooks, logging and editing the way the test compares."""
    opt.register_state_dict_pre_hook(lambda o: log.append(("sd pre", o is opt)))
    opt.register_state_dict_pre_hook(lambda o: log.append(("sd pre first", o is opt)),
                                     prepend=True)

    def post_edit(o, sd):
        log.append(("sd post edit", sorted(sd)))
        sd["extra"] = 1                          # in place

    def post_new(o, sd):
        log.append(("sd post new", sorted(sd)))
        return {**sd, "new": 2}                  # a new dict is returned

    opt.register_state_dict_post_hook(post_new)
    opt.register_state_dict_post_hook(post_edit, prepend=True)

    def load_pre(o, sd):
        log.append(("load pre", sorted(sd)))
        sd["state"] = {}                         # a shallow copy: the caller's dict keeps it
        groups = copy.deepcopy(sd["param_groups"])
        groups[0]["lr"] = 0.5
        return {"state": sd["state"], "param_groups": groups}

    opt.register_load_state_dict_pre_hook(load_pre)
    opt.register_load_state_dict_post_hook(
        lambda o: log.append(("load post", o.param_groups[0]["lr"])))
    opt.register_load_state_dict_post_hook(
        lambda o: log.append(("load post first", o.param_groups[0]["lr"])), prepend=True)


def test_state_dict_hooks_are_called_like_torch_s():
    logs, results = [], []
    for opt in _pair("SGD", momentum=0.9):
        log = []
        opt.step()
        _dict_hooks(opt, log)
        sd = opt.state_dict()
        keys = sorted(sd)
        opt.load_state_dict(sd)
        logs.append(log)
        results.append((keys, len(sd["state"]), opt.param_groups[0]["lr"], len(opt.state)))
    assert logs[0] == logs[1]
    assert results[0] == results[1] == (["extra", "new", "param_groups", "state"], 1, 0.5, 0)


def test_hooks_are_not_copied_like_torch():
    for opt in _pair():
        log = []
        opt.register_step_post_hook(lambda *a: log.append("post"))
        opt.register_state_dict_pre_hook(lambda o: log.append("sd"))
        clone = copy.deepcopy(opt)
        clone.step()
        clone.state_dict()
        assert log == []
        clone.register_step_post_hook(lambda *a: log.append("clone"))
        clone.step()
        assert log == ["clone"]


def test_a_hook_must_be_callable():
    opt = _pair()[0]
    with pytest.raises(TypeError, match="callable"):
        opt.register_step_pre_hook(3)
    assert "step" not in vars(opt)
