"""Optimizer base: parameter groups, per-parameter state, zero_grad and PyTorch's state_dict.

A subclass gives its defaults to `Optimizer.__init__`, checks one group's hyper-parameters in
`_check_group` and updates the parameters of one group in `_step_group`. Updates work on the
parameters' ndarrays in place (`p._data`), so they never record a graph; scalar hyper-parameters
are turned into Python floats first, so a float32 parameter stays float32 (a numpy float64
scalar would promote the temporaries).

`foreach`, `fused` and `capturable` only choose an implementation in PyTorch; they are kept
in the groups (so state dicts exchange with PyTorch's) and the update is the same.
`differentiable=True` is refused: an update here writes ndarrays and records no graph.

Hooks (step, state_dict, load_state_dict) are registered as in PyTorch; see optimizer_hooks.py.
"""
from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from itertools import chain
from numbers import Real

import numpy as np

from autograd import Tensor, enable_grad
from autograd.saved import writable

from .optimizer_hooks import (OptimizerHooks, register_optimizer_step_post_hook,  # noqa: F401
                              register_optimizer_step_pre_hook)
from .scalar_state import _copy_state, _is_tensor_like, _loaded_step, _scalar, _scalar_dtype


class _RequiredParameter:
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer(OptimizerHooks):
    """Base class of the optimizers; `params` is an iterable of Tensors or of dicts (groups).

    Each group dict holds "params" (a list of leaf Tensors) and its own hyper-parameters;
    the keys it leaves out take the optimizer's defaults.
    """

    # options PyTorch added after its first releases, with the value a group saved before one
    # existed ran with: what each torch optimizer's __setstate__ fills into a loaded group that
    # lacks it (not this optimizer's own setting; see _fill_loaded_group)
    _legacy_group_defaults = dict(maximize=False, foreach=None, capturable=False,
                                  differentiable=False, fused=None, amsgrad=False,
                                  nesterov=False, centered=False, decoupled_weight_decay=False)

    def __init__(self, params, defaults: dict):
        name = type(self).__name__
        self.defaults = dict(defaults)
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        self._step_count = 0
        self._init_hooks()
        if isinstance(params, Tensor):
            raise TypeError(f"{name}: params argument given to the optimizer should be an "
                            f"iterable of Tensors or dicts, but got a single Tensor of shape "
                            f"{tuple(params.shape)}; wrap it in a list")
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: parameters must be in an ordered collection (a list); "
                            f"a set's order changes between runs")
        groups = list(params)
        if len(groups) == 0:
            raise ValueError(f"{name}: optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ----------------------------------------------------------------- groups
    def add_param_group(self, param_group: dict):
        """Add a group of parameters with its own options (e.g. a new layer while fine-tuning).

        As in PyTorch, the dict itself becomes the group: its "params" is made a list and the
        options it leaves out are filled in from the defaults.
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}.add_param_group: param_group must be a dict, but got "
                            f"{type(param_group)}")
        group = param_group
        params = group.get("params")
        if params is None:
            raise ValueError(f"{name}.add_param_group: the group has no 'params' entry")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: parameters must be in an ordered collection (a list); "
                            f"a set's order changes between runs")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        if names:
            if len(names) != len(params):
                raise ValueError(f"{name}: all optimizer params should be with/without names. "
                                 f"Some param names are missing")
            group["param_names"] = names
            params = [p[1] for p in params]
        differentiable = self.defaults.get("differentiable")
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: optimizer can only optimize Tensors, but one of the "
                                f"params is {type(p).__name__}")
            # a non-leaf is allowed if it keeps its .grad (retain_grad()), as in PyTorch
            if p.grad_fn is not None and not differentiable and not p.retains_grad:
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (shape "
                                 f"{tuple(p.shape)}, made by {p.grad_fn!r}): optimize the "
                                 f"leaf tensors it is computed from, or make it a leaf "
                                 f"(p = p.detach().requires_grad_())")
        group["params"] = params
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise ValueError(f"{name}: parameter group didn't specify a value of required "
                                 f"optimization parameter {key}")
            group.setdefault(key, default)
        if len({id(p) for p in params}) != len(params):
            warnings.warn(f"{name}: optimizer contains a parameter group with duplicate "
                          f"parameters; each would be updated more than once", stacklevel=3)
        for g in self.param_groups:
            if ("param_names" in g) != ("param_names" in group):
                which = "with" if "param_names" in group else "without"
                raise ValueError(f"{name}: all optimizer param groups should be with/without "
                                 f"names. cannot add param group {which} names to the "
                                 f"optimizer")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict):
        """Raise ValueError on an invalid hyper-parameter of one group (subclasses extend)."""
        self._check_supported(group)
        if "lr" in group:
            self._check_nonnegative(group, "lr", "learning rate")

    def _check_supported(self, group: dict):
        """Raise on options the engine cannot run (the only check of a loaded group)."""
        name = type(self).__name__
        if group.get("differentiable"):
            raise NotImplementedError(
                f"{name}: differentiable=True is not supported: the update writes the "
                f"parameters' arrays in place and records no graph (no create_graph here)")
        if group.get("fused") and group.get("foreach"):
            raise RuntimeError(f"{name}: `fused` and `foreach` cannot be `True` together")

    def _check_nonnegative(self, group, key, what=None):
        name, value = type(self).__name__, group[key]
        if _is_tensor_like(value):  # a tensor lr, as PyTorch allows
            if int(np.prod(np.shape(value))) != 1:
                raise ValueError(f"{name}: Tensor {key} must be 1-element, got shape "
                                 f"{tuple(np.shape(value))}")
            value = _scalar(value)
        elif isinstance(value, bool) or not isinstance(value, Real):
            raise TypeError(f"{name}: {key} must be a real number, got "
                            f"{value!r} of type {type(value).__name__}")
        if not value >= 0.0:  # also rejects nan
            raise ValueError(f"{name}: invalid {what or key} value: {value} (must be >= 0)")

    def _check_betas(self, group, key="betas"):
        """betas must be a pair of reals (or 1-element tensors, as PyTorch allows) in [0, 1)."""
        name, betas = type(self).__name__, group[key]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{name}: {key} must be a pair (beta1, beta2), got {betas!r}")
        for i, b in enumerate(betas):
            if _is_tensor_like(b):
                if int(np.prod(np.shape(b))) != 1:
                    raise ValueError(f"{name}: Tensor {key}[{i}] must be 1-element, got shape "
                                     f"{tuple(np.shape(b))}")
                b = _scalar(b)
            elif isinstance(b, bool) or not isinstance(b, (int, float, np.floating)):
                raise TypeError(f"{name}: {key}[{i}] must be a real number, got {b!r}")
            if not 0.0 <= b < 1.0:
                raise ValueError(f"{name}: invalid beta parameter at index {i}: {b} "
                                 f"(must be in [0, 1))")

    # ----------------------------------------------------------------- stepping
    def zero_grad(self, set_to_none: bool = True):
        """Forget every parameter's gradient (None), or zero it in place: as in PyTorch the
        .grad Tensor stays the same object, cut from any graph (detach_) and no longer
        requiring grad."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                if g.grad_fn is not None:   # a grad made with create_graph=True
                    g.detach_()
                else:
                    g.requires_grad_(False)
                g.zero_()   # bumps its version: a graph that saved it refuses backward

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure() if given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._step_count += 1
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if params:
                # a graph still holding p._data (retain_graph, an unused output) keeps it
                # read-only; the write goes through, and backward through that graph will raise
                with writable(*[p._data for p in params]):
                    self._step_group(group, params)
                for p in params:
                    p._version += 1
        return loss

    def _step_group(self, group: dict, params: list):  # pragma: no cover - interface
        raise NotImplementedError(f"{type(self).__name__} must define _step_group")

    def _check_adam_group(self, group):
        """The checks the Adam family shares: eps, betas and weight_decay."""
        self._check_nonnegative(group, "eps", "epsilon")
        self._check_betas(group)
        self._check_nonnegative(group, "weight_decay")

    def _decayed_direction(self, p, lr: float, weight_decay: float, decoupled: bool,
                           maximize: bool):
        """_direction with weight decay added to the gradient (L2), or, when decoupled (AdamW's
        rule), applied to the parameter itself first: p *= 1 - lr * weight_decay."""
        if decoupled and weight_decay != 0:
            p._data[...] *= 1.0 - lr * weight_decay
            return self._direction(p, 0.0, maximize)
        return self._direction(p, weight_decay, maximize)

    def _direction(self, p, weight_decay: float, maximize: bool):
        """(g or -g) + weight_decay * p as an ndarray; `owned` says if it is a fresh array.

        p.grad is never modified. Shapes must match; a grad of another dtype is cast.
        """
        x, g = p._data, p.grad._data
        if g.shape != x.shape:
            raise RuntimeError(f"{type(self).__name__}.step: a parameter of shape "
                               f"{tuple(x.shape)} has a gradient of shape {tuple(g.shape)}")
        if g.dtype.kind != "f":
            raise TypeError(f"{type(self).__name__}.step: a parameter of dtype {x.dtype} has a "
                            f"gradient of dtype {g.dtype}; gradients must be floating point")
        owned = False
        if g.dtype != x.dtype:
            g, owned = g.astype(x.dtype), True
        # out= everywhere: on a 0-d parameter a ufunc would return a numpy scalar, which
        # cannot be written into in place
        if weight_decay != 0:
            d = np.multiply(x, weight_decay, out=np.empty_like(x))
            (np.subtract if maximize else np.add)(d, g, out=d)
            return d, True
        if maximize:
            return np.negative(g, out=g if owned else np.empty_like(g)), True
        return g, owned

    # ----------------------------------------------------------------- state
    def state_dict(self) -> dict:
        """{'state': {index: {...}}, 'param_groups': [{..., 'params': [index, ...]}]}, copied.

        Indices count the parameters across groups in order, as in PyTorch.
        """
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        index, start, groups = {}, 0, []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {}
        for key, value in self.state.items():
            k = index.get(id(key), key) if isinstance(key, Tensor) else key
            state[k] = {n: _copy_state(v) for n, v in value.items()}
        state_dict = {"state": state, "param_groups": groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    def load_state_dict(self, state_dict: dict):
        """Restore state and hyper-parameters saved by state_dict() (ours or PyTorch's).

        Arrays are copied and cast to their parameter's floating dtype. 'step' becomes a 0-d
        Tensor as in PyTorch: a saved tensor keeps its dtype (float32 if its group was fused or
        capturable), a plain number (an older checkpoint) is made one of the scalar dtype.
        A group that lacks a key (a checkpoint from an older PyTorch) gets it filled in.
        """
        name = type(self).__name__
        if isinstance(state_dict, dict):
            state_dict = state_dict.copy()  # shallow, as PyTorch: the hooks may edit it
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and "
                             f"'param_groups'")
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError(f"{name}.load_state_dict: the state dict has {len(saved_groups)} "
                             f"parameter groups, the optimizer has {len(groups)}")
        for i, (g, s) in enumerate(zip(groups, saved_groups)):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(f"{name}.load_state_dict: parameter group {i} has "
                                 f"{len(s['params'])} parameters in the state dict, "
                                 f"{len(g['params'])} in the optimizer")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        # the saved group of each saved index (the first that lists it, as PyTorch looks it up)
        saved_group_of = {}
        for saved in state_dict["param_groups"]:
            for k in saved["params"]:
                saved_group_of.setdefault(k, saved)
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                p = id_map[k]
                state[p] = {key: (_loaded_step(val, saved_group_of[k]) if key == "step"
                                  else self._cast_state(p, k, key, val))
                            for key, val in v.items()}
            else:
                state[k] = copy.deepcopy(v)
        new_groups = []
        for g, s in zip(groups, saved_groups):
            s["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
            self._fill_loaded_group(s)
            self._check_supported(s)   # values are not checked, as in torch: a schedule may
            new_groups.append(s)       # have left a slightly negative lr (OneCycleLR's last)
        self.state, self.param_groups = state, new_groups
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)

    def _fill_loaded_group(self, group: dict):
        """Give a loaded group the keys it lacks: an option PyTorch added later its old
        behaviour (_legacy_group_defaults), any other key this optimizer's default."""
        for key, default in self.defaults.items():
            if key not in group:
                default = self._legacy_group_defaults.get(key, default)
                if default is required:
                    raise ValueError(f"{type(self).__name__}.load_state_dict: a parameter group "
                                     f"of the state dict has no value of required "
                                     f"optimization parameter {key}")
                group[key] = copy.deepcopy(default)

    # per-parameter state entries other than 'step' that PyTorch keeps as 0-d tensors, as
    # here (see _cast_state)
    _scalar_state = ()

    def _cast_state(self, p, index, key, value):
        """One loaded state entry: an array or Tensor becomes a Tensor of its own (a floating
        one in the parameter's dtype), as PyTorch's; anything else is deep-copied."""
        if key in self._scalar_state:
            # PyTorch casts a saved scalar tensor to the parameter's dtype, and makes a plain
            # number a tensor of the scalar dtype
            plain = isinstance(value, (int, float)) and not isinstance(value, np.generic)
            dtype = _scalar_dtype() if plain or p._data.dtype.kind != "f" else p._data.dtype
            return _scalar_tensor(_scalar(value), dtype)
        if isinstance(value, Tensor):
            value = value._data
        if not (isinstance(value, np.ndarray) or hasattr(value, "__array__")):
            return copy.deepcopy(value)
        arr = np.array(np.asarray(value), copy=True)  # asarray: some __array__ take no copy=
        if arr.dtype.kind == "f":
            arr = arr.astype(p._data.dtype, copy=False)
        if key in _PARAM_SHAPED and arr.shape != p._data.shape:
            # (a state of another shape is a user optimizer's own, a factored one say: kept)
            raise ValueError(f"{type(self).__name__}.load_state_dict: state {key!r} of parameter "
                             f"{index} has shape {tuple(arr.shape)}, the parameter has shape "
                             f"{tuple(p._data.shape)}")
        return _buffer(arr)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines) + "\n)"


# the per-parameter buffers of this package's optimizers: each has its parameter's shape
_PARAM_SHAPED = frozenset({"exp_avg", "exp_avg_sq", "max_exp_avg_sq", "exp_inf", "momentum_buffer",
                           "square_avg", "acc_delta", "grad_avg", "sum", "ax", "prev",
                           "step_size"})


def _scalar_tensor(value: float, dtype) -> Tensor:
    """A 0-d Tensor of dtype: scalar state as PyTorch keeps it (NAdam's mu_product, ASGD's
    eta and mu), so that torch.load(weights_only=True) reads a saved optimizer's state."""
    return _buffer(np.array(value, dtype))


def _buffer(array: np.ndarray) -> Tensor:
    """A state buffer as PyTorch's optimizer state holds it: a Tensor (users read
    state[p]["exp_avg"].norm()); the updates work on its array in place."""
    return Tensor._wrap(array, False)


def _lr(value):
    """The lr (or a beta) as the scalar the update multiplies by: a Python float, but a tensor
    keeps its floating dtype (a numpy scalar), because in PyTorch the scalar arithmetic on a
    tensor lr or beta (lr / bias_correction, 1 - lr * wd, 1 - beta) happens in the tensor's
    dtype, float32 by default."""
    if value.__class__ is float:  # the common case, once per group and step: skip the checks
        return value
    if not _is_tensor_like(value):
        return float(value)
    dtype = np.asarray(value.data if isinstance(value, Tensor) else value).dtype
    if dtype.kind == "f" and dtype != np.float64:
        return dtype.type(_scalar(value))
    return _scalar(value)


def _sqrt(x):
    """x ** 0.5 as PyTorch takes it: Python's pow of a float, sqrt of a 0-d tensor (here a
    numpy float32 scalar, which keeps its dtype)."""
    return x ** 0.5 if isinstance(x, float) else np.sqrt(x)


def _lerp_(start: np.ndarray, end: np.ndarray, weight: float, tmp: np.ndarray):
    """start += weight * (end - start), in place, with PyTorch's two-branch formula."""
    np.subtract(end, start, out=tmp)
    if abs(weight) < 0.5:
        tmp *= weight
        start += tmp
    else:  # end - (end - start) * (1 - weight): exact at weight == 1
        tmp *= 1.0 - float(weight)  # in the arrays' precision, as torch's kernel (a tensor beta)
        np.subtract(end, tmp, out=start)
