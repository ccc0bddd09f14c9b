"""Adafactor (torch.optim.Adafactor, PyTorch >= 2.5): Adam-like steps whose second moment of a
matrix is kept as a row and a column factor, so that it costs O(m + n), not O(m n), memory."""
from __future__ import annotations

import math
from numbers import Real

import numpy as np

from .optimizer import Optimizer, _buffer, _lerp_, _lr
from .scalar_state import _advance_step, _new_step


class Adafactor(Optimizer):
    """PyTorch's Adafactor. At step t, with G the gradient (negated if maximize):
    b = t^beta2_decay; rho = min(lr, 1 / sqrt(t)); alpha = max(eps2, RMS(p)) * rho;
    p *= 1 - lr * weight_decay. For a parameter of 2 or more dims, over its last two:
    R = lerp(R, mean_cols(G^2), b), C = lerp(C, mean_rows(G^2), b), V = R C / mean(R) (mean
    over the rows, clamped at eps1); for a vector V = lerp(V, G^2, b). Then
    U = G / sqrt(max(V, eps1^2)) and p -= alpha / max(1, RMS(U) / d) * U. eps1 None is the
    machine epsilon of the first parameter's dtype (as torch's)."""

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0,
                 weight_decay=0.0, *, foreach=None, maximize=False):
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d,
                        weight_decay=weight_decay, foreach=foreach, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        name = type(self).__name__
        eps = group["eps"]
        if not (isinstance(eps, (tuple, list)) and len(eps) == 2):
            raise ValueError(f"{name}: eps must be a pair (eps1 or None, eps2), got {eps!r}")
        checks = [("beta2_decay", group["beta2_decay"], "<= 0", lambda v: v <= 0.0),
                  ("epsilon1", eps[0], ">= 0", lambda v: v >= 0.0),
                  ("epsilon2", eps[1], ">= 0", lambda v: v >= 0.0),
                  ("clipping threshold d", group["d"], ">= 1", lambda v: v >= 1.0),
                  ("weight_decay", group["weight_decay"], ">= 0", lambda v: v >= 0.0)]
        for what, value, rule, ok in checks:
            if what == "epsilon1" and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, Real) or not ok(value):
                raise ValueError(f"{name}: {what} should be {rule} but is: {value!r}")

    def _step_group(self, group, params):
        lr, decay = _lr(group["lr"]), float(group["beta2_decay"])
        eps1, eps2 = group["eps"]
        d, weight_decay = float(group["d"]), float(group["weight_decay"])
        for p in params:
            x = p._data
            state = self.state[p]
            if not state:
                state["step"] = _new_step(group)
                if x.ndim > 1:
                    state["row_var"] = _buffer(np.zeros(x.shape[:-1] + (1,), x.dtype))
                    state["col_var"] = _buffer(np.zeros(x.shape[:-2] + (1, x.shape[-1]),
                                                        x.dtype))
                else:
                    state["variance"] = _buffer(np.zeros_like(x))
            g, _ = self._direction(p, 0.0, bool(group["maximize"]))
            if eps1 is None:
                eps1 = float(np.finfo(x.dtype).eps)
            step = _advance_step(state)
            weight = step ** decay      # 1 - beta2_t
            rho = min(lr, 1.0 / math.sqrt(step))
            alpha = max(eps2, _rms(x)) * rho
            if weight_decay != 0:
                x *= 1.0 - lr * weight_decay
            square = g * g
            if x.ndim > 1:
                row, col = state["row_var"]._data, state["col_var"]._data
                _lerp_(row, square.mean(axis=-1, keepdims=True), weight, np.empty_like(row))
                _lerp_(col, square.mean(axis=-2, keepdims=True), weight, np.empty_like(col))
                v = row @ col
                v /= np.maximum(row.mean(axis=-2, keepdims=True), eps1)
            else:
                variance = state["variance"]._data
                _lerp_(variance, square, weight, np.empty_like(variance))
                v = variance.copy()
            np.maximum(v, eps1 * eps1, out=v)
            update = np.reciprocal(np.sqrt(v, out=v), out=v)    # torch's rsqrt, then * g
            update *= g
            denom = max(1.0, _rms(update) / d)
            x -= (alpha / denom) * update


def _rms(a: np.ndarray) -> float:
    """||a|| / sqrt(a.size), the root mean square."""
    return float(np.linalg.norm(a.reshape(-1))) / math.sqrt(a.size) if a.size else 0.0
