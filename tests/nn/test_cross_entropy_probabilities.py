"""cross_entropy with class-probability targets (soft labels, mixup, distillation) against
torch: every reduction, weight, label smoothing, (C,), (N, C) and (N, C, d) inputs, and the
gradients of both input and target."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(5)


@pytest.mark.parametrize("shape", [(5,), (4, 5), (3, 5, 2)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted, smoothing", [(False, 0.0), (True, 0.0), (True, 0.2),
                                                 (False, 0.1)])
def test_probability_targets_match_torch(shape, reduction, weighted, smoothing):
    x = RNG.standard_normal(shape)
    p = RNG.random(shape)
    p /= p.sum(axis=0 if len(shape) == 1 else 1, keepdims=True)
    w = RNG.random(5) + 0.5 if weighted else None
    out = []
    for L, FF in ((ag, F), (torch, torch.nn.functional)):
        a, t = L.tensor(x, requires_grad=True), L.tensor(p, requires_grad=True)
        loss = FF.cross_entropy(a, t, weight=None if w is None else L.tensor(w),
                                reduction=reduction, label_smoothing=smoothing)
        g = L.tensor(np.cos(np.arange(max(loss.numel(), 1))).reshape(tuple(loss.shape)))
        (loss * g).sum().backward()
        out.append([v.detach().numpy() if L is torch else v.data
                    for v in (loss, a.grad, t.grad)])
    for o, th in zip(*out):
        np.testing.assert_allclose(o, th, rtol=1e-12, atol=1e-14)


def test_the_module_takes_probabilities_and_a_dtype_mismatch_is_clear():
    x, p = ag.randn(3, 4), ag.softmax(ag.randn(3, 4), 1)
    assert nn.CrossEntropyLoss()(x, p).shape == ()
    with pytest.raises(TypeError, match="probability target"):
        F.cross_entropy(x, p.double())


def test_ignore_index_with_probabilities_is_refused_as_torch():
    with pytest.raises(ValueError, match="ignore_index"):
        F.cross_entropy(ag.randn(3, 4), ag.softmax(ag.randn(3, 4), 1), ignore_index=1)
