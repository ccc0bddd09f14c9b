"""AdaptiveLogSoftmaxWithLoss against torch's (same weights): output, loss, gradients of the
input and of every weight, log_prob, predict; the errors torch raises; finite differences."""
import numpy as np
import pytest

import autograd
import nn
from autograd.gradcheck import gradcheck

torch = pytest.importorskip("torch")


def _pair(in_features, n_classes, cutoffs, div_value=4.0, head_bias=False, dtype=np.float64):
    ours = nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, div_value, head_bias)
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, div_value,
                                                 head_bias)
    if dtype == np.float64:
        ours, theirs = ours.double(), theirs.double()
    ours.load_state_dict({k: autograd.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})
    return ours, theirs


def _grads(module):
    return {name: p.grad.numpy() for name, p in module.named_parameters()}


@pytest.mark.parametrize("cutoffs,div_value,head_bias", [([3], 4.0, False), ([2, 5, 9], 2.0, True),
                                                         ([1, 11], 1.0, False)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_torch(cutoffs, div_value, head_bias, dtype):
    rng = np.random.default_rng(0)
    ours, theirs = _pair(8, 12, cutoffs, div_value, head_bias, dtype)
    x = rng.standard_normal((10, 8)).astype(dtype)
    y = np.array([0, 11, 3, 2, 9, 5, 1, 10, 4, 11])
    xo, xt = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, loss = ours(xo, autograd.tensor(y))
    out_t, loss_t = theirs(xt, torch.tensor(y))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out.numpy(), out_t.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(loss.item(), loss_t.item(), rtol=tol)
    (loss + out[3]).backward()
    (loss_t + out_t[3]).backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol)
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(_grads(ours)[name], p.grad.numpy(), rtol=tol, atol=tol,
                                   err_msg=name)
    with autograd.no_grad():
        np.testing.assert_allclose(ours.log_prob(xo).numpy(), theirs.log_prob(xt).detach(),
                                   rtol=tol, atol=tol)
        np.testing.assert_array_equal(ours.predict(xo).numpy(), theirs.predict(xt).numpy())
        # torch's log_prob/predict take (N, in_features) only; ours also a single row
        np.testing.assert_allclose(ours.log_prob(xo[0]).numpy(),
                                   theirs.log_prob(xt[:1]).detach()[0], rtol=tol, atol=tol)


def test_unbatched_and_names():
    ours, theirs = _pair(6, 10, [4, 7])
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    x = np.linspace(-1, 1, 6)
    out, loss = ours(autograd.tensor(x), autograd.tensor(8))
    out_t, loss_t = theirs(torch.tensor(x), torch.tensor(8))
    assert out.shape == () and out_t.shape == ()
    np.testing.assert_allclose(out.item(), out_t.item(), rtol=1e-12)
    np.testing.assert_allclose(loss.item(), loss_t.item(), rtol=1e-12)
    assert ours.predict(autograd.tensor(x)).item() == theirs.predict(torch.tensor(x)[None]).item()


def test_gradcheck():
    ours, _ = _pair(5, 9, [2, 6], div_value=2.0, head_bias=True)
    y = autograd.tensor([0, 8, 3, 6, 1, 7])
    x = autograd.tensor(np.random.default_rng(1).standard_normal((6, 5)), requires_grad=True)
    assert gradcheck(lambda x: ours(x, y).output, (x,))


@pytest.mark.parametrize("cutoffs", [[], [5, 3], [0, 4], [4, 10], [3, 3], [2.5]])
def test_bad_cutoffs(cutoffs):
    with pytest.raises(ValueError, match="cutoffs"):
        torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs)
    with pytest.raises(ValueError, match="cutoffs"):
        nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs)


def test_bad_inputs():
    ours = nn.AdaptiveLogSoftmaxWithLoss(4, 10, [5])
    x = autograd.randn(3, 4)
    with pytest.raises(RuntimeError, match=r"Target values should be in \[0, 9\]"):
        ours(x, autograd.tensor([0, 10, 2]))
    with pytest.raises(RuntimeError, match=r"same size in the batch dimension.*\(3, 4\)"):
        ours(x, autograd.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="1D target tensor expects 2D input"):
        ours(autograd.randn(3, 4, 1), autograd.tensor([0, 1, 2]))
    with pytest.raises(RuntimeError, match="0D target tensor expects 1D input"):
        ours(x, autograd.tensor(1))
    with pytest.raises(RuntimeError, match="multi-target not supported"):
        ours(x, autograd.tensor([[1, 2]]))


def test_nll_loss_2d_is_nll_loss():
    with pytest.warns(UserWarning, match="NLLLoss2d has been deprecated"):
        loss = nn.NLLLoss2d(ignore_index=1)
    x = autograd.randn(2, 3, 4, 5).log_softmax(1)
    y = autograd.tensor(np.random.default_rng(0).integers(0, 3, (2, 4, 5)))
    np.testing.assert_allclose(loss(x, y).item(),
                               nn.NLLLoss(ignore_index=1)(x, y).item(), rtol=1e-6)
