"""Shared by the speed-path tests: tensors in both engines and a shape-checking allclose."""
import numpy as np

import autograd


def ours(a, grad=True):
    """A copy of `a` as this engine's tensor."""
    return autograd.tensor(np.array(a), requires_grad=grad)


def theirs(a, grad=True):
    """A copy of `a` as a torch tensor (callers importorskip torch first)."""
    import torch
    return torch.tensor(np.array(a), requires_grad=grad)


def assert_close(mine, ref, rtol=1e-10, atol=1e-12):
    """Same shape and values; `mine` a Tensor or ndarray, `ref` a torch tensor or ndarray."""
    mine = mine.data if hasattr(mine, "data") and not isinstance(mine, np.ndarray) else mine
    ref = ref.detach().numpy() if hasattr(ref, "detach") else ref
    assert np.shape(mine) == np.shape(ref)
    np.testing.assert_allclose(mine, ref, rtol=rtol, atol=atol)
