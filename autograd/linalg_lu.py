"""torch.linalg's LU family and its kin, part of autograd.linalg: lu_factor(_ex), lu,
lu_solve, lu_unpack (torch.lu_unpack), solve_ex, cholesky_ex, vander, tensorinv and
tensorsolve, for real float32/float64 tensors batched over leading dims.

The factorization (ops.linalg_lu.LUFactor) and the triangular solves (TriangularSolve) are the
ops with their own VJPs; lu, lu_unpack, lu_solve and solve_ex are composed from them and
Tensor ops, as are vander, tensorinv and tensorsolve. Pivots and info are int32 and
1-based, as LAPACK's and torch's; errors are torch's, naming the op, shapes and dtypes.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from . import tensor_math as _tm  # its Tensor is bound by tensor.py once the class exists
from .kernels import lu as K
from .linalg import (_abouts, _constant, _equation, _float, _matrix, _same_dtype, _tensors,
                     inv, solve)
from .ops import linalg_decomp as D
from .ops import linalg_lu as O
from .ops.linalg_decomp import LinAlgError, about
from .tensor_shape import stack
from .torch_errors import ArgumentError, DtypeError

# torch.return_types.linalg_lu_factor, ..._ex, linalg_lu / lu_unpack, ..._solve_ex, ...
LUFactor = namedtuple("LUFactor", ["LU", "pivots"])
LUFactorEx = namedtuple("LUFactorEx", ["LU", "pivots", "info"])
PLU = namedtuple("PLU", ["P", "L", "U"])
SolveEx = namedtuple("SolveEx", ["result", "info"])
CholeskyEx = namedtuple("CholeskyEx", ["L", "info"])


def _batch_element(info):
    """torch's '(Batch element i): ' for the first nonzero info of a batch, '' for a matrix."""
    return f"(Batch element {int(np.flatnonzero(info)[0])}): " if info.ndim else ""


# ------------------------------------------------------------------------- LU factor
def _factor(op, A, pivot, check_errors):
    """(LU, pivots, info) with LU recorded; check_errors raises at a zero pivot."""
    _matrix(op, A)
    if not pivot:
        raise ArgumentError(f"{op}: LU without pivoting is not implemented on the CPU "
                            f"({about(A)})")
    lu, piv, info = K.lu_factor(A.data)
    if check_errors and info.any():
        i = int(info.reshape(-1)[np.flatnonzero(info)[0]])
        raise LinAlgError(f"{op}: {_batch_element(info)}U[{i},{i}] is zero and using it on "
                          f"lu_solve would result in a division by zero. If you still want "
                          f"to perform the factorization, consider calling linalg.lu(A, pivot) "
                          f"or linalg.lu_factor_ex(A, pivot) ({about(A)})")
    return O.LUFactor.apply(A, lu=lu, pivots=piv), piv, info


def lu_factor_ex(A, *, pivot=True, check_errors=False):
    """(LU, pivots, info) of A = P L U, A (*, m, n): LU (*, m, n) packs L's strict lower
    triangle (unit diagonal implied) and U; pivots (*, min(m, n)) int32, 1-based (row i was
    swapped with row pivots[i]); info (*) int32, 0 or the 1-based index of the first zero
    pivot (check_errors=True raises there instead). Differentiable in A."""
    LU, piv, info = _factor("linalg.lu_factor_ex", A, pivot, check_errors)
    return LUFactorEx(LU, _constant(piv), _constant(info))


def lu_factor(A, *, pivot=True):
    """(LU, pivots) as lu_factor_ex; a zero pivot (a singular A) raises LinAlgError."""
    LU, piv, _ = _factor("linalg.lu_factor", A, pivot, True)
    return LUFactor(LU, _constant(piv))


def lu(A, *, pivot=True):
    """(P, L, U) with A = P L U, A (*, m, n): P (*, m, m) a permutation, L (*, m, k) unit
    lower triangular, U (*, k, n) upper triangular, k = min(m, n). Differentiable in A
    (through L and U)."""
    LU, piv, _ = _factor("linalg.lu", A, pivot, False)
    return PLU(*_unpack(LU, piv, True, True))


def _unpack(LU, piv, data, pivots):
    """(P, L, U) of the packed factor LU (a Tensor) and pivots (an array); empty tensors for
    the parts not asked for."""
    m, n = LU.shape[-2:]
    k = min(m, n)
    empty = _constant(np.zeros(0, LU.dtype))
    L = U = P = empty
    if data:
        L = LU[..., :, :k].tril(-1) + _constant(np.eye(m, k, dtype=LU.dtype))
        U = LU[..., :k, :].triu()
    if pivots:
        batch = np.broadcast_shapes(LU.shape[:-2], piv.shape[:-1])
        P = _constant(O.permutation_matrix(np.broadcast_to(piv, batch + (k,)), m, LU.dtype))
    return P, L, U


def _pivots(op, pivots, name="pivots"):
    _tensors(op, **{name: pivots})
    if pivots.dtype != np.int32:
        raise DtypeError(f"{op}: {name} should be a Tensor of scalar type torch.int32, got "
                         f"{about(pivots, name)}")
    return pivots.data


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):  # noqa: N803
    """(P, L, U) from lu_factor's (LU, pivots): LU (*, m, n) -> P (*, m, m), L (*, m, k),
    U (*, k, n); unpack_data=False leaves L and U empty, unpack_pivots=False P. L and U are
    differentiable in LU."""
    op = "torch.lu_unpack"
    _tensors(op, LU=LU_data)
    if LU_data.ndim < 2:
        raise ArgumentError(f"{op}: Expected tensor with 2 or more dimensions, got "
                            f"{about(LU_data, 'LU')}")
    piv = _pivots(op, LU_pivots, "LU_pivots")
    m, n = LU_data.shape[-2:]
    if unpack_pivots:
        try:
            np.broadcast_shapes(piv.shape, LU_data.shape[:-2] + (min(m, n),))
        except ValueError:
            raise ArgumentError(f"{op}: LU_pivots must have shape LU.shape[:-2] + "
                                f"(min(m, n),): {_abouts(LU=LU_data, LU_pivots=piv)}") from None
        if piv.ndim == 0 or piv.shape[-1] != min(m, n) or ((piv < 1) | (piv > m)).any():
            raise ArgumentError(f"{op}: pivots passed to lu_unpack must be between 1 and "
                                f"LU.size(-2) inclusive. Did you properly pass the result of "
                                f"lu_factor? ({_abouts(LU=LU_data, LU_pivots=piv)})")
    return PLU(*_unpack(LU_data, piv, bool(unpack_data), bool(unpack_pivots)))


# ------------------------------------------------------------------------- solves
def _rows(X, order):
    """X with its rows (dim -2) taken in `order` (an int array (*, n) whose batch dims
    broadcast with X's), recorded."""
    lead = max(X.ndim - 2, order.ndim - 1)
    X = X.reshape((1,) * (lead + 2 - X.ndim) + tuple(X.shape))
    idx = order.reshape((1,) * (lead + 1 - order.ndim) + order.shape + (1,))
    return X.take_along_dim(_constant(idx.astype(np.int64)), -2)


def _lu_solve(LU, piv, B, left, adjoint):
    """X with op(A) X = B (X op(A) = B when not left), A = P L U, op(A) = A^T if adjoint."""
    if not left:   # X A = B is A^T X^T = B^T
        return _lu_solve(LU, piv, B.mT, True, not adjoint).mT
    perm = K.permutation(piv, LU.shape[-1])
    if not adjoint:   # U^{-1} L^{-1} P^T B
        Y = O.TriangularSolve.apply(LU, _rows(B, perm), upper=False, unit=True)
        return O.TriangularSolve.apply(LU, Y, upper=True, unit=False)
    # A^T = U^T L^T P^T: P L^{-T} U^{-T} B
    Y = O.TriangularSolve.apply(LU.mT, B, upper=False, unit=False)
    Y = O.TriangularSolve.apply(LU.mT, Y, upper=True, unit=True)
    return _rows(Y, np.argsort(perm, axis=-1))


def lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    """X with A X = B from lu_factor's (LU, pivots) of A (*, n, n); left=False: X A = B;
    adjoint=True: A^T in place of A. B (*, n, k) ((*, k, n) when not left), batch dims
    broadcast. Differentiable in LU and B. No check: a zero pivot gives inf and nan."""
    op = "linalg.lu_solve"
    _matrix(op, LU, "LU", square=True)
    piv = _pivots(op, pivots)
    if piv.ndim == 0 or piv.shape[-1] != LU.shape[-1]:
        raise ArgumentError(f"{op}: number of pivots per batch should be same as the "
                            f"dimension of the matrix, got {_abouts(LU=LU, pivots=piv)}")
    if piv.shape != LU.shape[:-1]:
        raise ArgumentError(f"{op}: expected LU.shape[:-1] and pivots.shape to be the same, "
                            f"got {_abouts(LU=LU, pivots=piv)}")
    _float(op, B, "B")
    if B.ndim < 2:
        raise ArgumentError(f"{op}: the input tensor B must have at least 2 dimensions, got "
                            f"{about(B, 'B')}")
    _same_dtype(op, LU=LU, B=B)
    _equation(op, LU, B, left)
    if ((piv < 1) | (piv > LU.shape[-1])).any():
        raise ArgumentError(f"{op}: pivots must be between 1 and n = {LU.shape[-1]}, got "
                            f"{_abouts(LU=LU, pivots=piv)}")
    return _lu_solve(LU, piv, B, bool(left), bool(adjoint))


def solve_ex(A, B, *, left=True, check_errors=False):
    """(result, info): linalg.solve's X through an LU factorization of A (*, n, n), which
    never raises for a singular A unless check_errors: info (A's batch shape) int32 is 0 or
    the 1-based index of the first zero pivot, where X holds inf and nan."""
    op = "linalg.solve_ex"
    _matrix(op, A, square=True), _float(op, B, "B")
    _same_dtype(op, A=A, B=B)
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    Bm = B.unsqueeze(-1) if vector else B
    _equation(op, A, Bm, left)
    LU, piv, info = _factor(op, A, True, False)
    if check_errors and info.any():
        raise LinAlgError(f"torch.{op}: {_batch_element(info)}The solver failed because the "
                          f"input matrix is singular. ({_abouts(A=A, B=B)})")
    X = _lu_solve(LU, piv, Bm, bool(left), False)
    return SolveEx(X.squeeze(-1) if vector else X, _constant(info))


def cholesky_ex(A, *, upper=False, check_errors=False):
    """(L, info): linalg.cholesky's factor without raising unless check_errors; info (*)
    int32 is 0 or the order of the first leading minor that is not positive-definite, where
    L is LAPACK's factorization stopped there (and carries no gradient)."""
    op = "linalg.cholesky_ex"
    _matrix(op, A, square=True)
    a = A.data.swapaxes(-1, -2) if upper else A.data
    partial, info = K.cholesky(a)
    if check_errors and info.any():
        order = int(info.reshape(-1)[np.flatnonzero(info)[0]])
        raise LinAlgError(f"{op}: {_batch_element(info)}The factorization could not be "
                          f"completed because the input is not positive-definite (the leading "
                          f"minor of order {order} is not positive-definite). ({about(A)})")
    if not info.any():
        return CholeskyEx(D.Cholesky.apply(A, upper=bool(upper)), _constant(info))
    bad = _constant((info != 0)[..., None, None])
    eye = _constant(np.broadcast_to(np.eye(A.shape[-1], dtype=A.dtype), A.shape))
    L = D.Cholesky.apply(_tm.where(bad, eye, A), upper=bool(upper))
    partial = partial.swapaxes(-1, -2).copy() if upper else partial
    return CholeskyEx(_tm.where(bad, _constant(partial), L), _constant(info))


# -------------------------------------------------------------- composed from other ops
def vander(x, *, N=None):  # noqa: N803  (torch's name)
    """The Vandermonde matrices of x (*, n): (*, n, N) with columns x^0, x^1, ..., x^(N-1);
    N defaults to n and must be at least 2. Integer x gives int64, as torch's."""
    op = "linalg.vander"
    _tensors(op, x=x)
    if x.dtype.kind == "b":
        raise DtypeError(f"{op} supports floating point and integer tensors, got "
                         f"{about(x, 'x')}")
    if x.ndim == 0:   # torch reads a 0-d x as one value
        x = x.reshape(1)
    N = x.shape[-1] if N is None else N
    if not isinstance(N, (int, np.integer)) or isinstance(N, bool) or N <= 1:
        raise ArgumentError(f"{op}: N must be greater than 1, got {N!r} (x of shape "
                            f"{tuple(x.shape)})")
    if x.dtype.kind != "f":
        x = x.to(np.int64)
    columns = [_tm.Tensor._wrap(np.ones(x.shape, x.dtype), False), x]
    for _ in range(int(N) - 2):   # repeated products, as torch's cumprod (exact at 0)
        columns.append(columns[-1] * x)
    return stack(columns, -1)


def tensorinv(A, ind=2):
    """The inverse of A seen as a linear map from its dims [ind:] to [:ind]: A of shape
    (*front, *back) with prod(front) == prod(back) -> (*back, *front)."""
    op = "linalg.tensorinv"
    _tensors(op, A=A)
    if not isinstance(ind, (int, np.integer)) or isinstance(ind, bool) or ind <= 0:
        raise ArgumentError(f"{op}: expected a strictly positive integer for 'ind', but got "
                            f"{ind!r}")
    front, back = A.shape[:ind], A.shape[ind:]
    if np.prod(front, dtype=np.int64) != np.prod(back, dtype=np.int64):
        raise ArgumentError(f"{op}: expected A to satisfy the requirement prod(A.shape[ind:]) "
                            f"== prod(A.shape[:ind]), but got {np.prod(back, dtype=np.int64)} "
                            f"!= {np.prod(front, dtype=np.int64)} ({about(A)}, ind={ind})")
    size = int(np.prod(front, dtype=np.int64))
    return inv(A.reshape(size, size)).reshape(tuple(back) + tuple(front))


def tensorsolve(A, B, dims=None):
    """X with tensordot(A, X, X.ndim) = B: A (*B.shape, *X.shape) with prod(X.shape) ==
    B.numel(); dims: dims of A moved to the end first."""
    op = "linalg.tensorsolve"
    _tensors(op, A=A, B=B)
    if dims is not None:
        dims = [dims] if isinstance(dims, (int, np.integer)) else list(dims)
        A = A.movedim(dims, list(range(A.ndim - len(dims), A.ndim)))
    shape = tuple(A.shape[B.ndim:])
    size, count = int(np.prod(shape, dtype=np.int64)), B.numel()
    front = int(np.prod(A.shape[:B.ndim], dtype=np.int64))
    if size != count or front != count:
        raise ArgumentError(f"{op}: expected A to satisfy the requirement prod(A.shape[B.ndim:]) "
                            f"== prod(A.shape[:B.ndim]) == B.numel(), but got "
                            f"{size}, {front} and {count} ({_abouts(A=A, B=B)})")
    return solve(A.reshape(size, size), B.reshape(-1)).reshape(shape)


__all__ = ["lu_factor", "lu_factor_ex", "lu", "lu_solve", "lu_unpack", "solve_ex",
           "cholesky_ex", "vander", "tensorinv", "tensorsolve"]
