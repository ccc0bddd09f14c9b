"""Grad mode and inference mode are per thread, as torch's: a thread inside no_grad (an
evaluation loop beside training) leaves the others recording, and a new thread starts with
grad mode on."""
import threading

import autograd


def _in_thread(fn):
    """fn() run in a new thread; its result (or exception) returned here."""
    out = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller
            out["error"] = e
    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def test_a_thread_inside_no_grad_leaves_the_others_recording():
    w = autograd.tensor([1.0, 2.0], requires_grad=True)
    inside, release = threading.Event(), threading.Event()
    seen = {}

    def evaluate():
        with autograd.no_grad():
            inside.set()
            release.wait(10)
            seen["mode"] = autograd.is_grad_enabled()
            seen["records"] = (w * 3).requires_grad

    t = threading.Thread(target=evaluate)
    t.start()
    assert inside.wait(10)
    try:
        assert autograd.is_grad_enabled()
        loss = (w * w).sum()          # recorded here while the other thread is in no_grad
        assert loss.requires_grad
        loss.backward()
    finally:
        release.set()
        t.join()
    assert seen == {"mode": False, "records": False}
    assert w.grad.tolist() == [2.0, 4.0]
    assert autograd.is_grad_enabled() and (w * 2).requires_grad


def test_a_new_thread_starts_with_grad_mode_on_and_its_own_modes():
    with autograd.no_grad():
        assert _in_thread(autograd.is_grad_enabled) is True
        assert not autograd.is_grad_enabled()
    with autograd.inference_mode():
        assert _in_thread(autograd.is_inference_mode_enabled) is False
        assert autograd.is_inference_mode_enabled()

    def switch_off():   # set_grad_enabled(False) as a call, in that thread only
        autograd.set_grad_enabled(False)
        return autograd.is_grad_enabled(), (autograd.ones(1, requires_grad=True) * 2).requires_grad
    assert _in_thread(switch_off) == (False, False)
    assert autograd.is_grad_enabled()
    assert (autograd.ones(1, requires_grad=True) * 2).requires_grad
