"""conv_transpose1d / conv_transpose2d, exported to nn.functional by one import at its end."""
from __future__ import annotations

from autograd.ops.conv_transpose import ConvTranspose, conv_transpose_geometry

from .functional import _conv_args, _zero_result

__all__ = ["conv_transpose1d", "conv_transpose2d"]


def _conv_transpose(op, nd, input, weight, bias, stride, padding, output_padding, groups,
                    dilation):
    x, w, b = _conv_args(op, nd, input, weight, bias, "(C_in, C_out/groups, kernel...)")
    if 0 in x.shape[-nd:] and (x.ndim == nd + 1 or x.shape[0]):
        raise ValueError(f"{op}: input of shape {tuple(x.shape)} has a zero-size spatial dim "
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
