"""How Tensor's in-place ops are recorded (a mixin of Tensor, under tensor_inplace's methods):
the checks PyTorch makes, `t[index] = v`, and the write of a recorded op's result into the
tensor's own array or, for a view, through to the tensor it views (see views.py).

As in PyTorch, an in-place op is recorded when grad mode is on and the tensor is an op's output
or the operand requires grad: the new value's gradient flows to the old value and to the
operand, and the tensor's array is written in place, so the tensors sharing it (detach(),
from_numpy, views) see the write and the views are re-recorded. An in-place op on a view
(h[index], h.view(...), h.t(), a diagonal) writes through to h, also when h needs no grad;
refused (a clear error): writes through an expand()ed view.
"""
from __future__ import annotations

import numpy as np

from . import function, hooks, saved, views
from .dims import _numpy_message
from .ops.elementwise_more import NoDerivative
from .ops.shape import Expand, GetItem, SetItem, SetItemInPlace, SetView, _is_basic
from .tensor_operands import fill_value
from .tensor_shape import _index_arg, _spelled_out, _split_selects
from .torch_errors import ArgumentError

# tensor.py defines Tensor on top of this module's mixin, so it binds the class here once it
# exists (the code below only uses it at call time).
Tensor = None

_NUMPY_ERRORS = (ValueError, TypeError, IndexError, OverflowError)


def _kept_in_graph(op, result, old, operand):
    """The result of a recorded in-place op. One that dropped out of the graph (its op has no
    derivative: floor_divide_) is put back in, as in PyTorch, by a node whose backward
    raises: the tensor's later uses must not get a zero gradient through it unnoticed."""
    if result._node is not None or result._data.dtype.kind != "f":
        return result
    inputs = [t for t in (old, operand) if isinstance(t, Tensor) and t._requires_grad]
    if not inputs:
        return result
    return NoDerivative.apply(*inputs, value=result._data, op=op)

def _without_leading_ones(value):
    """value with its leading size-1 dims dropped, as PyTorch's setitem does: a (1,) or
    (1, 1) value fits a single element's slot."""
    shape = getattr(value, "shape", None)
    if not shape or shape[0] != 1:
        return value
    n = 0
    while n < len(shape) and shape[n] == 1:
        n += 1
    return value.reshape(shape[n:])


_NO_SLOTS = np.empty(0)   # what an in-place check sees of a write it need not check


def _overlaps_itself(a: np.ndarray) -> bool:
    """True when two elements of a share memory: a stride of 0 on an axis longer than 1."""
    return a.size > 1 and any(s == 0 and n > 1 for s, n in zip(a.strides, a.shape))

def _reraise(e, message):
    kind = IndexError if isinstance(e, IndexError) else type(e)
    # a shape that does not broadcast, a value out of range: torch's RuntimeError
    kind = ArgumentError if kind in (ValueError, OverflowError) else kind
    raise kind(f"{message}: {_numpy_message(e)}") from None

def _saves_tensor_itself(result, array):
    """When the op that made result saved result's array (exp_, sigmoid_, relu_... save their
    output), have it hold the tensor's own array instead, now a copy of it: a later write into
    the tensor (under no_grad, through .data or detach()) then makes backward raise, as in
    PyTorch, instead of leaving it with the private copy's stale values."""
    node = result._node
    if node is None or not any(a is result._data for a in node.saved):
        return
    if node._guards:
        saved._release(node._guards)
    node.saved = tuple(array if a is result._data else a for a in node.saved)
    function._watch_saved(node)


class RecordedWrites:
    """The recording machinery of Tensor's in-place methods."""

    __slots__ = ()

    def _inplace_check(self, op, written=None):
        """Refuse what PyTorch refuses; `written` is the part of self's array the op writes
        (all of it by default)."""
        if self._requires_grad and self._node is None and function.is_grad_enabled():
            raise RuntimeError(f"{op}: a leaf tensor that requires grad cannot be modified in "
                               f"place; do it under autograd.no_grad(), or on .data")
        self._no_grad_view_check(op)
        written = self._data if written is None else written
        # (fill_ writes one value everywhere: well defined on overlapping memory, as in torch)
        if 0 in written.strides and op != "fill_" and _overlaps_itself(written):
            raise RuntimeError(
                f"{op}: unsupported operation: more than one element of the written-to tensor "
                f"(shape {tuple(self.shape)}, a broadcast view such as expand() makes) refers to a "
                f"single memory location; clone() it before writing")
        self._version += 1

    def _no_grad_view_check(self, op, recorded=False):
        """Refuse, as torch does, an in-place op in grad mode on a view made in no_grad mode of
        a tensor that requires grad (or a recorded one, on a view of any tensor): whether the
        write should reach the base's graph is ambiguous (its gradient would be lost, or a
        leaf changed unnoticed)."""
        base = self._base
        if (base is not None and len(base) > 3 and function.is_grad_enabled()
                and (recorded or base[3] is function.NO_GRAD_VIEW)):
            raise RuntimeError(
                f"{op}: a view was created in no_grad mode and is being modified inplace with "
                f"grad mode enabled. Given that this use case is ambiguous and error-prone, it "
                f"is forbidden. You can clarify your code by moving both the view and the "
                f"inplace either both inside the no_grad block (if you don't want the inplace "
                f"to be tracked) or both outside (if you want the inplace to be tracked).")

    def _records(self, other) -> bool:
        return function.is_grad_enabled() and (self._node is not None or (
            isinstance(other, Tensor) and other._requires_grad))

    def _record_inplace(self, op, compute, operand=None):
        """self = compute(old self) as a recorded op, written into self's array in place
        (operand: the other input that requires grad, if any)."""
        if self._requires_grad and self._node is None:
            self._inplace_check(op)   # a leaf that requires grad: raises
        self._no_grad_view_check(op, recorded=True)
        if self._views_a_tensor():
            return self._write_through(op, compute, operand)
        old = Tensor._wrap(self._data.copy(), self._requires_grad)  # what the op saves
        old._node = self._node
        result = _kept_in_graph(op, compute(old), old, operand)
        if result.shape != self.shape:
            raise ValueError(f"{op}: the result of shape {tuple(result.shape)} cannot be written "
                             f"in place into a tensor of shape {tuple(self.shape)}")
        if result.dtype != self.dtype:
            result = result.to(self.dtype)
        self._version += 1
        with saved.writable(self._data):   # ops that saved the old values now raise
            self._data[...] = result._data
        _saves_tensor_itself(result, self._data)
        hooks.rebind(self, result._node)
        self._requires_grad = result._node is not None
        views.replay(self)   # views taken before see the new values: re-record them
        return self

    def _views_a_tensor(self) -> bool:
        """True when self is a view of another tensor, so that an in-place op on it must write
        through to that tensor. An array that is a view of something else is not enough: an
        op's output that is a view of its own temporary, or from_numpy of a numpy view, is a
        tensor of its own."""
        return self._base is not None

    def _write_through(self, op, compute, operand=None):
        """A recorded in-place op on a view v = view(h) (h[index], h.view(...), h.t(), a
        diagonal): as in PyTorch, it changes h, by a recorded h[index] = new value (SetView
        for the other view ops), and v becomes view(h) again. A view that is no longer tied
        to a live h, and an expand()ed one, are refused (a clear error, not a change lost)."""
        node = self._node
        base, fn, params = self._base[:3] if self._base is not None else (None, None, None)
        if fn is Expand:
            raise RuntimeError(
                f"{op}: unsupported operation: more than one element of the written-to tensor "
                f"(shape {tuple(self.shape)}, made by expand) refers to a single memory location; "
                f"clone() it before writing")
        if base is None or base is self or params is None:
            made = f" (made by {node.fn.__name__})" if node is not None else ""
            raise RuntimeError(
                f"{op}: in-place modification of this view of another tensor{made} is not "
                f"supported (a view reshaped in place by unsqueeze_, t_..., a tensor reshaped "
                f"in place while views of it live, a module output under a full backward "
                f"hook); write through the tensor it views or use the out-of-place op")
        old = Tensor._wrap(self._data.copy(), self._requires_grad)
        old._node = node
        result = _kept_in_graph(op, compute(old), old, operand)
        if result.shape != self.shape:
            raise ValueError(f"{op}: the result of shape {tuple(result.shape)} cannot be written "
                             f"in place into a tensor of shape {tuple(self.shape)}")
        if fn is not GetItem or not _is_basic(params["index"]):
            base._record_inplace(op, lambda whole: SetView.apply(
                whole, result, view=fn, params=params))
            fresh = fn.apply(base, **params)
            hooks.rebind(self, fresh._node)
            self._requires_grad = fresh._node is not None
            self._version += 1
            return self
        index = params["index"]
        base[index] = result
        fresh = base[index]
        self._data = fresh._data
        hooks.rebind(self, fresh._node)
        self._requires_grad = fresh._node is not None
        self._version += 1
        return self

    def __setitem__(self, index, value):
        """self[index] = value in place. When value requires grad, or self is the output of a
        recorded op, the write is recorded (SetItem): gradients flow to value at index and to
        self's old value everywhere else, as PyTorch's CopySlices does."""
        index = _spelled_out(_index_arg(index), self._data.ndim)
        parts = _split_selects(index)
        if parts is not None:   # ints first, as selects (see _split_selects): a view's write
            self[parts[0]][parts[1]] = value
            return
        value = _without_leading_ones(value)
        if self._records(value):
            value = value if isinstance(value, Tensor) else Tensor(np.asarray(value, self.dtype))
            node = self._node
            if self._data.base is None and not (node is not None and node.fn is GetItem
                                                and _is_basic(node.index)):
                self._setitem_in_place(index, value)
                return

            def compute(old):
                try:
                    return SetItem.apply(old, value, index=_index_arg(index))
                except _NUMPY_ERRORS as e:
                    _reraise(e, f"setitem: cannot assign a value of shape {tuple(value.shape)} and "
                                f"dtype {value.dtype} at index {index!r} of a tensor of shape "
                                f"{tuple(self.shape)} and dtype {self.dtype}")
            self._record_inplace("__setitem__", compute)
            return
        idx = _index_arg(index)
        value = value.data if isinstance(value, Tensor) else value
        if value.__class__ is int and self._data.dtype.kind in "iu":
            value = fill_value("setitem", value, self._data.dtype)
        try:
            # the slots a basic index writes (a numpy scalar for one element), checked for a
            # broadcast view; an advanced index writes through a copy, as torch allows
            if _is_basic(idx):
                self._inplace_check("__setitem__", self._data[idx])
            else:
                self._inplace_check("__setitem__", _NO_SLOTS)
            with saved.writable(self._data):
                self._data[idx] = value
        except _NUMPY_ERRORS as e:
            _reraise(e, f"setitem: cannot assign a value of shape {np.shape(value)} at index "
                        f"{index!r} of a tensor of shape {tuple(self.shape)} and dtype "
                        f"{self.dtype}")

    def _setitem_in_place(self, index, value):
        """A recorded self[index] = value into the array self owns (SetItemInPlace)."""
        if self._requires_grad and self._node is None:
            self._inplace_check("__setitem__")   # a leaf that requires grad: raises
        if value.dtype != self.dtype:
            value = value.to(self.dtype)
        try:
            with saved.writable(self._data):   # ops that saved the old values now raise
                result = SetItemInPlace.apply(self, value, index=_index_arg(index))
        except _NUMPY_ERRORS as e:
            _reraise(e, f"setitem: cannot assign a value of shape {tuple(value.shape)} and dtype "
                        f"{value.dtype} at index {index!r} of a tensor of shape "
                        f"{tuple(self.shape)} "
                        f"and dtype {self.dtype}")
        self._version += 1
        hooks.rebind(self, result._node)
        self._requires_grad = result._node is not None
        idx = _index_arg(index)
        region = self._data[idx] if _is_basic(idx) else None
        views.replay(self, region if region.__class__ is np.ndarray else None)
