"""Batch and layer normalization, each one fused Function with its own VJP."""
from __future__ import annotations

import numpy as np

from ..function import Function, constant
from .layout import c_order
from ..summation import add_reduce


def _empty(ctx, x, affine):
    """Forward of a norm over an input with no elements: an empty result, zero gradients."""
    ctx.empty_shapes = [x.shape] + [a.shape for a in affine]
    return np.zeros(x.shape, x.dtype)


def _empty_grads(ctx, g):
    return tuple(np.zeros(s, g.dtype) if need else None
                 for s, need in zip(ctx.empty_shapes, ctx.needs_input_grad))


def _affine_grads(ctx, g, xhat, axes, shape):
    """Gradients of y = xhat * w + b for w and b (None where not needed), summed over axes."""
    grads = []
    need = ctx.needs_input_grad[1:]
    if ctx.has_w:
        grads.append(add_reduce(g * xhat, axes).reshape(shape) if need[0] else None)
        need = need[1:]
    if ctx.has_b:
        grads.append(add_reduce(g, axes).reshape(shape) if need[0] else None)
    return grads


class BatchNorm(Function):
    """y = (x - mean) / sqrt(var + eps) * w + b per channel (batch statistics when training,
    the running ones otherwise);  training: dx = w / (n std) (n g - sum g - xhat sum(g xhat)),
    eval: dx = g w / std.  x: (N, C, *) -> same; w, b: (C,). Running stats update in place."""

    @staticmethod
    def forward(ctx, x, *affine, running_mean=None, running_var=None, training=False,
                momentum=0.1, eps=1e-5, has_w=False, has_b=False):
        ctx.empty_shapes = None
        if x.size == 0:
            return _empty(ctx, x, affine)
        n, c = x.shape[:2]
        # C order first: a reshape that changes nothing keeps a transposed x's order, and
        # PyTorch's result is contiguous
        x3 = c_order(x).reshape(n, c, -1)
        count = n * x3.shape[2]
        if training:
            # sums over the batch accumulate in float64 when numpy's float32 ones would add
            # row by row (summation.py)
            mean = add_reduce(x3, (0, 2)) / x.dtype.type(max(count, 1))
            centered = x3 - mean[:, None]
            var = add_reduce(centered * centered, (0, 2)) / x.dtype.type(count)
            if running_mean is not None:
                running_mean *= 1 - momentum
                running_mean += (momentum * mean).astype(running_mean.dtype)
            if running_var is not None:
                unbiased = var * (count / max(count - 1, 1))
                running_var *= 1 - momentum
                running_var += (momentum * unbiased).astype(running_var.dtype)
        else:
            mean = running_mean.astype(x.dtype, copy=False)
            var = running_var.astype(x.dtype, copy=False)
            centered = x3 - mean[:, None]
        inv_std = (1 / np.sqrt(var + x.dtype.type(eps))).astype(x.dtype)
        xhat = centered * inv_std[:, None]
        w = affine[0] if has_w else None
        b = affine[int(has_w)] if has_b else None
        y = xhat * w[:, None] if has_w else xhat.copy()
        if has_b:
            y += b[:, None]
        ctx.save_for_backward(xhat, inv_std, w)
        ctx.training, ctx.has_w, ctx.has_b, ctx.count = training, has_w, has_b, count
        ctx.eps = eps
        ctx.x_shape = x.shape
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        if ctx.empty_shapes is not None:
            return _empty_grads(ctx, g)
        xhat, inv_std, w = ctx.saved
        g = np.ascontiguousarray(g).reshape(xhat.shape)
        scale = inv_std if w is None else w * inv_std
        gx = None
        if ctx.needs_input_grad[0]:
            if ctx.training:
                gsum = add_reduce(g, (0, 2))
                gxsum = add_reduce(g * xhat, (0, 2))
                n = g.dtype.type(ctx.count)
                gx = (scale / n)[:, None] * (n * g - gsum[:, None] - xhat * gxsum[:, None])
            else:
                gx = g * scale[:, None]
            gx = gx.reshape(ctx.x_shape)
        return (gx, *_affine_grads(ctx, g, xhat, (0, 2), (-1,)))

    @staticmethod
    def backward_graph(ctx, g):
        if ctx.empty_shapes is not None:
            return _empty_grads_graph(ctx, g)
        xhat, inv_std, w = ctx.saved
        g = g.reshape(xhat.shape)
        wt = None if w is None else ctx.input_tensor(1, w).reshape(1, -1, 1)
        x = _shifted_input(ctx, xhat, inv_std[:, None])
        if ctx.training:
            xh, inv = _standardized(x, (0, 2), ctx.eps)
        else:   # running statistics: xhat is x scaled by a constant (inv_std), shifted
            inv = constant(inv_std[:, None])
            xh = constant(xhat) + (x - x.detach()) * inv
        gx = None
        if ctx.needs_input_grad[0]:
            gh = g if wt is None else g * wt
            if ctx.training:
                gx = _normalized_vjp(gh, xh, inv, (0, 2))
            else:
                gx = gh * inv
            gx = gx.reshape(ctx.x_shape)
        return (gx, *_affine_grads_graph(ctx, g, xh, (0, 2), (-1,)))


class LayerNorm(Function):
    """y = (x - mean) / sqrt(var + eps) * w + b over the last k dims;
    dx = (1 / (D std)) (D gh - sum gh - xhat sum(gh xhat)) with gh = g w.
    x: (*, *normalized_shape) -> same; w, b: normalized_shape."""

    @staticmethod
    def forward(ctx, x, *affine, n_dims=1, eps=1e-5, has_w=False, has_b=False):
        ctx.empty_shapes = None
        if x.size == 0:
            return _empty(ctx, x, affine)
        norm_shape = x.shape[x.ndim - n_dims:]
        d = int(np.prod(norm_shape))
        rows = c_order(x).reshape(-1, d)   # (C order: as BatchNorm's x3)
        mean = rows.mean(axis=1, keepdims=True)
        centered = rows - mean
        # pairwise along the rows (np.einsum's sum adds one by one: 3e-5 relative error over
        # 2^20 float32 elements, against 7e-8)
        var = (centered * centered).sum(axis=1, keepdims=True) / x.dtype.type(max(d, 1))
        inv_std = (1 / np.sqrt(var + x.dtype.type(eps))).astype(x.dtype)
        xhat = centered * inv_std
        w = affine[0].reshape(-1) if has_w else None
        b = affine[int(has_w)].reshape(-1) if has_b else None
        y = xhat * w if has_w else xhat.copy()
        if has_b:
            y += b
        ctx.save_for_backward(xhat, inv_std, w)
        ctx.has_w, ctx.has_b, ctx.x_shape, ctx.norm_shape = has_w, has_b, x.shape, norm_shape
        ctx.eps = eps
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        if ctx.empty_shapes is not None:
            return _empty_grads(ctx, g)
        xhat, inv_std, w = ctx.saved
        g = np.ascontiguousarray(g).reshape(xhat.shape)
        gx = None
        if ctx.needs_input_grad[0]:
            gh = g * w if w is not None else g
            d = g.dtype.type(xhat.shape[1])
            gsum = gh.sum(axis=1, keepdims=True)
            gxsum = (gh * xhat).sum(axis=1, keepdims=True)
            gx = ((inv_std / d) * (d * gh - gsum - xhat * gxsum)).reshape(ctx.x_shape)
        grads = _affine_grads(ctx, g, xhat, 0, ctx.norm_shape)
        return (gx, *grads)

    @staticmethod
    def backward_graph(ctx, g):
        if ctx.empty_shapes is not None:
            return _empty_grads_graph(ctx, g)
        xhat, inv_std, w = ctx.saved
        g = g.reshape(xhat.shape)
        xh, inv = _standardized(_shifted_input(ctx, xhat, inv_std), 1, ctx.eps)
        gx = None
        if ctx.needs_input_grad[0]:
            wt = None if w is None else ctx.input_tensor(1, w.reshape(ctx.norm_shape))
            gh = g if wt is None else g * wt.reshape(-1)
            gx = _normalized_vjp(gh, xh, inv, 1).reshape(ctx.x_shape)
        return (gx, *_affine_grads_graph(ctx, g, xh, 0, ctx.norm_shape))


# The recorded VJPs (create_graph=True). Forward keeps xhat and 1 / std, not x: the input is
# read back as xhat * std, which is x less its mean (or, for the running statistics, less
# running_mean). Every derivative of xhat with respect to x is the same at both points, and
# for the running statistics the value of xhat itself is taken from forward.
def _shifted_input(ctx, xhat, inv_std):
    """Input 0 as a Tensor of the graph, its values those of x up to a shift along the
    normalized axes (x itself when it is a leaf), as the (rows, D) or (N, C, L) of xhat."""
    x = ctx.input_tensor(0, (xhat / inv_std).reshape(ctx.x_shape))
    return x.reshape(xhat.shape)


def _standardized(x, axes, eps):
    """((x - mean) / sqrt(var + eps), 1 / sqrt(var + eps)) over axes, recorded."""
    centered = x - x.mean(dim=axes, keepdim=True)
    inv_std = ((centered * centered).mean(dim=axes, keepdim=True) + eps) ** -0.5
    return centered * inv_std, inv_std


def _normalized_vjp(gh, xh, inv, axes):
    """dx of xhat = standardized(x) for the gradient gh of xhat:
    (gh - mean gh - xhat mean(gh xhat)) / std."""
    return inv * (gh - gh.mean(dim=axes, keepdim=True)
                  - xh * (gh * xh).mean(dim=axes, keepdim=True))


def _affine_grads_graph(ctx, g, xh, axes, shape):
    """_affine_grads with Tensors: g * xhat and g summed over axes (None where not needed)."""
    grads = []
    need = ctx.needs_input_grad[1:]
    if ctx.has_w:
        grads.append((g * xh).sum(dim=axes).reshape(shape) if need[0] else None)
        need = need[1:]
    if ctx.has_b:
        grads.append(g.sum(dim=axes).reshape(shape) if need[0] else None)
    return grads


def _empty_grads_graph(ctx, g):
    return tuple(constant(np.zeros(s, g.dtype)) if need else None
                 for s, need in zip(ctx.empty_shapes, ctx.needs_input_grad))
