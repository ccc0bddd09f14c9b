"""Adadelta: a per-coordinate step size from running averages of g^2 and of past updates."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _buffer, _lr
from .scalar_state import _advance_step, _new_step


class Adadelta(Optimizer):
    """PyTorch's Adadelta: v = rho * v + (1 - rho) * g^2;
    d = sqrt(u + eps) / sqrt(v + eps) * g;  u = rho * u + (1 - rho) * d^2;  p -= lr * d.

    g is the gradient (negated if maximize) plus weight_decay * p.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        self._check_nonnegative(group, "rho")
        if not group["rho"] <= 1.0:
            raise ValueError(f"Adadelta: invalid rho value: {group['rho']} (must be in [0, 1])")
        self._check_nonnegative(group, "eps", "epsilon")
        self._check_nonnegative(group, "weight_decay")

    def _step_group(self, group, params):
        lr, rho, eps = _lr(group["lr"]), float(group["rho"]), float(group["eps"])
        weight_decay, maximize = float(group["weight_decay"]), bool(group["maximize"])
        for p in params:
            x = p._data
            state = self.state[p]
            if not state:
                state["step"] = _new_step(group)
                state["square_avg"] = _buffer(np.zeros_like(x))
                state["acc_delta"] = _buffer(np.zeros_like(x))
            _advance_step(state)
            g, _ = self._direction(p, weight_decay, maximize)
            v, u = state["square_avg"]._data, state["acc_delta"]._data
            tmp, delta = np.empty_like(x), np.empty_like(x)
            v *= rho
            np.multiply(g, 1.0 - rho, out=tmp)
            tmp *= g
            v += tmp
            np.add(v, eps, out=tmp)
            np.sqrt(tmp, out=tmp)                      # std
            np.add(u, eps, out=delta)
            np.sqrt(delta, out=delta)
            delta /= tmp
            delta *= g
            u *= rho
            np.multiply(delta, 1.0 - rho, out=tmp)
            tmp *= delta
            u += tmp
            delta *= lr
            x -= delta
