"""create_graph=True through the layer ops (conv, transposed conv, pooling, normalization,
resampling): first, second and third derivatives against torch, and gradgradcheck."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from tests.helpers import first_and_second_gradients

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# torch's note on padding='same' with an even kernel (it pads a copy of the input)
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")

_RM, _RV = np.array([0.3, -0.2, 0.1]), np.array([0.8, 1.3, 0.6])

# (name, fn(L, F, *tensors), input shapes): the same expression in both libraries. Most
# inputs go through tanh first, so that the op's input is made by another op (the VJP then
# reads it from what forward saved, not from a leaf); the harness squares the output, so the
# gradient arriving at the op depends on the inputs too.
CASES = [
    # convolution: small K (per-image products, bias in the product), large K, groups
    ("conv2d", lambda L, F, x, w, b: F.conv2d(x.tanh(), w, b), [(2, 2, 5, 5), (3, 2, 2, 2), (3,)]),
    ("conv2d_leaf_input", lambda L, F, x, w, b: F.conv2d(x, w, b, padding=1),
     [(2, 2, 4, 4), (3, 2, 3, 3), (3,)]),
    ("conv2d_large_k_stride_pad_dilation", lambda L, F, x, w, b: F.conv2d(
        x.tanh(), w, b, stride=2, padding=(1, 2), dilation=(2, 1)),
     [(1, 4, 7, 6), (2, 4, 3, 3), (2,)]),
    ("conv2d_groups", lambda L, F, x, w: F.conv2d(x.tanh(), w, None, stride=(1, 2),
                                                   padding=(1, 0), groups=2),
     [(2, 4, 4, 5), (4, 2, 2, 3)]),
    ("conv2d_same_even_kernel", lambda L, F, x, w, b: F.conv2d(x.tanh(), w, b, padding="same",
                                                                dilation=(1, 2)),
     [(1, 2, 4, 5), (2, 2, 2, 3), (2,)]),
    ("conv2d_stride_skips_inputs", lambda L, F, x, w: F.conv2d(x.tanh(), w, stride=3),
     [(1, 2, 7, 8), (2, 2, 2, 2)]),
    ("conv1d_groups_dilation", lambda L, F, x, w, b: F.conv1d(
        x.tanh(), w, b, stride=2, padding=2, dilation=2, groups=2), [(2, 4, 9), (4, 2, 3), (4,)]),
    ("conv1d_large_k", lambda L, F, x, w: F.conv1d(x.tanh(), w, padding=1),
     [(2, 4, 11), (3, 4, 9)]),
    # 3-D: composed in nn.functional from Windows (ops/fold.py) and a matmul
    ("conv3d", lambda L, F, x, w, b: F.conv3d(x.tanh(), w, b, stride=(1, 2, 1), padding=1,
                                               groups=2),
     [(1, 2, 3, 4, 3), (2, 1, 2, 2, 2), (2,)]),
    # transposed convolution
    ("conv_transpose2d", lambda L, F, x, w, b: F.conv_transpose2d(
        x.tanh(), w, b, stride=2, padding=1, output_padding=1),
     [(2, 3, 3, 2), (3, 2, 3, 3), (2,)]),
    ("conv_transpose2d_groups_dilation", lambda L, F, x, w: F.conv_transpose2d(
        x.tanh(), w, stride=(1, 2), groups=2, dilation=(2, 1)), [(1, 4, 3, 3), (4, 1, 2, 3)]),
    ("conv_transpose1d", lambda L, F, x, w, b: F.conv_transpose1d(
        x, w, b, stride=3, padding=1, output_padding=2), [(2, 2, 4), (2, 3, 3), (3,)]),
    # pooling
    ("max_pool2d_2x2", lambda L, F, x: F.max_pool2d(x.tanh(), 2), [(2, 2, 6, 5)]),
    ("max_pool2d_2x2_overlapping", lambda L, F, x: F.max_pool2d(x.tanh(), 2, 1), [(1, 2, 4, 5)]),
    ("max_pool2d_pad_ceil", lambda L, F, x: F.max_pool2d(x.tanh(), 3, 2, 1, ceil_mode=True),
     [(2, 2, 6, 5)]),
    ("max_pool2d_return_indices", lambda L, F, x: F.max_pool2d(
        x.tanh(), (2, 3), (2, 1), (1, 1), return_indices=True)[0], [(1, 2, 5, 5)]),
    ("max_pool1d_dilation", lambda L, F, x: F.max_pool1d(x.tanh(), 3, 2, 1, dilation=2),
     [(2, 3, 9)]),
    ("avg_pool2d", lambda L, F, x: F.avg_pool2d(x.tanh(), 3, 2, 1, ceil_mode=True,
                                                 count_include_pad=False), [(2, 2, 6, 5)]),
    ("avg_pool2d_divisor", lambda L, F, x: F.avg_pool2d(x.tanh(), 2, 1, divisor_override=3),
     [(1, 2, 4, 5)]),
    ("avg_pool1d", lambda L, F, x: F.avg_pool1d(x.tanh(), 3, 2, 1), [(2, 2, 8)]),
    ("adaptive_avg_pool2d", lambda L, F, x: F.adaptive_avg_pool2d(x.tanh(), (3, 2)),
     [(2, 2, 7, 5)]),
    ("adaptive_avg_pool1d_unbatched", lambda L, F, x: F.adaptive_avg_pool1d(x.tanh(), 4),
     [(3, 7)]),
    # normalization
    ("batch_norm_train", lambda L, F, x, w, b: F.batch_norm(
        x.tanh(), L.tensor(_RM.copy()), L.tensor(_RV.copy()), w, b, training=True),
     [(4, 3, 5), (3,), (3,)]),
    ("batch_norm_train_plain_2d", lambda L, F, x: F.batch_norm(x.tanh(), None, None,
                                                                training=True),
     [(3, 3, 2, 2)]),
    ("batch_norm_eval", lambda L, F, x, w, b: F.batch_norm(
        x.tanh(), L.tensor(_RM), L.tensor(_RV), w, b, training=False), [(4, 3, 2), (3,), (3,)]),
    ("batch_norm_eval_weight_leaf", lambda L, F, x, w: F.batch_norm(
        x, L.tensor(_RM), L.tensor(_RV), w, training=False), [(4, 3), (3,)]),
    ("layer_norm", lambda L, F, x, w, b: F.layer_norm(x.tanh(), (3, 4), w, b),
     [(2, 3, 4), (3, 4), (3, 4)]),
    ("layer_norm_plain_leaf", lambda L, F, x: F.layer_norm(x, (5,)), [(3, 5)]),
    ("layer_norm_weight_only", lambda L, F, x, w: F.layer_norm(x.tanh(), (4,), w),
     [(2, 3, 4), (4,)]),
    ("group_norm", lambda L, F, x, w, b: F.group_norm(x.tanh(), 2, w, b),
     [(2, 4, 3), (4,), (4,)]),
    ("instance_norm", lambda L, F, x, w, b: F.instance_norm(x.tanh(), weight=w, bias=b),
     [(2, 3, 5), (3,), (3,)]),
    # resampling
    ("nearest_2d", lambda L, F, x: F.interpolate(x.tanh(), scale_factor=2), [(1, 2, 3, 2)]),
    ("nearest_exact_1d", lambda L, F, x: F.interpolate(x.tanh(), size=7, mode="nearest-exact"),
     [(2, 2, 5)]),
    ("linear_1d", lambda L, F, x: F.interpolate(x.tanh(), size=7, mode="linear"), [(2, 2, 4)]),
    ("bilinear", lambda L, F, x: F.interpolate(x.tanh(), size=(5, 3), mode="bilinear"),
     [(1, 2, 3, 4)]),
    ("bilinear_align_corners", lambda L, F, x: F.interpolate(
        x.tanh(), scale_factor=(1.5, 0.5), mode="bilinear", align_corners=True),
     [(1, 2, 4, 6)]),
    ("bicubic", lambda L, F, x: F.interpolate(x.tanh(), size=(4, 5), mode="bicubic"),
     [(1, 1, 3, 3)]),
    ("trilinear", lambda L, F, x: F.interpolate(x.tanh(), size=(3, 2, 4), mode="trilinear"),
     [(1, 1, 2, 3, 3)]),
]
IDS = [c[0] for c in CASES]

# torch's own third derivatives are no reference here: those of its fused batch_norm and
# layer_norm disagree with the same norms composed from torch primitives (which agree with
# ours), and its conv_transpose double backward rejects output_padding. These are checked
# against finite differences instead.
NO_TORCH_THIRD = {"batch_norm_train", "batch_norm_train_plain_2d", "layer_norm",
                  "layer_norm_plain_leaf", "layer_norm_weight_only", "instance_norm",
                  "conv_transpose2d", "conv_transpose1d"}


def _arrays(shapes, seed):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def _pair(fn, arrays):
    """(ours, torch): leaves, squared output, and the torch tensors likewise."""
    ours = [autograd.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return (ours, fn(autograd, F, *ours) ** 2), (theirs, fn(torch, TF, *theirs) ** 2)


def _close(a, b, rtol=1e-9, atol=1e-11):
    a = a.detach().numpy() if hasattr(a, "detach") else a
    b = b.detach().numpy() if hasattr(b, "detach") else b
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name,fn,shapes", CASES, ids=IDS)
def test_first_second_and_third_derivatives_match_torch(name, fn, shapes):
    arrays = _arrays(shapes, 0)
    (xs, y), (txs, ty) = _pair(fn, arrays)
    v = np.random.default_rng(1).standard_normal(tuple(ty.shape))
    g = autograd.grad(y, xs, autograd.tensor(v), create_graph=True)
    tg = torch.autograd.grad(ty, txs, torch.tensor(v), create_graph=True)
    plain = autograd.grad(fn(autograd, F, *xs) ** 2, xs, autograd.tensor(v))
    for a, b, c in zip(g, tg, plain):
        _close(a, b)
        _close(a, c, rtol=1e-11, atol=1e-13)
    # second order: by the building blocks' ordinary backward, then recorded again
    second = sum((gi ** 2).sum() for gi in g)
    tsecond = sum((gi ** 2).sum() for gi in tg)
    h_plain = autograd.grad(second, xs, retain_graph=True)
    h = autograd.grad(second, xs, create_graph=True)
    th = torch.autograd.grad(tsecond, txs, create_graph=True)
    for a, b, c in zip(h, th, h_plain):
        _close(a, b, rtol=1e-8)
        _close(a, c, rtol=1e-11, atol=1e-13)
    # third order: the building blocks' own recorded VJPs
    if name in NO_TORCH_THIRD:
        return
    sum((hi * hi.tanh()).sum() for hi in h).backward()
    sum((hi * hi.tanh()).sum() for hi in th).backward()
    for a, b in zip(xs, txs):
        _close(a.grad, b.grad, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name,fn,shapes", [c for c in CASES if c[0] in NO_TORCH_THIRD],
                         ids=[i for i in IDS if i in NO_TORCH_THIRD])
def test_third_derivatives_against_finite_differences(name, fn, shapes):
    xs = [autograd.tensor(a, requires_grad=True) for a in _arrays(shapes, 4)]
    v = autograd.tensor(np.random.default_rng(5).standard_normal(
        tuple(fn(autograd, F, *xs).shape)))

    def second_derivatives(*a):
        with autograd.enable_grad():
            g = autograd.grad(fn(autograd, F, *a) ** 2, a, v, create_graph=True)
            return autograd.grad(sum((gi ** 2).sum() for gi in g), a, create_graph=True)

    assert autograd.gradcheck(second_derivatives, xs, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("name,fn,shapes", CASES, ids=IDS)
def test_gradgradcheck(name, fn, shapes):
    xs = [autograd.tensor(a, requires_grad=True) for a in _arrays(shapes, 2)]
    assert autograd.gradgradcheck(lambda *a: fn(autograd, F, *a) ** 2, xs, atol=1e-6,
                                  rtol=1e-4)


def _critic(lib, F, x, params):
    w1, b1, w2, w3, b3, gamma, beta = params
    h = F.leaky_relu(F.conv2d(x.tanh(), w1, b1, padding=1), 0.2)
    h = F.batch_norm(h, None, None, gamma, beta, training=True)
    h = F.max_pool2d(h, 2)
    h = F.leaky_relu(F.conv_transpose2d(h, w2, stride=2), 0.2)
    h = F.interpolate(F.avg_pool2d(h, 2), scale_factor=2, mode="bilinear")
    h = F.layer_norm(F.adaptive_avg_pool2d(h, (2, 2)), (3, 2, 2))
    return F.linear(h.reshape(x.shape[0], -1), w3, b3)


@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-9), ("float32", 2e-4)])
def test_gradient_penalty_through_a_small_cnn_matches_torch(dtype, rtol):
    """A WGAN-GP penalty on d critic / d input, the critic a little CNN of every covered op;
    the norm composed from pow, sum and sqrt."""
    rng = np.random.default_rng(3)
    shapes = [(4, 2, 3, 3), (4,), (4, 3, 2, 2), (1, 12), (1,), (4,), (4,)]
    x0 = rng.standard_normal((3, 2, 6, 6)).astype(dtype)
    p0 = [rng.standard_normal(s).astype(dtype) for s in shapes]
    results = []
    for lib, FF in ((autograd, F), (torch, TF)):
        x = lib.tensor(x0, requires_grad=True)
        params = [lib.tensor(p, requires_grad=True) for p in p0]
        score = _critic(lib, FF, x, params)
        grad = autograd.grad if lib is autograd else torch.autograd.grad
        (gx,) = grad(score.sum(), x, create_graph=True)
        norm = (gx.reshape(gx.shape[0], -1).pow(2).sum(1) + 1e-12).sqrt()
        ((norm - 1).pow(2).mean()).backward()
        results.append([x.grad] + [p.grad for p in params])
    for ours, theirs in zip(*results):
        assert (ours is None) == (theirs is None)   # the last bias: no path from the penalty
        if ours is not None:
            _close(ours, theirs, rtol=rtol, atol=rtol * 1e-2)


def test_modules_train_through_a_gradient_penalty():
    """nn layers (Conv2d, BatchNorm2d, MaxPool2d, Upsample, LayerNorm) under create_graph:
    .grad of the parameters is filled and finite."""
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.MaxPool2d(2),
                          nn.Upsample(scale_factor=2, mode="nearest"), nn.LayerNorm([3, 4, 4]))
    x = autograd.randn(2, 1, 4, 4, requires_grad=True)
    (gx,) = autograd.grad((model(x) ** 3).sum(), x, create_graph=True)
    (gx ** 2).sum().backward()
    for p in model.parameters():
        assert p.grad is not None and np.isfinite(p.grad.numpy()).all()


# torch's pooling and reflect/replicate pads are ops whose backward is an op with a zero
# derivative in the input (zeros_like(self)): their recorded gradient depends on the input,
# though it is linear in the cotangent alone; its circular pad is composed, and is cut
LINKED = [
    ("avg_pool1d", lambda L, F, x: F.avg_pool1d(x, 3, 2, 1), (2, 2, 7)),
    ("avg_pool2d", lambda L, F, x: F.avg_pool2d(x, 2, ceil_mode=True), (1, 2, 5, 5)),
    ("avg_pool3d", lambda L, F, x: F.avg_pool3d(x, 2, 1), (1, 2, 3, 3, 3)),
    ("adaptive_avg_pool1d", lambda L, F, x: F.adaptive_avg_pool1d(x, 3), (2, 2, 7)),
    ("adaptive_avg_pool2d", lambda L, F, x: F.adaptive_avg_pool2d(x, (2, 3)), (2, 5, 5)),
    ("adaptive_avg_pool3d", lambda L, F, x: F.adaptive_avg_pool3d(x, 2), (1, 2, 3, 3, 3)),
    ("max_pool1d", lambda L, F, x: F.max_pool1d(x, 2), (2, 2, 7)),
    ("max_pool2d", lambda L, F, x: F.max_pool2d(x, 3, 2, 1), (1, 2, 5, 5)),
    ("max_pool3d", lambda L, F, x: F.max_pool3d(x, 2), (1, 2, 3, 3, 3)),
    ("adaptive_max_pool2d", lambda L, F, x: F.adaptive_max_pool2d(x, 2), (1, 2, 5, 5)),
    ("pad_reflect", lambda L, F, x: F.pad(x, (1, 1, 2, 0), mode="reflect"), (1, 2, 4, 4)),
    ("pad_replicate", lambda L, F, x: F.pad(x, (1, 2), mode="replicate"), (2, 2, 4)),
    ("pad_circular", lambda L, F, x: F.pad(x, (1, 2), mode="circular"), (2, 2, 4)),
    ("prelu", lambda L, F, x: F.prelu(x, L.tensor([0.25, -0.5], dtype=L.float64)), (2, 2, 4)),
]


@pytest.mark.parametrize("name,fn,shape", LINKED, ids=[c[0] for c in LINKED])
def test_recorded_gradient_depends_on_the_input_as_torchs(name, fn, shape):
    """x.grad of autograd.grad(create_graph=True) requires grad exactly where torch's does,
    and its own gradient is torch's (zeros)."""
    x = np.random.default_rng(3).standard_normal(shape)
    g, linked, h = first_and_second_gradients(autograd, lambda t: fn(autograd, F, t), x,
                                              "float64")
    tg, t_linked, th = first_and_second_gradients(torch, lambda t: fn(torch, TF, t), x,
                                                  "float64")
    _close(g, tg)
    assert linked == t_linked
    if linked:
        _close(h, th)
