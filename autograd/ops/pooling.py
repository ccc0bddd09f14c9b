"""Max, average and adaptive-average pooling over the last 1 or 2 dims (numba kernels)."""
from __future__ import annotations

from ..function import Function
from ..kernels import pooling as K
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
        raise ValueError(f"{op}: expected an input of shape {lead}, got {tuple(x_shape)}")
    kernel = ntuple(kernel_size, nd, "kernel_size", op, 1)
    stride = kernel if stride is None or stride == () else ntuple(stride, nd, "stride", op, 1)
    padding = ntuple(padding, nd, "padding", op, 0)
    dilation = ntuple(dilation, nd, "dilation", op, 1)
    if any(p > k // 2 for k, p in zip(kernel, padding)):
        raise ValueError(f"{op}: padding {padding} must be at most half of kernel_size {kernel}")
    spatial = tuple(x_shape[-nd:])
    out = tuple(pool_output_size(i, k, s, p, d, ceil_mode)
                for i, k, s, p, d in zip(spatial, kernel, stride, padding, dilation))
    if any(o <= 0 for o in out):
        raise ValueError(f"{op}: input of shape {tuple(x_shape)} is too small for kernel "
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
