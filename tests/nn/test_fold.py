"""unfold / fold, max_unpool1d/2d/3d, lp_pool1d/2d and their modules: against torch in float64
(values, shapes, gradients of a random cotangent), float64 gradchecks, the unfold/fold
adjoint identity, float32 in float32 out, reprs, and the errors."""
import math

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import autograd
import nn
import nn.functional as F
from tests.helpers import assert_close, assert_gradcheck, check_float32, check_op

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# (input shape, kwargs): stride, padding, dilation, non-square, padding wider than the kernel
GEOMETRIES = [
    ((2, 3, 5, 6), dict(kernel_size=2)),
    ((2, 3, 5, 6), dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 2), dilation=(2, 1))),
    ((1, 2, 7, 4), dict(kernel_size=3, padding=4, stride=3)),
    ((3, 1, 6, 6), dict(kernel_size=(1, 2), dilation=2, stride=(1, 3))),
    ((2, 2, 4, 9), dict(kernel_size=(3, 2), dilation=(1, 3), padding=(0, 1), stride=2)),
]


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def torch_cols_shape(shape, kw):
    return tuple(TF.unfold(torch.zeros(shape), **kw).shape)


# ------------------------------------------------------------------------- unfold / fold
@pytest.mark.parametrize("shape,kw", GEOMETRIES)
def test_unfold_matches_torch_and_gradchecks(shape, kw):
    x = rand(*shape)
    check_op(lambda t: F.unfold(t, **kw), lambda t: TF.unfold(t, **kw), x)
    check_op(lambda t: F.unfold(t, **kw), lambda t: TF.unfold(t, **kw), x[0], gradcheck=False)


@pytest.mark.parametrize("shape,kw", GEOMETRIES)
def test_fold_matches_torch_and_gradchecks(shape, kw):
    cols = rand(*torch_cols_shape(shape, kw), seed=1)
    size = shape[-2:]
    check_op(lambda t: F.fold(t, size, **kw), lambda t: TF.fold(t, size, **kw), cols)
    check_op(lambda t: F.fold(t, size, **kw), lambda t: TF.fold(t, size, **kw), cols[0],
             gradcheck=False)


@st.composite
def fold_geometries(draw):
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(2))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(2))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(2))
    padding = tuple(draw(st.integers(0, 3)) for _ in range(2))
    size = tuple(draw(st.integers(max(d * (k - 1) + 1 - 2 * p, 1), 7))
                 for k, d, p in zip(kernel, dilation, padding))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3))) + size
    return shape, dict(kernel_size=kernel, dilation=dilation, padding=padding, stride=stride)


@settings(deadline=None, max_examples=25)
@given(geometry=fold_geometries(), seed=st.integers(0, 2**16))
def test_unfold_fold_match_torch_on_random_geometries(geometry, seed):
    shape, kw = geometry
    x = rand(*shape, seed=seed)
    check_op(lambda t: F.unfold(t, **kw), lambda t: TF.unfold(t, **kw), x, gradcheck=False)
    cols = rand(*torch_cols_shape(shape, kw), seed=seed + 1)
    check_op(lambda t: F.fold(t, shape[-2:], **kw), lambda t: TF.fold(t, shape[-2:], **kw),
             cols, gradcheck=False)


@pytest.mark.parametrize("shape,kw", GEOMETRIES)
def test_fold_is_the_adjoint_of_unfold(shape, kw):
    x, c = rand(*shape), rand(*torch_cols_shape(shape, kw), seed=2)
    lhs = np.sum(F.unfold(autograd.tensor(x), **kw).data * c)
    rhs = np.sum(x * F.fold(autograd.tensor(c), shape[-2:], **kw).data)
    assert lhs == pytest.approx(rhs, rel=1e-12)


def test_fold_of_unfold_counts_the_windows_over_each_pixel():
    x = rand(1, 2, 5, 5)
    y = F.fold(F.unfold(autograd.tensor(x), 3, padding=1), (5, 5), 3, padding=1).data
    counts = np.array([2, 3, 3, 3, 2], float)
    assert_close(y, x * np.outer(counts, counts))


def test_unfold_fold_empty_batch_and_float32():
    y = F.unfold(autograd.zeros(0, 3, 4, 4), 2)
    assert y.shape == (0, 12, 9)
    assert F.fold(y, 4, 2).shape == (0, 3, 4, 4)
    check_float32(lambda t: F.unfold(t, 2, stride=2), rand(2, 3, 4, 4))
    check_float32(lambda t: F.fold(t, (4, 4), 2, stride=2), rand(2, 12, 4))


# the class torch raises for each (ours is also a ValueError): torch's unfold of a 2-D input
# fails with an IndexError, the rest with a RuntimeError
@pytest.mark.parametrize("call,err,match", [
    (lambda: F.unfold(autograd.zeros(4, 4), 2), ValueError, r"unfold: .*\(C, H, W\).*\(4, 4\)"),
    (lambda: F.unfold(autograd.zeros(1, 1, 2, 4, 4), 2), RuntimeError,
     r"unfold: .*\(1, 1, 2, 4, 4\)"),
    (lambda: F.unfold(autograd.zeros(2, 0, 4, 4), 2), RuntimeError, r"non-empty C, H, W"),
    (lambda: F.unfold(autograd.zeros(2, 3, 5, 6), 6), RuntimeError,
     r"too small.*\(0, 1\) sliding blocks"),
    (lambda: F.unfold(autograd.zeros(2, 3, 5, 6), 2, stride=0), RuntimeError,
     r"unfold: stride must be >= 1"),
    (lambda: F.unfold(autograd.zeros(2, 3, 5, 6), 0), RuntimeError,
     r"unfold: kernel_size must be >= 1"),
    (lambda: F.unfold(autograd.zeros(2, 3, 5, 6), 2, padding=-1), RuntimeError,
     r"padding must be >= 0"),
    (lambda: F.unfold(autograd.zeros(2, 3, 5, 6), (2, 3, 4)), RuntimeError, r"tuple of 2 ints"),
    (lambda: F.unfold(autograd.zeros(2, 3, 5, 6), (2,)), RuntimeError, r"tuple of 2 ints"),
    (lambda: F.fold(autograd.zeros(2, 12, 31), (6, 7), 2), RuntimeError,
     r"fold: .*5 \* 6 = 30 sliding blocks, but input of shape \(2, 12, 31\) has L = 31"),
    (lambda: F.fold(autograd.zeros(2, 12, 30), (1, 1), 2), RuntimeError,
     r"output_size is too small"),
    (lambda: F.fold(autograd.zeros(2, 12, 1), 0, 2), RuntimeError, r"output_size must be >= 1"),
    (lambda: F.fold(autograd.zeros(2, 13, 30), (6, 7), 2), RuntimeError,
     r"13 rows, not divisible by the 4"),
    (lambda: F.fold(autograd.zeros(2, 12, 30, 1), (6, 7), 2), RuntimeError,
     r"\(2, 12, 30, 1\)"),
    (lambda: F.fold(autograd.zeros(2, 12, 0), (6, 7), 2), RuntimeError, r"non-empty"),
])
def test_unfold_fold_errors(call, err, match):
    with pytest.raises(err, match=match):
        call()
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("arg", ["kernel_size", "dilation", "padding", "stride"])
@pytest.mark.parametrize("value", [2.0, None])
def test_unfold_fold_float_or_none_sizes_are_type_errors_as_in_torch(arg, value):
    kw = {"kernel_size": 2, arg: value}
    for ours, theirs, x, size in [(F.unfold, TF.unfold, (1, 1, 5, 5), ()),
                                  (F.fold, TF.fold, (1, 4, 16), ((5, 5),))]:
        with pytest.raises(TypeError):
            theirs(torch.zeros(x), *size, **kw)
        with pytest.raises(TypeError, match=f"{ours.__name__}: {arg} must be"):
            ours(autograd.zeros(*x), *size, **kw)


def test_unfold_fold_reject_integer_input():
    with pytest.raises(TypeError, match="unfold: expected floating-point.*int64"):
        F.unfold(autograd.tensor(np.zeros((1, 1, 3, 3), np.int64)), 2)
    with pytest.raises(TypeError, match="fold: expected floating-point.*int64"):
        F.fold(autograd.tensor(np.zeros((1, 4, 4), np.int64)), 3, 2)


# ------------------------------------------------------------------------- max unpooling
UNPOOL_2D = [
    ((2, 3, 6, 8), dict(kernel_size=2), None),
    ((2, 3, 7, 7), dict(kernel_size=2), (7, 7)),                       # odd input: needs size
    ((2, 2, 7, 6), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0)), None),
    ((1, 2, 5, 5), dict(kernel_size=3, stride=1), (1, 2, 5, 5)),       # overlapping windows
    ((3, 6, 5), dict(kernel_size=2, stride=(2, 1)), None),             # unbatched
]


def _unique_per_plane(idx, nd=None):
    """Overlapping windows can pick one input twice: the forward then writes it once but
    torch's VJP (a gather) sends the gradient to both, so finite differences cannot agree."""
    per_plane = (idx.shape[-1] * (idx.shape[-2] if idx.ndim > 2 else 1) if nd is None
                 else math.prod(idx.shape[-nd:]))
    planes = idx.numpy().reshape(-1, per_plane)
    return all(len(np.unique(p)) == len(p) for p in planes)


def _pooled(shape, kw, nd, seed=0):
    x = torch.tensor(rand(*shape, seed=seed))
    pool = {1: TF.max_pool1d, 2: TF.max_pool2d, 3: TF.max_pool3d}[nd]
    y, idx = pool(x, return_indices=True, **kw)
    return y.numpy(), idx


@pytest.mark.parametrize("shape,kw,size", UNPOOL_2D)
def test_max_unpool2d_matches_torch(shape, kw, size):
    y, idx = _pooled(shape, kw, 2)
    check_op(lambda t: F.max_unpool2d(t, idx.numpy(), output_size=size, **kw),
             lambda t: TF.max_unpool2d(t, idx, output_size=size, **kw), y,
             gradcheck=_unique_per_plane(idx))


@pytest.mark.parametrize("shape,kw,size", [
    ((2, 3, 9), dict(kernel_size=3, stride=2), None),
    ((2, 3, 9), dict(kernel_size=2), (9,)),
    ((2, 2, 8), dict(kernel_size=3, stride=2, padding=1), [2, 2, 8]),
    ((3, 7), dict(kernel_size=2, stride=1), None),
])
def test_max_unpool1d_matches_torch(shape, kw, size):
    y, idx = _pooled(shape, kw, 1)
    check_op(lambda t: F.max_unpool1d(t, idx.numpy(), output_size=size, **kw),
             lambda t: TF.max_unpool1d(t, idx, output_size=size, **kw), y,
             gradcheck=_unique_per_plane(idx))


@pytest.mark.parametrize("shape,kw,size", [
    ((2, 2, 4, 6, 4), dict(kernel_size=2), None),
    ((1, 2, 5, 4, 5), dict(kernel_size=(2, 3, 2), stride=(2, 1, 2), padding=(1, 1, 0)),
     (5, 4, 5)),
    ((2, 4, 4, 5), dict(kernel_size=2, stride=(2, 2, 1)), None),     # unbatched
])
def test_max_unpool3d_matches_torch(shape, kw, size):
    y, idx = _pooled(shape, kw, 3)
    check_op(lambda t: nn.MaxUnpool3d(**kw)(t, idx.numpy(), output_size=size),
             lambda t: torch.nn.MaxUnpool3d(**kw)(t, idx, output_size=size), y,
             gradcheck=_unique_per_plane(idx, 3))


def test_max_unpool_inverts_our_max_pool_indices():
    x = autograd.tensor(rand(2, 3, 6, 6), requires_grad=True)
    y, idx = F.max_pool2d(x, 2, padding=1, return_indices=True)
    u = F.max_unpool2d(y, idx, 2, padding=1)
    ty, tidx = TF.max_pool2d(torch.tensor(x.data), 2, padding=1, return_indices=True)
    assert np.array_equal(idx.data, tidx.numpy()) and idx.dtype == np.int64
    assert_close(u.data, TF.max_unpool2d(ty, tidx, 2, padding=1).numpy())
    u.sum().backward()   # the gradient reaches x through the unpool and the pool
    assert x.grad.data.sum() == y.data.size
    check_float32(lambda t: F.max_unpool1d(t, np.array([[0, 3]]), 2), rand(1, 2))


@pytest.mark.parametrize("call,err,match", [
    (lambda y, i: F.max_unpool2d(y, i, 2), RuntimeError,
     r"invalid max index 38: the output planes have size 6x6"),
    (lambda y, i: F.max_unpool2d(y, i - 100, 2, output_size=(7, 7)), RuntimeError,
     r"invalid max index -"),
    (lambda y, i: F.max_unpool2d(y, i.astype(np.int32), 2, output_size=(7, 7)), RuntimeError,
     r"max_unpool2d: indices must be int64.*int32"),
    (lambda y, i: F.max_unpool2d(y, i[:1], 2, output_size=(7, 7)), RuntimeError,
     r"indices of shape \(1, 3, 3, 3\) must have the shape of the input, \(2, 3, 3, 3\)"),
    (lambda y, i: F.max_unpool2d(y, i, 2, output_size=(8, 7)), ValueError,
     r"invalid output_size \(8, 7\) \(dim 0 must be between 4 and 8"),
    (lambda y, i: F.max_unpool2d(y, i, 2, output_size=(1, 7, 7)), ValueError,
     r"output_size must be 2 or 4 ints"),
    (lambda y, i: F.max_unpool2d(y[0, 0], i[0, 0], 2), RuntimeError,
     r"max_unpool2d: expected an input of shape \(N, C, H, W\) or \(C, H, W\), got \(3, 3\)"),
    (lambda y, i: F.max_unpool1d(y[0, 0, 0], i[0, 0, 0], 2), RuntimeError,
     r"max_unpool1d: expected an input of shape \(N, C, L\) or \(C, L\), got \(3,\)"),
])
def test_max_unpool_errors(call, err, match):
    # err is the class torch raises there (each RuntimeError of ours is also a ValueError)
    y, idx = _pooled((2, 3, 7, 7), dict(kernel_size=2), 2)
    with pytest.raises(err, match=match):
        call(autograd.tensor(y), idx.numpy())


# ------------------------------------------------------------------------- lp pooling
@pytest.mark.parametrize("p", [1, 2, 3, 1.5, -1.0, math.inf, -math.inf])
@pytest.mark.parametrize("nd,shape,kw", [
    (2, (2, 3, 5, 7), dict(kernel_size=(2, 3))),
    (2, (2, 3, 5, 7), dict(kernel_size=2, stride=(1, 3), ceil_mode=True)),
    (2, (3, 5, 4), dict(kernel_size=3, stride=2)),
    (1, (2, 3, 7), dict(kernel_size=3, stride=2, ceil_mode=True)),
    (1, (3, 6), dict(kernel_size=2)),
    (3, (1, 2, 4, 5, 3), dict(kernel_size=(2, 3, 2), stride=(1, 2, 1), ceil_mode=True)),
])
def test_lp_pool_matches_torch(p, nd, shape, kw):
    ours, theirs = {1: (F.lp_pool1d, TF.lp_pool1d), 2: (F.lp_pool2d, TF.lp_pool2d),
                    3: (F.lp_pool3d, TF.lp_pool3d)}[nd]
    x = rand(*shape)
    # a negative window sum has a nan 1/p-th root for p = 3, and x^p of a negative x is nan
    # for fractional p (as in torch): gradcheck on positive inputs there
    finite = x if p in (1, 2) else 0.2 + np.abs(x)
    check_op(lambda t: ours(t, p, **kw), lambda t: theirs(t, p, **kw), x, gradcheck=False)
    if not math.isinf(p):
        assert_gradcheck(lambda t: ours(t, p, **kw), finite)


def test_lp_pool_zero_windows_get_zero_gradient():
    x = np.array([[[1.0, -2.0, 0.0, 0.0, 3.0, -1.0]]])
    for p in (2, 3, 1.5):
        check_op(lambda t: F.lp_pool1d(t, p, 2), lambda t: TF.lp_pool1d(t, p, 2), x,
                 gradcheck=False)
    t = autograd.tensor(x, requires_grad=True)
    F.lp_pool1d(t, 2, 2).sum().backward()
    assert np.all(t.grad.data[0, 0, 2:4] == 0)


def test_lp_pool_float32_and_errors():
    check_float32(lambda t: F.lp_pool2d(t, 2, 2), rand(1, 2, 4, 4))
    check_float32(lambda t: F.lp_pool1d(t, math.inf, 2), rand(1, 2, 4))
    with pytest.raises(ValueError, match="lp_pool2d: norm_type must be nonzero"):
        F.lp_pool2d(autograd.zeros(1, 1, 4, 4), 0, 2)
    with pytest.raises(TypeError, match="lp_pool1d: norm_type must be a real number"):
        F.lp_pool1d(autograd.zeros(1, 1, 4), "2", 2)
    # errors of the pooling inside name lp_pool, and are RuntimeErrors as torch's
    for p, fn, shape in [(2, F.lp_pool2d, (2, 3, 5, 6)), (math.inf, F.lp_pool2d, (2, 3, 5, 6)),
                         (2, F.lp_pool1d, (2, 3, 5)), (-math.inf, F.lp_pool3d, (1, 2, 5, 6, 6))]:
        with pytest.raises(RuntimeError, match=fr"{fn.__name__}: input of shape "
                                               fr"\({', '.join(map(str, shape))}\) is too small"):
            fn(autograd.zeros(*shape), p, 7)


# ------------------------------------------------------------------------- modules
@pytest.mark.parametrize("args", [
    ("Unfold", (2,), {}), ("Unfold", ((2, 3),), dict(dilation=2, padding=1, stride=(1, 2))),
    ("Fold", (4, 2), {}), ("Fold", ((5, 6), 3), dict(padding=1, stride=2)),
    ("MaxUnpool1d", (2,), {}), ("MaxUnpool1d", (3, 2, 1), {}),
    ("MaxUnpool2d", (2,), {}), ("MaxUnpool2d", ((3, 2),), dict(stride=1, padding=(1, 0))),
    ("LPPool1d", (2, 3), {}), ("LPPool1d", (1.5, 3, 2, True), {}),
    ("LPPool2d", (2, 3), {}), ("LPPool2d", (math.inf, (2, 3)), dict(stride=(1, 2))),
    ("MaxUnpool3d", ((2, 1, 2),), dict(stride=1)), ("LPPool3d", (3, 2), dict(ceil_mode=True)),
])
def test_module_repr_and_attributes_match_torch(args):
    name, pos, kw = args
    ours, theirs = getattr(nn, name)(*pos, **kw), getattr(torch.nn, name)(*pos, **kw)
    assert repr(ours) == repr(theirs)
    for attr in ("kernel_size", "stride", "padding", "dilation", "output_size", "norm_type",
                 "ceil_mode"):
        assert getattr(ours, attr, None) == getattr(theirs, attr, None), attr
    assert not list(ours.parameters())


def test_modules_forward_as_torch():
    x = rand(2, 3, 6, 6)
    tx = torch.tensor(x)
    pairs = [(nn.Unfold(2, stride=2), torch.nn.Unfold(2, stride=2), x),
             (nn.Fold(6, 2, stride=2), torch.nn.Fold(6, 2, stride=2), rand(2, 12, 9)),
             (nn.LPPool2d(2, 3, stride=2), torch.nn.LPPool2d(2, 3, stride=2), x),
             (nn.LPPool1d(3, 2), torch.nn.LPPool1d(3, 2), x[0])]
    for ours, theirs, a in pairs:
        check_op(ours, theirs, a, gradcheck=False)
    y, idx = TF.max_pool2d(tx, 2, return_indices=True)
    check_op(lambda t: nn.MaxUnpool2d(2)(t, idx.numpy(), output_size=(6, 6)),
             lambda t: torch.nn.MaxUnpool2d(2)(t, idx, output_size=(6, 6)), y.numpy())
    y1, idx1 = TF.max_pool1d(tx[0], 2, 1, return_indices=True)
    check_op(lambda t: nn.MaxUnpool1d(2, 1)(t, autograd.tensor(idx1.numpy())),
             lambda t: torch.nn.MaxUnpool1d(2, 1)(t, idx1), y1.numpy(), gradcheck=False)


# ------------------------------------------------------------------------- 3-D
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")   # torch's
@pytest.mark.parametrize("kw", [
    dict(), dict(stride=(1, 2, 3), padding=(1, 0, 2), dilation=(2, 1, 1), groups=2),
    dict(padding="same", groups=2),
])
def test_conv3d_matches_torch_and_gradchecks(kw):
    x, w, b = rand(2, 4, 4, 5, 6), rand(6, 4 // kw.get("groups", 1), 2, 3, 2, seed=1), rand(6)
    check_op(lambda *t: F.conv3d(*t, **kw), lambda *t: TF.conv3d(*t, **kw), x, w, b,
             gradcheck=False)
    # finite differences on one image (the batch is one more matmul dim; torch checked it)
    assert_gradcheck(lambda *t: F.conv3d(*t, **kw), x[:1], w, b)
    check_op(lambda a, c: F.conv3d(a, c, **kw), lambda a, c: TF.conv3d(a, c, **kw), x[0], w,
             gradcheck=False)


POOL_3D = [dict(kernel_size=2), dict(kernel_size=(3, 2, 2), stride=(2, 1, 3), padding=(1, 1, 0),
                                     ceil_mode=True),
           dict(kernel_size=3, stride=2, padding=1)]


@pytest.mark.parametrize("kw", POOL_3D + [dict(kernel_size=(2, 3, 2), dilation=(1, 2, 1))])
def test_max_pool3d_matches_torch_with_indices(kw):
    x = rand(2, 2, 5, 6, 7)
    check_op(lambda t: F.max_pool3d(t, **kw), lambda t: TF.max_pool3d(t, **kw), x,
             gradcheck=False)
    # finite differences on one image: its 2 channels are 2 planes, as the batch's 4 are
    assert_gradcheck(lambda t: F.max_pool3d(t, **kw), x[:1])
    for a in (x, x[0]):
        y, idx = F.max_pool3d(autograd.tensor(a), return_indices=True, **kw)
        ty, tidx = TF.max_pool3d(torch.tensor(a), return_indices=True, **kw)
        assert idx.dtype == np.int64 and np.array_equal(idx.data, tidx.numpy())


@pytest.mark.parametrize("kw", POOL_3D)
@pytest.mark.parametrize("extra", [dict(), dict(count_include_pad=False),
                                   dict(divisor_override=5)])
def test_avg_pool3d_matches_torch(kw, extra):
    x = rand(2, 2, 5, 6, 7)
    check_op(lambda t: F.avg_pool3d(t, **kw, **extra), lambda t: TF.avg_pool3d(t, **kw, **extra),
             x, gradcheck=False)
    if not extra:   # finite differences on one image (2 channels: 2 planes)
        assert_gradcheck(lambda t: F.avg_pool3d(t, **kw), x[:1])
    check_op(lambda t: F.avg_pool3d(t, **kw, **extra), lambda t: TF.avg_pool3d(t, **kw, **extra),
             x[0], gradcheck=False)


@pytest.mark.parametrize("size", [2, (3, None, 4), (5, 6, 7), 1])
def test_adaptive_avg_pool3d_matches_torch(size):
    x = rand(2, 2, 5, 6, 7)
    check_op(lambda t: F.adaptive_avg_pool3d(t, size), lambda t: TF.adaptive_avg_pool3d(t, size),
             x, gradcheck=False)
    if size == 2:   # finite differences on one image (2 channels: 2 planes)
        assert_gradcheck(lambda t: F.adaptive_avg_pool3d(t, size), x[:1])
    check_op(lambda t: F.adaptive_avg_pool3d(t, size), lambda t: TF.adaptive_avg_pool3d(t, size),
             x[0], gradcheck=False)


def test_3d_float32_and_errors():
    x = rand(1, 2, 4, 4, 4)
    check_float32(lambda t, w: F.conv3d(t, w, padding=1), x, rand(3, 2, 2, 2, 2))
    check_float32(lambda t: F.max_pool3d(t, 2), x)
    check_float32(lambda t: F.avg_pool3d(t, 2, ceil_mode=True, stride=3), x)
    check_float32(lambda t: F.adaptive_avg_pool3d(t, 3), x)
    z = autograd.zeros(1, 2, 4, 4, 4)
    with pytest.raises(ValueError, match=r"conv3d: weight must be 5-D.*\(3, 2, 2, 2\)"):
        F.conv3d(z, autograd.zeros(3, 2, 2, 2))
    with pytest.raises(ValueError, match=r"conv3d: input of shape \(1, 2, 4, 4, 4\) has 2 "
                                         r"channels"):
        F.conv3d(z, autograd.zeros(3, 3, 2, 2, 2))
    with pytest.raises(ValueError, match=r"max_pool3d: expected an input of shape "
                                         r"\(N, C, D, H, W\).*\(4, 4, 4\)"):
        F.max_pool3d(autograd.zeros(4, 4, 4), 2)
    with pytest.raises(ValueError, match=r"avg_pool3d: input of shape \(1, 2, 4, 4, 4\) is too "
                                         r"small"):
        F.avg_pool3d(z, 5)
    with pytest.raises(ValueError, match=r"adaptive_avg_pool3d: output_size must be an int or "
                                         r"3 ints"):
        F.adaptive_avg_pool3d(z, (2, 2))


def test_3d_modules_match_torch():
    torch.manual_seed(0)
    x = rand(2, 4, 4, 5, 6)
    for kw in (dict(stride=2, padding=1, groups=2), dict(padding=1, padding_mode="reflect")):
        ours = nn.Conv3d(4, 6, (2, 3, 2), dtype=autograd.float64, **kw)
        theirs = torch.nn.Conv3d(4, 6, (2, 3, 2), dtype=torch.float64, **kw)
        assert repr(ours) == repr(theirs) and ours.weight.shape == tuple(theirs.weight.shape)
        ours.weight.data[...] = theirs.weight.detach().numpy()
        ours.bias.data[...] = theirs.bias.detach().numpy()
        check_op(ours, theirs, x, gradcheck=False)
    pairs = [(nn.MaxPool3d(2, 1, 1), torch.nn.MaxPool3d(2, 1, 1)),
             (nn.AvgPool3d(3, 2, 1, count_include_pad=False),
              torch.nn.AvgPool3d(3, 2, 1, count_include_pad=False)),
             (nn.AdaptiveAvgPool3d((2, None, 3)), torch.nn.AdaptiveAvgPool3d((2, None, 3))),
             (nn.ZeroPad3d((1, 0, 2, 0, 1, 1)), torch.nn.ZeroPad3d((1, 0, 2, 0, 1, 1))),
             (nn.ConstantPad3d(1, 2.5), torch.nn.ConstantPad3d(1, 2.5))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        check_op(ours, theirs, x, gradcheck=False)
    with pytest.raises(ValueError, match=r"Conv3d: expected input of shape \(N, 4, D, H, W\)"):
        nn.Conv3d(4, 6, 2)(autograd.zeros(2, 3, 4, 4, 4))
