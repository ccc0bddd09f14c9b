"""fastexp's float32 exp, tanh and sigmoid: ulp accuracy over the whole range, special values, in-place
use, and the softmax rows built on exp against float64 references and torch (also run with
NUMBA_DISABLE_JIT=1: see test_without_the_jit.py)."""
import numba
import numpy as np
import pytest

from autograd.kernels import fastexp, softmax

F32 = np.finfo(np.float32)
# with the JIT disabled every element is a Python step: a coarser sweep
N = 2_001 if numba.config.DISABLE_JIT else 1_000_001


def _ulps(a, b):
    """Distance in float32 steps between same-sign finite float32 arrays."""
    return np.abs(a.view(np.int32).astype(np.int64) - b.view(np.int32).astype(np.int64))


def _applied(kernel, x):
    """kernel(x, out) into a new array."""
    out = np.empty_like(x)
    kernel(x, out)
    return out


def _exp(x):
    return _applied(fastexp.exp_f32, x)


def test_within_one_ulp_of_the_correctly_rounded_exp_over_the_normal_range():
    rng = np.random.default_rng(0)
    x = np.concatenate([np.linspace(-87.3, 88.7, N, dtype=np.float32),
                        (rng.standard_normal(N // 4) * 10).astype(np.float32),
                        np.float32(1e-3) * rng.standard_normal(N // 4).astype(np.float32)])
    exact = np.exp(x.astype(np.float64)).astype(np.float32)
    assert _ulps(_exp(x), exact).max() <= 1


def test_subnormal_results_within_one_step_and_underflow_to_zero():
    x = np.linspace(-103.9, -87.4, N, dtype=np.float32)
    exact = np.exp(x.astype(np.float64))
    err = np.abs(_exp(x).astype(np.float64) - exact)
    assert err.max() <= F32.smallest_subnormal
    assert np.all(_exp(np.array([-104.0, -200.0, -1e30], np.float32)) == 0)


def test_special_values_are_those_of_exp():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 88.72, 88.73, 1e30, -87.33],
                 np.float32)
    y = _exp(x)
    with np.errstate(over="ignore"):
        ref = np.exp(x.astype(np.float64)).astype(np.float32)
    assert y[0] == 1 and y[1] == 1 and y[2] == np.inf and y[3] == 0 and np.isnan(y[4])
    assert np.isfinite(y[5]) and y[6] == np.inf and y[7] == np.inf
    np.testing.assert_array_equal(np.isinf(y), np.isinf(ref))
    assert _ulps(y[[5, 8]], ref[[5, 8]]).max() <= 1


@pytest.mark.parametrize("n", [0, 1, 7, fastexp.BLOCK, fastexp.BLOCK + 3, 3 * fastexp.BLOCK])
def test_in_place_and_out_of_place_agree_at_every_size(n):
    x = np.random.default_rng(n).standard_normal(n).astype(np.float32) * 5
    out = _exp(x)
    a = x.copy()
    assert fastexp.exp_(a) is a
    np.testing.assert_array_equal(a, out)


def test_float64_keeps_numpys_exp():
    x = np.random.default_rng(1).standard_normal((3, 4)) * 5
    np.testing.assert_array_equal(fastexp.exp_(x.copy()), np.exp(x))


# ------------------------------------------------------------------ tanh
def _signed_ulps(a, b):
    """Distance in float32 steps between float32 arrays of any signs (-0 and 0 are one)."""
    def line(v):
        i = v.view(np.int32).astype(np.int64)
        return np.where(i < 0, -(i & 0x7FFFFFFF), i)
    return np.abs(line(a) - line(b))


def test_tanh_within_one_ulp_of_the_correctly_rounded_tanh():
    rng = np.random.default_rng(4)
    x = np.concatenate([np.linspace(-12, 12, N, dtype=np.float32),
                        (rng.standard_normal(N // 4) * 3).astype(np.float32),
                        (np.float32(2) ** -np.arange(0, 150, 0.25)).astype(np.float32),
                        np.linspace(0.6, 0.65, N // 8, dtype=np.float32)])   # the switch
    x = np.concatenate([x, -x])
    exact = np.tanh(x.astype(np.float64)).astype(np.float32)
    out = np.empty_like(x)
    fastexp.tanh_f32(x, out)
    assert _signed_ulps(out, exact).max() <= 1


def test_tanh_special_values_and_layouts():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 9.0, 10.0, 1e30, -88.0],
                 np.float32)
    y = fastexp.tanh(x)
    np.testing.assert_array_equal(y, np.tanh(x))          # NaN where numpy's is
    assert not np.signbit(y[0]) and np.signbit(y[1])
    a = (np.random.default_rng(5).standard_normal((3, 2 * fastexp.BLOCK + 5)) * 4).astype(
        np.float32)
    expected = fastexp.tanh(a)
    b = a.copy()
    assert fastexp.tanh_into(b, b) is b                   # in place
    np.testing.assert_array_equal(b, expected)
    strided = fastexp.tanh(a[:, ::2])               # not contiguous: the kernel on a copy
    assert strided.flags.c_contiguous
    np.testing.assert_array_equal(strided, fastexp.tanh(np.ascontiguousarray(a[:, ::2])))
    x64 = a.astype(np.float64)
    np.testing.assert_array_equal(fastexp.tanh(x64), np.tanh(x64))


# ------------------------------------------------------------------ sigmoid
def test_sigmoid_is_the_composed_exp_formula_bit_for_bit():
    # 1 / (1 + e), times e below 0, for e = exp_f32(-|x|): what the fused pass must equal
    rng = np.random.default_rng(6)
    x = np.concatenate([(rng.standard_normal(N // 4) * 20).astype(np.float32),
                        np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 87.0, -87.0, -88.5,
                                  -103.5, -104.0, -105.0, 1e-30, -1e-30], np.float32)])
    e = _exp(-np.abs(x))
    with np.errstate(invalid="ignore"):
        composed = np.where(x >= 0, 1 / (1 + e), e * (1 / (1 + e))).astype(np.float32)
    y = _applied(fastexp.sigmoid_f32, x)
    np.testing.assert_array_equal(y, composed)                  # NaN where it is
    exact = (1 / (1 + np.exp(-x.astype(np.float64)))).astype(np.float32)
    finite = np.isfinite(x) & (exact > 1e-30)
    assert _ulps(y[finite], exact[finite]).max() <= 3


@pytest.mark.parametrize("n", [0, 1, 7, fastexp.BLOCK, fastexp.BLOCK + 3, 3 * fastexp.BLOCK])
def test_sigmoid_and_tanh_in_place_agree_with_out_of_place(n):
    x = np.random.default_rng(n).standard_normal(n).astype(np.float32) * 5
    for kernel in (fastexp.sigmoid_f32, fastexp.tanh_f32):
        out, a = np.empty_like(x), x.copy()
        kernel(x, out)
        kernel(a, a)
        np.testing.assert_array_equal(a, out)


# ------------------------------------------------------------------ softmax rows on it
@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (5, 8), (4, 33), (2, 1500)])
def test_float32_softmax_rows_within_a_few_roundings_of_float64(shape):
    x = (np.random.default_rng(2).standard_normal(shape) * 4).astype(np.float32)
    x64 = x.astype(np.float64)
    e = np.exp(x64 - x64.max(1, keepdims=True))
    sm = e / e.sum(1, keepdims=True)
    lsm = np.log(sm)
    y, ly = softmax.softmax_lastdim(x), softmax.log_softmax_lastdim(x)
    assert y.dtype == ly.dtype == np.float32
    # x - max rounds to float32 first: exp of it is off by that rounding times |x - max|
    shift = np.abs(x64 - x64.max(1, keepdims=True))
    assert np.all(np.abs(y - sm) <= 4 * F32.eps * (2 + shift) * sm)
    assert np.all(np.abs(ly - lsm) <= 4 * F32.eps * (2 + shift + np.abs(lsm)))
    g = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(softmax.log_softmax_backward_lastdim(ly, g),
                               g - sm * g.astype(np.float64).sum(1, keepdims=True),
                               rtol=1e-5, atol=1e-5)


def test_float32_rows_with_infinities_nan_and_huge_logits_match_torch():
    torch = pytest.importorskip("torch")
    x = np.array([[-np.inf, -np.inf, -np.inf], [np.inf, 1.0, 2.0], [np.nan, 1.0, 2.0],
                  [1e4, -1e4, 0.0], [-np.inf, 0.0, 1.0]], np.float32)
    for fn in ("softmax", "log_softmax"):
        ours = getattr(softmax, f"{fn}_lastdim")(x)
        theirs = getattr(torch, fn)(torch.from_numpy(x), -1).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=0)   # NaN where torch's is
