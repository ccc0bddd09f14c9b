"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""
from __future__ import annotations

import numpy as np

from autograd.kernels import update

from .optimizer import Optimizer, _buffer, _lr


class SGD(Optimizer):
    """PyTorch's SGD: d = g + wd * p;  b = m * b + (1 - dampening) * d (b = d at first);
    d = d + m * b (Nesterov) or b;  p -= lr * d.  `maximize` uses -g."""

    _legacy_group_defaults = {**Optimizer._legacy_group_defaults, "fused": False}  # as torch's

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        # as torch, Nesterov's condition is checked on the defaults alone: a group may set
        # its own dampening or momentum (the update then applies them as given)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(f"SGD: Nesterov momentum requires a momentum and zero dampening "
                             f"(got momentum={momentum}, dampening={dampening})")

    def _check_group(self, group):
        super()._check_group(group)
        self._check_nonnegative(group, "momentum")
        self._check_nonnegative(group, "weight_decay")

    def _step_group(self, group, params):
        lr, momentum = _lr(group["lr"]), float(group["momentum"])
        dampening, weight_decay = float(group["dampening"]), float(group["weight_decay"])
        nesterov, maximize = bool(group["nesterov"]), bool(group["maximize"])
        # the buffers as the step starts, as torch gathers them: a parameter listed twice
        # gets a fresh buffer at both places on the first step, not the one just made
        bufs = [self.state[p].get("momentum_buffer") for p in params] if momentum != 0 else ()
        for k, p in enumerate(params):
            x = p._data
            d, owned = self._direction(p, weight_decay, maximize)
            if momentum != 0:
                state = self.state[p]
                buf = bufs[k]
                if buf is None:
                    buf = np.array(d, copy=True)
                    state["momentum_buffer"] = _buffer(buf)
                else:
                    buf = buf._data
                    buf *= momentum
                    if dampening == 0:
                        buf += d
                    else:
                        buf += d * (1.0 - dampening)
                if nesterov:
                    step = np.multiply(buf, momentum)
                    step += d
                    d, owned = step, True
                else:
                    d, owned = buf, False
            if not update.axpy_(x, -lr, d):  # small or non-contiguous: numpy's two passes
                # (d of a 0-d parameter can be a numpy scalar, which out= cannot take)
                tmp = d if owned and d.__class__ is np.ndarray else np.empty_like(x)
                np.multiply(d, lr, out=tmp)
                x -= tmp
