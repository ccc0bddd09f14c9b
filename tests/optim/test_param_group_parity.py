"""add_param_group, zero_grad(set_to_none=False) and the keys of state_dict()['param_groups']
against torch.optim: what code ported from PyTorch meets."""
import warnings

import numpy as np
import pytest

import autograd
import nn
import optim

torch = pytest.importorskip("torch")
from torch.optim.optimizer import required as torch_required  # noqa: E402

ALL = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
       "ASGD", "Rprop", "LBFGS"]
LIBS = {"ours": optim, "torch": torch.optim}


def _param(lib, values=(0.0, 0.0)):
    if lib == "ours":
        return nn.Parameter(np.array(values))
    return torch.nn.Parameter(torch.tensor(values, dtype=torch.float64))


def _tensor(lib, values, requires_grad=False):
    if lib == "ours":
        return autograd.tensor(np.array(values), requires_grad=requires_grad)
    return torch.tensor(values, dtype=torch.float64, requires_grad=requires_grad)


def _outcome(fn):
    """('ok', value, warnings) or (exception type name, message) of fn()."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = fn()
        return "ok", value, [str(w.message) for w in caught]
    except Exception as e:  # noqa: BLE001 - the outcome is what is compared
        return type(e).__name__, str(e)


# ------------------------------------------------------------ add_param_group
def _dup_across_groups(lib):
    a, b = _param(lib), _param(lib)
    LIBS[lib].SGD([a], lr=0.1).add_param_group({"params": [b, a]})


def _dup_within_group(lib):
    a = _param(lib)
    LIBS[lib].SGD([a, a], lr=0.1)


def _non_leaf(lib):
    LIBS[lib].SGD([_param(lib) * 2], lr=0.1)


def _missing_required_lr(lib):
    class NoDefaultLr(LIBS[lib].Optimizer):
        def __init__(self, params):
            req = optim.optimizer.required if lib == "ours" else torch_required
            super().__init__(params, dict(lr=req, momentum=0))
    NoDefaultLr([{"params": [_param(lib)], "lr": 0.1}]).add_param_group(
        {"params": [_param(lib)]})


def _names_missing(lib):
    LIBS[lib].SGD([("a", _param(lib)), _param(lib)], lr=0.1)


def _named_then_unnamed_group(lib):
    LIBS[lib].SGD([("a", _param(lib))], lr=0.1).add_param_group({"params": [_param(lib)]})


def _not_a_dict(lib):
    LIBS[lib].SGD([_param(lib)], lr=0.1).add_param_group([_param(lib)])


def _not_a_tensor(lib):
    LIBS[lib].SGD([_param(lib), 3.0], lr=0.1)


def _empty(lib):
    LIBS[lib].SGD([], lr=0.1)


def _single_tensor(lib):
    LIBS[lib].SGD(_param(lib), lr=0.1)


CASES = [_dup_across_groups, _dup_within_group, _non_leaf, _missing_required_lr, _names_missing,
         _named_then_unnamed_group, _not_a_dict, _not_a_tensor, _empty]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__[1:] for c in CASES])
def test_param_group_errors_and_warnings_carry_torch_s_message(case):
    """The same exception type, and torch's message within ours (ours adds the optimizer's
    name and sometimes what to do)."""
    ours, theirs = _outcome(lambda: case("ours")), _outcome(lambda: case("torch"))
    assert ours[0] == theirs[0]
    if theirs[0] == "ok":
        assert len(ours[2]) == len(theirs[2]) == 1
        torch_msg, our_msg = theirs[2][0].split(";")[0], ours[2][0]
    else:
        torch_msg, our_msg = theirs[1], ours[1]
    assert torch_msg in our_msg


def test_a_single_tensor_is_refused_with_torch_s_words():
    ours, theirs = _outcome(lambda: _single_tensor("ours")), _outcome(lambda: _single_tensor(
        "torch"))
    assert ours[0] == theirs[0] == "TypeError"
    assert theirs[1].split(", but got")[0] in ours[1] and "single Tensor" in ours[1]


@pytest.mark.parametrize("lib", ["ours", "torch"])
def test_a_non_leaf_that_retains_its_grad_can_be_optimized(lib):
    a = _param(lib, (1.0, 2.0))
    x = a * 2
    x.retain_grad()
    opt = LIBS[lib].SGD([x], lr=0.1)
    (x * x).sum().backward()
    opt.step()
    assert np.asarray(x.detach().numpy() if lib == "torch" else x.data).tolist() == \
        pytest.approx([2.0 - 0.4, 4.0 - 0.8])


@pytest.mark.parametrize("lib", ["ours", "torch"])
def test_the_group_dicts_given_are_the_optimizer_s_groups(lib):
    """torch keeps (and fills in) the dicts it is given, so a held group dict edits the
    optimizer's options."""
    group = {"params": [_param(lib)], "lr": 0.1}
    opt = LIBS[lib].SGD([group], momentum=0.5)
    added = {"params": _param(lib)}
    opt.add_param_group(added)
    assert opt.param_groups[0] is group and opt.param_groups[1] is added
    assert group["momentum"] == added["momentum"] == 0.5 and added["lr"] == 1e-3
    assert isinstance(added["params"], list)
    group["lr"] = 0.01
    assert opt.param_groups[0]["lr"] == 0.01


# ------------------------------------------------------------ zero_grad(set_to_none=False)
def _zero_grad_kept(lib, grad_maker):
    p = _param(lib, (1.0, 2.0))
    opt = LIBS[lib].SGD([p], lr=0.1)
    grad_maker(lib, p)
    g, version = p.grad, p.grad._version
    opt.zero_grad(set_to_none=False)
    return (p.grad is g, p.grad.tolist(), p.grad.requires_grad, p.grad.grad_fn is None,
            p.grad._version > version)


def _plain_grad(lib, p):
    p.grad = _tensor(lib, [1.0, 2.0])


def _grad_requiring_grad(lib, p):
    p.grad = _tensor(lib, [1.0, 2.0], requires_grad=True)


def _grad_with_a_graph(lib, p):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # torch's note on create_graph reference cycles
        (p ** 3).sum().backward(create_graph=True)
    assert p.grad.grad_fn is not None


@pytest.mark.parametrize("grad_maker", [_plain_grad, _grad_requiring_grad, _grad_with_a_graph],
                         ids=["plain", "requiring-grad", "create-graph"])
def test_zero_grad_keeps_the_grad_tensor_detaches_and_zeroes_it_like_torch(grad_maker):
    ours = _zero_grad_kept("ours", grad_maker)
    assert ours == _zero_grad_kept("torch", grad_maker)
    assert ours == (True, [0.0, 0.0], False, True, True)


@pytest.mark.parametrize("lib", ["ours", "torch"])
def test_zero_grad_of_a_grad_a_graph_saved_makes_that_backward_fail(lib):
    p = _param(lib)
    p.grad = _tensor(lib, [1.0, 2.0])
    x = _tensor(lib, [3.0, 4.0], requires_grad=True)
    y = (x * p.grad).sum()
    LIBS[lib].SGD([p], lr=0.1).zero_grad(set_to_none=False)
    assert p.grad.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="modified"):
        y.backward()


@pytest.mark.parametrize("lib", ["ours", "torch"])
def test_zero_grad_of_an_expanded_grad_zeroes_its_memory(lib):
    p = _param(lib, ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0)))
    base = _tensor(lib, [[1.0, 2.0, 3.0]])
    p.grad = base.expand(2, 3)
    LIBS[lib].SGD([p], lr=0.1).zero_grad(set_to_none=False)
    assert p.grad.tolist() == [[0.0] * 3] * 2 and base.tolist() == [[0.0] * 3]


# ------------------------------------------------------------ state_dict()['param_groups']
@pytest.mark.parametrize("named", [False, True], ids=["params", "named-params"])
@pytest.mark.parametrize("name", ALL)
def test_state_dict_param_group_keys_are_torch_s_in_torch_s_order(name, named):
    def groups(lib):
        params = [_param(lib)]
        if named:
            params = [("w", params[0])]
        return LIBS[lib].__dict__[name](params).state_dict()["param_groups"]
    ours, theirs = groups("ours"), groups("torch")
    assert [list(g) for g in ours] == [list(g) for g in theirs]
    assert [{k: (type(v), v) for k, v in g.items()} for g in ours] == \
        [{k: (type(v), v) for k, v in g.items()} for g in theirs]


# ------------------------------------------------------------ state as torch holds it
def _two_steps(lib, name, **kw):
    p = _param(lib, (1.0, -2.0))
    opt = getattr(LIBS[lib], name)([p], lr=0.1, **kw)
    for _ in range(2):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
    return opt, p


@pytest.mark.parametrize("name, kw", [
    ("SGD", dict(momentum=0.9)), ("Adam", dict(amsgrad=True)), ("AdamW", {}),
    ("RMSprop", dict(momentum=0.5, centered=True)), ("Adagrad", {}), ("Adadelta", {}),
    ("Adamax", {}), ("NAdam", {}), ("RAdam", {}), ("ASGD", {}), ("Rprop", {})])
def test_state_buffers_are_tensors_with_torchs_values(name, kw):
    ours, p = _two_steps("ours", name, **kw)
    theirs, tp = _two_steps("torch", name, **kw)
    state, tstate = ours.state[p], theirs.state[tp]
    buffers = [k for k, v in tstate.items() if torch.is_tensor(v) and v.shape == tp.shape]
    assert buffers and set(buffers) <= set(state)
    for k in buffers:   # a user reads them as tensors: state[p]["exp_avg"].norm()
        assert isinstance(state[k], autograd.Tensor), k
        assert state[k].norm().item() == pytest.approx(tstate[k].norm().item(), rel=1e-12), k
    again = getattr(optim, name)([p], lr=0.1, **kw)
    again.load_state_dict(ours.state_dict())
    assert all(isinstance(again.state[p][k], autograd.Tensor) for k in buffers)
    assert all(again.state[p][k]._data is not state[k]._data for k in buffers)   # copied


def _factored(lib):
    """A user's optimizer: a Tensor buffer of the parameter's shape and a factored one (one
    value per row, as Adafactor keeps)."""
    class Factored(LIBS[lib].Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, dict(lr=lr))

        def step(self):
            for group in self.param_groups:
                for p in group["params"]:
                    st = self.state[p]
                    if not st:
                        st["buf"], st["row"] = p.detach() * 0, p.detach().sum(1) * 0
                    st["buf"].mul_(0.9).add_(p.grad)
                    st["row"].add_((p.grad * p.grad).sum(1))
                    p.data.sub_(group["lr"] * st["buf"] / (st["row"].sqrt().unsqueeze(1) + 1))
    return Factored


def _matrix(lib):
    values = [[1.0, -2.0, 0.5], [0.3, 0.2, -1.0]]
    if lib == "ours":
        return nn.Parameter(np.array(values))
    return torch.nn.Parameter(torch.tensor(values, dtype=torch.float64))


def _steps(opt, p, n):
    for _ in range(n):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()


@pytest.mark.parametrize("lib", ["ours", "torch"])
def test_a_users_optimizer_keeps_tensor_state_of_any_shape_through_load_state_dict(lib):
    p = _matrix(lib)
    opt = _factored(lib)([p])
    _steps(opt, p, 2)
    resumed = _factored(lib)([p])
    resumed.load_state_dict(opt.state_dict())
    assert tuple(resumed.state[p]["row"].shape) == (2,)
    _steps(resumed, p, 2)   # the buffers are still tensors: mul_ and add_ work on them
    tp = _matrix("torch")   # the same four steps in torch, uninterrupted
    _steps(_factored("torch")([tp]), tp, 4)
    np.testing.assert_allclose(np.array(p.detach().numpy()), tp.detach().numpy(), rtol=1e-12)


def test_adagrad_starts_every_groups_sums_at_the_constructors_value_as_torch():
    def run(lib):
        p, q, r = _param(lib, (1.0, 2.0)), _param(lib, (3.0, 4.0)), _param(lib, (-1.0, 0.5))
        opt = LIBS[lib].Adagrad([{"params": [p]}, {"params": [q],
                                 "initial_accumulator_value": 0.5}], lr=0.1,
                                initial_accumulator_value=0.1)
        opt.add_param_group({"params": [r], "initial_accumulator_value": 2.0})
        (p * p + q * q + r * r).sum().backward()
        opt.step()
        return [np.array(t.detach().numpy() if lib == "torch" else t.data) for t in (p, q, r)]
    for a, b in zip(run("ours"), run("torch")):
        np.testing.assert_allclose(a, b, rtol=1e-13)


def _scheduled_lrs(lib, make, steps=4):
    """lrs of both groups after each step, the second group added after the scheduler."""
    o = optim if lib == "ours" else torch.optim
    opt = o.SGD([_param(lib)], lr=0.1)
    sched = make(o.lr_scheduler, opt)
    opt.add_param_group({"params": [_param(lib)], "lr": 0.7})
    out = []
    for _ in range(steps):
        opt.step()
        sched.step()
        out.append([g["lr"] for g in opt.param_groups])
    return out


@pytest.mark.parametrize("make", [
    lambda s, o: s.LambdaLR(o, lambda e: 0.5 ** e),
    lambda s, o: s.MultiplicativeLR(o, lambda e: 0.9),
    lambda s, o: s.CyclicLR(o, 0.01, 0.1),
    lambda s, o: s.CosineAnnealingWarmRestarts(o, 2),
    lambda s, o: s.CosineAnnealingLR(o, T_max=2),
    lambda s, o: s.StepLR(o, 2),
    lambda s, o: s.ExponentialLR(o, 0.5)])
def test_a_group_added_after_the_scheduler_is_refused_where_torch_refuses_it(make):
    # it was silently left at its lr (LambdaLR) or stuck at 0 (CosineAnnealingLR's restart)
    theirs = _outcome(lambda: _scheduled_lrs("torch", make))
    ours = _outcome(lambda: _scheduled_lrs("ours", make))
    assert ours[0] == theirs[0], (ours, theirs)
    if ours[0] == "ok":
        np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)
    else:
        assert "added after the scheduler" in ours[1]


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_with_a_parameter_listed_twice_as_torch(nesterov):
    # torch gathers the buffers as the step starts: both places start a fresh one
    runs = {}
    for lib in LIBS:
        w = _param(lib, (1.0, -2.0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opt = LIBS[lib].SGD([w, w], lr=0.1, momentum=0.9, nesterov=nesterov)
        for _ in range(3):
            opt.zero_grad()
            w.grad = _tensor(lib, [1.0, 0.5])
            opt.step()
        runs[lib] = (np.array(w.detach().numpy()),
                     np.array(opt.state[w]["momentum_buffer"].detach().numpy()))
    for a, b in zip(runs["ours"], runs["torch"]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_step_sizes_and_iteration_counts_that_are_numbers_as_torch():
    for lib in LIBS:
        opt = LIBS[lib].SGD([_param(lib)], lr=0.1)
        sched = LIBS[lib].lr_scheduler.StepLR(opt, step_size=3.0)
        for _ in range(7):
            opt.step()
            sched.step()
        assert sched.get_last_lr()[0] == pytest.approx(0.001)
        LIBS[lib].LBFGS([_param(lib)], max_iter=np.int64(5))
        LIBS[lib].LBFGS([_param(lib)], max_iter=5.0)
    with pytest.raises(ValueError, match="step_size"):
        optim.lr_scheduler.StepLR(optim.SGD([_param("ours")], lr=0.1), step_size=0)
