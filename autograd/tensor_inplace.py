"""Tensor's in-place methods (a mixin of Tensor): add_, sub_, mul_, div_ and the operators
+=, -=, *=, /= (//=, %=, **=, &=, |=, ^=, <<=, >>= are in tensor_pointwise.py), t[index] = v,
fill_, zero_, copy_, clamp_, masked_fill_, scatter_, scatter_add_, and the random fills
uniform_, normal_, exponential_. As in PyTorch, a result that the tensor's dtype cannot hold
(a float in an integer tensor, an integer in a bool one) is refused (check_cast), and integer
arithmetic wraps around (u8 += -1 turns 0 into 255).

As in PyTorch, an in-place op is recorded when grad mode is on and the tensor is an op's output
or the operand requires grad: the new value's gradient flows to the old value and to the
operand, and the tensor's array is written in place, so the tensors sharing it (detach(),
from_numpy, views) see the write and the views are re-recorded (views.py). An in-place op on
a view (h[index], h.view(...), h.t(), a diagonal) writes through to h, also when h needs no
grad; refused (a clear error): writes through an expand()ed view. Outside a recorded graph it
is a plain write. Either way, backward through an op that saved the old values raises.
"""
from __future__ import annotations

import numpy as np

from . import function, hooks, saved, views
from .dims import _numpy_message
from .dtypes import _result_dtype
from .function import is_grad_enabled, no_grad
from .generator import pick
from .kernels import update
from .ops.elementwise_more import NoDerivative
from .ops.shape import Expand, GetItem, Reshape, SetItem, SetItemInPlace, SetView, _is_basic
from .tensor_math import bool_sub, fill_value, int_bound, mask_arg, no_bool_bounds
from .tensor_shape import _index_arg, _spelled_out, _split_selects

# tensor.py defines Tensor on top of this module's mixin, so it binds the class here once it
# exists (the code below only uses it at call time).
Tensor = None

_NUMPY_ERRORS = (ValueError, TypeError, IndexError, OverflowError)
# view ops whose output, when it shares memory at all, views their first input: forward
# registered it as a view then (Function.apply), so an output it did not register is a copy
# (x[:, [0, 2]], a reshape that had to copy), a tensor of its own for in-place ops
_VIEWS_OF_FIRST_INPUT = (GetItem, Reshape)


def _axpy_(d: np.ndarray, alpha, o, ufunc):
    """d = ufunc(d, alpha * o) in place (np.add or np.subtract): one fused pass for a
    same-shape float array (an optimizer-style update), numpy's broadcasting path otherwise."""
    if (o.__class__ is np.ndarray
            and update.axpy_(d, alpha if ufunc is np.add else -alpha, o)):
        return
    if isinstance(o, (list, tuple)):  # [1, 2] * alpha would repeat the list
        o = np.asarray(o, d.dtype if d.dtype.kind == "f" else None)
    if d.dtype.kind == "f":
        if isinstance(alpha, np.floating):   # rounded to d's dtype like the kernel's, not
            alpha = float(alpha)             # promoting o * alpha
        if getattr(o, "dtype", d.dtype).kind in "biu":   # alpha * o in d's float dtype: an
            o = np.asarray(o, d.dtype)                   # int8 o * 2 must not wrap
    elif d.dtype.kind in "iu":   # integer arithmetic wraps, as PyTorch's (u8 += -1 gives 255
        # where it was 0): Python ints, which numpy refuses out of d's range, wrapped first
        if o.__class__ is int:
            ufunc(d, _wrapped(o * int(alpha), d.dtype), out=d, casting="unsafe")
            return
        if isinstance(alpha, (int, np.integer)) and alpha != 1:
            alpha = _wrapped(int(alpha), d.dtype)
    ufunc(d, o * alpha, out=d, casting="unsafe")


def _wrapped(v: int, dtype) -> np.ndarray:
    """The Python int v modulo 2**bits as a 0-d array of the integer dtype."""
    return np.asarray(v & 0xFFFF_FFFF_FFFF_FFFF, np.uint64).astype(dtype)


def _check_int_operand(op, o, dtype):
    """A Python int operand of an integer tensor's add_/sub_/mul_ is taken as PyTorch takes
    it: as a 64-bit integer (OverflowError beyond), then wrapped into dtype (_axpy_)."""
    if o.__class__ is int and dtype.kind in "iu" and not -(1 << 63) <= o < (1 << 64):
        raise OverflowError(f"{op}: int too big to convert: {o}")


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


def _grad_operand(*operands):
    """The first operand that requires grad (what makes an in-place op recorded), or None."""
    return next((o for o in operands if isinstance(o, Tensor) and o._requires_grad), None)


_TORCH_TYPE = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
               "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def result_type(x, other) -> np.dtype:
    """The dtype of `x <op> other` under PyTorch's promotion (a number does not widen x)."""
    o = x._operand(other)
    return _result_dtype(x._data.dtype, o._data.dtype, x._data.ndim == 0, o._data.ndim == 0)


class CastError(TypeError, RuntimeError):
    """A result that an in-place op cannot write into its tensor's dtype: a TypeError here,
    and the RuntimeError that PyTorch raises, so that either `except` catches it."""


def check_cast(op, result, x):
    """Refuse, as PyTorch, to write a result of dtype `result` into x in place when it cannot
    be cast there: a float into an integer or bool tensor, an integer into a bool one."""
    kind, into = np.dtype(result).kind, x._data.dtype.kind
    if (kind == "f" and into != "f") or (kind in "iu" and into == "b"):
        result = np.dtype(result)
        raise CastError(f"{op}: result type {_TORCH_TYPE.get(result.name, result)} can't be "
                        f"cast to the desired output type {_TORCH_TYPE.get(x.dtype.name)}: a "
                        f"tensor of dtype {x.dtype} (shape {x.shape}) cannot hold a {result} "
                        f"result in place")


def _reraise(e, message):
    kind = IndexError if isinstance(e, IndexError) else type(e)
    kind = ValueError if kind is OverflowError else kind
    raise kind(f"{message}: {_numpy_message(e)}") from None


class InplaceMixin:
    """In-place methods of Tensor."""

    __slots__ = ()

    def _inplace_check(self, op, written=None):
        """Refuse what PyTorch refuses; `written` is the part of self's array the op writes
        (all of it by default)."""
        if self._requires_grad and self._node is None and function._grad_enabled:
            raise RuntimeError(f"{op}: a leaf tensor that requires grad cannot be modified in "
                               f"place; do it under autograd.no_grad(), or on .data")
        written = self._data if written is None else written
        # (fill_ writes one value everywhere: well defined on overlapping memory, as in torch)
        if 0 in written.strides and op != "fill_" and _overlaps_itself(written):
            raise RuntimeError(
                f"{op}: unsupported operation: more than one element of the written-to tensor "
                f"(shape {self.shape}, a broadcast view such as expand() makes) refers to a "
                f"single memory location; clone() it before writing")
        self._version += 1

    def _records(self, other) -> bool:
        return function._grad_enabled and (self._node is not None or (
            isinstance(other, Tensor) and other._requires_grad))

    def _record_inplace(self, op, compute, operand=None):
        """self = compute(old self) as a recorded op, written into self's array in place
        (operand: the other input that requires grad, if any)."""
        if self._requires_grad and self._node is None:
            self._inplace_check(op)   # a leaf that requires grad: raises
        if self._views_a_tensor():
            return self._write_through(op, compute, operand)
        old = Tensor._wrap(self._data.copy(), self._requires_grad)  # what the op saves
        old._node = self._node
        result = _kept_in_graph(op, compute(old), old, operand)
        if result.shape != self.shape:
            raise ValueError(f"{op}: the result of shape {result.shape} cannot be written in "
                             f"place into a tensor of shape {self.shape}")
        if result.dtype != self.dtype:
            result = result.to(self.dtype)
        self._version += 1
        with saved.writable(self._data):   # ops that saved the old values now raise
            self._data[...] = result._data
        hooks.rebind(self, result._node)
        self._requires_grad = result._node is not None
        views.replay(self)   # views taken before see the new values: re-record them
        return self

    def _views_a_tensor(self) -> bool:
        """True when self is a view of another tensor, so that an in-place op on it must write
        through to that tensor. An array that is a view of something else is not enough: an
        op's output that is a view of its own temporary, or from_numpy of a numpy view, is a
        tensor of its own."""
        node = self._node
        if node is None:
            return self._data.base is not None and views.plain_origin(self) is not None
        if node.fn is GetItem and _is_basic(node.index):   # h[0] (even 0-d) is a view
            return True
        return (self._data.base is not None and node.fn.view_of_input
                and not (node.fn in _VIEWS_OF_FIRST_INPUT and not node.freed
                         and "viewed" not in node.__dict__)
                and not node.__dict__.get("reshaped_in_place"))

    def _write_through(self, op, compute, operand=None):
        """A recorded in-place op on a view v = view(h) (h[index], h.view(...), h.t(), a
        diagonal): as in PyTorch, it changes h, by a recorded h[index] = new value (SetView
        for the other view ops), and v becomes view(h) again. A view that is no longer tied
        to a live h, and an expand()ed one, are refused (a clear error, not a change lost)."""
        node = self._node
        if node is None:   # a view of a tensor that needs no grad (views.register_plain)
            origin = views.plain_origin(self)
            base, fn, params = origin if origin is not None else (None, None, None)
        else:
            base = views.base_of(node) if node.fn.view_of_input else None
            fn, params = node.fn, getattr(node, "view_params", None)
        if fn is Expand:
            raise RuntimeError(
                f"{op}: unsupported operation: more than one element of the written-to tensor "
                f"(shape {self.shape}, made by expand) refers to a single memory location; "
                f"clone() it before writing")
        if base is None or base is self or params is None:
            made = f" (made by {node.name()})" if node is not None else ""
            raise RuntimeError(
                f"{op}: in-place modification of a view of another tensor{made} is not "
                f"supported when that tensor is gone (a freed graph, an array from outside "
                f"the engine) or the view was reshaped in place; write through the tensor it "
                f"views or use the out-of-place op")
        old = Tensor._wrap(self._data.copy(), self._requires_grad)
        old._node = node
        result = _kept_in_graph(op, compute(old), old, operand)
        if result.shape != self.shape:
            raise ValueError(f"{op}: the result of shape {result.shape} cannot be written in "
                             f"place into a tensor of shape {self.shape}")
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
                    _reraise(e, f"setitem: cannot assign a value of shape {value.shape} and "
                                f"dtype {value.dtype} at index {index!r} of a tensor of shape "
                                f"{self.shape} and dtype {self.dtype}")
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
                        f"{index!r} of a tensor of shape {self.shape} and dtype {self.dtype}")

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
            _reraise(e, f"setitem: cannot assign a value of shape {value.shape} and dtype "
                        f"{value.dtype} at index {index!r} of a tensor of shape {self.shape} "
                        f"and dtype {self.dtype}")
        self._version += 1
        hooks.rebind(self, result._node)
        self._requires_grad = result._node is not None
        idx = _index_arg(index)
        region = self._data[idx] if _is_basic(idx) else None
        views.replay(self, region if region.__class__ is np.ndarray else None)

    def _apply_inplace(self, op, fn, other=None):
        self._inplace_check(op)
        other = other._data if isinstance(other, Tensor) else other
        if other is not None and not (other.__class__ is np.ndarray
                                      and other.shape == self._data.shape):
            shape = np.shape(other)
            try:
                ok = np.broadcast_shapes(shape, self._data.shape) == self._data.shape
            except ValueError:
                ok = False
            if not ok:
                raise ValueError(f"{op}: an operand of shape {shape} cannot be applied in place "
                                 f"to a tensor of shape {self.shape}")
        try:
            with saved.writable(self._data):
                fn(self._data, other)
        except (ValueError, TypeError, OverflowError) as e:
            raise (TypeError if isinstance(e, TypeError) else ValueError)(
                f"{op}: cannot apply {other!r} in place to a tensor of shape {self.shape} and "
                f"dtype {self.dtype}: {_numpy_message(e)}") from None
        return self

    def _arith_inplace(self, op, other, fn, out_of_place):
        """add_/sub_/mul_/div_: recorded (out_of_place(old, other) written back) or a plain
        write with fn. Integer and bool tensors keep their dtype: a float result (an integer
        one, for bools) is refused, as in PyTorch."""
        if self._data.dtype.kind in "iub":
            _check_int_operand(op, other, self._data.dtype)
            check_cast(op, np.float32 if op == "div_" else result_type(self, other), self)
        if self._records(other):
            return self._record_inplace(op, lambda old: out_of_place(old, other))
        return self._apply_inplace(op, fn, other)

    def _alpha_checked(self, op, other, alpha):
        """add_/sub_'s alpha on an integer or bool tensor, checked as PyTorch checks it."""
        if alpha.__class__ is int and alpha == 1 or self._data.dtype.kind not in "iub":
            return
        if isinstance(alpha, (float, np.floating)):
            raise TypeError(f"{op}: for integer or bool tensors alpha must be an integer, got "
                            f"{alpha!r}")
        if isinstance(alpha, (bool, np.bool_)) and result_type(self, other) != np.bool_:
            raise RuntimeError(f"{op}: Boolean alpha only supported for Boolean results")
        if self._data.dtype.kind in "iu" and isinstance(alpha, (int, np.integer)):
            fill_value(op, alpha, self._data.dtype)   # raises when it does not fit

    def add_(self, other, alpha=1):
        self._alpha_checked("add_", other, alpha)
        return self._arith_inplace(
            "add_", other, lambda d, o: _axpy_(d, alpha, o, np.add),
            lambda old, o: old.add(o, alpha=alpha))

    def sub_(self, other, alpha=1):
        if self._data.dtype == np.bool_ or other.__class__ is bool or getattr(
                other, "dtype", None) == np.bool_:
            bool_sub(self, self._operand(other))
        self._alpha_checked("sub_", other, alpha)
        return self._arith_inplace(
            "sub_", other, lambda d, o: _axpy_(d, alpha, o, np.subtract),
            lambda old, o: old.sub(o, alpha=alpha))

    def mul_(self, other):
        return self._arith_inplace(
            "mul_", other, lambda d, o: np.multiply(
                d, _wrapped(o, d.dtype) if o.__class__ is int and d.dtype.kind in "iu" else o,
                out=d, casting="unsafe"),
            lambda old, o: old * o)

    def div_(self, other, *, rounding_mode=None):
        if rounding_mode is not None:   # x.div_(y, rounding_mode='floor') is divide_'s
            return self.divide_(other, rounding_mode=rounding_mode)
        return self._arith_inplace(
            "div_", other, lambda d, o: np.divide(d, o, out=d, casting="unsafe"),
            lambda old, o: old / o)

    # x += y changes x in place (its aliases see it), as in PyTorch
    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def fill_(self, value):
        if value.__class__ is int and self._data.dtype.kind in "iu":
            value = fill_value("fill_", value, self._data.dtype)
        if self._records(value):
            return self._overwrite("fill_", value)
        return self._apply_inplace("fill_", lambda d, o: d.fill(o), value)

    def zero_(self):
        return self.fill_(0)

    def copy_(self, src):
        if self._records(src):
            return self._overwrite("copy_", src)
        return self._apply_inplace("copy_", lambda d, o: np.copyto(d, o, casting="unsafe"), src)

    def _overwrite(self, op, value):
        """fill_/copy_ recorded: every element replaced (the old values get no gradient)."""
        value = value if isinstance(value, Tensor) else Tensor(np.asarray(value, self.dtype))
        if value.dtype != self.dtype:
            value = value.to(self.dtype)

        def compute(old):
            try:
                return SetItem.apply(old, value, index=Ellipsis)
            except _NUMPY_ERRORS as e:
                _reraise(e, f"{op}: cannot write a value of shape {value.shape} into a tensor "
                            f"of shape {self.shape}")
        return self._record_inplace(op, compute)

    def clamp_(self, min=None, max=None):
        kind = self._data.dtype.kind
        if kind in "iub":
            for bound in (min, max):
                if bound is not None:
                    check_cast("clamp_", result_type(self, bound), self)
        if kind == "b" and not isinstance(min, Tensor) and not isinstance(max, Tensor):
            no_bool_bounds("clamp_", self, min, max)
        if kind in "iu":   # number bounds in the tensor's dtype, as clamp takes them
            min, max = (int_bound("clamp_", self, b) for b in (min, max))
        if self._node is not None and is_grad_enabled():
            return self._record_inplace("clamp_", lambda old: old.clamp(min, max))
        return self._apply_inplace("clamp_", lambda d, o: np.clip(d, min, max, out=d))

    # ----------------------------------------------------------------- through an op
    def _inplace_via(self, op, compute, operand=None):
        """self = compute(self) in place: recorded like add_ when it must be, else computed
        outside the graph and copied in."""
        if self._records(operand):
            return self._record_inplace(op, compute, operand)
        if self._requires_grad and self._node is None and is_grad_enabled():
            self._inplace_check(op)   # a leaf that requires grad: raises
        with no_grad():
            result = compute(self)
        return self._apply_inplace(op, lambda d, o: np.copyto(d, o, casting="unsafe"),
                                   result._data)

    def masked_fill_(self, mask, value):
        """self[mask] = value in place; mask: bool, broadcastable to self's shape; value: a
        number or a 0-d tensor (which may require grad)."""
        m = mask_arg("masked_fill_", mask, self.shape)
        if isinstance(value, Tensor) and value.ndim != 0:
            raise ValueError(f"masked_fill_: value must be a number or a 0-d tensor, got a "
                             f"tensor of shape {value.shape}")
        return self._inplace_via("masked_fill_", lambda old: old.masked_fill(m, value), value)

    def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
        """In-place scatter: self[index[i][j]][j] = src[i][j] for dim 0 (see scatter)."""
        return self._inplace_via(
            "scatter_", lambda old: old.scatter(dim, index, src, value=value, reduce=reduce), src)

    def scatter_add_(self, dim, index, src):
        """In-place scatter_add: self[index[i][j]][j] += src[i][j] for dim 0."""
        return self._inplace_via("scatter_add_", lambda old: old.scatter_add(dim, index, src), src)

    def _unary_(self, op, compute):
        """relu_, exp_, ...: a float result written into a float tensor only."""
        if self.dtype.kind != "f" and op not in ("relu_", "neg_", "abs_", "square_"):
            raise TypeError(f"{op}: the result is floating point and cannot be written in "
                            f"place into a tensor of dtype {self.dtype} (shape {self.shape})")
        return self._inplace_via(op, compute)

    def relu_(self):
        return self._unary_("relu_", lambda old: old.relu())

    def exp_(self):
        return self._unary_("exp_", lambda old: old.exp())

    def sigmoid_(self):
        return self._unary_("sigmoid_", lambda old: old.sigmoid())

    def tanh_(self):
        return self._unary_("tanh_", lambda old: old.tanh())

    def neg_(self):
        return self._unary_("neg_", lambda old: -old)

    def abs_(self):
        return self._unary_("abs_", lambda old: old.abs())

    def sqrt_(self):
        return self._unary_("sqrt_", lambda old: old.sqrt())

    def square_(self):
        return self._unary_("square_", lambda old: old.square())

    def clamp_min_(self, min):
        return self.clamp_(min=min)

    def clamp_max_(self, max):
        return self.clamp_(max=max)

    def pow_(self, exponent):
        if self._data.dtype.kind != "f":   # bool ** 2 is int64, int ** 0.5 float: refused
            check_cast("pow_", result_type(self, exponent), self)
        return self._inplace_via("pow_", lambda old: old ** exponent, exponent)

    def lerp_(self, end, weight):
        return self._inplace_via("lerp_", lambda old: old.lerp(end, weight),
                                 _grad_operand(end, weight))

    def addcmul_(self, tensor1, tensor2, *, value=1):
        return self._inplace_via("addcmul_",
                                 lambda old: old.addcmul(tensor1, tensor2, value=value),
                                 _grad_operand(tensor1, tensor2))

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        return self._inplace_via("addcdiv_",
                                 lambda old: old.addcdiv(tensor1, tensor2, value=value),
                                 _grad_operand(tensor1, tensor2))

    def index_add_(self, dim, index, source, *, alpha=1):
        return self._inplace_via("index_add_",
                                 lambda old: old.index_add(dim, index, source, alpha=alpha),
                                 source)

    # ----------------------------------------------------------------- random fills
    def _random_fill(self, op, draw, generator):
        """Fill with draw(generator, shape) (float64, cast). Like PyTorch, on an op's output
        in grad mode the fill is recorded and no gradient reaches the old values; a leaf
        that requires grad may be filled only under no_grad."""
        if self.dtype.kind != "f":
            raise TypeError(f"{op}: needs a floating-point tensor, got dtype {self.dtype}")
        values = draw(pick(generator), self.shape).astype(self.dtype, copy=False)
        if self._records(None):
            return self._overwrite(op, Tensor._wrap(values, False))
        self._inplace_check(op)
        with saved.writable(self._data):
            self._data[...] = values
        return self

    def uniform_(self, from_=0.0, to=1.0, *, generator=None):
        """Fill with U(from_, to) draws from the engine's generator (nn.init.uniform_'s)."""
        if not from_ <= to:
            raise ValueError(f"uniform_: expects from_ <= to, got from_={from_}, to={to}")
        return self._random_fill("uniform_", lambda g, s: g.uniform(from_, to, size=s),
                                 generator)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        """Fill with N(mean, std^2) draws from the engine's generator."""
        if not std >= 0:
            raise ValueError(f"normal_: expects std >= 0, got {std}")
        return self._random_fill("normal_", lambda g, s: g.normal(mean, std, size=s), generator)

    def exponential_(self, lambd=1.0, *, generator=None):
        """Fill with Exponential(rate lambd) draws: density lambd * exp(-lambd * x)."""
        if not lambd > 0:
            raise ValueError(f"exponential_: expects lambd > 0, got {lambd}")
        return self._random_fill("exponential_",
                                 lambda g, s: g.exponential(1.0 / lambd, size=s), generator)
