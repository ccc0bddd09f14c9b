"""Backward passes that are themselves recorded (create_graph=True): gradients of gradients.

An op that supports them has, beside its `backward` (ndarrays in, ndarrays out, the fast path
of every ordinary backward pass), a `backward_graph(ctx, grad)`: the same VJP written with
Tensor ops. It reads the arrays forward saved as Tensors of the graph (`ctx.input_tensor(i,
array)`, `ctx.output_tensor(array)`), so the gradients it returns are recorded, and a second
backward pass through them reaches the inputs both through the gradient and through those
saved values:

    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    (g,) = autograd.grad((x ** 3).sum(), x, create_graph=True)    # 3 x^2, with a graph
    g.sum().backward()                                             # x.grad = 6 x

The walk below is the engine's (engine._walk) with Tensors for gradients, and without its
in-place buffers and stacked products: it runs only for create_graph=True. An op without a
`backward_graph` raises, naming itself, rather than giving a gradient that is silently
cut from the graph.
"""
from __future__ import annotations

import numpy as np

from . import engine, function, saved
from .function import Node, constant
from .hooks import leaf_hooks, run_post_accumulate_hooks


def run(tensors, grads, retain_graph: bool, inputs=None):
    """engine.run with recorded VJPs: grads[k] is a Tensor shaped like tensors[k]. Without
    inputs, every leaf reached gets (or adds to) a `.grad` that is a Tensor with a graph;
    with inputs, returns their gradients (Tensors, None where none arrives)."""
    wanted = None if inputs is None else {id(t): None for t in inputs if t._node is None}
    watch = {} if inputs is None else {t._node: None for t in inputs if t._node is not None}
    collected = {}   # id(leaf) -> [leaf, its gradient summed over the pass]

    def deliver(leaf, g):
        key = id(leaf)
        if wanted is not None and key not in wanted:
            return
        if key in collected:
            collected[key][1] = collected[key][1] + g
        else:
            collected[key] = [leaf, g]

    roots = {}
    with function.enable_grad():
        for tensor, g in zip(tensors, grads):
            node = tensor._node
            if node is None:
                if tensor._requires_grad:
                    deliver(tensor, g)
            else:
                roots[node] = roots[node] + g if node in roots else g
        if roots:
            needed = None if inputs is None else engine._leading_to(roots, wanted, watch)
            _walk(roots, retain_graph, deliver, watch, needed)
        for key, (leaf, g) in collected.items():   # a leaf's hooks see its whole gradient once
            entry = leaf_hooks.get(key)
            if entry is not None:
                g = _run_hooks(entry.hooks, g)
            if wanted is None:
                _into_grad(leaf, g)
                run_post_accumulate_hooks(leaf)
            else:
                wanted[key] = g
    if inputs is None:
        return None
    return [wanted[id(t)] if t._node is None else watch[t._node] for t in inputs]


def _walk(roots: dict, retain_graph, deliver, watch, needed):
    pending = engine._consumer_counts(roots)
    grads = dict(roots)
    ready = [r for r in roots if not pending[r]]
    while ready:
        node = ready.pop()
        g = grads.pop(node, None)
        if g is not None and needed is not None and node not in needed:
            if node in watch:
                watch[node] = _node_hooks(node, g)
            g = None
        if g is None:
            for parent in node.parents:
                if parent.__class__ is Node:
                    pending[parent] -= 1
                    if not pending[parent]:
                        ready.append(parent)
            continue
        if node.freed:
            raise RuntimeError(engine._FREED_MESSAGE.format(op=node.fn.__name__))
        g = _node_hooks(node, g)
        if node in watch:
            watch[node] = g
        if node.stamp is not None and node.stamp != saved.writes:
            engine._check_versions(node)
        vjp = getattr(node.fn, "backward_graph", None)
        if vjp is None:
            raise RuntimeError(
                f"{node.fn.__name__}: create_graph=True is not supported by this op: its backward "
                f"works on arrays and cannot be recorded, so its gradient could not be "
                f"differentiated again (see autograd/graph_backward.py for the ops that can)")
        in_grads = vjp(node, g) if not engine._profiling else engine._profiled_backward(
            node, g, vjp)
        if in_grads.__class__ is not tuple:   # a list, or one Tensor for a one-input op
            in_grads = tuple(in_grads) if isinstance(in_grads, list) else (in_grads,)
        in_grads += (None,) * (len(node.parents) - len(in_grads))
        for parent, ig in zip(node.parents, in_grads):
            if parent is None:
                continue
            if parent.__class__ is not Node:
                if ig is not None:
                    deliver(parent, _fit(node, ig, parent._data.shape, parent._data.dtype))
                continue
            pending[parent] -= 1
            if not pending[parent]:
                ready.append(parent)
            if ig is None:
                continue
            ig = _fit(node, ig, parent.out_shape, parent.out_dtype)
            grads[parent] = grads[parent] + ig if parent in grads else ig
        if not retain_graph and node.saved:   # as torch: only a node that saved arrays
            node.free()                          # cannot run again
            node.freed = True


def _fit(node, g, shape: tuple, dtype):
    """g summed down to `shape` (the engine's unbroadcast, recorded) and cast to dtype."""
    if g.shape != shape:
        g = _sum_to(node, g, shape)
    if g.dtype != dtype:
        g = g.to(dtype)
    return g


def _sum_to(node, g, shape: tuple):
    """engine.unbroadcast with Tensor ops: sum the axes broadcasting added or stretched."""
    try:
        ok = np.broadcast_shapes(g.shape, shape) == g.shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"{node.fn.__name__}.backward_graph returned a gradient of shape "
                           f"{tuple(g.shape)} for an input of shape {tuple(shape)}")
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and g.shape[lead + i] != 1)
    if axes:
        g = g.sum(dim=axes, keepdim=True)
    return g.reshape(shape)


def _run_hooks(hooks, g):
    """Each hook sees the previous one's result (a Tensor) and may return a replacement of
    the same shape, as the ordinary pass's hooks.run_hooks."""
    from .tensor import Tensor
    for h in list(hooks):
        out = h.fn(g)
        if out is None:
            continue
        if not isinstance(out, Tensor):
            out = constant(np.asarray(out, g.dtype))
        if tuple(out.shape) != tuple(g.shape):
            name = getattr(h.fn, "__name__", type(h.fn).__name__)
            raise RuntimeError(f"hook {name!r} returned a gradient of shape {tuple(out.shape)} "
                               f"for a tensor of shape {tuple(g.shape)}")
        g = out if out.dtype == g.dtype else out.to(g.dtype)
    return g


def _node_hooks(node, g):
    """Hooks on a node's output, given and returning Tensors; a retained .grad gets its own
    copy (the flowing gradient may be shared with other tensors' gradients)."""
    if node.hooks:
        g = _run_hooks(node.hooks, g)
    if node.retains is not None:
        t = node.retains()
        if t is not None:
            t.grad = _own(g) if t.grad is None else t.grad + g
    return g


def _own(g):
    from .tensor import Clone
    return Clone.apply(g)


def _into_grad(leaf, g):
    """Add g into leaf.grad out of place, as torch does under create_graph: .grad becomes a
    Tensor with a graph (a clone, so that two leaves never share one gradient Tensor)."""
    leaf.grad = _own(g) if leaf.grad is None else leaf.grad + g


def connected_constant(ctx, values, *inputs):
    """values (a 0/1 mask, a sign: constant in the inputs almost everywhere) for a recorded
    VJP, as a Tensor that depends on the given inputs ((index, saved array) pairs) with a
    zero derivative: a later gradient then reaches those inputs as zeros, as torch's does
    through threshold_backward & co., instead of finding them unused."""
    live = [ctx.input_tensor(i, a) for i, a in inputs if ctx.parents[i] is not None]
    if not live:
        return constant(values)
    from .ops.unary_more import ZeroGrad
    return ZeroGrad.apply(*live, values=values)


def linked_to_input(ctx, t, i=0):
    """t, a recorded VJP that is constant in input i (an average, a max-pool scatter) and
    has its shape, as a Tensor that also depends on input i with a zero derivative, as
    torch's avg_pool2d_backward & co. (`self: zeros_like(self)`): a second gradient then
    reaches the input as zeros instead of finding it unused. Forward need not have saved
    the input: a zero-stride stand-in carries the link (ZeroGrad reads only its dtype)."""
    if ctx.parents[i] is None:
        return t
    shape = tuple(t.shape)
    stand_in = np.broadcast_to(np.zeros((), t.dtype), shape)
    return t * connected_constant(ctx, np.ones(shape, t.dtype), (i, stand_in))


def by_recomputing(ctx, g, composed, arrays, **params):
    """backward_graph of a fused op that has a composed twin: composed(*inputs, **params) is
    run again with recorded ops, on the values forward saw (`arrays`, one per input), and
    its VJP taken by a recorded pass. Each input enters through a Clone, where that pass
    stops: what comes out is the op's own partial derivatives, recorded back to its inputs."""
    from .tensor import Clone
    ins = [ctx.input_tensor(i, a) if ctx.parents[i] is None
           else Clone.apply(ctx.input_tensor(i, a)) for i, a in enumerate(arrays)]
    with function.enable_grad():
        out = composed(*ins, **params)
    live = [t for i, t in enumerate(ins) if ctx.parents[i] is not None]
    found = iter(run([out], [g], True, inputs=live))
    return tuple(next(found) if p is not None else None for p in ctx.parents)


def seed(array_or_tensor):
    """A seed gradient as a Tensor: a Tensor is kept as it is (its graph too), as in torch."""
    from .tensor import Tensor
    if isinstance(array_or_tensor, Tensor):
        return array_or_tensor
    return constant(array_or_tensor)
