"""Scaled dot-product attention, MultiheadAttention, TransformerEncoderLayer (and the
TransformerEncoder stack) and sinusoidal positional encoding, with PyTorch's signatures,
parameter names and mask conventions."""
from __future__ import annotations

import copy
import math

import numpy as np

import autograd
from autograd import Tensor
from autograd.dtypes import get_default_dtype

from . import functional as F
from . import init
from .attention import masked_softmax
from .dropout import Dropout
from .linear import Linear
from .module import Module, ModuleList, Parameter
from .normalization import LayerNorm


def _checked_mask(owner, name, mask):
    """mask as an ndarray (None stays None), refused unless bool or floating point, as torch:
    an integer 0/1 mask would otherwise be added to the scores and mask nothing."""
    if mask is None:
        return None
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_ and m.dtype.kind != "f":
        raise TypeError(f"{owner}: {name} must be bool or floating point, got {m.dtype} of "
                        f"shape {tuple(m.shape)} (only bool and floating masks are supported)")
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
    if bias is not None:
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
    if is_causal and attn_mask is not None:
        raise ValueError("scaled_dot_product_attention: pass either attn_mask or is_causal")
    mask = _checked_mask("scaled_dot_product_attention", "attn_mask", attn_mask)
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


_MHA = "MultiheadAttention"


class MultiheadAttention(Module):
    """Multi-head attention as torch.nn.MultiheadAttention.

    query (L, N, E), key (S, N, kdim), value (S, N, vdim) ((N, L, E) ... with batch_first,
    or unbatched (L, E) ...) -> (output like query, weights (N, L, S) averaged over heads,
    (N, num_heads, L, S) with average_attn_weights=False, or None when need_weights=False).
    key_padding_mask (N, S) and attn_mask (L, S) or (N * num_heads, L, S): bool with True =
    NOT allowed to attend (PyTorch's convention here), or float added to the scores.
    add_bias_kv appends the learned bias_k, bias_v (1, 1, E) to the projected keys and values,
    add_zero_attn then a zero key and value per head: S grows by one for each (the weights
    too), and the masks get a column that lets every query attend to the added keys.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim=None, vdim=None,
                 batch_first: bool = False, device=None, dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be positive and "
                             f"divisible by num_heads ({num_heads})")
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        self.kdim, self.vdim = kdim or embed_dim, vdim or embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout, self.batch_first = float(dropout), batch_first
        dt = np.dtype(dtype or get_default_dtype())
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * embed_dim, embed_dim), dt))
            for n in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(n, None)
        else:
            self.register_parameter("in_proj_weight", None)
            self.q_proj_weight = Parameter(np.empty((embed_dim, embed_dim), dt))
            self.k_proj_weight = Parameter(np.empty((embed_dim, self.kdim), dt))
            self.v_proj_weight = Parameter(np.empty((embed_dim, self.vdim), dt))
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, dt))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dt)
        if add_bias_kv:
            self.bias_k = Parameter(np.empty((1, 1, embed_dim), dt))
            self.bias_v = Parameter(np.empty((1, 1, embed_dim), dt))
        else:
            self.register_parameter("bias_k", None)
            self.register_parameter("bias_v", None)
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"

    def forward(self, query, key, value, key_padding_mask=None, need_weights: bool = True,
                attn_mask=None, average_attn_weights: bool = True, is_causal: bool = False):
        batched = query.ndim == 3
        self._check(query, key, value, batched)
        key_padding_mask = _checked_mask(_MHA, "key_padding_mask", key_padding_mask)
        attn_mask = _checked_mask(_MHA, "attn_mask", attn_mask)
        if not batched and key_padding_mask is not None:
            key_padding_mask = _unbatched_padding_mask(_MHA, key_padding_mask, key.shape[0])
        if not self.batch_first or not batched:
            query, key, value = _to_batch_first(query, key, value, batched)
        n, length, s = query.shape[0], query.shape[1], key.shape[1]
        if attn_mask is None and is_causal:
            attn_mask = ~np.tril(np.ones((length, s), bool))
        keep, bias = _head_masks(_MHA, key_padding_mask, attn_mask, n, self.num_heads, length, s)
        separate = None if self._qkv_same_embed_dim else (
            self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        out, weights = attend_heads(query, key, value, self.num_heads, self.in_proj_weight,
                                    self.in_proj_bias, separate, self.bias_k, self.bias_v,
                                    self.add_zero_attn, self.dropout if self.training else 0.0,
                                    self.out_proj, keep, bias)
        if not batched:
            out = out.squeeze(0)
        elif not self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(1)
        return out, (weights if batched else weights.squeeze(0))

    def _check(self, query, key, value, batched):
        dims = (self.embed_dim, self.kdim, self.vdim)
        ndim = 3 if batched else 2
        for name, t, d in zip(("query", "key", "value"), (query, key, value), dims):
            if not isinstance(t, Tensor) or t.ndim != ndim or t.shape[-1] != d:
                raise ValueError(f"MultiheadAttention: expected {name} with {ndim} dims and "
                                 f"last dim {d}, got {tuple(getattr(t, 'shape', ()))}")
        if key.shape[:-1] != value.shape[:-1]:
            raise ValueError(f"MultiheadAttention: key {tuple(key.shape)} and value "
                             f"{tuple(value.shape)} must agree outside the last dim")
        axis = 0 if self.batch_first else 1
        if batched and query.shape[axis] != key.shape[axis]:   # no broadcasting, as torch
            raise ValueError(f"MultiheadAttention: batch sizes of query {tuple(query.shape)} "
                             f"and key/value {tuple(key.shape)} differ ({query.shape[axis]} != "
                             f"{key.shape[axis]}; batch_first={self.batch_first})")
        if query.dtype != self.out_proj.weight.dtype:
            raise TypeError(f"MultiheadAttention: input dtype {query.dtype} differs from the "
                            f"parameters' dtype {self.out_proj.weight.dtype}")


def _unbatched_padding_mask(owner, mask, s):
    """An unbatched key_padding_mask (S,) as (1, S), after a check of its shape."""
    if mask.shape != (s,):
        raise ValueError(f"{owner}: for unbatched (2-D) query, key_padding_mask must be None or "
                         f"1-D of shape ({s},), got shape {tuple(mask.shape)}")
    return mask[None]


def _to_batch_first(query, key, value, batched):
    """(L, N, E) inputs (or unbatched (L, E)) as (N, L, E), keeping query is key is value."""
    move = (lambda t: t.unsqueeze(0)) if not batched else (lambda t: t.transpose(0, 1))
    same_kv, same_qk = key is value, query is key
    query = move(query)
    key = query if same_qk else move(key)
    value = key if same_kv else move(value)
    return query, key, value


def _head_masks(owner, key_padding_mask, attn_mask, n, num_heads, length, s):
    """Both masks (checked ndarrays or None; bool True = NOT allowed to attend, or float
    added to the scores) as (keep (bool, True = take part), additive float), each
    broadcasting to (N, num_heads, L, S), or None."""
    keep, bias = None, None
    kpm, am = key_padding_mask, attn_mask
    if kpm is not None:
        if kpm.shape != (n, s):
            raise ValueError(f"{owner}: key_padding_mask must have shape {(n, s)}, got "
                             f"{tuple(kpm.shape)}")
        kpm = kpm[:, None, None, :]
        keep, bias = (~kpm, None) if kpm.dtype == np.bool_ else (None, kpm)
    if am is not None:
        if am.shape == (n * num_heads, length, s):
            am = am.reshape(n, num_heads, length, s)
        elif am.shape != (length, s):
            raise ValueError(f"{owner}: attn_mask must have shape {(length, s)} or "
                             f"{(n * num_heads, length, s)}, got {tuple(am.shape)}")
        if am.dtype == np.bool_:
            keep = ~am if keep is None else keep & ~am
        else:
            bias = am if bias is None else bias + am
    return keep, bias


def _in_projection(query, key, value, in_proj_weight, in_proj_bias, separate):
    """q, k, v = x @ W^T + b with W the thirds of in_proj_weight (3E, E), or separate
    (q, k, v weights); in_proj_bias (3E,) or None. A key or value given as None (a static
    one replaces it) gives None."""
    if separate is None:
        e = in_proj_weight.shape[1]
        if query is key and key is value:
            qkv = query @ in_proj_weight.T  # self-attention: one matmul for q, k and v
            if in_proj_bias is not None:
                qkv = qkv + in_proj_bias
            return qkv[..., :e], qkv[..., e:2 * e], qkv[..., 2 * e:]
        ws = (in_proj_weight[:e], in_proj_weight[e:2 * e], in_proj_weight[2 * e:])
    else:
        ws = separate
        e = ws[0].shape[0]
    out = []
    for i, (x, w) in enumerate(zip((query, key, value), ws)):
        if x is None:
            out.append(None)
            continue
        y = x @ w.T
        out.append(y if in_proj_bias is None else y + in_proj_bias[i * e:(i + 1) * e])
    return out


def attend_heads(query, key, value, num_heads, in_proj_weight, in_proj_bias, separate, bias_k,
                 bias_v, add_zero_attn, dropout_p, out_proj, keep, bias, static_k=None,
                 static_v=None):
    """The body of multi-head attention, shared by MultiheadAttention.forward and
    F.multi_head_attention_forward: query (N, L, E), key (N, S, kdim), value (N, S, vdim) ->
    (output (N, L, E), weights (N, num_heads, L, S')), S' = S plus one key for bias_k/bias_v
    (1, 1, E) and one for add_zero_attn. static_k, static_v (N * num_heads, S, E / num_heads)
    replace the projected keys, values. keep, bias: the masks of _head_masks (over S);
    out_proj: a callable on (N, L, E)."""
    n, length, e = query.shape
    head_dim = e // num_heads
    q, k, v = _in_projection(query, None if static_k is not None else key,
                             None if static_v is not None else value, in_proj_weight,
                             in_proj_bias, separate)
    extra = 0   # key/value columns appended to the S given
    if bias_k is not None:
        k = autograd.cat([k, bias_k.expand(n, 1, e)], 1)
        v = autograd.cat([v, bias_v.expand(n, 1, e)], 1)
        extra += 1

    def split_heads(x):
        return x.reshape(n, x.shape[1], num_heads, head_dim).permute(0, 2, 1, 3)

    q = split_heads(q)
    k = split_heads(k) if static_k is None else static_k.reshape(n, num_heads, -1, head_dim)
    v = split_heads(v) if static_v is None else static_v.reshape(n, num_heads, -1, head_dim)
    if add_zero_attn:
        zero = Tensor._wrap(np.zeros((n, num_heads, 1, head_dim), k.dtype), False)
        k, v = autograd.cat([k, zero], 2), autograd.cat([v, zero], 2)
        extra += 1
    if extra:   # the appended keys take part for every query, whatever the masks say
        keep, bias = _pad_columns(keep, extra, True), _pad_columns(bias, extra, 0)
    out, weights = _attend(q, k, v, keep, bias, dropout_p, 1.0 / math.sqrt(head_dim))
    return out_proj(out.permute(0, 2, 1, 3).reshape(n, length, e)), weights


def _pad_columns(mask, extra, value):
    """mask (..., S) -> (..., S + extra), the new columns filled with value; None stays."""
    if mask is None:
        return None
    return np.concatenate([mask, np.full(mask.shape[:-1] + (extra,), value, mask.dtype)], -1)


def _activation(activation, owner="TransformerEncoderLayer"):
    """'relu', 'gelu' or a callable -> the callable (a RuntimeError otherwise, as in torch)."""
    if callable(activation):
        return activation
    if activation == "relu":
        return autograd.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"{owner}: activation should be 'relu', 'gelu' or a callable, got "
                       f"{activation!r}")


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each with dropout, residual and LayerNorm
    (after the residual, or before the block with norm_first), as PyTorch.

    src (S, N, E) ((N, S, E) with batch_first, or unbatched (S, E)) -> same shape;
    src_mask (S, S) and src_key_padding_mask (N, S) as in MultiheadAttention.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation="relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal: bool = False):
        # named as the caller passed them; MultiheadAttention would say attn_mask
        _checked_mask("TransformerEncoderLayer", "src_mask", src_mask)
        _checked_mask("TransformerEncoderLayer", "src_key_padding_mask", src_key_padding_mask)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """num_layers deep copies of encoder_layer applied in turn, then an optional norm.
    src (S, N, E) (or as the layer's batch_first says) -> same shape; masks as the layer."""

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm=None,
                 enable_nested_tensor: bool = True, mask_check: bool = True):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        _checked_mask("TransformerEncoder", "mask", mask)
        _checked_mask("TransformerEncoder", "src_key_padding_mask", src_key_padding_mask)
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)


class PositionalEncoding(Module):
    """x + PE[position], PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(same), then
    dropout.  x: (L, N, d_model) ((N, L, d_model) with batch_first) -> same shape."""

    def __init__(self, d_model: int, max_len: int = 5000, dropout: float = 0.0,
                 batch_first: bool = False):
        super().__init__()
        self.d_model, self.max_len, self.batch_first = d_model, max_len, batch_first
        self.dropout = Dropout(dropout)
        position = np.arange(max_len)[:, None]
        div = np.exp(np.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = np.zeros((max_len, d_model))
        pe[:, 0::2] = np.sin(position * div)
        pe[:, 1::2] = np.cos(position * div[:d_model // 2])
        self.register_buffer("pe", Tensor(pe.astype(get_default_dtype())), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor) or x.ndim != 3 or x.shape[-1] != self.d_model:
            raise ValueError(f"PositionalEncoding: expected input (*, *, {self.d_model}), got "
                             f"{tuple(getattr(x, 'shape', ()))}")
        length = x.shape[1] if self.batch_first else x.shape[0]
        if length > self.max_len:
            raise ValueError(f"PositionalEncoding: sequence length {length} exceeds max_len "
                             f"{self.max_len}")
        pe = self.pe.data[:length].astype(x.dtype, copy=False)
        pe = pe[None] if self.batch_first else pe[:, None]
        return self.dropout(x + Tensor._wrap(pe, False))

    def extra_repr(self):
        return f"d_model={self.d_model}, max_len={self.max_len}"
