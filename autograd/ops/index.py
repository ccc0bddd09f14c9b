"""Index-driven ops: gather, scatter, scatter_add, flip, roll, repeat.

Gather and the scatters follow PyTorch's rule for `index` (same ndim as the data, no larger
along any other axis): only the leading corner of the data that index covers takes part.
The callers have checked index (integer, in range); these classes only move values.
"""
import numpy as np

from ..function import Function, constant
from .layout import c_order
from .shape import IndexAddIntoZeros


def _corner(shape: tuple, axis: int, full: tuple) -> tuple:
    """The slice of an array of shape `full` that an index of `shape` covers (all of `axis`)."""
    return tuple(slice(None) if a == axis else slice(0, n) for a, n in enumerate(shape)) \
        if shape != full else ()


def _where(index: np.ndarray, axis: int) -> tuple:
    """Fancy-index tuple addressing arr[..., index[...], ...] along axis, element by element."""
    idx = list(np.indices(index.shape, sparse=True))
    idx[axis] = index
    return tuple(idx)


def _gather(a: np.ndarray, index: np.ndarray, axis: int) -> np.ndarray:
    return np.take_along_axis(a[_corner(index.shape, axis, a.shape)], index, axis)


def _pad_src(g: np.ndarray, shape: tuple) -> np.ndarray:
    """A gradient for src's corner (index's shape) placed into zeros of src's shape: a
    scatter uses only that corner of src."""
    if g.shape == shape:
        return g
    out = np.zeros(shape, g.dtype)
    out[tuple(slice(0, n) for n in g.shape)] = g
    return out


def _src_grad(g: np.ndarray, index: np.ndarray, axis: int, shape: tuple) -> np.ndarray:
    """The gradient of a scatter's src: g read at index, zero where src was not used."""
    return _pad_src(_gather(g, index, axis), shape)


# The same VJP building blocks on Tensors, for the recorded backward passes (create_graph=True)
def _pad_src_graph(t, shape: tuple):
    """_pad_src, recorded: t (index's shape) in the leading corner of zeros of `shape`."""
    if tuple(t.shape) == tuple(shape):
        return t
    return IndexAddIntoZeros.apply(t, index=tuple(slice(0, n) for n in t.shape), shape=shape)


def _src_grad_graph(g, index: np.ndarray, axis: int, shape: tuple):
    """_src_grad, recorded."""
    return _pad_src_graph(Gather.apply(g, index=index, axis=axis), shape)


def _written(shape: tuple, index: np.ndarray, axis: int) -> np.ndarray:
    """True where a scatter at index along axis lands in an array of `shape`."""
    hit = np.zeros(shape, bool)
    hit[_corner(index.shape, axis, shape)][_where(index, axis)] = True
    return hit


class Gather(Function):
    """y[i][j] = x[index[i][j]][j] (axis 0);  dx = zeros with g added at index (repeats add)."""

    @staticmethod
    def forward(ctx, x, index, axis):
        ctx.shape, ctx.index, ctx.axis = x.shape, index, axis
        # saved only to be guarded: changed in place it would send the gradient astray
        ctx.save_for_backward(index)
        return c_order(_gather(x, index, axis))

    @staticmethod
    def backward(ctx, g):
        dx = np.zeros(ctx.shape, g.dtype)
        np.add.at(dx[_corner(ctx.index.shape, ctx.axis, ctx.shape)], _where(ctx.index, ctx.axis), g)
        return (dx,)

    @staticmethod
    def backward_graph(ctx, g):
        zeros = constant(np.zeros(ctx.shape, g.dtype))
        return (ScatterAdd.apply(zeros, g, index=ctx.index, axis=ctx.axis),)


class Scatter(Function):
    """y = x with y[index[i][j]][j] = src[i][j] (axis 0; a 0-d src is one value for all);
    dx = g with 0 where written, dsrc = g read at index."""

    @staticmethod
    def forward(ctx, x, src, index, axis):
        ctx.index, ctx.axis, ctx.src_shape = index, axis, src.shape
        ctx.save_for_backward(index)
        out = x.copy()
        values = src if src.ndim == 0 else src[tuple(slice(0, n) for n in index.shape)]
        np.put_along_axis(out[_corner(index.shape, axis, x.shape)], index, values, axis)
        return out

    @staticmethod
    def backward(ctx, g):
        gx = gsrc = None
        if ctx.needs_input_grad[0]:
            gx = g.copy()
            np.put_along_axis(gx[_corner(ctx.index.shape, ctx.axis, g.shape)], ctx.index, 0,
                              ctx.axis)
        if ctx.needs_input_grad[1]:
            gsrc = _src_grad(g, ctx.index, ctx.axis, ctx.src_shape)
        return gx, gsrc

    @staticmethod
    def backward_graph(ctx, g):
        need_x, need_src = ctx.needs_input_grad
        gx = gsrc = None
        if need_x:
            gx = g.masked_fill(constant(_written(g.shape, ctx.index, ctx.axis)), 0)
        if need_src:
            gsrc = _src_grad_graph(g, ctx.index, ctx.axis, ctx.src_shape)
        return gx, gsrc


class ScatterAdd(Function):
    """y = x with src[i][j] added to y[index[i][j]][j] (axis 0; repeats add up);
    dx = g, dsrc = g read at index."""

    @staticmethod
    def forward(ctx, x, src, index, axis):
        ctx.index, ctx.axis, ctx.src_shape = index, axis, src.shape
        ctx.save_for_backward(index)
        out = x.copy()
        np.add.at(out[_corner(index.shape, axis, x.shape)], _where(index, axis),
                  src[tuple(slice(0, n) for n in index.shape)])
        return out

    @staticmethod
    def backward(ctx, g):
        gsrc = _src_grad(g, ctx.index, ctx.axis, ctx.src_shape) if ctx.needs_input_grad[1] else None
        return g, gsrc

    @staticmethod
    def backward_graph(ctx, g):
        need_src = ctx.needs_input_grad[1]
        return g, (_src_grad_graph(g, ctx.index, ctx.axis, ctx.src_shape) if need_src else None)


class Flip(Function):
    """y = x reversed along axes;  dx = g reversed along the same axes."""

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return np.flip(x, axes).copy()

    @staticmethod
    def backward(ctx, g):
        return (np.flip(g, ctx.axes),)

    @staticmethod
    def backward_graph(ctx, g):
        return (Flip.apply(g, axes=ctx.axes),)


class Roll(Function):
    """y = x shifted cyclically by shifts along axes (flattened when axes is None);
    dx = g shifted back."""

    @staticmethod
    def forward(ctx, x, shifts, axes):
        ctx.shifts, ctx.axes = shifts, axes
        return c_order(np.roll(x, shifts, axes))

    @staticmethod
    def backward(ctx, g):
        back = -ctx.shifts if ctx.axes is None else tuple(-s for s in ctx.shifts)
        return (np.roll(g, back, ctx.axes),)

    @staticmethod
    def backward_graph(ctx, g):
        back = -ctx.shifts if ctx.axes is None else tuple(-s for s in ctx.shifts)
        return (Roll.apply(g, shifts=back, axes=ctx.axes),)


class Repeat(Function):
    """y = x tiled `reps` times along each dim (x first gets leading 1s up to len(reps));
    dx = g summed over the copies."""

    @staticmethod
    def forward(ctx, x, reps):
        shape = (1,) * (len(reps) - x.ndim) + x.shape
        ctx.shape, ctx.reps, ctx.padded = x.shape, reps, shape
        return np.tile(x.reshape(shape), reps)

    @staticmethod
    def backward(ctx, g):
        # (r0 * s0, r1 * s1, ...) -> (r0, s0, r1, s1, ...): the copies on the even axes
        split = tuple(n for pair in zip(ctx.reps, ctx.padded) for n in pair)
        summed = g.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return (summed.reshape(ctx.shape),)

    @staticmethod
    def backward_graph(ctx, g):
        split = tuple(n for pair in zip(ctx.reps, ctx.padded) for n in pair)
        copies = tuple(range(0, len(split), 2))
        summed = g.reshape(split).sum(dim=copies) if copies else g.reshape(split)
        return (summed.reshape(ctx.shape),)
