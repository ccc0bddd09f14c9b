"""retain_grad() then an in-place op: as in torch 2, .grad is the gradient of the tensor's
current value (the retain moves to the new node); hooks registered before stay with the old
value."""
import pytest

import autograd

torch = pytest.importorskip("torch")


def _program(lib, kind):
    x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
    y = x * 1
    y.retain_grad()
    v, seen = None, []
    if kind == "mul_":
        y.mul_(3)
    elif kind == "view-write":
        y[0:1].mul_(3)
    elif kind == "setitem":
        y[1] = x[0] * 5
    elif kind == "retained-view":
        v = y[1:]
        v.retain_grad()
        y.mul_(2)
    elif kind == "hook-stays":
        y.register_hook(lambda g: seen.append(g.tolist()))
        y.mul_(3)
    w = lib.tensor([1.0, 10.0, 100.0], dtype=lib.float64)
    loss = (y * w).sum() + ((v * v).sum() if v is not None else 0)
    loss.backward()
    return (y.grad.tolist(), None if v is None else v.grad.tolist(), seen, x.grad.tolist())


@pytest.mark.parametrize("kind", ["mul_", "view-write", "setitem", "retained-view",
                                  "hook-stays"])
def test_retained_grad_follows_in_place_ops_as_torch(kind):
    assert _program(autograd, kind) == _program(torch, kind)
