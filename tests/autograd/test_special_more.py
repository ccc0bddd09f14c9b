"""special.ndtr, log_ndtr, ndtri, erfcx, entr, exp2, i0e, i1, i1e and angle against torch:
float64 values and the gradients of a random cotangent on grids with the domain edges, large
magnitudes, +-0, +-inf and nan; float32 results (the float64 result rounded, and torch's to
its own float32 accuracy); dtypes; finite differences and second derivatives in float64; the
kernels under NUMBA_DISABLE_JIT=1. Then the functions torch gives no derivative
(modified_bessel_i0/i1, spherical_bessel_j0) and the binary ones (zeta, gammainc, gammaincc:
differentiable in their second argument only)."""
import os
import subprocess
import sys

import numpy as np
import pytest

import autograd
from autograd.kernels import incomplete_gamma as G
from autograd.kernels import normal as N
from autograd.kernels.bessel_jy import bessel_jy
from autograd.kernels.bessel_k import bessel_k
from autograd.kernels import special as K
from tests.helpers import assert_gradcheck, check_against_torch

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)
INF, NAN = float("inf"), float("nan")
EDGES = np.array([-INF, -1e300, -40.0, -38.5, -27.0, -26.6, -26.0, -9.5, -5.0, -1.0, -0.5, -0.0,
                  0.0, 1e-300, 1e-8, 0.5, 1.0, 5.0, 25.9, 26.0, 26.1, 30.0, 40.0, 800.0, 1e9,
                  1e10, 1e300, INF, NAN])
WIDE = np.concatenate([RNG.uniform(-40, 40, 300), 10.0 ** RNG.uniform(-20, 300, 60),
                       -10.0 ** RNG.uniform(-20, 300, 60), EDGES])
PROB = np.concatenate([RNG.uniform(0, 1, 300), 10.0 ** RNG.uniform(-323, 0, 100),
                       1 - 10.0 ** RNG.uniform(-16, 0, 100), 0.5 + RNG.uniform(-1e-9, 1e-9, 10),
                       [5e-324, 0.0, 0.25, 0.5, 0.75, 1.0, -0.0, -1e-300, 1.5, -INF, INF, NAN]])


def special(name):
    return lambda L, x: getattr(L.special, name)(x)


UNARY = {   # name: (fn(lib, x), inputs, float64 rtol, atol, a range for finite differences)
    # torch's ndtr is (1 + erf(x / sqrt 2)) / 2, which loses the left tail (0 below -8.3);
    # ours is erfc(-x / sqrt 2) / 2: compared where torch's is accurate, the tail below
    "ndtr": (special("ndtr"), WIDE[~(WIDE < -1)], 1e-13, 1e-300, (-4, 4)),
    "log_ndtr": (special("log_ndtr"), WIDE, 1e-13, 1e-300, (-30, 5)),
    # ndtri's gradient exp(y^2 / 2) turns y's last-ulp differences into ~y^2 ulp
    "ndtri": (special("ndtri"), PROB, 1e-12, 1e-300, (0.01, 0.99)),
    # torch's erfcx rounds x^2 below 0 (up to ~x^2 ulp, 8e-14); its gradient cancels for large x
    "erfcx": (special("erfcx"), WIDE, 1e-13, 1e-15, (-5, 30)),
    "entr": (special("entr"), WIDE, 1e-14, 1e-300, (0.05, 5)),
    "exp2": (special("exp2"), WIDE, 1e-15, 1e-300, (-5, 5)),
    # i0e's and i1e's gradients cancel for large |x| (i1e - i0e ~ -i0e / 2x), hence the atol
    "i0e": (special("i0e"), WIDE, 1e-13, 1e-20, (-40, 40)),
    "i1": (special("i1"), WIDE, 1e-13, 1e-300, (-10, 10)),
    "i1e": (special("i1e"), WIDE, 1e-13, 1e-20, (-40, 40)),
    "angle": (lambda L, x: L.angle(x), WIDE, 0, 0, None),
    "angle_method": (lambda L, x: x.angle(), EDGES, 0, 0, None),
}
TWICE = ["ndtr", "log_ndtr", "ndtri", "erfcx", "entr", "exp2", "i0e", "i1", "i1e"]


def both(fn):
    return (lambda *xs: fn(autograd, *xs)), (lambda *xs: fn(torch, *xs))


@pytest.mark.parametrize("name", UNARY)
def test_float64_values_and_gradients_against_torch(name):
    fn, x, rtol, atol, _ = UNARY[name]
    check_against_torch(*both(fn), x, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", TWICE)
def test_first_and_second_derivatives_match_finite_differences(name):
    fn, _, _, _, safe = UNARY[name]
    x = RNG.uniform(*safe, 6)
    assert_gradcheck(both(fn)[0], x)
    assert autograd.gradgradcheck(both(fn)[0], [x])


def test_i1_and_i1e_gradients_are_one_half_at_zero_and_nan_as_torch():
    x = np.array([0.0, -0.0, 1e-20, NAN, 3.0])
    for name in ("i1", "i1e"):
        check_against_torch(*both(special(name)), x, rtol=1e-13)
    assert_gradcheck(both(special("i1e"))[0], [0.0, 1e-3, -1e-3])


def test_ndtr_left_tail_is_accurate_where_torch_underflows():
    x = np.concatenate([RNG.uniform(-38, -1, 200), [-27.0, -5.0, -1.0, -INF]])
    ours = autograd.special.ndtr(autograd.tensor(x)).data
    # exp turns log_ndtr's last ulp (of up to ~700) into ~1e-13 relative
    np.testing.assert_allclose(ours, np.exp(N.log_ndtr(x)), rtol=3e-13, atol=0)
    ours = autograd.special.ndtr(autograd.tensor([-5.0, -27.0], dtype=autograd.float64)).data
    # mpmath's values; x / sqrt(2) rounds, which costs ~x^2 ulp far out (as in torch's log_ndtr)
    np.testing.assert_allclose(ours, [2.866515718791939e-07, 7.3894810068850183e-161],
                               rtol=1e-13)


def test_far_tails_keep_their_digits():
    """Literal values (mpmath, 40 digits)."""
    cases = [(N.log_ndtr, [-40.0, -1e10, -1e300], [-804.60844201375379, -5e19, -INF]),
             (N.ndtri, [1e-300, 5e-324, 1 - 2 ** -53], [-37.04709629936120, -38.46740561714434,
                                                         8.20953615160139]),
             (N.erfcx, [-24.435271468597154, 25.9, 1e9], [4.0800116309711739e+259,
                                                           0.021767181150738213,
                                                           5.6418958354775629e-10]),
             (lambda x: K.bessel_i(0, x, scaled=True), [1e300], [3.9894228040143267e-151]),
             (lambda x: K.bessel_i(1, x, scaled=True), [30.5], [0.071339539285262004])]
    for fn, x, want in cases:
        np.testing.assert_allclose(fn(np.array(x)), want, rtol=3e-15)


F32_RTOL = {"ndtr": 1e-6, "log_ndtr": 1e-5, "ndtri": 1e-6, "erfcx": 1e-5, "entr": 1e-6,
            "exp2": 2e-7, "i0e": 1e-6, "i1": 2e-6, "i1e": 2e-6, "angle": 0, "angle_method": 0}


@pytest.mark.parametrize("name", UNARY)
def test_float32_is_the_float64_result_rounded_and_close_to_torch(name):
    """The kernels' float32 results are their float64 results rounded (ndtr, entr and exp2 are
    float32 arithmetic). torch's float32 kernels compute in float32 (erfcx's exp(x^2) loses ~x^2
    ulp, log_ndtr gives -0 where the value is a float32 subnormal), hence its looser rtol."""
    fn, x, _, _, _ = UNARY[name]
    with np.errstate(over="ignore"):
        x32 = x.astype(np.float32)
    if name == "ndtr":
        x32 = x32[~(x32 < -1)]
    ours = fn(autograd, autograd.tensor(x32))
    assert ours.dtype == autograd.float32
    if name not in ("ndtr", "entr", "exp2"):
        exact = fn(autograd, autograd.tensor(x32.astype(np.float64))).data
        with np.errstate(over="ignore"):
            np.testing.assert_array_equal(ours.data, exact.astype(np.float32))
    theirs = fn(torch, torch.tensor(x32)).numpy()
    np.testing.assert_allclose(ours.data, theirs, rtol=F32_RTOL[name], atol=1e-44)


@pytest.mark.parametrize("name", UNARY)
def test_integer_and_bool_inputs_give_float32_and_shapes_are_kept(name):
    fn = UNARY[name][0]
    for data in ([[1, 0], [3, -2]], [True, False], 2):
        ours, theirs = fn(autograd, autograd.tensor(data)), fn(torch, torch.tensor(data))
        assert str(ours.dtype) == str(theirs.dtype)
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=2e-6, equal_nan=True)


def test_angle_gradient_is_zero_even_for_inf_and_nan_cotangents():
    x = autograd.tensor([-1.0, 0.0, 2.0, NAN], requires_grad=True)
    x.angle().backward(autograd.tensor([INF, NAN, 1.0, 2.0]))
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 0.0]


def test_names_exist_where_torch_has_them():
    for name in ["ndtr", "log_ndtr", "ndtri", "erfcx", "entr", "exp2", "i0e", "i1", "i1e",
                 "zeta", "gammainc", "gammaincc", *NO_GRAD]:
        assert callable(getattr(autograd.special, name)), name
        assert name in autograd.special.__all__
        for ours, theirs in ((autograd, torch), (autograd.Tensor, torch.Tensor)):
            assert hasattr(ours, name) == hasattr(theirs, name), name
    assert hasattr(autograd, "angle") and hasattr(autograd.Tensor, "angle")


def test_kernels_agree_without_the_jit(tmp_path):
    code = ("import numpy as np, sys; from autograd.kernels import normal as N, special as K; "
            "from autograd.kernels import incomplete_gamma as G; "
            "from autograd.kernels.bessel_k import bessel_k; "
            "from autograd.kernels.bessel_jy import bessel_jy; "
            "x = np.load(sys.argv[1]); p = np.clip(np.abs(x) / 40, 0, 1); "
            "r = [N.erfcx(x), N.log_ndtr(x), N.ndtri(p), K.bessel_i(0, x, True), "
            "K.bessel_i(1, x, True), K.zeta(p + 1, x), G.gammainc(p * 40, x), "
            "G.gammainc(p * 40, x, True), bessel_k(0, x), bessel_k(1, x, True)] + "
            "[bessel_jy(k, x) for k in range(4)]; "
            "np.save(sys.argv[2], np.stack(r))")
    np.save(tmp_path / "x.npy", WIDE)
    env = dict(os.environ, NUMBA_DISABLE_JIT="1", PYTHONWARNINGS="ignore")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "x.npy"), str(tmp_path / "r.npy")],
                   env=env, check=True, timeout=120)
    p = np.clip(np.abs(WIDE) / 40, 0, 1)
    jitted = [N.erfcx(WIDE), N.log_ndtr(WIDE), N.ndtri(p), K.bessel_i(0, WIDE, True),
              K.bessel_i(1, WIDE, True), K.zeta(p + 1, WIDE), G.gammainc(p * 40, WIDE),
              G.gammainc(p * 40, WIDE, True), bessel_k(0, WIDE), bessel_k(1, WIDE, True)] + \
        [bessel_jy(k, WIDE) for k in range(4)]
    np.testing.assert_allclose(np.load(tmp_path / "r.npy"), np.stack(jitted), rtol=1e-14, atol=0)


NO_GRAD = {   # torch.special's functions without a derivative: name -> float32 rtol vs torch
    "modified_bessel_i0": 1e-6, "modified_bessel_i1": 2e-6, "spherical_bessel_j0": 5e-7,
    "modified_bessel_k0": 1e-6, "modified_bessel_k1": 1e-6, "scaled_modified_bessel_k0": 1e-6,
    "scaled_modified_bessel_k1": 1e-6, "bessel_j0": None, "bessel_j1": None, "bessel_y0": None,
    "bessel_y1": None}
# torch 2.13's J and Y are off by up to ~4e-5 relative (x near 5, float64 too) and lose the
# phase for huge x: compared to within that where |x| < 1e4, and to mpmath below
JY_ATOL, JY_RTOL = 1e-6, 1e-4


@pytest.mark.parametrize("name", NO_GRAD)
def test_functions_without_a_derivative_against_torch(name):
    fn = special(name)
    x = np.concatenate([WIDE, [0.49999999, -0.5, 0.5, 1.9999999, 2.0, 2.0000001, 29.999, 30.0,
                               30.001, 700.0, 745.0]])
    if NO_GRAD[name] is None:
        x = x[~(np.abs(x) >= 1e4)]
    for dtype, rtol in ((np.float64, 1e-14), (np.float32, NO_GRAD[name])):
        atol = 1e-300 if dtype == np.float64 else 1e-37
        if NO_GRAD[name] is None:
            rtol, atol = JY_RTOL, JY_ATOL
        with np.errstate(over="ignore"):
            xs = x.astype(dtype)
        if dtype == np.float32:   # torch's float32 log of a subnormal x is off (K_0 near 0)
            xs = xs[~((np.abs(xs) < 1e-37) & (xs != 0))]
        ours = fn(autograd, autograd.tensor(xs, requires_grad=True))
        assert ours.dtype == dtype and not ours.requires_grad
        # atol: torch's float32 Bessel kernels lose digits in the subnormals
        np.testing.assert_allclose(ours.data, fn(torch, torch.tensor(xs)).numpy(), rtol=rtol,
                                   atol=atol)
    ints = fn(autograd, autograd.tensor([1, 2]))
    assert str(ints.dtype) == str(fn(torch, torch.tensor([1, 2])).dtype)


def test_zeta_on_every_pair_of_special_values_and_its_q_gradient():
    edge = np.array([-INF, -2.5, -2.0, -1.0, -0.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 10.0, 50.0,
                     1e10, INF, NAN])
    x, q = (a.ravel() for a in np.meshgrid(edge, edge))
    x = np.concatenate([x, RNG.uniform(1, 20, 200)])
    q = np.concatenate([q, RNG.uniform(-20, 20, 100), 10.0 ** RNG.uniform(-5, 5, 100)])
    for L in (autograd, torch):
        assert str(L.special.zeta(2, L.tensor([1, 2])).dtype).endswith("float32")
    check_against_torch(lambda b: autograd.special.zeta(autograd.tensor(x), b),
                        lambda b: torch.special.zeta(torch.tensor(x), b), q, rtol=1e-14,
                        atol=1e-300)


def test_zeta_broadcasts_is_differentiable_twice_in_q_and_not_in_x():
    x, q = RNG.uniform(1.5, 6, (3, 1)), RNG.uniform(0.5, 4, (1, 4))
    check_against_torch(lambda b: autograd.special.zeta(autograd.tensor(x), b),
                        lambda b: torch.special.zeta(torch.tensor(x), b), q, rtol=1e-14)
    fn = lambda b: autograd.special.zeta(autograd.tensor(x), b)  # noqa: E731
    assert_gradcheck(fn, q)
    assert autograd.gradgradcheck(fn, [q])
    xs = autograd.tensor(x, requires_grad=True)
    with pytest.raises(NotImplementedError, match="zeta"):
        autograd.special.zeta(xs, autograd.tensor(q)).sum().backward()
    x32, q32 = (RNG.uniform(1, 20, 300).astype(np.float32),
                10.0 ** RNG.uniform(-5, 5, 300).astype(np.float32))
    ours = autograd.special.zeta(autograd.tensor(x32), autograd.tensor(q32))
    assert ours.dtype == autograd.float32
    np.testing.assert_allclose(ours.data, torch.special.zeta(torch.tensor(x32),
                                                             torch.tensor(q32)).numpy(),
                               rtol=3e-7, atol=1e-37)


def test_bessel_j_and_y_reference_values():
    """mpmath's (30 digits), across the series, recurrence and asymptotic ranges."""
    x = np.array([0.5, 3.0, 5.012932460244656, 10.0, 24.9, 30.0, 1e5])
    want = {"bessel_j0": [0.9384698072408129, -0.26005195490193344, -0.17335111594684413,
                          -0.24593576445134834, 0.08324596835301549, -0.086367983581040211,
                          -0.0017192011162359722],
            "bessel_j1": [0.24226845767487389, 0.33905895852593646, -0.32900043316292345,
                          0.043472746168861437, -0.13485569953140887, -0.11875106261662294,
                          0.0018467575628825677],
            "bessel_y0": [-0.44451873350670656, 0.37685001001279038, -0.31040156050572471,
                          0.055671167283599391, -0.13649918399676524, -0.11729573168666403,
                          0.0018467661588650641],
            "bessel_y1": [-1.4714723926702431, 0.32467442479179998, 0.1434847054386604,
                          0.24901542420695388, -0.086002557595554252, 0.084425570661747235,
                          0.0017192103500882563]}
    for name, values in want.items():
        ours = getattr(autograd.special, name)(autograd.tensor(x)).data
        np.testing.assert_allclose(ours, values, rtol=1e-14, err_msg=name)
    minus3 = autograd.tensor([-3.0], dtype=autograd.float64)
    plus3 = autograd.tensor([3.0], dtype=autograd.float64)
    assert autograd.special.bessel_j1(minus3).item() == -autograd.special.bessel_j1(plus3).item()


GAMMA_EDGE = np.array([-INF, -1.0, -0.0, 0.0, 1e-300, 1e-10, 0.1, 0.5, 1.0, 1.05, 1.5, 2.0, 10.0,
                       30.0, 100.0, 250.0, 1e4, 1e10, INF, NAN])


@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_incomplete_gamma_against_torch_and_reference_values(name):
    a, x = (v.ravel() for v in np.meshgrid(GAMMA_EDGE, GAMMA_EDGE))
    # torch's Q loses its digits for a < 1e-9 (Q ~ a E1(x)), and its Temme expansion near
    # x = a is good to ~1e-9 only: compared there to torch's accuracy, and to mpmath below
    exact = ~((a < 1e-9) & (a > 0)) & ~((a >= 30) & (a == x)) & ~((a == 1.05) & (x == 1e-300))
    ours, theirs = (getattr(L.special, name)(L.tensor(a), L.tensor(x)) for L in (autograd, torch))
    np.testing.assert_allclose(ours.data[exact], theirs.numpy()[exact], rtol=1e-13, atol=0)
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=3e-7, atol=1e-299)
    a = np.concatenate([10.0 ** RNG.uniform(-8, 3, 200), 10.0 ** RNG.uniform(2, 5, 40)])
    x = np.concatenate([a[:200] * 10.0 ** RNG.uniform(-3, 3, 200),
                        a[200:] * (1 + RNG.uniform(-0.1, 0.1, 40))])
    check_against_torch(lambda b: getattr(autograd.special, name)(autograd.tensor(a), b),
                        lambda b: getattr(torch.special, name)(torch.tensor(a), b), x,
                        rtol=2e-8, atol=1e-300)


def test_incomplete_gamma_reference_values():
    """mpmath's (40 digits): x near a large a, a tiny a, x far below a."""
    a = np.array([30.0, 1e4, 1e-300, 1e-10, 1.0, 920.0])
    x = np.array([30.0, 1e4, 0.1, 1e-10, 1e-10, 204.87629311991796])
    lower = autograd.special.gammainc(autograd.tensor(a), autograd.tensor(x)).data
    upper = autograd.special.gammaincc(autograd.tensor(a), autograd.tensor(x)).data
    np.testing.assert_allclose(lower[[0, 1, 4]], [0.52428301389368007, 0.5013298083399552,
                                                  9.9999999995000004e-11], rtol=3e-15)
    np.testing.assert_allclose(upper[[2, 3]], [1.8229239584193907e-300, 2.244863524002411e-9],
                               rtol=1e-13)
    assert lower[5] > 0 and np.isfinite(lower[5])


@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_incomplete_gamma_is_differentiable_twice_in_x_only_and_broadcasts(name):
    a, x = RNG.uniform(0.2, 5, (3, 1)), RNG.uniform(0.1, 6, (1, 4))
    fn = lambda b: getattr(autograd.special, name)(autograd.tensor(a), b)  # noqa: E731
    check_against_torch(fn, lambda b: getattr(torch.special, name)(torch.tensor(a), b), x,
                        rtol=1e-13)
    assert_gradcheck(fn, x)
    assert autograd.gradgradcheck(fn, [x])
    with pytest.raises(NotImplementedError, match=name):
        getattr(autograd.special, name)(autograd.tensor(a, requires_grad=True),
                                        autograd.tensor(x)).sum().backward()
    for L in (autograd, torch):   # two tensors, one floating; float32 with an integer one
        assert str(getattr(L.special, name)(L.tensor([2]), L.tensor([1.0, 2.0])).dtype) \
            .endswith("float32")
    for args in ((autograd.tensor([1.0]), 2), (autograd.tensor([1]), autograd.tensor([2]))):
        with pytest.raises(TypeError, match=name):
            getattr(autograd.special, name)(*args)
    a32, x32 = (10.0 ** RNG.uniform(-2, 2, (2, 200))).astype(np.float32)
    ours = getattr(autograd.special, name)(autograd.tensor(a32), autograd.tensor(x32))
    assert ours.dtype == autograd.float32
    # against torch in float64: torch's own float32 result is off by up to ~7e-5 in the tails
    # (2e-15 and below), where ours is correctly rounded to ~6e-8
    exact = getattr(torch.special, name)(torch.tensor(a32, dtype=torch.float64),
                                         torch.tensor(x32, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(ours.data, exact, rtol=2e-7, atol=1e-37)
