"""autograd.linalg: PyTorch's torch.linalg for real float32/float64 tensors, batched over
leading dims: matrices are (*, m, n). The decompositions, inverses and solves are ops with
their own VJPs (ops/linalg_decomp.py, ops/linalg_solve.py, ops/linalg_lu.py); the norms,
powers, products, pinv-based and QR-based solutions are composed from them and the Tensor
ops. The LU family, solve_ex, cholesky_ex, vander, tensorinv and tensorsolve live in
linalg_lu.py.

Arguments are checked first: a non-float tensor is a TypeError, a bad shape a ValueError, a
singular or non-positive-definite input a LinAlgError (a RuntimeError, as torch's), each
naming the op, the shapes and the dtypes. Several outputs come back as named tuples with
torch's field names.
"""
from __future__ import annotations

import math
from collections import namedtuple
from numbers import Number

import numpy as np

from . import tensor_math as _tm  # its Tensor is bound by tensor.py once the class exists
from .dims import _axes, _one_axis
from .ops import linalg_decomp as D
from .ops import linalg_lu as LU
from .ops import linalg_solve as S
from .ops.linalg_decomp import LinAlgError, about
from .torch_errors import ArgumentError, DtypeError
from .tensor_linalg import matmul  # noqa: F401  (torch.linalg.matmul is torch.matmul)

# torch.return_types.linalg_*
Slogdet = namedtuple("Slogdet", ["sign", "logabsdet"])
QR = namedtuple("QR", ["Q", "R"])
Eigh = namedtuple("Eigh", ["eigenvalues", "eigenvectors"])
SVD = namedtuple("SVD", ["U", "S", "Vh"])
InvEx = namedtuple("InvEx", ["inverse", "info"])
Lstsq = namedtuple("Lstsq", ["solution", "residuals", "rank", "singular_values"])

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _tensors(op, **operands):
    for name, t in operands.items():
        if not isinstance(t, _tm.Tensor):
            raise TypeError(f"{op}: {name} must be a tensor, got {type(t).__name__}")


def _float(op, x, name="A"):
    """x, a float32 or float64 tensor (torch's linalg refuses integer and bool tensors)."""
    _tensors(op, **{name: x})
    if x.dtype not in _FLOATS:
        raise DtypeError(f"{op}: expected a float32 or float64 tensor, got {about(x, name)}")
    return x


def _matrix(op, x, name="A", square=False):
    """x, a float tensor of (a batch of) matrices, square ones if asked."""
    _float(op, x, name)
    if x.ndim < 2:
        raise ArgumentError(f"{op}: {name} must have at least 2 dims, got {about(x, name)}")
    if square and x.shape[-1] != x.shape[-2]:
        raise ArgumentError(f"{op}: {name} must be a batch of square matrices, got "
                            f"{about(x, name)}")
    return x


def _same_dtype(op, **operands):
    if len({t.dtype for t in operands.values()}) > 1:
        raise DtypeError(f"{op}: expected inputs of one dtype, got {_abouts(**operands)}")


def _abouts(**operands):
    return ", ".join(about(t, name) for name, t in operands.items())


def _mT(x):
    return x.transpose(-1, -2)


def _constant(arr):
    """A tensor outside the graph (ranks, info codes)."""
    return _tm.Tensor._wrap(np.asarray(arr), False)


# ----------------------------------------------------------------------------- norms
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """(sum |x|^ord)^(1/ord) over dim (all dims when None): ord any number, inf (max |x|),
    -inf (min |x|), 0 (count of nonzeros). dtype casts x first (no narrowing)."""
    _float("linalg.vector_norm", x, "x")
    if not isinstance(ord, Number) or isinstance(ord, bool):
        raise TypeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    return _cast("linalg.vector_norm", x, dtype).norm(float(ord), dim, keepdim)


def _cast(op, x, dtype):
    """x in dtype (None: as it is), a float dtype at least as wide as x's, as torch."""
    if dtype is None:
        return x
    dtype = np.dtype(dtype)
    if dtype not in _FLOATS or dtype.itemsize < x.dtype.itemsize:
        raise DtypeError(f"{op}: cannot compute in {dtype} the norm of {about(x)} (dtype must "
                         f"be a float dtype at least as wide as the input's)")
    return x.to(dtype)


_MATRIX_ORDS = ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    """The ord norm of the matrices in dims dim (*, m, n) -> (*): 'fro', 'nuc' (sum of the
    singular values), 2 / -2 (the largest / smallest one), 1 / -1 (max / min column abs sum),
    inf / -inf (max / min row abs sum)."""
    op = "linalg.matrix_norm"
    _matrix(op, A)
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise ArgumentError(f"{op}: dim must be a 2-tuple, got {dim!r}")
    d0, d1 = (_one_axis(d, A.ndim, op) for d in dim)
    if d0 == d1:
        raise ArgumentError(f"{op}: dims must be different, got {tuple(dim)}")
    if isinstance(ord, bool) or ord not in _MATRIX_ORDS:
        raise ArgumentError(f"{op}: order {ord!r} is not supported; use one of {_MATRIX_ORDS}")
    A = _cast(op, A, dtype)
    if ord == "fro":
        return A.norm(2.0, (d0, d1), keepdim)
    if ord in (2, 1, math.inf) and 0 in (A.shape[d0], A.shape[d1]):
        return A.abs().sum((d0, d1), keepdim)   # empty matrices: a max over nothing is 0

    if ord in ("nuc", 2, -2):
        rest = [d for d in range(A.ndim) if d not in (d0, d1)]
        s = svdvals(A.permute(rest + [d0, d1]))
        out = s.sum(-1) if ord == "nuc" else s.amax(-1) if ord == 2 else s.amin(-1)
        for d in sorted((d0, d1)) if keepdim else ():
            out = out.unsqueeze(d)
        return out
    if abs(ord) == math.inf:  # the inf-norm is the 1-norm of the transpose
        d0, d1 = d1, d0
    if not keepdim and d0 < d1:
        d1 -= 1
    sums = A.norm(1.0, d0, keepdim)
    return sums.amax(d1, keepdim) if ord > 0 else sums.amin(d1, keepdim)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """torch.linalg.norm: a vector norm when dim is an int or 1-tuple, a matrix norm when a
    2-tuple; with dim None, the 2-norm of all elements when ord is None, else the vector or
    matrix norm of a 1-D or 2-D A."""
    op = "linalg.norm"
    _float(op, A)
    if dim is not None:
        dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
        if len(dims) == 1 and not isinstance(ord, str):
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 1 and not isinstance(ord, str):
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A.ndim in (1, 2):
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise ArgumentError(f"{op}: if dim is not given but ord is, A must be 1-D or 2-D, got "
                        f"{about(A)}")


def cond(A, p=None):
    """The condition number in the p norm: S_max / S_min for p None or 2 (any shape),
    S_min / S_max for -2, else matrix_norm(A, p) * matrix_norm(inv(A), p) (square A)."""
    _matrix("linalg.cond", A)
    if 0 in A.shape[-2:]:   # empty matrices: 0 in every norm, as torch's
        return A.abs().sum((-2, -1))
    _matrix("linalg.cond", A, square=p not in (None, 2, -2))
    if p in (None, 2, -2):
        s = svdvals(A)
        ratio = s.amax(-1) / s.amin(-1)
        return ratio if p != -2 else 1 / ratio
    singular = S.lu_info(A.data) != 0   # infinitely ill-conditioned, as torch's: inf
    if not singular.any():
        return matrix_norm(A, p) * matrix_norm(inv(A), p)
    eye = np.broadcast_to(np.eye(A.shape[-1], dtype=A.dtype), A.shape)
    safe = _tm.where(_constant(singular[..., None, None]), _constant(eye), A)
    finite = matrix_norm(safe, p) * matrix_norm(inv(safe), p)
    return _tm.where(_constant(singular), _constant(np.asarray(np.inf, A.dtype)), finite)


# ---------------------------------------------------------------- determinants and inverses
def det(A):
    """det(A): (*, n, n) -> (*)."""
    return D.Det.apply(_matrix("linalg.det", A, square=True))


def slogdet(A):
    """(sign, log|det A|), each (*); for a singular A, (0, -inf)."""
    A = _matrix("linalg.slogdet", A, square=True)
    sign, logabsdet = D.unpack(D.SLogDet.apply(A), A.shape[:-2], (), ())
    return Slogdet(sign, logabsdet)


def inv(A):
    """A^{-1}: (*, n, n) -> (*, n, n); a singular A raises LinAlgError."""
    return S.Inv.apply(_matrix("linalg.inv", A, square=True))


def inv_ex(A, *, check_errors=False):
    """(inverse, info): info (*) int32 is 0, or the 1-based index of the first zero pivot of
    A's LU factor, where the inverse is NaN; check_errors=True raises instead."""
    A = _matrix("linalg.inv_ex", A, square=True)
    info = S.lu_info(A.data)
    if check_errors and info.any():
        raise S.singular("linalg.inv_ex", A.data)
    return InvEx(S.Inv.apply(A, check=False, info=info), _constant(info))


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None):
    """The pseudo-inverse (*, m, n) -> (*, n, m): singular values (|eigenvalues| of a
    symmetric A when hermitian) at or below max(atol, rtol * the largest) count as 0. rtol
    defaults to eps * max(m, n), or to 0 when atol > 0 is given; rcond is rtol's old name."""
    A = _matrix("linalg.pinv", A, square=hermitian)
    atol, rtol = _tolerances(A, rcond if rtol is None else rtol, atol)
    return S.Pinv.apply(A, atol=atol, rtol=rtol, hermitian=hermitian)


def _tolerances(A, rtol, atol):
    """torch's defaults for the (atol, rtol) of pinv and matrix_rank."""
    atol, rtol = (t.data if isinstance(t, _tm.Tensor) else t for t in (atol, rtol))
    if rtol is None:
        given = atol is not None and np.all(np.asarray(atol) > 0)
        rtol = 0.0 if given else np.finfo(A.dtype).eps * max(A.shape[-2:])
    return (0.0 if atol is None else atol), rtol


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None):
    """The number of singular values above max(atol, rtol * the largest) (tol: atol with
    rtol 0): (*, m, n) -> (*) int64, no gradient."""
    A = _matrix("linalg.matrix_rank", A, square=hermitian)
    if tol is not None:
        atol, rtol = tol, 0.0
    atol, rtol = _tolerances(A, rtol, atol)
    a = A.data
    s = (np.abs(D.nan_where_not_finite(np.linalg.eigvalsh, a)) if hermitian
         else D.nan_where_not_finite(np.linalg.svd, a, compute_uv=False))
    cut = np.maximum(atol, rtol * s.max(-1, initial=0))
    return _constant((s > np.asarray(cut)[..., None]).sum(-1).astype(np.int64))


def matrix_power(A, n):
    """A^n by repeated squaring: (*, m, m) -> (*, m, m); n < 0 powers inv(A), n = 0 gives
    the identity. Integer matrices take n >= 0 (their products stay integers), as torch's."""
    op = "linalg.matrix_power"
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"{op}: n must be an int, got {n!r}")
    _tensors(op, A=A)
    if n < 0 or A.dtype.kind not in "iu":
        A = _matrix(op, A, square=True)
    elif A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ArgumentError(f"{op}: A must be a batch of square matrices, got {about(A)}")
    if n == 0:   # the identity written into a copy of A: a zero gradient, as torch's
        return A.clone().copy_(_constant(np.eye(A.shape[-1], dtype=A.dtype)).expand(A.shape))
    base, out, n = (inv(A) if n < 0 else A), None, abs(int(n))
    while n:
        if n & 1:
            out = base if out is None else out @ base
        n >>= 1
        if n:
            base = base @ base
    return out.clone() if out is A else out   # A^1: a new tensor, as torch's


def matrix_exp(A):
    """exp(A) = sum A^k / k!: (*, n, n) -> (*, n, n)."""
    return S.MatrixExp.apply(_matrix("linalg.matrix_exp", A, square=True))


# ------------------------------------------------------------------------- solves
def solve(A, B, *, left=True):
    """X with A X = B (X A = B when left=False): A (*, n, n), B (*, n, k) or a batch of
    vectors (*, n) (B 1-D, or B.shape == A.shape[:-1]); batch dims broadcast."""
    op = "linalg.solve"
    _matrix(op, A, square=True), _float(op, B, "B")
    _same_dtype(op, A=A, B=B)
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    X = _solve(op, A, B.unsqueeze(-1) if vector else B, left)
    return X.squeeze(-1) if vector else X


def _equation(op, A, B, left):
    """Check that B (*, n, k) (left) or (*, k, n) fits A (*, n, n) and that the batch dims
    broadcast."""
    n = A.shape[-1]
    if B.ndim < 2 or B.shape[-2 if left else -1] != n:
        raise ArgumentError(f"{op}: incompatible shapes for the equation "
                            f"{'AX' if left else 'XA'} = B: {_abouts(A=A, B=B)}")
    try:
        np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    except ValueError:
        raise ArgumentError(f"{op}: the batch dims cannot be broadcast: {_abouts(A=A, B=B)}") \
            from None


def _solve(op, A, B, left):
    _equation(op, A, B, left)
    return S.Solve.apply(A, B) if left else _mT(S.Solve.apply(_mT(A), _mT(B)))


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """X with A X = B (X A = B when left=False) for the upper or lower triangle of A (the
    other is ignored; unitriangular: its diagonal is taken as ones). B (*, n, k)."""
    op = "linalg.solve_triangular"
    _matrix(op, A, square=True), _matrix(op, B, "B")
    _same_dtype(op, A=A, B=B)
    if not unitriangular and not np.all(np.diagonal(A._data, 0, -2, -1)):
        # a zero on the diagonal: substitution gives torch's inf and nan (LAPACK's trsm),
        # where the LU solve below would refuse the singular matrix
        _equation(op, A, B, left)
        if left:
            return LU.TriangularSolve.apply(A, B, upper=upper, unit=False)
        return _mT(LU.TriangularSolve.apply(_mT(A), _mT(B), upper=not upper, unit=False))
    T = A.triu(1 if unitriangular else 0) if upper else A.tril(-1 if unitriangular else 0)
    if unitriangular:
        T = T + _constant(np.eye(A.shape[-1], dtype=A.dtype))
    return _solve(op, T, B, left)


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution of A X = B: A (*, m, n), B (*, m, k) or (*, m).
    driver 'gels' (QR; A of full rank) or 'gelsy' (the default), 'gelsd', 'gelss' (the
    minimum-norm solution through pinv, singular values at or below rcond * the largest
    dropped). As torch: residuals |AX - B|^2 per column for 'gels'/'gelsd'/'gelss' when m > n
    and A has full rank (else empty); rank for all but 'gels'; singular values for 'gelsd'
    and 'gelss'; rank and singular values carry no gradient."""
    op = "linalg.lstsq"
    _matrix(op, A), _float(op, B, "B")
    _same_dtype(op, A=A, B=B)
    driver = "gelsy" if driver is None else driver
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise ArgumentError(f"{op}: driver must be one of gels, gelsy, gelsd, gelss, got "
                            f"{driver!r}")
    if not 0 <= A.ndim - B.ndim <= 1:
        raise ArgumentError(f"{op}: B must have as many dims as A or one fewer: "
                            f"{_abouts(A=A, B=B)}")
    vector = A.ndim - B.ndim == 1
    Bm = B.unsqueeze(-1) if vector else B
    m, n = A.shape[-2:]
    if Bm.shape[-2] != m:
        raise ArgumentError(f"{op}: A and B must have the same number of rows: "
                            f"{_abouts(A=A, B=B)}")
    if driver == "gels":
        X = _lstsq_qr(A, Bm)
    else:
        X = pinv(A, rtol=(np.finfo(A.dtype).eps * max(m, n) if rcond is None else rcond)) @ Bm
    if driver == "gels" or not A.numel():
        rank = np.full(A.shape[:-2], min(m, n))
    else:   # singular values above rcond * the largest, as the solution drops the others
        rank = matrix_rank(A.detach(), rtol=np.finfo(A.dtype).eps * max(m, n)
                           if rcond is None else rcond).data
    empty = _constant(np.zeros(0, A.dtype))
    residuals = empty
    if driver != "gelsy" and m > n and np.all(rank == n):
        residuals = ((A @ X - Bm) ** 2).sum(-2)
    svals = empty if driver in ("gels", "gelsy") else svdvals(A).detach()
    rank = _constant(np.zeros(0, np.int64)) if driver == "gels" else _constant(
        np.asarray(rank, np.int64))
    return Lstsq(X.squeeze(-1) if vector else X, residuals, rank, svals)


def _lstsq_qr(A, B):
    """gels: R^{-1} Q^T B from A = QR when m >= n; the minimum-norm Q R^{-T} B from A^T = QR
    when m < n."""
    if A.shape[-2] >= A.shape[-1]:
        Q, R = qr(A)
        return _solve("linalg.lstsq", R, _mT(Q) @ B, True)
    Q, R = qr(_mT(A))
    return Q @ _solve("linalg.lstsq", _mT(R), B, True)


# -------------------------------------------------------------------- decompositions
def cholesky(A, *, upper=False):
    """L lower-triangular with A = L L^T for a symmetric positive-definite A (*, n, n), of
    which only the lower triangle is read (upper=True: U = L^T with A = U^T U, from A's
    upper triangle, as torch)."""
    return D.Cholesky.apply(_matrix("linalg.cholesky", A, square=True), upper=bool(upper))


def qr(A, mode="reduced"):
    """(Q, R), A = QR: Q (*, m, k) orthonormal columns, R (*, k, n) upper triangular,
    k = min(m, n); mode 'complete': Q (*, m, m), R (*, m, n); mode 'r': R alone (Q empty,
    and no gradient through R, as torch)."""
    A = _matrix("linalg.qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise ArgumentError(f"linalg.qr: mode must be 'reduced', 'complete' or 'r', got "
                            f"{mode!r}")
    m, n = A.shape[-2:]
    k = m if mode == "complete" else min(m, n)
    if mode == "r":
        return QR(_constant(np.zeros(0, A.dtype)), D.QR.apply(A, mode="r"))
    return QR(*D.unpack(D.QR.apply(A, mode=mode), A.shape[:-2], (m, k), (k, n)))


def _uplo(op, UPLO):
    if UPLO not in ("L", "U"):
        raise ArgumentError(f"{op}: UPLO must be 'L' or 'U', got {UPLO!r}")
    return UPLO


def eigh(A, UPLO="L"):
    """(eigenvalues (*, n) ascending, eigenvectors (*, n, n) as columns) of a symmetric A
    of which only the UPLO triangle is read. An eigenvector's sign is arbitrary: only
    functions that do not depend on it have meaningful gradients."""
    A = _matrix("linalg.eigh", A, square=True)
    n = A.shape[-1]
    packed = D.Eigh.apply(A, uplo=_uplo("linalg.eigh", UPLO))
    return Eigh(*D.unpack(packed, A.shape[:-2], (n,), (n, n)))


def eigvalsh(A, UPLO="L"):
    """The eigenvalues (*, n), ascending, of a symmetric A (its UPLO triangle)."""
    A = _matrix("linalg.eigvalsh", A, square=True)
    return D.Eigh.apply(A, uplo=_uplo("linalg.eigvalsh", UPLO), vectors=False)


def svd(A, full_matrices=True, *, driver=None):
    """(U, S, Vh), A = U diag(S) Vh: S (*, k) descending, k = min(m, n); U (*, m, k) and
    Vh (*, k, n), or (*, m, m) and (*, n, n) with full_matrices. Singular vectors are unique
    up to sign: only functions that do not depend on it have meaningful gradients."""
    A = _matrix("linalg.svd", A)
    m, n = A.shape[-2:]
    k = min(m, n)
    ku, kv = (m, n) if full_matrices else (k, k)
    packed = D.SVD.apply(A, full_matrices=bool(full_matrices))
    return SVD(*D.unpack(packed, A.shape[:-2], (m, ku), (k,), (kv, n)))


def svdvals(A, *, driver=None):
    """The singular values (*, k), descending."""
    return D.SVD.apply(_matrix("linalg.svdvals", A), vectors=False)


# ------------------------------------------------------------------ products and views
def multi_dot(tensors):
    """The product of a chain of matrices, multiplied in the cheapest order; the first may
    be a 1-D row vector and the last a 1-D column vector (their dim is dropped)."""
    op = "linalg.multi_dot"
    ts = list(tensors)
    if len(ts) < 2:
        raise ArgumentError(f"{op}: expected at least 2 tensors, got {len(ts)}")
    _tensors(op, **{f"tensor {i}": t for i, t in enumerate(ts)})
    for i, t in enumerate(ts):
        if t.ndim != 2 and not (t.ndim == 1 and i in (0, len(ts) - 1)):
            raise ArgumentError(f"{op}: tensor {i} must be 2-D (the first and last may be 1-D), "
                                f"got {about(t, 'it')}")
    _same_dtype(op, **{f"tensor {i}": t for i, t in enumerate(ts)})
    first, last = ts[0].ndim == 1, ts[-1].ndim == 1
    ts[0] = ts[0].unsqueeze(0) if first else ts[0]
    ts[-1] = ts[-1].unsqueeze(-1) if last else ts[-1]
    for i in range(len(ts) - 1):
        if ts[i].shape[1] != ts[i + 1].shape[0]:
            pair = {f"tensor {i}": ts[i], f"tensor {i + 1}": ts[i + 1]}
            raise ArgumentError(f"{op}: tensors {i} and {i + 1} cannot be multiplied: "
                                f"{_abouts(**pair)}")
    out = _chain(ts)
    if last:
        out = out.squeeze(-1)
    return out.squeeze(0) if first else out


def _chain(ts):
    """The matrix-chain product in the order of fewest multiplications (dynamic program)."""
    dims = [t.shape[0] for t in ts] + [ts[-1].shape[1]]
    k = len(ts)
    cost, split = {(i, i): 0 for i in range(k)}, {}
    for length in range(1, k):
        for i in range(k - length):
            j = i + length
            cost[i, j], split[i, j] = min(
                (cost[i, s] + cost[s + 1, j] + dims[i] * dims[s + 1] * dims[j + 1], s)
                for s in range(i, j))

    def product(i, j):
        return ts[i] if i == j else product(i, split[i, j]) @ product(split[i, j] + 1, j)
    return product(0, k - 1)


def cross(x, y, *, dim=-1):
    """The cross product of 3-vectors along dim; x and y (one ndim, one dtype) broadcast."""
    op = "linalg.cross"
    _tensors(op, x=x, y=y), _same_dtype(op, x=x, y=y)
    if x.ndim != y.ndim or x.ndim == 0:
        raise ArgumentError(f"{op}: inputs must have the same number of dims: {_abouts(x=x, y=y)}")
    axis = _one_axis(dim, x.ndim, op)
    if x.shape[axis] != 3 or y.shape[axis] != 3:
        raise ArgumentError(f"{op}: dim {dim} must have length 3 in both: {_abouts(x=x, y=y)}")
    return x.cross(y, dim=axis)


def vecdot(x, y, *, dim=-1):
    """sum(x * y) along dim, x and y broadcast (real tensors: no conjugation)."""
    op = "linalg.vecdot"
    _tensors(op, x=x, y=y), _same_dtype(op, x=x, y=y)
    try:
        shape = np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise ArgumentError(f"{op}: shapes cannot be broadcast: {_abouts(x=x, y=y)}") from None
    _axes(dim, len(shape), op)
    return (x * y).sum(dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonal `offset` of the (dim1, dim2) matrices, as a last dim: (*, m, n) -> (*, L)."""
    _tensors("linalg.diagonal", A=A)
    return A.diagonal(offset, dim1, dim2)


# the LU family, solve_ex, cholesky_ex, vander, tensorinv, tensorsolve (they use the above)
from .linalg_lu import (cholesky_ex, lu, lu_factor, lu_factor_ex, lu_solve,  # noqa: E402
                        solve_ex, tensorinv, tensorsolve, vander)

__all__ = ["LinAlgError", "vector_norm", "matrix_norm", "norm", "cond", "det", "slogdet", "inv",
           "inv_ex", "pinv", "matrix_rank", "matrix_power", "matrix_exp", "solve",
           "solve_triangular", "lstsq", "cholesky", "qr", "eigh", "eigvalsh", "svd", "svdvals",
           "multi_dot", "cross", "vecdot", "diagonal", "matmul", "lu_factor", "lu_factor_ex",
           "lu", "lu_solve", "solve_ex", "cholesky_ex", "vander", "tensorinv", "tensorsolve"]
