"""CrossMapLRN2d (torch's forward, including its window quirks; the true gradient, which
torch's hand-written backward is not) and conv_tbc, against torch."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import gradcheck

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 9])
@pytest.mark.parametrize("channels", [1, 3, 7, 12])
def test_cross_map_lrn_forward_matches_torch(size, channels):
    x = np.random.default_rng(size * channels).standard_normal((2, channels, 3, 4))
    want = torch.nn.CrossMapLRN2d(size, 0.3, 0.75, 1.5)(torch.tensor(x)).numpy()
    got = nn.CrossMapLRN2d(size, 0.3, 0.75, 1.5)(autograd.tensor(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_cross_map_lrn_gradient_is_its_forwards():
    x = np.random.default_rng(0).standard_normal((1, 5, 2, 2))
    layer = nn.CrossMapLRN2d(3, 0.3, 0.75, 1.5)
    assert gradcheck(layer, (autograd.tensor(x, requires_grad=True),))
    with pytest.raises(Exception, match="Jacobian mismatch"):   # torch's own backward
        torch.autograd.gradcheck(torch.nn.CrossMapLRN2d(3, 0.3, 0.75, 1.5),
                                 (torch.tensor(x, requires_grad=True),))
    assert repr(layer) == repr(torch.nn.CrossMapLRN2d(3, 0.3, 0.75, 1.5))
    with pytest.raises(ValueError, match="Expected input to be 4D, got 3D"):
        layer(autograd.zeros(2, 3, 4))


@pytest.mark.parametrize("pad", [0, 1, 2])
def test_conv_tbc_matches_torch(pad):
    rng = np.random.default_rng(pad)
    arrays = (rng.standard_normal((7, 2, 4)), rng.standard_normal((3, 4, 5)),
              rng.standard_normal(5))
    ours = [autograd.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, y_t = F.conv_tbc(*ours, pad), torch.conv_tbc(*theirs, pad)
    g = rng.standard_normal(tuple(y_t.shape))
    (y * autograd.tensor(g)).sum().backward()
    (y_t * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), y_t.detach().numpy(), rtol=1e-12)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert autograd.conv_tbc(*ours, pad).shape == y.shape
    with pytest.raises(RuntimeError, match=r"conv_tbc: .*\(7, 2, 4\).*\(3, 5, 5\)"):
        F.conv_tbc(ours[0], autograd.zeros(3, 5, 5), ours[2])
