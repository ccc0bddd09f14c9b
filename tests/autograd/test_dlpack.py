"""Tensors leave through DLPack: torch.tensor(t), torch.from_dlpack(t), np.from_dlpack(t)."""
import numpy as np
import pytest

import autograd

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("value", [[[1.5, 2.0], [3.0, 4.0]], 2.5, [1, 2, 3], [True, False]])
def test_torch_tensor_reads_a_tensor_by_value(value):
    t = autograd.tensor(value)
    out = torch.tensor(t)
    np.testing.assert_array_equal(out.numpy(), t.numpy())
    assert out.shape == tuple(t.shape) and str(out.dtype) == str(t.dtype)


def test_from_dlpack_shares_memory_and_a_locked_array_is_copied():
    t = autograd.ones(3)
    shared = torch.from_dlpack(t)
    shared[0] = 5
    assert t[0].item() == 5 and np.from_dlpack(t)[0] == 5
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()            # exp saves its output: the array is read-only while the graph lives
    np.testing.assert_allclose(torch.tensor(y.detach()).numpy(), np.exp([1.0, 2.0]), rtol=1e-6)
    np.testing.assert_array_equal(torch.tensor(autograd.ones(2, 3).T).numpy(), np.ones((3, 2)))


def test_state_dicts_go_to_torch_directly():
    import nn
    ours = nn.Linear(3, 2)
    theirs = torch.nn.Linear(3, 2)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    np.testing.assert_array_equal(theirs.weight.detach().numpy(), ours.weight.numpy())
