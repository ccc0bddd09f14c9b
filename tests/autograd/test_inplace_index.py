"""scatter_, scatter_add_ and masked_fill_ change the tensor in place and, like PyTorch's, are
recorded on op outputs or with an operand that requires grad: values and gradients against
torch, leaf rules, and clear errors."""
import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(13)
X = RNG.standard_normal((3, 4))
SRC = RNG.standard_normal((2, 4))
IDX = np.array([[2, 0, 1, 0], [0, 1, 2, 2]])
MASK = RNG.random((3, 4)) < 0.5

OPS = {
    "scatter_": lambda y, lib, s, v: y.scatter_(0, lib.tensor(IDX), s),
    "scatter_value": lambda y, lib, s, v: y.scatter_(1, lib.tensor(IDX[:, :2]), 1.25),
    "scatter_add_": lambda y, lib, s, v: y.scatter_add_(0, lib.tensor(IDX), s),
    "masked_fill_": lambda y, lib, s, v: y.masked_fill_(lib.tensor(MASK), v),
    "masked_fill_number": lambda y, lib, s, v: y.masked_fill_(lib.tensor(MASK[0]), -3.0),
}


def _run(lib, op, operand_grad):
    x = lib.tensor(X, requires_grad=True)
    s = lib.tensor(SRC, requires_grad=operand_grad)
    v = lib.tensor(0.75, dtype=lib.float64, requires_grad=operand_grad)
    y = x * 2.0
    out = OPS[op](y, lib, s, v)
    assert out is y
    (y.tanh() * lib.tensor(X)).sum().backward()
    grads = [t.grad.numpy() if t.grad is not None else None for t in (x, s, v)]
    return [y.detach().numpy()] + grads


@pytest.mark.parametrize("operand_grad", [False, True])
@pytest.mark.parametrize("op", list(OPS))
def test_recorded_on_an_op_output_matches_torch(op, operand_grad):
    ours, theirs = _run(autograd, op, operand_grad), _run(torch, op, operand_grad)
    for k, (a, b) in enumerate(zip(ours, theirs)):
        assert (a is None) == (b is None), f"output {k}: {a} vs {b}"
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14, err_msg=f"output {k}")


@pytest.mark.parametrize("op", ["scatter_", "scatter_add_", "masked_fill_"])
def test_a_plain_tensor_is_written_in_place_and_its_aliases_see_it(op):
    t = autograd.tensor(X)
    arr, alias = t._data, t.detach()
    OPS[op](t, autograd, autograd.tensor(SRC), autograd.tensor(0.75, dtype=autograd.float64))
    theirs = torch.tensor(X)
    OPS[op](theirs, torch, torch.tensor(SRC), torch.tensor(0.75, dtype=torch.float64))
    assert t._data is arr and not t.requires_grad
    np.testing.assert_array_equal(alias.data, theirs.numpy())


def test_a_plain_operand_requiring_grad_records_the_write():
    for lib in (autograd, torch):
        t = lib.zeros(3, 4, dtype=lib.float64)
        s = lib.tensor(SRC, requires_grad=True)
        t.scatter_add_(0, lib.tensor(IDX), s)
        assert t.requires_grad and not t.is_leaf
        (t * lib.tensor(X)).sum().backward()
        np.testing.assert_allclose(s.grad.numpy(), np.take_along_axis(X, IDX, 0))


def test_leaf_requiring_grad_only_under_no_grad():
    for lib in (autograd, torch):
        w = lib.tensor(X, requires_grad=True)
        for call in (lambda: w.masked_fill_(lib.tensor(MASK), 0.0),
                     lambda: w.scatter_(0, lib.tensor(IDX), lib.tensor(SRC))):
            with pytest.raises(RuntimeError, match="leaf"):
                call()
        with lib.no_grad():
            w.masked_fill_(lib.tensor(MASK), 0.0)
            w.scatter_(0, lib.tensor(IDX), lib.tensor(SRC))
        assert w.is_leaf and w.requires_grad
    expected = np.where(MASK, 0.0, X)
    np.put_along_axis(expected, IDX, SRC, 0)
    np.testing.assert_array_equal(w.detach().numpy(), expected)


def test_a_graph_that_saved_the_tensor_notices_the_write():
    w, x = autograd.tensor(X), autograd.tensor(X, requires_grad=True)
    z = (w * x).sum()
    w.masked_fill_(autograd.tensor(MASK), 1.0)
    with pytest.raises(RuntimeError, match="modified in place"):
        z.backward()


def test_integer_tensors_and_value_casts_like_torch():
    for fill in (2, 2.7):
        ours = autograd.tensor([[1, 2], [3, 4]])
        ours.masked_fill_(autograd.tensor([[True, False]]), fill)
        theirs = torch.tensor([[1, 2], [3, 4]]).masked_fill_(torch.tensor([[True, False]]), fill)
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    t = autograd.zeros(2, 3, dtype=autograd.int64).scatter_(1, autograd.tensor([[2], [0]]), 5)
    np.testing.assert_array_equal(t.data, [[0, 0, 5], [5, 0, 0]])


def test_bad_arguments_raise_clear_errors():
    t = autograd.zeros(3, 4)
    with pytest.raises(TypeError, match=r"mask must be a bool tensor, got dtype int64"):
        t.masked_fill_(autograd.tensor([1, 0, 1, 0]), 1.0)
    with pytest.raises(ValueError, match=r"mask of shape \(2, 4\) does not broadcast to the "
                                         r"tensor's shape \(3, 4\)"):
        t.masked_fill_(autograd.tensor(np.ones((2, 4), bool)), 1.0)
    with pytest.raises(ValueError, match=r"value must be a number or a 0-d tensor, got a tensor "
                                         r"of shape \(1,\)"):
        t.masked_fill_(autograd.tensor(MASK), autograd.ones(1))
    with pytest.raises(IndexError, match=r"scatter_add: index 3 is out of bounds for dim 0"):
        t.scatter_add_(0, autograd.tensor([[3]]), autograd.ones(1, 1))
    with pytest.raises(ValueError, match=r"scatter: reduce must be 'add' or 'multiply', got "
                                         r"'max'"):
        t.scatter_(0, autograd.tensor([[0]]), autograd.ones(1, 1), reduce="max")
    np.testing.assert_array_equal(t.data, np.zeros((3, 4)))   # nothing written by a failed call


def test_masked_fill_checks_its_mask_and_names_itself():
    t = autograd.ones(2, 3)
    for fill in (t.masked_fill, t.clone().masked_fill_):
        name = fill.__name__
        with pytest.raises(TypeError, match=f"{name}: mask must be a bool tensor.*float64"):
            fill(np.ones((2, 3)), 0.0)
        with pytest.raises(ValueError, match=rf"{name}: a mask of shape \(4, 2, 3\)"):
            fill(np.ones((4, 2, 3), bool), 0.0)
    np.testing.assert_array_equal(t.masked_fill(np.array([True, False, True]), 5.0).data,
                                  [[5, 1, 5], [5, 1, 5]])
