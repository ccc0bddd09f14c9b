"""Adagrad with learning-rate decay."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _buffer, _lr
from .scalar_state import _advance_step, _new_step


class Adagrad(Optimizer):
    """PyTorch's Adagrad: s += g^2;  p -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps).

    The sum starts at initial_accumulator_value; its state exists from construction on. As in
    PyTorch, the value is the constructor's for every group: one given in a group is kept
    there (and in state_dict) but does not start that group's sums.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
                 differentiable=False, fused=None):
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p, group):
        state = self.state[p]
        state["step"] = _new_step(group)
        state["sum"] = _buffer(np.full_like(p._data,
                                            float(self.defaults["initial_accumulator_value"])))
        return state

    def _check_group(self, group):
        super()._check_group(group)
        self._check_nonnegative(group, "lr_decay")
        self._check_nonnegative(group, "weight_decay")
        self._check_nonnegative(group, "initial_accumulator_value")
        self._check_nonnegative(group, "eps", "epsilon")

    def _step_group(self, group, params):
        lr, lr_decay, eps = _lr(group["lr"]), float(group["lr_decay"]), float(group["eps"])
        weight_decay, maximize = float(group["weight_decay"]), bool(group["maximize"])
        for p in params:
            x = p._data
            state = self.state[p] or self._init_state(p, group)
            step = _advance_step(state)
            d, _ = self._direction(p, weight_decay, maximize)
            clr = lr / (1.0 + (step - 1.0) * lr_decay)
            s, tmp = state["sum"]._data, np.empty_like(x)
            np.multiply(d, d, out=tmp)
            s += tmp
            np.sqrt(s, out=tmp)
            tmp += eps
            np.divide(d, tmp, out=tmp)
            tmp *= clr
            x -= tmp
