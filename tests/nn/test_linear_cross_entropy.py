"""nn.functional.linear_cross_entropy / nn.LinearCrossEntropyLoss against torch's: values and
gradients of input, weight and bias for class and probability targets, K-dimensional
out_features, weights, ignore_index, label smoothing, reductions; torch's errors."""
import numpy as np
import pytest

import autograd
import nn

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)


def _case(out_features, probabilities, unbatched=False):
    n, c, k = 6, 5, 4
    x = rng.standard_normal(k if unbatched else (n, k))
    w = rng.standard_normal((c,) + out_features + (k,))
    b = rng.standard_normal((c,) + out_features)
    lead = () if unbatched else (n,)
    if probabilities:
        t = rng.random(lead + (c,) + out_features)
        t /= t.sum(axis=len(lead), keepdims=True)
    else:
        t = rng.integers(0, c, lead + out_features)
    return x, w, b, t


@pytest.mark.parametrize("out_features", [(), (3,), (2, 3)])
@pytest.mark.parametrize("probabilities", [False, True])
@pytest.mark.parametrize("kw", [{}, {"reduction": "sum", "label_smoothing": 0.1},
                                {"reduction": "none"}, {"weight": True}, {"ignore_index": 2}])
def test_matches_torch(out_features, probabilities, kw):
    if probabilities and "ignore_index" in kw:
        return
    x, w, b, t = _case(out_features, probabilities)
    grads, cotangent = [], None
    for lib, F in ((autograd, nn.functional), (torch, torch.nn.functional)):
        xs = [lib.tensor(a, requires_grad=True) for a in (x, w, b)]
        extra = dict(kw)
        if extra.get("weight"):
            extra["weight"] = lib.tensor(np.linspace(0.5, 2, 5))
        y = F.linear_cross_entropy(xs[0], xs[1], lib.tensor(t), linear_bias=xs[2], **extra)
        if cotangent is None:
            cotangent = rng.standard_normal(tuple(y.shape))
        (y * lib.tensor(cotangent)).sum().backward()
        grads.append([y.detach().numpy()] + [a.grad.numpy() for a in xs])
    for a, b_ in zip(*grads):
        np.testing.assert_allclose(a, b_, rtol=1e-10, atol=1e-12)


def test_unbatched_and_module():
    x, w, b, t = _case((), False, unbatched=True)
    got = nn.functional.linear_cross_entropy(autograd.tensor(x), autograd.tensor(w),
                                             autograd.tensor(t))
    want = torch.nn.functional.linear_cross_entropy(torch.tensor(x), torch.tensor(w),
                                                    torch.tensor(t))
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-12)
    theirs = torch.nn.LinearCrossEntropyLoss(4, 5, out_features=(3,), bias=True).double()
    ours = nn.LinearCrossEntropyLoss(4, 5, out_features=(3,), bias=True,
                                     options=nn.LinearCrossEntropyOptions()).double()
    ours.load_state_dict({k: autograd.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})
    x, _, _, t = _case((3,), False)
    np.testing.assert_allclose(ours(autograd.tensor(x), autograd.tensor(t)).item(),
                               theirs(torch.tensor(x), torch.tensor(t)).item(), rtol=1e-12)
    theirs.options = ours.options = None
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("args,msg", [
    (lambda lib: (lib.zeros(2, 3, 4), lib.zeros(5, 4), lib.zeros(2, dtype=lib.int64)),
     "dimensionality 1 or 2"),
    (lambda lib: (lib.zeros(2, 4), lib.zeros(5), lib.zeros(2, dtype=lib.int64)),
     "at least 2"),
    (lambda lib: (lib.zeros(2, 4), lib.zeros(5, 3), lib.zeros(2, dtype=lib.int64)),
     "in_features"),
    (lambda lib: (lib.zeros(4), lib.zeros(5, 3, 4), lib.zeros(3, dtype=lib.int64)),
     "requires batched input"),
])
def test_errors_as_torch(args, msg):
    with pytest.raises(RuntimeError, match=msg):
        torch.nn.functional.linear_cross_entropy(*args(torch))
    with pytest.raises(RuntimeError, match=msg):
        nn.functional.linear_cross_entropy(*args(autograd))
