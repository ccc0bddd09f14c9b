"""max_pool3d where every real input of a window is -inf beside padding, with NaN, and on an
empty batch; BatchNorm3d; load_state_dict(assign=True); all against torch."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.data


@pytest.mark.parametrize("case", ["all_minus_inf_with_padding", "nan", "two_nans", "random"])
def test_max_pool3d_picks_torchs_element(case):
    rng = np.random.default_rng(3)
    if case == "all_minus_inf_with_padding":
        x, kw = np.full((1, 1, 2, 2, 2), -np.inf), dict(kernel_size=2, padding=1)
    elif case == "two_nans":   # torch takes the last NaN of a window
        x, kw = np.array([1, np.nan, 2, np.nan]).reshape(1, 1, 1, 1, 4), dict(kernel_size=(1, 1, 4))
    else:
        x = rng.standard_normal((2, 3, 5, 6, 7))
        if case == "nan":
            x[0, 0, 1, 1, 1] = np.nan
        kw = dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), padding=1, ceil_mode=True)
    out = []
    for L, FF in ((ag, F), (torch, TF)):
        a = L.tensor(x, requires_grad=True)
        y, idx = FF.max_pool3d(a, return_indices=True, **kw)
        w = L.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)))
        (y * w).sum().backward()
        out.append((_np(y), _np(idx), _np(a.grad)))
    (y, idx, g), (ty, tidx, tg) = out
    np.testing.assert_array_equal(y, ty)
    np.testing.assert_array_equal(idx, tidx)
    np.testing.assert_allclose(g, tg, rtol=1e-12, atol=1e-15)   # summation order


def test_max_pool3d_of_an_empty_batch():
    assert F.max_pool3d(ag.zeros(0, 2, 4, 4, 4), 2).shape == (0, 2, 2, 2, 2)


def test_batchnorm3d_matches_torch_in_training_and_eval():
    r = np.random.default_rng(1).standard_normal((3, 4, 2, 3, 5))
    m, tm = nn.BatchNorm3d(4).double(), torch.nn.BatchNorm3d(4).double()
    assert repr(m) == repr(tm) and list(m.state_dict()) == list(tm.state_dict())
    for train in (True, False):
        m.train(train), tm.train(train)
        x, tx = ag.tensor(r, requires_grad=True), torch.tensor(r, requires_grad=True)
        g = np.sin(np.arange(r.size)).reshape(r.shape)
        y, ty = m(x), tm(tx)
        (y * ag.tensor(g)).sum().backward()
        (ty * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(y.data, _np(ty), atol=1e-12)
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), atol=1e-12)
        np.testing.assert_allclose(m.running_var.data, tm.running_var.numpy(), atol=1e-12)
    with pytest.raises(ValueError, match="5-D input"):
        nn.BatchNorm3d(4)(ag.ones(2, 4, 3))


def test_load_state_dict_assign_takes_the_arrays_themselves():
    m = nn.Linear(2, 3)
    w = ag.tensor(np.ones((3, 2)), dtype=ag.float64)
    assert not m.load_state_dict({"weight": w, "bias": np.zeros(3)}, assign=True).missing_keys
    assert m.weight.dtype == np.float64 and m.weight.requires_grad
    w.data[0, 0] = 7.0
    assert m.weight.data[0, 0] == 7.0          # the state_dict's memory, as torch's assign
    m2 = nn.Linear(2, 3)
    m2.load_state_dict({"weight": w, "bias": np.zeros(3)})
    assert m2.weight.dtype == np.float32 and m2.weight.data[0, 0] == 7.0
    w.data[0, 0] = 1.0
    assert m2.weight.data[0, 0] == 7.0         # copied
