"""einsum (its VJPs are einsums too) and the triangular masks tril / triu."""
import string

import numpy as np

from ..function import Function, constant
from .layout import c_order


class Einsum(Function):
    """y = einsum(inputs -> output) over explicit labels (no ellipsis, no implicit output);
    d operand_k = einsum(g and the other operands -> operand_k's labels): broadcast over
    the labels only operand_k has, written onto its diagonal where a label repeats in it."""

    @staticmethod
    def forward(ctx, *arrays, inputs, output):
        ctx.save_for_backward(*arrays)
        ctx.inputs, ctx.output = inputs, output
        spec = ",".join(inputs) + "->" + output
        out = np.asarray(np.einsum(spec, *arrays, optimize=len(arrays) > 1))
        if out.base is not None and any(np.may_share_memory(out, a) for a in arrays):
            # a transpose or diagonal is a view of the operand: an in-place op on the result
            # would write into an input behind the graph's back
            out = out.copy()
        # numpy's BLAS path can leave a contraction transposed where PyTorch's is contiguous
        return c_order(out)

    @staticmethod
    def backward(ctx, g):
        arrays, inputs = ctx.saved, ctx.inputs
        sizes = {}
        for labels, a in zip(inputs, arrays):
            for c, n in zip(labels, a.shape):
                sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
        grads = []
        for k, labels in enumerate(inputs):
            if not ctx.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [i for i in range(len(inputs)) if i != k]
            seen = set(ctx.output).union(*[inputs[i] for i in others])
            unique = "".join(dict.fromkeys(labels))
            kept = "".join(c for c in unique if c in seen)
            spec = ",".join([ctx.output] + [inputs[i] for i in others]) + "->" + kept
            h = np.einsum(spec, g, *[arrays[i] for i in others], optimize=len(others) > 0)
            if kept != unique:  # labels summed in operand k alone: g is constant along them
                h = h.reshape([sizes[c] if c in seen else 1 for c in unique])
                h = np.broadcast_to(h, [h.shape[i] if c in seen else sizes[c]
                                        for i, c in enumerate(unique)])
            own = [arrays[k].shape[labels.index(c)] for c in unique]
            if list(h.shape) != own:   # a label of size 1 in the operands that gave h
                h = np.broadcast_to(h, np.broadcast_shapes(h.shape, tuple(own)))
            if unique != labels:  # a repeated label: the gradient lives on the diagonal
                full = np.zeros([sizes[c] for c in labels], g.dtype)
                np.einsum(labels + "->" + unique, full)[...] = h  # a writeable diagonal view
                h = full
            grads.append(np.asarray(h, dtype=g.dtype))
        return tuple(grads)

    @staticmethod
    def backward_graph(ctx, g):
        # One recorded einsum per operand, of g, the other operands and constants: a ones
        # vector for each label only operand k has (g is constant along it), and an identity
        # matrix tying each repeat of a label in operand k to a fresh label (the diagonal)
        arrays, inputs = ctx.saved, ctx.inputs
        grads = []
        for k, labels in enumerate(inputs):
            if not ctx.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [i for i in range(len(inputs)) if i != k]
            terms = [ctx.output] + [inputs[i] for i in others]
            operands = [g] + [ctx.input_tensor(i, arrays[i]) for i in others]
            seen = set("".join(terms))
            fresh = [c for c in string.ascii_letters if c not in seen and c not in labels]
            target = ""
            for c, n in zip(labels, arrays[k].shape):
                if c in target:
                    if not fresh:
                        raise RuntimeError("Einsum: create_graph=True needs a free label "
                                           "letter for a repeated label; all 52 are in use")
                    d = fresh.pop()
                    terms.append(c + d)
                    operands.append(constant(np.eye(n, dtype=g.dtype)))
                    target += d
                    continue
                if c not in seen:
                    terms.append(c)
                    operands.append(constant(np.ones(n, g.dtype)))
                    seen.add(c)
                target += c
            h = Einsum.apply(*operands, inputs=tuple(terms), output=target)
            own = arrays[k].shape
            if h.shape != own:   # a label of size 1 in the operands that gave h
                h = h.expand(*np.broadcast_shapes(h.shape, own))
            grads.append(h)
        return tuple(grads)


class Triangle(Function):
    """y = tril(x, k) or triu(x, k) over the last two dims;  dx = the same mask of g."""

    @staticmethod
    def forward(ctx, x, diagonal=0, upper=False):
        ctx.diagonal, ctx.upper = diagonal, upper
        return c_order((np.triu if upper else np.tril)(x, diagonal))

    @staticmethod
    def backward(ctx, g):
        return ((np.triu if ctx.upper else np.tril)(g, ctx.diagonal),)

    @staticmethod
    def backward_graph(ctx, g):
        return (Triangle.apply(g, diagonal=ctx.diagonal, upper=ctx.upper),)


def diagonal_view(x, offset, dim1, dim2):
    """The diagonal `offset` of x's (dim1, dim2) planes as a strided view, the diagonal as the
    last dim (PyTorch's layout); writable when x is (numpy's own diagonal never is)."""
    rest = [d for d in range(x.ndim) if d not in (dim1, dim2)]
    rows, cols = x.shape[dim1], x.shape[dim2]
    n = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    start = [slice(None)] * x.ndim
    if n:   # the first diagonal element (an empty diagonal may start past the end)
        start[dim2 if offset >= 0 else dim1] = slice(abs(offset), None)
    first = x[tuple(start)]
    return np.lib.stride_tricks.as_strided(
        first, [x.shape[d] for d in rest] + [n],
        [x.strides[d] for d in rest] + [x.strides[dim1] + x.strides[dim2]],
        writeable=x.flags.writeable)


class Diagonal(Function):
    """y = the diagonal of x's (dim1, dim2) planes (a view);  dx = zeros with g on it."""

    view_of_input = True  # its output shares the input's memory

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.shape, ctx.diag = x.shape, (offset, dim1, dim2)
        return diagonal_view(x, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, g):
        dx = np.zeros(ctx.shape, g.dtype)
        offset, dim1, dim2 = ctx.diag
        diagonal_view(dx, offset, dim1, dim2)[...] = g
        return (dx,)

    @staticmethod
    def backward_graph(ctx, g):
        offset, dim1, dim2 = ctx.diag
        return (DiagonalIntoZeros.apply(g, shape=ctx.shape, offset=offset, dim1=dim1,
                                        dim2=dim2),)


class DiagonalIntoZeros(Function):
    """y = zeros(shape) with v on the diagonal of its (dim1, dim2) planes: Diagonal's VJP,
    recorded (create_graph=True);  dv = the diagonal of g."""

    @staticmethod
    def forward(ctx, v, shape, offset, dim1, dim2):
        ctx.diag = (offset, dim1, dim2)
        out = np.zeros(shape, v.dtype)
        diagonal_view(out, offset, dim1, dim2)[...] = v
        return out

    @staticmethod
    def backward(ctx, g):
        return (np.array(diagonal_view(g, *ctx.diag)),)

    @staticmethod
    def backward_graph(ctx, g):
        offset, dim1, dim2 = ctx.diag
        return (Diagonal.apply(g, offset=offset, dim1=dim1, dim2=dim2),)
