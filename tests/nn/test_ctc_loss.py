"""F.ctc_loss and nn.CTCLoss against torch: values, gradients, edge cases and bad input."""
import itertools

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import autograd
import nn
import nn.functional as F
from autograd import Tensor
from tests.helpers import assert_gradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def log_softmax(x):
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


@st.composite
def ctc_cases(draw, feasible=False):
    """(log_probs (T, N, C) float64, targets, input_lengths, target_lengths, blank) with
    padded or concatenated targets; small alphabets make repeated labels common."""
    t_ = draw(st.integers(1, 10))
    n = draw(st.integers(1, 4))
    c = draw(st.integers(2, 5))
    blank = draw(st.integers(0, c - 1))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    lp = log_softmax(rng.standard_normal((t_, n, c)) * draw(st.sampled_from([0.5, 1.0, 3.0])))
    tls, ils, labels = [], [], []
    for _ in range(n):
        tl = draw(st.integers(0, min(t_, 6)))
        raw = draw(st.lists(st.integers(0, c - 2), min_size=tl, max_size=tl))
        lab = [v + (v >= blank) for v in raw]      # any class but the blank
        need = tl + sum(a == b for a, b in zip(lab, lab[1:]))   # repeats need a blank between
        il = draw(st.integers(need, t_) if feasible and need <= t_ else st.integers(0, t_))
        tls.append(tl), ils.append(il), labels.append(lab)
    if feasible:
        need = [tl + sum(a == b for a, b in zip(x, x[1:])) for tl, x in zip(tls, labels)]
        if any(k > il for k, il in zip(need, ils)):
            tls, labels = [0] * n, [[] for _ in range(n)]
    if draw(st.booleans()):   # padded (N, S); the padding is junk that must be ignored
        s = max(tls) + draw(st.integers(0, 2))
        targets = np.full((n, s), -7, np.int64)
        for i, lab in enumerate(labels):
            targets[i, :len(lab)] = lab
    else:
        targets = np.array([v for lab in labels for v in lab], np.int64)
    return lp, targets, np.array(ils), np.array(tls), blank


def _ours(lp, targets, il, tl, blank, dtype=np.float64, **kw):
    x = autograd.tensor(lp.astype(dtype), requires_grad=True)
    loss = F.ctc_loss(x, targets, il, tl, blank=blank, **kw)
    return x, loss


def _theirs(lp, targets, il, tl, blank, dtype=torch.float64, **kw):
    x = torch.tensor(lp, dtype=dtype, requires_grad=True)
    loss = TF.ctc_loss(x, torch.tensor(targets), torch.tensor(il), torch.tensor(tl),
                       blank=blank, **kw)
    return x, loss


def _compare(case, reduction, zero_infinity, dtype=np.float64, rtol=1e-10, atol=1e-12):
    lp, targets, il, tl, blank = case
    kw = dict(reduction=reduction, zero_infinity=zero_infinity)
    x, loss = _ours(lp, targets, il, tl, blank, dtype, **kw)
    xt, loss_t = _theirs(lp, targets, il, tl, blank,
                         torch.float32 if dtype == np.float32 else torch.float64, **kw)
    assert loss.dtype == dtype
    np.testing.assert_allclose(loss.data, loss_t.detach().numpy(), rtol=rtol, atol=atol)
    w = np.random.default_rng(0).standard_normal(loss.shape).astype(dtype)
    with np.errstate(invalid="ignore"):     # inf - inf of two impossible samples: nan
        (loss * Tensor(w)).sum().backward()
    (loss_t * torch.tensor(w)).sum().backward()
    assert x.grad.dtype == dtype
    # impossible alignments without zero_infinity give nan gradients in both, at the same places
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=rtol, atol=atol)


@settings(deadline=None, max_examples=60)
@given(case=ctc_cases(), reduction=st.sampled_from(["none", "mean", "sum"]),
       zero_infinity=st.booleans())
def test_values_and_gradients_match_torch(case, reduction, zero_infinity):
    _compare(case, reduction, zero_infinity)


@settings(deadline=None, max_examples=25)
@given(case=ctc_cases(), reduction=st.sampled_from(["none", "mean", "sum"]),
       zero_infinity=st.booleans())
def test_float32_matches_torch(case, reduction, zero_infinity):
    _compare(case, reduction, zero_infinity, np.float32, rtol=2e-5, atol=2e-5)


@settings(deadline=None, max_examples=20)
@given(case=ctc_cases(feasible=True), reduction=st.sampled_from(["none", "mean", "sum"]))
def test_gradcheck_through_log_softmax(case, reduction):
    """Through log_softmax (how CTC is used) the gradient is the exact one in the logits."""
    lp, targets, il, tl, blank = case
    assert_gradcheck(lambda z: F.ctc_loss(F.log_softmax(z, -1), targets, il, tl, blank=blank,
                                          reduction=reduction), lp)


@settings(deadline=None, max_examples=15)
@given(case=ctc_cases(feasible=True))
def test_gradient_is_softmax_minus_the_exact_derivative(case):
    """d loss / d log_probs by finite differences is -posterior; the op returns
    exp(log_probs) - posterior (PyTorch's convention), on the frames t < input_length."""
    lp, targets, il, tl, blank = case
    x, loss = _ours(lp, targets, il, tl, blank, reduction="sum")
    loss.backward()

    def total(a):
        return F.ctc_loss(Tensor(a), targets, il, tl, blank=blank, reduction="sum").item()

    eps, numeric = 1e-6, np.zeros_like(lp)
    for i in np.ndindex(lp.shape):
        up, down = lp.copy(), lp.copy()
        up[i] += eps
        down[i] -= eps
        numeric[i] = (total(up) - total(down)) / (2 * eps)
    live = np.arange(lp.shape[0])[:, None] < il[None, :]          # (T, N)
    expected = np.where(live[..., None], np.exp(lp) + numeric, 0.0)
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-5, atol=1e-7)


def _brute_force_nll(lp, labels, blank):
    """-log of the summed probability of every frame path that collapses to labels."""
    total = 0.0
    for path in itertools.product(range(lp.shape[1]), repeat=lp.shape[0]):
        merged = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
        if [k for k in merged if k != blank] == list(labels):
            total += np.exp(sum(lp[t, k] for t, k in enumerate(path)))
    return -np.log(total) if total else np.inf


@pytest.mark.parametrize("labels,steps,blank", [([], 3, 0), ([1], 1, 0), ([1, 1], 3, 0),
                                                ([1, 1], 2, 0), ([2, 1, 2], 5, 0),
                                                ([0, 0], 4, 2), ([1, 0, 1], 4, 2)])
def test_kernel_matches_a_sum_over_every_path(labels, steps, blank):
    """The recursions against an independent oracle: all C^T frame paths enumerated."""
    lp = log_softmax(np.random.default_rng(len(labels) + steps).standard_normal((steps, 3)))
    loss = F.ctc_loss(Tensor(lp), np.array(labels, np.int64), steps, len(labels), blank=blank,
                      reduction="none")
    np.testing.assert_allclose(loss.item(), _brute_force_nll(lp, labels, blank), rtol=1e-12)


def test_impossible_alignment_and_zero_infinity():
    lp = log_softmax(np.random.default_rng(1).standard_normal((4, 3, 5)))
    targets = np.array([[1, 1, 2], [2, 3, 4], [1, 2, 3]])
    il, tl = np.array([4, 2, 0]), np.array([3, 3, 0])   # 1 1 2 needs 4 frames: feasible
    for zi in (False, True):
        x, loss = _ours(lp, targets, il, tl, 0, reduction="none", zero_infinity=zi)
        assert np.isfinite(loss.data[0])
        assert loss.data[1] == (0.0 if zi else np.inf)
        assert loss.data[2] == 0.0                         # empty target, empty input
        loss.sum().backward()
        g = x.grad.data
        assert np.all(g[2:, 1] == 0) and np.all(g[:, 2] == 0)
        assert np.all(g[:2, 1] == 0) if zi else np.all(np.isnan(g[:2, 1]))
        _compare((lp, targets, il, tl, 0), "mean", zi)


def test_unbatched_tuple_lengths_and_int32_targets():
    lp = log_softmax(np.random.default_rng(2).standard_normal((6, 4)))
    x, loss = _ours(lp, np.array([1, 3, 3], np.int32), 6, 3, 0, reduction="none")
    xt, loss_t = _theirs(lp, np.array([1, 3, 3]), (6,), (3,), 0, reduction="none")
    assert loss.shape == () == tuple(loss_t.shape)
    np.testing.assert_allclose(loss.data, loss_t.detach().numpy(), rtol=1e-12)
    loss.backward(), loss_t.backward()
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    lp3 = log_softmax(np.random.default_rng(3).standard_normal((5, 2, 4)))
    ours = F.ctc_loss(Tensor(lp3), Tensor(np.array([1, 2, 3])), (5, 4), (2, 1))
    theirs = TF.ctc_loss(torch.tensor(lp3), torch.tensor([1, 2, 3]), (5, 4), (2, 1))
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)


def test_module_matches_functional():
    lp = log_softmax(np.random.default_rng(4).standard_normal((7, 3, 6)))
    targets, il, tl = np.array([[2, 2, 5], [1, 0, 0], [3, 4, 0]]), [7, 5, 6], [3, 1, 2]
    for kw in ({}, {"blank": 0, "reduction": "sum"}, {"reduction": "none", "zero_infinity": True}):
        m, mt = nn.CTCLoss(**kw), torch.nn.CTCLoss(**kw)
        assert (m.blank, m.reduction, m.zero_infinity) == (mt.blank, mt.reduction,
                                                          mt.zero_infinity)
        np.testing.assert_allclose(
            m(Tensor(lp), targets, il, tl).data,
            mt(torch.tensor(lp), torch.tensor(targets), torch.tensor(il),
               torch.tensor(tl)).numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="reduction"):
        nn.CTCLoss(reduction="avg")


def test_double_backward_is_refused_clearly():
    lp = log_softmax(np.random.default_rng(5).standard_normal((4, 1, 3)))
    x, loss = _ours(lp, np.array([[1, 2]]), [4], [2], 0)
    with pytest.raises(RuntimeError, match="CTCLoss"):
        autograd.grad(loss, x, create_graph=True)


LP = log_softmax(np.random.default_rng(6).standard_normal((5, 2, 4)))
BAD = [
    (dict(input_lengths=[6, 5]), ValueError, r"input_lengths\[0\] = 6 exceeds the input length "
                                             r"T = 5"),
    (dict(input_lengths=[-1, 5]), ValueError, "input_lengths must be non-negative"),
    (dict(input_lengths=[5]), ValueError, r"one entry per sample \(batch size 2\)"),
    (dict(target_lengths=[3, 1]), ValueError, r"target_lengths\[0\] = 3 exceeds the padded "
                                              r"targets' length 2"),
    (dict(targets=np.array([[1, 4], [2, 3]])), ValueError, "label 4 is out of range for 4 "
                                                          "classes"),
    (dict(targets=np.array([[1, -2], [2, 3]])), ValueError, "label -2 is out of range"),
    (dict(targets=np.array([[1, 0], [2, 3]])), ValueError, "contain the blank label 0"),
    (dict(targets=np.array([[1, 2], [3, 3]]), blank=3), ValueError, "blank label 3"),
    (dict(targets=np.array([[1.0, 2.0], [2.0, 3.0]])), TypeError, "targets must hold integers, "
                                                                  "got dtype float64"),
    (dict(input_lengths=np.array([5.0, 5.0])), TypeError, "input_lengths must hold integers"),
    (dict(target_lengths=Tensor(np.array([2.0, 1.0]))), TypeError, "target_lengths must hold "
                                                                   "integers"),
    (dict(log_probs=np.zeros((5, 2, 4), np.int64)), TypeError, "log_probs must be float32 or "
                                                               "float64, got dtype torch.int64"),
    (dict(log_probs=np.zeros((5, 2, 4, 1))), ValueError, r"\(T, N, C\) or unbatched"),
    (dict(log_probs=np.zeros((0, 2, 4))), ValueError, "must not be empty"),
    (dict(blank=4), ValueError, r"blank must be a class index in \[0, 4\)"),
    (dict(targets=np.array([1, 2, 3])), ValueError, "concatenated targets must hold "
                                                    r"sum\(target_lengths\) = 4"),
    (dict(targets=np.array([[1, 2]])), ValueError, "one row per sample"),
    (dict(reduction="avg"), ValueError, "reduction must be one of"),
]


@pytest.mark.parametrize("change,error,message", BAD)
def test_bad_input_errors_name_the_problem(change, error, message):
    args = dict(log_probs=LP, targets=np.array([[1, 2], [2, 3]]), input_lengths=[5, 5],
                target_lengths=[2, 2], blank=0)
    args.update(change)
    with pytest.raises(error, match=message) as info:
        F.ctc_loss(Tensor(args.pop("log_probs")), **args)
    assert "ctc_loss" in str(info.value)


def test_lstm_ctc_model_trains_like_torch():
    """LSTM + Linear + log_softmax + CTCLoss, SGD steps from the same weights: same losses."""
    rng = np.random.default_rng(7)
    t_, n, feat, hidden, classes, lr = 12, 3, 5, 8, 6, 0.5
    torch.manual_seed(0)
    lstm_t, lin_t = torch.nn.LSTM(feat, hidden).double(), torch.nn.Linear(hidden, classes).double()
    lstm, lin = nn.LSTM(feat, hidden).double(), nn.Linear(hidden, classes).double()
    for ours, theirs in ((lstm, lstm_t), (lin, lin_t)):
        ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = rng.standard_normal((t_, n, feat))
    targets, il, tl = np.array([[1, 2, 2, 3], [4, 5, 0, 0], [3, 0, 0, 0]]), [12, 10, 7], [4, 2, 1]
    loss_fn, loss_fn_t = nn.CTCLoss(), torch.nn.CTCLoss()
    params = list(lstm.parameters()) + list(lin.parameters())
    params_t = list(lstm_t.parameters()) + list(lin_t.parameters())
    losses, losses_t = [], []
    for _ in range(5):
        out, _ = lstm(Tensor(x))
        loss = loss_fn(F.log_softmax(lin(out), -1), targets, il, tl)
        out_t, _ = lstm_t(torch.tensor(x))
        loss_t = loss_fn_t(TF.log_softmax(lin_t(out_t), -1), torch.tensor(targets),
                           torch.tensor(il), torch.tensor(tl))
        for p in params:
            p.grad = None
        for p in params_t:
            p.grad = None
        loss.backward(), loss_t.backward()
        with autograd.no_grad(), torch.no_grad():
            for p, q in zip(params, params_t):
                np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-7, atol=1e-10)
                p.data = p.data - lr * p.grad.data
                q -= lr * q.grad
        losses.append(loss.item()), losses_t.append(loss_t.item())
    np.testing.assert_allclose(losses, losses_t, rtol=1e-9)
    assert losses[-1] < losses[0]
