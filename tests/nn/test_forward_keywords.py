"""Modules take their forward arguments by torch's names: layer(input=x), loss(input=, target=),
lstm(input=, hx=); positional calls keep working."""
import inspect

import numpy as np
import pytest

import autograd
import nn

torch = pytest.importorskip("torch")

# the modules whose forward takes any arguments, as containers, the abstract bases (RNNBase:
# torch's forward there is the unimplemented `*input`) and the engine's own layers
# (Perceptron, Seq2Seq, ...) have no torch counterpart to follow
_WITH_TORCH_COUNTERPART = sorted(
    name for name, obj in vars(nn).items()
    if isinstance(obj, type) and issubclass(obj, nn.Module)
    and isinstance(getattr(torch.nn, name, None), type)
    and name not in ("Module", "Container", "ModuleList", "ModuleDict", "ParameterList",
                     "ParameterDict",
                     "RNNBase", "RNNCellBase"))


def _names(fn) -> list:
    return list(inspect.signature(fn).parameters)


@pytest.mark.parametrize("name", _WITH_TORCH_COUNTERPART)
def test_forward_argument_names_are_torchs(name):
    ours, theirs = getattr(nn, name).forward, getattr(torch.nn, name).forward
    assert _names(ours) == _names(theirs), name


def test_the_listed_modules_cover_the_common_layers():
    for name in ("Linear", "Conv2d", "BatchNorm1d", "LayerNorm", "Dropout", "ReLU",
                 "MaxPool2d", "Embedding", "LSTM", "MSELoss", "Sequential"):
        assert name in _WITH_TORCH_COUNTERPART


def _x(*shape):
    return autograd.tensor(np.random.default_rng(0).standard_normal(shape).astype(np.float32))


@pytest.mark.parametrize("make, shape", [
    (lambda: nn.Linear(3, 2), (4, 3)),
    (lambda: nn.Conv2d(2, 3, 3), (1, 2, 5, 5)),
    (lambda: nn.BatchNorm1d(3), (4, 3)),
    (lambda: nn.LayerNorm(3), (4, 3)),
    (lambda: nn.ReLU(), (4, 3)),
    (lambda: nn.Softmax(dim=1), (4, 3)),
    (lambda: nn.MaxPool2d(2), (1, 2, 4, 4)),
    (lambda: nn.Flatten(), (2, 3, 2)),
    (lambda: nn.Unflatten(1, (2, 3)), (2, 6)),
    (lambda: nn.Sequential(nn.Linear(3, 3), nn.Tanh()), (4, 3)),
    (lambda: nn.Identity(), (4, 3)),
])
def test_input_by_keyword_gives_the_positional_result(make, shape):
    layer = make().eval()
    x = _x(*shape)
    np.testing.assert_array_equal(layer(input=x).numpy(), layer(x).numpy())


def test_dropout_in_training_takes_input_by_keyword():
    autograd.manual_seed(0)
    a = nn.Dropout(0.5)(input=_x(8, 8))
    autograd.manual_seed(0)
    b = nn.Dropout(0.5)(_x(8, 8))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_embedding_losses_and_recurrent_layers_by_keyword():
    emb = nn.Embedding(5, 2)
    idx = autograd.tensor([1, 4])
    np.testing.assert_array_equal(emb(input=idx).numpy(), emb(idx).numpy())
    a, b = _x(4, 3), _x(4, 3) * 2
    assert nn.MSELoss()(input=a, target=b).item() == nn.MSELoss()(a, b).item()
    lstm = nn.LSTM(3, 2)
    seq = _x(5, 1, 3)
    h = (autograd.zeros(1, 1, 2), autograd.zeros(1, 1, 2))
    np.testing.assert_array_equal(lstm(input=seq, hx=h)[0].numpy(), lstm(seq, h)[0].numpy())


def test_rms_norm_keeps_torchs_name_x():
    norm = nn.RMSNorm(3)
    x = _x(2, 3)
    np.testing.assert_array_equal(norm(x=x).numpy(), norm(x).numpy())
