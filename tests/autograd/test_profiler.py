"""autograd.profiler: events of forward and backward ops, record_function nesting, the tables
and the Chrome trace, checked against the shape of torch.autograd.profiler's API."""
import json
import threading

import numpy as np
import pytest

import autograd
import nn
from autograd import engine, function
from autograd.profiler import profile, record_function


def mlp_step(model, x):
    loss = model(x).sum()
    loss.backward()
    return loss


@pytest.fixture
def model():
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))


def test_exposed_as_torch_autograd_profiler():
    import autograd.autograd.profiler as via_import
    from autograd.autograd import profiler as via_from
    assert autograd.profiler is via_import is via_from
    assert autograd.autograd.profiler.profile is profile
    assert autograd.autograd.profiler.record_function is record_function


def test_mlp_forward_and_backward_ops_counted(model):
    x = autograd.randn(4, 8)
    mlp_step(model, x)   # compile the kernels outside the profile
    steps = 3
    with profile() as prof:
        for _ in range(steps):
            mlp_step(model, x)
    rows = {r.key: r for r in prof.key_averages()}
    assert rows["Linear"].count == 2 * steps
    assert rows["LinearBackward"].count == 2 * steps
    assert rows["ReLU"].count == rows["ReLUBackward"].count == steps
    assert rows["Sum"].count == rows["SumBackward"].count == steps
    for r in rows.values():
        assert r.cpu_time_total >= r.self_cpu_time_total >= 0
        assert r.cpu_time == pytest.approx(r.cpu_time_total / r.count)
    assert len(prof.events()) == sum(r.count for r in rows.values())


def test_record_function_regions_nest_and_bound_their_children(model):
    x = autograd.randn(4, 8)
    with profile() as prof:
        with record_function("step"):
            with record_function("forward"):
                loss = model(x).sum()
            with record_function("backward"):
                loss.backward()
    events = {e.name: e for e in prof.events()}
    step, fwd, bwd = events["step"], events["forward"], events["backward"]
    assert fwd.cpu_parent is step and bwd.cpu_parent is step
    assert {c.name for c in fwd.cpu_children} == {"Linear", "ReLU", "Sum"}
    assert {c.name for c in bwd.cpu_children} == {
        "SumBackward", "LinearBackward", "ReLUBackward"}
    for region in (step, fwd, bwd):
        children = sum(c.cpu_time_total for c in region.cpu_children)
        assert region.cpu_time_total >= children
        assert region.self_cpu_time_total == pytest.approx(region.cpu_time_total - children)
        for c in region.cpu_children:
            assert region.time_range.start <= c.time_range.start <= c.time_range.end
            assert c.time_range.end <= region.time_range.end
    total = step.cpu_time_total
    assert sum(e.self_cpu_time_total for e in prof.events()) == pytest.approx(total)
    assert prof.self_cpu_time_total <= total * (1 + 1e-9)


def test_record_function_as_decorator_nests_per_call():
    @record_function("fact")
    def fact(t, n):
        return t if n == 1 else fact(t * 1.0, n - 1)

    with profile() as prof:
        fact(autograd.ones(2), 3)
    facts = [e for e in prof.events() if e.name == "fact"]
    assert len(facts) == 3
    assert facts[1].cpu_parent is facts[0] and facts[2].cpu_parent is facts[1]
    assert all(e.is_user_annotation for e in facts)


def test_self_times_add_up_to_no_more_than_total(model):
    x = autograd.randn(4, 8)
    with profile() as prof:
        mlp_step(model, x)
    avg = prof.key_averages()
    assert avg.self_cpu_time_total == pytest.approx(prof.self_cpu_time_total)
    top = [e for e in prof.events() if e.cpu_parent is None]
    assert prof.self_cpu_time_total == pytest.approx(sum(e.cpu_time_total for e in top))


def test_table_lists_the_ops(model):
    x = autograd.randn(4, 8)
    with profile() as prof:
        with record_function("my_step"):
            mlp_step(model, x)
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=10)
    for word in ("Name", "Self CPU %", "CPU total", "CPU time avg", "# of Calls", "my_step",
                 "Linear", "LinearBackward", "Self CPU time total"):
        assert word in table
    lines = [line for line in table.splitlines() if line.strip().startswith("my_step")]
    assert len(lines) == 1 and lines[0].split()[-1] == "1"
    limited = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=2)
    assert len(limited.splitlines()) == 3 + 2 + 2   # rule, head, rule; 2 rows; rule, total
    with pytest.raises(ValueError, match="sort by"):
        prof.key_averages().table(sort_by="no_such_column")


def test_group_by_input_shape():
    a, b = autograd.randn(2, 3), autograd.randn(4, 5)
    with profile(record_shapes=True) as prof:
        a * a, a * a, b * b
    muls = [r for r in prof.key_averages(group_by_input_shape=True) if r.key == "Mul"]
    assert sorted((r.input_shapes, r.count) for r in muls) == [
        ([[2, 3], [2, 3]], 2), ([[4, 5], [4, 5]], 1)]
    assert "Input Shapes" in prof.key_averages(group_by_input_shape=True).table()
    assert [r.count for r in prof.key_averages() if r.key == "Mul"] == [3]
    with profile() as plain:
        a * a
    assert plain.events()[0].input_shapes is None


def test_scalar_argument_is_one_event():
    with profile(record_shapes=True) as prof:
        autograd.randn(3, requires_grad=True) * 2.0
    assert len(prof.events()) == 1


def test_export_chrome_trace(tmp_path, model):
    x = autograd.randn(4, 8)
    with profile(record_shapes=True) as prof:
        with record_function("step"):
            mlp_step(model, x)
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    with open(path) as f:
        trace = json.load(f)
    events = trace["traceEvents"]
    assert len(events) == len(prof.events())
    for e in events:
        assert e["ph"] == "X" and isinstance(e["name"], str)
        assert isinstance(e["ts"], (int, float)) and e["dur"] >= 0
        assert {"pid", "tid"} <= set(e)
    step = next(e for e in events if e["name"] == "step")
    assert all(step["ts"] <= e["ts"] and e["ts"] + e["dur"] <= step["ts"] + step["dur"] + 1e-3
               for e in events)
    assert any(e["name"] == "Linear" and e["args"]["Input Dims"] == [[4, 8], [16, 8], [16]]
               for e in events)


def test_nothing_recorded_outside_or_when_disabled(model):
    x = autograd.randn(4, 8)
    with profile() as prof:
        pass
    mlp_step(model, x)
    with record_function("outside"):
        mlp_step(model, x)
    assert len(prof.events()) == 0
    with profile(enabled=False) as off:
        mlp_step(model, x)
        assert not function._profiling and not engine._profiling
    assert off.function_events is None
    assert not function._profiling and not engine._profiling


def test_state_restored_when_an_op_raises():
    a, b = autograd.randn(2, 3), autograd.randn(4, 5)
    with pytest.raises(ValueError):
        with profile() as prof:
            with record_function("region"):
                a + b   # shapes do not broadcast
    assert not function._profiling and not engine._profiling
    assert function._mode.profiled is None
    names = [e.name for e in prof.events()]
    assert names == ["region", "Add"]
    assert prof.events()[1].cpu_parent is prof.events()[0]
    with profile() as after:
        a * a
    assert [e.name for e in after.events()] == ["Mul"] and after.events()[0].cpu_parent is None


def test_backward_error_restores_state():
    x = autograd.randn(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        with profile():
            y.backward()
    assert not function._profiling and not engine._profiling


def test_ops_of_other_threads_are_recorded_with_their_thread():
    def work():
        with record_function("worker"):
            autograd.ones(3) * 2.0
    with profile() as prof:
        t = threading.Thread(target=work)
        t.start()
        t.join()
        autograd.ones(3) + 1.0
    threads = {e.name: e.thread for e in prof.events()}
    assert threads["worker"] == threads["Mul"] != threads["Add"]
    assert next(e for e in prof.events() if e.name == "Mul").cpu_parent.name == "worker"


def test_api_matches_torch_names():
    torch = pytest.importorskip("torch")
    from torch.autograd import profiler as tp
    with tp.profile(record_shapes=True, use_cuda=False) as tprof:
        with tp.record_function("r"):
            torch.ones(2) * 2
    with profile(record_shapes=True, use_cuda=False, profile_memory=False,
                 with_stack=False) as prof:
        with record_function("r"):
            autograd.ones(2) * 2.0
    row_names = ("key", "count", "cpu_time_total", "self_cpu_time_total", "cpu_time",
                 "input_shapes", "cpu_time_str", "cpu_time_total_str",
                 "self_cpu_time_total_str", "is_user_annotation")
    event_names = row_names + ("id", "name", "thread", "time_range", "cpu_parent",
                               "cpu_children")
    for ours, theirs, names in ((prof.key_averages()[0], tprof.key_averages()[0], row_names),
                                (prof.events()[0], tprof.function_events[0], event_names)):
        for name in names:
            assert hasattr(theirs, name) and hasattr(ours, name), name
    for name in ("key_averages", "table", "export_chrome_trace", "self_cpu_time_total",
                 "total_average", "function_events"):
        assert hasattr(tprof, name) and hasattr(prof, name), name
    assert type(tprof.key_averages()).__name__ == type(prof.key_averages()).__name__
    for shapes in (False, True):
        heads = [tprof.key_averages(shapes).table().splitlines()[1],
                 prof.key_averages(shapes).table().splitlines()[1]]
        theirs, ours = ([w.strip() for w in h.split("  ") if w.strip()] for h in heads)
        assert theirs == ours


def test_create_graph_backward_rows_hold_the_recorded_vjp_ops():
    x = autograd.tensor([0.5, -1.0, 2.0], requires_grad=True)
    with profile() as prof:
        y = (x * x).sum()
        (g,) = autograd.autograd.grad(y, x, create_graph=True)
    rows = {r.key: r for r in prof.key_averages()}
    assert rows["MulBackward"].count == rows["SumBackward"].count == 1
    mul_backward = next(e for e in prof.events() if e.name == "MulBackward")
    # the recorded VJP's own ops (g * x, twice) are its children, not rows of the forward
    assert [c.name for c in mul_backward.cpu_children].count("Mul") == 2
    np.testing.assert_allclose(g.detach().numpy(), [1.0, -2.0, 4.0])
