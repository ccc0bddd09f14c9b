"""create_graph=True through the losses, the activations of nn.functional, GELU, dropout and
embedding: first and second derivatives against torch, the recorded first derivative against
the ordinary backward, and gradgradcheck in float64."""
import warnings

import numpy as np
import pytest

import autograd
import nn.functional as F
from autograd.ops.dropout import Dropout

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# A case: (id, inputs(rng) -> (differentiated arrays, constant arrays),
#          fn(L, F, consts, *xs) with L the library (autograd or torch), F its functional).
# Constants (targets, class weights) are converted to each library's tensors; integer arrays
# stay integer. Values stay clear of the kinks of hardtanh, the shrinks, threshold and the
# smooth L1 / Huber switch.


def _ce_inputs(shape, ignore=None):
    def inputs(rng):
        x = rng.standard_normal(shape) * 1.5
        c = shape[0] if len(shape) == 1 else shape[1]
        t_shape = () if len(shape) == 1 else shape[:1] + shape[2:]
        t = rng.integers(0, c, t_shape)
        if ignore is not None and t.ndim:
            t.reshape(-1)[1] = ignore    # one ignored position at least
        w = rng.uniform(0.5, 2.0, c)
        return [x], [t, w]
    return inputs


def _ce(reduction, ignore_index=-100, smoothing=0.0, weighted=True):
    def fn(L, F, consts, x):
        t, w = consts
        return F.cross_entropy(x, t, weight=w if weighted else None, reduction=reduction,
                               ignore_index=ignore_index, label_smoothing=smoothing)
    return fn


def _nll(reduction, ignore_index=-100):
    def fn(L, F, consts, x):
        t, w = consts
        # log-probabilities that depend on x non-linearly (nll itself is linear in its input)
        return F.nll_loss((x * x).log_softmax(0 if x.ndim == 1 else 1), t, weight=w,
                          reduction=reduction, ignore_index=ignore_index)
    return fn


def _probs_and_targets(rng):
    return [rng.uniform(0.1, 0.9, (3, 4)), rng.uniform(0.0, 1.0, (3, 4))], \
           [rng.uniform(0.5, 2.0, (4,))]


def _pair(shape, scale=1.0):
    def inputs(rng):
        return [rng.standard_normal(shape) * scale, rng.standard_normal(shape) * scale], []
    return inputs


def _one(shape, scale=2.0):
    def inputs(rng):
        x = rng.uniform(-scale, scale, shape)
        return [x, rng.uniform(0.5, 1.5, shape)], []
    return inputs


def _kl_inputs(log_target, t_shape=(3, 4)):
    def inputs(rng):
        x = np.log(rng.dirichlet(np.ones(4), 3))
        t = rng.dirichlet(np.ones(4), t_shape[0]).reshape(t_shape) if len(t_shape) == 2 \
            else rng.dirichlet(np.ones(4))
        return [x, np.log(t) if log_target else t], []
    return inputs


def _activation(name, call):
    """y * act(x): the second derivative mixes x and y."""
    return (name, _one((3, 5)), lambda L, F, consts, x, y: call(F, x) * y)


LOSS_CASES = [
    ("ce_mean", _ce_inputs((4, 5)), _ce("mean", weighted=False)),
    ("ce_mean_weight_ignore", _ce_inputs((5, 4), ignore=2), _ce("mean", ignore_index=2)),
    ("ce_sum_weight_smoothing", _ce_inputs((4, 5)), _ce("sum", smoothing=0.2)),
    ("ce_none_smoothing_ignore", _ce_inputs((5, 4), ignore=1),
     _ce("none", ignore_index=1, smoothing=0.1)),
    ("ce_mean_smoothing_weight_ignore", _ce_inputs((6, 3), ignore=0),
     _ce("mean", ignore_index=0, smoothing=0.3)),
    ("ce_nd_mean", _ce_inputs((2, 4, 3, 2), ignore=3), _ce("mean", ignore_index=3,
                                                           smoothing=0.1)),
    ("ce_nd_none", _ce_inputs((2, 3, 4)), _ce("none", smoothing=0.2)),
    ("ce_unbatched", _ce_inputs((5,)), _ce("mean", smoothing=0.1)),
    ("ce_unbatched_none", _ce_inputs((5,)), _ce("none", weighted=False)),
    ("ce_non_leaf_logits", lambda rng: ([rng.standard_normal((4, 3)),
                                         rng.standard_normal((3, 5))], [rng.integers(0, 5, 4)]),
     lambda L, F, consts, x, w: F.cross_entropy((x @ w).tanh() * 3, consts[0],
                                                label_smoothing=0.1)),
    ("ce_probability_targets", lambda rng: ([rng.standard_normal((4, 5))],
                                            [rng.dirichlet(np.ones(5), 4)]),
     lambda L, F, consts, x: F.cross_entropy(x, consts[0], label_smoothing=0.1)),
    ("nll_mean", _ce_inputs((4, 5), ignore=2), _nll("mean", ignore_index=2)),
    ("nll_sum", _ce_inputs((4, 5)), _nll("sum")),
    ("nll_nd_none", _ce_inputs((2, 4, 3), ignore=0), _nll("none", ignore_index=0)),
    ("nll_unbatched", _ce_inputs((5,)), _nll("mean")),
    ("bce_mean_weight", _probs_and_targets,
     lambda L, F, consts, p, t: F.binary_cross_entropy(p, t, weight=consts[0])),
    ("bce_sum", _probs_and_targets,
     lambda L, F, consts, p, t: F.binary_cross_entropy(p, t, reduction="sum")),
    ("bce_none_of_sigmoid", _pair((3, 4)),
     lambda L, F, consts, x, y: F.binary_cross_entropy(x.sigmoid(), y.sigmoid(),
                                                       reduction="none")),
    ("bce_logits_mean", _pair((3, 4), 2.0),
     lambda L, F, consts, x, y: F.binary_cross_entropy_with_logits(x, y.sigmoid())),
    ("bce_logits_weight_pos_weight", lambda rng: ([rng.standard_normal((3, 4)) * 3,
                                                   rng.uniform(0, 1, (3, 4))],
                                                  [rng.uniform(0.5, 2, (3, 4)),
                                                   rng.uniform(0.5, 3, (4,))]),
     lambda L, F, consts, x, t: F.binary_cross_entropy_with_logits(
         x, t, weight=consts[0], pos_weight=consts[1], reduction="sum")),
    ("bce_logits_pos_weight_none", lambda rng: ([rng.standard_normal((3, 4)) * 3,
                                                 rng.uniform(0, 1, (3, 4))],
                                                [rng.uniform(0.5, 3, (4,))]),
     lambda L, F, consts, x, t: F.binary_cross_entropy_with_logits(
         x, t, pos_weight=consts[0], reduction="none")),
    ("smooth_l1_mean", _pair((3, 4)),
     lambda L, F, consts, x, y: F.smooth_l1_loss(x, y, beta=0.7)),
    ("smooth_l1_none", _pair((3, 4)),
     lambda L, F, consts, x, y: F.smooth_l1_loss(x * y, y, reduction="none")),
    ("smooth_l1_sum_nonlinear", _pair((3, 4)),
     lambda L, F, consts, x, y: F.smooth_l1_loss(x.tanh() * 2, y, reduction="sum", beta=0.5)),
    ("huber_mean", _pair((3, 4)), lambda L, F, consts, x, y: F.huber_loss(x, y, delta=0.8)),
    ("huber_weighted_sum", lambda rng: ([rng.standard_normal((3, 4)),
                                         rng.standard_normal((3, 4))],
                                        [rng.uniform(0.5, 2, (3, 4))]),
     lambda L, F, consts, x, y: F.huber_loss(x, y, reduction="sum", delta=1.3,
                                             weight=consts[0])),
    ("huber_none_nonlinear", _pair((3, 4)),
     lambda L, F, consts, x, y: F.huber_loss((x * y).sin() * 2, y, reduction="none")),
    ("kl_batchmean", _kl_inputs(False),
     lambda L, F, consts, x, t: F.kl_div(x, t, reduction="batchmean")),
    ("kl_sum_nonlinear", _kl_inputs(False),
     lambda L, F, consts, x, t: F.kl_div(x.exp().log_softmax(1), t * t, reduction="sum")),
    ("kl_none_broadcast_target", _kl_inputs(False, (4,)),
     lambda L, F, consts, x, t: F.kl_div(x, t, reduction="none")),
    ("kl_log_target", _kl_inputs(True),
     lambda L, F, consts, x, t: F.kl_div(x, t, reduction="batchmean", log_target=True)),
    ("kl_log_target_none", _kl_inputs(True),
     lambda L, F, consts, x, t: F.kl_div(x * x, t, reduction="none", log_target=True)),
]

ACTIVATION_CASES = [
    _activation("elu", lambda F, x: F.elu(x, 0.7)),
    _activation("selu", lambda F, x: F.selu(x)),
    # alpha = 2: torch's celu backward rounds 1 / alpha to float (~1e-8 off in float64)
    _activation("celu", lambda F, x: F.celu(x, 2.0)),
    _activation("softplus", lambda F, x: F.softplus(x)),
    _activation("softplus_beta_threshold", lambda F, x: F.softplus(x, beta=2.0, threshold=1.5)),
    _activation("mish", lambda F, x: F.mish(x)),
    _activation("logsigmoid", lambda F, x: F.logsigmoid(x * 3)),
    _activation("hardtanh", lambda F, x: F.hardtanh(x, -0.5, 1.0) * x),
    _activation("relu6", lambda F, x: F.relu6(x * 4) ** 2),
    _activation("softshrink", lambda F, x: F.softshrink(x, 0.5) ** 3),
    _activation("hardshrink", lambda F, x: F.hardshrink(x, 0.7) ** 3),
    _activation("threshold", lambda F, x: F.threshold(x, 0.1, -2.0) ** 3),
    _activation("gelu", lambda F, x: F.gelu(x)),
    _activation("gelu_tanh", lambda F, x: F.gelu(x, approximate="tanh")),
]

CASES = LOSS_CASES + ACTIVATION_CASES
IDS = [c[0] for c in CASES]


def _run(lib, fn, xs, consts):
    """(the inputs as tensors that require grad, fn's output, a function that runs fn again
    on those inputs)."""
    F_ = TF if lib is torch else F
    ts = [lib.tensor(a, requires_grad=True) for a in xs]
    cs = [lib.tensor(a) for a in consts]
    return ts, fn(lib, F_, cs, *ts), lambda: fn(lib, F_, cs, *ts)


@pytest.mark.parametrize("name,inputs,fn", CASES, ids=IDS)
def test_first_and_second_derivatives_match_torch(name, inputs, fn):
    rng = np.random.default_rng(1)
    xs, consts = inputs(rng)
    ours, out, again = _run(autograd, fn, xs, consts)
    theirs, tout, _ = _run(torch, fn, xs, consts)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    v = rng.standard_normal(tuple(tout.shape))
    g = autograd.grad(out, ours, autograd.tensor(v), create_graph=True)
    tg = torch.autograd.grad(tout, theirs, torch.tensor(v), create_graph=True)
    plain = autograd.grad(again(), ours, autograd.tensor(v))
    for a, b, c in zip(g, tg, plain):
        assert a.requires_grad == b.requires_grad
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(a.numpy(), c.numpy(), rtol=1e-12, atol=1e-14)
    # a second-order quantity that reaches every input through every gradient
    weights = [rng.standard_normal(x.shape) for x in xs]
    second = sum(((a * a) * autograd.tensor(w)).sum() for a, w in zip(g, weights)) \
        + (g[-1] * ours[-1]).sum()
    tsecond = sum(((a * a) * torch.tensor(w)).sum() for a, w in zip(tg, weights)) \
        + (tg[-1] * theirs[-1]).sum()
    second.backward()
    tsecond.backward()
    for a, b in zip(ours, theirs):
        assert (a.grad is None) == (b.grad is None), name
        if a.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name,inputs,fn", CASES, ids=IDS)
def test_gradgradcheck(name, inputs, fn):
    xs, consts = inputs(np.random.default_rng(3))
    cs = [autograd.tensor(a) for a in consts]
    ts = [autograd.tensor(a, requires_grad=True) for a in xs]
    assert autograd.gradgradcheck(lambda *a: fn(autograd, F, cs, *a), ts, atol=1e-6, rtol=1e-4)


def test_third_derivatives_match_torch():
    """The building blocks of the recorded VJPs (softmax from saved rows, ScaledSigmoid, GELUSlope,
    SoftplusNeg) are recorded in their turn."""
    rng = np.random.default_rng(5)
    x0, t0 = rng.standard_normal((3, 4)), rng.integers(0, 4, 3)
    y0 = rng.uniform(0, 1, (3, 4))
    fns = [lambda L, F, x: F.gelu(x).sum() + F.gelu(x, approximate="tanh").sum(),
           lambda L, F, x: F.softplus(x, beta=1.5).sum() + F.logsigmoid(x).sum(),
           lambda L, F, x: F.cross_entropy(x, L.tensor(t0), label_smoothing=0.2),
           lambda L, F, x: F.binary_cross_entropy_with_logits(
               x, L.tensor(y0), pos_weight=L.tensor(np.full(4, 2.0)))]
    for fn in fns:
        results = []
        for lib, F_, grad in ((autograd, F, autograd.grad), (torch, TF, torch.autograd.grad)):
            x = lib.tensor(x0, requires_grad=True)
            (g1,) = grad(fn(lib, F_, x), x, create_graph=True)
            (g2,) = grad((g1 ** 2).sum(), x, create_graph=True)
            (g3,) = grad((g2 * g1).sum(), x)
            results.append(g3.detach().numpy())
        np.testing.assert_allclose(*results, rtol=1e-8, atol=1e-10)


def test_maml_step_through_cross_entropy_matches_torch():
    """A meta-gradient: one inner SGD step on a GELU net's cross-entropy, differentiated."""
    rng = np.random.default_rng(7)
    x0, w0 = rng.standard_normal((6, 3)), rng.standard_normal((3, 5))
    w1 = rng.standard_normal((5, 4))
    t0, x1 = rng.integers(0, 4, 6), rng.standard_normal((6, 3))
    results = []
    for lib, F_, grad in ((autograd, F, autograd.grad), (torch, TF, torch.autograd.grad)):
        a, b = lib.tensor(w0, requires_grad=True), lib.tensor(w1, requires_grad=True)
        t = lib.tensor(t0)

        def loss(x, a, b):
            return F_.cross_entropy(F_.gelu(lib.tensor(x) @ a) @ b, t, label_smoothing=0.1)

        ga, gb = grad(loss(x0, a, b), [a, b], create_graph=True)
        loss(x1, a - 0.5 * ga, b - 0.5 * gb).backward()
        results.append([a.grad.numpy(), b.grad.numpy()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_dropout_mask_is_a_constant_of_the_recorded_vjp():
    x0 = np.random.default_rng(2).uniform(0.5, 1.5, (4, 5))
    x = autograd.tensor(x0, requires_grad=True)
    autograd.manual_seed(0)
    y = F.dropout(x, 0.4)
    mask = y.numpy() / x0
    assert set(np.round(np.unique(mask), 12)) <= {0.0, round(1 / 0.6, 12)}
    (g,) = autograd.grad((y ** 3).sum(), x, create_graph=True)
    tx = torch.tensor(x0, requires_grad=True)
    (tg,) = torch.autograd.grad(((tx * torch.tensor(mask)) ** 3).sum(), tx, create_graph=True)
    np.testing.assert_allclose(g.numpy(), tg.detach().numpy(), rtol=1e-12)
    (g * x).sum().backward()
    (tg * tx).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    # the same mask on every call, as gradgradcheck re-runs the function
    x2 = autograd.tensor(x0, requires_grad=True)
    assert autograd.gradgradcheck(lambda a: Dropout.apply(a, mask=mask) ** 3, (x2,))


IDX = np.array([[0, 2, 2], [5, 1, 2]])


@pytest.mark.parametrize("padding_idx", [None, 2, 5])
def test_embedding_matches_torch(padding_idx):
    rng = np.random.default_rng(4)
    w0, v = rng.standard_normal((6, 3)), rng.standard_normal((2, 3, 3))
    results = []
    for lib, F_, grad in ((autograd, F, autograd.grad), (torch, TF, torch.autograd.grad)):
        w = lib.tensor(w0, requires_grad=True)
        out = F_.embedding(lib.tensor(IDX), w, padding_idx=padding_idx) ** 3
        (g,) = grad(out, w, lib.tensor(v), create_graph=True)
        ((g ** 2).sum() + (g * w).sum()).backward()
        results.append((g.detach().numpy(), w.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    w = autograd.tensor(w0, requires_grad=True)
    assert autograd.gradgradcheck(
        lambda a: F.embedding(IDX, a, padding_idx=padding_idx) ** 3, (w,))


@pytest.mark.parametrize("padding_idx", [None, 1])
def test_embedding_scale_grad_by_freq(padding_idx):
    """The recorded weight gradient is the ordinary one (1/count per index). Its derivative
    with respect to the upstream gradient is the exact transpose, so scaled by 1/count too;
    torch's double backward of embedding leaves that factor out (a plain index_select), so
    rows of a repeated index differ from torch's by the count, and only there."""
    rng = np.random.default_rng(6)
    w0, v0, u0 = rng.standard_normal((6, 3)), rng.standard_normal((2, 3, 3)), \
        rng.standard_normal((6, 3))
    grads = []
    for lib, F_, grad in ((autograd, F, autograd.grad), (torch, TF, torch.autograd.grad)):
        w = lib.tensor(w0, requires_grad=True)
        v = lib.tensor(v0, requires_grad=True)
        out = F_.embedding(lib.tensor(IDX), w, padding_idx=padding_idx,
                           scale_grad_by_freq=True)
        (g,) = grad(out, w, v, create_graph=True)
        (gv,) = grad((g * lib.tensor(u0)).sum(), v)
        grads.append((g.detach().numpy(), gv.numpy()))
    (g, gv), (tg, tgv) = grads
    np.testing.assert_allclose(g, tg, rtol=1e-12)
    counts = np.bincount(IDX.reshape(-1), minlength=6)[IDX][..., None]
    np.testing.assert_allclose(gv, tgv / counts, rtol=1e-12)
    w = autograd.tensor(w0, requires_grad=True)
    assert autograd.gradgradcheck(   # linear in w: the second derivative is in v alone
        lambda a: F.embedding(IDX, a, padding_idx=padding_idx, scale_grad_by_freq=True) * 1.5,
        (w,))


def test_cross_entropy_with_every_target_ignored_stays_zero():
    """mean over no position: the loss is NaN (0/0), its recorded gradient 0, as torch's."""
    x0 = np.random.default_rng(0).standard_normal((3, 4))
    for smoothing in (0.0, 0.2):
        results = []
        for lib, F_, grad in ((autograd, F, autograd.grad), (torch, TF, torch.autograd.grad)):
            x = lib.tensor(x0, requires_grad=True)
            loss = F_.cross_entropy(x, lib.tensor(np.full(3, 1)), ignore_index=1,
                                    label_smoothing=smoothing)
            (g,) = grad(loss, x, create_graph=True)
            (g.sum() + (g ** 2).sum()).backward()
            results.append((g.detach().numpy(), x.grad.numpy()))
        for ours, theirs in zip(*results):
            np.testing.assert_array_equal(ours, theirs)
            np.testing.assert_array_equal(ours, 0)


def test_bce_at_zero_and_one_gives_finite_second_derivatives():
    """log p and log(1 - p) are floored at -100 (in the target's gradient too, unlike torch's,
    which is infinite there): on the floor the log is a constant, so its derivative is 0, not
    log's 1/p times 0 = NaN; p (1 - p) is floored at 1e-12 likewise."""
    p0, t0 = [0.0, 1.0, 0.3, 1e-50], [0.2, 0.7, 0.5, 0.4]
    p = autograd.tensor(p0, dtype=autograd.float64, requires_grad=True)
    t = autograd.tensor(t0, dtype=autograd.float64, requires_grad=True)
    gp, gt = autograd.grad(F.binary_cross_entropy(p, t, reduction="sum"), [p, t],
                           create_graph=True)
    plain = autograd.grad(F.binary_cross_entropy(p, t, reduction="sum"), [p, t])
    for a, b in zip((gp, gt), plain):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    (gt.sum() + gp.sum()).backward()
    tp = torch.tensor(p0, dtype=torch.float64, requires_grad=True)
    tt = torch.tensor(t0, dtype=torch.float64, requires_grad=True)
    tgp, tgt = torch.autograd.grad(TF.binary_cross_entropy(tp, tt, reduction="sum"), [tp, tt],
                                   create_graph=True)
    (tgt.sum() + tgp.sum()).backward()
    # on the floors: d gp / dp = 1 / 1e-12, d gt / dp = -1 (from the log that is not floored);
    # elsewhere torch's, which puts its 1e-12 into the denominator (p + eps)^2 (1 - p + eps)^2
    expected = [1e12 - 1, 1e12 - 1, tp.grad[2].item(), 1e12 - 1]
    np.testing.assert_allclose(p.grad.numpy(), expected, rtol=1e-9)
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-12)


def test_bce_with_logits_is_finite_for_large_logits():
    x = autograd.tensor([-800.0, -40.0, 0.0, 40.0, 800.0], dtype=autograd.float64,
                        requires_grad=True)
    t = autograd.tensor([0.3, 1.0, 0.5, 0.0, 0.9], dtype=autograd.float64, requires_grad=True)
    pw = autograd.tensor([2.0] * 5, dtype=autograd.float64)
    gx, gt = autograd.grad(F.binary_cross_entropy_with_logits(x, t, pos_weight=pw),
                           [x, t], create_graph=True)
    ((gx ** 2).sum() + (gt * x).sum()).backward()
    tx = torch.tensor(x.numpy(), requires_grad=True)
    tt = torch.tensor(t.numpy(), requires_grad=True)
    tgx, tgt = torch.autograd.grad(TF.binary_cross_entropy_with_logits(
        tx, tt, pos_weight=torch.tensor(pw.numpy())), [tx, tt], create_graph=True)
    ((tgx ** 2).sum() + (tgt * tx).sum()).backward()
    for a, b in ((x, tx), (t, tt)):
        assert np.isfinite(a.grad.numpy()).all()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


FLOAT32 = [c for c in CASES if c[0] in (
    "ce_nd_mean", "ce_mean_weight_ignore", "nll_nd_none", "bce_mean_weight",
    "bce_logits_weight_pos_weight", "kl_batchmean", "kl_log_target", "huber_mean",
    "smooth_l1_mean", "gelu", "gelu_tanh", "softplus_beta_threshold", "elu", "logsigmoid",
    "hardtanh", "softshrink", "threshold")]


@pytest.mark.parametrize("name,inputs,fn", FLOAT32, ids=[c[0] for c in FLOAT32])
def test_float32_recorded_gradients_match_the_ordinary_ones(name, inputs, fn):
    xs, consts = inputs(np.random.default_rng(8))
    xs = [a.astype(np.float32) for a in xs]
    consts = [a.astype(np.float32) if a.dtype.kind == "f" else a for a in consts]
    ts, out, again = _run(autograd, fn, xs, consts)
    v = autograd.tensor(np.ones(out.shape, np.float32))
    g = autograd.grad(out, ts, v, create_graph=True)
    plain = autograd.grad(again(), ts, v)
    for a, b in zip(g, plain):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    sum((a * a).sum() for a in g).backward()
    assert all(t.grad.dtype == np.float32 for t in ts)


def test_kl_div_target_with_zeros():
    """t log t at t = 0: the ordinary VJP's d/dt is NaN there (log t + t / t, as torch's);
    the recorded one gives the same, without warnings, and finite second derivatives in x."""
    x = autograd.tensor(np.log([[0.2, 0.3, 0.5]]), requires_grad=True)
    t = autograd.tensor([[0.0, 0.4, 0.6]], dtype=autograd.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gx, gt = autograd.grad(F.kl_div(x, t, reduction="sum"), [x, t], create_graph=True)
        plain = autograd.grad(F.kl_div(x, t, reduction="sum"), [x, t])
        (gx ** 2).sum().backward()
    for a, b in zip((gx, gt), plain):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert np.isnan(gt.numpy()[0, 0]) and np.isfinite(gt.numpy()[0, 1:]).all()
    np.testing.assert_array_equal(t.grad.numpy(), 2 * t.numpy())


def test_a_loss_without_its_recorded_vjp_is_named(monkeypatch):
    from autograd.ops.loss import CrossEntropy
    monkeypatch.delattr(CrossEntropy, "backward_graph")
    x = autograd.tensor(np.zeros((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match="CrossEntropy: create_graph=True is not supported"):
        autograd.grad(F.cross_entropy(x, autograd.tensor([0, 2])), x, create_graph=True)
