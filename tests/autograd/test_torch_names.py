"""`import autograd as torch` reaches nn, optim, utils.data and autograd's names as torch does."""
import numpy as np
import pytest

import autograd as torch


def test_a_script_written_against_torch_names_trains():
    torch.manual_seed(0)
    x = torch.randn(64, 3)
    y = (x.sum(1, keepdim=True) > 0).float()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=16,
                                         shuffle=True)
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    first = last = None
    for _ in range(15):
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            first = loss.item() if first is None else first
            last = loss.item()
    assert last < first * 0.5
    xi = x[:4].clone().requires_grad_(True)
    (g,) = torch.autograd.grad(model(xi).sum(), [xi])
    assert g.shape == (4, 3) and np.isfinite(g.data).all()
    assert torch.autograd.Function is torch.Function


def test_unknown_names_still_raise_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'banana'"):
        torch.banana
    assert not hasattr(torch, "one_hot")   # nn.functional's names stay there (torch's has none)
    from autograd.utils.data import DataLoader, random_split  # noqa: F401
