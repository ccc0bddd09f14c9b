"""Ops whose dtype or dim rules follow PyTorch's in corner cases: bitwise &, |, ^, ~ on
integers, clamp with tensor bounds (and its gradients) or float bounds on integers, an empty
dim list in reductions, unsigned sums, einsum with a label broadcast from size 1."""
import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("op", ["__and__", "__or__", "__xor__"])
@pytest.mark.parametrize("da, db", [(np.int32, np.int32), (np.int64, np.int32),
                                    (np.bool_, np.int64), (np.bool_, np.bool_),
                                    (np.uint8, np.uint8)])
def test_bitwise_ops_match_torch(op, da, db):
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 8, 6).astype(da), rng.integers(0, 8, 6).astype(db)
    got = getattr(autograd.tensor(a), op)(autograd.tensor(b))
    want = getattr(torch.tensor(a), op)(torch.tensor(b))
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert got.numpy().dtype == want.numpy().dtype
    # with a Python number on either side
    got = getattr(autograd.tensor(a), op)(3)
    np.testing.assert_array_equal(got.numpy(), getattr(torch.tensor(a), op)(3).numpy())
    rop = op.replace("__", "__r", 1)
    np.testing.assert_array_equal(getattr(autograd.tensor(a), rop)(5).numpy(),
                                  getattr(torch.tensor(a), rop)(5).numpy())


def test_bitwise_not_and_float_errors():
    a = np.array([0, 5, -3], np.int32)
    np.testing.assert_array_equal((~autograd.tensor(a)).numpy(), (~torch.tensor(a)).numpy())
    np.testing.assert_array_equal(autograd.tensor(a).bitwise_not().numpy(), ~a)
    with pytest.raises(TypeError, match=r"bitwise_and: needs bool or integer.*float32"):
        autograd.tensor(np.ones(2, np.float32)) & autograd.tensor(np.ones(2, np.int32))
    with pytest.raises(TypeError, match="~"):
        ~autograd.tensor(np.ones(2, np.float32))


def test_clamp_with_tensor_bounds_matches_torch_with_gradients():
    rng = np.random.default_rng(1)
    for case in range(20):
        x = rng.integers(-3, 4, (3, 4)).astype(np.float64)   # ties with the bounds too
        lo = rng.integers(-2, 2, (1, 4)).astype(np.float64)
        hi = rng.integers(-1, 3, (3, 1)).astype(np.float64)
        for use_lo, use_hi in [(True, True), (True, False), (False, True)]:
            ours = [autograd.tensor(v, requires_grad=True) for v in (x, lo, hi)]
            ref = [torch.tensor(v, requires_grad=True) for v in (x, lo, hi)]
            y = ours[0].clamp(ours[1] if use_lo else None, ours[2] if use_hi else None)
            ty = ref[0].clamp(ref[1] if use_lo else None, ref[2] if use_hi else None)
            np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
            w = rng.standard_normal(y.shape)
            (y * autograd.tensor(w)).sum().backward()
            (ty * torch.tensor(w)).sum().backward()
            for o, t in zip(ours, ref):
                if t.grad is None:
                    assert o.grad is None or not o.grad.numpy().any()
                else:
                    np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_clamp_mixed_bounds_and_integer_promotion():
    x = np.array([1, 2, 3], np.int32)
    got = autograd.tensor(x).clamp(1, 2.5)
    want = torch.tensor(x).clamp(1, 2.5)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert got.numpy().dtype == want.numpy().dtype
    xf = np.array([-2.0, 0.5, 3.0])
    got = autograd.tensor(xf).clamp(autograd.tensor(np.zeros(3)), 1.0)
    np.testing.assert_array_equal(got.numpy(), np.clip(xf, 0, 1))
    assert autograd.tensor(x).clamp(0, 2).numpy().dtype == np.int32


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "var", "std", "norm"])
@pytest.mark.parametrize("keepdim", [False, True])
def test_an_empty_dim_list_reduces_everything(name, keepdim):
    x = np.arange(6.0).reshape(2, 3)
    t = autograd.tensor(x, requires_grad=True)
    tt = torch.tensor(x, requires_grad=True)
    got, want = getattr(t, name)(dim=(), keepdim=keepdim), getattr(tt, name)(dim=(),
                                                                             keepdim=keepdim)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-12)
    got.sum().backward()
    # torch's var/std backward with dim=() gives inf (its forward reduced everything): compare
    # with the gradient of the full reduction
    full = torch.tensor(x, requires_grad=True)
    getattr(full, name)(dim=(0, 1), keepdim=keepdim).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), full.grad.numpy(), rtol=1e-12)
    # all / any keep torch's meaning of an empty dim list: no reduction
    np.testing.assert_array_equal(autograd.tensor(x).any(dim=()).numpy(),
                                  torch.tensor(x).any(dim=()).numpy())


def test_unsigned_sum_is_int64():
    x = np.array([200, 100], np.uint8)
    got = autograd.tensor(x).sum()
    assert got.numpy().dtype == np.int64 and got.item() == 300


def test_einsum_label_broadcast_from_size_one():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((3, 1)), rng.standard_normal(4)
    ours = [autograd.tensor(v, requires_grad=True) for v in (a, b)]
    ref = [torch.tensor(v, requires_grad=True) for v in (a, b)]
    y = autograd.einsum("ij,j->i", *ours)
    ty = torch.einsum("ij,j->i", *ref)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    for o, t in zip(ours, ref):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_bitwise_functions():
    a, b = np.array([6, 3, 5]), np.array([3, 5, 1])
    for name in ["bitwise_and", "bitwise_or", "bitwise_xor"]:
        np.testing.assert_array_equal(
            getattr(autograd, name)(autograd.tensor(a), autograd.tensor(b)).numpy(),
            getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy())
    np.testing.assert_array_equal(autograd.bitwise_not(autograd.tensor(a)).numpy(),
                                  torch.bitwise_not(torch.tensor(a)).numpy())


def test_integer_pow_with_negative_exponents_as_torch():
    b = np.array([2, 1, -1, -1, 0, 3, -2])
    e = np.array([-1, -3, -3, -2, -1, 2, -1])
    got = autograd.tensor(b) ** autograd.tensor(e)
    want = torch.tensor(b) ** torch.tensor(e)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert got.numpy().dtype == want.numpy().dtype
    np.testing.assert_array_equal((2 ** autograd.tensor(np.array([-1, 0, 2, 5]))).numpy(),
                                  (2 ** torch.tensor([-1, 0, 2, 5])).numpy())
