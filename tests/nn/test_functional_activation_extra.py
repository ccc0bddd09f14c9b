"""ELU family, softplus, silu, mish, hardtanh, relu6, logsigmoid, softsign and their modules,
against torch (values and gradients, float64 and float32, at the extremes) and gradcheck."""
import numpy as np
import pytest
from hypothesis import given, settings

import autograd
import nn
import nn.functional as F
from tests.helpers import (arrays, check_float32, check_op, gradients_at_points_match_torch,
                           shapes)

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# (our call, torch's call): every activation with its non-default arguments too
CASES = {
    "elu": (lambda x: F.elu(x), lambda x: TF.elu(x)),
    "elu_alpha": (lambda x: F.elu(x, alpha=0.7), lambda x: TF.elu(x, alpha=0.7)),
    "selu": (F.selu, TF.selu),
    "celu": (lambda x: F.celu(x, alpha=1.5), lambda x: TF.celu(x, alpha=1.5)),
    "softplus": (F.softplus, TF.softplus),
    "softplus_beta": (lambda x: F.softplus(x, beta=2.0, threshold=3.0),
                      lambda x: TF.softplus(x, beta=2.0, threshold=3.0)),
    "softplus_neg_beta": (lambda x: F.softplus(x, beta=-1.5), lambda x: TF.softplus(x, beta=-1.5)),
    "silu": (F.silu, TF.silu),
    "mish": (F.mish, TF.mish),
    "hardtanh": (F.hardtanh, TF.hardtanh),
    "hardtanh_bounds": (lambda x: F.hardtanh(x, -0.5, 2.0), lambda x: TF.hardtanh(x, -0.5, 2.0)),
    "relu6": (F.relu6, TF.relu6),
    "logsigmoid": (F.logsigmoid, TF.logsigmoid),
    "softsign": (F.softsign, TF.softsign),
}
# points where the function or its derivative jumps: finite differences must not straddle them
KINKS = {"hardtanh": (-1, 0, 1), "hardtanh_bounds": (-0.5, 2), "relu6": (0,), "elu": (0,),
         "elu_alpha": (0,), "selu": (0,), "celu": (0,), "softplus_beta": (1.5,)}


def _run_torch(fn, x, dtype):
    t = torch.tensor(x, dtype=dtype, requires_grad=True)
    y = fn(t)
    y.backward(torch.ones_like(y))
    return y.detach().numpy(), t.grad.numpy()


def _run_ours(fn, x, dtype):
    t = autograd.tensor(x, dtype=dtype, requires_grad=True)
    y = fn(t)
    y.backward(np.ones(y.shape, y.dtype))
    return y, t.grad


@pytest.mark.parametrize("name", sorted(CASES))
@settings(deadline=None, max_examples=15)
@given(x=shapes.flatmap(lambda s: arrays(s)))
def test_matches_torch_and_gradchecks(name, x):
    ours, theirs = CASES[name]
    for kink in KINKS.get(name, ()):
        x = np.where(np.abs(x - kink) < 1e-3, kink + 0.3, x)
    check_op(ours, theirs, x)


EXTREMES = np.array([-1e4, -800.0, -100.0, -40.0, -20.5, -20.0, -1e-8, 0.0, 1e-8, 1.0, 19.9,
                     20.0, 20.5, 40.0, 100.0, 800.0, 1e4])


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-12), ("float32", 2e-6)])
def test_extremes_match_torch(name, dtype, rtol):
    ours, theirs = CASES[name]
    with np.errstate(over="raise", invalid="raise", divide="raise"):   # stable ops
        y, g = _run_ours(ours, EXTREMES, dtype)
    ty, tg = _run_torch(theirs, EXTREMES, getattr(torch, dtype))
    assert y.dtype == np.dtype(dtype) and g.dtype == np.dtype(dtype)
    assert np.isfinite(y.data).all() and np.isfinite(g.data).all()
    np.testing.assert_allclose(y.data, ty, rtol=rtol, atol=1e-30, err_msg="value")
    np.testing.assert_allclose(g.data, tg, rtol=rtol, atol=1e-30, err_msg="gradient")


def test_softplus_tiny_values_keep_relative_precision():
    x = np.array([-30.0, -60.0, -700.0])
    y, g = _run_ours(F.softplus, x, "float64")
    np.testing.assert_allclose(y.data, np.log1p(np.exp(x)), rtol=1e-14)
    np.testing.assert_allclose(g.data, np.exp(x) / (1 + np.exp(x)), rtol=1e-14)
    y, _ = _run_ours(F.logsigmoid, -x, "float64")
    np.testing.assert_allclose(y.data, -np.log1p(np.exp(x)), rtol=1e-14)


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_stays_float32(name):
    check_float32(CASES[name][0], np.linspace(-3, 3, 12).reshape(3, 4))


def test_empty_and_zero_dim_inputs():
    for name, (ours, theirs) in CASES.items():
        for x in (np.zeros((0, 3)), np.array(0.7)):
            y, g = _run_ours(ours, x, "float64")
            ty, tg = _run_torch(theirs, x, torch.float64)
            assert y.shape == ty.shape and g.shape == tg.shape, name
            np.testing.assert_allclose(y.data, ty, rtol=1e-12, err_msg=name)
            np.testing.assert_allclose(g.data, tg, rtol=1e-12, err_msg=name)


def test_bad_arguments_raise_clear_errors():
    x = autograd.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="elu: .*int64"):
        F.elu(autograd.tensor([1, 2]))
    with pytest.raises(ValueError, match="hardtanh: min_val"):
        F.hardtanh(x, 2.0, 1.0)
    with pytest.raises(ValueError, match="celu: alpha cannot be 0"):
        F.celu(x, alpha=0.0)
    with pytest.raises(ValueError, match="softplus: beta"):
        F.softplus(x, beta=0)
    with pytest.raises(TypeError, match="softplus: threshold"):
        F.softplus(x, threshold="big")
    with pytest.raises(ValueError, match="Hardtanh: min_val"):
        nn.Hardtanh(1.0, -1.0)


MODULES = [
    (lambda: nn.GELU(), lambda: torch.nn.GELU()),
    (lambda: nn.GELU("tanh"), lambda: torch.nn.GELU("tanh")),
    (lambda: nn.ELU(0.5), lambda: torch.nn.ELU(0.5)),
    (lambda: nn.CELU(2.0), lambda: torch.nn.CELU(2.0)),
    (lambda: nn.SELU(), lambda: torch.nn.SELU()),
    (lambda: nn.Softplus(2.0, 5.0), lambda: torch.nn.Softplus(2.0, 5.0)),
    (lambda: nn.SiLU(), lambda: torch.nn.SiLU()),
    (lambda: nn.Mish(), lambda: torch.nn.Mish()),
    (lambda: nn.Hardtanh(-2.0, 0.5), lambda: torch.nn.Hardtanh(-2.0, 0.5)),
    (lambda: nn.Hardtanh(min_value=-2.0), lambda: torch.nn.Hardtanh(min_value=-2.0)),
    (lambda: nn.ReLU6(inplace=True), lambda: torch.nn.ReLU6(inplace=True)),
    (lambda: nn.LogSigmoid(), lambda: torch.nn.LogSigmoid()),
    (lambda: nn.Softsign(), lambda: torch.nn.Softsign()),
]


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("make", MODULES, ids=[f"module{i}" for i in range(len(MODULES))])
def test_modules_match_torch_values_gradients_and_repr(make):
    ours, theirs = make[0](), make[1]()
    assert repr(ours) == repr(theirs)
    x = np.linspace(-4.1, 4.3, 24).reshape(2, 3, 4)
    y, g = _run_ours(lambda t: ours(t.clone()), x, "float64")   # inplace=True writes into
    ty, tg = _run_torch(lambda t: theirs(t.clone()), x, torch.float64)   # its input
    np.testing.assert_allclose(y.data, ty, rtol=1e-12)
    np.testing.assert_allclose(g.data, tg, rtol=1e-12)


# the kinks of every case (hardtanh's bounds, softplus' thresholds: 20, and 3 / beta = 1.5)
POINTS = [np.nan, np.inf, -np.inf, 0.0, -0.0, -1.0, 1.0, 6.0, -0.5, 0.5, 2.0, -2.0, 1.5, 20.0]


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_first_and_second_gradients_at_nan_inf_and_kinks_match_torch(name, dtype):
    """NaN passes the incoming gradient through hardtanh/relu6 (0 before) and takes the
    linear branch of the ELU family (NaN before); the ELU family's second derivative is 0 at
    x = 0 and softplus' from its threshold on, as torch's double backward."""
    gradients_at_points_match_torch(*CASES[name], POINTS, dtype)
