"""MultiheadAttention as torch.nn.MultiheadAttention, and attend_heads, its body, which
F.multi_head_attention_forward also runs."""
from __future__ import annotations

import math

import numpy as np

import autograd
from autograd import Tensor
from autograd.dtypes import get_default_dtype

from . import init
from .linear import Linear
from .module import Module, Parameter
from .scaled_attention import _attend, _checked_mask

_MHA = "MultiheadAttention"



class NonDynamicallyQuantizableLinear(Linear):
    """torch's name for MultiheadAttention's out_proj: a Linear (the name is what print(model)
    shows; torch uses it to keep quantization tools off that layer)."""

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
    is_causal=True without attn_mask applies the causal mask itself (so do the Transformer
    layers built on this): torch raises there, as its is_causal is only a hint about the
    mask; F.multi_head_attention_forward follows torch.
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
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, dtype=dt)
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

    def forward(self, query, key, value, key_padding_mask=None, need_weights: bool = True,
                attn_mask=None, average_attn_weights: bool = True, is_causal: bool = False):
        batched = query.ndim == 3
        self._check(query, key, value, batched)
        key_padding_mask = _checked_mask(_MHA, "key_padding_mask", key_padding_mask)
        attn_mask = _checked_mask(_MHA, "attn_mask", attn_mask)
        if not batched and key_padding_mask is not None:
            key_padding_mask = _unbatched_padding_mask(_MHA, key_padding_mask, key.shape[0])
        seq_first = batched and not self.batch_first
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
                                    self.out_proj, keep, bias, seq_first=seq_first)
        if not batched:
            out = out.squeeze(0)
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
        for name, t in (("query", query), ("key", key), ("value", value)):
            if t.dtype != self.out_proj.weight.dtype:
                raise TypeError(f"MultiheadAttention: {name} dtype {t.dtype} (shape "
                                f"{tuple(t.shape)}) differs from the parameters' dtype "
                                f"{self.out_proj.weight.dtype}")


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
                 static_v=None, seq_first=False):
    """The body of multi-head attention, shared by MultiheadAttention.forward and
    F.multi_head_attention_forward: query (N, L, E), key (N, S, kdim), value (N, S, vdim) ->
    (output (N, L, E), weights (N, num_heads, L, S')), S' = S plus one key for bias_k/bias_v
    (1, 1, E) and one for add_zero_attn. static_k, static_v (N * num_heads, S, E / num_heads)
    replace the projected keys, values. keep, bias: the masks of _head_masks (over S);
    out_proj: a callable on (N, L, E). seq_first: the output as a C-contiguous (L, N, E)
    instead, as PyTorch's (the heads are merged in that order: no transposed view)."""
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
    if seq_first:
        return out_proj(out.permute(2, 0, 1, 3).reshape(length, n, e)), weights
    return out_proj(out.permute(0, 2, 1, 3).reshape(n, length, e)), weights


def _pad_columns(mask, extra, value):
    """mask (..., S) -> (..., S + extra), the new columns filled with value; None stays."""
    if mask is None:
        return None
    return np.concatenate([mask, np.full(mask.shape[:-1] + (extra,), value, mask.dtype)], -1)
