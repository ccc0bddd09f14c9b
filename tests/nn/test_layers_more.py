"""glu, hardswish, hardsigmoid, prelu, rms_norm, instance_norm, adaptive max pooling,
local_response_norm and their modules, plus the padding modules: against torch in float64
(values, input and parameter gradients, running statistics, state_dict names, repr), a
float64 gradcheck of each function, float32 in float32 out, and the errors."""
import warnings

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import autograd
import nn
import nn.functional as F
from tests.helpers import assert_close, check_float32, check_op

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RTOL, ATOL = 1e-10, 1e-12


def rand(*shape, seed=0, scale=2.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


# ------------------------------------------------------------------------- activations
@pytest.mark.parametrize("shape,dim", [((4,), 0), ((3, 6), -1), ((2, 4, 3), 1), ((2, 3, 2), 0)])
def test_glu_matches_torch(shape, dim):
    check_op(lambda x: F.glu(x, dim), lambda x: TF.glu(x, dim), rand(*shape))


@pytest.mark.parametrize("name", ["hardswish", "hardsigmoid"])
@pytest.mark.parametrize("shape", [(), (7,), (2, 3, 4)])
def test_hard_activations_match_torch(name, shape):
    x = rand(*shape, seed=len(shape), scale=3.0)
    # torch's scalar hardsigmoid backward multiplies by the float32 constant 1.0f / 6.0f
    rtol = 1e-7 if name == "hardsigmoid" else RTOL
    check_op(getattr(F, name), getattr(TF, name), x, rtol=rtol)


@pytest.mark.parametrize("name", ["hardswish", "hardsigmoid"])
def test_hard_activations_at_kinks_and_extremes(name):
    """PyTorch's branch at x = -3 and x = 3, and its values and gradients at +-inf and NaN
    (an unused branch must not turn a zero cotangent into NaN)."""
    x = np.array([-3.0, 3.0, -4.0, 4.0, 0.0, -np.inf, np.inf, np.nan, -2.5, 2.5,
                  np.nextafter(-3.0, 0), np.nextafter(3.0, 0)])
    ours = autograd.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    y, yt = getattr(F, name)(ours), getattr(TF, name)(theirs)
    y.backward(autograd.tensor(np.ones(x.shape)))
    yt.backward(torch.ones(x.shape, dtype=torch.float64))
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=RTOL, atol=ATOL)
    # at NaN, torch's gradient depends on the CPU (its scalar branch passes g, its AVX2 kernel
    # gives NaN): ours is the scalar branch's, and the rest is compared
    finite = ~np.isnan(x)
    np.testing.assert_allclose(ours.grad.data[finite], theirs.grad.numpy()[finite], rtol=1e-7,
                               atol=ATOL)
    assert ours.grad.data[~finite] == (1.0 if name == "hardswish" else 0.0)


@pytest.mark.parametrize("xshape,wshape", [((2, 3, 4), (3,)), ((2, 3, 4), (1,)), ((5,), (1,)),
                                           ((), ()), ((4, 2), (2,)), ((2, 3, 2, 2), (3,))])
def test_prelu_matches_torch(xshape, wshape):
    check_op(F.prelu, TF.prelu, rand(*xshape, seed=1), rand(*wshape, seed=2, scale=0.5))


def test_prelu_extremes():
    x = np.array([[-np.inf, np.inf, 0.0, np.nan, -1.0]])
    xs = [autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)]
    ws = [autograd.tensor(np.array([0.3]), requires_grad=True),
          torch.tensor([0.3], dtype=torch.float64, requires_grad=True)]
    F.prelu(xs[0], ws[0]).backward(autograd.tensor(np.ones(x.shape)))
    TF.prelu(xs[1], ws[1]).backward(torch.ones(x.shape, dtype=torch.float64))
    np.testing.assert_allclose(xs[0].grad.data, xs[1].grad.numpy())
    np.testing.assert_allclose(ws[0].grad.data, ws[1].grad.numpy())


def test_activations_float32():
    x = rand(2, 4, seed=3)
    for fn in (F.hardswish, F.hardsigmoid, lambda t: F.glu(t, 1)):
        check_float32(fn, x)
    check_float32(F.prelu, x, np.array([0.1, 0.2, 0.3, 0.4]))


def test_activation_errors():
    with pytest.raises(ValueError, match=r"glu: halving dimension must be even.*\(3, 5\)"):
        F.glu(autograd.tensor(rand(3, 5)))
    with pytest.raises(ValueError, match="glu: does not support 0-d"):
        F.glu(autograd.tensor(1.0))
    with pytest.raises(TypeError, match="hardswish: .*int64"):
        F.hardswish(autograd.tensor(np.arange(3)))
    with pytest.raises(TypeError, match="prelu: .*input torch.float64, weight torch.float32"):
        F.prelu(autograd.tensor(rand(2, 3)), autograd.tensor(np.ones(3, np.float32)))
    with pytest.raises(ValueError, match=r"prelu: weight of shape \(4,\).*\(2, 3, 5\)"):
        F.prelu(autograd.tensor(rand(2, 3, 5)), autograd.tensor(np.ones(4)))
    with pytest.raises(ValueError, match=r"prelu: weight must be a scalar or 1-D"):
        F.prelu(autograd.tensor(rand(2, 3)), autograd.tensor(np.ones((3, 1))))


# ------------------------------------------------------------------------- rms_norm
@pytest.mark.parametrize("xshape,norm,weight,eps", [
    ((2, 5), 5, True, None), ((3, 2, 4), (2, 4), True, 1e-3), ((4,), [4], False, None),
    ((2, 3, 4), (4,), False, 0.5)])
def test_rms_norm_matches_torch(xshape, norm, weight, eps):
    x = rand(*xshape, seed=4)
    wshape = (norm,) if isinstance(norm, int) else tuple(norm)
    if weight:
        check_op(lambda a, w: F.rms_norm(a, norm, w, eps),
                 lambda a, w: TF.rms_norm(a, list(wshape), w, eps), x, rand(*wshape, seed=5))
    else:
        check_op(lambda a: F.rms_norm(a, norm, eps=eps),
                 lambda a: TF.rms_norm(a, list(wshape), eps=eps), x)


def test_rms_norm_dtypes():
    """float32 in, float32 out with float32's eps; a weight of another dtype follows the
    input, as in torch."""
    x = rand(3, 4, seed=6, scale=1e-4)
    check_float32(lambda a, w: F.rms_norm(a, 4, w), x, np.ones(4))
    y = F.rms_norm(autograd.tensor(x.astype(np.float32)), 4)
    yt = TF.rms_norm(torch.tensor(x.astype(np.float32)), [4])
    np.testing.assert_allclose(y.data, yt.numpy(), rtol=1e-6)
    w = autograd.tensor(np.ones(4), requires_grad=True)
    y = F.rms_norm(autograd.tensor(x.astype(np.float32)), 4, w)
    y.sum().backward()
    assert y.dtype == np.float32 and w.grad.dtype == np.float64


def test_norms_float32():
    x = rand(2, 3, 4, seed=16)
    check_float32(lambda a, w, b: F.instance_norm(a, weight=w, bias=b), x, np.ones(3),
                  np.zeros(3))
    check_float32(lambda a: F.local_response_norm(a, 2), x)
    check_float32(lambda a, w: F.rms_norm(a, (3, 4), w), x, np.ones((3, 4)))


def test_rms_norm_errors():
    x = autograd.tensor(rand(2, 3, 4))
    with pytest.raises(ValueError, match=r"rms_norm: normalized_shape \(3,\).*\(2, 3, 4\)"):
        F.rms_norm(x, 3)
    with pytest.raises(ValueError, match=r"rms_norm: weight must have shape.*\(4,\).*\(3,\)"):
        F.rms_norm(x, 4, autograd.tensor(np.ones(3)))
    with pytest.raises(TypeError, match="rms_norm: .*int64"):
        F.rms_norm(autograd.tensor(np.ones((2, 4), np.int64)), 4)


# ------------------------------------------------------------------------- instance_norm
@pytest.mark.parametrize("xshape", [(2, 3, 5), (3, 2, 3, 4), (1, 2, 2, 2, 2)])
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("use_input_stats,stats", [(True, False), (True, True), (False, True)])
def test_instance_norm_matches_torch(xshape, affine, use_input_stats, stats):
    c = xshape[1]
    x = rand(*xshape, seed=7) + 1.5
    rm, rv = rand(c, seed=8), np.random.default_rng(9).uniform(0.5, 2.0, c)
    ours_stats = [autograd.tensor(rm.copy()), autograd.tensor(rv.copy())] if stats else [None] * 2
    torch_stats = [torch.tensor(rm.copy()), torch.tensor(rv.copy())] if stats else [None] * 2
    kw = dict(use_input_stats=use_input_stats, momentum=0.3, eps=1e-4)
    arrays = [x] + ([rand(c, seed=10), rand(c, seed=11)] if affine else [])
    # check_op runs each function more than once: compare the statistics after one call
    y = F.instance_norm(autograd.tensor(x), *ours_stats, **kw)
    yt = TF.instance_norm(torch.tensor(x), *torch_stats, **kw)
    assert_close(y.data, yt.numpy(), RTOL, ATOL)
    for o, t in zip(ours_stats, torch_stats):
        if o is not None:
            assert_close(o.data, t.numpy(), RTOL, ATOL, what="running statistic")
    frozen = [None if s is None else autograd.tensor(s.data.copy()) for s in ours_stats]
    frozen_t = [None if s is None else s.clone() for s in torch_stats]
    check_op(lambda a, *wb: F.instance_norm(a, *[None if s is None else s.clone()
                                                 for s in frozen], *wb, **kw),
             lambda a, *wb: TF.instance_norm(a, *[None if s is None else s.clone()
                                                  for s in frozen_t], *wb, **kw),
             *arrays)


def test_instance_norm_errors():
    with pytest.raises(ValueError, match=r"instance_norm: expected more than 1 spatial.*\(3, 4\)"):
        F.instance_norm(autograd.tensor(rand(3, 4)))
    with pytest.raises(ValueError, match="instance_norm: running_mean and running_var"):
        F.instance_norm(autograd.tensor(rand(2, 3, 4)), use_input_stats=False)
    with pytest.raises(ValueError, match=r"instance_norm: running_mean must .*\(3,\).*\(4,\)"):
        F.instance_norm(autograd.tensor(rand(2, 3, 4)), autograd.tensor(np.zeros(4)),
                        autograd.tensor(np.ones(4)))
    with pytest.raises(ValueError, match=r"instance_norm: weight must have shape \(3,\)"):
        F.instance_norm(autograd.tensor(rand(2, 3, 4)), weight=autograd.tensor(np.ones(2)))
    with pytest.raises(TypeError, match="instance_norm: .*float64, weight torch.float32"):
        F.instance_norm(autograd.tensor(rand(2, 3, 4)), weight=np.ones(3, np.float32))


# ------------------------------------------------------------------------- local_response_norm
@pytest.mark.parametrize("xshape,size,alpha,beta,k", [
    ((2, 5, 4), 3, 1e-2, 0.75, 1.0), ((2, 4, 3, 3), 2, 0.5, 0.5, 2.0),
    ((1, 3, 2, 2, 2), 4, 1.0, 1.0, 1.5), ((2, 3, 4), 1, 1e-4, 0.75, 1.0)])
def test_local_response_norm_matches_torch(xshape, size, alpha, beta, k):
    check_op(lambda x: F.local_response_norm(x, size, alpha, beta, k),
             lambda x: TF.local_response_norm(x, size, alpha, beta, k), rand(*xshape, seed=12))


def test_local_response_norm_errors():
    with pytest.raises(ValueError, match=r"local_response_norm: expected a 3-D.*\(2, 3\)"):
        F.local_response_norm(autograd.tensor(rand(2, 3)), 2)
    with pytest.raises(ValueError, match="local_response_norm: size must be a positive int"):
        F.local_response_norm(autograd.tensor(rand(2, 3, 4)), 0)


# ------------------------------------------------------------------------- adaptive max pool
@pytest.mark.parametrize("xshape,out", [((2, 3, 7), 3), ((2, 3, 4), 7), ((3, 5), (2,)),
                                        ((1, 2, 6), 6), ((2, 2, 5), 1)])
def test_adaptive_max_pool1d_matches_torch(xshape, out):
    check_op(lambda x: F.adaptive_max_pool1d(x, out), lambda x: TF.adaptive_max_pool1d(x, out),
             rand(*xshape, seed=13))


@pytest.mark.parametrize("xshape,out", [((2, 3, 7, 5), (3, 2)), ((1, 2, 4, 4), 6),
                                        ((3, 5, 6), (None, 4)), ((2, 1, 5, 3), (5, 3)),
                                        ((1, 1, 6, 9), 1)])
def test_adaptive_max_pool2d_matches_torch(xshape, out):
    check_op(lambda x: F.adaptive_max_pool2d(x, out), lambda x: TF.adaptive_max_pool2d(x, out),
             rand(*xshape, seed=14))


@pytest.mark.parametrize("xshape,out", [((2, 2, 5, 7, 4), (2, 3, 2)), ((1, 2, 3, 4, 3), 5),
                                        ((2, 4, 6, 3), (None, 4, 1))])
def test_adaptive_max_pool3d_matches_torch(xshape, out):
    check_op(lambda x: nn.AdaptiveMaxPool3d(out)(x), lambda x: torch.nn.AdaptiveMaxPool3d(out)(x),
             rand(*xshape, seed=16))
    assert repr(nn.AdaptiveMaxPool3d(out)) == repr(torch.nn.AdaptiveMaxPool3d(out))


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_adaptive_max_pool_indices_nan_and_empty(nd):
    op, top = {1: (F.adaptive_max_pool1d, TF.adaptive_max_pool1d),
               2: (F.adaptive_max_pool2d, TF.adaptive_max_pool2d),
               3: (F.adaptive_max_pool3d, TF.adaptive_max_pool3d)}[nd]
    x = rand(2, 3, *(5,) * nd, seed=15)
    x[0, 0, ...] = np.nan          # NaN wins, the last NaN of a window gives the index
    x[1, 2, ...] = 1.0             # ties: the first one
    y, idx = op(autograd.tensor(x), 3, return_indices=True)
    yt, it = top(torch.tensor(x), 3, return_indices=True)
    np.testing.assert_array_equal(idx.data, it.numpy())
    assert idx.dtype == np.int64
    np.testing.assert_allclose(y.data, yt.numpy(), rtol=RTOL, atol=ATOL)
    empty = autograd.tensor(np.zeros((0, 3) + (4,) * nd), requires_grad=True)
    y = op(empty, 2)
    assert y.shape == tuple(top(torch.zeros((0, 3) + (4,) * nd), 2).shape)
    y.sum().backward()
    assert empty.grad.shape == empty.shape
    check_float32(lambda a: op(a, 2), rand(1, 2, *(4,) * nd))


@settings(deadline=None, max_examples=15)
@given(n=st.integers(0, 2), c=st.integers(1, 3), h=st.integers(1, 7), w=st.integers(1, 7),
       oh=st.integers(1, 8), ow=st.integers(1, 8), seed=st.integers(0, 2**16))
def test_adaptive_max_pool2d_drawn_shapes(n, c, h, w, oh, ow, seed):
    """Windows that overlap (o > size / 2), cover one element, or repeat (o > size)."""
    x = rand(n, c, h, w, seed=seed)
    _, idx = F.adaptive_max_pool2d(autograd.tensor(x), (oh, ow), return_indices=True)
    _, it = TF.adaptive_max_pool2d(torch.tensor(x), (oh, ow), return_indices=True)
    np.testing.assert_array_equal(idx.data, it.numpy())
    check_op(lambda a: F.adaptive_max_pool2d(a, (oh, ow), return_indices=True),
             lambda a: TF.adaptive_max_pool2d(a, (oh, ow), return_indices=True), x,
             gradcheck=n > 0)


def test_adaptive_max_pool_errors():
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: expected a 3-D.*\(4, 4\)"):
        F.adaptive_max_pool2d(autograd.tensor(rand(4, 4)), 2)
    with pytest.raises(ValueError, match=r"adaptive_max_pool1d: expected non-empty.*\(2, 0, 4\)"):
        F.adaptive_max_pool1d(autograd.tensor(np.zeros((2, 0, 4))), 2)
    with pytest.raises(ValueError, match="adaptive_max_pool2d: output_size must be"):
        F.adaptive_max_pool2d(autograd.tensor(rand(1, 2, 4, 4)), (1, 2, 3))
    with pytest.raises(TypeError, match="adaptive_max_pool1d: .*int64"):
        F.adaptive_max_pool1d(autograd.tensor(np.ones((1, 2, 4), np.int64)), 2)


# ------------------------------------------------------------------------- modules
def _copy_from_torch(ours, theirs, seed):
    """Random parameters in theirs (float64), copied into ours through state_dict."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.tensor(rng.uniform(0.5, 1.5, tuple(p.shape))
                                 * rng.choice([-1, 1], tuple(p.shape))))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})


def check_module(ours, theirs, shape, modes=("train",), seed=0, rtol=RTOL):
    """ours and theirs with the same parameters on the same inputs, once per mode: outputs,
    input and parameter gradients, and the state (buffers included) after every call."""
    ours.double()
    theirs.double()
    _copy_from_torch(ours, theirs, seed)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(seed + 1)
    for mode in modes:
        ours.train(mode == "train")
        theirs.train(mode == "train")
        ours.zero_grad()
        theirs.zero_grad()
        x = rng.standard_normal(shape) * 2 + 0.5
        xo, xt = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, yt = ours(xo), theirs(xt)
        if isinstance(yt, tuple):
            np.testing.assert_array_equal(y[1].data, yt[1].numpy())
            y, yt = y[0], yt[0]
        assert y.dtype == np.float64 and tuple(y.shape) == tuple(yt.shape)
        assert_close(y.data, yt.detach().numpy(), RTOL, ATOL, what=f"{mode} output")
        v = rng.standard_normal(tuple(yt.shape))
        (y * autograd.tensor(v)).sum().backward()
        (yt * torch.tensor(v)).sum().backward()
        assert_close(xo.grad.data, xt.grad.numpy(), rtol, ATOL, what=f"{mode} input grad")
        tp = dict(theirs.named_parameters())
        for name, p in ours.named_parameters():
            assert_close(p.grad.data, tp[name].grad.numpy(), RTOL, ATOL, what=f"grad of {name}")
        ts = theirs.state_dict()
        for name, s in ours.state_dict().items():
            assert_close(s, ts[name].numpy(), RTOL, ATOL, what=f"{mode} state {name}")
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("make,shape", [
    (lambda m: m.GLU(), (2, 3, 4)), (lambda m: m.GLU(1), (2, 6)),
    (lambda m: m.Hardswish(), (3, 5)), (lambda m: m.Hardsigmoid(), (3, 5)),
    (lambda m: m.PReLU(), (2, 3, 4)), (lambda m: m.PReLU(3, init=0.1), (2, 3, 4)),
    (lambda m: m.PReLU(4), (5, 4)),
    (lambda m: m.RMSNorm(4), (2, 3, 4)), (lambda m: m.RMSNorm([3, 4], eps=1e-3), (2, 3, 4)),
    (lambda m: m.RMSNorm((4,), elementwise_affine=False), (3, 4)),
    (lambda m: m.LocalResponseNorm(3, alpha=0.1, beta=0.6, k=2.0), (2, 5, 3)),
    (lambda m: m.AdaptiveMaxPool1d(3), (2, 3, 8)),
    (lambda m: m.AdaptiveMaxPool1d(4, return_indices=True), (2, 3, 7)),
    (lambda m: m.AdaptiveMaxPool2d((2, None)), (2, 3, 5, 4)),
    (lambda m: m.AdaptiveMaxPool2d(3, return_indices=True), (3, 7, 5)),
    (lambda m: m.AdaptiveAvgPool1d(3), (2, 3, 7)),
])
def test_module_matches_torch(make, shape):
    ours = make(nn)
    # torch's hardsigmoid backward multiplies by the float32 constant 1.0f / 6.0f
    check_module(ours, make(torch.nn), shape, rtol=1e-7 if type(ours).__name__ ==
                 "Hardsigmoid" else RTOL)


@pytest.mark.parametrize("name,dims", [("InstanceNorm1d", (3, 5)), ("InstanceNorm2d", (3, 4, 3)),
                                       ("InstanceNorm3d", (2, 3, 2, 2))])
@pytest.mark.parametrize("kw", [{}, {"affine": True}, {"track_running_stats": True},
                                {"affine": True, "track_running_stats": True, "momentum": 0.4},
                                {"track_running_stats": True, "momentum": None},
                                {"affine": True, "bias": False, "eps": 1e-3}])
def test_instance_norm_module_matches_torch(name, dims, kw):
    """Two training steps (the running statistics are updated, num_batches_tracked is not),
    then eval (running statistics if tracked, else the input's), batched and unbatched."""
    modes = ("train", "train", "eval", "eval")
    check_module(getattr(nn, name)(dims[0], **kw), getattr(torch.nn, name)(dims[0], **kw),
                 (2,) + dims, modes)
    check_module(getattr(nn, name)(dims[0], **kw), getattr(torch.nn, name)(dims[0], **kw),
                 dims, modes, seed=3)


def test_state_dict_names_match_torch():
    for make in (lambda m: m.PReLU(3), lambda m: m.RMSNorm(4),
                 lambda m: m.RMSNorm(4, elementwise_affine=False),
                 lambda m: m.InstanceNorm2d(3, affine=True, track_running_stats=True),
                 lambda m: m.InstanceNorm1d(3, track_running_stats=True),
                 lambda m: m.InstanceNorm1d(3, affine=True, bias=False)):
        ours, theirs = make(nn), make(torch.nn)
        assert list(ours.state_dict()) == list(theirs.state_dict()), repr(theirs)
        for k, v in ours.state_dict().items():
            np.testing.assert_array_equal(v, theirs.state_dict()[k].numpy())
            assert v.dtype == theirs.state_dict()[k].numpy().dtype


PADS = [("ZeroPad1d", (2,), (2, 3, 4)), ("ZeroPad1d", ((1, 3),), (3, 4)),
        ("ZeroPad2d", (1,), (2, 3, 4)), ("ZeroPad2d", ((1, 0, 2, -1),), (2, 2, 4, 4)),
        ("ConstantPad1d", (2, 1.5), (2, 3, 4)), ("ConstantPad2d", ((0, 1, 2, 3), -2.0), (3, 3, 4)),
        ("ReflectionPad1d", (3,), (2, 3, 4)), ("ReflectionPad1d", ((1, 2),), (3, 5)),
        ("ReflectionPad2d", (2,), (1, 2, 3, 4)), ("ReflectionPad2d", ((1, 0, 2, 1),), (2, 4, 3)),
        ("ReplicationPad1d", (3,), (2, 3, 4)), ("ReplicationPad2d", ((2, 0, 1, 3),), (2, 3, 2)),
        ("ReplicationPad2d", (1,), (1, 2, 3, 4)), ("CircularPad1d", ((1, 2),), (2, 3, 4)),
        ("CircularPad2d", (1,), (1, 2, 3, 4))]


@pytest.mark.parametrize("name,args,shape", PADS)
def test_pad_module_matches_torch(name, args, shape):
    check_module(getattr(nn, name)(*args), getattr(torch.nn, name)(*args), shape)


def test_module_float32_defaults():
    """Parameters are float32 unless asked, as torch; a float32 input stays float32."""
    for make in (lambda m: m.PReLU(3), lambda m: m.RMSNorm(4),
                 lambda m: m.InstanceNorm1d(3, affine=True, track_running_stats=True)):
        ours = make(nn)
        for k, v in ours.state_dict().items():
            assert v.dtype == make(torch.nn).state_dict()[k].numpy().dtype
    m = nn.InstanceNorm1d(3, affine=True, track_running_stats=True)
    y = m(autograd.tensor(rand(2, 3, 4).astype(np.float32)))
    assert y.dtype == np.float32 and m.running_mean.dtype == np.float32
    assert nn.PReLU(dtype=np.float64).weight.dtype == np.float64


def test_module_errors():
    with pytest.raises(ValueError, match=r"InstanceNorm1d: expected 2-D or 3-D input.*"
                                         r"\(2, 3, 4, 5\)"):
        nn.InstanceNorm1d(3)(autograd.tensor(rand(2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"InstanceNorm2d: .*num_features \(3\).*\(2, 4, 3, 3\)"):
        nn.InstanceNorm2d(3, affine=True)(autograd.tensor(rand(2, 4, 3, 3)))
    with pytest.warns(UserWarning, match="num_features is not used because affine=False"):
        nn.InstanceNorm1d(3)(autograd.tensor(rand(2, 4, 5)))
    with pytest.raises(ValueError, match=r"CircularPad2d: expected 3-D or 4-D input.*\(4, 4\)"):
        nn.CircularPad2d(1)(autograd.tensor(rand(4, 4)))
    with pytest.raises(ValueError, match=r"pad: reflect padding \(3, 3\).*\(2, 3\)"):
        nn.ReflectionPad1d(3)(autograd.tensor(rand(2, 3)))
    with pytest.raises(ValueError, match=r"prelu: weight of shape \(3,\).*\(2, 4\)"):
        nn.PReLU(3)(autograd.tensor(rand(2, 4).astype(np.float32)))
    with pytest.raises(ValueError, match="PReLU: num_parameters must be"):
        nn.PReLU(-1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.InstanceNorm1d(3)(autograd.tensor(rand(2, 3, 5)))


@pytest.mark.parametrize("name", ["ReflectionPad1d", "ReplicationPad1d", "CircularPad1d",
                                  "ZeroPad1d"])
def test_zero_padding_returns_a_copy(name):
    x = autograd.tensor(np.zeros((1, 2, 3)))
    y = getattr(nn, name)(0)(x)
    y.add_(1)
    assert y is not x and not x.numpy().any()


@pytest.mark.parametrize("name", ["ReflectionPad3d", "ReplicationPad3d", "CircularPad3d"])
def test_3d_padding_modules_match_torch(name):
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 4, 5))
    w = None
    results = []
    for lib, make in ((nn, autograd.tensor), (torch.nn, torch.tensor)):
        t = make(x, requires_grad=True)
        y = getattr(lib, name)((1, 2, 0, 1, 2, 1))(t)
        w = np.random.default_rng(1).standard_normal(tuple(y.shape)) if w is None else w
        (y * make(w)).sum().backward()
        results.append((np.array(y.tolist()), np.array(t.grad.tolist()), repr(getattr(lib, name)(1))))
    (y0, g0, r0), (y1, g1, r1) = results
    np.testing.assert_array_equal(y0, y1)
    np.testing.assert_allclose(g0, g1, rtol=1e-14, atol=1e-14)
    assert r0 == r1
    with pytest.raises(ValueError, match=f"{name}: expected 4-D or 5-D input"):
        getattr(nn, name)(1)(autograd.ones(2, 3, 4))
