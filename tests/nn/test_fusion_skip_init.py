"""nn.utils.fuse_conv_bn_eval / fuse_linear_bn_eval and skip_init against torch."""
import numpy as np
import pytest

import autograd
import nn
from nn.utils import fusion

torch = pytest.importorskip("torch")


def trained_bn(ours, theirs, seed):
    """Random running statistics and affine parameters, the same in both BatchNorms."""
    rng = np.random.default_rng(seed)
    n = theirs.num_features
    with torch.no_grad():
        theirs.running_mean.copy_(torch.tensor(rng.standard_normal(n)))
        theirs.running_var.copy_(torch.tensor(rng.uniform(0.5, 2.0, n)))
        theirs.weight.copy_(torch.tensor(rng.standard_normal(n)))
        theirs.bias.copy_(torch.tensor(rng.standard_normal(n)))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
def test_fuse_conv_bn_eval_matches_torch_and_the_unfused_pair(bias, transpose):
    torch.manual_seed(0)
    if transpose:
        tconv = torch.nn.ConvTranspose2d(3, 4, 3, bias=bias).double()
        conv = nn.ConvTranspose2d(3, 4, 3, bias=bias).double()
    else:
        tconv = torch.nn.Conv2d(3, 4, 3, bias=bias).double()
        conv = nn.Conv2d(3, 4, 3, bias=bias).double()
    conv.load_state_dict({k: v.numpy() for k, v in tconv.state_dict().items()})
    tbn, bn = torch.nn.BatchNorm2d(4).double(), nn.BatchNorm2d(4).double()
    trained_bn(bn, tbn, 1)
    for m in (conv, tconv, bn, tbn):
        m.eval()
    fused = fusion.fuse_conv_bn_eval(conv, bn, transpose=transpose)
    tfused = torch.nn.utils.fuse_conv_bn_eval(tconv, tbn, transpose=transpose)
    assert type(fused) is type(conv) and fused is not conv
    assert list(fused.state_dict()) == list(tfused.state_dict())
    for (k, v), (tk, tv) in zip(fused.state_dict().items(), tfused.state_dict().items()):
        np.testing.assert_allclose(v.numpy(), tv.numpy(), rtol=1e-12, atol=1e-12)
    assert isinstance(fused.weight, nn.Parameter) and isinstance(fused.bias, nn.Parameter)
    x = autograd.tensor(np.random.default_rng(2).standard_normal((2, 3, 6, 6)))
    np.testing.assert_allclose(fused(x).numpy(), bn(conv(x)).numpy(), rtol=1e-10, atol=1e-12)


def test_fuse_linear_bn_eval_matches_torch():
    torch.manual_seed(0)
    tlin, lin = torch.nn.Linear(5, 4).double(), nn.Linear(5, 4).double()
    lin.load_state_dict({k: v.numpy() for k, v in tlin.state_dict().items()})
    tbn, bn = torch.nn.BatchNorm1d(4).double(), nn.BatchNorm1d(4).double()
    trained_bn(bn, tbn, 3)
    for m in (lin, tlin, bn, tbn):
        m.eval()
    fused = nn.utils.fuse_linear_bn_eval(lin, bn)
    tfused = torch.nn.utils.fuse_linear_bn_eval(tlin, tbn)
    for (k, v), (tk, tv) in zip(fused.state_dict().items(), tfused.state_dict().items()):
        assert k == tk
        np.testing.assert_allclose(v.numpy(), tv.numpy(), rtol=1e-12, atol=1e-12)
    x = autograd.tensor(np.random.default_rng(4).standard_normal((3, 5)))
    np.testing.assert_allclose(fused(x).numpy(), bn(lin(x)).numpy(), rtol=1e-10, atol=1e-12)
    with pytest.raises(AssertionError, match="Fusion only for eval"):
        nn.utils.fuse_linear_bn_eval(lin.train(), bn)
    with pytest.raises(AssertionError, match="bn.num_features"):
        nn.utils.fuse_linear_bn_eval(lin.eval(), nn.BatchNorm1d(3).eval())


def test_fuse_conv_bn_weights_without_affine_or_bias():
    rng = np.random.default_rng(5)
    w, rm, rv = rng.standard_normal((4, 2, 3)), rng.standard_normal(4), rng.uniform(1, 2, 4)
    ours = nn.utils.fuse_conv_bn_weights(autograd.tensor(w), None, autograd.tensor(rm),
                                         autograd.tensor(rv), 1e-5, None, None)
    theirs = torch.nn.utils.fuse_conv_bn_weights(torch.tensor(w), None, torch.tensor(rm),
                                                 torch.tensor(rv), 1e-5, None, None)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-12)
        assert a.requires_grad == b.requires_grad


def test_skip_init():
    lin = nn.utils.skip_init(nn.Linear, 5, 3, bias=True)
    assert type(lin) is nn.Linear
    assert lin.weight.shape == (3, 5) and lin.bias.shape == (3,)
    assert lin.weight.dtype == np.float32 and lin.weight.requires_grad
    conv = nn.utils.skip_init(nn.Conv2d, in_channels=2, out_channels=4, kernel_size=3,
                              dtype=np.float64)
    assert type(conv) is nn.Conv2d and conv.weight.shape == (4, 2, 3, 3)
    assert conv.weight.dtype == np.float64
    out = conv(autograd.zeros(1, 2, 5, 5, dtype=autograd.float64))
    assert out.shape == (1, 4, 3, 3)
    with pytest.raises(RuntimeError, match="Expected a Module"):
        nn.utils.skip_init(int)
    with pytest.raises(RuntimeError, match="must support a 'device' arg"):
        nn.utils.skip_init(nn.Tanh)


def test_skip_init_skips_reset_parameters():
    calls = []

    class Probe(nn.Linear):
        def reset_parameters(self):
            calls.append(1)
            super().reset_parameters()

    Probe(2, 2)
    assert calls == [1]
    probe = nn.utils.skip_init(Probe, 2, 2)
    assert calls == [1] and type(probe) is Probe
