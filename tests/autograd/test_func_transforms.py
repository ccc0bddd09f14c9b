"""autograd.func's transforms (grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, vmap)
against torch.func in float64: values, shapes, the nesting of results, composition
(grad(grad), vmap(grad), jacrev(vmap), ...), errors, and the per-sample-gradient pattern."""
import re

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import func as ours_func

torch = pytest.importorskip("torch")
tfunc = torch.func
LIBS = ((autograd, ours_func), (torch, tfunc))


def arrays(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.5, 1.5, s) for s in shapes]


def both(*arrs):
    """The arrays as float64 tensors of each library: (ours, theirs)."""
    return [autograd.tensor(a) for a in arrs], [torch.tensor(a) for a in arrs]


def same(ours, theirs, rtol=1e-10, atol=1e-12):
    """The same nesting (tuple/list/dict, keys in order) and, at the leaves, tensors of the
    same shape and values (other leaves equal)."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, autograd.Tensor), type(ours)
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(),
                                   rtol=rtol, atol=atol)
    elif isinstance(theirs, (tuple, list, dict)):
        assert type(ours) is type(theirs), (type(ours), type(theirs))
        assert len(ours) == len(theirs)
        if isinstance(theirs, dict):
            assert list(ours) == list(theirs)
            ours, theirs = list(ours.values()), list(theirs.values())
        for o, t in zip(ours, theirs):
            same(o, t, rtol, atol)
    else:
        assert ours == theirs


def run(make, *arrs, **kw):
    """make(L, fn) with L the library and fn its func namespace, applied to each library's
    tensors; returns (ours, theirs)."""
    (ao, at) = both(*arrs)
    return (make(autograd, ours_func)(*ao, **kw), make(torch, tfunc)(*at, **kw))


def f2(L, x, y):
    """Two inputs, a nested output."""
    return (x.sin() * y).sum(), {"a": x * y.exp(), "b": [(x ** 2).sum(0)]}


def scalar(L, x, y):
    return (x.tanh() * y.exp()).sum() + (x ** 2 * y).sum() ** 2


# ----------------------------------------------------------------------------- grad
@pytest.mark.parametrize("argnums", [0, 1, -1, (0, 1), (1, 0)])
def test_grad_argnums(argnums):
    ours, theirs = run(lambda L, fn: fn.grad(lambda x, y: scalar(L, x, y), argnums),
                       *arrays((3, 2), (2,)))
    same(ours, theirs)
    leaves = ours if isinstance(ours, tuple) else (ours,)
    assert not any(g.requires_grad for g in leaves)   # no graph at the top level, as torch


def test_grad_pytree_argument_aux_and_kwargs():
    def make(L, fn):
        def f(p, x, scale=1.0):
            out = ((p["w"] @ x).tanh() * p["b"][0]).sum() * scale
            return out, {"out": out, "x": [x * 2]}
        return lambda w, b, x: fn.grad(f, has_aux=True)({"w": w, "b": [b]}, x, scale=2.0)
    ours, theirs = run(make, *arrays((2, 3), (2,), (3,)))
    same(ours, theirs)


def test_grad_and_value():
    ours, theirs = run(lambda L, fn: fn.grad_and_value(lambda x, y: scalar(L, x, y), (0, 1)),
                       *arrays((2, 2), (2,)))
    same(ours, theirs)
    ours, theirs = run(lambda L, fn: fn.grad_and_value(lambda x: ((x ** 3).sum(), x * 2),
                                                       has_aux=True), *arrays((3,)))
    same(ours, theirs)


def test_grad_of_grad_and_perturbation_confusion():
    def make(L, fn):
        inner = lambda x: fn.grad(lambda y: (x * y ** 3).sum())(x)   # 3 x y^2 at y = x
        return fn.grad(lambda x: (inner(x) * x.sin()).sum())
    same(*run(make, *arrays((4,))))
    g2 = lambda L, fn: fn.grad(lambda x: fn.grad(lambda x: (x.sin() * x ** 3).sum())(x).sum())
    same(*run(g2, *arrays((3,))))


def test_grad_flows_to_outer_tensors_as_torch():
    (xo, wo), (xt, wt) = both(*arrays((3,), (3,)))
    wo.requires_grad_(True)
    wt.requires_grad_(True)
    go = ours_func.grad(lambda x: (wo * x ** 3).sum())(xo)
    gt = tfunc.grad(lambda x: (wt * x ** 3).sum())(xt)
    assert go.requires_grad and gt.requires_grad
    (go ** 2).sum().backward()
    (gt ** 2).sum().backward()
    same(wo.grad, wt.grad)


def test_grad_errors():
    x = autograd.ones(3)
    with pytest.raises(RuntimeError, match="scalar Tensor, got tensor with 1 dims"):
        ours_func.grad(lambda x: x * 2)(x)
    with pytest.raises(RuntimeError, match="return a Tensor"):
        ours_func.grad(lambda x: 1.0)(x)
    with pytest.raises(RuntimeError, match=r"Got argnum=2, but only 1 positional inputs"):
        ours_func.grad(lambda x: x.sum(), argnums=2)(x)
    with pytest.raises(RuntimeError, match="argnums elements must be unique"):
        ours_func.grad(lambda x, y: x.sum(), argnums=(0, 0))(x, x)
    with pytest.raises(RuntimeError, match=re.escape("(output, aux)")):
        ours_func.grad(lambda x: x.sum(), has_aux=True)(x)
    with pytest.raises(ValueError, match="must be Tensor"):
        ours_func.grad(lambda x: 2.0 * x)(2.0)
    with pytest.raises(RuntimeError, match="Expected tensors, got unsupported type"):
        ours_func.grad(lambda x: (x.sum(), 3), has_aux=True)(x)


# ----------------------------------------------------------------------------- vjp / jvp
def test_vjp_nested_output_repeated_calls_and_aux():
    (xo, yo), (xt, yt) = both(*arrays((3, 2), (2,)))
    out_o, fn_o = ours_func.vjp(lambda x, y: f2(autograd, x, y), xo, yo)
    out_t, fn_t = tfunc.vjp(lambda x, y: f2(torch, x, y), xt, yt)
    same(out_o, out_t)
    for seed in (1, 2):
        ct = arrays((), (3, 2), (2,), seed=seed)
        co = (autograd.tensor(ct[0]), {"a": autograd.tensor(ct[1]), "b": [autograd.tensor(ct[2])]})
        cth = (torch.tensor(ct[0]), {"a": torch.tensor(ct[1]), "b": [torch.tensor(ct[2])]})
        same(fn_o(co), fn_t(cth))
    with pytest.raises(RuntimeError, match="pytree structure of cotangents"):
        fn_o(autograd.ones(3, 2))
    res_o = ours_func.vjp(lambda x: (x.exp(), x.sum()), xo, has_aux=True)
    res_t = tfunc.vjp(lambda x: (x.exp(), x.sum()), xt, has_aux=True)
    same(res_o[0], res_t[0])
    same(res_o[2], res_t[2])
    same(res_o[1](autograd.ones(3, 2)), res_t[1](torch.ones(3, 2, dtype=torch.float64)))


def test_vjp_of_dict_primals_and_unused_input():
    (wo, bo), (wt, bt) = both(*arrays((2, 3), (4,)))
    fo = ours_func.vjp(lambda p: (p["w"] ** 2).sum(1), {"w": wo, "b": bo})[1]
    ft = tfunc.vjp(lambda p: (p["w"] ** 2).sum(1), {"w": wt, "b": bt})[1]
    same(fo(autograd.ones(2)), ft(torch.ones(2, dtype=torch.float64)))


def test_jvp_multi_input_multi_output():
    arrs = arrays((3, 2), (2,), (3, 2), (2,))
    (xo, yo, uo, vo), (xt, yt, ut, vt) = both(*arrs)
    same(ours_func.jvp(lambda x, y: f2(autograd, x, y), (xo, yo), (uo, vo)),
         tfunc.jvp(lambda x, y: f2(torch, x, y), (xt, yt), (ut, vt)))
    same(ours_func.jvp(lambda x: (x.exp().sum(), x * 3), (xo,), (uo,), has_aux=True),
         tfunc.jvp(lambda x: (x.exp().sum(), x * 3), (xt,), (ut,), has_aux=True))
    # an output independent of the inputs: zero tangent, or strict's error
    same(ours_func.jvp(lambda x: (x * 2, autograd.ones(2)), (xo,), (uo,)),
         tfunc.jvp(lambda x: (x * 2, torch.ones(2, dtype=torch.float64)), (xt,), (ut,)))
    with pytest.raises(RuntimeError, match="independent of the inputs"):
        ours_func.jvp(lambda x: autograd.ones(2), (xo,), (uo,), strict=True)
    with pytest.raises(RuntimeError, match="Expected primals to be a tuple"):
        ours_func.jvp(lambda x: x, xo, uo)
    with pytest.raises(RuntimeError, match="same python structure"):
        ours_func.jvp(lambda x, y: x, (xo, yo), (uo,))


def test_jvp_of_identity_and_of_grad():
    (xo, uo), (xt, ut) = both(*arrays((3,), (3,)))
    same(ours_func.jvp(lambda x: x, (xo,), (uo,)), tfunc.jvp(lambda x: x, (xt,), (ut,)))
    g = lambda fn: fn.grad(lambda x: (x.sin() * x ** 2).sum())   # forward-over-reverse
    same(ours_func.jvp(g(ours_func), (xo,), (uo,)), tfunc.jvp(g(tfunc), (xt,), (ut,)))


# ----------------------------------------------------------------------------- jacobians
@pytest.mark.parametrize("jac", ["jacrev", "jacfwd"])
@pytest.mark.parametrize("argnums", [0, 1, (0, 1)])
def test_jacobians_multi_input_multi_output(jac, argnums):
    ours, theirs = run(lambda L, fn: getattr(fn, jac)(lambda x, y: f2(L, x, y), argnums),
                       *arrays((3, 2), (2,)))
    same(ours, theirs)


@pytest.mark.parametrize("jac", ["jacrev", "jacfwd"])
def test_jacobians_of_pytree_input_with_aux(jac):
    def make(L, fn):
        f = lambda p, x: ((p["w"] @ x).tanh(), (p["w"] ** 2).sum())
        return lambda w, x: getattr(fn, jac)(f, has_aux=True)({"w": w, "v": x}, x)
    same(*run(make, *arrays((2, 3), (3,))))


def test_jacrev_of_scalar_and_chunk_size():
    same(*run(lambda L, fn: fn.jacrev(lambda x: (x ** 3).sum(), chunk_size=2), *arrays((2, 3))))
    with pytest.raises(ValueError, match="chunk_size"):
        ours_func.jacrev(lambda x: x, chunk_size=0)


@pytest.mark.parametrize("argnums", [0, (0, 1)])
def test_hessian(argnums):
    ours, theirs = run(lambda L, fn: fn.hessian(lambda x, y: scalar(L, x, y), argnums),
                       *arrays((2, 2), (2,)))
    same(ours, theirs)


def mlp_pair(seed=0):
    torch.manual_seed(seed)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(),
                                 torch.nn.Linear(4, 2)).double()
    ours = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def test_hessian_of_mlp_loss_over_its_parameter_dict():
    ours, theirs = mlp_pair()
    x, y = arrays((5, 3), (5, 2), seed=3)
    res = []
    for L, fn, F_, model in ((autograd, ours_func, F, ours),
                             (torch, tfunc, torch.nn.functional, theirs)):
        params = {k: v.detach() for k, v in model.named_parameters()}
        loss = lambda p: F_.mse_loss(fn.functional_call(model, p, (L.tensor(x),)), L.tensor(y))
        res.append(fn.hessian(loss)(params))
    same(*res, rtol=1e-9)


# ----------------------------------------------------------------------------- vmap
@pytest.mark.parametrize("in_dims,shapes", [
    (0, ((4, 3), (4, 3))),
    (1, ((3, 4), (2, 4))),
    (-1, ((3, 4), (4,))),
    ((0, None), ((4, 3), (3,))),
    ((None, 1), ((3,), (3, 4))),
    ((2, 0), ((3, 2, 4), (4, 2))),
])
def test_vmap_in_dims(in_dims, shapes):
    same(*run(lambda L, fn: fn.vmap(lambda x, y: (x * y.sum()).exp(), in_dims), *arrays(*shapes)))


@pytest.mark.parametrize("out_dims", [0, 1, -1, (1, 0)])
def test_vmap_out_dims_and_tuple_outputs(out_dims):
    same(*run(lambda L, fn: fn.vmap(lambda x: (x.outer(x), x.sin()), out_dims=out_dims),
              *arrays((4, 3))))


def test_vmap_out_dims_none_and_kwargs():
    def make(L, fn):
        f = lambda x, scale=1.0: (x * scale, L.ones(2, dtype=L.float64))
        return lambda x: fn.vmap(f, out_dims=(0, None))(x, scale=3.0)
    same(*run(make, *arrays((4, 3))))


def test_vmap_pytree_inputs_and_outputs():
    def make(L, fn):
        f = lambda d, lst: {"s": d["a"] * lst[0], "t": [d["b"].sum() + lst[1].sum()]}
        return lambda a, b, c, e: fn.vmap(f, in_dims=({"a": 0, "b": None}, [1, 0]),
                                          out_dims={"s": 1, "t": [0]})({"a": a, "b": b}, [c, e])
    same(*run(make, *arrays((5, 3), (2,), (3, 5), (5, 2))))


def test_nested_vmap_and_vmap_of_matmul():
    mv = lambda L, fn: fn.vmap(fn.vmap(lambda a, b: (a * b).sum(), (0, None)), (None, 1))
    same(*run(mv, *arrays((3, 4), (4, 5))))


def test_vmap_of_grad_jacrev_of_vmap_and_vmap_of_jacrev():
    same(*run(lambda L, fn: fn.vmap(fn.grad(lambda x: (x.sin() * x).sum())), *arrays((5, 3))))
    same(*run(lambda L, fn: fn.jacrev(fn.vmap(lambda x: x.exp() * x.sum())), *arrays((2, 3))))
    same(*run(lambda L, fn: fn.vmap(fn.jacrev(lambda x: x.exp() * x.sum())), *arrays((2, 3))))
    same(*run(lambda L, fn: fn.vmap(fn.hessian(lambda x: (x ** 3).sum())), *arrays((2, 3))))


def test_vmap_gradients_flow_through_backward():
    (xo, wo), (xt, wt) = both(*arrays((4, 3), (3,)))
    for x in (xo, xt, wo, wt):
        x.requires_grad_(True)
    ours_func.vmap(lambda x, w: (x * w).sum())(xo, w=wo).sum().backward()
    tfunc.vmap(lambda x, w: (x * w).sum())(xt, w=wt).sum().backward()
    same(xo.grad, xt.grad)
    same(wo.grad, wt.grad)


def test_per_sample_gradients_of_a_linear_model():
    """The torch tutorial: functional_call + vmap + grad, per-sample gradients of a loss."""
    torch.manual_seed(0)
    theirs = torch.nn.Linear(4, 3).double()
    ours = nn.Linear(4, 3).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(1)
    data, targets = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    res = []
    for L, fn, F_, model in ((autograd, ours_func, F, ours),
                             (torch, tfunc, torch.nn.functional, theirs)):
        params = {k: v.detach() for k, v in model.named_parameters()}
        buffers = {k: v.detach() for k, v in model.named_buffers()}

        def loss(params, buffers, sample, target):
            pred = fn.functional_call(model, (params, buffers), (sample.unsqueeze(0),))
            return F_.cross_entropy(pred, target.unsqueeze(0))
        res.append(fn.vmap(fn.grad(loss), in_dims=(None, None, 0, 0))(
            params, buffers, L.tensor(data), L.tensor(targets)))
    same(*res)
    assert res[0]["weight"].shape == (6, 3, 4)


def test_results_require_grad_as_torch():
    """A result carries a graph exactly when torch's does: when an input requires grad and
    grad mode is on (so backward() or an outer transform can go through it)."""
    flags = []
    for L, fn in LIBS:
        t = L.tensor(arrays((3,))[0], requires_grad=True)
        one = L.ones(3, dtype=L.float64)
        with L.no_grad():
            row = [fn.grad(lambda a: (a ** 3).sum())(t).requires_grad]
        out, vjp_fn = fn.vjp(lambda a: a.sin(), t)
        row += [fn.grad(lambda a: (a ** 3).sum())(t).requires_grad, out.requires_grad,
                vjp_fn(one)[0].requires_grad, fn.jacrev(lambda a: a.sin() * a)(t).requires_grad,
                fn.jvp(lambda a: a.sin(), (t,), (one,))[1].requires_grad,
                fn.vmap(lambda a: a * 2)(t).requires_grad,
                fn.grad(lambda a: (a ** 3).sum())(t.detach()).requires_grad]
        flags.append(row)
    assert flags[0] == flags[1]


def test_per_sample_gradients_differentiate_on_to_the_parameters():
    ours, theirs = mlp_pair()
    xs = arrays((4, 3), seed=5)[0]
    grads = []
    for L, fn, model in ((autograd, ours_func, ours), (torch, tfunc, theirs)):
        params = dict(model.named_parameters())   # requiring grad: the results keep a graph
        loss = lambda p, x: (fn.functional_call(model, p, (x,)) ** 2).sum()
        per_sample = fn.vmap(fn.grad(loss), in_dims=(None, 0))(params, L.tensor(xs))
        sum((g ** 2).sum() for g in per_sample.values()).backward()
        grads.append({k: p.grad for k, p in model.named_parameters()})
    same(*grads, rtol=1e-9)


def test_vmap_randomness():
    x = autograd.ones(3, 2)
    with pytest.raises(RuntimeError, match="randomness error mode"):
        ours_func.vmap(lambda x: x + autograd.randn(2))(x)
    same_draws = ours_func.vmap(lambda x: x + autograd.randn(2), randomness="same")(x)
    assert np.all(same_draws.numpy() == same_draws.numpy()[0])
    different = ours_func.vmap(lambda x: x + autograd.randn(2), randomness="different")(x)
    assert not np.all(different.numpy() == different.numpy()[0])
    with pytest.raises(RuntimeError, match="Only allowed values for randomness"):
        ours_func.vmap(lambda x: x, randomness="sometimes")


def test_vmap_over_an_empty_batch():
    same(*run(lambda L, fn: fn.vmap(lambda x: (x * 2, x.sum()), out_dims=(1, 0)),
              np.zeros((0, 3))))


@pytest.mark.parametrize("call", [
    lambda fn, x: fn.vmap(lambda x: x, in_dims=[0])(x),
    lambda fn, x: fn.vmap(lambda x, y: x, in_dims=(0,))(x, x),
    lambda fn, x: fn.vmap(lambda x, y: x)(x, x[:2]),
    lambda fn, x: fn.vmap(lambda x: x, in_dims=2)(x),
    lambda fn, x: fn.vmap(lambda x: x, in_dims=(0.5,))(x),
    lambda fn, x: fn.vmap(lambda x, n: x)(x, 1),
    lambda fn, x: fn.vmap(lambda x: x, in_dims=(None,))(x),
    lambda fn, x: fn.vmap(lambda x: 1.0)(x),
    lambda fn, x: fn.vmap(lambda x: x, out_dims=(0, 1))(x),
    lambda fn, x: fn.vmap(lambda x: x, out_dims="a")(x),
    lambda fn, x: fn.vmap(lambda x: x)(),
])
def test_vmap_errors_as_torch(call):
    """The same exception type as torch, and the same message up to how pytree structures
    print."""
    errors = []
    for fn, lib in ((ours_func, autograd), (tfunc, torch)):
        with pytest.raises(Exception) as info:
            call(fn, lib.ones(3, dtype=lib.float64))
        errors.append(info.value)
    assert type(errors[0]) is type(errors[1])
    head = lambda e: str(e).split(" has structure")[0]
    assert head(errors[0]) == head(errors[1])


def test_exposed_as_torch_names():
    assert autograd.vmap is ours_func.vmap
    from autograd.func import grad, hessian, jacfwd, jacrev, jvp, vjp, vmap  # noqa: F401


def test_stack_module_state_and_an_ensemble_through_vmap_match_torch():
    """The torch.func model-ensembling recipe: stack_module_state + functional_call + vmap."""
    import copy
    import nn
    rng = np.random.default_rng(0)
    ours = [nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double() for _ in range(3)]
    theirs = [torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(),
                                  torch.nn.Linear(4, 2)).double() for _ in range(3)]
    for o, t in zip(ours, theirs):
        t.load_state_dict({k: torch.tensor(v) for k, v in o.state_dict().items()})
    x0 = rng.standard_normal((5, 3))
    outs = []
    for lib, models in ((autograd, ours), (torch, theirs)):
        params, buffers = lib.func.stack_module_state(models)
        assert params["0.weight"].shape == (3, 4, 3) and params["0.weight"].requires_grad
        base = copy.deepcopy(models[0])

        def one(p, b, x):
            return lib.func.functional_call(base, (p, b), (x,))

        y = lib.func.vmap(one, in_dims=(0, 0, None))(params, buffers, lib.tensor(x0))
        y.sum().backward()
        outs.append((y.detach().numpy(), params["2.bias"].grad.numpy()))
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_vmap_out_dims_none_refuses_an_output_that_varies_by_sample_as_torch():
    # it returned the first sample's result, silently
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    for lib, fn, T, ones in (("torch", torch.func, torch.tensor, torch.ones),
                             ("ours", ours_func, autograd.tensor, autograd.ones)):
        with pytest.raises(ValueError, match="can not return a BatchedTensor when out_dim is "
                                             "None"):
            fn.vmap(lambda a: a * 2, out_dims=None)(T(x))
        with pytest.raises(ValueError, match="BatchedTensor"):
            fn.vmap(lambda a: (a * 2, a.sum()), out_dims=(0, None))(T(x))
        batched, fixed = fn.vmap(lambda a: (a * 2, ones(2)), out_dims=(0, None))(T(x))
        assert batched.shape == (2, 2) and fixed.tolist() == [1.0, 1.0], lib
