"""RAdam: Adam whose adaptive step is switched on once the variance estimate is reliable."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _buffer, _lerp_, _lr, _sqrt
from .scalar_state import _advance_step, _new_step


class RAdam(Optimizer):
    """PyTorch's RAdam: m, v as in Adam;  rho_t = rho_inf - 2 t b2^t / (1 - b2^t);
    p -= lr * m / (1 - b1^t) * [sqrt(1 - b2^t) / (sqrt(v) + eps) * r_t  if rho_t > 5].

    r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)),
    rho_inf = 2 / (1 - b2) - 1.  decoupled_weight_decay scales p by 1 - lr * wd instead of
    adding wd * p to the gradient.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        self._check_adam_group(group)

    def _step_group(self, group, params):
        lr, eps = _lr(group["lr"]), float(group["eps"])
        beta1, beta2 = (_lr(b) for b in group["betas"])
        weight_decay, maximize = float(group["weight_decay"]), bool(group["maximize"])
        decoupled = bool(group["decoupled_weight_decay"])
        for p in params:
            x = p._data
            state = self.state[p]
            if not state:
                state["step"] = _new_step(group)
                state["exp_avg"] = _buffer(np.zeros_like(x))
                state["exp_avg_sq"] = _buffer(np.zeros_like(x))
            step = _advance_step(state)
            g, _ = self._decayed_direction(p, lr, weight_decay, decoupled, maximize)
            m, v, tmp = state["exp_avg"]._data, state["exp_avg_sq"]._data, np.empty_like(x)
            _lerp_(m, g, 1.0 - beta1, tmp)
            v *= beta2
            np.multiply(g, 1.0 - beta2, out=tmp)
            tmp *= g
            v += tmp
            bias1, bias2 = 1.0 - beta1 ** step, 1.0 - beta2 ** step
            rho_inf = 2.0 / (1.0 - beta2) - 1.0
            rho_t = rho_inf - 2.0 * step * (beta2 ** step) / bias2
            upd = np.divide(m, bias1, out=np.empty_like(x))
            upd *= lr
            if rho_t > 5.0:  # the variance of the adaptive step is finite: use it
                rect = _sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                             / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                np.sqrt(v, out=tmp)
                tmp += eps
                np.divide(_sqrt(bias2), tmp, out=tmp)
                upd *= tmp
                upd *= rect
            x -= upd
