"""Sequence-to-sequence with recurrent encoder and decoder, optionally with attention.

Shapes: N batch, S source length, T target length, V vocabulary, E embedding size,
H hidden size, D = 2 for a bidirectional encoder else 1, C = D * H the encoder feature size.
Token tensors hold int64 indices; sequences are right-padded with `pad_idx`.
"""
from __future__ import annotations

import numpy as np

import autograd
from autograd import Tensor

from .attention import Attention
from .linear import Linear
from .module import Module
from .rnn import GRU, LSTM
from .sparse import Embedding

_CELLS = {"lstm": LSTM, "gru": GRU}


def _tokens(x, op) -> Tensor:
    arr = x.data if isinstance(x, Tensor) else np.asarray(x)
    if arr.dtype.kind not in "iu" or arr.ndim != 2:
        raise ValueError(f"{op}: expected int tokens of shape (N, length), got {arr.dtype} "
                         f"{tuple(arr.shape)}")
    return Tensor._wrap(arr.astype(np.int64, copy=False), False)


def _cell(cell, op):
    if cell not in _CELLS:
        raise ValueError(f"{op}: cell must be 'lstm' or 'gru', got {cell!r}")
    return _CELLS[cell]


class Encoder(Module):
    """Embedding + LSTM/GRU over the source.

    forward(src (N, S) int) -> (outputs (N, S, C), state, summary (N, C)): state is the final
    (num_layers, N, H) hidden state (a (h, c) pair for LSTM) with the two directions summed,
    ready to start a decoder; summary is the top layer's final hidden state, directions
    concatenated (the plain context vector).
    """

    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int, num_layers: int = 1,
                 cell: str = "lstm", bidirectional: bool = False, dropout: float = 0.0,
                 padding_idx=None):
        super().__init__()
        self.cell, self.num_layers, self.hidden_size = cell, num_layers, hidden_size
        self.bidirectional = bidirectional
        self.output_size = hidden_size * (2 if bidirectional else 1)
        self.embedding = Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        self.rnn = _cell(cell, "Encoder")(embed_dim, hidden_size, num_layers, batch_first=True,
                                          dropout=dropout, bidirectional=bidirectional)

    def forward(self, src):
        outputs, state = self.rnn(self.embedding(_tokens(src, "Encoder")))
        states = state if self.cell == "lstm" else (state,)
        top = states[0][-2:] if self.bidirectional else states[0][-1:]
        summary = autograd.cat(list(top), dim=1)
        if self.bidirectional:
            n, h = states[0].shape[1], self.hidden_size
            states = tuple(s.reshape(self.num_layers, 2, n, h).sum(1) for s in states)
        return outputs, (states if self.cell == "lstm" else states[0]), summary


class Decoder(Module):
    """One step at a time: embed the previous token, attend (or take the plain context), run
    the RNN, predict the next token.

    step(token (N,) int, state, enc_outputs (N, S, C), summary (N, C), mask (N, S) or None)
        -> (logits (N, V), state, weights (N, S) or None).
    With attention=None the context is always `summary`; else the top layer's previous hidden
    state attends over enc_outputs with the given method ('dot', 'general', 'additive').
    The RNN input is [embedding, context] and the logits come from [hidden, context].
    """

    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int, enc_dim: int,
                 num_layers: int = 1, cell: str = "lstm", attention=None, dropout: float = 0.0,
                 padding_idx=None):
        super().__init__()
        self.cell, self.num_layers, self.hidden_size = cell, num_layers, hidden_size
        self.vocab_size, self.enc_dim = vocab_size, enc_dim
        self.embedding = Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        if attention is not None:
            self.attention = Attention(hidden_size, enc_dim, method=attention)
        else:
            self.add_module("attention", None)
        self.rnn = _cell(cell, "Decoder")(embed_dim + enc_dim, hidden_size, num_layers,
                                          dropout=dropout)
        self.out = Linear(hidden_size + enc_dim, vocab_size)

    def step(self, token: Tensor, state, enc_outputs: Tensor, summary: Tensor, mask=None,
             key_cache=None):
        weights = None
        if self.attention is None:
            context = summary
        else:
            query = (state[0] if self.cell == "lstm" else state)[-1]
            context, weights = self.attention(query, enc_outputs, mask, key_cache)
        x = autograd.cat([self.embedding(token), context], dim=1).unsqueeze(0)
        out, state = self.rnn(x, state)
        logits = self.out(autograd.cat([out[0], context], dim=1))
        return logits, state, weights


class Seq2Seq(Module):
    """Encoder-decoder with teacher forcing and greedy decoding.

    forward(src (N, S), tgt (N, T), teacher_forcing_ratio) -> (logits (N, T-1, V),
    weights (N, T-1, S) or None): tgt[:, 0] is the start token; step t predicts tgt[:, t] from
    tgt[:, t-1] (teacher forcing, chosen per step with probability teacher_forcing_ratio)
    or from the previous step's argmax. `seed` seeds the generator behind that choice.
    """

    def __init__(self, encoder: Encoder, decoder: Decoder, sos_idx: int, eos_idx: int,
                 pad_idx=None, seed=None):
        super().__init__()
        if (encoder.cell, encoder.num_layers, encoder.hidden_size) != \
                (decoder.cell, decoder.num_layers, decoder.hidden_size):
            raise ValueError(f"Seq2Seq: encoder (cell, num_layers, hidden_size) "
                             f"{(encoder.cell, encoder.num_layers, encoder.hidden_size)} must "
                             f"match the decoder's "
                             f"{(decoder.cell, decoder.num_layers, decoder.hidden_size)}")
        if encoder.output_size != decoder.enc_dim:
            raise ValueError(f"Seq2Seq: decoder enc_dim {decoder.enc_dim} must equal the "
                             f"encoder output size {encoder.output_size}")
        self.encoder, self.decoder = encoder, decoder
        self.sos_idx, self.eos_idx, self.pad_idx = sos_idx, eos_idx, pad_idx
        self.rng = np.random.default_rng(seed)

    def _encode(self, src):
        src = _tokens(src, "Seq2Seq")
        outputs, state, summary = self.encoder(src)
        mask = None if self.pad_idx is None else Tensor._wrap(src.data != self.pad_idx, False)
        cache = None
        if self.decoder.attention is not None:
            cache = self.decoder.attention.precompute(outputs)
        return outputs, state, summary, mask, cache

    def forward(self, src, tgt, teacher_forcing_ratio: float = 1.0, rng=None):
        if not 0.0 <= teacher_forcing_ratio <= 1.0:
            raise ValueError(f"Seq2Seq: teacher_forcing_ratio must be in [0, 1], got "
                             f"{teacher_forcing_ratio}")
        tgt = _tokens(tgt, "Seq2Seq")
        if tgt.shape[1] < 2:
            raise ValueError(f"Seq2Seq: tgt needs a start token and at least one more, got "
                             f"shape {tuple(tgt.shape)}")
        rng = self.rng if rng is None else rng
        outputs, state, summary, mask, cache = self._encode(src)
        token = tgt[:, 0]
        all_logits, all_weights = [], []
        for t in range(1, tgt.shape[1]):
            logits, state, weights = self.decoder.step(token, state, outputs, summary, mask,
                                                       cache)
            all_logits.append(logits)
            all_weights.append(weights)
            if rng.random() < teacher_forcing_ratio:
                token = tgt[:, t]
            else:
                token = Tensor._wrap(np.argmax(logits.data, axis=1), False)
        weights = None if all_weights[0] is None else autograd.stack(all_weights, 1)
        return autograd.stack(all_logits, 1), weights

    @autograd.no_grad()
    def greedy_decode(self, src, max_len: int):
        """src: (N, S) -> (tokens (N, T) int64, weights (N, T, S) or None), T <= max_len.

        Each row is the argmax chain after the start token, up to and including its end token
        and then padded (pad_idx, or the end token); decoding stops once every row has ended.
        """
        outputs, state, summary, mask, cache = self._encode(src)
        n = outputs.shape[0]
        token = Tensor._wrap(np.full(n, self.sos_idx, np.int64), False)
        done = np.zeros(n, bool)
        fill = self.eos_idx if self.pad_idx is None else self.pad_idx
        tokens, all_weights = [], []
        for _ in range(max_len):
            logits, state, weights = self.decoder.step(token, state, outputs, summary, mask,
                                                       cache)
            pred = np.where(done, fill, np.argmax(logits.data, axis=1))
            tokens.append(pred)
            if weights is not None:
                all_weights.append(np.where(done[:, None], 0, weights.data))
            done |= pred == self.eos_idx
            if done.all():
                break
            token = Tensor._wrap(pred, False)
        out = Tensor._wrap(np.stack(tokens, 1).astype(np.int64), False)
        return out, (Tensor._wrap(np.stack(all_weights, 1), False) if all_weights else None)
