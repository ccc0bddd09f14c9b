"""Differences from torch that porting scripts ran into: size= by keyword in the factories,
set_detect_anomaly, error messages that named numpy or the wrong op, and two optimizer edge
cases (a Nesterov group with its own dampening, a checkpoint left with a negative lr)."""
import copy
import warnings

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
import optim

torch = pytest.importorskip("torch")


# ----------------------------------------------------------------- factories: size=
@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_factories_take_size_by_keyword(name):
    fn = getattr(autograd, name)
    t = fn(size=(2, 3), dtype=autograd.float64, requires_grad=True)
    assert t.shape == tuple(getattr(torch, name)(size=(2, 3)).shape) == (2, 3)
    assert t.dtype == np.float64 and t.requires_grad
    assert fn(size=[]).shape == ()
    assert fn(size=autograd.zeros(4, 1).shape).shape == (4, 1)
    for bad, exc, match in [(dict(size=2), TypeError, "argument 'size' must be tuple of ints"),
                            (dict(size=(2.0, 3)), TypeError, "sizes must be ints")]:
        with pytest.raises(exc, match=match):
            fn(**bad)
        with pytest.raises(exc):
            getattr(torch, name)(**bad)
    with pytest.raises(TypeError, match="multiple values for argument 'size'"):
        fn(2, size=(3,))


def test_random_factories_take_size_and_generator_by_keyword():
    a = autograd.randn(size=(3,), generator=autograd.Generator().manual_seed(5))
    b = autograd.randn(3, generator=autograd.Generator().manual_seed(5))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_full_by_keyword_follows_the_fill_value():
    assert autograd.full(size=(2, 3), fill_value=2).dtype == np.int64
    assert autograd.full(size=(2,), fill_value=1.5).tolist() == [1.5, 1.5]


@pytest.mark.parametrize("name", ["new_zeros", "new_ones", "new_empty"])
def test_new_factories_take_size_by_keyword(name):
    x = autograd.ones(2, dtype=autograd.float64)
    t = getattr(x, name)(size=(2, 3))
    assert t.shape == (2, 3) and t.dtype == np.float64
    assert getattr(x, name)(2, 3).shape == getattr(x, name)((2, 3)).shape == (2, 3)
    with pytest.raises(TypeError, match=f"{name}\\(\\): argument 'size' must be tuple"):
        getattr(x, name)(size=2)
    with pytest.raises(TypeError, match="multiple values for argument 'size'"):
        getattr(x, name)(2, size=(3,))


def test_new_full_by_keyword():
    x = autograd.ones(2)
    assert x.new_full(size=(2,), fill_value=3).tolist() == [3.0, 3.0]


# ----------------------------------------------------------------- anomaly mode
@pytest.fixture
def anomaly_off():
    yield
    autograd.set_anomaly_enabled(False)


def test_set_detect_anomaly_as_a_function(anomaly_off):
    assert autograd.is_anomaly_enabled() is False
    autograd.autograd.set_detect_anomaly(True)
    assert autograd.is_anomaly_enabled() and autograd.is_anomaly_check_nan_enabled()
    with pytest.raises(RuntimeError, match="detect_anomaly: .*NaN"):
        autograd.tensor([-1.0], requires_grad=True).sqrt().sum().backward()
    autograd.autograd.set_detect_anomaly(False)
    assert autograd.is_anomaly_enabled() is False


def test_set_detect_anomaly_as_a_context_manager_restores_the_mode(anomaly_off):
    x = autograd.tensor([0.0], requires_grad=True)
    with autograd.autograd.set_detect_anomaly(True, check_nan=False) as ctx:
        assert ctx is None   # as torch's __enter__
        assert autograd.is_anomaly_enabled() and not autograd.is_anomaly_check_nan_enabled()
        with np.errstate(all="ignore"):
            (x / x).sum().backward()   # check_nan=False: the NaN passes
    assert np.isnan(x.grad.numpy()).all()
    assert not autograd.is_anomaly_enabled() and autograd.is_anomaly_check_nan_enabled()
    with autograd.detect_anomaly(check_nan=False):
        assert autograd.is_anomaly_enabled() and not autograd.is_anomaly_check_nan_enabled()
    assert not autograd.is_anomaly_enabled()


def test_torchs_anomaly_names_are_reachable():
    import autograd.autograd as torch_autograd
    assert torch_autograd.set_detect_anomaly is autograd.set_detect_anomaly
    assert torch_autograd.detect_anomaly is autograd.detect_anomaly
    for name in ("set_detect_anomaly", "detect_anomaly"):
        assert hasattr(torch.autograd, name)
    for name in ("is_anomaly_enabled", "is_anomaly_check_nan_enabled", "set_anomaly_enabled"):
        assert hasattr(torch, name) and hasattr(autograd, name)


# ----------------------------------------------------------------- error messages
@pytest.mark.parametrize("fn", ["linspace", "logspace"])
def test_negative_or_float_steps_name_the_op(fn):
    with pytest.raises(RuntimeError, match=f"{fn}: number of steps must be non-negative, "
                                           f"got -2"):
        getattr(autograd, fn)(0, 1, -2)
    with pytest.raises(ValueError):   # the engine's usual class too
        getattr(autograd, fn)(0, 1, -2)
    with pytest.raises(TypeError, match=f"{fn}: steps must be an int, got float 2.5"):
        getattr(autograd, fn)(0, 1, 2.5)
    assert getattr(autograd, fn)(0, 1, 0).shape == (0,)


@pytest.mark.parametrize("call", [lambda x: x.view(2.0, 3), lambda x: x.view((2.0, 3)),
                                  lambda x: x.reshape(2.0, 3), lambda x: x.permute(0.0, 1)])
def test_float_sizes_are_a_clear_type_error(call):
    with pytest.raises(TypeError, match=r"sizes must be ints, got \(2.0, 3\): entry 0 is float"
                                        r"|sizes must be ints, got \(0.0, 1\)"):
        call(autograd.ones(2, 3))


def test_integer_tensors_as_sizes_still_work():
    x = autograd.ones(2, 3)
    assert x.view(autograd.tensor(3), 2).shape == (3, 2)
    assert x.reshape(np.int64(6)).shape == (6,)


def test_linear_of_none_says_it_wants_a_tensor():
    with pytest.raises(TypeError, match=r"Linear: argument 'input' \(position 1\) must be "
                                        r"Tensor, not NoneType"):
        nn.Linear(2, 2)(None)


@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_relu6_and_hardtanh_clamp_integer_tensors_as_torch(dtype):
    values = [-3, 1, 9]
    for fn, args in [("relu6", ()), ("hardtanh", ()), ("hardtanh", (-1.5, 2.5))]:
        ours = getattr(F, fn)(autograd.tensor(values, dtype=dtype), *args)
        theirs = getattr(torch.nn.functional, fn)(torch.tensor(values, dtype=getattr(
            torch, dtype)), *args)
        assert ours.dtype == np.dtype(dtype)
        assert ours.tolist() == theirs.tolist()
    assert nn.ReLU6()(autograd.tensor(values)).tolist() == [0, 1, 6]
    x = autograd.tensor(values, dtype=dtype)
    F.relu6(x, inplace=True)
    assert x.tolist() == [0, 1, 6]


def test_relu6_errors_name_relu6():
    with pytest.raises(TypeError, match="relu6: torch.bool inputs are not supported"):
        F.relu6(autograd.tensor([True, False]))
    with pytest.raises(TypeError, match="relu6: torch.bool inputs are not supported"):
        nn.ReLU6()(autograd.tensor([True, False]))
    with pytest.raises(RuntimeError, match="hardtanh: cannot clamp an unsigned torch.uint8"):
        F.hardtanh(autograd.tensor([1, 2], dtype="uint8"))


def test_unflatten_module_errors_name_unflatten():
    with pytest.raises(ValueError, match=r"Unflatten: sizes \(2, 2\) do not multiply to the "
                                         r"size 6 of dim 1 of a tensor of shape \(2, 6\)"):
        nn.Unflatten(1, (2, 2))(autograd.ones(2, 6))
    with pytest.raises(IndexError, match="Unflatten: dim 5 is out of range"):
        nn.Unflatten(5, (2, 3))(autograd.ones(2, 6))
    assert nn.Unflatten(1, (2, -1))(autograd.ones(2, 6)).shape == (2, 2, 3)


# ----------------------------------------------------------------- optimizers
def _param():
    return nn.Parameter(np.ones(2, dtype=np.float32))


def test_nesterov_is_checked_on_the_defaults_only():
    p = _param()
    opt = optim.SGD([{"params": [p], "dampening": 0.5}], lr=0.1, momentum=0.9, nesterov=True)
    tp = torch.nn.Parameter(torch.ones(2))
    topt = torch.optim.SGD([{"params": [tp], "dampening": 0.5}], lr=0.1, momentum=0.9,
                           nesterov=True)
    for _ in range(3):
        for o, q in ((opt, p), (topt, tp)):
            o.zero_grad()
            (q * q).sum().backward()
            o.step()
    np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-5)
    opt.add_param_group({"params": [_param()], "momentum": 0})   # torch accepts it too
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero "
                                         "dampening"):
        optim.SGD([_param()], lr=0.1, momentum=0.9, dampening=0.5, nesterov=True)


def test_load_state_dict_resumes_after_one_cycle_left_a_negative_lr():
    p = _param()
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10,
                                          anneal_strategy="linear")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(10):
            p.grad = autograd.ones(2)
            opt.step()
            sched.step()
    lr = opt.param_groups[0]["lr"]
    topt = torch.optim.SGD([torch.nn.Parameter(torch.ones(2))], lr=0.1, momentum=0.9)
    tsched = torch.optim.lr_scheduler.OneCycleLR(topt, max_lr=1.0, total_steps=10,
                                                 anneal_strategy="linear")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(10):
            topt.step()
            tsched.step()
    assert lr < 0 and lr == pytest.approx(topt.param_groups[0]["lr"])
    resumed = optim.SGD([p], lr=0.1, momentum=0.9)
    resumed.load_state_dict(copy.deepcopy(opt.state_dict()))
    assert resumed.param_groups[0]["lr"] == lr
    p.grad = autograd.ones(2)
    resumed.step()


def test_grad_assignment_is_checked_as_torch():
    """A .grad of another shape was accepted and the next backward broadcast into it."""
    import torch
    for lib in (autograd, torch):
        p = lib.zeros(3, requires_grad=True)
        for bad, kind in ((lib.zeros(3, 1), RuntimeError), (lib.zeros(3, dtype=lib.float64),
                                                             RuntimeError), ([1.0] * 3, TypeError)):
            with pytest.raises(kind):
                p.grad = bad
        p.grad = lib.zeros(3)
        (p * 2).sum().backward()
        assert p.grad.tolist() == [2.0, 2.0, 2.0]
        p.grad = None
        assert p.grad is None


@pytest.mark.parametrize("call, kind, message", [
    (lambda: F.linear(autograd.ones(2, 3), autograd.ones(4, 3), autograd.ones(5)), ValueError,
     r"linear: bias of shape \(5,\) does not match .* expected bias \(4,\)"),
    (lambda: autograd.ones(2, 3).view(4), ValueError, r"view: cannot reshape .* \(2, 3\)"),
    (lambda: autograd.ones(2, 3).view(2.0, 3), TypeError, "view: sizes must be ints"),
    (lambda: autograd.ones(2) + None, TypeError, "unsupported operand type"),
    (lambda: None * autograd.ones(2), TypeError, "unsupported operand type"),
])
def test_errors_name_the_op_the_user_called(call, kind, message):
    with pytest.raises(kind, match=message):
        call()
