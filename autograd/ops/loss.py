"""Loss functions with fused VJPs; `reduction` is 'mean', 'sum' or 'none' as in PyTorch."""
from __future__ import annotations

import numpy as np

from ..function import Function, constant
from ..kernels.loss import cross_entropy_rows, cross_entropy_rows_backward
from .activation import Softmax
from ..torch_errors import DtypeError, OutOfRangeError

REDUCTIONS = ("mean", "sum", "none")


def check_class_target(op, x, t, ignore_index) -> int:
    """Validate integer class targets t for scores x: (N, C, d...) or (C,); return C."""
    if t.dtype.kind not in "iu":
        raise DtypeError(f"{op}: target must hold integer class indices, got dtype {t.dtype} "
                        f"(input dtype {x.dtype}); probability targets are not supported")
    if x.ndim == 0:
        raise ValueError(f"{op}: input must have a class dim, got shape {tuple(x.shape)}")
    expected = () if x.ndim == 1 else x.shape[:1] + x.shape[2:]
    if t.shape != expected:
        raise ValueError(f"{op}: target of shape {tuple(t.shape)} does not match input of shape "
                         f"{tuple(x.shape)} (expected target shape {expected})")
    n_classes = x.shape[0 if x.ndim == 1 else 1]
    live = t[t != ignore_index]
    bad = live[(live < 0) | (live >= n_classes)]
    if bad.size:
        raise OutOfRangeError(f"{op}: target {int(bad[0])} is out of range for {n_classes} classes "
                         f"(input shape {tuple(x.shape)}, ignore_index={ignore_index})")
    return n_classes


def class_rows(x):
    """(N, C, d1, ...) or (C,) -> contiguous (M, C) with the class axis last, and an undo."""
    if x.ndim == 1:
        return x.reshape(1, -1), lambda r: r.reshape(x.shape)
    if x.ndim == 2:
        return np.ascontiguousarray(x), lambda r: r
    moved = np.moveaxis(x, 1, -1)
    shape = moved.shape
    # an explicit row count: reshape(-1, 0) is ambiguous when there are no classes
    return (np.ascontiguousarray(moved).reshape(int(np.prod(shape[:-1])), shape[-1]),
            lambda r: np.moveaxis(r.reshape(shape), -1, 1))


def _smooth_share(smoothing, n_classes):
    """eps / C, the smoothing weight of each class; inf for C = 0 (as PyTorch: a NaN loss)."""
    if not smoothing:
        return 0.0
    return smoothing / n_classes if n_classes else np.inf


def _row_coefficients(g, t, w, valid, reduction, n_rows, smoothing, n_classes):
    """Per-row weights (a, b) of the nll and smoothing terms in the reduced loss, times g."""
    dtype = w.dtype
    share = _smooth_share(smoothing, n_classes)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if reduction == "none":
            g = np.asarray(g, dtype).reshape(-1)
            return (1 - smoothing) * g, (share * g).astype(dtype)
        g = dtype.type(np.asarray(g).reshape(()))
        a = np.full(n_rows, (1 - smoothing) * g, dtype)
        b = np.full(n_rows, share * g, dtype)
        if reduction == "mean":
            denom = w[t[valid]].sum()
            a /= denom
            b /= denom
    return a, b


def _reduce_rows(nll, smooth, t, w, valid, reduction, smoothing, n_classes):
    """Combine per-row nll and smoothing terms with PyTorch's reduction rules."""
    share = _smooth_share(smoothing, n_classes)
    with np.errstate(divide="ignore", invalid="ignore"):
        if reduction == "none":
            return ((1 - smoothing) * nll + share * smooth).astype(nll.dtype)
        if reduction == "sum":
            total, total_s = nll.sum(), smooth.sum()
        else:
            denom = w[t[valid]].sum()
            total, total_s = nll.sum() / denom, smooth.sum() / denom
        if smoothing:
            total = (1 - smoothing) * total + share * total_s
        return np.asarray(total, nll.dtype)


class CrossEntropy(Function):
    """loss = -sum_c q_c log_softmax(x)_c with q = (1-eps) onehot(t) + eps/C (class-weighted);
    dx = softmax(x) * (a w_t + b sum w) - a w_t onehot(t) - b w (a, b: reduction factors).
    x: (N, C, d...) or (C,) float; t: (N, d...) or () int -> () or (N, d...)."""

    @staticmethod
    def forward(ctx, x, target, weight=None, reduction="mean", ignore_index=-100,
                label_smoothing=0.0):
        rows, undo = class_rows(x)
        m, c = rows.shape
        t = np.ascontiguousarray(target, dtype=np.int64).reshape(-1)
        w = np.ones(c, x.dtype) if weight is None else np.ascontiguousarray(weight, x.dtype)
        nll, smooth, e, s = cross_entropy_rows(rows, t, w, ignore_index, label_smoothing > 0)
        valid = t != ignore_index
        ctx.save_for_backward(e, s, t, w)
        ctx.undo, ctx.valid, ctx.target_shape = undo, valid, np.shape(target)
        ctx.params = (reduction, ignore_index, label_smoothing, c)
        out = _reduce_rows(nll, smooth, t, w, valid, reduction, label_smoothing, c)
        return out.reshape(ctx.target_shape) if reduction == "none" else out

    @staticmethod
    def backward(ctx, g):
        e, s, t, w = ctx.saved
        reduction, ignore_index, smoothing, c = ctx.params
        a, b = _row_coefficients(g, t, w, ctx.valid, reduction, t.size, smoothing, c)
        dx = cross_entropy_rows_backward(e, s, t, w, ignore_index, a, b)
        return ctx.undo(dx), None

    @staticmethod
    def backward_graph(ctx, g):
        # dx = G (softmax(x) c - k): G the upstream gradient per row, c and k constants (the
        # reduction's 1/denominator folded in, so that ignored rows stay 0 when it is 0)
        e, s, t, w = ctx.saved
        reduction, ignore_index, smoothing, c = ctx.params
        m, valid = t.size, ctx.valid
        ones = np.ones(m, w.dtype) if reduction == "none" else 1.0
        a, b = _row_coefficients(ones, t, w, valid, reduction, m, smoothing, c)
        safe_t = np.where(valid, t, 0)
        with np.errstate(invalid="ignore", over="ignore"):
            a = np.where(valid, a * w[safe_t] if c else 0, 0).astype(w.dtype)
            b = np.where(valid, b, 0).astype(w.dtype)
            per_row = a + b * w.sum()
            k = b[:, None] * w
        if c:
            k[np.arange(m), safe_t] += a
        rows = e / s[:, None]
        axis = 1 if ctx.target_shape else 0       # a () target goes with a (C,) input
        # softmax(x) from the saved rows, recorded as Softmax's output from x (which Softmax
        # saves in its own shape)
        out = ctx.undo(rows)
        probs = ctx.derived_tensor(Softmax, out, 0, saved=(out,), axis=axis)
        row_shape = _row_shape(ctx.target_shape)
        dx = probs * constant(per_row.reshape(row_shape)) - constant(ctx.undo(k))
        return _per_row(g, reduction, row_shape) * dx, None


def _row_shape(target_shape: tuple) -> tuple:
    """The shape of one value per row that broadcasts against the (N, C, d...) input."""
    return target_shape[:1] + (1,) + target_shape[1:] if target_shape else ()


def _per_row(g, reduction, row_shape):
    """The upstream gradient (a Tensor) of a class loss, broadcastable against its input."""
    return g.reshape(row_shape) if reduction == "none" else g


class NLLLoss(Function):
    """loss = -w[t] x[t] (reduced);  dx = -a w[t] at the target class, 0 elsewhere.
    x: (N, C, d...) or (C,) log-probabilities; t: (N, d...) or () int."""

    @staticmethod
    def forward(ctx, x, target, weight=None, reduction="mean", ignore_index=-100):
        rows, undo = class_rows(x)
        m, c = rows.shape
        t = np.ascontiguousarray(target, dtype=np.int64).reshape(-1)
        w = np.ones(c, x.dtype) if weight is None else np.ascontiguousarray(weight, x.dtype)
        valid = t != ignore_index
        safe_t = np.where(valid, t, 0)
        picked = rows[np.arange(m), safe_t] * w[safe_t] if c else np.zeros(m, x.dtype)
        nll = np.where(valid, -picked, 0).astype(x.dtype)
        ctx.save_for_backward(t, w)
        ctx.undo, ctx.valid, ctx.safe_t, ctx.shape = undo, valid, safe_t, rows.shape
        ctx.reduction = reduction
        out = _reduce_rows(nll, nll, t, w, valid, reduction, 0.0, c)
        return out.reshape(np.shape(target)) if reduction == "none" else out

    @staticmethod
    def backward(ctx, g):
        t, w = ctx.saved
        a, _ = _row_coefficients(g, t, w, ctx.valid, ctx.reduction, t.size, 0.0, 1)
        dx = np.zeros(ctx.shape, w.dtype)
        m = ctx.shape[0]
        if ctx.shape[1]:
            dx[np.arange(m), ctx.safe_t] = np.where(ctx.valid, -a * w[ctx.safe_t], 0)
        return ctx.undo(dx), None

    @staticmethod
    def backward_graph(ctx, g):
        # linear in g and independent of x: g times the VJP of a unit upstream gradient
        t, w = ctx.saved
        ones = np.ones(t.size if ctx.reduction == "none" else (), w.dtype)
        with np.errstate(invalid="ignore"):
            k = NLLLoss.backward(ctx, ones)[0]
        target_shape = k.shape[:1] + k.shape[2:] if k.ndim > 1 else ()   # k: x's shape
        return _per_row(g, ctx.reduction, _row_shape(target_shape)) * constant(k), None


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "mean" and loss.size == 0:
        return np.asarray(np.nan, loss.dtype)   # PyTorch's mean of nothing, without a warning
    return np.asarray(loss.sum() if reduction == "sum" else loss.mean(), loss.dtype)


def _spread(g, shape, reduction, dtype):
    """The upstream gradient of a reduced elementwise loss, per element."""
    g = np.asarray(g, dtype)
    if reduction == "mean":
        g = g / dtype.type(max(int(np.prod(shape)), 1))
    return np.broadcast_to(g, shape)


def _spread_graph(g, shape, reduction, weight):
    """_spread for a recorded VJP: g (a Tensor) per element, times the weight if any."""
    if reduction == "mean":
        g = g / float(max(int(np.prod(shape)), 1))
    return g if weight is None else g * constant(weight)


_LOG_FLOOR = -100.0   # PyTorch clamps log(p) at -100 so p = 0 gives a finite loss


class BinaryCrossEntropy(Function):
    """loss = -w (t log p + (1-t) log(1-p)), logs clamped at -100;
    dp = g w (p - t) / max(p (1-p), 1e-12), dt = -g w (log p - log(1-p))."""

    @staticmethod
    def forward(ctx, p, t, weight=None, reduction="mean"):
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), _LOG_FLOOR)
            log_q = np.maximum(np.log1p(-p), _LOG_FLOOR)
        loss = -(t * log_p + (1 - t) * log_q)
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(p, t)
        ctx.logs, ctx.weight, ctx.reduction = (log_p, log_q), weight, reduction
        return _reduce(np.asarray(loss, p.dtype), reduction)

    @staticmethod
    def backward(ctx, g):
        p, t = ctx.saved
        g = _spread(g, np.broadcast_shapes(p.shape, t.shape), ctx.reduction, p.dtype)
        if ctx.weight is not None:
            g = g * ctx.weight
        gp = gt = None
        if ctx.needs_input_grad[0]:
            gp = g * (p - t) / np.maximum(p * (1 - p), p.dtype.type(1e-12))
        if ctx.needs_input_grad[1]:
            log_p, log_q = ctx.logs
            gt = -g * (log_p - log_q)
        return gp, gt

    @staticmethod
    def backward_graph(ctx, g):
        p, t = ctx.saved
        pt, tt = ctx.input_tensor(0, p), ctx.input_tensor(1, t)
        g = _spread_graph(g, np.broadcast_shapes(p.shape, t.shape), ctx.reduction, ctx.weight)
        gp = gt = None
        if ctx.needs_input_grad[0]:
            gp = g * (pt - tt) / (pt * (1 - pt)).clamp(min=p.dtype.type(1e-12))
        if ctx.needs_input_grad[1]:
            # where p is 0 (1) log p (log(1 - p)) is taken of a stand-in, then floored: its
            # derivative there is 0, not 0 * inf = NaN
            zero, one = p == 0, p == 1
            log_p = _floored(pt.masked_fill(zero, 1).log(), zero)
            log_q = _floored((-pt.masked_fill(one, 0)).log1p(), one)
            gt = -g * (log_p - log_q)
        return gp, gt


def _floored(log, at):
    """max(log, -100) as a Tensor, and -100 (a constant) where `at`."""
    return log.clamp(min=_LOG_FLOOR).masked_fill(at, _LOG_FLOOR)


class BinaryCrossEntropyWithLogits(Function):
    """loss = w ((1-t) x + (1 + (pw-1) t) softplus(-x)), softplus computed overflow-free;
    dx = g w ((1-t) - (1 + (pw-1) t) sigmoid(-x)) for x >= 0, the same g w ((1 + (pw-1) t)
    sigmoid(x) - pw t) for x < 0 (each form keeps its digits where the other cancels),
    dt = g w (-x + (pw-1) softplus(-x))."""

    @staticmethod
    def forward(ctx, x, t, weight=None, pos_weight=None, reduction="mean"):
        # infinite logits or targets give inf/nan terms, as PyTorch's, without numpy warnings
        with np.errstate(invalid="ignore", over="ignore"):
            e = np.exp(-np.abs(x))                          # in (0, 1]: never overflows
            softplus_neg = np.maximum(-x, 0) + np.log1p(e)  # log(1 + exp(-x))
            scale = 1 if pos_weight is None else 1 + (pos_weight - 1) * t
            loss = (1 - t) * x + scale * softplus_neg
            if weight is not None:
                loss = loss * weight
            ctx.save_for_backward(x, t)
            ctx.e, ctx.sp, ctx.scale = e, softplus_neg, scale
            ctx.weight, ctx.pos_weight, ctx.reduction = weight, pos_weight, reduction
            return _reduce(np.asarray(loss, x.dtype), reduction)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved
        g = _spread(g, np.broadcast_shapes(x.shape, t.shape), ctx.reduction, x.dtype)
        if ctx.weight is not None:
            g = g * ctx.weight
        gx = gt = None
        if ctx.needs_input_grad[0]:
            s = ctx.e / (1 + ctx.e)            # sigmoid(-|x|), from exp(-|x|)
            pos_t = t if ctx.pos_weight is None else ctx.pos_weight * t
            gx = g * np.where(x >= 0, (1 - t) - ctx.scale * s, ctx.scale * s - pos_t)
        if ctx.needs_input_grad[1]:
            d = -x if ctx.pos_weight is None else -x + (ctx.pos_weight - 1) * ctx.sp
            gt = g * d
        return gx, gt

    @staticmethod
    def backward_graph(ctx, g):
        x, t = ctx.saved
        xt, tt = ctx.input_tensor(0, x), ctx.input_tensor(1, t)
        g = _spread_graph(g, np.broadcast_shapes(x.shape, t.shape), ctx.reduction, ctx.weight)
        pw = None if ctx.pos_weight is None else constant(ctx.pos_weight - 1)
        gx = gt = None
        if ctx.needs_input_grad[0]:
            sig_neg = (-xt).sigmoid()
            gx = g * ((1 - tt) - (sig_neg if pw is None else (1 + pw * tt) * sig_neg))
        if ctx.needs_input_grad[1]:
            gt = g * (-xt if pw is None else -xt + pw * SoftplusNeg.apply(xt))
        return gx, gt


class SoftplusNeg(Function):
    """y = log(1 + exp(-x)), overflow-free;  dx = -g sigmoid(-x). A building block of
    BinaryCrossEntropyWithLogits's recorded VJP."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        e = np.exp(-np.abs(x))
        return (-g * (np.where(x >= 0, e, 1) / (1 + e)),)

    @staticmethod
    def backward_graph(ctx, g):
        return (-g * (-ctx.input_tensor(0, ctx.saved[0])).sigmoid(),)
