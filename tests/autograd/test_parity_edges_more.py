"""Edge cases against torch: a second backward pass after retain_graph=False, gradgradcheck of
an output that needs no grad, in-place ops on integer and bool tensors, var/std with a
correction of at least the number of elements, and numpy warnings that torch does not give."""
import warnings

import numpy as np
import pytest

import autograd
from nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
INF = float("inf")


def _same(ours, theirs):
    """Equal values (nan where torch has nan), shape and dtype."""
    t = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    o = ours.detach().numpy() if isinstance(ours, autograd.Tensor) else np.asarray(ours)
    assert o.shape == t.shape and str(o.dtype) == str(t.dtype), (o, t)
    np.testing.assert_allclose(o, t, rtol=1e-6, atol=1e-12, equal_nan=True)


def _outcome(lib, fn):
    """fn(lib)'s result, or the kind of error it raised (RuntimeError, TypeError, ...)."""
    try:
        return fn(lib)
    except NotImplementedError:
        return NotImplementedError
    except (RuntimeError, OverflowError) as e:
        return type(e) if isinstance(e, OverflowError) else RuntimeError


# ----------------------------------------------------------------- 1. retain_graph=False
@pytest.mark.parametrize("name, fn, again", [
    ("add", lambda x: (x + 1).sum(), True),
    ("neg_reshape_mean", lambda x: (-x).reshape(3, 1).mean(), True),
    ("sub_sum_twice", lambda x: (x - 2).sum() + x.sum(), True),
    ("mul_self", lambda x: (x * x).sum(), False),
    ("exp", lambda x: x.exp().sum(), False),
    ("mul_then_add", lambda x: (x * 3 + 1).sum(), False),
    ("div_scalar", lambda x: (x / 2).sum(), False),
])
def test_second_backward_runs_where_no_node_saved_tensors_as_torch(name, fn, again):
    grads = []
    for lib in (autograd, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = fn(x)
        y.backward()
        if again:
            y.backward()   # no node on the way saved a tensor: accumulates again
            grads.append(x.grad)
        else:
            with pytest.raises(RuntimeError, match="backward through the graph a second time"):
                y.backward()
    if again:
        _same(*grads)


def test_a_freed_node_below_a_reusable_one_still_raises_as_torch():
    for lib in (autograd, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x.exp()
        (h + 1).sum().backward()
        with pytest.raises(RuntimeError, match="second time"):
            h.reshape(2, 1).sum().backward()   # the reshape is new, exp's saved output is gone


def test_recorded_backward_follows_the_same_rule_as_torch():
    for lib in (autograd, torch):
        grad = lib.autograd.grad
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x + 1).sum()
        for _ in range(2):
            (g,) = grad(y, x, create_graph=True, retain_graph=False)
            np.testing.assert_array_equal(g.detach().numpy(), [1.0, 1.0])
        y = (x * x).sum()
        grad(y, x, create_graph=True, retain_graph=False)
        with pytest.raises(RuntimeError, match="second time"):
            grad(y, x, create_graph=True, retain_graph=False)


# ----------------------------------------------------------------- 2. gradgradcheck
def _torch_gradgradcheck(fn, x, **kw):
    return torch.autograd.gradgradcheck(fn, (x,), **kw)


@pytest.mark.parametrize("fn", [lambda L, x: x.detach() * 2,
                                lambda L, x: L.ones(3, dtype=L.float64),
                                lambda L, x: (x > 0).double()])
def test_gradgradcheck_of_an_output_that_needs_no_grad_as_torch(fn):
    x0 = np.array([0.5, -1.0, 2.0])
    x, tx = (autograd.tensor(x0, requires_grad=True),
             torch.tensor(x0, requires_grad=True))
    with pytest.raises(TypeError):   # no differentiable output to make grad_outputs for
        autograd.gradgradcheck(lambda a: fn(autograd, a), (x,))
    with pytest.raises(TypeError):
        _torch_gradgradcheck(lambda a: fn(torch, a), tx)
    v = np.array([1.0, 2.0, 3.0])
    assert autograd.gradgradcheck(lambda a: fn(autograd, a), (x,), (autograd.tensor(v),))
    assert _torch_gradgradcheck(lambda a: fn(torch, a), tx,
                                grad_outputs=(torch.tensor(v, requires_grad=True),))


def test_checks_ignore_outputs_that_need_no_grad_as_torch():
    x0 = np.array([0.5, -1.0, 2.0])
    x, tx = (autograd.tensor(x0, requires_grad=True),
             torch.tensor(x0, requires_grad=True))
    assert autograd.gradgradcheck(lambda a: (a * a, a.detach()), (x,))
    assert autograd.gradcheck(lambda a: (a * a, a.detach()), (x,))
    assert _torch_gradgradcheck(lambda a: (a * a, a.detach()), tx)
    assert torch.autograd.gradcheck(lambda a: (a * a, a.detach()), (tx,))
    with pytest.raises(autograd.GradcheckError, match="no output requires grad"):
        autograd.gradcheck(lambda a: a.detach() * 2, (x,))
    with pytest.raises(RuntimeError, match="expected to be zero"):   # its GradcheckError
        torch.autograd.gradcheck(lambda a: a.detach() * 2, (tx,))


# ----------------------------------------------------------------- 3. in-place edge cases
def _floor_divided(lib, rhs_grad):
    x = lib.tensor([3.5, -2.0, 7.0], requires_grad=True)
    y = lib.tensor([2.0, 3.0, 2.0], requires_grad=rhs_grad)
    z = (x * 1) if not rhs_grad else lib.tensor([3.5, -2.0, 7.0])
    z //= y
    return x, z


@pytest.mark.parametrize("rhs_grad", [False, True])
def test_floor_divide_in_place_keeps_the_graph_and_its_backward_raises_as_torch(rhs_grad):
    for lib in (autograd, torch):
        x, z = _floor_divided(lib, rhs_grad)
        np.testing.assert_array_equal(z.detach().numpy(), [1.0, -1.0, 3.0])
        assert z.requires_grad
        with pytest.raises(RuntimeError, match="derivative for .*floor_divide_? is not impl"):
            (z * 2).sum().backward()


def test_floor_divide_in_place_on_a_view_raises_in_backward_as_torch():
    for lib in (autograd, torch):
        x = lib.tensor([3.5, -2.0, 7.0], requires_grad=True)
        h = x * 1
        v = h[0:2]
        v //= 2
        np.testing.assert_array_equal(h.detach().numpy(), [1.0, -1.0, 7.0])
        with pytest.raises(RuntimeError, match="floor_divide"):
            h.sum().backward()


def _b(lib):
    return lib.tensor([True, False, True])


def _b2(lib):
    return lib.tensor([True, True, False])


def _ipow(rhs):
    def fn(lib):
        b = _b(lib)
        b **= rhs(lib)
        return b
    return fn


@pytest.mark.parametrize("fn", [
    _ipow(lambda L: 2), _ipow(lambda L: 2.0), _ipow(lambda L: True), _ipow(lambda L: False),
    _ipow(_b2), _ipow(lambda L: L.tensor(True)), _ipow(lambda L: L.tensor([1, 2, 0])),
    lambda L: _b(L).pow_(2), lambda L: _b(L).pow_(True), lambda L: _b(L).pow_(_b2(L)),
    lambda L: _b(L) ** 2, lambda L: _b(L) ** 0, lambda L: _b(L) ** 2.0, lambda L: _b(L) ** True,
    lambda L: _b(L) ** False, lambda L: _b(L) ** _b2(L), lambda L: True ** _b(L),
    lambda L: 2 ** _b(L), lambda L: _b(L).pow(L.tensor([1, 2, 0])),
])
def test_pow_on_bool_tensors_as_torch(fn):
    ours, theirs = _outcome(autograd, fn), _outcome(torch, fn)
    if isinstance(theirs, type):
        assert ours is theirs
    else:
        _same(ours, theirs)


@pytest.mark.parametrize("fn", [
    lambda L: _b(L).add(_b2(L), alpha=2), lambda L: _b(L).add(_b2(L), alpha=0),
    lambda L: _b(L).add(_b2(L), alpha=-1), lambda L: _b(L).add(_b2(L), alpha=True),
    lambda L: _b(L).add(L.tensor(True), alpha=3), lambda L: _b(L).add(True, alpha=2),
    lambda L: _b(L).add(1, alpha=2), lambda L: L.add(_b(L), _b2(L), alpha=2),
    lambda L: _b(L).add_(_b2(L), alpha=2), lambda L: L.tensor([1, 0, 2]).add(_b2(L), alpha=2),
    lambda L: L.tensor([1, 0, 2]).add(_b2(L), alpha=True),
    lambda L: _b(L).sub(_b2(L), alpha=2), lambda L: _b(L) - _b2(L), lambda L: _b(L) - 1,
    lambda L: 1 - _b(L), lambda L: _b(L) - True, lambda L: L.tensor([1.0]) - _b(L)[:1],
    lambda L: L.tensor([1, 2, 3]) - _b(L), lambda L: _b(L).sub_(_b2(L)),
    lambda L: L.tensor([1, 2, 3]).sub_(_b(L)), lambda L: L.sub(_b(L), _b2(L)),
])
def test_add_and_sub_with_bool_operands_as_torch(fn):
    ours, theirs = _outcome(autograd, fn), _outcome(torch, fn)
    if isinstance(theirs, type):
        assert ours is theirs
    else:
        _same(ours, theirs)


def _inplace(dtype, op, *args, **kw):
    def fn(lib):
        u = lib.tensor([0, 1, 200, 255] if dtype == "uint8" else [0, 1, 127, -128],
                       dtype=getattr(lib, dtype))
        getattr(u, op)(*args, **kw)
        return u
    return fn


def _setitem(lib):
    u = lib.tensor([0, 1, 200], dtype=lib.uint8)
    u[0] = -1
    return u


@pytest.mark.parametrize("fn", [
    _inplace("uint8", "__iadd__", -1), _inplace("uint8", "__isub__", 300),
    _inplace("uint8", "__imul__", -1), _inplace("uint8", "add_", 2 ** 40),
    _inplace("uint8", "add_", 2 ** 63), _inplace("uint8", "add_", -2 ** 63),
    _inplace("uint8", "add_", 2 ** 64), _inplace("uint8", "add_", 1, alpha=-1),
    _inplace("uint8", "add_", 3, alpha=100), _inplace("uint8", "sub_", 1, alpha=-255),
    _inplace("uint8", "fill_", -1), _inplace("uint8", "mul_", -2),
    _inplace("int8", "__iadd__", 1000), _inplace("int8", "add_", 1, alpha=-128),
    _setitem,
    lambda L: _inplace("uint8", "add_", L.tensor([1, 1, 1, 1], dtype=L.uint8), alpha=-1)(L),
])
def test_integer_in_place_arithmetic_wraps_around_as_torch(fn):
    ours, theirs = _outcome(autograd, fn), _outcome(torch, fn)
    if isinstance(theirs, type):
        assert ours is theirs
    else:
        _same(ours, theirs)


# ----------------------------------------------------------------- 4. var/std, correction >= n
@pytest.mark.parametrize("op", ["var", "std"])
@pytest.mark.parametrize("data, kw", [
    ([1.0, 2.0, 4.0], dict(correction=3)), ([1.0, 2.0, 4.0], dict(correction=5)),
    ([1.0, 2.0, 4.0], dict(correction=3.5)), ([1.0, 2.0, 3.0], dict(correction=4)),
    ([2.0, 2.0, 2.0], dict(correction=4)), ([5.0], {}),
    ([[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]], dict(dim=1, correction=4)),
    ([[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]], dict(dim=1, correction=3, keepdim=True)),
    ([[1.0, 2.0], [3.0, 3.0], [0.0, 5.0]], dict(dim=0, correction=4)),
    ([[1.0, 2.0], [4.0, 4.0]], dict(dim=(0, 1), correction=4)),
    ([[1.0, 2.0], [4.0, 4.0]], dict(correction=4)),
])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_var_and_std_without_degrees_of_freedom_as_torch(op, data, kw, dtype):
    res = []
    for lib in (autograd, torch):
        x = lib.tensor(data, dtype=getattr(lib, dtype), requires_grad=True)
        with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
            y = getattr(x, op)(**kw)
        g = lib.tensor(np.linspace(-1.0, 1.5, y.numel()).reshape(tuple(y.shape)),
                       dtype=getattr(lib, dtype))
        (gx,) = lib.autograd.grad(y, x, g)
        res.append((y, gx))
    _same(res[0][0], res[1][0])
    _same(res[0][1], res[1][1])


@pytest.mark.parametrize("op", ["var", "std"])
@pytest.mark.parametrize("kw", [dict(correction=4), dict(dim=1, correction=4),
                                dict(dim=0, correction=1)])
def test_recorded_var_and_std_vjps_agree_without_degrees_of_freedom(op, kw):
    x = autograd.tensor([[1.0, 2.0, 4.0], [3.0, 3.0, 0.5]], dtype=autograd.float64,
                        requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        y = getattr(x, op)(**kw)
        g = autograd.tensor(np.linspace(-1.0, 1.5, y.numel()).reshape(y.shape))
        (plain,) = autograd.autograd.grad(getattr(x, op)(**kw), x, g)
        (recorded,) = autograd.autograd.grad(y, x, g, create_graph=True)
    _same(recorded, plain.numpy())


# ----------------------------------------------------------------- 5. no numpy warnings
SQUARE = np.array([[0.0, 1.0], [1.0, 0.0]])
BIG32 = np.array([3e38, -3e38, 1e-30, 1.0], np.float32)


def _pair(a, b, dtype="float64"):
    return lambda L: (L.tensor(a, dtype=getattr(L, dtype), requires_grad=True),
                      L.tensor(b, dtype=getattr(L, dtype), requires_grad=True))


def _one(a, dtype="float64"):
    return lambda L: (L.tensor(a, dtype=getattr(L, dtype), requires_grad=True),)


QUIET = {   # name: (make the inputs, fn(lib, *inputs))
    "pow_tensor": (_pair([0.0, -1.0, 1e200, 2.0], [-1.0, 0.5, 2.0, 3.0]),
                   lambda L, a, b: a ** b),
    "pow_scalar_overflow": (_one([1e200, -1e200, 2.0]), lambda L, a: a ** 3),
    "remainder_quotient_overflow": (_pair([1e300, 5.0], [1e-300, 3.0]),
                                    lambda L, a, b: L.remainder(a, b)),
    "fmod_quotient_overflow": (_pair([1e300, 5.0], [1e-300, 3.0]), lambda L, a, b: L.fmod(a, b)),
    "prod_inf_zero": (_one([INF, 0.0, 2.0]), lambda L, a: a.prod()),
    "prod_dim_inf_zero": (_one([[INF, 0.0], [1.0, 2.0]]), lambda L, a: a.prod(dim=1)),
    "cumprod_inf_zero": (_one([INF, 0.0, 2.0]), lambda L, a: a.cumprod(0).detach()),
    "cumsum_inf_minus_inf": (_one([INF, -INF, 2.0]), lambda L, a: a.cumsum(0)),
    "mean_empty": (_one(np.zeros((0, 3))), lambda L, a: a.mean()),
    "mean_empty_dim": (_one(np.zeros((0, 3))), lambda L, a: a.mean(0)),
    "mean_overflow_f32": (_one(BIG32[:1].repeat(4), "float32"), lambda L, a: a.mean()),
    "sinc_f32_overflow": (_one(BIG32, "float32"), lambda L, a: L.sinc(a)),
    "hypot_f32_overflow": (_pair(BIG32, BIG32, "float32"), lambda L, a, b: L.hypot(a, b)),
    "floor_divide_f32_overflow": (_pair(BIG32, [1e-30, 1e-30, 3e38, 2.0], "float32"),
                                  lambda L, a, b: L.floor_divide(a, b).detach()),
    "bce_with_logits_inf": (_pair([INF, -INF, 1.0, INF], [0.0, 1.0, 0.5, 1.0]),
                            lambda L, a, b: TF.binary_cross_entropy_with_logits(a, b)
                            if L is torch else F.binary_cross_entropy_with_logits(a, b)),
    "logsumexp_f32_wide": (_one([[3e38, -3e38]], "float32"), lambda L, a: a.logsumexp(1)),
    "std_f32_huge": (_one([3e38, -3e38, 0.0], "float32"), lambda L, a: a.std()),
    "eigh_repeated": (_one(np.eye(3)),
                      lambda L, a: sum(o.sum() for o in L.linalg.eigh(a))),
    "svd_repeated": (_one(-np.eye(2)), lambda L, a: sum(
        o.sum() for o in L.linalg.svd(a, full_matrices=False))),
    "svd_zero": (_one(np.zeros((2, 2))), lambda L, a: sum(
        o.sum() for o in L.linalg.svd(a, full_matrices=False))),
    "det_overflow": (_one([[1e300, 1e300], [1e300, -1e300]]),
                     lambda L, a: L.linalg.det(a).detach()),
    "eigh_of_a_symmetric_pair": (_one(SQUARE), lambda L, a: L.linalg.eigh(a)[0].sum()),
}


@pytest.mark.parametrize("name", QUIET)
def test_no_numpy_warning_where_torch_is_silent_and_the_values_agree(name):
    make, fn = QUIET[name]
    res = []
    for lib in (autograd, torch):
        xs = make(lib)
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            y = fn(lib, *xs)
            grads = []
            if y.requires_grad:
                gs = lib.autograd.grad(y, xs, lib.ones_like(y), allow_unused=True)
                grads = [g for g in gs if g is not None]
        res.append((y, grads))
    _same(res[0][0], res[1][0])
    assert len(res[0][1]) == len(res[1][1])
    for g, tg in zip(res[0][1], res[1][1]):
        _same(g, tg)


def test_allclose_is_silent_on_overflowing_differences_as_torch():
    a, b = BIG32, -BIG32
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        ours = autograd.allclose(autograd.tensor(a), autograd.tensor(b))
    assert ours == torch.allclose(torch.tensor(a), torch.tensor(b))
