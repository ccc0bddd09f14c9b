"""autograd.autograd.functional (torch.autograd.functional) against torch in float64: vjp,
jvp, jacobian, hessian, vhp, hvp with Tensor and tuple inputs/outputs, create_graph,
strict=True's errors and the checks of v."""
import re

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
OURS = autograd.autograd.functional
THEIRS = torch.autograd.functional


def arrays(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.5, 1.5, s) for s in shapes]


def same(ours, theirs, rtol=1e-10, atol=1e-12, flags=True):
    """Same nesting of tuples (lists) and, at the leaves, tensors of the same shape and values
    (and requires_grad, with flags)."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, autograd.Tensor), type(ours)
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert not flags or ours.requires_grad == theirs.requires_grad
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(),
                                   rtol=rtol, atol=atol)
    else:
        assert type(ours) is type(theirs) and type(ours) in (tuple, list), (type(ours),
                                                                              type(theirs))
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            same(o, t, rtol, atol, flags)


def compare(api, fn, inputs, v=None, flags=True, **kw):
    """api(fn(L), inputs, v, **kw) in both libraries; inputs and v are arrays or tuples of
    arrays (a tuple stays a tuple)."""
    res = []
    for L, mod in ((autograd, OURS), (torch, THEIRS)):
        conv = (lambda a: tuple(L.tensor(x) for x in a) if isinstance(a, tuple)
                else None if a is None else L.tensor(a))
        args = (conv(inputs),) if v is None else (conv(inputs), conv(v))
        res.append(getattr(mod, api)(fn(L), *args, **kw))
    same(*res, flags=flags)
    return res


def errors_alike(api, fn, inputs, v=None, **kw):
    """The same exception type and message in both libraries."""
    caught = []
    for L, mod in ((autograd, OURS), (torch, THEIRS)):
        conv = (lambda a: tuple(L.tensor(x) for x in a) if isinstance(a, tuple)
                else None if a is None else L.tensor(a))
        with pytest.raises(Exception) as info:
            getattr(mod, api)(fn(L), conv(inputs), *(() if v is None else (conv(v),)), **kw)
        caught.append(info.value)
    assert type(caught[0]) is type(caught[1])
    sizes = lambda m: str(tuple(int(n) for n in m.group(1).split(",") if n.strip()))
    assert str(caught[0]) == re.sub(r"torch\.Size\(\[([^\]]*)\]\)", sizes, str(caught[1]))


one_one = lambda L: lambda x: (x.exp() * x.sum()).sin()
two_two = lambda L: lambda x, y: ((x @ y).tanh(), (x ** 2).sum() * y)
two_one = lambda L: lambda x, y: (x @ y).tanh()
one_two = lambda L: lambda x: (x.exp(), x.sum() ** 2)
scalar2 = lambda L: lambda x, y: ((x @ y).tanh() ** 2).sum() + (x ** 3).sum() * y.sum()
X, Y = arrays((2, 3), (3,))


@pytest.mark.parametrize("create_graph", [False, True])
def test_vjp(create_graph):
    compare("vjp", one_one, X, arrays((2, 3), seed=1)[0], create_graph=create_graph)
    compare("vjp", two_two, (X, Y), tuple(arrays((2,), (3,), seed=2)),
            create_graph=create_graph)
    compare("vjp", one_two, (X,), tuple(arrays((2, 3), (), seed=3)), create_graph=create_graph)
    compare("vjp", lambda L: lambda x: (x ** 2).sum(), X)   # v=None for a 1-element output


@pytest.mark.parametrize("create_graph", [False, True])
def test_jvp(create_graph):
    compare("jvp", one_one, X, arrays((2, 3), seed=1)[0], create_graph=create_graph)
    compare("jvp", two_two, (X, Y), tuple(arrays((2, 3), (3,), seed=2)),
            create_graph=create_graph)
    compare("jvp", one_two, X, arrays((2, 3), seed=3)[0], create_graph=create_graph)
    compare("jvp", lambda L: lambda x: x.exp() * 2, np.array(0.7))   # v=None, one element


@pytest.mark.parametrize("kw", [{}, {"create_graph": True}, {"vectorize": True},
                                {"vectorize": True, "strategy": "forward-mode"}])
@pytest.mark.parametrize("fn,inputs", [(one_one, X), (two_two, (X, Y)), (two_one, (X, Y)),
                                       (one_two, X), (one_two, (X,))])
def test_jacobian(fn, inputs, kw):
    compare("jacobian", fn, inputs, **kw)


@pytest.mark.parametrize("kw", [{}, {"create_graph": True},
                                {"vectorize": True, "outer_jacobian_strategy": "forward-mode"}])
@pytest.mark.parametrize("fn,inputs", [(scalar2, (X, Y)),
                                       (lambda L: lambda x: (x.sin() * x ** 2).sum(), X),
                                       (lambda L: lambda x: (x.sin() * x ** 2).sum(), (X,))])
def test_hessian(fn, inputs, kw):
    # torch's forward-mode outer jacobian leaves a graph on the result; ours has none
    compare("hessian", fn, inputs, flags="outer_jacobian_strategy" not in kw, **kw)


@pytest.mark.parametrize("api", ["vhp", "hvp"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_vhp_hvp(api, create_graph):
    compare(api, scalar2, (X, Y), tuple(arrays((2, 3), (3,), seed=4)),
            create_graph=create_graph)
    compare(api, lambda L: lambda x: (x.sin() * x ** 2).sum(), X, arrays((2, 3), seed=5)[0],
            create_graph=create_graph)


def test_create_graph_results_differentiate_on_to_the_inputs():
    grads = []
    for L, mod in ((autograd, OURS), (torch, THEIRS)):
        x, y = L.tensor(X, requires_grad=True), L.tensor(Y, requires_grad=True)
        jac = mod.jacobian(two_two(L), (x, y), create_graph=True)
        _, hv = mod.hvp(scalar2(L), (x, y), (L.ones(2, 3, dtype=L.float64),
                                             L.ones(3, dtype=L.float64)), create_graph=True)
        (sum((j ** 2).sum() for row in jac for j in row) + hv[0].sum()).backward()
        grads.append((x.grad, y.grad))
    same(*grads, rtol=1e-9)


def test_hessian_of_an_mlp_loss():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(),
                                 torch.nn.Linear(4, 1)).double()
    ours = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    xs, ys = arrays((6, 3), (6, 1), seed=7)
    res = []
    for L, mod, F_, model in ((autograd, OURS, F, ours),
                              (torch, THEIRS, torch.nn.functional, theirs)):
        names = [k for k, _ in model.named_parameters()]
        params = tuple(p.detach() for _, p in model.named_parameters())

        def loss(*ps):
            out = L.func.functional_call(model, dict(zip(names, ps)), (L.tensor(xs),))
            return F_.mse_loss(out, L.tensor(ys))
        res.append(mod.hessian(loss, params))
    same(*res, rtol=1e-9)


def test_unused_inputs_give_zeros_or_strict_errors():
    f = lambda L: lambda x, y: x.exp()
    compare("jacobian", f, (X, Y))
    compare("vjp", f, (X, Y), arrays((2, 3))[0])
    compare("jvp", f, (X, Y), (X, Y))
    for api, v in (("vjp", X), ("jvp", (X, Y)), ("jacobian", None)):
        errors_alike(api, f, (X, Y), v, strict=True)
    errors_alike("vhp", lambda L: lambda x, y: (x.exp()).sum(), (X, Y), (X, Y), strict=True)
    errors_alike("hvp", lambda L: lambda x: (x * 2).sum(), X, X, strict=True)
    errors_alike("hessian", lambda L: lambda x: (x * 2).sum(), X, strict=True)
    errors_alike("vjp", lambda L: lambda x: L.ones(2, 3, dtype=L.float64), X, X, strict=True)


@pytest.mark.parametrize("api,fn,inputs,v,kw", [
    ("vjp", one_one, X, None, {}),
    ("vjp", two_two, (X, Y), (X,), {}),
    ("vjp", one_one, X, Y, {}),
    ("vjp", two_two, (X, Y), (X[0], Y[:2]), {}),
    ("jvp", one_one, X, None, {}),
    ("jvp", two_two, (X, Y), (X, X), {}),
    ("vhp", one_two, X, X, {}),
    ("hvp", one_one, X, X, {}),
    ("hessian", one_one, X, None, {}),
    ("jacobian", one_one, X, None, {"strategy": "sideways"}),
    ("jacobian", one_one, X, None, {"strategy": "forward-mode"}),
    ("jacobian", one_one, X, None, {"strategy": "forward-mode", "create_graph": True}),
    ("jacobian", one_one, X, None, {"strategy": "forward-mode", "strict": True}),
    ("jacobian", one_one, X, None, {"vectorize": True, "strict": True}),
    ("jacobian", lambda L: lambda x: 3.0, X, None, {}),
])
def test_errors_as_torch(api, fn, inputs, v, kw):
    errors_alike(api, fn, inputs, v, **kw)


def test_input_type_error_and_namespace():
    with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
        OURS.jacobian(lambda x: x, [autograd.ones(2)])
    import autograd.autograd.functional as by_import
    from autograd.autograd.functional import jacobian
    assert by_import is OURS and jacobian is OURS.jacobian
    assert autograd.autograd.grad is autograd.grad
    assert autograd.autograd.Function is autograd.Function
