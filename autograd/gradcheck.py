"""Finite-difference checks of the engine's VJPs, with torch.autograd.gradcheck's contract.

The full mode compares whole Jacobians element by element, as torch's slow mode: analytic (one
backward pass per output element) against central differences (two forwards per input
element). A contraction with one random cotangent would let an error that is small next to
|J^T v| pass; it is the random mode (fast_mode=True), the cheap option for big tensors.
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager
from types import SimpleNamespace

import numpy as np

from . import saved
from .function import enable_grad, no_grad
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """Analytic and numeric gradients disagree; the message names the worst element. A
    RuntimeError, as torch's: `except RuntimeError` around a check catches it."""


# --------------------------------------------------------------------- inputs and outputs
def _map(obj, f, path=""):
    """obj with f(item, path) applied to every item inside nested tuples, lists and dict
    values; a container whose items are all unchanged is returned as it is."""
    if not isinstance(obj, (tuple, list, dict)):
        return f(obj, path)
    pairs = list(obj.items()) if isinstance(obj, dict) else list(enumerate(obj))
    new = [_map(v, f, f"{path}[{k!r}]" if isinstance(obj, dict) else f"{path}[{k}]")
           for k, v in pairs]
    if all(a is b for a, b in zip(new, (v for _, v in pairs))):
        return obj
    if isinstance(obj, dict):   # a copy keeps a dict subclass's own state
        out = obj.copy()
        out.update(zip((k for k, _ in pairs), new))
        return out
    return type(obj)(*new) if hasattr(obj, "_fields") else type(obj)(new)


def _name(path):
    """A position as messages name it: obj[1][0] is "1[0]", a lone item "0"."""
    return path[1:].replace("]", "", 1) if path else "0"


def _items(obj):
    """[(name, item)] for the items inside nested tuples, lists and dict values."""
    out = []
    _map(obj, lambda x, p: out.append((_name(p), x)) or x)
    return out


def _prepare(inputs, warn=True):
    """fn's arguments, and the leaves to check as [(name, leaf)].

    As torch: anything that is not a Tensor or an array reaches fn unchanged, and when some
    Tensors require grad only they are checked. A checked Tensor is the caller's own, in its
    own memory layout: the numeric phase perturbs its memory in place (and restores it), so
    a fn that reads a module's parameters rather than its arguments is checked through them,
    and a backward that is wrong only for a transposed input is caught. The caller's .grad
    stays None. Checked inputs must not share memory (x and x.t()): perturbing one would move
    the other. Convenience: numpy arrays become Tensors (copies; the floating ones float64),
    and when no Tensor requires grad every floating Tensor and array is checked (a Tensor
    through a leaf that shares its memory)."""
    inputs = (inputs,) if isinstance(inputs, (Tensor, np.ndarray)) else tuple(inputs)
    some = any(isinstance(x, Tensor) and x.requires_grad for _, x in _items(inputs))
    checked = []

    def convert(x, path):
        if not isinstance(x, (Tensor, np.ndarray)):
            return x
        if np.dtype(x.dtype).kind == "c":
            raise TypeError(f"gradcheck: input {_name(path)} is complex ({x.dtype}): this "
                            f"engine differentiates real floating tensors only")
        if x.dtype.kind != "f":
            return Tensor._wrap(np.array(x), False) if isinstance(x, np.ndarray) else x
        if isinstance(x, Tensor) and some and not x.requires_grad:
            return x
        if isinstance(x, Tensor) and x.requires_grad:
            leaf = x
        elif isinstance(x, Tensor):
            leaf = Tensor._wrap(x._data, True)
        else:   # a copy in the array's own layout
            leaf = Tensor._wrap(np.array(x, np.float64, order="K"), not some)
        if leaf.requires_grad:
            checked.append((_name(path), leaf))
        return leaf

    args = _map(inputs, convert)
    for i, (name, leaf) in enumerate(checked):
        for other, t in checked[:i]:
            if t is not leaf and np.may_share_memory(t._data, leaf._data):
                raise ValueError(f"gradcheck: inputs {other} and {name} share memory (a "
                                 f"tensor and a view of it?): perturbing one would move the "
                                 f"other; pass a copy (.clone()) of one of them")
    for name, leaf in checked if warn else ():
        if leaf.dtype != np.float64:   # torch's warning: finite differences need float64
            warnings.warn(f"gradcheck: input {name} requires grad and is not double "
                          f"precision ({leaf.dtype}): the check will likely fail unless "
                          f"every checked input is float64", UserWarning, stacklevel=3)
    return args, checked


@contextmanager
def _perturbing(arr):
    """arr, a checked input's memory, writeable while the numeric phase perturbs it in place,
    even when live graphs (the analytic phase's, the caller's) hold it read-only: every
    perturbation is undone bit for bit before anything but fn reads arr again, so no version
    is bumped. Yields `moved()`, to call after each write: it drops the transposed copies
    cached on arr's guards (saved.transposed), so that fn (a backward, in gradgradcheck) sees
    the values of this write, not a copy made at the previous one; they go at exit too."""
    chain = saved._chain(arr)[::-1]   # bases first: a view is writeable only over one
    locked = [a for a in chain if not a.flags.writeable]

    def moved():
        for a in chain:
            g = saved._guards.get(id(a))
            if g is not None:
                g.cache = None
    moved()
    try:
        for a in locked:
            try:
                a.setflags(write=True)
            except ValueError:
                raise TypeError(f"gradcheck: a checked input's memory is read-only (shape "
                                f"{tuple(arr.shape)}, {arr.dtype}) and cannot be perturbed in "
                                f"place: pass a writeable copy") from None
        yield moved
    finally:
        for a in reversed(locked):
            a.setflags(write=False)
        moved()


def _outputs(y):
    """[(name, Tensor)] of every floating Tensor fn returned, nested ones included."""
    return [(n, t) for n, t in _items(y) if isinstance(t, Tensor) and t.dtype.kind == "f"]


def _vjp(outs, seeds, leaves):
    """d sum_k <seeds[k], outs[k]> / d leaf for every leaf, as arrays (zeros where unused)."""
    from .backprop import grad
    gs = grad(outs, leaves, [np.asarray(s, o.dtype) for o, s in zip(outs, seeds)],
              retain_graph=True, allow_unused=True)
    return [np.zeros_like(t._data) if g is None else g._data for g, t in zip(gs, leaves)]


# --------------------------------------------------------------------- the check
def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              mode: str = "full", seed: int = 0, n_directions: int = 4,
              raise_exception: bool = True, nondet_tol: float = 0.0, fast_mode: bool = False,
              *, check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True,
              masked=None) -> bool:
    """Check fn's gradients against central differences: True, or raise GradcheckError
    (return False with raise_exception=False). fn(*inputs) returns Tensors, nested in tuples,
    lists or dicts if need be ("output 1[0]" in messages); inputs: see _prepare.
    mode "full": whole Jacobians; "random" (fast_mode=True): a random contraction of the
    outputs along `n_directions` random unit directions per input. Then, as torch: zero output
    gradients give zero input gradients (check_undefined_grad: so does leaving any one output
    without a gradient); two backward passes agree within nondet_tol; check_grad_dtypes: each
    gradient has its input's dtype; check_batched_grad: grad(is_grads_batched=True) equals a
    loop of grad calls. Forward-mode AD is not supported."""
    opts = _options(mode, fast_mode, check_forward_ad or check_batched_forward_grad,
                    check_backward_ad, masked, eps=eps, atol=atol, rtol=rtol, seed=seed,
                    n_directions=n_directions, nondet_tol=nondet_tol,
                    undefined_grad=check_undefined_grad, grad_dtypes=check_grad_dtypes,
                    batched_grad=check_batched_grad)
    return _run(fn, *_prepare(inputs), opts, raise_exception)


def _options(mode, fast_mode, forward_ad, backward_ad, masked, **values):
    """The validated settings of one check."""
    if mode not in ("full", "random"):
        raise ValueError(f"gradcheck: mode must be 'full' or 'random', got {mode!r}")
    if forward_ad:
        raise NotImplementedError("gradcheck: forward-mode AD (check_forward_ad, check_batched_"
                                  "forward_grad, check_fwd_over_rev) is not supported here")
    if not backward_ad:   # as torch's assertion: no check would be left
        raise ValueError("gradcheck: check_backward_ad (gradgradcheck: check_rev_over_rev) "
                         "must be True: without forward mode no check would be left")
    if masked:
        raise ValueError("gradcheck: masked=True is for sparse inputs; this engine has none")
    return SimpleNamespace(mode="random" if fast_mode else mode, **values)


def _run(fn, args, checked, opts, raise_exception):
    try:
        _check(fn, args, checked, opts)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _check(fn, args, checked, opts):
    if not checked:
        raise ValueError("gradcheck: no input to check: pass a floating Tensor that requires "
                         "grad (or a float array)")
    names, leaves = [n for n, _ in checked], [t for _, t in checked]
    outs = _outputs(fn(*args))
    if not outs:   # as torch: an integer output (argmax) has no gradient to check
        return
    live = [k for k, (_, y) in enumerate(outs) if y.requires_grad]
    which = live or list(range(len(outs)))   # none requires grad: the numeric one must be 0
    for name, y in (outs[k] for k in which):
        if not np.all(np.isfinite(y._data)):
            k = np.unravel_index(int(np.argmin(np.isfinite(y._data))), y.shape)
            raise GradcheckError(
                f"gradcheck: output {name} (shape {tuple(y.shape)}) is {y._data[k]} at index "
                f"{_index(k)}: finite differences need finite outputs at the checked point")
    ys = [outs[k][1] for k in which]
    rng = np.random.default_rng(opts.seed)
    if opts.mode == "full":
        analytic = _analytic_jacobians(ys, leaves)
        numeric = _numeric_jacobians(fn, args, leaves, which, len(analytic[0]), opts.eps)
        shapes = [(outs[k][0], outs[k][1].shape) for k in which]
        _compare_jacobians(analytic, numeric, checked, shapes, not live, opts)
    else:
        _check_directions(fn, args, which, ys, names, leaves, opts, rng)
    if live:   # the graph behind the outputs is still there (every pass retains it)
        _backward_checks([outs[k] for k in live], names, leaves, opts, rng)


def _index(k):
    return tuple(int(i) for i in k)


def _analytic_jacobians(ys, leaves):
    """Per leaf, the (outputs' elements, leaf's elements) Jacobian: one backward pass per
    output element, the other outputs seeded with zeros (check_undefined_grad tests absent
    ones on their own). ys all require grad, or none does: then the Jacobian is zero."""
    live = [y for y in ys if y.requires_grad]
    starts = np.cumsum([0] + [y._data.size for y in ys])
    jac = [np.zeros((starts[-1], t._data.size)) for t in leaves]
    for i, y in enumerate(live):
        for e in range(y._data.size):
            seeds = [np.zeros(o.shape, o.dtype) for o in live]
            seeds[i].reshape(-1)[e] = 1
            for j, g in zip(jac, _vjp(live, seeds, leaves)):
                j[starts[i] + e] = g.reshape(-1)
    return jac


def _difference(fn, args, which, arr, step, eps):
    """Central differences of the checked outputs, flattened, as arr (changed in place, then
    restored) moves along `step`: an int is one flat element, else an array of arr's shape."""
    orig = arr.copy()
    values = []
    with _perturbing(arr) as moved:
        for sign in (1, -1):
            if isinstance(step, int):   # (arr.flat: a transposed input has no flat view)
                arr.flat[step] = orig.flat[step] + sign * eps
            else:
                arr[...] = orig + sign * eps * step
            moved()
            values.append(_flat_outputs(fn, args, which))
            arr[...] = orig
    return (values[0] - values[1]) / (2 * eps)


def _flat_outputs(fn, args, which):
    """The checked outputs as one float64 vector; any graph fn records (gradgradcheck's
    does) is dropped on return, so the perturbed arrays it saved are writeable again."""
    with no_grad():
        outs = _outputs(fn(*args))
    return np.concatenate([np.asarray(outs[k][1]._data, np.float64).reshape(-1)
                           for k in which])


def _numeric_jacobians(fn, args, leaves, which, rows, eps):
    """Per leaf, central differences of every checked output (`rows` elements in all), one
    column per leaf element, perturbed in the leaf's own dtype (as torch)."""
    out = []
    for t in leaves:
        cols = [_difference(fn, args, which, t._data, k, eps) for k in range(t._data.size)]
        out.append(np.stack(cols, 1) if cols else np.zeros((rows, 0)))
    return out


def _mismatch(a, n, atol, rtol):
    """(number of bad elements, flat index of the worst) for |a - n| <= atol + rtol |n|;
    a nan on either side (or inf - inf) is never a match."""
    err, tol = np.abs(a - n), atol + rtol * np.abs(n)
    bad = (err > tol) | np.isnan(err)
    if not np.any(bad):
        return 0, None
    score = np.where(bad, np.nan_to_num(err / tol, nan=np.inf), -1.0)
    return int(bad.sum()), int(np.argmax(score))


def _values(a, n, count, size, opts):
    rel = abs(a - n) / abs(n) if n != 0 else float("inf")
    return (f"analytic {a:.10g}, numeric {n:.10g}, abs error {abs(a - n):.3g}, rel error "
            f"{rel:.3g} ({count} of {size} elements outside atol={opts.atol}, rtol={opts.rtol})")


def _assert_close(a, n, opts, what):
    """Raise GradcheckError naming the worst element of a against n (same shapes)."""
    count, worst = _mismatch(a, n, opts.atol, opts.rtol)
    if count:
        k = np.unravel_index(worst, a.shape)
        raise GradcheckError(f"{what} at index {_index(k)}: "
                             + _values(a[k], n[k], count, a.size, opts))


def _compare_jacobians(analytic, numeric, checked, shapes, constant, opts):
    """Raise on the first (input, output) block with a bad element, naming the worst."""
    note = "; no output requires grad, so the numeric one must be zero" if constant else ""
    for (iname, t), a, n in zip(checked, analytic, numeric):
        row = 0
        for oname, shape in shapes:
            block = slice(row, row + int(np.prod(shape)))
            row = block.stop
            count, worst = _mismatch(a[block], n[block], opts.atol, opts.rtol)
            if count:
                r, c = divmod(worst, a.shape[1])
                raise GradcheckError(
                    f"gradcheck: Jacobian mismatch for output {oname} with respect to input "
                    f"{iname}{note}: at output index {_index(np.unravel_index(r, shape))}, "
                    f"input index {_index(np.unravel_index(c, t.shape))}: "
                    + _values(a[block][r, c], n[block][r, c], count, a[block].size, opts))


def _check_directions(fn, args, which, ys, names, leaves, opts, rng):
    """The random mode: <v, f(x)> along n_directions random unit directions per input."""
    vs = [rng.standard_normal(y.shape) for y in ys]
    live = [(y, v) for y, v in zip(ys, vs) if y.requires_grad]
    analytic = (_vjp([y for y, _ in live], [v for _, v in live], leaves) if live
                else [np.zeros_like(t._data) for t in leaves])
    v_flat = np.concatenate([v.reshape(-1) for v in vs])
    for name, t, a in zip(names, leaves, analytic):
        for d in range(opts.n_directions):
            u = rng.standard_normal(t.shape)
            u /= max(np.linalg.norm(u), 1e-300)
            an = np.array([np.sum(a * u)])
            nu = np.array([_difference(fn, args, which, t._data, u, opts.eps) @ v_flat])
            if _mismatch(an, nu, opts.atol, opts.rtol)[0]:
                raise GradcheckError(f"gradcheck: input {name}, direction {d} (random mode): "
                                     f"directional derivative mismatch: "
                                     + _values(an[0], nu[0], 1, 1, opts))


def _backward_checks(outs, names, leaves, opts, rng):
    """torch's checks of the backward itself, on the outputs [(name, y)] that require grad."""
    ys = [y for _, y in outs]
    zeros = [np.zeros(y.shape, y.dtype) for y in ys]
    # the gradient must be multiplied by the output gradient: zero in, zero out
    _expect_zero(_vjp(ys, zeros, leaves), names, "zero gradients for every output")
    for j, (oname, _) in enumerate(outs if opts.undefined_grad and len(ys) > 1 else ()):
        what = f"output {oname} getting no gradient (and the others zero ones)"
        try:
            grads = _vjp(ys[:j] + ys[j + 1:], zeros[:j] + zeros[j + 1:], leaves)
        except Exception as e:   # the backward must cope with an absent output gradient
            raise GradcheckError(f"gradcheck (check_undefined_grad): the backward fails with "
                                 f"{what}: {type(e).__name__}: {e}") from e
        _expect_zero(grads, names, what)
    vs = [rng.standard_normal(y.shape) for y in ys]
    first, second = _vjp(ys, vs, leaves), _vjp(ys, vs, leaves)
    for name, t, a, b in zip(names, leaves, first, second):
        diff = float(np.max(np.abs(a - b), initial=0.0))
        if not diff <= opts.nondet_tol:
            raise GradcheckError(
                f"gradcheck: backward is not reentrant: running it twice with the same output "
                f"gradients gives input {name} gradients {diff:.3g} apart (nondet_tol="
                f"{opts.nondet_tol})")
        if opts.grad_dtypes and (a.dtype != t.dtype or a.shape != t.shape):
            raise GradcheckError(f"gradcheck: the gradient of input {name} is {a.dtype} "
                                 f"{tuple(a.shape)}, the input {t.dtype} {tuple(t.shape)}")
    if opts.batched_grad:
        _check_batched(ys, leaves, names, opts, rng)


def _expect_zero(grads, names, what):
    for name, g in zip(names, grads):
        if np.any(g != 0):
            k = np.unravel_index(int(np.argmax(g != 0)), g.shape)
            raise GradcheckError(f"gradcheck: with {what}, input {name} gets gradient "
                                 f"{g[k]:.10g} at index {_index(k)}, not zero")


def _check_batched(ys, leaves, names, opts, rng, batch=2):
    """grad(is_grads_batched=True) against a loop of ordinary grad calls."""
    from .backprop import grad
    vs = [rng.standard_normal((batch,) + tuple(y.shape)).astype(y.dtype) for y in ys]
    together = grad(ys, leaves, [Tensor._wrap(v, False) for v in vs], retain_graph=True,
                    allow_unused=True, is_grads_batched=True)
    for b in range(batch):
        for name, g, t in zip(names, together, _vjp(ys, [v[b] for v in vs], leaves)):
            _assert_close(np.zeros_like(t) if g is None else g._data[b], t, opts,
                          f"gradcheck (check_batched_grad): batched gradient {b} of input "
                          f"{name} differs from an unbatched one")


# --------------------------------------------------------------------- second derivatives
def gradgradcheck(fn, inputs, grad_outputs=None, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0, seed: int = 0,
                  mode: str = "full", fast_mode: bool = False, *, n_directions: int = 4,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, masked=False) -> bool:
    """Check the second derivatives of fn (create_graph=True) against central differences:
    gradcheck of (inputs, v) -> autograd.grad(fn(inputs), inputs, v, create_graph=True), with
    v the given grad_outputs or random ones (as torch.autograd.gradgradcheck). First, the
    recorded gradients must equal the ordinary backward pass's: a wrong recorded VJP that is
    differentiated consistently would pass the finite differences alone. Inputs and keywords
    as gradcheck (gen_non_contig_grad_outputs is accepted and has no effect)."""
    from .backprop import grad
    opts = _options(mode, fast_mode, check_fwd_over_rev, check_rev_over_rev, masked,
                    eps=eps, atol=atol, rtol=rtol, seed=seed,
                    n_directions=n_directions, nondet_tol=nondet_tol,
                    undefined_grad=check_undefined_grad, grad_dtypes=check_grad_dtypes,
                    batched_grad=check_batched_grad)
    args, checked = _prepare(inputs)
    live = [y for _, y in _outputs(fn(*args)) if y.requires_grad]
    if grad_outputs is None:
        if not live:   # torch fails here too (with a TypeError, calling fn without inputs)
            raise TypeError(
                "gradgradcheck: no output of fn requires grad, so there is no first "
                "derivative to differentiate (nor a shape for random grad_outputs)")
        rng = np.random.default_rng(seed)
        vs = [Tensor._wrap(rng.standard_normal(y.shape).astype(y.dtype), True) for y in live]
    else:
        given = [grad_outputs] if isinstance(grad_outputs, (Tensor, np.ndarray)) else grad_outputs
        vs = [Tensor._wrap(np.array(v._data) if isinstance(v, Tensor) else
                           np.array(v, np.float64), True) for v in given]
    n = len(args)

    def derivatives(a, create_graph):
        # as torch: the outputs that do not require grad are dropped, the others paired with
        # grad_outputs in order; the leaves are the inputs' Tensors that require grad
        with enable_grad():
            outs = [y for _, y in _outputs(fn(*a[:n])) if y.requires_grad]
            wrt = [t for _, t in _items(a[:n]) if isinstance(t, Tensor) and t.requires_grad]
            return grad(outs, wrt, list(a[n:n + len(outs)]), create_graph=create_graph,
                        allow_unused=True) if outs else ()

    recorded = derivatives(args + tuple(vs), True)
    if all(g is None for g in recorded):   # torch: nothing to check, the check passes
        return True
    plain = derivatives(args + tuple(vs), False)
    try:
        for (name, t), a, b in zip(checked, recorded, plain):
            a, b = (np.zeros_like(t._data) if g is None else g._data for g in (a, b))
            _assert_close(a, b, opts, f"gradgradcheck: input {name}: the recorded backward "
                                      f"(create_graph=True) differs from the ordinary one")
    except GradcheckError:
        if raise_exception:
            raise
        return False

    def first_derivatives(*a):
        return tuple(g for g in derivatives(a, True) if g is not None)

    return _run(first_derivatives, *_prepare(args + tuple(vs), warn=False), opts,
                raise_exception)
