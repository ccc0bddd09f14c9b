"""The benchmark models, built from the engine's nn layers by name (a missing layer raises
Missing, which skips that row)."""
from __future__ import annotations

import numpy as np

import autograd
from nn import Module, Parameter

from .util import need


def mlp(sizes) -> Module:
    """x: (N, sizes[0]) -> logits (N, sizes[-1]); ReLU between Linear layers."""
    Linear, ReLU, Sequential = need("nn.Linear", "nn.ReLU", "nn.Sequential")
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(ReLU())
    return Sequential(*layers)


def cnn1d(length=40, channels=25, classes=10) -> Module:
    """MNIST-1D ConvBase of the mnist1d repo: x (N, 40) -> logits (N, 10).
    conv5/2 -> conv3/2 -> conv3/2 (25 channels, ReLU) -> Linear(25 * 5, 10)."""
    Conv1d, Linear, ReLU, Sequential, Unflatten, Flatten = need(
        "nn.Conv1d", "nn.Linear", "nn.ReLU", "nn.Sequential", "nn.Unflatten", "nn.Flatten")
    n = length
    for k in (5, 3, 3):
        n = (n + 2 - k) // 2 + 1
    return Sequential(Unflatten(1, (1, length)),
                      Conv1d(1, channels, 5, stride=2, padding=1), ReLU(),
                      Conv1d(channels, channels, 3, stride=2, padding=1), ReLU(),
                      Conv1d(channels, channels, 3, stride=2, padding=1), ReLU(),
                      Flatten(), Linear(channels * n, classes))


def cnn2d(side, c1=16, c2=32, classes=10, in_channels=1) -> Module:
    """Two conv3x3 (pad 1) + ReLU + maxpool 2 blocks and a Linear: x (N, 1, s, s) or
    (N, s*s) -> logits (N, classes)."""
    Conv2d, MaxPool2d, Linear, ReLU, Sequential, Unflatten, Flatten = need(
        "nn.Conv2d", "nn.MaxPool2d", "nn.Linear", "nn.ReLU", "nn.Sequential", "nn.Unflatten",
        "nn.Flatten")
    return Sequential(Unflatten(1, (in_channels, side, side)),
                      Conv2d(in_channels, c1, 3, padding=1), ReLU(), MaxPool2d(2),
                      Conv2d(c1, c2, 3, padding=1), ReLU(), MaxPool2d(2),
                      Flatten(), Linear(c2 * (side // 4) ** 2, classes))


class RecurrentClassifier(Module):
    """Reads x (N, T) as a sequence of T scalars with nn.LSTM/GRU (batch_first) and classifies
    from the hidden states: mean over time concatenated with the last one -> (N, classes)."""

    def __init__(self, kind="GRU", hidden=64, classes=10):
        super().__init__()
        rnn_cls, Linear = need(f"nn.{kind}", "nn.Linear")
        self.rnn = rnn_cls(1, hidden, batch_first=True)
        self.head = Linear(2 * hidden, classes)

    def forward(self, x):
        out, _ = self.rnn(x.unsqueeze(-1))                   # (N, T, H)
        return self.head(autograd.cat([out.mean(1), out[:, -1]], 1))


class TransformerClassifier(Module):
    """x (N, T) cut into T / patch patches -> Linear(patch, d) + learned positions ->
    nn.TransformerEncoderLayer (batch_first) x layers -> mean over patches -> Linear(d, classes)."""

    def __init__(self, length=40, patch=4, d_model=64, nhead=4, ff=128, layers=2, classes=10):
        super().__init__()
        Linear, Layer, ModuleList = need("nn.Linear", "nn.TransformerEncoderLayer",
                                         "nn.ModuleList")
        if length % patch:
            raise ValueError(f"TransformerClassifier: length {length} is not a multiple of "
                             f"patch {patch}")
        self.patch = patch
        self.embed = Linear(patch, d_model)
        self.pos = Parameter(autograd.randn(length // patch, d_model).data * np.float32(0.1))
        self.layers = ModuleList([Layer(d_model, nhead, dim_feedforward=ff, dropout=0.0,
                                        batch_first=True) for _ in range(layers)])
        self.head = Linear(d_model, classes)

    def forward(self, x):
        h = self.embed(x.reshape(x.shape[0], -1, self.patch)) + self.pos
        for layer in self.layers:
            h = layer(h)
        return self.head(h.mean(1))


def date_translator(src_vocab, tgt_vocab, emb=32, hidden=128, attention="dot"):
    """nn.Seq2Seq of an LSTM Encoder and an attention Decoder over characters (pad 0,
    <s> 1, </s> 2): forward(src (N, S), tgt (N, T)) -> (logits (N, T-1, V), weights)."""
    Encoder, Decoder, Seq2Seq = need("nn.Encoder", "nn.Decoder", "nn.Seq2Seq")
    enc = Encoder(src_vocab, emb, hidden, padding_idx=0)
    dec = Decoder(tgt_vocab, emb, hidden, enc.output_size, attention=attention, padding_idx=0)
    return Seq2Seq(enc, dec, sos_idx=1, eos_idx=2, pad_idx=0, seed=0)
