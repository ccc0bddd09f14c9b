"""state['step'] against torch.optim: a 0-d tensor of torch's dtype, advanced in place, and
carried through state_dict / load_state_dict (ours, torch's, and older checkpoints where it is
a number)."""
import copy
import io

import numpy as np
import pytest

import autograd
import nn
import optim
from tests.optim.test_optimizer_compat import _steps

torch = pytest.importorskip("torch")

# every optimizer whose torch counterpart keeps state['step'] as a 0-d tensor
STEPPED = ["Adam", "AdamW", "NAdam", "RAdam", "Adamax", "ASGD", "Rprop", "RMSprop", "Adagrad",
           "Adadelta"]
FUSED = ["Adam", "AdamW", "Adagrad"]     # the ones with a `fused` option that count in float32


@pytest.fixture
def float64_default():
    """Both libraries' default dtype float64 for the test, then float32 again."""
    autograd.set_default_dtype(autograd.float64)
    torch.set_default_dtype(torch.float64)
    yield
    autograd.set_default_dtype(autograd.float32)
    torch.set_default_dtype(torch.float32)


def _pair(name, dtype=np.float64, **kwargs):
    """Our and torch's optimizer on the same W (3, 2) and b (2,)."""
    rng = np.random.default_rng(0)
    inits = [rng.normal(size=(3, 2)).astype(dtype), rng.normal(size=(2,)).astype(dtype)]
    ours = [nn.Parameter(a.copy()) for a in inits]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in inits]
    kwargs = {"lr": 0.05, **kwargs}
    torch_kwargs = kwargs if kwargs.get("fused") else {"foreach": False, **kwargs}
    return (ours, theirs, getattr(optim, name)(ours, **kwargs),
            getattr(torch.optim, name)(theirs, **torch_kwargs))


def _same_steps(opt_o, opt_t, dtype):
    """Every state['step'] of both: a 0-d tensor of `dtype`, with the same value."""
    for p, q in zip(opt_o.param_groups[0]["params"], opt_t.param_groups[0]["params"]):
        mine, theirs = opt_o.state[p]["step"], opt_t.state[q]["step"]
        assert isinstance(mine, autograd.Tensor) and torch.is_tensor(theirs)
        assert mine.shape == () == tuple(theirs.shape)
        assert mine.dtype == dtype == theirs.numpy().dtype
        assert mine.item() == theirs.item() and int(mine) == int(theirs)
        assert not mine.requires_grad and not theirs.requires_grad


# ------------------------------------------------------------ what the step is
@pytest.mark.parametrize("name", STEPPED)
def test_step_is_a_0d_float32_tensor_like_torch_s(name):
    ours, theirs, opt_o, opt_t = _pair(name)
    _steps(3, ours, theirs, opt_o, opt_t)
    _same_steps(opt_o, opt_t, np.float32)
    assert opt_o.state[ours[0]]["step"].item() == 3.0
    assert f"{opt_o.state[ours[0]]['step'].item():.0f}" == "3"


@pytest.mark.parametrize("name", STEPPED)
def test_step_is_float64_under_a_float64_default_like_torch_s(name, float64_default):
    ours, theirs, opt_o, opt_t = _pair(name)
    _steps(2, ours, theirs, opt_o, opt_t)
    _same_steps(opt_o, opt_t, np.float64)


@pytest.mark.parametrize("name", FUSED)
def test_a_fused_group_counts_in_float32_like_torch_s(name, float64_default):
    ours, theirs, opt_o, opt_t = _pair(name, fused=True)
    _steps(2, ours, theirs, opt_o, opt_t, rtol=1e-6, atol=1e-9)   # torch's fused kernel
    _same_steps(opt_o, opt_t, np.float32)


def test_adagrad_has_its_step_from_construction_like_torch():
    ours, theirs, opt_o, opt_t = _pair("Adagrad")
    _same_steps(opt_o, opt_t, np.float32)
    assert opt_o.state[ours[0]]["step"].item() == 0.0


@pytest.mark.parametrize("name", ["SGD", "LBFGS"])
def test_optimizers_without_a_step_entry_have_none_like_torch(name):
    p, q = nn.Parameter(np.array([1.0, -2.0])), torch.tensor([1.0, -2.0], requires_grad=True)
    opts = getattr(optim, name)([p], lr=0.1), getattr(torch.optim, name)([q], lr=0.1)
    for opt, x in zip(opts, (p, q)):
        def closure(opt=opt, x=x):
            opt.zero_grad()
            loss = (x * x).sum()
            loss.backward()
            return loss
        opt.step(closure)
    assert "step" not in opts[0].state[p] and "step" not in opts[1].state[q]
    if name == "LBFGS":   # its own counters: plain ints in both
        for key in ("func_evals", "n_iter"):
            assert (type(opts[0].state[p][key]), opts[0].state[p][key]) == \
                (type(opts[1].state[q][key]), opts[1].state[q][key])


@pytest.mark.parametrize("name", ["Adam", "Rprop"])
def test_the_step_tensor_is_advanced_in_place_like_torch_s(name):
    ours, theirs, opt_o, opt_t = _pair(name)
    _steps(1, ours, theirs, opt_o, opt_t)
    mine, their = opt_o.state[ours[0]]["step"], opt_t.state[theirs[0]]["step"]
    version = mine._version
    _steps(2, ours, theirs, opt_o, opt_t)
    assert opt_o.state[ours[0]]["step"] is mine and opt_t.state[theirs[0]]["step"] is their
    assert mine.item() == their.item() == 3.0 and mine._version == version + 2


def test_a_number_put_in_the_state_by_hand_is_made_a_tensor():
    """torch refuses it at step(); here it is taken, as a load_state_dict would take it."""
    ours, theirs, opt_o, opt_t = _pair("Adam")
    _steps(2, ours, theirs, opt_o, opt_t)
    for p in ours:
        opt_o.state[p]["step"] = 2
    _steps(2, ours, theirs, opt_o, opt_t)
    _same_steps(opt_o, opt_t, np.float32)


# ------------------------------------------------------------ state_dict round trips
@pytest.mark.parametrize("name", STEPPED)
def test_state_dict_round_trip_keeps_the_step_a_tensor_and_the_trajectory(name):
    ours, theirs, opt_o, opt_t = _pair(name)
    _steps(3, ours, theirs, opt_o, opt_t)
    sd = opt_o.state_dict()
    saved = sd["state"][0]["step"]
    assert isinstance(saved, autograd.Tensor) and saved.dtype == np.float32
    assert saved is not opt_o.state[ours[0]]["step"]              # a copy, not the live one
    mine = [nn.Parameter(p.data.copy()) for p in ours]
    their = [torch.tensor(q.detach().numpy().copy(), requires_grad=True) for q in theirs]
    new_o = getattr(optim, name)(mine, lr=0.05)
    new_t = getattr(torch.optim, name)(their, lr=0.05, foreach=False)
    new_o.load_state_dict(sd)
    new_t.load_state_dict(opt_t.state_dict())
    assert new_o.state[mine[0]]["step"] is not saved
    _same_steps(new_o, new_t, np.float32)
    # (NAdam's loaded mu_product takes the parameters' dtype in both: not bitwise the same
    # trajectory as without the round trip, but torch's)
    _steps(3, mine, their, new_o, new_t)
    _same_steps(new_o, new_t, np.float32)
    assert saved.item() == 3.0 and new_o.state[mine[0]]["step"].item() == 6.0


@pytest.mark.parametrize("name", ["Adam", "RMSprop", "Adagrad"])
def test_a_round_trip_does_not_change_the_updates(name):
    ours, theirs, opt_o, opt_t = _pair(name)
    _steps(3, ours, theirs, opt_o, opt_t)
    clones = [nn.Parameter(p.data.copy()) for p in ours]
    other = getattr(optim, name)(clones, lr=0.05)
    other.load_state_dict(opt_o.state_dict())
    c = np.linspace(-1.0, 1.5, 6).reshape(3, 2)
    for opt, (w, b) in ((opt_o, ours), (other, clones)):
        for _ in range(3):
            opt.zero_grad()
            cw = autograd.tensor(c)
            ((w.tanh() * cw).sum() + (b * b * cw[0]).sum()).backward()
            opt.step()
    for p, q in zip(ours, clones):
        np.testing.assert_array_equal(p.data, q.data)             # bitwise


@pytest.mark.parametrize("name", STEPPED)
def test_a_torch_state_dict_loads_with_its_step_tensors(name):
    ours, theirs, opt_o, opt_t = _pair(name)
    _steps(4, ours, theirs, opt_o, opt_t)
    fresh = [nn.Parameter(p.data.copy()) for p in ours]
    opt_o = getattr(optim, name)(fresh, lr=0.05)
    sd = opt_t.state_dict()
    opt_o.load_state_dict(sd)
    opt_t.load_state_dict(sd)
    _same_steps(opt_o, opt_t, np.float32)
    _steps(4, fresh, theirs, opt_o, opt_t)
    _same_steps(opt_o, opt_t, np.float32)


@pytest.mark.parametrize("name", ["Adam", "NAdam", "Adagrad"])
def test_a_saved_step_tensor_keeps_its_dtype_like_torch(name):
    """torch does not cast a loaded step to the parameter's dtype (pytorch#74424), except in a
    group saved fused or capturable, where it becomes float32."""
    for flags, want in (({}, np.float64), ({"capturable": True}, np.float32),
                        ({"fused": True}, np.float32)):
        ours, theirs, opt_o, opt_t = _pair(name, dtype=np.float32)
        _steps(2, ours, theirs, opt_o, opt_t, rtol=1e-6, atol=1e-7)
        sd = opt_t.state_dict()
        sd["param_groups"][0].update(flags)
        for s in sd["state"].values():
            s["step"] = s["step"].to(torch.float64)
        if "fused" in flags and "fused" not in opt_t.param_groups[0]:
            continue
        opt_o.load_state_dict(copy.deepcopy(sd))
        opt_t.load_state_dict(copy.deepcopy(sd))
        _same_steps(opt_o, opt_t, want)


@pytest.mark.parametrize("name", STEPPED)
def test_an_old_checkpoint_with_a_numeric_step_loads_like_torch(name):
    ours, theirs, opt_o, opt_t = _pair(name)
    _steps(3, ours, theirs, opt_o, opt_t)
    sd_o, sd_t = opt_o.state_dict(), opt_t.state_dict()
    for sd, plain in ((sd_o, 3.0), (sd_t, 3)):          # a float (this engine), an int (torch)
        for s in sd["state"].values():
            s["step"] = plain
    opt_o.load_state_dict(sd_o)
    opt_t.load_state_dict(sd_t)
    _same_steps(opt_o, opt_t, np.float32)
    _steps(3, ours, theirs, opt_o, opt_t)
    _same_steps(opt_o, opt_t, np.float32)


def test_an_old_checkpoint_under_a_float64_default_gives_float64_steps(float64_default):
    ours, theirs, opt_o, opt_t = _pair("RAdam")
    _steps(2, ours, theirs, opt_o, opt_t)
    sd_o, sd_t = opt_o.state_dict(), opt_t.state_dict()
    for sd in (sd_o, sd_t):
        for s in sd["state"].values():
            s["step"] = 2.0
    opt_o.load_state_dict(sd_o)
    opt_t.load_state_dict(sd_t)
    _same_steps(opt_o, opt_t, np.float64)


def test_a_step_that_is_not_one_element_is_refused():
    ours, theirs, opt_o, opt_t = _pair("Adam")
    _steps(1, ours, theirs, opt_o, opt_t)
    sd = opt_o.state_dict()
    sd["state"][0]["step"] = autograd.tensor([1.0, 2.0])
    with pytest.raises(ValueError, match="'step' must be a number or a 1-element tensor"):
        opt_o.load_state_dict(sd)


def test_the_step_survives_save_load_and_deepcopy():
    ours, theirs, opt_o, opt_t = _pair("Adam")
    _steps(2, ours, theirs, opt_o, opt_t)
    buf = io.BytesIO()
    autograd.save({"optimizer": opt_o.state_dict()}, buf)
    buf.seek(0)
    loaded = autograd.load(buf)["optimizer"]
    step = loaded["state"][0]["step"]
    assert isinstance(step, autograd.Tensor) and step.dtype == np.float32 and step.item() == 2
    clone = copy.deepcopy(opt_o)
    clone_step = clone.state[clone.param_groups[0]["params"][0]]["step"]
    assert clone_step is not opt_o.state[ours[0]]["step"] and clone_step.item() == 2.0
    opt_o.load_state_dict(loaded)
    _steps(2, ours, theirs, opt_o, opt_t)
    _same_steps(opt_o, opt_t, np.float32)


def test_a_step_tensor_a_graph_saved_still_advances():
    """Using the step in a recorded op (a warm-up factor) leaves its array read-only while the
    graph lives; the optimizer still advances it, as torch's in-place += does."""
    ours, theirs, opt_o, opt_t = _pair("Adam")
    _steps(1, ours, theirs, opt_o, opt_t)
    x = autograd.tensor(np.ones(2), requires_grad=True)
    y = (x * opt_o.state[ours[0]]["step"]).sum()     # the graph holds the step's array
    _steps(1, ours, theirs, opt_o, opt_t)
    _same_steps(opt_o, opt_t, np.float32)
    del y
