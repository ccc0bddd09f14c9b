"""autograd.amp (autocast, GradScaler against torch's CPU GradScaler), autograd.compile,
autograd.jit and set_float32_matmul_precision."""
import pickle
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import optim
from autograd import amp, compat
from autograd.testing import assert_close

torch = pytest.importorskip("torch")


@pytest.fixture
def fresh_warning(monkeypatch):
    """The full-precision warning is given once per process; let this test see it."""
    monkeypatch.setattr(amp, "_warned_full_precision", False)


def small_model():
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))


# ---------------------------------------------------------------- autocast

def test_enabled_cpu_autocast_warns_once_and_computes_in_full_precision(fresh_warning):
    ag.manual_seed(0)
    m, x = small_model(), ag.randn(5, 3)
    plain = m(x)
    with pytest.warns(UserWarning, match="full precision") as caught:
        with ag.autocast("cpu"):
            inside = m(x)
        with ag.autocast(device_type="cpu", dtype=None):
            m(x)
    assert len(caught) == 1
    assert inside.dtype == np.float32 and (inside.data == plain.data).all()


def test_disabled_autocast_is_silent_on_any_known_device(fresh_warning):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for device in ("cpu", "cuda", "mps"):
            with ag.autocast(device, enabled=False) as region:
                assert region.device == device
        with ag.cuda.amp.autocast(enabled=False):
            pass


def test_autocast_as_decorator_and_nested(fresh_warning):
    @ag.autocast("cpu")
    def double(t):
        return t * 2

    with pytest.warns(UserWarning):
        assert (double(ag.ones(2)).data == 2).all()
    assert double.__name__ == "double"
    with ag.autocast("cpu"), ag.autocast("cpu", enabled=False):
        assert (ag.ones(1) + 1).item() == 2.0
    with ag.cpu.amp.autocast():
        pass
    assert isinstance(ag.cpu.amp.autocast(), ag.autocast) and ag.cpu.is_available()


def test_autocast_refuses_cuda_and_bad_arguments():
    with pytest.raises(RuntimeError, match="CPU only"):
        ag.autocast("cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        ag.cuda.amp.autocast()
    with pytest.raises(RuntimeError, match="unknown device_type 'gpu'"):
        ag.autocast("gpu", enabled=False)
    with pytest.raises(ValueError, match="of type `str`"):
        ag.autocast(ag.device("cpu"))
    with pytest.raises(TypeError, match="requires a callable"):
        ag.autocast("cpu")(3)


# ---------------------------------------------------------------- GradScaler

def twin_models(dtype=torch.float32):
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(),
                                 torch.nn.Linear(4, 1)).to(dtype)
    ours = small_model() if dtype == torch.float32 else small_model().double()
    ours.load_state_dict({k: ag.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})
    return theirs, ours


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_grad_scaler_matches_torchs_cpu_scaler_through_an_inf_step(dtype):
    theirs, ours = twin_models(dtype)
    t_opt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    o_opt = optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    # growth_factor 3 and backoff 0.3 are not powers of two: the scale's float32 rounding shows
    kw = dict(init_scale=2.0 ** 10, growth_factor=3.0, backoff_factor=0.3, growth_interval=2)
    t_scaler, o_scaler = torch.amp.GradScaler("cpu", **kw), ag.amp.GradScaler("cpu", **kw)
    rng = np.random.default_rng(0)
    for it in range(8):
        x = rng.standard_normal((5, 3)).astype(np.float32 if dtype == torch.float32 else np.float64)
        y = rng.standard_normal((5, 1)).astype(x.dtype)
        if it == 3:
            x[0, 0] = np.inf          # inf/NaN gradients: the step is skipped, the scale backs off
        before = [p.data.copy() for p in ours.parameters()]
        results = []
        for lib, model, opt, scaler in ((torch, theirs, t_opt, t_scaler),
                                        (ag, ours, o_opt, o_scaler)):
            opt.zero_grad()
            loss = ((model(lib.tensor(x)) - lib.tensor(y)) ** 2).mean()
            scaled = scaler.scale(loss)
            assert scaled.dtype == loss.dtype
            with np.errstate(invalid="ignore"):
                scaled.backward()
            if it == 5:               # unscale_ first, to clip the true gradients
                scaler.unscale_(opt)
                clip = torch.nn.utils.clip_grad_norm_ if lib is torch else nn.utils.clip_grad_norm_
                clip(model.parameters(), 0.1)
            scaler.step(opt)
            scaler.update()
            results.append(scaler.state_dict())
        assert results[0] == results[1]
        for p, q in zip(theirs.parameters(), ours.parameters()):
            assert np.allclose(p.detach().numpy(), q.data, rtol=1e-5, atol=1e-6)
        if it == 3:
            assert all((p.data == b).all() for p, b in zip(ours.parameters(), before))
    assert o_scaler.get_scale() == t_scaler.get_scale() != 2.0 ** 10


def test_grad_scaler_scales_containers_and_restores_state():
    scaler = ag.amp.GradScaler(init_scale=8.0)
    assert scaler.get_scale() == 8.0 and scaler.is_enabled()
    a, b = ag.ones(2), ag.ones(2, dtype=ag.float64)
    out = scaler.scale([a, (b,)])
    assert isinstance(out, list) and isinstance(out[1], tuple)
    assert (out[0].data == 8).all() and out[1][0].dtype == np.float64
    assert [t.item() for t in scaler.scale(iter([a[:1]]))] == [8.0]
    with pytest.raises(ValueError, match="iterable of Tensors"):
        scaler.scale(3.0)
    scaler.update(new_scale=4.0)
    assert scaler.get_scale() == 4.0
    scaler.update(ag.tensor([2.0]))
    assert scaler.get_scale() == 2.0
    state = scaler.state_dict()
    other = ag.amp.GradScaler()
    other.load_state_dict(state)
    assert other.state_dict() == state
    reference = torch.amp.GradScaler("cpu", init_scale=8.0)   # torch's state_dict loads too
    other.load_state_dict(reference.state_dict())
    assert other.state_dict() == reference.state_dict()
    copy = pickle.loads(pickle.dumps(scaler))
    assert copy.state_dict() == state


def test_grad_scaler_never_grows_to_inf():
    m = nn.Linear(2, 1)
    opt = optim.SGD(m.parameters(), lr=0.0)
    scaler = ag.amp.GradScaler(init_scale=3e38, growth_interval=1)
    scaler.scale(m(ag.ones(1, 2)).sum() * 0).backward()
    scaler.step(opt)
    scaler.update()
    assert scaler.get_scale() == float(np.float32(3e38)) and scaler._get_growth_tracker() == 0


def test_grad_scaler_order_errors_as_torch():
    m = nn.Linear(2, 1)
    opt = optim.SGD(m.parameters(), lr=0.1)
    scaler = ag.amp.GradScaler()
    with pytest.raises(AssertionError, match="did not use scaler.scale"):
        scaler.step(opt)
    scaler.scale(m(ag.ones(1, 2)).sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="already been called"):
        scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="Closure"):
        scaler.step(opt, closure=lambda: None)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        scaler.step(opt)
    with pytest.raises(AssertionError, match="pickled"):
        pickle.dumps(scaler)
    scaler.update()
    with pytest.raises(AssertionError, match="No inf checks"):
        scaler.update()
    with pytest.raises(AssertionError, match="growth factor"):
        ag.amp.GradScaler(growth_factor=1.0)
    with pytest.raises(RuntimeError, match="empty"):
        ag.amp.GradScaler().load_state_dict({})


def test_disabled_and_cuda_scalers_just_step():
    m = nn.Linear(2, 1)
    opt = optim.SGD(m.parameters(), lr=0.1)
    with pytest.warns(UserWarning, match="CUDA is not available"):
        cuda_scaler = ag.cuda.amp.GradScaler()
    for scaler in (ag.amp.GradScaler(enabled=False), cuda_scaler):
        loss = m(ag.ones(1, 2)).sum()
        assert scaler.scale(loss) is loss
        w = m.weight.data.copy()
        opt.zero_grad()
        loss.backward()
        scaler.step(opt)
        scaler.update()
        assert not (m.weight.data == w).all()
        assert not scaler.is_enabled() and scaler.get_scale() == 1.0 and scaler.state_dict() == {}
    assert ag.cpu.amp.GradScaler().is_enabled()
    with pytest.raises(RuntimeError, match="CPU only"):
        ag.amp.GradScaler("mps")


# ---------------------------------------------------------------- compile, jit, matmul precision

def test_compile_returns_its_argument_with_and_without_arguments():
    m = small_model()
    assert ag.compile(m) is m
    assert ag.compile(m, mode="max-autotune", fullgraph=True, dynamic=False) is m

    @ag.compile
    def f(x):
        return x + 1

    @ag.compile(backend="eager", options={"trace.enabled": False})
    def g(x):
        return x * 2

    assert f(1) == 2 and g(2) == 4 and f.__name__ == "f"
    with pytest.raises(RuntimeError, match="Either mode or options"):
        ag.compile(m, mode="default", options={})
    with pytest.raises(RuntimeError, match="Unrecognized mode=fast"):
        ag.compile(m, mode="fast")
    with pytest.raises(AssertionError, match="callable"):
        ag.compile(5)


def test_jit_names_leave_the_model_as_python():
    m = small_model()
    x = ag.randn(2, 3)
    assert ag.jit.script(m) is m and ag.jit.trace(m, (x,)) is m
    assert ag.jit.trace(m, example_inputs=x, check_trace=False) is m

    def h(x):
        return x

    for decorated in (ag.jit.ignore(h), ag.jit.ignore(drop=True)(h), ag.jit.unused(h),
                      ag.jit.export(h)):
        assert decorated is h
    assert not ag.jit.is_scripting() and not ag.jit.is_tracing()
    assert ag.jit.annotate(list, [1]) == [1]
    with pytest.raises(NotImplementedError, match=r"autograd.save\(model.state_dict\(\)"):
        ag.jit.save(m, "model.pt")
    with pytest.raises(NotImplementedError, match="load_state_dict"):
        ag.jit.load("model.pt")


def test_float32_matmul_precision_is_stored_without_effect(monkeypatch):
    monkeypatch.setattr(compat, "_matmul_precision", "highest")
    a = ag.randn(4, 4)
    before = (a @ a).data
    assert ag.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == "highest"
    ag.set_float32_matmul_precision("medium")
    assert ag.get_float32_matmul_precision() == "medium"
    assert ((a @ a).data == before).all()
    with pytest.warns(UserWarning, match="no effect"):
        ag.set_float32_matmul_precision("low")
    assert ag.get_float32_matmul_precision() == "medium"
    assert ag.backends.cudnn.benchmark in (True, False)


def test_the_names_are_reachable_as_torch_spells_them():
    from autograd.cpu.amp import autocast as cpu_autocast
    from autograd.cuda.amp import GradScaler, autocast  # noqa: F401
    assert cpu_autocast is ag.cpu.amp.autocast and GradScaler is ag.cuda.amp.GradScaler
    assert ag.testing.assert_close is assert_close
    assert ag.amp.autocast is ag.autocast
    with pytest.warns(UserWarning) as caught:
        assert not ag.cuda.amp.GradScaler().is_enabled()
    assert caught[0].filename == __file__   # the warning points at the caller's line
