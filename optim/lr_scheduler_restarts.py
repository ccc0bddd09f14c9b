"""CosineAnnealingWarmRestarts (SGDR): cosine annealing restarted every T_i epochs."""
from __future__ import annotations

import math
from numbers import Integral, Real

from .lr_scheduler import LRScheduler, _set_lrs


class CosineAnnealingWarmRestarts(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2.

    T_cur counts epochs since the last restart; T_i starts at T_0 and is multiplied by T_mult
    at each restart. step(epoch) accepts a fractional epoch (epoch + i / iters_per_epoch) and
    is not deprecated here; step() continues from the last epoch.
    """

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        if isinstance(T_0, bool) or not isinstance(T_0, Integral) or T_0 <= 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: expected positive integer T_0, "
                             f"but got {T_0!r}")
        if isinstance(T_mult, bool) or not isinstance(T_mult, Integral) or T_mult < 1:
            raise ValueError(f"CosineAnnealingWarmRestarts: expected integer T_mult >= 1, "
                             f"but got {T_mult!r}")
        if isinstance(eta_min, bool) or not isinstance(eta_min, Real):
            raise ValueError(f"CosineAnnealingWarmRestarts: expected float or int eta_min, "
                             f"but got {eta_min!r} of type {type(eta_min).__name__}")
        self.T_0, self.T_i, self.T_mult, self.eta_min = T_0, T_0, T_mult, eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.T_cur
                                                                      / self.T_i)) / 2
                for base in self.base_lrs]

    def step(self, epoch=None):
        """Advance one epoch, or go to `epoch` (may be fractional; e.g. once per batch)."""
        # PyTorch's override: no step-order warning and _step_count is not advanced
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"CosineAnnealingWarmRestarts: expected non-negative epoch, "
                                 f"but got {epoch}")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:  # restarts so far: T_0 (T_mult^n - 1) / (T_mult - 1) <= epoch
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult ** n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        _set_lrs(self, self.get_lr())
        self._last_lr = self._group_lrs()
