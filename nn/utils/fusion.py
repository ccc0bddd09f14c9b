"""Folding an eval-mode BatchNorm into the convolution or Linear before it, as
torch.nn.utils.fusion: y = bn(conv(x)) becomes y = fused(x), one layer instead of two.

    fused = fuse_conv_bn_eval(conv.eval(), bn.eval())    # a new Conv; conv is unchanged
"""
from __future__ import annotations

import copy

import autograd
from autograd import Tensor

from ..parameter import Parameter

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights"]


def fuse_conv_bn_eval(conv, bn, transpose: bool = False):
    """A copy of conv with bn (its running statistics and affine) folded in; both must be
    in eval mode. transpose: conv is a ConvTranspose (weight (in, out, ...))."""
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused = copy.deepcopy(conv)
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias,
        transpose)
    return fused


def fuse_conv_bn_weights(conv_w: Tensor, conv_b, bn_rm: Tensor, bn_rv: Tensor, bn_eps: float,
                         bn_w, bn_b, transpose: bool = False):
    """(weight, bias) Parameters of the fused conv: w * s over output channels and
    (b - mean) * s + beta, s = gamma / sqrt(var + eps). conv_w: (out, in/g, *k), or
    (in, out/g, *k) with transpose; a missing conv bias, gamma or beta counts as 0, 1, 0."""
    w_dtype = conv_w.dtype
    b_dtype = conv_b.dtype if conv_b is not None else w_dtype
    conv_b = autograd.zeros_like(bn_rm) if conv_b is None else conv_b
    bn_w = autograd.ones_like(bn_rm) if bn_w is None else bn_w
    bn_b = autograd.zeros_like(bn_rm) if bn_b is None else bn_b
    bn_var_rsqrt = autograd.rsqrt(bn_rv + bn_eps)
    rest = [1] * (conv_w.ndim - 2)
    shape = [1, -1] + rest if transpose else [-1, 1] + rest
    fused_w = (conv_w * (bn_w * bn_var_rsqrt).reshape(shape)).to(w_dtype)
    fused_b = ((conv_b - bn_rm) * bn_var_rsqrt * bn_w + bn_b).to(b_dtype)
    return Parameter(fused_w, conv_w.requires_grad), Parameter(fused_b, conv_b.requires_grad)


def fuse_linear_bn_eval(linear, bn):
    """A copy of linear with bn folded in (both in eval mode); bn.num_features must be
    linear.out_features or 1."""
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused = copy.deepcopy(linear)
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise AssertionError(f"To fuse, linear.out_features == bn.num_features or "
                             f"bn.num_features == 1, got linear.out_features="
                             f"{linear.out_features} and bn.num_features={bn.num_features}")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused


def fuse_linear_bn_weights(linear_w: Tensor, linear_b, bn_rm: Tensor, bn_rv: Tensor,
                           bn_eps: float, bn_w: Tensor, bn_b: Tensor):
    """(weight, bias) Parameters of the fused Linear: w * s per output row and
    (b - mean) * s + beta, s = gamma / sqrt(var + eps). linear_w: (out, in)."""
    w_dtype = linear_w.dtype
    b_dtype = linear_b.dtype if linear_b is not None else w_dtype
    linear_b = autograd.zeros_like(bn_rm) if linear_b is None else linear_b
    bn_scale = bn_w * autograd.rsqrt(bn_rv + bn_eps)
    fused_w = linear_w * bn_scale.unsqueeze(-1).to(w_dtype)
    fused_b = ((linear_b - bn_rm) * bn_scale + bn_b).to(b_dtype)
    return Parameter(fused_w, linear_w.requires_grad), Parameter(fused_b, linear_b.requires_grad)
