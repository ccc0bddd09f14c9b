"""Scalar state as PyTorch keeps it: the per-parameter step counter, a 0-d Tensor, and the
scalar hyper-parameters (a float, or a 1-element tensor as PyTorch allows).

state['step'] is a 0-d Tensor as in PyTorch (so `state['step'].item()` and `int(...)` work),
advanced in place once per update; the update math reads it as a Python float, which is
exact while it counts whole steps (below 2**24 in float32, as in PyTorch).
"""
from __future__ import annotations

import copy
from numbers import Real

import numpy as np

from autograd import Tensor, get_default_dtype
from autograd.saved import writable


def _is_tensor_like(value) -> bool:
    """Our Tensor, an ndarray or another array type (a torch tensor from a state dict)."""
    return isinstance(value, (Tensor, np.ndarray)) or (
        not isinstance(value, (Real, str, bytes)) and hasattr(value, "item")
        and hasattr(value, "shape"))


def _scalar(value) -> float:
    """A hyper-parameter or scalar state as a Python float (a 1-element tensor gives its item)."""
    if isinstance(value, Tensor):
        value = value.data
    return float(value.item()) if hasattr(value, "item") else float(value)


def _scalar_dtype() -> np.dtype:
    """The dtype PyTorch keeps scalar state in (the step, NAdam's mu_product, ASGD's eta and
    mu): float64 while the default dtype is float64, else float32. Read when the state is
    created."""
    return np.dtype(np.float64) if get_default_dtype() == np.float64 else np.dtype(np.float32)


def _new_step(group: dict) -> Tensor:
    """A fresh state['step']: a 0-d Tensor at 0, as PyTorch keeps it; float32 in a fused group
    (PyTorch's fused kernels count in float32), else the scalar dtype."""
    dtype = np.dtype(np.float32) if group.get("fused") else _scalar_dtype()
    return Tensor._wrap(np.zeros((), dtype), False)


def _advance_step(state: dict) -> float:
    """state['step'] += 1 in place (PyTorch's step_t += 1); returns the new value as the Python
    float the update math reads (PyTorch's step_t.item())."""
    t = state["step"]
    if t.__class__ is not Tensor:   # a number put there by hand
        t = state["step"] = _loaded_step(t, {})
    d = t._data
    try:
        # float(d) + 1 rounded into d's dtype is what adding 1 in that dtype gives
        d[()] = float(d) + 1.0
    except ValueError:   # read-only: a live graph saved the step tensor
        with writable(d):
            d[()] = float(d) + 1.0
    t._version += 1
    return float(d)


def _loaded_step(value, saved_group: dict) -> Tensor:
    """state['step'] from a state dict as PyTorch loads it: a tensor (ours or PyTorch's) keeps
    its dtype, or becomes float32 if its saved group was fused or capturable; a number (torch
    < 1.12, or an older state dict of this engine) becomes a tensor of the scalar dtype
    (float32 if the group is fused). Always a fresh 0-d Tensor."""
    if isinstance(value, Tensor):
        arr = np.array(value._data, copy=True)
    elif _is_tensor_like(value) and not isinstance(value, (np.ndarray, np.generic)):
        arr = np.array(np.asarray(value), copy=True)   # a PyTorch tensor
    else:
        dtype = np.float32 if saved_group.get("fused") else _scalar_dtype()
        return Tensor._wrap(np.array(_scalar(value), dtype), False)
    if arr.size != 1:
        raise ValueError(f"load_state_dict: 'step' must be a number or a 1-element tensor, "
                         f"got shape {tuple(arr.shape)}")
    if saved_group.get("fused") or saved_group.get("capturable"):
        arr = arr.astype(np.float32)
    return Tensor._wrap(arr.reshape(()), False)


def _copy_state(value):
    """A copy of one state entry for state_dict(): arrays and Tensors by value."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, Tensor):
        return Tensor._wrap(value._data.copy(), False)
    return copy.deepcopy(value)
