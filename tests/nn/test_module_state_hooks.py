"""The customization points of state_dict / load_state_dict, run the same way in torch:
a module's own _load_from_state_dict (renaming an old checkpoint's keys), get_extra_state /
set_extra_state, and the state-dict hooks."""
import numpy as np
import pytest

import nn

torch = pytest.importorskip("torch")
LIBS = {"ours": nn, "torch": torch.nn}


def _renaming(lib):
    """A Linear whose old checkpoints called its weight 'w' (the usual reason to override)."""
    class Renamed(LIBS[lib].Linear):
        def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
            old = prefix + "w"
            if old in state_dict:
                state_dict[prefix + "weight"] = state_dict.pop(old)
            super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
    return Renamed


def _array(t):
    return np.array(t.detach().numpy() if isinstance(t, torch.Tensor) else t.data)


@pytest.mark.parametrize("lib", ["ours", "torch"])
def test_an_overridden_load_from_state_dict_renames_old_keys(lib):
    model = LIBS[lib].Sequential(_renaming(lib)(2, 3))
    old = {"0.w": np.arange(6.0, dtype=np.float32).reshape(3, 2),
           "0.bias": np.ones(3, np.float32)}
    if lib == "torch":
        old = {k: torch.from_numpy(v) for k, v in old.items()}
    assert model.load_state_dict(old) is not None
    np.testing.assert_array_equal(_array(model[0].weight), np.arange(6.0).reshape(3, 2))
    assert list(model.state_dict()) == ["0.weight", "0.bias"]


def _counting(lib):
    class Counting(LIBS[lib].Module):
        def __init__(self):
            super().__init__()
            self.lin = LIBS[lib].Linear(2, 2)
            self.seen = {"steps": 0}

        def get_extra_state(self):
            return dict(self.seen)

        def set_extra_state(self, state):
            self.seen = dict(state)
    return Counting


@pytest.mark.parametrize("lib", ["ours", "torch"])
def test_extra_state_is_saved_and_restored(lib):
    a = _counting(lib)()
    a.seen["steps"] = 7
    sd = a.state_dict()
    assert list(sd) == ["_extra_state", "lin.weight", "lin.bias"]
    b = _counting(lib)()
    b.load_state_dict(sd)
    assert b.seen == {"steps": 7}
    del sd["_extra_state"]
    with pytest.raises(RuntimeError, match="_extra_state"):
        b.load_state_dict(sd)
    assert b.load_state_dict(sd, strict=False).missing_keys == ["_extra_state"]
    plain = LIBS[lib].Linear(2, 2)
    res = plain.load_state_dict(dict(plain.state_dict(), _extra_state=1), strict=False)
    assert res.unexpected_keys == ["_extra_state"]


def test_nothing_is_loaded_when_a_check_fails_extra_state_included():
    a = _counting("ours")()
    a.seen["steps"] = 3
    sd = a.state_dict()
    sd["lin.bias"] = np.zeros(5, np.float32)             # the wrong shape
    b = _counting("ours")()
    before = b.lin.weight.data.copy()
    with pytest.raises(RuntimeError, match="'lin.bias': shape \\(5,\\) in the state_dict"):
        b.load_state_dict(sd)
    assert b.seen == {"steps": 0}
    np.testing.assert_array_equal(b.lin.weight.data, before)


def _log_hooks(model, log):
    model.register_state_dict_pre_hook(lambda m, prefix, keep: log.append(("pre", prefix)))

    def post(m, sd, prefix, meta):
        log.append(("post", prefix, len(sd)))
        sd[prefix + "note"] = 1
    model.register_state_dict_post_hook(post)
    model[0].register_state_dict_pre_hook(lambda m, prefix, keep: log.append(("pre", prefix)))

    def load_pre(m, sd, prefix, meta, strict, missing, unexpected, errors):
        log.append(("load_pre", prefix))
        sd.pop(prefix + "note", None)
    model.register_load_state_dict_pre_hook(load_pre)

    def load_post(m, keys):
        log.append(("load_post", list(keys.missing_keys), list(keys.unexpected_keys)))
        keys.missing_keys.clear()   # lets the strict load below pass
    model.register_load_state_dict_post_hook(load_post)


@pytest.mark.parametrize("lib", ["ours", "torch"])
def test_state_dict_hooks_run_in_torchs_order_with_torchs_arguments(lib):
    log = []
    model = LIBS[lib].Sequential(LIBS[lib].Linear(2, 2), LIBS[lib].Linear(2, 1))
    _log_hooks(model, log)
    sd = model.state_dict()
    assert list(sd)[-1] == "note"
    del sd["1.bias"]
    model.load_state_dict(sd)
    log.append(("end",))
    assert log == [("pre", ""), ("pre", "0."), ("post", "", 4), ("load_pre", ""),
                   ("load_post", ["1.bias"], []), ("end",)]


@pytest.mark.parametrize("lib", ["ours", "torch"])
def test_register_state_dict_hook_may_replace_the_dict_and_handles_remove(lib):
    model = LIBS[lib].Linear(2, 2)
    handle = model._register_state_dict_hook(lambda m, sd, prefix, meta: {"only": 1})
    assert model.state_dict() == {"only": 1}
    handle.remove()
    assert list(model.state_dict()) == ["weight", "bias"]
    calls = []
    model._register_load_state_dict_pre_hook(lambda sd, prefix, *rest: calls.append(prefix))
    model.load_state_dict(model.state_dict())
    assert calls == [""]
