"""einsum (its VJPs are einsums too) and the triangular masks tril / triu."""
import numpy as np

from ..function import Function


class Einsum(Function):
    """y = einsum(inputs -> output) over explicit labels (no ellipsis, no implicit output);
    d operand_k = einsum(g and the other operands -> operand_k's labels): broadcast over
    the labels only operand_k has, written onto its diagonal where a label repeats in it."""

    @staticmethod
    def forward(ctx, *arrays, inputs, output):
        ctx.save_for_backward(*arrays)
        ctx.inputs, ctx.output = inputs, output
        spec = ",".join(inputs) + "->" + output
        return np.asarray(np.einsum(spec, *arrays, optimize=len(arrays) > 1))

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


class Triangle(Function):
    """y = tril(x, k) or triu(x, k) over the last two dims;  dx = the same mask of g."""

    @staticmethod
    def forward(ctx, x, diagonal=0, upper=False):
        ctx.diagonal, ctx.upper = diagonal, upper
        return (np.triu if upper else np.tril)(x, diagonal)

    @staticmethod
    def backward(ctx, g):
        return ((np.triu if ctx.upper else np.tril)(g, ctx.diagonal),)
