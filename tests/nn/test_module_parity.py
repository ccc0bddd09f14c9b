"""Module's registration, traversal, modes and state_dict rules, each checked against torch by
building the same structure in both and comparing names, orders, values and exception types."""
from collections import OrderedDict

import numpy as np
import pytest

import autograd
import nn
import optim
from nn.module_state import _IncompatibleKeys

torch = pytest.importorskip("torch")


def ours_t(a):
    return autograd.tensor(np.asarray(a))


def theirs_t(a):
    return torch.tensor(np.asarray(a))


BOTH = [(nn, ours_t), (torch.nn, theirs_t)]


def outcome(fn):
    """'ok' or the name of the exception fn raises: compared between the two libraries."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e).__name__
    return "ok"


def both(make):
    """make(lib, tensor) run with ours and with torch."""
    return [make(lib, t) for lib, t in BOTH]


def names(pairs):
    return [n for n, _ in pairs]


# ----------------------------------------------------------------- train / eval
def test_train_calls_each_childs_train_so_overrides_run():
    def make(lib, t):
        class Frozen(lib.Module):  # a common idiom: a block that never leaves eval mode
            def __init__(self):
                super().__init__()
                self.calls, self.inner = [], lib.Linear(1, 1)

            def train(self, mode=True):
                self.calls.append(mode)
                return super().train(False)

        shared = Frozen()
        return lib.Sequential(lib.Sequential(shared, shared), lib.Linear(1, 1)), shared

    (ours, o_frozen), (theirs, t_frozen) = both(make)
    for model in (ours, theirs):
        model.eval()
        model.train()
    assert o_frozen.calls == t_frozen.calls == [False, True]  # once each: children() de-dups
    assert ([m.training for m in ours.modules()] == [m.training for m in theirs.modules()]
            == [True, True, False, False, True])


@pytest.mark.parametrize("mode", [1, 0, "yes", None, np.bool_(True)])
def test_train_rejects_a_non_bool_mode(mode):
    ours, theirs = both(lambda lib, t: lib.Linear(1, 1))
    assert outcome(lambda: ours.train(mode)) == outcome(lambda: theirs.train(mode)) \
        == "ValueError"
    with pytest.raises(ValueError, match="Linear.train: training mode is expected to be"):
        ours.train(mode)


# ----------------------------------------------------------------- shared submodules
def shared_model(lib, t):
    shared = lib.Linear(2, 2)
    bn = lib.BatchNorm1d(2)
    model = lib.Sequential(shared, lib.ReLU(), shared, lib.Sequential(bn, shared))
    model.add_module("again", bn)
    return model


def test_shared_submodule_is_visited_once_like_torch():
    ours, theirs = both(shared_model)
    assert names(ours.named_children()) == names(theirs.named_children()) == ["0", "1", "3",
                                                                              "again"]
    assert len(list(ours.children())) == len(list(theirs.children())) == 4
    for kw in ({}, {"remove_duplicate": False}, {"prefix": "m"}):
        assert names(ours.named_modules(**kw)) == names(theirs.named_modules(**kw)), kw
        assert names(ours.named_parameters(**kw)) == names(theirs.named_parameters(**kw)), kw
        assert names(ours.named_buffers(**kw)) == names(theirs.named_buffers(**kw)), kw
    assert len(list(ours.modules())) == len(list(theirs.modules())) == 5
    assert len(list(ours.modules(remove_duplicate=False))) == \
        len(list(theirs.modules(remove_duplicate=False))) == 8
    memo = {ours[3]}  # torch's positional order: named_modules(memo, prefix)
    assert names(ours.named_modules(memo, "p")) == names(theirs.named_modules({theirs[3]}, "p"))
    seen_o, seen_t = [], []
    ours.apply(lambda m: seen_o.append(type(m).__name__))
    theirs.apply(lambda m: seen_t.append(type(m).__name__))
    assert seen_o == seen_t == ["Linear", "ReLU", "BatchNorm1d", "Linear", "Sequential",
                                "BatchNorm1d", "Sequential"]
    assert list(ours.state_dict()) == list(theirs.state_dict())  # every name, as torch


def test_one_buffer_in_two_modules_is_named_once_but_saved_twice():
    def make(lib, t):
        a, b, x = lib.Module(), lib.Module(), t(np.zeros(2, np.float32))
        a.register_buffer("x", x)
        b.register_buffer("y", x)
        a.b = b
        return a

    ours, theirs = both(make)
    assert names(ours.named_buffers()) == names(theirs.named_buffers()) == ["x"]
    assert names(ours.named_buffers(remove_duplicate=False)) == ["x", "b.y"]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["x", "b.y"]
    assert names(ours.named_buffers(recurse=False)) == names(theirs.named_buffers(recurse=False))
    assert len(list(ours.buffers(recurse=False))) == len(list(theirs.buffers(recurse=False)))


def test_one_parameter_under_two_names():
    def make(lib, t):
        m = lib.Module()
        m.p = lib.Parameter(t(np.zeros(1, np.float32)))
        m.q = m.p
        return m

    ours, theirs = both(make)
    for kw in ({}, {"remove_duplicate": False}):
        assert names(ours.named_parameters(**kw)) == names(theirs.named_parameters(**kw))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["p", "q"]


# ----------------------------------------------------------------- buffers persistence
def test_a_non_persistent_buffer_can_become_persistent_again():
    def make(lib, t):
        m = lib.Module()

        def z():  # a new tensor each time: one tensor under two names is listed once
            return t(np.zeros(1, np.float32))

        m.register_buffer("a", z(), persistent=False)
        m.register_buffer("a", z())                      # re-registered persistent
        m.register_buffer("b", z(), persistent=False)
        del m.b
        m.register_buffer("b", z())                      # after del
        m.register_buffer("c", z())
        m.register_buffer("c", z(), persistent=False)    # and the other way round
        m.register_buffer("d", z(), persistent=False)
        del m.d
        m.d = z()                                        # a plain attribute now
        return m

    ours, theirs = both(make)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["a", "b"]
    assert names(ours.named_buffers()) == names(theirs.named_buffers()) == ["a", "b", "c"]


# ----------------------------------------------------------------- registration errors
def reg_cases():
    p = {"ours": lambda: nn.Parameter(np.zeros(1, np.float32)),
         "torch": lambda: torch.nn.Parameter(torch.zeros(1))}
    z = {"ours": lambda: autograd.zeros(1), "torch": lambda: torch.zeros(1)}
    relu = {"ours": nn.ReLU, "torch": torch.nn.ReLU}
    none = {"ours": lambda: None, "torch": lambda: None}
    five = {"ours": lambda: 5, "torch": lambda: 5}
    cases = []
    for name in ["c", "weight", "bias", "buf", "sub", "plain", "training", "forward", "a.b", "",
                 1]:
        cases += [("register_parameter", name, p), ("register_parameter", name, none),
                  ("register_buffer", name, z), ("register_buffer", name, none),
                  ("add_module", name, relu), ("add_module", name, none),
                  ("register_module", name, relu)]
    cases += [("register_parameter", "c", z), ("register_buffer", "c", five),
              ("add_module", "x", five), ("add_module", "x", z), ("add_module", 1, five)]
    return cases


@pytest.mark.parametrize("method,name,value", reg_cases())
def test_registration_raises_as_torch(method, name, value):
    def run(lib, key):
        m = lib.Linear(1, 1)                      # parameters weight and bias
        m.register_buffer("buf", {"ours": autograd.zeros(1), "torch": torch.zeros(1)}[key])
        m.sub = lib.Tanh()
        m.plain = 3
        result = outcome(lambda: getattr(m, method)(name, value[key]()))
        kinds = (list(m._parameters), list(m._buffers), list(m._modules))
        return result, kinds

    assert run(nn, "ours") == run(torch.nn, "torch")


def test_registration_errors_name_the_module_and_types():
    m = nn.Linear(1, 1)
    with pytest.raises(TypeError, match=r"Linear: cannot assign 'Tensor' object to parameter "
                                        r"'c' \(nn.Parameter or None required\)"):
        m.register_parameter("c", autograd.zeros(1))
    with pytest.raises(KeyError, match="cannot register buffer 'weight': attribute 'weight' "
                                       "already exists"):
        m.register_buffer("weight", autograd.zeros(1))
    with pytest.raises(TypeError, match="Linear.add_module: int is not a Module subclass"):
        m.add_module("x", 5)
    with pytest.raises(TypeError, match="Linear: module name should be a string. Got int"):
        m.add_module(1, nn.ReLU())


# ----------------------------------------------------------------- assignment
@pytest.mark.parametrize("attr,value", [
    ("l", 5), ("l", "tensor"), ("l", "param"), ("l", None),
    ("weight", "tensor"), ("weight", 5), ("weight", "relu"), ("weight", None),
    ("b", 5), ("b", "param"), ("b", "relu"), ("b", None), ("b", "tensor")])
def test_assignment_to_a_registered_name_as_torch(attr, value):
    def run(lib, t):
        m = lib.Linear(1, 1)
        m.l = lib.Tanh()
        m.register_buffer("b", t(np.zeros(1, np.float32)))
        v = {"tensor": t(np.zeros(1, np.float32)), "relu": lib.ReLU(),
             "param": lib.Parameter(t(np.zeros(1, np.float32)))}.get(value, value)
        res = outcome(lambda: setattr(m, attr, v))
        return (res, list(m._parameters), list(m._buffers), list(m._modules),
                list(m.state_dict()), names(m.named_parameters()), names(m.named_children()))

    assert run(nn, ours_t) == run(torch.nn, theirs_t)


def test_none_keeps_the_slot_and_its_order():
    def make(lib, t):
        m = lib.Sequential(lib.Linear(1, 1), lib.ReLU())
        m.l = lib.Tanh()
        m.l = None
        m[0].weight = None
        mid = (names(m.named_parameters()), list(m.state_dict()), repr(m))
        m[0].weight = lib.Parameter(t(np.ones((1, 1), np.float32)))
        return mid, names(m.named_parameters()), list(m.state_dict()), names(m.named_children())

    ours, theirs = both(make)
    assert ours == theirs
    assert "(l): None" in ours[0][2]
    assert ours[1] == ["0.weight", "0.bias"]


# ----------------------------------------------------------------- Parameter
def test_parameter_shares_memory_with_its_tensor():
    src_o, src_t = autograd.tensor(np.zeros(3, np.float32)), torch.zeros(3)
    po, pt = nn.Parameter(src_o), torch.nn.Parameter(src_t)
    po.data[0], pt.data[0] = 5, 5
    np.testing.assert_array_equal(src_o.data, src_t.numpy())
    arr = np.zeros(2)
    nn.Parameter(arr).data[1] = 7  # an ndarray is shared too (torch.from_numpy's rule)
    assert arr[1] == 7
    for lib, t in BOTH:
        p = lib.Parameter(t(np.arange(3)), requires_grad=False)
        assert not p.requires_grad and p.dtype in (np.int64, torch.int64)
    assert outcome(lambda: nn.Parameter(np.arange(3))) == "TypeError"  # int cannot need grad


def test_a_shared_parameter_keeps_the_saved_array_lock():
    """An optimizer step into a Parameter made from a tensor that a live graph saved makes
    that backward raise (it would use the new values), as torch; after backward, steps work."""
    def run(lib, t, opt):
        x = t(np.ones(3, np.float32)).requires_grad_()
        y = (x * x).sum()          # saves x
        p = lib.Parameter(x)
        p.grad = t(np.ones(3, np.float32))
        opt([p], lr=0.5).step()
        return outcome(y.backward), p

    res_o, p_o = run(nn, ours_t, optim.SGD)
    res_t, p_t = run(torch.nn, theirs_t, torch.optim.SGD)
    assert res_o == res_t == "RuntimeError"
    np.testing.assert_array_equal(p_o.data, p_t.detach().numpy())
    x = autograd.tensor(np.ones(3, np.float32), requires_grad=True)
    y = (x * x).sum()
    p = nn.Parameter(x)
    with pytest.raises(ValueError, match="read-only"):  # a direct write while held
        p.data[0] = 3
    y.backward()
    p.data[0] = 3
    assert x.data[0] == 3


# ----------------------------------------------------------------- load_state_dict
def test_load_state_dict_returns_incompatible_keys_namedtuple():
    ours, theirs = both(lambda lib, t: lib.Linear(2, 2))
    r_o = ours.load_state_dict(ours.state_dict())
    r_t = theirs.load_state_dict(theirs.state_dict())
    assert isinstance(r_o, _IncompatibleKeys) and r_o._fields == r_t._fields
    assert repr(r_o) == repr(r_t) == "<All keys matched successfully>"
    sd_o, sd_t = ours.state_dict(), theirs.state_dict()
    del sd_o["bias"], sd_t["bias"]
    sd_o["x"], sd_t["x"] = np.zeros(1), torch.zeros(1)
    r_o, r_t = ours.load_state_dict(sd_o, strict=False), theirs.load_state_dict(sd_t, strict=False)
    assert r_o.missing_keys == r_t.missing_keys == ["bias"]
    assert r_o.unexpected_keys == r_t.unexpected_keys == ["x"]
    assert repr(r_o) == repr(r_t)
    missing, unexpected = r_o
    assert (missing, unexpected) == tuple(r_t)


def test_load_state_dict_converts_the_dtype_as_copy_():
    def run(lib, t):
        m = lib.Sequential(lib.Linear(2, 2), lib.BatchNorm1d(2))
        sd = {k: t(v.numpy() if hasattr(v, "numpy") else v) for k, v in m.state_dict().items()}
        sd["1.num_batches_tracked"] = t(np.array(3.0))                    # float -> int64
        sd["0.weight"] = t(np.array([[1, 2], [3, 4]]))                    # int -> float32
        sd["0.bias"] = t(np.array([True, False]))                         # bool -> float32
        m.load_state_dict(sd)
        return [np.asarray(v).tolist() for v in m.state_dict().values()], \
            [str(v.dtype).replace("torch.", "") for v in m.state_dict().values()]

    assert run(nn, ours_t) == run(torch.nn, theirs_t)


def test_batchnorm_checkpoint_without_num_batches_tracked_loads():
    def run(lib, t, with_metadata):
        m = lib.Sequential(lib.BatchNorm1d(2))
        m[0].num_batches_tracked.fill_(7)
        sd = theirs_model.state_dict() if with_metadata else OrderedDict(
            (k, t(np.asarray(v))) for k, v in theirs_model.state_dict().items())
        sd.pop("0.num_batches_tracked")
        res = outcome(lambda: m.load_state_dict(sd))
        return res, int(m[0].num_batches_tracked), names(m.named_buffers())

    theirs_model = torch.nn.Sequential(torch.nn.BatchNorm1d(2))
    for with_metadata in (False, True):  # an old checkpoint / a torch one with versions
        assert run(nn, ours_t, with_metadata) == run(torch.nn, theirs_t, with_metadata)
    assert run(nn, ours_t, False)[:2] == ("ok", 7)   # left as it was
    assert run(nn, ours_t, True)[0] == "RuntimeError"  # version 2 lacks it: reported missing


# ----------------------------------------------------------------- lookup by path, state_dict
PATHS = [("get_submodule", t) for t in ["", "b", "b.0", "c", "a.weight", "foo", "b.0.x.y"]] + \
    [("get_parameter", t) for t in ["a.weight", "a.nope", "b.0.running_mean", "x.weight",
                                    "foo", "a", "a.bias"]] + \
    [("get_buffer", t) for t in ["b.0.running_mean", "a.weight", "b.0.nope", "b", "foo",
                                 "b.0.num_batches_tracked"]]


@pytest.mark.parametrize("method,target", PATHS)
def test_get_submodule_parameter_buffer_as_torch(method, target):
    def run(lib, t):
        m = lib.Sequential(OrderedDict(a=lib.Linear(1, 1), b=lib.Sequential(lib.BatchNorm1d(1))))
        m.foo = 3
        m.a.bias = None
        try:
            found = getattr(m, method)(target)
        except AttributeError as e:
            return "AttributeError", str(e)
        return "ok", [n for n, v in m.named_modules() if v is found] or \
            [n for n, v in m.state_dict(keep_vars=True).items() if v is found]

    assert run(nn, ours_t) == run(torch.nn, theirs_t)


def test_state_dict_destination_prefix_keep_vars():
    ours, theirs = both(lambda lib, t: lib.Sequential(lib.Linear(1, 1), lib.BatchNorm1d(1)))
    d_o, d_t = OrderedDict(x=1), OrderedDict(x=1)
    assert ours.state_dict(destination=d_o, prefix="p.") is d_o
    assert theirs.state_dict(destination=d_t, prefix="p.") is d_t
    assert list(d_o) == list(d_t)
    kept = ours.state_dict(keep_vars=True, prefix="q.")
    assert kept["q.0.weight"] is ours[0].weight
    with pytest.warns(FutureWarning):  # torch's deprecated positional order
        assert list(ours.state_dict(None, "r.")) == ["r." + k for k in theirs.state_dict()]


def test_buffers_recurse_flag():
    ours, theirs = both(lambda lib, t: lib.Sequential(lib.BatchNorm1d(1)))
    ours.register_buffer("own", autograd.zeros(1))
    theirs.register_buffer("own", torch.zeros(1))
    for recurse in (True, False):
        assert names(ours.named_buffers(recurse=recurse)) == \
            names(theirs.named_buffers(recurse=recurse))
        assert len(list(ours.buffers(recurse=recurse))) == \
            len(list(theirs.buffers(recurse=recurse)))


def test_plain_attribute_before_init_is_allowed_as_torch():
    class Early(nn.Module):
        def __init__(self):
            self.size = 3       # torch allows plain attributes before super().__init__()
            super().__init__()
            self.fc = nn.Linear(1, 1)

    assert Early().size == 3


def test_a_deep_copied_parameter_has_no_grad_as_torch():
    # a copied model (a target network) trained with backward/step/zero_grad took the stale
    # gradient into its first step
    import copy
    for lib, T, N in (("ours", autograd, nn), ("torch", torch, torch.nn)):
        model = N.Linear(2, 1)
        (model(T.ones(4, 2)) ** 2).mean().backward()
        clone = copy.deepcopy(model)
        assert clone.weight.grad is None and clone.bias.grad is None, lib
        assert type(clone.weight) is type(model.weight) and clone.weight.requires_grad
        assert np.array_equal(clone.weight.detach().numpy(), model.weight.detach().numpy())
    t = autograd.ones(2, requires_grad=True)
    (t * 2).sum().backward()
    assert copy.deepcopy(t).grad.tolist() == [2.0, 2.0]   # a plain tensor keeps it, as torch
    tied = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    tied[1].weight = tied[0].weight
    twin = copy.deepcopy(tied)
    assert twin[0].weight is twin[1].weight and twin[0].weight is not tied[0].weight


def test_to_dtype_casts_floating_parameters_only_as_torch():
    for lib, T, N in (("ours", autograd, nn), ("torch", torch, torch.nn)):
        m = N.Module()
        m.idx = N.Parameter(T.tensor([1, 2, 3]), requires_grad=False)
        m.w = N.Parameter(T.ones(2))
        m.double()
        assert str(m.idx.dtype).endswith("int64") and str(m.w.dtype).endswith("float64"), lib


def test_buffer_set_submodule_share_memory_and_get_name_as_torch():
    out = {}
    for lib, T, N in (("ours", autograd, nn), ("torch", torch, torch.nn)):
        class Enc(N.Module):
            def __init__(self):
                super().__init__()
                self.lin = N.Linear(2, 2)
                self.scale = N.Buffer(T.ones(2))
                self.tmp = N.Buffer(T.zeros(3), persistent=False)

            def _get_name(self):
                return "Encoder"
        m = Enc()
        keys = sorted(m.state_dict())
        buffers = [n for n, _ in m.named_buffers()]
        m.set_submodule("lin", N.ReLU())
        m.set_submodule("extra", N.Tanh())
        with pytest.raises(AttributeError, match="has no attribute `nope`"):
            m.set_submodule("nope", N.ReLU(), strict=True)
        with pytest.raises(ValueError):
            m.set_submodule("lin", 3)
        assert m.share_memory() is m
        m.scale = N.Buffer(T.full((2,), 3.0))
        out[lib] = (keys, buffers, repr(m), m.scale.tolist(), sorted(m.state_dict()))
    assert out["ours"] == out["torch"]
