"""RMSprop, optionally centered and with momentum."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _buffer, _lerp_, _lr
from .scalar_state import _advance_step, _new_step


class RMSprop(Optimizer):
    """PyTorch's RMSprop: v = alpha * v + (1 - alpha) * g^2;
    centered: a = lerp(a, g, 1 - alpha), v~ = v - a^2;  r = g / (sqrt(v~) + eps);
    b = m * b + r, p -= lr * b  (p -= lr * r if m == 0)."""

    # momentum came after the first release too: torch's __setstate__ fills in 0
    _legacy_group_defaults = {**Optimizer._legacy_group_defaults, "momentum": 0}

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        self._check_nonnegative(group, "eps", "epsilon")
        self._check_nonnegative(group, "momentum")
        self._check_nonnegative(group, "weight_decay")
        self._check_nonnegative(group, "alpha")

    def _step_group(self, group, params):
        lr, alpha, eps = _lr(group["lr"]), float(group["alpha"]), float(group["eps"])
        weight_decay, momentum = float(group["weight_decay"]), float(group["momentum"])
        centered, maximize = bool(group["centered"]), bool(group["maximize"])
        for p in params:
            x = p._data
            state = self.state[p]
            if not state:
                state["step"] = _new_step(group)
                state["square_avg"] = _buffer(np.zeros_like(x))
                if momentum > 0:
                    state["momentum_buffer"] = _buffer(np.zeros_like(x))
                if centered:
                    state["grad_avg"] = _buffer(np.zeros_like(x))
            _advance_step(state)
            d, _ = self._direction(p, weight_decay, maximize)
            v, tmp = state["square_avg"]._data, np.empty_like(x)
            v *= alpha
            np.multiply(d, 1.0 - alpha, out=tmp)
            tmp *= d
            v += tmp
            if centered:
                a = state.setdefault("grad_avg", _buffer(np.zeros_like(x)))._data
                _lerp_(a, d, 1.0 - alpha, tmp)
                np.multiply(a, a, out=tmp)
                np.subtract(v, tmp, out=tmp)
                np.sqrt(tmp, out=tmp)
            else:
                np.sqrt(v, out=tmp)
            tmp += eps
            np.divide(d, tmp, out=tmp)
            if momentum > 0:
                buf = state.setdefault("momentum_buffer", _buffer(np.zeros_like(x)))._data
                buf *= momentum
                buf += tmp
                np.multiply(buf, lr, out=tmp)
            else:
                tmp *= lr
            x -= tmp
