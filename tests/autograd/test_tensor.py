"""Tensor creation, attributes, repr and the dtype rules (PyTorch's, not numpy's)."""
import numpy as np
import pytest

import autograd
from autograd import Tensor

torch = pytest.importorskip("torch")


# ----------------------------------------------------------------------------- creation
def test_tensor_from_python_floats_is_float32():
    assert autograd.tensor([1.0, 2.0]).dtype == np.float32
    assert autograd.tensor(1.5).dtype == np.float32
    assert autograd.tensor([[1.0], [2.0]]).shape == (2, 1)
    assert Tensor([1.0, 2.0]).dtype == np.float32


def test_tensor_from_python_ints_and_bools():
    assert autograd.tensor([1, 2]).dtype == np.int64
    assert autograd.tensor(True).dtype == np.bool_


def test_tensor_from_numpy_keeps_dtype_and_copies():
    a = np.ones(3)
    t = autograd.tensor(a)
    assert t.dtype == np.float64
    a[0] = 5
    assert t.data[0] == 1, "tensor() must copy its data"
    assert autograd.tensor(a, dtype=autograd.float32).dtype == np.float32


def test_tensor_from_tensor_copies():
    t = autograd.tensor([1.0, 2.0])
    u = autograd.tensor(t)
    u.data[0] = 7
    assert t.data[0] == 1


def test_tensor_explicit_dtype_and_requires_grad():
    t = autograd.tensor([1, 2], dtype=autograd.float64, requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad and t.is_leaf and t.grad is None


def test_tensor_rejects_strings():
    with pytest.raises(TypeError, match="tensor"):
        autograd.tensor(["a"])


def test_from_numpy_shares_memory():
    a = np.zeros(3, np.float64)
    t = autograd.from_numpy(a)
    a[1] = 4
    assert t.data[1] == 4 and t.dtype == np.float64


@pytest.mark.parametrize("make", [autograd.zeros, autograd.ones])
def test_zeros_ones(make):
    for t in (make(2, 3), make((2, 3)), make([2, 3])):
        assert t.shape == (2, 3) and t.dtype == np.float32
    assert make(2, dtype=autograd.float64).dtype == np.float64
    assert make(()).shape == ()
    assert make(2, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="non-negative"):
        make(-1)


def test_zeros_like_ones_like_follow_the_source():
    src = autograd.tensor([[1, 2]])
    assert autograd.zeros_like(src).dtype == np.int64
    assert np.all(autograd.ones_like(src).data == 1)
    f = autograd.zeros_like(autograd.ones(2, 2), requires_grad=True)
    assert f.shape == (2, 2) and f.dtype == np.float32 and f.requires_grad


def test_full_dtype_follows_fill_value_like_torch():
    for value in (3, 3.5, True):
        ours, theirs = autograd.full((2, 3), value), torch.full((2, 3), value)
        assert ours.shape == (2, 3)
        assert str(ours.dtype) == str(theirs.dtype)
        assert np.all(ours.data == value)
    assert autograd.full(4, 1.0).shape == (4,)
    assert autograd.full((2,), 1, dtype=autograd.float64).dtype == np.float64


def test_arange_like_torch():
    assert autograd.arange(5).dtype == np.int64
    assert autograd.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert autograd.arange(1, 7, 2).tolist() == [1, 3, 5]
    f = autograd.arange(0.0, 1.0, 0.25)
    assert f.dtype == np.float32
    np.testing.assert_allclose(f.data, torch.arange(0.0, 1.0, 0.25).numpy())


def test_randn_rand_manual_seed():
    autograd.manual_seed(3)
    a, b = autograd.randn(4, 5), autograd.rand(100)
    autograd.manual_seed(3)
    assert np.array_equal(a.data, autograd.randn(4, 5).data)
    assert np.array_equal(b.data, autograd.rand(100).data)
    assert a.dtype == np.float32 and a.shape == (4, 5)
    assert autograd.randn(2, dtype=autograd.float64).dtype == np.float64
    assert 0 <= b.data.min() and b.data.max() < 1
    assert autograd.randn((3,), requires_grad=True).requires_grad


# ----------------------------------------------------------------------------- attributes
def test_shape_attributes():
    t = autograd.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and t.ndim == 3 and t.dim() == 3
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4
    assert t.numel() == 24 and len(t) == 2
    assert t.T.shape == (4, 3, 2)
    assert autograd.tensor(1.0).T.shape == ()


def test_conversions():
    t = autograd.tensor([[1.5, 2.0]])
    assert t.tolist() == [[1.5, 2.0]]
    assert isinstance(t.numpy(), np.ndarray) and t.numpy().dtype == np.float32
    assert np.asarray(t).shape == (1, 2)
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert autograd.tensor([2.5]).item() == 2.5
    assert float(autograd.tensor(2.5)) == 2.5 and int(autograd.tensor([3])) == 3
    with pytest.raises(ValueError, match="item"):
        t.item()
    with pytest.raises(TypeError):
        len(autograd.tensor(1.0))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(t)


def test_requires_grad_rules():
    t = autograd.zeros(2)
    assert not t.requires_grad
    assert t.requires_grad_() is t and t.requires_grad
    t.requires_grad_(False)
    assert not t.requires_grad
    for data in ([1, 2], [True]):
        with pytest.raises(TypeError, match="floating-point"):
            autograd.tensor(data, requires_grad=True)
        with pytest.raises(TypeError, match="floating-point"):
            autograd.tensor(data).requires_grad_()
    y = autograd.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="detach"):
        y.requires_grad_(False)


def test_leaf_and_grad_fn():
    x = autograd.ones(2, requires_grad=True)
    y = x * 2
    assert x.is_leaf and x.grad_fn is None
    assert not y.is_leaf and y.grad_fn is not None and "Mul" in repr(y.grad_fn)
    assert autograd.ones(2).is_leaf


def test_repr():
    assert repr(autograd.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(autograd.tensor([1.0], dtype=autograd.float64)) == \
        "tensor([1.], dtype=torch.float64)"
    assert repr(autograd.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(autograd.tensor([1.0], requires_grad=True)) == \
        "tensor([1.], requires_grad=True)"
    r = repr(autograd.tensor([1.0], requires_grad=True) * 2)
    assert r.startswith("tensor([2.], grad_fn=<Mul")
    assert repr(autograd.tensor(3.0)) == "tensor(3.)"
    assert "..." not in repr(autograd.zeros(1000)) and "..." in repr(autograd.zeros(1001))
    assert repr(autograd.tensor([0.1234567, 100.25])) == "tensor([  0.1235, 100.2500])"


# ----------------------------------------------------------------------------- dtype rules
def _torch_dtype(ours):
    return str(ours)


PROMOTION_CASES = [
    ("float32 * python float", lambda m: m.ones(3) * 2.5),
    ("python float * float32", lambda m: 2.5 * m.ones(3)),
    ("float32 * numpy float64 scalar", lambda m: m.ones(3) * np.float64(2)),
    ("numpy float64 scalar * float32", lambda m: np.float64(2) * m.ones(3)),
    ("float32 + 0-d float64", lambda m: m.ones(3) + m.tensor(1.5, dtype=m.float64)),
    ("float32 + float64", lambda m: m.ones(3) + m.ones(3, dtype=m.float64)),
    ("int64 + python float", lambda m: m.tensor([1, 2]) + 1.5),
    ("int64 + float32", lambda m: m.tensor([1, 2]) + m.ones(2)),
    ("int64 + 0-d float64", lambda m: m.tensor([1, 2]) + m.tensor(1.5, dtype=m.float64)),
    ("int64 * python int", lambda m: m.tensor([1, 2]) * 2),
    ("int32 + 0-d int64", lambda m: m.tensor([1], dtype=m.int32) + m.tensor(1)),
    ("int64 / int64", lambda m: m.tensor([1, 2]) / m.tensor([2, 2])),
    ("int64 ** 2", lambda m: m.tensor([1, 2]) ** 2),
    ("int64 ** 0.5", lambda m: m.tensor([1, 4]) ** 0.5),
    ("2.0 ** int64", lambda m: 2.0 ** m.tensor([1, 4])),
    ("float32 ** 2", lambda m: m.ones(2) ** 2),
    ("2 ** float32", lambda m: 2 ** m.ones(2)),
    ("exp(int64)", lambda m: m.tensor([1, 2]).exp()),
    ("sum(int64)", lambda m: m.tensor([1, 2]).sum()),
    ("maximum float32 0-d float64", lambda m: m.maximum(m.ones(2), m.tensor(0.5, dtype=m.float64))),
    ("where float32 python float", lambda m: m.where(m.tensor([True, False]), m.ones(2), 0.0)),
    ("where float32 float64", lambda m: m.where(m.tensor([True, False]), m.ones(2),
                                                m.zeros(2, dtype=m.float64))),
    ("comparison", lambda m: m.ones(2) > 0.5),
    ("int64 * numpy float64 scalar", lambda m: m.tensor([1, 2]) * np.float64(2.5)),
    ("bool * python float", lambda m: m.tensor([True, False]) * 2.5),
    ("bool + python int", lambda m: m.tensor([True, False]) + 1),
]


@pytest.mark.parametrize("name, expr", PROMOTION_CASES, ids=[c[0] for c in PROMOTION_CASES])
def test_dtype_promotion_matches_torch(name, expr):
    ours, theirs = expr(autograd), expr(torch)
    assert str(ours.dtype) == _torch_dtype(theirs.dtype), name
    np.testing.assert_allclose(np.asarray(ours.data, np.float64),
                               theirs.double().numpy(), rtol=1e-6)


def test_float32_with_numpy_scalars_stays_float32_in_backward():
    x = autograd.randn(4, requires_grad=True)
    y = (np.float64(3) * x + np.float64(1)) / np.float64(2) - x ** np.float64(2)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_mixed_precision_grads_come_back_in_each_leafs_dtype():
    a = autograd.randn(3, requires_grad=True)
    b = autograd.randn(3, dtype=autograd.float64, requires_grad=True)
    out = a * b
    assert out.dtype == np.float64
    out.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    np.testing.assert_allclose(a.grad.data, b.data, rtol=1e-6)


def test_to_and_cast_gradient():
    x = autograd.randn(3, requires_grad=True)
    y = x.double()
    assert y.dtype == np.float64 and x.to(autograd.float32) is x
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, 2 * x.data, rtol=1e-6)
    assert x.long().dtype == np.int64 and not x.long().requires_grad


def test_python_lists_as_operands_stay_float32():
    x = autograd.ones(2, requires_grad=True)
    y = x * [1.5, 2.5] + [[1.0, 0.0]]
    assert y.dtype == np.float32 and y.shape == (1, 2)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.5, 2.5])
