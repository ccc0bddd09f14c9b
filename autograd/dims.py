"""Dim and shape arguments of tensor methods, normalized and checked; numpy's error
messages reworded."""
from __future__ import annotations

import operator
import re

import numpy as np


def _axes(dim, ndim, op):
    """Normalize dim (None, int or sequence) to a sorted tuple of non-negative axes, or None."""
    if dim is None:
        return None
    if dim.__class__ is int and -ndim <= dim < ndim:   # the common case, on every call of
        return (dim % ndim,)                           # sum(dim), softmax(dim), cat, ...
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if not all(isinstance(d, (int, np.integer)) for d in dims):
        raise TypeError(f"{op}: dim must be an int or a tuple of ints, got {dim!r}")
    if ndim == 0:
        if all(d in (0, -1) for d in dims):
            return None
        raise IndexError(f"{op}: dim {dim} is out of range for a 0-d tensor")
    out = []
    for d in dims:
        if not -ndim <= d < ndim:
            raise IndexError(f"{op}: dim {d} is out of range for a tensor with {ndim} dims "
                             f"(expected one in [{-ndim}, {ndim - 1}])")
        out.append(d % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: dim {dim} repeats an axis")
    return tuple(sorted(out))


def _one_axis(dim, ndim, op):
    """One dim (an int) as a non-negative axis; a 0-d tensor accepts 0 and -1."""
    if dim.__class__ is int and -ndim <= dim < ndim:   # the common case (ndim > 0)
        return dim % ndim
    if dim is None:
        raise TypeError(f"{op}: dim must be an int, got None")
    axes = _axes(dim, max(ndim, 1), op)
    return axes[0]


def _shape_arg(args, op=None):
    """A shape passed as `f(2, 3)` or `f((2, 3))`, as a tuple. Its entries must be integers
    (ints, numpy integers, 0-d integer tensors): a float raises a TypeError here, as in torch,
    rather than numpy's bare one from inside the op."""
    shape = tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) \
        else tuple(args)
    for i, n in enumerate(shape):
        if n.__class__ is not int and not isinstance(n, np.integer):
            try:
                n = operator.index(n)   # a 0-d integer tensor: its value (lengths.max())
            except TypeError:
                where = f"{op}: " if op else ""
                raise TypeError(f"{where}sizes must be ints, got {shape}: entry {i} is "
                                f"{type(n).__name__} {n!r}") from None
            shape = shape[:i] + (n,) + shape[i + 1:]
    return shape


def _keyword(args: tuple, kwargs: dict, name: str, op: str) -> tuple:
    """The positional sizes or dims of a method, or torch's keyword for them (x.permute(dims=
    (1, 0)), x.view(size=(2, 3))): the one given."""
    if kwargs:
        if set(kwargs) != {name} or args:
            raise TypeError(f"{op}: takes its sizes positionally or as {name}=, got "
                            f"{len(args)} positional and keywords {sorted(kwargs)}")
        return (kwargs[name],)
    return args


NO_DIM = object()   # the default of a required dim that numpy's axis= may give instead


def _numpy_names(op: str, dim, keepdim, axis, keepdims) -> tuple:
    """(dim, keepdim) of a reduction called with numpy's names axis= / keepdims=, which
    PyTorch accepts as aliases; a dim left at NO_DIM must come as axis."""
    if dim is NO_DIM:
        if axis is None:
            raise TypeError(f'{op}() missing 1 required positional arguments: "dim"')
        dim = None
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: got dim={dim!r} and its alias axis={axis!r}; pass one")
        dim = axis
    return dim, keepdim if keepdims is None else bool(keepdims)


def _size_arg(args, size, op):
    """A shape passed as `f(2, 3)`, `f((2, 3))` or, as torch allows, `f(size=(2, 3))`."""
    if size is None:
        return _shape_arg(args, op)
    if args:
        raise TypeError(f"{op}() got multiple values for argument 'size'")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"{op}(): argument 'size' must be tuple of ints, not "
                        f"{type(size).__name__}")
    return _shape_arg((size,), op)


def _numpy_message(e: Exception) -> str:
    """numpy's message with its shapes spelled as Python tuples: (2,3) -> (2, 3)."""
    return re.sub(r"\((\d+(?:,\d+)+),?\)", lambda m: f"({m.group(1).replace(',', ', ')})",
                  str(e)).strip()

