"""In-place ops on the result of an op that copies (advanced indexing, index_select, a reshape
that had to copy, max/min(dim)'s values) act on that result alone, as torch's: the augmented
assignments `y[:, [0, 2]] *= 2` and `y[:, idx] += 1` were refused as writes through a view."""
import pytest

import autograd

torch = pytest.importorskip("torch")


def _program(lib, kind):
    x = lib.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]], dtype=lib.float64, requires_grad=True)
    y = x * 1
    v = None
    if kind == "aug cols":
        y[:, [0, 2]] *= 2
    elif kind == "aug index tensor":
        y[:, lib.tensor([0, 2])] += 1
    elif kind == "aug mask":
        y[y > 2] *= 2
    elif kind == "index_select":
        v = y.index_select(1, lib.tensor([0, 2]))
        v.mul_(2)
    elif kind == "reshape copy":
        v = y.t().reshape(6)
        v.mul_(3)
    elif kind in ("max values", "min values"):
        v = getattr(y, kind.split()[0])(1).values
        v.mul_(2)
    loss = (y * y).sum() + (0 if v is None else (v * v).sum())
    loss.backward()
    return y.tolist(), None if v is None else v.tolist(), x.grad.tolist()


@pytest.mark.parametrize("kind", ["aug cols", "aug index tensor", "aug mask", "index_select",
                                  "reshape copy", "max values", "min values"])
def test_in_place_on_a_copy_as_torch(kind):
    assert _program(autograd, kind) == _program(torch, kind)


def test_in_place_through_a_real_view_still_writes_the_base():
    for lib in (autograd, torch):
        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        y = x * 1
        y[1:].mul_(2)
        y.sum().backward()
        assert x.grad.tolist() == [1.0, 2.0, 2.0]
