"""Muon (torch.optim.Muon, PyTorch >= 2.9): momentum SGD for matrices whose step is the
momentum orthogonalized by a few Newton-Schulz iterations, so every singular direction of the
update moves about as far."""
from __future__ import annotations

import math

import numpy as np

from .optimizer import Optimizer, _buffer, _lerp_, _lr

# the quintic iteration's coefficients and the norm floor, as torch's
NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)
EPS = 1e-7


class Muon(Optimizer):
    """PyTorch's Muon, for 2-D parameters only. With G the gradient:
    B = lerp(B, G, 1 - momentum); U = lerp(G, B, momentum) (nesterov) or B;
    O = newton_schulz(U); p *= 1 - lr * weight_decay; p -= adjusted lr * O, the lr scaled by
    sqrt(max(1, rows / cols)) ('original', the default) or 0.2 sqrt(max(rows, cols))
    ('match_rms_adamw').  torch runs the iteration in bfloat16; here it runs in the
    parameter's dtype (the updates agree with torch's to bfloat16's ~3 digits)."""

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=NS_COEFFICIENTS, eps=EPS, ns_steps=5, adjust_lr_fn=None):
        defaults = dict(lr=lr, weight_decay=weight_decay, momentum=momentum,
                        nesterov=nesterov, ns_coefficients=ns_coefficients, eps=eps,
                        ns_steps=ns_steps, adjust_lr_fn=adjust_lr_fn)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(f"Muon only supports 2D parameters whereas we found a "
                                     f"parameter with size: {tuple(p.shape)}")

    def _check_group(self, group):
        super()._check_group(group)
        self._check_nonnegative(group, "momentum")
        self._check_nonnegative(group, "weight_decay", "weight decay")
        if group["adjust_lr_fn"] not in (None, "original", "match_rms_adamw"):
            raise ValueError(f"Muon: adjust learning rate function {group['adjust_lr_fn']!r} "
                             f"is not supported ('original' or 'match_rms_adamw')")

    def _step_group(self, group, params):
        lr, momentum = _lr(group["lr"]), float(group["momentum"])
        weight_decay = float(group["weight_decay"])
        for p in params:
            x = p._data
            g, _ = self._direction(p, 0.0, False)
            state = self.state[p]
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = _buffer(np.zeros_like(x))
            buf = state["momentum_buffer"]._data
            _lerp_(buf, g, 1.0 - momentum, np.empty_like(buf))
            if group["nesterov"]:
                u = g.copy()
                _lerp_(u, buf, momentum, np.empty_like(u))
            else:
                u = buf
            o = newton_schulz(u, group["ns_coefficients"], int(group["ns_steps"]),
                              float(group["eps"]))
            x *= 1.0 - lr * weight_decay
            x -= adjusted_lr(lr, group["adjust_lr_fn"], x.shape) * o


def newton_schulz(g: np.ndarray, coefficients, steps: int, eps: float) -> np.ndarray:
    """An approximately orthogonal matrix with g's singular vectors (singular values in about
    [0.5, 1.5]): X = g / ||g||_F, then `steps` times X = a X + (b A + c A A) X, A = X X^T,
    on the wide orientation of g."""
    if steps >= 100:
        raise ValueError("Muon: number of Newton-Schulz steps must be less than 100, got "
                         f"{steps}")
    if len(coefficients) != 3:
        raise ValueError(f"Muon: ns_coefficients must be 3 values, got {coefficients!r}")
    a, b, c = (float(v) for v in coefficients)
    tall = g.shape[0] > g.shape[1]
    x = g.T if tall else g
    x = x / max(float(np.linalg.norm(x)), eps)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * (gram @ gram)) @ x
    return x.T if tall else x


def adjusted_lr(lr: float, rule, shape) -> float:
    rows, cols = shape[:2]
    if rule is None or rule == "original":
        return lr * math.sqrt(max(1.0, rows / cols))
    return lr * 0.2 * math.sqrt(max(rows, cols))
