"""The margin, embedding and likelihood losses, pairwise_distance, pdist and their modules:
against torch in float64 (values, shapes and input gradients for every reduction), a float64
gradcheck, float32 in float32 out, the legacy flags, the errors, and module state and repr."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from tests.helpers import assert_close, check_float32, check_op

torch = pytest.importorskip("torch")
TF = torch.nn.functional
REDUCTIONS = ["mean", "sum", "none"]


def rand(*shape, seed=0, scale=1.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale


def signs(*shape, seed=0):
    return np.random.default_rng(seed).choice([-1.0, 1.0], size=shape)


def both(name, *args, **kwargs):
    """ours(*tensors) and theirs(*tensors) for nn.functional's `name` with fixed extras."""
    return (lambda *t: getattr(F, name)(*t, *args, **kwargs),
            lambda *t: getattr(TF, name)(*t, *args, **kwargs))


# ------------------------------------------------------------------------- ranking losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shapes,margin", [(((5,), (5,), (5,)), 0.0), (((5,), (5,), (5,)), 0.4),
                                           (((3, 1), (1, 4), (3, 4)), 0.2), (((), (), ()), 0.1)])
def test_margin_ranking_loss_matches_torch(reduction, shapes, margin):
    a, b = rand(*shapes[0], seed=1), rand(*shapes[1], seed=2)
    y = signs(*shapes[2], seed=3)
    ours, theirs = both("margin_ranking_loss", margin=margin, reduction=reduction)
    check_op(ours, theirs, a, b, y)
    check_float32(ours, a, b, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.3, 2.5])
def test_hinge_embedding_loss_matches_torch(reduction, margin):
    x = rand(3, 4, seed=4, scale=2.0)
    y = np.random.default_rng(5).choice([-1.0, 1.0, 0.0, 2.0], size=(3, 4))   # 0 and 2: both terms
    ours = lambda a: F.hinge_embedding_loss(a, autograd.tensor(y), margin, reduction=reduction)
    theirs = lambda a: TF.hinge_embedding_loss(a, torch.tensor(y), margin, reduction=reduction)
    check_op(ours, theirs, x)
    check_float32(lambda a: F.hinge_embedding_loss(a, y.astype(np.float32), margin), x)
    # int targets and a broadcast target, as torch
    yi = y[0].astype(np.int64)
    out = F.hinge_embedding_loss(autograd.tensor(x), autograd.tensor(yi), margin,
                                 reduction=reduction)
    ref = TF.hinge_embedding_loss(torch.tensor(x), torch.tensor(yi), margin, reduction=reduction)
    assert_close(out.data, ref.numpy())


def test_hinge_losses_at_the_kink_match_torch():
    """clamp_min passes the gradient at exactly 0, as torch's."""
    x = np.array([1.0, 0.5, 2.0, -1.0])
    y = np.array([-1.0, -1.0, 1.0, -1.0])
    check_op(lambda a: F.hinge_embedding_loss(a, autograd.tensor(y), reduction="sum"),
             lambda a: TF.hinge_embedding_loss(a, torch.tensor(y), reduction="sum"), x,
             gradcheck=False)
    check_op(lambda a, b, t: F.margin_ranking_loss(a, b, t, reduction="sum"),
             lambda a, b, t: TF.margin_ranking_loss(a, b, t, reduction="sum"),
             np.array([1.0, 2.0]), np.array([1.0, 1.0]), np.array([1.0, 1.0]), gradcheck=False)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shapes", [((4, 3), (4, 3), (4,)), ((5,), (5,), ()),
                                    ((4, 3), (1, 3), (4,))])
@pytest.mark.parametrize("margin", [0.0, 0.3, -0.2])
def test_cosine_embedding_loss_matches_torch(reduction, shapes, margin):
    a, b = rand(*shapes[0], seed=6), rand(*shapes[1], seed=7)
    y = signs(*shapes[2], seed=8)
    ours = lambda u, v: F.cosine_embedding_loss(u, v, autograd.tensor(y), margin, reduction=reduction)
    theirs = lambda u, v: TF.cosine_embedding_loss(u, v, torch.tensor(y), margin,
                                                   reduction=reduction)
    check_op(ours, theirs, a, b)
    check_float32(lambda u, v: F.cosine_embedding_loss(u, v, y.astype(np.int64), margin), a, b)


# ------------------------------------------------------------------------- distances
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, -1.0, np.inf, -np.inf])
@pytest.mark.parametrize("shapes,keepdim", [(((4, 3), (4, 3)), False), (((4, 3), (1, 3)), True),
                                            (((3,), (2, 3)), False), (((2, 3, 4), (2, 3, 4)), True),
                                            (((), ()), False), (((5,), (5,)), True)])
def test_pairwise_distance_matches_torch(p, shapes, keepdim):
    a, b = rand(*shapes[0], seed=9), rand(*shapes[1], seed=10)
    ours, theirs = both("pairwise_distance", p, 1e-4, keepdim)
    check_op(ours, theirs, a, b)


def test_pairwise_distance_p0_and_equal_inputs():
    a = rand(4, 3, seed=11)
    b = a.copy()
    b[1, 0] += 1.0
    # p = 0 counts the nonzero differences and has no gradient; eps = 0 with equal rows: the
    # 2-norm's gradient at 0 is 0
    check_op(*both("pairwise_distance", 0.0), a, b, gradcheck=False)
    check_op(*both("pairwise_distance", 2.0, 0.0), a, b, gradcheck=False)
    check_float32(*both("pairwise_distance")[:1], a, b)


@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, 3.0, np.inf, 0.0])
def test_pdist_matches_torch(p):
    x = rand(5, 3, seed=12)
    check_op(*both("pdist", p), x, gradcheck=p != 0)
    x[3] = x[1]   # a zero distance: gradient 0 for that pair
    check_op(*both("pdist", p), x, gradcheck=False)
    check_op(*both("pdist", p), x[:1], gradcheck=False)   # one row: no pairs
    check_float32(lambda t: F.pdist(t, p), x)


# ------------------------------------------------------------------------- triplets
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,swap,margin", [(2.0, False, 1.0), (1.0, True, 0.5), (3.0, True, 2.0)])
@pytest.mark.parametrize("shapes", [((4, 3),) * 3, ((5,),) * 3, ((1, 3), (4, 3), (4, 3))])
def test_triplet_margin_loss_matches_torch(reduction, p, swap, margin, shapes):
    arrays = [rand(*s, seed=13 + k) for k, s in enumerate(shapes)]
    ours, theirs = both("triplet_margin_loss", margin, p, 1e-6, swap, reduction=reduction)
    check_op(ours, theirs, *arrays)
    check_float32(ours, *arrays)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("custom", [False, True])
def test_triplet_margin_with_distance_loss_matches_torch(reduction, swap, custom):
    arrays = [rand(4, 3, seed=16 + k) for k in range(3)]
    kw = dict(margin=0.7, swap=swap, reduction=reduction)
    ours = lambda a, b, c: F.triplet_margin_with_distance_loss(
        a, b, c, distance_function=(lambda u, v: 1.0 - F.cosine_similarity(u, v)) if custom
        else None, **kw)
    theirs = lambda a, b, c: TF.triplet_margin_with_distance_loss(
        a, b, c, distance_function=(lambda u, v: 1.0 - TF.cosine_similarity(u, v)) if custom
        else None, **kw)
    check_op(ours, theirs, *arrays)


# ------------------------------------------------------------------------- soft margins
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("xshape,yshape", [((4, 3), (4, 3)), ((4, 3), (3,)), ((), ())])
def test_soft_margin_loss_matches_torch(reduction, xshape, yshape):
    x, y = rand(*xshape, seed=19, scale=3.0), signs(*yshape, seed=20)
    # torch does not differentiate the target: it is a constant here
    ours = lambda a: F.soft_margin_loss(a, autograd.tensor(y), reduction=reduction)
    theirs = lambda a: TF.soft_margin_loss(a, torch.tensor(y), reduction=reduction)
    check_op(ours, theirs, x)
    check_float32(lambda a: F.soft_margin_loss(a, y.astype(np.int64)), x)


def test_soft_margin_loss_is_finite_where_torch_overflows():
    x = autograd.tensor(np.array([-800.0, 800.0, 30.0]), requires_grad=True)
    loss = F.soft_margin_loss(x, autograd.tensor(np.ones(3)), reduction="none")
    loss.sum().backward()
    assert_close(loss.data, [800.0, 0.0, np.log1p(np.exp(-30.0))])
    assert_close(x.grad.data, [-1.0, 0.0, -1 / (1 + np.exp(30.0))])
    ref = TF.soft_margin_loss(torch.tensor([-800.0]), torch.tensor([1.0]))
    assert torch.isinf(ref)   # what torch gives instead


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape,weighted", [((4, 5), False), ((4, 5), True), ((5,), True)])
def test_multilabel_soft_margin_loss_matches_torch(reduction, shape, weighted):
    x = rand(*shape, seed=21, scale=2.0)
    y = (np.random.default_rng(22).random(shape) > 0.5).astype(np.float64)
    arrays = (x, y, np.random.default_rng(23).random(shape[-1])) if weighted else (x, y)
    ours, theirs = both("multilabel_soft_margin_loss", reduction=reduction)
    check_op(ours, theirs, *arrays)
    check_float32(ours, *arrays)


# ------------------------------------------------------------------------- multi-class margins
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,margin,weighted", [(1, 1.0, False), (2, 1.0, False),
                                               (1, 0.3, True), (2, 2.0, True)])
@pytest.mark.parametrize("xshape,target", [((5, 4), [0, 3, 1, 1, 2]), ((4,), [2]), ((4,), 2),
                                           ((1, 4), 3), ((), 0)])
def test_multi_margin_loss_matches_torch(reduction, p, margin, weighted, xshape, target):
    x = rand(*xshape, seed=24)
    t = np.array(target, dtype=np.int64)
    c = xshape[-1] if xshape else 1
    w = np.random.default_rng(25).random(c) + 0.5 if weighted else None
    ours = lambda a: F.multi_margin_loss(a, autograd.tensor(t), p, margin,
                                         None if w is None else autograd.tensor(w),
                                         reduction=reduction)
    theirs = lambda a: TF.multi_margin_loss(a, torch.tensor(t), p, margin,
                                            None if w is None else torch.tensor(w),
                                            reduction=reduction)
    check_op(ours, theirs, x)
    check_float32(lambda a: F.multi_margin_loss(
        a, t, p, margin, None if w is None else w.astype(np.float32), reduction=reduction), x)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("xshape,target", [
    ((4, 4), [[3, 0, -1, 1], [0, 1, 2, 3], [-1, 0, 0, 0], [2, 2, 1, -1]]),   # dup counts twice
    ((5,), [4, 1, -1, 0, 0]), ((), 0), ((), -1)])
def test_multilabel_margin_loss_matches_torch(reduction, xshape, target):
    x = rand(*xshape, seed=26)
    t = np.array(target, dtype=np.int64)
    ours = lambda a: F.multilabel_margin_loss(a, autograd.tensor(t), reduction=reduction)
    theirs = lambda a: TF.multilabel_margin_loss(a, torch.tensor(t), reduction=reduction)
    check_op(ours, theirs, x)
    check_float32(lambda a: F.multilabel_margin_loss(a, t, reduction=reduction), x)


def test_multi_margin_losses_at_the_kink_match_torch():
    """max(0, z) takes no gradient at z = 0 here (ATen's `z > 0`), unlike clamp_min."""
    x = np.array([[1.0, 0.0, -0.5]])
    check_op(lambda a: F.multi_margin_loss(a, np.array([0]), reduction="sum"),
             lambda a: TF.multi_margin_loss(a, torch.tensor([0]), reduction="sum"), x,
             gradcheck=False)
    check_op(lambda a: F.multilabel_margin_loss(a, np.array([[0, -1, 0]]), reduction="sum"),
             lambda a: TF.multilabel_margin_loss(a, torch.tensor([[0, -1, 0]]),
                                                 reduction="sum"), x, gradcheck=False)


# ------------------------------------------------------------------------- likelihoods
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input,full", [(True, False), (True, True), (False, False),
                                            (False, True)])
def test_poisson_nll_loss_matches_torch(reduction, log_input, full):
    x = rand(3, 4, seed=27)
    x = x if log_input else np.abs(x) + 0.1
    y = np.random.default_rng(28).choice([0.3, 0.9, 1.5, 2.0, 4.0, 7.0], size=(3, 4))
    ours, theirs = both("poisson_nll_loss", log_input, full, eps=1e-3, reduction=reduction)
    check_op(ours, theirs, x, y)
    check_op(ours, theirs, x, y[0])                        # a broadcast target
    check_float32(ours, x, y)


def test_poisson_nll_loss_full_at_zero_counts():
    """Integer counts are accepted; at y <= 0 Stirling's term is 0 with a zero gradient
    (torch's gradient there is NaN, from 0 * log 0 in the unused branch)."""
    x = autograd.tensor(np.array([0.5, -0.2, 1.0]), requires_grad=True)
    y = autograd.tensor(np.array([0.0, 1.0, 3.0]), requires_grad=True)
    loss = F.poisson_nll_loss(x, y, full=True, reduction="sum")
    loss.backward()
    ref = TF.poisson_nll_loss(torch.tensor(x.data), torch.tensor(y.data), full=True,
                              reduction="sum")
    assert_close(loss.data, ref.numpy())
    counts = F.poisson_nll_loss(x, np.array([0, 1, 3]), full=True, reduction="sum")
    assert_close(counts.data, loss.data)   # (torch takes the log of int counts in float32)
    assert_close(y.grad.data, [-0.5, 0.2, -1.0 + np.log(3.0) + 0.5 / 3.0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("xshape,vshape", [((4, 3), (4, 3)), ((4, 3), (4,)), ((4, 3), (4, 1)),
                                           ((4, 3), (1, 3)), ((2, 3, 4), (2, 1, 4)),
                                           ((5,), ())])
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_loss_matches_torch(reduction, xshape, vshape, full):
    x, y = rand(*xshape, seed=29), rand(*xshape, seed=30)
    v = np.random.default_rng(31).random(vshape) + 0.2
    ours, theirs = both("gaussian_nll_loss", full=full, eps=1e-3, reduction=reduction)
    check_op(ours, theirs, x, y, v)
    check_float32(ours, x, y, v)


def test_gaussian_nll_loss_clamp_and_number_var():
    """var below eps is clamped with the clamp invisible to the gradient, as torch; a number
    var is a constant; a broadcast target works."""
    x, y = rand(4, seed=32), rand(4, seed=33)
    v = np.array([0.0, 1e-9, 0.5, 2.0])
    check_op(*both("gaussian_nll_loss", reduction="none"), x, y, v, gradcheck=False)
    check_op(*both("gaussian_nll_loss", 0.7, True), x, y)
    check_op(*both("gaussian_nll_loss", 0.7), rand(3, 4, seed=34), y)


# ------------------------------------------------------------------------- empty, legacy, errors
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_empty_batches(reduction):
    e = np.zeros((0, 3))
    check_op(*both("triplet_margin_loss", reduction=reduction), e, e, e, gradcheck=False)
    check_op(*both("poisson_nll_loss", reduction=reduction), e, e, gradcheck=False)
    # torch's multi-margin losses return uninitialized memory for the mean of nothing: NaN here
    y = F.multi_margin_loss(autograd.tensor(np.zeros((0, 3))), np.zeros(0, np.int64),
                            reduction=reduction)
    assert y.shape == ((0,) if reduction == "none" else ())
    assert reduction != "mean" or np.isnan(y.data)


@pytest.mark.filterwarnings("ignore:size_average and reduce")
def test_legacy_flags_match_torch():
    a, b, y = rand(5, seed=35), rand(5, seed=36), signs(5, seed=37)
    for kw in (dict(size_average=False), dict(reduce=False)):
        out = F.margin_ranking_loss(autograd.tensor(a), autograd.tensor(b), autograd.tensor(y),
                                    **kw)
        ref = TF.margin_ranking_loss(torch.tensor(a), torch.tensor(b), torch.tensor(y), **kw)
        assert_close(out.data, ref.numpy())
        out = F.poisson_nll_loss(autograd.tensor(a), autograd.tensor(np.abs(b)), **kw)
        ref = TF.poisson_nll_loss(torch.tensor(a), torch.tensor(np.abs(b)), **kw)
        assert_close(out.data, ref.numpy())


def test_errors():
    x, x3 = autograd.tensor(rand(4, 3)), autograd.tensor(rand(4))
    idx = autograd.tensor(np.array([0, 1, 2, 0]))
    cases = [
        (ValueError, r"margin_ranking_loss: .*same number of dims.*\(4, 3\).*\(4,\)",
         lambda: F.margin_ranking_loss(x, x, x3)),
        (ValueError, r"margin_ranking_loss: shapes .*\(4, 3\).*\(4, 2\)",
         lambda: F.margin_ranking_loss(x, autograd.tensor(rand(4, 2)), x)),
        (TypeError, r"margin_ranking_loss: .*input1 torch.float64, input2 torch.float32",
         lambda: F.margin_ranking_loss(x, x.to(autograd.float32), x)),
        (ValueError, r"cosine_embedding_loss: a 1-D target expects 2-D inputs.*\(4,\)",
         lambda: F.cosine_embedding_loss(x3, x3, x3)),
        (ValueError, r"cosine_embedding_loss: expected a 0-D or 1-D target",
         lambda: F.cosine_embedding_loss(x, x, x)),
        (ValueError, r"triplet_margin_loss: margin must be greater than 0",
         lambda: F.triplet_margin_loss(x, x, x, margin=0)),
        (ValueError, r"triplet_margin_with_distance_loss: .*same number of dims",
         lambda: F.triplet_margin_with_distance_loss(x, x, x3)),
        (ValueError, r"triplet_margin_with_distance_loss: reduction must be one of",
         lambda: F.triplet_margin_with_distance_loss(x, x, x, reduction="avg")),
        (ValueError, r"soft_margin_loss: target of shape \(4, 3\) must broadcast to input of "
                     r"shape \(3,\)", lambda: F.soft_margin_loss(autograd.tensor(rand(3)), x)),
        (ValueError, r"multi_margin_loss: only p == 1 and p == 2",
         lambda: F.multi_margin_loss(x, idx, p=3)),
        (ValueError, r"multi_margin_loss: weight must be one-dimensional",
         lambda: F.multi_margin_loss(x, idx, weight=autograd.tensor(np.ones((1, 3))))),
        (ValueError, r"multi_margin_loss: weight should have one value per class.*\(3,\)",
         lambda: F.multi_margin_loss(x, idx, weight=autograd.tensor(np.ones(4)))),
        (ValueError, r"multi_margin_loss: target should be 1-D .*expected 4 values.*\(3,\)",
         lambda: F.multi_margin_loss(x, idx.data[:3])),
        (ValueError, r"multi_margin_loss: target values must be in \[0, 3\)",
         lambda: F.multi_margin_loss(x, np.array([0, 1, 3, 0]))),
        (TypeError, r"multi_margin_loss: target must hold integer class indices.*float64",
         lambda: F.multi_margin_loss(x, x3)),
        (ValueError, r"multi_margin_loss: expected a non-empty .*\(2, 4, 3\)",
         lambda: F.multi_margin_loss(autograd.tensor(rand(2, 4, 3)), idx)),
        (ValueError, r"multilabel_margin_loss: target of shape \(4, 2\) does not fit .*\(4, 3\)",
         lambda: F.multilabel_margin_loss(x, np.zeros((4, 2), np.int64))),
        (ValueError, r"multilabel_margin_loss: target values must be .*\[0, 3\) or -1",
         lambda: F.multilabel_margin_loss(x, np.full((4, 3), -2))),
        (ValueError, r"poisson_nll_loss: reduction must be one of",
         lambda: F.poisson_nll_loss(x, x, reduction="avg")),
        (ValueError, r"poisson_nll_loss: shapes input \(4, 3\), target \(4, 2\)",
         lambda: F.poisson_nll_loss(x, autograd.tensor(rand(4, 2)))),
        (ValueError, r"gaussian_nll_loss: var of shape \(4, 2\) is of incorrect size",
         lambda: F.gaussian_nll_loss(x, x, autograd.tensor(np.ones((4, 2))))),
        (ValueError, r"gaussian_nll_loss: var of shape \(1, 1\) is of incorrect size",
         lambda: F.gaussian_nll_loss(x, x, autograd.tensor(np.ones((1, 1))))),
        (ValueError, r"gaussian_nll_loss: var has negative entry",
         lambda: F.gaussian_nll_loss(x, x, autograd.tensor(-np.ones((4, 3))))),
        (ValueError, r"gaussian_nll_loss: var has negative entry",
         lambda: F.gaussian_nll_loss(x, x, -1.0)),
        (ValueError, r"pairwise_distance: shapes x1 \(4, 3\), x2 \(2, 3\)",
         lambda: F.pairwise_distance(x, autograd.tensor(rand(2, 3)))),
        (ValueError, r"pdist: expected a 2-D input \(N, M\), got shape \(4,\)",
         lambda: F.pdist(x3)),
        (ValueError, r"pdist: p must be non-negative", lambda: F.pdist(x, -1.0)),
        (TypeError, r"pdist: .*int64", lambda: F.pdist(np.ones((2, 2), np.int64))),
    ]
    for error, match, call in cases:
        with pytest.raises(error, match=match):
            call()


# ------------------------------------------------------------------------- modules
def _module_cases():
    a, b, c = rand(4, 3, seed=40), rand(4, 3, seed=41), rand(4, 3, seed=42)
    y4, idx = signs(4, seed=43), np.array([0, 2, 1, 1])
    w = np.array([0.5, 1.0, 2.0])
    mlt = np.array([[2, -1, 0], [0, 1, -1], [1, 0, 2], [-1, 0, 0]])
    return [
        ("MarginRankingLoss", dict(margin=0.2), (a[:, 0], b[:, 0], y4)),
        ("HingeEmbeddingLoss", dict(margin=0.5, reduction="sum"), (a, signs(4, 3))),
        ("CosineEmbeddingLoss", dict(margin=0.1), (a, b, y4)),
        ("TripletMarginLoss", dict(margin=0.5, p=1.0, swap=True), (a, b, c)),
        ("TripletMarginWithDistanceLoss", dict(swap=True, reduction="none"), (a, b, c)),
        ("SoftMarginLoss", dict(reduction="none"), (a, signs(4, 3))),
        ("MultiLabelSoftMarginLoss", dict(weight=w), (a, (b > 0) * 1.0)),
        ("MultiMarginLoss", dict(p=2, margin=0.5, weight=w), (a, idx)),
        ("MultiLabelMarginLoss", dict(), (a, mlt)),
        ("PoissonNLLLoss", dict(full=True), (a, np.abs(b) * 3)),
        ("GaussianNLLLoss", dict(full=True, eps=1e-3), (a, b, np.abs(c[:, 0]))),
        ("PairwiseDistance", dict(p=3.0, keepdim=True), (a, b)),
        ("CosineSimilarity", dict(dim=0, eps=1e-6), (a, b)),
    ]


@pytest.mark.parametrize("name,kwargs,arrays", _module_cases(), ids=lambda v: str(v)[:20])
def test_modules_match_torch(name, kwargs, arrays):
    def build(lib, tensor):
        kw = {k: tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        return getattr(lib, name)(**kw)

    ours, theirs = build(nn, autograd.tensor), build(torch.nn, torch.tensor)
    assert repr(ours) == repr(theirs)
    for attr in ("reduction", "margin", "p", "eps", "swap", "full", "log_input", "norm",
                 "keepdim", "dim"):
        if hasattr(theirs, attr):
            assert getattr(ours, attr) == getattr(theirs, attr), attr
    if "weight" in kwargs:
        assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    # torch refuses a target that requires grad in soft_margin_loss
    diff = [v.dtype.kind == "f" and not (name == "SoftMarginLoss" and k) for k, v in
            enumerate(arrays)]
    xo = [autograd.tensor(v, requires_grad=d) for v, d in zip(arrays, diff)]
    xt = [torch.tensor(v, requires_grad=d) for v, d in zip(arrays, diff)]
    out, ref = ours(*xo), theirs(*xt)
    assert out.dtype == np.float64 and out.shape == tuple(ref.shape)
    out.sum().backward()
    ref.sum().backward()
    assert_close(out.data, ref.detach().numpy())
    for k, (o, t) in enumerate(zip(xo, xt)):
        if t.requires_grad:
            got = np.zeros(o.shape) if o.grad is None else o.grad.data
            want = np.zeros(o.shape) if t.grad is None else t.grad.numpy()
            assert_close(got, want, what=f"gradient of input {k}")


@pytest.mark.filterwarnings("ignore:size_average and reduce")
def test_module_arguments_and_errors():
    assert nn.PoissonNLLLoss(size_average=False).reduction == "sum"
    assert nn.MarginRankingLoss(reduce=False).reduction == "none"
    assert nn.TripletMarginLoss().p == 2.0 and nn.TripletMarginLoss().eps == 1e-6
    assert isinstance(nn.TripletMarginWithDistanceLoss().distance_function, nn.PairwiseDistance)
    with pytest.raises(ValueError, match="TripletMarginLoss: expected margin to be greater"):
        nn.TripletMarginLoss(margin=0)
    with pytest.raises(ValueError, match="TripletMarginWithDistanceLoss: expected margin"):
        nn.TripletMarginWithDistanceLoss(margin=-1.0)
    with pytest.raises(ValueError, match="MultiMarginLoss: only p == 1 and p == 2"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="MultiMarginLoss: expected weight to be None or 1D"):
        nn.MultiMarginLoss(weight=np.ones((2, 3)))
    with pytest.raises(ValueError, match="SoftMarginLoss: reduction must be one of"):
        nn.SoftMarginLoss(reduction="avg")
