"""new_zeros/new_ones/new_full/new_empty/new_tensor, randn_like/rand_like/randint_like,
multinomial and the random fills uniform_/normal_/exponential_: dtypes and values against
torch, reproducibility under manual_seed, distributions, grad-mode rules."""
import numpy as np
import pytest

import autograd
import nn

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool"])
def test_new_factories_take_self_dtype_like_torch(dtype):
    ours = autograd.tensor(np.ones((2, 2), dtype))
    theirs = torch.tensor(np.ones((2, 2), dtype))
    cases = [("new_zeros", ((2, 3),), {}), ("new_ones", (2, 3), {}), ("new_empty", ((0, 2),), {}),
             ("new_full", ((3,), 7), {}), ("new_full", ((2, 1), 2.75), {}),
             ("new_tensor", ([[1.5, -2.0], [0.0, 3.25]],), {}), ("new_tensor", (4,), {}),
             ("new_zeros", (3,), {"dtype": "float64"}), ("new_full", ((2,), 1), {"dtype": "int64"})]
    for name, args, kw in cases:
        got = getattr(ours, name)(*args, **{k: np.dtype(v) for k, v in kw.items()})
        want = getattr(theirs, name)(*args, **{k: getattr(torch, v) for k, v in kw.items()})
        assert got.shape == tuple(want.shape), name
        assert got.dtype == np.dtype(str(want.dtype).replace("torch.", "")), (name, got.dtype)
        if name != "new_empty":
            np.testing.assert_array_equal(got.data, want.numpy())


def test_new_factories_make_fresh_leaves():
    x = autograd.randn(2, requires_grad=True) * 2
    t = x.new_tensor(x.data, requires_grad=True)
    assert t.is_leaf and t.requires_grad and t.data is not x.data
    assert not x.new_zeros(2).requires_grad
    with pytest.raises(TypeError, match="only floating-point tensors can require grad"):
        autograd.tensor([1, 2]).new_ones(2, requires_grad=True)
    with pytest.raises(ValueError, match=r"new_zeros: sizes must be non-negative ints, got "
                                         r"\(2, -1\)"):
        x.new_zeros(2, -1)


def test_like_factories_follow_input_dtype_and_seed():
    x = autograd.zeros(3, 4, dtype=autograd.float64)
    for fn in (autograd.randn_like, autograd.rand_like):
        autograd.manual_seed(3)
        a = fn(x)
        autograd.manual_seed(3)
        b = fn(x)
        assert a.dtype == np.float64 and a.shape == (3, 4) and np.array_equal(a.data, b.data)
        assert fn(x, dtype=autograd.float32).dtype == np.float32
        assert fn(x, requires_grad=True).requires_grad
        with pytest.raises(TypeError, match=r"_like: needs a floating-point dtype, got int64"):
            fn(autograd.zeros(2, dtype=autograd.int64))
    u = autograd.rand_like(autograd.zeros(10000)).data
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.02
    n = autograd.randn_like(autograd.zeros(10000)).data
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1) < 0.05
    r = autograd.randint_like(autograd.zeros(5000, dtype=autograd.int64), 3, 7)
    assert r.dtype == np.int64 and set(np.unique(r.data)) == {3, 4, 5, 6}
    r = autograd.randint_like(x, 5)
    assert r.dtype == np.float64 and r.data.min() >= 0 and r.data.max() <= 4
    assert np.array_equal(r.data, np.round(r.data))
    with pytest.raises(ValueError, match="randint_like: expects low < high"):
        autograd.randint_like(x, 4, 4)


def test_multinomial_shapes_dtype_and_frequencies():
    autograd.manual_seed(0)
    p = np.array([0.1, 0.0, 0.6, 0.3])
    s = autograd.multinomial(autograd.tensor(p), 20000, replacement=True)
    assert s.dtype == np.int64 and s.shape == (20000,)
    np.testing.assert_allclose(np.bincount(s.data, minlength=4) / 20000, p, atol=0.015)
    rows = autograd.tensor(np.array([[1.0, 2.0, 0.0, 1.0], [0.0, 0.0, 5.0, 1.0]]))
    w = rows.multinomial(2)
    assert w.shape == (2, 2) and w.dtype == np.int64
    for row, picks in zip(rows.data, w.data):
        assert len(set(picks)) == 2 and all(row[picks] > 0)
    first = autograd.tensor(np.tile(p, (20000, 1))).multinomial(2).data
    np.testing.assert_allclose(np.bincount(first[:, 0], minlength=4) / 20000, p, atol=0.015)
    assert (first[:, 0] != first[:, 1]).all() and (first != 1).all()
    # a second pick without replacement is drawn from what is left: P(2nd = 0 | 1st = 2)
    given2 = first[first[:, 0] == 2, 1]
    assert abs(np.mean(given2 == 0) - 0.1 / 0.4) < 0.03
    autograd.manual_seed(5)
    a = autograd.tensor(p).multinomial(3)
    autograd.manual_seed(5)
    np.testing.assert_array_equal(a.data, autograd.tensor(p).multinomial(3).data)
    g = np.random.default_rng(1)
    assert autograd.tensor(p).multinomial(4, True, generator=g).shape == (4,)


def test_multinomial_refuses_bad_weights():
    with pytest.raises(ValueError, match=r"cannot draw 3 samples without replacement from "
                                         r"weights of shape \(4,\) with only 2 nonzero"):
        autograd.tensor([1.0, 0.0, 2.0, 0.0]).multinomial(3)
    with pytest.raises(ValueError, match="finite and non-negative"):
        autograd.tensor([1.0, -1.0]).multinomial(1)
    with pytest.raises(ValueError, match="finite and non-negative"):
        autograd.tensor([1.0, np.inf]).multinomial(1)
    with pytest.raises(ValueError, match=r"a row of the weights of shape \(2, 2\) sums to 0"):
        autograd.tensor([[1.0, 1.0], [0.0, 0.0]]).multinomial(1, True)
    with pytest.raises(ValueError, match=r"must be 1-d or 2-d, got shape \(1, 1, 2\)"):
        autograd.ones(1, 1, 2).multinomial(1)
    with pytest.raises(TypeError, match="must be floating point, got dtype int64"):
        autograd.tensor([1, 2]).multinomial(1)
    with pytest.raises(ValueError, match="num_samples must be a positive int"):
        autograd.ones(3).multinomial(0)


def test_random_fills_match_nn_init_and_keep_dtype():
    for dtype in (autograd.float32, autograd.float64):
        t = autograd.zeros(200, 50, dtype=dtype)
        autograd.manual_seed(7)
        assert t.uniform_(-2, 3) is t and t.dtype == dtype
        ref = autograd.zeros(200, 50, dtype=dtype)
        autograd.manual_seed(7)
        nn.init.uniform_(ref, -2, 3)
        np.testing.assert_array_equal(t.data, ref.data)
        assert -2 <= t.data.min() and t.data.max() < 3 and abs(t.data.mean() - 0.5) < 0.05
        t.normal_(1.0, 2.0)
        assert abs(t.data.mean() - 1) < 0.1 and abs(t.data.std() - 2) < 0.1
        t.exponential_(4.0)
        assert t.data.min() >= 0 and abs(t.data.mean() - 0.25) < 0.02
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    a, b = autograd.zeros(5), autograd.zeros(5)
    np.testing.assert_array_equal(a.normal_(generator=g1).data, b.normal_(generator=g2).data)


def test_random_fills_follow_torch_grad_mode_rules():
    for lib in (autograd, torch):
        w = lib.zeros(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf"):
            w.uniform_()
        with lib.no_grad():
            w.normal_()
        assert w.requires_grad and w.is_leaf
    # on an op output the fill is recorded: the old values get no gradient
    grads = []
    for lib in (autograd, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y.uniform_(5, 6)
        assert y.requires_grad
        (y * x).sum().backward()
        grads.append((x.grad.numpy(), y.detach().numpy()))
    for g, y in grads:
        np.testing.assert_allclose(g, y)   # d(y * x)/dx = y: nothing through the old y
    # a graph that saved the tensor notices the fill
    w, x = autograd.ones(3), autograd.ones(3, requires_grad=True)
    z = (w * x).sum()
    w.normal_()
    with pytest.raises(RuntimeError, match="modified in place"):
        z.backward()


def test_random_fills_refuse_bad_arguments():
    with pytest.raises(TypeError, match=r"normal_: needs a floating-point tensor, got dtype torch.int64"):
        autograd.tensor([1, 2]).normal_()
    with pytest.raises(ValueError, match=r"uniform_: expects from_ <= to, got from_=1, to=0"):
        autograd.zeros(2).uniform_(1, 0)
    with pytest.raises(ValueError, match="normal_: expects std >= 0"):
        autograd.zeros(2).normal_(0, -1)
    with pytest.raises(ValueError, match="exponential_: expects lambd > 0"):
        autograd.zeros(2).exponential_(0)
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator"):
        autograd.zeros(2).uniform_(generator=3)
