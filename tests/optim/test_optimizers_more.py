"""Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop, Adafactor against torch.optim; foreach/fused/capturable/
differentiable flags, tensor lr and clip_grad's foreach on every optimizer."""
import copy

import numpy as np
import pytest

import autograd
import nn
import optim

torch = pytest.importorskip("torch")

CONFIGS = [
    ("Adadelta", dict(lr=1.0)),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-4, weight_decay=0.1)),
    ("Adadelta", dict(lr=0.5, maximize=True)),
    ("Adamax", dict(lr=0.05)),
    ("Adamax", dict(lr=0.05, betas=(0.3, 0.6), eps=1e-3, weight_decay=0.1)),
    ("Adamax", dict(lr=0.05, maximize=True)),
    ("NAdam", dict(lr=0.05)),
    ("NAdam", dict(lr=0.05, momentum_decay=0.3, weight_decay=0.1)),  # float32 mu_product
    ("NAdam", dict(lr=0.05, weight_decay=0.2, decoupled_weight_decay=True, maximize=True)),
    ("NAdam", dict(lr=0.05, betas=(0.4, 0.7), eps=1e-3)),
    ("RAdam", dict(lr=0.05)),                                  # rho_t > 5 from step 6
    ("RAdam", dict(lr=0.05, betas=(0.9, 0.6))),                # rho_t never > 5
    ("RAdam", dict(lr=0.05, weight_decay=0.1)),
    ("RAdam", dict(lr=0.05, weight_decay=0.2, decoupled_weight_decay=True, maximize=True)),
    ("ASGD", dict(lr=0.1)),
    ("ASGD", dict(lr=0.1, lambd=0.05, alpha=0.5, t0=5, weight_decay=0.1)),  # averaging on
    ("ASGD", dict(lr=0.1, t0=0, maximize=True)),
    ("Rprop", dict(lr=0.05)),
    ("Rprop", dict(lr=0.2, etas=(0.3, 1.5), step_sizes=(1e-3, 0.25))),
    ("Rprop", dict(lr=0.05, maximize=True)),
    ("Adafactor", dict(lr=0.05)),
    ("Adafactor", dict(lr=0.05, beta2_decay=-0.5, eps=(1e-6, 1e-2), d=1.5, weight_decay=0.1)),
    ("Adafactor", dict(lr=0.05, maximize=True)),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, kw in CONFIGS]
RTOL, ATOL = 1e-10, 1e-13


def _problem(dtype):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 3)), 0.5 * rng.normal(size=(8, 2))
    W0, b0 = rng.normal(size=(3, 2)), rng.normal(size=(2,))
    return [a.astype(dtype) for a in (X, y, W0, b0)]


def _loss_ours(ps, X, y):
    return (((autograd.tensor(X) @ ps[0] + ps[1]).tanh() - autograd.tensor(y)) ** 2).mean()


def _loss_torch(ps, X, y):
    return ((torch.tanh(torch.from_numpy(X) @ ps[0] + ps[1]) - torch.from_numpy(y)) ** 2).mean()


def _make(name, kwargs, dtype=np.float64, ours_kw=None, torch_kw=None):
    """Our and torch's optimizer on identical W (3, 2), b (2,) and an unused (4,)."""
    X, y, W0, b0 = _problem(dtype)
    inits = (W0, b0, np.arange(4, dtype=dtype))
    ours = [nn.Parameter(a.copy()) for a in inits]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in inits]
    opt_o = getattr(optim, name)(ours, **{**kwargs, **(ours_kw or {})})
    opt_t = getattr(torch.optim, name)(theirs, **{"foreach": False, **kwargs, **(torch_kw or {})})
    return (X, y), ours, theirs, opt_o, opt_t


def _step(opt, ps, loss, data):
    opt.zero_grad()
    loss(ps, *data).backward()
    opt.step()


def _same_params(ours, theirs, rtol=RTOL, atol=ATOL, msg=""):
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=rtol, atol=atol, err_msg=msg)


def _same_state(opt_o, opt_t):
    so, st = opt_o.state_dict()["state"], opt_t.state_dict()["state"]
    assert so.keys() == st.keys() == {0, 1}
    for i in st:
        assert so[i].keys() == st[i].keys(), (so[i].keys(), st[i].keys())
        for k, v in st[i].items():
            np.testing.assert_allclose(so[i][k], v.numpy(), rtol=RTOL, atol=ATOL, err_msg=k)


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_trajectory_and_state_match_torch(name, kwargs):
    data, ours, theirs, opt_o, opt_t = _make(name, kwargs)
    start = ours[0].data.copy()
    for step in range(20):
        _step(opt_o, ours, _loss_ours, data)
        _step(opt_t, theirs, _loss_torch, data)
        _same_params(ours, theirs, msg=f"step {step}")
    assert not np.allclose(ours[0].data, start)
    np.testing.assert_array_equal(ours[2].data, np.arange(4))   # no grad: untouched, no state
    assert ours[2] not in opt_o.state
    _same_state(opt_o, opt_t)


def test_the_configs_reach_their_branches():
    _, ours, _, opt, _ = _make("Rprop", dict(lr=0.2, etas=(0.3, 1.5), step_sizes=(1e-3, 0.25)))
    data = _problem(np.float64)[:2]
    sizes = set()
    for _ in range(20):
        _step(opt, ours, _loss_ours, data)
        sizes |= set(np.round(opt.state[ours[0]]["step_size"].ravel(), 12))
    assert 0.25 in sizes and any(s < 0.2 for s in sizes)        # clamped above, shrunk on a flip
    _, ours, _, opt, _ = _make("ASGD", dict(lr=0.1, lambd=0.05, alpha=0.5, t0=5))
    for _ in range(8):
        _step(opt, ours, _loss_ours, data)
    assert 0 < opt.state[ours[0]]["mu"] < 1                     # the running average is on
    assert not np.allclose(opt.state[ours[0]]["ax"], ours[0].data)


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_float32_stays_float32_and_tracks_torch(name, kwargs):
    data, ours, theirs, opt_o, opt_t = _make(name, kwargs, dtype=np.float32)
    for _ in range(6):
        _step(opt_o, ours, _loss_ours, data)
        _step(opt_t, theirs, _loss_torch, data)
    assert all(p.data.dtype == np.float32 for p in ours)
    for s in opt_o.state.values():
        assert all(v.dtype == np.float32 for v in s.values() if isinstance(v, np.ndarray))
    _same_params(ours, theirs, rtol=1e-4, atol=1e-5)


@pytest.fixture(params=[np.float32, np.float64])
def params_dtype(request):
    """The parameters' dtype, made the default dtype for the test (then restored)."""
    previous = autograd.get_default_dtype()
    autograd.set_default_dtype(request.param)
    yield request.param
    autograd.set_default_dtype(previous)


@pytest.mark.parametrize("name,kwargs", CONFIGS[::3], ids=IDS[::3])
def test_state_dict_round_trip_resumes_identically(name, kwargs, params_dtype):
    # exact when scalar state (NAdam's mu_product) is in the parameters' dtype: loading casts
    # it to that dtype, as torch does (float64 parameters under a float32 default change it)
    data, ours, _, opt, _ = _make(name, kwargs, dtype=params_dtype)
    for _ in range(8):
        _step(opt, ours, _loss_ours, data)
    sd = opt.state_dict()
    frozen = copy.deepcopy(sd)
    clones = [nn.Parameter(p.data.copy()) for p in ours]
    other = getattr(optim, name)(clones, lr=123.0)     # hyper-parameters come from the dict
    other.load_state_dict(sd)
    assert other.param_groups[0]["lr"] == kwargs["lr"]
    for _ in range(8):
        _step(opt, ours, _loss_ours, data)
        _step(other, clones, _loss_ours, data)
    for p, q in zip(ours, clones):
        np.testing.assert_array_equal(p.data, q.data)
    for i, s in frozen["state"].items():                # the saved dict holds copies
        for k, v in s.items():
            np.testing.assert_array_equal(sd["state"][i][k], v)


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_state_dicts_exchange_with_torch(name, kwargs):
    data, ours, theirs, opt_o, opt_t = _make(name, kwargs)
    for _ in range(7):
        _step(opt_t, theirs, _loss_torch, data)
    for p, q in zip(ours, theirs):
        p.data = q.detach().numpy().copy()
    opt_o.load_state_dict(opt_t.state_dict())             # torch -> ours
    for _ in range(7):
        _step(opt_o, ours, _loss_ours, data)
        _step(opt_t, theirs, _loss_torch, data)
    _same_params(ours, theirs)
    sd = opt_o.state_dict()                               # ours -> torch, arrays as tensors
    sd["state"] = {i: {k: torch.tensor(v) for k, v in s.items()} for i, s in sd["state"].items()}
    _, _, fresh, _, opt_f = _make(name, kwargs)
    with torch.no_grad():
        for q, p in zip(fresh, ours):
            q.copy_(torch.from_numpy(p.data))
    opt_f.load_state_dict(sd)
    for _ in range(5):
        _step(opt_o, ours, _loss_ours, data)
        _step(opt_f, fresh, _loss_torch, data)
    _same_params(ours, fresh)


ALL = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
       "ASGD", "Rprop"]


@pytest.mark.parametrize("name", ALL)
def test_param_group_keys_and_defaults_are_torch_s(name):
    ours = getattr(optim, name)([nn.Parameter(np.zeros(2))])
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)])
    go, gt = ours.param_groups[0], theirs.param_groups[0]
    assert set(go) == set(gt)
    assert {k: go[k] for k in go if k != "params"} == {k: gt[k] for k in gt if k != "params"}


@pytest.mark.parametrize("name", ALL)
def test_implementation_flags_are_accepted_and_change_nothing(name):
    kwargs = dict(lr=0.05)
    flags = [dict(foreach=True), dict(foreach=False), dict(foreach=None)]
    torch_defaults = getattr(torch.optim, name)([torch.zeros(1)]).defaults
    if "capturable" in torch_defaults:    # only the keywords torch takes for this optimizer
        flags.append(dict(capturable=True))
    if "fused" in torch_defaults:
        flags += [dict(fused=True), dict(fused=False)]
    data, ours, _, plain, _ = _make(name, kwargs)
    for _ in range(3):
        _step(plain, ours, _loss_ours, data)
    for f in flags:
        _, mine, _, opt, _ = _make(name, kwargs, ours_kw=f)
        for key, value in f.items():
            assert opt.param_groups[0][key] == value
        for _ in range(3):
            _step(opt, mine, _loss_ours, data)
        for p, q in zip(mine, ours):
            np.testing.assert_array_equal(p.data, q.data, err_msg=str(f))


@pytest.mark.parametrize("name", ALL)
def test_flag_errors(name):
    p = nn.Parameter(np.zeros(2))
    cls = getattr(optim, name)
    with pytest.raises(NotImplementedError, match=f"{name}: differentiable=True"):
        cls([p], differentiable=True)
    opt = cls([p])
    with pytest.raises(NotImplementedError, match="differentiable"):
        opt.add_param_group({"params": [nn.Parameter(np.zeros(1))], "differentiable": True})
    if "fused" in opt.defaults:
        with pytest.raises(RuntimeError, match="`fused` and `foreach` cannot"):
            cls([p], fused=True, foreach=True)
    else:  # as in torch: the keyword does not exist
        with pytest.raises(TypeError):
            cls([p], fused=True)
        with pytest.raises(TypeError):
            getattr(torch.optim, name)([torch.zeros(1)], fused=True)


@pytest.mark.parametrize("name", ALL)
def test_tensor_lr_matches_torch_and_schedulers_fill_it(name):
    kwargs = dict(lr=0.05)
    lr_o, lr_t = autograd.tensor(0.05), torch.tensor(0.05)   # float32, like torch's default
    data, ours, theirs, opt_o, opt_t = _make(name, kwargs, ours_kw=dict(lr=lr_o),
                                             torch_kw=dict(lr=lr_t))
    s_o = optim.lr_scheduler.StepLR(opt_o, step_size=2, gamma=0.5)
    s_t = torch.optim.lr_scheduler.StepLR(opt_t, step_size=2, gamma=0.5)
    for step in range(6):
        _step(opt_o, ours, _loss_ours, data)
        _step(opt_t, theirs, _loss_torch, data)
        s_o.step()
        s_t.step()
        _same_params(ours, theirs, msg=f"step {step}")
    assert opt_o.param_groups[0]["lr"] is lr_o                  # filled in place, as torch
    assert lr_o.item() == lr_t.item() == np.float32(0.05) / 8
    assert [x.item() for x in s_o.get_last_lr()] == [x.item() for x in s_t.get_last_lr()]
    assert opt_o.param_groups[0]["initial_lr"] is not lr_o


def test_tensor_lr_errors():
    p = nn.Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="Adam: Tensor lr must be 1-element"):
        optim.Adam([p], lr=autograd.tensor([0.1, 0.2]))
    with pytest.raises(ValueError, match="learning rate"):
        optim.SGD([p], lr=autograd.tensor(-0.1))


BAD = [
    (optim.Adadelta, dict(rho=1.5), ValueError, "Adadelta: invalid rho value: 1.5"),
    (optim.Adadelta, dict(rho=-0.1), ValueError, "rho"),
    (optim.Adadelta, dict(lr=-1.0), ValueError, "learning rate"),
    (optim.Adadelta, dict(eps=-1.0), ValueError, "epsilon"),
    (optim.Adadelta, dict(weight_decay=-1.0), ValueError, "weight_decay"),
    (optim.Adamax, dict(betas=(1.0, 0.9)), ValueError, "Adamax: invalid beta parameter at ind"),
    (optim.Adamax, dict(eps=-1.0), ValueError, "epsilon"),
    (optim.NAdam, dict(momentum_decay=-1.0), ValueError, "NAdam: invalid momentum_decay"),
    (optim.NAdam, dict(betas=(0.9, 1.0)), ValueError, "index 1"),
    (optim.NAdam, dict(weight_decay=-1.0), ValueError, "weight_decay"),
    (optim.RAdam, dict(betas=(0.9,)), ValueError, "RAdam: betas must be a pair"),
    (optim.RAdam, dict(lr=float("nan")), ValueError, "learning rate"),
    (optim.ASGD, dict(weight_decay=-1.0), ValueError, "ASGD: invalid weight_decay"),
    (optim.ASGD, dict(t0="1"), TypeError, "ASGD: t0 must be a real number"),
    (optim.Rprop, dict(etas=(1.5, 1.2)), ValueError, "Rprop: invalid eta values: 1.5, 1.2"),
    (optim.Rprop, dict(etas=(0.5, 0.9)), ValueError, "eta values"),
    (optim.Rprop, dict(step_sizes=(1.0, 0.1)), ValueError, "Rprop: invalid step_sizes"),
    (optim.Rprop, dict(lr=-0.1), ValueError, "learning rate"),
]


@pytest.mark.parametrize("cls,kwargs,exc,match", BAD,
                         ids=[f"{c.__name__}-{kw}" for c, kw, _, _ in BAD])
def test_invalid_hyperparameters_raise(cls, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        cls([nn.Parameter(np.zeros(2))], **kwargs)
    opt = cls([nn.Parameter(np.zeros(2))])
    with pytest.raises(exc, match=match):
        opt.add_param_group(dict(kwargs, params=[nn.Parameter(np.zeros(2))]))
    assert len(opt.param_groups) == 1


def test_update_is_in_place_and_leaves_grad_alone():
    p = nn.Parameter(np.ones((2, 2), np.float32))
    arr = p._data
    for name in ALL[5:]:
        p.grad = autograd.tensor(np.full((2, 2), 0.5, np.float32))
        grad = p.grad.data.copy()
        getattr(optim, name)([p], lr=0.1).step()
        assert p._data is arr and p.data.dtype == np.float32
        np.testing.assert_array_equal(p.grad.data, grad)


@pytest.mark.parametrize("foreach", [None, False, True])
def test_clip_grad_accepts_foreach(foreach):
    ours, theirs = nn.Parameter(np.arange(4.0)), torch.arange(4.0, dtype=torch.float64)
    theirs.requires_grad_()
    ours.grad = autograd.tensor(np.arange(4.0) - 1)
    theirs.grad = torch.arange(4.0, dtype=torch.float64) - 1
    n_o = nn.utils.clip_grad_norm_([ours], 1.0, foreach=foreach)
    n_t = torch.nn.utils.clip_grad_norm_([theirs], 1.0, foreach=foreach)
    assert n_o.item() == pytest.approx(n_t.item(), rel=1e-12)
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12)
    nn.utils.clip_grad_value_([ours], 0.1, foreach=foreach)
    torch.nn.utils.clip_grad_value_([theirs], 0.1, foreach=foreach)
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12)
    total = nn.utils.get_total_norm([ours.grad], foreach=foreach)
    nn.utils.clip_grads_with_norm_([ours], 0.05, total, foreach=foreach)
    assert np.linalg.norm(ours.grad.data) == pytest.approx(0.05, rel=1e-4)


def test_adafactor_defaults_state_and_errors_as_torch():
    ours = optim.Adafactor([nn.Parameter(np.zeros((3, 2))), nn.Parameter(np.zeros(2))])
    theirs = torch.optim.Adafactor([torch.zeros(3, 2, requires_grad=True),
                                    torch.zeros(2, requires_grad=True)])
    go, gt = ours.param_groups[0], theirs.param_groups[0]
    assert {k: go[k] for k in go if k != "params"} == {k: gt[k] for k in gt if k != "params"}
    for opt, ps in ((ours, ours.param_groups[0]["params"]), (theirs, gt["params"])):
        for p in ps:
            p.grad = p.detach() + 1
        opt.step()
    for i, shapes in enumerate([{"row_var": (3, 1), "col_var": (1, 2)}, {"variance": (2,)}]):
        state = ours.state[go["params"][i]]
        assert {k: tuple(v.shape) for k, v in state.items() if k != "step"} == shapes
        assert set(state) == set(theirs.state[gt["params"][i]])
    for kw, match in [(dict(beta2_decay=0.5), "beta2_decay should be <= 0"),
                      (dict(eps=(-1.0, 1e-3)), "epsilon1 should be >= 0"),
                      (dict(eps=(None, -1.0)), "epsilon2 should be >= 0"),
                      (dict(d=0.5), "d should be >= 1"),
                      (dict(weight_decay=-0.1), "weight_decay should be >= 0")]:
        with pytest.raises(ValueError, match=match):
            torch.optim.Adafactor([torch.zeros(1, requires_grad=True)], **kw)
        with pytest.raises(ValueError, match=f"Adafactor: .*{match}"):
            optim.Adafactor([nn.Parameter(np.zeros(1))], **kw)


@pytest.mark.parametrize("name", ["NAdam", "ASGD"])
def test_scalar_state_is_tensors_so_torch_load_reads_a_saved_optimizer(name):
    # numpy scalars in the state (mu_product, eta, mu) made torch.load(weights_only=True)
    # refuse the checkpoint
    import io
    data, ours, theirs, opt_o, opt_t = _make(name, dict(lr=0.05))
    for _ in range(3):
        _step(opt_o, ours, _loss_ours, data)
        _step(opt_t, theirs, _loss_torch, data)
    for key in opt_o._scalar_state:
        value = opt_o.state[ours[0]][key]
        assert isinstance(value, autograd.Tensor) and value.shape == ()
    buf = io.BytesIO()
    autograd.save({"optimizer": opt_o.state_dict()}, buf)
    buf.seek(0)
    loaded = torch.load(buf, weights_only=True)["optimizer"]
    for key in opt_o._scalar_state:
        assert torch.is_tensor(loaded["state"][0][key])
        np.testing.assert_allclose(loaded["state"][0][key].item(),
                                   opt_t.state_dict()["state"][0][key].item(), rtol=1e-12)
