"""Regression and divergence losses of nn.functional: smooth_l1_loss, huber_loss, kl_div.

input, target: same shape (kl_div: target broadcastable to input); the result is 0-d
('mean', 'sum', 'batchmean') or per element ('none').
"""
from __future__ import annotations

import warnings

import numpy as np

from autograd.function import Function, constant
from autograd.tensor_math import where

from .functional import _floats, _reduce, _reduction, _same_shape

__all__ = ["smooth_l1_loss", "huber_loss", "kl_div"]


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
    if weight is not None:
        (w,) = _floats(op, weight=weight)
        if w.shape != loss.shape or w.dtype != loss.dtype:
            raise ValueError(f"{op}: weight of shape {tuple(w.shape)} and dtype {w.dtype} must "
                             f"match input of shape {tuple(loss.shape)} and dtype {loss.dtype}")
        loss = loss * w
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
