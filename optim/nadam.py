"""NAdam: Adam with Nesterov momentum and a momentum schedule (Dozat, 2016)."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _buffer, _lerp_, _lr, _scalar_tensor
from .scalar_state import _advance_step, _new_step, _scalar_dtype


class NAdam(Optimizer):
    """PyTorch's NAdam: mu_t = b1 * (1 - 0.5 * 0.96^(t * momentum_decay));  P_t = prod mu;
    m = lerp(m, g, 1 - b1);  v = b2 * v + (1 - b2) * g^2;  s = sqrt(v / (1 - b2^t)) + eps;
    p -= lr * (1 - mu_t) / (1 - P_t) * g / s + lr * mu_{t+1} / (1 - P_t mu_{t+1}) * m / s.

    decoupled_weight_decay scales p by 1 - lr * wd instead of adding wd * p to g. P_t is kept
    in the scalar dtype of its creation (float32 unless the default dtype is float64), as in
    PyTorch.
    """

    _scalar_state = ("mu_product",)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        self._check_adam_group(group)
        self._check_nonnegative(group, "momentum_decay")

    def _step_group(self, group, params):
        lr, eps = _lr(group["lr"]), float(group["eps"])
        beta1, beta2 = (_lr(b) for b in group["betas"])
        weight_decay, maximize = float(group["weight_decay"]), bool(group["maximize"])
        momentum_decay = float(group["momentum_decay"])
        decoupled = bool(group["decoupled_weight_decay"])
        for p in params:
            x = p._data
            state = self.state[p]
            if not state:
                state["step"] = _new_step(group)
                state["mu_product"] = _scalar_tensor(1.0, _scalar_dtype())
                state["exp_avg"] = _buffer(np.zeros_like(x))
                state["exp_avg_sq"] = _buffer(np.zeros_like(x))
            step = _advance_step(state)
            g, _ = self._decayed_direction(p, lr, weight_decay, decoupled, maximize)
            mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1.0) * momentum_decay))
            # in the state's dtype: a float32 one multiplies in float32, as PyTorch's does
            product = state["mu_product"]._data
            kind = product.dtype.type
            mu_product = kind(product[()] * kind(mu))
            state["mu_product"] = _scalar_tensor(mu_product, product.dtype)
            mu_product = float(mu_product)
            m, v, tmp = state["exp_avg"]._data, state["exp_avg_sq"]._data, np.empty_like(x)
            _lerp_(m, g, 1.0 - beta1, tmp)
            v *= beta2
            np.multiply(g, 1.0 - beta2, out=tmp)
            tmp *= g
            v += tmp
            denom = np.divide(v, 1.0 - beta2 ** step, out=np.empty_like(x))
            np.sqrt(denom, out=denom)
            denom += eps
            np.multiply(g, -lr * (1.0 - mu) / (1.0 - mu_product), out=tmp)
            tmp /= denom
            x += tmp
            np.multiply(m, (-lr * mu_next) / (1.0 - mu_product * mu_next), out=tmp)
            tmp /= denom
            x += tmp
