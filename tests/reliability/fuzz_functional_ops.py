"""Fuzz builders for nn.functional's conv, pooling, loss, norm, embedding and dropout: drawn
geometry (kernel, stride, padding, dilation, groups, output sizes) and targets, valid or not."""
from __future__ import annotations

import hypothesis.strategies as st
import numpy as np

from nn import functional as F
from tests.reliability.fuzzing import SPECIAL, arrays, tensors

T = tensors()
FLOATS = st.sampled_from([np.float32, np.float64])
SMALL = st.integers(-1, 4)
PADDING = st.one_of(st.integers(-1, 3), st.sampled_from(["same", "valid", "full"]))


def _image(nd):
    """Mostly well-formed (N, C, *spatial) float inputs, sometimes anything."""
    def build(draw):
        if draw(st.integers(0, 4)) == 0:
            return draw(T)
        shape = tuple(draw(st.integers(0 if i < 2 else 0, 6)) for i in range(nd + 2))
        if draw(st.integers(0, 4)) == 0:
            shape = shape[1:]
        return draw(tensors(shape, draw(FLOATS)))
    return build


def _conv(nd):
    fn = F.conv2d if nd == 2 else F.conv1d

    def build(draw):
        x = _image(nd)(draw)
        c = x.shape[1] if x.ndim == nd + 2 else (x.shape[0] if x.ndim else 1)
        groups = draw(st.integers(0, 3))
        f = draw(st.integers(0, 4))
        cin = draw(st.sampled_from([c // max(groups, 1), c, draw(st.integers(0, 4))]))
        k = tuple(draw(st.integers(0, 4)) for _ in range(nd))
        w = draw(tensors((f, cin) + k, x.dtype if x.dtype.kind == "f" else draw(FLOATS)))
        b = draw(st.one_of(st.none(), tensors((draw(st.integers(0, 4)),), w.dtype)))
        kw = dict(stride=draw(SMALL), padding=draw(PADDING), dilation=draw(SMALL), groups=groups)
        return lambda: fn(x, w, b, **kw)
    return build


def _pool(fn, nd, has_dilation=True):
    def build(draw):
        x = _image(nd)(draw)
        kw = dict(kernel_size=draw(SMALL), stride=draw(st.one_of(st.none(), SMALL)),
                  padding=draw(SMALL), ceil_mode=draw(st.booleans()))
        if has_dilation:
            kw["dilation"] = draw(SMALL)
        return lambda: fn(x, **kw)
    return build


def _adaptive(fn, nd):
    def build(draw):
        x = _image(nd)(draw)
        size = draw(st.one_of(SMALL, st.tuples(*[SMALL] * nd), st.none()))
        return lambda: fn(x, size)
    return build


def _class_loss(fn):
    def build(draw):
        n, c = draw(st.integers(0, 4)), draw(st.integers(0, 4))
        x = draw(tensors(draw(st.sampled_from([(n, c), (c,), (n, c, 2)])), draw(FLOATS)))
        tshape = draw(st.sampled_from([(n,), (), (n, 2), (n + 1,)]))
        tdtype = draw(st.sampled_from([np.int64, np.int64, np.int32, np.float32, np.bool_]))
        t = draw(tensors(tshape, tdtype))
        if tdtype == np.int64 and draw(st.booleans()):  # mostly in-range classes
            t = t.abs().clamp(0, max(c - 1, 0))
        kw = {}
        if draw(st.booleans()):
            kw["weight"] = draw(tensors((draw(st.sampled_from([c, c + 1])),), x.dtype))
        if draw(st.booleans()):
            kw["ignore_index"] = draw(st.integers(-100, 3))
        kw["reduction"] = draw(st.sampled_from(["mean", "sum", "none", "avg"]))
        if draw(st.booleans()):
            x = draw(T)
        return lambda: fn(x, t, **kw)
    return build


def _pair_loss(fn, probabilities=False):
    def build(draw):
        x = draw(T)
        y = draw(tensors(x.shape if draw(st.booleans()) else None,
                         x.dtype if draw(st.booleans()) else None))
        if probabilities and x.dtype.kind == "f" and draw(st.booleans()):
            x = x.sigmoid()
        kw = {"reduction": draw(st.sampled_from(["mean", "sum", "none", "avg"]))}
        return lambda: fn(x, y, **kw)
    return build


def _bce_logits(draw):
    x = draw(tensors(dtype=draw(FLOATS)))
    y = draw(tensors(x.shape, x.dtype)) if draw(st.booleans()) else draw(T)
    kw = {}
    if draw(st.booleans()):
        kw["pos_weight"] = draw(tensors(x.shape[-1:] if draw(st.booleans()) else None,
                                        x.dtype))
    if draw(st.booleans()):
        kw["weight"] = draw(T)
    return lambda: F.binary_cross_entropy_with_logits(x, y, **kw)


def _embedding(draw):
    v, d = draw(st.integers(0, 4)), draw(st.integers(0, 3))
    w = draw(tensors((v, d), draw(FLOATS)))
    idx = draw(tensors(dtype=draw(st.sampled_from([np.int64, np.int32, np.float32]))))
    pad = draw(st.one_of(st.none(), st.integers(-5, 5)))
    return lambda: F.embedding(idx, w, padding_idx=pad)


def _batch_norm(draw):
    x = draw(T)
    c = draw(st.integers(0, 4))
    stats = [draw(st.one_of(st.none(), tensors((c,), np.float32))) for _ in range(2)]
    affine = [draw(st.one_of(st.none(), tensors((c,), x.dtype if x.dtype.kind == "f" else None)))
              for _ in range(2)]
    training = draw(st.booleans())
    return lambda: F.batch_norm(x, stats[0], stats[1], affine[0], affine[1], training=training)


def _layer_norm(draw):
    x = draw(T)
    shape = tuple(draw(st.lists(st.integers(-1, 3), max_size=2)))
    return lambda: F.layer_norm(x, shape)


def _dropout(draw):
    x, p = draw(T), draw(st.sampled_from([0.0, 0.5, 1.0, -0.1, 1.5, np.nan]))
    return lambda: F.dropout(x, p, training=draw(st.booleans()))


def _softmax(fn):
    def build(draw):
        x, dim = draw(T), draw(st.integers(-4, 3))
        return lambda: fn(x, dim)
    return build


OPS = {
    "conv1d": (["conv1d"], _conv(1)),
    "conv2d": (["conv2d"], _conv(2)),
    "max_pool1d": (["max_pool1d"], _pool(F.max_pool1d, 1)),
    "max_pool2d": (["max_pool2d"], _pool(F.max_pool2d, 2)),
    "avg_pool1d": (["avg_pool1d"], _pool(F.avg_pool1d, 1, has_dilation=False)),
    "avg_pool2d": (["avg_pool2d"], _pool(F.avg_pool2d, 2, has_dilation=False)),
    "adaptive_avg_pool1d": (["adaptive_avg_pool1d"], _adaptive(F.adaptive_avg_pool1d, 1)),
    "adaptive_avg_pool2d": (["adaptive_avg_pool2d"], _adaptive(F.adaptive_avg_pool2d, 2)),
    "cross_entropy": (["cross_entropy"], _class_loss(F.cross_entropy)),
    "nll_loss": (["nll_loss"], _class_loss(F.nll_loss)),
    "mse_loss": (["mse_loss"], _pair_loss(F.mse_loss)),
    "l1_loss": (["l1_loss"], _pair_loss(F.l1_loss)),
    "binary_cross_entropy": (["binary_cross_entropy"],
                             _pair_loss(F.binary_cross_entropy, probabilities=True)),
    "binary_cross_entropy_with_logits": (["binary_cross_entropy_with_logits"], _bce_logits),
    "embedding": (["embedding"], _embedding),
    "batch_norm": (["batch_norm"], _batch_norm),
    "layer_norm": (["layer_norm"], _layer_norm),
    "dropout": (["dropout"], _dropout),
    "F.softmax": (["softmax"], _softmax(F.softmax)),
    "F.log_softmax": (["log_softmax"], _softmax(F.log_softmax)),
}
