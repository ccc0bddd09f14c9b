"""Compatibility with torch.optim: groups loaded from older checkpoints, the dtype of scalar
state (NAdam's mu_product, ASGD's eta and mu), tensor betas and the types of group defaults."""
import copy

import numpy as np
import pytest

import autograd
import nn
import optim

torch = pytest.importorskip("torch")

ALL = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
       "ASGD", "Rprop"]
# options away from their defaults, so that a key filled from the wrong place shows
NON_DEFAULT = {
    "SGD": dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1),
    "Adam": dict(lr=0.05, amsgrad=True, weight_decay=0.1, decoupled_weight_decay=True),
    "AdamW": dict(lr=0.05, amsgrad=True, weight_decay=0.3),
    "RMSprop": dict(lr=0.01, momentum=0.5, centered=True),
    "Adagrad": dict(lr=0.1, lr_decay=0.01),
    "Adadelta": dict(lr=0.5, rho=0.5),
    "Adamax": dict(lr=0.05, betas=(0.5, 0.9)),
    "NAdam": dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True),
    "RAdam": dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True),
    "ASGD": dict(lr=0.1, lambd=0.05, t0=2),
    "Rprop": dict(lr=0.05, etas=(0.4, 1.5)),
}
FLAGS = dict(maximize=True, foreach=False)


@pytest.fixture
def float64_default():
    """Both libraries' default dtype float64 for the test, then float32 again."""
    autograd.set_default_dtype(autograd.float64)
    torch.set_default_dtype(torch.float64)
    yield
    autograd.set_default_dtype(autograd.float32)
    torch.set_default_dtype(torch.float32)


def _pair(name, kwargs, dtype=np.float64, ours_kw=None, torch_kw=None):
    """Our and torch's optimizer on the same W (3, 2) and b (2,)."""
    rng = np.random.default_rng(0)
    inits = [rng.normal(size=(3, 2)).astype(dtype), rng.normal(size=(2,)).astype(dtype)]
    ours = [nn.Parameter(a.copy()) for a in inits]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in inits]
    opt_o = getattr(optim, name)(ours, **{**kwargs, **(ours_kw or {})})
    opt_t = getattr(torch.optim, name)(theirs, **{"foreach": False, **kwargs,
                                                  **(torch_kw or {})})
    return ours, theirs, opt_o, opt_t


def _steps(n, ours, theirs, opt_o, opt_t, rtol=1e-10, atol=1e-13):
    """n steps of both on sum(tanh(W) * c) + sum(b^2 * c'), with the parameters compared."""
    c = np.linspace(-1.0, 1.5, 6).reshape(3, 2)
    for step in range(n):
        for opt, (w, b), lib in ((opt_o, ours, autograd), (opt_t, theirs, torch)):
            opt.zero_grad()
            cw = lib.tensor(c.astype(np.asarray(w.data).dtype))
            ((w.tanh() * cw).sum() + (b * b * cw[0]).sum()).backward()
            opt.step()
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"step {step}")


# ------------------------------------------------------------ groups from old checkpoints
def test_adamw_loads_a_group_saved_before_decoupled_weight_decay_as_adamw():
    p = nn.Parameter(autograd.tensor(np.ones(3)))
    q = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    opts = optim.AdamW([p], lr=0.1, weight_decay=0.5), torch.optim.AdamW([q], lr=0.1,
                                                                         weight_decay=0.5)
    for opt in opts:
        sd = opt.state_dict()
        del sd["param_groups"][0]["decoupled_weight_decay"]  # a torch <= 2.5 AdamW checkpoint
        opt.load_state_dict(sd)
        assert opt.param_groups[0]["decoupled_weight_decay"] is True
    p.grad, q.grad = autograd.tensor(np.zeros(3)), torch.zeros(3, dtype=torch.float64)
    for opt in opts:
        opt.step()
    np.testing.assert_array_equal(q.detach().numpy(), 0.95)  # p *= 1 - lr * wd, not L2
    np.testing.assert_array_equal(p.data, q.detach().numpy())


def test_adamw_stays_decoupled_when_a_group_says_otherwise():
    ours, theirs, opt_o, opt_t = _pair("AdamW", dict(lr=0.05, weight_decay=0.3))
    _steps(2, ours, theirs, opt_o, opt_t)
    for opt in (opt_o, opt_t):
        sd = opt.state_dict()
        sd["param_groups"][0]["decoupled_weight_decay"] = False  # an Adam state dict
        opt.load_state_dict(sd)
        assert opt.param_groups[0]["decoupled_weight_decay"] is True
    _steps(3, ours, theirs, opt_o, opt_t)


@pytest.mark.parametrize("name", ALL)
def test_a_loaded_group_that_lacks_a_key_gets_it_like_torch(name):
    """Options torch added later get the value torch's __setstate__ gives them (the option
    off, not this optimizer's setting); any other key, where torch would raise KeyError at
    step(), takes this optimizer's default."""
    kwargs = {**NON_DEFAULT[name], **FLAGS}
    ours, theirs, opt_o, opt_t = _pair(name, kwargs)
    _steps(3, ours, theirs, opt_o, opt_t)
    saved_o, saved_t = opt_o.state_dict(), opt_t.state_dict()
    checked_like_torch = 0
    for key in sorted(k for k in saved_t["param_groups"][0] if k != "params"):
        mine, theirs2, new_o, new_t = _pair(name, kwargs)
        with torch.no_grad():
            for p, q, p0, q0 in zip(mine, theirs2, ours, theirs):
                p.data = p0.data.copy()
                q.copy_(q0)
        sd_o, sd_t = copy.deepcopy(saved_o), copy.deepcopy(saved_t)
        del sd_o["param_groups"][0][key], sd_t["param_groups"][0][key]
        new_o.load_state_dict(sd_o)
        new_t.load_state_dict(sd_t)
        got = new_o.param_groups[0][key]
        if key in new_t.param_groups[0]:
            want = new_t.param_groups[0][key]
            assert (type(got), got) == (type(want), want), key
            _steps(3, mine, theirs2, new_o, new_t)       # and the steps are torch's
            checked_like_torch += 1
        else:                                            # torch: KeyError at step()
            assert got == new_o.defaults[key], key
            new_o.step()
    assert checked_like_torch >= 3                       # maximize, foreach, differentiable ...


def test_legacy_values_are_the_options_off_not_this_optimizers_settings():
    p = nn.Parameter(np.zeros(2))
    opt = optim.Adam([p], amsgrad=True, maximize=True)
    sd = opt.state_dict()
    for key in ("amsgrad", "maximize", "betas"):
        del sd["param_groups"][0][key]
    opt.load_state_dict(sd)
    group = opt.param_groups[0]
    assert (group["amsgrad"], group["maximize"]) == (False, False)   # torch's __setstate__
    assert group["betas"] == (0.9, 0.999)                            # from the defaults


def test_a_loaded_group_still_needs_a_required_option():
    class Needy(optim.SGD):
        def __init__(self, params):
            super().__init__(params)
            self.defaults["lr"] = optim.optimizer.required
    opt = Needy([nn.Parameter(np.zeros(2))])
    sd = opt.state_dict()
    del sd["param_groups"][0]["lr"]
    with pytest.raises(ValueError, match="required optimization parameter lr"):
        opt.load_state_dict(sd)


@pytest.mark.parametrize("name", ALL + ["LBFGS"])
def test_group_defaults_have_torch_s_values_and_types(name):
    ours = getattr(optim, name)([nn.Parameter(np.zeros(2))])
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)])
    go, gt = ours.param_groups[0], theirs.param_groups[0]
    assert {k: (type(v), v) for k, v in go.items() if k != "params"} == \
        {k: (type(v), v) for k, v in gt.items() if k != "params"}


# ------------------------------------------------------------ the dtype of scalar state
SCALAR_STATE = [("NAdam", dict(lr=0.1)),
                ("NAdam", dict(lr=0.1, momentum_decay=0.3, weight_decay=0.1)),
                ("ASGD", dict(lr=0.1)),
                ("ASGD", dict(lr=0.1, lambd=0.05, alpha=0.5, t0=5, weight_decay=0.1))]
SCALAR_IDS = [f"{n}-{kw}" for n, kw in SCALAR_STATE]


def _scalar_keys(name):
    return ("mu_product",) if name == "NAdam" else ("eta", "mu")


def _same_scalar_state(opt_o, opt_t, name, dtype):
    for p, q in zip(opt_o.param_groups[0]["params"], opt_t.param_groups[0]["params"]):
        for key in _scalar_keys(name):
            mine, theirs = opt_o.state[p][key], opt_t.state[q][key]
            assert np.asarray(mine).dtype == dtype == theirs.numpy().dtype, key
            assert float(mine) == theirs.item(), key


@pytest.mark.parametrize("name,kwargs", SCALAR_STATE, ids=SCALAR_IDS)
def test_scalar_state_is_float64_under_a_float64_default(name, kwargs, float64_default):
    ours, theirs, opt_o, opt_t = _pair(name, kwargs)
    _steps(20, ours, theirs, opt_o, opt_t, rtol=1e-13, atol=1e-15)
    _same_scalar_state(opt_o, opt_t, name, np.float64)


@pytest.mark.parametrize("name,kwargs", SCALAR_STATE, ids=SCALAR_IDS)
def test_scalar_state_keeps_the_dtype_it_was_created_in(name, kwargs, float64_default):
    ours, theirs, opt_o, opt_t = _pair(name, kwargs)
    _steps(3, ours, theirs, opt_o, opt_t, rtol=1e-13, atol=1e-15)
    autograd.set_default_dtype(autograd.float32)   # read at each step, not at import
    torch.set_default_dtype(torch.float32)
    _steps(10, ours, theirs, opt_o, opt_t, rtol=1e-13, atol=1e-15)
    _same_scalar_state(opt_o, opt_t, name, np.float64)
    ours, theirs, opt_o, opt_t = _pair(name, kwargs)  # made under float32: stays float32
    _steps(3, ours, theirs, opt_o, opt_t)
    autograd.set_default_dtype(autograd.float64)
    torch.set_default_dtype(torch.float64)
    _steps(10, ours, theirs, opt_o, opt_t)
    _same_scalar_state(opt_o, opt_t, name, np.float32)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kwargs", SCALAR_STATE[::2], ids=SCALAR_IDS[::2])
def test_loaded_scalar_state_takes_the_parameters_dtype_like_torch(name, kwargs, dtype):
    ours, theirs, opt_o, opt_t = _pair(name, kwargs, dtype=dtype)
    # float32: an ulp of tanh apart (numpy's and torch's differ by CPU), near-zero entries too
    tol = dict(rtol=1e-5, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-10)
    _steps(5, ours, theirs, opt_o, opt_t, **tol)
    sd = opt_t.state_dict()                  # float32 0-d tensors
    opt_o.load_state_dict(sd)
    opt_t.load_state_dict(sd)                # torch casts them to the parameters' dtype
    _same_scalar_state(opt_o, opt_t, name, dtype)
    _steps(10, ours, theirs, opt_o, opt_t, **tol)
    sd = opt_t.state_dict()                  # plain numbers: the default scalar dtype
    for s in sd["state"].values():
        for key in _scalar_keys(name):
            s[key] = s[key].item()
    opt_o.load_state_dict(sd)
    opt_t.load_state_dict(sd)
    _same_scalar_state(opt_o, opt_t, name, np.float32)


# ------------------------------------------------------------ tensor betas
ADAM_FAMILY = [("Adam", dict(lr=0.05)), ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
               ("AdamW", dict(lr=0.05)), ("Adamax", dict(lr=0.05)), ("NAdam", dict(lr=0.05)),
               ("RAdam", dict(lr=0.05))]


@pytest.mark.parametrize("betas", [(0.9, 0.99), (0.3, 0.6)])
@pytest.mark.parametrize("make", [autograd.tensor, lambda b: np.array(b, np.float32)],
                         ids=["Tensor", "ndarray"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,kwargs", ADAM_FAMILY, ids=[f"{n}-{kw}" for n, kw in ADAM_FAMILY])
def test_0d_tensor_betas_are_accepted_and_track_torch(name, kwargs, dtype, make, betas):
    ours_b, torch_b = tuple(make(b) for b in betas), tuple(torch.tensor(b) for b in betas)
    ours, theirs, opt_o, opt_t = _pair(name, kwargs, dtype=dtype, ours_kw=dict(betas=ours_b),
                                       torch_kw=dict(betas=torch_b))
    assert opt_o.param_groups[0]["betas"] == ours_b
    # torch does the scalar arithmetic on tensor betas in float32 0-d tensors; ours in numpy
    # float32 scalars, which round a few operations differently (torch takes b ** 3 as
    # b * b * b and x / t as reciprocal(t) * x): an ulp of float32, which 1 - b2 ** 3 can
    # magnify to ~1e-6 of a step
    if dtype == np.float64:
        _steps(20, ours, theirs, opt_o, opt_t, rtol=2e-6, atol=2e-7)
    else:
        _steps(20, ours, theirs, opt_o, opt_t, rtol=1e-4, atol=1e-5)
    assert all(p.data.dtype == dtype for p in ours)
    sd = opt_o.state_dict()                                   # the betas are copied
    clones = [nn.Parameter(p.data.copy()) for p in ours]
    other = getattr(optim, name)(clones)
    other.load_state_dict(sd)
    assert [float(b) for b in other.param_groups[0]["betas"]] == \
        [float(np.float32(b)) for b in betas]


@pytest.mark.parametrize("name", ["Adam", "AdamW", "Adamax", "NAdam", "RAdam"])
def test_tensor_beta_errors(name):
    cls, p = getattr(optim, name), nn.Parameter(np.zeros(2))
    with pytest.raises(ValueError, match=rf"{name}: Tensor betas\[0\] must be 1-element"):
        cls([p], betas=(autograd.tensor([0.9, 0.8]), autograd.tensor(0.9)))
    with pytest.raises(ValueError, match="invalid beta parameter at index 1"):
        cls([p], betas=(autograd.tensor(0.9), autograd.tensor(1.0)))
    with pytest.raises(TypeError, match=r"betas\[0\] must be a real number"):
        cls([p], betas=("0.9", 0.99))
    cls([p], betas=(autograd.tensor([0.9]), np.array([0.99])))   # 1-element, as torch
