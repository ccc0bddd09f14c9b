"""Tensor's factory methods (a mixin of Tensor, through ShapeMixin): new_zeros, new_ones,
new_full, new_empty, new_tensor (the new tensor takes self's dtype unless one is given), and
multinomial sampling, with its function form."""
from __future__ import annotations

import numpy as np

from . import tensor_math as _tm  # its Tensor is bound by tensor.py once the class exists
from .device import as_device
from .dims import _size_arg
from .dtypes import _supported
from .generator import pick


def _new(arr: np.ndarray, requires_grad: bool):
    t = _tm.Tensor._wrap(_supported(arr, "new tensor"), False)
    if requires_grad:
        t.requires_grad = True  # raises for an integer dtype
    return t


def _size(args, size, op) -> tuple:
    size = _size_arg(args, size, op)
    if not all(isinstance(n, (int, np.integer)) and n >= 0 for n in size):
        raise ValueError(f"{op}: sizes must be non-negative ints, got {size}")
    return size


class FactoryMixin:
    """new_zeros, new_ones, new_full, new_empty, new_tensor, multinomial."""

    __slots__ = ()

    def _dtype(self, dtype, device=None, op="new_tensor"):
        if device is not None:
            as_device(device, op)   # "cpu" passes; CUDA raises clearly
        return self._data.dtype if dtype is None else np.dtype(dtype)

    def new_zeros(self, *args, size=None, dtype=None, device=None, requires_grad=False):
        """-> zeros of `size` (new_zeros(2, 3), new_zeros((2, 3)) or new_zeros(size=(2, 3))),
        self's dtype unless dtype is given."""
        return _new(np.zeros(_size(args, size, "new_zeros"),
                             self._dtype(dtype, device, "new_zeros")), requires_grad)

    def new_ones(self, *args, size=None, dtype=None, device=None, requires_grad=False):
        return _new(np.ones(_size(args, size, "new_ones"),
                             self._dtype(dtype, device, "new_ones")), requires_grad)

    def new_empty(self, *args, size=None, dtype=None, device=None, requires_grad=False):
        """Zero-filled (the engine has no uninitialized memory to hand out)."""
        return _new(np.zeros(_size(args, size, "new_empty"),
                             self._dtype(dtype, device, "new_empty")), requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        """-> fill_value everywhere, cast to self's dtype unless dtype is given."""
        size = _size((size,) if isinstance(size, (int, np.integer)) else size, None, "new_full")
        try:
            arr = np.full(size, fill_value).astype(self._dtype(dtype, device, "new_full"))
        except (TypeError, ValueError) as e:
            raise TypeError(f"new_full: cannot fill with {fill_value!r}: {e}") from None
        return _new(arr, requires_grad)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
        """-> a copy of data (lists, numbers, arrays, a Tensor), in self's dtype unless dtype
        is given."""
        data = data.data if isinstance(data, _tm.Tensor) else data
        try:
            arr = np.array(data).astype(self._dtype(dtype, device))
        except (TypeError, ValueError) as e:
            raise TypeError(f"new_tensor: cannot make a tensor of dtype {self._dtype(dtype)} "
                            f"from {type(data).__name__}: {e}") from None
        return _new(arr, requires_grad)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        """weights: (n,) or (rows, n), non-negative -> (num_samples,) or (rows, num_samples)
        int64 category indices drawn with probability proportional to the weights."""
        return multinomial(self, num_samples, replacement, generator=generator)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """weights: (n,) or (rows, n), non-negative -> (num_samples,) or (rows, num_samples)
    int64 category indices drawn with probability proportional to the weights (each at most
    once without replacement)."""
    w = _tm._t(input).data
    if w.dtype.kind != "f":
        raise TypeError(f"multinomial: weights must be floating point, got dtype {w.dtype}")
    if w.ndim not in (1, 2):
        raise ValueError(f"multinomial: weights must be 1-d or 2-d, got shape {tuple(w.shape)}")
    if not isinstance(num_samples, (int, np.integer)) or num_samples <= 0:
        raise ValueError(f"multinomial: num_samples must be a positive int, got {num_samples!r}")
    rows = w.reshape(-1, w.shape[-1]).astype(np.float64)
    if rows.shape[1] == 0 or not np.isfinite(rows).all() or (rows < 0).any():
        raise ValueError(f"multinomial: weights of shape {tuple(w.shape)} must be finite and "
                         f"non-negative, with at least one category")
    positive = (rows > 0).sum(axis=1)
    if (positive == 0).any():
        raise ValueError(f"multinomial: a row of the weights of shape {tuple(w.shape)} sums to 0")
    rng = pick(generator)
    if replacement:
        cdf = np.cumsum(rows, axis=1)
        u = rng.random((rows.shape[0], num_samples)) * cdf[:, -1:]
        out = np.stack([np.searchsorted(c, v, side="right") for c, v in zip(cdf, u)])
        # rounding can push a draw past the last category with weight: take that one
        last = rows.shape[1] - 1 - np.argmax(rows[:, ::-1] > 0, axis=1)
        out = np.minimum(out, last[:, None])
    else:
        if num_samples > positive.min():
            raise ValueError(f"multinomial: cannot draw {num_samples} samples without "
                             f"replacement from weights of shape {tuple(w.shape)} with only "
                             f"{positive.min()} nonzero categories in a row")
        # an exponential race: the k first arrivals, each rate = weight, are a draw of k
        # categories without replacement in order
        with np.errstate(divide="ignore"):
            arrival = rng.standard_exponential(rows.shape) / rows
        out = np.argsort(arrival, axis=1, kind="stable")[:, :num_samples]
    out = np.ascontiguousarray(out, dtype=np.int64)
    return _tm.Tensor._wrap(out if w.ndim == 2 else out.reshape(num_samples), False)
