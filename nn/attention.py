"""Attention for encoder-decoder models: dot, general (Luong) and additive (Bahdanau) scores."""
from __future__ import annotations

import numpy as np

from autograd import Tensor

from .linear import Linear
from .module import Module

METHODS = ("dot", "general", "additive")


def masked_softmax(scores: Tensor, mask) -> Tensor:
    """Softmax over the last dim, where mask (True = take part) broadcasts against scores.

    A row with no True entry gets all-zero weights (as PyTorch's scaled_dot_product_attention)
    instead of the NaNs that -inf fill values would give.
    """
    if mask is None:
        return scores.softmax(-1)
    keep = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    # the most negative finite value: exp(fill - row max) is exactly 0 for any row with a True
    # entry, and a row without one stays finite (and is zeroed below)
    fill = np.finfo(scores.dtype).min
    weights = scores.masked_fill(~keep, fill).softmax(-1)
    alive = keep.any(axis=-1, keepdims=True)
    if not np.all(alive):
        weights = weights * Tensor._wrap(alive.astype(scores.dtype), False)
    return weights


class Attention(Module):
    """Attention of one query per sequence over a sequence of keys (which are also the values).

    scores: dot  q . k_s               (query_dim == key_dim)
            general  q^T W k_s         (W: (query_dim, key_dim), stored as a bias-free Linear)
            additive  v^T tanh(W1 q + W2 k_s)   (Bahdanau; W1, W2 project to hidden_dim)
    forward(query (N, Dq), keys (N, S, Dk), mask (N, S) bool, True = real token, or None)
        -> (context (N, Dk), weights (N, S)).
    """

    def __init__(self, query_dim: int, key_dim: int, method: str = "dot", hidden_dim=None):
        super().__init__()
        if method not in METHODS:
            raise ValueError(f"Attention: method must be one of {METHODS}, got {method!r}")
        if method == "dot" and query_dim != key_dim:
            raise ValueError(f"Attention: 'dot' scores need query_dim == key_dim, got "
                             f"{query_dim} and {key_dim}; use 'general' or 'additive'")
        self.query_dim, self.key_dim, self.method = query_dim, key_dim, method
        if method == "general":
            # q^T W k = (W^T q) . k: project the one query rather than the S keys
            self.query_proj = Linear(query_dim, key_dim, bias=False)
        elif method == "additive":
            hidden_dim = hidden_dim or key_dim
            self.hidden_dim = hidden_dim
            self.query_proj = Linear(query_dim, hidden_dim, bias=False)
            self.key_proj = Linear(key_dim, hidden_dim, bias=False)
            self.v = Linear(hidden_dim, 1, bias=False)

    def extra_repr(self):
        return f"{self.query_dim}, {self.key_dim}, method={self.method!r}"

    def precompute(self, keys: Tensor):
        """What the scores need from the keys alone; pass it as `key_cache` at every decoder step.

        keys: (N, S, Dk) -> W2 keys (N, S, hidden_dim) for 'additive', else None.
        """
        return self.key_proj(keys) if self.method == "additive" else None

    def forward(self, query: Tensor, keys: Tensor, mask=None, key_cache=None):
        self._check(query, keys, mask)
        if self.method == "additive":
            projected = self.precompute(keys) if key_cache is None else key_cache
            hidden = (projected + self.query_proj(query).unsqueeze(1)).tanh()
            scores = self.v(hidden).squeeze(-1)
        else:
            q = query if self.method == "dot" else self.query_proj(query)
            scores = (keys @ q.unsqueeze(-1)).squeeze(-1)
        weights = masked_softmax(scores, mask)
        context = (weights.unsqueeze(1) @ keys).squeeze(1)
        return context, weights

    def _check(self, query, keys, mask):
        if not isinstance(query, Tensor) or not isinstance(keys, Tensor):
            raise TypeError("Attention: query and keys must be Tensors")
        if (query.ndim != 2 or keys.ndim != 3 or query.shape[1] != self.query_dim
                or keys.shape[2] != self.key_dim or keys.shape[0] != query.shape[0]):
            raise ValueError(f"Attention: expected query (N, {self.query_dim}) and keys "
                             f"(N, S, {self.key_dim}), got {tuple(query.shape)} and "
                             f"{tuple(keys.shape)}")
        if query.dtype != keys.dtype:
            raise TypeError(f"Attention: query dtype {query.dtype} differs from keys dtype "
                            f"{keys.dtype}")
        if mask is not None:
            m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
            if m.dtype != np.bool_ or m.shape != keys.shape[:2]:
                raise ValueError(f"Attention: mask must be bool of shape {tuple(keys.shape[:2])}, "
                                 f"got {m.dtype} {tuple(m.shape)}")

