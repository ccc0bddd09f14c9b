"""autograd.func.functional_call / nn.utils.stateless.functional_call against torch.func:
values, where the gradients go, restoring the module (also after an exception), buffers,
tied weights, strict keys, and a MAML meta-gradient through create_graph=True."""
import warnings

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd.func import functional_call

torch = pytest.importorskip("torch")


def mlp_pair(seed=0):
    """The same float64 two-layer MLP in both libraries."""
    torch.manual_seed(seed)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(),
                                 torch.nn.Linear(8, 2)).double()
    ours = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2)).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def new_params(module, seed):
    rng = np.random.default_rng(seed)
    return {k: rng.standard_normal(p.shape) for k, p in module.named_parameters()}


def close(ours, theirs, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


def test_values_and_gradients_go_to_the_given_tensors():
    ours, theirs = mlp_pair()
    arrays = new_params(ours, 1)
    given = {k: autograd.tensor(a, requires_grad=True) for k, a in arrays.items()}
    tgiven = {k: torch.tensor(a, requires_grad=True) for k, a in arrays.items()}
    x = np.random.default_rng(2).standard_normal((5, 3))
    y = functional_call(ours, given, (autograd.tensor(x),))
    ty = torch.func.functional_call(theirs, tgiven, (torch.tensor(x),))
    close(y, ty)
    (y ** 2).sum().backward()
    (ty ** 2).sum().backward()
    for k in given:
        close(given[k].grad, tgiven[k].grad)
    assert all(p.grad is None for p in ours.parameters())   # the module's own: untouched


def test_module_parameters_restored_identity_and_values():
    ours, _ = mlp_pair()
    before = {k: (p, p.numpy().copy()) for k, p in ours.named_parameters()}
    functional_call(ours, {k: autograd.tensor(a) for k, a in new_params(ours, 3).items()},
                    autograd.randn(2, 3, dtype=autograd.float64))
    for k, p in ours.named_parameters():
        assert p is before[k][0] and isinstance(p, nn.Parameter)
        np.testing.assert_array_equal(p.numpy(), before[k][1])


def test_restored_after_an_exception():
    ours, _ = mlp_pair()
    own = dict(ours.named_parameters())
    given = {k: autograd.tensor(a) for k, a in new_params(ours, 4).items()}
    with pytest.raises(ValueError):
        functional_call(ours, given, autograd.randn(2, 5, dtype=autograd.float64))  # bad shape
    assert all(p is own[k] for k, p in ours.named_parameters())
    with pytest.raises(AttributeError):   # a bad key: nothing swapped stays swapped
        functional_call(ours, {"0.weight": given["0.weight"], "9.weight": given["0.bias"]},
                        autograd.randn(2, 3, dtype=autograd.float64))
    assert all(p is own[k] for k, p in ours.named_parameters())


def test_partial_dict_args_kwargs_and_sequence_of_dicts():
    ours, theirs = mlp_pair()
    w = new_params(ours, 5)["2.weight"]
    x = np.random.default_rng(6).standard_normal((4, 3))
    y = functional_call(ours, {"2.weight": autograd.tensor(w)}, autograd.tensor(x))
    ty = torch.func.functional_call(theirs, {"2.weight": torch.tensor(w)}, torch.tensor(x))
    close(y, ty)
    y2 = functional_call(ours, ({"2.weight": autograd.tensor(w)}, {}), (autograd.tensor(x),))
    close(y2, ty)
    with pytest.raises(ValueError, match="appeared in multiple dictionaries"):
        functional_call(ours, ({"2.bias": autograd.zeros(2)}, {"2.bias": autograd.zeros(2)}),
                        autograd.tensor(x))
    with pytest.raises(ValueError, match="to be a dict"):
        functional_call(ours, 3, autograd.tensor(x))

    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(np.ones(2))

        def forward(self, x, *, scale=1.0):
            return self.w * x * scale

    out = functional_call(Scaled(), {"w": autograd.tensor([2.0, 3.0])},
                          autograd.tensor([1.0, 1.0]), {"scale": 10.0})
    np.testing.assert_array_equal(out.numpy(), [20.0, 30.0])


def test_strict_keys():
    ours, theirs = mlp_pair()
    params = {k: autograd.tensor(a) for k, a in new_params(ours, 7).items()}
    x = autograd.randn(2, 3, dtype=autograd.float64)
    functional_call(ours, params, x, strict=True)
    partial = dict(params)
    del partial["0.bias"]
    partial["extra"] = autograd.zeros(1)
    with pytest.raises(RuntimeError) as ours_err:
        functional_call(ours, partial, x, strict=True)
    tpartial = {k: torch.tensor(v.numpy()) for k, v in partial.items()}
    with pytest.raises(RuntimeError) as torch_err:
        torch.func.functional_call(theirs, tpartial, torch.tensor(x.numpy()), strict=True)
    assert str(ours_err.value) == str(torch_err.value)


def test_buffers_batchnorm_running_stats_written_back_as_torch():
    torch.manual_seed(0)
    theirs = torch.nn.BatchNorm1d(3).double()
    ours = nn.BatchNorm1d(3).double()
    x = np.random.default_rng(8).standard_normal((6, 3))
    state = {"running_mean": np.full(3, 0.5), "running_var": np.full(3, 2.0)}
    given = {k: autograd.tensor(v) for k, v in state.items()}
    tgiven = {k: torch.tensor(v) for k, v in state.items()}
    y = functional_call(ours, given, autograd.tensor(x))
    ty = torch.func.functional_call(theirs, tgiven, torch.tensor(x))
    close(y, ty)
    for k in state:   # forward's update of the given buffers lands in the dict
        close(given[k], tgiven[k])
    np.testing.assert_array_equal(ours.running_mean.numpy(), np.zeros(3))   # own: untouched
    ours.eval()
    theirs.eval()
    close(functional_call(ours, given, autograd.tensor(x)),
          torch.func.functional_call(theirs, tgiven, torch.tensor(x)))


def tied_pair():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 2, bias=False, dtype=np.float64)
            self.b = nn.Linear(2, 2, bias=False, dtype=np.float64)
            self.b.weight = self.a.weight

        def forward(self, x):
            return self.b(self.a(x))
    return Tied()


def test_tie_weights():
    m = tied_pair()
    x = autograd.tensor([[1.0, 2.0]], dtype=autograd.float64)
    w = autograd.tensor(2 * np.eye(2))
    np.testing.assert_allclose(functional_call(m, {"a.weight": w}, x).numpy(), [[4.0, 8.0]])
    np.testing.assert_allclose(functional_call(m, {"a.weight": w}, x, tie_weights=False)
                               .numpy(), (x.numpy() @ (2 * np.eye(2))) @ m.b.weight.numpy().T)
    with pytest.raises(ValueError, match="which are tied"):
        functional_call(m, {"a.weight": w, "b.weight": autograd.tensor(np.eye(2))}, x)
    functional_call(m, {"a.weight": w, "b.weight": w}, x)   # the same value twice: fine


def test_parametrized_module_takes_the_original():
    from nn.utils import parametrize as P

    class Symmetric(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).mT

    lin = nn.Linear(3, 3, dtype=np.float64)
    P.register_parametrization(lin, "weight", Symmetric())
    a = np.arange(9.0).reshape(3, 3)
    x = autograd.tensor(np.eye(3))
    out = functional_call(lin, {"parametrizations.weight.original": autograd.tensor(a)}, x)
    sym = np.triu(a) + np.triu(a, 1).T
    np.testing.assert_allclose(out.numpy(), sym.T + lin.bias.numpy())
    with pytest.raises(RuntimeError, match="does not implement right_inverse"):
        functional_call(lin, {"weight": autograd.tensor(a)}, x)   # as torch 2.13


def test_stateless_functional_call_is_deprecated_as_torch():
    ours, _ = mlp_pair()
    with pytest.warns(FutureWarning, match="torch.func.functional_call"):
        nn.utils.stateless.functional_call(ours, {}, autograd.randn(1, 3,
                                                                     dtype=autograd.float64))


def test_maml_meta_gradient_through_functional_call_matches_torch():
    """One MAML meta-step: the inner SGD step taken with create_graph=True on the
    functional_call loss, the query loss differentiated back to the module's parameters."""
    rng = np.random.default_rng(4)
    xs, xq = rng.uniform(-3, 3, (10, 1)), rng.uniform(-3, 3, (10, 1))
    ys, yq = np.sin(xs + 0.5), np.sin(xq + 0.5)
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.ReLU(),
                                 torch.nn.Linear(16, 1)).double()
    ours = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 1)).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    results = []
    for lib, model, call, grad, Fn in (
            (autograd, ours, functional_call, autograd.grad, F),
            (torch, theirs, torch.func.functional_call, torch.autograd.grad,
             torch.nn.functional)):
        params = dict(model.named_parameters())
        for _ in range(2):   # two inner steps
            inner = Fn.mse_loss(call(model, params, (lib.tensor(xs),)), lib.tensor(ys))
            grads = grad(inner, list(params.values()), create_graph=True)
            params = {k: p - 0.1 * g for (k, p), g in zip(params.items(), grads)}
        outer = Fn.mse_loss(call(model, params, (lib.tensor(xq),)), lib.tensor(yq))
        outer.backward()
        results.append((outer.item(), [p.grad.numpy() for p in model.parameters()]))
    (loss, grads), (tloss, tgrads) = results
    assert abs(loss - tloss) < 1e-12
    for g, tg in zip(grads, tgrads):
        np.testing.assert_allclose(g, tg, rtol=1e-9, atol=1e-12)


def test_stateless_and_func_are_the_same_call():
    ours, _ = mlp_pair()
    params = {k: autograd.tensor(a) for k, a in new_params(ours, 9).items()}
    x = autograd.randn(3, 3, dtype=autograd.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        a = nn.utils.stateless.functional_call(ours, params, (x,))
    np.testing.assert_array_equal(a.numpy(), functional_call(ours, params, (x,)).numpy())
