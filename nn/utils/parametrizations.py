"""nn.utils.parametrizations as in PyTorch: weight_norm, spectral_norm and orthogonal, each a
small Module registered with nn.utils.parametrize (so module.weight is recomputed on access).

    weight_norm(lin)     # parametrizations.weight.original0 = g (out, 1), original1 = v
    spectral_norm(lin)   # parametrizations.weight.original = W; buffers ...weight.0._u, ._v
    orthogonal(lin)      # lin.weight has orthonormal columns (rows when it is wide)

Real tensors only (this engine has no complex dtype). Every map is composed from the
engine's differentiable ops: no VJP of its own.
"""
from __future__ import annotations

from enum import Enum, auto

import numpy as np

import autograd
from autograd import Tensor

from .. import functional as F
from ..module import Module
from . import parametrize
from .spectral_norm import _default_dim, power_iteration, reshape_weight_to_matrix
from .weight_norm import _weight_norm, norm_except_dim

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


# ------------------------------------------------------------------------- weight_norm
class _WeightNorm(Module):
    """(g, v) -> g * v / ||v||, the norm over every dim but `dim` (all dims for None)."""

    def __init__(self, dim: int | None = 0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor):
        return norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int = 0) -> Module:
    """w = g * v / ||v|| (https://arxiv.org/abs/1602.07868): the magnitude g is
    module.parametrizations.<name>.original0 (w's shape with 1 everywhere but dim; a 0-dim
    tensor for dim=None), the direction v is original1 (w's shape). torch also renames
    old "<name>_g"/"<name>_v" keys when loading a state_dict; that load hook is not here."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


# ------------------------------------------------------------------------- spectral_norm
class _SpectralNorm(Module):
    """W -> W / sigma, sigma = u . (W_mat v) with u, v (buffers _u, _v) the top singular
    pair of W reshaped to (W.shape[dim], -1), refreshed by power iteration on each access in
    training mode; a 1-D W is simply normalised."""

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.shape
            with autograd.no_grad():
                u = autograd.randn(h, dtype=weight.dtype)
                v = autograd.randn(w, dtype=weight.dtype)
                self.register_buffer("_u", F.normalize(u, dim=0, eps=self.eps))
                self.register_buffer("_v", F.normalize(v, dim=0, eps=self.eps))
            # start from a reasonable estimate, as torch
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        return reshape_weight_to_matrix(weight, self.dim)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        power_iteration(weight_mat, self._u, self._v, n_power_iterations, self.eps, False)

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:   # exact, nothing to estimate
            return F.normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        # clones: the next access updates _u, _v in place, this graph must keep its values
        u, v = self._u.clone(), self._v.clone()
        sigma = autograd.vdot(u, autograd.mv(weight_mat, v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """W / sigma(W) (https://arxiv.org/abs/1802.05957), sigma the largest singular value of
    W reshaped to (W.shape[dim], -1), estimated by the power method: 15 steps at
    registration, then n_power_iterations on every access in training mode. dim defaults
    to 0 (1 for ConvTranspose)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, _default_dim(module, dim),
                                    eps))
    return module


# ------------------------------------------------------------------------- orthogonal
class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


def householder_product(A: Tensor, tau: Tensor) -> Tensor:
    """torch.linalg.householder_product: the first k columns of H_1 ... H_k, where
    H_i = I - tau_i v_i v_i^T and v_i is column i of A below the diagonal with a 1 on it.
    A: (*, n, k), tau: (*, k) -> (*, n, k); composed of matmuls, so differentiable."""
    n, k = A.shape[-2:]
    eye = autograd.eye(n, k, dtype=A.dtype)
    V = A.tril(-1) + eye
    Q = eye.expand(*A.shape)
    for i in reversed(range(k)):   # apply H_k first: Q = H_1 (H_2 (... (H_k I)))
        v = V[..., :, i:i + 1]
        Q = Q - tau[..., i:i + 1].unsqueeze(-1) * (v @ (v.mT @ Q))
    return Q


def _geqrf(x: Tensor):
    """torch.geqrf as numpy arrays: the Householder reflectors below the diagonal of A and
    R on and above it, and the scalars tau. x: (*, n, k), n >= k."""
    h, tau = np.linalg.qr(x.detach().numpy(), mode="raw")   # h is A transposed (LAPACK's)
    return np.ascontiguousarray(np.swapaxes(h, -1, -2)), tau


def _make_orthogonal(A: Tensor) -> Tensor:
    """The Q of A = QR with diag(R) >= 0, for a tall A (outside the graph)."""
    Q, R = autograd.linalg.qr(A.detach())
    signs = np.sign(np.diagonal(R.numpy(), axis1=-2, axis2=-1))
    return Q * Tensor(np.where(signs == 0, 1, signs)[..., None, :].astype(Q.dtype))


def _is_orthogonal(Q: Tensor) -> bool:
    n, k = Q.shape[-2:]
    eps = 10.0 * n * np.finfo(Q.numpy().dtype).eps
    return bool(np.allclose(np.swapaxes(Q.numpy(), -1, -2) @ Q.numpy(), np.eye(k), atol=eps))


class _Orthogonal(Module):
    """A (*, n, k) -> a matrix with orthonormal columns (rows when n < k): exp or the Cayley
    transform of a skew-symmetric matrix built from A's lower triangle, or a product of
    Householder reflectors; times `base` (a buffer) with the dynamic trivialization."""

    def __init__(self, weight: Tensor, orthogonal_map: _OrthMaps, *,
                 use_trivialization: bool = True):
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        n, k = X.shape[-2:]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            X = X.tril()   # n k - k (k - 1) / 2 free numbers
            if n != k:     # embed in a square matrix
                X = autograd.cat([X, X.new_zeros(n, n - k).expand(*X.shape[:-2], n, n - k)],
                                 dim=-1)
            A = X - X.mT   # skew-symmetric
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = autograd.linalg.matrix_exp(A)
            else:          # (I + A/2)(I - A/2)^-1, written as torch computes it
                eye = autograd.eye(n, dtype=A.dtype)
                Q = autograd.linalg.solve(eye - 0.5 * A, eye + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = householder_product(A, tau)
            # the diagonal of X holds the signs (+-1): not differentiated, truncated as torch
            signs = np.trunc(np.diagonal(X.detach().numpy(), axis1=-2, axis2=-1))
            Q = Q * Tensor(signs[..., None, :].astype(X.numpy().dtype))
        if "base" in self._buffers:
            Q = self.base @ Q
        return Q.mT if transposed else Q

    def right_inverse(self, Q: Tensor) -> Tensor:
        if tuple(Q.shape) != tuple(self.shape):
            raise ValueError(f"Expected a matrix or batch of matrices of shape "
                             f"{tuple(self.shape)}. Got a tensor of shape {tuple(Q.shape)}.")
        with autograd.no_grad():
            Q_init = Q
            n, k = Q.shape[-2:]
            transpose = n < k
            if transpose:
                Q = Q.mT
                n, k = k, n
            if "base" not in self._buffers:
                if self.orthogonal_map != _OrthMaps.householder:
                    raise NotImplementedError(
                        "It is not possible to assign to the matrix exponential or the "
                        "Cayley parametrizations when use_trivialization=False.")
                # reflectors of Q's QR, their diagonal set to the signs of diag(R)
                a, tau = _geqrf(Q)
                idx = np.arange(k)
                diag = np.sign(a[..., idx, idx])
                diag[tau == 0.0] *= -1   # LAPACK's "no reflection" is exactly 0
                a[..., idx, idx] = diag
                A = Tensor(a)
                return A.mT if transpose else A
            if n == k:
                Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
            else:      # complete Q to an orthogonal n x n matrix
                N = autograd.randn(*(tuple(Q.shape[:-2]) + (n, n - k)), dtype=Q.dtype)
                Q = _make_orthogonal(autograd.cat([Q, N], dim=-1))
            self.base = Q
            # -Id: householder(0) is then the identity, and so is exp(0)
            neg_id = np.zeros(Q_init.shape, Q_init.numpy().dtype)
            idx = np.arange(min(Q_init.shape[-2:]))
            neg_id[..., idx, idx] = -1.0
            return Tensor(neg_id)


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """module.<name> (*, m, n) kept orthogonal: Q^T Q = I (m >= n) or Q Q^T = I (m < n).
    orthogonal_map: "matrix_exp" (default for square), "cayley" or "householder" (default
    otherwise). With use_trivialization (default) a matrix `base` is stored in
    parametrizations.<name>[0].base and the initial weight is the original one made
    orthogonal by QR (so an orthogonal weight is kept as is)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of "
                         f"{weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = ("matrix_exp" if weight.shape[-2] == weight.shape[-1]
                          else "householder")
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError(f'orthogonal_map has to be one of "matrix_exp", "cayley", '
                         f'"householder". Got: {orthogonal_map}')
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
