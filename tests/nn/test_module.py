"""Module system: registration, traversal, modes, state_dict, apply, to(dtype), repr, containers."""
import copy
from collections import OrderedDict

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor
from nn import (Linear, Module, ModuleDict, ModuleList, Parameter, ReLU, Sequential, Tanh)


class Net(Module):
    def __init__(self):
        super().__init__()
        self.fc1 = Linear(3, 4)
        self.act = Tanh()
        self.blocks = ModuleList([Linear(4, 4), Linear(4, 4)])
        self.heads = ModuleDict({"a": Linear(4, 2), "b": Linear(4, 1, bias=False)})
        self.scale = Parameter(np.ones(1, np.float32))
        self.register_buffer("steps", Tensor(np.zeros((), np.int64)))
        self.register_buffer("cache", Tensor(np.zeros(2, np.float32)), persistent=False)
        self.note = "not registered"

    def forward(self, x):
        h = self.act(self.fc1(x))
        for b in self.blocks:
            h = b(h).relu()
        return self.heads["a"](h) * self.scale


NAMES = ["scale", "fc1.weight", "fc1.bias", "blocks.0.weight", "blocks.0.bias",
         "blocks.1.weight", "blocks.1.bias", "heads.a.weight", "heads.a.bias", "heads.b.weight"]


def test_registration_and_traversal():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == NAMES
    assert len(list(net.parameters())) == len(NAMES)
    assert all(isinstance(p, Parameter) and p.requires_grad for p in net.parameters())
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "blocks", "heads"]
    assert list(net.children())[0] is net.fc1
    names = [n for n, _ in net.named_modules()]
    assert names == ["", "fc1", "act", "blocks", "blocks.0", "blocks.1", "heads", "heads.a",
                     "heads.b"]
    assert len(list(net.modules())) == 9
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]
    assert [n for n, _ in net.named_buffers()] == ["steps", "cache"]
    assert "note" not in net._parameters and net.note == "not registered"


def test_reassignment_and_deletion():
    net = Net()
    net.fc1 = Linear(3, 4, bias=False)
    assert "fc1.bias" not in dict(net.named_parameters())
    assert next(iter(net.named_children()))[0] == "fc1"  # a replaced module keeps its place
    del net.heads
    assert not any(n.startswith("heads") for n, _ in net.named_parameters())
    with pytest.raises(TypeError, match="cannot assign a Tensor as parameter 'scale'"):
        net.scale = Tensor(np.ones(1, np.float32))
    with pytest.raises(TypeError, match="cannot assign a int as buffer 'steps'"):
        net.steps = 3
    net.steps = Tensor(np.ones((), np.int64))
    assert int(net.state_dict()["steps"]) == 1
    net.scale = None
    assert "scale" not in dict(net.named_parameters())
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'nope'"):
        net.nope


def test_shared_parameters_are_listed_once():
    shared = Linear(2, 2)
    seq = Sequential(shared, ReLU(), shared)
    assert len(list(seq.parameters())) == 2
    # state_dict names a shared tensor under every name, as PyTorch does
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_missing_super_init_is_explained():
    class Bad(Module):
        def __init__(self):
            self.fc = Linear(1, 1)

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\)"):
        Bad()


def test_train_eval_propagate():
    net = Net()
    assert net.training and net.blocks[1].training
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad():
    net = Net()
    net(autograd.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for n, p in net.named_parameters() if n != "heads.b.weight")
    net.zero_grad(set_to_none=False)
    assert all(p.grad is None or not p.grad.data.any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_apply_visits_children_first_then_self():
    seen = []
    net = Net()
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen[0] == "Linear" and len(seen) == 9

    def init_linear(m):
        if isinstance(m, Linear):
            nn.init.constant_(m.weight, 0.5)

    net.apply(init_linear)
    assert np.all(net.blocks[0].weight.data == 0.5)


def test_to_dtype_casts_params_and_float_buffers():
    net = Net()
    net(autograd.randn(2, 3)).sum().backward()
    assert net.to(autograd.float64) is net
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert all(p.grad is None or p.grad.dtype == np.float64 for p in net.parameters())
    assert net.cache.dtype == np.float64 and net.steps.dtype == np.int64
    y = net(autograd.randn(2, 3, dtype=autograd.float64))
    assert y.dtype == np.float64
    assert net.float().fc1.weight.dtype == np.float32


def test_state_dict_round_trip_and_shared_memory():
    a, b = Net(), Net()
    sd = a.state_dict()
    assert list(sd) == NAMES[:1] + ["steps"] + NAMES[1:]  # own params, own buffers, children
    assert "cache" not in sd and all(isinstance(v, autograd.Tensor) for v in sd.values())
    assert not any(v.requires_grad for v in sd.values())
    # detached Tensors over the model's memory, as torch's: a snapshot needs a copy
    snapshot = copy.deepcopy(sd)
    clones = {k: v.clone() for k, v in sd.items()}
    with autograd.no_grad():
        a.fc1.weight.mul_(2)
    np.testing.assert_array_equal(sd["fc1.weight"].numpy(), a.fc1.weight.data)
    np.testing.assert_array_equal(snapshot["fc1.weight"].numpy() * 2, a.fc1.weight.data)
    np.testing.assert_array_equal(clones["fc1.weight"].numpy() * 2, a.fc1.weight.data)
    sd["fc1.bias"].zero_()
    assert not a.fc1.bias.data.any()
    sd = a.state_dict()
    weight_array = b.fc1.weight._data
    assert b.load_state_dict(sd) == ([], [])
    for name, p in b.named_parameters():
        np.testing.assert_array_equal(p.data, sd[name])
    assert b.fc1.weight._data is weight_array  # loaded in place
    x = autograd.randn(4, 3)
    np.testing.assert_array_equal(a(x).data, b(x).data)
    kept = a.state_dict(keep_vars=True)
    assert kept["fc1.weight"] is a.fc1.weight


def test_load_state_dict_lists_every_mismatch():
    net = Net()
    sd = net.state_dict()
    del sd["fc1.bias"]
    del sd["heads.b.weight"]
    sd["extra.weight"] = np.zeros(3, np.float32)
    sd["blocks.0.weight"] = np.zeros((5, 4), np.float32)
    before = net.blocks[1].weight.data.copy()
    sd["blocks.1.weight"] = np.zeros((4, 4), np.float32)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    msg = str(info.value)
    for part in ["missing key 'fc1.bias'", "missing key 'heads.b.weight'",
                 "unexpected key 'extra.weight'",
                 "'blocks.0.weight': shape (5, 4) in the state_dict, (4, 4) in the model"]:
        assert part in msg, msg
    np.testing.assert_array_equal(net.blocks[1].weight.data, before)  # nothing half-loaded
    # strict=False ignores key mismatches, never shape mismatches
    with pytest.raises(RuntimeError, match=r"'blocks.0.weight': shape \(5, 4\)"):
        net.load_state_dict(sd, strict=False)
    sd["blocks.0.weight"] = np.zeros((4, 4), np.float32)
    missing, unexpected = net.load_state_dict(sd, strict=False)
    assert missing == ["fc1.bias", "heads.b.weight"] and unexpected == ["extra.weight"]
    assert not net.blocks[1].weight.data.any()
    # another dtype is converted, as torch's copy_ does
    net.load_state_dict({**net.state_dict(), "fc1.weight": np.ones((4, 3), np.int64)})
    assert net.fc1.weight.dtype == np.float32 and net.fc1.weight.data.sum() == 12


def test_state_dict_exchanges_with_torch():
    torch = pytest.importorskip("torch")
    ours = Sequential(Linear(3, 5), ReLU(), Linear(5, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(autograd.tensor(x)).data,
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    ours = Sequential(Linear(3, 5), ReLU(), Sequential(Linear(5, 2, bias=False), Tanh()),
                      ModuleList([Linear(2, 2), Linear(2, 2), Linear(2, 2), ReLU()]))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.ReLU(),
        torch.nn.Sequential(torch.nn.Linear(5, 2, bias=False), torch.nn.Tanh()),
        torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.Linear(2, 2), torch.nn.Linear(2, 2),
                             torch.nn.ReLU()]))
    assert repr(ours) == repr(theirs)

    class WithExtra(Module):
        def __init__(self):
            super().__init__()
            self.fc = Linear(1, 1)

        def extra_repr(self):
            return "size=3"

    assert repr(WithExtra()) == ("WithExtra(\n  size=3\n  (fc): Linear(in_features=1, "
                                 "out_features=1, bias=True)\n)")
    assert repr(ModuleList()) == "ModuleList()"


def test_sequential():
    seq = Sequential(Linear(2, 3), ReLU(), Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[1], ReLU) and seq[-1] is list(seq)[2]
    tail = seq[1:]
    assert isinstance(tail, Sequential) and list(tail._modules) == ["1", "2"]
    assert seq(autograd.randn(4, 2)).shape == (4, 1)
    named = Sequential(OrderedDict([("fc", Linear(2, 2)), ("act", ReLU())]))
    assert list(dict(named.named_parameters())) == ["fc.weight", "fc.bias"]
    seq.append(Tanh())
    assert len(seq) == 4 and isinstance(seq[3], Tanh)


def test_module_list_and_dict():
    ml = ModuleList([Linear(2, 2)])
    ml.append(Linear(2, 3)).extend([ReLU()])
    assert len(ml) == 3 and [n for n, _ in ml.named_parameters()] == [
        "0.weight", "0.bias", "1.weight", "1.bias"]
    ml[0] = Linear(2, 5)
    assert ml[0].out_features == 5 and isinstance(ml[1:], ModuleList)
    md = ModuleDict({"x": Linear(1, 1)})
    md["y"] = ReLU()
    assert "y" in md and len(md) == 2 and list(md) == ["x", "y"]
    assert list(md.keys()) == ["x", "y"] and md["x"] is list(md.values())[0]
    assert [n for n, _ in md.named_parameters()] == ["x.weight", "x.bias"]


def test_parameter():
    p = Parameter(np.arange(3.0))
    assert p.requires_grad and p.dtype == np.float64 and p.is_leaf
    assert not Parameter(np.zeros(2, np.float32), requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\ntensor(")
    with pytest.raises(TypeError, match="floating-point data, got dtype int64"):
        Parameter(np.arange(3))
    with pytest.raises(TypeError, match="buffer 'b' must be a Tensor or None"):
        Module().register_buffer("b", np.zeros(2))


def test_requires_grad_and_forward_not_defined():
    net = Net()
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    with pytest.raises(NotImplementedError, match="Module must define forward"):
        Module()(1)


@pytest.mark.parametrize("make,shape", [
    (lambda: nn.Linear(3, 2), (4, 3)),
    (lambda: nn.Conv1d(2, 3, 3, padding=1, padding_mode="circular"), (2, 2, 5)),
    (lambda: nn.Conv2d(2, 3, 2, stride=2), (2, 2, 4, 4)),
    (lambda: nn.MaxPool2d(2), (2, 2, 4, 4)),
    (lambda: nn.AvgPool1d(2), (2, 2, 4)),
    (lambda: nn.AdaptiveAvgPool2d(1), (2, 2, 3, 3)),
    (lambda: nn.BatchNorm1d(3), (4, 3)),
    (lambda: nn.BatchNorm2d(2), (3, 2, 2, 2)),
    (lambda: nn.LayerNorm(3), (4, 3)),
    (lambda: nn.Dropout(0.3), (4, 3)),
    (lambda: nn.Sequential(nn.Flatten(), nn.LeakyReLU(), nn.Softmax(1)), (2, 3, 2)),
    (lambda: nn.Sequential(nn.Tanh(), nn.Sigmoid(), nn.LogSoftmax(-1), nn.ReLU()), (2, 3)),
])
def test_float32_stays_float32_forward_and_backward(make, shape):
    m = make()
    x = autograd.randn(*shape, requires_grad=True)
    y = m(x)
    assert y.dtype == np.float32
    (y * autograd.randn(*y.shape)).sum().backward()
    assert x.grad.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in m.parameters())
    assert all(b.dtype == np.float32 for b in m.buffers() if b.dtype.kind == "f")
    emb = nn.Embedding(4, 3)
    out = emb(autograd.tensor(np.array([1, 3])))
    out.sum().backward()
    assert out.dtype == emb.weight.grad.dtype == np.float32


def test_small_cnn_matches_torch_end_to_end():
    """Conv -> BatchNorm -> ReLU -> MaxPool -> Flatten -> Dropout(eval) -> Linear -> loss, with
    torch's weights copied through state_dict: loss and every gradient agree in float64."""
    torch = pytest.importorskip("torch")

    def build(lib):
        return lib.Sequential(lib.Conv2d(2, 4, 3, padding=1), lib.BatchNorm2d(4), lib.ReLU(),
                              lib.MaxPool2d(2), lib.Flatten(), lib.Dropout(0.5),
                              lib.Linear(4 * 3 * 3, 5))

    theirs = build(torch.nn).double()
    ours = build(nn).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    ours[5].eval()
    theirs[5].eval()
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((3, 2, 6, 6)), rng.integers(0, 5, 3)
    loss = nn.CrossEntropyLoss()(ours(autograd.tensor(x)), autograd.tensor(t))
    tloss = torch.nn.CrossEntropyLoss()(theirs(torch.tensor(x)), torch.tensor(t))
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-8)
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.data, tparams[name].grad.numpy(), rtol=1e-8,
                                   atol=1e-12, err_msg=name)
    for name, v in theirs.state_dict().items():  # running statistics too
        np.testing.assert_allclose(ours.state_dict()[name], v.numpy(), rtol=1e-8, err_msg=name)


def test_a_held_state_dict_follows_batchnorm_counter_as_torch():
    m = nn.BatchNorm1d(3)
    sd = m.state_dict()
    m(autograd.randn(4, 3))
    assert int(sd["num_batches_tracked"].item()) == 1
