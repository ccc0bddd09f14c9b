"""Losses: float64 gradchecks, values + gradients against torch, stability and bad targets."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

REDUCTIONS = ["mean", "sum", "none"]


def check_both(fn, tfn, floats, ints=(), seed=0, rtol=1e-10):
    """Compare fn(*floats, *ints) with tfn on torch: the value and every float input's grad."""
    ours = [autograd.tensor(a, requires_grad=True) for a in floats]
    theirs = [torch.tensor(a, requires_grad=True) for a in floats]
    y = fn(*ours, *[autograd.tensor(i) for i in ints])
    ty = tfn(*theirs, *[torch.tensor(i) for i in ints])
    g = np.random.default_rng(seed).standard_normal(ty.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=rtol, atol=1e-12)
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=rtol, atol=1e-12)
    return y


@st.composite
def class_problems(draw):
    """Logits (N, C[, d...]), integer targets with some ignored, optional class weights."""
    n, c = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    extra = draw(st.sampled_from([(), (3,), (2, 2)]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, c) + extra) * 3
    target = rng.integers(0, c, (n,) + extra)
    ignore_index = draw(st.sampled_from([-100, 0, 1]))
    if draw(st.booleans()):
        target.reshape(-1)[0] = ignore_index
    weight = rng.uniform(0.2, 2.0, c) if draw(st.booleans()) else None
    return dict(logits=logits, target=target, weight=weight, ignore_index=ignore_index,
                reduction=draw(st.sampled_from(REDUCTIONS)),
                label_smoothing=draw(st.sampled_from([0.0, 0.0, 0.1, 0.5])), seed=seed)


def ce_kwargs(p, for_torch=False):
    w = p["weight"]
    if for_torch and w is not None:
        w = torch.tensor(w)
    return dict(weight=w, ignore_index=p["ignore_index"], reduction=p["reduction"],
                label_smoothing=p["label_smoothing"])


@settings(deadline=None, max_examples=80)
@given(p=class_problems())
def test_cross_entropy_matches_torch(p):
    if p["reduction"] == "mean" and np.all(p["target"] == p["ignore_index"]):
        p["target"].reshape(-1)[0] = 0 if p["ignore_index"] != 0 else 1 % p["logits"].shape[1]
        if np.all(p["target"] == p["ignore_index"]):
            return      # a single class that is ignored: the mean is 0/0 (tested below)
    check_both(lambda x, t: F.cross_entropy(x, t, **ce_kwargs(p)),
             lambda x, t: TF.cross_entropy(x, t, **ce_kwargs(p, True)),
             [p["logits"]], [p["target"]], p["seed"])


@settings(deadline=None, max_examples=25)
@given(p=class_problems())
def test_cross_entropy_gradcheck(p):
    kw = ce_kwargs(p)
    t = autograd.tensor(p["target"])
    assert autograd.gradcheck(lambda x: F.cross_entropy(x, t, **kw), [p["logits"]])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_matches_torch_and_gradchecks(reduction):
    rng = np.random.default_rng(1)
    logp = np.log(rng.dirichlet(np.ones(4), size=(6,)))
    t = rng.integers(0, 4, 6)
    t[2] = -100
    w = rng.uniform(0.5, 2, 4)
    check_both(lambda x, t: F.nll_loss(x, t, weight=w, reduction=reduction),
             lambda x, t: TF.nll_loss(x, t, weight=torch.tensor(w), reduction=reduction),
             [logp], [t])
    logp3 = rng.standard_normal((2, 4, 3))
    t3 = rng.integers(0, 4, (2, 3))
    check_both(lambda x, t: F.nll_loss(x, t, reduction=reduction),
             lambda x, t: TF.nll_loss(x, t, reduction=reduction), [logp3], [t3])
    tt = autograd.tensor(t)
    assert autograd.gradcheck(lambda x: F.nll_loss(x, tt, weight=w, reduction=reduction), [logp])


def test_cross_entropy_unbatched_and_all_ignored():
    x = np.array([0.5, -1.0, 2.0])
    check_both(lambda a, t: F.cross_entropy(a, t), lambda a, t: TF.cross_entropy(a, t),
             [x], [np.array(2)])
    y = F.cross_entropy(autograd.tensor(np.zeros((2, 3))), autograd.tensor([-100, -100]))
    assert np.isnan(y.item())


def test_cross_entropy_is_stable_for_huge_logits():
    x = autograd.tensor(np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4]], np.float32),
                        requires_grad=True)
    loss = F.cross_entropy(x, autograd.tensor([1, 2]))
    loss.backward()
    assert np.isfinite(loss.item()) and abs(loss.item() - 1e4) < 1
    assert np.all(np.isfinite(x.grad.data))
    np.testing.assert_allclose(x.grad.data, [[0.5, -0.5, 0], [0, 0, 0]], atol=1e-6)


def test_cross_entropy_float32_stays_float32():
    x = autograd.tensor(np.random.default_rng(2).standard_normal((4, 5)).astype(np.float32),
                        requires_grad=True)
    loss = F.cross_entropy(x, autograd.tensor([0, 1, 2, 3]), label_smoothing=0.1)
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32


def test_cross_entropy_bad_targets():
    x = autograd.zeros(4, 3)
    with pytest.raises(TypeError, match="dtype float32.*input dtype float32"):
        F.cross_entropy(x, autograd.zeros(4))
    with pytest.raises(ValueError, match=r"target of shape \(5,\).*input of shape \(4, 3\)"):
        F.cross_entropy(x, autograd.tensor([0, 1, 2, 0, 1]))
    with pytest.raises(ValueError, match="target 3 is out of range for 3 classes"):
        F.cross_entropy(x, autograd.tensor([0, 1, 3, 0]))
    with pytest.raises(ValueError, match="target -1 is out of range"):
        F.nll_loss(x, autograd.tensor([0, -1, 2, 0]))
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.cross_entropy(x, autograd.tensor([0, 1, 2, 0]), reduction="avg")
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
        F.cross_entropy(x, autograd.tensor([0, 1, 2, 0]), weight=np.ones(2))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, autograd.tensor([0, 1, 2, 0]), label_smoothing=1.5)
    with pytest.raises(TypeError, match="by keyword"):
        F.cross_entropy(x, autograd.tensor([0, 1, 2, 0]), None, "sum")


def test_legacy_reduction_flags():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    check_both(lambda x, y: F.mse_loss(x, y, size_average=False),
             lambda x, y: TF.mse_loss(x, y, reduction="sum"), [a, b])
    check_both(lambda x, y: F.l1_loss(x, y, reduce=False),
             lambda x, y: TF.l1_loss(x, y, reduction="none"), [a, b])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_elementwise_losses_match_torch(reduction):
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    p, y = rng.uniform(0.02, 0.98, (3, 4)), rng.uniform(0, 1, (3, 4))
    w, pw = rng.uniform(0.5, 2, (3, 4)), rng.uniform(0.5, 2, 4)
    check_both(lambda x, t: F.mse_loss(x, t, reduction=reduction),
             lambda x, t: TF.mse_loss(x, t, reduction=reduction), [a, b])
    check_both(lambda x, t: F.l1_loss(x, t, reduction=reduction),
             lambda x, t: TF.l1_loss(x, t, reduction=reduction), [a, b])
    check_both(lambda x, t: F.binary_cross_entropy(x, t, weight=w, reduction=reduction),
             lambda x, t: TF.binary_cross_entropy(x, t, weight=torch.tensor(w),
                                                  reduction=reduction), [p, y])
    for wt, pwt in ((None, None), (w, None), (None, pw), (w, pw)):
        check_both(lambda x, t: F.binary_cross_entropy_with_logits(
                     x, t, weight=wt, pos_weight=pwt, reduction=reduction),
                 lambda x, t: TF.binary_cross_entropy_with_logits(
                     x, t, weight=None if wt is None else torch.tensor(wt),
                     pos_weight=None if pwt is None else torch.tensor(pwt), reduction=reduction),
                 [a * 3, y])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_elementwise_losses_gradcheck(reduction):
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    p, y = rng.uniform(0.1, 0.9, (2, 3)), rng.uniform(0, 1, (2, 3))
    pw = rng.uniform(0.5, 2, 3)
    for fn, inputs in ((F.mse_loss, [a, b]), (F.l1_loss, [a, b]),
                       (F.binary_cross_entropy, [p, y]),
                       (F.binary_cross_entropy_with_logits, [a * 3, y]),
                       (lambda x, t, reduction: F.binary_cross_entropy_with_logits(
                           x, t, weight=p, pos_weight=pw, reduction=reduction), [a, y])):
        assert autograd.gradcheck(lambda x, t: fn(x, t, reduction=reduction), inputs)


def test_bce_with_logits_is_stable_for_huge_logits():
    x = autograd.tensor(np.array([1e4, -1e4, 1e4, -1e4], np.float32), requires_grad=True)
    t = autograd.tensor(np.array([1.0, 0.0, 0.0, 1.0], np.float32))
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none",
                                              pos_weight=np.full(4, 2.0, np.float32))
    np.testing.assert_allclose(loss.data, [0, 0, 1e4, 2e4], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [0, 0, 1, -2], atol=1e-6)
    assert loss.dtype == x.grad.dtype == np.float32


def test_bce_clamps_log_at_saturated_probabilities():
    p = autograd.tensor(np.array([0.0, 1.0, 1.0]), requires_grad=True)
    loss = F.binary_cross_entropy(p, autograd.tensor(np.array([1.0, 0.0, 1.0])), reduction="none")
    np.testing.assert_allclose(loss.data, [100, 100, 0])
    loss.sum().backward()
    assert np.all(np.isfinite(p.grad.data))


def test_elementwise_loss_bad_inputs():
    with pytest.raises(ValueError, match=r"target shape \(3,\) must match input shape \(2, 3\)"):
        F.mse_loss(autograd.zeros(2, 3), autograd.zeros(3))
    with pytest.raises(ValueError, match=r"target shape"):
        F.binary_cross_entropy_with_logits(autograd.zeros(2, 3), autograd.zeros(2, 1))
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        F.binary_cross_entropy(autograd.tensor([0.5, 1.5]), autograd.tensor([0.0, 1.0]))
    for target in ([1.5, 0.0], [-0.1, 0.0], [np.nan, 0.0]):   # torch refuses these too
        with pytest.raises(ValueError, match="target .* should be between 0 and 1"):
            F.binary_cross_entropy(autograd.tensor([0.2, 0.7]), autograd.tensor(target))
    with pytest.raises(TypeError, match="input torch.float32, target torch.int64"):
        F.l1_loss(autograd.zeros(2), autograd.tensor([1, 2]))
    with pytest.raises(ValueError, match=r"pos_weight of shape \(2,\)"):
        F.binary_cross_entropy_with_logits(autograd.zeros(2, 3), autograd.zeros(2, 3),
                                           pos_weight=np.ones(2, np.float32))


EMPTY_CLASS_PROBLEMS = [  # (scores shape, target, kwargs): no classes, no rows, all ignored
    ((0, 0, 2), np.zeros((0, 2), np.int64), {}),
    ((2, 0), np.zeros(2, np.int64), {"ignore_index": 0}),
    ((0, 3), np.zeros(0, np.int64), {}),
    ((2, 3), np.array([1, 1]), {"ignore_index": 1, "label_smoothing": 0.2}),
]


@pytest.mark.parametrize("fn_name", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("problem", range(len(EMPTY_CLASS_PROBLEMS)))
def test_class_losses_on_empty_or_all_ignored_match_torch(fn_name, reduction, problem):
    shape, target, kwargs = EMPTY_CLASS_PROBLEMS[problem]
    if fn_name == "nll_loss":
        kwargs = {k: v for k, v in kwargs.items() if k != "label_smoothing"}
    x = np.random.default_rng(problem).standard_normal(shape)
    fn, tfn = getattr(F, fn_name), getattr(TF, fn_name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # no numpy RuntimeWarning may escape
        check_both(lambda a, t: fn(a, t, reduction=reduction, **kwargs),
                 lambda a, t: tfn(a, t, reduction=reduction, **kwargs), [x], [target])


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "binary_cross_entropy",
                                  "binary_cross_entropy_with_logits"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_elementwise_losses_on_empty_input_match_torch_without_warnings(name, reduction, dtype):
    ours = [autograd.zeros(0, 2, dtype=dtype, requires_grad=True) for _ in range(2)]
    theirs = [torch.zeros(0, 2, dtype=torch.float32 if dtype == np.float32 else torch.float64,
                          requires_grad=True) for _ in range(2)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = getattr(F, name)(*ours, reduction=reduction)
        y.backward(np.ones(y.shape, dtype))
    ty = getattr(TF, name)(*theirs, reduction=reduction)
    assert y.shape == tuple(ty.shape) and y.dtype == dtype
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    assert ours[0].grad.shape == (0, 2) and ours[0].grad.dtype == dtype
