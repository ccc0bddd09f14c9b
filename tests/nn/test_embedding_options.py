"""nn.Embedding / F.embedding with max_norm, norm_type and scale_grad_by_freq against PyTorch:
outputs, the weight renormalised in place, weight gradients (float64 and float32), errors."""
import numpy as np
import pytest

import autograd
import nn.functional as F
from autograd import Tensor
from nn.sparse import Embedding

torch = pytest.importorskip("torch")
TOL = {np.float64: dict(rtol=1e-12, atol=1e-14), np.float32: dict(rtol=1e-6, atol=1e-7)}
INDICES = np.array([[0, 1, 1, 3], [3, 3, 2, 1], [5, 0, 3, 3]])   # repeats; row 4 never used


def close(a, b, what, dtype):
    a = a.data if isinstance(a, Tensor) else a
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    assert a.shape == b.shape and a.dtype == b.dtype, f"{what}: {a.dtype}{a.shape} vs " \
                                                      f"{b.dtype}{b.shape}"
    np.testing.assert_allclose(a, b, err_msg=what, **TOL[dtype])


def weights(dtype, seed=0):
    # norms from ~0.5 to ~6: some rows above every max_norm below, some under
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((6, 4)) * rng.uniform(0.3, 3, (6, 1))).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", [
    dict(max_norm=1.0), dict(max_norm=2.0, norm_type=1.0), dict(max_norm=0.8, norm_type=np.inf),
    dict(max_norm=1.5, norm_type=3), dict(max_norm=1.2, norm_type=0.5, padding_idx=3),
    dict(scale_grad_by_freq=True), dict(scale_grad_by_freq=True, padding_idx=1),
    dict(max_norm=1.0, scale_grad_by_freq=True, padding_idx=-1)])
def test_module_matches_torch_over_two_steps(kw, dtype):
    w = weights(dtype)
    ours = Embedding(6, 4, _weight=w.copy(), **kw)
    theirs = torch.nn.Embedding(6, 4, _weight=torch.tensor(w.copy()), **kw)
    rng = np.random.default_rng(1)
    for step in range(2):   # the second forward sees the rows the first renormalised
        idx = INDICES if step == 0 else INDICES[::-1, 1:].copy()
        out, tout = ours(Tensor(idx)), theirs(torch.tensor(idx))
        close(out, tout, f"output at step {step}", dtype)
        close(ours.weight, theirs.weight, f"weight after forward {step}", dtype)
        g = rng.standard_normal(out.shape).astype(dtype)
        (out * Tensor(g)).sum().backward()
        (tout * torch.tensor(g)).sum().backward()
        close(ours.weight.grad, theirs.weight.grad, f"weight gradient after step {step}", dtype)
    if "max_norm" in kw:   # the rows looked up were changed, the others not
        np.testing.assert_array_equal(ours.weight.data[4], w[4])
        assert not np.allclose(ours.weight.data[:4], w[:4])
    else:
        np.testing.assert_array_equal(ours.weight.data, w)


def test_renormalised_rows_have_max_norm_and_small_rows_stay():
    w = weights(np.float64)
    norms = np.linalg.norm(w, axis=1)
    max_norm = float(np.median(norms))
    t = Tensor(w.copy())
    F.embedding(Tensor(np.arange(6)), t, max_norm=max_norm)
    new = np.linalg.norm(t.data, axis=1)
    big = norms > max_norm
    np.testing.assert_allclose(new[big], max_norm * norms[big] / (norms[big] + 1e-7))
    np.testing.assert_array_equal(t.data[~big], w[~big])


def test_functional_matches_torch_with_a_non_leaf_weight():
    """The renorm writes into the weight (here p * 2) without recording; the gradient reaches
    p through the lookup only, as torch's."""
    rng = np.random.default_rng(2)
    p = rng.standard_normal((6, 3)) * 2
    ours_p, theirs_p = Tensor(p.copy(), requires_grad=True), torch.tensor(p.copy(),
                                                                          requires_grad=True)
    ours_w, theirs_w = ours_p * 2.0, theirs_p * 2.0
    kw = dict(max_norm=1.5, norm_type=2.0, scale_grad_by_freq=True, padding_idx=0)
    out = F.embedding(Tensor(INDICES), ours_w, **kw)
    tout = torch.nn.functional.embedding(torch.tensor(INDICES), theirs_w, **kw)
    close(out, tout, "output", np.float64)
    close(ours_w, theirs_w, "renormalised weight", np.float64)
    g = rng.standard_normal(out.shape)
    (out * Tensor(g)).sum().backward()
    (tout * torch.tensor(g)).sum().backward()
    close(ours_p.grad, theirs_p.grad, "gradient of p", np.float64)


def test_scale_grad_by_freq_divides_by_the_count_in_the_batch():
    w = Tensor(np.zeros((4, 2)), requires_grad=True)
    idx = np.array([2, 2, 2, 0, 1, 1])
    F.embedding(Tensor(idx), w, scale_grad_by_freq=True).sum().backward()
    np.testing.assert_array_equal(w.grad.data, np.ones((4, 2)) * [[1], [1], [1], [0]])
    w.grad = None
    F.embedding(Tensor(idx), w).sum().backward()
    np.testing.assert_array_equal(w.grad.data, np.ones((4, 2)) * [[1], [2], [3], [0]])


def test_renorm_invalidates_ops_that_saved_the_weight_as_torch():
    """torch's embedding_renorm_ is an in-place op: backward through an op that saved the
    weight before it raises, even when no row was over max_norm."""
    for max_norm in (0.5, 1e6):
        w = Tensor(weights(np.float64), requires_grad=True)
        tw = torch.tensor(weights(np.float64), requires_grad=True)
        z, tz = (w * w).sum(), (tw * tw).sum()
        F.embedding(Tensor(np.array([0, 1])), w, max_norm=max_norm)
        torch.nn.functional.embedding(torch.tensor([0, 1]), tw, max_norm=max_norm)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            tz.backward()
        with pytest.raises(RuntimeError, match="modified in place"):
            z.backward()


def test_from_pretrained_renormalises_the_given_array():
    w = weights(np.float32)
    emb = Embedding.from_pretrained(w, freeze=False, max_norm=1.0)
    emb(Tensor(np.array([0, 2])))
    assert np.linalg.norm(w[[0, 2]], axis=1).max() <= 1.0   # shared memory, as torch
    assert emb.weight.data is w or np.shares_memory(emb.weight.data, w)


def test_repr_and_errors():
    kw = dict(padding_idx=1, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)
    assert repr(Embedding(5, 3, **kw)) == repr(torch.nn.Embedding(5, 3, **kw))
    assert repr(Embedding(5, 3)) == repr(torch.nn.Embedding(5, 3))
    with pytest.raises(ValueError, match="Embedding: sparse=True is not supported"):
        Embedding(5, 3, sparse=True)
    w = autograd.zeros(4, 2)
    with pytest.raises(ValueError, match="embedding: sparse=True is not supported"):
        F.embedding(autograd.tensor([0]), w, sparse=True)
    with pytest.raises(TypeError, match="embedding: max_norm must be a number, got '1'"):
        F.embedding(autograd.tensor([0]), w, max_norm="1")
    with pytest.raises(TypeError, match="embedding: norm_type must be a number"):
        F.embedding(autograd.tensor([0]), w, max_norm=1.0, norm_type=None)
    big = autograd.ones(4, 2) * 5.0
    with pytest.raises(ValueError, match=r"index 4 is out of range"):
        F.embedding(autograd.tensor([0, 4]), big, max_norm=1.0)
    np.testing.assert_array_equal(big.data, 5.0)   # checked before any write
