"""Model-level gradient check: every parameter's BPTT gradient, and dL/dh_t per time step,
against central finite differences, on a float64 copy of the model.

    report = autograd.check_model_gradients(model, loss_fn, (x,), probed_loss_fn=...)
    print(report); assert report.ok

loss_fn(model, *inputs) -> scalar Tensor runs the model's own forward. The optional
probed_loss_fn(model, probe, *inputs) computes the same loss through a forward that passes
every hidden state through probe(state, key) (e.g. nn.tbptt.unroll); the probe adds a zero leaf
p_t, so p_t.grad is the total derivative dL/dh_t and perturbing p_t gives its finite differences.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from .function import no_grad
from .tensor import Tensor


class StateProbe:
    """probe(state, key) -> state + p_key, p_key a zero leaf created on first use and reused."""

    def __init__(self):
        self.leaves = {}

    def __call__(self, state: Tensor, key) -> Tensor:
        p = self.leaves.get(key)
        if p is None:
            p = Tensor._wrap(np.zeros(state.shape, state.dtype), True)
            self.leaves[key] = p
        elif p.shape != state.shape:
            raise ValueError(f"StateProbe: state {key} has shape {tuple(state.shape)}, "
                             f"its probe was made for {tuple(p.shape)}")
        return state + p


@dataclass
class Check:
    """One compared tensor: a parameter (t is None) or a hidden state at step t."""
    name: str
    shape: tuple
    checked: str
    grad_norm: float
    max_abs_err: float
    max_rel_err: float
    ok: bool
    t: object = None


@dataclass
class ModelCheckReport:
    """Per-parameter and per-time-step results; `ok` is True when every check passed."""
    model: str
    loss: float
    params: list = field(default_factory=list)
    states: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(c.ok for c in self.params + self.states)

    @property
    def failed(self) -> list:
        """Names of the parameters whose check failed."""
        return [c.name for c in self.params if not c.ok]

    @property
    def failed_states(self) -> list:
        return [(c.name, c.t) for c in self.states if not c.ok]

    @property
    def worst_rel_error(self) -> float:
        return max((c.max_rel_err for c in self.params + self.states), default=0.0)

    def __str__(self):
        head = f"gradient check of {self.model} (float64 copy), loss {self.loss:.10g}: " + \
               ("PASS" if self.ok else "FAIL")
        lines = [head, ""]
        w = max([len("parameter")] + [len(c.name) for c in self.params])
        lines.append(f"{'parameter':<{w}}  {'shape':<12} {'checked':>10}  {'|grad|':>10}  "
                     f"{'max abs err':>11}  {'max rel err':>11}  ok")
        for c in self.params:
            lines.append(f"{c.name:<{w}}  {str(c.shape):<12} {c.checked:>10}  {c.grad_norm:>10.3e}"
                         f"  {c.max_abs_err:>11.2e}  {c.max_rel_err:>11.2e}  {_yes(c.ok)}")
        if self.states:
            w = max([len("state")] + [len(c.name) for c in self.states])
            lines += ["", f"{'state':<{w}}  {'t':>4}  {'|dL/ds_t|':>10}  {'max abs err':>11}  "
                          f"{'max rel err':>11}  ok"]
            for c in self.states:
                lines.append(f"{c.name:<{w}}  {c.t:>4}  {c.grad_norm:>10.3e}  "
                             f"{c.max_abs_err:>11.2e}  {c.max_rel_err:>11.2e}  {_yes(c.ok)}")
        lines += [f"problem: {p}" for p in self.problems]
        return "\n".join(lines)


def _yes(ok):
    return "yes" if ok else "NO"


# --------------------------------------------------------------------- float64 copies
def _to_float64(x):
    """Inputs for the check: floating Tensors/arrays become float64 (no grad); others pass."""
    if isinstance(x, Tensor):
        return Tensor._wrap(x.data.astype(np.float64), False) if x.dtype.kind == "f" else x
    if isinstance(x, np.ndarray):
        return x.astype(np.float64) if x.dtype.kind == "f" else x
    if isinstance(x, (tuple, list)):
        return type(x)(_to_float64(v) for v in x)
    if isinstance(x, dict):
        return {k: _to_float64(v) for k, v in x.items()}
    return x


def float64_copy(model):
    """A deep copy with float64, C-contiguous parameters and buffers, no grads, in eval mode
    (dropout off: finite differences need a deterministic forward)."""
    m = copy.deepcopy(model)
    if hasattr(m, "modules"):
        for sub in m.modules():
            for store in ("_parameters", "_buffers"):
                for t in sub.__dict__.get(store, {}).values():
                    if t is not None and t.data.dtype.kind == "f":
                        t.data = np.ascontiguousarray(t.data, dtype=np.float64)
    for _, p in m.named_parameters():
        p.grad = None
    if hasattr(m, "eval"):
        m.eval()
    return m


def _scalar(loss, what):
    if not isinstance(loss, Tensor) or loss.data.size != 1:
        raise ValueError(f"check_model_gradients: {what} must return a scalar Tensor, got "
                         f"{type(loss).__name__} of shape {tuple(getattr(loss, 'shape', ()))}")
    return loss


# --------------------------------------------------------------------- comparison
def _errors(analytic, numeric, atol, rtol):
    """(max abs error, rel error, ok): ok iff |a - n| <= atol + rtol |n| for every element;
    the relative error is max |a - n| over the tensor's scale max(|n|, atol), so elements whose
    true gradient is ~0 do not turn finite-difference noise into a large ratio."""
    analytic, numeric = np.asarray(analytic, float), np.asarray(numeric, float)
    if analytic.size == 0:
        return 0.0, 0.0, True
    err = np.abs(analytic - numeric)
    if not np.all(np.isfinite(err)):
        return float("inf"), float("inf"), False
    scale = max(float(np.abs(numeric).max()), atol)
    ok = bool(np.all(err <= atol + rtol * np.abs(numeric)))
    return float(err.max()), float(err.max()) / scale, ok


def _sample(size, limit, rng):
    if size <= limit:
        return np.arange(size)
    return np.sort(rng.choice(size, size=limit, replace=False))


def _central(f, arr, eps, indices=(), direction=None):
    """Central differences of the scalar f() as arr (modified in place, then restored) moves
    along each flat index in `indices`, and along `direction` if given (its result last)."""
    flat = arr.reshape(-1)
    if not np.shares_memory(flat, arr):
        raise ValueError("finite differences need a contiguous array")
    out = []
    for k in indices:
        orig = flat[k]
        flat[k] = orig + eps
        plus = f()
        flat[k] = orig - eps
        minus = f()
        flat[k] = orig
        out.append((plus - minus) / (2 * eps))
    if direction is not None:
        orig = arr.copy()
        arr[...] = orig + eps * direction
        plus = f()
        arr[...] = orig - eps * direction
        minus = f()
        arr[...] = orig
        out.append((plus - minus) / (2 * eps))
    return np.array(out)


def finite_difference_grad(f, arr: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """The full central-difference gradient of the scalar f() with respect to arr (in place)."""
    return _central(f, arr, eps, range(arr.size)).reshape(arr.shape)


def _compare_tensor(f, arr, analytic, eps, atol, rtol, limit, rng):
    """Check `analytic` (dL/d arr) on a sample of elements, plus one random direction when the
    tensor is larger than `limit`; returns (checked label, max abs, max rel, ok)."""
    idx = _sample(arr.size, limit, rng)
    direction = None
    if idx.size < arr.size:
        direction = rng.standard_normal(arr.shape)
        direction /= np.linalg.norm(direction)
    numeric = _central(f, arr, eps, idx, direction)
    a = analytic.reshape(-1)[idx]
    if direction is not None:
        a = np.append(a, np.sum(analytic * direction))
    label = f"{idx.size}/{arr.size}" + ("+dir" if direction is not None else "")
    return (label,) + _errors(a, numeric, atol, rtol)


# --------------------------------------------------------------------- the check
def check_model_gradients(model, loss_fn, inputs=(), *, probed_loss_fn=None, eps: float = 1e-6,
                          atol: float = 1e-7, rtol: float = 1e-5,
                          max_elements_per_param: int = 32, max_elements_per_state: int = 16,
                          seed: int = 0, name: str = None) -> ModelCheckReport:
    """Compare BPTT gradients with central finite differences on a float64 copy of `model`.

    loss_fn(model, *inputs) -> scalar Tensor. Parameters with at most max_elements_per_param
    elements are checked in full; larger ones on a reproducible random sample of that many
    elements plus one random unit direction. With probed_loss_fn(model, probe, *inputs) (same
    loss, every state passed through probe), dL/ds_t of every probed state is checked too. The
    user's model is never modified; frozen parameters (requires_grad False) are skipped.
    Both losses must be deterministic functions of the parameters (the copy is in eval mode).
    """
    if isinstance(inputs, (Tensor, np.ndarray)):
        inputs = (inputs,)
    for what, n in (("max_elements_per_param", max_elements_per_param),
                    ("max_elements_per_state", max_elements_per_state)):
        if not isinstance(n, (int, np.integer)) or n <= 0:
            raise ValueError(f"check_model_gradients: {what} must be a positive integer, got {n!r}")
    rng = np.random.default_rng(seed)
    m = float64_copy(model)
    xs = _to_float64(tuple(inputs))
    loss = _scalar(loss_fn(m, *xs), "loss_fn")
    loss.backward()
    report = ModelCheckReport(name or type(model).__name__, float(loss.item()))

    def value():
        with no_grad():
            return float(loss_fn(m, *xs).item())

    for pname, p in m.named_parameters():
        if not p.requires_grad:   # frozen: BPTT gives it no gradient by design
            continue
        analytic = p.grad.data if p.grad is not None else np.zeros_like(p.data)
        checked, abs_err, rel_err, ok = _compare_tensor(
            value, p.data, analytic, eps, atol, rtol, max_elements_per_param, rng)
        report.params.append(Check(pname, tuple(p.shape), checked, float(np.linalg.norm(analytic)),
                                   abs_err, rel_err, ok))
    if probed_loss_fn is not None:
        _check_states(report, m, probed_loss_fn, xs, eps, atol, rtol, max_elements_per_state, rng)
    return report


def _state_label(key):
    """(*prefix, kind, layer, direction, t) -> ("enc h[l0,rev]", t); other keys -> (str, last)."""
    key = key if isinstance(key, tuple) else (key,)
    if len(key) >= 4 and all(isinstance(k, str) for k in key[:-3]):
        *prefix, layer, d, t = key
        return " ".join(prefix[:-1] + [f"{prefix[-1]}[l{layer}{',rev' if d else ''}]"]), t
    if len(key) >= 2:
        return " ".join(str(k) for k in key[:-1]), key[-1]
    return str(key[0]), 0


def _order(keys):
    """Probe keys grouped by (prefix, layer, direction) in creation order (encoder before
    decoder), h before c within a group, then by time step."""
    first, rank = {}, []
    for i, k in enumerate(keys):
        label, t = _state_label(k)
        std = isinstance(k, tuple) and len(k) >= 4 and label != str(k[0])
        group = (k[:-4] + k[-3:-1]) if std else label
        kind = k[-4] if std else ""
        first.setdefault(group, i)
        rank.append((first[group], kind != "h", kind, t, i))
    return [keys[r[-1]] for r in sorted(rank)]


def _check_states(report, m, probed_loss_fn, xs, eps, atol, rtol, limit, rng):
    probe = StateProbe()
    loss = _scalar(probed_loss_fn(m, probe, *xs), "probed_loss_fn")
    if not np.allclose(loss.item(), report.loss, rtol=1e-12, atol=0):
        report.problems.append(f"the probed forward gives loss {loss.item():.17g}, the model's "
                               f"own forward {report.loss:.17g}: they do not compute the same "
                               f"function, so the per-step table is not about this model")
    for p in m.parameters():
        p.grad = None
    loss.backward()

    def value():
        with no_grad():
            return float(probed_loss_fn(m, probe, *xs).item())

    keys = _order(list(probe.leaves))
    for key in keys:
        leaf = probe.leaves[key]
        analytic = leaf.grad.data if leaf.grad is not None else np.zeros_like(leaf.data)
        checked, abs_err, rel_err, ok = _compare_tensor(value, leaf.data, analytic, eps, atol,
                                                        rtol, limit, rng)
        label, t = _state_label(key)
        report.states.append(Check(label, tuple(leaf.shape), checked,
                                   float(np.linalg.norm(analytic)), abs_err, rel_err, ok, t))
