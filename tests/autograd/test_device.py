"""Device idioms (autograd.device, autograd.cuda, Tensor.to/cpu/device) and grad-mode switches
(set_grad_enabled, inference_mode), against torch."""
import numpy as np
import pytest

import autograd
from autograd import device

torch = pytest.importorskip("torch")


def test_device_objects_match_torch():
    for args in [("cpu",), ("cpu:0",), ("cpu", 0), ("cpu", 1)]:
        ours, theirs = device(*args), torch.device(*args)
        assert (ours.type, ours.index) == (theirs.type, theirs.index)
        assert str(ours) == str(theirs) and repr(ours) == repr(theirs)
    assert device("cpu") == device(device("cpu")) and device("cpu") != device("cpu:0")
    assert len({device("cpu"), device("cpu")}) == 1
    assert device("cpu") != "cpu"  # as in torch: a device is not equal to its string


@pytest.mark.parametrize("name", ["cuda", "cuda:0", "mps"])
def test_accelerators_raise_clearly(name):
    with pytest.raises(RuntimeError, match=f"device: device '{name}' is not available.*CPU only"):
        device(name)
    with pytest.raises(RuntimeError, match="CPU only"):
        autograd.ones(2).to(name)


def test_bad_device_strings():
    for bad in ["banana", "cpu:x", "cpu:-1"]:
        with pytest.raises(RuntimeError, match="device"):
            device(bad)
    with pytest.raises(RuntimeError, match="already has an index"):
        device("cpu:0", 1)
    with pytest.raises(TypeError, match="expected a string"):
        device(3.5)


def test_cuda_namespace_and_tensor_attributes():
    assert autograd.cuda.is_available() is False and torch.cuda.is_available() is False
    assert autograd.cuda.device_count() == 0
    autograd.cuda.manual_seed_all(0)
    t = autograd.ones(2, 3)
    assert t.device == device("cpu") and str(t.device) == str(torch.ones(1).device)
    assert t.is_cuda is False and t.is_cpu is True
    assert t.cpu() is t
    with pytest.raises(RuntimeError, match="CPU only"):
        t.cuda()
    dev = device("cuda" if autograd.cuda.is_available() else "cpu")
    assert t.to(dev) is t


@pytest.mark.parametrize("call", [
    lambda t, lib: t.to("cpu"),
    lambda t, lib: t.to(lib.device("cpu")),
    lambda t, lib: t.to(lib.float64),
    lambda t, lib: t.to("cpu", lib.float64),
    lambda t, lib: t.to(lib.device("cpu"), lib.int64),
    lambda t, lib: t.to(device="cpu", dtype=lib.float64),
    lambda t, lib: t.to(dtype=lib.int32),
    lambda t, lib: t.to(lib.ones(1, dtype=lib.float64)),
    lambda t, lib: t.to(lib.float64, copy=True),
    lambda t, lib: t.to(copy=True),
    lambda t, lib: t.to(lib.float32, False, True),
    lambda t, lib: t.to("cpu", non_blocking=True),
])
def test_to_matches_torch(call):
    data = np.array([[1.5, -2.0], [0.25, 3.0]], dtype=np.float32)
    ours, theirs = autograd.tensor(data), torch.tensor(data)
    a, b = call(ours, autograd), call(theirs, torch)
    assert a.dtype == np.dtype(str(b.dtype).replace("torch.", ""))
    np.testing.assert_array_equal(a.data, b.numpy())
    assert (a is ours) == (b is theirs)
    if a is not ours:
        assert not np.shares_memory(a.data, ours.data)


def test_to_keeps_the_graph_and_rejects_bad_arguments():
    x = autograd.tensor([1.0, 2.0], dtype=autograd.float64, requires_grad=True)
    y = x.to("cpu", autograd.float32)
    y.sum().backward()
    assert y.dtype == autograd.float32 and x.grad.dtype == autograd.float64
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])
    z = x.to(copy=True)
    assert z is not x and z.grad_fn is not None
    with pytest.raises(TypeError, match="to: unexpected keyword"):
        x.to(devise="cpu")
    with pytest.raises(TypeError, match="both positionally and as a keyword"):
        x.to(autograd.float32, dtype=autograd.float64)
    with pytest.raises(TypeError, match="to: .* is not a dtype"):
        x.to(object())


# ----------------------------------------------------------------------------- grad modes
def test_set_grad_enabled_as_function_and_context_manager():
    x = autograd.ones(2, requires_grad=True)
    try:
        autograd.set_grad_enabled(False)
        assert not autograd.is_grad_enabled() and not (x * 2).requires_grad
        with autograd.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not autograd.is_grad_enabled()
    finally:
        autograd.set_grad_enabled(True)
    with autograd.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert autograd.is_grad_enabled() and (x * 2).requires_grad
    for mode in (True, False):  # the idiom of a train/eval loop
        with autograd.set_grad_enabled(mode):
            assert (x * 2).requires_grad is mode


def test_inference_mode_forms():
    x = autograd.ones(2, requires_grad=True)
    with autograd.inference_mode():
        assert autograd.is_inference_mode_enabled() and not (x * 2).requires_grad
        with autograd.inference_mode(False):  # records again, as torch's
            assert (x * 2).requires_grad and not autograd.is_inference_mode_enabled()
        assert autograd.is_inference_mode_enabled() and not (x * 2).requires_grad
    assert not autograd.is_inference_mode_enabled() and (x * 2).requires_grad
    with autograd.no_grad(), autograd.inference_mode(False):
        assert (x * 2).requires_grad

    @autograd.inference_mode
    def bare(t):
        return t * 2

    @autograd.inference_mode()
    def called(t):
        return t * 2

    assert bare.__name__ == "bare"
    assert not bare(x).requires_grad and not called(x).requires_grad
    assert (x * 2).requires_grad
    with autograd.inference_mode(False):
        assert (x * 2).requires_grad
    with pytest.raises(ZeroDivisionError):
        with autograd.inference_mode():
            1 / 0
    assert autograd.is_grad_enabled() and not autograd.is_inference_mode_enabled()


def test_decorated_generators_keep_the_mode_inside_and_the_callers_outside_as_torch():
    torch = pytest.importorskip("torch")
    results = {}
    for lib in (autograd, torch):
        x = lib.ones(2, requires_grad=True)
        seen = []

        @lib.no_grad()
        def sample(n):
            for _ in range(n):
                got = yield (x * 2).requires_grad
                seen.append(got)
            return "done"

        @lib.enable_grad()
        def inner():
            yield (x * 2).requires_grad

        @lib.inference_mode()
        def infer():
            yield (x * 2).requires_grad

        @lib.set_grad_enabled(False)
        def off():
            yield (x * 2).requires_grad

        gen = sample(3)
        row = [next(gen), (x * 2).requires_grad, gen.send("a"), (x * 2).requires_grad]
        try:
            gen.send("b")
            gen.send("c")
        except StopIteration as stop:
            row.append(stop.value)
        with lib.no_grad():
            row += list(inner())
        row += list(infer()) + list(off()) + [lib.is_grad_enabled(), seen]
        results[lib.__name__] = row
    assert results["autograd"] == results["torch"] == [
        False, True, False, True, "done", True, False, False, True, ["a", "b", "c"]]
