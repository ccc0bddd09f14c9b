"""Module.register_full_backward_hook / register_full_backward_pre_hook against torch: when
the hooks run, with which gradients (float64, rtol 1e-10), replacing grad_input and
grad_output, removal, modules with several inputs and outputs, and the errors."""
import warnings

import numpy as np
import pytest

import autograd
from tests.helpers import assert_close, assert_gradcheck

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(3)
X = RNG.standard_normal((4, 3))


def _arr(g):
    return None if g is None else np.array(g.detach().numpy())


def _same(a, b, what):
    """Nested tuples/lists of arrays and Nones, equal."""
    if isinstance(b, (tuple, list)):
        assert isinstance(a, (tuple, list)) and len(a) == len(b), f"{what}: {a} vs {b}"
        for k, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{what}[{k}]")
    elif b is None or isinstance(b, str):
        assert a == b, f"{what}: {a} vs {b}"
    else:
        assert_close(a, b, what=what)


def _copy_params(ours, theirs):
    for p, q in zip(ours.parameters(), theirs.parameters()):
        p.data = q.detach().numpy().copy()


def _models():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(),
                                 torch.nn.Linear(5, 2)).double()
    ours = autograd.nn.Sequential(autograd.nn.Linear(3, 5), autograd.nn.Tanh(),
                                  autograd.nn.Linear(5, 2)).double()
    _copy_params(ours, theirs)
    return {autograd: ours, torch: theirs}


def _recorder(log, name, scale=None):
    def hook(module, grad_input, grad_output):
        log.append((name, [_arr(g) for g in grad_input], [_arr(g) for g in grad_output]))
        if scale is not None:
            return tuple(None if g is None else g * scale for g in grad_input)
    return hook


def _pre_recorder(log, name, scale=None):
    def hook(module, grad_output):
        log.append((name, [_arr(g) for g in grad_output]))
        if scale is not None:
            return tuple(None if g is None else g * scale for g in grad_output)
    return hook


def _run(lib, model, setup, x_grad=True):
    log = []
    handles = setup(model, log)
    x = lib.tensor(X, requires_grad=x_grad)
    y = model(x)
    (y * lib.tensor(X[:, :2])).sum().backward()
    grads = [_arr(p.grad) for p in model.parameters()]
    return log, grads, _arr(x.grad) if x_grad else None, handles


def _compare(setup, x_grad=True):
    models = _models()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = _run(autograd, models[autograd], setup, x_grad)
        theirs = _run(torch, models[torch], setup, x_grad)
    _same(ours[0], theirs[0], "hook calls")
    _same(ours[1], theirs[1], "parameter grads")
    _same(ours[2], theirs[2], "input grad")
    return ours, theirs


@pytest.mark.parametrize("x_grad", [True, False])
def test_hook_on_linear_sees_torchs_gradients(x_grad):
    def setup(model, log):
        return [model[0].register_full_backward_hook(_recorder(log, "fc"))]
    (log, *_), _ = _compare(setup, x_grad)
    assert len(log) == 1 and (log[0][1][0] is None) == (not x_grad)


def test_no_input_grad_warns_and_gives_none():
    model = _models()[autograd][0]
    log = []
    model.register_full_backward_hook(_recorder(log, "fc"))
    y = model(autograd.tensor(X))
    with pytest.warns(UserWarning, match="no input requires grad"):
        y.sum().backward()
    assert log[0][1] == [None] and log[0][2][0].shape == (4, 5)


def test_hooks_on_a_sequential_and_its_children_run_in_torchs_order():
    def setup(model, log):
        hs = [model.register_full_backward_hook(_recorder(log, "seq")),
              model.register_full_backward_pre_hook(_pre_recorder(log, "seq pre"))]
        for i, m in enumerate(model):
            hs.append(m.register_full_backward_hook(_recorder(log, f"child {i}")))
            hs.append(m.register_full_backward_pre_hook(_pre_recorder(log, f"child {i} pre")))
        return hs
    (log, *_), _ = _compare(setup)
    assert [entry[0] for entry in log] == [
        "seq pre", "child 2 pre", "child 2", "child 1 pre", "child 1", "child 0 pre",
        "child 0", "seq"]


def test_returned_grad_input_replaces_it():
    def setup(model, log):
        return [model[2].register_full_backward_hook(_recorder(log, "fc2", scale=3.0)),
                model[0].register_full_backward_hook(_recorder(log, "fc1", scale=-0.5))]
    (log, grads, xg, _), _ = _compare(setup)
    plain = _run(autograd, _models()[autograd], lambda m, log: [])
    assert_close(xg, plain[2] * 3.0 * -0.5)
    assert_close(grads[0], plain[1][0] * 3.0)   # the first layer's weight sees the change
    assert_close(grads[3], plain[1][3])         # the last layer's bias does not


def test_pre_hook_replaces_grad_output():
    def setup(model, log):
        return [model.register_full_backward_pre_hook(_pre_recorder(log, "pre", scale=2.0)),
                model.register_full_backward_hook(_recorder(log, "seq")),
                model[2].register_full_backward_pre_hook(_pre_recorder(log, "fc2 pre"))]
    (log, grads, xg, _), _ = _compare(setup)
    plain = _run(autograd, _models()[autograd], lambda m, log: [])
    assert_close(xg, plain[2] * 2.0)
    _same(log[2][2], [log[0][1][0] * 2.0], "the full hook's grad_output is the replaced one")


def test_prepend_orders_the_hooks():
    def setup(model, log):
        return [model.register_full_backward_hook(_recorder(log, "a")),
                model.register_full_backward_hook(_recorder(log, "b"), prepend=True),
                model.register_full_backward_pre_hook(_pre_recorder(log, "pa")),
                model.register_full_backward_pre_hook(_pre_recorder(log, "pb"), prepend=True)]
    (log, *_), _ = _compare(setup)
    assert [entry[0] for entry in log] == ["pb", "pa", "b", "a"]


def test_removed_hooks_are_not_called_and_the_module_is_plain_again():
    model = _models()[autograd]
    log = []
    handles = [model.register_full_backward_hook(_recorder(log, "seq")),
               model.register_full_backward_pre_hook(_pre_recorder(log, "pre")),
               model[0].register_full_backward_hook(_recorder(log, "fc"))]
    _run(autograd, model, lambda m, lg: [])
    assert len(log) == 3
    for h in handles:
        h.remove()
    log.clear()
    _, grads, xg, _ = _run(autograd, model, lambda m, lg: [])
    assert log == []
    out = model(autograd.tensor(X, requires_grad=True))
    assert out.grad_fn.name() != "BackwardHookViewBackward0"
    with model[0].register_full_backward_hook(_recorder(log, "ctx")):
        pass
    _run(autograd, model, lambda m, lg: [])
    assert log == []


class _TwoWay:
    """forward(a, b, k) -> (a * b, (a * 3).sum(), 7): one input may need no grad, one output
    is not used, a non-tensor on each side."""

    @staticmethod
    def make(lib):
        class TwoWay(lib.nn.Module):
            def forward(self, a, b, k):
                return a * b, (a * 3.0).sum() * k, 7
        return TwoWay()


@pytest.mark.parametrize("b_grad", [True, False])
@pytest.mark.parametrize("use", [0, 1, 2])
def test_several_inputs_and_outputs_match_torch(b_grad, use):
    def run(lib):
        m = _TwoWay.make(lib)
        log = []
        m.register_full_backward_hook(_recorder(log, "m"))
        m.register_full_backward_pre_hook(_pre_recorder(log, "pre"))
        a = lib.tensor(X, requires_grad=True)
        b = lib.tensor(X[::-1].copy(), requires_grad=b_grad)
        p, s, seven = m(a, b, 2.0)
        assert seven == 7
        loss = [(p * p).sum(), s, (p * p).sum() + s][use]
        loss.backward()
        return log, _arr(a.grad), _arr(b.grad)
    ours, theirs = run(autograd), run(torch)
    _same(ours, theirs, "hook calls and input grads")


def test_gradients_through_hooked_modules_pass_gradcheck():
    model = _models()[autograd]
    for m in [model, *model]:
        m.register_full_backward_hook(lambda *a: None)
        m.register_full_backward_pre_hook(lambda *a: None)
    assert_gradcheck(lambda x: model(x), X)


def test_retain_graph_calls_the_hooks_on_each_backward():
    counts = {}
    for lib, model in _models().items():
        log = []
        model.register_full_backward_hook(_recorder(log, "seq"))
        y = model(lib.tensor(X, requires_grad=True)).sum()
        y.backward(retain_graph=True)
        y.backward()
        counts[lib] = len(log)
    assert counts[autograd] == counts[torch] == 2


def test_no_call_when_no_gradient_flows():
    model = _models()[autograd]
    log = []
    model.register_full_backward_hook(_recorder(log, "seq"))
    with autograd.no_grad():
        out = model(autograd.tensor(X, requires_grad=True))
    assert not out.requires_grad and log == []


def test_float32_gradients_reach_the_hooks_as_float32():
    model = autograd.nn.Linear(3, 2)
    seen = []
    model.register_full_backward_hook(lambda m, gi, go: seen.extend([gi[0].dtype, go[0].dtype]))
    x = autograd.tensor(X.astype(np.float32), requires_grad=True)
    model(x).sum().backward()
    assert seen == [np.float32, np.float32] and x.grad.dtype == np.float32


def test_in_place_change_of_a_hooked_output_is_refused_as_in_torch():
    for lib, model in _models().items():
        model.register_full_backward_hook(lambda *a: None)
        y = model(lib.tensor(X, requires_grad=True))
        with pytest.raises(RuntimeError):
            y.mul_(2.0)


@pytest.mark.parametrize("bad, words", [
    (lambda gi: (gi[0], gi[0]), "returned 2 grad_input entries, expected 1"),
    (lambda gi: (gi[0][:1],), r"returned a gradient of shape \(1, 3\) for input 0"),
])
def test_a_bad_grad_input_is_a_clear_error(bad, words):
    model = _models()[autograd][0]
    model.register_full_backward_hook(lambda m, gi, go: bad(gi))
    y = model(autograd.tensor(X, requires_grad=True))
    with pytest.raises(RuntimeError, match="Linear: a backward hook " + words):
        y.sum().backward()


def test_bad_pre_hook_result_and_hook_result_without_input_grad_are_errors():
    model = _models()[autograd][0]
    h = model.register_full_backward_pre_hook(lambda m, go: (go[0], go[0]))
    with pytest.raises(RuntimeError, match="pre-hook returned 2 grad_output entries"):
        model(autograd.tensor(X, requires_grad=True)).sum().backward()
    h.remove()
    model.register_full_backward_hook(lambda m, gi, go: (go[0],))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="must return None"):
            model(autograd.tensor(X)).sum().backward()
    with pytest.raises(TypeError, match="expected a callable"):
        model.register_full_backward_hook(3)
