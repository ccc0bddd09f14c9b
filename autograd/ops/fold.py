"""Unfold (im2col) and fold (col2im), each the other's VJP, and max unpooling (a scatter whose
VJP is a gather). Both reuse the conv kernels: kernels.conv's layout is cols (K, N*L) with
K = C*kH*kW, and torch's is (N, K, L), so the batch axis is swapped on the way in and out."""
from __future__ import annotations

import numpy as np

from ..function import Function
from ..kernels.conv import col2im, im2col
from .index import Gather


def _to_torch_layout(cols, n, length):
    """cols (K, N*L) -> (N, K, L), contiguous."""
    return np.ascontiguousarray(cols.reshape(len(cols), n, length).swapaxes(0, 1))


def _unfold(x, geometry):
    kernel, stride, padding, dilation, blocks = geometry
    cols = im2col(x, kernel, stride, padding, dilation, blocks)
    return _to_torch_layout(cols, x.shape[0], blocks[0] * blocks[1])


def _fold(cols, x_shape, geometry):
    kernel, stride, padding, dilation, blocks = geometry
    # a (K, N, L) view: col2im reads it in place
    return col2im(cols.swapaxes(0, 1), x_shape, kernel, stride, padding, dilation, blocks)


class Unfold(Function):
    """cols[n, (c, ki, kj), l] = x[n, c, window l's tap (ki, kj)] (0 in the padding);
    dx = fold(g), overlaps summed.  x: (N, C, H, W) -> (N, C*kH*kW, L)."""

    @staticmethod
    def forward(ctx, x, geometry):
        ctx.x_shape, ctx.geometry = x.shape, geometry
        return _unfold(x, geometry)

    @staticmethod
    def backward(ctx, g):
        return (_fold(g, ctx.x_shape, ctx.geometry),)

    @staticmethod
    def backward_graph(ctx, g):
        return (Fold.apply(g, out_shape=ctx.x_shape, geometry=ctx.geometry),)


class Fold(Function):
    """y = the sum of each column of cols put back at its window (the adjoint of unfold);
    dcols = unfold(g).  cols: (N, C*kH*kW, L) -> (N, C, H, W)."""

    @staticmethod
    def forward(ctx, cols, out_shape, geometry):
        ctx.geometry = geometry
        return _fold(cols, out_shape, geometry)

    @staticmethod
    def backward(ctx, g):
        return (_unfold(g, ctx.geometry),)

    @staticmethod
    def backward_graph(ctx, g):
        return (Unfold.apply(g, geometry=ctx.geometry),)


class MaxUnpool(Function):
    """y = zeros with y[p, indices[p, i]] = x[p, i] in each flat (N*C) plane of y;
    dx = g gathered at the indices.  x, indices: (N, C, *in) -> (N, C, *out)."""

    @staticmethod
    def forward(ctx, x, indices, out_size):
        nd = len(out_size)
        lead = x.shape[:x.ndim - nd]
        planes = int(np.prod(lead, dtype=np.int64))
        per_plane = int(np.prod(x.shape[x.ndim - nd:], dtype=np.int64))
        idx = indices.reshape(planes, per_plane)
        y = np.zeros((planes, int(np.prod(out_size, dtype=np.int64))), x.dtype)
        np.put_along_axis(y, idx, x.reshape(planes, per_plane), axis=1)
        ctx.save_for_backward(idx)
        ctx.x_shape = x.shape
        return y.reshape(lead + tuple(out_size))

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved
        g = g.reshape(len(idx), g.size // len(idx) if len(idx) else 0)
        return (np.take_along_axis(g, idx, axis=1).reshape(ctx.x_shape),)

    @staticmethod
    def backward_graph(ctx, g):
        (idx,) = ctx.saved
        planes = g.reshape(len(idx), g.numel() // len(idx) if len(idx) else 0)
        return (Gather.apply(planes, index=idx, axis=1).reshape(ctx.x_shape),)


def _tap_slices(tap, stride, dilation, out):
    """The strided slice of the padded input that tap (a, b, ...) reads for every output."""
    return tuple(slice(t * d, t * d + s * (o - 1) + 1, s)
                 for t, s, d, o in zip(tap, stride, dilation, out))


def windows(x, kernel, stride, padding, dilation, out, fill=0.0):
    """Windows' forward on arrays: (cols, the padded extent of each spatial dim)."""
    ext = tuple(max(i + 2 * p, (o - 1) * s + (k - 1) * d + 1) for i, k, s, p, d, o
                in zip(x.shape[2:], kernel, stride, padding, dilation, out))
    pads = ((0, 0), (0, 0)) + tuple((p, e - i - p) for i, p, e in zip(x.shape[2:], padding, ext))
    xp = np.pad(x, pads, constant_values=fill)
    taps = list(np.ndindex(*kernel))
    cols = np.empty(x.shape[:2] + (len(taps),) + tuple(out), x.dtype)
    for t, tap in enumerate(taps):
        cols[:, :, t] = xp[(slice(None), slice(None)) + _tap_slices(tap, stride, dilation, out)]
    return cols, ext


class Windows(Function):
    """cols[n, c, t, o] = x_padded[n, c, o*stride + tap_t*dilation] (padding = fill, and the
    trailing edge padded as far as the last window needs); dx = g summed over the taps that
    read each input.  Any number of spatial dims, one strided numpy copy per tap (the conv
    kernels cover 1-D and 2-D; this serves the 3-D ops).
    x: (N, C, *in) -> (N, C, prod(kernel), *out)."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, out, fill=0.0):
        cols, ext = windows(x, kernel, stride, padding, dilation, out, fill)
        ctx.x_shape, ctx.ext, ctx.geometry = x.shape, ext, (kernel, stride, padding, dilation, out)
        return cols

    @staticmethod
    def backward(ctx, g):
        kernel, stride, padding, dilation, out = ctx.geometry
        gp = np.zeros(ctx.x_shape[:2] + ctx.ext, g.dtype)
        for t, tap in enumerate(np.ndindex(*kernel)):
            gp[(slice(None), slice(None)) + _tap_slices(tap, stride, dilation, out)] += g[:, :, t]
        crop = tuple(slice(p, p + i) for p, i in zip(padding, ctx.x_shape[2:]))
        return (gp[(slice(None), slice(None)) + crop],)

    @staticmethod
    def backward_graph(ctx, g):
        kernel, stride, padding, dilation, out = ctx.geometry
        return (WindowsSum.apply(g, x_shape=ctx.x_shape, ext=ctx.ext, kernel=kernel,
                                 stride=stride, padding=padding, dilation=dilation, out=out),)


class WindowsSum(Function):
    """dx of Windows, recorded (create_graph=True): each tap's slice of cols added back at the
    inputs it read, the padding cropped;  dcols = windows(g) with zero padding.
    cols: (N, C, prod(kernel), *out) -> (N, C, *in)."""

    @staticmethod
    def forward(ctx, cols, x_shape, ext, kernel, stride, padding, dilation, out):
        ctx.geometry = (kernel, stride, padding, dilation, out)
        ctx.x_shape, ctx.ext = x_shape, ext
        return Windows.backward(ctx, cols)[0]

    @staticmethod
    def backward(ctx, g):
        return (windows(g, *ctx.geometry)[0],)

    @staticmethod
    def backward_graph(ctx, g):
        kernel, stride, padding, dilation, out = ctx.geometry
        return (Windows.apply(g, kernel=kernel, stride=stride, padding=padding,
                              dilation=dilation, out=out),)
