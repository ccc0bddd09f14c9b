"""autograd.save / autograd.load: .npz round trips, clear errors, atomic writes."""
import os
import zipfile

import numpy as np
import pytest

import autograd
from autograd import serialization
from nn import Linear, Module, Sequential, Tanh


class Small(Module):
    def __init__(self):
        super().__init__()
        self.body = Sequential(Linear(3, 4), Tanh(), Linear(4, 2))
        self.register_buffer("count", autograd.tensor(np.array(7, np.int64)))


def test_state_dict_round_trip(tmp_path):
    a, b = Small(), Small()
    a.count.data[...] = 11
    path = tmp_path / "model.npz"
    autograd.save(a.state_dict(), path)
    loaded = autograd.load(path)
    assert list(loaded) == list(a.state_dict())
    for k, v in a.state_dict().items():
        assert isinstance(loaded[k], autograd.Tensor) and not loaded[k].requires_grad
        assert loaded[k].dtype == v.dtype and loaded[k].shape == v.shape
        np.testing.assert_array_equal(loaded[k], v)
    b.load_state_dict(loaded)
    x = autograd.randn(5, 3)
    np.testing.assert_array_equal(a.body(x).data, b.body(x).data)
    assert int(b.count.item()) == 11
    # numpy reads it as an ordinary .npz archive
    with np.load(path, allow_pickle=False) as z:
        assert sorted(z.files) == sorted(a.state_dict())


def test_save_accepts_tensors_scalars_and_any_key(tmp_path):
    sd = {"file": autograd.ones(2, 3), "allow_pickle": np.float64(2.5), "w.npy": [1, 2],
          "flag": np.array([True, False]), "f64": np.arange(4.0).reshape(2, 2).T}
    path = str(tmp_path / "x.npz")
    autograd.save(sd, path)
    out = autograd.load(path)
    assert list(out) == list(sd)
    assert out["file"].dtype == np.float32 and out["file"].shape == (2, 3)
    assert out["allow_pickle"].shape == () and out["allow_pickle"] == 2.5
    np.testing.assert_array_equal(out["f64"], np.arange(4.0).reshape(2, 2).T)
    np.testing.assert_array_equal(out["w.npy"], [1, 2])
    autograd.save({}, path)
    assert autograd.load(path) == {}


def test_save_rejects_what_cannot_round_trip(tmp_path):
    with pytest.raises(TypeError, match="'bad' has dtype object"):
        autograd.save({"bad": np.array([{"a": 1}], dtype=object)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="keys must be non-empty strings"):
        autograd.save({1: np.zeros(2)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="expected a mapping"):
        autograd.save([np.zeros(2)], tmp_path / "x.npz")
    assert os.listdir(tmp_path) == []


def test_loading_wrong_shape_or_missing_key_names_them(tmp_path):
    path = tmp_path / "m.npz"
    sd = Small().state_dict()
    sd["body.2.weight"] = np.zeros((3, 4), np.float32)
    del sd["body.0.bias"]
    autograd.save(sd, path)
    with pytest.raises(RuntimeError) as info:
        Small().load_state_dict(autograd.load(path))
    msg = str(info.value)
    assert "missing key 'body.0.bias'" in msg
    assert "'body.2.weight': shape (3, 4) in the state_dict, (2, 4) in the model" in msg


@pytest.mark.parametrize("keep", [0, 3, 30, 0.5, -1, -30])
def test_truncated_file_raises_clear_error(tmp_path, keep):
    path = tmp_path / "m.npz"
    autograd.save(Small().state_dict(), path)
    data = path.read_bytes()
    cut = int(len(data) * keep) if isinstance(keep, float) else keep % len(data)
    path.write_bytes(data[:cut])
    with pytest.raises(RuntimeError, match=r"load: '.*m\.npz' is not (an|a complete) \.npz"):
        autograd.load(path)


def test_corrupt_bytes_raise_clear_error(tmp_path):
    path = tmp_path / "m.npz"
    autograd.save({"w": np.arange(100.0)}, path)
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF  # inside the array payload: the CRC check catches it
    path.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="truncated or corrupt.*CRC"):
        autograd.load(path)
    path.write_bytes(b"not an archive at all")
    with pytest.raises(RuntimeError, match="not an .npz archive"):
        autograd.load(path)
    np.save(tmp_path / "single.npy", np.zeros(3))
    with pytest.raises(RuntimeError, match="not an .npz archive"):
        autograd.load(tmp_path / "single.npy")
    with pytest.raises(FileNotFoundError):
        autograd.load(tmp_path / "absent.npz")


def test_pickled_entries_are_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, obj=np.array([object()], dtype=object))
    with pytest.raises(RuntimeError, match="pickled"):
        autograd.load(path)


def test_failed_replace_leaves_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    autograd.save({"w": np.ones(3)}, path)
    old = path.read_bytes()

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(serialization.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        autograd.save({"w": np.zeros(1000)}, path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["m.npz"]  # the temp file was removed
    monkeypatch.undo()
    np.testing.assert_array_equal(autograd.load(path)["w"], np.ones(3))


def test_failure_while_writing_leaves_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    autograd.save({"w": np.ones(3)}, path)
    old = path.read_bytes()
    calls = []

    def fail_on_second(fh, arr, allow_pickle):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return np.lib.format.write_array(fh, arr, allow_pickle=allow_pickle)

    monkeypatch.setattr(serialization.np.lib.format, "write_array", fail_on_second)
    with pytest.raises(KeyboardInterrupt):
        autograd.save({"a": np.zeros(10), "b": np.zeros(10)}, path)
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["m.npz"]


def test_write_goes_through_temp_file_in_same_directory(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    seen = {}
    real_replace, real_fsync = os.replace, os.fsync

    def spy_replace(src, dst):
        seen["src"], seen["dst"] = src, dst
        seen["complete"] = zipfile.is_zipfile(src)
        seen["target_exists"] = os.path.exists(dst)
        return real_replace(src, dst)

    def spy_fsync(fd):
        seen.setdefault("fsync", 0)
        seen["fsync"] += 1
        return real_fsync(fd)

    monkeypatch.setattr(serialization.os, "replace", spy_replace)
    monkeypatch.setattr(serialization.os, "fsync", spy_fsync)
    autograd.save({"w": np.ones(3)}, path)
    assert os.path.dirname(seen["src"]) == str(tmp_path) and seen["dst"] == str(path)
    assert seen["complete"] and not seen["target_exists"] and seen["fsync"] >= 1
    assert os.listdir(tmp_path) == ["m.npz"]


def test_batchnorm_buffers_round_trip(tmp_path):
    from nn import BatchNorm1d
    bn = BatchNorm1d(3)
    bn.running_mean.data[...] = [1, 2, 3]
    bn.num_batches_tracked.data[...] = 4
    autograd.save(bn.state_dict(), tmp_path / "bn.npz")
    other = BatchNorm1d(3)
    other.load_state_dict(autograd.load(tmp_path / "bn.npz"))
    np.testing.assert_array_equal(other.running_mean.data, [1, 2, 3])
    count = other.num_batches_tracked.data
    assert count.dtype == np.int64 and int(count) == 4


def test_foreign_zip_entries_are_refused(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(RuntimeError, match="entry 'readme.txt' .* is not an .npy array"):
        autograd.load(path)
