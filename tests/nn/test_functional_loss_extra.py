"""smooth_l1_loss, huber_loss, kl_div and their modules against torch, and gradcheck."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from tests.helpers import check_float32, check_op

torch = pytest.importorskip("torch")
TF = torch.nn.functional

REDUCTIONS = ["mean", "sum", "none"]


def _pair(shape, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 2
    y = x + rng.choice([-3.0, -0.6, -0.2, 0.3, 0.7, 2.5], size=shape)   # away from the kinks
    return x, y


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [1.0, 0.5, 0.0, 2.0])
@pytest.mark.parametrize("shape", [(4, 3), (5,), ()])
def test_smooth_l1_loss_matches_torch(reduction, beta, shape):
    x, y = _pair(shape)
    check_op(lambda a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=beta),
             lambda a, b: TF.smooth_l1_loss(a, b, reduction=reduction, beta=beta), x, y)
    check_float32(lambda a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=beta), x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [1.0, 0.5, 2.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_huber_loss_matches_torch(reduction, delta, weighted):
    x, y = _pair((4, 3), seed=1)
    arrays = (x, y, np.random.default_rng(2).random((4, 3))) if weighted else (x, y)
    check_op(lambda a, b, *w: F.huber_loss(a, b, reduction, delta, *w),
             lambda a, b, *w: TF.huber_loss(a, b, reduction, delta, *w), *arrays)
    check_float32(lambda a, b, *w: F.huber_loss(a, b, reduction, delta, *w), *arrays)


@pytest.mark.parametrize("loss", ["mse_loss", "l1_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weighted_mse_and_l1_match_torch(loss, reduction):
    # 'mean' divides by the weights' sum; the weight gets its gradient, as in torch
    x, y = _pair((4, 3), seed=4)
    w = np.random.default_rng(5).random((4, 3))
    check_op(lambda a, b, v: getattr(F, loss)(a, b, reduction=reduction, weight=v),
             lambda a, b, v: getattr(TF, loss)(a, b, reduction=reduction, weight=v), x, y, w)
    check_float32(lambda a, b, v: getattr(F, loss)(a, b, reduction=reduction, weight=v),
                  x, y, w)
    with pytest.raises(ValueError, match=f"{loss}: weight of shape \\(3,\\)"):
        getattr(F, loss)(autograd.tensor(x), autograd.tensor(y), weight=autograd.tensor(w[0]))


def test_bce_weight_must_broadcast_to_the_input():
    # torch refuses a weight that would enlarge the result; a value over the larger shape
    # with a gradient of the smaller one was returned here
    p, y = autograd.tensor([0.3, 0.6]), autograd.tensor([0.0, 1.0])
    for w in ([[1.0, 1.0], [3.0, 3.0]], [1.0, 2.0, 3.0]):
        with pytest.raises(ValueError, match="binary_cross_entropy: weight of shape"):
            F.binary_cross_entropy(p, y, weight=autograd.tensor(w))
    check_op(lambda a, b: F.binary_cross_entropy(a.sigmoid(), b, weight=autograd.tensor(
                 [[0.5], [2.0]], dtype=autograd.float64)),
             lambda a, b: TF.binary_cross_entropy(a.sigmoid(), b, weight=torch.tensor(
                 [[0.5], [2.0]], dtype=torch.float64)),
             np.array([[0.3, -1.0], [2.0, 0.1]]), np.array([[0.2, 0.9], [0.7, 0.5]]))


def test_gaussian_nll_target_that_does_not_broadcast_is_named():
    with pytest.raises(ValueError, match="gaussian_nll_loss: shapes input \\(4, 3\\), "
                                         "target \\(5, 3\\)"):
        F.gaussian_nll_loss(autograd.zeros(4, 3), autograd.zeros(5, 3), autograd.ones(4, 3))


def test_kinks_and_empty_inputs_match_torch():
    x = np.array([0.0, 1.0, -1.0, 0.5, -2.0, 3.0])
    y = np.zeros(6)
    for ours, theirs in [(F.smooth_l1_loss, TF.smooth_l1_loss), (F.huber_loss, TF.huber_loss)]:
        check_op(lambda a, b: ours(a, b, reduction="sum"),
                 lambda a, b: theirs(a, b, reduction="sum"), x, y, gradcheck=False)
        for reduction in REDUCTIONS:
            e = np.zeros((0, 3))
            check_op(lambda a, b: ours(a, b, reduction=reduction),
                     lambda a, b: theirs(a, b, reduction=reduction), e, e, gradcheck=False)


@pytest.mark.filterwarnings("ignore:.*'mean' divides")
@pytest.mark.parametrize("reduction", ["batchmean", "mean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(reduction, log_target):
    rng = np.random.default_rng(3)
    x = np.log(rng.dirichlet(np.ones(5), size=4))
    t = rng.dirichlet(np.ones(5), size=4)
    t = np.log(t) if log_target else t
    check_op(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
             lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=log_target), x, t)
    check_float32(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target), x, t)


def test_kl_div_zero_targets_broadcasting_and_0d_match_torch():
    x = np.log(np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]))
    t = np.array([[0.0, 0.4, 0.6], [0.5, 0.5, 0.0]])
    ours, theirs = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ot, tt = autograd.tensor(t, requires_grad=True), torch.tensor(t, requires_grad=True)
    y, ty = F.kl_div(ours, ot, reduction="batchmean"), TF.kl_div(theirs, tt, reduction="batchmean")
    y.backward()
    ty.backward()
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12)
    # t log t has no derivative at t = 0: NaN there, as in torch
    np.testing.assert_allclose(ot.grad.data, tt.grad.numpy(), rtol=1e-12, equal_nan=True)
    check_op(lambda a, b: F.kl_div(a, b, reduction="sum"),
             lambda a, b: TF.kl_div(a, b, reduction="sum"), x, t[0] + 0.1)
    check_op(lambda a, b: F.kl_div(a, b, reduction="batchmean"),
             lambda a, b: TF.kl_div(a, b, reduction="batchmean"), np.array(-0.5), np.array(0.3))


@pytest.mark.filterwarnings("ignore:size_average and reduce")
def test_legacy_flags_and_errors():
    x, y = _pair((3, 2))
    a, b = autograd.tensor(x), autograd.tensor(y)
    np.testing.assert_allclose(
        F.smooth_l1_loss(a, b, size_average=False).data,
        TF.smooth_l1_loss(torch.tensor(x), torch.tensor(y), size_average=False).numpy())
    with pytest.warns(UserWarning, match="kl_div: reduction='mean'"):
        F.kl_div(a, b)
    with pytest.raises(ValueError, match="smooth_l1_loss: beta must be non-negative"):
        F.smooth_l1_loss(a, b, beta=-1.0)
    with pytest.raises(ValueError, match="huber_loss: delta must be positive"):
        F.huber_loss(a, b, delta=0.0)
    with pytest.raises(ValueError, match=r"huber_loss: target shape \(2,\) must match .*\(3, 2\)"):
        F.huber_loss(a, autograd.zeros(2, dtype=autograd.float64))
    with pytest.raises(ValueError, match=r"huber_loss: weight of shape \(2,\)"):
        F.huber_loss(a, b, weight=autograd.ones(2, dtype=autograd.float64))
    with pytest.raises(ValueError, match="kl_div: reduction must be one of"):
        F.kl_div(a, b, reduction="avg")
    with pytest.raises(ValueError, match=r"kl_div: target of shape \(4,\)"):
        F.kl_div(a, autograd.zeros(4, dtype=autograd.float64), reduction="sum")
    with pytest.raises(TypeError, match="smooth_l1_loss: .*int64"):
        F.smooth_l1_loss(a, autograd.tensor([[1, 2]] * 3))


@pytest.mark.filterwarnings("ignore:.*'mean' divides", "ignore:size_average and reduce")
@pytest.mark.parametrize("make", [
    lambda m: m.SmoothL1Loss(), lambda m: m.SmoothL1Loss(reduction="sum", beta=0.5),
    lambda m: m.HuberLoss(delta=0.7), lambda m: m.HuberLoss(reduction="none"),
    lambda m: m.KLDivLoss(reduction="batchmean"), lambda m: m.KLDivLoss(log_target=True),
    lambda m: m.KLDivLoss(size_average=False)], ids=["sl1", "sl1_sum", "huber", "huber_none",
                                                     "kl_batchmean", "kl_log", "kl_legacy"])
def test_loss_modules_match_torch(make):
    ours, theirs = make(nn), make(torch.nn)
    assert ours.reduction == theirs.reduction
    x, y = _pair((3, 4), seed=4)
    if isinstance(theirs, torch.nn.KLDivLoss):
        x, y = -np.abs(x), np.abs(y)
    xo, xt = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = ours(xo, autograd.tensor(y)), theirs(xt, torch.tensor(y))
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(xo.grad.data, xt.grad.numpy(), rtol=1e-12)


def test_class_weights_that_require_grad_are_refused_or_differentiated_as_by_torch():
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((4, 3)), rng.random(3)
    probs = rng.random((4, 3))
    probs /= probs.sum(1, keepdims=True)
    labels = np.array([0, 1, 2, 1])
    # probability targets: composed ops in both engines, so the weight gets its gradient
    ours_x, ours_w = autograd.tensor(x, requires_grad=True), autograd.tensor(w, requires_grad=True)
    th_x, th_w = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    F.cross_entropy(ours_x, autograd.tensor(probs), weight=ours_w, label_smoothing=0.1).backward()
    TF.cross_entropy(th_x, torch.tensor(probs), weight=th_w, label_smoothing=0.1).backward()
    np.testing.assert_allclose(ours_w.grad.data, th_w.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours_x.grad.data, th_x.grad.numpy(), rtol=1e-12)
    # class-index targets and the binary losses: no gradient for the weights, an error (torch's
    # too) rather than a weight.grad silently left None
    calls = [("cross_entropy", "weight", lambda v: F.cross_entropy(ours_x, labels, weight=v)),
             ("nll_loss", "weight", lambda v: F.nll_loss(ours_x, labels, weight=v)),
             ("binary_cross_entropy", "weight",
              lambda v: F.binary_cross_entropy(ours_x.sigmoid(), probs, weight=v)),
             ("binary_cross_entropy_with_logits", "pos_weight",
              lambda v: F.binary_cross_entropy_with_logits(ours_x, probs, pos_weight=v)),
             ("multi_margin_loss", "weight",
              lambda v: F.multi_margin_loss(ours_x, labels, weight=v))]
    for op, name, call in calls:
        with pytest.raises(RuntimeError, match=f"{op}: not differentiable with respect to "
                                               f"{name} \\(shape \\(3,\\), dtype torch.float64\\)"):
            call(ours_w)
        assert call(ours_w.detach()).requires_grad
        with autograd.no_grad():   # nothing is recorded: torch accepts it there too
            assert np.isfinite(call(ours_w).item())
