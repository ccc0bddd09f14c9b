"""Tensor's in-place methods (a mixin of Tensor): add_, sub_, mul_, div_ and the operators
+=, -=, *=, /= (//=, %=, **=, &=, |=, ^=, <<=, >>= are in tensor_pointwise.py), t[index] = v,
fill_, zero_, copy_, clamp_, masked_fill_, scatter_, scatter_add_, and the random fills
uniform_, normal_, exponential_. As in PyTorch, a result that the tensor's dtype cannot hold
(a float in an integer tensor, an integer in a bool one) is refused (check_cast), and integer
arithmetic wraps around (u8 += -1 turns 0 into 255).

How an in-place op is recorded, `t[index] = v` and writes through views are in
inplace_record.py (RecordedWrites, this mixin's base).
"""
from __future__ import annotations

import numpy as np

from . import saved
from .dims import _numpy_message
from .dtypes import _result_dtype
from .function import is_grad_enabled, no_grad
from .generator import pick
from .inplace_record import _NUMPY_ERRORS, RecordedWrites, _reraise
from .kernels import update
from .ops.shape import SetItem
from .tensor_operands import bool_sub, fill_value, int_bound, mask_arg, no_bool_bounds
from .torch_errors import ArgumentError, DtypeError

# tensor.py defines Tensor on top of this module's mixin, so it binds the class here once it
# exists (the code below only uses it at call time).
Tensor = None


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
                        f"tensor of dtype {x.dtype} (shape {tuple(x.shape)}) cannot hold a "
                        f"{result} result in place")


class InplaceMixin(RecordedWrites):
    """In-place methods of Tensor."""

    __slots__ = ()

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
                raise ArgumentError(f"{op}: an operand of shape {shape} cannot be applied in place "
                                 f"to a tensor of shape {tuple(self.shape)}")
        try:
            with saved.writable(self._data):
                fn(self._data, other)
        except (ValueError, TypeError, OverflowError) as e:
            raise (TypeError if isinstance(e, TypeError) else ValueError)(
                f"{op}: cannot apply {other!r} in place to a tensor of shape {tuple(self.shape)} "
                f"and dtype {self.dtype}: {_numpy_message(e)}") from None
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
            raise DtypeError(f"{op}: for integer or bool tensors alpha must be an integer, "
                             f"got {alpha!r}")
        if isinstance(alpha, (bool, np.bool_)) and result_type(self, other) != np.bool_:
            raise RuntimeError(f"{op}: Boolean alpha only supported for Boolean results")
        if self._data.dtype.kind in "iu" and isinstance(alpha, (int, np.integer)):
            fill_value(op, alpha, self._data.dtype)   # raises when it does not fit

    def _update_(self, other, alpha, ufunc) -> bool:
        """self = ufunc(self, alpha * other) (np.add or np.subtract) written straight in by
        _axpy_, when this is an optimizer-style update: float tensors of one shape and dtype,
        a number alpha, nothing to record and no leaf that requires grad in grad mode (which
        the general path refuses). False, with nothing done, otherwise: add_ and sub_ then
        take their general path."""
        d, o = self._data, other._data
        if (o.__class__ is not np.ndarray or d.__class__ is not np.ndarray
                or o.shape != d.shape or o.dtype != d.dtype or d.dtype.kind != "f"
                or (alpha.__class__ is not float and alpha.__class__ is not int)
                or 0 in d.strides):
            return False
        if is_grad_enabled() and (self._requires_grad or other._requires_grad or (
                self._base is not None and len(self._base) > 3)):
            return False   # recorded, refused, or a view made in no_grad mode (refused)
        self._version += 1
        with saved.writable(d):
            _axpy_(d, alpha, o, ufunc)
        return True

    def add_(self, other, alpha=1):
        if other.__class__ is Tensor and self._update_(other, alpha, np.add):
            return self
        self._alpha_checked("add_", other, alpha)
        return self._arith_inplace(
            "add_", other, lambda d, o: _axpy_(d, alpha, o, np.add),
            lambda old, o: old.add(o, alpha=alpha))

    def sub_(self, other, alpha=1):
        if other.__class__ is Tensor and self._update_(other, alpha, np.subtract):
            return self
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
                _reraise(e, f"{op}: cannot write a value of shape {tuple(value.shape)} into a "
                            f"tensor of shape {tuple(self.shape)}")
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
        if isinstance(min, Tensor) or isinstance(max, Tensor):   # in clamp's promoted dtype
            return self._inplace_via("clamp_", lambda old: old.clamp(min, max))
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
                             f"tensor of shape {tuple(value.shape)}")
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
                            f"place into a tensor of dtype {self.dtype} (shape "
                            f"{tuple(self.shape)})")
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
