"""GradScaler: torch.amp.GradScaler's dynamic loss scaling, the same arithmetic as torch's CPU one.

The scale is a float32 number and the growth tracker an int, as torch's 0-d tensors are. A step
multiplies the loss by the scale; unscale_ multiplies every gradient in place by float32(1 /
scale) and notes whether any is inf/NaN; step skips optimizer.step() then; update multiplies the
scale by backoff_factor after a skipped step, and by growth_factor after growth_interval steps
in a row without one (never growing it to inf).
"""
from __future__ import annotations

import warnings
from collections import abc, defaultdict
from enum import Enum

import numpy as np


class OptState(Enum):
    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _fresh_state() -> dict:
    return {"stage": OptState.READY, "found_inf_per_device": {}}


class GradScaler:
    """GradScaler(device='cpu', init_scale=2.**16, growth_factor=2.0, backoff_factor=0.5,
    growth_interval=2000, enabled=True).

    Loop: `scaler.scale(loss).backward(); scaler.step(optimizer); scaler.update()`, with an
    optional `scaler.unscale_(optimizer)` before step (to clip true gradients). Disabled
    (enabled=False, or device 'cuda', which warns as torch does without CUDA): scale returns
    its input, step calls optimizer.step(), the rest do nothing. Other devices: RuntimeError.
    """

    def __init__(self, device: str = "cpu", init_scale: float = 2.0 ** 16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True):
        self._device, self._enabled = device, bool(enabled)
        if device == "cuda":
            if enabled:
                warnings.warn("GradScaler is enabled, but CUDA is not available (this engine "
                              "runs on the CPU only). Disabling.",
                              stacklevel=2 if type(self) is GradScaler else 3)
                self._enabled = False
        elif device != "cpu":
            from .device import as_device
            as_device(device, "GradScaler")
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
        self._init_scale = init_scale
        self._scale: np.ndarray | None = None          # 0-d float32 once scale() has run
        self._growth_factor, self._backoff_factor = growth_factor, backoff_factor
        self._growth_interval = growth_interval
        self._init_growth_tracker = 0
        self._growth_tracker: int | None = None
        self._per_optimizer_states: dict = defaultdict(_fresh_state)

    def _check_scale_growth_tracker(self, funcname: str) -> None:
        if self._scale is None:
            raise AssertionError(f"Attempted {funcname} but _scale is None.  This may indicate "
                                 f"your script did not use scaler.scale(loss or outputs) earlier "
                                 f"in the iteration.")

    def scale(self, outputs):
        """outputs * scale: a Tensor, or a list/tuple (same type back) or other iterable (a
        lazy map) of Tensors. The float32 scale does not widen a float64 output."""
        from .tensor import Tensor
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._scale = np.array(self._init_scale, dtype=np.float32)
            self._growth_tracker = self._init_growth_tracker

        def apply(value):
            if isinstance(value, Tensor):
                return value * Tensor._wrap(self._scale.copy(), False)
            if isinstance(value, abc.Iterable):
                scaled = map(apply, value)
                return type(value)(scaled) if isinstance(value, (list, tuple)) else scaled
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")
        return apply(outputs)

    def _unscale_grads_(self, optimizer, inv_scale: np.float32) -> dict:
        """Multiply every gradient by inv_scale in place; {device: 1.0 if any was inf/NaN}
        (empty when no parameter has a gradient)."""
        from .saved import writable
        found, seen = 0.0, False
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                seen, g = True, p.grad
                if not np.isfinite(g._data).all():
                    found = 1.0
                if inv_scale != 1.0:
                    # torch multiplies in the gradient's precision by the float32 inverse
                    with writable(g._data), np.errstate(all="ignore"):
                        np.multiply(g._data, g._data.dtype.type(inv_scale), out=g._data)
                    g._version += 1
        return {"cpu": np.float32(found)} if seen else {}

    def unscale_(self, optimizer) -> None:
        """Divide the optimizer's gradients by the scale (once per step; step() calls it if
        you did not), recording whether any is inf/NaN."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("unscale_")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the "
                               "last update().")
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv_scale = np.float32(1.0 / float(self._scale))   # reciprocal in double, as torch
        state["found_inf_per_device"] = self._unscale_grads_(optimizer, inv_scale)
        state["stage"] = OptState.UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """unscale_ (unless done), then optimizer.step(*args, **kwargs) unless a gradient was
        inf/NaN; returns what optimizer.step returned (None when skipped). No closure."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if not state["found_inf_per_device"]:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        result = None
        if not sum(float(v) for v in state["found_inf_per_device"].values()):
            result = optimizer.step(*args, **kwargs)
        state["stage"] = OptState.STEPPED
        return result

    def update(self, new_scale=None) -> None:
        """End of iteration: set the scale to new_scale (a number or 1-element Tensor) if given;
        else back off after an inf/NaN, or grow after growth_interval clean steps."""
        if not self._enabled:
            return
        self._check_scale_growth_tracker("update")
        if new_scale is not None:
            from .tensor import Tensor
            if isinstance(new_scale, Tensor):
                if new_scale.numel() != 1 or new_scale.requires_grad:
                    raise AssertionError("new_scale should be a float or a 1-element "
                                         "FloatTensor with requires_grad=False.")
                new_scale = new_scale.data.reshape(())
            self._scale = np.array(new_scale, dtype=np.float32)
        else:
            found = [v for s in self._per_optimizer_states.values()
                     for v in s["found_inf_per_device"].values()]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            if sum(float(v) for v in found):
                self._scale = np.array(float(self._scale) * self._backoff_factor, np.float32)
                self._growth_tracker = 0
            elif self._growth_tracker + 1 == self._growth_interval:
                with np.errstate(over="ignore"):
                    grown = np.float32(float(self._scale) * self._growth_factor)
                if np.isfinite(grown):   # never grow the scale past float32's range to inf
                    self._scale = np.array(grown, np.float32)
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
        self._per_optimizer_states = defaultdict(_fresh_state)

    def get_scale(self) -> float:
        """The current scale as a Python float (1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return float(self._init_scale) if self._scale is None else float(self._scale)

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else self._growth_tracker

    def is_enabled(self) -> bool:
        return self._enabled

    def state_dict(self) -> dict:
        """scale, growth_factor, backoff_factor, growth_interval, _growth_tracker (torch's keys);
        {} when disabled."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a state_dict (also one saved by torch's GradScaler); a no-op when disabled."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale = np.array(state_dict["scale"], dtype=np.float32)
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker = int(state_dict["_growth_tracker"])

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        if self._enabled:
            if self._per_optimizer_states:
                raise AssertionError("A GradScaler instance may only be pickled at the beginning "
                                     "of an iteration, or at the end after scaler.update().")
            state["_init_scale"], state["_scale"] = self.get_scale(), None
            state["_init_growth_tracker"] = self._get_growth_tracker()
            state["_growth_tracker"] = None
        return state
