"""Shape and indexing ops. Their VJPs move gradient values; they never do arithmetic on them."""
import sys

import numpy as np

from ..engine import IndexedGrad
from ..function import Context, Function, constant
from .layout import c_order


class Reshape(Function):
    """y = x.reshape(shape);  dx = g.reshape(x.shape)."""

    view_of_input = True  # its output may share the input's memory

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return (g.reshape(ctx.shape),)

    @staticmethod
    def backward_graph(ctx, g):
        return (Reshape.apply(g, shape=ctx.shape),)


class Permute(Function):
    """y = x.transpose(axes);  dx = g.transpose(inverse(axes))."""

    view_of_input = True  # its output may share the input's memory

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, g):
        return (g.transpose(np.argsort(ctx.axes)),)

    @staticmethod
    def backward_graph(ctx, g):
        return (Permute.apply(g, axes=tuple(int(a) for a in np.argsort(ctx.axes))),)


class Expand(Function):
    """y = broadcast_to(x, shape);  dx = g (the engine sums the stretched axes)."""

    view_of_input = True  # its output may share the input's memory

    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return (g,)

    @staticmethod
    def backward_graph(ctx, g):
        return (g,)


class UnfoldDim(Function):
    """y = x's windows of `size` elements every `step` along `axis`, as a view: that axis
    becomes the window count, a new last axis of `size` holds each window;  dx = g's windows
    added back where they came from (overlapping windows add up), FoldDim."""

    view_of_input = True  # its output shares the input's memory

    @staticmethod
    def forward(ctx, x, axis, size, step):
        ctx.shape, ctx.axis, ctx.size, ctx.step = x.shape, axis, size, step
        return _windows(x, axis, size, step)

    @staticmethod
    def backward(ctx, g):
        return (_fold_windows(g, ctx.shape, ctx.axis, ctx.step),)

    @staticmethod
    def backward_graph(ctx, g):
        return (FoldDim.apply(g, shape=ctx.shape, axis=ctx.axis, size=ctx.size, step=ctx.step),)


class FoldDim(Function):
    """y = the windows g (UnfoldDim's output shape) added into zeros of `shape` where
    UnfoldDim took them;  dg = y's windows (UnfoldDim of the gradient, copied)."""

    @staticmethod
    def forward(ctx, g, shape, axis, size, step):
        ctx.axis, ctx.size, ctx.step = axis, size, step
        return _fold_windows(g, shape, axis, step)

    @staticmethod
    def backward(ctx, gg):
        return (np.array(_windows(gg, ctx.axis, ctx.size, ctx.step)),)

    @staticmethod
    def backward_graph(ctx, gg):
        return (UnfoldDim.apply(gg, axis=ctx.axis, size=ctx.size, step=ctx.step),)


def _windows(x, axis, size, step):
    count = (x.shape[axis] - size) // step + 1
    shape = x.shape[:axis] + (count,) + x.shape[axis + 1:] + (size,)
    strides = (x.strides[:axis] + (x.strides[axis] * step,) + x.strides[axis + 1:]
               + (x.strides[axis],))
    return np.lib.stride_tricks.as_strided(x, shape, strides)


def _fold_windows(g, shape, axis, step):
    """Windows g (..., count, ..., size) added into zeros of `shape`: one strided add per
    window or per window position, whichever is fewer (each add touches distinct slots)."""
    out = np.zeros(shape, g.dtype)
    dst, src = np.moveaxis(out, axis, -1), np.moveaxis(g, axis, -2)   # (..., n), (..., count, size)
    count, size = src.shape[-2:]
    if count <= size:
        for k in range(count):
            dst[..., k * step:k * step + size] += src[..., k, :]
    else:
        for j in range(size):
            dst[..., j:j + step * (count - 1) + 1:step] += src[..., :, j]
    return out


def _is_basic(index) -> bool:
    """True when the index has no arrays, so no element is selected twice."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice))
               for i in items)


class GetItem(Function):
    """y = x[index];  dx = zeros with g scatter-added at index (repeats accumulate)."""

    view_of_input = True  # its output may share the input's memory

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = x.shape, index
        # index arrays are saved only to be guarded: changed in place, they would scatter the
        # gradient to the wrong places
        advanced = False
        if isinstance(index, tuple):
            arrays = [i for i in index if i.__class__ is not slice and isinstance(i, np.ndarray)]
            if arrays:
                ctx.save_for_backward(*arrays)
                advanced = True
        elif isinstance(index, np.ndarray):
            ctx.save_for_backward(index)
            advanced = True
        out = x[index]
        if out.__class__ is not np.ndarray:   # an integer for every axis: a 0-d view, not a copy
            out = x[(index if isinstance(index, tuple) else (index,)) + (Ellipsis,)]
        elif advanced:   # a copy, which numpy leaves transposed for x[:, idx]; torch's is C
            out = c_order(out)
        return out

    @staticmethod
    def backward(ctx, g):
        return (IndexedGrad(ctx.index, g, ctx.shape, _is_basic(ctx.index)),)

    @staticmethod
    def backward_graph(ctx, g):
        return (IndexAddIntoZeros.apply(g, index=ctx.index, shape=ctx.shape),)


class TakeAlong(Function):
    """y = x.take(index, axis): positions of one axis gathered, repeats allowed (a reflect,
    replicate or circular pad);  dx = g added back in runs of consecutive positions: a pad's
    centre in one slice add, its edges one position each (np.add.at over every element took
    10-20x torch's time)."""

    @staticmethod
    def forward(ctx, x, axis, index):
        ctx.axis, ctx.index, ctx.shape = axis, index, x.shape
        return np.take(x, index, axis=axis)

    @staticmethod
    def backward(ctx, g):
        index = ctx.index
        gx = np.zeros(ctx.shape, g.dtype)
        lead = (slice(None),) * ctx.axis
        starts = np.flatnonzero(np.diff(index) != 1) + 1   # where a run of +1 steps breaks
        for j, k in zip([0] + starts.tolist(), starts.tolist() + [len(index)]):
            gx[lead + (slice(index[j], index[j] + k - j),)] += g[lead + (slice(j, k),)]
        return (gx,)

    @staticmethod
    def backward_graph(ctx, g):
        index = (slice(None),) * ctx.axis + (ctx.index,)
        return (IndexAddIntoZeros.apply(g, index=index, shape=ctx.shape),)


class IndexAddIntoZeros(Function):
    """y = zeros(shape) with v added at index (repeats accumulate): GetItem's VJP, recorded
    (create_graph=True);  dv = g[index]."""

    @staticmethod
    def forward(ctx, v, index, shape):
        ctx.index = index
        return IndexedGrad(index, v, shape, _is_basic(index)).dense(v.dtype)

    @staticmethod
    def backward(ctx, g):
        return (np.array(g[ctx.index]),)

    @staticmethod
    def backward_graph(ctx, g):
        return (GetItem.apply(g, index=ctx.index),)


class SetItem(Function):
    """y = x with y[index] = v;  dx = g with 0 at index, dv = g[index] (the engine sums it
    down to v's shape when v was broadcast into the slots)."""

    @staticmethod
    def forward(ctx, x, v, index):
        ctx.index, ctx.v_ndim = index, v.ndim
        out = x.copy()
        out[index] = v
        return out

    @staticmethod
    def backward(ctx, g):
        if g.__class__ is not np.ndarray:   # a numpy scalar (0-d products give those)
            g = np.array(g)
        gv = None
        if ctx.needs_input_grad[1]:
            gv = np.array(g[ctx.index])
            if gv.ndim < ctx.v_ndim:   # v had leading 1-dims that numpy dropped on assignment
                gv = gv.reshape((1,) * (ctx.v_ndim - gv.ndim) + gv.shape)
        gx = None
        if ctx.needs_input_grad[0]:
            gx = g if _exclusive(g) else g.copy()
            gx[ctx.index] = 0
        return gx, gv

    @staticmethod
    def backward_graph(ctx, g):
        gv = gx = None
        if ctx.needs_input_grad[1]:
            gv = GetItem.apply(g, index=ctx.index)
            if gv.ndim < ctx.v_ndim:
                gv = gv.reshape((1,) * (ctx.v_ndim - gv.ndim) + tuple(gv.shape))
        if ctx.needs_input_grad[0]:
            written = np.zeros(g.shape, bool)
            written[ctx.index] = True
            gx = g.masked_fill(constant(written), 0)
        return gx, gv


def _exclusive(g) -> bool:
    """True when nothing but the engine's walk and this backward call refers to g (an array
    that the VJP of the op after this one made for it alone), so it may be changed in place:
    a recorded t[i] = v then costs its slots in backward too, not a copy of t's gradient.
    The count: the walk's variable, backward's argument, this argument, getrefcount's own."""
    return g.base is None and g.flags.writeable and sys.getrefcount(g) <= 4


class SetItemInPlace(SetItem):
    """SetItem written into x itself: the tensor that owns x calls it inside saved.writable,
    so a recorded t[index] = v costs the slots it writes, not a copy of t. Same VJP."""

    @staticmethod
    def forward(ctx, x, v, index):
        ctx.index, ctx.v_ndim = index, v.ndim
        x[index] = v
        return x


class SetView(Function):
    """y = x with its view made by the view op `view` (reshape, permute, diagonal...) replaced
    by v;  dx = g with that view zeroed, dv = that view of g. What an in-place op on such a view
    records on the tensor it views (SetItem is the same for an index)."""

    @staticmethod
    def forward(ctx, x, v, view, params):
        if view is UnfoldDim and params["step"] < params["size"]:
            raise RuntimeError(
                f"unfold: in-place modification of overlapping windows (size {params['size']}, "
                f"step {params['step']}) is not supported in grad mode: more than one element "
                f"of the written-to view refers to a single memory location; clone() it first")
        ctx.view, ctx.params = view, params
        out = np.array(x, order="C")   # a view op always views a C-contiguous array
        _view_of(out, view, params)[...] = v
        return out

    @staticmethod
    def backward(ctx, g):
        gx = gv = None
        if ctx.needs_input_grad[1]:
            gv = np.array(_view_of(g, ctx.view, ctx.params))
        if ctx.needs_input_grad[0]:
            gx = np.array(g, order="C")
            _view_of(gx, ctx.view, ctx.params)[...] = 0
        return gx, gv

    @staticmethod
    def backward_graph(ctx, g):
        gv = ctx.view.apply(g, **ctx.params)
        gx = SetView.apply(g, constant(np.zeros(gv.shape, gv.dtype)), view=ctx.view,
                           params=ctx.params) if ctx.needs_input_grad[0] else None
        return gx, (gv if ctx.needs_input_grad[1] else None)


class ViewChain(Function):
    """y = the views `steps` ((view op, params), ...) applied one after the other to x;
    dx = their VJPs in reverse. What a view reshaped in place (v = h[0]; v.unsqueeze_(0)) is
    of the tensor it views, so that writes into either still reach the other."""

    view_of_input = True  # its output shares the input's memory

    @staticmethod
    def forward(ctx, x, steps):
        ctx.contexts = []
        for fn, params in steps:
            step_ctx = Context(None)
            x = fn.forward(step_ctx, x, **params)
            ctx.contexts.append((fn, step_ctx))
        return x

    @staticmethod
    def backward(ctx, g):
        for fn, step_ctx in reversed(ctx.contexts):
            g = fn.backward(step_ctx, g)[0]
            if g.__class__ is IndexedGrad:
                g = g.dense(g.dtype)
        return (g,)

    @staticmethod
    def backward_graph(ctx, g):
        for fn, step_ctx in reversed(ctx.contexts):
            g = fn.backward_graph(step_ctx, g)[0]
        return (g,)


def _view_of(a, view, params):
    """view.forward on the array a: for a C-contiguous a, a view of its memory."""
    return view.forward(Context(None), a, **params)


class Cat(Function):
    """y = concatenate(xs, axis);  each dx is its slice of g."""

    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.axis = axis = axis % xs[0].ndim
        bounds, edge = [], 0   # where each input's slice of the output ends
        for x in xs:
            edge += x.shape[axis]
            bounds.append(edge)
        ctx.bounds = bounds[:-1]
        return c_order(np.concatenate(xs, axis=axis))

    @staticmethod
    def backward(ctx, g):
        # basic slices of g (np.split makes the same views, with ~10 us of Python around them)
        lead, lo, out = (slice(None),) * ctx.axis, 0, []
        for hi in ctx.bounds + [g.shape[ctx.axis]]:
            out.append(g[lead + (slice(lo, hi),)])
            lo = hi
        return tuple(out)

    @staticmethod
    def backward_graph(ctx, g):
        edges = [0, *ctx.bounds, g.shape[ctx.axis]]
        lead = (slice(None),) * (ctx.axis % g.ndim)
        return tuple(GetItem.apply(g, index=lead + (slice(lo, hi),))
                     for lo, hi in zip(edges[:-1], edges[1:]))


class Stack(Function):
    """y = stack(xs, axis);  each dx is its index of g along axis."""

    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.axis, ctx.n = axis, len(xs)
        return c_order(np.stack(xs, axis=axis))

    @staticmethod
    def backward(ctx, g):
        return tuple(np.take(g, i, axis=ctx.axis) for i in range(ctx.n))

    @staticmethod
    def backward_graph(ctx, g):
        lead = (slice(None),) * (ctx.axis % g.ndim)
        return tuple(GetItem.apply(g, index=lead + (i,)) for i in range(ctx.n))
