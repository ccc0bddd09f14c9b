"""Model-level gradient check: every parameter's (and chosen inputs') BPTT gradient, and
dL/ds_t of every hidden state per time step, against central finite differences, on a float64
copy of the model.

    report = autograd.check_model_gradients(model, loss_fn, (x, y, h0), probed_loss_fn=...,
                                            check_inputs=("x", "h0"), input_names=("x", "y", "h0"))
    print(report); assert report.ok

loss_fn(model, *inputs) -> scalar Tensor runs the model's own forward (for nn.RNN/LSTM/GRU,
the fused sequence ops). The optional probed_loss_fn(model, probe, *inputs) computes the same
loss through another forward that passes every hidden state through probe(state, key) (e.g.
nn.tbptt.unroll, the composed per-step graph); the probe adds a zero leaf p_t, so p_t.grad is
the total derivative dL/ds_t and perturbing p_t gives its finite differences. Those per-step
rows test the probed graph only; what ties them to the model is a second check: the gradients
of both forwards, for every parameter and checked input, must agree to rounding.
"""
from __future__ import annotations

import copy
import textwrap
from dataclasses import dataclass, field

import numpy as np

from .function import Node, no_grad
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
    """One compared tensor: a parameter or input (t is None) or a hidden state at step t.
    ok: the gradient against finite differences. vs_probed / agrees (parameters and inputs,
    with a probed forward): the largest difference from the probed forward's gradient over the
    tensor's scale, and whether it is below rounding; probed_ok: that gradient against the
    same finite differences."""
    name: str
    shape: tuple
    checked: str
    grad_norm: float
    max_abs_err: float
    max_rel_err: float
    ok: bool
    t: object = None
    vs_probed: float = None
    agrees: bool = None
    probed_ok: bool = None


@dataclass
class ModelCheckReport:
    """Per-parameter, per-input and per-time-step results; `ok` when every check passed."""
    model: str
    loss: float
    params: list = field(default_factory=list)
    inputs: list = field(default_factory=list)
    states: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    probed_name: str = "probed"
    model_only_ops: list = field(default_factory=list)    # op names in loss_fn's graph only
    probed_only_ops: list = field(default_factory=list)   # ... in probed_loss_fn's graph only

    @property
    def ok(self) -> bool:
        rows = self.params + self.inputs
        return (not self.problems and all(c.ok for c in rows + self.states)
                and all(c.agrees is not False for c in rows))

    @property
    def failed(self) -> list:
        """Names of the parameters whose finite-difference check failed."""
        return [c.name for c in self.params if not c.ok]

    @property
    def failed_inputs(self) -> list:
        return [c.name for c in self.inputs if not c.ok]

    @property
    def failed_states(self) -> list:
        return [(c.name, c.t) for c in self.states if not c.ok]

    @property
    def latest_failing_steps(self) -> dict:
        """{state name: the latest step whose row failed}: an error in the op that takes s_k to
        s_k+1 (or in the output at step k) fails every row t <= k (see legend)."""
        out = {}
        for c in self.states:
            if not c.ok:
                out[c.name] = max(out.get(c.name, c.t), c.t)
        return out

    def step_line(self) -> str:
        """The report's one-line answer to "where in time": '-' when no state row failed."""
        steps = self.latest_failing_steps
        return ", ".join(f"{name} t = {t}" for name, t in steps.items()) or "-"

    @property
    def disagree(self) -> list:
        """Parameters and inputs whose gradient differs between the two forwards."""
        return [c.name for c in self.params + self.inputs if c.agrees is False]

    @property
    def worst_rel_error(self) -> float:
        return max((c.max_rel_err for c in self.params + self.inputs + self.states),
                   default=0.0)

    def __str__(self):
        head = f"gradient check of {self.model} (float64 copy), loss {self.loss:.10g}: " + \
               ("PASS" if self.ok else "FAIL")
        lines = [head]
        rows = self.params + self.inputs
        w = max([len("parameter")] + [len(c.name) for c in rows])
        vs = any(c.agrees is not None for c in rows)
        for title, group in (("parameter", self.params), ("input", self.inputs)):
            if not group:
                continue
            lines += ["", f"{title:<{w}}  {'shape':<12} {'checked':>10}  {'|grad|':>10}  "
                          f"{'max abs err':>11}  {'max rel err':>11}  ok "
                          + (f"  vs {self.probed_name}" if vs else "")]
            for c in group:
                lines.append(f"{c.name:<{w}}  {str(c.shape):<12} {c.checked:>10}  "
                             f"{c.grad_norm:>10.3e}  {c.max_abs_err:>11.2e}  "
                             f"{c.max_rel_err:>11.2e}  {_yes(c.ok):<3}"
                             + (f"  {c.vs_probed:.1e} {_yes(c.agrees)}" if vs else ""))
        if self.states:
            w = max([len("state")] + [len(c.name) for c in self.states])
            lines += ["", f"{'state':<{w}}  {'t':>4}  {'|dL/ds_t|':>10}  {'max abs err':>11}  "
                          f"{'max rel err':>11}  ok"]
            for c in self.states:
                lines.append(f"{c.name:<{w}}  {c.t:>4}  {c.grad_norm:>10.3e}  "
                             f"{c.max_abs_err:>11.2e}  {c.max_rel_err:>11.2e}  {_yes(c.ok)}")
            if self.latest_failing_steps:
                lines += ["", f"latest failing step: {self.step_line()}"]
        lines += [""] + [ln for item in self.legend() for ln in textwrap.wrap(
            item, 96, subsequent_indent="  ")]
        lines += [ln for p in self.problems for ln in textwrap.wrap(
            f"problem: {p}", 96, subsequent_indent="  ")]
        return "\n".join(lines)

    def legend(self) -> list:
        """What each column of the tables compares, as printed under them."""
        what = "parameter and input rows" if self.inputs else "parameter rows"
        out = [f"{what}: the gradient of the model's own forward (loss_fn) against central "
               f"differences"]
        compared = any(c.agrees is not None for c in self.params + self.inputs)
        if compared:
            out[0] += (f"; vs {self.probed_name}: max |difference| from the gradient of the "
                       f"{self.probed_name} forward (probed_loss_fn) over the tensor's largest "
                       f"value, yes below {AGREE_RTOL:.0e}")
        if self.states:
            p = self.probed_name
            here = f" (here {', '.join(self.model_only_ops)})" if self.model_only_ops else ""
            vs = f" (vs {p} checks them)" if compared else ""
            out.append(f"state rows: dL/ds_t (through every later step) of the {p} forward "
                       f"(probed_loss_fn) against central differences on s_t. A gradient "
                       f"flowing back through a wrong op is wrong at every earlier step: an "
                       f"error in the op that takes s_k to s_k+1 (or in the output at step k) "
                       f"fails the rows t = 0..k and passes the later ones, so the latest "
                       f"failing step k is where it is. Ops only the model's forward "
                       f"runs{here} are not in that graph{vs}")
        return out


AGREE_RTOL = 1e-8   # the two forwards differ only in summation order: float64 rounding


def _yes(ok):
    return "yes" if ok else "NO"


# --------------------------------------------------------------------- float64 copies
def _to_float64(x):
    """Inputs for the check: floating Tensors/arrays become float64 (no grad); others pass."""
    if isinstance(x, Tensor):
        return Tensor._wrap(x._data.astype(np.float64), False) if x.dtype.kind == "f" else x
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


def _fd_sample(f, arr, eps, limit, rng):
    """Central differences of f() on a sample of arr's elements, plus one random unit direction
    when arr has more than `limit` elements -> (label, project, numeric): project(g) picks the
    same entries out of a gradient g of arr."""
    idx = _sample(arr.size, limit, rng)
    direction = None
    if idx.size < arr.size:
        direction = rng.standard_normal(arr.shape)
        direction /= np.linalg.norm(direction)
    numeric = _central(f, arr, eps, idx, direction)

    def project(g):
        a = g.reshape(-1)[idx]
        return a if direction is None else np.append(a, np.sum(g * direction))

    return f"{idx.size}/{arr.size}" + ("+dir" if direction is not None else ""), project, numeric


def _agreement(a, b):
    """(max |a - b| over the larger of the two tensors' largest magnitudes, within rounding)."""
    scale = max(float(np.abs(a).max(initial=0)), float(np.abs(b).max(initial=0)))
    diff = float(np.abs(a - b).max(initial=0))
    if not np.isfinite(diff):
        return float("inf"), False
    rel = diff / scale if scale > 0 else 0.0
    return rel, diff <= AGREE_RTOL * scale + 1e-300


def _grad(t):
    return t.grad.data if t.grad is not None else np.zeros_like(t.data)


def _graph_ops(t) -> dict:
    """{Function class: None} for every op recorded in the graph behind t (before backward
    frees it), found iteratively."""
    ops, seen = {}, set()
    stack = [t._node] if t._node is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        ops.setdefault(node.fn, None)
        stack.extend(p for p in node.parents if isinstance(p, Node))
    return ops


def _op_names(ops):
    return [f"{fn.__name__} ({fn.__module__})" for fn in ops]


def _checked_inputs(xs, check_inputs, names):
    """The indices of the inputs whose gradient is checked; they become float64 leaves."""
    if check_inputs is False or check_inputs is None:
        return []
    floating = [i for i, x in enumerate(xs) if isinstance(x, (Tensor, np.ndarray))
                and x.dtype.kind == "f"]
    if check_inputs is True:
        return floating
    chosen = []
    for k in check_inputs:
        i = names.index(k) if isinstance(k, str) and k in names else k
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool) or \
                not 0 <= i < len(xs) or i not in floating:
            raise ValueError(f"check_model_gradients: check_inputs entry {k!r} is not a "
                             f"floating Tensor or array among the inputs {names}")
        chosen.append(int(i))
    return chosen


# --------------------------------------------------------------------- the check
def check_model_gradients(model, loss_fn, inputs=(), *, probed_loss_fn=None, check_inputs=False,
                          input_names=None, probed_name: str = "probed", eps: float = 1e-6,
                          atol: float = 1e-7, rtol: float = 1e-5,
                          max_elements_per_param: int = 32, max_elements_per_state: int = 4,
                          seed: int = 0, name: str = None) -> ModelCheckReport:
    """Compare BPTT gradients with central finite differences on a float64 copy of `model`.

    loss_fn(model, *inputs) -> scalar Tensor. Parameters with at most max_elements_per_param
    elements are checked in full; larger ones on a reproducible random sample of that many
    elements plus one random unit direction. check_inputs (True: every floating input; or a
    list of indices or input_names) checks dL/d(input) the same way, e.g. of the sequence x
    and the initial states h0, c0; those inputs reach loss_fn as float64 Tensors requiring
    grad. With probed_loss_fn(model, probe, *inputs) (the same loss through another forward,
    every state passed through probe; `probed_name` names it in the report, e.g. "unrolled"):
    dL/ds_t of every probed state is checked, and every checked gradient is compared with the
    probed forward's (they must agree to rounding; the report names the ops only one of the
    two graphs uses). The user's model is never modified; frozen parameters are skipped.
    Both losses must be deterministic functions of the parameters (the copy is in eval mode).

    Cost: two forwards per checked element or direction. Each of the T states per layer and
    kind is checked on min(size, max_elements_per_state) elements, plus one random direction
    when sampled (it covers the whole state), through a probed forward of T steps: O(T^2)
    steps, most of the time for long sequences. Lower max_elements_per_state (1: four
    forwards per state) or shorten the sequence for long runs.
    """
    if isinstance(inputs, (Tensor, np.ndarray)):
        inputs = (inputs,)
    for what, n in (("max_elements_per_param", max_elements_per_param),
                    ("max_elements_per_state", max_elements_per_state)):
        if not isinstance(n, (int, np.integer)) or n <= 0:
            raise ValueError(f"check_model_gradients: {what} must be a positive integer, got {n!r}")
    xs = list(_to_float64(tuple(inputs)))
    names = list(input_names) if input_names is not None else \
        [f"input[{i}]" for i in range(len(xs))]
    if len(names) != len(xs):
        raise ValueError(f"check_model_gradients: {len(names)} input_names for {len(xs)} inputs")
    checked = _checked_inputs(xs, check_inputs, names)
    for i in checked:
        data = xs[i].data if isinstance(xs[i], Tensor) else xs[i]
        xs[i] = Tensor._wrap(np.array(data, np.float64, order="C"), True)
    rng = np.random.default_rng(seed)
    m = float64_copy(model)
    params = [(n, p) for n, p in m.named_parameters() if p.requires_grad]  # frozen: no grad
    leaves = params + [(names[i], xs[i]) for i in checked]
    loss = _scalar(loss_fn(m, *xs), "loss_fn")
    model_ops = _graph_ops(loss)
    loss.backward()
    report = ModelCheckReport(name or type(model).__name__, float(loss.item()),
                              probed_name=probed_name)
    analytic = [_grad(t) for _, t in leaves]
    probed, probe = None, None
    if probed_loss_fn is not None:
        probe, probed = _probed_pass(report, m, probed_loss_fn, xs, leaves, model_ops)

    def value():
        with no_grad():
            return float(loss_fn(m, *xs).item())

    again = value()
    if not np.isclose(again, report.loss, rtol=1e-12, atol=0):
        report.problems.append(f"loss_fn gave {report.loss:.17g}, then {again:.17g} at the same "
                               f"parameters: finite differences need a deterministic loss "
                               f"(dropout in training mode, random sampling: call model.eval() "
                               f"or draw the randomness once, outside loss_fn)")
    for k, (n, t) in enumerate(leaves):
        label, project, numeric = _fd_sample(value, t.data, eps, max_elements_per_param, rng)
        c = Check(n, tuple(t.shape), label, float(np.linalg.norm(analytic[k])),
                  *_errors(project(analytic[k]), numeric, atol, rtol))
        if probed is not None:
            c.vs_probed, c.agrees = _agreement(analytic[k], probed[k])
            c.probed_ok = _errors(project(probed[k]), numeric, atol, rtol)[2]
        (report.params if k < len(params) else report.inputs).append(c)
    if report.disagree and not report.problems:   # (not when the two losses already differ)
        report.problems.append(_disagreement(report))
    if probe is not None:
        _check_states(report, m, probed_loss_fn, probe, xs, eps, atol, rtol,
                      max_elements_per_state, rng)
    return report


def _probed_pass(report, m, probed_loss_fn, xs, leaves, model_ops):
    """Differentiate the probed forward once: its gradients of the parameters and checked
    inputs, and dL/ds_t on the probe's leaves (kept for _check_states)."""
    probe = StateProbe()
    loss = _scalar(probed_loss_fn(m, probe, *xs), "probed_loss_fn")
    if not np.allclose(loss.item(), report.loss, rtol=1e-12, atol=0):
        report.problems.append(f"the probed forward gives loss {loss.item():.17g}, the model's "
                               f"own forward {report.loss:.17g}: they do not compute the same "
                               f"function, so the per-step table is not about this model")
    if not probe.leaves:
        report.problems.append("probed_loss_fn never called its probe: no state was probed, so "
                               "there are no state rows (pass it on, as nn.tbptt.unroll(model, "
                               "x, probe=probe), or call probe(state, key) on each state)")
    probed_ops = _graph_ops(loss)
    report.model_only_ops = _op_names(op for op in model_ops if op not in probed_ops)
    report.probed_only_ops = _op_names(op for op in probed_ops if op not in model_ops)
    for _, t in leaves:
        t.grad = None
    loss.backward()
    return probe, [_grad(t) for _, t in leaves]


def _disagreement(report):
    """The tensors whose gradients differ, which forward finite differences side with, and
    the ops only one of the two graphs runs."""
    rows = [c for c in report.params + report.inputs if c.agrees is False]
    names = ", ".join(c.name for c in rows)
    p = report.probed_name
    ops_m = ", ".join(report.model_only_ops) or "none"
    ops_p = ", ".join(report.probed_only_ops) or "none"
    msg = (f"the model's own forward and the {p} forward give different gradients for "
           f"{names}. ")
    if all(c.probed_ok for c in rows) and not all(c.ok for c in rows):
        return msg + (f"Finite differences side with the {p} forward: a backward only the "
                      f"model's graph runs is wrong: {ops_m}. The state rows differentiate "
                      f"the {p} graph, which does not run it, so they cannot show the step "
                      f"where the error enters")
    if all(c.ok for c in rows) and not all(c.probed_ok for c in rows):
        return msg + (f"Finite differences side with the model's forward: a backward only the "
                      f"{p} graph runs is wrong: {ops_p} (the state rows show where)")
    return msg + (f"One of the backwards the two graphs do not share is wrong (model only: "
                  f"{ops_m}; {p} only: {ops_p})")


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


def _check_states(report, m, probed_loss_fn, probe, xs, eps, atol, rtol, limit, rng):
    def value():
        with no_grad():
            return float(probed_loss_fn(m, probe, *xs).item())

    for key in _order(list(probe.leaves)):
        leaf = probe.leaves[key]
        analytic = _grad(leaf)
        checked, project, numeric = _fd_sample(value, leaf.data, eps, limit, rng)
        label, t = _state_label(key)
        report.states.append(Check(label, tuple(leaf.shape), checked,
                                   float(np.linalg.norm(analytic)),
                                   *_errors(project(analytic), numeric, atol, rtol), t))
