"""Reverse-mode walk over the recorded graph: toposort, VJPs, unbroadcast, accumulation."""
from __future__ import annotations

import sys

import numpy as np

from . import function, saved, stacked
from .function import Node
from .kernels.update import add_rows_at
from .hooks import leaf_hooks, run_hooks, run_post_accumulate_hooks
from .stacked import Held, ProductGrad
from .summation import add_reduce

_FREED_MESSAGE = (
    "{op}: trying to backward through the graph a second time (or to use saved values "
    "after they were freed). Pass retain_graph=True to the first backward() call if you "
    "need to backward through the graph again.")


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum grad over the axes that broadcasting added or stretched, so it has `shape`."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    if lead > 0 and grad.shape[lead:] == shape and grad.shape[:lead] == (1,) * lead:
        return grad.reshape(shape)   # only leading 1s added (a bias of a batch-1 layer)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    return add_reduce(grad, tuple(range(lead)) + stretched, True).reshape(shape)


class IndexedGrad:
    """A gradient that is zero except at `index`, where it is `values` (the VJP of x[index]).

    The engine adds it into the parent's gradient buffer in place, so slicing a tensor at every
    time step costs the size of each slice, not of the whole tensor, per step.
    """

    __slots__ = ("index", "values", "shape", "basic")

    def __init__(self, index, values: np.ndarray, shape: tuple, basic: bool):
        self.index, self.values, self.shape, self.basic = index, values, shape, basic

    @property
    def dtype(self):
        return self.values.dtype

    def add_into(self, buf: np.ndarray):
        if self.basic:  # no element is selected twice: a plain strided add
            buf[self.index] += self.values
        elif self.index.__class__ is not np.ndarray or not add_rows_at(buf, self.index,
                                                                       self.values):
            np.add.at(buf, self.index, self.values)   # repeated indices must accumulate

    def dense(self, dtype) -> np.ndarray:
        buf = np.zeros(self.shape, dtype)
        self.add_into(buf)
        return buf


def _consumer_counts(roots) -> dict:
    """For every node reachable from the root nodes: how many recorded inputs of other
    reachable nodes it produced (iterative, so a long unrolled graph cannot hit the recursion
    limit)."""
    counts, stack = {}, []
    for r in roots:
        if r not in counts:
            counts[r] = 0
            stack.append(r)
    while stack:
        for p in stack.pop().parents:
            if p.__class__ is Node:
                if p in counts:
                    counts[p] += 1
                else:
                    counts[p] = 1
                    stack.append(p)
    return counts


# references to an in-flight gradient held by the engine itself: the VJP's result tuple, the
# loop variable, _accumulate_leaf's argument and getrefcount's own argument
_ADOPTABLE_REFS = 4


def _accumulate_leaf(leaf, g, owned=None):
    """Add g into leaf.grad. `owned` holds the ids of leaves whose .grad array this backward
    call allocated: those are added into in place, any other .grad is replaced by a sum."""
    if leaf._grad is None:   # (the slot, unchecked: g has the leaf's shape, fresh its dtype)
        dtype = leaf._data.dtype
        if g.__class__ is IndexedGrad:
            fresh = g.dense(dtype)
        elif (owned is not None and g.base is None and g.dtype == dtype and g.flags.writeable
              and g.flags.c_contiguous and sys.getrefcount(g) <= _ADOPTABLE_REFS):
            # nothing but this call refers to g (an array the VJP made for this input alone):
            # adopt it instead of copying, as a copy of a large weight gradient costs ~10%
            # of a small MLP's step
            fresh = g
        else:
            # a fresh array: the same array may reach several leaves (x + y); in C order,
            # as PyTorch's .grad of a contiguous leaf (a VJP's ufunc keeps a transposed
            # operand's order: the g * w.T of x * w.t())
            fresh = np.array(g, dtype, copy=True, order="C")
        leaf._grad = function._wrap(fresh, False)
    elif owned is not None and id(leaf) in owned:
        if g.__class__ is IndexedGrad:
            g.add_into(leaf._grad._data)
        else:
            leaf._grad._data += g
        return
    elif g.__class__ is IndexedGrad:
        g.add_into(leaf._grad.data)
    else:
        buf = leaf._grad._data
        if buf.flags.writeable and buf.base is None and buf.shape == np.shape(g):
            # in place, as torch's AccumulateGrad: a view taken of .grad (g = p.grad.numpy())
            # sees the sum. A read-only .grad (a live graph saved it) is replaced instead.
            np.add(buf, g, out=buf, casting="same_kind")
        else:
            leaf._grad.data = np.add(buf, g, dtype=buf.dtype)
    if owned is not None:
        owned.add(id(leaf))


def backward(tensor, grad: np.ndarray, retain_graph: bool = False):
    """Back-propagate `grad` (same shape as tensor) from tensor into every leaf's `.grad`."""
    if tensor._node is not None and not leaf_hooks:   # the common case, without run's setup
        on = function._mode.grad   # off during the pass, as torch's: the ops of hooks and
        if on:                     # of custom VJPs are not recorded
            function._set_mode(False)
        try:
            _walk({tensor._node: grad}, retain_graph, _accumulate_leaf, _NOTHING_WATCHED, set())
        finally:
            if on:
                function._set_mode(True)
    else:
        run([tensor], [grad], retain_graph)


_NOTHING_WATCHED = {}   # read only
_profiling = False            # a profile is recording: profiler.py sets it and binds
_profiled_backward = None     # the VJP call it times


def run(tensors, grads, retain_graph: bool = False, inputs=None):
    """See _run; grad mode is off during the pass, as in torch's (create_graph=False)."""
    with function.no_grad():
        return _run(tensors, grads, retain_graph, inputs)


def _run(tensors, grads, retain_graph: bool = False, inputs=None):
    """Back-propagate grads[k] (shaped like tensors[k]) from every tensors[k] at once.

    inputs None: every leaf reached accumulates into its `.grad`. Otherwise a list of
    tensors: returns their gradients (an ndarray, or None where none arrives) and no leaf's
    `.grad` changes. A node runs once every node that consumes its output has run (its
    consumer count reaches zero), so its gradient is complete; nodes are dict keys by identity.
    """
    wanted = None if inputs is None else {id(t): None for t in inputs if t._node is None}
    watch = {} if inputs is None else {t._node: None for t in inputs if t._node is not None}
    collected = {}  # id(leaf) -> [leaf, gradient summed over the pass], when it is held back
    accumulate = (_accumulate_leaf if wanted is None and not leaf_hooks
                  else _holding_back(wanted, collected))
    roots = {}
    for tensor, grad in zip(tensors, grads):
        node = tensor._node
        if node is None:
            if tensor._requires_grad:
                accumulate(tensor, grad, None)
        else:
            roots[node] = np.asarray(roots[node] + grad) if node in roots else grad
    owned_leaves = set()
    if roots:
        needed = None if inputs is None else _leading_to(roots, wanted, watch)
        _walk(roots, retain_graph, accumulate, watch, owned_leaves, needed)
    for key, (leaf, g) in collected.items():
        if key in leaf_hooks:
            g = run_hooks(leaf_hooks[key].hooks, g, leaf)
        if wanted is None:
            _accumulate_leaf(leaf, g, owned_leaves)
            run_post_accumulate_hooks(leaf)
        else:
            wanted[key] = g
    if inputs is None:
        return None
    return [wanted[id(t)] if t._node is None else watch[t._node] for t in inputs]


def _holding_back(wanted, collected):
    """The leaf step of a pass that holds gradients back from `.grad`: those of the wanted
    leaves (inputs given), or of the leaves with hooks (no inputs given), are summed into
    `collected`; without inputs, the other leaves accumulate as usual."""
    def accumulate(leaf, g, owned):
        key = id(leaf)
        if key in leaf_hooks if wanted is None else key in wanted:
            dtype = leaf._data.dtype
            g = g.dense(dtype) if g.__class__ is IndexedGrad else np.asarray(g, dtype)
            if key in collected:
                collected[key][1] = np.asarray(collected[key][1] + g)
            else:
                collected[key] = [leaf, g]
        elif wanted is None:
            _accumulate_leaf(leaf, g, owned)
    return accumulate


def _leading_to(roots, wanted: dict, watch: dict) -> set:
    """The nodes whose VJP leads to an input (a wanted leaf or a watched node): as PyTorch's
    autograd.grad, the others do not run (nor do module backward hooks on their paths)."""
    needed, seen = set(), set()
    stack = [(r, False) for r in roots]
    while stack:   # post-order: a node after every node below it (the graph has no cycles)
        node, below_done = stack.pop()
        if below_done:
            for p in node.parents:
                if p is None:
                    continue
                if ((p in needed or p in watch) if p.__class__ is Node else id(p) in wanted):
                    needed.add(node)
                    break
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        stack.extend((p, False) for p in node.parents
                     if p.__class__ is Node and p not in seen)
    return needed


def _walk(roots: dict, retain_graph, accumulate, watch, owned_leaves, needed=None):
    """The backward pass proper, from root nodes with their gradients (see `run`); with
    `needed`, the VJPs of the nodes outside it are skipped."""
    pending = _consumer_counts(roots)
    grads = dict(roots)
    owned = set()  # nodes whose buffer the engine allocated itself, so may add into in place
    check = function.anomaly_enabled
    ready = [r for r in roots if not pending[r]]
    held = None   # the weight gradients held back (stacked.Held), once there is one
    try:
        while ready:
            node = ready.pop()
            g = grads.pop(node, None)
            if g is not None and needed is not None and node not in needed:
                if node in watch:   # an input with nothing wanted below it: its gradient is all
                    watch[node] = _node_hooks(node, g) if node.hooks is not None else g
                g = None
            if g is None:  # no gradient reaches this node, or none is wanted below it: only
                # release its inputs
                for parent in node.parents:
                    if parent.__class__ is Node:
                        pending[parent] -= 1
                        if not pending[parent]:
                            ready.append(parent)
                continue
            if node.freed:
                raise RuntimeError(_FREED_MESSAGE.format(op=node.fn.__name__))
            if node.hooks is not None or node.fn.runs_hooks:
                if held is not None:   # user code may read or change .grad: make it whole
                    held.flush()
                if node.hooks is not None:
                    g = _node_hooks(node, g)
            if watch and node in watch:
                watch[node] = g
            if node.stamp is not None and node.stamp != saved.writes:
                _check_versions(node)
            in_grads = ig = prev = None   # the last node's gradients: held here no more
            in_grads = (node.fn.backward(node, g) if not _profiling
                        else _profiled_backward(node, g))
            del g
            parents = node.parents
            if in_grads.__class__ is not tuple or len(in_grads) != len(parents):
                in_grads = _one_per_input(node, in_grads)
            if check:
                from .anomaly import check_backward
                check_backward(node, in_grads)
            # indexing, not zip: zip's reused result tuple would hold one more reference to each
            # gradient, which _accumulate_leaf's reference count must not see
            for i, parent in enumerate(parents):
                if parent is None:
                    continue
                ig = in_grads[i]
                if parent.__class__ is not Node:   # a leaf: its gradient has its shape
                    if ig.__class__ is ProductGrad and ig.left.shape[0] <= stacked.STACK_ROWS:
                        if held is None:
                            held = Held(_taking(accumulate, owned_leaves))
                        if held.hold(parent, ig, node, i, not retain_graph):
                            continue
                    if ig is not None:
                        if ig.__class__ is ProductGrad:
                            ig = ig.dense()
                        shape = parent._data.shape
                        accumulate(parent, ig if ig.shape == shape else _fit(node, i, ig, shape),
                                   owned_leaves)
                    continue
                shape = parent.out_shape
                left = pending[parent] - 1
                pending[parent] = left
                if not left:
                    ready.append(parent)
                if ig is None:
                    continue
                if ig.__class__ is ProductGrad:
                    ig = ig.dense()
                prev = grads.get(parent)
                if ig.__class__ is IndexedGrad:
                    if prev is None:
                        prev = np.zeros(shape, parent.out_dtype)
                        owned.add(parent)
                    elif parent not in owned:
                        prev = np.array(prev, copy=True)
                        owned.add(parent)
                    ig.add_into(prev)
                    grads[parent] = prev
                    continue
                if ig.shape != shape:
                    ig = _fit(node, i, ig, shape)
                if ig.dtype != parent.out_dtype:
                    ig = ig.astype(parent.out_dtype)
                if prev is None:
                    grads[parent] = ig
                elif parent in owned:
                    prev += ig
                else:
                    prev = prev + ig
                    if prev.__class__ is not np.ndarray:  # 0-d operands give a numpy scalar,
                        prev = np.asarray(prev)            # which a later += would not update
                    grads[parent] = prev
                    owned.add(parent)
            if not retain_graph:   # after the inputs' gradients: a held product keeps its
                # node's locks (see stacked.Held). As torch, only a node that saved arrays
                # becomes unusable; one that saved none may run again.
                if node.saved:
                    if node._guards:
                        node.free()
                    else:
                        node.saved = ()
                    node.freed = True
            if held is not None and held.nbytes > stacked.STACK_BYTES:
                held.flush()
        if held is not None:
            held.flush()
    finally:
        if held is not None:
            held.close()


def _taking(accumulate, owned_leaves):
    """The leaf step for stacked.Held: a made product, checked against the leaf's shape."""
    def take(leaf, g, i, node):
        shape = leaf._data.shape
        accumulate(leaf, g if g.shape == shape else _fit(node, i, g, shape), owned_leaves)
    return take


def _fit(node, i, g, shape: tuple) -> np.ndarray:
    """unbroadcast(g, shape), or a clear error when g cannot be the gradient of a broadcast
    input of that shape (a custom Function's backward returned a wrong shape)."""
    if g.__class__ is IndexedGrad:   # made for the input's shape at forward: a leaf's array
        raise RuntimeError(         # was replaced (t.data = ...) by one of another shape
            f"{node.fn.__name__}: the gradient of input {i} has shape {tuple(g.shape)}, but that "
            f"tensor now has shape {tuple(shape)} (its .data was replaced after the forward pass)")
    lead = len(g.shape) - len(shape)
    try:   # leading 1s alone always fit (and need no check: the common batch-1 case)
        ok = (lead > 0 and g.shape[lead:] == shape and g.shape[:lead] == (1,) * lead
              or np.broadcast_shapes(g.shape, shape) == g.shape)
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"{node.fn.__name__}.backward returned a gradient of shape "
                           f"{tuple(g.shape)} for input {i} of shape {tuple(shape)}")
    return unbroadcast(g, shape)


def _one_per_input(node, grads) -> tuple:
    """backward's result as one entry per input. A bare array stands for a one-entry tuple;
    missing trailing entries are None, unless such an input requires grad (PyTorch raises
    then, instead of leaving that input without a gradient); extra entries must be None."""
    if grads is None or isinstance(grads, (np.ndarray, IndexedGrad, ProductGrad)):
        grads = (grads,)
    grads, n, parents = tuple(grads), len(grads), node.parents
    if n < len(parents):
        missing = [i for i in range(n, len(parents)) if parents[i] is not None]
        if missing:
            raise RuntimeError(
                f"{node.fn.__name__}.backward returned {n} gradient{'s' if n != 1 else ''} for "
                f"{len(parents)} inputs; input {missing[0]} requires grad (return one entry "
                f"per tensor input, None for those that need no gradient)")
        return grads + (None,) * (len(parents) - n)
    if any(g is not None for g in grads[len(parents):]):
        raise RuntimeError(
            f"{node.fn.__name__}.backward returned {n} gradients for {len(parents)} inputs")
    return grads[:len(parents)]


def _node_hooks(node, g: np.ndarray) -> np.ndarray:
    """Run the hooks registered on a node's output, then fill its .grad if it retains it."""
    if node.hooks:
        g = run_hooks(node.hooks, g, None)
    if node.retains is not None:
        t = node.retains()
        if t is not None:  # the output is alive: keep a copy (the engine may reuse g)
            t.grad = function._wrap(np.array(g, copy=True) if t._grad is None
                                    else np.asarray(t._grad._data + g), False)
    return g


def _check_versions(node: Node):
    for g in node._guards:
        if g._version > node.stamp:
            raise RuntimeError(
                f"{node.fn.__name__}: a tensor of shape {tuple(g.shape)} that this op saved for "
                f"backward was modified in place after the forward pass; its gradient would be "
                f"wrong. Clone it before modifying it.")
