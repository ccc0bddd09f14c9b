"""Finite-difference checks for the ops that otherwise get only torch comparisons: the
Functions a first or second derivative records (GELUSlope, SoftplusNeg, the pooling and
resampling gradients, Centered, ScaledSigmoid, I1, ZeroGrad), tensor-bounded clamp, Step,
nextafter, frexp, Cast and the writes through views (SetView, ViewChain).  `first(f)` turns
f into its recorded VJP, so gradgradcheck on it checks f's third derivative."""
import numpy as np
import pytest

import autograd
import nn.functional as F
from autograd import grad, gradcheck, gradgradcheck

rng = np.random.default_rng(0)


def T(a):
    return autograd.tensor(np.array(a, np.float64), requires_grad=True)


def R(*shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, shape)


def away_from_zero(*shape):
    return R(*shape, lo=0.2, hi=2) * np.where(R(*shape) < 0, -1, 1)


TARGET = autograd.tensor(R(3, 4, lo=0, hi=1))
POS_WEIGHT = autograd.tensor(R(4, lo=0.5, hi=2))


def first(f):
    """(x, v) -> d<f(x), v>/dx, recorded."""
    def vjp(x, v):
        return grad([f(x)], [x], [v], create_graph=True)[0]
    return vjp


def third_order(f, x):
    """gradgradcheck of f's recorded VJP at x: f's second and third derivatives."""
    v = rng.standard_normal(f(T(x)).shape)
    assert gradgradcheck(first(f), (T(x), T(v)))


@pytest.mark.parametrize("name,f,x", [
    ("gelu", lambda x: F.gelu(x), R(3, 4)),
    ("gelu tanh", lambda x: F.gelu(x, approximate="tanh"), R(3, 4)),
    ("softplus", lambda x: F.softplus(x), R(3, 4)),
    ("softplus beta", lambda x: F.softplus(x, beta=2.5, threshold=20), R(3, 4)),
    ("bce logits pos_weight", lambda x: F.binary_cross_entropy_with_logits(
        x, TARGET, pos_weight=POS_WEIGHT, reduction="sum"), R(3, 4)),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 2, stride=1, padding=1, count_include_pad=False),
     R(1, 1, 4, 4)),
    ("avg_pool2d ceil", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
     R(1, 2, 5, 5)),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, 2)), R(2, 2, 5, 4)),
    ("max_pool2d overlapping", lambda x: F.max_pool2d(x, 2, stride=1),
     rng.permutation(32).reshape(1, 2, 4, 4) / 4),
    ("max_pool2d", lambda x: F.max_pool2d(x, 2, stride=2),
     rng.permutation(32).reshape(1, 2, 4, 4) / 4),
    ("max_pool1d dilated", lambda x: F.max_pool1d(x, 2, stride=1, dilation=2, padding=1),
     rng.permutation(12).reshape(1, 2, 6) / 3),
    ("bilinear", lambda x: F.interpolate(x, scale_factor=2, mode="bilinear",
                                         align_corners=False), R(1, 1, 3, 3)),
    ("bicubic", lambda x: F.interpolate(x, scale_factor=1.5, mode="bicubic",
                                        align_corners=True), R(1, 1, 3, 3)),
    ("nearest", lambda x: F.interpolate(x, scale_factor=2, mode="nearest"), R(1, 1, 3, 3)),
    ("abs", lambda x: x.abs() * x, away_from_zero(3, 4)),
    ("var", lambda x: x.var(1), R(3, 4)),
    ("std", lambda x: x.std(0, keepdim=True), R(3, 4)),
    ("i0", lambda x: x.i0(), R(3, 4, lo=-4, hi=4)),
    ("relu", lambda x: F.relu(x) * x, away_from_zero(3, 4)),
])
def test_third_order(name, f, x):
    third_order(f, x)


def test_clamp_with_tensor_bounds():
    lo, hi = R(3, 4, lo=-1.5, hi=-0.1), R(1, 4, lo=0.1, hi=1.5)
    x = R(3, 4)
    x = np.where(np.abs(x - lo) < 0.05, x + 0.1, x)
    for f, args in [(lambda x, a, b: autograd.clamp(x, min=a, max=b), (x, lo, hi)),
                    (lambda x, a: autograd.clamp(x, min=a), (x, lo)),
                    (lambda x, b: autograd.clamp(x, max=b), (x, hi)),
                    (lambda x, a, b: autograd.clamp(x, min=a, max=b), (x, hi + 0.3, lo))]:
        inputs = tuple(T(a) for a in args)
        assert gradcheck(f, inputs) and gradgradcheck(f, inputs)


@pytest.mark.parametrize("f,x", [
    (lambda x: x.step(), away_from_zero(3, 4)),
    (lambda x: x.frexp()[0] * x, R(3, 4, lo=0.3, hi=7)),
])
def test_piecewise(f, x):
    assert gradcheck(f, (T(x),)) and gradgradcheck(f, (T(x),))


def test_nextafter():
    args = (T(R(3, 4)), T(R(3, 4)))
    assert gradcheck(autograd.nextafter, args) and gradgradcheck(autograd.nextafter, args)


def test_cast_through_float32():
    def f(x):
        return (x.to(autograd.float32) ** 2).to(autograd.float64)
    x = (T(R(3, 4)),)
    assert gradcheck(f, x, eps=1e-3, atol=1e-3, rtol=1e-3)
    assert gradgradcheck(f, x, eps=1e-3, atol=2e-3, rtol=1e-2)


def test_writes_through_views():
    def diagonal_write(x, s):
        y = x * 1
        y.diagonal().mul_(s)
        return y ** 2

    def reshaped_view_write(x, s):
        y = x * 1
        w = y.unsqueeze(0)
        w.squeeze_(0)      # a view whose shape changed in place
        w.mul_(s)
        return y ** 2 + w

    for f in (diagonal_write, reshaped_view_write):
        args = (T(R(3, 3)), T(R(3)))
        assert gradcheck(f, args) and gradgradcheck(f, args)
