"""Max, average and adaptive-average pooling over the last 1 or 2 dims, adaptive max pooling
over the last 1 to 3 (numba kernels)."""
from __future__ import annotations

import numpy as np

from ..function import Function
from ..graph_backward import linked_to_input
from ..kernels import pooling as K
from ..kernels.adaptive_pool import adaptive_max_forward
from ..torch_errors import ArgumentError
from .conv import ntuple


def pool_output_size(size, kernel, stride, pad, dilation, ceil_mode):
    """PyTorch's rule; with ceil_mode the last window must start inside the (left-padded) input."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = span // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def pool_geometry(op, x_shape, nd, kernel_size, stride, padding, dilation, ceil_mode):
    """Check a pooling call on x of shape (N, C, *spatial) or (C, *spatial) with nd spatial dims.

    Returns (kernel, stride, padding, dilation, out_size) as nd-tuples.
    """
    if len(x_shape) not in (nd + 1, nd + 2):
        lead = "(N, C, H, W) or (C, H, W)" if nd == 2 else "(N, C, L) or (C, L)"
        # torch: a RuntimeError, but an IndexError from avg_pool2d's own check below 3 dims
        error = ValueError if op in ("avg_pool2d", "lp_pool2d") and len(x_shape) < 3 \
            else ArgumentError
        raise error(f"{op}: expected an input of shape {lead}, got {tuple(x_shape)}")
    kernel = ntuple(kernel_size, nd, "kernel_size", op, 1, broadcast=True)
    empty = isinstance(stride, (tuple, list)) and not stride   # torch's default too: [] or ()
    stride = kernel if stride is None or empty else ntuple(stride, nd, "stride", op, 1,
                                                           broadcast=True)
    padding = ntuple(padding, nd, "padding", op, 0, broadcast=True)
    dilation = ntuple(dilation, nd, "dilation", op, 1, broadcast=True)
    if any(p > k // 2 for k, p in zip(kernel, padding)):
        raise ArgumentError(f"{op}: padding {padding} must be at most half of kernel_size "
                            f"{kernel}")
    spatial = tuple(x_shape[-nd:])
    out = tuple(pool_output_size(i, k, s, p, d, ceil_mode)
                for i, k, s, p, d in zip(spatial, kernel, stride, padding, dilation))
    if any(o <= 0 for o in out):
        raise ArgumentError(f"{op}: input of shape {tuple(x_shape)} is too small for kernel "
                            f"{kernel} with padding {padding} and dilation {dilation}; the output "
                            f"would have size {out}")
    return kernel, stride, padding, dilation, out


def _planes(x, nd):
    """(..., [H,] W) -> contiguous (P, H, W) with H = 1 for 1-D pooling."""
    h = x.shape[-2] if nd == 2 else 1
    return x.reshape(-1, h, x.shape[-1])


def _pad2(t, fill):
    return t if len(t) == 2 else (fill,) + t


class MaxPool(Function):
    """y = max over each window;  dx[argmax] += g (first max of a window, as PyTorch).
    x: (N, C, [H,] W) -> (N, C, [Ho,] Wo)."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, out_size, indices_out=None):
        nd = len(kernel)
        planes = _planes(x, nd)
        y, idx = K.max_pool_forward(planes, _pad2(kernel, 1), _pad2(stride, 1),
                                    _pad2(padding, 0), _pad2(dilation, 1), _pad2(out_size, 1))
        out_shape = x.shape[:-nd] + tuple(out_size)
        if indices_out is not None:     # return_indices: the caller collects them here
            flat = K.flat_indices(idx, _pad2(stride, 1), planes.shape)
            indices_out.append(flat.reshape(out_shape))
        ctx.save_for_backward(idx)
        ctx.x_shape, ctx.planes_shape, ctx.stride = x.shape, planes.shape, _pad2(stride, 1)
        return y.reshape(out_shape)

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved
        g = g.reshape(idx.shape)
        dx = K.max_pool_backward(g, idx, ctx.planes_shape, ctx.stride)
        return (dx.reshape(ctx.x_shape),)

    @staticmethod
    def backward_graph(ctx, g):
        (idx,) = ctx.saved
        # flat argmax indices (int64 idx is already that, and may be return_indices' array)
        flat = K.flat_indices(idx, ctx.stride, ctx.planes_shape)
        dx = MaxPoolScatter.apply(g.reshape(idx.shape), flat=flat, planes_shape=ctx.planes_shape)
        return (linked_to_input(ctx, dx.reshape(ctx.x_shape)),)


def _gather(h, flat):
    """h (P, H, W) read at the flat argmax indices (P, Ho, Wo); 0 where the index is -1."""
    p = len(flat)
    where = flat.reshape(p, -1)
    y = np.take_along_axis(h.reshape(p, -1), np.maximum(where, 0), axis=1)
    y[where < 0] = 0
    return y.reshape(flat.shape)


class MaxPoolScatter(Function):
    """MaxPool's VJP as an op (create_graph=True): y = g added at the argmax of each window,
    linear in g with a fixed pattern;  dg = h gathered at the argmaxes (MaxPoolGather).
    g: (P, Ho, Wo) -> (P, H, W)."""

    @staticmethod
    def forward(ctx, g, flat, planes_shape):
        ctx.save_for_backward(flat)   # only to be guarded, as GetItem's index arrays
        return K.max_pool_backward(g, flat, planes_shape)

    @staticmethod
    def backward(ctx, h):
        return (_gather(h, ctx.saved[0]),)

    @staticmethod
    def backward_graph(ctx, h):
        return (MaxPoolGather.apply(h, flat=ctx.saved[0]),)


class MaxPoolGather(Function):
    """y = h at the argmax of each window (the adjoint of MaxPoolScatter);  dh = g added at
    the argmaxes.  h: (P, H, W) -> (P, Ho, Wo)."""

    @staticmethod
    def forward(ctx, h, flat):
        ctx.save_for_backward(flat)
        ctx.planes_shape = h.shape
        return _gather(h, flat)

    @staticmethod
    def backward(ctx, g):
        return (K.max_pool_backward(g, ctx.saved[0], ctx.planes_shape),)

    @staticmethod
    def backward_graph(ctx, g):
        return (MaxPoolScatter.apply(g, flat=ctx.saved[0], planes_shape=ctx.planes_shape),)


class AdaptiveMaxPool(Function):
    """y = max of x over each adaptive window (first max; NaN propagates);  dx[argmax] += g,
    adding up where windows overlap.  x: (*, [D, [H,]] W) -> (*, *out_size)."""

    @staticmethod
    def forward(ctx, x, out_size, indices_out=None):
        nd = len(out_size)
        planes = x.reshape((-1,) + (1,) * (3 - nd) + x.shape[-nd:])
        y, flat = adaptive_max_forward(planes, (1,) * (3 - nd) + tuple(out_size))
        out_shape = x.shape[:-nd] + tuple(out_size)
        if indices_out is not None:     # return_indices: the caller collects them here
            indices_out.append(flat.reshape(out_shape))
        ctx.save_for_backward(flat)
        ctx.x_shape, ctx.planes_shape = x.shape, planes.shape
        return y.reshape(out_shape)

    @staticmethod
    def backward(ctx, g):
        (flat,) = ctx.saved
        dx = K.max_pool_backward(g.reshape(flat.shape), flat, ctx.planes_shape)
        return (dx.reshape(ctx.x_shape),)

    @staticmethod
    def backward_graph(ctx, g):
        (flat,) = ctx.saved
        dx = MaxPoolScatter.apply(g.reshape(flat.shape), flat=flat,
                                  planes_shape=ctx.planes_shape)
        return (linked_to_input(ctx, dx.reshape(ctx.x_shape)),)


class AvgPool(Function):
    """y = window sum / divisor;  dx = g / divisor spread over each window.
    x: (N, C, [H,] W) -> (N, C, [Ho,] Wo)."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, out_size, count_include_pad=True, divisor=0):
        nd = len(kernel)
        planes = _planes(x, nd)
        geom = (_pad2(kernel, 1), _pad2(stride, 1), _pad2(padding, 0))
        y = K.avg_pool_forward(planes, *geom, _pad2(out_size, 1), count_include_pad, divisor)
        ctx.geom, ctx.include, ctx.divisor = geom, count_include_pad, divisor
        ctx.x_shape, ctx.planes_shape, ctx.y_shape = x.shape, planes.shape, y.shape
        return y.reshape(x.shape[:-nd] + tuple(out_size))

    @staticmethod
    def backward(ctx, g):
        dx = K.avg_pool_backward(g.reshape(ctx.y_shape), ctx.planes_shape, *ctx.geom,
                                 ctx.include, ctx.divisor)
        return (dx.reshape(ctx.x_shape),)

    @staticmethod
    def backward_graph(ctx, g):
        dx = AvgPoolGrad.apply(g.reshape(ctx.y_shape), geom=ctx.geom, include=ctx.include,
                               divisor=ctx.divisor, planes_shape=ctx.planes_shape)
        return (linked_to_input(ctx, dx.reshape(ctx.x_shape)),)


class AvgPoolGrad(Function):
    """AvgPool's VJP as an op (create_graph=True): y = g / divisor spread over each window;
    its adjoint is the average pooling itself, so dg = AvgPool(h).
    g: (P, Ho, Wo) -> (P, H, W), with AvgPool's geometry as 2-D pairs."""

    @staticmethod
    def forward(ctx, g, geom, include, divisor, planes_shape):
        ctx.geom, ctx.include, ctx.divisor, ctx.y_shape = geom, include, divisor, g.shape
        return K.avg_pool_backward(g, planes_shape, *geom, include, divisor)

    @staticmethod
    def backward(ctx, h):
        return (K.avg_pool_forward(h, *ctx.geom, ctx.y_shape[1:], ctx.include, ctx.divisor),)

    @staticmethod
    def backward_graph(ctx, h):
        kernel, stride, padding = ctx.geom
        return (AvgPool.apply(h, kernel=kernel, stride=stride, padding=padding,
                              out_size=ctx.y_shape[1:], count_include_pad=ctx.include,
                              divisor=ctx.divisor),)


class AdaptiveAvgPool(Function):
    """y[i] = mean of x over [floor(i*I/O), ceil((i+1)*I/O));  dx spreads g / window size.
    x: (N, C, [H,] W) -> (N, C, [Ho,] Wo)."""

    @staticmethod
    def forward(ctx, x, out_size):
        nd = len(out_size)
        planes = _planes(x, nd)
        y = K.adaptive_avg_forward(planes, _pad2(out_size, 1))
        ctx.x_shape, ctx.planes_shape, ctx.y_shape = x.shape, planes.shape, y.shape
        return y.reshape(x.shape[:-nd] + tuple(out_size))

    @staticmethod
    def backward(ctx, g):
        dx = K.adaptive_avg_backward(g.reshape(ctx.y_shape), ctx.planes_shape)
        return (dx.reshape(ctx.x_shape),)

    @staticmethod
    def backward_graph(ctx, g):
        dx = AdaptiveAvgPoolGrad.apply(g.reshape(ctx.y_shape), planes_shape=ctx.planes_shape)
        return (linked_to_input(ctx, dx.reshape(ctx.x_shape)),)


class AdaptiveAvgPoolGrad(Function):
    """AdaptiveAvgPool's VJP as an op (create_graph=True): y = g / window size spread over
    each window;  dg = AdaptiveAvgPool(h), its adjoint.  g: (P, Ho, Wo) -> (P, H, W)."""

    @staticmethod
    def forward(ctx, g, planes_shape):
        ctx.y_shape = g.shape
        return K.adaptive_avg_backward(g, planes_shape)

    @staticmethod
    def backward(ctx, h):
        return (K.adaptive_avg_forward(h, ctx.y_shape[1:]),)

    @staticmethod
    def backward_graph(ctx, h):
        return (AdaptiveAvgPool.apply(h, out_size=ctx.y_shape[1:]),)
