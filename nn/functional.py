"""Functional forms of the layers with PyTorch's names and signatures (nn.functional as F).

Each function checks its arguments (clear errors naming shapes and dtypes) and applies one
fused op from `autograd.ops`. This file holds the argument checks the functional_* modules
share, the activations, linear, conv1d/conv2d, dropout and embedding; the other functions
(the losses in functional_loss.py, pooling in functional_pool.py, batch_norm and layer_norm in
functional_norm.py, ...) live in functional_* modules, re-exported at the end.
"""
from __future__ import annotations

import numpy as np

from autograd.creation import default_generator
from autograd.function import is_grad_enabled
from autograd.functional import sigmoid, step, tanh  # noqa: F401  (re-exports)
from autograd.ops.conv import Convolution, conv_geometry
from autograd.ops.dropout import Dropout
from autograd.ops.embedding import Embedding, embedding_renorm_
from autograd.ops.gelu import APPROXIMATIONS, GELU
from autograd.ops.linalg import Linear as LinearOp
from autograd.ops.loss import REDUCTIONS
from autograd.tensor import Tensor, _t
from autograd.torch_errors import ArgumentError, DtypeError, OutOfRangeError

__all__ = ["relu", "gelu", "leaky_relu", "tanh", "sigmoid", "softmax", "log_softmax", "step",
           "linear", "conv1d", "conv2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "cross_entropy", "nll_loss",
           "mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "dropout", "embedding", "batch_norm", "layer_norm"]


# ------------------------------------------------------------------------- checks
def _floats(op, **named):
    """The named tensors (None skipped) as Tensors; all floating point and of one dtype."""
    tensors = {k: _t(v) for k, v in named.items() if v is not None}
    dtypes = {k: t._data.dtype for k, t in tensors.items()}   # numpy's: checked per call
    if any(d.kind != "f" for d in dtypes.values()) or len(set(dtypes.values())) > 1:
        listing = ", ".join(f"{k} {tensors[k].dtype}" for k in dtypes)
        raise TypeError(f"{op}: expected floating-point tensors of one dtype, got {listing}")
    return [tensors.get(k) for k in named]


def _array_param(op, name, value, dtype):
    """A non-differentiated tensor argument (class weights, pos_weight) as an ndarray. One
    that requires grad is refused while grad mode is on, as by PyTorch: no gradient would
    reach it."""
    if value is None:
        return None
    if isinstance(value, Tensor) and value.requires_grad and is_grad_enabled():
        raise RuntimeError(
            f"{op}: not differentiable with respect to {name} (shape {tuple(value.shape)}, "
            f"dtype {value.dtype}), which requires grad; pass {name}.detach()")
    arr = value.data if isinstance(value, Tensor) else np.asarray(value)
    if arr.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be floating point, got dtype {arr.dtype}")
    return arr.astype(dtype, copy=False)


def _reduction(op, size_average, reduce, reduction):
    """PyTorch's legacy size_average/reduce flags, then a check of `reduction`."""
    if size_average is not None or reduce is not None:
        if isinstance(size_average, str) or isinstance(reduce, str):
            raise TypeError(f"{op}: pass reduction={size_average or reduce!r} by keyword")
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean" and loss._data.size == 0:
        return loss.sum() * float("nan")   # PyTorch's mean of nothing, without numpy's warning
    return loss if reduction == "none" else (loss.mean() if reduction == "mean" else loss.sum())


def _broadcasts_to(shape, target):
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


def _zero_result(shape, dtype, *inputs):
    """Zeros of `shape` wired to `inputs` with zero gradients, for an empty output (the
    times-zero link would turn an inf input into NaN, but there is no element to hold it)."""
    y = Tensor._wrap(np.zeros(shape, dtype), False)
    for t in inputs:
        if t is not None and t.requires_grad:
            y = y + t.sum() * 0
    return y


def _same_shape(op, x, target):
    if x.shape != target.shape:
        raise ValueError(f"{op}: target shape {tuple(target.shape)} must match input shape "
                         f"{tuple(x.shape)}")


def _in_place(op, input, compute):
    """PyTorch's inplace=True: compute(input) written into input, which is returned; in a
    recorded graph it is an in-place op (a leaf that requires grad refuses, and an op that
    saved input then fails in backward, as in PyTorch)."""
    x = _t(input)

    def checked(old):
        out = compute(old)
        if out.dtype.kind == "f" and x.dtype.kind != "f":
            raise TypeError(f"{op}: the result is floating point and cannot be written in "
                            f"place into a tensor of dtype {x.dtype} (shape {tuple(x.shape)})")
        return out
    return x._inplace_via(op, checked)


# ------------------------------------------------------------------------- activations
def relu(input, inplace=False):
    """max(x, 0); with inplace=True written into x (see _in_place)."""
    if inplace:
        return _in_place("relu_", input, lambda x: x.relu())
    return _t(input).relu()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x where x > 0, else negative_slope * x; with inplace=True written into x."""
    if inplace:
        return _in_place("leaky_relu_", input, lambda x: x.leaky_relu(negative_slope))
    return _t(input).leaky_relu(negative_slope)


def gelu(input, approximate="none"):
    """x Phi(x), Phi the standard normal CDF; approximate='tanh' uses
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).  x: any shape -> same."""
    if approximate not in APPROXIMATIONS:
        raise ValueError(f"gelu: approximate must be one of {APPROXIMATIONS}, got "
                         f"{approximate!r}")
    (x,) = _floats("gelu", input=input)
    return GELU.apply(x, approximate=approximate)


def _softmax_dim(x, dim):
    # PyTorch's implicit dim (deprecated there): 0 for 0-, 1- and 3-d inputs, else 1
    return dim if dim is not None else (0 if x.ndim in (0, 1, 3) else 1)


def softmax(input, dim=None, dtype=None):
    """exp(x) / sum(exp(x)) along dim."""
    x = _t(input) if dtype is None else _t(input).to(dtype)
    return x.softmax(_softmax_dim(x, dim))


def log_softmax(input, dim=None, dtype=None):
    """x - logsumexp(x) along dim, computed stably."""
    x = _t(input) if dtype is None else _t(input).to(dtype)
    return x.log_softmax(_softmax_dim(x, dim))


def linear(input, weight, bias=None):
    """x @ weight^T + bias.  x: (*, in), weight: (out, in), bias: (out,) -> (*, out)."""
    x, w = _t(input), _t(weight)
    b = None if bias is None else _t(bias)
    if w.ndim not in (1, 2):
        raise ValueError(f"linear: weight must be (out, in) or (in,), got shape {tuple(w.shape)}")
    if w.ndim == 1 or (b is not None and b.shape != w.shape[:1]):
        y = x @ (w.t() if w.ndim == 2 else w)   # a 1-D weight or a broadcast bias: composed
        if b is not None:
            try:
                np.broadcast_shapes(tuple(b.shape), tuple(y.shape))
            except ValueError:
                raise ValueError(f"linear: bias of shape {tuple(b.shape)} does not match the "
                                 f"output of shape {tuple(y.shape)} (weight "
                                 f"{tuple(w.shape)}: expected bias ({w.shape[0]},))") from None
        return y if b is None else y + b
    if x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise ValueError(f"linear: input of shape {tuple(x.shape)} does not match weight of "
                         f"shape {tuple(w.shape)} (expected input (*, {w.shape[1]}))")
    tensors = (x, w) if b is None else (x, w, b)
    if len({t._data.dtype for t in tensors}) != 1 or x._data.dtype.kind != "f":
        raise TypeError(f"linear: expected input, weight and bias of one floating dtype, got "
                        f"{[str(t.dtype) for t in tensors]} for shapes "
                        f"{[tuple(t.shape) for t in tensors]}")
    return LinearOp.apply(*tensors)


# ------------------------------------------------------------------------- convolution
def _conv_args(op, nd, input, weight, bias, weight_layout):
    """(x, w, b) as float tensors of one dtype, with clear errors for a weight that is not
    (nd + 2)-D or has a zero-size dim, and an input that is not (N, C, *) or (C, *)."""
    x, w, b = _floats(op, input=input, weight=weight, bias=bias)
    layout = "(N, C, H, W) or (C, H, W)" if nd == 2 else "(N, C, L) or (C, L)"
    if w.ndim != nd + 2:
        raise ArgumentError(f"{op}: weight must be {nd + 2}-D {weight_layout}, got shape "
                            f"{tuple(w.shape)}")
    if x.ndim not in (nd + 1, nd + 2):
        raise ArgumentError(f"{op}: expected input {layout}, got shape {tuple(x.shape)}")
    if 0 in w.shape:
        # PyTorch rejects zero filters and kernels, and answers zero channels with a tensor of
        # the wrong channel count; a clear error for all three
        raise ArgumentError(f"{op}: weight of shape {tuple(w.shape)} has a zero-size dim (filters, "
                            f"channels per group and kernel sizes must be positive)")
    return x, w, b


def _conv(op, nd, input, weight, bias, stride, padding, dilation, groups):
    x, w, b = _conv_args(op, nd, input, weight, bias, "(F, C/groups, kernel...)")
    geometry = conv_geometry(op, x.shape, w.shape, None if b is None else b.shape, stride,
                             padding, dilation, groups)
    unbatched = x.ndim == nd + 1
    if x._data.size == 0:   # an empty batch
        out = x.shape[:-nd - 1] + (w.shape[0],) + tuple(geometry[-1])
        y = _zero_result(out, x.dtype, x, w)
        return y if b is None else y + b.reshape(-1, *(1,) * nd)
    if unbatched:
        x = x.unsqueeze(0)
    tensors = (x, w) if b is None else (x, w, b)
    y = Convolution.apply(*tensors, geometry=geometry, groups=int(groups))
    return y.squeeze(0) if unbatched else y


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation.  x: (N, C, H, W), weight: (F, C/groups, kH, kW), bias: (F,)
    -> (N, F, H', W'), H' = floor((H + 2P - D (kH - 1) - 1) / S) + 1.
    padding: int, pair, 'valid' or 'same'."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation.  x: (N, C, L), weight: (F, C/groups, K), bias: (F,) -> (N, F, L')."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv_tbc(input, weight, bias, pad=0):
    """conv1d in the time-batch-channel layout.  x: (T, B, C), weight: (K, C, F), bias: (F,),
    pad on both ends of T -> (T + 2 pad - K + 1, B, F)."""
    x, w = _t(input), _t(weight)
    if x.ndim != 3 or w.ndim != 3 or w.shape[1] != x.shape[2]:
        raise ArgumentError(f"conv_tbc: expected input (T, B, C) and weight (K, C, F) with "
                            f"the same C, got input {tuple(x.shape)} and weight "
                            f"{tuple(w.shape)}")
    y = _conv("conv_tbc", 1, x.permute(1, 2, 0), w.permute(2, 1, 0), bias, 1, pad, 1, 1)
    return y.permute(2, 0, 1)


# ------------------------------------------------------------------------- misc
def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout: zero each element with probability p, scale the rest by 1/(1-p);
    identity when not training.  x: any shape -> same."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability p must be in [0, 1], got {p}")
    if inplace:
        return _in_place("dropout_", input, lambda x: dropout(x, p, training))
    x = _t(input)
    if not training or p == 0.0:
        return x
    (x,) = _floats("dropout", input=x)
    if p == 1.0:
        mask = np.zeros(x.shape, x.dtype)
    else:
        keep = default_generator().random(x.shape, dtype=np.float32) >= np.float32(p)
        mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return Dropout.apply(x, mask=mask)


def _padding_index(op, padding_idx, float_error=TypeError):
    """padding_idx as an int (an integer 0-d tensor too) or None; anything else refused as
    torch refuses it: a TypeError, but float_error for a float (torch's modules index the
    weight with it, an IndexError)."""
    if padding_idx is None or isinstance(padding_idx, (int, np.integer)):
        return padding_idx
    if isinstance(padding_idx, Tensor) and padding_idx.ndim == 0 \
            and padding_idx.dtype.kind in "iu":
        return int(padding_idx.item())
    error = float_error if isinstance(padding_idx, (float, np.floating)) else TypeError
    raise error(f"{op}: padding_idx must be an int or None, got {padding_idx!r}")


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of weight: (V, D) picked by integer indices of any shape S -> (*S, D);
    the padding_idx row gets no gradient. With max_norm, each looked-up row whose
    norm_type-norm exceeds max_norm is first scaled down to it, in place in weight and not
    differentiated (PyTorch's embedding_renorm_); scale_grad_by_freq divides each index's
    gradient rows by the number of times it occurs in the indices."""
    op = "embedding"
    if sparse:
        raise ValueError(f"{op}: sparse=True is not supported (this engine has no sparse "
                         f"gradients); use sparse=False")
    numbers = (int, float, np.integer, np.floating)
    for name, value in (("max_norm", max_norm), ("norm_type", norm_type)):
        if name == "max_norm" and value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, numbers):
            raise TypeError(f"{op}: {name} must be a number, got {value!r}")
    (w,) = _floats(op, weight=weight)
    idx = input.data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise DtypeError(f"{op}: indices must be integers, got dtype {idx.dtype}")
    if w.ndim != 2:
        raise ValueError(f"{op}: weight must be 2-D (num_embeddings, dim), got {tuple(w.shape)}")
    v = w.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= v):
        bad = idx[(idx < 0) | (idx >= v)][0]
        raise OutOfRangeError(f"{op}: index {int(bad)} is out of range for a weight of shape "
                              f"{tuple(w.shape)}")
    padding_idx = _padding_index(op, padding_idx)
    if padding_idx is not None:
        if not -v <= padding_idx < v:
            raise ValueError(f"{op}: padding_idx {padding_idx} is out of range for {v} rows")
        padding_idx %= v
    idx = idx.astype(np.int64, copy=False)
    if max_norm is not None:
        embedding_renorm_(w.data, idx, float(max_norm), float(norm_type))
        w._version += 1
    return Embedding.apply(w, indices=idx, padding_idx=padding_idx,
                           scale_grad_by_freq=bool(scale_grad_by_freq))


from .functional_loss import (binary_cross_entropy,  # noqa: E402,F401
                              binary_cross_entropy_with_logits, cross_entropy, l1_loss,
                              mse_loss, nll_loss)
# the loss ops and helpers the losses use were names of this module before the losses moved
from .functional_pool import (adaptive_avg_pool1d, adaptive_avg_pool2d,  # noqa: E402,F401
                              avg_pool1d, avg_pool2d, max_pool1d, max_pool2d)
from .functional_extra import *  # noqa: E402,F401,F403
from .functional_conv_transpose import (conv_transpose1d, conv_transpose2d,  # noqa: E402,F401
                                        conv_transpose3d)
from .functional_resample import interpolate, pixel_shuffle, pixel_unshuffle, upsample  # noqa: E402,F401
from .functional_more import (adaptive_max_pool1d, adaptive_max_pool2d,  # noqa: E402,F401
                              adaptive_max_pool3d, glu,
                              hardsigmoid, hardswish, instance_norm, local_response_norm,
                              prelu, rms_norm)
from .functional_fold import *  # noqa: E402,F401,F403
from .functional_loss_more import *  # noqa: E402,F401,F403
from .functional_activation_more import *  # noqa: E402,F401,F403
from .functional_embedding_bag import embedding_bag  # noqa: E402,F401
from .functional_norm import batch_norm, layer_norm  # noqa: E402,F401
from .functional_attention import multi_head_attention_forward  # noqa: E402,F401
from .functional_ctc import ctc_loss  # noqa: E402,F401
from .linear_cross_entropy import linear_cross_entropy  # noqa: E402,F401
from .fractional_pool import (  # noqa: E402,F401
    fractional_max_pool2d, fractional_max_pool2d_with_indices, fractional_max_pool3d,
    fractional_max_pool3d_with_indices)
from .functional_spatial import affine_grid, grid_sample  # noqa: E402,F401
from .functional_inplace import *  # noqa: E402,F401,F403  (relu_, ..., *_with_indices)
