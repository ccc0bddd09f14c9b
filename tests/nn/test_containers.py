"""Sequential, ModuleList, ModuleDict, ParameterList and ParameterDict against torch: the same
edits on both, then the same keys, order, identities, names in state_dict and exceptions."""
from collections import OrderedDict

import numpy as np
import pytest

import autograd
import nn
from nn.parameter_containers import ParameterDict, ParameterList

torch = pytest.importorskip("torch")


class Ours:
    """nn with the two containers not exported by nn/__init__.py yet."""
    ParameterList, ParameterDict = ParameterList, ParameterDict

    def __getattr__(self, name):
        return getattr(nn, name)


OURS = Ours()
LIBS = [(OURS, lambda a: autograd.tensor(np.asarray(a, np.float32))),
        (torch.nn, lambda a: torch.tensor(np.asarray(a, np.float32)))]


def outcome(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e).__name__
    return "ok"


def layout(c):
    """What an edit must leave identical: keys and the class of each child, in order."""
    return [(k, type(m).__name__) for k, m in c._modules.items()]


def same(run):
    """run(lib, tensor) gives equal results with ours and with torch; returns ours."""
    ours, theirs = (run(lib, t) for lib, t in LIBS)
    assert ours == theirs
    return ours


# ----------------------------------------------------------------- Sequential
SEQ_EDITS = {
    "insert_mid": lambda s, lib: s.insert(1, lib.Sigmoid()),
    "insert_neg": lambda s, lib: s.insert(-1, lib.Sigmoid()),
    "insert_end": lambda s, lib: s.insert(3, lib.Sigmoid()),
    "insert_far": lambda s, lib: s.insert(10, lib.Sigmoid()),
    "insert_far_neg": lambda s, lib: s.insert(-10, lib.Sigmoid()),
    "pop_mid": lambda s, lib: s.pop(1),
    "pop_last": lambda s, lib: s.pop(-1),
    "pop_out": lambda s, lib: s.pop(3),
    "extend": lambda s, lib: s.extend([lib.ReLU(), lib.Sigmoid()]),
    "extend_seq": lambda s, lib: s.extend(lib.Sequential(lib.Sigmoid())),
    "append": lambda s, lib: s.append(lib.Sigmoid()),
    "append_int": lambda s, lib: s.append(5),
    "del_mid": lambda s, lib: s.__delitem__(1),
    "del_slice": lambda s, lib: s.__delitem__(slice(0, 2)),
    "del_step": lambda s, lib: s.__delitem__(slice(None, None, 2)),
    "del_out": lambda s, lib: s.__delitem__(-4),
    "set_mid": lambda s, lib: s.__setitem__(1, lib.Sigmoid()),
    "set_neg": lambda s, lib: s.__setitem__(-1, lib.Sigmoid()),
    "set_out": lambda s, lib: s.__setitem__(5, lib.Sigmoid()),
    "set_int": lambda s, lib: s.__setitem__(1, 5),
    "set_none": lambda s, lib: s.__setitem__(1, None),
    "get_str": lambda s, lib: s["0"],
    "get_out": lambda s, lib: s[3],
    "iadd": lambda s, lib: s.__iadd__(lib.Sequential(lib.Sigmoid())),
    "iadd_list": lambda s, lib: s.__iadd__([lib.Sigmoid()]),
    "imul": lambda s, lib: s.__imul__(2),
    "imul_zero": lambda s, lib: s.__imul__(0),
    "imul_float": lambda s, lib: s.__imul__(1.5),
}


@pytest.mark.parametrize("edit", sorted(SEQ_EDITS))
def test_sequential_edits_as_torch(edit):
    def run(lib, t):
        s = lib.Sequential(lib.Linear(1, 1), lib.ReLU(), lib.Tanh())
        return outcome(lambda: SEQ_EDITS[edit](s, lib)), layout(s), list(s.state_dict())

    same(run)


def test_sequential_combinations_share_modules_as_torch():
    def run(lib, t):
        a, b = lib.Sequential(lib.Linear(1, 1)), lib.Sequential(lib.ReLU())
        out = []
        for c in (a + b, a * 2, 2 * a, a[0:1], a[::-1]):
            out.append((type(c).__name__, layout(c), [m is a[0] for m in c]))
        for bad in (lambda: a + [lib.ReLU()], lambda: a + lib.ModuleList([lib.ReLU()]),
                    lambda: a * 0, lambda: a * -1, lambda: a * 1.5, lambda: 1.5 * a):
            out.append(outcome(bad))
        return out

    same(run)


def test_sequential_pop_returns_the_module_and_forward_still_runs():
    s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    relu = s[1]
    assert s.pop(1) is relu and list(s._modules) == ["0", "1"]
    assert s(autograd.randn(4, 2)).shape == (4, 1)


def test_sequential_constructor_accepts_only_ordered_dict_as_torch():
    def run(lib, t):
        return (outcome(lambda: lib.Sequential({"a": lib.ReLU()})),
                outcome(lambda: lib.Sequential(5)),
                layout(lib.Sequential(OrderedDict(a=lib.ReLU(), b=lib.Tanh()))))

    same(run)


def test_sequential_with_names_renumbers_on_delete_as_torch():
    def run(lib, t):
        s = lib.Sequential(OrderedDict(x=lib.Linear(1, 1), y=lib.ReLU(), z=lib.Tanh()))
        s.append(lib.Sigmoid())
        steps = [layout(s)]
        s[0] = lib.ReLU()  # keeps the name
        steps.append(layout(s))
        del s[1]
        steps.append(layout(s))
        return steps

    same(run)


# ----------------------------------------------------------------- ModuleList
LIST_EDITS = {
    "insert_0": lambda c, lib: c.insert(0, lib.Sigmoid()),
    "insert_mid": lambda c, lib: c.insert(2, lib.Sigmoid()),
    "insert_end": lambda c, lib: c.insert(3, lib.Sigmoid()),
    "pop_mid": lambda c, lib: c.pop(1),
    "pop_neg": lambda c, lib: c.pop(-1),
    "pop_slice": lambda c, lib: c.pop(slice(0, 2)),
    "pop_out": lambda c, lib: c.pop(3),
    "del_mid": lambda c, lib: c.__delitem__(1),
    "del_slice": lambda c, lib: c.__delitem__(slice(1, None)),
    "del_step": lambda c, lib: c.__delitem__(slice(None, None, 2)),
    "del_out": lambda c, lib: c.__delitem__(5),
    "set_neg": lambda c, lib: c.__setitem__(-1, lib.Sigmoid()),
    "set_out": lambda c, lib: c.__setitem__(3, lib.Sigmoid()),
    "set_int": lambda c, lib: c.__setitem__(0, 5),
    "get_out": lambda c, lib: c[-4],
    "iadd": lambda c, lib: c.__iadd__([lib.Sigmoid(), lib.ReLU()]),
    "extend_gen": lambda c, lib: c.extend(lib.Sigmoid() for _ in range(2)),
    "extend_module": lambda c, lib: c.extend(lib.Sigmoid()),
    "extend_int": lambda c, lib: c.extend([5]),
    "append": lambda c, lib: c.append(lib.Sigmoid()),
}


@pytest.mark.parametrize("edit", sorted(LIST_EDITS))
def test_module_list_edits_as_torch(edit):
    def run(lib, t):
        c = lib.ModuleList([lib.Linear(1, 1), lib.ReLU(), lib.Tanh()])
        return outcome(lambda: LIST_EDITS[edit](c, lib)), layout(c), list(c.state_dict())

    same(run)


def test_module_list_add_slice_and_constructor_as_torch():
    def run(lib, t):
        a = lib.ModuleList([lib.Linear(1, 1), lib.ReLU()])
        c = a + [lib.Tanh()]
        return (type(c).__name__, layout(c), c[0] is a[0], layout(a[::-1]),
                type(a[1:]).__name__, outcome(lambda: lib.ModuleList(lib.Linear(1, 1))),
                outcome(lambda: lib.ModuleList(5)), len(lib.ModuleList(lib.Sequential(
                    lib.ReLU(), lib.Tanh()))))

    same(run)


def test_module_list_pop_returns_the_module():
    ml = nn.ModuleList([nn.Linear(1, 1), nn.ReLU()])
    first = ml[0]
    assert ml.pop(0) is first and isinstance(ml[0], nn.ReLU) and len(ml) == 1


# ----------------------------------------------------------------- ModuleDict
def test_module_dict_as_torch():
    def run(lib, t):
        d = lib.ModuleDict([("b", lib.Linear(1, 1)), ("a", lib.ReLU())])
        steps = [layout(d)]
        d.update({"c": lib.Tanh(), "a": lib.Sigmoid()})
        steps.append(layout(d))
        d.update([("d", lib.ReLU())])
        popped = d.pop("b")
        steps += [layout(d), type(popped).__name__, list(d.keys()),
                  [type(v).__name__ for v in d.values()], [k for k, _ in d.items()]]
        del d["c"]
        steps += [layout(d), "d" in d, "c" in d, len(d)]
        d.clear()
        steps.append(layout(d))
        for bad in ([("a", lib.ReLU(), 3)], 5, {"a": 5}, {"a.b": lib.ReLU()}, [5], {"": 1}):
            steps.append(outcome(lambda: lib.ModuleDict(bad)))
        steps.append(outcome(lambda: d.pop("zz")))
        steps.append(layout(lib.ModuleDict({"a": None})))
        return steps

    same(run)


# ----------------------------------------------------------------- ParameterList
def test_parameter_list_as_torch():
    def run(lib, t):
        w = lib.Parameter(t(np.ones((2, 3))))
        pl = lib.ParameterList([w, t(np.zeros(2))])
        pl.append(t(np.zeros(1))).extend([lib.Parameter(t(np.ones(4)))])
        pl += [3]
        m = lib.Module()
        m.plist = pl
        tail = pl[1:3]
        return (len(pl), [type(p).__name__ for p in pl], pl[0] is w, pl[-1],
                [n for n, _ in m.named_parameters()], list(m.state_dict()),
                type(tail).__name__, len(tail), tail[0] is pl[1],
                outcome(lambda: pl[5]), outcome(lambda: pl.extend(t(np.ones(2)))),
                outcome(lambda: pl.extend(5)), outcome(lambda: pl()),
                repr(pl))

    same(run)


def test_parameter_list_wraps_a_tensor_sharing_its_memory():
    src = autograd.tensor(np.zeros(2, np.float32))
    pl = ParameterList([src])
    assert isinstance(pl[0], nn.Parameter) and pl[0].requires_grad
    pl[0].data[0] = 4
    assert src.data[0] == 4
    pl[0] = autograd.tensor(np.ones(3, np.float32))
    assert pl[0].shape == (3,) and len(list(pl.parameters())) == 1


# ----------------------------------------------------------------- ParameterDict
def test_parameter_dict_as_torch():
    def run(lib, t):
        pd = lib.ParameterDict({"b": t(np.zeros(2)), "a": lib.Parameter(t(np.ones(1)))})
        steps = [list(pd), list(pd.keys())]  # a plain dict: keys sorted, as torch
        pd.update(OrderedDict(z=t(np.ones(3)), c=t(np.ones(2))))
        pd.update([("y", 5)])
        pd["x"] = t(np.zeros(1))
        m = lib.Module()
        m.pd = pd
        steps += [list(pd), [n for n, _ in m.named_parameters()], list(m.state_dict()),
                  [type(v).__name__ for v in pd.values()], list(reversed(pd))]
        steps += [type(pd.pop("b")).__name__, pd.popitem()[0], list(pd), "a" in pd, len(pd),
                  pd.get("nope", 7), pd.setdefault("new", None), list(pd)]
        both_ = pd | lib.ParameterDict(OrderedDict(q=t(np.ones(1))))
        steps += [list(both_), list(pd.copy()), both_["a"] is pd["a"]]
        pd |= {"r": t(np.ones(1))}
        del pd["z"]
        steps.append(list(pd))
        for bad in (lambda: pd[1], lambda: pd["missing"], lambda: pd(1),
                    lambda: lib.ParameterDict(5), lambda: lib.ParameterDict([("a", 1, 2)])):
            steps.append(outcome(bad))
        steps.append(list(pd.fromkeys(["k", "l"])))
        pd.clear()
        steps += [list(pd), list(m.state_dict()), repr(lib.ParameterDict(
            {"w": t(np.ones(2)), "o": 1}))]
        return steps

    same(run)


def test_parameter_dict_refused_key_is_not_kept():
    """torch records the key before refusing it, which breaks clear() afterwards: ours
    checks first."""
    pd = ParameterDict(OrderedDict(a=autograd.zeros(1)))
    with pytest.raises(TypeError, match="ParameterDict: a key must be a string, not int"):
        pd[1] = autograd.zeros(1)
    with pytest.raises(KeyError, match=r'contain "\."'):
        pd["a.b"] = autograd.zeros(1)
    assert list(pd) == ["a"]
    pd.clear()
    assert len(pd) == 0 and not list(pd.parameters())


def test_deprecated_container_registers_its_keyword_modules_and_warns_as_torch():
    import warnings
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        ours = nn.Container(a=nn.Linear(2, 3), b=nn.ReLU())
        theirs = torch.nn.Container(a=torch.nn.Linear(2, 3), b=torch.nn.ReLU())
    assert [w.category for w in seen] == [FutureWarning, FutureWarning]
    assert str(seen[0].message) == str(seen[1].message)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == ["a.weight", "a.bias"]
    assert nn.modules.container.Container is nn.Container
