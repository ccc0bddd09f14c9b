"""functional_nn_forms against torch: the top-level torch.conv2d, torch.layer_norm,
torch.dropout, torch.kl_div, ... called with ATen's argument lists (positional order, integer
reductions, stride [], padding_idx -1) give torch's values and gradients; the in-place forms
write into their input; bad reductions are refused."""
import numpy as np
import pytest

import autograd as ag
from tests.helpers import check_against_torch

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(23)


def r(*shape):
    return RNG.standard_normal(shape)


def pos(*shape):
    return RNG.uniform(0.1, 1.0, shape)


# each case: L -> fn(*tensors), the arrays; L is autograd or torch
FORMS = {
    "conv1d": (lambda L, x, w, b: L.conv1d(x, w, b, 2, 1, 1, 1), [r(2, 4, 9), r(6, 4, 3), r(6)]),
    "conv2d": (lambda L, x, w: L.conv2d(x, w, None, 1, 1, 2, 2), [r(1, 4, 7, 7), r(6, 2, 3, 3)]),
    "conv3d": (lambda L, x, w: L.conv3d(x, w), [r(1, 2, 4, 4, 4), r(3, 2, 2, 2, 2)]),
    "conv_transpose1d": (lambda L, x, w, b: L.conv_transpose1d(x, w, b, 2, 1, 1),
                         [r(2, 4, 5), r(4, 3, 3), r(3)]),
    "conv_transpose2d": (lambda L, x, w: L.conv_transpose2d(x, w, None, 2, 0, 1, 2),
                         [r(1, 4, 4, 4), r(4, 3, 3, 3)]),
    "conv_transpose3d": (lambda L, x, w, b: L.conv_transpose3d(x, w, b, 2, 1, 1, 1, 1),
                         [r(1, 2, 3, 3, 2), r(2, 3, 2, 2, 2), r(3)]),
    "convolution_2d": (lambda L, x, w, b: L.convolution(x, w, b, [2, 1], [1, 0], [1, 2], False,
                                                        [0, 0], 1), [r(2, 4, 6, 7), r(3, 4, 3, 2),
                                                                     r(3)]),
    "convolution_1d_transposed": (lambda L, x, w: L.convolution(x, w, None, [2], [1], [1], True,
                                                                [1], 2), [r(2, 4, 5), r(4, 3, 3)]),
    "convolution_3d": (lambda L, x, w: L.convolution(x, w, None, [1, 1, 1], [0, 1, 0],
                                                     [1, 1, 1], False, [0, 0, 0], 1),
                       [r(1, 2, 3, 3, 3), r(2, 2, 2, 2, 2)]),
    "constant_pad_nd": (lambda L, x: L.constant_pad_nd(x, [1, -1, 2, 0], 2.5), [r(2, 3, 4)]),
    "constant_pad_nd_default": (lambda L, x: L.constant_pad_nd(x, [0, 2]), [r(3, 4)]),
    "native_layer_norm": (lambda L, x, w, b: L.native_layer_norm(x, [3, 4], w, b, 1e-5),
                          [r(2, 3, 4) * 3 + 1, r(3, 4), r(3, 4)]),
    "native_layer_norm_plain": (lambda L, x: L.native_layer_norm(x, (4,), None, None, 1e-3),
                                [r(5, 4)]),
    "embedding_bag_mean": (lambda L, w: L.embedding_bag(w, L.tensor([1, 4, 2, 2, 0]),
                                                        L.tensor([0, 2, 2]), False, 1)[0],
                           [r(5, 3)]),
    "embedding_bag_max": (lambda L, w: L.embedding_bag(w, L.tensor([1, 4, 2, 2, 0]),
                                                       L.tensor([0, 2]), False, 2)[0], [r(5, 3)]),
    "avg_pool1d": (lambda L, x: L.avg_pool1d(x, 3, 2, 1, True, False), [r(2, 3, 8)]),
    "max_pool1d": (lambda L, x: L.max_pool1d(x, 2), [r(2, 3, 8)]),
    "max_pool1d_stride": (lambda L, x: L.max_pool1d(x, 3, 1, 1, 1, True), [r(2, 3, 8)]),
    "max_pool2d": (lambda L, x: L.max_pool2d(x, (2, 3), []), [r(2, 3, 6, 6)]),
    "max_pool3d": (lambda L, x: L.max_pool3d(x, 2), [r(1, 2, 4, 4, 4)]),
    "max_pool1d_with_indices": (lambda L, x: L.max_pool1d_with_indices(x, 2)[0], [r(2, 3, 8)]),
    "adaptive_avg_pool1d": (lambda L, x: L.adaptive_avg_pool1d(x, 3), [r(2, 3, 8)]),
    "adaptive_max_pool1d": (lambda L, x: L.adaptive_max_pool1d(x, 3)[0], [r(2, 3, 8)]),
    "dropout_eval": (lambda L, x: L.dropout(x, 0.5, False), [r(3, 4)]),
    "alpha_dropout_eval": (lambda L, x: L.alpha_dropout(x, 0.5, False), [r(3, 4)]),
    "feature_alpha_dropout_eval": (lambda L, x: L.feature_alpha_dropout(x, 0.3, False),
                                   [r(2, 3, 4)]),
    "batch_norm_train": (lambda L, x, w, b: L.batch_norm(x, w, b, None, None, True, 0.1, 1e-5,
                                                         False), [r(4, 3, 5), r(3), r(3)]),
    "batch_norm_eval": (lambda L, x, w, b: L.batch_norm(
        x, w, b, L.tensor(np.arange(3.0)), L.tensor(np.arange(1.0, 4.0)), False, 0.1, 1e-5,
        False), [r(4, 3), r(3), r(3)]),
    "instance_norm": (lambda L, x, w, b: L.instance_norm(x, w, b, None, None, True, 0.1, 1e-5,
                                                         False), [r(2, 3, 6), r(3), r(3)]),
    "layer_norm": (lambda L, x, w, b: L.layer_norm(x, [4], w, b, 1e-5, False),
                   [r(2, 3, 4), r(4), r(4)]),
    "group_norm": (lambda L, x, w, b: L.group_norm(x, 2, w, b), [r(2, 4, 5), r(4), r(4)]),
    "rms_norm": (lambda L, x, w: L.rms_norm(x, (3, 4), w, 1e-6), [r(2, 3, 4), r(3, 4)]),
    "embedding": (lambda L, w: L.embedding(w, L.tensor([[0, 2], [4, 2]])), [r(5, 3)]),
    "embedding_padding": (lambda L, w: L.embedding(w, L.tensor([0, 2, 1]), 2), [r(5, 3)]),
    "bilinear": (lambda L, a, b, w, c: L.bilinear(a, b, w, c),
                 [r(4, 3), r(4, 2), r(5, 3, 2), r(5)]),
    "cosine_similarity": (lambda L, a, b: L.cosine_similarity(a, b, 0), [r(3, 4), r(3, 4)]),
    "pairwise_distance": (lambda L, a, b: L.pairwise_distance(a, b, 3.0, 1e-6, True),
                          [r(3, 4), r(3, 4)]),
    "pdist": (lambda L, a: L.pdist(a, 1.5), [r(5, 3)]),
    "pixel_shuffle": (lambda L, x: L.pixel_shuffle(x, 2), [r(1, 8, 2, 3)]),
    "pixel_unshuffle": (lambda L, x: L.pixel_unshuffle(x, 2), [r(1, 2, 4, 6)]),
    "channel_shuffle": (lambda L, x: L.channel_shuffle(x, 2), [r(2, 4, 3)]),
    "prelu": (lambda L, x, w: L.prelu(x, w), [r(2, 3, 4), pos(3)]),
    "rrelu_eval": (lambda L, x: L.rrelu(x, 0.1, 0.3), [r(3, 4)]),
    "selu": (lambda L, x: L.selu(x), [r(3, 4)]),
    "celu": (lambda L, x: L.celu(x, 0.5), [r(3, 4)]),   # torch's gradient rounds alpha to
    # float32: an alpha exact in float32 keeps the comparison at float64 precision
    "hardshrink": (lambda L, x: L.hardshrink(x, 0.4), [r(3, 4)]),
    "threshold": (lambda L, x: L.threshold(x, 0.1, -2.0), [r(3, 4)]),
    "kl_div_default": (lambda L, x, y: L.kl_div(x.log_softmax(-1), y), [r(3, 4), pos(3, 4)]),
    "kl_div_mean": (lambda L, x, y: L.kl_div(x, y, 1), [r(3, 4), pos(3, 4)]),
    "kl_div_sum_log": (lambda L, x, y: L.kl_div(x, y, 2, log_target=True), [r(3, 4), r(3, 4)]),
    "kl_div_none": (lambda L, x, y: L.kl_div(x, y, 0), [r(3, 4), pos(3, 4)]),
    "bce_with_logits": (lambda L, x, y: L.binary_cross_entropy_with_logits(
        x, y, L.tensor(np.arange(1.0, 5.0)), L.tensor(np.full(4, 1.5)), 1), [r(3, 4), pos(3, 4)]),
    "bce_with_logits_sum": (lambda L, x, y: L.binary_cross_entropy_with_logits(
        x, y, None, None, 2), [r(3, 4), pos(3, 4)]),
    "margin_ranking_loss": (lambda L, a, b: L.margin_ranking_loss(
        a, b, L.tensor([1.0, -1, 1], dtype=L.float64), 0.2, 2), [r(3), r(3)]),
    "hinge_embedding_loss": (lambda L, a: L.hinge_embedding_loss(
        a, L.tensor([1.0, -1, 1, -1], dtype=L.float64), 0.5, 1), [r(4)]),
    "cosine_embedding_loss": (lambda L, a, b: L.cosine_embedding_loss(
        a, b, L.tensor([1.0, -1, 1], dtype=L.float64), 0.1, 0), [r(3, 4), r(3, 4)]),
    "triplet_margin_loss": (lambda L, a, p, n: L.triplet_margin_loss(a, p, n, 0.5, 2.0, 1e-6,
                                                                     True, 2), [r(3, 4)] * 3),
    "triplet_margin_loss_default": (lambda L, a, p, n: L.triplet_margin_loss(a, p, n),
                                    [r(3, 4)] * 3),
    "poisson_nll_loss": (lambda L, x, y: L.poisson_nll_loss(x, y, True, True, 1e-8, 1),
                         [r(3, 4), pos(3, 4) * 3]),
}


@pytest.mark.parametrize("name", FORMS)
def test_top_level_nn_forms_match_torch(name):
    fn, arrays = FORMS[name]
    check_against_torch(lambda *xs: fn(ag, *xs), lambda *xs: fn(torch, *xs), *arrays,
                        rtol=1e-9, atol=1e-11)


def test_index_outputs_match_torch():
    x = r(2, 3, 8)
    for name, call in [("max_pool1d_with_indices", lambda L, t: L.max_pool1d_with_indices(t, 3)),
                       ("adaptive_max_pool1d", lambda L, t: L.adaptive_max_pool1d(t, 3))]:
        (v, i), (tv, ti) = call(ag, ag.tensor(x)), call(torch, torch.tensor(x))
        np.testing.assert_array_equal(i.data, ti.numpy())
        np.testing.assert_array_equal(v.data, tv.detach().numpy())


@pytest.mark.parametrize("name,args", [("dropout_", (0.0, True)), ("alpha_dropout_", (0.5, False)),
                                       ("selu_", ()), ("celu_", (0.5,)),
                                       ("threshold_", (0.2, 5.0)), ("rrelu_", (0.1, 0.2)),
                                       ("feature_alpha_dropout_", (0.5, False))])
def test_in_place_nn_forms_write_into_their_input(name, args):
    v = r(2, 3, 4)
    x, t = ag.tensor(v), torch.tensor(v)
    assert getattr(ag, name)(x, *args) is x
    getattr(torch, name)(t, *args)
    np.testing.assert_allclose(x.data, t.numpy(), rtol=1e-12)


def test_dropout_in_training_keeps_or_scales_each_element():
    ag.manual_seed(0)
    x = ag.ones(2000, dtype=ag.float64)
    y = ag.dropout(x, 0.25, True)
    assert set(np.unique(y.data).tolist()) <= {0.0, 1 / 0.75}
    assert abs((y.data == 0).mean() - 0.25) < 0.05
    with pytest.raises(TypeError):
        ag.dropout(x, 0.5)   # torch's form has no defaults


def test_losses_are_unreduced_by_default_as_torchs_top_level_forms():
    x, y = r(3, 4), pos(3, 4)
    for name, args in [("kl_div", (x, y)), ("hinge_embedding_loss", (x, np.sign(x))),
                       ("binary_cross_entropy_with_logits", (x, y)),
                       ("cosine_embedding_loss", (x, y, np.ones(3))),
                       ("margin_ranking_loss", (x[0], y[0], np.ones(4)))]:
        ours = getattr(ag, name)(*map(ag.tensor, args))
        assert ours.shape == tuple(getattr(torch, name)(*map(torch.tensor, args)).shape)


def test_integer_reductions_are_checked():
    x, y = ag.zeros(3), ag.ones(3)
    with pytest.raises(TypeError, match="must be int"):
        ag.kl_div(x, y, "mean")
    with pytest.raises(TypeError, match="must be int"):
        torch.kl_div(torch.zeros(3), torch.ones(3), "mean")
    with pytest.raises(RuntimeError, match=r"0 \(none\), 1 \(mean\) or 2 \(sum\)"):
        ag.binary_cross_entropy_with_logits(x, y, None, None, 3)
    with pytest.raises(TypeError, match="generator"):
        ag.rrelu(x, generator=ag.Generator())


@pytest.mark.parametrize("mode", [0, 1, 2])
@pytest.mark.parametrize("kw", [{}, dict(padding_idx=4), dict(padding_idx=-1),
                                dict(include_last_offset=True), dict(per_sample_weights=True)])
def test_embedding_bag_returns_torch_s_four_outputs(mode, kw):
    kw = dict(kw)
    if kw.pop("per_sample_weights", False):
        if mode != 0:
            return
        kw["per_sample_weights"] = np.linspace(0.5, 1.5, 7)
    w = r(6, 3)
    w[2, 1] = w[5, 1]                     # a tie in mode max: the first row seen wins
    idx = np.array([1, 2, 4, 5, 4, 5, 2])
    offsets = np.array([0, 2, 2, 7] if kw.get("include_last_offset") else [0, 2, 2])
    kw = dict(dict(per_sample_weights=None, include_last_offset=False, padding_idx=None), **kw)
    outs = []
    for lib in (ag, torch):   # float64: torch's float32 'sum' leaves offset2bag empty
        args = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        outs.append(lib.embedding_bag(lib.tensor(w), lib.tensor(idx), lib.tensor(offsets),
                                      scale_grad_by_freq=False, mode=mode, sparse=False,
                                      **args))
    assert len(outs[0]) == 4
    np.testing.assert_allclose(outs[0][0].data, outs[1][0].numpy(), rtol=1e-12)
    for ours, theirs in zip(outs[0][1:], outs[1][1:]):
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_convolution_and_embedding_bag_modes_are_checked():
    with pytest.raises(RuntimeError, match="weight must have 3, 4 or 5 dims"):
        ag.convolution(ag.zeros(1, 2, 3), ag.zeros(2, 2), None, [1], [0], [1], False, [0], 1)
    w, idx, off = ag.zeros(4, 2), ag.tensor([0, 1]), ag.tensor([0])
    with pytest.raises(RuntimeError, match="mode must be 0 \\(sum\\), 1 \\(mean\\) or 2"):
        ag.embedding_bag(w, idx, off, False, 3)
    with pytest.raises(RuntimeError):
        torch.embedding_bag(torch.zeros(4, 2), torch.tensor([0, 1]), torch.tensor([0]), False, 3)
    with pytest.raises(TypeError, match="'mode' must be int"):
        ag.embedding_bag(w, idx, off, False, "sum")
