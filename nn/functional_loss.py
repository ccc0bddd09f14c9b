"""The losses of nn.functional: classification (cross_entropy, nll_loss,
binary_cross_entropy, binary_cross_entropy_with_logits), regression (mse_loss, l1_loss,
smooth_l1_loss, huber_loss) and kl_div. More losses are in functional_loss_more.py and
functional_ctc.py.

The result is 0-d ('mean', 'sum', 'batchmean') or per element ('none').
"""
from __future__ import annotations

import warnings

import numpy as np

from autograd.function import Function, constant
from autograd.ops.loss import (BinaryCrossEntropy, BinaryCrossEntropyWithLogits, CrossEntropy,
                               NLLLoss, check_class_target)
from autograd.tensor import Tensor, _t
from autograd.tensor_math import where

from .functional import (_array_param, _broadcasts_to, _floats, _reduce, _reduction,
                         _same_shape)

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "smooth_l1_loss", "huber_loss", "kl_div"]


class SmoothL1(Function):
    """Pointwise on d = input - target: y = 0.5 d^2 / beta if |d| < beta else |d| - 0.5 beta;
    dd = g clip(d / beta, -1, 1)."""

    @staticmethod
    def forward(ctx, d, beta=1.0):
        t = d.dtype.type
        a = np.abs(d)
        ctx.save_for_backward(d)
        ctx.beta = beta
        return np.where(a < t(beta), t(0.5) * d * d / t(beta), a - t(0.5 * beta))

    @staticmethod
    def backward(ctx, g):
        (d,) = ctx.saved
        return (g * np.clip(d / d.dtype.type(ctx.beta), -1, 1),)

    @staticmethod
    def backward_graph(ctx, g):
        # the kinks |d| = beta take the linear branch (no second derivative), as torch's
        (d,) = ctx.saved
        beta = d.dtype.type(ctx.beta)
        outer = np.clip(d / beta, -1, 1)
        return (g * where(np.abs(d) < beta, ctx.input_tensor(0, d) / beta, outer),)


class Huber(Function):
    """Pointwise on d = input - target: y = 0.5 d^2 if |d| < delta else
    delta (|d| - 0.5 delta);  dd = g clip(d, -delta, delta)."""

    @staticmethod
    def forward(ctx, d, delta=1.0):
        t = d.dtype.type
        a = np.abs(d)
        ctx.save_for_backward(d)
        ctx.delta = delta
        return np.where(a < t(delta), t(0.5) * d * d, t(delta) * (a - t(0.5 * delta)))

    @staticmethod
    def backward(ctx, g):
        (d,) = ctx.saved
        return (g * np.clip(d, -ctx.delta, ctx.delta).astype(d.dtype, copy=False),)

    @staticmethod
    def backward_graph(ctx, g):
        # the kinks |d| = delta take the linear branch (no second derivative), as torch's
        (d,) = ctx.saved
        outer = np.clip(d, -ctx.delta, ctx.delta).astype(d.dtype, copy=False)
        return (g * where(np.abs(d) < ctx.delta, ctx.input_tensor(0, d), outer),)


class KLDiv(Function):
    """y = t (log t - x) (0 where t = 0), or with log_target exp(t) (t - x);
    dx = -g t (or -g exp(t)), dt = g (log t + 1 - x) (or g exp(t) (t - x + 1))."""

    @staticmethod
    def forward(ctx, x, t, log_target=False):
        ctx.save_for_backward(x, t)
        ctx.log_target = log_target
        with np.errstate(divide="ignore", invalid="ignore"):
            if log_target:
                return np.exp(t) * (t - x)
            return np.where(t == 0, 0, t * np.log(t)).astype(x.dtype, copy=False) - t * x

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved
        need_x, need_t = ctx.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.log_target:
                e = np.exp(t)
                gx = -g * e if need_x else None
                gt = g * e * (t - x + 1) if need_t else None
            else:
                gx = -g * t if need_x else None
                # PyTorch's VJP of xlogy(t, t): log t (0 at t = 0) + t / t, so NaN at t = 0,
                # where t log t has no derivative
                gt = g * (np.where(t != 0, np.log(t), 0) + t / t - x) if need_t else None
        return gx, gt

    @staticmethod
    def backward_graph(ctx, g):
        x, t = ctx.saved
        need_x, need_t = ctx.needs_input_grad
        xt, tt = ctx.input_tensor(0, x), ctx.input_tensor(1, t)
        if ctx.log_target:
            e = tt.exp()
            return (-g * e if need_x else None), (g * e * (tt - xt + 1) if need_t else None)
        gt = None
        if need_t:   # log t taken of 1 where t = 0: its derivative there is 0, not NaN;
            # t / t (NaN at 0, as the ordinary VJP) has a zero derivative: a constant
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = constant(t / t)
            gt = g * (tt.masked_fill(t == 0, 1).log() + ratio - xt)
        return (-g * tt if need_x else None), gt


def _class_target(op, x, target, ignore_index):
    """Check integer class targets against (N, C, d...) or (C,) scores: (Tensor, classes)."""
    t = _t(target)
    return t, check_class_target(op, x.data, t.data, ignore_index)


def _class_weight(op, weight, n_classes, dtype):
    w = _array_param(op, "weight", weight, dtype)
    if w is not None and w.shape != (n_classes,):
        raise ValueError(f"{op}: weight must have shape ({n_classes},), got {tuple(w.shape)}")
    return w


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """-log_softmax(x)[target], fused and stable.  x: (N, C) or (N, C, d...) or (C,) logits;
    target: (N,) / (N, d...) / () int classes -> () or, with reduction='none', target's shape.
    A float target of x's shape holds class probabilities (soft labels, mixup): the loss is
    -sum_c w_c t_c log_softmax(x)_c, its mean over the N (and d...) positions."""
    op = "cross_entropy"
    (x,) = _floats(op, input=input)
    reduction = _reduction(op, size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    if _is_probabilities(target, x):
        if ignore_index != -100:
            raise ValueError(f"{op}: ignore_index is not supported for a floating-point "
                             f"(probability) target")
        return _soft_cross_entropy(op, x, _t(target), weight, reduction, label_smoothing)
    t, n_classes = _class_target(op, x, target, ignore_index)
    w = _class_weight(op, weight, n_classes, x.dtype)
    return CrossEntropy.apply(x, t, weight=w, reduction=reduction, ignore_index=ignore_index,
                              label_smoothing=float(label_smoothing))


def _is_probabilities(target, x) -> bool:
    """A floating-point target of the input's shape: class probabilities, as in PyTorch."""
    kind = (target.dtype if isinstance(target, Tensor) else np.asarray(target).dtype).kind
    return kind == "f" and tuple(np.shape(target)) == tuple(x.shape)


def _soft_cross_entropy(op, x, target, weight, reduction, label_smoothing):
    (t,) = _floats(op, target=target)
    if t.dtype != x.dtype:
        raise TypeError(f"{op}: probability target of dtype {t.dtype} with input of dtype "
                        f"{x.dtype}")
    dim = 0 if x.ndim == 1 else 1
    n_classes = x.shape[dim]
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + label_smoothing / n_classes
    if weight is not None:   # composed here: a weight that requires grad gets its gradient
        wt = _t(weight)
        _class_weight(op, wt.detach(), n_classes, x.dtype)   # its checks
        t = t * wt.to(x.dtype).reshape((n_classes,) + (1,) * (x.ndim - dim - 1))
    return _reduce(-(x.log_softmax(dim) * t).sum(dim), reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """-x[target] for log-probabilities x: (N, C) or (N, C, d...) or (C,); target int."""
    op = "nll_loss"
    (x,) = _floats(op, input=input)
    reduction = _reduction(op, size_average, reduce, reduction)
    t, n_classes = _class_target(op, x, target, ignore_index)
    w = _class_weight(op, weight, n_classes, x.dtype)
    return NLLLoss.apply(x, t, weight=w, reduction=reduction, ignore_index=ignore_index)



def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """(x - y)^2, times weight if given, reduced ('mean' of a weighted loss divides by the
    weights' sum, as PyTorch's).  x, y, weight: same shape."""
    x, y = _floats("mse_loss", input=input, target=target)
    _same_shape("mse_loss", x, y)
    d = x - y
    return _weighted("mse_loss", d * d, weight,
                     _reduction("mse_loss", size_average, reduce, reduction))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """|x - y|, times weight if given, reduced (as mse_loss).  x, y, weight: same shape."""
    x, y = _floats("l1_loss", input=input, target=target)
    _same_shape("l1_loss", x, y)
    return _weighted("l1_loss", (x - y).abs(), weight,
                     _reduction("l1_loss", size_average, reduce, reduction))


def _weighted(op, loss, weight, reduction):
    """loss * weight reduced with the weighted mean sum(w loss) / sum(w) (a weight that
    requires grad gets its gradient), or loss reduced as usual without a weight."""
    if weight is None:
        return _reduce(loss, reduction)
    w = _loss_weight(op, weight, loss)
    loss = loss * w
    if reduction == "mean":
        return loss.sum() / w.sum()
    return _reduce(loss, reduction)


def _loss_weight(op, weight, loss):
    """An elementwise weight, which must have the loss's shape and dtype."""
    (w,) = _floats(op, weight=weight)
    if w.shape != loss.shape or w.dtype != loss.dtype:
        raise ValueError(f"{op}: weight of shape {tuple(w.shape)} and dtype {w.dtype} must "
                         f"match input of shape {tuple(loss.shape)} and dtype {loss.dtype}")
    return w


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-w (y log p + (1 - y) log(1 - p)), logs clamped at -100.  p, y: same shape, p in [0, 1]."""
    op = "binary_cross_entropy"
    p, y = _floats(op, input=input, target=target)
    _same_shape(op, p, y)
    if p.data.size and not (np.all(p.data >= 0) and np.all(p.data <= 1)):
        raise ValueError(f"{op}: all elements of input (shape {tuple(p.shape)}) must be "
                         f"probabilities in [0, 1]")
    if y.data.size and not (np.all(y.data >= 0) and np.all(y.data <= 1)):
        raise ValueError(f"{op}: all elements of target (shape {tuple(y.shape)}) should be "
                         f"between 0 and 1")
    w = _array_param(op, "weight", weight, p.dtype)
    if w is not None and not _broadcasts_to(w.shape, p.shape):
        raise ValueError(f"{op}: weight of shape {tuple(w.shape)} does not broadcast to input "
                         f"shape {tuple(p.shape)}")
    return BinaryCrossEntropy.apply(p, y, weight=w,
                                    reduction=_reduction(op, size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """binary_cross_entropy(sigmoid(x), y) computed from the logits without overflow;
    pos_weight (broadcast over the last dim) scales the positive term.  x, y: same shape."""
    op = "binary_cross_entropy_with_logits"
    x, y = _floats(op, input=input, target=target)
    _same_shape(op, x, y)
    w = _array_param(op, "weight", weight, x.dtype)
    pw = _array_param(op, "pos_weight", pos_weight, x.dtype)
    for name, arr in (("weight", w), ("pos_weight", pw)):
        if arr is not None and not _broadcasts_to(arr.shape, x.shape):
            raise ValueError(f"{op}: {name} of shape {tuple(arr.shape)} does not broadcast to "
                             f"input shape {tuple(x.shape)}")
    return BinaryCrossEntropyWithLogits.apply(
        x, y, weight=w, pos_weight=pw, reduction=_reduction(op, size_average, reduce, reduction))


def _difference(op, input, target):
    x, y = _floats(op, input=input, target=target)
    _same_shape(op, x, y)
    return x - y


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta, d = input - target, reduced;
    beta = 0 is the L1 loss.  input, target: same shape."""
    op = "smooth_l1_loss"
    reduction = _reduction(op, size_average, reduce, reduction)
    beta = float(beta)
    if beta < 0:
        raise ValueError(f"{op}: beta must be non-negative, got {beta}")
    d = _difference(op, input, target)
    loss = d.abs() if beta == 0 else SmoothL1.apply(d, beta=beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), d = input - target, times
    weight if given, reduced.  input, target, weight: same shape."""
    op = "huber_loss"
    reduction = _reduction(op, None, None, reduction)
    delta = float(delta)
    if not delta > 0:
        raise ValueError(f"{op}: delta must be positive, got {delta}")
    loss = Huber.apply(_difference(op, input, target), delta=delta)
    if weight is not None:   # its 'mean' is the plain mean of w * loss, as PyTorch's
        loss = loss * _loss_weight(op, weight, loss)
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target || exp(input)) pointwise: target (log target - input), input holding
    log-probabilities (target too if log_target), reduced; 'batchmean' divides the sum by
    input.shape[0] (the KL divergence per sample).  input: (N, *), target: broadcastable."""
    op = "kl_div"
    if reduction == "batchmean" and size_average is None and reduce is None:
        how = "batchmean"
    else:
        how = _reduction(op, size_average, reduce, reduction)
        if how == "mean" and size_average is None and reduce is None:
            warnings.warn("kl_div: reduction='mean' divides the total loss by both the batch "
                          "size and the support size; 'batchmean' divides only by the batch "
                          "size, which is the KL divergence", stacklevel=2)
    x, t = _floats(op, input=input, target=target)
    try:
        np.broadcast_shapes(x.shape, t.shape)
    except ValueError:
        raise ValueError(f"{op}: target of shape {tuple(t.shape)} does not broadcast with "
                         f"input of shape {tuple(x.shape)}") from None
    loss = KLDiv.apply(x, t, log_target=bool(log_target))
    if how != "batchmean":
        return _reduce(loss, how)
    total = loss.sum()
    return total / x.shape[0] if x.ndim else total
