"""torch's top-level forms of nn.functional ops (torch.conv2d, torch.layer_norm,
torch.dropout, torch.kl_div, ...), with the argument lists of those forms, which are ATen's
rather than nn.functional's: dropout(input, p, train) takes no defaults, batch_norm puts
weight and bias before the running statistics, embedding takes (weight, indices) with
padding_idx -1 for none, the losses take an integer reduction (0 'none', 1 'mean', 2 'sum')
whose default is 0 (torch's Python bindings of these forms return the unreduced loss when no
reduction is given), max_pool's default stride is [] (the kernel size), adaptive_max_pool1d
returns (values, indices), embedding_bag and native_layer_norm return torch's tuples.

Each calls the nn.functional op, so values, gradients and checks are that op's. nn imports
autograd, so it is imported on the first call, not here.
"""
from __future__ import annotations

import importlib
import warnings

import numpy as np

from .tensor import Tensor
from .torch_errors import ArgumentError

# ruff: noqa: A002  (input is PyTorch's name)

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _F():
    return importlib.import_module("nn.functional")


def _reduction(op, reduction):
    if isinstance(reduction, bool) or not isinstance(reduction, int):
        raise TypeError(f"{op}(): argument 'reduction' must be int, not "
                        f"{type(reduction).__name__}")
    if reduction not in _REDUCTIONS:
        raise ArgumentError(f"{op}(): reduction must be 0 (none), 1 (mean) or 2 (sum), got "
                            f"{reduction}")
    return _REDUCTIONS[reduction]


def _stride(stride):
    """ATen's default stride [] (and None) means the kernel size."""
    return None if stride is None or (isinstance(stride, (list, tuple)) and not stride) \
        else stride


# ------------------------------------------------------------------ convolution and pooling
def conv_tbc(input, weight, bias, pad=0):
    """conv1d in the (T, B, C) layout; see nn.functional.conv_tbc."""
    return _F().conv_tbc(input, weight, bias, pad)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """x: (N, C_in, L) -> (N, C_out, L'); weight (C_out, C_in / groups, k)."""
    return _F().conv1d(input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """x: (N, C_in, H, W) -> (N, C_out, H', W'); weight (C_out, C_in / groups, kh, kw)."""
    return _F().conv2d(input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """x: (N, C_in, D, H, W) -> (N, C_out, D', H', W')."""
    return _F().conv3d(input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """x: (N, C_in, L) -> (N, C_out, L'); weight (C_in, C_out / groups, k)."""
    return _F().conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups,
                                 dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """x: (N, C_in, H, W) -> (N, C_out, H', W'); weight (C_in, C_out / groups, kh, kw)."""
    return _F().conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups,
                                 dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """x: (N, C_in, D, H, W) -> (N, C_out, D', H', W'); weight (C_in, C_out / groups, kd, kh,
    kw)."""
    return _F().conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups,
                                 dilation)


def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                groups):
    """ATen's convolution: conv1d/2d/3d by the weight's rank (3, 4 or 5 dims), or the
    transposed one when transposed is True (output_padding used only then)."""
    nd = getattr(weight, "ndim", 0) - 2
    if nd not in (1, 2, 3):
        raise ArgumentError(f"convolution: weight must have 3, 4 or 5 dims (C_out, C_in/groups, "
                            f"*kernel), got shape {tuple(getattr(weight, 'shape', ()))}")
    if transposed:
        return getattr(_F(), f"conv_transpose{nd}d")(input, weight, bias, stride, padding,
                                                      output_padding, groups, dilation)
    return getattr(_F(), f"conv{nd}d")(input, weight, bias, stride, padding, dilation, groups)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """x: (N, C, L) -> (N, C, L'), the mean of each window."""
    return _F().avg_pool1d(input, kernel_size, _stride(stride), padding, ceil_mode,
                           count_include_pad)


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """x: (N, C, L) -> (N, C, L'), the max of each window."""
    return _F().max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """x: (N, C, H, W) -> (N, C, H', W'), the max of each window."""
    return _F().max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """x: (N, C, D, H, W) -> (N, C, D', H', W'), the max of each window."""
    return _F().max_pool3d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1,
                            ceil_mode=False):
    """-> (values, indices int64) of max_pool1d."""
    return _F().max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode,
                           return_indices=True)


def adaptive_avg_pool1d(input, output_size):
    """x: (N, C, L) -> (N, C, output_size)."""
    return _F().adaptive_avg_pool1d(input, output_size)


def adaptive_max_pool1d(input, output_size):
    """x: (N, C, L) -> (values, indices), each (N, C, output_size) (torch's form returns
    both)."""
    return _F().adaptive_max_pool1d(input, output_size, return_indices=True)


# ------------------------------------------------------------------ dropout
def dropout(input, p, train):
    """Inverted dropout with probability p when train is True; identity otherwise."""
    return _F().dropout(input, p, train)


def dropout_(input, p, train):
    return _F().dropout(input, p, train, inplace=True)


def alpha_dropout(input, p, train):
    return _F().alpha_dropout(input, p, train)


def alpha_dropout_(input, p, train):
    return _F().alpha_dropout(input, p, train, inplace=True)


def feature_alpha_dropout(input, p, train):
    return _F().feature_alpha_dropout(input, p, train)


def feature_alpha_dropout_(input, p, train):
    return _F().feature_alpha_dropout(input, p, train, inplace=True)


# ------------------------------------------------------------------ normalization
def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
               cudnn_enabled=True):
    """x: (N, C, *) normalized per channel (ATen's argument order: weight and bias first)."""
    return _F().batch_norm(input, running_mean, running_var, weight, bias, training, momentum,
                           eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum,
                  eps, cudnn_enabled=True):
    """x: (N, C, *) normalized per sample and channel (ATen's argument order)."""
    return _F().instance_norm(input, running_mean, running_var, weight, bias,
                              use_input_stats, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    """x: (*, *normalized_shape) normalized over its last dims."""
    return _F().layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    """x: (N, C, *) normalized over groups of C / num_groups channels."""
    return _F().group_norm(input, num_groups, weight, bias, eps)


def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """-> (layer_norm's output, mean, rstd): the mean and 1 / sqrt(biased variance + eps) over
    the normalized dims, kept as size-1 dims ((*, 1, ..., 1)) and outside the graph, as
    torch's."""
    y = _F().layer_norm(input, normalized_shape, weight, bias, eps)
    x = input.data if isinstance(input, Tensor) else np.asarray(input)
    k = 1 if isinstance(normalized_shape, (int, np.integer)) else len(normalized_shape)
    axes = tuple(range(x.ndim - k, x.ndim))
    wide = x.astype(np.float64)   # the statistics in float64, then in x's dtype
    mean = wide.mean(axis=axes, keepdims=True)
    var = ((wide - mean) ** 2).mean(axis=axes, keepdims=True)
    rstd = 1.0 / np.sqrt(var + float(eps))
    return (y, Tensor._wrap(mean.astype(x.dtype), False),
            Tensor._wrap(rstd.astype(x.dtype), False))


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2 over normalized_shape) + eps) * weight."""
    return _F().rms_norm(input, normalized_shape, weight, eps)


# ------------------------------------------------------------------ layers and distances
def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """weight (num, dim), indices (*) int -> (*, dim); padding_idx < 0 means none (ATen)."""
    return _F().embedding(indices, weight, None if padding_idx < 0 else padding_idx,
                          scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


_BAG_MODES = {0: "sum", 1: "mean", 2: "max"}


def embedding_bag(weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False,
                  per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """ATen's embedding_bag (mode 0 'sum', 1 'mean', 2 'max') -> (output (B, D), offset2bag,
    bag_size, max_indices), the last three int64 and as torch's CPU kernel gives them (see
    nn.functional_embedding_bag.bag_bookkeeping)."""
    if isinstance(mode, bool) or not isinstance(mode, int):
        raise TypeError(f"embedding_bag(): argument 'mode' must be int, not "
                        f"{type(mode).__name__}")
    if mode not in _BAG_MODES:
        raise ArgumentError(f"embedding_bag(): mode must be 0 (sum), 1 (mean) or 2 (max), got "
                            f"{mode}")
    name = _BAG_MODES[mode]
    out = _F().embedding_bag(indices, weight, offsets, scale_grad_by_freq=scale_grad_by_freq,
                             mode=name, sparse=sparse, per_sample_weights=per_sample_weights,
                             include_last_offset=include_last_offset, padding_idx=padding_idx)
    bookkeeping = importlib.import_module("nn.functional_embedding_bag").bag_bookkeeping
    extra = bookkeeping(indices, weight, offsets, name, include_last_offset, padding_idx)
    return (out,) + tuple(Tensor._wrap(a, False) for a in extra)


def constant_pad_nd(input, pad, value=0):
    """F.pad in mode 'constant': pad (or crop, with negative sizes) the last len(pad) // 2
    dims with value."""
    return _F().pad(input, pad, "constant", value)


def bilinear(input1, input2, weight, bias=None):
    """y = x1^T W x2 + b: (*, in1), (*, in2), W (out, in1, in2) -> (*, out)."""
    return _F().bilinear(input1, input2, weight, bias)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    return _F().cosine_similarity(x1, x2, dim, eps)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return _F().pairwise_distance(x1, x2, p, eps, keepdim)


def pdist(input, p=2):
    """(N, M) -> (N (N - 1) / 2,), the p-norm distances between rows i < j."""
    return _F().pdist(input, p)


def pixel_shuffle(input, upscale_factor):
    return _F().pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input, downscale_factor):
    return _F().pixel_unshuffle(input, downscale_factor)


def channel_shuffle(input, groups):
    return _F().channel_shuffle(input, groups)


# ------------------------------------------------------------------ activations
def prelu(input, weight):
    return _F().prelu(input, weight)


def _no_generator(op, generator):
    if generator is not None:
        raise TypeError(f"{op}: generator= is not supported; seed the engine's generator with "
                        f"autograd.manual_seed")


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    _no_generator("rrelu", generator)
    return _F().rrelu(input, lower, upper, training)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    _no_generator("rrelu_", generator)
    return _F().rrelu(input, lower, upper, training, inplace=True)


def selu(input):
    return _F().selu(input)


def selu_(input):
    return _F().selu(input, inplace=True)


def celu(input, alpha=1.0):
    return _F().celu(input, alpha)


def celu_(input, alpha=1.0):
    return _F().celu(input, alpha, inplace=True)


def hardshrink(input, lambd=0.5):
    return _F().hardshrink(input, lambd)


def threshold(input, threshold, value):
    return _F().threshold(input, threshold, value)


def threshold_(input, threshold, value):
    return _F().threshold(input, threshold, value, inplace=True)


# ------------------------------------------------------------------ losses (int reduction)
def kl_div(input, target, reduction=0, *, log_target=False):
    """The pointwise KL divergence target * (log target - input), unreduced by default (1:
    the mean over every element, without nn.functional's warning about 'batchmean')."""
    r = _reduction("kl_div", reduction)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="kl_div: reduction='mean'")
        return _F().kl_div(input, target, reduction=r, log_target=log_target)


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None,
                                     reduction=0):
    return _F().binary_cross_entropy_with_logits(
        input, target, weight, reduction=_reduction("binary_cross_entropy_with_logits",
                                                    reduction), pos_weight=pos_weight)


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    return _F().margin_ranking_loss(input1, input2, target, margin,
                                    reduction=_reduction("margin_ranking_loss", reduction))


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    return _F().hinge_embedding_loss(input, target, margin,
                                     reduction=_reduction("hinge_embedding_loss", reduction))


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    return _F().cosine_embedding_loss(input1, input2, target, margin,
                                      reduction=_reduction("cosine_embedding_loss", reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False,
                        reduction=0):
    return _F().triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                    reduction=_reduction("triplet_margin_loss", reduction))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return _F().poisson_nll_loss(input, target, log_input, full, eps=eps,
                                 reduction=_reduction("poisson_nll_loss", reduction))


__all__ = ["conv_tbc", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "convolution", "native_layer_norm", "embedding_bag",
           "constant_pad_nd",
           "avg_pool1d", "max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
           "adaptive_avg_pool1d", "adaptive_max_pool1d", "dropout", "dropout_",
           "alpha_dropout", "alpha_dropout_", "feature_alpha_dropout",
           "feature_alpha_dropout_", "batch_norm", "instance_norm", "layer_norm",
           "group_norm", "rms_norm", "embedding", "bilinear", "cosine_similarity",
           "pairwise_distance", "pdist", "pixel_shuffle", "pixel_unshuffle",
           "channel_shuffle", "prelu", "rrelu", "rrelu_", "selu", "selu_", "celu", "celu_",
           "hardshrink", "threshold", "threshold_", "kl_div", "binary_cross_entropy_with_logits",
           "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss",
           "triplet_margin_loss", "poisson_nll_loss"]
