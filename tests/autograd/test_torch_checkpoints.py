"""autograd.save / autograd.load and PyTorch's checkpoint format, both ways: torch.save files
load into this engine's modules and give torch's outputs; autograd.save files load in torch
with weights_only=True; storage sharing, dtypes, byte order and clear errors."""
import io
import math
import os
import pickle
import struct
import subprocess
import sys
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import autograd
import nn
import optim

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(0)


class TorchCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1),
                                            torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                                            torch.nn.MaxPool2d(2))
        self.head = torch.nn.Linear(4 * 4 * 4, 5)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))


class OurCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4),
                                      nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Linear(4 * 4 * 4, 5)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))


def _trained_torch_cnn():
    torch.manual_seed(0)
    model = TorchCNN()
    model(torch.randn(6, 3, 8, 8))   # moves the running statistics off their start
    return model.eval()


def _torch_round_trip(obj, **load_kwargs):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return autograd.load(buf, **load_kwargs)


def _entries(path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _rewrite(path, entries: dict):
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in entries.items():
            zf.writestr(n, data)


def _to_torch(obj, **load_kwargs):
    buf = io.BytesIO()
    autograd.save(obj, buf)
    buf.seek(0)
    return torch.load(buf, **load_kwargs)


# ------------------------------------------------------------ torch.save -> autograd.load
def test_torch_cnn_state_dict_gives_torch_outputs(tmp_path):
    theirs = _trained_torch_cnn()
    torch.save(theirs.state_dict(), tmp_path / "cnn.pt")
    sd = autograd.load(tmp_path / "cnn.pt")
    assert isinstance(sd, OrderedDict) and list(sd) == list(theirs.state_dict())
    assert all(type(v) is autograd.Tensor and not v.requires_grad for v in sd.values())
    assert sd["features.1.num_batches_tracked"].dtype == np.int64
    ours = OurCNN()
    ours.load_state_dict(sd)
    ours.eval()
    x = RNG.standard_normal((2, 3, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(ours(autograd.tensor(x)).data,
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_torch_lstm_state_dict_gives_torch_outputs(tmp_path):
    torch.manual_seed(1)
    theirs = torch.nn.LSTM(4, 6, num_layers=2, batch_first=True)
    torch.save(theirs.state_dict(), tmp_path / "lstm.pth")
    ours = nn.LSTM(4, 6, num_layers=2, batch_first=True)
    ours.load_state_dict(autograd.load(tmp_path / "lstm.pth"))
    x = RNG.standard_normal((3, 5, 4)).astype(np.float32)
    out, (h, c) = ours(autograd.tensor(x))
    want, (wh, wc) = theirs(torch.tensor(x))
    for got, exp in ((out, want), (h, wh), (c, wc)):
        np.testing.assert_allclose(got.data, exp.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_torch_optimizer_state_dict_resumes_in_this_engine():
    torch.manual_seed(2)
    theirs = torch.nn.Linear(3, 2)
    opt_t = torch.optim.Adam(theirs.parameters(), lr=0.01)
    x = torch.randn(4, 3)
    for _ in range(2):
        opt_t.zero_grad()
        theirs(x).pow(2).sum().backward()
        opt_t.step()
    ours = nn.Linear(3, 2)
    ours.load_state_dict(_torch_round_trip(theirs.state_dict()))
    opt_o = optim.Adam(ours.parameters(), lr=0.5)
    state = _torch_round_trip(opt_t.state_dict())
    assert state["param_groups"][0]["lr"] == 0.01 and state["param_groups"][0]["params"] == [0, 1]
    assert isinstance(state["state"][0]["exp_avg"], autograd.Tensor)
    opt_o.load_state_dict(state)
    for _ in range(3):
        opt_t.zero_grad()
        theirs(x).pow(2).sum().backward()
        opt_t.step()
        opt_o.zero_grad()
        (ours(autograd.tensor(x.numpy())) ** 2).sum().backward()
        opt_o.step()
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-5,
                               atol=1e-6)


def test_nested_structures_keep_torchs_shape_and_types():
    t = torch.arange(6.0).reshape(2, 3)
    obj = {"epoch": 3, "loss": 0.25, "nan": math.nan, "name": "run", "none": None,
           "tensors": [t, torch.ones(2, dtype=torch.int64)], "pair": (1, t),
           "scalar": torch.tensor(7.5), "size": torch.Size([2, 3]), "dtype": torch.float64,
           "device": torch.device("cpu"), "ordered": OrderedDict(b=1, a=2), "set": {1, 2},
           "bytes": b"\x00\xff", "big": 2 ** 70}
    out = _torch_round_trip(obj)
    assert list(out) == list(obj)
    assert (out["epoch"], out["loss"], out["name"], out["none"]) == (3, 0.25, "run", None)
    assert math.isnan(out["nan"]) and out["big"] == 2 ** 70 and out["bytes"] == b"\x00\xff"
    assert out["tensors"][0] is out["pair"][1]   # one tensor saved twice is one object
    np.testing.assert_array_equal(out["tensors"][0].data, t.numpy())
    assert out["tensors"][1].dtype == np.int64 and type(out["pair"]) is tuple
    assert out["scalar"].shape == () and out["scalar"].item() == 7.5
    assert out["size"] == (2, 3) and out["dtype"] == autograd.float64
    assert out["device"] == autograd.device("cpu") and out["set"] == {1, 2}
    assert type(out["ordered"]) is OrderedDict and list(out["ordered"]) == ["b", "a"]
    assert type(_torch_round_trip(torch.ones(2, 2))) is autograd.Tensor


def test_views_and_offsets_share_storage_as_in_torch():
    base = torch.arange(24.0).reshape(4, 6)
    obj = {"base": base, "slice": base[1:3, 2:5], "t": base.t(), "row": base[3],
           "expanded": torch.arange(3.0).reshape(3, 1).expand(3, 4)}
    out = _torch_round_trip(obj)
    for k, v in obj.items():
        np.testing.assert_array_equal(out[k].data, v.numpy(), err_msg=k)
    for k in ("slice", "t", "row"):
        assert np.shares_memory(out[k].data, out["base"].data), k
    out["base"].data[1, 2] = -1.0   # one storage: the slice sees the write, as in torch
    assert out["slice"].data[0, 0] == -1.0 and out["t"].data[2, 1] == -1.0
    # an expanded tensor's elements overlap: it gets memory of its own, so writes stay local
    out["expanded"].data[0, 0] = 9.0
    assert out["expanded"].data[0, 1] == 0.0
    # an offset slice saved alone still brings its whole storage, at the right offset
    alone = _torch_round_trip(base[2:, 1:3])
    np.testing.assert_array_equal(alone.data, base[2:, 1:3].numpy())


@pytest.mark.parametrize("dtype, expected", [
    (torch.int64, np.int64), (torch.bool, np.bool_), (torch.float64, np.float64),
    (torch.int32, np.int32), (torch.int16, np.int16), (torch.int8, np.int8),
    (torch.uint8, np.uint8), (torch.uint16, np.uint16), (torch.float32, np.float32)])
def test_dtypes_load_as_numpy_dtypes(dtype, expected):
    t = torch.tensor([[0, 1, 1], [0, 0, 1]]).to(dtype)
    out = _torch_round_trip({"t": t})["t"]
    assert out.dtype == expected
    np.testing.assert_array_equal(out.data, t.numpy())


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_widens_to_float32_with_a_warning(dtype):
    t = torch.tensor([1.5, -2.25, 65504.0 if dtype == torch.float16 else 3.0e38]).to(dtype)
    with pytest.warns(UserWarning, match=r"converted to float32"):
        out = _torch_round_trip({"w": t, "view": t[1:]})
    assert out["w"].dtype == np.float32
    np.testing.assert_array_equal(out["w"].data, t.float().numpy())
    assert np.shares_memory(out["w"].data, out["view"].data)


def test_parameters_and_requires_grad_are_kept():
    p = torch.nn.Parameter(torch.ones(2, 2))
    frozen = torch.nn.Parameter(torch.zeros(3), requires_grad=False)
    out = _torch_round_trip({"p": p, "frozen": frozen, "plain": torch.ones(2).requires_grad_()})
    assert type(out["p"]) is nn.Parameter and out["p"].requires_grad
    assert type(out["frozen"]) is nn.Parameter and not out["frozen"].requires_grad
    assert type(out["plain"]) is autograd.Tensor and out["plain"].requires_grad


def test_big_endian_storages_are_swapped(tmp_path):
    path = tmp_path / "be.pt"
    torch.save({"f": torch.tensor([1.5, -2.0]), "i": torch.tensor([1, 256])}, path)
    entries = _entries(path)
    entries["be/byteorder"] = b"big"
    for key, dt in (("be/data/0", "<f4"), ("be/data/1", "<i8")):
        entries[key] = np.frombuffer(entries[key], dt).byteswap().tobytes()
    _rewrite(path, entries)
    out = autograd.load(path)
    np.testing.assert_array_equal(out["f"].data, [1.5, -2.0])
    np.testing.assert_array_equal(out["i"].data, [1, 256])


_WITHOUT_TORCH = """
import sys
sys.modules["torch"] = None   # any `import torch` now raises ImportError
sys.path.insert(0, sys.argv[1])
import autograd, nn
sd = autograd.load(sys.argv[2])
model = nn.Linear(3, 2)
model.load_state_dict(sd)
autograd.save({"model": model.state_dict(), "step": 1}, sys.argv[3])
print(sorted(sd), "torch" in sys.modules and sys.modules["torch"] is not None)
"""


def test_loading_and_saving_never_import_torch(tmp_path):
    torch.save(torch.nn.Linear(3, 2).state_dict(), tmp_path / "in.pt")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run([sys.executable, "-c", _WITHOUT_TORCH, root, str(tmp_path / "in.pt"),
                           str(tmp_path / "out.pt")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['bias', 'weight'] False"
    assert torch.load(tmp_path / "out.pt")["step"] == 1


# ------------------------------------------------------------ clear errors
def test_corrupt_and_truncated_torch_files(tmp_path):
    path = tmp_path / "m.pt"
    torch.save({"w": torch.arange(100.0)}, path)
    data = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("m/data/0")
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:
                                                    info.header_offset + 30])
    bad = bytearray(data)
    bad[info.header_offset + 30 + name_len + extra_len + 10] ^= 0xFF
    path.write_bytes(bytes(bad))
    with pytest.raises(RuntimeError, match=r"not a complete PyTorch checkpoint .*CRC"):
        autograd.load(path)
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError, match=r"truncated or corrupt"):
        autograd.load(path)


@pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")
def test_legacy_and_torchscript_files_are_named(tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match=r"legacy pickle format .* before PyTorch 1\.6"):
        autograd.load(tmp_path / "old.pt")
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), tmp_path / "ts.pt")
    with pytest.raises(RuntimeError, match=r"TorchScript archive .*state_dict"):
        autograd.load(tmp_path / "ts.pt")


@pytest.mark.parametrize("weights_only", [True, False])
def test_a_pickled_torch_module_is_refused_by_name(tmp_path, weights_only):
    torch.save(TorchCNN(), tmp_path / "model.pt")
    with pytest.raises(RuntimeError, match=r"whole pickled torch model .*torch\.nn\.modules"
                                           r".*state_dict"):
        autograd.load(tmp_path / "model.pt", weights_only=weights_only)


class Payload:
    """A class a checkpoint may name: weights_only must not build it."""

    def __init__(self, marker=None):
        self.marker = marker


def _zip_with_pickle(path, pickled: bytes):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", pickled)
        zf.writestr("archive/version", b"3\n")


def test_weights_only_refuses_other_globals_and_build(tmp_path):
    path = tmp_path / "x.pt"
    torch.save({"p": Payload(3)}, path)
    with pytest.raises(pickle.UnpicklingError, match=r"weights_only=True refuses the global "
                                                     r".*Payload"):
        autograd.load(path)
    assert autograd.load(path, weights_only=False)["p"].marker == 3
    _zip_with_pickle(path, b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00exitq\x85R.")
    with pytest.raises(pickle.UnpicklingError, match="refuses the global os.system"):
        autograd.load(path)
    # BUILD on an allowed class itself would set attributes process-wide
    _zip_with_pickle(path, b"\x80\x02ccollections\nOrderedDict\n}X\x01\x00\x00\x00aK\x01sb.")
    with pytest.raises(pickle.UnpicklingError, match="refuses to set the state of a type"):
        autograd.load(path)
    assert not hasattr(OrderedDict, "a")


def test_malformed_tensor_layouts_are_refused(tmp_path):
    path = tmp_path / "x.pt"
    torch.save(torch.arange(4.0), path)
    entries = _entries(path)
    # a size that runs past the storage must not read the memory beyond it
    entries["x/data.pkl"] = entries["x/data.pkl"].replace(b"K\x04\x85", b"K\x09\x85")
    _rewrite(path, entries)
    with pytest.raises(RuntimeError, match="runs past its storage of 4 elements"):
        autograd.load(path)
    del entries["x/data/0"]
    _rewrite(path, entries)
    with pytest.raises(RuntimeError, match="lacks the record 'x/data/0'"):
        autograd.load(path)
