"""conv_transpose1d / 2d / 3d, exported to nn.functional by one import at its end.

conv_transpose3d is composed from differentiable ops: a batched matmul of the weight with the
input makes the columns a conv3d's input-gradient would scatter, and WindowsSum (col2im over
any number of spatial dims, the VJP of the Windows op conv3d reads its input with) adds them
back at their windows. The composition needs no VJP of its own, and its double backward
comes with it."""
from __future__ import annotations

import math

from autograd.ops.conv_transpose import ConvTranspose, conv_transpose_geometry
from autograd.ops.fold import WindowsSum
from autograd.torch_errors import ArgumentError

from .functional import _conv_args, _floats, _zero_result

__all__ = ["conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]


def _conv_transpose(op, nd, input, weight, bias, stride, padding, output_padding, groups,
                    dilation):
    x, w, b = _conv_args(op, nd, input, weight, bias, "(C_in, C_out/groups, kernel...)")
    if 0 in x.shape[-nd:] and (x.ndim == nd + 1 or x.shape[0]):
        raise ArgumentError(f"{op}: input of shape {tuple(x.shape)} has a zero-size spatial dim "
                            f"(only an empty batch is supported)")
    geometry = conv_transpose_geometry(op, x.shape, w.shape, None if b is None else b.shape,
                                       stride, padding, output_padding, dilation, groups)
    unbatched = x.ndim == nd + 1
    if x.data.size == 0:   # an empty batch
        out = x.shape[:-nd - 1] + (w.shape[1] * groups,) + tuple(geometry[-1])
        y = _zero_result(out, x.dtype, x, w)
        return y if b is None else y + b.reshape(-1, *(1,) * nd)
    if unbatched:
        x = x.unsqueeze(0)
    tensors = (x, w) if b is None else (x, w, b)
    y = ConvTranspose.apply(*tensors, geometry=geometry, groups=int(groups))
    return y.squeeze(0) if unbatched else y


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution (the gradient of conv2d with respect to its input).
    x: (N, C_in, H, W) or (C_in, H, W), weight: (C_in, C_out/groups, kH, kW), bias: (C_out,)
    -> (N, C_out, H', W'), H' = (H - 1) S - 2P + D (kH - 1) + OP + 1."""
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution.  x: (N, C_in, L) or (C_in, L), weight: (C_in, C_out/groups,
    K), bias: (C_out,) -> (N, C_out, L'), L' = (L - 1) S - 2P + D (K - 1) + OP + 1."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def _checked(op, input, weight, bias):
    x, w, b = _floats(op, input=input, weight=weight, bias=bias)
    if w.ndim != 5:
        raise ArgumentError(f"{op}: weight must be 5-D (C_in, C_out/groups, kD, kH, kW), got "
                            f"shape {tuple(w.shape)}")
    if x.ndim not in (4, 5):
        raise ArgumentError(f"{op}: expected input (N, C, D, H, W) or (C, D, H, W), got shape "
                            f"{tuple(x.shape)}")
    if 0 in w.shape:
        raise ArgumentError(f"{op}: weight of shape {tuple(w.shape)} has a zero-size dim (channels "
                            f"and kernel sizes must be positive)")
    if 0 in x.shape[-3:] and (x.ndim == 4 or x.shape[0]):
        raise ArgumentError(f"{op}: input of shape {tuple(x.shape)} has a zero-size spatial dim "
                            f"(only an empty batch is supported)")
    return x, w, b


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-D transposed convolution (the gradient of conv3d with respect to its input).
    x: (N, C_in, D, H, W) or (C_in, D, H, W), weight: (C_in, C_out/groups, kD, kH, kW),
    bias: (C_out,) -> (N, C_out, D', H', W'), D' = (D - 1) S - 2P + dil (kD - 1) + OP + 1."""
    op = "conv_transpose3d"
    x, w, b = _checked(op, input, weight, bias)
    stride, padding, dilation, out = conv_transpose_geometry(
        op, x.shape, w.shape, None if b is None else b.shape, stride, padding, output_padding,
        dilation, groups)
    groups = int(groups)
    x5 = x if x.ndim == 5 else x.unsqueeze(0)
    n, c_in, in_size = x5.shape[0], x5.shape[1], tuple(x5.shape[2:])
    kernel, cg_in = tuple(w.shape[2:]), c_in // groups
    f, k = w.shape[1] * groups, math.prod(w.shape[2:])
    if n == 0:
        y = _zero_result((0, f) + tuple(out), x.dtype, x, w)
    else:
        # (G, C_out/G * K, C_in/G) @ (N, G, C_in/G, L): every input position's contribution
        # to each output channel and kernel tap, i.e. the columns of the conv that maps y to x
        wt = w.reshape(groups, cg_in, -1).transpose(1, 2)
        cols = (wt @ x5.reshape(n, groups, cg_in, -1)).reshape((n, f, k) + in_size)
        # the padded extent: the crop of `padding` on each side leaves the output size, and
        # the output_padding tail stays zero (no tap reaches it)
        ext = tuple(o + 2 * p for o, p in zip(out, padding))
        y = WindowsSum.apply(cols, x_shape=(n, f) + tuple(out), ext=ext, kernel=kernel,
                             stride=stride, padding=padding, dilation=dilation, out=in_size)
    if b is not None:
        y = y + b.reshape(f, 1, 1, 1)
    return y if x.ndim == 5 else y.squeeze(0)
