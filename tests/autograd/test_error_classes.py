"""Shape and index mistakes raise an error that is an instance of the class torch raises, so
ported `except RuntimeError:` / `except IndexError:` code catches ours too (ours stay
ValueErrors as well, and name the op, shapes and dtypes)."""
import pytest

import autograd
import nn
import nn.functional as F

torch = pytest.importorskip("torch")

CASES = {
    "linear": lambda M, N, NF: N.Linear(3, 2)(M.ones(4, 5)),
    "matmul": lambda M, N, NF: M.ones(2, 3) @ M.ones(4, 5),
    "cat": lambda M, N, NF: M.cat([M.ones(2, 3), M.ones(2, 4)]),
    "stack": lambda M, N, NF: M.stack([M.ones(2, 3), M.ones(2, 4)]),
    "reshape": lambda M, N, NF: M.ones(6).reshape(4, 2),
    "view": lambda M, N, NF: M.ones(6).view(4, 2),
    "add": lambda M, N, NF: M.ones(2, 3) + M.ones(4, 5),
    "add_": lambda M, N, NF: M.ones(2, 3).add_(M.ones(4, 3)),
    "expand": lambda M, N, NF: M.ones(2, 3).expand(4, 4),
    "conv channels": lambda M, N, NF: N.Conv2d(3, 4, 3)(M.ones(1, 2, 8, 8)),
    "lstm input": lambda M, N, NF: N.LSTM(3, 4)(M.ones(5, 2, 7)),
    "batchnorm channels": lambda M, N, NF: N.BatchNorm2d(3)(M.ones(2, 4, 5, 5)),
    "layernorm shape": lambda M, N, NF: N.LayerNorm(5)(M.ones(2, 4)),
    "cross_entropy target": lambda M, N, NF: NF.cross_entropy(M.ones(2, 3), M.tensor([0, 5])),
    "nll_loss target": lambda M, N, NF: NF.nll_loss(M.ones(2, 3), M.tensor([0, 7])),
    "embedding index": lambda M, N, NF: N.Embedding(4, 2)(M.tensor([1, 7])),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_error_is_an_instance_of_torchs_class(name):
    with pytest.raises(Exception) as theirs:
        CASES[name](torch, torch.nn, torch.nn.functional)
    with pytest.raises(Exception) as ours:
        CASES[name](autograd, nn, F)
    assert isinstance(ours.value, type(theirs.value)), (type(ours.value), type(theirs.value))
    assert isinstance(ours.value, ValueError)
