"""Gradients and dtypes that differed from torch's (found by random programs run against it).

1. Where an op's local derivative is 0 (clamp outside its bounds, the losing side of maximum,
   the elements a max() did not pick, ...) the incoming gradient must not reach the input at
   all: torch selects (where(mask, g, 0)), so an inf or nan g still gives 0 there; g * mask
   gave nan. The recorded VJPs (create_graph=True) must give the same values.
2. A Python integer combined with an integer tensor keeps the tensor's dtype, a 0-d one
   included, and wraps into it when out of range; add/sub's alpha multiplies in the result
   dtype; clamp converts its bounds into the tensor's dtype (bool tensors: int64).
"""
import numpy as np
import pytest

import autograd
import nn.functional as F
from autograd import kernels

torch = pytest.importorskip("torch")
TF = torch.nn.functional
# inf and nan gradients make numpy warn inside the VJPs (inf * 0 where torch multiplies too)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

X = [-2.0, -0.5, 0.0, 0.5, 1.0, 3.0, 7.0, -3.0, 6.0, 2.0]
Y = [1.0, -1.0, 0.0, 2.0, 1.0, -4.0, 8.0, -3.0, 5.0, 2.0]
XN = [-2.0, np.nan, 0.0, 0.5, np.nan, 3.0, 7.0, -3.0, 6.0, 2.0]
YN = [1.0, -1.0, 0.0, 2.0, 1.0, -4.0, np.nan, -3.0, 5.0, 2.0]
UPSTREAM = {"finite": np.linspace(-2.0, 3.0, 10), "inf": np.full(10, np.inf),
            "-inf": np.full(10, -np.inf), "nan": np.full(10, np.nan)}


def _fn(lib):
    return F if lib is autograd else TF


# name: (program(lib, *leaves) -> output, the leaves' values)
PROGRAMS = {
    "clamp(min)": (lambda L, x: x.clamp(min=0.0), [X]),
    "clamp(max)": (lambda L, x: x.clamp(max=1.0), [X]),
    "clamp(min, max)": (lambda L, x: L.clamp(x, -1.0, 1.0), [X]),
    "clamp at nan": (lambda L, x: L.clamp(x, -1.0, 1.0), [XN]),
    "clip": (lambda L, x: L.clip(x, -1, 1), [X]),
    "clamp_min": (lambda L, x: x.clamp_min(0.0), [X]),
    "clamp_": (lambda L, x: (x * 1).clamp_(-1.0, 1.0), [X]),
    "clamp(tensor min)": (lambda L, x, y: x.clamp(min=y), [X, Y]),
    "clamp(tensor max)": (lambda L, x, y: x.clamp(max=y), [X, Y]),
    "clamp(tensor bounds)": (lambda L, x, y: x.clamp(y, y + 1), [X, Y]),
    "clamp(inverted bounds)": (lambda L, x, y: x.clamp(y + 1, y), [X, Y]),
    "clamp(tensor bounds, nan)": (lambda L, x, y: x.clamp(y, y + 1), [XN, YN]),
    "sqrt(clamp)": (lambda L, x: L.sqrt(L.clamp(x, min=0)), [X]),
    "hardtanh": (lambda L, x: _fn(L).hardtanh(x), [X]),
    "hardtanh at nan": (lambda L, x: _fn(L).hardtanh(x), [XN]),
    "hardtanh_": (lambda L, x: _fn(L).hardtanh(x * 1, inplace=True), [X]),
    "relu6": (lambda L, x: _fn(L).relu6(x), [X]),
    "relu": (lambda L, x: x.relu(), [X]),
    "relu at nan": (lambda L, x: x.relu(), [XN]),
    "maximum": (lambda L, x, y: L.maximum(x, y), [X, Y]),
    "minimum": (lambda L, x, y: L.minimum(x, y), [X, Y]),
    "maximum at nan": (lambda L, x, y: L.maximum(x, y), [XN, YN]),
    "minimum at nan": (lambda L, x, y: L.minimum(x, y), [XN, YN]),
    "maximum ties": (lambda L, x, y: L.maximum(x, y), [X, X]),
    "max()": (lambda L, x: x.max(), [X]),
    "min()": (lambda L, x: x.min(), [X]),
    "max() at nan": (lambda L, x: x.max(), [XN]),
    "median()": (lambda L, x: x.median(), [X]),
    "median() at nan": (lambda L, x: x.median(), [XN]),
    "nanmedian()": (lambda L, x: x.nanmedian(), [XN]),
    "max(dim)": (lambda L, x: x.reshape(2, 5).max(1)[0], [X]),
    "median(dim)": (lambda L, x: x.reshape(2, 5).median(1)[0], [X]),
    "amax (torch multiplies: nan)": (lambda L, x: x.amax(), [X]),
    "std of one element": (lambda L, x: x[:1].std(correction=0), [X]),
    "sinc at 0": (lambda L, x: L.sinc(x), [X]),
    "norm at 0 (torch multiplies: nan)": (lambda L, x: (x * 0).norm(), [X]),
    "norm(0.5) at 0": (lambda L, x: (x * 0).norm(0.5), [X]),
    "hinge_embedding_loss": (lambda L, x, y: _fn(L).hinge_embedding_loss(
        x, y.sign(), reduction="none"), [X, Y]),
    "margin_ranking_loss": (lambda L, x, y: _fn(L).margin_ranking_loss(
        x, y, y.sign(), reduction="none"), [X, Y]),
}


# pointwise programs whose torch gradient at a NaN input depends on its position: torch's CPU
# kernel gives it 0 in the body of its SIMD loop, g in the scalar tail (and in its reference
# decomposition), which the engine takes; torch runs them one element at a time
ONE_BY_ONE = {"hardtanh at nan"}


def _grads(lib, name, upstream, create_graph=False, dtype="float64"):
    program, values = PROGRAMS[name]
    if lib is torch and name in ONE_BY_ONE:
        (x,) = values
        parts = []
        for k in range(len(x)):
            leaf = torch.tensor(x[k:k + 1], dtype=getattr(torch, dtype), requires_grad=True)
            out = program(torch, leaf)
            g = torch.tensor(upstream[k:k + 1], dtype=out.dtype)
            parts.append(torch.autograd.grad(out, leaf, g)[0].numpy())
        return [np.concatenate(parts)]
    leaves = [lib.tensor(v, dtype=getattr(lib, dtype), requires_grad=True) for v in values]
    out = program(lib, *leaves)
    g = lib.tensor(np.resize(upstream, tuple(out.shape)), dtype=out.dtype)
    grads = lib.autograd.grad(out, leaves, g, create_graph=create_graph, allow_unused=True)
    return [None if d is None else d.detach().numpy() for d in grads]


def _same_arrays(got, want):
    for a, b in zip(got, want):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.dtype == b.dtype
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=0, equal_nan=True)


@pytest.mark.parametrize("upstream", list(UPSTREAM))
@pytest.mark.parametrize("name", list(PROGRAMS))
def test_a_zero_local_derivative_stops_an_inf_or_nan_gradient_as_torch(name, upstream):
    want = _grads(torch, name, UPSTREAM[upstream])
    got = _grads(autograd, name, UPSTREAM[upstream])
    _same_arrays(got, want)
    recorded = _grads(autograd, name, UPSTREAM[upstream], create_graph=True)
    for a, b in zip(recorded, got):   # the recorded VJP gives the backward's values exactly
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["clamp(min, max)", "clamp(tensor bounds)", "hardtanh",
                                  "maximum", "max()", "median()", "relu at nan"])
@pytest.mark.parametrize("upstream", ["inf", "nan"])
def test_float32_gradients_are_selected_too(name, upstream):
    want = _grads(torch, name, UPSTREAM[upstream], dtype="float32")
    got = _grads(autograd, name, UPSTREAM[upstream], dtype="float32")
    _same_arrays(got, want)


@pytest.mark.parametrize("op", ["round", "floor", "trunc", "sign", "frac"])
def test_the_recorded_gradient_of_a_rounding_op_is_zero_for_an_inf_gradient(op):
    results = []
    for lib in (autograd, torch):
        x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(getattr(x, op)(), x, lib.full((10,), np.inf,
                                 dtype=lib.float64), create_graph=True)
        results.append(g.detach().numpy())
    np.testing.assert_array_equal(*results)


def test_the_second_derivative_still_reaches_the_inputs_of_a_select():
    """The zeros of relu's and hardtanh's recorded selects depend on the op's input (as
    connected_constant's): a second pass reaches it as zeros, as torch's, rather than finding
    it unused. torch's clamp selects on g alone: its recorded gradient does not require grad."""
    for make in (lambda x: x.relu(), lambda x: F.hardtanh(x)):
        x = autograd.tensor(X, dtype=autograd.float64, requires_grad=True)
        (g,) = autograd.grad(make(x).sum(), x, create_graph=True)
        (h,) = autograd.grad((g * g).sum(), x)
        np.testing.assert_array_equal(h.numpy(), np.zeros(10))
    for lib in (autograd, torch):
        x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(x.clamp(-1.0, 1.0).sum(), x, create_graph=True)
        assert not g.requires_grad


def test_relu_backward_kernel_passes_the_gradient_of_a_nan():
    y = np.array([np.nan, 0.0, 2.0, np.nan])
    g = np.array([1.0, np.inf, 3.0, np.nan])
    np.testing.assert_array_equal(kernels.relu_backward(y, g), [1.0, 0.0, 3.0, np.nan])


# ----------------------------------------------------------------------------- 2. dtypes
INT_DTYPES = ["int8", "int16", "int32", "uint8"]


def _result(lib, program):
    try:
        out = program(lib)
    except (RuntimeError, ValueError, TypeError, OverflowError, NotImplementedError) as e:
        return type(e)
    return str(out.dtype).replace("torch.", ""), out.tolist()


def _same_results(program):
    got, want = _result(autograd, program), _result(torch, program)
    if isinstance(want, type):   # torch raises: ours must raise what `except` it would catch
        assert isinstance(got, type) and issubclass(got, want), (got, want)
    else:
        assert not isinstance(got, type), (got, want)
        assert got[0] == want[0]
        if got[0].startswith("float"):   # 3 / t: torch multiplies by 1 / t (one ulp apart)
            np.testing.assert_allclose(got[1], want[1], rtol=1e-6)
        else:
            assert got[1] == want[1]


def _lib(t):
    return torch if isinstance(t, torch.Tensor) else autograd


NUMBER_OPS = {
    "+": lambda t, n: t + n, "-": lambda t, n: t - n, "*": lambda t, n: t * n,
    "r+": lambda t, n: n + t, "r-": lambda t, n: n - t, "r*": lambda t, n: n * t,
    "//": lambda t, n: t // n, "%": lambda t, n: t % n, "r%": lambda t, n: n % t,
    "r//": lambda t, n: n // t, "&": lambda t, n: t & n, "|": lambda t, n: t | n,
    "^": lambda t, n: t ^ n, ">>": lambda t, n: t >> n, "<<": lambda t, n: t << n,
    "r**": lambda t, n: n ** t, "/": lambda t, n: t / n, "r/": lambda t, n: n / t,
    "mul": lambda t, n: t.mul(n), "remainder": lambda t, n: t.remainder(n),
    "rsub": lambda t, n: _lib(t).rsub(t, n),
    "where": lambda t, n: _lib(t).where(t > 5, t, n),
    "where (number first)": lambda t, n: _lib(t).where(t > 5, n, t),
    "clamp": lambda t, n: t.clamp(min=n), "clamp max": lambda t, n: t.clamp(max=n),
    "add alpha": lambda t, n: t.add(n, alpha=2), "sub alpha": lambda t, n: t.sub(n, alpha=2),
}


@pytest.mark.parametrize("shape", ["0-d", "1-d"])
@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("op", list(NUMBER_OPS))
def test_a_python_int_keeps_an_integer_tensors_dtype(op, dtype, shape):
    value = 7 if shape == "0-d" else [7, 12]
    _same_results(lambda lib: NUMBER_OPS[op](lib.tensor(value, dtype=getattr(lib, dtype)), 3))
    _same_results(lambda lib: NUMBER_OPS[op](lib.tensor(value, dtype=getattr(lib, dtype)),
                                             np.int64(3)))


@pytest.mark.parametrize("number", [1000, -1, -10, 300, 2 ** 40, 2 ** 63, -(2 ** 63), 2 ** 64])
@pytest.mark.parametrize("op", ["+", "-", "*", "r-", "%", "r%", "//", "r//", "&", "|", "^",
                                "/", "r/", "where", "clamp", "clamp max", "add alpha"])
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_a_python_int_out_of_the_dtypes_range_wraps_or_is_refused_as_torch(op, dtype, number):
    for value in (7, [7, 12]):
        _same_results(lambda lib: NUMBER_OPS[op](lib.tensor(value, dtype=getattr(lib, dtype)),
                                                 number))


@pytest.mark.parametrize("case", [
    lambda L: L.add(L.tensor(7, dtype=L.int32), 3, alpha=2),
    lambda L: L.sub(L.tensor(7, dtype=L.int16), 3, alpha=2),
    lambda L: L.rsub(L.tensor(7, dtype=L.int16), 3, alpha=2),
    lambda L: L.add(L.tensor([0.5]), L.tensor([-100], dtype=L.int8), alpha=2),
    lambda L: L.sub(L.tensor([0.5]), L.tensor([-100], dtype=L.int8), alpha=2),
    lambda L: L.rsub(L.tensor([0.5]), L.tensor([-100], dtype=L.int8), alpha=2),
    lambda L: L.add(L.tensor([0.5]), L.tensor([100], dtype=L.uint8), alpha=3),
    lambda L: L.add(L.tensor([0.5]), L.tensor([100], dtype=L.uint8), alpha=-1),
    lambda L: L.add(L.tensor([0.5], dtype=L.float64), L.tensor([3], dtype=L.int8), alpha=0.1),
    lambda L: L.add(L.tensor([1000], dtype=L.int16), L.tensor([100], dtype=L.int8), alpha=2),
    lambda L: L.add(L.tensor([1]), L.tensor([100], dtype=L.int8), alpha=2),
    lambda L: L.add(L.tensor([1], dtype=L.int8), L.tensor(100, dtype=L.int16), alpha=2),
    lambda L: L.add(L.tensor(1, dtype=L.int8), L.tensor(100, dtype=L.int16), alpha=2),
    lambda L: L.add(L.tensor([1, 2], dtype=L.int32), L.tensor([True]), alpha=3),
    lambda L: L.add(L.tensor([1], dtype=L.int8), L.tensor([100], dtype=L.int8), alpha=300),
    lambda L: L.add(L.tensor([1.0], dtype=L.float64), L.tensor([100], dtype=L.int8), alpha=300),
    lambda L: L.add(L.tensor(7, dtype=L.uint8), 3, alpha=-255),
    lambda L: L.add(L.tensor(7, dtype=L.uint8), 3, alpha=256),
    lambda L: L.add(L.tensor([0.5]), L.tensor([3.0]), alpha=1e39),
    lambda L: L.add(L.tensor([0.5]), 3, alpha=2 ** 70),
    lambda L: L.tensor([0.5]).add_(L.tensor([-100], dtype=L.int8), alpha=2),
    lambda L: L.tensor([0.5]).sub_(L.tensor([-100], dtype=L.int8), alpha=2),
    lambda L: L.tensor([7], dtype=L.int16).add_(L.tensor([100], dtype=L.int8), alpha=2),
])
def test_add_and_sub_take_alpha_in_the_result_dtype(case):
    _same_results(case)


def test_alpha_on_an_int8_operand_does_not_wrap_in_a_recorded_float_add():
    results = []
    for lib in (autograd, torch):
        x = lib.tensor([0.5, 1.5], requires_grad=True)
        y = x * 1
        y.add_(lib.tensor([-100, 100], dtype=lib.int8), alpha=2)
        added = y.tolist()
        y.sub_(lib.tensor([-100, 100], dtype=lib.int8), alpha=3)
        (y * lib.tensor([1.0, 2.0])).sum().backward()
        results.append((added, y.tolist(), x.grad.tolist()))
    assert results[0] == results[1]


@pytest.mark.parametrize("case", [
    lambda L: L.clamp(L.tensor([True, False]), min=2),
    lambda L: L.clamp(L.tensor([True, False]), max=0),
    lambda L: L.clamp(L.tensor([True, False]), -1, 0),
    lambda L: L.clamp(L.tensor(True), 2),
    lambda L: L.clip(L.tensor([True, False]), 2),
    lambda L: L.tensor([True, False]).clamp_min(2),
    lambda L: L.tensor([True, False]).clamp_max(0),
    lambda L: L.clamp(L.tensor([True, False]), min=True),
    lambda L: L.clamp(L.tensor([True, False]), 0.5),
    lambda L: L.clamp(L.tensor([True, False]), L.tensor(2)),
    lambda L: L.clamp(L.tensor(7, dtype=L.int16), min=2),
    lambda L: L.clamp(L.tensor(7, dtype=L.int8), 127),
    lambda L: L.clamp(L.tensor(7, dtype=L.int8), 128),
    lambda L: L.clamp(L.tensor([7], dtype=L.int8), min=-1000),
    lambda L: L.clamp(L.tensor(7, dtype=L.int16), 2, 1000000),
    lambda L: L.clamp(L.tensor([1, 2], dtype=L.uint8), min=-3),
    lambda L: L.clamp(L.tensor(7, dtype=L.uint8), max=-1),
    lambda L: L.clamp(L.tensor(7, dtype=L.uint8), -256),
    lambda L: L.clamp(L.tensor(7), 2 ** 63),
    lambda L: L.clamp(L.tensor(7, dtype=L.int8), np.int64(3)),
    lambda L: L.clamp(L.tensor(7, dtype=L.int8), L.tensor(3)),
    lambda L: L.clamp(L.tensor([7], dtype=L.int8), L.tensor(3), 100),
    lambda L: L.clamp(L.tensor([7], dtype=L.int8), L.tensor(3), 1000),
    lambda L: L.tensor([7], dtype=L.uint8).clamp_(-3),
    lambda L: L.tensor([7], dtype=L.int8).clamp_(1000),
    lambda L: L.tensor([7], dtype=L.int8).clamp_(max=100),
    lambda L: L.tensor([True, False]).clamp_(2),
])
def test_clamp_converts_its_bounds_as_torch(case):
    _same_results(case)
