"""What `Tensor.data` returns: the tensor's memory as a numpy array (a view of it, outside the
graph) that also answers PyTorch's tensor methods, as torch's `t.data` is a tensor outside the
graph: `p.data.normal_(0, 0.02)`, `p.data.zero_()`, `p.data.clamp_(-c, c)`,
`x.data.cpu().numpy()`, `out.data.max(1)[1]`, `t.data.topk(1)`.

It is an ndarray, so numpy code keeps working on it; ufunc results are plain ndarrays. A name
numpy's arrays do not have goes to a Tensor over the same memory (so in-place methods write
through, and a write into an array a live graph saved makes that graph's backward raise, as
any in-place op does; a numpy-style write into such an array, `p.data -= x` or `p.data[0] = v`,
is refused at once with an error that says why). max/min called PyTorch's way (a dim, or
keepdim=) give PyTorch's (values, indices); numpy's `size` stays an attribute (use `t.size(0)`
or `t.shape[0]`).
"""
from __future__ import annotations

import numpy as np


class DataView(np.ndarray):
    """An ndarray view of a tensor's memory with PyTorch's tensor methods besides."""

    def __array_wrap__(self, obj, context=None, return_scalar=False):
        if return_scalar:
            return obj[()]
        return obj if type(obj) is np.ndarray else obj.view(np.ndarray)

    def _tensor(self):
        from .tensor import Tensor
        return Tensor._wrap(self.view(np.ndarray), False)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._tensor(), name)

    def numpy(self, force=False):
        return self.view(np.ndarray)

    def cpu(self):
        return self

    def max(self, *args, **kwargs):
        if _torch_style(args, kwargs):
            return self._tensor().max(*args, **kwargs)
        return np.ndarray.max(self, *args, **kwargs)

    def min(self, *args, **kwargs):
        if _torch_style(args, kwargs):
            return self._tensor().min(*args, **kwargs)
        return np.ndarray.min(self, *args, **kwargs)


def _held_by_a_graph(view) -> bool:
    """Whether a live recorded graph saved the memory of `view` (or an array it views)."""
    from .saved import _chain, _guards
    return any(id(a) in _guards for a in _chain(view.base))


def _explained(name, method):
    """method (an ndarray write: x[i] = v, x -= y) with numpy's bare "read-only" error, when a
    live graph holds the memory, replaced by one that says why."""
    def write(self, *args):
        try:
            return method(self, *args)
        except ValueError as e:
            if self.flags.writeable or "read-only" not in str(e) or not _held_by_a_graph(self):
                raise
            raise ValueError(
                f"tensor.data {name}: this memory (shape {self.shape}, dtype {self.dtype}) is "
                f"read-only while a recorded graph that saved it for backward is alive (a "
                f"forward whose backward has not run yet, or whose outputs are still held); "
                f"writing it now would make that backward wrong. Write after backward or once "
                f"the outputs are dropped, or with the tensor's in-place methods under no_grad "
                f"(p.data.sub_(...)), which make that graph's backward raise instead") from None
    return write


_WRITES = {"__setitem__": "[...] =", "__iadd__": "+=", "__isub__": "-=", "__imul__": "*=",
           "__itruediv__": "/=", "__ifloordiv__": "//=", "__imod__": "%=", "__ipow__": "**=",
           "__imatmul__": "@=", "__iand__": "&=", "__ior__": "|=", "__ixor__": "^=",
           "__ilshift__": "<<=", "__irshift__": ">>="}
for _name, _symbol in _WRITES.items():
    setattr(DataView, _name, _explained(_symbol, getattr(np.ndarray, _name)))


def _torch_style(args, kwargs) -> bool:
    """max(1), max(1, True), max(dim=1), max(1, keepdim=True): PyTorch's reduction over a dim
    returning (values, indices); anything else is numpy's max."""
    if "dim" in kwargs or "keepdim" in kwargs:
        return True
    return (len(args) in (1, 2) and isinstance(args[0], (int, np.integer))
            and not isinstance(args[0], bool)
            and (len(args) == 1 or isinstance(args[1], bool)) and not kwargs)
