"""The lazy modules against torch's: repr, parameters and state_dict keys before and after the
dry run, the class they become, shapes, forward values and gradients, running statistics, the
same initialization as the plain module, optimizers made after (and before) the dry run,
load_state_dict into a lazy module, UninitializedParameter's refusals and the errors."""
import copy

import numpy as np
import pytest

import autograd
import nn
import optim
from nn.lazy import UninitializedBuffer, UninitializedParameter, is_lazy

torch = pytest.importorskip("torch")

# (lazy class, positional args, keyword args, input shape, in_features / in_channels)
CASES = [
    ("LazyLinear", (3,), {}, (4, 5), 5),
    ("LazyLinear", (3,), {"bias": False}, (2, 4, 5), 5),
    ("LazyConv1d", (4, 3), {"stride": 2, "padding": 1}, (2, 3, 9), 3),
    ("LazyConv1d", (4, 3), {}, (3, 9), 3),                                  # unbatched
    ("LazyConv2d", (4, 3), {"groups": 2, "dilation": 2}, (2, 6, 8, 7), 6),
    ("LazyConv3d", (2, 2), {"bias": False, "padding": 1}, (1, 3, 4, 4, 3), 3),
    ("LazyConvTranspose1d", (4, 3), {"stride": 2, "output_padding": 1}, (2, 3, 5), 3),
    ("LazyConvTranspose2d", (4, 3), {"groups": 2}, (2, 4, 3, 3), 4),
    ("LazyConvTranspose3d", (2, 2), {"stride": 2}, (1, 3, 2, 3, 2), 3),
    ("LazyBatchNorm1d", (), {}, (4, 3), 3),
    ("LazyBatchNorm1d", (), {"affine": False}, (4, 3, 5), 3),
    ("LazyBatchNorm2d", (), {"momentum": None}, (4, 3, 2, 2), 3),
    ("LazyBatchNorm3d", (), {"track_running_stats": False}, (2, 3, 2, 2, 2), 3),
    # (the flags given: the lazy instance norms default both to True, as torch's, where
    # the plain ones default them to False)
    ("LazyInstanceNorm1d", (), {"affine": True, "track_running_stats": True}, (2, 3, 5), 3),
    ("LazyInstanceNorm2d", (), {"affine": False, "track_running_stats": True}, (2, 3, 4, 4),
     3),
    ("LazyInstanceNorm3d", (), {"affine": True, "track_running_stats": False},
     (2, 3, 2, 3, 2), 3),
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]


def make(lib, name, args, kw):
    return getattr(lib.nn if lib is torch else nn, name)(
        *args, dtype=lib.float64 if lib is torch else autograd.float64, **kw)


@pytest.mark.parametrize("name,args,kw,shape,size", CASES, ids=IDS)
def test_before_and_after_the_dry_run_as_torch(name, args, kw, shape, size):
    ours, theirs = make(autograd, name, args, kw), make(torch, name, args, kw)
    assert type(ours).__name__ == name
    assert repr(ours) == repr(theirs)
    assert ours.has_uninitialized_params() and theirs.has_uninitialized_params()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert all(isinstance(p, UninitializedParameter) for p in ours.parameters())
    for key, value in ours.state_dict().items():
        assert is_lazy(value) == isinstance(theirs.state_dict()[key],
                                            torch.nn.parameter.UninitializedTensorMixin)

    x = np.random.default_rng(0).standard_normal(shape)
    y, ty = ours(autograd.tensor(x)), theirs(torch.tensor(x))
    plain = getattr(nn, name[len("Lazy"):])
    assert type(ours) is plain and type(theirs).__name__ == plain.__name__
    assert repr(ours) == repr(theirs)
    assert y.shape == tuple(ty.shape)
    for (k, v), (tk, tv) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert k == tk and v.shape == tuple(tv.shape) and v.dtype == tv.numpy().dtype
        if "running" in k or k == "num_batches_tracked":   # the same batch's statistics
            np.testing.assert_allclose(v.data, tv.numpy(), rtol=1e-10, atol=1e-12)
    assert not any(is_lazy(p) for p in ours.parameters())


@pytest.mark.parametrize("name,args,kw,shape,size", CASES, ids=IDS)
def test_forward_and_gradients_match_torch_after_materialization(name, args, kw, shape, size):
    ours, theirs = make(autograd, name, args, kw), make(torch, name, args, kw)
    rng = np.random.default_rng(1)
    ours(autograd.tensor(rng.standard_normal(shape)))
    theirs(torch.tensor(rng.standard_normal(shape)))
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})
    x = rng.standard_normal(shape)
    xs, txs = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(xs), theirs(txs)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(tuple(ty.shape))
    y.backward(autograd.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(xs.grad.data, txs.grad.numpy(), rtol=1e-9, atol=1e-11)
    for (k, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), rtol=1e-9, atol=1e-11,
                                   err_msg=k)


@pytest.mark.parametrize("name,args,kw,shape,size", CASES, ids=IDS)
def test_initialization_is_the_plain_modules(name, args, kw, shape, size):
    # the same draws, in the same order, as the plain module built at the dry run
    autograd.manual_seed(7)
    plain = getattr(nn, name[len("Lazy"):])(size, *args, **kw)
    autograd.manual_seed(7)
    lazy = getattr(nn, name)(*args, **kw)
    with autograd.no_grad():
        lazy.eval()(autograd.zeros(*shape))
    assert list(lazy.state_dict()) == list(plain.state_dict())
    for (k, v), (_, pv) in zip(lazy.state_dict().items(), plain.state_dict().items()):
        assert v.dtype == pv.dtype, k
        np.testing.assert_array_equal(v.data, pv.data, err_msg=k)


def test_optimizer_after_the_dry_run_trains_as_torch():
    rng = np.random.default_rng(2)
    x, target = rng.standard_normal((8, 5)), rng.standard_normal((8, 2))
    ours = nn.Sequential(nn.LazyLinear(4, dtype=autograd.float64), nn.Tanh(),
                         nn.LazyLinear(2, dtype=autograd.float64))
    theirs = torch.nn.Sequential(torch.nn.LazyLinear(4, dtype=torch.float64), torch.nn.Tanh(),
                                 torch.nn.LazyLinear(2, dtype=torch.float64))
    ours(autograd.tensor(x))                      # the dry runs
    theirs(torch.tensor(x))
    assert [type(m).__name__ for m in ours] == ["Linear", "Tanh", "Linear"]
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})
    opt = optim.Adam(ours.parameters(), lr=0.05)
    topt = torch.optim.Adam(theirs.parameters(), lr=0.05)
    for _ in range(5):
        for model, o, lib in ((ours, opt, autograd), (theirs, topt, torch)):
            o.zero_grad()
            ((model(lib.tensor(x)) - lib.tensor(target)) ** 2).mean().backward()
            o.step()
    for (k, v), (_, tv) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        np.testing.assert_allclose(v.data, tv.numpy(), rtol=1e-9, atol=1e-12, err_msg=k)


@pytest.mark.parametrize("make_opt", [lambda ps: optim.SGD(ps, lr=0.1),
                                      lambda ps: optim.Adam(ps, lr=0.1)])
def test_optimizer_made_before_the_dry_run_holds_the_materialized_parameters(make_opt):
    # the parameters are materialized in place, so the optimizer's references stay valid
    # (as in torch, where this works too)
    model = nn.LazyLinear(3)
    held = list(model.parameters())
    opt = make_opt(model.parameters())
    model(autograd.ones(2, 4)).sum().backward()
    assert [p is q for p, q in zip(held, model.parameters())] == [True, True]
    assert type(held[0]) is nn.Parameter and held[0].shape == (3, 4)
    before = [p.data.copy() for p in held]
    opt.step()
    assert all(not np.array_equal(b, p.data) for b, p in zip(before, held))


def test_load_state_dict_into_a_lazy_module():
    source = nn.Linear(4, 3)
    lazy = nn.LazyLinear(3)
    lazy.load_state_dict(source.state_dict())
    assert type(lazy) is nn.LazyLinear and not lazy.has_uninitialized_params()
    np.testing.assert_array_equal(lazy.weight.data, source.weight.data)
    x = autograd.randn(2, 4)
    np.testing.assert_allclose(lazy(x).data, source(x).data)
    assert type(lazy) is nn.Linear and lazy.in_features == 4   # not re-initialized
    np.testing.assert_array_equal(lazy.weight.data, source.weight.data)
    conv = nn.LazyConvTranspose2d(4, 3, groups=2)
    conv.load_state_dict(nn.ConvTranspose2d(6, 4, 3, groups=2).state_dict())
    assert conv(autograd.zeros(1, 6, 2, 2)).shape == (1, 4, 4, 4) and conv.in_channels == 6
    bn = nn.LazyBatchNorm1d()
    bn.load_state_dict(nn.BatchNorm1d(5).state_dict())
    assert bn(autograd.randn(3, 5)).shape == (3, 5) and bn.num_features == 5


def test_uninitialized_state_round_trips_and_dtype_follows_to():
    lazy = nn.LazyBatchNorm2d()
    other = nn.LazyBatchNorm2d()
    other.load_state_dict(lazy.state_dict())    # uninitialized into uninitialized
    assert other.has_uninitialized_params()
    assert isinstance(lazy.running_mean, UninitializedBuffer)
    model = nn.LazyConv2d(2, 1).double()        # before the dry run, as torch's docs do
    model(autograd.zeros(1, 3, 2, 2, dtype=autograd.float64))
    assert model.weight.dtype == np.float64 and model.bias.dtype == np.float64


def test_uninitialized_parameter_refuses_use_as_torch():
    p = nn.LazyLinear(3).weight
    assert repr(p) == "<UninitializedParameter>" and p.requires_grad and p.dtype == np.float32
    with pytest.raises(RuntimeError, match="shape of an uninitialized"):
        p.shape
    for use in (lambda: p + 1, lambda: 2 * p, lambda: p.sum(), lambda: p.numel(),
                lambda: p[0], lambda: nn.functional.linear(autograd.ones(2, 3), p)):
        with pytest.raises(ValueError, match="uninitialized parameter"):
            use()
    assert p in [p]          # identity, not data, in containers


def test_deepcopy_before_the_dry_run_stays_lazy_and_independent():
    model = nn.Sequential(nn.LazyLinear(3))
    twin = copy.deepcopy(model)
    twin(autograd.zeros(1, 7))
    assert type(twin[0]) is nn.Linear and twin[0].in_features == 7
    assert type(model[0]) is nn.LazyLinear and model[0].has_uninitialized_params()
    model(autograd.zeros(1, 2))
    assert model[0].in_features == 2


def test_errors_as_torch():
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D"):
        nn.LazyConv2d(4, 3)(autograd.zeros(3, 5))
    conv = nn.LazyConv2d(4, 3, groups=2)
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        conv(autograd.zeros(1, 3, 5, 5))
    assert conv.has_uninitialized_params()
    with pytest.raises(ValueError):
        nn.LazyLinear(3)(autograd.tensor(1.0))


def test_load_state_dict_through_a_parent_of_lazy_children_as_torch():
    ref = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    state = {k: v.detach().numpy() for k, v in ref.state_dict().items()}
    ours = nn.Sequential(nn.LazyLinear(3), nn.ReLU(), nn.LazyLinear(2))
    theirs = torch.nn.Sequential(torch.nn.LazyLinear(3), torch.nn.ReLU(),
                                 torch.nn.LazyLinear(2))
    ours.load_state_dict(state)
    theirs.load_state_dict(ref.state_dict())
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    # (float32 products: an ulp apart on some runs, as BLAS splits the work between threads)
    np.testing.assert_allclose(ours(autograd.tensor(x)).detach().numpy(),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-6,
                               atol=1e-6)
