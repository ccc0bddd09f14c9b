"""ASGD: averaged stochastic gradient descent (Polyak-Ruppert averaging, Bottou's schedule)."""
from __future__ import annotations

import numpy as np

from autograd import get_default_dtype

from .optimizer import Optimizer, _buffer, _lr, _scalar_tensor
from .scalar_state import _advance_step, _new_step, _scalar_dtype


class ASGD(Optimizer):
    """PyTorch's ASGD: p *= 1 - lambd * eta;  p -= eta * g;  ax += mu * (p - ax) (ax = p if mu = 1);
    then eta = lr / (1 + lambd * lr * t)^alpha and mu = 1 / max(1, t - t0).

    `ax` (state) is the running average of the parameters, to use for evaluation. eta and mu
    are kept in the scalar dtype of their creation (float32 unless the default dtype is
    float64), as in PyTorch.
    """

    _scalar_state = ("eta", "mu")

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        self._check_nonnegative(group, "weight_decay")
        for key in ("lambd", "alpha", "t0"):
            value = group[key]
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
                raise TypeError(f"ASGD: {key} must be a real number, got {value!r}")

    def _step_group(self, group, params):
        lr, lambd = _lr(group["lr"]), float(group["lambd"])
        alpha, t0 = float(group["alpha"]), float(group["t0"])
        weight_decay, maximize = float(group["weight_decay"]), bool(group["maximize"])
        # PyTorch makes the new eta and mu with torch.as_tensor (the default dtype) and copies
        # them into the state's tensors
        default = get_default_dtype().type
        for p in params:
            x = p._data
            state = self.state[p]
            if not state:
                state["step"] = _new_step(group)
                dtype = _scalar_dtype()
                state["eta"], state["mu"] = _scalar_tensor(lr, dtype), _scalar_tensor(1.0, dtype)
                state["ax"] = _buffer(np.zeros_like(x))
            step = _advance_step(state)
            g, _ = self._direction(p, weight_decay, maximize)
            eta, mu, ax = float(state["eta"]), float(state["mu"]), state["ax"]._data
            x *= 1.0 - lambd * eta
            tmp = np.multiply(g, eta, out=np.empty_like(x))
            x -= tmp
            if mu != 1.0:
                np.subtract(x, ax, out=tmp)
                tmp *= mu
                ax += tmp
            else:
                ax[...] = x
            eta, mu = lr / ((1.0 + lambd * lr * step) ** alpha), 1.0 / max(1.0, step - t0)
            dtype = state["eta"]._data.dtype       # the scalar dtype the state was made in
            if dtype.type is not default:
                eta, mu = default(eta), default(mu)
            state["eta"], state["mu"] = _scalar_tensor(eta, dtype), _scalar_tensor(mu, dtype)
