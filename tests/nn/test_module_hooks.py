"""Module forward hooks / pre-hooks against torch's, and Module.to / cpu / cuda arguments."""
import warnings

import numpy as np
import pytest

import autograd
import nn
from nn.module_hooks import RemovableHandle

torch = pytest.importorskip("torch")


def _pair():
    ours = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _np(x):
    return x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x.data)


def _install(model, log, lib):
    """The same hooks on ours or torch's model: logging, rescaling inputs and outputs."""
    handles = [
        model[0].register_forward_pre_hook(lambda m, args: log.append(("pre0", len(args)))),
        model[0].register_forward_pre_hook(lambda m, args: args[0] * 2),  # one value -> args
        model[1].register_forward_hook(lambda m, args, out: out + 1),
        model[1].register_forward_hook(lambda m, args, out: log.append(("post1", _np(out))),
                                       prepend=True),
        model.register_forward_hook(lambda m, args, out: log.append(("seq", _np(args[0])))),
        model[2].register_forward_pre_hook(
            lambda m, args, kwargs: ((args[0] - 0.5,), kwargs), with_kwargs=True),
        model[2].register_forward_hook(
            lambda m, args, kwargs, out: out * 3 if not kwargs else None, with_kwargs=True),
    ]
    return handles


def test_hooks_change_inputs_and_outputs_like_torch():
    ours, theirs = _pair()
    log_o, log_t = [], []
    h_o, h_t = _install(ours, log_o, None), _install(theirs, log_t, torch)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    y_o, y_t = ours(autograd.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(y_o.data, y_t.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert [e[0] for e in log_o] == [e[0] for e in log_t] == ["pre0", "post1", "seq"]
    for (_, a), (_, b) in zip(log_o[1:], log_t[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # gradients flow through what the hooks did
    y_o.sum().backward()
    y_t.sum().backward()
    np.testing.assert_allclose(ours[0].weight.grad.data, theirs[0].weight.grad.numpy(),
                               rtol=1e-5, atol=1e-6)
    for h in h_o:
        assert isinstance(h, RemovableHandle)
        h.remove()
        h.remove()  # twice is harmless, as in torch
    for h in h_t:
        h.remove()
    np.testing.assert_allclose(ours(autograd.tensor(x)).data,
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert len(log_o) == 3


def test_prepend_order_handle_context_and_kwargs():
    order = []
    lin = nn.Linear(2, 2)
    lin.register_forward_hook(lambda m, a, o: order.append("a"))
    with lin.register_forward_hook(lambda m, a, o: order.append("b"), prepend=True) as h:
        lin.register_forward_pre_hook(lambda m, a: order.append("pre"))
        lin(autograd.ones(1, 2))
        assert order == ["pre", "b", "a"]
    assert h.id not in lin._forward_hooks
    order.clear()
    lin(autograd.ones(1, 2))
    assert order == ["pre", "a"]

    class Scaled(nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale

    m = Scaled()
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"scale": 10.0}),
                                with_kwargs=True)
    assert m(autograd.ones(2)).data.tolist() == [10.0, 10.0]
    m.register_forward_pre_hook(lambda mod, args, kwargs: "bad", with_kwargs=True)
    with pytest.raises(RuntimeError, match="Scaled: a forward pre-hook with with_kwargs=True "
                                           "must return None or a tuple"):
        m(autograd.ones(2))
    with pytest.raises(TypeError, match="expected a callable"):
        m.register_forward_hook(3)


def test_always_call_hook_runs_when_forward_raises():
    class Broken(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    seen = []
    m = Broken()
    m.register_forward_hook(lambda mod, a, out: seen.append("plain"))
    m.register_forward_hook(lambda mod, a, out: seen.append(("always", out)), always_call=True)
    with pytest.raises(ValueError, match="boom"):
        m(autograd.ones(1))
    assert seen == [("always", None)]

    def failing(mod, a, out):
        raise KeyError("inner")

    m.register_forward_hook(failing, always_call=True)
    with pytest.warns(UserWarning, match="silenced because forward raised"):
        with pytest.raises(ValueError, match="boom"):
            m(autograd.ones(1))


class CPU:
    type = "cpu"
    index = None


@pytest.mark.parametrize("args,kwargs,dtype", [
    (("cpu",), {}, np.float32),
    ((CPU(),), {}, np.float32),
    (("cpu:0", autograd.float64), {}, np.float64),
    ((), {"device": "cpu", "dtype": autograd.float64}, np.float64),
    ((autograd.float64,), {"non_blocking": True}, np.float64),
    ((autograd.zeros(1, dtype=autograd.float64),), {}, np.float64),
    ((None, autograd.float64), {}, np.float64),
])
def test_to_device_and_dtype(args, kwargs, dtype):
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    weight = net[0].weight
    assert net.to(*args, **kwargs) is net and net.cpu() is net
    assert net[0].weight is weight  # in place, as in torch
    assert all(p.dtype == dtype for p in net.parameters())
    assert net[1].running_mean.dtype == dtype and net[1].num_batches_tracked.dtype == np.int64
    theirs = torch.nn.Linear(2, 3).to(*[a for a in args if isinstance(a, str)])
    assert theirs.weight.device.type == "cpu"


def test_to_rejects_accelerators_and_bad_arguments():
    net = nn.Linear(2, 2)

    class Cuda:
        type = "cuda"

    for device in ("cuda", "cuda:1", "mps", Cuda(), 0):
        with pytest.raises(RuntimeError, match="runs on the CPU only"):
            net.to(device)
    with pytest.raises(RuntimeError, match="CPU only"):
        net.to("cuda", autograd.float64)
    with pytest.raises(RuntimeError, match="Linear.cuda: .*CPU only"):
        net.cuda()
    assert net.weight.dtype == np.float32
    with pytest.raises(TypeError, match="only accepts floating point dtypes.*int64"):
        net.to(autograd.int64)
    with pytest.raises(TypeError, match="not a dtype"):
        net.to("banana")
    with pytest.raises(TypeError, match="unexpected keyword argument 'devise'"):
        net.to(devise="cpu")
    with pytest.raises(TypeError, match="invalid combination"):
        net.to("cpu", autograd.float64, True, 5)
    with pytest.raises(TypeError):  # torch refuses integer dtypes too
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.nn.Linear(2, 2).to(torch.int64)
