"""autograd.save writes PyTorch's checkpoint format: torch.load(weights_only=True) reads our
state_dicts and nested checkpoints (same outputs, shared storages), files are 64-byte aligned,
and any object round trips through this engine; views of every layout survive both ways."""
import pickle
import struct
import zipfile

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
import optim

torch = pytest.importorskip("torch")
from tests.autograd.test_torch_checkpoints import (  # noqa: E402  (needs torch)
    RNG, OurCNN, TorchCNN, _to_torch, _torch_round_trip)


# ------------------------------------------------------------ autograd.save -> torch.load
def test_our_state_dicts_give_the_same_outputs_in_torch(tmp_path):
    autograd.manual_seed(3)
    ours = OurCNN()
    ours(autograd.randn(6, 3, 8, 8))
    ours.eval()
    autograd.save(ours.state_dict(), tmp_path / "ours.pt")
    theirs = TorchCNN().eval()
    theirs.load_state_dict(torch.load(tmp_path / "ours.pt", weights_only=True))
    x = RNG.standard_normal((2, 3, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(theirs(torch.tensor(x)).detach().numpy(),
                               ours(autograd.tensor(x)).data, rtol=1e-5, atol=1e-5)
    lstm = nn.LSTM(3, 4, batch_first=True)
    lstm_t = torch.nn.LSTM(3, 4, batch_first=True)
    lstm_t.load_state_dict(_to_torch(lstm.state_dict(), weights_only=True))
    x = RNG.standard_normal((2, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(lstm_t(torch.tensor(x))[0].detach().numpy(),
                               lstm(autograd.tensor(x))[0].data, rtol=1e-5, atol=1e-6)


def test_our_nested_checkpoint_loads_in_torch_with_weights_only():
    w = autograd.randn(4, 5)
    model = nn.Linear(2, 2)
    opt = optim.Adam(model.parameters())
    (model(autograd.ones(1, 2)) ** 2).sum().backward()
    opt.step()
    obj = {"epoch": 4, "tensors": [w, w[1:3], w.T], "zero_d": autograd.tensor(2.5),
           "ints": autograd.tensor(np.arange(3)), "mask": autograd.tensor(np.array([True])),
           "f64": autograd.tensor(np.ones(2)), "param": nn.Parameter(autograd.ones(2)),
           "model": model.state_dict(), "optimizer": opt.state_dict(), "t": (1, "a", None)}
    theirs = _to_torch(obj, weights_only=True)
    assert theirs["epoch"] == 4 and theirs["t"] == (1, "a", None)
    assert [t.dtype for t in (theirs["ints"], theirs["mask"], theirs["f64"])] == [
        torch.int64, torch.bool, torch.float64]
    assert theirs["zero_d"].shape == () and theirs["zero_d"].item() == 2.5
    assert isinstance(theirs["param"], torch.nn.Parameter) and theirs["param"].requires_grad
    base, view, tr = theirs["tensors"]
    np.testing.assert_array_equal(view.numpy(), w.data[1:3])
    np.testing.assert_array_equal(tr.numpy(), w.data.T)
    assert view.untyped_storage().data_ptr() == base.untyped_storage().data_ptr()
    assert tr.untyped_storage().data_ptr() == base.untyped_storage().data_ptr()
    # our optimizer's state (arrays here) arrives as tensors, which torch's optimizer takes
    torch_model = torch.nn.Linear(2, 2)
    torch_model.load_state_dict(theirs["model"])
    torch_opt = torch.optim.Adam(torch_model.parameters())
    torch_opt.load_state_dict(theirs["optimizer"])
    np.testing.assert_array_equal(torch_opt.state_dict()["state"][0]["exp_avg"].numpy(),
                                  opt.state_dict()["state"][0]["exp_avg"])


def test_sizes_and_devices_in_a_checkpoint_load_with_weights_only(tmp_path):
    # written as torch.Size and torch.device, which both loaders accept with weights_only
    x = autograd.ones(2, 3)
    autograd.save({"shape": x.size(), "device": x.device, "other": autograd.device("cpu", 0)},
                  tmp_path / "meta.pt")
    ours = autograd.load(tmp_path / "meta.pt")
    assert ours["shape"] == (2, 3) and ours["shape"].numel() == 6
    assert ours["device"] == x.device and ours["other"] == autograd.device("cpu", 0)
    theirs = torch.load(tmp_path / "meta.pt", weights_only=True)
    assert theirs["shape"] == torch.Size([2, 3])
    assert theirs["device"] == torch.device("cpu")
    assert theirs["other"] == torch.device("cpu", 0)
    torch.save({"shape": torch.ones(4, 1).size()}, tmp_path / "theirs.pt")
    assert autograd.load(tmp_path / "theirs.pt")["shape"].numel() == 4


def test_saved_files_are_aligned_and_torch_maps_them(tmp_path):
    path = tmp_path / "m.pt"
    autograd.save({"a": autograd.ones(3), "b": autograd.tensor(np.arange(5))}, path)
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == sorted(
            ["m/data.pkl", "m/.format_version", "m/.storage_alignment", "m/byteorder",
             "m/data/0", "m/data/1", "m/version"])
        for info in zf.infolist():
            name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26:
                                                           info.header_offset + 30])
            assert (info.header_offset + 30 + name_len + extra_len) % 64 == 0, info.filename
    mapped = torch.load(path, mmap=True, weights_only=True)
    np.testing.assert_array_equal(mapped["b"].numpy(), np.arange(5))


# ------------------------------------------------------------ round trips in this engine
def test_any_object_round_trips_through_a_pt_file(tmp_path):
    shared = autograd.randn(3, requires_grad=True)
    arr = np.arange(6.0).reshape(2, 3)
    obj = {"shared": shared, "again": shared, "arr": arr, "list": [1, (2.5, "x")],
           "param": nn.Parameter(autograd.ones(2)), "scalar": np.float32(1.5)}
    autograd.save(obj, tmp_path / "x.pt")
    out = autograd.load(tmp_path / "x.pt")
    assert out["shared"] is out["again"] and out["shared"].requires_grad
    assert type(out["arr"]) is autograd.Tensor   # an array in a dict is written as a tensor
    np.testing.assert_array_equal(out["arr"].data, arr)
    assert out["list"] == [1, (2.5, "x")] and type(out["param"]) is nn.Parameter
    assert out["scalar"] == np.float32(1.5) and type(out["scalar"]) is np.float32
    autograd.save([autograd.ones(2)], tmp_path / "l.pt")   # not a mapping: fine too
    assert autograd.load(tmp_path / "l.pt")[0].shape == (2,)


def test_whole_modules_and_optimizers_need_weights_only_false(tmp_path):
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    (model(autograd.ones(4, 2)) ** 2).sum().backward()
    opt.step()
    path = tmp_path / "whole.pt"
    autograd.save({"model": model, "opt": opt}, path)
    with pytest.raises(pickle.UnpicklingError, match=r"weights_only=True refuses the global "
                                                     r"nn\..*Sequential.*weights_only=False"):
        autograd.load(path)
    with pytest.raises(pickle.UnpicklingError, match="Sequential"):
        torch.load(path)   # torch's own rule for classes it does not know
    out = autograd.load(path, weights_only=False)
    x = autograd.randn(5, 2)
    np.testing.assert_array_equal(out["model"](x).data, model(x).data)
    assert out["opt"].param_groups[0]["params"][0] is out["model"][0].weight
    momentum = out["opt"].state[out["model"][0].weight]["momentum_buffer"]
    assert type(momentum) is type(opt.state[model[0].weight]["momentum_buffer"])


def test_format_option_and_npz_suffix(tmp_path):
    sd = nn.Linear(3, 2).state_dict()
    autograd.save(sd, tmp_path / "a.pt", format="npz")
    with np.load(tmp_path / "a.pt") as z:
        assert sorted(z.files) == ["bias", "weight"]
    autograd.save(sd, tmp_path / "b.npz", format="torch")
    assert list(torch.load(tmp_path / "b.npz")) == ["weight", "bias"]
    autograd.save(sd, tmp_path / "c.npz")   # the suffix keeps the engine's .npz layout
    for name in ("a.pt", "b.npz", "c.npz"):
        np.testing.assert_array_equal(autograd.load(tmp_path / name)["weight"].data,
                                      sd["weight"].data)
    with pytest.raises(ValueError, match="format must be 'torch' or 'npz'"):
        autograd.save(sd, tmp_path / "d.pt", format="zip")


def test_a_failed_save_leaves_the_previous_file(tmp_path):
    path = tmp_path / "m.pt"
    autograd.save({"w": autograd.ones(2)}, path)
    before = path.read_bytes()
    with pytest.raises((pickle.PicklingError, AttributeError)):
        autograd.save({"w": autograd.zeros(2), "f": lambda: 0}, path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["m.pt"]
    np.testing.assert_array_equal(torch.load(path)["w"].numpy(), [1.0, 1.0])


# ------------------------------------------------------------ every view layout, both ways
@settings(deadline=None, max_examples=60)
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5))
def test_any_view_keeps_its_values_and_storage_both_ways(data, shape):
    base = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=False, allow_ellipsis=False))
    view = base[(index if isinstance(index, tuple) else (index,)) + (...,)]   # a view, even 0-d
    if data.draw(st.booleans()):
        view = view.T
    shares = view.size > 0 and min(view.strides, default=0) >= 0
    theirs = _to_torch({"base": autograd.from_numpy(base), "view": autograd.from_numpy(view)},
                       weights_only=True)
    np.testing.assert_array_equal(theirs["view"].numpy(), view)
    if shares:
        assert theirs["view"].untyped_storage().data_ptr() == \
            theirs["base"].untyped_storage().data_ptr()
        offset = (view.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // 4
        back = _torch_round_trip({"base": theirs["base"], "view": torch.as_strided(
            theirs["base"], view.shape, [s // 4 for s in view.strides], offset)})
        np.testing.assert_array_equal(back["view"].data, view)
        assert np.shares_memory(back["view"].data, back["base"].data)
