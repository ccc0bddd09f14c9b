"""TransformerDecoderLayer, the TransformerDecoder stack and the full encoder-decoder
Transformer, with PyTorch's signatures, parameter names and mask conventions."""
from __future__ import annotations

import copy

import numpy as np

from autograd import Tensor
from autograd.dtypes import get_default_dtype

from . import functional as F
from . import init
from .dropout import Dropout
from .linear import Linear
from .module import Module, ModuleList
from .normalization import LayerNorm
from .multihead_attention import MultiheadAttention
from .scaled_attention import _checked_mask
from .transformer import TransformerEncoder, TransformerEncoderLayer, _activation


def _shape(t):
    return tuple(getattr(t, "shape", ()))


def _check_activation(owner, activation):
    return _activation(activation, owner)


def _check_mask(owner, name, mask, shapes):
    """Raise if mask is given and is neither bool nor floating point, or its shape is none of
    `shapes`."""
    m = _checked_mask(owner, name, mask)
    if m is not None and tuple(m.shape) not in shapes:
        wanted = " or ".join(str(s) for s in shapes)
        raise ValueError(f"{owner}: {name} must have shape {wanted}, got {tuple(m.shape)}")


class TransformerDecoderLayer(Module):
    """Masked self-attention, attention over the encoder's memory, then a feed-forward block;
    each with dropout, residual and LayerNorm (after the residual, or before the block with
    norm_first), as PyTorch.

    tgt (T, N, E), memory (S, N, E) ((N, T, E), (N, S, E) with batch_first; unbatched (T, E),
    (S, E)) -> like tgt. tgt_mask (T, T) or (N * nhead, T, T), memory_mask (T, S) or
    (N * nhead, T, S): bool with True = NOT allowed, or float added to the scores;
    tgt_key_padding_mask (N, T) and memory_key_padding_mask (N, S), True = padding.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation=F.relu, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        kw = {"dropout": dropout, "batch_first": batch_first, "bias": bias, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, **kw)
        self.multihead_attn = MultiheadAttention(d_model, nhead, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _check_activation("TransformerDecoderLayer", activation)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False):
        self._check(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
                    memory_key_padding_mask)
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask,
                                   tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask,
                                    memory_key_padding_mask, memory_is_causal)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                           memory_is_causal))
        return self.norm3(x + self._ff_block(x))

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           is_causal=bool(is_causal), need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask,
                                is_causal=bool(is_causal), need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def _check(self, tgt, memory, tgt_mask, memory_mask, tgt_kpm, memory_kpm):
        """Shapes and dtypes of the inputs and masks, named as the caller passed them."""
        owner, e = "TransformerDecoderLayer", self.self_attn.embed_dim
        for name, t in (("tgt", tgt), ("memory", memory)):
            if not isinstance(t, Tensor) or t.ndim not in (2, 3) or t.shape[-1] != e:
                raise ValueError(f"{owner}: expected {name} of shape (L, N, {e}), (N, L, {e}) "
                                 f"or (L, {e}) (d_model={e}), got {_shape(t)}")
        if tgt.ndim != memory.ndim:
            raise ValueError(f"{owner}: tgt {_shape(tgt)} and memory {_shape(memory)} must "
                             f"both be batched (3 dims) or both unbatched (2 dims)")
        dtype = self.linear1.weight.dtype
        if tgt.dtype != dtype or memory.dtype != dtype:
            raise TypeError(f"{owner}: tgt ({tgt.dtype}) and memory ({memory.dtype}) must have "
                            f"the parameters' dtype {dtype}")
        batched, bf = tgt.ndim == 3, self.self_attn.batch_first
        if batched:
            n, t = (tgt.shape[0], tgt.shape[1]) if bf else (tgt.shape[1], tgt.shape[0])
            ns, s = (memory.shape[0], memory.shape[1]) if bf else (memory.shape[1],
                                                                   memory.shape[0])
            if n != ns:
                raise ValueError(f"{owner}: batch sizes of tgt {_shape(tgt)} and memory "
                                 f"{_shape(memory)} differ ({n} != {ns}; batch_first={bf})")
        else:
            n, t, s = 1, tgt.shape[0], memory.shape[0]
        h = self.self_attn.num_heads
        _check_mask(owner, "tgt_mask", tgt_mask, ((t, t), (n * h, t, t)))
        _check_mask(owner, "memory_mask", memory_mask, ((t, s), (n * h, t, s)))
        _check_mask(owner, "tgt_key_padding_mask", tgt_kpm, ((n, t),) if batched else ((t,),))
        _check_mask(owner, "memory_key_padding_mask", memory_kpm,
                    ((n, s),) if batched else ((s,),))


class TransformerDecoder(Module):
    """num_layers deep copies of decoder_layer applied in turn, then an optional norm.
    tgt (T, N, E), memory (S, N, E) (or as the layer's batch_first says) -> like tgt."""

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm=None):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal: bool = False):
        # a given mask is always applied, so a causal hint of None needs no detection here
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask,
                      memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """Encoder stack over src, decoder stack over tgt attending to the encoder's output; each
    stack ends with a LayerNorm (encoder.norm, decoder.norm), as PyTorch.

    src (S, N, E), tgt (T, N, E) ((N, S, E), (N, T, E) with batch_first; unbatched (S, E),
    (T, E)) -> (T, N, E) like tgt. Masks as TransformerEncoderLayer (src_*) and
    TransformerDecoderLayer (tgt_*, memory_*).
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation=F.relu, custom_encoder=None,
                 custom_decoder=None, layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None):
        super().__init__()
        args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                batch_first, norm_first, bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            _check_activation("Transformer", activation)
            layer = TransformerEncoderLayer(*args, dtype=dtype)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            self.encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(*args, dtype=dtype)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            self.decoder = TransformerDecoder(layer, num_decoder_layers, norm)
        self._reset_parameters()
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal: bool = False):
        for name, t in (("src", src), ("tgt", tgt)):
            if not isinstance(t, Tensor) or t.ndim not in (2, 3):
                raise RuntimeError(f"Transformer: {name} must be a Tensor of 2 or 3 dims, got "
                                   f"{_shape(t)}")
        if src.ndim != tgt.ndim:
            raise RuntimeError(f"Transformer: src {_shape(src)} and tgt {_shape(tgt)} must "
                               f"both be batched or both unbatched")
        axis = 0 if self.batch_first else 1
        if src.ndim == 3 and src.shape[axis] != tgt.shape[axis]:
            raise RuntimeError(f"Transformer: the batch number of src {_shape(src)} and tgt "
                               f"{_shape(tgt)} must be equal (batch_first={self.batch_first})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"Transformer: the feature number of src {_shape(src)} and tgt "
                               f"{_shape(tgt)} must be equal to d_model={self.d_model}")
        for name, mask in (("src_mask", src_mask), ("tgt_mask", tgt_mask),
                           ("memory_mask", memory_mask),
                           ("src_key_padding_mask", src_key_padding_mask),
                           ("tgt_key_padding_mask", tgt_key_padding_mask),
                           ("memory_key_padding_mask", memory_key_padding_mask)):
            _checked_mask("Transformer", name, mask)   # named as passed, not as the stacks say
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device=None, dtype=None) -> Tensor:
        """(sz, sz) float mask: -inf above the diagonal (future positions), 0 elsewhere."""
        if isinstance(sz, bool) or not isinstance(sz, (int, np.integer)) or sz < 0:
            raise ValueError(f"Transformer.generate_square_subsequent_mask: sz must be a "
                             f"non-negative int, got {sz!r}")
        mask = np.triu(np.full((sz, sz), -np.inf, np.dtype(dtype or get_default_dtype())), 1)
        return Tensor(mask)

    def _reset_parameters(self):
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
