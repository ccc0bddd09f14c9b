"""Adamax: Adam with the infinity norm in place of the second moment."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _buffer, _lerp_, _lr
from .scalar_state import _advance_step, _new_step


class Adamax(Optimizer):
    """PyTorch's Adamax: m = lerp(m, g, 1 - b1);  u = max(b2 * u, |g| + eps);
    p -= lr / (1 - b1^t) * m / u.  g is the gradient (negated if maximize) + wd * p."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        self._check_adam_group(group)

    def _step_group(self, group, params):
        lr, eps = _lr(group["lr"]), float(group["eps"])
        beta1, beta2 = (_lr(b) for b in group["betas"])
        weight_decay, maximize = float(group["weight_decay"]), bool(group["maximize"])
        for p in params:
            x = p._data
            state = self.state[p]
            if not state:
                state["step"] = _new_step(group)
                state["exp_avg"] = _buffer(np.zeros_like(x))
                state["exp_inf"] = _buffer(np.zeros_like(x))
            step = _advance_step(state)
            g, _ = self._direction(p, weight_decay, maximize)
            m, u, tmp = state["exp_avg"]._data, state["exp_inf"]._data, np.empty_like(x)
            _lerp_(m, g, 1.0 - beta1, tmp)
            u *= beta2
            np.abs(g, out=tmp)
            tmp += eps
            np.maximum(u, tmp, out=u)
            np.divide(m, u, out=tmp)
            tmp *= lr / (1.0 - beta1 ** step)
            x -= tmp
