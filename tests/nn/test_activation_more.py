"""softmin, the shrinks, threshold, rrelu, alpha dropout, gumbel_softmax, channel_shuffle,
bilinear and their modules: against torch in float64 (values and gradients, the kinks and
NaN/inf), a float64 gradcheck, float32 in float32 out; the random ones by their laws (seeded,
and with torch's constants), the errors, and module state and repr."""
import warnings

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from tests.helpers import assert_close, check_float32, check_op, gradients_at_points_match_torch

torch = pytest.importorskip("torch")
TF = torch.nn.functional

SPECIAL = np.array([-0.5, 0.5, 0.0, 1.0, -2.0, 0.6, np.inf, -np.inf, 3.0, -0.7])


def rand(*shape, seed=0, scale=2.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


def both(name, *args, **kwargs):
    return (lambda *t: getattr(F, name)(*t, *args, **kwargs),
            lambda *t: getattr(TF, name)(*t, *args, **kwargs))


def grads_match_torch(ours, theirs, x):
    """Values and gradients (cotangent 1) at special points, where gradcheck cannot go."""
    a, t = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ours(a), theirs(t)
    y.backward(autograd.tensor(np.ones(x.shape)))   # no inf - inf in a sum
    yt.backward(torch.ones(x.shape, dtype=torch.float64))
    assert_close(y.data, yt.detach().numpy())
    assert_close(a.grad.data, t.grad.numpy(), what="gradient")


# ------------------------------------------------------------------------- pointwise
@pytest.mark.parametrize("shape,dim", [((3, 4), 1), ((3, 4), 0), ((2, 3, 4), -1), ((5,), 0)])
def test_softmin_matches_torch(shape, dim):
    check_op(*both("softmin", dim), rand(*shape, seed=1))
    check_float32(lambda t: F.softmin(t, dim), rand(*shape, seed=1))


def test_softmin_dtype_and_implicit_dim():
    x = rand(3, 4, seed=2).astype(np.float32)
    y = F.softmin(autograd.tensor(x), 1, dtype=autograd.float64)
    assert y.dtype == np.float64
    assert_close(y.data, TF.softmin(torch.tensor(x), 1, dtype=torch.float64).numpy())
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        y = F.softmin(autograd.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(y.data, TF.softmin(torch.tensor(x)).numpy(), rtol=1e-6)


@pytest.mark.parametrize("name,lambd", [("softshrink", 0.5), ("softshrink", 0.0),
                                        ("softshrink", 1.3), ("hardshrink", 0.5),
                                        ("hardshrink", 0.0), ("hardshrink", -0.5)])
def test_shrinks_match_torch(name, lambd):
    x = rand(4, 5, seed=3)
    check_op(*both(name, lambd), x)
    check_float32(lambda t: getattr(F, name)(t, lambd), x)
    grads_match_torch(*both(name, lambd), SPECIAL)   # the kinks +-lambd and +-inf


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,args", [("softshrink", (0.5,)), ("softshrink", (0.0,)),
                                       ("hardshrink", (0.3,)), ("hardshrink", (-0.5,)),
                                       ("threshold", (0.5, -3.0)), ("rrelu", (0.1, 0.3))])
def test_gradients_at_nan_and_the_kinks_match_torch(name, args, dtype):
    """A NaN input stays NaN and passes the incoming gradient (the shrinks gave 0), as
    torch's scalar kernels and decompositions; second derivatives 0, linked to the input."""
    points = np.append(SPECIAL, [np.nan, -0.0, 0.3, -0.3, -3.0])
    assert np.isnan(getattr(F, name)(autograd.tensor([np.nan]), *args).data).all()
    gradients_at_points_match_torch(*both(name, *args), points, dtype)


def test_tanhshrink_matches_torch():
    check_op(*both("tanhshrink"), rand(3, 4, seed=4))
    grads_match_torch(*both("tanhshrink"), SPECIAL)
    check_float32(F.tanhshrink, rand(3, 4, seed=4))


@pytest.mark.parametrize("th,value", [(0.5, -3.0), (1.0, 20.0), (-0.5, 0.0)])
def test_threshold_matches_torch(th, value):
    check_op(*both("threshold", th, value), rand(3, 4, seed=5))
    grads_match_torch(*both("threshold", th, value),
                      np.append(SPECIAL, [np.nan, th]))   # x == threshold takes value
    check_float32(lambda t: F.threshold(t, th, value), rand(3, 4, seed=5))


def test_threshold_integer_input_casts_like_torch():
    x = np.array([0, 1, -1, 5])
    for th, value in [(-0.5, 7.9), (0.9, 2), (1, -3)]:
        y = F.threshold(autograd.tensor(x), th, value)
        ref = TF.threshold(torch.tensor(x), th, value)
        assert y.dtype == np.int64
        np.testing.assert_array_equal(y.data, ref.numpy())


@pytest.mark.parametrize("lower,upper", [(1 / 8, 1 / 3), (0.1, 0.6), (0.3, 0.3)])
def test_rrelu_eval_matches_torch(lower, upper):
    check_op(*both("rrelu", lower, upper), rand(3, 4, seed=6))
    grads_match_torch(*both("rrelu", lower, upper), np.append(SPECIAL, np.nan))
    check_float32(lambda t: F.rrelu(t, lower, upper), rand(3, 4, seed=6))


def test_rrelu_training_draws_slopes_from_the_engine_generator():
    x = np.append(rand(2000, seed=7), [0.0, np.nan])
    autograd.manual_seed(3)
    a = autograd.tensor(x, requires_grad=True)
    y = F.rrelu(a, 0.1, 0.4, training=True)
    y.sum().backward()
    neg, pos = x < 0, x > 0
    slopes = y.data[neg] / x[neg]
    assert slopes.min() >= 0.1 and slopes.max() <= 0.4
    assert abs(slopes.mean() - 0.25) < 0.01 and slopes.std() > 0.05   # U(0.1, 0.4)
    assert_close(a.grad.data[neg], slopes)           # the gradient is the drawn slope
    assert_close(y.data[pos], x[pos])
    assert (a.grad.data[pos] == 1).all()
    assert 0.1 <= a.grad.data[-2] <= 0.4             # 0 takes a random slope, as torch
    assert a.grad.data[-1] == 1.0 and np.isnan(y.data[-1])   # NaN keeps slope 1, as torch
    autograd.manual_seed(3)
    again = F.rrelu(autograd.tensor(x), 0.1, 0.4, training=True)
    np.testing.assert_array_equal(again.data, y.data)
    check_float32(lambda t: F.rrelu(t, training=True), rand(3, 4, seed=6))


# ------------------------------------------------------------------------- alpha dropout
def _affine_of(x, y):
    """(kept scale, kept shift, dropped value) of an alpha dropout y of x."""
    values, counts = np.unique(y, return_counts=True)
    dropped = values[counts.argmax()]
    kept = y != dropped
    scale, shift = np.polyfit(x[kept], y[kept], 1)
    return scale, shift, dropped, kept


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_alpha_dropout_constants_and_laws_match_torch(p):
    x = rand(20000, seed=8, scale=1.0)
    autograd.manual_seed(4)
    a = autograd.tensor(x, requires_grad=True)
    y = F.alpha_dropout(a, p, training=True)
    y.sum().backward()
    ref = TF.alpha_dropout(torch.tensor(x), p, training=True).numpy()
    ours, theirs = _affine_of(x, y.data), _affine_of(x, ref)
    np.testing.assert_allclose(ours[:3], theirs[:3], rtol=1e-9)
    kept = ours[3]
    assert abs(kept.mean() - (1 - p)) < 0.02
    assert_close(a.grad.data, np.where(kept, ours[0], 0.0))
    # zero mean and unit variance are kept for a standard normal input
    assert abs(y.data.mean()) < 0.05 and abs(y.data.std() - 1) < 0.05
    check_float32(lambda t: F.alpha_dropout(t, p, True), rand(3, 4, seed=9))


def test_feature_alpha_dropout_drops_whole_channels():
    x = rand(50, 8, 3, 2, seed=10, scale=1.0)
    autograd.manual_seed(5)
    y = F.feature_alpha_dropout(autograd.tensor(x), 0.5, training=True).data
    ref = TF.feature_alpha_dropout(torch.tensor(x), 0.5, training=True).numpy()
    scale, shift, dropped_value, _ = _affine_of(x.ravel(), ref.ravel())
    dropped = np.all(y == dropped_value, axis=(2, 3))      # a channel goes as a whole
    assert 0.4 < dropped.mean() < 0.6
    assert_close(y[~dropped], scale * x[~dropped] + shift, rtol=1e-9)
    check_float32(lambda t: F.feature_alpha_dropout(t, 0.3, True), rand(2, 3, 4, seed=11))


def test_alpha_dropout_identity_cases_and_errors():
    x = autograd.tensor(rand(3, 4, seed=12), requires_grad=True)
    assert F.alpha_dropout(x, 0.5) is x                       # training=False by default
    assert F.alpha_dropout(x, 0.0, True) is x
    assert F.feature_alpha_dropout(x, 0.5) is x
    y = F.alpha_dropout(x, 1.0, True)
    y.sum().backward()
    assert (y.data == 0).all() and (x.grad.data == 0).all()
    with pytest.raises(ValueError, match="alpha_dropout: dropout probability .* got 1.5"):
        F.alpha_dropout(x, 1.5, True)
    with pytest.raises(ValueError, match=r"feature_alpha_dropout: .*at least 2 dimensions.*\(4,\)"):
        F.feature_alpha_dropout(autograd.tensor(rand(4)), 0.5, True)
    with pytest.raises(TypeError, match="alpha_dropout: .*int64"):
        F.alpha_dropout(autograd.tensor(np.arange(3)), 0.5, True)


# ------------------------------------------------------------------------- gumbel softmax
def test_gumbel_softmax_follows_the_gumbel_max_law():
    logits = np.log(np.array([0.1, 0.2, 0.3, 0.4]))
    autograd.manual_seed(6)
    y = F.gumbel_softmax(autograd.tensor(np.tile(logits, (8000, 1))), tau=0.5, hard=True)
    assert set(np.unique(y.data)) == {0.0, 1.0} and (y.data.sum(1) == 1).all()
    np.testing.assert_allclose(y.data.mean(0), [0.1, 0.2, 0.3, 0.4], atol=0.015)


@pytest.mark.parametrize("dim,tau", [(-1, 1.0), (0, 0.3), (1, 2.0)])
@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax_matches_torch_for_the_same_noise(dim, tau, hard):
    """softmax((x + g) / tau) for g = -log(E), E one standard exponential draw per element from
    the engine's generator; hard: the one-hot argmax with the soft gradient (straight
    through).  torch gets the same g."""
    x = rand(3, 4, 2, seed=13)
    autograd.manual_seed(7)
    g = -np.log(autograd.generator.default_generator().standard_exponential(x.shape))

    def ours(t):
        autograd.manual_seed(7)
        return F.gumbel_softmax(t, tau=tau, hard=hard, dim=dim)

    def theirs(t):
        soft = TF.softmax((t + torch.tensor(g)) / tau, dim)
        if not hard:
            return soft
        index = soft.max(dim, keepdim=True)[1]
        one_hot = torch.zeros_like(t).scatter_(dim, index, 1.0)
        return one_hot - soft.detach() + soft

    # straight through is not the derivative of the (piecewise constant) hard output
    check_op(ours, theirs, x, gradcheck=not hard)
    y = ours(autograd.tensor(x))
    assert_close(y.data.sum(dim), np.ones(np.delete(x.shape, dim)))
    if hard:
        assert set(np.unique(y.data)) == {0.0, 1.0}
    check_float32(lambda t: F.gumbel_softmax(t, hard=hard), x)


def test_gumbel_softmax_eps_warns():
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
        F.gumbel_softmax(autograd.tensor(rand(2, 3)), eps=1e-5)


# ------------------------------------------------------------------------- layers
@pytest.mark.parametrize("shape,groups", [((2, 6, 3), 3), ((2, 6, 3, 2), 2), ((1, 4, 1, 1, 2), 4),
                                          ((3, 5, 2), 1), ((0, 6, 2), 2)])
def test_channel_shuffle_matches_torch(shape, groups):
    check_op(*both("channel_shuffle", groups), rand(*shape, seed=15), gradcheck=0 not in shape)
    ints = np.arange(np.prod(shape)).reshape(shape)
    np.testing.assert_array_equal(F.channel_shuffle(autograd.tensor(ints), groups).data,
                                  TF.channel_shuffle(torch.tensor(ints), groups).numpy())


@pytest.mark.parametrize("x1,x2,out,bias", [((4, 3), (4, 5), 2, True), ((4, 3), (4, 5), 2, False),
                                            ((3,), (5,), 4, True), ((2, 3, 3), (2, 3, 2), 3, True),
                                            ((0, 3), (0, 2), 2, True)])
def test_bilinear_matches_torch(x1, x2, out, bias):
    arrays = [rand(*x1, seed=16), rand(*x2, seed=17), rand(out, x1[-1], x2[-1], seed=18)]
    if bias:
        arrays.append(rand(out, seed=19))
    check_op(F.bilinear, TF.bilinear, *arrays, gradcheck=x1[0] != 0)
    check_float32(F.bilinear, *arrays)


def test_softmax2d_matches_torch():
    for shape in [(2, 3, 4, 5), (3, 4, 2)]:
        check_op(lambda t: nn.Softmax2d()(t), lambda t: torch.nn.Softmax2d()(t),
                 rand(*shape, seed=20))
    with pytest.raises(ValueError, match=r"Softmax2d: expected input to be 3D or 4D, got 2D"):
        nn.Softmax2d()(autograd.tensor(rand(3, 4)))


def test_errors():
    x = autograd.tensor(rand(2, 6, 3))
    cases = [
        (ValueError, "softshrink: lambd must be >= 0", lambda: F.softshrink(x, -0.5)),
        (TypeError, "hardshrink: .*int64", lambda: F.hardshrink(autograd.tensor(np.arange(3)))),
        (TypeError, "softmin: .*int64", lambda: F.softmin(autograd.tensor(np.arange(3)), 0)),
        (TypeError, "threshold: threshold must be a number", lambda: F.threshold(x, "a", 1.0)),
        (ValueError, r"rrelu: lower bound \(0.5\) should be less than or equal to the upper",
         lambda: F.rrelu(x, 0.5, 0.2)),
        (ValueError, r"channel_shuffle: expected an input with more than 2 dims.*\(2, 6\)",
         lambda: F.channel_shuffle(autograd.tensor(rand(2, 6)), 2)),
        (ValueError, r"channel_shuffle: the 6 channels .* divisible by groups=4",
         lambda: F.channel_shuffle(x, 4)),
        (ValueError, r"channel_shuffle: groups must be a positive int, got 0",
         lambda: F.channel_shuffle(x, 0)),
        (ValueError, r"bilinear: weight must be 3-D.*\(2, 3\)",
         lambda: F.bilinear(x, x, autograd.tensor(rand(2, 3)))),
        (ValueError, r"bilinear: inputs must have .*same batch dims.*\(4, 3\) and input2 \(3, 5\)",
         lambda: F.bilinear(rand(4, 3), rand(3, 5), rand(2, 3, 5))),
        (ValueError, r"bilinear: inputs of last dims 3 and 4 do not match weight .*\(2, 3, 5\)",
         lambda: F.bilinear(rand(4, 3), rand(4, 4), rand(2, 3, 5))),
        (ValueError, r"bilinear: bias must have shape \(2,\).*got \(1,\)",
         lambda: F.bilinear(rand(4, 3), rand(4, 5), rand(2, 3, 5), rand(1))),
        (TypeError, r"bilinear: .*weight torch.float64, bias torch.float32",
         lambda: F.bilinear(rand(4, 3), rand(4, 5), rand(2, 3, 5), np.ones(2, np.float32))),
    ]
    for error, match, call in cases:
        with pytest.raises(error, match=match):
            call()


# ------------------------------------------------------------------------- modules
MODULES = ["Softmin(1)", "Softmin()", "Softshrink()", "Softshrink(0.3)", "Hardshrink(0.7)",
           "Tanhshrink()", "Threshold(0.1, 20)", "Threshold(0.1, 20.0, inplace=True)", "RReLU()",
           "RReLU(0.1, 0.3, inplace=True)", "AlphaDropout(0.2)", "FeatureAlphaDropout()",
           "Bilinear(3, 5, 2)", "Bilinear(3, 5, 2, bias=False)", "ChannelShuffle(3)",
           "Softmax2d()"]


@pytest.mark.parametrize("spec", MODULES)
def test_module_repr_and_attributes_match_torch(spec):
    ours, theirs = eval("nn." + spec), eval("torch.nn." + spec)
    assert repr(ours) == repr(theirs)
    for attr in ("dim", "lambd", "threshold", "value", "inplace", "lower", "upper", "p",
                 "groups", "in1_features", "in2_features", "out_features"):
        if hasattr(theirs, attr):
            assert getattr(ours, attr) == getattr(theirs, attr), attr


@pytest.mark.parametrize("spec", ["Softmin(1)", "Softshrink(0.3)", "Hardshrink(0.7)",
                                  "Tanhshrink()", "Threshold(0.1, 20)", "RReLU()",
                                  "AlphaDropout(0.2)", "FeatureAlphaDropout()",
                                  "ChannelShuffle(3)"])
def test_modules_in_eval_mode_match_torch(spec):
    ours, theirs = eval("nn." + spec).eval(), eval("torch.nn." + spec).eval()
    x = rand(2, 6, 3, seed=21)
    check_op(ours, theirs, x, gradcheck=False)


def test_rrelu_and_alpha_dropout_modules_are_random_in_training():
    x = autograd.tensor(-np.abs(rand(200, seed=22)) - 0.1)
    m = nn.RReLU()
    assert len(np.unique(np.round(m(x).data / x.data, 12))) > 100
    assert_close(m.eval()(x).data, x.data * (1 / 8 + 1 / 3) / 2)
    d = nn.AlphaDropout(0.5)
    assert (d(x).data != x.data).any() and d.eval()(x) is x


def test_bilinear_module_parameters_init_and_forward():
    autograd.manual_seed(8)
    m = nn.Bilinear(4, 3, 5)
    t = torch.nn.Bilinear(4, 3, 5)
    assert list(m.state_dict()) == list(t.state_dict()) == ["weight", "bias"]
    assert m.weight.shape == (5, 4, 3) and m.bias.shape == (5,)
    assert m.weight.dtype == np.float32 and m.weight.requires_grad
    bound = 1 / np.sqrt(4)   # U(-1/sqrt(in1), 1/sqrt(in1)), as torch
    for p in (m.weight, m.bias):
        assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.6 * bound
    assert nn.Bilinear(4, 3, 5, bias=False).bias is None
    assert nn.Bilinear(4, 3, 5, dtype=autograd.float64).weight.dtype == np.float64
    with torch.no_grad():
        t.weight.copy_(torch.tensor(m.weight.data))
        t.bias.copy_(torch.tensor(m.bias.data))
    x1, x2 = rand(6, 4, seed=23).astype(np.float32), rand(6, 3, seed=24).astype(np.float32)
    y = m(autograd.tensor(x1), autograd.tensor(x2))
    y.sum().backward()
    ref = t(torch.tensor(x1), torch.tensor(x2))
    ref.sum().backward()
    assert y.dtype == np.float32
    assert_close(y.data, ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert_close(m.weight.grad.data, t.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert_close(m.bias.grad.data, t.bias.grad.numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"Bilinear: in1_features must be > 0"):
        nn.Bilinear(0, 3, 5)
    with pytest.raises(ValueError, match="AlphaDropout: probability has to be between 0 and 1"):
        nn.AlphaDropout(2)
