"""Step hooks against torch.optim when `opt.step` is replaced on the instance, called through
the class, or overridden by a subclass: the hooks run where torch's run, with the same
arguments."""
import copy
import functools
import types

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

LIBS = {"ours": (optim, register_optimizer_step_pre_hook, register_optimizer_step_post_hook),
        "torch": (torch.optim, torch_global_pre, torch_global_post)}


def _sgd(lib, cls=None):
    """An SGD (or subclass) of `lib` on one parameter of 2 with a gradient of ones."""
    if lib == "ours":
        p = nn.Parameter(np.zeros(2))
        p.grad = autograd.tensor(np.ones(2))
    else:
        p = torch.zeros(2, dtype=torch.float64, requires_grad=True)
        p.grad = torch.ones(2, dtype=torch.float64)
    return (cls or LIBS[lib][0].SGD)([p], lr=0.1), p


def _recorder(log, tag):
    """A step hook that logs what it is called with, in a form both libraries share."""
    def hook(opt, args, kwargs):
        log.append((tag, len(args), args[0] is opt, sorted(kwargs)))
    return hook


def _hooks(opt, log):
    return [opt.register_step_pre_hook(_recorder(log, "pre")),
            opt.register_step_post_hook(_recorder(log, "post"))]


def _replace_with_partial(opt, log):
    opt.step = functools.partial(opt.step, closure=lambda: 1.0)


def _replace_with_wrapper(opt, log):
    original = opt.step

    def wrapper(*args, **kwargs):
        log.append("wrapper")
        return original(*args, **kwargs)
    opt.step = wrapper


def _replace_with_method_calling_the_class(opt, log):
    cls = type(opt)

    def step(self, closure=None):
        log.append("method")
        return cls.step(self, closure)
    opt.step = types.MethodType(step, opt)


def _replace_with_a_step_of_its_own(opt, log):
    opt.step = lambda *args, **kwargs: log.append("own") or "own"


REPLACEMENTS = [_replace_with_partial, _replace_with_wrapper,
                _replace_with_method_calling_the_class, _replace_with_a_step_of_its_own]
REPLACEMENT_IDS = [f.__name__[1:] for f in REPLACEMENTS]


def _run(lib, replace, hooks_first):
    opt, p = _sgd(lib)
    log = []
    if hooks_first:
        _hooks(opt, log)
        replace(opt, log)
    else:
        replace(opt, log)
        _hooks(opt, log)
    result = opt.step()
    return log, result, np.asarray(p.detach().numpy() if lib == "torch" else p.data).tolist()


@pytest.mark.parametrize("hooks_first", [True, False], ids=["hooks-then-replace",
                                                             "replace-then-hooks"])
@pytest.mark.parametrize("replace", REPLACEMENTS, ids=REPLACEMENT_IDS)
def test_hooks_around_a_step_replaced_on_the_instance_run_as_torch_s(replace, hooks_first):
    ours, theirs = _run("ours", replace, hooks_first), _run("torch", replace, hooks_first)
    assert ours == theirs
    if replace is not _replace_with_a_step_of_its_own:
        assert ("pre", 1 + (replace is _replace_with_method_calling_the_class), True,
                ["closure"] if replace is _replace_with_partial else []) in ours[0]


@pytest.mark.parametrize("lib", ["ours", "torch"])
def test_global_hooks_reach_a_step_replaced_before_they_were_registered(lib):
    opt, _ = _sgd(lib)
    opt.step = functools.partial(opt.step)
    log = []
    handles = [LIBS[lib][1](_recorder(log, "global pre")),
               LIBS[lib][2](_recorder(log, "global post"))]
    try:
        opt.step()
    finally:
        for h in handles:
            h.remove()
    opt.step()
    assert log == [("global pre", 1, True, []), ("global post", 1, True, [])]


@pytest.mark.parametrize("lib", ["ours", "torch"])
def test_calling_the_class_s_step_directly_runs_the_hooks(lib):
    opt, _ = _sgd(lib)
    log = []
    _hooks(opt, log)
    LIBS[lib][0].SGD.step(opt)
    assert log == [("pre", 1, True, []), ("post", 1, True, [])]


@pytest.mark.parametrize("lib", ["ours", "torch"])
def test_the_instance_has_no_step_attribute_of_its_own(lib):
    opt, _ = _sgd(lib)
    handles = _hooks(opt, [])
    assert "step" not in vars(opt)
    assert opt.step.__func__ is type(opt).step
    for h in handles:
        h.remove()
    assert "step" not in vars(opt)


def _subclasses(lib):
    """A subclass that overrides step without super(), and a base / child pair that is never
    constructed as the base (the case in which torch runs the hooks once)."""
    base_cls = LIBS[lib][0].Optimizer

    class Own(LIBS[lib][0].SGD):
        def step(self, closure=None):
            self.log.append("Own.step")
            return 42

    class Base(base_cls):
        def __init__(self, params, lr=0.1):
            super().__init__(params, dict(lr=lr))

        def step(self, closure=None):
            self.log.append("Base.step")
            return "base"

    class Child(Base):
        def step(self, closure=None):
            self.log.append("Child.step")
            return super().step(closure)

    return Own, Child


@pytest.mark.parametrize("which", [0, 1], ids=["override", "override-calling-super"])
def test_a_subclass_s_step_runs_the_hooks_once_like_torch_s(which):
    logs = []
    for lib in ("ours", "torch"):
        opt, _ = _sgd(lib, _subclasses(lib)[which])
        opt.log = log = []
        _hooks(opt, log)
        log.append(opt.step())
        logs.append(log)
    assert logs[0] == logs[1]
    assert logs[0][0] == ("pre", 1, True, []) and logs[0][-2] == ("post", 1, True, [])


def test_a_subclass_calling_super_runs_the_hooks_once_even_after_its_base_was_used():
    """Torch wraps each class's step when its first instance is made, so once the base class
    has had an instance of its own, torch runs the hooks a second time inside super().step().
    Here they run once per outermost call, whatever was constructed before."""
    Own, Child = _subclasses("ours")
    base = Child.__mro__[1]
    base([nn.Parameter(np.zeros(2))]).log = []
    opt, _ = _sgd("ours", Child)
    opt.log = log = []
    _hooks(opt, log)
    opt.step()
    assert log == [("pre", 1, True, []), "Child.step", "Base.step", ("post", 1, True, [])]


@pytest.mark.parametrize("lib", ["ours", "torch"])
def test_a_step_patched_onto_the_class_gets_the_hooks_at_construction(lib):
    class Patched(LIBS[lib][0].SGD):
        pass

    def patched_step(self, closure=None):
        self.log.append("patched")
    Patched.step = patched_step
    opt, _ = _sgd(lib, Patched)
    opt.log = log = []
    _hooks(opt, log)
    opt.step()
    assert log == [("pre", 1, True, []), "patched", ("post", 1, True, [])]


def test_a_hook_that_raises_leaves_the_hooks_working():
    opt, _ = _sgd("ours")
    log = []

    def bad(o, args, kwargs):
        raise KeyError("boom")
    handle = opt.register_step_pre_hook(bad)
    with pytest.raises(KeyError):
        opt.step()
    handle.remove()
    _hooks(opt, log)
    opt.step()
    assert log == [("pre", 1, True, []), ("post", 1, True, [])]


def test_global_hooks_reach_optimizers_made_before_and_after_them():
    before, log = _sgd("ours")[0], []
    handle = register_optimizer_step_post_hook(lambda o, a, k: log.append(type(o).__name__))
    try:
        after = optim.Adam([nn.Parameter(np.zeros(2))])
        after.param_groups[0]["params"][0].grad = autograd.tensor(np.ones(2))
        before.step()
        after.step()
    finally:
        handle.remove()
    before.step()
    assert log == ["SGD", "Adam"]


def test_a_copy_made_inside_a_hook_has_no_hooks_and_steps():
    opt, _ = _sgd("ours")
    copies, log = [], []
    _hooks(opt, log)
    opt.register_step_post_hook(lambda o, a, k: copies.append(copy.deepcopy(o)))
    opt.step()
    clone = copies[0]
    clone.step()                        # no hook of the original runs for the copy
    assert len(log) == 2 and len(copies) == 1
    _hooks(clone, log)
    clone.step()
    assert len(log) == 4
