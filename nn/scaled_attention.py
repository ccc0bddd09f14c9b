"""Scaled dot-product attention as torch.nn.functional.scaled_dot_product_attention, and the
mask checks that MultiheadAttention and the Transformer layers share."""
from __future__ import annotations

import math

import numpy as np

from autograd import Tensor, is_grad_enabled

from . import functional as F
from .attention import masked_softmax

def _checked_mask(owner, name, mask, differentiable=False):
    """mask as an ndarray (None stays None), refused unless bool or floating point, as torch:
    an integer 0/1 mask would otherwise be added to the scores and mask nothing. A float mask
    that requires grad (a learned bias) stays a Tensor where the caller differentiates it
    (differentiable), and is refused elsewhere rather than silently left without gradient."""
    if mask is None:
        return None
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_ and m.dtype.kind != "f":
        raise TypeError(f"{owner}: {name} must be bool or floating point, got {m.dtype} of "
                        f"shape {tuple(m.shape)} (only bool and floating masks are supported)")
    if isinstance(mask, Tensor) and mask.requires_grad and is_grad_enabled():
        if differentiable:
            return mask
        raise NotImplementedError(
            f"{owner}: a float {name} that requires grad (shape {tuple(m.shape)}) gets no "
            f"gradient here; add it to the scores with F.scaled_dot_product_attention, which "
            f"differentiates it, or pass {name}.detach()")
    return m


def _broadcasts_to(shape, target) -> bool:
    """Whether `shape` broadcasts to `target` without growing it (a mask added in place)."""
    return len(shape) <= len(target) and all(
        a == 1 or a == b for a, b in zip(reversed(shape), reversed(target)))


def _attend(q, k, v, keep, bias, dropout_p, scale):
    """softmax(q k^T * scale + bias, masked by keep) [dropout] @ v -> (output, weights).

    A -inf in the float bias masks its entry as a False in keep does, so that a query row that
    the two masks together leave without any key gets zero weights (as torch's SDPA), not the
    masked keys' (keep's finite fill would outweigh -inf) nor NaN."""
    scores = (q @ k.transpose(-2, -1)) * q.dtype.type(scale)
    if isinstance(bias, Tensor):   # a learned bias: added as a Tensor, so it gets its gradient
        blocked = np.isneginf(bias._data)
        if blocked.any():
            keep = ~blocked if keep is None else keep & ~blocked
            bias = bias.masked_fill(Tensor._wrap(blocked, False), 0.0)
        scores = scores + bias.to(q.dtype)
    elif bias is not None:
        bias = bias.astype(q.dtype, copy=False)
        blocked = np.isneginf(bias)
        if blocked.any():
            keep = ~blocked if keep is None else keep & ~blocked
            bias = np.where(blocked, bias.dtype.type(0), bias)
        scores = scores + Tensor._wrap(bias, False)
    weights = masked_softmax(scores, keep)
    if dropout_p > 0.0:
        weights = F.dropout(weights, dropout_p, True)
    return weights @ v, weights


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale=None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(Q K^T / sqrt(E) + mask) V.  query (..., L, E), key (..., S, E), value (..., S, Ev)
    -> (..., L, Ev).

    attn_mask broadcasts to (..., L, S): bool (True = take part) or float (added to the
    scores). is_causal lets position i see only positions <= i. A query row with nothing to
    attend to gives zeros. Dropout (probability dropout_p) acts on the attention weights.
    enable_gqa (grouped-query attention): query (..., Hq, L, E) with key (..., Hk, S, E) and
    value (..., Hv, S, Ev), Hk and Hv dividing Hq; each key/value head serves Hq / Hk (Hq / Hv)
    consecutive query heads (torch's repeat_interleave along dim -3).
    """
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor) or t.ndim < 2:
            raise ValueError(f"scaled_dot_product_attention: {name} must be a Tensor with at "
                             f"least 2 dims, got {tuple(getattr(t, 'shape', ()))}")
    if enable_gqa:
        key, value = _repeat_kv_heads(query, key, value)
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(f"scaled_dot_product_attention: shapes query {tuple(query.shape)}, key "
                         f"{tuple(key.shape)} and value {tuple(value.shape)} do not agree")
    if not query.dtype == key.dtype == value.dtype:
        raise TypeError(f"scaled_dot_product_attention: dtypes {query.dtype}, {key.dtype} and "
                        f"{value.dtype} differ")
    if query.dtype.kind != "f":
        raise TypeError(f"scaled_dot_product_attention: query, key and value must be floating "
                        f"point, got dtype {query.dtype} (shape {tuple(query.shape)})")
    if is_causal and attn_mask is not None:
        raise ValueError("scaled_dot_product_attention: pass either attn_mask or is_causal")
    mask = _checked_mask("scaled_dot_product_attention", "attn_mask", attn_mask,
                         differentiable=True)
    bq, bk, bv = tuple(query.shape[:-2]), tuple(key.shape[:-2]), tuple(value.shape[:-2])
    if not bq == bk == bv:   # batch dims broadcast, as torch's
        try:
            np.broadcast_shapes(bq, bk, bv)
        except ValueError:
            raise ValueError(f"scaled_dot_product_attention: the batch dims (all but the last "
                             f"two) of query {tuple(query.shape)}, key {tuple(key.shape)} and "
                             f"value {tuple(value.shape)} do not broadcast") from None
    L, S = query.shape[-2], key.shape[-2]
    keep, bias = None, None
    if is_causal:
        keep = np.tril(np.ones((L, S), bool))
    elif mask is not None:
        scores = (bq if bq == bk else np.broadcast_shapes(bq, bk)) + (L, S)
        if not _broadcasts_to(mask.shape, scores):
            raise ValueError(f"scaled_dot_product_attention: attn_mask of shape "
                             f"{tuple(mask.shape)} does not broadcast to the scores' shape "
                             f"{scores} (query {tuple(query.shape)}, key {tuple(key.shape)})")
        if mask.dtype == np.bool_:
            keep = mask
        else:
            bias = mask
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    return _attend(query, key, value, keep, bias, dropout_p, scale)[0]


def _repeat_kv_heads(query, key, value):
    """key and value with their heads (dim -3) repeated to the query's, as torch's
    enable_gqa: each key/value head repeated Hq / Hk times in place (repeat_interleave)."""
    op = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        if t.ndim < 3:
            raise IndexError(f"{op}: enable_gqa needs {name} with a heads dim (-3), got shape "
                             f"{tuple(t.shape)}")
    hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
    if hk == 0 or hv == 0 or hq % hk or hq % hv:
        raise ValueError(f"{op}: Number of heads in key and value must divide the number of "
                         f"heads in query (enable_gqa): query {tuple(query.shape)}, key "
                         f"{tuple(key.shape)}, value {tuple(value.shape)}")
    if hk != hq:
        key = key.repeat_interleave(hq // hk, -3)
    if hv != hq:
        value = value.repeat_interleave(hq // hv, -3)
    return key, value
