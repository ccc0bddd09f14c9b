"""What `Tensor.data` returns: the tensor's memory as a numpy array (a view of it, outside the
graph) that also answers PyTorch's tensor methods, as torch's `t.data` is a tensor outside the
graph: `p.data.normal_(0, 0.02)`, `p.data.zero_()`, `p.data.clamp_(-c, c)`,
`x.data.cpu().numpy()`, `out.data.max(1)[1]`, `t.data.topk(1)`.

It is an ndarray, so numpy code keeps working on it; ufunc results are DataViews too (as
torch's `t.data - 1` is a tensor), so `(out.data - m).max(1)[0]` is PyTorch's max over dim 1. A name
numpy's arrays do not have goes to a Tensor over the same memory (so in-place methods write
through, and a write into an array a live graph saved makes that graph's backward raise, as
any in-place op does; a numpy-style write into such an array, `p.data -= x` or `p.data[0] = v`,
is refused at once with an error that says why).

Where a name means different things in numpy and PyTorch, a call PyTorch's way gets PyTorch's
meaning, since ported code calls it so (`w.data.std()`, `w.data.size(1)`): numpy's is kept
only when the call can only be numpy's (a numpy keyword such as axis=, ddof=, kind=, order=).
  - std, var: torch's (unbiased, dim=, keepdim=, correction=); numpy's with axis=/ddof=/...
  - sort: torch's (values, indices), leaving the memory as it is (numpy's sorts in place);
    numpy's with axis=/kind=/order=. argsort: torch's with descending= or dim=.
  - view(*shape): torch's; numpy's with a dtype. flatten(start, end): torch's; numpy's with
    an order (or none: the same either way). squeeze(dim): torch's (a no-op on a dim that is
    not 1); numpy's with axis= (or none).
    transpose(d0, d1): torch's swap of two dims; numpy's with any other arguments.
  - max/min/sum/mean/prod/all/any/argmax/argmin/cumsum/cumprod with dim= or keepdim=, and
    max/min over a dim given positionally: torch's (max/min give (values, indices)).
  - size: numpy's count of elements, as an int that can also be called as torch's size(dim).
It prints as torch prints `t.data`: `tensor([...])`.
"""
from __future__ import annotations

import numpy as np

from . import dtypes


class DataView(np.ndarray):
    """An ndarray view of a tensor's memory with PyTorch's tensor methods besides."""

    def __array_wrap__(self, obj, context=None, return_scalar=False):
        if return_scalar:
            return obj[()]
        return obj if type(obj) is DataView else obj.view(DataView)

    def _tensor(self):
        from .tensor import Tensor
        return Tensor._wrap(self.view(np.ndarray), False)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._tensor(), name)

    def __repr__(self):
        # printed as torch prints t.data: a tensor outside the graph (numpy's print is one
        # .numpy() away)
        return repr(self._tensor())

    __str__ = __repr__

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

    @property
    def size(self):
        return _Size(np.ndarray.size.__get__(self), self.shape)

    def view(self, *args, **kwargs):
        if not args or "dtype" in kwargs or "type" in kwargs or (
                len(args) == 1 and (isinstance(args[0], (np.dtype, dtypes.dtype, str)) or
                                    isinstance(args[0], type))):
            return np.ndarray.view(self, *args, **kwargs)
        return self._tensor().view(*args, **kwargs)

    def flatten(self, *args, **kwargs):
        if not (args or kwargs) or "order" in kwargs or (args and isinstance(args[0], str)):
            return np.ndarray.flatten(self, *args, **kwargs)
        return self._tensor().flatten(*args, **kwargs)

    def squeeze(self, *args, **kwargs):
        if (args or "dim" in kwargs) and "axis" not in kwargs:   # torch's: 1-dims only
            return self._tensor().squeeze(*args, **kwargs)
        return np.ndarray.squeeze(self, *args, **kwargs)

    def transpose(self, *args):
        if len(args) == 2 and all(isinstance(a, (int, np.integer)) for a in args):
            return self._tensor().transpose(*args)
        return np.ndarray.transpose(self, *args)


class _Size(int):
    """DataView.size: numpy's element count (an int), also callable as torch's size()."""

    def __new__(cls, count, shape):
        self = super().__new__(cls, count)
        self.shape = shape
        return self

    def __call__(self, dim=None):
        from .compat import Size
        return Size(self.shape) if dim is None else self.shape[dim]


def _preferring_torch(name, numpy_keywords, torch_keywords=()):
    """A DataView method that is torch's unless the call has one of numpy's keywords (see the
    module docstring); with torch_keywords only a call that has one of those is torch's."""
    numpy_method = getattr(np.ndarray, name)

    def method(self, *args, **kwargs):
        if any(k in kwargs for k in numpy_keywords) or (
                torch_keywords and not any(k in kwargs for k in torch_keywords)):
            return numpy_method(self, *args, **kwargs)
        return getattr(self._tensor(), name)(*args, **kwargs)
    method.__name__ = name
    return method


_NUMPY_REDUCTION = ("axis", "dtype", "out", "keepdims", "where", "initial", "ddof")
for _name in ("std", "var"):
    setattr(DataView, _name, _preferring_torch(_name, _NUMPY_REDUCTION))
setattr(DataView, "sort", _preferring_torch("sort", ("axis", "kind", "order")))
setattr(DataView, "argsort", _preferring_torch("argsort", (), ("dim", "descending", "stable")))
for _name in ("sum", "mean", "prod", "all", "any", "argmax", "argmin", "cumsum", "cumprod"):
    setattr(DataView, _name, _preferring_torch(_name, (), ("dim", "keepdim")))


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
                f"tensor.data {name}: this memory (shape {tuple(self.shape)}, dtype {self.dtype}) "
                f"is read-only while a recorded graph that saved it for backward is alive (a "
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
