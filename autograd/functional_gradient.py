"""torch.gradient: the derivative of sampled values along dims by finite differences (second
order central differences inside, first or second order one-sided ones at the edges), on a
uniform grid (a spacing per dim) or at given coordinates (a 1-D tensor per dim), as
numpy.gradient.

Composed from slices, arithmetic and cat, so it is differentiable in the values (and in
coordinate tensors that require grad) with no VJP of its own.
"""
from __future__ import annotations

from numbers import Number

import numpy as np

from . import dtypes
from . import tensor_math as _tm  # its Tensor is bound by tensor.py once the class exists
from .dims import _axes
from .tensor_shape import cat
from .torch_errors import ArgumentError

_OP = "torch.gradient"


def _slice(x, axis, lo, hi):
    """x[..., lo:hi, ...] along axis."""
    index = [slice(None)] * x.ndim
    index[axis] = slice(lo, hi)
    return x[tuple(index)]


def _at(x, axis, i):
    """x[..., i:i+1, ...] along axis: one sample, the dim kept."""
    return _slice(x, axis, i, i + 1 if i != -1 else None)


def _spacings(spacing, dims, ndim):
    """One spacing per dim: a number (uniform step) or a 1-D tensor of coordinates."""
    if isinstance(spacing, _tm.Tensor) and spacing.ndim == 0:
        spacing = spacing.item()
    if isinstance(spacing, Number):
        return [spacing] * len(dims)
    spacing = list(spacing)
    if len(spacing) != len(dims):
        if len(dims) == ndim and dims == list(range(ndim)):
            raise ArgumentError(
                f"{_OP} expected spacing to be unspecified, a scalar, or a list of length "
                f"equal to 'self.dim() = {ndim}', since dim argument was not given, but got a "
                f"list of length {len(spacing)}")
        raise ArgumentError(
            f"{_OP} expected spacing to be unspecified, a scalar or it's spacing and dim "
            f"arguments to have the same length, but got a spacing argument of length "
            f"{len(spacing)} and a dim argument of length {len(dims)}.")
    kinds = {isinstance(s, _tm.Tensor) for s in spacing}
    if kinds == {True}:
        for s in spacing:
            if s.ndim != 1:
                raise ArgumentError(f"{_OP} expected each element of spacing to have one "
                                    f"dimension, but got an element with {s.ndim} dimensions!")
    elif kinds != {False}:
        raise TypeError(f"{_OP}: spacing must be numbers or 1-D tensors, not a mix")
    return spacing


def _uniform(f, axis, h, edge_order):
    """df/dx along axis on a grid of step h."""
    inner = (_slice(f, axis, 2, None) - _slice(f, axis, 0, -2)) / (2.0 * h)
    if edge_order == 1:
        first = (_at(f, axis, 1) - _at(f, axis, 0)) / h
        last = (_at(f, axis, -1) - _at(f, axis, -2)) / h
    else:
        first = (-1.5 * _at(f, axis, 0) + 2.0 * _at(f, axis, 1)
                 - 0.5 * _at(f, axis, 2)) / h
        last = (0.5 * _at(f, axis, -3) - 2.0 * _at(f, axis, -2)
                + 1.5 * _at(f, axis, -1)) / h
    return cat([first, inner, last], axis)


def _shaped(v, axis, ndim):
    """A 1-D tensor laid along `axis` of an ndim-dim tensor, for broadcasting."""
    return v.reshape([-1 if i == axis else 1 for i in range(ndim)])


def _coordinates(f, axis, x, edge_order):
    """df/dx along axis at the coordinates x (1-D, one per sample), numpy's formulas."""
    n = f.shape[axis]
    if x.shape[0] != n:
        raise ArgumentError(f"{_OP} expected each tensor to be on the same device, and the "
                            f"coordinates of dim {axis} to have {n} elements, got "
                            f"{x.shape[0]}")
    x = x.to(f.dtype) if x.dtype != f.dtype else x
    dx = x[1:] - x[:-1]
    d1, d2 = _shaped(dx[:-1], axis, f.ndim), _shaped(dx[1:], axis, f.ndim)
    a = -d2 / (d1 * (d1 + d2))
    b = (d2 - d1) / (d1 * d2)
    c = d1 / (d2 * (d1 + d2))
    inner = (a * _slice(f, axis, 0, -2) + b * _slice(f, axis, 1, -1)
             + c * _slice(f, axis, 2, None))
    if edge_order == 1:
        first = (_at(f, axis, 1) - _at(f, axis, 0)) / dx[0]
        last = (_at(f, axis, -1) - _at(f, axis, -2)) / dx[-1]
    else:
        h1, h2 = dx[0], dx[1]
        first = (-(2.0 * h1 + h2) / (h1 * (h1 + h2)) * _at(f, axis, 0)
                 + (h1 + h2) / (h1 * h2) * _at(f, axis, 1)
                 - h1 / (h2 * (h1 + h2)) * _at(f, axis, 2))
        h1, h2 = dx[-2], dx[-1]
        last = (h2 / (h1 * (h1 + h2)) * _at(f, axis, -3)
                - (h2 + h1) / (h1 * h2) * _at(f, axis, -2)
                + (2.0 * h2 + h1) / (h2 * (h1 + h2)) * _at(f, axis, -1))
    return cat([first, inner, last], axis)


def gradient(input, *, spacing=1, dim=None, edge_order=1):  # noqa: A002  (PyTorch's name)
    """-> a tuple with df/dx_d for each dim d (all dims when dim is None), each of input's
    shape. spacing: one number (the step of every dim), one number per dim, or one 1-D tensor
    of coordinates per dim. edge_order 1 or 2: the order of the one-sided differences at the
    edges (the interior is always second order). Integer input gives the default float
    dtype; every dim needs at least edge_order + 1 samples."""
    if not isinstance(input, _tm.Tensor):
        raise TypeError(f"gradient(): argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    if edge_order not in (1, 2):
        raise ArgumentError(f"{_OP} only supports edge_order=1 and edge_order=2.")
    f = input if input.dtype.kind == "f" else input.to(dtypes._default_dtype)
    if input.ndim == 0:
        return ()
    if dim is None:
        dims = list(range(input.ndim))
    else:
        listed = list(dim) if isinstance(dim, (list, tuple)) else [dim]
        axes = [d % input.ndim if isinstance(d, (int, np.integer)) else d for d in listed]
        if len(set(axes)) != len(axes):
            raise ArgumentError(f"{_OP}: dim {axes[0]} appears multiple times in the list "
                                f"of dims")
        _axes(listed, input.ndim, "gradient")   # range and type checks
        dims = axes
    steps = _spacings(spacing, dims, input.ndim)
    for axis in dims:
        if input.shape[axis] < edge_order + 1:
            raise ArgumentError(f"{_OP} expected each dimension size to be at least "
                                f"edge_order+1")
    return tuple(_coordinates(f, axis, s, edge_order) if isinstance(s, _tm.Tensor)
                 else _uniform(f, axis, s, edge_order) for axis, s in zip(dims, steps))


__all__ = ["gradient"]
