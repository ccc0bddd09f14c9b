"""Weight gradients held back during a backward pass and stacked into one product.

An unrolled RNN multiplies by the same weight at every step, so W's gradient is a sum of one
small product x_t^T @ g_t per step. MatMul, Linear and the fused recurrent ops (a cell run step
by step) hand that product to the engine unmade (`ProductGrad`) when several live ops hold W
(`saved.held_by_several`); the engine holds back those that reach a leaf and
multiplies them as one (P, sum M) @ (sum M, Q) product, where OpenBLAS takes about half the
time of one product per step of M = 32 rows (plus a running sum).

While a product is held, its arrays stay locked as the op saved them (a write straight into
one fails), and a write through the API (Tensor.add_, an optimizer step, ...) first makes
every held product (`saved.before_write`), as do the tensor and module hooks (the engine
flushes before running them): the gradient is always that of the arrays as the forward pass
saw them, and a hook sees .grad as if each product had been made when its op ran.
"""
from __future__ import annotations

import math

import numpy as np

from . import saved

# stacking pays for products of few rows; a larger one is multiplied where it arrives, and the
# held products are made once their arrays reach this size in a pass (bounds the memory held)
STACK_ROWS = 512
STACK_BYTES = 16 << 20


class ProductGrad:
    """The gradient left^T @ right of W in x @ W (left: x's rows (M, P), right: the output
    gradient's rows (M, Q)), not multiplied yet. A non-leaf input gets it multiplied at once."""

    __slots__ = ("left", "right")

    def __init__(self, left: np.ndarray, right: np.ndarray):
        self.left, self.right = left, right

    @classmethod
    def of_rows(cls, left: np.ndarray, right: np.ndarray) -> "ProductGrad":
        """From batched operands (..., P) and (..., Q): their rows, stacked."""
        rows = math.prod(left.shape[:-1])
        return cls(left.reshape(rows, left.shape[-1]), right.reshape(rows, right.shape[-1]))

    @property
    def shape(self):
        return self.left.shape[1], self.right.shape[1]

    def dense(self) -> np.ndarray:
        return np.matmul(self.left.T, self.right)


class Held:
    """The ProductGrads one backward pass holds back, by leaf. `accumulate(leaf, g, i, node)`
    takes each leaf's product once made (node, i: the first op that sent one, for errors)."""

    def __init__(self, accumulate):
        self.accumulate = accumulate
        self.stacks = {}      # id(leaf) -> [leaf, node, i, lefts, rights]
        self.guards = []      # the locks of the ops whose products are held
        self.nbytes = 0
        saved.before_write.append(self.flush)

    def hold(self, leaf, ig: ProductGrad, node, i, take_locks=True) -> bool:
        """Hold ig back for leaf (False: not held, as the leaf's .data changed shape between
        the products); take_locks: keep node's saved arrays locked until the product is made
        (False when the node keeps them itself: retain_graph). The engine flushes when a
        node's products are all held and `nbytes` is over STACK_BYTES, so that a node's
        locks are never released while one of its products waits."""
        entry = self.stacks.get(id(leaf))
        if entry is None:
            entry = self.stacks[id(leaf)] = [leaf, node, i, [], []]
        elif (entry[3][0].shape[1:] != ig.left.shape[1:]
              or entry[4][0].shape[1:] != ig.right.shape[1:]):
            return False
        if take_locks and node._guards:
            self.guards.append(node._guards)
            node._guards = None
        entry[3].append(ig.left)
        entry[4].append(ig.right)
        self.nbytes += ig.left.nbytes + ig.right.nbytes
        return True

    def flush(self):
        """Make every held product and pass it on: at the end of the pass, when the held
        arrays pass STACK_BYTES, before a write through the API and before user hooks run
        (which may read or change .grad)."""
        stacks, guards = self.stacks, self.guards
        self.stacks, self.guards, self.nbytes = {}, [], 0
        try:
            for leaf, node, i, lefts, rights in stacks.values():
                if len(lefts) == 1:
                    g = np.matmul(lefts[0].T, rights[0])
                else:
                    g = np.matmul(np.concatenate(lefts).T, np.concatenate(rights))
                lefts.clear()
                rights.clear()
                self.accumulate(leaf, g, i, node)
        finally:
            for gs in guards:
                saved._release(gs)

    def close(self):
        """End of the pass (or an error in it): release whatever is still held."""
        saved.before_write.remove(self.flush)
        guards, self.stacks, self.guards = self.guards, {}, []
        for gs in guards:
            saved._release(gs)
