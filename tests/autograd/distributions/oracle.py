"""The torch oracle for the distribution tests: one function `fn(lib, *params)` written
against the shared API runs with lib = autograd and lib = torch; values, first derivatives
(of a random cotangent) and, in float64, second derivatives (grad of <grad, w>) must agree."""
from __future__ import annotations

import numpy as np
import torch

import autograd

TOL = {np.float64: dict(rtol=1e-9, atol=1e-11), np.float32: dict(rtol=2e-5, atol=2e-6)}


def const(lib, array, like):
    """array as a constant tensor of lib in like's dtype."""
    return lib.tensor(np.asarray(array), dtype=like.dtype)


def _numpy(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.data)


def _run(lib, fn, arrays, dtype, second_order):
    dt = {np.float64: lib.float64, np.float32: lib.float32}[dtype]
    xs = [lib.tensor(np.asarray(a, np.float64), dtype=dt, requires_grad=True) for a in arrays]
    out = fn(lib, *xs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    rng = np.random.default_rng(1)
    values = [_numpy(o) for o in outs]
    total = None
    for o in outs:
        if o.requires_grad:
            term = (o * const(lib, rng.standard_normal(tuple(o.shape)), o)).sum()
            total = term if total is None else total + term
    if total is None:
        return values, [], []
    grads = lib.autograd.grad(total, xs, allow_unused=True, create_graph=second_order)
    firsts = [np.zeros(x.shape) if g is None else _numpy(g) for x, g in zip(xs, grads)]
    seconds = []
    if second_order:
        w_total = None
        for g in grads:
            if g is not None and g.requires_grad:
                term = (g * const(lib, rng.standard_normal(tuple(g.shape)), g)).sum()
                w_total = term if w_total is None else w_total + term
        if w_total is not None:
            hv = lib.autograd.grad(w_total, xs, allow_unused=True)
            seconds = [np.zeros(x.shape) if h is None else _numpy(h) for x, h in zip(xs, hv)]
    return values, firsts, seconds


def compare(fn, *arrays, dtypes=(np.float64, np.float32), second_order=True, tol=None):
    """Assert fn(autograd, ...) matches fn(torch, ...) in values and derivatives."""
    for dtype in dtypes:
        kw = dict(TOL[dtype], **(tol or {}))
        so = second_order and dtype == np.float64
        ours = _run(autograd, fn, arrays, dtype, so)
        theirs = _run(torch, fn, arrays, dtype, so)
        for what, a_list, b_list in zip(("value", "grad", "2nd grad"), ours, theirs):
            assert len(a_list) == len(b_list), f"{what}: {len(a_list)} vs {len(b_list)}"
            for i, (a, b) in enumerate(zip(a_list, b_list)):
                assert a.shape == b.shape, f"{what} {i}: shape {a.shape} vs {b.shape}"
                if what == "value":
                    assert a.dtype == b.dtype, f"{what} {i}: dtype {a.dtype} vs {b.dtype}"
                np.testing.assert_allclose(a, b, err_msg=f"{what} {i} ({dtype.__name__})",
                                           equal_nan=True, **kw)
