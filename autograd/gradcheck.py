"""Finite-difference checks of the engine's VJPs, in float64.

The output is contracted with a fixed random cotangent v, so one backward pass gives J^T v
for every input, and central differences of <v, f(x)> give the same vector numerically.
"""
from __future__ import annotations

import numpy as np

from .function import no_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Analytic and numeric gradients disagree; the message names the worst element."""


def _as_inputs(inputs):
    """float64 copies of the inputs, and which to check: every float input, or, when some
    Tensors require grad, those alone (as torch.autograd.gradcheck: an input that does not
    require grad is a constant of fn)."""
    if isinstance(inputs, (Tensor, np.ndarray)):
        inputs = (inputs,)
    inputs = list(inputs)
    chosen = any(isinstance(x, Tensor) and x.requires_grad for x in inputs)
    out = []
    for x in inputs:
        checked = not chosen or (isinstance(x, Tensor) and x.requires_grad)
        if isinstance(x, Tensor):
            x = x._data
        arr = np.asarray(x)
        if arr.dtype.kind == "f":
            # a C-ordered copy: the full mode perturbs it through a flat view
            out.append(Tensor._wrap(np.array(arr, dtype=np.float64, order="C"), checked))
        else:
            out.append(Tensor._wrap(arr, False))
    return out


def _outputs(y):
    ys = y if isinstance(y, (tuple, list)) else (y,)
    return [t for t in ys if isinstance(t, Tensor) and t.data.dtype.kind == "f"]


def _differentiable(ys):
    """The outputs that require grad (those torch's checks differentiate), or, when none
    does, every one: then the numeric gradient must be zero, as the analytic one is."""
    live = [j for j, y in enumerate(ys) if y.requires_grad]
    return live or list(range(len(ys)))


def _contract(fn, inputs, vs, which):
    with no_grad():
        ys = _outputs(fn(*inputs))
    return sum(float(np.sum(ys[j].data * v)) for j, v in zip(which, vs))


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              mode: str = "full", seed: int = 0, n_directions: int = 4,
              raise_exception: bool = True, nondet_tol: float = 0.0,
              fast_mode: bool = False) -> bool:
    """Check fn's gradients against central differences; True, or raise GradcheckError
    (return False instead with raise_exception=False).

    fn: takes the inputs as Tensors, returns a Tensor (or a tuple of them), finite at inputs.
    inputs: Tensors or arrays; float ones are copied to float64 and checked (only the Tensors
    that require grad, when some do).
    mode: "full" perturbs every element; "random" checks the directional derivative along
    `n_directions` random unit directions (two evaluations each), for big inputs.
    fast_mode=True is mode="random" (PyTorch's name); nondet_tol widens atol (this engine's
    backward is deterministic, so it only matters for a nondeterministic fn).
    """
    if mode not in ("full", "random"):
        raise ValueError(f"gradcheck: mode must be 'full' or 'random', got {mode!r}")
    try:
        return _gradcheck(fn, inputs, eps, atol + nondet_tol, rtol,
                          "random" if fast_mode else mode, seed, n_directions)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _gradcheck(fn, inputs, eps, atol, rtol, mode, seed, n_directions):
    rng = np.random.default_rng(seed)
    xs = _as_inputs(inputs)
    ys = _outputs(fn(*xs))
    if not ys:
        raise ValueError("gradcheck: fn returned no floating-point tensor")
    which = _differentiable(ys)   # the outputs that are checked; the others are ignored
    for j in which:
        y = ys[j]
        if not np.all(np.isfinite(y.data)):
            k = np.unravel_index(int(np.argmin(np.isfinite(y.data))), y.shape)
            raise GradcheckError(
                f"gradcheck: output {j} (shape {tuple(y.shape)}) is {y.data[k]} at index "
                f"{tuple(int(i) for i in k)}: finite differences need finite outputs at the "
                f"checked point")
    vs = [rng.standard_normal(ys[j].shape) for j in which]
    total = sum((ys[j] * Tensor._wrap(v, False)).sum() for j, v in zip(which, vs)
                if ys[j].requires_grad)
    if isinstance(total, Tensor):
        total.backward()
    checked = [(i, x) for i, x in enumerate(xs) if x.requires_grad]
    constant = not any(y.requires_grad for y in ys)
    for i, x in checked:
        analytic = x.grad.data if x.grad is not None else np.zeros_like(x.data)
        if mode == "full":
            numeric = np.zeros_like(x.data)
            flat = x.data.reshape(-1)
            for k in range(flat.size):
                orig = flat[k]
                flat[k] = orig + eps
                plus = _contract(fn, xs, vs, which)
                flat[k] = orig - eps
                minus = _contract(fn, xs, vs, which)
                flat[k] = orig
                numeric.reshape(-1)[k] = (plus - minus) / (2 * eps)
            where = (f"{x.data.shape}; no output requires grad, so the numeric gradient "
                     f"must be zero" if constant else x.data.shape)
            _compare(i, where, analytic, numeric, atol, rtol)
        else:
            for d in range(n_directions):
                u = rng.standard_normal(x.data.shape)
                u /= max(np.linalg.norm(u), 1e-300)
                orig = x.data.copy()
                x.data[...] = orig + eps * u
                plus = _contract(fn, xs, vs, which)
                x.data[...] = orig - eps * u
                minus = _contract(fn, xs, vs, which)
                x.data[...] = orig
                numeric = np.array([(plus - minus) / (2 * eps)])
                _compare(i, f"direction {d}", np.array([np.sum(analytic * u)]), numeric, atol, rtol)
    return True


def _compare(i, where, analytic, numeric, atol, rtol):
    err = np.abs(analytic - numeric)
    bad = err > atol + rtol * np.abs(numeric)
    bad |= np.isnan(err)   # a nan on either side (or inf - inf) is never a match
    if not np.any(bad):
        return
    score = np.where(bad, err / (atol + rtol * np.abs(numeric)), -1)
    score = np.where(np.isnan(score), np.inf, score)
    k = np.unravel_index(int(np.argmax(score)), analytic.shape)
    a, n = analytic[k], numeric[k]
    raise GradcheckError(
        f"gradcheck: input {i} ({where}): gradient mismatch at index {tuple(int(j) for j in k)}: "
        f"analytic {a:.10g}, numeric {n:.10g}, abs error {abs(a - n):.3g}, "
        f"rel error {abs(a - n) / abs(n) if n != 0 else float('inf'):.3g} "
        f"({int(bad.sum())} of {bad.size} elements outside atol={atol}, rtol={rtol})")


def gradgradcheck(fn, inputs, grad_outputs=None, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0, seed: int = 0,
                  mode: str = "full", fast_mode: bool = False) -> bool:
    """Check the second derivatives of fn (create_graph=True) against central differences:
    gradcheck of (inputs, v) -> autograd.grad(fn(inputs), inputs, v, create_graph=True), with
    v the given grad_outputs or random ones (as torch.autograd.gradgradcheck). First, the
    recorded gradients must equal the ordinary backward pass's: a wrong recorded VJP that is
    differentiated consistently would pass the finite differences alone."""
    from .backprop import grad
    from .function import enable_grad
    xs = _as_inputs(inputs)
    ys = _outputs(fn(*xs))
    if not ys:
        raise ValueError("gradgradcheck: fn returned no floating-point tensor")
    live = [y for y in ys if y.requires_grad]
    rng = np.random.default_rng(seed)
    if grad_outputs is None:
        if not live:   # torch fails here too (with a TypeError, calling fn without inputs)
            raise TypeError(
                "gradgradcheck: no output of fn requires grad, so there is no first "
                "derivative to differentiate (nor a shape for random grad_outputs)")
        vs = [Tensor._wrap(rng.standard_normal(y.shape), True) for y in live]
    else:
        given = [grad_outputs] if isinstance(grad_outputs, (Tensor, np.ndarray)) else grad_outputs
        vs = [Tensor._wrap(np.array(v._data if isinstance(v, Tensor) else v, np.float64), True)
              for v in given]
    wrt = [i for i, x in enumerate(xs) if x.requires_grad]
    n = len(xs)

    def differentiable(outs):
        # as torch: the outputs that do not require grad are dropped, and the others paired
        # with grad_outputs in order
        return [y for y in _outputs(outs) if y.requires_grad]

    def first_derivatives(*args):
        with enable_grad():
            outs = differentiable(fn(*args[:n]))
            if not outs:   # torch: nothing to check, the check passes
                return ()
            grads = grad(outs, [args[i] for i in wrt], list(args[n:n + len(outs)]),
                         create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    recorded = first_derivatives(*xs, *vs)
    if not recorded:
        return True
    with enable_grad():
        outs = differentiable(fn(*xs))
        plain = grad(outs, [xs[i] for i in wrt], vs[:len(outs)], allow_unused=True)
    for i, a, b in zip(wrt, recorded, [g for g in plain if g is not None]):
        try:
            _compare(i, "recorded backward against the ordinary one", a._data, b._data,
                     atol, rtol)
        except GradcheckError:
            if raise_exception:
                raise
            return False
    return gradcheck(first_derivatives, xs + vs, eps, atol, rtol, mode, seed,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     fast_mode=fast_mode)
