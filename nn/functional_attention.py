"""multi_head_attention_forward: multi-head attention as a function of its weights, with
torch.nn.functional's signature (the form torch's nn.MultiheadAttention calls).

It checks torch's arguments and layout ((L, N, E), no batch_first) and runs the body that
nn.MultiheadAttention runs (nn.multihead_attention.attend_heads, imported on use: attention
imports this package's functional), so the two cannot drift apart.
"""
from __future__ import annotations

from autograd.tensor import Tensor

__all__ = ["multi_head_attention_forward"]

_OP = "multi_head_attention_forward"


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Multi-head attention.  query (L, N, E), key (S, N, kdim), value (S, N, vdim) (or
    unbatched (L, E), (S, kdim), (S, vdim)) -> (output (L, N, E), weights (N, L, S) averaged
    over heads, (N, num_heads, L, S) with average_attn_weights=False, None when
    need_weights=False).

    in_proj_weight (3E, E), in_proj_bias (3E,) or None; with use_separate_proj_weight,
    q_proj_weight (E, E), k_proj_weight (E, kdim), v_proj_weight (E, vdim) instead.
    out_proj_weight (E, E), out_proj_bias (E,) or None. bias_k, bias_v (1, 1, E) append a
    key and value, add_zero_attn a zero one (S grows by one each). static_k, static_v
    (N * num_heads, S, E / num_heads) replace the projected keys / values.
    key_padding_mask (N, S) and attn_mask (L, S) or (N * num_heads, L, S): bool with True =
    NOT allowed to attend, or float added to the scores. is_causal is only a hint, as torch's:
    it needs attn_mask, which is used as given. Dropout (dropout_p) only when training.
    """
    from .multihead_attention import (_head_masks, _to_batch_first, _unbatched_padding_mask,
                                      attend_heads)
    from .scaled_attention import _checked_mask
    from .functional import linear
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{_OP}: {name} must be a Tensor, got {type(t).__name__}")
    key_padding_mask = _checked_mask(_OP, "key_padding_mask", key_padding_mask)
    attn_mask = _checked_mask(_OP, "attn_mask", attn_mask)
    batched = _shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    embed_dim = query.shape[-1]
    if embed_dim != embed_dim_to_check:
        raise ValueError(f"{_OP}: was expecting embedding dimension of {embed_dim_to_check}, "
                         f"but got {embed_dim}")
    if num_heads <= 0 or embed_dim % num_heads:
        raise ValueError(f"{_OP}: embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if is_causal and attn_mask is None:
        raise ValueError(f"{_OP}: Need attn_mask if specifying the is_causal hint. You may use "
                         f"the Transformer module method `generate_square_subsequent_mask` to "
                         f"create this mask.")
    separate = _projection_weights(query, key, value, embed_dim, in_proj_weight,
                                   use_separate_proj_weight, q_proj_weight, k_proj_weight,
                                   v_proj_weight)
    query, key, value = _to_batch_first(query, key, value, batched)
    n, length = query.shape[0], query.shape[1]
    s = _static_length(static_k, static_v, bias_k, bias_v, n, num_heads, embed_dim, key.shape[1])
    if not batched and key_padding_mask is not None:   # over the static keys when given
        key_padding_mask = _unbatched_padding_mask(_OP, key_padding_mask, s)
    keep, bias = _head_masks(_OP, key_padding_mask, attn_mask, n, num_heads, length, s)
    out, weights = attend_heads(
        query, key, value, num_heads, in_proj_weight, in_proj_bias, separate, bias_k, bias_v,
        add_zero_attn, dropout_p if training else 0.0,
        lambda x: linear(x, out_proj_weight, out_proj_bias), keep, bias, static_k, static_v,
        seq_first=batched)
    out = out if batched else out.squeeze(0)
    if not need_weights:
        return out, None
    if average_attn_weights:
        weights = weights.mean(1)
    return out, (weights if batched else weights.squeeze(0))


def _shape_check(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    """torch's _mha_shape_check: whether the inputs are batched ((L, N, E)) or not ((L, E)),
    and masks of the matching number of dims."""
    if query.ndim == 3:
        if key.ndim != 3 or value.ndim != 3:
            raise ValueError(f"{_OP}: For batched (3-D) `query`, expected `key` and `value` to "
                             f"be 3-D but found {key.ndim}-D and {value.ndim}-D tensors "
                             f"respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 2:
            raise ValueError(f"{_OP}: For batched (3-D) `query`, expected `key_padding_mask` "
                             f"to be `None` or 2-D but found {key_padding_mask.ndim}-D tensor "
                             f"instead")
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise ValueError(f"{_OP}: For batched (3-D) `query`, expected `attn_mask` to be "
                             f"`None`, 2-D or 3-D but found {attn_mask.ndim}-D tensor instead")
        if query.shape[1] != key.shape[1] or key.shape[:2] != value.shape[:2]:
            raise ValueError(f"{_OP}: batch and sequence dims of query {tuple(query.shape)}, "
                             f"key {tuple(key.shape)} and value {tuple(value.shape)} do not "
                             f"agree")
        return True
    if query.ndim == 2:
        if key.ndim != 2 or value.ndim != 2:
            raise ValueError(f"{_OP}: For unbatched (2-D) `query`, expected `key` and `value` "
                             f"to be 2-D but found {key.ndim}-D and {value.ndim}-D tensors "
                             f"respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 1:
            raise ValueError(f"{_OP}: For unbatched (2-D) `query`, expected `key_padding_mask` "
                             f"to be `None` or 1-D but found {key_padding_mask.ndim}-D tensor "
                             f"instead")
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise ValueError(f"{_OP}: For unbatched (2-D) `query`, expected `attn_mask` to be "
                             f"`None`, 2-D or 3-D but found {attn_mask.ndim}-D tensor instead")
        if attn_mask is not None and attn_mask.ndim == 3 and attn_mask.shape != (
                num_heads, query.shape[0], key.shape[0]):
            raise ValueError(f"{_OP}: Expected `attn_mask` shape to be "
                             f"{(num_heads, query.shape[0], key.shape[0])} but got "
                             f"{tuple(attn_mask.shape)}")
        if key.shape[0] != value.shape[0]:
            raise ValueError(f"{_OP}: key {tuple(key.shape)} and value {tuple(value.shape)} "
                             f"differ in length")
        return False
    raise ValueError(f"{_OP}: query should be unbatched 2D or batched 3D tensor but received "
                     f"{query.ndim}-D query tensor")


def _projection_weights(query, key, value, e, in_proj_weight, use_separate, q_w, k_w, v_w):
    """None (the packed in_proj_weight (3E, E) is used) or the (q, k, v) weights; checks their
    shapes against the inputs' feature dims and their dtypes against the query's."""
    if not use_separate:
        if in_proj_weight is None:
            raise ValueError(f"{_OP}: use_separate_proj_weight is False but in_proj_weight is "
                             f"None")
        if key.shape != value.shape:
            raise ValueError(f"{_OP}: key shape {tuple(key.shape)} does not match value shape "
                             f"{tuple(value.shape)}")
        if tuple(in_proj_weight.shape) != (3 * e, e) or key.shape[-1] != e:
            raise ValueError(f"{_OP}: in_proj_weight must have shape {(3 * e, e)} and key, "
                             f"value {e} features, got {tuple(in_proj_weight.shape)} and key "
                             f"{tuple(key.shape)}")
        weights = (in_proj_weight,)
    else:
        for name, w in (("q_proj_weight", q_w), ("k_proj_weight", k_w),
                        ("v_proj_weight", v_w)):
            if w is None:
                raise ValueError(f"{_OP}: use_separate_proj_weight is True but {name} is None")
        for name, w, x in (("q_proj_weight", q_w, query), ("k_proj_weight", k_w, key),
                           ("v_proj_weight", v_w, value)):
            if tuple(w.shape) != (e, x.shape[-1]):
                raise ValueError(f"{_OP}: {name} must have shape {(e, x.shape[-1])}, got "
                                 f"{tuple(w.shape)}")
        weights = (q_w, k_w, v_w)
    dtypes = {query.dtype, key.dtype, value.dtype} | {w.dtype for w in weights}
    if len(dtypes) > 1:
        raise TypeError(f"{_OP}: query, key, value and the projection weights must share one "
                        f"dtype, got {sorted(map(str, dtypes))}")
    return None if not use_separate else weights


def _static_length(static_k, static_v, bias_k, bias_v, n, num_heads, e, s) -> int:
    """The number of keys the masks cover: S, or static_k's (which static_v must match)."""
    if (bias_k is None) != (bias_v is None):
        raise ValueError(f"{_OP}: bias_k is set but bias_v is None" if bias_v is None else
                         f"{_OP}: bias_v is set but bias_k is None")
    head_dim = e // num_heads
    lengths = {}
    for name, t in (("static_k", static_k), ("static_v", static_v)):
        if t is None:
            continue
        if bias_k is not None:
            raise ValueError(f"{_OP}: bias cannot be added to static "
                             f"{'key' if name == 'static_k' else 'value'}.")
        if not isinstance(t, Tensor) or t.ndim != 3 or t.shape[0] != n * num_heads \
                or t.shape[2] != head_dim:
            raise ValueError(f"{_OP}: expecting {name} of shape ({n * num_heads}, S, "
                             f"{head_dim}), got {tuple(getattr(t, 'shape', ()))}")
        lengths[name] = t.shape[1]
    keys = lengths.get("static_k", s)
    if lengths.get("static_v", s) != keys:
        raise ValueError(f"{_OP}: the keys ({keys}) and values ({lengths.get('static_v', s)}) "
                         f"differ in length")
    return keys
