"""More of PyTorch's Tensor methods (a mixin of Tensor): tile, take_along_dim, index_fill,
index_copy, masked_scatter, cummax/cummin, median/nanmedian, kthvalue, nanmean, trace,
fmod, addmm/addmv/baddbmm/addbmm, cross, kron, count_nonzero, diagonal, diff (function forms
and the method-less functions in functional_more.py).

Each op is composed from the differentiable ops of the other mixins (gather, scatter, where,
expand, matmul, norm, ...), so it needs no VJP of its own; the two exceptions are ops of
their own: ops.arithmetic.Fmod and ops.reduce.SharedValue. Arguments are checked here first,
so a bad one gives an error that names the op and the operands' shapes and dtypes, never a
numpy traceback.
"""
from __future__ import annotations

import warnings
from collections import namedtuple
from numbers import Number

import numpy as np

from . import tensor_math as _tm  # its Tensor is bound by tensor.py once the class exists
from .dims import _axes, _keyword, _one_axis, _shape_arg
from .ops.arithmetic import Fmod
from .ops.matrix import Diagonal
from .ops.layout import c_order
from .ops.reduce import SharedValue
from .tensor_index import _argsort, _wrap
from .tensor_linalg import bmm, mm
from .tensor_reduce import _reduced
from .tensor_shape import cat
from .torch_errors import DtypeError, DtypeNotImplementedError

# torch.return_types.*: (values, indices) pairs
Cummax = namedtuple("Cummax", ["values", "indices"])
Cummin = namedtuple("Cummin", ["values", "indices"])
Median = namedtuple("Median", ["values", "indices"])
Nanmedian = namedtuple("Nanmedian", ["values", "indices"])
Kthvalue = namedtuple("Kthvalue", ["values", "indices"])


def _about(**operands) -> str:
    """'mat1 of shape (2, 3) and dtype float32, ...' for an error message."""
    return ", ".join(f"{k} of shape {tuple(np.shape(v))} and dtype {_dtype(v)}"
                     for k, v in operands.items())


def _dtype(v):
    return v.dtype if isinstance(v, (_tm.Tensor, np.ndarray)) else type(v).__name__


def _tensor(op, name, value):
    if not isinstance(value, _tm.Tensor):
        raise TypeError(f"{op}: {name} must be a tensor, got {type(value).__name__}")
    return value


def _long_index(op, index, x):
    """index (0-d or 1-d, int64, as PyTorch demands) as a flat int64 array."""
    arr = index.data if isinstance(index, _tm.Tensor) else np.asarray(index)
    if arr.dtype != np.int64:
        raise TypeError(f"{op}: index must have dtype int64, got {_about(self=x, index=arr)}")
    if arr.ndim > 1:
        raise ValueError(f"{op}: index must be 0-d or 1-d, got {_about(index=arr)}")
    return arr.reshape(-1)


def _out_of_range(op, index, lo, n, dim, x):
    if index.size and (index.min() < lo or index.max() >= n):
        bad = index.min() if index.min() < lo else index.max()
        raise IndexError(f"{op}: index {bad} is out of bounds for dim {dim} with size {n} "
                         f"(self of shape {tuple(x.shape)})")


def _broadcast(op, **operands) -> tuple:
    try:
        return np.broadcast_shapes(*[tuple(t.shape) for t in operands.values()])
    except ValueError:
        raise ValueError(f"{op}: shapes cannot be broadcast together: "
                         f"{_about(**operands)}") from None


def _no_bool(op, x):
    if x.dtype == np.bool_:
        raise DtypeNotImplementedError(f"{op}: not supported for bool tensors "
                                       f"({_about(input=x)})")


class ExtraMixin:
    """tile, take_along_dim, index_fill, index_copy, masked_scatter, cummax, cummin, median,
    nanmedian, kthvalue, nanmean, diff, trace, fmod, addmm, addmv, baddbmm, addbmm,
    cross, kron, count_nonzero, diagonal."""

    __slots__ = ()

    # ----------------------------------------------------------------- shape and indexing
    def tile(self, *dims, **kwargs):
        """x repeated dims[i] times along dim i; fewer dims than x.ndim get leading 1s."""
        reps = _shape_arg(_keyword(dims, kwargs, "dims", "tile"))
        if not all(isinstance(r, (int, np.integer)) and not isinstance(r, bool) for r in reps):
            raise TypeError(f"tile: dims must be ints, got {reps!r}")
        if any(r < 0 for r in reps):
            raise ValueError(f"tile: dims must be non-negative, got {reps} for a tensor of "
                             f"shape {tuple(self.shape)}")
        return self.repeat((1,) * (self.ndim - len(reps)) + tuple(int(r) for r in reps))

    def take_along_dim(self, indices, dim=None):
        """x's values at int64 `indices` along dim, x and indices broadcast outside dim; with
        dim None, of the flattened x (a 1-D result)."""
        idx = indices.data if isinstance(indices, _tm.Tensor) else np.asarray(indices)
        if idx.dtype != np.int64:
            raise TypeError(f"take_along_dim: indices must have dtype int64, got "
                            f"{_about(input=self, indices=idx)}")
        if dim is None:
            flat = self.reshape(-1)
            _out_of_range("take_along_dim", idx, 0, flat.shape[0], None, self)
            return flat.gather(0, idx.reshape(-1))
        if idx.ndim != self.ndim:
            raise ValueError(f"take_along_dim: input and indices must have the same number of "
                             f"dims, got {_about(input=self, indices=idx)}")
        axis = _one_axis(dim, self.ndim, "take_along_dim")
        if self.ndim == 0:
            return self.gather(0, idx)
        n = self.shape[axis]
        _out_of_range("take_along_dim", idx, -n, n, dim, self)   # negatives count from the end
        idx = np.where(idx < 0, idx + n, idx)
        outside = [list(self.shape), list(idx.shape)]
        for s in outside:
            s[axis] = 1
        try:
            lead = list(np.broadcast_shapes(*map(tuple, outside)))
        except ValueError:
            raise ValueError(f"take_along_dim: input and indices cannot be broadcast outside "
                             f"dim {dim}: {_about(input=self, indices=idx)}") from None
        x = self.expand(tuple(lead[:axis] + [n] + lead[axis + 1:]))
        lead[axis] = idx.shape[axis]
        return x.gather(axis, np.broadcast_to(idx, tuple(lead)).copy())

    def index_fill(self, dim, index, value):
        """A copy of x with the slices at index along dim set to value (a number or a 0-d
        tensor, cast to x's dtype; a tensor gets the sum of its slots' gradients)."""
        idx = _long_index("index_fill", index, self)
        axis = _one_axis(dim, self.ndim, "index_fill")
        n = self.shape[axis] if self.ndim else 1
        _out_of_range("index_fill", idx, -n, n, dim, self)
        if isinstance(value, _tm.Tensor):
            if value.ndim != 0:
                raise ValueError(f"index_fill: value must be a number or a 0-d tensor, got "
                                 f"{_about(value=value)}")
            value = value.to(self.dtype)
        elif isinstance(value, Number):
            value = _wrap(np.asarray(value).astype(self.dtype))
        else:
            raise TypeError(f"index_fill: value must be a number or a 0-d tensor, got "
                            f"{type(value).__name__}")
        hit = np.zeros(n, np.bool_)
        hit[idx] = True
        shape = [1] * self.ndim
        if self.ndim:
            shape[axis] = n
        return _tm.where(hit.reshape(shape), value, self)

    def index_copy(self, dim, index, source):
        """A copy of x with source's slices written at index along dim:
        out[..., index[i], ...] = source[..., i, ...]; source has x's dtype and ndim."""
        op = "index_copy"
        idx = _long_index(op, index, self)
        source = _tensor(op, "source", source)
        if source.dtype != self.dtype:
            raise TypeError(f"{op}: self and source must have the same dtype, got "
                            f"{_about(self=self, source=source)}")
        x, s = (self.reshape(1), source.reshape(1)) if self.ndim == 0 else (self, source)
        axis = _one_axis(dim, x.ndim, op)
        want = x.shape[:axis] + (idx.size,) + x.shape[axis + 1:]
        if s.shape != want:
            raise ValueError(f"{op}: source should have shape {tuple(want)} for {idx.size} indices "
                             f"along dim {dim}, got {_about(self=self, source=source)}")
        _out_of_range(op, idx, 0, x.shape[axis], dim, self)
        shape = [1] * x.ndim
        shape[axis] = idx.size
        out = x.scatter(axis, np.broadcast_to(idx.reshape(shape), want).copy(), s)
        return out.reshape(()) if self.ndim == 0 else out

    def masked_scatter(self, mask, source):
        """A copy of x (broadcast with mask) whose elements where mask is True are taken, in
        row-major order, from the first elements of source (x's dtype, any shape)."""
        op = "masked_scatter"
        m = mask.data if isinstance(mask, _tm.Tensor) else np.asarray(mask)
        source = _tensor(op, "source", source)
        if m.dtype != np.bool_ or source.dtype != self.dtype:
            raise TypeError(f"{op}: needs a bool mask and a source of self's dtype, got "
                            f"{_about(self=self, mask=m, source=source)}")
        shape = _broadcast(op, self=self, mask=m)
        pos = np.flatnonzero(np.broadcast_to(m, shape))
        if source.numel() < pos.size:
            raise ValueError(f"{op}: source has {source.numel()} elements, fewer than the "
                             f"{pos.size} True elements of the mask "
                             f"({_about(self=self, mask=m, source=source)})")
        x = self if tuple(self.shape) == shape else self.expand(shape)
        src = source.reshape(-1)[:pos.size]
        return x.reshape(-1).scatter(0, pos, src).reshape(shape)

    # ----------------------------------------------------------------- order statistics
    def cummax(self, dim):
        """-> (values, int64 indices): the running max along dim; a tie or a NaN takes the
        latest index, and a NaN sticks, as in PyTorch."""
        return self._running(dim, np.maximum, "cummax", Cummax)

    def cummin(self, dim):
        """-> (values, int64 indices): the running min along dim (ties: the latest index)."""
        return self._running(dim, np.minimum, "cummin", Cummin)

    def _running(self, dim, ufunc, op, result):
        axis = _one_axis(dim, self.ndim, op)
        if self.ndim == 0:
            return result(self.clone(), _wrap(np.zeros((), np.int64)))
        a = self._data
        with np.errstate(invalid="ignore"):
            hit = a == ufunc.accumulate(a, axis=axis)   # where the running extreme is reached
        if a.dtype.kind == "f":
            hit |= np.isnan(a)
        pos = np.arange(a.shape[axis]).reshape([-1 if i == axis else 1 for i in range(a.ndim)])
        idx = c_order(np.maximum.accumulate(np.where(hit, pos, 0), axis=axis))
        return result(self.gather(axis, idx), _wrap(idx))

    def median(self, dim=None, keepdim=False):
        """The lower of the two middle values (NaN if any is NaN): of all elements (its
        gradient shared among the elements equal to it), or along dim -> (values, indices)."""
        return self._median(dim, keepdim, "median")

    def nanmedian(self, dim=None, keepdim=False):
        """median ignoring NaNs (NaN only where all are NaN)."""
        return self._median(dim, keepdim, "nanmedian")

    def _median(self, dim, keepdim, op):
        _no_bool(op, self)
        a = self._data
        nan = np.isnan(a) if a.dtype.kind == "f" else np.zeros(a.shape, np.bool_)
        if dim is None:
            flat = np.sort(a[~nan] if op == "nanmedian" else a.reshape(-1))
            if flat.size == 0 or np.isnan(flat[-1]):
                if a.dtype.kind != "f":
                    raise RuntimeError(f"{op}: cannot take the median of an empty integer "
                                       f"tensor ({_about(input=self)})")
                return SharedValue.apply(self, value=np.asarray(np.nan, a.dtype))
            return SharedValue.apply(self, value=flat[(flat.size - 1) // 2])
        axis = _one_axis(dim, self.ndim, op)
        result = Median if op == "median" else Nanmedian
        if self.ndim == 0:
            return result(self.clone(), _wrap(np.zeros((), np.int64)))
        if a.shape[axis] == 0:
            raise IndexError(f"{op}: dim {dim} to reduce has size 0 ({_about(input=self)})")
        order = _argsort(a, axis, False)   # NaNs last, ties in their order
        valid = np.sum(~nan, axis=axis, keepdims=True)
        if op == "median":   # a row with a NaN gives its first NaN
            k = np.where(valid < a.shape[axis], valid, (a.shape[axis] - 1) // 2)
        else:                # an all-NaN row gives its first NaN
            k = np.maximum(valid - 1, 0) // 2
        return self._selected(order, k, axis, keepdim, result)

    def kthvalue(self, k, dim=-1, keepdim=False):
        """-> (values, int64 indices): the k-th smallest (k from 1) along dim; NaN counts as
        the largest."""
        _no_bool("kthvalue", self)
        axis = _one_axis(dim, self.ndim, "kthvalue")
        n = self.shape[axis] if self.ndim else 1
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 1 <= k <= n:
            raise IndexError(f"kthvalue: k={k!r} is out of range [1, {n}] for dim {dim} "
                             f"({_about(input=self)})")
        if self.ndim == 0:
            return Kthvalue(self.clone(), _wrap(np.zeros((), np.int64)))
        order = _argsort(self._data, axis, False)
        return self._selected(order, np.asarray(k - 1), axis, keepdim, Kthvalue)

    def _selected(self, order, k, axis, keepdim, result):
        """The elements at sorted positions k (broadcast over the other dims) along axis."""
        shape = list(order.shape)
        shape[axis] = 1
        k = np.broadcast_to(k.reshape([1] * (order.ndim - k.ndim) + list(k.shape)), shape)
        idx = np.take_along_axis(order, k, axis)
        values = self.gather(axis, idx)
        if not keepdim:
            values, idx = values.squeeze(axis), np.squeeze(idx, axis)
        return result(values, _wrap(c_order(idx)))

    # ----------------------------------------------------------------- reductions
    def nanmean(self, dim=None, keepdim=False, *, dtype=None):
        """mean over the elements that are not NaN (NaN where all are)."""
        if self.dtype.kind != "f":
            raise DtypeError(f"nanmean: needs a floating-point tensor, got "
                             f"{_about(input=self)}")
        x = self if dtype is None else self.to(dtype)
        axes = _axes(None if isinstance(dim, (tuple, list)) and not dim else dim, x.ndim,
                     "nanmean")
        count = np.asarray(np.sum(~np.isnan(x.data), axis=axes, keepdims=keepdim), x.dtype)
        # an all-NaN slice: 0 / NaN is its NaN, and its elements get a zero gradient (torch's
        # is NaN there) without a division by zero
        return x.nansum(dim, keepdim) / _wrap(np.where(count == 0, np.nan, count))

    def count_nonzero(self, dim=None):
        """The int64 number of nonzero elements (NaN counts), over dim (an int or a tuple)."""
        axes = _reduced(dim, self.ndim, "count_nonzero")   # an empty dim list: all of them
        return _wrap(np.asarray(np.count_nonzero(self._data, axis=axes), np.int64))

    def trace(self):
        """Sum of the main diagonal of a 2-D tensor; integers give int64."""
        if self.ndim != 2:
            raise ValueError(f"trace: expected a matrix (2-D), got {_about(input=self)}")
        _no_bool("trace", self)
        return self.diagonal()._accumulating(None).sum()

    def diff(self, n=1, dim=-1, prepend=None, append=None):
        """The n-th forward difference along dim (see autograd.diff)."""
        from .functional import diff   # functional sits above this module
        return diff(self, n, dim, prepend, append)

    # ----------------------------------------------------------------- arithmetic
    def fmod(self, other):
        """a - trunc(a / b) * b (the sign of a; C's fmod);  da = g, db = -g * trunc(a / b)."""
        other = self._operand(other)
        _broadcast("fmod", input=self, other=other)
        _tm._check_divisor(self, other, "fmod")
        return self._binary(Fmod, other)

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        """beta * x + alpha * (mat1 @ mat2): (n, k) @ (k, m), x broadcastable to (n, m)."""
        _matrices("addmm", self, mat1=mat1, mat2=mat2)
        if mat1.ndim != 2 or mat2.ndim != 2 or mat1.shape[1] != mat2.shape[0]:
            raise ValueError(f"addmm: expected (n, k) and (k, m) matrices, got "
                             f"{_about(mat1=mat1, mat2=mat2)}")
        return _affine("addmm", self, mm(mat1, mat2), beta, alpha)

    def addmv(self, mat, vec, *, beta=1, alpha=1):
        """beta * x + alpha * (mat @ vec): (n, m) @ (m,), x broadcastable to (n,)."""
        _matrices("addmv", self, mat=mat, vec=vec)
        if mat.ndim != 2 or vec.ndim != 1 or mat.shape[1] != vec.shape[0]:
            raise ValueError(f"addmv: expected an (n, m) matrix and an (m,) vector, got "
                             f"{_about(mat=mat, vec=vec)}")
        return _affine("addmv", self, mat @ vec, beta, alpha)

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        """beta * x + alpha * (batch1 @ batch2): (b, n, k) @ (b, k, m), x broadcastable to
        (b, n, m)."""
        _batches("baddbmm", self, batch1, batch2)
        return _affine("baddbmm", self, bmm(batch1, batch2), beta, alpha)

    def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
        """beta * x + alpha * sum_b(batch1[b] @ batch2[b]): x broadcastable to (n, m)."""
        _batches("addbmm", self, batch1, batch2)
        return _affine("addbmm", self, bmm(batch1, batch2).sum(0), beta, alpha)

    def cross(self, other, dim=None):
        """The cross product of 3-vectors along dim (size 3), x and other (one dtype, one
        ndim) broadcast; dim None takes x's first dim of size 3 (deprecated in PyTorch)."""
        other = _tensor("cross", "other", other)
        if other.dtype != self.dtype:
            raise TypeError(f"cross: inputs must have the same dtype, got "
                            f"{_about(input=self, other=other)}")
        if other.ndim != self.ndim:
            raise ValueError(f"cross: inputs must have the same number of dims, got "
                             f"{_about(input=self, other=other)}")
        _broadcast("cross", input=self, other=other)
        if dim is None:
            sizes = [d for d, n in enumerate(self.shape) if n == 3]
            if not sizes:
                raise ValueError(f"cross: no dim of size 3 in {_about(input=self)}")
            warnings.warn("cross: calling it without dim is deprecated (as in PyTorch); pass "
                          "dim=-1 to keep this behaviour", UserWarning, stacklevel=2)
            dim = sizes[0]
        axis = _one_axis(dim, self.ndim, "cross")
        if self.ndim == 0 or self.shape[axis] != 3 or other.shape[axis] != 3:
            raise ValueError(f"cross: dim {dim} must have size 3 in both inputs, got "
                             f"{_about(input=self, other=other)}")
        a = [self.narrow(axis, i, 1) for i in range(3)]
        b = [other.narrow(axis, i, 1) for i in range(3)]
        return cat([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2],
                    a[0] * b[1] - a[1] * b[0]], axis)

    def kron(self, other):
        """Kronecker product: out[i * q + j] = x[i] * other[j] along every dim (the shorter
        shape padded with leading 1s); dtypes promote as in *."""
        other = _tensor("kron", "other", other)
        nd = max(self.ndim, other.ndim)
        sa = (1,) * (nd - self.ndim) + tuple(self.shape)
        sb = (1,) * (nd - other.ndim) + tuple(other.shape)
        a = self.reshape([v for n in sa for v in (n, 1)])
        b = other.reshape([v for n in sb for v in (1, n)])
        return (a * b).reshape(tuple(p * q for p, q in zip(sa, sb)))

    def diagonal(self, offset=0, dim1=0, dim2=1):
        """The diagonal `offset` of the (dim1, dim2) planes, as a last dim: (..., L); a view,
        as in PyTorch (x.diagonal().fill_(0) writes into x outside a recorded graph; inside
        one, an in-place op on it is refused clearly)."""
        if not isinstance(offset, (int, np.integer)) or isinstance(offset, bool):
            raise TypeError(f"diagonal: offset must be an int, got {offset!r}")
        d1 = _one_axis(dim1, self.ndim, "diagonal")
        d2 = _one_axis(dim2, self.ndim, "diagonal")
        if self.ndim < 2 or d1 == d2:
            raise ValueError(f"diagonal: needs two different dims, got dim1={dim1}, "
                             f"dim2={dim2} for {_about(input=self)}")
        return Diagonal.apply(self, offset=int(offset), dim1=d1, dim2=d2)


def _matrices(op, x, **operands):
    """x and the operands of an add-product op are tensors of one dtype."""
    for name, t in operands.items():
        _tensor(op, name, t)
    if len({x.dtype} | {t.dtype for t in operands.values()}) > 1:
        raise TypeError(f"{op}: expected one dtype, got {_about(input=x, **operands)}")


def _batches(op, x, batch1, batch2):
    _matrices(op, x, batch1=batch1, batch2=batch2)
    s1, s2 = batch1.shape, batch2.shape
    if batch1.ndim != 3 or batch2.ndim != 3 or s1[0] != s2[0] or s1[2] != s2[1]:
        raise ValueError(f"{op}: expected (b, n, k) and (b, k, m) batches, got "
                         f"{_about(batch1=batch1, batch2=batch2)}")


def _affine(op, x, product, beta, alpha):
    """beta * x + alpha * product; beta = 0 ignores x (its NaNs too), as in PyTorch."""
    for name, c in (("beta", beta), ("alpha", alpha)):
        ok = isinstance(c, (int, np.integer)) or (isinstance(c, Number) and x.dtype.kind == "f")
        if not ok or isinstance(c, bool):
            raise TypeError(f"{op}: {name} must be a real number (an int for integer "
                            f"tensors), got {c!r} for {_about(input=x)}")
    if not _fits(x.shape, product.shape) or \
            np.broadcast_shapes(tuple(x.shape), tuple(product.shape)) != tuple(product.shape):
        raise ValueError(f"{op}: input cannot be broadcast to the product's shape "
                         f"{tuple(product.shape)}: {_about(input=x)}")
    if alpha == 0 and op != "baddbmm":   # as torch: the product's NaNs are ignored (its
        # gradient is 0), except by baddbmm, whose alpha * product keeps them
        out = _tm.where(np.zeros(product.shape, bool), product, 0)
    else:
        out = product if alpha == 1 else product * alpha
    if beta == 0:
        return out
    return out + (x if beta == 1 else x * beta)


def _fits(shape, target) -> bool:
    try:
        np.broadcast_shapes(tuple(shape), tuple(target))
        return True
    except ValueError:
        return False
