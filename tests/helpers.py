"""Shared test helpers: hypothesis strategies, the float64 gradcheck and the torch oracle.

`check_op(ours, theirs, *arrays)` is the one call most op tests make: it runs the op on float64
inputs in the engine and in torch, compares values and the gradients of a random cotangent
(rtol 1e-10), then gradchecks the engine's VJP against finite differences.
"""
from __future__ import annotations

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np

import autograd
from autograd import Tensor

RTOL = 1e-10
ATOL = 1e-12

# values in [-3, 3]; `away_from_zero` keeps them at least 0.1 from the kinks and poles at 0
finite = st.floats(-3, 3, allow_nan=False, allow_infinity=False)
positive = st.floats(0.1, 3, allow_nan=False, allow_infinity=False)
away_from_zero = st.one_of(st.floats(-3, -0.1), st.floats(0.1, 3))

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
broadcastable = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                  min_side=1, max_side=4)


def arrays(shape, elements=finite, dtype=np.float64, unique=False):
    """A hypothesis strategy for float arrays of `shape` with bounded elements."""
    return hnp.arrays(dtype, shape, elements=elements, unique=unique)


def leaf(array, dtype=None) -> Tensor:
    """A leaf Tensor that requires grad, holding a copy of array."""
    return autograd.tensor(np.array(array), dtype=dtype, requires_grad=True)


def _flat(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def run_ours(fn, arrays, cotangent_seed=0):
    """Run fn on float64 leaves; back-propagate random cotangents. -> (outputs, grads, vs)."""
    xs = [leaf(a, autograd.float64) for a in arrays]
    outs = [o for o in _flat(fn(*xs)) if o.dtype.kind == "f"]
    rng = np.random.default_rng(cotangent_seed)
    vs = [rng.standard_normal(o.shape) for o in outs]
    total = None
    for o, v in zip(outs, vs):
        if o.requires_grad:
            term = (o * Tensor(v)).sum()
            total = term if total is None else total + term
    if total is not None:
        total.backward()
    grads = [x.grad.data if x.grad is not None else np.zeros_like(x.data) for x in xs]
    return [o.data for o in outs], grads, vs


def run_torch(fn, arrays, vs):
    """The same computation in torch (float64), contracted with the same cotangents."""
    import torch
    xs = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    outs = [o for o in _flat(fn(*xs)) if o.is_floating_point()]
    total = None
    for o, v in zip(outs, vs):
        if o.requires_grad:
            term = (o * torch.tensor(v)).sum()
            total = term if total is None else total + term
    if total is not None:
        total.backward()
    grads = [x.grad.numpy() if x.grad is not None else np.zeros(x.shape) for x in xs]
    return [o.detach().numpy() for o in outs], grads


def assert_close(actual, expected, rtol=RTOL, atol=ATOL, what="value"):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def check_against_torch(ours, theirs, *arrays, rtol=RTOL, atol=ATOL):
    """Values and gradients of ours(*Tensors) equal theirs(*torch tensors) in float64."""
    outs, grads, vs = run_ours(ours, arrays)
    t_outs, t_grads = run_torch(theirs, arrays, vs)
    assert len(outs) == len(t_outs), f"{len(outs)} outputs, torch has {len(t_outs)}"
    for k, (o, t) in enumerate(zip(outs, t_outs)):
        assert_close(o, t, rtol, atol, what=f"output {k}")
    for k, (g, t) in enumerate(zip(grads, t_grads)):
        assert_close(g, t, rtol, atol, what=f"gradient of input {k}")


def assert_gradcheck(fn, *arrays, **kwargs):
    """autograd.gradcheck in float64; it raises GradcheckError naming the worst element."""
    kwargs.setdefault("eps", 1e-6)
    kwargs.setdefault("atol", 1e-6)
    kwargs.setdefault("rtol", 1e-4)
    assert autograd.gradcheck(fn, [np.array(a, dtype=np.float64) for a in arrays], **kwargs)


def check_op(ours, theirs, *arrays, numpy_ref=None, gradcheck=True, rtol=RTOL, atol=ATOL):
    """The three checks every differentiable op gets (numpy forward, torch, gradcheck)."""
    if numpy_ref is not None:
        got = ours(*[Tensor(np.array(a, dtype=np.float64)) for a in arrays])
        for k, (o, r) in enumerate(zip(_flat(got), _flat(numpy_ref(*arrays)))):
            assert_close(o.data, r, rtol, atol, what=f"forward output {k} vs numpy")
    check_against_torch(ours, theirs, *arrays, rtol=rtol, atol=atol)
    if gradcheck:
        assert_gradcheck(ours, *arrays)


def check_float32(fn, *arrays):
    """fn on float32 leaves gives float32 outputs and float32 gradients."""
    xs = [leaf(a, autograd.float32) for a in arrays]
    outs = [o for o in _flat(fn(*xs)) if o.dtype.kind == "f"]
    for o in outs:
        assert o.dtype == np.float32, f"forward output is {o.dtype}, not float32"
    total = None
    for o in outs:
        if o.requires_grad:
            term = (o * 1.5).sum()
            total = term if total is None else total + term
    if total is not None:
        total.backward()
    for x in xs:
        if x.grad is not None:
            assert x.grad.dtype == np.float32, f"gradient is {x.grad.dtype}, not float32"


def same_exact(ours, theirs):
    """A non-differentiable result equals torch's exactly: shape, dtype and values (nan equal
    to nan)."""
    t = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert tuple(ours.shape) == t.shape, f"shape {tuple(ours.shape)} != torch's {t.shape}"
    assert ours.dtype == t.dtype, f"dtype {ours.dtype} != torch's {t.dtype}"
    np.testing.assert_array_equal(ours.data, t)


def first_and_second_gradients(lib, fn, x, dtype):
    """(dx, does dx require grad, d(dx)/dx or None) of fn at x, cotangents 0.7 and 1.3."""
    t = lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=True)
    y = fn(t)
    (g,) = lib.autograd.grad(y, t, lib.full(tuple(y.shape), 0.7, dtype=y.dtype),
                             create_graph=True)
    if not g.requires_grad:
        return g.detach().numpy(), False, None
    (h,) = lib.autograd.grad(g, t, lib.full(tuple(g.shape), 1.3, dtype=g.dtype),
                             allow_unused=True)
    if h is not None:   # torch may give a ZeroTensor, which numpy() refuses without force
        h = h.numpy(force=True) if lib.__name__ == "torch" else h.numpy()
    return g.detach().numpy(), True, h


def gradients_at_points_match_torch(ours, theirs, values, dtype):
    """First and second derivatives (create_graph=True) of a pointwise op at special points
    (NaN, inf, the kinks) equal torch's, NaN against NaN included. torch runs one element at
    a time: its CPU kernels give a NaN input one gradient in the body of their SIMD loops and
    another in their scalar tail; the engine takes the tail's, which is also that of torch's
    reference decompositions (torch._decomp)."""
    import torch
    # float32: second derivatives round apart (and tails such as logsigmoid's underflow)
    rtol, atol = (1e-4, 1e-7) if dtype == "float32" else (1e-10, 1e-13)
    values = np.asarray(values, dtype=np.float64)
    g, linked, h = first_and_second_gradients(autograd, ours, values, dtype)
    for k, v in enumerate(values):
        tg, t_linked, th = first_and_second_gradients(torch, theirs, values[k:k + 1], dtype)
        at = f"at x = {v} ({dtype})"
        np.testing.assert_allclose(g[k], tg[0], rtol=rtol, atol=atol, err_msg=f"dx {at}")
        assert linked == t_linked, f"dx requires grad: {linked}, torch's: {t_linked} {at}"
        if linked:
            assert (h is None) == (th is None), f"d2x: {h}, torch's {th} {at}"
            if h is not None:
                np.testing.assert_allclose(h[k], th[0], rtol=rtol, atol=atol,
                                           err_msg=f"d2x {at}")
