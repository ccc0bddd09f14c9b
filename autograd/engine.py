"""Reverse-mode walk over the recorded graph: toposort, VJPs, unbroadcast, accumulation."""
from __future__ import annotations

import sys

import numpy as np

from . import function, saved
from .function import Node

_FREED_MESSAGE = (
    "{op}: trying to backward through the graph a second time (or to use saved values "
    "after they were freed). Pass retain_graph=True to the first backward() call if you "
    "need to backward through the graph again.")


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum grad over the axes that broadcasting added or stretched, so it has `shape`."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    return grad.sum(axis=tuple(range(lead)) + stretched, keepdims=True).reshape(shape)


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
        else:  # repeated indices must accumulate
            np.add.at(buf, self.index, self.values)

    def dense(self, dtype) -> np.ndarray:
        buf = np.zeros(self.shape, dtype)
        self.add_into(buf)
        return buf


def _consumer_counts(root: Node) -> dict:
    """For every node reachable from root: how many recorded inputs of other reachable nodes it
    produced (iterative, so a long unrolled graph cannot hit the recursion limit)."""
    counts, stack = {root: 0}, [root]
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
    if leaf.grad is None:
        dtype = leaf._data.dtype
        if g.__class__ is IndexedGrad:
            fresh = g.dense(dtype)
        elif (owned is not None and g.base is None and g.dtype == dtype and g.flags.writeable
              and sys.getrefcount(g) <= _ADOPTABLE_REFS):
            # nothing but this call refers to g (an array the VJP made for this input alone):
            # adopt it instead of copying, as a copy of a large weight gradient costs ~10%
            # of a small MLP's step
            fresh = g
        else:
            # a fresh array: the same array may reach several leaves (x + y)
            fresh = np.array(g, dtype, copy=True, order="C")
        leaf.grad = leaf.__class__._wrap(fresh, False)
    elif owned is not None and id(leaf) in owned:
        if g.__class__ is IndexedGrad:
            g.add_into(leaf.grad._data)
        else:
            leaf.grad._data += g
        return
    elif g.__class__ is IndexedGrad:
        g.add_into(leaf.grad.data)
    else:
        leaf.grad.data = leaf.grad.data + g
    if owned is not None:
        owned.add(id(leaf))


def backward(tensor, grad: np.ndarray, retain_graph: bool = False):
    """Back-propagate `grad` (same shape as tensor) from tensor into every leaf's `.grad`.

    A node runs once every node that consumes its output has run (its consumer count reaches
    zero), so its gradient is complete; nodes are dict keys by identity.
    """
    root = tensor._node
    if root is None:
        if tensor.requires_grad:
            _accumulate_leaf(tensor, grad)
        return
    pending = _consumer_counts(root)
    grads = {root: grad}
    owned = set()  # nodes whose buffer the engine allocated itself, so may add into in place
    owned_leaves = set()
    check = function.anomaly_enabled
    ready = [root]
    while ready:
        node = ready.pop()
        g = grads.pop(node, None)
        if g is None:  # no gradient reaches this node: only release its inputs
            for parent in node.parents:
                if parent.__class__ is Node:
                    pending[parent] -= 1
                    if not pending[parent]:
                        ready.append(parent)
            continue
        if node.freed:
            raise RuntimeError(_FREED_MESSAGE.format(op=node.name()))
        if node.stamp is not None and node.stamp != saved.writes:
            _check_versions(node)
        in_grads = node.fn.backward(node, g)
        del g
        if check:
            from .anomaly import check_backward
            check_backward(node, in_grads)
        if not retain_graph:
            node.saved = None
            node.freed = True
        parents = node.parents
        if len(in_grads) < len(parents):  # inputs without an entry receive no gradient
            in_grads = tuple(in_grads) + (None,) * (len(parents) - len(in_grads))
        shapes = node.shapes
        # indexing, not zip: zip's reused result tuple would hold one more reference to each
        # gradient, which _accumulate_leaf's reference count must not see
        for i, parent in enumerate(parents):
            if parent is None:
                continue
            ig, shape = in_grads[i], shapes[i]
            if parent.__class__ is not Node:
                if ig is not None:
                    _accumulate_leaf(parent, ig if ig.shape == shape else unbroadcast(ig, shape),
                                     owned_leaves)
                continue
            left = pending[parent] - 1
            pending[parent] = left
            if not left:
                ready.append(parent)
            if ig is None:
                continue
            prev = grads.get(parent)
            if ig.__class__ is IndexedGrad:
                if prev is None:
                    prev = np.zeros(shape, node.dtypes[i])
                    owned.add(parent)
                elif parent not in owned:
                    prev = np.array(prev, copy=True)
                    owned.add(parent)
                ig.add_into(prev)
                grads[parent] = prev
                continue
            if ig.shape != shape:
                ig = unbroadcast(ig, shape)
            if ig.dtype != node.dtypes[i]:
                ig = ig.astype(node.dtypes[i])
            if prev is None:
                grads[parent] = ig
            elif parent in owned:
                prev += ig
            else:
                grads[parent] = prev + ig
                owned.add(parent)


def _check_versions(node: Node):
    for g in node._guards:
        if g._version > node.stamp:
            raise RuntimeError(
                f"{node.name()}: a tensor of shape {tuple(g.shape)} that this op saved for "
                f"backward was modified in place after the forward pass; its gradient would be "
                f"wrong. Clone it before modifying it.")
