"""PyTorch's pre-torch.linalg names for decompositions and solves, as functions
(autograd.svd, autograd.qr, ...) and Tensor methods (a mixin of Tensor): svd (U, S, V with
V not transposed), qr(some), cholesky(upper), cholesky_solve, cholesky_inverse,
triangular_solve, slogdet, matrix_power, matrix_exp, chain_matmul, lu, lu_solve, and
torch.lu_unpack (a function only, as torch's).

Each maps onto autograd.linalg, so it shares its ops, VJPs and argument checks. Where torch
warns that a name is deprecated (cholesky, qr, triangular_solve, chain_matmul, lu, lu_solve),
so does this module, with torch's replacement.
"""
from __future__ import annotations

import warnings
from collections import namedtuple

from . import linalg as LA
from . import tensor_math as _tm  # its Tensor is bound by tensor.py once the class exists
from .linalg_lu import lu_unpack  # noqa: F401  (torch.lu_unpack)
from .torch_errors import ArgumentError

# torch.return_types.*
Svd = namedtuple("svd", ["U", "S", "V"])
Qr = namedtuple("qr", ["Q", "R"])
Slogdet = namedtuple("slogdet", ["sign", "logabsdet"])
TriangularSolve = namedtuple("triangular_solve", ["solution", "cloned_coefficient"])
LUWithInfo = namedtuple("_lu_with_info", ["LU", "pivots", "info"])


def _deprecated(old, new):
    warnings.warn(f"torch.{old} is deprecated in favor of {new} and will be removed in a "
                  f"future PyTorch release.", UserWarning, stacklevel=3)


def _tensor(op, x, name="input"):
    if not isinstance(x, _tm.Tensor):
        raise TypeError(f"{op}: {name} must be a tensor, got {type(x).__name__}")
    return x


def _triangle_read(L, upper):
    """L with the triangle that LAPACK ignores zeroed in value, but with the identity as its
    gradient to every element: torch's VJPs for cholesky_solve / cholesky_inverse are the
    dense formulas (they treat L as a full matrix), and this reproduces them exactly."""
    other = L.tril(-1) if upper else L.triu(1)
    return (L.triu() if upper else L.tril()) + (other - other.detach())


def svd(input, some=True, compute_uv=True):  # noqa: A002  (PyTorch's name)
    """(U, S, V) with input = U diag(S) V^T: input (*, m, n), S (*, k) descending,
    k = min(m, n); some=True: U (*, m, k), V (*, n, k); some=False: U (*, m, m),
    V (*, n, n). compute_uv=False: S alone is computed, U and V are zero (*, m, m) and
    (*, n, n) without gradient, as torch."""
    op = "svd"
    A = _tensor(op, input)
    if not compute_uv:
        S = LA.svdvals(A)
        m, n = A.shape[-2:]
        zeros = A.detach().new_zeros
        return Svd(zeros(tuple(A.shape[:-2]) + (m, m)), S,
                   zeros(tuple(A.shape[:-2]) + (n, n)))
    U, S, Vh = LA.svd(A, full_matrices=not some)
    return Svd(U, S, Vh.mT)


def qr(input, some=True):  # noqa: A002
    """(Q, R) with input = QR: some=True the reduced factors Q (*, m, k), R (*, k, n),
    k = min(m, n); some=False the complete ones, Q (*, m, m), R (*, m, n)."""
    _deprecated("qr", "torch.linalg.qr (mode='reduced' if some else 'complete')")
    Q, R = LA.qr(_tensor("qr", input), "reduced" if some else "complete")
    return Qr(Q, R)


def cholesky(input, upper=False):  # noqa: A002
    """L (lower, input = L L^T) or, with upper=True, U = L^T (input = U^T U)."""
    _deprecated("cholesky", "torch.linalg.cholesky (and .mH for upper=True)")
    return LA.cholesky(_tensor("cholesky", input), upper=upper)


def cholesky_solve(B, L, upper=False):
    """X with (L L^T) X = B, from the Cholesky factor L (*, n, n) (U with U^T U when
    upper=True; its other triangle is not read); B (*, n, k); batch dims broadcast."""
    op = "cholesky_solve"
    _tensor(op, B, "B"), _tensor(op, L, "L")
    if B.ndim < 2 or L.ndim < 2:
        raise ArgumentError(f"{op}: b and A should have at least 2 dimensions, got shapes "
                            f"{tuple(B.shape)} and {tuple(L.shape)}")
    T = _triangle_read(L, upper)
    A = T.mT @ T if upper else T @ T.mT
    return LA.solve(A, B)


def cholesky_inverse(L, upper=False):
    """(L L^T)^-1 from the Cholesky factor L (*, n, n) (U^T U with upper=True)."""
    op = "cholesky_inverse"
    LA._matrix(op, _tensor(op, L, "L"), "L", square=True)
    T = _triangle_read(L, upper)
    return LA.inv(T.mT @ T if upper else T @ T.mT)


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):
    """(X, A.clone()) with A X = b (A^T X = b when transpose) for the upper or lower
    triangle of A (unitriangular: ones taken on its diagonal); b (*, n, k)."""
    _deprecated("triangular_solve", "torch.linalg.solve_triangular (note its argument order)")
    op = "triangular_solve"
    _tensor(op, b, "b"), _tensor(op, A, "A")
    T = A.mT if transpose else A
    X = LA.solve_triangular(T, b, upper=bool(upper) != bool(transpose),
                            unitriangular=unitriangular)
    return TriangularSolve(X, A.clone())


def slogdet(input):  # noqa: A002
    """(sign, log|det|) of (*, n, n) matrices, each (*)."""
    sign, logabsdet = LA.slogdet(_tensor("slogdet", input))
    return Slogdet(sign, logabsdet)


def matrix_power(input, n):  # noqa: A002
    """input^n for square matrices (*, m, m); n < 0 uses the inverse, n = 0 the identity."""
    return LA.matrix_power(_tensor("matrix_power", input), n)


def matrix_exp(input):  # noqa: A002
    """The matrix exponential of (*, n, n) matrices."""
    return LA.matrix_exp(_tensor("matrix_exp", input))


def chain_matmul(*matrices, out=None):
    """The product of 2-D matrices, multiplied in the cheapest order (one matrix is
    returned as is)."""
    _deprecated("chain_matmul", "torch.linalg.multi_dot, which accepts a list of two or more "
                                "tensors rather than multiple parameters")
    if out is not None:
        raise TypeError("chain_matmul: out= is not supported")
    if not matrices:
        raise ArgumentError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        _tensor("chain_matmul", m, "matrix")
        if m.ndim != 2:
            raise ArgumentError(f"chain_matmul: Tensor dimension is {m.ndim}, expected 2 "
                                f"instead.")
    if len(matrices) == 1:
        return matrices[0].clone()
    return LA.multi_dot(list(matrices))


def lu(A, pivot=True, get_infos=False):
    """(LU, pivots) of A (*, m, n) as linalg.lu_factor, without raising for a singular A
    (as torch's); get_infos=True adds info: (LU, pivots, info)."""
    _deprecated("lu", "torch.linalg.lu_factor / torch.linalg.lu_factor_ex")
    LU, pivots, info = LA.lu_factor_ex(_tensor("lu", A, "A"), pivot=pivot)
    return LUWithInfo(LU, pivots, info) if get_infos else (LU, pivots)


def lu_solve(b, LU_data, LU_pivots):  # noqa: N803
    """X with A X = b from A's (LU, pivots): linalg.lu_solve(LU_data, LU_pivots, b)."""
    _deprecated("lu_solve", "torch.linalg.lu_solve (note its arguments are reversed)")
    return LA.lu_solve(LU_data, LU_pivots, _tensor("lu_solve", b, "b"))


class LinalgLegacyMixin:
    """svd, qr, cholesky, cholesky_solve, cholesky_inverse, triangular_solve, slogdet,
    matrix_power, matrix_exp, lu, lu_solve as Tensor methods."""

    __slots__ = ()

    def svd(self, some=True, compute_uv=True):
        return svd(self, some, compute_uv)

    def qr(self, some=True):
        return qr(self, some)

    def cholesky(self, upper=False):
        return cholesky(self, upper)

    def cholesky_solve(self, input2, upper=False):
        """X with (L L^T) X = self, L = input2."""
        return cholesky_solve(self, input2, upper)

    def cholesky_inverse(self, upper=False):
        return cholesky_inverse(self, upper)

    def triangular_solve(self, A, upper=True, transpose=False, unitriangular=False):
        return triangular_solve(self, A, upper, transpose, unitriangular)

    def slogdet(self):
        return slogdet(self)

    def matrix_power(self, n):
        return matrix_power(self, n)

    def matrix_exp(self):
        return matrix_exp(self)

    def lu(self, pivot=True, get_infos=False):
        return lu(self, pivot, get_infos)

    def lu_solve(self, LU_data, LU_pivots):  # noqa: N803
        """X with A X = self, A given by its (LU, pivots)."""
        return lu_solve(self, LU_data, LU_pivots)


__all__ = ["svd", "qr", "cholesky", "cholesky_solve", "cholesky_inverse", "triangular_solve",
           "slogdet", "matrix_power", "matrix_exp", "chain_matmul", "lu", "lu_solve", "lu_unpack"]
