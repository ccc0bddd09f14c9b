"""ctc_loss: the connectionist temporal classification loss, with PyTorch's arguments.

The argument checks live here (clear errors naming shapes, dtypes and values); the op
(autograd/ops/ctc.py) runs the recursions in numba kernels and trusts what it is given.
"""
from __future__ import annotations

import numbers

import numpy as np

from autograd.ops.ctc import CTCLoss
from autograd.tensor import Tensor, _t

from .functional import _reduction

__all__ = ["ctc_loss"]

_OP = "ctc_loss"


def _int_array(name, value):
    """A tensor, array, sequence or int of lengths/labels as an int64 ndarray."""
    if isinstance(value, Tensor):
        arr = np.asarray(value._data)
    elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
        arr = np.asarray(value, np.int64)
    else:
        arr = np.asarray(value)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{_OP}: {name} must hold integers, got dtype {arr.dtype} "
                        f"(shape {tuple(arr.shape)})")
    return arr.astype(np.int64, copy=False)


def _lengths(name, value, n, limit=None, limit_what=""):
    arr = _int_array(name, value)
    if arr.ndim > 1 or arr.size != n:
        raise ValueError(f"{_OP}: {name} must have one entry per sample (batch size {n}), "
                         f"got shape {tuple(arr.shape)}")
    arr = np.ascontiguousarray(arr.reshape(n))
    if (arr < 0).any():
        raise ValueError(f"{_OP}: {name} must be non-negative, got {int(arr.min())}")
    if limit is not None and (arr > limit).any():
        i = int(np.argmax(arr > limit))
        raise ValueError(f"{_OP}: {name}[{i}] = {int(arr[i])} exceeds {limit_what} = {limit}")
    return arr


def _flat_targets(targets, tl, n, n_classes, blank):
    """(flat int64 labels, offsets): padded (N, S) targets or concatenated (sum(tl),) ones."""
    if targets.ndim == 2:
        if targets.shape[0] != n:
            raise ValueError(f"{_OP}: padded targets of shape {tuple(targets.shape)} must have one "
                             f"row per sample (batch size {n})")
        s = targets.shape[1]
        if (tl > s).any():
            i = int(np.argmax(tl > s))
            raise ValueError(f"{_OP}: target_lengths[{i}] = {int(tl[i])} exceeds the padded "
                             f"targets' length {s} (targets shape {tuple(targets.shape)})")
        used = targets[np.arange(s)[None, :] < tl[:, None]]
        flat, offsets = np.ascontiguousarray(targets).reshape(-1), np.arange(n) * s
    elif targets.ndim == 1:
        total = int(tl.sum())
        if targets.shape[0] != total:
            raise ValueError(f"{_OP}: concatenated targets must hold sum(target_lengths) = "
                             f"{total} labels, got shape {tuple(targets.shape)}")
        used, flat = targets, np.ascontiguousarray(targets)
        offsets = np.concatenate([[0], np.cumsum(tl)[:-1]]) if n else np.zeros(0, np.int64)
    else:
        raise ValueError(f"{_OP}: targets must be padded (N, S) or concatenated (sum of "
                         f"target_lengths,), got shape {tuple(targets.shape)}")
    bad = used[(used < 0) | (used >= n_classes)]
    if bad.size:
        raise ValueError(f"{_OP}: target label {int(bad[0])} is out of range for {n_classes} "
                         f"classes (log_probs' last dim)")
    if (used == blank).any():
        raise ValueError(f"{_OP}: the targets contain the blank label {blank}; a target "
                         f"sequence may only hold the other {n_classes - 1} classes")
    return flat.astype(np.int64, copy=False), offsets.astype(np.int64)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """-log p(target | log_probs) summed over all alignments (Graves et al., 2006).

    log_probs: (T, N, C) log-probabilities (log_softmax over C), or (T, C) for one sample;
    targets: padded (N, S) (row n's first target_lengths[n] labels are used) or concatenated
    (sum(target_lengths),) integer labels in [0, C) other than blank, or (S,) unbatched;
    input_lengths, target_lengths: (N,) tensors or sequences of ints (ints unbatched), with
    input_lengths[n] <= T.  Returns (N,) (or 0-d unbatched) for reduction='none'; 'sum' adds
    them; 'mean' divides each by its target length (at least 1), then averages over the batch.
    An impossible alignment (a target too long for its input) has loss inf, or 0 with
    zero_infinity=True (then its gradient is 0 too). The gradient w.r.t. log_probs is
    PyTorch's: softmax(log_probs) - posteriors, the gradient in the logits of a log_softmax
    (see autograd/ops/ctc.py).
    """
    reduction = _reduction(_OP, None, None, reduction)
    x = _t(log_probs)
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"{_OP}: log_probs must be float32 or float64, got dtype {x.dtype} "
                        f"(shape {tuple(x.shape)})")
    if x.ndim not in (2, 3):
        raise ValueError(f"{_OP}: log_probs must be (T, N, C) or unbatched (T, C), got shape "
                         f"{tuple(x.shape)}")
    if x.data.size == 0:
        raise ValueError(f"{_OP}: log_probs must not be empty, got shape {tuple(x.shape)}")
    batched = x.ndim == 3
    t_, c_ = x.shape[0], x.shape[-1]
    n = x.shape[1] if batched else 1
    if not isinstance(blank, numbers.Integral) or isinstance(blank, bool) \
            or not 0 <= blank < c_:
        raise ValueError(f"{_OP}: blank must be a class index in [0, {c_}), got {blank!r}")
    blank = int(blank)
    tg = _int_array("targets", targets)
    if not batched:
        if tg.ndim != 1:
            raise ValueError(f"{_OP}: unbatched log_probs {tuple(x.shape)} take (S,) targets, "
                             f"got shape {tuple(tg.shape)}")
        tg = tg.reshape(1, -1)
    il = _lengths("input_lengths", input_lengths, n, t_, "the input length T")
    tl = _lengths("target_lengths", target_lengths, n)
    flat, offsets = _flat_targets(tg, tl, n, c_, blank)
    lp = x if batched else x.unsqueeze(1)
    loss = CTCLoss.apply(lp, targets=flat, offsets=offsets, target_lengths=tl,
                         input_lengths=il, blank=blank, zero_infinity=bool(zero_infinity))
    if reduction == "mean":
        divisor = Tensor._wrap(np.maximum(tl, 1).astype(loss.dtype), False)
        return (loss / divisor).mean()
    if reduction == "sum":
        return loss.sum()
    return loss if batched else loss.squeeze(0)
