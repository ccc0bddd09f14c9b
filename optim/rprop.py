"""Rprop: resilient backpropagation, which uses only the sign of the gradient."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _buffer, _lr
from .scalar_state import _advance_step, _new_step


class Rprop(Optimizer):
    """PyTorch's Rprop: s = sign(g * g_prev);  step *= etaplus (s > 0), etaminus (s < 0) or 1,
    clamped to step_sizes;  where s < 0, g = 0;  p -= sign(g) * step;  g_prev = g.

    Each coordinate's step starts at lr. (Full-batch method: noisy gradients defeat it.)
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                        maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        for key in ("etas", "step_sizes"):
            pair = group[key]
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"Rprop: {key} must be a pair, got {pair!r}")
        (etaminus, etaplus), (lo, hi) = group["etas"], group["step_sizes"]
        if not 0.0 < etaminus < 1.0 < etaplus:
            raise ValueError(f"Rprop: invalid eta values: {etaminus}, {etaplus} "
                             f"(need 0 < etaminus < 1 < etaplus)")
        if not 0.0 <= lo <= hi:
            raise ValueError(f"Rprop: invalid step_sizes: {lo}, {hi} (need 0 <= min <= max)")

    def _step_group(self, group, params):
        etaminus, etaplus = (float(e) for e in group["etas"])
        lo, hi = (float(s) for s in group["step_sizes"])
        maximize = bool(group["maximize"])
        for p in params:
            x = p._data
            state = self.state[p]
            if not state:
                state["step"] = _new_step(group)
                state["prev"] = _buffer(np.zeros_like(x))
                state["step_size"] = _buffer(np.full_like(x, _lr(group["lr"])))
            _advance_step(state)
            g, _ = self._direction(p, 0.0, maximize)
            prev, step_size = state["prev"]._data, state["step_size"]._data
            prod = np.multiply(g, prev, out=np.empty_like(x))
            factor = np.ones_like(x)
            factor[prod > 0] = etaplus
            flipped = prod < 0
            factor[flipped] = etaminus
            factor[np.isnan(prod)] = np.nan  # sign(nan) is nan in PyTorch too
            step_size *= factor
            np.clip(step_size, lo, hi, out=step_size)
            prev[...] = g
            prev[flipped] = 0                # after a sign change, skip this coordinate once
            np.sign(prev, out=prod)
            prod *= step_size
            x -= prod
