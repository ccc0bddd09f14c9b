"""Reductions, in-place operators and dtype rules that follow PyTorch's in the corners a parity
probe found: var/std(unbiased) overloads, max()'s gradient with NaN, //= and friends in place,
masked_fill's dtype, dtype= of the sum-like ops, float64 accumulation of float32 cumsum and
var, add/sub alpha, div rounding_mode, quantile, mode, shifts, clamp_'s cast error, empty
max(dim) and logsumexp(dim=())."""
import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")

LIBS = (autograd, torch)
NAN = float("nan")


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.detach().data)


def _both(fn):
    """fn(lib) for autograd and torch."""
    return fn(autograd), fn(torch)


def _same(got, want, rtol=1e-12, exact_dtype=True):
    got, want = _np(got), _np(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    if exact_dtype:
        assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if got.dtype.kind in "biu":
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol, equal_nan=True)


def _grads(fn, *arrays):
    """fn(lib, *leaves) -> output, for both libraries: the outputs and each leaf's gradient
    of sum(output * w) with one fixed w."""
    results = []
    for lib in LIBS:
        leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(lib, *leaves)
        w = np.random.default_rng(0).standard_normal(tuple(out.shape)).astype(arrays[0].dtype)
        (out * lib.tensor(w)).sum().backward()
        results.append((out, [leaf.grad for leaf in leaves]))
    return results


def _same_grads(fn, *arrays, rtol=1e-12):
    (out, grads), (tout, tgrads) = _grads(fn, *arrays)
    _same(out, tout, rtol)
    for g, tg in zip(grads, tgrads):
        _same(g, tg, rtol)


X = np.random.default_rng(1).standard_normal((4, 5))


# ----------------------------------------------------------------- 1. var/std(unbiased)
@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("unbiased", [True, False])
def test_a_positional_bool_of_var_std_is_unbiased_not_a_dim(name, unbiased):
    for call in (lambda lib, x: getattr(x, name)(unbiased),
                 lambda lib, x: getattr(lib, name)(x, unbiased),
                 lambda lib, x: getattr(lib, name + "_mean")(x, unbiased)[0],
                 lambda lib, x: getattr(x, name)(1, unbiased),
                 lambda lib, x: getattr(lib, name)(x, 1, unbiased, True),
                 lambda lib, x: getattr(x, name)(dim=0, unbiased=unbiased, keepdim=True)):
        _same_grads(call, X)


def test_var_std_refuse_a_bool_with_other_arguments_and_unbiased_with_correction():
    x = autograd.tensor(X)
    with pytest.raises(TypeError, match="std"):
        x.std(True, True)
    with pytest.raises(TypeError, match="unbiased or correction"):
        x.var(1, unbiased=False, correction=1)
    with pytest.raises(TypeError, match="unbiased or correction"):
        autograd.std(x, 1, unbiased=True, correction=0)
    _same(autograd.var(x, 1, correction=0), torch.var(torch.tensor(X), 1, correction=0))


# ----------------------------------------------------------------- 2. max()/min() gradients
@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize("values", [
    [[NAN, 1.0], [2.0, 3.0]],            # one NaN takes the whole gradient
    [[NAN, 1.0], [2.0, NAN]],            # shared among the NaNs
    [[3.0, 1.0], [3.0, 3.0]],            # shared among ties
    [[1.0, -1.0], [-1.0, 0.5]],
])
def test_max_min_of_all_elements_share_the_gradient_like_torch(op, values):
    x = np.array(values)
    _same_grads(lambda lib, t: getattr(t, op)(), x)
    _same_grads(lambda lib, t: getattr(lib, op)(t), x)


@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_amin_keep_torchs_nan_gradient(op):
    x = np.array([[NAN, 1.0], [2.0, 3.0]])
    _same_grads(lambda lib, t: getattr(t, op)(), x)
    _same_grads(lambda lib, t: getattr(t, op)(1), x)


def test_max_of_integers_and_bools_and_without_grad():
    for arr in (np.array([[3, 9], [9, -1]]), np.array([True, False])):
        for op in ("max", "min"):
            got, want = _both(lambda lib: getattr(lib.tensor(arr), op)())
            _same(got, want)


# ----------------------------------------------------------------- 3. in-place operators
AUGMENTED = ["x //= 2", "x %= 3", "x **= 2", "x &= 6", "x |= 1", "x ^= 3", "x <<= 2",
             "x >>= 1", "x //= y", "x %= y", "x **= y", "x &= y", "x <<= y"]


@pytest.mark.parametrize("statement", AUGMENTED)
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
def test_augmented_operators_write_in_place(statement, dtype):
    results = []
    for lib in LIBS:
        x = lib.tensor(np.array([5, 6, 7], dtype))
        y = lib.tensor(np.array([1, 2, 3], dtype))
        alias, env = x, {"x": x, "y": y}
        exec(statement, {}, env)
        assert env["x"] is alias   # not a new tensor: x's aliases see the change
        results.append(env["x"])
    _same(*results)


@pytest.mark.parametrize("statement", ["x //= 2.5", "x %= 2.5", "x **= 0.5", "x /= 2",
                                       "x &= 1.5", "x <<= 1.5", "x //= f", "b |= 1",
                                       "b **= 2", "b &= x", "b <<= 1", "b += 1"])
def test_augmented_operators_refuse_a_result_that_cannot_be_cast(statement):
    env = {"x": autograd.tensor([5, 6, 7]), "b": autograd.tensor([True, False, True]),
           "f": autograd.tensor([1.0, 2.0, 3.0])}
    before = {k: v.numpy().copy() for k, v in env.items()}
    with pytest.raises(TypeError, match="result type (Float|Long) can't be cast to the "
                                        "desired output type (Long|Bool)"):
        exec(statement, {}, env)
    tenv = {"x": torch.tensor([5, 6, 7]), "b": torch.tensor([True, False, True]),
            "f": torch.tensor([1.0, 2.0, 3.0])}
    with pytest.raises(RuntimeError, match="can't be cast"):
        exec(statement, {}, tenv)
    for k, v in env.items():   # nothing was written
        np.testing.assert_array_equal(v.numpy(), before[k])


# in-place methods whose promoted result type self's dtype cannot hold: (self, call)
CAST_REFUSALS = [
    ("b", lambda L, x: x.floor_divide_(L.tensor([3, 1]))),
    ("b", lambda L, x: x.remainder_(L.tensor([3, 1], dtype=L.int8))),
    ("b", lambda L, x: x.fmod_(2)),
    ("b", lambda L, x: x.bitwise_and_(L.tensor([3, 1]))),
    ("b", lambda L, x: x.hypot_(L.tensor([3, 1]))),
    ("b", lambda L, x: x.divide_(L.tensor([3, 1]), rounding_mode="floor")),
    ("i", lambda L, x: x.true_divide_(L.tensor([3, 1]))),
    ("i", lambda L, x: x.copysign_(L.tensor([-1.0, 1.0], dtype=L.float64))),
    ("i", lambda L, x: x.atan2_(L.tensor([3, 1]))),
    ("i", lambda L, x: x.hypot_(L.tensor([3.0, 1.0]))),
    ("i", lambda L, x: x.floor_divide_(2.5)),
    ("i", lambda L, x: x.remainder_(L.tensor([1.5, 1.0]))),
    ("i", lambda L, x: x.fmod_(L.tensor(1.5, dtype=L.float64))),
    ("i", lambda L, x: x.xlogy_(2)),
    ("i", lambda L, x: x.sin_()),
    ("i", lambda L, x: x.divide_(1.5, rounding_mode="trunc")),
]


def test_in_place_methods_refuse_a_result_that_cannot_be_cast_like_torch():
    for which, call in CAST_REFUSALS:
        errors = []
        for L in LIBS:
            x = L.tensor([True, True]) if which == "b" else L.tensor([5, 6], dtype=L.int16)
            before = x.clone()
            with pytest.raises(RuntimeError, match="result type .* can't be cast") as err:
                call(L, x)
            assert L.equal(x, before)   # nothing was written
            errors.append(err.value)
        ours, theirs = errors
        assert isinstance(ours, TypeError)   # the engine's class for it before, kept
        assert str(ours).split(": ", 1)[1].startswith(str(theirs)), (ours, theirs)


@pytest.mark.parametrize("statement", ["x **= 2", "x %= 0.7", "x **= y", "x %= y"])
def test_recorded_augmented_operators_give_torchs_gradients(statement):
    results = []
    for lib in LIBS:
        a = lib.tensor([1.5, -2.0, 3.0], requires_grad=True)
        y = lib.tensor([2.0, 3.0, 0.5], requires_grad=True)
        env = {"x": a * 1, "y": y}
        alias = env["x"]
        exec(statement, {}, env)
        assert env["x"] is alias
        (env["x"] * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        results.append((env["x"], a.grad, y.grad))
    (x, ga, gy), (tx, tga, tgy) = results
    _same(x, tx, 1e-6)
    _same(ga, tga, 1e-6)
    if tgy is None:
        assert gy is None
    else:
        _same(gy, tgy, 1e-6)


def test_float_augmented_operators_and_a_leaf_that_requires_grad():
    got, want = _both(lambda lib: _floordiv_in_place(lib.tensor([5.5, -6.0, 7.0])))
    _same(got, want)
    with pytest.raises(RuntimeError, match="pow_: a leaf tensor that requires grad"):
        x = autograd.tensor([1.0, 2.0], requires_grad=True)
        x **= 2


def _floordiv_in_place(x):
    x //= 2
    x %= 2
    return x


# ----------------------------------------------------------------- 4. masked_fill dtype
MASK = np.array([True, False, True])


@pytest.mark.parametrize("values, dtype, fill", [
    ([5, -7, 3], "int64", 2.5), ([5, -7, 3], "int64", -2.7), ([5, -7, 3], "int32", 2.7),
    ([True, False, False], "bool", 2), ([True, False, False], "bool", 0.5),
    ([True, False, False], "bool", 0.0), ([1.0, 2.0, 3.0], "float32", True),
    ([5, 7, 3], "uint8", -1), ([5, 7, 3], "uint8", -255), ([5, 7, 3], "int8", -128),
    ([1.0, 2.0, 3.0], "float32", float("-inf")), ([1.0, 2.0, 3.0], "float64", 7),
])
def test_masked_fill_keeps_the_tensors_dtype(values, dtype, fill):
    for method in ("masked_fill", "masked_fill_"):
        got, want = _both(lambda lib: getattr(lib.tensor(np.array(values, dtype)), method)(
            lib.tensor(MASK), fill))
        _same(got, want)
    got, want = _both(lambda lib: lib.tensor(np.array(values, dtype)).masked_fill(
        lib.tensor(MASK), lib.tensor(np.float64(2.5))))
    _same(got, want)


@pytest.mark.parametrize("dtype, fill", [("int8", 300), ("int8", 127.9), ("uint8", 256),
                                         ("uint8", -128.9), ("int32", 2 ** 40),
                                         ("int32", NAN), ("float32", 1e300)])
def test_masked_fill_refuses_a_value_that_overflows_the_dtype(dtype, fill):
    with pytest.raises(ValueError, match="cannot be converted to type"):
        autograd.tensor(np.zeros(3, dtype)).masked_fill(autograd.tensor(MASK), fill)
    with pytest.raises(RuntimeError, match="cannot be converted"):
        torch.tensor(np.zeros(3, dtype)).masked_fill(torch.tensor(MASK), fill)


def test_masked_fill_with_a_tensor_value_of_another_dtype_passes_the_gradient():
    results = []
    for lib in LIBS:
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        v = lib.tensor(2.5, dtype=lib.float64, requires_grad=True)
        out = x.masked_fill(lib.tensor(MASK), v)
        (out * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        results.append((out, x.grad, v.grad))
    for got, want in zip(*results):
        _same(got, want)


# ----------------------------------------------------------------- 5. dtype= of sum-likes
INTS = np.array([[1, -2, 3], [4, 5, -6]], np.int64)


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64", "bool", "uint8"])
@pytest.mark.parametrize("name", ["sum", "prod", "cumsum", "cumprod", "nansum"])
@pytest.mark.parametrize("source", [INTS, INTS > 0, INTS * 0.75])
def test_the_dtype_argument_is_the_results_dtype(name, dtype, source):
    if name in ("cumsum", "cumprod") and dtype == "bool":
        # torch has no bool kernel for these (NotImplementedError): ours is numpy's logical
        # accumulation (or for cumsum, and for cumprod)
        flags = np.asarray(source, bool)
        want = (np.logical_or if name == "cumsum" else np.logical_and).accumulate(flags, axis=1)
        got = getattr(autograd.tensor(source), name)(dim=1, dtype=autograd.bool)
        assert got.dtype == autograd.bool
        np.testing.assert_array_equal(got.numpy(), want)
        return
    for call in (lambda lib: getattr(lib.tensor(source), name)(
                     dim=1, dtype=getattr(lib, dtype)),
                 lambda lib: getattr(lib, name)(lib.tensor(source), 0, dtype=getattr(lib, dtype))
                 if name.startswith("cum") else getattr(lib, name)(lib.tensor(source),
                                                                   dtype=getattr(lib, dtype))):
        got, want = _both(call)
        _same(got, want, 1e-6)


def test_the_dtype_argument_and_gradients():
    x = np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)
    for name in ("sum", "mean", "nansum", "prod", "cumsum", "cumprod"):
        call = (lambda lib, t: getattr(t, name)(1, dtype=lib.float64)) if name.startswith(
            "cum") else (lambda lib, t: getattr(t, name)(dtype=lib.float64))
        (out, (g,)), (tout, (tg,)) = _grads(call, x)
        _same(out, tout, 1e-6)
        _same(g, tg, 1e-6)   # float32, the input's dtype
    for name in ("sum", "prod", "cumsum", "nansum"):
        t = autograd.tensor(x, requires_grad=True)
        with pytest.raises(RuntimeError, match=f"{name}: dtype=int64 has no gradient"):
            getattr(t, name)(0, dtype=autograd.int64)


def test_mean_with_a_dtype():
    for src in (INTS, INTS * 0.5):
        for dim in (None, 1):
            got, want = _both(lambda lib: lib.tensor(src).mean(dim, dtype=lib.float32))
            _same(got, want, 1e-6)
            got, want = _both(lambda lib: lib.mean(lib.tensor(src), dim, True,
                                                   dtype=lib.float64))
            _same(got, want)
    with pytest.raises(TypeError, match="mean: dtype must be a floating-point dtype"):
        autograd.tensor(INTS * 0.5).mean(dtype=autograd.int64)


# ----------------------------------------------------------------- 6. float64 accumulation
def test_float32_cumsum_and_cumprod_accumulate_in_float64_like_torch():
    got, want = _both(lambda lib: lib.full((10 ** 6,), 0.1).cumsum(0)[-1])
    _same(got, want)
    assert abs(got.item() - 100000) < 1
    x = np.random.default_rng(3).uniform(0.99, 1.011, (300, 40)).astype(np.float32)
    for dim in (0, 1, -1):
        (out, (g,)), (tout, (tg,)) = _grads(lambda lib, t: t.cumprod(dim), x)
        _same(out, tout, 2e-6)
        # the gradients round differently (torch divides a reversed cumsum by x)
        np.testing.assert_allclose(_np(g), _np(tg), atol=2e-4 * np.abs(_np(tg)).max())
        _same_grads(lambda lib, t: t.cumsum(dim), x, rtol=2e-6)


def test_float32_var_and_std_do_not_overflow_where_torch_does_not():
    x = np.array([1e20, -1e20], np.float32)
    for call in (lambda lib, t: t.std(), lambda lib, t: t.std(correction=0),
                 lambda lib, t: t.var(), lambda lib, t: t.var(0, keepdim=True)):
        _same_grads(call, x, rtol=1e-6)
    y = np.array([[1e20, -1e20, 3.0], [1.0, 2.0, 4.0]], np.float32)
    _same_grads(lambda lib, t: t.std(1), y, rtol=1e-6)


# ----------------------------------------------------------------- 7. alpha, rounding_mode
@pytest.mark.parametrize("name", ["add", "sub"])
@pytest.mark.parametrize("alpha", [1, 2, -0.5])
def test_add_and_sub_with_alpha(name, alpha):
    y = X[0]
    _same_grads(lambda lib, a, b: getattr(a, name)(b, alpha=alpha), X, y)
    _same_grads(lambda lib, a, b: getattr(lib, name)(a, b, alpha=alpha), X, y)
    _same_grads(lambda lib, a: getattr(lib, name)(a, 3, alpha=alpha), X)
    if isinstance(alpha, int):
        got, want = _both(lambda lib: getattr(lib.tensor(INTS), name)(lib.tensor(INTS),
                                                                      alpha=alpha))
        _same(got, want)
    else:
        with pytest.raises(TypeError, match=f"{name}: for integer or bool tensors alpha"):
            getattr(autograd.tensor(INTS), name)(autograd.tensor(INTS), alpha=alpha)
        got, want = _both(lambda lib: getattr(lib.tensor(INTS * 1.0), name)(
            lib.tensor(INTS), alpha=alpha))
        _same(got, want)


@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
def test_div_with_a_rounding_mode(mode):
    a, b = np.array([7.0, -7.0, 7.5, -0.5]), np.array([2.0, 2.0, -2.0, 3.0])
    for lhs, rhs in ((a, b), (a.astype(np.int64), b.astype(np.int64)), (a, 2)):
        if mode is None and lhs.dtype.kind == "i":
            continue
        got, want = _both(lambda lib: lib.tensor(lhs).div(
            lib.tensor(rhs) if isinstance(rhs, np.ndarray) else rhs, rounding_mode=mode))
        _same(got, want)
        got, want = _both(lambda lib: lib.div(lib.tensor(lhs), lib.tensor(rhs) if isinstance(
            rhs, np.ndarray) else rhs, rounding_mode=mode))
        _same(got, want)
    results = []
    for lib in LIBS:
        x = lib.tensor(a.astype(np.int64) if mode else a)
        alias = x
        x.div_(lib.tensor(b.astype(np.int64) if mode else b), rounding_mode=mode)
        assert x is alias
        results.append(x)
    _same(*results)
    if mode:
        with pytest.raises(TypeError, match="result type Float can.t be cast"):
            autograd.tensor([7, -7]).div_(2.5, rounding_mode=mode)


# ----------------------------------------------------------------- 7. quantile, mode
TIES = np.array([[1.0, 3.0, 3.0, 2.0, 7.0], [4.0, 4.0, 4.0, 4.0, 4.0], [0.0, -1.0, -1.0, 0.0,
                                                                         0.5]])
WITH_NAN = np.array([[1.0, NAN, 3.0, 2.0], [5.0, 4.0, NAN, NAN], [0.0, -1.0, -1.0, 0.0]])


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile_values_and_gradients_match_torch(interpolation, name):
    qs = np.array([0.0, 0.25, 0.375, 0.5, 0.625, 0.9, 1.0])
    for x in (TIES, WITH_NAN, X):
        for dim, keepdim in ((None, False), (None, True), (1, False), (0, True), (-1, True)):
            for q in (0.3, qs):
                def call(lib, t, q=q, dim=dim, keepdim=keepdim):
                    qq = lib.tensor(q) if isinstance(q, np.ndarray) else q
                    return getattr(lib, name)(t, qq, dim, keepdim,
                                              interpolation=interpolation)
                _same_grads(call, x)
                _same_grads(lambda lib, t: getattr(t, name)(0.5, dim=dim, keepdim=keepdim,
                                                            interpolation=interpolation), x)


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile_gradient_reaches_q_and_0d_inputs(name):
    _same_grads(lambda lib, t, q: getattr(lib, name)(t, q, dim=1), TIES, np.array([0.3, 0.55]))
    _same_grads(lambda lib, t, q: getattr(lib, name)(t, q), X, np.array(0.4))
    _same_grads(lambda lib, t: getattr(lib, name)(t, 0.3), np.array(2.0))
    _same_grads(lambda lib, t: getattr(lib, name)(t, 0.3, dim=0, keepdim=True), np.array(2.0))


@pytest.mark.parametrize("call, kind, match", [
    (lambda lib, x: lib.quantile(x, 1.5), ValueError, r"q must be in the range \[0, 1\]"),
    (lambda lib, x: lib.quantile(x, -0.1), ValueError, r"q must be in the range"),
    (lambda lib, x: lib.quantile(x, lib.tensor([0.3], dtype=lib.float32)), TypeError,
     "same dtype|input's dtype"),
    (lambda lib, x: lib.quantile(x.long(), 0.3), TypeError, "float or double"),
    (lambda lib, x: lib.quantile(x, 0.3, interpolation="foo"), ValueError,
     "interpolation must be one of"),
    (lambda lib, x: lib.quantile(x[:0], 0.3), ValueError, "non-empty"),
    (lambda lib, x: lib.quantile(x, lib.tensor([[0.3]], dtype=lib.float64)), ValueError,
     "scalar or 1D|0-d or 1-D"),
])
def test_quantile_errors(call, kind, match):
    with pytest.raises(kind, match=match):
        call(autograd, autograd.tensor(X))
    with pytest.raises(RuntimeError, match=match):
        call(torch, torch.tensor(X))


# slices of up to 16 elements: torch's mode sorts longer ones with an unstable sort, and then
# the position it returns among those of the mode is unspecified
MODES = [np.array([[1.0, 3.0, 3.0, 2.0], [5.0, 5.0, 5.0, 5.0], [0.0, -1.0, -1.0, 0.0]]),
         np.array([2.0, 1.0, 2.0, 1.0, 3.0]), np.arange(16.0) % 5, np.array([0.0, -0.0, 0.0]),
         np.random.default_rng(4).integers(0, 4, (16, 12)).astype(np.float64)]


@pytest.mark.parametrize("x", MODES)
def test_mode_values_indices_and_gradients_match_torch(x):
    for dim in range(-x.ndim, x.ndim):
        for keepdim in (False, True):
            (out, grads), (tout, tgrads) = _grads(lambda lib, t: lib.mode(t, dim, keepdim)[0],
                                                  x)
            _same(out, tout)
            _same(grads[0], tgrads[0])
            got, want = _both(lambda lib: lib.tensor(x).mode(dim, keepdim=keepdim).indices)
            _same(got, want)
    for arr in (x.astype(np.int64), x > 1):
        got, want = _both(lambda lib: lib.tensor(arr).mode())
        _same(got[0], want[0])
        _same(got[1], want[1])


def test_mode_counts_each_nan_apart_and_takes_the_last_position_of_long_slices():
    x = autograd.tensor([[1.0, NAN, 3.0, 2.0, 1.0], [NAN, NAN, 2.0, 3.0, NAN],
                         [NAN, NAN, NAN, NAN, NAN]])
    values, indices = x.mode(1)
    np.testing.assert_array_equal(values.numpy(), [1.0, 2.0, NAN])
    np.testing.assert_array_equal(indices.numpy(), [4, 2, 0])
    values, indices = autograd.tensor(np.arange(40.0) % 7).mode()
    assert values.item() == 0 and indices.item() == 35


def test_mode_of_0d_and_empty_tensors():
    got, want = _both(lambda lib: lib.tensor(5.0).mode())
    _same(got.values, want.values)
    _same(got.indices, want.indices)
    got, want = _both(lambda lib: lib.zeros(0, 2).mode())
    _same(got.values, want.values)
    _same(got.indices, want.indices)
    with pytest.raises(IndexError, match="mode: expected reduction dim 1 to have non-zero size"):
        autograd.zeros(2, 0).mode()


# ----------------------------------------------------------------- 8. shifts
@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8"])
def test_shifts_match_torch_including_out_of_range_counts(dtype):
    x = np.array([5, -7, 3, 1, -1, 100, 127], np.int64).astype(dtype)
    counts = np.array([0, 1, 7, 8, 9, 63, 64]).astype(dtype)
    for op in ("__lshift__", "__rshift__", "bitwise_left_shift", "bitwise_right_shift"):
        for other in (counts, 1, 3, 70, -1, 2 ** 40):
            got, want = _both(lambda lib: getattr(lib.tensor(x), op)(
                lib.tensor(other) if isinstance(other, np.ndarray) else other))
            _same(got, want)
    for fn in ("bitwise_left_shift", "bitwise_right_shift"):
        got, want = _both(lambda lib: getattr(lib, fn)(lib.tensor(x), lib.tensor(counts)))
        _same(got, want)
    got, want = _both(lambda lib: 2 << lib.tensor(counts[:4]))
    _same(got, want)
    got, want = _both(lambda lib: -64 >> lib.tensor(counts[:4]))
    _same(got, want)


def test_shift_promotion_and_errors():
    for a, b in ((np.array([3], np.uint8), np.array([1], np.int8)),
                 (np.array([1, 2], np.int32), np.array(1)),
                 (np.array([1, 2], np.int32), np.array([1, 1])),
                 (np.array([True, False]), np.array(1))):
        got, want = _both(lambda lib: lib.tensor(a) << lib.tensor(b))
        _same(got, want)
    got, want = _both(lambda lib: lib.tensor([True, False]) << 1)
    _same(got, want)
    for bad in (lambda: autograd.tensor([1.5]) << 1, lambda: autograd.tensor([3]) << 1.5,
                lambda: autograd.tensor([True]) >> autograd.tensor([True])):
        with pytest.raises(TypeError, match="needs integer tensors"):
            bad()
    with pytest.raises(ValueError, match="cannot be broadcast"):
        autograd.tensor([1, 2]) << autograd.tensor([1, 2, 3])
    results = []
    for lib in LIBS:
        x = lib.tensor([5, -6, 7], dtype=lib.int32)
        alias = x
        x <<= 2
        x >>= lib.tensor([1, 3, 40])
        x.bitwise_left_shift_(1)
        assert x is alias
        results.append(x)
    _same(*results)


# ----------------------------------------------------------------- 9. clamp_'s cast error
@pytest.mark.parametrize("call", [lambda lib, x: x.clamp_(0.5),
                                  lambda lib, x: x.clamp_(max=2.5),
                                  lambda lib, x: x.clamp_(lib.tensor([0.5, 0.5, 5.0])),
                                  lambda lib, x: x.clamp_(min=0, max=lib.tensor(2.5))])
def test_clamp_in_place_refuses_a_float_bound_on_integers_like_torch(call):
    x = autograd.tensor([1, 2, 3])
    with pytest.raises(TypeError, match="clamp_: result type Float can't be cast to the "
                                        "desired output type Long"):
        call(autograd, x)
    np.testing.assert_array_equal(x.numpy(), [1, 2, 3])
    with pytest.raises(RuntimeError, match="Float can't be cast to the desired output type"):
        call(torch, torch.tensor([1, 2, 3]))
    with pytest.raises(TypeError, match="result type Long can't be cast to the desired output "
                                        "type Bool"):
        autograd.tensor([True, False]).clamp_(0)
    for bound in (1, np.array([0, 5], np.int64)):
        got, want = _both(lambda lib: lib.tensor([1, 2], dtype=lib.int32).clamp_(
            lib.tensor(bound) if isinstance(bound, np.ndarray) else bound))
        _same(got, want)


def test_clamp_in_place_with_a_bound_of_another_integer_dtype_as_torch():
    # computed in the promoted dtype, then cast back (an int8 bound of -5 is 251 in uint8)
    calls = [lambda L, x: x.clamp_min_(L.tensor([2, 3], dtype=L.int8)),
             lambda L, x: x.clamp_max_(L.tensor([-5, 3], dtype=L.int8)),
             lambda L, x: x.clamp_(L.tensor([2, 3], dtype=L.int16), L.tensor(100)),
             lambda L, x: x.clamp_(max=L.tensor([300, -300], dtype=L.int16))]
    for call in calls:
        got, want = _both(lambda L: call(L, L.tensor([1, 200], dtype=L.uint8)))
        _same(got, want)


# ----------------------------------------------------------------- 10. empty max, logsumexp
@pytest.mark.parametrize("shape, dim", [((0, 3), 1), ((0, 3), -1), ((2, 0, 3), 2),
                                        ((2, 0, 3), 0)])
@pytest.mark.parametrize("op", ["max", "min", "argmax", "argmin", "amax"])
def test_reducing_a_nonempty_dim_of_an_empty_tensor(shape, dim, op):
    for keepdim in (False, True):
        got, want = _both(lambda lib: getattr(lib.zeros(shape), op)(dim, keepdim=keepdim))
        if op in ("max", "min"):
            _same(got.values, want.values)
            _same(got.indices, want.indices)
        else:
            _same(got, want)


@pytest.mark.parametrize("op", ["max", "min", "argmax", "argmin"])
def test_reducing_a_zero_size_dim_still_raises(op):
    with pytest.raises(IndexError, match=f"{op}: expected reduction dim 0 to have non-zero"):
        getattr(autograd.zeros(0, 3), op)(0)
    with pytest.raises(IndexError, match="non-zero size"):
        getattr(torch.zeros(0, 3), op)(0)
    with pytest.raises(RuntimeError, match="empty"):
        getattr(autograd.zeros(0, 3), op)()


def test_logsumexp_over_an_empty_dim_list_reduces_everything():
    _same_grads(lambda lib, t: t.logsumexp(dim=(), keepdim=True), X)
    _same_grads(lambda lib, t: lib.logsumexp(t, dim=[], keepdim=True), X)
    got, want = _both(lambda lib: lib.zeros(0, 3).logsumexp(dim=(), keepdim=True))
    _same(got, want)
    # torch's keepdim=False raises here (a shape check of its out=); the value is the same
    np.testing.assert_allclose(autograd.tensor(X).logsumexp(dim=()).item(),
                               torch.tensor(X).logsumexp(dim=(0, 1)).item())


def test_masked_fill_refuses_a_value_tensor_with_dims_as_torch():
    x = autograd.ones(3, 4)
    with pytest.raises(RuntimeError, match="only supports a 0-dimensional value tensor"):
        x.masked_fill(x > 0, autograd.zeros(3, 4))
    with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
        torch.ones(3, 4).masked_fill(torch.ones(3, 4) > 0, torch.zeros(3, 4))
