"""inplace=True as in PyTorch: the result is written into the input, which is returned, the
gradient flows as through the out-of-place op, a leaf that requires grad refuses, and an op
that saved the input fails in backward; modules pass their flag on."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

CASES = [("relu", {}), ("leaky_relu", {"negative_slope": 0.2}), ("elu", {"alpha": 0.7}),
         ("selu", {}), ("celu", {"alpha": 1.3}), ("silu", {}), ("mish", {}), ("hardtanh", {}),
         ("relu6", {}), ("hardswish", {}), ("hardsigmoid", {}),
         ("threshold", {"threshold": 0.1, "value": 20.0}), ("rrelu", {}),
         ("dropout", {"training": False}), ("alpha_dropout", {})]


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.data


@pytest.mark.parametrize("name, kw", CASES)
def test_functional_inplace_writes_into_the_input_with_torchs_gradient(name, kw):
    out = []
    for L, FF, inplace in ((ag, F, True), (torch, TF, False)):
        a = L.tensor(np.linspace(-2, 2, 7), requires_grad=True)
        b = a * 1.0
        y = getattr(FF, name)(b, inplace=inplace, **kw)
        assert y is b or not inplace
        (y * L.tensor(np.arange(7.0))).sum().backward()
        out.append((_np(y), _np(a.grad)))
    # (torch computes celu's alpha and hardsigmoid's 1/6 in float32: 1e-7 apart)
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-6)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-6)


def test_dropout_inplace_in_training_masks_the_input_itself():
    ag.manual_seed(0)
    a = ag.ones(1000, requires_grad=True)
    b = a * 1.0
    assert F.dropout(b, 0.5, training=True, inplace=True) is b
    b.sum().backward()
    kept = b.data != 0
    np.testing.assert_array_equal(b.data[kept], 2.0)
    np.testing.assert_array_equal(a.grad.data, np.where(kept, 2.0, 0.0))
    assert 400 < kept.sum() < 600


def test_inplace_on_a_leaf_that_requires_grad_refuses_and_outside_a_graph_writes():
    for L, FF in ((ag, F), (torch, TF)):
        with pytest.raises(RuntimeError):
            FF.relu(L.ones(2, requires_grad=True), inplace=True)
        x = L.tensor([-1.0, 2.0])
        FF.relu(x, inplace=True)
        assert _np(x).tolist() == [0.0, 2.0]


def test_inplace_after_an_op_that_saved_its_output_fails_in_backward_as_torch():
    for L, FF in ((ag, F), (torch, TF)):
        a = L.tensor([0.5, -1.0], requires_grad=True)
        y = a.sigmoid()          # sigmoid saves its output for backward
        FF.relu(y, inplace=True)
        with pytest.raises(RuntimeError):
            y.sum().backward()


@pytest.mark.parametrize("make", [lambda NN: NN.ReLU(inplace=True),
                                  lambda NN: NN.LeakyReLU(0.1, inplace=True),
                                  lambda NN: NN.ELU(inplace=True), lambda NN: NN.SELU(True),
                                  lambda NN: NN.SiLU(inplace=True), lambda NN: NN.ReLU6(True),
                                  lambda NN: NN.Hardtanh(inplace=True),
                                  lambda NN: NN.Hardswish(inplace=True),
                                  lambda NN: NN.Threshold(0.0, -1.0, inplace=True),
                                  lambda NN: NN.Dropout(0.3, inplace=True).eval()])
def test_modules_pass_their_inplace_flag(make):
    outs = []
    for L, NN in ((ag, nn), (torch, torch.nn)):
        x = L.tensor(np.linspace(-1, 1, 5))
        y = make(NN)(x)
        assert y is x
        outs.append(_np(x))
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-12)


def test_a_float_result_is_not_written_into_an_integer_tensor():
    x = ag.tensor([-2, 3])
    with pytest.raises(TypeError, match="int64"):
        F.leaky_relu(x, inplace=True)
    assert x.data.tolist() == [-2, 3]
    F.relu(x, inplace=True)            # an integer result is fine, as in torch
    assert x.data.tolist() == [0, 3]
