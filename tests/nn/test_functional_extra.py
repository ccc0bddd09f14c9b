"""group_norm / GroupNorm, channel dropout, one_hot, pad, normalize and cosine_similarity
against torch (values, gradients, dtypes, edge cases) and gradcheck."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
import nn.functional as F
from tests.helpers import check_float32, check_op

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _rng(seed=0):
    return np.random.default_rng(seed)


# ------------------------------------------------------------------------- group norm
@pytest.mark.parametrize("shape,groups", [((2, 6, 5), 3), ((3, 4), 2), ((2, 4, 3, 2), 4),
                                          ((1, 6, 2, 2, 2), 1), ((2, 4, 1), 4)])
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_matches_torch_and_gradchecks(shape, groups, affine):
    rng = _rng(1)
    arrays = [rng.standard_normal(shape) * 2 + 0.5]
    if affine:
        arrays += [rng.standard_normal(shape[1]), rng.standard_normal(shape[1])]
    check_op(lambda x, *wb: F.group_norm(x, groups, *wb, eps=1e-4),
             lambda x, *wb: TF.group_norm(x, groups, *wb, eps=1e-4), *arrays)
    check_float32(lambda x, *wb: F.group_norm(x, groups, *wb), *arrays)


def test_group_norm_empty_batch_and_errors():
    x = autograd.zeros(0, 4, 3, requires_grad=True)
    y = F.group_norm(x, 2, autograd.ones(4), autograd.zeros(4))
    assert y.shape == (0, 4, 3)
    y.sum().backward()
    assert x.grad.shape == (0, 4, 3)
    with pytest.raises(ValueError, match=r"group_norm: the 3 channels .*\(2, 3, 4\).*2"):
        F.group_norm(autograd.zeros(2, 3, 4), 2)
    with pytest.raises(ValueError, match=r"group_norm: expected .*\(5,\)"):
        F.group_norm(autograd.zeros(5), 1)
    with pytest.raises(ValueError, match=r"group_norm: weight must have shape \(4,\)"):
        F.group_norm(autograd.zeros(2, 4), 2, autograd.ones(3))
    with pytest.raises(ValueError, match="GroupNorm: num_channels"):
        nn.GroupNorm(3, 4)
    # one value in all (as torch): nothing to normalize; two samples of one value each are fine
    for shape in [(1, 3), (1, 3, 1)]:
        with pytest.raises(ValueError, match=r"group_norm: expected more than 1 value"):
            F.group_norm(autograd.zeros(*shape), 3)
    assert F.group_norm(autograd.zeros(2, 3), 3).shape == (2, 3)


@pytest.mark.parametrize("kwargs", [{}, {"affine": False}, {"bias": False}, {"eps": 1e-3}])
def test_group_norm_module_matches_torch(kwargs):
    ours, theirs = nn.GroupNorm(2, 4, **kwargs), torch.nn.GroupNorm(2, 4, **kwargs)
    assert repr(ours) == repr(theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    x = _rng(2).standard_normal((3, 4, 5)).astype(np.float32)
    xo, xt = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(xo), theirs(xt)
    assert y.dtype == np.float32
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(xo.grad.data, xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (_, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------------- channel dropout
@pytest.mark.parametrize("fn,shape,channels", [
    (F.dropout2d, (40, 30, 3, 4), (40, 30)),
    (F.dropout2d, (40, 30, 5), (40, 30)),            # 3-D: (N, C, L), as PyTorch
    (F.dropout1d, (40, 30, 5), (40, 30)),
    (F.dropout1d, (300, 5), (1, 300)),               # unbatched (C, L)
    (F.dropout3d, (20, 30, 2, 2, 2), (20, 30)),
    (F.dropout3d, (300, 2, 2, 2), (1, 300)),         # unbatched (C, D, H, W)
])
@pytest.mark.filterwarnings("ignore:dropout2d")
def test_channel_dropout_zeros_whole_channels(fn, shape, channels):
    autograd.manual_seed(0)
    x = autograd.ones(*shape, requires_grad=True)
    y = fn(x, p=0.4)
    per_channel = y.data.reshape(*channels, -1)
    assert ((per_channel == 0).all(-1) | (per_channel == np.float32(1 / 0.6)).all(-1)).all()
    dropped = (per_channel == 0).all(-1).mean()
    assert 0.3 < dropped < 0.5
    y.backward(np.ones(shape, np.float32))
    np.testing.assert_array_equal(x.grad.data, y.data)
    assert x.grad.dtype == np.float32


def test_channel_dropout_eval_p_bounds_and_errors():
    x = autograd.randn(2, 3, 4, 4)
    assert F.dropout2d(x, 0.5, training=False) is x
    assert F.dropout2d(x, 0.0) is x
    np.testing.assert_array_equal(F.dropout2d(x, 1.0).data, 0)
    with pytest.raises(ValueError, match="dropout2d: dropout probability"):
        F.dropout2d(x, 1.5)
    with pytest.raises(ValueError, match=r"dropout1d: expected .*\(2, 3, 4, 4\)"):
        F.dropout1d(x)
    with pytest.warns(UserWarning, match="dropout2d: received a 3-D input"):
        F.dropout2d(autograd.randn(2, 3, 4))
    with pytest.warns(UserWarning, match="dropout2d: received a 2-D input"):
        F.dropout2d(autograd.randn(2, 3))
    with pytest.raises(ValueError, match="Dropout2d: probability"):
        nn.Dropout2d(-0.1)


@pytest.mark.parametrize("cls", ["Dropout1d", "Dropout2d", "Dropout3d"])
def test_channel_dropout_modules(cls):
    ours, theirs = getattr(nn, cls)(0.3), getattr(torch.nn, cls)(0.3)
    assert repr(ours) == repr(theirs)
    x = autograd.randn(*{"Dropout1d": (2, 3, 4), "Dropout2d": (2, 3, 4, 4),
                         "Dropout3d": (2, 3, 2, 2, 2)}[cls])
    ours.eval()
    assert ours(x) is x
    ours.train()
    assert ours(x).shape == x.shape


# ------------------------------------------------------------------------- one_hot
@pytest.mark.parametrize("idx,n", [([0, 2, 1], -1), ([[0, 3], [1, 1]], 5), (2, 4), ([], 3),
                                   (np.zeros((0, 2), np.int64), 2), ([1, 0], -1)])
def test_one_hot_matches_torch(idx, n):
    arr = np.array(idx, dtype=np.int64)
    y = F.one_hot(autograd.tensor(arr), n)
    expected = TF.one_hot(torch.tensor(arr), n).numpy()
    assert y.dtype == np.int64 and not y.requires_grad
    np.testing.assert_array_equal(y.data, expected)
    assert y.shape == expected.shape


def test_one_hot_errors():
    with pytest.raises(TypeError, match="one_hot: .*float32"):
        F.one_hot(autograd.tensor([1.0]))
    with pytest.raises(ValueError, match="one_hot: class values must be non-negative"):
        F.one_hot(autograd.tensor([1, -2]))
    with pytest.raises(ValueError, match="one_hot: class values must be smaller"):
        F.one_hot(autograd.tensor([1, 2]), 2)
    with pytest.raises(ValueError, match=r"one_hot: cannot infer .*\(0,\)"):
        F.one_hot(autograd.tensor(np.zeros(0, np.int64)))
    with pytest.raises(ValueError, match="one_hot: num_classes"):
        F.one_hot(autograd.tensor([1]), -2)


# ------------------------------------------------------------------------- pad
CONSTANT_PADS = [((3, 4), (1, 2)), ((2, 3, 4), (1, 0, 2, 1)), ((2, 3, 4), (-1, 2)),
                 ((2, 3, 4), (0, 0, -1, -2)), ((2, 3, 4), (1, 1, 1, 1, 1, 1)),
                 ((4,), (-4, 0)), ((2, 3), (-3, 1)), ((0, 3), (1, 1)), ((), ())]


@pytest.mark.parametrize("shape,pads", CONSTANT_PADS)
@pytest.mark.parametrize("value", [None, -2.5])
def test_constant_pad_matches_torch_and_gradchecks(shape, pads, value):
    x = _rng(3).standard_normal(shape)
    check_op(lambda t: F.pad(t, pads, value=value), lambda t: TF.pad(t, pads, value=value), x)
    check_float32(lambda t: F.pad(t, pads, value=value), x)


def test_constant_pad_of_integers_keeps_the_dtype():
    x = np.arange(6, dtype=np.int64).reshape(2, 3)
    y = F.pad(autograd.tensor(x), (1, 1), value=7)
    np.testing.assert_array_equal(y.data, TF.pad(torch.tensor(x), (1, 1), value=7).numpy())
    assert y.dtype == np.int64


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pads", [((3, 5), (2, 1)), ((2, 3, 5), (0, 4)), ((2, 3, 6), (0, 5)),
                                        ((2, 4, 5), (1, 2, 3, 0)),
                                        ((1, 3, 4, 5), (1, 1, 2, 0)),
                                        ((1, 2, 3, 4, 3), (1, 2, 0, 1, 2, 2)),
                                        ((2, 3, 4, 5), (1, 0, 0, 1, 1, 1))])
def test_other_pad_modes_match_torch_and_gradcheck(mode, shape, pads):
    x = _rng(4).standard_normal(shape)
    check_op(lambda t: F.pad(t, pads, mode=mode), lambda t: TF.pad(t, pads, mode=mode), x)
    check_float32(lambda t: F.pad(t, pads, mode=mode), x)


@settings(deadline=None, max_examples=40)
@given(n=st.integers(1, 5), lo=st.integers(-4, 5), hi=st.integers(-4, 5),
       mode=st.sampled_from(["constant", "reflect", "replicate", "circular"]))
def test_pad_accepts_and_rejects_what_torch_does(n, lo, hi, mode):
    x = np.arange(2 * n, dtype=np.float64).reshape(1, 2, n)
    kept = n - max(-lo, 0) - max(-hi, 0)
    if mode == "circular" and (kept < 1 or max(lo, hi) > kept):
        # a crop that leaves less than the wrap needs: torch returns uninitialized memory
        with pytest.raises(ValueError, match="pad: circular padding"):
            F.pad(autograd.tensor(x), (lo, hi), mode=mode)
        return
    try:
        expected = TF.pad(torch.tensor(x), (lo, hi), mode=mode).numpy()
    except (RuntimeError, ValueError):
        with pytest.raises(ValueError, match="pad: "):
            F.pad(autograd.tensor(x), (lo, hi), mode=mode)
        return
    np.testing.assert_array_equal(F.pad(autograd.tensor(x), (lo, hi), mode=mode).data, expected)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_other_pad_modes_second_derivative(mode):
    # the edges' gradients are added back one position at a time, the centre in one slice;
    # the recorded VJP (create_graph=True) gives the same
    x = autograd.tensor(np.random.default_rng(5).standard_normal((2, 4, 5)),
                        requires_grad=True)
    assert autograd.gradgradcheck(lambda t: F.pad(t, (3, 2, 1, 3), mode=mode) ** 2, (x,))


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_negative_pads_crop_in_reflect_replicate_and_circular_modes(mode):
    x = _rng(7).standard_normal((2, 3, 6))
    check_op(lambda t: F.pad(t, (-2, 3), mode=mode), lambda t: TF.pad(t, (-2, 3), mode=mode), x)


def test_pad_errors():
    x = autograd.zeros(2, 3, 4)
    for pads, mode, message in [((1, 2, 3), "constant", "padding length must be divisible by 2"),
                                ((1,) * 8, "constant", r"8 is more than twice .*\(2, 3, 4\)"),
                                ((1, 1), "wrap", "mode must be one of"),
                                ((-4, 1), "circular", "circular padding"),
                                ((1, 1, 1, 1, 1, 1), "reflect", "of the last 3 dims"),
                                ((4, 0), "reflect", r"reflect padding \(4, 0\) does not fit dim 2"),
                                ((-3, -2), "constant", "crops more than"),
                                (("a", 1), "constant", "pad must be a sequence of ints")]:
        with pytest.raises((ValueError, TypeError), match="pad: .*" + message):
            F.pad(x, pads, mode=mode)
    with pytest.raises(RuntimeError, match="doesn't take a value"):
        F.pad(x, (1, 1), mode="reflect", value=1.0)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("value", [0, 0.0, -0.0, False])
def test_a_zero_value_is_taken_by_every_pad_mode_as_torch(mode, value):
    x = _rng(8).standard_normal((2, 3, 5))
    check_op(lambda t: F.pad(t, (2, 1), mode=mode, value=value),
             lambda t: TF.pad(t, (2, 1), mode=mode, value=value), x, gradcheck=False)


def _torch_error(fn):
    try:
        fn()
    except Exception as e:   # noqa: BLE001  (the class is what is compared)
        return type(e)
    raise AssertionError("torch accepted it")


@pytest.mark.parametrize("pads,mode,value", [
    ((1.7, 0.2), "constant", None), ((1, 1.0), "constant", None), ((True, 0), "constant", None),
    ((np.float64(1), 0), "constant", None), ((1,), "constant", None),
    ((1,) * 8, "constant", None), ((-3, -2), "constant", None), ((1, 1), "wrap", None),
    ((1, 1), "reflect", 1.0), ((1, 1), "circular", float("nan")), ((4, 0), "reflect", None),
    ((5, 0), "circular", None), ((1,) * 6, "reflect", None), ((-2, -2), "reflect", None)])
def test_pad_refuses_what_torch_refuses_with_its_error_class(pads, mode, value):
    x = np.zeros((2, 3, 4))
    cls = _torch_error(lambda: TF.pad(torch.tensor(x), pads, mode=mode, value=value))
    with pytest.raises(cls, match="pad: "):
        F.pad(autograd.tensor(x), pads, mode=mode, value=value)


@pytest.mark.parametrize("mode", ["reflect", "replicate"])
@pytest.mark.parametrize("shape", [(2, 3, 0), (3, 0), (1, 2, 0, 4)])
def test_reflect_and_replicate_pads_of_an_empty_dim_raise_as_torch(mode, shape):
    pads = (1, 1) * (len(shape) - 2 if len(shape) > 3 else 1)
    assert _torch_error(lambda: TF.pad(torch.zeros(shape), pads, mode=mode)) is RuntimeError
    with pytest.raises(RuntimeError, match=f"pad: {mode} padding needs non-empty dims"):
        F.pad(autograd.zeros(*shape), pads, mode=mode)


def test_pad_sizes_may_be_integer_scalars():
    x = _rng(9).standard_normal((2, 3))
    pads = (np.int64(1), autograd.tensor(2))
    np.testing.assert_array_equal(F.pad(autograd.tensor(x), pads).data,
                                  TF.pad(torch.tensor(x), (np.int64(1), torch.tensor(2))).numpy())


# ------------------------------------------------------------------------- normalize / cosine
# torch's Tensor.norm takes a single dim for p=inf
@pytest.mark.parametrize("p,dim", [(p, d) for p in (2.0, 1.0, 3.0, 0.5, float("inf"))
                                   for d in (1, -1, 0, (0, 2)) if d != (0, 2) or p < 4])
def test_normalize_matches_torch_and_gradchecks(p, dim):
    x = _rng(5).standard_normal((3, 4, 2))
    check_op(lambda t: F.normalize(t, p=p, dim=dim), lambda t: TF.normalize(t, p=p, dim=dim), x)
    check_float32(lambda t: F.normalize(t, p=p, dim=dim), x)


@pytest.mark.parametrize("dim", [(), []])
@pytest.mark.parametrize("p", [2.0, 1.0, float("inf")])
def test_normalize_over_no_dims_takes_the_norm_of_every_element_as_torch(p, dim):
    x = _rng(5).standard_normal((3, 2))
    check_op(lambda t: F.normalize(t, p=p, dim=dim), lambda t: TF.normalize(t, p=p, dim=dim), x)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf")])
def test_normalize_of_zero_and_tiny_rows_matches_torch(p):
    x = np.array([[0.0, 0.0, 0.0], [1e-14, -2e-14, 0.0], [1.0, -1.0, 1.0], [3.0, 0.0, -3.0]])
    check_op(lambda t: F.normalize(t, p=p), lambda t: TF.normalize(t, p=p), x, gradcheck=False)
    assert F.normalize(autograd.tensor(np.zeros((0, 3)))).shape == (0, 3)
    check_op(lambda t: F.normalize(t, p=p, dim=0), lambda t: TF.normalize(t, p=p, dim=0),
             np.array(-2.0), gradcheck=False)


@pytest.mark.parametrize("s1,s2,dim", [((4, 5), (4, 5), 1), ((3, 4, 5), (4, 5), -1),
                                       ((3, 1, 5), (1, 4, 5), 0), ((4, 1), (4, 5), 1),
                                       ((5,), (5,), 0), ((), (), 0)])
def test_cosine_similarity_matches_torch_and_gradchecks(s1, s2, dim):
    rng = _rng(6)
    a, b = rng.standard_normal(s1), rng.standard_normal(s2)
    check_op(lambda x, y: F.cosine_similarity(x, y, dim), lambda x, y: TF.cosine_similarity(
        x, y, dim), a, b)
    check_float32(lambda x, y: F.cosine_similarity(x, y, dim), a, b)


def test_cosine_similarity_near_zero_vectors_match_torch():
    a = np.array([[0.0, 0.0, 0.0], [1e-10, 2e-10, 0.0], [1.0, 2.0, 3.0]])
    b = np.array([[1.0, 2.0, 3.0], [3.0, 1e-9, 2.0], [1e-9, 0.0, 0.0]])
    check_op(lambda x, y: F.cosine_similarity(x, y, eps=1e-8),
             lambda x, y: TF.cosine_similarity(x, y, eps=1e-8), a, b, gradcheck=False)
    with pytest.raises(ValueError, match=r"cosine_similarity: shapes \(2, 3\) and \(3, 3\)"):
        F.cosine_similarity(autograd.zeros(2, 3), autograd.zeros(3, 3))
    with pytest.raises(ValueError, match="normalize: p must be"):
        F.normalize(autograd.zeros(2, 3), p=0)
