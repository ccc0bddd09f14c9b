"""More of nn.functional: group_norm, channel dropout, one_hot, pad, normalize and
cosine_similarity; with the activations and losses of functional_activation.py and
functional_loss.py, all exported to nn.functional by one import at its end.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from autograd.creation import default_generator
from autograd.dims import _one_axis
from autograd.function import Function
from autograd.ops.dropout import Dropout
from autograd.ops.norm import LayerNorm
from autograd.ops.reduce import Norm
from autograd.ops.shape import TakeAlong
from autograd.ops.unary_more import LinkInput
from autograd.tensor import Tensor, _t
from autograd.tensor_reduce import _reduced
from autograd.torch_errors import ArgumentError, UnsupportedError

from . import functional_activation, functional_loss
from .functional import _floats, _in_place
from .functional_activation import *  # noqa: F401,F403
from .functional_loss import *  # noqa: F401,F403
from .functional_norm import _eps

__all__ = ["group_norm", "dropout1d", "dropout2d", "dropout3d", "one_hot", "pad", "normalize",
           "cosine_similarity", "scaled_dot_product_attention"] + functional_activation.__all__ + functional_loss.__all__


# ------------------------------------------------------------------------- attention
def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(Q K^T / sqrt(E) + mask) V, as torch.nn.functional's: see
    nn.scaled_attention.scaled_dot_product_attention (imported here on use: that module
    imports this package's functional)."""
    from .scaled_attention import scaled_dot_product_attention as attend
    return attend(query, key, value, attn_mask=attn_mask, dropout_p=dropout_p,
                  is_causal=is_causal, scale=scale, enable_gqa=enable_gqa)


# ------------------------------------------------------------------------- group norm
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalize each of num_groups channel groups of every sample over its channels and
    spatial dims, then scale and shift per channel.  x: (N, C, *) -> same;
    weight, bias: (C,); C divisible by num_groups."""
    op = "group_norm"
    x, w, b = _floats(op, input=input, weight=weight, bias=bias)
    eps = _eps(op, eps)
    if x.ndim < 2:
        raise ArgumentError(f"{op}: expected input (N, C, *) with at least 2 dims, got shape "
                            f"{tuple(x.shape)}")
    n, c = x.shape[:2]
    if isinstance(num_groups, bool) or not isinstance(num_groups, (int, np.integer)) \
            or num_groups <= 0 or c % num_groups:
        # torch: a RuntimeError when C is not divisible, a ZeroDivisionError for 0 groups
        error = ArgumentError if isinstance(num_groups, (int, np.integer)) \
            and num_groups > 0 else ValueError
        raise error(f"{op}: the {c} channels of input of shape {tuple(x.shape)} must be "
                    f"divisible by num_groups, a positive int; got {num_groups!r}")
    for name, t in (("weight", w), ("bias", b)):
        if t is not None and tuple(t.shape) != (c,):
            raise ArgumentError(f"{op}: {name} must have shape ({c},) for input of shape "
                                f"{tuple(x.shape)}, got {tuple(t.shape)}")
    # a group norm is a layer norm over each (sample, group) row; the fused op does the rest
    per_group = (c // num_groups) * math.prod(x.shape[2:])
    if n * per_group == 1:   # as torch: one value in all, nothing to normalize
        raise ValueError(f"{op}: expected more than 1 value per channel when training, got "
                         f"input of shape {tuple(x.shape)}")
    rows = x.reshape(n, int(num_groups), per_group)
    y = LayerNorm.apply(rows, n_dims=1, eps=eps, has_w=False, has_b=False)
    return channel_affine(y.reshape(x.shape), w, b)


def channel_affine(y, weight, bias):
    """y * weight + bias per channel (dim 1 of y (N, C, *)); either may be None."""
    channel = (y.shape[1],) + (1,) * (y.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(channel)
    if bias is not None:
        y = y + bias.reshape(channel)
    return y


# ------------------------------------------------------------------------- channel dropout
def _feature_dropout(op, x, p, training):
    """Zero whole channels x[n, c] with probability p, scale the rest by 1 / (1 - p)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return x
    if x.ndim < 2:
        raise ValueError(f"{op}: channel dropout needs at least 2 dims (N, C, *), got shape "
                         f"{tuple(x.shape)}")
    mask_shape = tuple(x.shape[:2]) + (1,) * (x.ndim - 2)
    if p == 1.0:
        mask = np.zeros(mask_shape, x.dtype)
    else:
        keep = default_generator().random(mask_shape, dtype=np.float32) >= np.float32(p)
        mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return Dropout.apply(x, mask=mask)


def _dropout_nd(op, nd, input, p, training):
    (x,) = _floats(op, input=input)
    if x.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"{op}: expected a {nd + 1}-D (C, *spatial) or {nd + 2}-D "
                         f"(N, C, *spatial) input, got shape {tuple(x.shape)}")
    if x.ndim == nd + 1:   # unbatched: each of the C channels is one unit
        return _feature_dropout(op, x.unsqueeze(0), p, training).squeeze(0)
    return _feature_dropout(op, x, p, training)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels with probability p (scaling the rest by 1 / (1 - p)).
    x: (N, C, L) or (C, L) -> same."""
    if inplace:
        return _in_place("dropout1d_", input, lambda x: dropout1d(x, p, training))
    return _dropout_nd("dropout1d", 1, input, p, training)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels x[n, c] with probability p (scaling the rest by 1 / (1 - p)).
    x: (N, C, H, W) -> same. As in PyTorch a 3-D input is taken as (N, C, L), with a
    warning; other ranks warn and drop x[n, c] of (N, C, *)."""
    if inplace:
        return _in_place("dropout2d_", input, lambda x: dropout2d(x, p, training))
    (x,) = _floats("dropout2d", input=input)
    if x.ndim not in (3, 4):
        warnings.warn(f"dropout2d: received a {x.ndim}-D input; dropout2d is meant for 3-D or "
                      f"4-D inputs; this drops x[n, c] of (N, C, *)", stacklevel=2)
    elif x.ndim == 3:
        warnings.warn("dropout2d: received a 3-D input and assuming channel-wise 1-D dropout "
                      "(input of shape (N, C, L)), as PyTorch does; use dropout1d for it",
                      stacklevel=2)
    return _feature_dropout("dropout2d", x, p, training)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels with probability p (scaling the rest by 1 / (1 - p)).
    x: (N, C, D, H, W) or (C, D, H, W) -> same."""
    if inplace:
        return _in_place("dropout3d_", input, lambda x: dropout3d(x, p, training))
    return _dropout_nd("dropout3d", 3, input, p, training)


# ------------------------------------------------------------------------- one_hot
def one_hot(tensor, num_classes=-1):
    """int64 one-hot codes of class indices.  indices: (*) -> (*, num_classes);
    num_classes=-1 uses max(indices) + 1."""
    op = "one_hot"
    idx = tensor.data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected an integer index tensor, got dtype {idx.dtype}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) \
            or num_classes < -1:
        raise ValueError(f"{op}: num_classes must be -1 or a non-negative int, got "
                         f"{num_classes!r}")
    if idx.size and idx.min() < 0:
        raise ValueError(f"{op}: class values must be non-negative, got {int(idx.min())} in "
                         f"a tensor of shape {tuple(idx.shape)}")
    if num_classes == -1:
        if idx.size == 0:
            raise ValueError(f"{op}: cannot infer the number of classes from an empty tensor "
                             f"of shape {tuple(idx.shape)}; pass num_classes")
        num_classes = int(idx.max()) + 1
    elif idx.size and idx.max() >= num_classes:
        raise ValueError(f"{op}: class values must be smaller than num_classes={num_classes}, "
                         f"got {int(idx.max())}")
    out = (idx[..., None] == np.arange(num_classes)).astype(np.int64, order="C")
    return Tensor._wrap(out, False)


# ------------------------------------------------------------------------- pad
PAD_MODES = ("constant", "reflect", "replicate", "circular")


class ConstantPad(Function):
    """y = x placed at `dst` of a `value`-filled array (cropped to `src` where a pad is
    negative);  dx = g at dst, scattered back to src, 0 at the cropped cells."""

    @staticmethod
    def forward(ctx, x, src=(), dst=(), out_shape=(), value=0):
        y = np.full(out_shape, value, dtype=x.dtype)
        y[dst] = x[src]
        ctx.shape, ctx.src, ctx.dst = x.shape, src, dst
        return y

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape, g.dtype)
        gx[ctx.src] = g[ctx.dst]
        return (gx,)

    @staticmethod
    def backward_graph(ctx, g):
        from autograd.ops.shape import GetItem, IndexAddIntoZeros
        return (IndexAddIntoZeros.apply(GetItem.apply(g, index=ctx.dst), index=ctx.src,
                                        shape=ctx.shape),)


def _pad_size(op, pad, i, p):
    """One entry of pad as an int: ints and integer 0-d tensors, not floats or bools (torch
    refuses those rather than truncate them)."""
    if isinstance(p, Tensor) and p.ndim == 0 and p.dtype.kind in "iu":
        return int(p.item())
    if isinstance(p, (int, np.integer)) and not isinstance(p, (bool, np.bool_)):
        return int(p)
    raise TypeError(f"{op}: pad must be a sequence of ints, got {pad!r} (element {i} is of "
                    f"type {type(p).__name__})")


def _pad_pairs(op, x, pad):
    """[(axis, before, after), ...] from PyTorch's flat (last_lo, last_hi, prev_lo, ...)."""
    if isinstance(pad, (str, bytes)) or not hasattr(pad, "__iter__"):
        raise TypeError(f"{op}: pad must be a sequence of ints, got {pad!r}")
    pad = [_pad_size(op, pad, i, p) for i, p in enumerate(pad)]
    if len(pad) % 2:
        raise ArgumentError(f"{op}: padding length must be divisible by 2, got {len(pad)}")
    if len(pad) // 2 > x.ndim:
        raise ArgumentError(f"{op}: padding length {len(pad)} is more than twice the number of "
                            f"dims of input of shape {tuple(x.shape)}")
    return [(x.ndim - 1 - k, pad[2 * k], pad[2 * k + 1]) for k in range(len(pad) // 2)]


def _source_index(mode, n, lo, hi):
    """For one padded axis of size n: the input position each output position reads."""
    i = np.arange(-lo, n + hi)
    if mode == "reflect":
        i = np.abs(i)
        return np.where(i > n - 1, 2 * (n - 1) - i, i)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    # circular, as torch: a negative side crops first, and the rest wraps within what is left
    start, kept = max(-lo, 0), n - max(-lo, 0) - max(-hi, 0)
    return np.arange(-max(lo, 0), kept + max(hi, 0)) % kept + start


def pad(input, pad, mode="constant", value=None):
    """Pad (or, with negative sizes, crop) the last len(pad) // 2 dims; pad = (left, right)
    for the last dim, then (top, bottom) for the one before, ...  mode: 'constant' (fill with
    value, default 0), 'reflect', 'replicate' or 'circular' (these three pad the last 1-3 dims
    of a (N, C, *) or (C, *) input).  x: (*, d_k) -> (*, d_k + left + right)."""
    op = "pad"
    x = _t(input)
    if not isinstance(mode, str) or mode not in PAD_MODES:
        raise UnsupportedError(f"{op}: mode must be one of {PAD_MODES}, got {mode!r}")
    pairs = _pad_pairs(op, x, pad)
    shape = tuple(x.shape)
    if mode == "constant":
        src, dst, out = [slice(None)] * x.ndim, [slice(None)] * x.ndim, list(shape)
        for axis, lo, hi in pairs:
            n = shape[axis]
            out[axis] = n + lo + hi
            if out[axis] < 0 or max(-lo, -hi) > n:
                raise ArgumentError(f"{op}: padding ({lo}, {hi}) of dim {axis} of input of shape "
                                    f"{shape} crops more than the dim holds")
            start, stop = max(-lo, 0), n - max(-hi, 0)
            kept = max(stop - start, 0)
            src[axis] = slice(start, start + kept)
            dst[axis] = slice(max(lo, 0), max(lo, 0) + kept)
        return ConstantPad.apply(x, src=tuple(src), dst=tuple(dst), out_shape=tuple(out),
                                 value=0 if value is None else value)
    if value is not None and value != 0:   # torch takes a zero value as no value
        raise ArgumentError(f"{op}: padding mode {mode!r} doesn't take a value argument (got "
                            f"value={value!r})")
    k = len(pairs)
    if k not in (1, 2, 3) or x.ndim not in (k + 1, k + 2):
        raise UnsupportedError(f"{op}: {mode} padding of the last {k} dims needs a {k + 1}-D "
                               f"or {k + 2}-D input (padding 1-3 dims), got shape {shape}")
    if mode != "circular" and 0 in shape[x.ndim - k - 1:]:
        raise ArgumentError(f"{op}: {mode} padding needs non-empty dims (only a batch dim "
                            f"before the channels may be 0), got input of shape {shape}")
    for axis, lo, hi in pairs:
        n = shape[axis]
        kept = n - max(-lo, 0) - max(-hi, 0)   # what circular's negative sides leave
        limit = {"reflect": n - 1, "replicate": math.inf, "circular": kept}[mode]
        if max(lo, hi) > limit or n + lo + hi < 1 or (mode == "circular" and kept < 1):
            raise ArgumentError(f"{op}: {mode} padding ({lo}, {hi}) does not fit dim {axis} of "
                                f"input of shape {shape} (reflect pads must be < the size, "
                                f"circular ones at most the size left after a negative side's "
                                f"crop (torch's results there are uninitialized memory), and the "
                                f"result non-empty)")
    # reflect and replicate: the recorded gradient depends on x (zero derivative), as that of
    # torch's fused pads; its circular pad is composed, and its gradient is not
    src = x if mode == "circular" else LinkInput.apply(x)
    padded = src
    for axis, lo, hi in pairs:
        if lo or hi:
            padded = TakeAlong.apply(padded, axis=axis,
                                     index=_source_index(mode, shape[axis], lo, hi))
    return padded if padded is not src else src.clone()   # no padding: a copy, as torch


# ------------------------------------------------------------------------- norms
class NormFloor(Function):
    """y = max(n, eps);  dx = g everywhere: PyTorch's cosine_similarity clamps the norms
    outside the graph, so the gradient passes as if unclamped."""

    @staticmethod
    def forward(ctx, n, eps=1e-8):
        return np.maximum(n, n.dtype.type(eps))

    @staticmethod
    def backward(ctx, g):
        return (g,)

    @staticmethod
    def backward_graph(ctx, g):
        return (g,)


def _norm_order(op, p):
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) \
            or not p > 0:
        raise ValueError(f"{op}: p must be a positive number or inf, got {p!r}")
    return float(p)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """x / max(||x||_p, eps) with the norm over dim (an int or a tuple; an empty tuple means
    every dim, as in Tensor.norm).  x: any shape -> same."""
    op = "normalize"
    if out is not None:
        raise ValueError(f"{op}: out= is not supported; use the returned tensor")
    (x,) = _floats(op, input=input)
    p = _norm_order(op, p)
    axes = _reduced(dim, x.ndim, op)
    norm = Norm.apply(x, p=p, axis=axes, keepdims=True)
    return x / norm.clamp(min=float(eps))


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 x2) / (max(||x1||, eps) max(||x2||, eps)) over dim of the broadcast shape.
    x1, x2: broadcastable to S -> S without dim."""
    op = "cosine_similarity"
    a, b = _floats(op, x1=x1, x2=x2)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be "
                         f"broadcast together") from None
    axis = _one_axis(dim, len(shape), op)
    if not shape:   # 0-d inputs: vectors of one element
        return cosine_similarity(a.reshape(1), b.reshape(1), 0, eps).reshape(())
    a = a if a.shape == shape else a.expand(shape)
    b = b if b.shape == shape else b.expand(shape)
    na = NormFloor.apply(Norm.apply(a, p=2.0, axis=(axis,), keepdims=True), eps=float(eps))
    nb = NormFloor.apply(Norm.apply(b, p=2.0, axis=(axis,), keepdims=True), eps=float(eps))
    return ((a / na) * (b / nb)).sum(axis)
