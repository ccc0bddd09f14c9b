"""Index-driven reductions: index_put with accumulate=True, and scatter_reduce.

The callers (tensor_index_more.py) have checked the indices (integer, in range, shapes);
these classes only move and reduce values. The VJPs follow PyTorch's formulas, ties and
zeros included: amax/amin share the gradient evenly among the elements equal to the result,
prod divides the result by the element except where a single zero makes that 0/0.
"""
import numpy as np

from ..function import Function, constant
from .arithmetic import Where
from .index import (Gather, _corner, _gather, _pad_src, _pad_src_graph, _src_grad,
                    _src_grad_graph, _where, _written)
from .shape import GetItem

_quiet = dict(divide="ignore", invalid="ignore", over="ignore", under="ignore")

REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")
_UFUNCS = {"sum": np.add, "mean": np.add, "prod": np.multiply,
           "amax": np.maximum, "amin": np.minimum}


class IndexPutAdd(Function):
    """y = x with v added at index (repeated indices add up);  dx = g, dv = g[index]."""

    @staticmethod
    def forward(ctx, x, v, index):
        ctx.index = index
        out = x.copy()
        np.add.at(out, index, v)
        return out

    @staticmethod
    def backward(ctx, g):
        # the engine sums g[index] down to v's shape when v was broadcast
        return g, (np.array(g[ctx.index]) if ctx.needs_input_grad[1] else None)

    @staticmethod
    def backward_graph(ctx, g):
        return g, (GetItem.apply(g, index=ctx.index) if ctx.needs_input_grad[1] else None)


def _identity(reduce: str, dtype) -> np.ndarray:
    """The value that leaves `reduce` unchanged, in dtype (for include_self=False)."""
    if reduce in ("sum", "mean"):
        return np.zeros((), dtype)
    if reduce == "prod":
        return np.ones((), dtype)
    big = reduce == "amin"
    if dtype.kind == "f":
        return np.array(np.inf if big else -np.inf, dtype)
    if dtype.kind == "b":
        return np.array(big, dtype)
    info = np.iinfo(dtype)
    return np.array(info.max if big else info.min, dtype)


def _counts(shape, index, axis, dtype) -> np.ndarray:
    """How many src elements land on each element of an array of `shape`."""
    n = np.zeros(shape, dtype)
    np.add.at(n[_corner(index.shape, axis, shape)], _where(index, axis), 1)
    return n


def scatter_reduce(x, src, index, axis, reduce, include_self):
    """Forward of scatter_reduce on arrays: a copy of x with the src elements reduced in at
    index along axis (only src's corner that index covers takes part)."""
    out = x.copy()
    region = out[_corner(index.shape, axis, x.shape)]
    where = _where(index, axis)
    if not include_self:
        region[where] = _identity(reduce, x.dtype)
    _UFUNCS[reduce].at(region, where, src[tuple(slice(0, n) for n in index.shape)])
    if reduce == "mean":
        n = _counts(x.shape, index, axis, x.dtype) + (1 if include_self else 0)
        n[n == 0] = 1
        if x.dtype.kind == "f":
            out /= n
        else:   # integers: floor division, as in PyTorch
            out //= n
    return out


class ScatterReduce(Function):
    """y = x with src reduced in at index along axis (sum, prod, mean, amax, amin);
    dx, dsrc as PyTorch's scatter_reduce_backward (ties share, zeros handled)."""

    @staticmethod
    def forward(ctx, x, src, index, axis, reduce, include_self):
        ctx.index, ctx.axis, ctx.reduce, ctx.include_self = index, axis, reduce, include_self
        out = scatter_reduce(x, src, index, axis, reduce, include_self)
        if reduce in ("prod", "amax", "amin"):
            ctx.save_for_backward(index, x, src, out)
        else:
            ctx.src_shape = src.shape
            ctx.save_for_backward(index)
        return out

    @staticmethod
    def backward(ctx, g):
        index, axis, reduce = ctx.index, ctx.axis, ctx.reduce
        if reduce == "sum":
            gx, gsrc = g, _src_grad(g, index, axis, ctx.src_shape)
        elif reduce == "mean":
            n = _counts(g.shape, index, axis, g.dtype) + (1 if ctx.include_self else 0)
            n[n == 0] = 1
            gx = g / n
            gsrc = _src_grad(gx, index, axis, ctx.src_shape)
        else:
            _, x, src, out = ctx.saved
            s = src[tuple(slice(0, n) for n in index.shape)]
            fn = _prod_grads if reduce == "prod" else _extremum_grads
            gx, gs = fn(g, x, s, out, index, axis, ctx.include_self)
            gsrc = _pad_src(gs, src.shape)
        if not ctx.include_self:   # the scattered-to elements of x took no part
            gx = np.array(gx, copy=True)
            gx[_corner(index.shape, axis, gx.shape)][_where(index, axis)] = 0
        return gx, gsrc

    @staticmethod
    def backward_graph(ctx, g):
        index, axis, reduce = ctx.index, ctx.axis, ctx.reduce
        if reduce == "sum":
            gx, gsrc = g, _src_grad_graph(g, index, axis, ctx.src_shape)
        elif reduce == "mean":   # the counts are constants: mean is linear in x and src
            n = _counts(g.shape, index, axis, g.dtype) + (1 if ctx.include_self else 0)
            n[n == 0] = 1
            gx = g / constant(n)
            gsrc = _src_grad_graph(gx, index, axis, ctx.src_shape)
        elif reduce == "prod":
            gx, gsrc = _prod_grads_graph(ctx, g)
        else:
            gx, gsrc = _extremum_grads_graph(ctx, g)
        if not ctx.include_self and gx is not None:
            gx = gx.masked_fill(constant(_written(g.shape, index, axis)), 0)
        return gx, gsrc


def _prod_grads(g, x, s, out, index, axis, include_self):
    """The products without each element, computed without dividing by a zero."""
    mx = np.where(x == 0, np.ones((), x.dtype), x)
    gx = g * scatter_reduce(mx, s, index, axis, "prod", include_self) / mx
    zero = s == 0
    zeros_there = _gather(_counts_of(zero, x.shape, index, axis), index, axis)
    single = zero & (zeros_there == 1)
    ms = np.where(single, np.ones((), s.dtype), s)
    without = scatter_reduce(x, ms, index, axis, "prod", include_self)
    gs = np.where(single, _gather(g * without, index, axis),
                  _gather(g * out, index, axis) / np.where(zero, np.ones((), s.dtype), s))
    return gx, gs


def _prod_grads_graph(ctx, g):
    """_prod_grads, recorded (PyTorch's formula): the products without each element are
    scatter_reduce products themselves, so they are differentiated again through x and src."""
    index, axis, include_self = ctx.index, ctx.axis, ctx.include_self
    _, x, src, out = ctx.saved
    need_x, need_src = ctx.needs_input_grad
    corner = tuple(slice(0, n) for n in index.shape)
    s = src[corner]
    zero = s == 0
    zeros_there = _gather(_counts_of(zero, x.shape, index, axis), index, axis)
    if need_src and (zeros_there > 1).any():
        # the recorded gradient of a zero element would be 0 * (a product holding another
        # zero): its derivative along that other zero would be lost (PyTorch refuses too)
        raise RuntimeError(
            "ScatterReduce: create_graph=True with reduce='prod' is not supported when more "
            "than one zero of src is scattered to the same element (the gradient of src "
            "cannot be recorded there)")
    xt, st = ctx.input_tensor(0, x), ctx.input_tensor(1, src)
    s_t = st if s.shape == src.shape else GetItem.apply(st, index=corner)
    gx = gsrc = None
    if need_x:
        mx = xt.masked_fill(constant(x == 0), 1)
        with np.errstate(**_quiet):
            gx = g * ScatterReduce.apply(mx, s_t, index=index, axis=axis, reduce="prod",
                                         include_self=include_self) / mx
    if need_src:
        single = zero & (zeros_there == 1)
        ms = s_t.masked_fill(constant(single), 1)
        without = ScatterReduce.apply(xt, ms, index=index, axis=axis, reduce="prod",
                                      include_self=include_self)
        with np.errstate(**_quiet):
            others = (Gather.apply(g * ctx.output_tensor(out), index=index, axis=axis)
                      / s_t.masked_fill(constant(zero), 1))
        gs = Where.apply(Gather.apply(g * without, index=index, axis=axis), others,
                         cond=single)
        gsrc = _pad_src_graph(gs, src.shape)
    return gx, gsrc


def _extremum_grads_graph(ctx, g):
    """_extremum_grads, recorded: which elements share the gradient depends on the values
    only through comparisons, so the shares are constants and the VJP is linear in g."""
    index, axis = ctx.index, ctx.axis
    _, x, src, out = ctx.saved
    s = src[tuple(slice(0, n) for n in index.shape)]
    x_hit = x == out
    s_hit = s == _gather(out, index, axis)
    n = x_hit.astype(g.dtype)
    np.add.at(n[_corner(index.shape, axis, n.shape)], _where(index, axis), s_hit)
    with np.errstate(**_quiet):
        shared = g / constant(n)
    gx = shared * constant(x_hit.astype(g.dtype))
    gsrc = None
    if ctx.needs_input_grad[1]:
        gs = Gather.apply(shared, index=index, axis=axis) * constant(s_hit.astype(g.dtype))
        gsrc = _pad_src_graph(gs, src.shape)
    return gx, gsrc


def _counts_of(mask, shape, index, axis) -> np.ndarray:
    """How many True elements of mask (shaped like index) land on each element of `shape`."""
    n = np.zeros(shape, np.int64)
    np.add.at(n[_corner(index.shape, axis, shape)], _where(index, axis), mask)
    return n


def _extremum_grads(g, x, s, out, index, axis, include_self):
    """amax/amin: the gradient is shared evenly by x's and src's elements equal to the
    result (x's counted even when include_self=False, as PyTorch does)."""
    x_hit = x == out
    s_hit = s == _gather(out, index, axis)
    n = x_hit.astype(g.dtype)
    np.add.at(n[_corner(index.shape, axis, n.shape)], _where(index, axis), s_hit)
    with np.errstate(divide="ignore", invalid="ignore"):
        shared = g / n
    return x_hit * shared, s_hit * _gather(shared, index, axis)
