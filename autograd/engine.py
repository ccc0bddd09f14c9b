"""Reverse-mode walk over the recorded graph: toposort, VJPs, unbroadcast, accumulation."""
from __future__ import annotations

import numpy as np

from . import function
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


def _toposort(root: Node) -> list:
    """Nodes reachable from root, each after every node that consumes its output (iterative DFS)."""
    order, seen = [], {id(root)}
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for p in parents:
            if p.__class__ is Node and id(p) not in seen:
                seen.add(id(p))
                stack.append((p, iter(p.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    order.reverse()
    return order


def _accumulate_leaf(leaf, g):
    dtype = leaf.data.dtype
    if leaf.grad is None:
        # always a fresh array: the same array may reach several leaves (x + y), and .grad is
        # accumulated into in place
        fresh = g.dense(dtype) if g.__class__ is IndexedGrad else np.array(g, dtype, copy=True)
        leaf.grad = leaf.__class__._wrap(fresh, False)
    elif g.__class__ is IndexedGrad:
        g.add_into(leaf.grad.data)
    else:
        leaf.grad.data = leaf.grad.data + g


def backward(tensor, grad: np.ndarray, retain_graph: bool = False):
    """Back-propagate `grad` (same shape as tensor) from tensor into every leaf's `.grad`."""
    root = tensor._node
    if root is None:
        if tensor.requires_grad:
            _accumulate_leaf(tensor, grad)
        return
    grads = {id(root): grad}
    owned = set()  # keys whose buffer the engine allocated itself, so may add into in place
    check = function.anomaly_enabled
    for node in _toposort(root):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if node.freed:
            raise RuntimeError(_FREED_MESSAGE.format(op=node.name()))
        if node.versions is not None:
            _check_versions(node)
        in_grads = node.fn.backward(node.ctx, g)
        if check:
            from .anomaly import check_backward
            check_backward(node, in_grads)
        if not retain_graph:
            node.ctx.saved = None
            node.freed = True
        for parent, ig, shape, dtype in zip(node.parents, in_grads, node.shapes, node.dtypes):
            if parent is None or ig is None:
                continue
            if parent.__class__ is not Node:
                _accumulate_leaf(parent, ig if ig.shape == shape else unbroadcast(ig, shape))
                continue
            key = id(parent)
            prev = grads.get(key)
            if ig.__class__ is IndexedGrad:
                if prev is None:
                    prev = np.zeros(shape, dtype)
                    owned.add(key)
                elif key not in owned:
                    prev = np.array(prev, copy=True)
                    owned.add(key)
                ig.add_into(prev)
                grads[key] = prev
                continue
            if ig.shape != shape:
                ig = unbroadcast(ig, shape)
            if ig.dtype != dtype:
                ig = ig.astype(dtype)
            if prev is None:
                grads[key] = ig
            elif key in owned:
                prev += ig
            else:
                grads[key] = prev + ig
                owned.add(key)


def _check_versions(node: Node):
    for t, version in node.versions:
        if t._version != version:
            raise RuntimeError(
                f"{node.name()}: a tensor of shape {tuple(t.shape)} that this op saved for "
                f"backward was modified in place after the forward pass (version {version} -> "
                f"{t._version}); its gradient would be wrong. Clone it before modifying it.")
