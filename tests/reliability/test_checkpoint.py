"""Checkpoints: a save killed part-way (SIGKILL) leaves the previous file intact and loadable;
load never runs code from the file, rejects truncated or corrupt files with a clear error, and
load_state_dict lists every key, shape and dtype mismatch at once."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

import autograd
import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# a large save, slowed a little per entry so that the kill lands while the archive is written
_SAVER = """
import sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
import autograd
from autograd import serialization
write = np.lib.format.write_array
def slow_write(*args, **kwargs):
    write(*args, **kwargs)
    time.sleep(0.05)
serialization.np.lib.format.write_array = slow_write
state = {f"layer{i}.weight": np.full((1024, 1024), i, np.float32) for i in range(40)}
print("saving", flush=True)
autograd.save(state, sys.argv[2])
print("saved", flush=True)
"""


def _kill_mid_save(path) -> list:
    """Start a large save to path, SIGKILL it once its temp file holds data; the temp names."""
    proc = subprocess.Popen([sys.executable, "-c", _SAVER, ROOT, str(path)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "saving"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            temps = [n for n in os.listdir(path.parent) if n.endswith(".tmp")]
            if temps and os.path.getsize(path.parent / temps[0]) > 8 << 20:
                break
            time.sleep(0.002)
        else:
            pytest.fail("the temp file never appeared")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return temps


def test_killed_save_leaves_the_previous_checkpoint_intact(tmp_path):
    path = tmp_path / "model.npz"
    model = nn.Linear(3, 2)
    autograd.save(model.state_dict(), path)
    before = path.read_bytes()
    temps = _kill_mid_save(path)
    assert path.read_bytes() == before
    restored = nn.Linear(3, 2)
    restored.load_state_dict(autograd.load(path))
    np.testing.assert_array_equal(restored.weight.data, model.weight.data)
    # the partial archive is a hidden temp file beside the target, never the target itself
    assert all(t.startswith(".model.npz.") for t in temps)
    with pytest.raises(RuntimeError, match="load: .*truncated or corrupt"):
        autograd.load(tmp_path / temps[0])


def test_killed_first_save_leaves_no_file(tmp_path):
    path = tmp_path / "model.npz"
    _kill_mid_save(path)
    assert not path.exists()


def test_load_never_unpickles(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.npz"
    np.savez(path, w=np.array([Evil()], dtype=object))
    with pytest.raises(RuntimeError, match="load"):
        autograd.load(path)
    assert not marker.exists()


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.5, 0.9, 0.999])
def test_truncated_checkpoint_is_rejected_clearly(tmp_path, fraction):
    path = tmp_path / "m.npz"
    autograd.save(nn.Linear(8, 8).state_dict(), path)
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * fraction)])
    with pytest.raises(RuntimeError, match=r"load: '.*m\.npz' is not"):
        autograd.load(path)


def test_corrupt_checkpoint_is_rejected_clearly(tmp_path):
    path = tmp_path / "m.npz"
    autograd.save({"w": np.arange(1000, dtype=np.float32)}, path)
    data = bytearray(path.read_bytes())
    for i in range(100, 4000, 7):  # through the entry's header and data
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="load: .*(corrupt|not)"):
        autograd.load(path)


def test_an_array_written_as_an_npy_header_lie_is_rejected(tmp_path):
    path = tmp_path / "m.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("w.npy", b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, "
                             b"'shape': (1000,), }" + b" " * 40 + b"\n" + b"\x00" * 16)
    with pytest.raises(RuntimeError, match="load"):
        autograd.load(path)


def test_load_state_dict_lists_every_mismatch(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    state = model.state_dict()
    state.pop("0.bias")                                     # missing
    state["extra.weight"] = np.zeros(2, np.float32)         # unexpected
    state["2.weight"] = np.zeros((3, 4), np.float32)        # wrong shape
    state["1.running_mean"] = np.zeros(4, np.int64)         # another dtype: converted
    path = tmp_path / "m.npz"
    autograd.save(state, path)
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(autograd.load(path))
    msg = str(info.value)
    for fragment in ("missing key '0.bias'", "unexpected key 'extra.weight'",
                     "'2.weight': shape (3, 4)", "(2, 4) in the model"):
        assert fragment in msg, (fragment, msg)
    # nothing was copied: a failed load leaves the model as it was
    for p, b in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.data, b)


def test_round_trip_restores_training_state_exactly(tmp_path):
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    model(autograd.randn(5, 3))  # moves the running statistics
    path = tmp_path / "m.npz"
    autograd.save(model.state_dict(), path)
    other = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    other.load_state_dict(autograd.load(path))
    for (k, a), (_, b) in zip(model.state_dict().items(), other.state_dict().items()):
        assert a.dtype == b.dtype and np.array_equal(a, b), k
