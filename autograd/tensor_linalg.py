"""Tensor's matrix methods (a mixin of Tensor: mm, bmm, tril, triu) and the free functions
matmul, mm, bmm and einsum."""
from __future__ import annotations

import string

import numpy as np

from . import tensor_math as _tm  # Tensor is bound there once tensor.py has defined it
from .ops import elementwise_more as E
from .ops import linalg as L
from .ops import matrix as X
from .torch_errors import ArgumentError


class LinalgMixin:
    """Matrix products and triangular masks of Tensor."""

    __slots__ = ()

    def mm(self, mat2):
        return mm(self, mat2)

    def matmul(self, other):
        return matmul(self, other)

    def dot(self, other):
        """(n,) . (n,) -> 0-d; both 1-D of one dtype, as in PyTorch."""
        other = _tm._t(other)
        if self._data.ndim != 1 or other._data.ndim != 1:
            raise RuntimeError(f"dot: expected 1-D tensors, got shapes {tuple(self.shape)} and "
                               f"{tuple(other.shape)}")
        if self._data.shape != other._data.shape:
            raise RuntimeError(f"dot: inconsistent sizes {tuple(self.shape)} and "
                               f"{tuple(other.shape)}")
        return matmul(self, other)

    def outer(self, vec2):
        """(n,) x (m,) -> (n, m), out[i, j] = self[i] * vec2[j]."""
        vec2 = _tm._t(vec2)
        if self._data.ndim != 1 or vec2.data.ndim != 1:
            raise RuntimeError(f"outer: expected 1-D tensors, got shapes {tuple(self.shape)} and "
                               f"{tuple(vec2.shape)}")
        return self.reshape(-1, 1) * vec2.reshape(1, -1)

    ger = outer

    def diag(self, diagonal=0):
        """(n,) -> (n+|k|, n+|k|) with self on diagonal k; (r, c) -> its diagonal k, 1-D."""
        if self._data.ndim not in (1, 2):
            raise RuntimeError(f"diag: expected a 1-D or 2-D tensor, got shape {tuple(self.shape)}")
        if not isinstance(diagonal, (int, np.integer)) or isinstance(diagonal, bool):
            raise TypeError(f"diag: diagonal must be an int, got {diagonal!r}")
        return E.Diag.apply(self, diagonal=int(diagonal))

    def bmm(self, mat2):
        return bmm(self, mat2)

    def tril(self, diagonal=0):
        """The lower triangle (j <= i + diagonal) of the last two dims; zeros elsewhere."""
        return self._triangle(diagonal, False)

    def triu(self, diagonal=0):
        """The upper triangle (j >= i + diagonal) of the last two dims; zeros elsewhere."""
        return self._triangle(diagonal, True)

    def _triangle(self, diagonal, upper):
        op = "triu" if upper else "tril"
        if self._data.ndim < 2:
            raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions, got shape "
                               f"{tuple(self.shape)}")
        if not isinstance(diagonal, (int, np.integer)) or isinstance(diagonal, bool):
            raise TypeError(f"{op}: diagonal must be an int, got {diagonal!r}")
        return X.Triangle.apply(self, diagonal=int(diagonal), upper=upper)


def matmul(a, b) -> _tm.Tensor:
    """a @ b with numpy's rules: (..., n, k) @ (..., k, m) -> (..., n, m); 1-D operands allowed."""
    a, b = _tm._t(a), _tm._t(b)
    sa, sb = a._data.shape, b._data.shape
    if a._data.ndim == 0 or b._data.ndim == 0:
        raise ValueError(f"matmul: both operands need at least one dim, got shapes {sa} and {sb}")
    if sa[-1] != sb[-2 if len(sb) > 1 else 0]:
        raise ArgumentError(f"matmul: shapes {sa} and {sb} are not aligned "
                         f"({sa[-1]} != {sb[-2 if len(sb) > 1 else 0]})")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"matmul: expected both operands to have the same dtype, got "
                           f"{a._data.dtype} and {b._data.dtype}")
    try:
        return L.MatMul.apply(a, b)
    except ValueError as e:
        raise ValueError(f"matmul: batch dims of shapes {sa} and {sb} cannot be broadcast") from e


def _same_dtype(op, a, b):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"{op}: expected both operands to have the same dtype, got "
                           f"{a._data.dtype} and {b._data.dtype}")


def mm(input, mat2) -> _tm.Tensor:  # noqa: A002
    """Matrix product without broadcasting: (n, k) @ (k, m) -> (n, m)."""
    a, b = _tm._t(input), _tm._t(mat2)
    sa, sb = a._data.shape, b._data.shape
    if a._data.ndim != 2 or b._data.ndim != 2:
        raise RuntimeError(f"mm: both operands must be matrices (2-D), got shapes {sa} and {sb}")
    if sa[1] != sb[0]:
        raise RuntimeError(f"mm: shapes {sa} and {sb} cannot be multiplied ({sa[1]} != {sb[0]})")
    _same_dtype("mm", a, b)
    return L.MatMul.apply(a, b)


def bmm(input, mat2) -> _tm.Tensor:  # noqa: A002
    """Batched matrix product without broadcasting: (b, n, k) @ (b, k, m) -> (b, n, m)."""
    a, b = _tm._t(input), _tm._t(mat2)
    sa, sb = a._data.shape, b._data.shape
    if a._data.ndim != 3 or b._data.ndim != 3:
        raise RuntimeError(f"bmm: both operands must be 3-D, got shapes {sa} and {sb}")
    if sa[0] != sb[0] or sa[2] != sb[1]:
        raise RuntimeError(f"bmm: shapes {sa} and {sb} cannot be multiplied (expected the "
                           f"second one to be ({sa[0]}, {sa[2]}, m))")
    _same_dtype("bmm", a, b)
    return L.MatMul.apply(a, b)


def einsum(equation, *operands) -> _tm.Tensor:
    """Einstein summation, as torch.einsum: einsum("ij,jk->ik", a, b) or einsum(eq, [a, b]);
    labels are letters, "..." stands for broadcast dims, no "->" sorts the output labels."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = operands[0]
    if not isinstance(equation, str):
        raise TypeError(f"einsum: equation must be a str, got {type(equation).__name__}")
    tensors = [_tm._t(t) for t in operands]
    if not tensors:
        raise ValueError("einsum: needs at least one operand")
    inputs, output = _parse_einsum(equation.replace(" ", ""), [t._data.shape for t in tensors])
    dtypes = {t._data.dtype for t in tensors}
    if len(dtypes) > 1:
        raise RuntimeError(f"einsum: expected all operands to have the same dtype, got "
                           f"{[str(t._data.dtype) for t in tensors]}")
    if len(tensors) == 1 and len(set(inputs[0])) == len(inputs[0]) and \
            sorted(inputs[0]) == sorted(output):   # a pure permutation: a view, as torch's
        return tensors[0].permute(*[inputs[0].index(c) for c in output])
    if len(tensors) == 1 and len(inputs[0]) == 2 and inputs[0] == output * 2:   # "ii->i"
        return tensors[0].diagonal()
    try:
        return X.Einsum.apply(*tensors, inputs=inputs, output=output)
    except ValueError as e:
        raise ValueError(f"einsum: operands of shapes {[t._data.shape for t in tensors]} do not "
                         f"fit the equation {equation!r}: {e}") from None


def _parse_einsum(equation, shapes):
    """(inputs, output): one label string per operand and the output's, with "..." replaced by
    fresh letters (right-aligned, as broadcasting) and an implicit output made explicit."""
    def fail(why):
        raise ValueError(f"einsum: {why} (equation {equation!r}, operand shapes {shapes})")

    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        fail(f"{len(terms)} operand terms but {len(shapes)} operands")
    letters = set(string.ascii_letters)
    if any(c not in letters for c in lhs.replace("...", "").replace(",", "")) or \
            any(c not in letters for c in rhs.replace("...", "")):
        fail("labels must be letters, with '...' for broadcast dims")
    counts, ellipsis = [], 0
    for term, shape in zip(terms, shapes):
        if term.count("...") > 1 or (term.count(".") % 3):
            fail(f"term {term!r} has a malformed ellipsis")
        n = len(term.replace("...", ""))
        if ("..." in term and n > len(shape)) or ("..." not in term and n != len(shape)):
            fail(f"term {term!r} has {n} labels for an operand of shape {shape}")
        counts.append(len(shape) - n)
        ellipsis = max(ellipsis, counts[-1])
    fresh = "".join(c for c in string.ascii_letters if c not in equation)[:ellipsis]
    inputs = tuple(t.replace("...", fresh[ellipsis - k:]) for t, k in zip(terms, counts))
    if arrow:
        if rhs.count("...") > 1 or (rhs.count(".") % 3):
            fail("the output has a malformed ellipsis")
        output = rhs.replace("...", fresh)
        used = set("".join(inputs))
        if len(set(output)) != len(output) or any(c not in used for c in output):
            fail("output labels must be distinct and appear in an input")
    else:
        once = [c for c in set("".join(terms)) if "".join(terms).count(c) == 1 and c != "."]
        output = fresh + "".join(sorted(once))
    return inputs, output
