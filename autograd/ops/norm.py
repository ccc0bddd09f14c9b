"""Batch and layer normalization, each one fused Function with its own VJP."""
from __future__ import annotations

import numpy as np

from ..function import Function


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
        grads.append((g * xhat).sum(axis=axes).reshape(shape) if need[0] else None)
        need = need[1:]
    if ctx.has_b:
        grads.append(g.sum(axis=axes).reshape(shape) if need[0] else None)
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
        x3 = x.reshape(n, c, -1)
        count = n * x3.shape[2]
        if training:
            mean = x3.mean(axis=(0, 2))
            centered = x3 - mean[:, None]
            var = np.einsum("ncl,ncl->c", centered, centered) / x.dtype.type(count)
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
                gsum = g.sum(axis=(0, 2))
                gxsum = np.einsum("ncl,ncl->c", g, xhat)
                n = g.dtype.type(ctx.count)
                gx = (scale / n)[:, None] * (n * g - gsum[:, None] - xhat * gxsum[:, None])
            else:
                gx = g * scale[:, None]
            gx = gx.reshape(ctx.x_shape)
        return (gx, *_affine_grads(ctx, g, xhat, (0, 2), (-1,)))


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
        rows = x.reshape(-1, d)
        mean = rows.mean(axis=1, keepdims=True)
        centered = rows - mean
        var = np.einsum("md,md->m", centered, centered)[:, None] / x.dtype.type(max(d, 1))
        inv_std = (1 / np.sqrt(var + x.dtype.type(eps))).astype(x.dtype)
        xhat = centered * inv_std
        w = affine[0].reshape(-1) if has_w else None
        b = affine[int(has_w)].reshape(-1) if has_b else None
        y = xhat * w if has_w else xhat.copy()
        if has_b:
            y += b
        ctx.save_for_backward(xhat, inv_std, w)
        ctx.has_w, ctx.has_b, ctx.x_shape, ctx.norm_shape = has_w, has_b, x.shape, norm_shape
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
            gxsum = np.einsum("md,md->m", gh, xhat)[:, None]
            gx = ((inv_std / d) * (d * gh - gsum - xhat * gxsum)).reshape(ctx.x_shape)
        grads = _affine_grads(ctx, g, xhat, 0, ctx.norm_shape)
        return (gx, *grads)
