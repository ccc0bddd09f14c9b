"""batch_norm and layer_norm: float64 gradchecks, torch values + grads, running statistics."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def check_both(fn, tfn, arrays, seed=0):
    ours = [autograd.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = fn(*ours), tfn(*theirs)
    g = np.random.default_rng(seed).standard_normal(ty.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-11)


@st.composite
def bn_problems(draw):
    n, c = draw(st.integers(2, 4)), draw(st.integers(1, 3))
    spatial = draw(st.sampled_from([(), (3,), (2, 3)]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.standard_normal((n, c) + spatial) * 2 + 1
    affine = draw(st.sampled_from(["both", "weight", "bias", "none"]))
    w = rng.standard_normal(c) if affine in ("both", "weight") else None
    b = rng.standard_normal(c) if affine in ("both", "bias") else None
    stats = (rng.standard_normal(c), rng.uniform(0.5, 2, c))
    return x, w, b, stats, draw(st.booleans()), draw(st.sampled_from([0.1, 0.5]))


def split(x, w, b):
    """The non-None arrays, and a function mapping their tensors back to (x, w, b), None for
    a missing w or b."""
    arrays = [a for a in (x, w, b) if a is not None]

    def call(*ts):
        it = iter(ts)
        return (next(it), next(it) if w is not None else None,
                next(it) if b is not None else None)
    return arrays, call


@settings(deadline=None, max_examples=40)
@given(p=bn_problems())
def test_batch_norm_matches_torch(p):
    x, w, b, (rm, rv), training, momentum = p
    arrays, unpack = split(x, w, b)
    ours_stats = [autograd.tensor(rm.copy()), autograd.tensor(rv.copy())]
    torch_stats = [torch.tensor(rm.copy()), torch.tensor(rv.copy())]

    def ours(*ts):
        xx, ww, bb = unpack(*ts)
        return F.batch_norm(xx, *ours_stats, ww, bb, training=training, momentum=momentum)

    def theirs(*ts):
        xx, ww, bb = unpack(*ts)
        return TF.batch_norm(xx, *torch_stats, ww, bb, training=training, momentum=momentum)

    check_both(ours, theirs, arrays)
    for o, t in zip(ours_stats, torch_stats):       # updated in place like PyTorch
        np.testing.assert_allclose(o.data, t.numpy(), rtol=1e-12)
    if not training:
        np.testing.assert_array_equal(ours_stats[0].data, rm)


@settings(deadline=None, max_examples=20)
@given(p=bn_problems())
def test_batch_norm_gradcheck(p):
    x, w, b, (rm, rv), training, _ = p
    arrays, unpack = split(x, w, b)

    def fn(*ts):
        xx, ww, bb = unpack(*ts)
        # fresh copies: the in-place running-stat update must not leak between evaluations
        return F.batch_norm(xx, rm.copy(), rv.copy(), ww, bb, training=training)
    assert autograd.gradcheck(fn, arrays, atol=1e-6, rtol=1e-5)


def test_batch_norm_training_uses_biased_var_and_updates_with_unbiased():
    x = np.array([[1.0], [3.0]])                         # N=2, C=1: mean 2, var 1 (biased)
    rm, rv = autograd.zeros(1, dtype=np.float64), autograd.ones(1, dtype=np.float64)
    y = F.batch_norm(autograd.tensor(x), rm, rv, training=True, momentum=0.5, eps=1e-12)
    np.testing.assert_allclose(y.data.ravel(), [-1, 1])
    np.testing.assert_allclose(rm.data, [1.0])           # 0.5 * 0 + 0.5 * 2
    np.testing.assert_allclose(rv.data, [1.5])           # 0.5 * 1 + 0.5 * 2 (unbiased)


def test_batch_norm_float32_and_without_running_stats():
    x = autograd.tensor(np.random.default_rng(1).standard_normal((4, 3, 5)).astype(np.float32),
                        requires_grad=True)
    w = autograd.ones(3, requires_grad=True)
    y = F.batch_norm(x, None, None, w, None, training=True)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == w.grad.dtype == np.float32
    np.testing.assert_allclose(y.data.mean(axis=(0, 2)), 0, atol=1e-6)


def test_batch_norm_bad_arguments():
    x = autograd.zeros(4, 3)
    with pytest.raises(ValueError, match=r"running_mean must have shape \(3,\)"):
        F.batch_norm(x, autograd.zeros(2), autograd.ones(3))
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*\(1, 3\)"):
        F.batch_norm(autograd.zeros(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match="momentum must be a number"):
        F.batch_norm(x, None, None, training=True, momentum=None)
    with pytest.raises(ValueError, match="needed when not training"):
        F.batch_norm(x, None, None)
    with pytest.raises(ValueError, match=r"input \(N, C, \*\)"):
        F.batch_norm(autograd.zeros(3), None, None, training=True)
    with pytest.raises(TypeError, match="input torch.float32, weight torch.float64"):
        F.batch_norm(x, None, None, autograd.ones(3, dtype=np.float64), training=True)


def _raised(fn):
    try:
        fn()
    except Exception as e:   # noqa: BLE001  (the class is what is compared)
        return type(e)
    return None


@pytest.mark.parametrize("eps", [0, 0.0, -1e-5, 1e-5])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_checks_eps_as_torch(eps, training):
    # torch: eps must be positive when training, non-negative otherwise (ValueError)
    x = np.random.default_rng(3).standard_normal((4, 3))

    def stats(lib):
        return lib.zeros(3, dtype=lib.float64), lib.ones(3, dtype=lib.float64)

    def call():
        return F.batch_norm(autograd.tensor(x), *stats(autograd), training=training, eps=eps)
    expected = _raised(lambda: TF.batch_norm(torch.tensor(x), *stats(torch), training=training,
                                             eps=eps))
    if expected is None:
        call()
    else:
        with pytest.raises(expected, match="batch_norm: eps must be"):
            call()
    module = nn.BatchNorm1d(3, eps=eps).double().train(training)
    if expected is None:
        module(autograd.tensor(x))
    else:
        with pytest.raises(expected, match="batch_norm: eps must be"):
            module(autograd.tensor(x))


@pytest.mark.parametrize("eps", [(1e-5, 1e-5), (1e-5,), [1e-5], "1e-5", None])
@pytest.mark.parametrize("op", ["batch_norm", "instance_norm", "layer_norm", "group_norm"])
def test_a_norm_refuses_an_eps_that_is_not_a_number_as_torch(op, eps):
    x = np.zeros((2, 3, 4))
    calls = {"batch_norm": lambda f, t: f.batch_norm(t, None, None, training=True, eps=eps),
             "instance_norm": lambda f, t: f.instance_norm(t, eps=eps),
             "layer_norm": lambda f, t: f.layer_norm(t, (4,), eps=eps),
             "group_norm": lambda f, t: f.group_norm(t, 3, eps=eps)}
    assert _raised(lambda: calls[op](TF, torch.tensor(x))) is TypeError
    with pytest.raises(TypeError, match=f"{op}: eps must be a number"):
        calls[op](F, autograd.tensor(x))


def test_batch_norm_running_stats_must_be_tensors():
    x = autograd.zeros(4, 3)
    for stat in (0, [0.0, 0.0, 0.0]):
        with pytest.raises(TypeError, match="batch_norm: running_mean must be a Tensor or None"):
            F.batch_norm(x, stat, stat)


@pytest.mark.parametrize("call", [
    lambda f, x, t: f.batch_norm(x, t(2), t(3)),
    lambda f, x, t: f.batch_norm(x, None, None, t(2), training=True),
    lambda f, x, t: f.batch_norm(x, None, None),
    lambda f, x, t: f.batch_norm(x[0, 0], t(4), t(4)),
    lambda f, x, t: f.group_norm(x, 2),
    lambda f, x, t: f.group_norm(x, 3, t(2)),
    lambda f, x, t: f.group_norm(x[0, 0], 1),
    lambda f, x, t: f.layer_norm(x, (3,)),
    lambda f, x, t: f.layer_norm(x, (4,), t(3)),
    lambda f, x, t: f.layer_norm(x, ()),
    lambda f, x, t: f.instance_norm(x, weight=t(2)),
    lambda f, x, t: f.instance_norm(x, t(2), t(2), use_input_stats=False),
])
def test_norm_shape_errors_are_runtime_errors_as_torch(call):
    assert _raised(lambda: call(TF, torch.zeros(2, 3, 4, dtype=torch.float64),
                                lambda n: torch.ones(n, dtype=torch.float64))) is RuntimeError
    with pytest.raises(RuntimeError):
        call(F, autograd.zeros(2, 3, 4, dtype=np.float64),
             lambda n: autograd.ones(n, dtype=np.float64))


@pytest.mark.parametrize("shape,normalized", [((4, 5), 5), ((2, 3, 4), (3, 4)), ((2, 3, 4), (4,)),
                                              ((6,), (6,))])
@pytest.mark.parametrize("affine", ["both", "weight", "none"])
def test_layer_norm_matches_torch_and_gradchecks(shape, normalized, affine):
    rng = np.random.default_rng(2)
    norm = (normalized,) if isinstance(normalized, int) else normalized
    x = rng.standard_normal(shape) * 3 + 2
    w = rng.standard_normal(norm) if affine != "none" else None
    b = rng.standard_normal(norm) if affine == "both" else None
    arrays, unpack = split(x, w, b)

    def ours(*ts):
        xx, ww, bb = unpack(*ts)
        return F.layer_norm(xx, normalized, ww, bb)

    def theirs(*ts):
        xx, ww, bb = unpack(*ts)
        return TF.layer_norm(xx, norm, ww, bb)

    check_both(ours, theirs, arrays)
    assert autograd.gradcheck(ours, arrays, atol=1e-6, rtol=1e-5)


def test_layer_norm_float32_and_bad_shapes():
    x = autograd.tensor(np.random.default_rng(3).standard_normal((2, 8)).astype(np.float32),
                        requires_grad=True)
    y = F.layer_norm(x, 8)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    with pytest.raises(ValueError, match=r"normalized_shape \(4,\).*\(2, 8\)"):
        F.layer_norm(x, 4)
    with pytest.raises(ValueError, match=r"weight must have shape \(8,\)"):
        F.layer_norm(x, 8, autograd.ones(4))


@pytest.mark.parametrize("case", ["layer_norm-0", "layer_norm-no-rows", "batch_norm-eval-0-ch",
                                  "batch_norm-train-no-rows"])
def test_norms_on_empty_input_match_torch(case):
    rng = np.random.default_rng(6)
    if case.startswith("layer_norm"):
        shape = (2, 0) if case.endswith("-0") else (0, 3)
        arrays = [rng.standard_normal(shape), rng.standard_normal(shape[1:]),
                  rng.standard_normal(shape[1:])]
        check_both(lambda x, w, b: F.layer_norm(x, shape[1:], w, b),
                 lambda x, w, b: TF.layer_norm(x, shape[1:], w, b), arrays)
        return
    c, training = (0, False) if case.endswith("0-ch") else (3, True)
    arrays = [rng.standard_normal((2 if c == 0 else 0, c)), rng.standard_normal(c),
              rng.standard_normal(c)]
    stats = [np.zeros(c), np.ones(c)]
    ours, theirs = [s.copy() for s in stats], [torch.tensor(s) for s in stats]
    if c == 0:   # torch's affine path fails on zero channels (select() out of range)
        check_both(lambda x: F.batch_norm(x, *ours, training=training),
                 lambda x: TF.batch_norm(x, *theirs, training=training), arrays[:1])
    else:
        check_both(lambda x, w, b: F.batch_norm(x, *ours, w, b, training=training),
                 lambda x, w, b: TF.batch_norm(x, *theirs, w, b, training=training), arrays)
    for a, t in zip(ours, theirs):
        np.testing.assert_array_equal(a, t.numpy())
