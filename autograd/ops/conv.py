"""Convolution as im2col + one BLAS product over the whole batch; the VJP is two products
and a col2im. Depthwise convolutions (groups == C_in) run direct kernels instead."""
from __future__ import annotations

import numpy as np

from ..function import Context, Function, Node
from ..kernels.conv import bias_grad, col2im, conv_output_size, fold_grad, im2col, unfold_output
from ..kernels.depthwise import depthwise_forward, depthwise_grad_input, depthwise_grad_weight
from ..torch_errors import ArgumentError, ArgumentTypeError


def ntuple(value, n: int, name: str, op: str, least: int, broadcast: bool = False) -> tuple:
    """An int or a length-n sequence of ints >= least, as an n-tuple; with broadcast, a
    length-1 sequence stands for all n (torch's conv and pooling take one)."""
    if isinstance(value, (int, np.integer)):
        vals = (value,) * n
    elif isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise ArgumentTypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got "
                                f"{value!r} (of type {type(value).__name__})")
    else:
        vals = tuple(value)
        if not all(isinstance(v, (int, np.integer)) for v in vals):
            raise ArgumentTypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got "
                                    f"{value!r}")
        if broadcast and len(vals) == 1:
            vals = vals * n
    if len(vals) != n:
        raise ArgumentError(f"{op}: {name} must be an int or a tuple of {n} ints, got "
                            f"{value!r}")
    if any(v < least for v in vals):
        raise ArgumentError(f"{op}: {name} must be >= {least}, got {value!r}")
    return tuple(int(v) for v in vals)


def _check_groups(op, groups):
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool):
        raise ArgumentTypeError(f"{op}: groups must be a positive int, got {groups!r}")
    if groups < 1:
        raise ArgumentError(f"{op}: groups must be a positive int, got {groups!r}")


def conv_geometry(op, x_shape, w_shape, b_shape, stride, padding, dilation, groups):
    """Check a conv call (x: (N, C, *spatial) or (C, *spatial)) and normalize its parameters.

    Returns (stride, padding, dilation, out_size), each a tuple over the spatial dims; padding
    is the leading-edge padding (padding='same' may pad the trailing edge one more).
    """
    nd = len(w_shape) - 2
    stride = ntuple(stride, nd, "stride", op, 1, broadcast=True)
    dilation = ntuple(dilation, nd, "dilation", op, 1, broadcast=True)
    _check_groups(op, groups)
    f, cg, ks = w_shape[0], w_shape[1], w_shape[2:]
    c = x_shape[-nd - 1]
    if c != cg * groups:
        raise ArgumentError(f"{op}: input of shape {tuple(x_shape)} has {c} channels but weight of "
                            f"shape {tuple(w_shape)} with groups={groups} expects {cg * groups}")
    if f % groups:
        raise ArgumentError(f"{op}: weight of shape {tuple(w_shape)} has {f} output channels, "
                            f"not divisible by groups={groups}")
    if b_shape is not None and tuple(b_shape) != (f,):
        raise ArgumentError(f"{op}: bias must have shape ({f},) for weight of shape "
                            f"{tuple(w_shape)}, got {tuple(b_shape)}")
    spatial = x_shape[-nd:]
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ArgumentError(f"{op}: padding='same' needs stride 1, got stride {stride}")
            # the trailing edge takes the odd pixel, as in PyTorch
            padding = tuple(d * (k - 1) // 2 for k, d in zip(ks, dilation))
            return stride, padding, dilation, tuple(spatial)
        else:
            raise ArgumentError(f"{op}: padding must be an int, a tuple, 'valid' or 'same', "
                                f"got {padding!r}")
    padding = ntuple(padding, nd, "padding", op, 0, broadcast=True)
    out = tuple(conv_output_size(i, k, s, p, d)
                for i, k, s, p, d in zip(spatial, ks, stride, padding, dilation))
    if any(o <= 0 for o in out):
        eff = tuple(d * (k - 1) + 1 for k, d in zip(ks, dilation))
        raise ArgumentError(f"{op}: input of shape {tuple(x_shape)} with padding {padding} is "
                            f"smaller than the dilated kernel {eff} (weight shape "
                            f"{tuple(w_shape)}); the output would have size {out}")
    return stride, padding, dilation, out


def _as_2d(shape):
    """(N, C, L) -> (N, C, 1, L); 2-D shapes unchanged."""
    return shape if len(shape) == 4 else shape[:2] + (1,) + shape[2:]


def _geom_2d(params):
    """Spatial parameter tuples of a 1-D conv, as the (1, .) / (0, .) 2-D ones."""
    stride, padding, dilation, out = params
    if len(stride) == 2:
        return params
    return (1,) + stride, (0,) + padding, (1,) + dilation, (1,) + out


# Below this many rows of im2col (C/groups * kH * kW) the products run per image on views of
# the batch-wide cols: one (F, K) @ (K, N*L) product with K small is a poor BLAS shape, and
# OpenBLAS's threaded run of it stalls for milliseconds when the cores are shared (measured
# K = 9: 75 us to 10 ms per call; per image 80 us every time)
PER_IMAGE_MAX_K = 32


def is_depthwise(groups, x_channels, w_shape):
    """groups == C_in > 1 (any channel multiplier): the direct kernels' case."""
    return groups > 1 and groups == x_channels and w_shape[1] == 1


class Convolution(Function):
    """y = W @ im2col(x) + b  (per group; one batch-wide product, or per image for small K);
    dW = g @ cols^T, dx = col2im(W^T @ g), db = sum g. Depthwise (groups == C_in): direct
    kernels for y, dx and dW, and x saved in place of cols.
    x: (N, C, [H,] W), weight: (F, C/groups, [kH,] kW) -> (N, F, [H',] W')."""

    @staticmethod
    def forward(ctx, x, w, b=None, geometry=None, groups=1):
        stride, padding, dilation, out = _geom_2d(geometry)
        x4, w4 = x.reshape(_as_2d(x.shape)), w.reshape(_as_2d(w.shape))
        n, f, k = x.shape[0], w.shape[0], int(np.prod(w4.shape[1:]))
        need = ctx.needs_input_grad or (False, False)
        ctx.w_shape = w.shape
        ctx.geometry, ctx.groups, ctx.x_shape = (stride, padding, dilation, out), groups, x.shape
        ctx.depthwise = is_depthwise(groups, x.shape[1], w.shape)
        if ctx.depthwise:
            y = depthwise_forward(x4, w4, b, stride, padding, dilation, out)
            ctx.save_for_backward(x if need[1] else None, w if need[0] else None)
            return y.reshape((n, f) + tuple(out[-(x.ndim - 2):]))
        per_image = groups == 1 and k <= PER_IMAGE_MAX_K
        # small K: the bias rides in the product as a weight column against a row of ones in
        # cols (a K+1 product costs less than a separate pass over the output), and dW's
        # product then gives the bias gradient too
        ones = per_image and b is not None
        cols = im2col(x4, w4.shape[2:], stride, padding, dilation, out, ones)  # (G*K[+1], N*L)
        if per_image:
            wk = w4.reshape(f, k)
            if ones:
                wk = np.concatenate([wk, b.reshape(f, 1)], axis=1).astype(x.dtype, copy=False)
            y = np.matmul(wk, cols.reshape(len(cols), n, -1).swapaxes(0, 1))  # (N, F, L)
        else:
            if groups == 1:
                # cols^T @ W^T runs ~1.3x faster at 1 thread (an (N*L, F) result) but ~1.2x
                # slower at 2 threads with OpenBLAS, for LeNet's 16->32 layer (measured)
                yt = w4.reshape(f, k) @ cols                                  # (F, N*L)
            else:
                yt = np.matmul(w4.reshape(groups, f // groups, k),
                               cols.reshape(groups, k, -1)).reshape(f, -1)
            y = unfold_output(yt, b, n)                                       # (N, F, L)
        # cols feed only dW and w only dx: keep just what the backward pass will use
        ctx.save_for_backward(cols if need[1] else None, w if need[0] else None)
        return y.reshape((n, f) + tuple(out[-(x.ndim - 2):]))

    @staticmethod
    def backward(ctx, g):
        cols, w = ctx.saved
        stride, padding, dilation, out = ctx.geometry
        groups, x_shape, w_shape = ctx.groups, ctx.x_shape, ctx.w_shape
        need_x, need_w = ctx.needs_input_grad[:2]
        n, f = g.shape[:2]
        fg, k = f // groups, int(np.prod(w_shape[1:]))
        gx = gw = None
        if ctx.depthwise:   # cols is x itself here
            g4 = g.reshape((n, f) + out)
            if need_x:
                gx = depthwise_grad_input(g4, w.reshape(_as_2d(w_shape)), _as_2d(x_shape),
                                          stride, padding, dilation).reshape(x_shape)
            if need_w:
                gw = depthwise_grad_weight(cols.reshape(_as_2d(x_shape)), g4, _as_2d(w_shape),
                                           stride, padding, dilation).reshape(w_shape)
            if len(ctx.needs_input_grad) == 2:
                return gx, gw
            return gx, gw, bias_grad(g.reshape(n, f, -1)) if ctx.needs_input_grad[2] else None
        if groups == 1 and k <= PER_IMAGE_MAX_K:
            g = np.ascontiguousarray(g).reshape(n, f, -1)                    # (N, F, L)
            gb = None
            if need_w:
                cv = cols.reshape(len(cols), n, -1).swapaxes(0, 1)             # (N, K[+1], L)
                gwb = np.matmul(cv, g.swapaxes(1, 2)).sum(axis=0)              # (K[+1], F)
                gw = np.ascontiguousarray(gwb[:k].T).reshape(w_shape)
                if len(cols) > k:                                              # ones row: db
                    gb = gwb[k].copy()
            if gb is None and len(ctx.needs_input_grad) == 3:
                gb = bias_grad(g)
            if need_x:
                dcols = np.matmul(w.reshape(f, k).T, g)                       # (N, K, L)
                gx = col2im(dcols.swapaxes(0, 1), _as_2d(x_shape), _as_2d(w_shape)[2:], stride,
                            padding, dilation, out).reshape(x_shape)
            return (gx, gw) if len(ctx.needs_input_grad) == 2 else (gx, gw, gb)
        gt, gb = fold_grad(g.reshape(n, f, -1))                              # (F, N*L), (F,)
        if need_w:
            if groups == 1:
                # cols @ g^T, transposed after, runs ~1.4x faster in BLAS than g @ cols^T
                # for LeNet-sized layers (measured), and the transpose is (K, F) small
                gw = np.ascontiguousarray((cols @ gt.T).T).reshape(w_shape)
            else:
                gw_t = np.matmul(cols.reshape(groups, k, -1),
                                 gt.reshape(groups, fg, -1).swapaxes(-1, -2))  # (G, K, F/G)
                gw = np.ascontiguousarray(gw_t.swapaxes(-1, -2)).reshape(w_shape)
        if need_x:
            if groups == 1:
                dcols = w.reshape(f, k).T @ gt                                # (K, N*L)
            else:
                dcols = np.matmul(w.reshape(groups, fg, k).swapaxes(-1, -2),
                                  gt.reshape(groups, fg, -1)).reshape(groups * k, -1)
            gx = col2im(dcols, _as_2d(x_shape), _as_2d(w_shape)[2:], stride, padding, dilation,
                        out).reshape(x_shape)
        return (gx, gw) if len(ctx.needs_input_grad) == 2 else (gx, gw, gb)

    @staticmethod
    def backward_graph(ctx, g):
        # dx is a transposed convolution of g with W and dW a correlation of x with g: both
        # recorded ops (ConvTranspose, ConvWeightGrad), whose own VJPs are convolutions again
        from .conv_transpose import ConvTranspose
        cols, w = ctx.saved
        need = ctx.needs_input_grad
        gx = gw = gb = None
        if need[0]:
            gx = ConvTranspose.apply(g, ctx.input_tensor(1, w), groups=ctx.groups,
                                     geometry=_back_to(ctx.geometry, ctx.x_shape))
        if need[1]:
            gw = ConvWeightGrad.apply(_saved_input(ctx, cols), g, w_shape=ctx.w_shape,
                                      geometry=ctx.geometry, groups=ctx.groups)
        if len(need) == 3 and need[2]:
            gb = g.sum(dim=(0,) + tuple(range(2, g.ndim)))
        return gx, gw, gb


def _saved_input(ctx, cols):
    """Convolution's input x as a Tensor of the graph. Forward keeps im2col(x), not x (the
    fast path needs no more), so x is read back from its columns: exactly, for every element
    some window reads; 0 for the others, which change neither y nor any of its derivatives."""
    parent = ctx.parents[0]
    if parent is not None and parent.__class__ is not Node:   # a leaf: the Tensor itself
        return parent
    if ctx.depthwise:   # forward kept x itself
        return ctx.input_tensor(0, cols)
    stride, padding, dilation, out = ctx.geometry
    shape = _as_2d(ctx.x_shape)
    # where each column entry was read from: im2col of the positions 1..size (0 = padding)
    where = im2col(np.arange(1, np.prod(shape) + 1, dtype=np.float64).reshape(shape),
                   _as_2d(ctx.w_shape)[2:], stride, padding, dilation, out)
    hit = where > 0
    x = np.zeros(int(np.prod(shape)), cols.dtype)
    x[where[hit].astype(np.int64) - 1] = cols[:len(where)][hit]
    return ctx.input_tensor(0, x.reshape(ctx.x_shape))


def conv_weight_grad(x, g, w_shape, geometry, groups):
    """dW of a convolution: g @ im2col(x)^T per group.  x: (N, C, [H,] W), g: (N, F, [H',] W')
    -> (F, C/groups, [kH,] kW); geometry as Convolution saves it (2-D)."""
    stride, padding, dilation, out = geometry
    n, f = g.shape[:2]
    if is_depthwise(groups, x.shape[1], w_shape):
        return depthwise_grad_weight(x.reshape(_as_2d(x.shape)), g.reshape((n, f) + out),
                                     _as_2d(w_shape), stride, padding, dilation).reshape(w_shape)
    cols = im2col(x.reshape(_as_2d(x.shape)), _as_2d(w_shape)[2:], stride, padding, dilation,
                  out)                                                       # (G*K, N*L)
    gt, _ = fold_grad(g.reshape(n, f, -1))                                   # (F, N*L)
    gw = np.matmul(gt.reshape(groups, f // groups, -1),
                   cols.reshape(groups, len(cols) // groups, -1).swapaxes(1, 2))
    return gw.reshape(w_shape)


class ConvWeightGrad(Function):
    """Convolution's weight gradient as an op (create_graph=True): y = conv_weight_grad(x, g),
    bilinear, so dx = conv_transpose(g, h) and dg = conv(x, h) for an incoming gradient h.
    x: (N, C, [H,] W), g: (N, F, [H',] W') -> (F, C/groups, [kH,] kW)."""

    @staticmethod
    def forward(ctx, x, g, w_shape, geometry, groups):
        ctx.save_for_backward(x, g)
        ctx.geometry, ctx.groups = geometry, groups
        return conv_weight_grad(x, g, w_shape, geometry, groups)

    @staticmethod
    def backward(ctx, h):
        from .conv_transpose import ConvTranspose
        x, g = ctx.saved
        gx = gg = None
        if ctx.needs_input_grad[0]:
            gx = ConvTranspose.forward(Context(None), g, h, groups=ctx.groups,
                                       geometry=_back_to(ctx.geometry, x.shape))
        if ctx.needs_input_grad[1]:
            gg = Convolution.forward(Context(None), x, h, geometry=ctx.geometry,
                                     groups=ctx.groups)
        return gx, gg

    @staticmethod
    def backward_graph(ctx, h):
        from .conv_transpose import ConvTranspose
        x, g = ctx.saved
        gx = gg = None
        if ctx.needs_input_grad[0]:
            gx = ConvTranspose.apply(ctx.input_tensor(1, g), h, groups=ctx.groups,
                                     geometry=_back_to(ctx.geometry, x.shape))
        if ctx.needs_input_grad[1]:
            gg = Convolution.apply(ctx.input_tensor(0, x), h, geometry=ctx.geometry,
                                   groups=ctx.groups)
        return gx, gg


def _back_to(geometry, x_shape):
    """A convolution's (2-D) geometry as that of the transposed convolution which maps its
    output back to the size of its input x: the same parameters, x's size as the output."""
    stride, padding, dilation, _ = geometry
    return stride, padding, dilation, _as_2d(x_shape)[2:]
