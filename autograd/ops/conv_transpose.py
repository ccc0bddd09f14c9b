"""Transposed convolution: the input-gradient of a convolution used as a forward pass (a
product with the weight, then col2im); its VJP is a convolution of the gradient (im2col, then
two products)."""
from __future__ import annotations

import numpy as np

from ..function import Function
from ..kernels.conv import add_bias, bias_grad, col2im, im2col, unfold_output
from ..torch_errors import ArgumentError
from .conv import Convolution, ConvWeightGrad, _as_2d, _check_groups, _geom_2d, ntuple


def conv_transpose_output_size(size: int, kernel: int, stride: int, padding: int,
                               output_padding: int, dilation: int) -> int:
    """(I - 1) S - 2P + D (K - 1) + OP + 1 (may be <= 0: the caller reports it)."""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def conv_transpose_geometry(op, x_shape, w_shape, b_shape, stride, padding, output_padding,
                            dilation, groups):
    """Check a transposed conv call (x: (N, C_in, *spatial) or (C_in, *spatial), weight:
    (C_in, C_out/groups, *kernel)) and normalize its parameters.

    Returns (stride, padding, dilation, out_size), each a tuple over the spatial dims.
    """
    nd = len(w_shape) - 2
    stride = ntuple(stride, nd, "stride", op, 1, broadcast=True)
    padding = ntuple(padding, nd, "padding", op, 0, broadcast=True)
    output_padding = ntuple(output_padding, nd, "output_padding", op, 0, broadcast=True)
    dilation = ntuple(dilation, nd, "dilation", op, 1, broadcast=True)
    _check_groups(op, groups)
    c_in, cg_out, ks = w_shape[0], w_shape[1], w_shape[2:]
    c = x_shape[-nd - 1]
    if c != c_in:
        raise ArgumentError(f"{op}: input of shape {tuple(x_shape)} has {c} channels but weight "
                            f"of shape {tuple(w_shape)} expects {c_in} (weight is (C_in, "
                            f"C_out/groups, kernel...))")
    if c_in % groups:
        raise ArgumentError(f"{op}: weight of shape {tuple(w_shape)} has {c_in} input channels, "
                            f"not divisible by groups={groups}")
    f = cg_out * groups
    if b_shape is not None and tuple(b_shape) != (f,):
        raise ArgumentError(f"{op}: bias must have shape ({f},) for weight of shape "
                            f"{tuple(w_shape)} with groups={groups}, got {tuple(b_shape)}")
    if any(o >= max(s, d) for o, s, d in zip(output_padding, stride, dilation)):
        raise ArgumentError(f"{op}: output_padding {output_padding} must be smaller than either "
                            f"stride {stride} or dilation {dilation} in every dim")
    spatial = tuple(x_shape[-nd:])
    out = tuple(conv_transpose_output_size(i, k, s, p, o, d) for i, k, s, p, o, d
                in zip(spatial, ks, stride, padding, output_padding, dilation))
    if any(o <= 0 for o in out):
        raise ArgumentError(f"{op}: input of shape {tuple(x_shape)} with weight of shape "
                            f"{tuple(w_shape)}, stride {stride}, padding {padding}, output_padding "
                            f"{output_padding} and dilation {dilation} gives output size {out}, "
                            f"which is too small")
    return stride, padding, dilation, out


class ConvTranspose(Function):
    """y = col2im(W^T @ x) + b  (per group);  dx = W @ im2col(g), dW = x @ im2col(g)^T,
    db = sum g.  x: (N, C_in, [H,] W), weight: (C_in, C_out/groups, [kH,] kW)
    -> (N, C_out, [H',] W')."""

    @staticmethod
    def forward(ctx, x, w, b=None, geometry=None, groups=1):
        # `out` is the size of the transposed output; the convolution it transposes maps that
        # size back to x's spatial size, which is the `out_size` im2col/col2im are given
        stride, padding, dilation, out = _geom_2d(geometry)
        x4, w4 = x.reshape(_as_2d(x.shape)), w.reshape(_as_2d(w.shape))
        n, c_in = x.shape[:2]
        cg_in, kg = c_in // groups, int(np.prod(w4.shape[1:]))         # kg = C_out/G * kH * kW
        f = w.shape[1] * groups
        in_size = x4.shape[2:]
        wt = w4.reshape(groups, cg_in, kg).swapaxes(1, 2)                # (G, Kg, C_in/G)
        cols = np.matmul(wt, x4.reshape(n, groups, cg_in, -1))           # (N, G, Kg, L)
        y = col2im(cols.reshape(n, groups * kg, -1).swapaxes(0, 1), (n, f) + out,
                   w4.shape[2:], stride, padding, dilation, in_size)
        if b is not None:
            add_bias(y.reshape(n, f, -1), b)
        need = ctx.needs_input_grad or (False, False)
        # x feeds only dW and w only dx: keep just what the backward pass will use
        ctx.save_for_backward(x if need[1] else None, w if need[0] else None)
        ctx.geometry, ctx.groups, ctx.in_size = (stride, padding, dilation, out), groups, in_size
        ctx.x_shape, ctx.w_shape = x.shape, w.shape
        return y.reshape((n, f) + tuple(out[-(x.ndim - 2):]))

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved
        stride, padding, dilation, out = ctx.geometry
        groups, x_shape, w_shape = ctx.groups, ctx.x_shape, ctx.w_shape
        need = ctx.needs_input_grad
        n, f = g.shape[:2]
        c_in = x_shape[1]
        cg_in, kg = c_in // groups, int(np.prod(w_shape[1:]))
        g4 = g.reshape((n, f) + out)
        cols = im2col(g4, _as_2d(w_shape)[2:], stride, padding, dilation, ctx.in_size)
        cols = cols.reshape(groups, kg, -1)                              # (G, Kg, N*L)
        gx = gw = gb = None
        if need[0]:
            xt = np.matmul(w.reshape(groups, cg_in, kg), cols)           # (G, C_in/G, N*L)
            gx = unfold_output(xt.reshape(c_in, -1), None, n).reshape(x_shape)
        if need[1]:
            xt = np.ascontiguousarray(x.reshape(n, c_in, -1).swapaxes(0, 1))
            gw = np.matmul(xt.reshape(groups, cg_in, -1),
                           cols.swapaxes(1, 2)).reshape(w_shape)         # (G, C_in/G, Kg)
        if len(need) == 3:
            gb = bias_grad(g.reshape(n, f, -1)) if need[2] else None
            return gx, gw, gb
        return gx, gw

    @staticmethod
    def backward_graph(ctx, g):
        # the transpose of a convolution: dx is that convolution of g, and dW the convolution's
        # weight gradient with the roles of input (g) and output gradient (x) swapped
        x, w = ctx.saved
        stride, padding, dilation, _ = ctx.geometry
        geometry = (stride, padding, dilation, ctx.in_size)   # of the convolution g -> x
        need = ctx.needs_input_grad
        gx = gw = gb = None
        if need[0]:
            gx = Convolution.apply(g, ctx.input_tensor(1, w), geometry=geometry,
                                   groups=ctx.groups)
        if need[1]:
            gw = ConvWeightGrad.apply(g, ctx.input_tensor(0, x), w_shape=ctx.w_shape,
                                      geometry=geometry, groups=ctx.groups)
        if len(need) == 3 and need[2]:
            gb = g.sum(dim=(0,) + tuple(range(2, g.ndim)))
        return gx, gw, gb
