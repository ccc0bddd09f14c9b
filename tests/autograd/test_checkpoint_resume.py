"""autograd.save / load of nested training checkpoints: exact resume of model, optimizer and
scheduler, faithful round trip of every supported type, old flat files, clear errors."""
import json
import math
import zipfile
from collections import Counter, OrderedDict

import numpy as np
import pytest

import autograd
import nn
import optim
from nn import functional as F

torch = pytest.importorskip("torch")
STEPS, STOP = 20, 8
X = np.random.default_rng(0).standard_normal((32, 4)).astype(np.float32)
Y = np.sin(X.sum(1, keepdims=True)).astype(np.float32)

SETUPS = {
    "sgd-momentum-steplr": (
        lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
        lambda o: optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
    "adam-cosine": (
        lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True),
        lambda o: optim.lr_scheduler.CosineAnnealingLR(o, T_max=7, eta_min=1e-4)),
    "adamw-onecycle": (
        lambda ps: optim.AdamW(ps, lr=0.01),
        lambda o: optim.lr_scheduler.OneCycleLR(o, max_lr=0.05, total_steps=STEPS)),
    "sgd-sequential": (
        lambda ps: optim.SGD(ps, lr=0.05, momentum=0.5),
        lambda o: optim.lr_scheduler.SequentialLR(
            o, [optim.lr_scheduler.LinearLR(o, 0.2, total_iters=4),
                optim.lr_scheduler.MultiStepLR(o, [6, 12, 15])], milestones=[4])),
}


def _fresh(name, seed):
    autograd.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 1))
    make_opt, make_sched = SETUPS[name]
    opt = make_opt(model.parameters())
    return model, opt, make_sched(opt)


def _train(model, opt, sched, steps):
    loss = None
    for _ in range(steps):
        opt.zero_grad()
        loss = F.mse_loss(model(autograd.tensor(X)), autograd.tensor(Y))
        loss.backward()
        opt.step()
        sched.step()
    return float(loss.item())


@pytest.mark.parametrize("name", list(SETUPS))
def test_resume_from_a_checkpoint_matches_an_uninterrupted_run(name, tmp_path):
    model, opt, sched = _fresh(name, 0)
    _train(model, opt, sched, STEPS)
    expected = {k: np.array(v, copy=True) for k, v in model.state_dict().items()}

    model, opt, sched = _fresh(name, 0)
    loss = _train(model, opt, sched, STOP)
    path = tmp_path / "ckpt.npz"
    autograd.save({"epoch": STOP, "model_state_dict": model.state_dict(),
                   "optimizer_state_dict": opt.state_dict(), "scheduler": sched.state_dict(),
                   "loss": loss}, path)
    del model, opt, sched

    model, opt, sched = _fresh(name, 123)  # other initial weights: all must come from the file
    ckpt = autograd.load(path)
    assert ckpt["epoch"] == STOP and ckpt["loss"] == loss and isinstance(ckpt["loss"], float)
    model.load_state_dict(ckpt["model_state_dict"])
    opt.load_state_dict(ckpt["optimizer_state_dict"])
    sched.load_state_dict(ckpt["scheduler"])
    _train(model, opt, sched, STEPS - ckpt["epoch"])
    got = model.state_dict()
    assert list(got) == list(expected)
    for k in expected:
        assert got[k].dtype == expected[k].dtype, k
        np.testing.assert_array_equal(got[k], expected[k], err_msg=k)


def _same(a, b, where="root"):
    """Equal values of the same types all the way down."""
    assert type(a) is type(b), (where, type(a), type(b))
    if isinstance(a, dict):
        assert list(a.items()) and list(a) == list(b) or not a and not b, where
        for k in a:
            _same(a[k], b[k], f"{where}/{k!r}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}/{i}")
    elif isinstance(a, autograd.Tensor):
        assert a.dtype == b.dtype and a.requires_grad == b.requires_grad, where
        np.testing.assert_array_equal(a.data, b.data)
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b), where
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, where


def test_every_supported_type_round_trips_exactly(tmp_path):
    shared = autograd.randn(3, requires_grad=True)
    obj = {
        "none": None, "t": True, "f": False, "int": 2 ** 70, "neg": -3, "float": 0.1,
        "nan": math.nan, "inf": -math.inf, "str": "héllo\n", "empty": "",
        "tuple": (1, (2.5, "x"), []), "list": [None, [True], {}],
        "int_keys": {0: "a", -1: {"b": 1}}, "ordered": OrderedDict([("z", 1), ("a", 2)]),
        "counter": Counter({3: 2, 7: 1}),
        "f32": np.float32(1.5), "i64": np.int64(-4), "b": np.bool_(True),
        "arr": np.arange(6, dtype=np.int16).reshape(2, 3).T, "empty_arr": np.zeros((0, 4)),
        "bools": np.array([True, False]), "zero_d": np.array(2.0),
        "param": nn.Parameter(np.ones((2, 2), np.float64)), "plain": autograd.arange(4),
        "shared": shared, "again": shared,
    }
    path = tmp_path / "x.npz"
    autograd.save(obj, path)
    out = autograd.load(path)
    expected = dict(obj, param=autograd.tensor(np.ones((2, 2)), requires_grad=True))
    _same(expected, out)
    assert out["shared"] is out["again"]  # one object saved once stays one object
    assert out["int"] == 2 ** 70 and out["tuple"][1] == (2.5, "x")
    # torch keeps the same structure for the same checkpoint
    theirs = torch.load(_torch_round_trip(tmp_path, {"a": (1, [2.0]), 0: {"b": None}}))
    mine = {"a": (1, [2.0]), "k": {0: {"b": None}}}
    autograd.save(mine, path)
    assert autograd.load(path)["k"][0] == theirs[0] and autograd.load(path)["a"] == theirs["a"]


def _torch_round_trip(tmp_path, obj):
    p = tmp_path / "t.pt"
    torch.save(obj, p)
    return p


def test_flat_state_dicts_keep_the_plain_npz_layout(tmp_path):
    sd = nn.Linear(3, 2).state_dict()
    path = tmp_path / "m.npz"
    autograd.save(sd, path)
    assert sorted(zipfile.ZipFile(path).namelist()) == ["bias.npy", "weight.npy"]
    out = autograd.load(path)
    assert isinstance(out, OrderedDict) and list(out) == list(sd)
    # a file written by np.savez (the format before nested checkpoints) still loads
    np.savez(path, **{"a.weight": np.ones(2, np.float32), "structure.json": np.zeros(1)})
    out = autograd.load(path)
    assert list(out) == ["a.weight", "structure.json"] and out["a.weight"].dtype == np.float32


@pytest.mark.parametrize("obj,match", [
    ({"a": {"b": {1, 2}}}, r"save: 'a'/'b' is a set; a checkpoint holds"),
    ({"a": [1, lambda: 0]}, r"save: 'a'/1 is a function"),
    ({"a": {(1, 2): 3}}, r"dict keys must be strings or ints, got \(1, 2\) \(tuple\) in 'a'"),
    ({"a": {True: 3}}, r"dict keys must be strings or ints, got True"),
    ({"a": [np.array([object()], dtype=object)]}, r"save: 'a'/0 has dtype object"),
    ({"a": [np.array(["s"])]}, r"save: 'a'/0 has dtype <U1"),
    ({"": 1}, "keys must be non-empty strings"),
])
def test_unsupported_values_are_refused_by_name(obj, match, tmp_path):
    with pytest.raises(TypeError, match=match):
        autograd.save(obj, tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


def test_a_self_containing_checkpoint_is_refused(tmp_path):
    loop = [1]
    loop.append(loop)
    with pytest.raises(TypeError, match=r"save: 'a'/1 contains itself"):
        autograd.save({"a": loop}, tmp_path / "x.npz")


def _rewrite_structure(path, edit):
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    structure = json.loads(entries["structure.json"])
    entries["structure.json"] = json.dumps(edit(structure)).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in entries.items():
            zf.writestr(n, data)


@pytest.mark.parametrize("edit,match", [
    (lambda s: {**s, "version": 99}, "format version 99"),
    (lambda s: {**s, "format": "other"}, "did not write"),
    (lambda s: {**s, "root": {"dict": [["w", {"ndarray": "7"}]]}}, "missing array entry '7'"),
    (lambda s: {**s, "root": {"dict": [["w", {"pickle": "0"}]]}}, "unknown entry"),
    (lambda s: {**s, "root": {"dict": [["w", {"scalar": "0"}]]}}, "scalar of shape"),
    (lambda s: {**s, "root": {"dict": [[["k"], 1]]}}, "malformed dict item"),
    (lambda s: {**s, "root": {"dict": [["i", {"tensor": "1", "requires_grad": True}]]}},
     "int64 tensor that requires grad"),
    (lambda s: {**s, "root": {"list": [{"list": [{"list": []}] * 3}]}}, None),  # loads
])
def test_a_tampered_structure_is_refused_clearly(edit, match, tmp_path):
    path = tmp_path / "x.npz"
    autograd.save({"w": np.ones(3), "i": np.arange(2), "n": None}, path)
    _rewrite_structure(path, edit)
    if match is None:
        assert autograd.load(path) == [[[], [], []]]
        return
    with pytest.raises(RuntimeError, match=r"load: '.*x\.npz' .*" + match):
        autograd.load(path)


def test_garbage_structure_and_truncation_are_clear_errors(tmp_path):
    path = tmp_path / "x.npz"
    autograd.save({"a": [np.ones(100)], "b": 1}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError, match="not (an|a complete) .npz"):
        autograd.load(path)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("structure.json", b"{not json")
    with pytest.raises(RuntimeError, match="truncated or corrupt.*JSONDecodeError"):
        autograd.load(path)


def test_rng_state_round_trips_through_a_checkpoint(tmp_path):
    autograd.manual_seed(3)
    autograd.randn(5)
    state = autograd.get_rng_state()
    expected = autograd.randn(4).data
    autograd.save({"rng": state, "epoch": 2}, tmp_path / "ck.npz")
    autograd.manual_seed(99)
    loaded = autograd.load(tmp_path / "ck.npz", map_location="cpu")
    autograd.set_rng_state(loaded["rng"])
    np.testing.assert_array_equal(autograd.randn(4).data, expected)
    with pytest.raises(RuntimeError, match="CPU only"):
        autograd.load(tmp_path / "ck.npz", map_location="cuda:0")
    with pytest.raises(ValueError, match="set_rng_state"):
        autograd.set_rng_state({"bits": 1})
