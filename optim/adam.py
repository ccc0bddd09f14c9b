"""Adam and AdamW (decoupled weight decay), with AMSGrad."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _buffer, _lerp_, _lr
from .scalar_state import _advance_step, _new_step


class Adam(Optimizer):
    """PyTorch's Adam: m = lerp(m, g, 1 - b1);  v = b2 * v + (1 - b2) * g^2;
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)  (max of v so far if amsgrad).

    weight_decay adds wd * p to g, or with decoupled_weight_decay (AdamW) scales
    p by (1 - lr * wd) first. lr and betas may be 1-element tensors: the scalar arithmetic
    on them then happens in their dtype, as in PyTorch.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        self._check_adam_group(group)

    def _step_group(self, group, params):
        lr, eps = _lr(group["lr"]), float(group["eps"])
        weight_decay = float(group["weight_decay"])
        beta1, beta2 = (_lr(b) for b in group["betas"])
        weight1 = 1.0 - float(beta1)  # torch casts a tensor beta1 to p's dtype for the lerp
        amsgrad, maximize = bool(group["amsgrad"]), bool(group["maximize"])
        decoupled = bool(group["decoupled_weight_decay"])
        for p in params:
            x = p._data
            state = self.state[p]
            if not state:
                state["step"] = _new_step(group)
                state["exp_avg"] = _buffer(np.zeros_like(x))
                state["exp_avg_sq"] = _buffer(np.zeros_like(x))
                if amsgrad:
                    state["max_exp_avg_sq"] = _buffer(np.zeros_like(x))
            step = _advance_step(state)
            d, _ = self._decayed_direction(p, lr, weight_decay, decoupled, maximize)
            m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
            tmp = np.empty_like(x)
            _lerp_(m, d, weight1, tmp)
            v *= beta2
            np.multiply(d, 1.0 - beta2, out=tmp)
            tmp *= d
            v += tmp
            if amsgrad:
                vmax = state.setdefault("max_exp_avg_sq", _buffer(np.zeros_like(x)))._data
                np.maximum(vmax, v, out=vmax)
                v = vmax
            step_size = lr / (1.0 - beta1 ** step)
            np.sqrt(v, out=tmp)
            tmp /= (1.0 - beta2 ** step) ** 0.5
            tmp += eps
            np.divide(m, tmp, out=tmp)
            tmp *= step_size
            x -= tmp


class AdamW(Adam):
    """Adam with decoupled weight decay: p *= 1 - lr * wd before the Adam update."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def _fill_loaded_group(self, group):
        super()._fill_loaded_group(group)
        group["decoupled_weight_decay"] = True  # as torch's AdamW.__setstate__, even over False
