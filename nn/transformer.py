"""TransformerEncoderLayer (and the TransformerEncoder stack) and sinusoidal positional
encoding, with PyTorch's signatures, parameter names and mask conventions. Attention itself is
in scaled_attention.py (scaled_dot_product_attention) and multihead_attention.py."""
from __future__ import annotations

import copy
import math

import numpy as np

import autograd
from autograd import Tensor
from autograd.dtypes import get_default_dtype

from . import functional as F
from .dropout import Dropout
from .linear import Linear
from .module import Module, ModuleList
from .multihead_attention import MultiheadAttention
from .normalization import LayerNorm
from .scaled_attention import _checked_mask, scaled_dot_product_attention

__all__ = ["MultiheadAttention", "PositionalEncoding", "TransformerEncoder",
           "TransformerEncoderLayer", "scaled_dot_product_attention"]

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
