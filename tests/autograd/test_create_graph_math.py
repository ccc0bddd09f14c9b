"""create_graph=True for the index, einsum/triangle, inverse-trig/hyperbolic, special-function
and fold ops: first and second derivatives against torch, the recorded first derivative
against the ordinary backward, and gradgradcheck in float64."""
import numpy as np
import pytest

import autograd
from tests.helpers import first_and_second_gradients

torch = pytest.importorskip("torch")


class _Ours:
    """autograd's names as the cases spell torch's (L.einsum, L.nn.functional.unfold, ...)."""

    def __getattr__(self, name):
        if name == "nn":
            import nn
            return nn
        return getattr(autograd, name)


OURS = _Ours()


def ix(L, rows):
    """An int64 index tensor of the library L."""
    return L.tensor(np.array(rows, np.int64))


def F(L):
    return L.nn.functional


# (name, fn(L, *inputs), input shapes): the same expression in both libraries, on inputs drawn
# in (0.5, 1.5); each wraps the op in something nonlinear, so that its recorded VJP is
# differentiated again
CASES = [
    # arithmetic.py: lerp with a broadcast tensor weight; pow whose base is broadcast
    ("lerp", lambda L, x, y, w: L.lerp(x, y ** 2, w).exp(), [(3, 4), (3, 4), (4,)]),
    ("pow_broadcast_base", lambda L, x, y: (x ** y).sin(), [(1, 3), (2, 1)]),
    # index.py
    ("gather", lambda L, x, y: (x.gather(1, ix(L, [[0, 2, 0], [1, 1, 3], [3, 0, 2]])) ** 3 * y),
     [(3, 4), (3, 3)]),
    ("gather_corner", lambda L, x: x.gather(0, ix(L, [[2, 0], [2, 2]])).exp(), [(3, 4)]),
    ("scatter", lambda L, x, y: x.scatter(1, ix(L, [[0, 2], [3, 1], [1, 0]]), y.exp()) ** 2,
     [(3, 4), (3, 2)]),
    ("scatter_value", lambda L, x: x.scatter(1, ix(L, [[0], [3], [2]]), value=2.0).sin(),
     [(3, 4)]),
    ("scatter_add", lambda L, x, y: x.scatter_add(0, ix(L, [[0, 2, 0, 1], [0, 0, 2, 1]]),
                                                  y ** 2).log(), [(3, 4), (2, 4)]),
    ("flip", lambda L, x, y: (x.flip(1) * y).sin() + x.flip((0, 1)) ** 2, [(3, 4), (4,)]),
    ("roll", lambda L, x: x.roll((1, -1), (0, 1)).exp() * x + x.roll(2) ** 3, [(3, 4)]),
    ("repeat", lambda L, x, y: (x.repeat(2, 1, 3) ** 2) * y, [(2, 3), (9,)]),
    # index_reduce.py
    ("index_put_add", lambda L, x, y: x.index_put((ix(L, [0, 2, 0]),), y.exp(),
                                                  accumulate=True) ** 2, [(3, 4), (4,)]),
    ("scatter_reduce_sum", lambda L, x, y: x.scatter_reduce(0, ix(L, [[0, 2, 0], [2, 2, 1]]),
                                                            y.exp(), "sum") ** 2,
     [(3, 3), (2, 3)]),
    ("scatter_reduce_mean_excl", lambda L, x, y: x.scatter_reduce(
        1, ix(L, [[0, 0], [2, 1], [1, 1]]), y ** 2, "mean", include_self=False).exp(),
     [(3, 3), (3, 2)]),
    ("scatter_reduce_prod", lambda L, x, y: x.scatter_reduce(
        0, ix(L, [[0, 2, 0], [0, 2, 1], [1, 1, 1]]), y, "prod") ** 2, [(3, 3), (3, 3)]),
    ("scatter_reduce_prod_excl", lambda L, x, y: x.scatter_reduce(
        0, ix(L, [[0, 2, 0], [0, 2, 1]]), y.sin(), "prod", include_self=False).exp(),
     [(3, 3), (2, 3)]),
    ("scatter_reduce_amax", lambda L, x, y: x.scatter_reduce(
        1, ix(L, [[0, 0], [2, 1], [1, 1]]), y * 1.3, "amax") ** 3, [(3, 3), (3, 2)]),
    ("scatter_reduce_amin_excl", lambda L, x, y: x.scatter_reduce(
        1, ix(L, [[0, 0], [2, 1], [1, 1]]), y, "amin", include_self=False).exp(),
     [(3, 3), (3, 2)]),
    # matrix.py
    ("tril_triu", lambda L, x, y: (x.tril(-1) * y).exp() + x.triu(1) ** 3, [(2, 3, 3), (3,)]),
    ("einsum_matmul", lambda L, x, y: L.einsum("ij,jk->ik", x, y).sin(), [(3, 4), (4, 2)]),
    ("einsum_batched_3", lambda L, x, y: L.einsum("bij,bjk,bk->bi", x, y, y[:, 0] ** 2).exp(),
     [(2, 3, 2), (2, 2, 2)]),
    ("einsum_ellipsis", lambda L, x, y: L.einsum("...ij,j->...i", x, y) ** 3,
     [(2, 3, 4), (4,)]),
    ("einsum_diag_trace", lambda L, x, y: L.einsum("ii,i->i", x, y) ** 2
     + L.einsum("ii->", x * x), [(3, 3), (3,)]),
    ("einsum_repeat_three", lambda L, x: L.einsum("iij,iki->jk", x, x) ** 2, [(2, 2, 2)]),
    ("einsum_own_label", lambda L, x, y: L.einsum("ij,k->i", x ** 2, y).exp(),
     [(2, 3), (4,)]),
    ("einsum_outer_scalar", lambda L, x, y: L.einsum("i,j->", x, y) ** 2
     + L.einsum("i,i", x, y) ** 3, [(3,), (3,)]),
    ("diagonal", lambda L, x, y: (x.diagonal(1, 0, 1).exp() * y).sum(0)
     + (x.diagonal(-1, 2, 0) ** 2).sum(), [(3, 4, 3), (3, 3)]),
    # unary_more.py
    ("asin_acos", lambda L, x, y: (x * 0.5).asin() * (y * 0.6).acos(), [(5,), (5,)]),
    ("atan_atan2", lambda L, x, y: x.atan() ** 2 + x.atan2(y - 1) * y, [(5,), (5,)]),
    ("sinh_cosh", lambda L, x, y: x.sinh() * y.cosh(), [(5,), (5,)]),
    ("asinh_acosh_atanh", lambda L, x, y: x.asinh() * (y + 1).acosh() + (x * 0.5).atanh() ** 2,
     [(5,), (5,)]),
    ("log2_log10_exp2", lambda L, x, y: x.log2() * y.log10() + (x * y).exp2(), [(5,), (5,)]),
    # special.py
    ("erf_erfc", lambda L, x, y: x.erf() * (y - 1).erfc() + (x - 1).erf() ** 2, [(5,), (5,)]),
    ("erfinv", lambda L, x, y: (x * 0.5).erfinv() * y + ((y - 1) * 0.9).erfinv() ** 2,
     [(5,), (5,)]),
    ("lgamma_digamma", lambda L, x, y: x.lgamma() * y + (x + y).digamma() ** 2, [(5,), (5,)]),
    ("polygamma", lambda L, x, y: x.polygamma(1) * y + y.polygamma(2), [(5,), (5,)]),
    ("i0", lambda L, x, y: (x - 1).i0() * y + (y * 2).i0() ** 2, [(5,), (5,)]),
    ("sinc", lambda L, x, y: x.sinc() * y + (x * 0.3).sinc() ** 2, [(5,), (5,)]),
    ("xlogy", lambda L, x, y: x.xlogy(y) ** 2 + L.special.xlog1py(x, y - 1) * y, [(5,), (5,)]),
    ("logaddexp", lambda L, x, y: L.logaddexp(x, y * 2) ** 2 + L.logaddexp2(x * y, y) * x,
     [(3, 4), (4,)]),
    ("hypot", lambda L, x, y: L.hypot(x - 1, y) ** 3 + L.hypot(x, y).log(), [(5,), (5,)]),
    ("copysign", lambda L, x, y: x.copysign(y - 1) ** 3 * y, [(6,), (6,)]),
    ("fmax_fmin", lambda L, x, y: L.fmax(x, y) ** 2 + L.fmin(x, y).exp(), [(6,), (6,)]),
    ("nextafter", lambda L, x, y: L.nextafter(x, y) ** 2 * y, [(4,), (4,)]),
    ("logcumsumexp", lambda L, x, y: (x * y).logcumsumexp(1) ** 2, [(3, 4), (4,)]),
    ("logcumsumexp_zero_grads", lambda L, x: x.logcumsumexp(0)[:2] ** 2, [(4, 3)]),
    ("logit", lambda L, x, y: (x * 0.5).logit() * y + (x - 0.5).logit(eps=0.1) ** 2,
     [(6,), (6,)]),
    # fold.py
    ("unfold_fold", lambda L, x: F(L).fold(F(L).unfold(x.sin(), 2, padding=1) ** 2, (3, 3), 2,
                                           padding=1), [(1, 2, 3, 3)]),
    ("max_unpool", lambda L, x, y: F(L).max_unpool2d(
        y.exp(), F(L).max_pool2d(x.detach(), 2, return_indices=True)[1], 2) ** 2 * x,
     [(1, 2, 4, 4), (1, 2, 2, 2)]),
    ("conv3d_windows", lambda L, x, w: F(L).conv3d(x ** 2, w, padding=1).tanh(),
     [(1, 1, 2, 3, 3), (2, 1, 2, 2, 2)]),
]

def _inputs(shapes, seed):
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.5, 1.5, s) for s in shapes]


def _compare_with_torch(fn, arrays, rtol=1e-10, atol=1e-12):
    ours = [autograd.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = fn(OURS, *ours), fn(torch, *theirs)
    rng = np.random.default_rng(2)
    v = rng.standard_normal(tuple(tout.shape))
    g = autograd.grad(out, ours, autograd.tensor(v), create_graph=True)
    tg = torch.autograd.grad(tout, theirs, torch.tensor(v), create_graph=True)
    plain = autograd.grad(fn(OURS, *ours), ours, autograd.tensor(v))
    for a, b, c in zip(g, tg, plain):
        assert a.requires_grad == b.requires_grad
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=rtol, atol=atol)
        np.testing.assert_allclose(a.numpy(), c.numpy(), rtol=1e-12, atol=1e-14)
    # a second-order quantity mixing every gradient: sum_i <w_i, g_i^2> + <g_0, x_0>
    ws = [rng.standard_normal(a.shape) for a in arrays]
    second = (sum((a ** 2 * autograd.tensor(w)).sum() for a, w in zip(g, ws))
              + (g[0] * ours[0]).sum())
    tsecond = (sum((b ** 2 * torch.tensor(w)).sum() for b, w in zip(tg, ws))
               + (tg[0] * theirs[0]).sum())
    second.backward()
    tsecond.backward()
    for a, b in zip(ours, theirs):
        assert (a.grad is None) == (b.grad is None)
        if a.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol * 10,
                                       atol=atol * 10)


@pytest.mark.parametrize("name,fn,shapes", CASES, ids=[c[0] for c in CASES])
def test_first_and_second_derivatives_match_torch(name, fn, shapes):
    _compare_with_torch(fn, _inputs(shapes, 1))


@pytest.mark.parametrize("name,fn,shapes", CASES, ids=[c[0] for c in CASES])
def test_gradgradcheck(name, fn, shapes):
    xs = [autograd.tensor(a, requires_grad=True) for a in _inputs(shapes, 3)]
    assert autograd.gradgradcheck(lambda *a: fn(OURS, *a), xs, atol=1e-6, rtol=1e-4)


# Options torch's own double backward gets wrong or lacks (a scatter's src larger than its
# index: torch returns the corner's shape), einsum's size-1 labels, 3-D pooling windows:
# checked against finite differences only
OURS_ONLY = [
    ("scatter_src_corner", lambda L, x, y: x.scatter(1, ix(L, [[0, 2], [3, 1]]), y.exp()) ** 2,
     [(3, 4), (3, 3)]),
    ("scatter_add_src_corner", lambda L, x, y: x.scatter_add(
        0, ix(L, [[0, 2, 0], [0, 0, 2]]), y ** 2).log(), [(3, 4), (3, 4)]),
    ("scatter_reduce_prod_src_corner", lambda L, x, y: x.scatter_reduce(
        0, ix(L, [[0, 2], [0, 2]]), y, "prod", include_self=False) ** 2, [(3, 3), (3, 4)]),
    ("scatter_reduce_amax_src_corner", lambda L, x, y: x.scatter_reduce(
        1, ix(L, [[0, 0], [2, 1]]), y * 1.3, "amax") ** 3, [(3, 3), (3, 4)]),
    ("scatter_reduce_mean_src_corner", lambda L, x, y: x.scatter_reduce(
        1, ix(L, [[0, 0], [2, 1]]), y, "mean").exp(), [(3, 3), (2, 3)]),
    ("einsum_size_one_label", lambda L, x, y: L.einsum("ij,jk->ik", x, y).sin(),
     [(3, 1), (4, 2)]),
    ("einsum_size_one_label_other", lambda L, x, y: L.einsum("ij,jk->ik", x, y).sin(),
     [(3, 4), (1, 2)]),
    ("repeat_zero", lambda L, x: (x.repeat(2, 0) ** 2).sum() + x.repeat(1, 2).exp(), [(2, 3)]),
    ("max_pool3d_windows", lambda L, x: F(L).avg_pool3d(x ** 3, 2, stride=1, padding=1).exp(),
     [(1, 1, 3, 3, 3)]),
]


@pytest.mark.parametrize("name,fn,shapes", OURS_ONLY, ids=[c[0] for c in OURS_ONLY])
def test_gradgradcheck_options_torch_does_not_check(name, fn, shapes):
    xs = [autograd.tensor(a, requires_grad=True) for a in _inputs(shapes, 3)]
    assert autograd.gradgradcheck(lambda *a: fn(OURS, *a), xs, atol=1e-6, rtol=1e-4)


# Third derivatives: the recorded VJPs are built of ops (ScatterAdd for gather, an einsum with
# constant operands, DiagonalIntoZeros, I1, WindowsSum, ...) whose own recorded VJPs now run
THIRD = ["gather", "scatter_add", "repeat", "index_put_add", "scatter_reduce_prod",
         "scatter_reduce_amax", "einsum_diag_trace", "einsum_repeat_three", "einsum_own_label",
         "diagonal", "asin_acos", "erfinv", "lgamma_digamma", "i0", "sinc", "xlogy",
         "logaddexp", "logcumsumexp", "logit", "unfold_fold", "max_unpool", "conv3d_windows"]


def _first_derivative(fn, n):
    """(inputs) -> the first derivatives of <fn(inputs), v>, recorded."""
    def first(*xs):
        out = fn(OURS, *xs)
        v = autograd.tensor(np.random.default_rng(5).standard_normal(out.shape))
        return autograd.grad(out, xs[:n], v, create_graph=True)
    return first


@pytest.mark.parametrize("name", THIRD)
def test_third_derivatives_gradgradcheck(name):
    (fn, shapes), = [c[1:] for c in CASES if c[0] == name]
    xs = [autograd.tensor(a, requires_grad=True) for a in _inputs(shapes, 4)]
    assert autograd.gradgradcheck(_first_derivative(fn, len(xs)), xs, atol=1e-5, rtol=1e-3)


# (not logcumsumexp: torch's third derivative of it is nan; ours passes gradgradcheck above)
@pytest.mark.parametrize("name", ["gather", "einsum_diag_trace", "diagonal", "i0", "xlogy",
                                  "scatter_reduce_prod", "unfold_fold"])
def test_third_derivatives_match_torch(name):
    (fn, shapes), = [c[1:] for c in CASES if c[0] == name]
    arrays = _inputs(shapes, 6)
    rng = np.random.default_rng(7)
    results = []
    for lib, grad, L in ((autograd, autograd.grad, OURS), (torch, torch.autograd.grad, torch)):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(L, *xs)
        g1 = grad(out, xs, lib.tensor(rng.standard_normal(tuple(out.shape))),
                  create_graph=True)
        w = [lib.tensor(rng.standard_normal(a.shape)) for a in arrays]
        g2 = grad(sum(((a * b) ** 2).sum() for a, b in zip(g1, w)), xs, create_graph=True)
        g3 = grad(sum((a * b).sum() for a, b in zip(g2, w)), xs, allow_unused=True)
        results.append([None if t is None else t.detach().numpy() for t in g3])
        rng = np.random.default_rng(7)
    for a, b in zip(*results):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


# ------------------------------------------------------------------------- edges and refusals
def _second(lib, fn, arrays, v=None):
    """(first derivatives, second-order .grads) of fn's output, in lib."""
    grad = autograd.grad if lib is autograd else torch.autograd.grad
    xs = [lib.tensor(np.array(a, np.float64), requires_grad=True) for a in arrays]
    out = fn(OURS if lib is autograd else torch, *xs)
    g = grad(out.sum(), xs, create_graph=True)
    sum((t ** 2).sum() for t in g if t.requires_grad).backward()
    return ([t.detach().numpy() for t in g],
            [None if x.grad is None else x.grad.numpy() for x in xs])


def _same_as_torch(fn, arrays, rtol=1e-10, atol=1e-12):
    ours, theirs = _second(autograd, fn, arrays), _second(torch, fn, arrays)
    for a, b in zip(ours[0] + ours[1], theirs[0] + theirs[1]):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def test_scatter_reduce_prod_with_a_single_zero_matches_torch():
    fn = lambda L, x, s: x.scatter_reduce(0, ix(L, [0, 0, 1, 1]), s, "prod") ** 2  # noqa: E731
    _same_as_torch(fn, [[2.0, 0.0], [0.0, 4.0, 5.0, 3.0]])


def test_scatter_reduce_prod_refuses_two_zeros_of_src_on_one_element():
    x = autograd.tensor([2.0, 3.0], dtype=autograd.float64, requires_grad=True)
    s = autograd.tensor([0.0, 0.0, 5.0], dtype=autograd.float64, requires_grad=True)
    y = x.scatter_reduce(0, autograd.tensor([0, 0, 1]), s, "prod")
    with pytest.raises(RuntimeError, match="ScatterReduce: create_graph=True with "
                                           "reduce='prod' is not supported"):
        autograd.grad(y.sum(), [x, s], create_graph=True)
    # x alone: its recorded gradient is right, so nothing is refused
    s2 = s.detach()
    (gx,) = autograd.grad((x.scatter_reduce(0, autograd.tensor([0, 0, 1]), s2, "prod") ** 2)
                          .sum(), x, create_graph=True)
    (hx,) = autograd.grad(gx.sum(), x)
    np.testing.assert_allclose(hx.numpy(), [0.0, 50.0])


def test_sinc_near_zero_uses_the_series_on_both_orders():
    fn = lambda L, x: (x * 0.05).sinc() ** 2 + (x * 0.01).sinc()  # noqa: E731
    # torch's formula cancels for small pi x (its second derivative is off by ~1e-9 there)
    _same_as_torch(fn, [[0.5, 0.9, 1.3, 1.6, 2.5]], rtol=1e-6, atol=1e-8)
    x = autograd.tensor(np.array([0.0, 0.02, -0.03, 0.5, 1.0]), requires_grad=True)
    assert autograd.gradgradcheck(lambda a: a.sinc(), (x,), atol=1e-6, rtol=1e-4)
    (g,) = autograd.grad(x.sinc().sum(), x, create_graph=True)
    (h,) = autograd.grad(g.sum(), x)
    # sinc''(0) = -pi^2 / 3, where torch's second derivative is nan (0/0 behind its mask)
    np.testing.assert_allclose(h.numpy()[0], -np.pi ** 2 / 3, rtol=1e-12)


def test_i0_second_and_third_derivatives_at_zero():
    _same_as_torch(lambda L, x: x.i0() * x, [[0.0, 1e-20, -0.7, 2.0]])
    x = autograd.tensor([0.0], dtype=autograd.float64, requires_grad=True)
    (g,) = autograd.grad(x.i0().sum(), x, create_graph=True)      # I1(0) = 0
    (h,) = autograd.grad(g.sum(), x, create_graph=True)           # I1'(0) = 1/2
    (k,) = autograd.grad(h.sum(), x)                              # I1''(0) = 0
    np.testing.assert_allclose([g.item(), h.item(), k.item()], [0.0, 0.5, 0.0])


def test_xlogy_at_x_zero_matches_torch():
    fn = lambda L, x, y: x.xlogy(y) * x + L.special.xlog1py(x, y - 1) ** 2  # noqa: E731
    _same_as_torch(fn, [[0.0, 0.0, 0.5, 2.0], [0.5, 2.0, 0.7, 1.5]])


def test_atan2_at_the_origin_and_logit_outside_eps():
    _same_as_torch(lambda L, x, y: x.atan2(y) * (x + y) + x.atan2(y) ** 2,
                   [[1.0, -0.5], [0.5, 2.0]])
    # at the origin the first derivative is 0, as torch's; the second is 0 too, where torch's
    # is nan (its 1 / r is inf there)
    x = autograd.tensor([0.0, 1.0], dtype=autograd.float64, requires_grad=True)
    y = autograd.tensor([0.0, 0.5], dtype=autograd.float64, requires_grad=True)
    gx, gy = autograd.grad(x.atan2(y).sum(), [x, y], create_graph=True)
    np.testing.assert_allclose(np.stack([gx.numpy(), gy.numpy()]), [[0.0, 0.4], [0.0, -0.8]])
    hx, hy = autograd.grad(gx.sum(), [x, y])
    np.testing.assert_allclose(np.stack([hx.numpy(), hy.numpy()]), [[0.0, -0.64], [0.0, 0.48]])
    _same_as_torch(lambda L, x: x.logit(eps=0.2) ** 2 * x, [[0.05, 0.1, 0.5, 0.7, 0.95]])
    # at x = 0, outside [eps, 1 - eps], the gradient is 0 on both orders (torch's second is
    # nan: 0 / 0 behind its mask)
    x = autograd.tensor([0.0, 0.5], dtype=autograd.float64, requires_grad=True)
    (g,) = autograd.grad((x.logit(eps=0.2) ** 2).sum(), x, create_graph=True)
    (h,) = autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), [0.0, 32.0])   # 2 / (x (1 - x))^2 at 1/2


def test_division_and_reciprocal_at_zero_inf_and_tiny_divisors_match_torch():
    # db = -g (a / b) / b, PyTorch's order: b * b underflows at 1e-200 (the gradient was -inf
    # where torch's is -1e100), and its second derivative was nan at b = 0 and b = inf.
    # reciprocal(b) * a only at b = 0, inf, -0: at 1e-200 torch's -g y^2 overflows to -inf
    # where ours (-1e100) is the true value
    cases = [(lambda x, y: x / y, [1.0, 2.0, 1e-300, 1.0], [0.0, float("inf"), 1e-200, -0.0]),
             (lambda x, y: y.reciprocal() * x, [1.0, 2.0, 3.0], [0.0, float("inf"), -0.0])]
    for fn, a, b in cases:
        ours = [autograd.tensor(v, dtype=autograd.float64, requires_grad=True) for v in (a, b)]
        theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (a, b)]
        g = autograd.grad(fn(*ours).sum(), ours, create_graph=True)
        tg = torch.autograd.grad(fn(*theirs).sum(), theirs, create_graph=True)
        for k in range(2):
            np.testing.assert_array_equal(g[k].numpy(), tg[k].detach().numpy())
            h = autograd.grad(g[k].sum(), ours, retain_graph=True, allow_unused=True)
            th = torch.autograd.grad(tg[k].sum(), theirs, retain_graph=True, allow_unused=True)
            for a_, b_ in zip(h, th):
                if a_ is None or b_ is None:   # d(g / b)/da: unused in both
                    assert a_ is None and b_ is None
                else:
                    np.testing.assert_array_equal(a_.numpy(), b_.numpy())


def test_atan2_mixed_second_derivative_keeps_its_sign_in_float32():
    # (x^2 + y^2)^2 overflows float32 here: d2/dy dx = (y^2 - x^2) / r^2 ~ -1 / x^2 = -1e-20
    y = autograd.tensor(np.float32([1e-15]), requires_grad=True)
    x = autograd.tensor(np.float32([1e10]), requires_grad=True)
    (gy,) = autograd.grad(y.atan2(x).sum(), y, create_graph=True)
    (hx,) = autograd.grad(gy.sum(), x)
    np.testing.assert_allclose(hx.numpy(), [-1e-20], rtol=1e-4)


def test_logaddexp_second_derivative_stays_finite_far_apart():
    x = autograd.tensor([800.0, -800.0, 0.0], dtype=autograd.float64, requires_grad=True)
    y = autograd.tensor([0.0, 0.0, 0.0], dtype=autograd.float64, requires_grad=True)
    gx, gy = autograd.grad(autograd.logaddexp(x, y).sum(), [x, y], create_graph=True)
    hx, hy = autograd.grad(gx.sum(), [x, y])
    np.testing.assert_allclose(gx.numpy(), [1.0, 0.0, 0.5])
    np.testing.assert_allclose(hx.numpy(), [0.0, 0.0, 0.25])
    np.testing.assert_allclose(hy.numpy(), [0.0, 0.0, -0.25])


def test_recorded_gradients_keep_float32():
    x = autograd.tensor(np.array([0.3, 0.6], np.float32), requires_grad=True)
    for fn in (lambda a: a.asin(), lambda a: a.erf(), lambda a: a.sinc(),
               lambda a: autograd.logaddexp(a, a * 2), lambda a: autograd.hypot(a, a + 1),
               lambda a: autograd.einsum("i,j->ij", a, a).tril(), lambda a: a.lgamma()):
        (g,) = autograd.grad(fn(x).sum(), x, create_graph=True)
        (h,) = autograd.grad(g.sum(), x)
        assert g.dtype == h.dtype == autograd.float32


def test_ops_with_no_or_zero_derivative_under_create_graph():
    x = autograd.tensor([0.5, -1.0, 0.0], requires_grad=True)
    y = autograd.tensor([1.0, 1.0, 1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="heaviside: the derivative is not implemented"):
        autograd.grad(autograd.heaviside(x, y).sum(), x, create_graph=True)
    (g,) = autograd.grad((autograd.div(x, y, rounding_mode="floor") + x ** 2).sum(), x,
                         create_graph=True)
    np.testing.assert_allclose(g.numpy(), 2 * x.numpy())
    (h,) = autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), [2.0, 2.0, 2.0])
    p = autograd.tensor([0.2, 0.7], requires_grad=True)
    (gp,) = autograd.grad((autograd.bernoulli(p) + p ** 2).sum(), p, create_graph=True)
    np.testing.assert_allclose(gp.numpy(), 2 * p.numpy())


def test_lerp_takes_torchs_formula_above_one_half():
    # end - (end - start) (1 - w) for w >= 0.5: exact at w = 1, inf (not nan) from an
    # infinite start at 0.5, and quantile's interpolation between -inf and a number
    for start, end, w, dtype in [(1e16, 1.0, 1.0, np.float64), (1e8, 3.0, 0.9, np.float32),
                                 (np.inf, 0.0, 0.5, np.float64), (1.0, 2.0, 0.3, np.float32)]:
        ours = autograd.lerp(autograd.tensor(dtype(start)), autograd.tensor(dtype(end)), w)
        ref = torch.lerp(torch.tensor(dtype(start)), torch.tensor(dtype(end)), w)
        assert ours.item() == ref.item()
    x = np.array([-np.inf, 1.0])
    assert autograd.quantile(autograd.tensor(x), 0.5).item() == -np.inf
    with pytest.raises(RuntimeError, match="lerp: expected a weight of dtype torch.float32"):
        autograd.lerp(autograd.ones(2), autograd.zeros(2),
                      autograd.tensor(np.full(2, 0.5)))


_DIVIDEND = np.array([3.0, -4.0, 1.0, 2.5, -0.5, 7.0, 1.0])


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")   # 0 / 0, as torch's NaN
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("fn", [
    lambda L, x: L.copysign(x, L.tensor([0.7, 0.7, -1.3, 2.0, 1.0, -1.0, -0.0], dtype=x.dtype)),
    lambda L, x: L.copysign(x, -2.0),
    lambda L, x: L.fmod(L.tensor(_DIVIDEND, dtype=x.dtype), x),
    lambda L, x: L.remainder(L.tensor(_DIVIDEND, dtype=x.dtype), x),
    lambda L, x: L.fmod(x, 1.5), lambda L, x: x % 1.5])
def test_recorded_gradients_of_copysign_fmod_remainder_as_torchs(fn, dtype):
    """copysign's dx = g * (y / x, 0 at x = 0) is linked to x (its derivative 0, NaN at 0, at
    +-inf and at NaN: torch's formula as it stands), fmod's and remainder's d divisor to both
    inputs through the rounded quotient; their d dividend is g alone, unlinked."""
    x = np.array([1.5, -2.5, 0.0, -0.0, np.nan, np.inf, 3.3])
    ours = first_and_second_gradients(autograd, lambda t: fn(autograd, t), x, dtype)
    theirs = first_and_second_gradients(torch, lambda t: fn(torch, t), x, dtype)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    assert ours[1] == theirs[1]
    if ours[1]:   # float32: torch's copysign gives 3e-8 noise where the value is 0
        np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6, atol=1e-7)
