"""Tensor's reduction methods (a mixin of Tensor): sum, mean, var/std, max/min and their
arg forms, logsumexp, prod, norm, all/any, cumsum."""
from __future__ import annotations

from collections import namedtuple
from numbers import Number

import numpy as np

from . import tensor_math as _tm  # Tensor is bound there once tensor.py has defined it
from .dims import _axes, _one_axis
from .dtypes import _FLOATS, bool_, int64
from .ops import elementwise_more as E
from .ops import reduce as R

MaxMin = namedtuple("MaxMin", ["values", "indices"])


def _reduced(dim, ndim, op):
    """The axes a reduction runs over: an empty dim list means all of them, as in PyTorch."""
    return _axes(None if isinstance(dim, (tuple, list)) and not dim else dim, ndim, op)


def _result(arr: np.ndarray):
    """A Tensor holding arr, outside the graph (indices and bools carry no gradient)."""
    return _tm.Tensor._wrap(arr, False)


class ReduceMixin:
    """Reductions of Tensor; every one takes dim (None, an int or a tuple) and keepdim."""

    __slots__ = ()

    def sum(self, dim=None, keepdim=False):
        x = self.to(int64) if self._data.dtype.kind == "u" else self   # as PyTorch: int64
        return R.Sum.apply(x, axis=_reduced(dim, self._data.ndim, "sum"), keepdims=keepdim)

    def mean(self, dim=None, keepdim=False):
        if self._data.dtype.kind != "f":
            raise TypeError(f"mean: needs a floating-point tensor, got dtype {self._data.dtype}")
        return R.Mean.apply(self, axis=_reduced(dim, self._data.ndim, "mean"), keepdims=keepdim)

    def var(self, dim=None, unbiased=True, keepdim=False, correction=None):
        c = (1 if unbiased else 0) if correction is None else correction
        return R.Var.apply(self._floating(), axis=_reduced(dim, self._data.ndim, "var"),
                           correction=c, keepdims=keepdim)

    def std(self, dim=None, unbiased=True, keepdim=False, correction=None):
        c = (1 if unbiased else 0) if correction is None else correction
        return R.Std.apply(self._floating(), axis=_reduced(dim, self._data.ndim, "std"),
                           correction=c, keepdims=keepdim)

    def _extreme(self, dim, keepdim, mode):
        if self._data.size == 0:
            raise RuntimeError(f"{mode}: cannot reduce an empty tensor of shape {self.shape}")
        if dim is None:
            return R.AMax.apply(self, axis=None, keepdims=False, mode=mode)
        axis = _one_axis(dim, self._data.ndim, mode)
        if self._data.ndim == 0:
            return MaxMin(self, _result(np.zeros((), np.int64)))
        arg = np.argmax if mode == "max" else np.argmin
        idx = np.expand_dims(arg(self._data, axis=axis), axis)
        values = R.Gather.apply(self, index=idx, axis=axis)
        if not keepdim:
            values = values.squeeze(axis)
            idx = np.squeeze(idx, axis)
        return MaxMin(values, _result(idx))

    def max(self, dim=None, keepdim=False):
        """Max of all elements; with dim, (values, indices) along dim; with a Tensor in
        place of dim, the elementwise maximum (torch.max(a, b))."""
        if isinstance(dim, _tm.Tensor):
            return self.maximum(dim)
        return self._extreme(dim, keepdim, "max")

    def min(self, dim=None, keepdim=False):
        """Min of all elements; with dim, (values, indices); with a Tensor, the elementwise
        minimum."""
        if isinstance(dim, _tm.Tensor):
            return self.minimum(dim)
        return self._extreme(dim, keepdim, "min")

    def amax(self, dim=None, keepdim=False):
        return R.AMax.apply(self, axis=self._nonempty_axes(dim, "amax"), keepdims=keepdim,
                            mode="max")

    def amin(self, dim=None, keepdim=False):
        return R.AMax.apply(self, axis=self._nonempty_axes(dim, "amin"), keepdims=keepdim,
                            mode="min")

    def _nonempty_axes(self, dim, op):
        """The reduction axes of a max-like op, none of which may be empty (no identity)."""
        axes = _reduced(dim, self._data.ndim, op)
        shape = self._data.shape
        if any(shape[a] == 0 for a in (range(len(shape)) if axes is None else axes)):
            raise RuntimeError(f"{op}: cannot reduce over an empty dim of a tensor of shape "
                               f"{shape} (dim={dim}); the reduction has no identity")
        return axes

    def logsumexp(self, dim, keepdim=False):
        axis = _axes(dim, self._data.ndim, "logsumexp")
        return R.LogSumExp.apply(self._floating(), axis=axis, keepdims=keepdim)

    def argmax(self, dim=None, keepdim=False):
        return self._arg(np.argmax, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return self._arg(np.argmin, dim, keepdim)

    def _arg(self, fn, dim, keepdim):
        if self._data.size == 0:
            raise RuntimeError(f"{fn.__name__}: cannot reduce an empty tensor of shape "
                               f"{self.shape}")
        if dim is None:
            return _result(np.asarray(fn(self._data), np.int64))
        axis = _one_axis(dim, self._data.ndim, fn.__name__)
        if self._data.ndim == 0:
            return _result(np.zeros((), np.int64))
        return _result(np.asarray(fn(self._data, axis=axis, keepdims=keepdim), np.int64))

    def prod(self, dim=None, keepdim=False, *, dtype=None):
        """Product of all elements, or along one dim; integers and bools give int64."""
        x = self._accumulating(dtype)
        if dim is None:
            return R.Prod.apply(x, axis=None, keepdims=False)
        if not isinstance(dim, (int, np.integer)):
            raise TypeError(f"prod: dim must be an int, got {dim!r}")
        return R.Prod.apply(x, axis=_one_axis(dim, self._data.ndim, "prod"), keepdims=keepdim)

    def cumsum(self, dim, *, dtype=None):
        """Running sum along dim (same shape); integers and bools give int64."""
        if not isinstance(dim, (int, np.integer)):
            raise TypeError(f"cumsum: dim must be an int, got {dim!r}")
        return R.CumSum.apply(self._accumulating(dtype),
                              axis=_one_axis(dim, self._data.ndim, "cumsum"))

    def cumprod(self, dim, *, dtype=None):
        """Running product along dim (same shape); integers and bools give int64; the
        gradient is exact where x holds zeros."""
        if not isinstance(dim, (int, np.integer)):
            raise TypeError(f"cumprod: dim must be an int, got {dim!r}")
        x, axis = self._accumulating(dtype), _one_axis(dim, self._data.ndim, "cumprod")
        return x.clone() if x.data.ndim == 0 else E.CumProd.apply(x, axis=axis)

    def _accumulating(self, dtype):
        """self cast to `dtype`, or (as PyTorch's sum-like ops) integers and bools to int64."""
        if dtype is not None:
            return self.to(dtype)
        return self if self._data.dtype.kind == "f" else self.to(int64)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        """Vector p-norm over dim (all elements when None): p a number (inf, -inf and 0
        included) or 'fro' (the 2-norm of the elements, over any dims); 'nuc' is the nuclear
        norm of the matrices in dims (the last two by default)."""
        if p == "fro" or p is None:
            if isinstance(dim, (tuple, list)) and len(dim) > 2:
                raise RuntimeError(f"norm: p='fro' takes at most 2 dims, got dim={dim!r} for "
                                   f"a tensor of shape {self.shape}")
            p = 2.0
        elif p == "nuc":   # the sum of singular values of the (dim) planes: linalg's
            from .linalg import matrix_norm
            return matrix_norm(self, "nuc", dim=(-2, -1) if dim is None else dim,
                               keepdim=keepdim, dtype=dtype)
        elif isinstance(p, str) or not isinstance(p, Number) or isinstance(p, bool):
            raise ValueError(f"norm: p must be a number, 'fro' or 'nuc', got {p!r}")
        x = self if dtype is None else self.to(dtype)
        if x.data.dtype not in _FLOATS:
            raise TypeError(f"norm: needs a floating-point tensor, got dtype {x.data.dtype} "
                            f"(shape {self.shape})")
        p = float(p)
        # max / min of |x| have no identity: an empty reduction is an error, as in PyTorch
        axes = x._nonempty_axes(dim, "norm") if p < 0 or p == np.inf else \
            _reduced(dim, x.data.ndim, "norm")
        return R.Norm.apply(x, p=p, axis=axes, keepdims=keepdim)

    def all(self, dim=None, keepdim=False):
        """True where every element (along dim) is nonzero; a bool tensor."""
        return self._logical(np.all, dim, keepdim)

    def any(self, dim=None, keepdim=False):
        """True where some element (along dim) is nonzero; a bool tensor."""
        return self._logical(np.any, dim, keepdim)

    def _logical(self, fn, dim, keepdim):
        axes = _axes(dim, self._data.ndim, fn.__name__)
        out = fn(self._data, axis=axes, keepdims=keepdim and axes is not None)
        return _result(np.asarray(out, bool_))
