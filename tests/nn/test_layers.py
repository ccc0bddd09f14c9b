"""Every layer against torch with the same weights (copied through state_dict): outputs,
parameter gradients and input gradients in float64 (rtol 1e-8), over hypothesis-drawn sizes and
options; a float64 gradcheck on each module; PyTorch's repr and default init."""
import math

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import autograd
import nn
from autograd import Tensor

torch = pytest.importorskip("torch")
RTOL, ATOL = 1e-8, 1e-10
SETTINGS = settings(deadline=None, max_examples=20, derandomize=True)
PADDING_MODES = ["zeros", "reflect", "replicate", "circular"]


def _torch_module(ours, theirs):
    """Give theirs (float64) the weights and buffers of ours (float64) through state_dict."""
    theirs.double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    return theirs


def check_against_torch(ours, theirs, inputs, extra=(), seed=0, train=True):
    """Run both modules in float64 on `inputs` (floats get gradients) plus `extra` (targets,
    indices); compare outputs, input gradients, parameter gradients and buffers."""
    ours.double().train(train)
    theirs = _torch_module(ours, theirs).train(train)
    ours.zero_grad()
    theirs.zero_grad()
    xs = [autograd.tensor(np.array(x, np.float64), requires_grad=True) for x in inputs]
    ts = [torch.tensor(np.array(x, np.float64), requires_grad=True) for x in inputs]
    ex_ours = [autograd.tensor(e) for e in extra]
    ex_torch = [torch.tensor(e) for e in extra]
    y = ours(*xs, *ex_ours)
    yt = theirs(*ts, *ex_torch)
    assert tuple(y.shape) == tuple(yt.shape), f"shape {tuple(y.shape)} != {tuple(yt.shape)}"
    assert y.dtype == np.float64
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=RTOL, atol=ATOL, err_msg="output")
    v = np.random.default_rng(seed).standard_normal(y.shape)
    if y.requires_grad:
        (y * Tensor(v)).sum().backward()
        (yt * torch.tensor(v)).sum().backward()
        for i, (x, t) in enumerate(zip(xs, ts)):
            gx = x.grad.data if x.grad is not None else np.zeros(x.shape)
            gt = t.grad.numpy() if t.grad is not None else np.zeros(t.shape)
            np.testing.assert_allclose(gx, gt, rtol=RTOL, atol=ATOL, err_msg=f"input {i} grad")
        theirs_params = dict(theirs.named_parameters())
        for name, p in ours.named_parameters():
            tp = theirs_params[name]
            g = p.grad.data if p.grad is not None else np.zeros(p.shape)
            gt = tp.grad.numpy() if tp.grad is not None else np.zeros(tuple(tp.shape))
            np.testing.assert_allclose(g, gt, rtol=RTOL, atol=ATOL, err_msg=f"grad of {name}")
    theirs_state = theirs.state_dict()
    assert list(ours.state_dict()) == list(theirs_state)
    for name, b in ours.state_dict().items():
        np.testing.assert_allclose(b, theirs_state[name].numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=f"state {name}")
    return y


def gradcheck_module(module, inputs, extra=(), seed=0):
    """Finite differences on the inputs and every parameter of module, in float64."""
    module.double()
    owners = [(m, n) for m in module.modules() for n, p in m._parameters.items() if p is not None]
    params = [m._parameters[n] for m, n in owners]
    k = len(inputs)

    def fn(*args):
        autograd.manual_seed(seed)  # the same dropout mask at every evaluation
        for (m, n), t in zip(owners, args[k + len(extra):]):
            m._parameters[n] = t
        try:
            return module(*args[:k], *args[k:k + len(extra)])
        finally:
            for (m, n), p in zip(owners, params):
                m._parameters[n] = p

    args = [np.array(x, np.float64) for x in inputs] + list(extra) + [p.data for p in params]
    assert autograd.gradcheck(fn, args, eps=1e-6, atol=1e-6, rtol=1e-4)


def _rng(seed):
    return np.random.default_rng(seed)


# ------------------------------------------------------------------------- Linear and friends
@SETTINGS
@given(lead=st.lists(st.integers(1, 3), max_size=2), n_in=st.integers(1, 5),
       n_out=st.integers(1, 5), bias=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_linear_matches_torch(lead, n_in, n_out, bias, seed):
    x = _rng(seed).standard_normal((*lead, n_in))
    check_against_torch(nn.Linear(n_in, n_out, bias=bias), torch.nn.Linear(n_in, n_out, bias=bias), [x])


@pytest.mark.parametrize("ours,theirs,shape", [
    (nn.ReLU(), torch.nn.ReLU(), (3, 4)),
    (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2), (3, 4)),
    (nn.Tanh(), torch.nn.Tanh(), (2, 3, 2)),
    (nn.Sigmoid(), torch.nn.Sigmoid(), (5,)),
    (nn.Softmax(dim=1), torch.nn.Softmax(dim=1), (3, 4, 2)),
    (nn.Softmax(dim=-1), torch.nn.Softmax(dim=-1), (3, 4)),
    (nn.LogSoftmax(dim=0), torch.nn.LogSoftmax(dim=0), (3, 4)),
    (nn.LogSoftmax(dim=2), torch.nn.LogSoftmax(dim=2), (2, 3, 4)),
    (nn.Flatten(), torch.nn.Flatten(), (2, 3, 4, 2)),
    (nn.Flatten(0, 1), torch.nn.Flatten(0, 1), (2, 3, 4)),
    (nn.Flatten(1, 2), torch.nn.Flatten(1, 2), (2, 3, 4, 2)),
    (nn.Unflatten(1, (2, 3)), torch.nn.Unflatten(1, (2, 3)), (4, 6)),
    (nn.Identity(5, name="x"), torch.nn.Identity(5, name="x"), (3, 2)),
])
def test_activation_and_shape_modules_match_torch(ours, theirs, shape):
    x = _rng(1).standard_normal(shape)
    check_against_torch(ours, theirs, [x])
    gradcheck_module(ours, [x])
    assert repr(ours) == repr(theirs)


def test_softmax_default_dim_matches_torch():
    for shape in [(4,), (3, 4), (2, 3, 4), (2, 3, 2, 2)]:
        x = _rng(2).standard_normal(shape)
        with pytest.warns(UserWarning, match="Implicit dimension"):
            check_against_torch(nn.Softmax(), torch.nn.Softmax(), [x])
        with pytest.warns(UserWarning, match="Implicit dimension"):
            check_against_torch(nn.LogSoftmax(), torch.nn.LogSoftmax(), [x])


def test_step_module():
    x = np.array([[-1.5, 0.0, 2.0], [1e-9, -1e-9, 3.0]])
    t = autograd.tensor(x, requires_grad=True)
    y = nn.Step()(t)
    np.testing.assert_array_equal(y.data, torch.heaviside(
        torch.tensor(x), torch.tensor(1.0, dtype=torch.float64)).numpy())
    y.sum().backward()
    np.testing.assert_array_equal(t.grad.data, np.zeros_like(x))


def test_linear_gradcheck_and_errors():
    gradcheck_module(nn.Linear(3, 2), [_rng(3).standard_normal((4, 3))])
    m = nn.Linear(3, 2)
    with pytest.raises(ValueError,
                       match=r"Linear: expected input of shape \(\*, 3\), got \(4, 5\)"):
        m(autograd.randn(4, 5))
    with pytest.raises(TypeError,
                       match="input dtype torch.float64 does not match the weight dtype torch.float32"):
        m(autograd.randn(4, 3, dtype=autograd.float64))
    with pytest.raises(ValueError, match="out_features must be a non-negative integer"):
        nn.Linear(3, -1)
    y = m(autograd.randn(4, 3))
    assert y.dtype == np.float32
    y.sum().backward()
    assert m.weight.grad.dtype == np.float32 and m.bias.grad.dtype == np.float32


# ------------------------------------------------------------------------- convolution
@st.composite
def conv_cases(draw, nd):
    groups = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    k = draw(st.tuples(*[st.integers(1, 3)] * nd))
    dilation = draw(st.tuples(*[st.integers(1, 2)] * nd))
    mode = draw(st.sampled_from(PADDING_MODES))
    padding = draw(st.one_of(st.sampled_from(["same", "valid"]),
                             st.tuples(*[st.integers(0, 2)] * nd)))
    stride = (1,) * nd if padding == "same" else draw(st.tuples(*[st.integers(1, 2)] * nd))
    pads = (0,) * nd if isinstance(padding, str) else padding
    # big enough for the window, and for reflect padding (which needs pad < size)
    size = tuple(max(dl * (kk - 1) + 1, p + 1, dl * (kk - 1) // 2 + 1) + draw(st.integers(0, 3))
                 for dl, kk, p in zip(dilation, k, pads))
    batch = draw(st.integers(1, 2))
    return dict(c_in=c_in, c_out=c_out, kernel_size=k, stride=stride, padding=padding,
                dilation=dilation, groups=groups, bias=draw(st.booleans()),
                padding_mode=mode, shape=(batch, c_in) + size, seed=draw(st.integers(0, 99)))


def _conv_pair(cls, tcls, c):
    kw = {k: c[k] for k in ("kernel_size", "stride", "padding", "dilation", "groups", "bias",
                            "padding_mode")}
    return cls(c["c_in"], c["c_out"], **kw), tcls(c["c_in"], c["c_out"], **kw)


@pytest.mark.parametrize("ours_cls,theirs_cls,nd", [(nn.Conv1d, torch.nn.Conv1d, 1),
                                                     (nn.Conv2d, torch.nn.Conv2d, 2)])
@SETTINGS
@given(data=st.data())
def test_conv_matches_torch(ours_cls, theirs_cls, nd, data):
    c = data.draw(conv_cases(nd))
    ours, theirs = _conv_pair(ours_cls, theirs_cls, c)
    check_against_torch(ours, theirs, [_rng(c["seed"]).standard_normal(c["shape"])])
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("mode", PADDING_MODES)
def test_conv_gradcheck(mode):
    x = _rng(4).standard_normal((2, 2, 5, 4))
    gradcheck_module(nn.Conv2d(2, 3, (3, 2), padding=1, padding_mode=mode), [x])
    gradcheck_module(nn.Conv1d(2, 4, 3, stride=2, padding=2, dilation=2, groups=2,
                               padding_mode=mode), [x[:, :, 0]])


def test_conv_errors():
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(3, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv1d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(RuntimeError, match=r"Conv2d: expected input of shape \(N, 3, H, W\) with 3 "
                                           r"channels, got \(1, 2, 5, 5\)"):
        nn.Conv2d(3, 4, 3)(autograd.randn(1, 2, 5, 5))
    with pytest.raises(ValueError, match="reflect padding"):
        nn.Conv1d(1, 1, 3, padding=3, padding_mode="reflect")(autograd.randn(1, 1, 3))


def test_conv_module_size_errors_have_torch_s_classes():
    with pytest.raises(RuntimeError):
        torch.nn.Conv2d(3, 4, -1)
    for make in (lambda: nn.Conv2d(3, 4, -1), lambda: nn.Conv1d(3, 4, (-2,)),
                 lambda: nn.Conv3d(3, 4, (3, 3, -1)), lambda: nn.ConvTranspose2d(3, 4, -1)):
        with pytest.raises(RuntimeError, match="kernel_size must be >= 0"):
            make()
    for kw in (dict(kernel_size=1.5), dict(kernel_size=None), dict(kernel_size=3, stride=1.0),
               dict(kernel_size=3, dilation=None)):
        with pytest.raises(TypeError, match=r"Conv2d: \w+ must be an int or a tuple of 2 ints"):
            nn.Conv2d(3, 4, **kw)
    with pytest.raises(RuntimeError, match=r"Conv3d: expected input of shape \(N, 4, D, H, W\)"):
        nn.Conv3d(4, 2, 1)(autograd.zeros(1, 3, 2, 2, 2))


def _std_conv(lib_nn):
    """timm's StdConv2d: the weight standardized per filter by F.batch_norm, then the layer's
    own convolution through the _conv_forward hook."""
    class StdConv2d(lib_nn.Conv2d):
        def forward(self, x):
            w = lib_nn.functional.batch_norm(self.weight.reshape(1, self.out_channels, -1),
                                             None, None, training=True, momentum=0.0, eps=1e-6)
            return self._conv_forward(x, w.reshape(self.weight.shape), self.bias)
    return StdConv2d


@pytest.mark.parametrize("kw", [dict(padding=1), dict(padding="same", dilation=(1, 2)),
                                dict(padding=(2, 1), padding_mode="reflect", stride=2)])
def test_a_subclass_calls_conv_forward_with_its_own_weight(kw):
    ours = _std_conv(nn)(3, 4, 3, **kw).double()
    theirs = _torch_module(ours, _std_conv(torch.nn)(3, 4, 3, **kw))
    assert ours._reversed_padding_repeated_twice == theirs._reversed_padding_repeated_twice
    check_against_torch(ours, theirs, [_rng(12).standard_normal((2, 3, 7, 8))])


# ------------------------------------------------------------------------- pooling
@st.composite
def pool_cases(draw, nd, avg):
    k = draw(st.integers(1, 3))
    stride = draw(st.one_of(st.none(), st.integers(1, 3)))
    padding = draw(st.integers(0, k // 2))
    dilation = 1 if avg else draw(st.integers(1, 2))
    ceil_mode = draw(st.booleans())
    size = tuple(dilation * (k - 1) + 1 + draw(st.integers(0, 4)) for _ in range(nd))
    case = dict(kernel_size=k, stride=stride, padding=padding, ceil_mode=ceil_mode)
    if avg:
        case["count_include_pad"] = draw(st.booleans())
        if nd == 2:
            case["divisor_override"] = draw(st.one_of(st.none(), st.integers(1, 5)))
    else:
        case["dilation"] = dilation
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) + size
    return case, shape, draw(st.integers(0, 99))


POOLS = [(nn.MaxPool1d, torch.nn.MaxPool1d, 1, False), (nn.MaxPool2d, torch.nn.MaxPool2d, 2, False),
         (nn.AvgPool1d, torch.nn.AvgPool1d, 1, True), (nn.AvgPool2d, torch.nn.AvgPool2d, 2, True)]


@pytest.mark.parametrize("ours_cls,theirs_cls,nd,avg", POOLS)
@SETTINGS
@given(data=st.data())
def test_pools_match_torch(ours_cls, theirs_cls, nd, avg, data):
    kw, shape, seed = data.draw(pool_cases(nd, avg))
    ours, theirs = ours_cls(**kw), theirs_cls(**kw)
    check_against_torch(ours, theirs, [_rng(seed).standard_normal(shape)])
    assert repr(ours) == repr(theirs)


@SETTINGS
@given(h=st.integers(1, 7), w=st.integers(1, 7),
       out=st.one_of(st.integers(1, 4), st.tuples(st.one_of(st.none(), st.integers(1, 4)),
                                                   st.one_of(st.none(), st.integers(1, 4)))),
       seed=st.integers(0, 99))
def test_adaptive_avg_pool2d_matches_torch(h, w, out, seed):
    ours, theirs = nn.AdaptiveAvgPool2d(out), torch.nn.AdaptiveAvgPool2d(out)
    check_against_torch(ours, theirs, [_rng(seed).standard_normal((2, 3, h, w))])
    assert repr(ours) == repr(theirs)


def test_pool_gradcheck_and_indices():
    x = _rng(5).standard_normal((2, 2, 5, 6))
    gradcheck_module(nn.MaxPool2d(2, stride=1, padding=1), [x])
    gradcheck_module(nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), [x])
    gradcheck_module(nn.AdaptiveAvgPool2d((2, 4)), [x])
    gradcheck_module(nn.MaxPool1d(3, stride=2, dilation=2, ceil_mode=True), [x[:, :, 0]])
    gradcheck_module(nn.AvgPool1d(2, padding=1), [x[:, :, 0]])
    y, idx = nn.MaxPool2d(2, return_indices=True)(autograd.tensor(x))
    _, tidx = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(idx.data, tidx.numpy())


# ------------------------------------------------------------------------- normalization
@SETTINGS
@given(two_d=st.booleans(), c=st.integers(1, 3), n=st.integers(2, 4), length=st.integers(1, 3),
       affine=st.booleans(), track=st.booleans(), momentum=st.sampled_from([0.1, 0.5, None]),
       seed=st.integers(0, 99))
def test_batch_norm_matches_torch_over_steps(two_d, c, n, length, affine, track, momentum, seed):
    """Two training steps (running statistics, num_batches_tracked), then one in eval mode."""
    kw = dict(affine=affine, track_running_stats=track, momentum=momentum)
    if two_d:
        ours, theirs = nn.BatchNorm2d(c, **kw), torch.nn.BatchNorm2d(c, **kw)
        shape = (n, c, 2, length)
    else:
        ours, theirs = nn.BatchNorm1d(c, **kw), torch.nn.BatchNorm1d(c, **kw)
        shape = (n, c, length) if length > 1 else (n, c)
    assert repr(ours) == repr(theirs)
    rng = _rng(seed)
    if affine:  # not the trivial 1 and 0, so their gradients matter
        ours.weight.data[...] = rng.uniform(0.5, 1.5, c)
        ours.bias.data[...] = rng.standard_normal(c)
    theirs = _torch_module(ours.double(), theirs)
    for step, train in enumerate([True, True, False]):
        x = rng.standard_normal(shape) * 2 + 1
        # check_against_torch() copies ours into theirs; the buffers then evolve on both sides
        check_against_torch(ours, theirs, [x], seed=step, train=train)
    if track:
        assert int(ours.num_batches_tracked.item()) == 2


@SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), k=st.integers(1, 2),
       affine=st.booleans(), bias=st.booleans(), seed=st.integers(0, 99))
def test_layer_norm_matches_torch(shape, k, affine, bias, seed):
    k = min(k, len(shape))
    norm_shape = tuple(shape[-k:])
    kw = dict(elementwise_affine=affine, bias=bias)
    ours, theirs = nn.LayerNorm(norm_shape, **kw), torch.nn.LayerNorm(norm_shape, **kw)
    assert repr(ours) == repr(theirs)
    rng = _rng(seed)
    if affine:
        ours.weight.data[...] = rng.uniform(0.5, 1.5, norm_shape)
        if bias:
            ours.bias.data[...] = rng.standard_normal(norm_shape)
    check_against_torch(ours, theirs, [rng.standard_normal((2, *shape))])


def test_norm_gradcheck():
    rng = _rng(6)
    for m, x in [(nn.BatchNorm1d(3), rng.standard_normal((4, 3))),
                 (nn.BatchNorm2d(2, momentum=None), rng.standard_normal((3, 2, 2, 2))),
                 (nn.LayerNorm((2, 3)), rng.standard_normal((2, 2, 3)))]:
        gradcheck_module(m, [x])
    bn = nn.BatchNorm1d(3).double().eval()
    bn.running_mean.data[...] = [0.5, -1, 2]
    bn.running_var.data[...] = [2, 0.5, 1]
    gradcheck_module(bn, [rng.standard_normal((2, 3))])


def test_norm_errors():
    # torch: a ValueError for the rank (_check_input_dim), a RuntimeError for the channels
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected 4-D input \(got 3-D input\)"):
        nn.BatchNorm2d(3)(autograd.randn(2, 3, 4))
    with pytest.raises(RuntimeError, match=r"BatchNorm1d: expected 3 channels in dim 1, got "
                                           r"input of shape \(2, 4\)"):
        nn.BatchNorm1d(3)(autograd.randn(2, 4))
    with pytest.raises(RuntimeError, match=r"GroupNorm: expected input \(N, 4, \*\)"):
        nn.GroupNorm(2, 4)(autograd.randn(2, 3))
    with pytest.raises(ValueError, match=r"LayerNorm: expected input of shape \(\*, 4\)"):
        nn.LayerNorm(4)(autograd.randn(2, 3))


def _bn1d_of_images(lib_nn):
    """A BatchNorm1d that also takes (N, C, H, W), by overriding _check_input_dim, as
    ported code does; forward must call the override."""
    class Wide(lib_nn.BatchNorm1d):
        def _check_input_dim(self, input):
            if input.dim() not in (2, 3, 4):
                raise ValueError(f"expected 2D, 3D or 4D input (got {input.dim()}D input)")
    return Wide


def test_a_batch_norm_subclass_may_widen_check_input_dim():
    ours = _bn1d_of_images(nn)(3).double()
    theirs = _torch_module(ours, _bn1d_of_images(torch.nn)(3))
    check_against_torch(ours, theirs, [_rng(13).standard_normal((2, 3, 4, 5))])
    with pytest.raises(ValueError, match="expected 2D, 3D or 4D input"):
        ours(autograd.zeros(1, 3, 2, 2, 2))
    with pytest.raises(NotImplementedError):
        nn.normalization._NormBase(3)._check_input_dim(autograd.zeros(2, 3))
    assert isinstance(ours, nn.normalization._BatchNorm)
    assert isinstance(nn.InstanceNorm1d(3), nn.normalization._NormBase)


# ------------------------------------------------------------------------- embedding, dropout
@SETTINGS
@given(num=st.integers(1, 6), dim=st.integers(1, 4), idx_shape=st.lists(st.integers(1, 3),
                                                                        max_size=2),
       padding=st.booleans(), seed=st.integers(0, 99))
def test_embedding_matches_torch(num, dim, idx_shape, padding, seed):
    rng = _rng(seed)
    padding_idx = int(rng.integers(-num, num)) if padding else None
    ours = nn.Embedding(num, dim, padding_idx=padding_idx)
    theirs = torch.nn.Embedding(num, dim, padding_idx=padding_idx)
    assert repr(ours) == repr(theirs)
    if padding_idx is not None:
        assert not ours.weight.data[padding_idx].any()
    ours.weight.data[...] = rng.standard_normal((num, dim))
    idx = rng.integers(0, num, size=tuple(idx_shape))
    check_against_torch(ours, theirs, [], extra=[idx])


def test_embedding_gradcheck_from_pretrained_and_init():
    # (the padding_idx row deliberately gets no gradient, so it is left out here)
    gradcheck_module(nn.Embedding(5, 3), [], extra=[np.array([[0, 1, 4], [1, 2, 2]])])
    w = _rng(7).standard_normal((4, 2))
    pre = nn.Embedding.from_pretrained(w)
    assert not pre.weight.requires_grad
    np.testing.assert_array_equal(pre(autograd.tensor(np.array([3, 0]))).data, w[[3, 0]])
    big = nn.Embedding(300, 200).weight.data  # N(0, 1), as PyTorch
    assert abs(big.std() - 1) < 5 / math.sqrt(2 * big.size) and abs(big.mean()) < 0.02
    with pytest.raises(ValueError, match="padding_idx 5 must be within"):
        nn.Embedding(5, 2, padding_idx=5)


def test_dropout():
    drop = nn.Dropout(0.25)
    assert repr(drop) == repr(torch.nn.Dropout(0.25))
    x = autograd.tensor(np.ones((200, 100)), requires_grad=True)
    y = drop(x)
    kept = y.data != 0
    assert abs(kept.mean() - 0.75) < 5 * math.sqrt(0.75 * 0.25 / kept.size)
    np.testing.assert_allclose(y.data[kept], 1 / 0.75)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, y.data)  # dy/dx is the scaled mask
    assert y.dtype == np.float64
    drop.eval()
    assert drop(x) is x or np.array_equal(drop(x).data, x.data)
    assert not nn.Dropout(1.0)(x).data.any()
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).data, x.data)
    autograd.manual_seed(3)
    a = nn.Dropout(0.5)(x).data
    autograd.manual_seed(3)
    np.testing.assert_array_equal(nn.Dropout(0.5)(x).data, a)
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    gradcheck_module(nn.Dropout(0.4), [_rng(8).standard_normal((3, 4))])
    assert nn.Dropout(0.5)(autograd.randn(4, 4)).dtype == np.float32


# ------------------------------------------------------------------------- losses
REDUCTION = st.sampled_from(["mean", "sum", "none"])


@SETTINGS
@given(n=st.integers(1, 4), c=st.integers(2, 4), spatial=st.lists(st.integers(1, 3), max_size=2),
       weighted=st.booleans(), ignore=st.booleans(), reduction=REDUCTION,
       smoothing=st.sampled_from([0.0, 0.2]), seed=st.integers(0, 99))
def test_cross_entropy_and_nll_match_torch(n, c, spatial, weighted, ignore, reduction, smoothing,
                                           seed):
    rng = _rng(seed)
    x = rng.standard_normal((n, c, *spatial))
    target = rng.integers(0, c, size=(n, *spatial))
    ignore_index = -100
    if ignore and target.size > 1:
        ignore_index = int(target.flat[0])  # some, but not all, targets are ignored
        target.flat[-1] = (ignore_index + 1) % c
    weight = rng.uniform(0.5, 2.0, c) if weighted else None
    kw = dict(ignore_index=ignore_index, reduction=reduction)
    tw = None if weight is None else torch.tensor(weight)
    check_against_torch(nn.CrossEntropyLoss(weight=weight, label_smoothing=smoothing, **kw),
            torch.nn.CrossEntropyLoss(weight=tw, label_smoothing=smoothing, **kw),
            [x], extra=[target])
    logp = x - np.log(np.exp(x).sum(1, keepdims=True))
    check_against_torch(nn.NLLLoss(weight=weight, **kw), torch.nn.NLLLoss(weight=tw, **kw),
            [logp], extra=[target])


@SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=0, max_size=3), reduction=REDUCTION,
       weighted=st.booleans(), pos=st.booleans(), seed=st.integers(0, 99))
def test_pointwise_losses_match_torch(shape, reduction, weighted, pos, seed):
    rng = _rng(seed)
    shape = tuple(shape)
    x, y = rng.standard_normal(shape), rng.standard_normal(shape)
    check_against_torch(nn.MSELoss(reduction=reduction), torch.nn.MSELoss(reduction=reduction), [x, y])
    check_against_torch(nn.L1Loss(reduction=reduction), torch.nn.L1Loss(reduction=reduction), [x, y])
    p, t = rng.uniform(0.05, 0.95, shape), rng.uniform(0, 1, shape)
    w = rng.uniform(0.5, 2, shape) if weighted else None
    tw = None if w is None else torch.tensor(w)
    check_against_torch(nn.BCELoss(weight=w, reduction=reduction),
            torch.nn.BCELoss(weight=tw, reduction=reduction), [p, t])
    pw = rng.uniform(0.5, 2, shape[-1:]) if pos else None
    tpw = None if pw is None else torch.tensor(pw)
    check_against_torch(nn.BCEWithLogitsLoss(weight=w, reduction=reduction, pos_weight=pw),
            torch.nn.BCEWithLogitsLoss(weight=tw, reduction=reduction, pos_weight=tpw),
            [x * 3, t])


def test_loss_gradcheck_legacy_flags_and_state():
    rng = _rng(9)
    x, t = rng.standard_normal((4, 3)), rng.integers(0, 3, 4)
    y, p = rng.standard_normal((4, 3)), rng.uniform(0.1, 0.9, (4, 3))
    gradcheck_module(nn.CrossEntropyLoss(weight=np.array([1.0, 2.0, 0.5]), label_smoothing=0.1),
                     [x], extra=[t])
    gradcheck_module(nn.NLLLoss(reduction="sum"), [x], extra=[t])
    gradcheck_module(nn.MSELoss(), [x, y])
    gradcheck_module(nn.L1Loss(reduction="none"), [x, y])
    gradcheck_module(nn.BCELoss(), [p, rng.uniform(0, 1, (4, 3))])
    gradcheck_module(nn.BCEWithLogitsLoss(pos_weight=np.array([1.0, 2.0, 3.0])), [x, p])
    assert nn.MSELoss(size_average=False).reduction == "sum"
    assert nn.L1Loss(reduce=False).reduction == "none"
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.MSELoss(reduction="avg")
    # class weights are buffers in the state_dict, as in PyTorch
    ours = nn.CrossEntropyLoss(weight=np.ones(3))
    theirs = torch.nn.CrossEntropyLoss(weight=torch.ones(3))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert repr(ours) == repr(theirs) == "CrossEntropyLoss()"
    out = nn.CrossEntropyLoss()(autograd.randn(4, 3), autograd.tensor(t))
    assert out.dtype == np.float32 and out.shape == ()
