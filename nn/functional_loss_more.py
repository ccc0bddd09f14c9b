"""Margin, embedding and likelihood losses of nn.functional, and the distances they use:
margin_ranking_loss, hinge_embedding_loss, cosine_embedding_loss, triplet_margin_loss (and
with a distance function), soft_margin_loss, multilabel_soft_margin_loss, multi_margin_loss,
multilabel_margin_loss, poisson_nll_loss, gaussian_nll_loss, pairwise_distance, pdist.

All are composed from differentiable Tensor ops (no VJP of their own) in PyTorch's order of
operations and with its branch at every kink; the result is 0-d ('mean', 'sum') or per element
or per sample ('none').  Float tensors must share one dtype; +-1 or count targets may be ints.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from autograd.ops.distance import Pdist
from autograd.ops.reduce import Norm
from autograd.tensor import Tensor, _t
from autograd.tensor_math import where

from .functional import _array_param, _floats, _reduce, _reduction
from .functional_activation import logsigmoid
from .functional_extra import NormFloor

__all__ = ["margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss",
           "triplet_margin_loss", "triplet_margin_with_distance_loss", "soft_margin_loss",
           "multilabel_soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss",
           "poisson_nll_loss", "gaussian_nll_loss", "pairwise_distance", "pdist"]

# cosine_embedding_loss's guard on the squared norms, as in ATen
_COS_EPS = 1e-12


# ------------------------------------------------------------------------- checks
def _shape(x) -> tuple:
    return tuple(x.shape)


def _labels(target, dtype):
    """An integer or bool target (class signs, counts) cast to the input's float dtype; a float
    target is left for _floats to check."""
    t = _t(target)
    return t.to(dtype) if t.dtype.kind in "iub" else t


def _broadcast(op, **named):
    """The broadcast shape of the named tensors, or a ValueError naming all their shapes."""
    try:
        return np.broadcast_shapes(*(_shape(t) for t in named.values()))
    except ValueError:
        listing = ", ".join(f"{k} {_shape(t)}" for k, t in named.items())
        raise ValueError(f"{op}: shapes {listing} cannot be broadcast together") from None


def _same_ndim(op, **named):
    dims = {k: t.ndim for k, t in named.items()}
    if len(set(dims.values())) > 1:
        listing = ", ".join(f"{k} {_shape(t)}" for k, t in named.items())
        raise ValueError(f"{op}: all input tensors should have the same number of dims, got "
                         f"{listing}")


def _class_index(op, target, name="target"):
    idx = target.data if isinstance(target, Tensor) else np.asarray(target)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: {name} must hold integer class indices, got dtype {idx.dtype}")
    return idx.astype(np.int64, copy=False)


def _matrix_input(op, x):
    """(nframe, dim) of a 0-d, (C,) or (N, C) input, as ATen's multi-margin losses take it."""
    if not ((x.ndim == 2 and x.shape[1]) or (x.ndim == 1 and x.shape[0]) or x.ndim == 0):
        raise ValueError(f"{op}: expected a non-empty (C,) vector or (N, C) matrix (N may be 0),"
                         f" got input of shape {_shape(x)}")
    return (x.shape[0] if x.ndim == 2 else 1), (x.shape[-1] if x.ndim else 1)


# ------------------------------------------------------------------------- distances
def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim of the broadcast shape (p may be 0, negative or
    inf, as torch.norm).  x1, x2: broadcastable to (*, D) -> (*) (keepdim: (*, 1))."""
    op = "pairwise_distance"
    a, b = _floats(op, x1=x1, x2=x2)
    _broadcast(op, x1=a, x2=b)
    d = a - b + float(eps)
    if d.ndim == 0:   # torch takes a 0-d difference as a vector of one element
        return Norm.apply(d.reshape(1), p=float(p), axis=(0,), keepdims=False)
    return Norm.apply(d, p=float(p), axis=(d.ndim - 1,), keepdims=bool(keepdim))


def pdist(input, p=2):
    """||x_i - x_j||_p for every pair of rows i < j, in row-major order of the upper triangle
    (no eps: the gradient at a zero distance is 0).  x: (N, M) -> (N (N - 1) / 2,).
    cdist's kernels on (x, x): twice the pairs, but no (pairs, M) tensor of differences."""
    op = "pdist"
    (x,) = _floats(op, input=input)
    if x.ndim != 2:
        raise ValueError(f"{op}: expected a 2-D input (N, M), got shape {_shape(x)}")
    if not p >= 0:
        raise ValueError(f"{op}: p must be non-negative, got {p}")
    return Pdist.apply(x, p=float(p))


# ------------------------------------------------------------------------- ranking losses
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -y (x1 - x2) + margin), reduced.  x1, x2, y: same number of dims, broadcastable;
    y holds +-1 (ints allowed)."""
    op = "margin_ranking_loss"
    reduction = _reduction(op, size_average, reduce, reduction)
    a, b = _floats(op, input1=input1, input2=input2)
    a, b, y = _floats(op, input1=a, input2=b, target=_labels(target, a.dtype))
    _same_ndim(op, input1=a, input2=b, target=y)
    _broadcast(op, input1=a, input2=b, target=y)
    return _reduce((-y * (a - b) + float(margin)).clamp_min(0.0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """x where y == 1, max(0, margin - x) where y == -1 (both terms for other y), reduced.
    x, y: broadcastable; y holds +-1 (ints allowed) and is not differentiated."""
    op = "hinge_embedding_loss"
    reduction = _reduction(op, size_average, reduce, reduction)
    (x,) = _floats(op, input=input)
    x, y = _floats(op, input=x, target=_labels(target, x.dtype))
    _broadcast(op, input=x, target=y)
    hinge = (float(margin) - x).clamp_min(0.0)
    loss = where(y.data != 1, hinge, 0.0) + where(y.data != -1, x, 0.0)
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(x1, x2) where y == 1, max(0, cos(x1, x2) - margin) where y == -1, reduced; the
    squared norms get 1e-12 added (ATen's guard).  x1, x2: (N, D) with y: (N,), or (D,) with
    a 0-d y; x1, x2 broadcastable; y holds +-1 (ints allowed)."""
    op = "cosine_embedding_loss"
    reduction = _reduction(op, size_average, reduce, reduction)
    a, b = _floats(op, input1=input1, input2=input2)
    a, b, y = _floats(op, input1=a, input2=b, target=_labels(target, a.dtype))
    if y.ndim not in (0, 1):
        raise ValueError(f"{op}: expected a 0-D or 1-D target (multi-target not supported), "
                         f"got shape {_shape(y)}")
    if a.ndim != y.ndim + 1 or b.ndim != y.ndim + 1:
        raise ValueError(f"{op}: a {y.ndim}-D target expects {y.ndim + 1}-D inputs, got "
                         f"input1 {_shape(a)} and input2 {_shape(b)}")
    _broadcast(op, input1=a, input2=b)
    axis = y.ndim
    dot = (a * b).sum(axis)
    _broadcast(op, cosine=dot, target=y)
    denom = (((a * a).sum(axis) + _COS_EPS) * ((b * b).sum(axis) + _COS_EPS)).sqrt()
    cos = dot / denom
    loss = where(y.data == 1, 1.0 - cos, 0.0) + \
        where(y.data == -1, (cos - float(margin)).clamp_min(0.0), 0.0)
    return _reduce(loss, reduction)


def _triplet(op, anchor, positive, negative, distance, margin, swap, reduction):
    if not margin > 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")
    _same_ndim(op, anchor=anchor, positive=positive, negative=negative)
    d_pos = distance(anchor, positive)
    d_neg = distance(anchor, negative)
    if swap:   # the positive may be the closer "anchor" of the negative (Balntas et al.)
        d_neg = d_neg.minimum(distance(positive, negative))
    return _reduce((d_pos - d_neg + float(margin)).clamp_min(0.0), reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(0, d(a, p) - d(a, n) + margin), d = pairwise_distance(., ., p, eps) (with swap,
    d(a, n) is min(d(a, n), d(p, n))), reduced.  a, p, n: (N, D) or (D,), broadcastable."""
    op = "triplet_margin_loss"
    reduction = _reduction(op, size_average, reduce, reduction)
    a, pos, neg = _floats(op, anchor=anchor, positive=positive, negative=negative)

    def distance(u, v):
        return pairwise_distance(u, v, p, eps)
    return _triplet(op, a, pos, neg, distance, margin, swap, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """triplet_margin_loss with any distance_function(x1, x2) -> (N,) distances (default
    pairwise_distance).  a, p, n: same number of dims."""
    op = "triplet_margin_with_distance_loss"
    reduction = _reduction(op, None, None, reduction)
    a, pos, neg = (_t(v) for v in (anchor, positive, negative))
    distance = pairwise_distance if distance_function is None else distance_function
    return _triplet(op, a, pos, neg, distance, margin, swap, reduction)


# ------------------------------------------------------------------------- soft margins
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-y x)), reduced; computed as -logsigmoid(y x), which stays finite where
    PyTorch's log1p(exp(-y x)) overflows to inf.  x: any shape; y: broadcastable to x."""
    op = "soft_margin_loss"
    reduction = _reduction(op, size_average, reduce, reduction)
    (x,) = _floats(op, input=input)
    x, y = _floats(op, input=x, target=_labels(target, x.dtype))
    if _broadcast(op, input=x, target=y) != _shape(x):
        raise ValueError(f"{op}: target of shape {_shape(y)} must broadcast to input of shape "
                         f"{_shape(x)}")
    return _reduce(-logsigmoid(x * y), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """-mean over classes of w (y log sigmoid(x) + (1 - y) log sigmoid(-x)), then reduced
    over the samples.  x: (N, C) or (C,); y (0/1, ints allowed) and weight: broadcastable to
    x -> (N,) or () for 'none'."""
    op = "multilabel_soft_margin_loss"
    reduction = _reduction(op, size_average, reduce, reduction)
    (x,) = _floats(op, input=input)
    x, y, w = _floats(op, input=x, target=_labels(target, x.dtype), weight=weight)
    if x.ndim == 0:
        raise ValueError(f"{op}: expected input (N, C) or (C,), got a 0-d input")
    for name, t in (("target", y), ("weight", w)):
        if t is not None and _broadcast(op, input=x, **{name: t}) != _shape(x):
            raise ValueError(f"{op}: {name} of shape {_shape(t)} must broadcast to input of "
                             f"shape {_shape(x)}")
    loss = -(y * logsigmoid(x) + (1.0 - y) * logsigmoid(-x))
    if w is not None:
        loss = loss * w
    loss = loss.sum(x.ndim - 1) / float(x.shape[-1])
    return _reduce(loss, reduction)


# ------------------------------------------------------------------------- multi-class margins
def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """sum over j != y of w[y] max(0, margin - x[y] + x[j])^p / C per sample, reduced.
    x: (N, C), (C,) or 0-d; target: (N,) (or 0-d) integer classes; weight: (C,), not
    differentiated.  'none' gives (N,), or () for a 0-d target."""
    op = "multi_margin_loss"
    reduction = _reduction(op, size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError(f"{op}: only p == 1 and p == 2 are supported, got {p!r}")
    (x,) = _floats(op, input=input)
    if weight is not None:
        w = _array_param(op, "weight", weight, x.dtype)   # not differentiated, as in PyTorch
        x, w = _floats(op, input=x, weight=Tensor._wrap(w, False))
        if w.ndim != 1:
            raise ValueError(f"{op}: weight must be one-dimensional, got shape {_shape(w)}")
    n, c = _matrix_input(op, x)
    t = _class_index(op, target)
    per_sample = t.ndim > 0
    if t.ndim > 1 or t.size != n:
        raise ValueError(f"{op}: target should be 1-D with one class per sample: expected "
                         f"{n} values, got shape {tuple(t.shape)} for input of shape {_shape(x)}")
    if weight is not None and w.shape[0] != c:
        raise ValueError(f"{op}: weight should have one value per class: expected ({c},), got "
                         f"{_shape(w)}")
    t = t.reshape(n)
    if t.size and (t.min() < 0 or t.max() >= c):
        raise ValueError(f"{op}: target values must be in [0, {c}), got values in "
                         f"[{t.min()}, {t.max()}]")
    rows = x.reshape(n, c)
    z = (float(margin) - rows.gather(1, t[:, None])) + rows   # ATen's order of operations
    active = (z.data > 0) & (np.arange(c) != t[:, None])
    h = where(active, z, 0.0)
    if p == 2:
        h = h * h
    if weight is not None:
        h = h * Tensor._wrap(w.data[t][:, None], False)
    loss = h.sum(1) / float(c)
    if not per_sample:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """sum over target classes j and non-target classes i of max(0, 1 - x[j] + x[i]) / C per
    sample, reduced.  x: (N, C), (C,) or 0-d; target: x's shape (0-d: one value), integer
    classes read up to the first -1 (a class listed twice counts twice).  'none' gives (N,)
    for a 2-D target, else ()."""
    op = "multilabel_margin_loss"
    reduction = _reduction(op, size_average, reduce, reduction)
    (x,) = _floats(op, input=input)
    n, c = _matrix_input(op, x)
    t = _class_index(op, target)
    per_sample = t.ndim == 2
    ok = t.shape == _shape(x) if x.ndim == 2 else (t.ndim <= 1 and t.size == c)
    if not ok:
        raise ValueError(f"{op}: target of shape {tuple(t.shape)} does not fit input of shape "
                         f"{_shape(x)} (expected the input's shape)")
    if t.size and (t.min() < -1 or t.max() >= c):
        raise ValueError(f"{op}: target values must be class indices in [0, {c}) or -1, got "
                         f"values in [{t.min()}, {t.max()}]")
    t = t.reshape(n, c)
    # how often each class is listed before the first -1 of its row
    listed = np.cumprod(t != -1, axis=1).astype(bool)
    counts = np.zeros((n, c), np.int64)
    np.add.at(counts, (np.nonzero(listed)[0], t[listed]), 1)
    rows = x.reshape(n, c)
    z = (1.0 - rows.unsqueeze(2)) + rows.unsqueeze(1)        # z[n, j, i] = 1 - x[j] + x[i]
    active = (counts[:, :, None] > 0) & (counts[:, None, :] == 0) & (z.data > 0)
    weights = Tensor._wrap(counts[:, :, None].astype(x.dtype), False)
    loss = (where(active, z, 0.0) * weights).sum((1, 2)) / float(c)
    if not per_sample:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


# ------------------------------------------------------------------------- likelihoods
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """exp(x) - y x (log_input), else x - y log(x + eps); full adds Stirling's
    y log y - y + log(2 pi y) / 2 where y > 1; reduced.  x, y: broadcastable (y may be ints)."""
    op = "poisson_nll_loss"
    reduction = _reduction(op, size_average, reduce, reduction)
    (x,) = _floats(op, input=input)
    x, y = _floats(op, input=x, target=_labels(target, x.dtype))
    _broadcast(op, input=x, target=y)
    loss = x.exp() - y * x if log_input else x - y * (x + float(eps)).log()
    if full:
        # the term is only used where y > 1: elsewhere it sees y = 2, so its gradient is 0
        # there (PyTorch's is NaN at y <= 0, from 0 * log(0) in the unused branch)
        small = y.data <= 1
        ys = where(small, 2.0, y)
        stirling = ys * ys.log() - ys + 0.5 * (2 * math.pi * ys).log()
        loss = loss + where(small, 0.0, stirling)
    return _reduce(loss, reduction)


def _gaussian_var(op, x, var):
    """var as a tensor that broadcasts against x, by PyTorch's rules: x's shape; x's shape
    without its last dim (unsqueezed); or x's rank with one mismatched dim of size 1."""
    if isinstance(var, numbers.Real) and not isinstance(var, bool):
        if var < 0:
            raise ValueError(f"{op}: var has negative entry/entries ({var})")
        return Tensor._wrap(np.full(_shape(x), var, x.dtype), False)
    x, v = _floats(op, input=x, var=var)
    if v.data.size and np.any(v.data < 0):
        raise ValueError(f"{op}: var has negative entry/entries")
    xs, vs = _shape(x), _shape(v)
    if vs == xs:
        return v
    if xs[:-1] == vs and x.ndim:
        return v.unsqueeze(-1)
    if x.ndim == v.ndim and sum(b for a, b in zip(xs, vs) if a != b) == 1:
        return v
    raise ValueError(f"{op}: var of shape {vs} is of incorrect size for input of shape {xs} "
                     f"(expected {xs}, {xs[:-1]}, or {xs} with one dim of size 1)")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """(log v + (x - y)^2 / v) / 2 (+ log(2 pi) / 2 if full), v = max(var, eps) with the
    clamp invisible to the gradient (as PyTorch), reduced.  x: (N, *); y: broadcastable;
    var: a number, x's shape, x's shape minus the last dim, or x's shape with one dim 1."""
    op = "gaussian_nll_loss"
    (x,) = _floats(op, input=input)
    x, y = _floats(op, input=x, target=target)
    _broadcast(op, input=x, target=y)
    v = _gaussian_var(op, x, var)
    reduction = _reduction(op, None, None, reduction)
    v = NormFloor.apply(v, eps=float(eps))
    d = x - y
    loss = (v.log() + d * d / v) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
