"""Tensor.register_post_accumulate_grad_hook against torch: once per pass, after .grad holds
the summed gradient; not for autograd.grad; with backward(inputs=), a tensor hook,
create_graph; removal; refusals; and the optimizer-in-backward pattern it is made for."""
import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")


def _program(lib):
    x = lib.ones(2, requires_grad=True)
    seen = []
    h = x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.detach().tolist()))
    (x * 2 + x * 3).sum().backward()                   # two paths: one call, on the sum
    lib.autograd.grad((x * 2).sum(), x)                # .grad untouched: no call
    (x * 2).sum().backward(inputs=[x])
    g = x.register_hook(lambda grad: grad * 10)        # runs before the accumulation
    (x * 1).sum().backward()
    g.remove()
    (x * x).sum().backward(create_graph=True)
    h.remove()
    (x * 2).sum().backward()                           # removed: no call
    return seen


def test_post_accumulate_hooks_run_as_torch():
    assert _program(autograd) == _program(torch) == [
        [5.0, 5.0], [7.0, 7.0], [17.0, 17.0], [19.0, 19.0]]


def test_optimizer_in_backward():
    out = []
    for lib in (autograd, torch):
        w = lib.ones(3, requires_grad=True)

        def step(p):
            with lib.no_grad():
                p -= 0.1 * p.grad
            p.grad = None

        w.register_post_accumulate_grad_hook(step)
        (w * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        assert w.grad is None
        out.append(w.detach().numpy())
    np.testing.assert_allclose(out[0], out[1])


def test_refusals_as_torch():
    for lib in (autograd, torch):
        x = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="non-leaf"):
            (x * 1).register_post_accumulate_grad_hook(lambda t: None)
        with pytest.raises(RuntimeError, match="doesn't require gradient"):
            lib.ones(2).register_post_accumulate_grad_hook(lambda t: None)


def test_removing_the_last_tensor_hook_keeps_the_post_hook():
    x = autograd.ones(2, requires_grad=True)
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append(1))
    x.register_hook(lambda g: None).remove()
    (x * 2).sum().backward()
    assert seen == [1]
