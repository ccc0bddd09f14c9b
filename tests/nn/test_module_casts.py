"""Module.type / _apply / to_empty and the dtypes the engine refuses (float16, bfloat16),
against torch's behaviour."""
import numpy as np
import pytest

import autograd
import nn

torch = pytest.importorskip("torch")


def _model(lib):
    return lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.BatchNorm1d(3)) if lib is torch \
        else nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))


@pytest.mark.parametrize("dst", ["torch.DoubleTensor", "float64", "torch.FloatTensor"])
def test_type_casts_every_tensor_as_torch(dst):
    ours, theirs = _model(autograd), _model(torch)
    ours.type(getattr(autograd, dst) if dst == "float64" else dst)
    theirs.type(getattr(torch, dst) if dst == "float64" else dst)
    assert ({k: str(v.dtype) for k, v in ours.state_dict().items()}
            == {k: str(v.dtype) for k, v in theirs.state_dict().items()})


def test_apply_keeps_parameters_and_casts_grads():
    m = nn.Linear(3, 2)
    w = m.weight
    m(autograd.randn(4, 3)).sum().backward()
    m._apply(lambda t: t.double())
    assert m.weight is w and w.dtype == np.float64 and w.grad.dtype == np.float64
    m(autograd.randn(4, 3, dtype=autograd.float64)).sum().backward()   # still trains


def test_to_empty_keeps_shapes_and_identity():
    m = _model(autograd)
    before = {k: (v.shape, v.dtype) for k, v in m.state_dict().items()}
    w = m[0].weight
    assert m.to_empty(device="cpu") is m and m[0].weight is w
    assert {k: (v.shape, v.dtype) for k, v in m.state_dict().items()} == before
    with pytest.raises(Exception, match="cuda"):
        m.to_empty(device="cuda")


@pytest.mark.parametrize("call", [lambda m: m.half(), lambda m: m.bfloat16(),
                                  lambda m: m.to(autograd.float16)])
def test_half_precision_refused_by_name(call):
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"Linear\.(half|bfloat16|to): dtype b?float16 is not "
                                        r"supported"):
        call(m)
    assert m.weight.dtype == np.float32


def test_data_assignment_refuses_unsupported_dtype():
    t = autograd.randn(2)
    with pytest.raises(TypeError, match="Tensor.data: dtype float16"):
        t.data = np.zeros(2, np.float16)
    t.data = np.zeros(2, np.float64)        # supported dtypes replace as torch's
    assert t.dtype == np.float64
