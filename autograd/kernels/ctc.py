"""CTC kernels: the alpha (forward) and beta (backward) recursions in log space.

Shapes: lp (T, N, C) log-probabilities; targets a flat int64 array with sample n's labels at
targets[off[n] : off[n] + tl[n]] (padded targets pass off[n] = n * S); il, tl (N,) int64.
A sample of target length L walks the extended target l' = (blank, l_0, blank, ..., l_{L-1},
blank) of 2L + 1 states. The recursions are ATen's term for term (same max shift, same order of
the sums), so float32 and float64 results agree with PyTorch to rounding.

One sample per call of the inner kernel; a serial and a sample-parallel driver run it over the
batch (parallel only when `conv.PARALLEL` is set, as the conv and pooling kernels).
"""
import numba as nb
import numpy as np

from . import conv
from .readonly import readonly

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)
_jit_parallel = nb.njit(cache=True, error_model="numpy", nogil=True, parallel=True)
_jit_inline = nb.njit(cache=True, error_model="numpy", nogil=True, inline="always")


@_jit_inline
def _label(targets, off, s, blank):
    """l'[s]: blank at even states, the target's (s // 2)-th label at odd ones."""
    if s % 2 == 0:
        return blank
    return targets[off + s // 2]


@_jit_inline
def _lse3(a, b, c):
    # shifted by the largest term; all -inf (an unreachable state) stays -inf, not nan
    m = max(a, max(b, c))
    if m == -np.inf:
        return m
    return np.log(np.exp(a - m) + np.exp(b - m) + np.exp(c - m)) + m


@_jit_inline
def _alpha_one(lp, n, targets, off, tl, il, blank, la, nll, ninf):
    """Fill la[n, :il, :2L+1] (log alpha) and nll[n] for sample n."""
    length, steps = tl[n], il[n]
    o = off[n]
    if steps == 0:   # nothing to emit: likelihood 1 for an empty target, else 0
        nll[n] = -0.0 if length == 0 else np.inf
        return
    states = 2 * length + 1
    for s in range(states):
        la[n, 0, s] = ninf
    la[n, 0, 0] = lp[0, n, blank]
    if length > 0:
        la[n, 0, 1] = lp[0, n, targets[o]]
    for t in range(1, steps):
        for s in range(states):
            k = _label(targets, o, s, blank)
            a1 = la[n, t - 1, s]
            a2 = la[n, t - 1, s - 1] if s > 0 else ninf
            # a skip over a blank, unless it would merge two equal labels
            a3 = ninf
            if s > 1 and _label(targets, o, s - 2, blank) != k:
                a3 = la[n, t - 1, s - 2]
            la[n, t, s] = _lse3(a1, a2, a3) + lp[t, n, k]
    if length == 0:
        nll[n] = -la[n, steps - 1, 0]
    else:
        l1 = la[n, steps - 1, states - 1]
        l2 = la[n, steps - 1, states - 2]
        m = max(l1, l2)
        nll[n] = np.inf if m == ninf else -(np.log(np.exp(l1 - m) + np.exp(l2 - m)) + m)


@_jit
def _alpha_serial(lp, targets, off, tl, il, blank, la, nll, ninf):
    for n in range(lp.shape[1]):
        _alpha_one(lp, n, targets, off, tl, il, blank, la, nll, ninf)


@_jit_parallel
def _alpha_parallel(lp, targets, off, tl, il, blank, la, nll, ninf):
    for n in nb.prange(lp.shape[1]):
        _alpha_one(lp, n, targets, off, tl, il, blank, la, nll, ninf)


def _labels(targets, off, tl, il):
    """targets, offsets and lengths as the kernels take them: int64, read-only."""
    return tuple(readonly(a, np.int64) for a in (targets, off, tl, il))


def ctc_alpha(lp, targets, off, tl, il, blank):
    """Negative log-likelihoods and the alpha table of every sample.

    lp (T, N, C) -> nll (N,), la (N, T, 2 max(tl) + 1); la[n, t, s] is only meaningful for
    t < il[n] and s <= 2 tl[n].
    """
    t_, n_, _ = lp.shape
    states = 2 * (int(tl.max()) if tl.size else 0) + 1
    la = np.empty((n_, t_, states), lp.dtype)
    nll = np.empty(n_, lp.dtype)
    run = _alpha_parallel if conv.PARALLEL and n_ > 1 else _alpha_serial
    run(readonly(lp), *_labels(targets, off, tl, il), blank, la, nll, lp.dtype.type(-np.inf))
    return nll, la


@_jit_inline
def _grad_one(lp, n, targets, off, tl, il, blank, la, lb, nll, g, zero_inf, grad, ninf):
    """grad[:, n, :] for sample n; lb is n's (T, 2L + 1) scratch for log beta."""
    c_ = lp.shape[2]
    length, steps = tl[n], il[n]
    o = off[n]
    if zero_inf and nll[n] == np.inf:
        steps = 0     # the loss was replaced by 0: no gradient at any step
    for t in range(steps, lp.shape[0]):
        for c in range(c_):
            grad[t, n, c] = 0.0
    if steps == 0:
        return
    # grad[t, n, c] first collects log sum over the states s with l'[s] = c of alpha * beta
    for t in range(steps):
        for c in range(c_):
            grad[t, n, c] = ninf
    states = 2 * length + 1
    last = steps - 1
    for s in range(states):
        lb[last, s] = ninf
    lb[last, states - 1] = lp[last, n, blank]
    grad[last, n, blank] = la[n, last, states - 1] + lb[last, states - 1]
    if length > 0:
        k = targets[o + length - 1]
        lb[last, states - 2] = lp[last, n, k]
        grad[last, n, k] = la[n, last, states - 2] + lb[last, states - 2]
    for t in range(steps - 2, -1, -1):
        for s in range(states - 1, -1, -1):
            k = _label(targets, o, s, blank)
            b1 = lb[t + 1, s]
            b2 = lb[t + 1, s + 1] if s < states - 1 else ninf
            b3 = ninf
            if s < states - 2 and _label(targets, o, s + 2, blank) != k:
                b3 = lb[t + 1, s + 2]
            lb[t, s] = _lse3(b1, b2, b3) + lp[t, n, k]
            ab = la[n, t, s] + lb[t, s]
            acc = grad[t, n, k]
            if acc == ninf:
                grad[t, n, k] = ab
            else:
                m = max(acc, ab)
                grad[t, n, k] = np.log(np.exp(acc - m) + np.exp(ab - m)) + m
    # softmax minus the state posteriors, as ATen (see ops/ctc.py for why exp(lp) is there)
    z, gn = nll[n], g[n]
    for t in range(steps):
        for c in range(c_):
            v = lp[t, n, c]
            grad[t, n, c] = (np.exp(v) - np.exp(grad[t, n, c] + z - v)) * gn


@_jit
def _grad_serial(lp, targets, off, tl, il, blank, la, nll, g, zero_inf, grad, ninf):
    lb = np.empty(la.shape[1:], la.dtype)
    for n in range(lp.shape[1]):
        _grad_one(lp, n, targets, off, tl, il, blank, la, lb, nll, g, zero_inf, grad, ninf)


@_jit_parallel
def _grad_parallel(lp, targets, off, tl, il, blank, la, nll, g, zero_inf, grad, ninf):
    for n in nb.prange(lp.shape[1]):
        lb = np.empty(la.shape[1:], la.dtype)
        _grad_one(lp, n, targets, off, tl, il, blank, la, lb, nll, g, zero_inf, grad, ninf)


def ctc_grad(lp, targets, off, tl, il, blank, la, nll, g, zero_infinity):
    """The VJP of ctc_alpha's nll for the cotangent g (N,), by the beta recursion.

    Returns grad (T, N, C): (exp(lp) - posterior of each class) * g[n] for t < il[n], 0 after.
    nll is the raw loss (inf for an impossible alignment); with zero_infinity those samples
    get a zero gradient.
    """
    grad = np.empty(lp.shape, lp.dtype)
    run = _grad_parallel if conv.PARALLEL and lp.shape[1] > 1 else _grad_serial
    run(readonly(lp), *_labels(targets, off, tl, il), blank, readonly(la), readonly(nll),
        readonly(g, lp.dtype), bool(zero_infinity), grad, lp.dtype.type(-np.inf))
    return grad
