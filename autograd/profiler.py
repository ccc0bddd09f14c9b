"""torch.autograd.profiler for this engine: where the time of a training step goes.

    with autograd.profiler.profile(record_shapes=True) as prof:
        with autograd.profiler.record_function("step"):
            loss = model(x).sum()
            loss.backward()
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))
    prof.export_chrome_trace("trace.json")

While a profile is active, every op the engine runs is an event: its forward under the op's
name ("Mul": the whole of `Function.apply`, graph recording included) and its backward under
"<op>Backward" (the VJP the engine's walk calls). `record_function(name)` adds a region of the
user's own. Events nest per thread: an event's self time is its time less its children's.
Times are wall times (time.perf_counter_ns), reported in microseconds as torch's.

The engine pays nothing for this when no profile is active: `Function.apply` and the backward
walk read one module boolean (`function._profiling`, `engine._profiling`) per op, and only
when it is set do they come here.
"""
from __future__ import annotations

import contextlib
import json
import os
import threading
import time

from . import engine, function

__all__ = ["profile", "record_function", "FunctionEvent", "FunctionEventAvg", "EventList"]

_sessions: tuple = ()          # the profiles recording now (any thread's ops go to each)
_sessions_lock = threading.Lock()
_local = threading.local()     # .stack: this thread's open events, innermost last
_next_id = iter(range(1 << 62))


class Interval:
    """An event's start and end, in microseconds (torch's time_range)."""

    __slots__ = ("start", "end")

    def __init__(self, start: float, end: float):
        self.start, self.end = start, end

    def elapsed_us(self) -> float:
        return self.end - self.start

    def __repr__(self):
        return f"Interval(start={self.start:.3f}, end={self.end:.3f})"


class FunctionEvent:
    """One op call or record_function region: name, thread, time_range, input_shapes and the
    events inside it (cpu_children); times in microseconds."""

    count = 1

    def __init__(self, name: str, thread: int, start_ns: int, input_shapes,
                 is_user_annotation: bool, sessions: tuple):
        self.id = next(_next_id)
        self.name = name
        self.thread = thread
        self.input_shapes = input_shapes
        self.is_user_annotation = is_user_annotation
        self.cpu_parent = None
        self.cpu_children = []
        self._start_ns = start_ns
        self._end_ns = start_ns
        self._sessions = sessions

    @property
    def key(self) -> str:
        return self.name

    @property
    def time_range(self) -> Interval:
        return Interval(self._start_ns / 1e3, self._end_ns / 1e3)

    @property
    def cpu_time_total(self) -> float:
        return (self._end_ns - self._start_ns) / 1e3

    @property
    def self_cpu_time_total(self) -> float:
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total

    cpu_time_str = property(lambda self: _format_time(self.cpu_time))
    cpu_time_total_str = property(lambda self: _format_time(self.cpu_time_total))
    self_cpu_time_total_str = property(lambda self: _format_time(self.self_cpu_time_total))

    def __repr__(self):
        return (f"<FunctionEvent id={self.id} name={self.name} thread={self.thread} "
                f"cpu_time_total={self.cpu_time_total:.3f}us input_shapes={self.input_shapes}>")


class FunctionEventAvg:
    """The events of one key (and input shapes, when grouped by them), summed: count,
    cpu_time_total, self_cpu_time_total, and cpu_time, the average per call."""

    def __init__(self, key: str, input_shapes=None, is_user_annotation: bool = False):
        self.key = key
        self.input_shapes = input_shapes
        self.is_user_annotation = is_user_annotation
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0

    def add(self, event) -> "FunctionEventAvg":
        self.count += event.count
        self.cpu_time_total += event.cpu_time_total
        self.self_cpu_time_total += event.self_cpu_time_total
        return self

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total / self.count if self.count else 0.0

    cpu_time_str = FunctionEvent.cpu_time_str
    cpu_time_total_str = FunctionEvent.cpu_time_total_str
    self_cpu_time_total_str = FunctionEvent.self_cpu_time_total_str

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} count={self.count} "
                f"cpu_time_total={self.cpu_time_total:.3f}us "
                f"self_cpu_time_total={self.self_cpu_time_total:.3f}us>")


class EventList(list):
    """A list of FunctionEvent (or of FunctionEventAvg, from key_averages)."""

    _with_shapes = False   # its table has an Input Shapes column (grouped by input shape)

    @property
    def self_cpu_time_total(self) -> float:
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self, group_by_input_shape: bool = False) -> "EventList":
        """One FunctionEventAvg per key (per key and input shapes with group_by_input_shape),
        in the order the keys first occur."""
        rows = {}
        for e in self:
            key = (e.key, str(e.input_shapes)) if group_by_input_shape else e.key
            row = rows.get(key)
            if row is None:
                row = rows[key] = FunctionEventAvg(e.key, e.input_shapes, e.is_user_annotation)
            row.add(e)
        averages = EventList(rows.values())
        averages._with_shapes = group_by_input_shape
        return averages

    def total_average(self) -> FunctionEventAvg:
        total = FunctionEventAvg("Total")
        for e in self:
            total.add(e)
        return total

    def table(self, sort_by: str | None = None, row_limit: int = 100,
              max_name_column_width: int = 55, max_shapes_column_width: int = 80,
              header: str | None = None, top_level_events_only: bool = False, **ignored) -> str:
        """torch's table: Name, Self CPU %, Self CPU, CPU total %, CPU total, CPU time avg,
        # of Calls (and Input Shapes when grouped by them), sorted by the attribute sort_by
        (largest first) and cut to row_limit rows (all when row_limit < 0)."""
        return _table(self, sort_by, row_limit, max_name_column_width, max_shapes_column_width,
                      header, top_level_events_only)

    def export_chrome_trace(self, path) -> None:
        """Write the events as a Chrome trace ("X" events, ts and dur in microseconds), for
        chrome://tracing or https://ui.perfetto.dev."""
        pid = os.getpid()
        trace = []
        for e in self:
            entry = {"name": e.name, "ph": "X", "cat": "user_annotation"
                     if e.is_user_annotation else "cpu_op", "ts": e._start_ns / 1e3,
                     "dur": e.cpu_time_total, "pid": pid, "tid": e.thread, "args": {}}
            if e.input_shapes is not None:
                entry["args"]["Input Dims"] = e.input_shapes
            trace.append(entry)
        with open(path, "w") as f:
            json.dump({"traceEvents": trace, "displayTimeUnit": "ms"}, f)


def _format_time(us: float) -> str:
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _table(events, sort_by, row_limit, name_width, shapes_width, header, top_level_only):
    rows = list(events)
    if top_level_only:
        rows = [e for e in rows if getattr(e, "cpu_parent", None) is None]
    if sort_by is not None:
        if rows and not hasattr(rows[0], sort_by):
            raise ValueError(f"table: cannot sort by {sort_by!r}: the rows have no such "
                             f"attribute (try 'cpu_time_total' or 'self_cpu_time_total')")
        rows.sort(key=lambda e: getattr(e, sort_by), reverse=True)
    if row_limit is not None and row_limit >= 0:
        rows = rows[:row_limit]
    total = sum(e.self_cpu_time_total for e in events) or 1.0
    with_shapes = events._with_shapes
    name_width = min(max([len(e.key) for e in rows] + [4]) + 4, name_width)
    heads = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg",
             "# of Calls"]
    widths = [name_width] + [12] * 6
    if with_shapes:
        heads.append("Input Shapes")
        widths.append(min(max([len(str(e.input_shapes)) for e in rows] + [12]) + 4,
                          shapes_width))
    rule = "  ".join("-" * w for w in widths)

    def line(cells):
        return "  ".join(str(c)[:w].rjust(w) for c, w in zip(cells, widths))

    out = [header] if header else []
    out += [rule, line(heads), rule]
    for e in rows:
        name = e.key if len(e.key) <= name_width else e.key[:name_width - 3] + "..."
        cells = [name, f"{100 * e.self_cpu_time_total / total:.2f}%",
                 _format_time(e.self_cpu_time_total), f"{100 * e.cpu_time_total / total:.2f}%",
                 _format_time(e.cpu_time_total), _format_time(e.cpu_time), e.count]
        if with_shapes:
            cells.append(str(e.input_shapes)[:shapes_width])
        out.append(line(cells))
    out += [rule, f"Self CPU time total: {_format_time(events.self_cpu_time_total)}", ""]
    return "\n".join(out)


# ---- recording: the engine's slow paths call these while a profile is active -----------

def _stack() -> list:
    try:
        return _local.stack
    except AttributeError:
        _local.stack = []
        return _local.stack


def _begin(name: str, shapes, user: bool):
    """Open an event in this thread (None when no profile records now)."""
    sessions = _sessions
    if not sessions:
        return None
    stack = _stack()
    event = FunctionEvent(name, threading.get_ident(), 0, shapes, user, sessions)
    if stack:
        event.cpu_parent = stack[-1]
    stack.append(event)
    event._start_ns = time.perf_counter_ns()   # last, so the bookkeeping above is not timed
    return event


def _end(event) -> None:
    end = time.perf_counter_ns()
    event._end_ns = end
    stack = _stack()
    # an event is closed by the finally that opened it, so it is innermost; the guard keeps a
    # region left open by a generator that was never resumed from taking its parent's place
    while stack and stack.pop() is not event:
        pass
    if event.cpu_parent is not None:
        event.cpu_parent.cpu_children.append(event)
    for session in event._sessions:
        if session._recording:
            session._events.append(event)


def _shapes(values) -> list:
    return [list(getattr(getattr(v, "_data", v), "shape", ())) for v in values]


def _apply(cls, tensors: tuple, params: dict):
    """Function.apply while profiling: cls.apply again, timed. function._mode.profiled tells
    that inner call to run the op rather than come back here."""
    mode = function._mode
    outer = mode.profiled
    # an op called with non-Tensor arguments runs as its _Positional stand-in: one event
    if not (outer is not None and getattr(cls, "fn", None) is outer
            and issubclass(cls, function._Positional)):
        event = _begin(cls.__name__, _shapes(tensors) if _record_shapes else None, False)
    else:
        event = None
    mode.profiled = cls
    try:
        return cls.apply(*tensors, **params)
    finally:
        mode.profiled = outer
        if event is not None:
            _end(event)


def _backward(node, g, vjp=None):
    """The engine's call of a node's VJP while profiling, timed as "<op>Backward": its
    `backward`, or the recorded `backward_graph` (vjp) under create_graph, whose ops are then
    this event's children."""
    event = _begin(node.fn.__name__ + "Backward",
                   [list(getattr(g, "shape", ()))] if _record_shapes else None, False)
    try:
        return (vjp or node.fn.backward)(node, g)
    finally:
        if event is not None:
            _end(event)


_record_shapes = False   # whether a recording profile asked for input shapes
function._profiled_apply = _apply
engine._profiled_backward = _backward


def _set_sessions(sessions: tuple) -> None:
    global _sessions, _record_shapes
    _sessions = sessions
    _record_shapes = any(s.record_shapes for s in sessions)
    function._profiling = engine._profiling = bool(sessions)


class profile:
    """Record the engine's ops while active: `with profile() as prof: ...`, then
    prof.key_averages().table(...), prof.events(), prof.export_chrome_trace(path).

    enabled=False records nothing; record_shapes=True keeps each op's input shapes (for
    key_averages(group_by_input_shape=True) and the trace). torch's other options are
    accepted and ignored, this engine having no device, memory, stack, flop or module
    tracking: use_cuda, use_device, with_flops, profile_memory, with_stack, with_modules,
    use_kineto, use_cpu, experimental_config, acc_events, custom_trace_id_callback,
    post_processing_timeout_s, activity_filters.
    """

    def __init__(self, enabled: bool = True, *, use_cuda=False, use_device=None,
                 record_shapes: bool = False, with_flops=False, profile_memory=False,
                 with_stack=False, with_modules=False, use_kineto=False, use_cpu=True,
                 experimental_config=None, acc_events=False, custom_trace_id_callback=None,
                 post_processing_timeout_s=None, activity_filters=None):
        self.enabled = bool(enabled)
        self.record_shapes = bool(record_shapes)
        self.entered = False
        self.function_events = None
        self._events = []
        self._recording = False

    def __enter__(self):
        if not self.enabled:
            return self
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self.entered = True
        self._events = []
        self._recording = True
        with _sessions_lock:
            _set_sessions(_sessions + (self,))
        return self

    def __exit__(self, *exc):
        if not self.enabled:
            return False
        self._recording = False
        with _sessions_lock:
            _set_sessions(tuple(s for s in _sessions if s is not self))
        self.function_events = EventList(sorted(self._events, key=lambda e: e._start_ns))
        return False

    def _finished(self) -> EventList:
        if self.function_events is None:
            raise RuntimeError("Profiler didn't finish running")
        return self.function_events

    def events(self) -> EventList:
        """Every event recorded, in order of start."""
        return self._finished()

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0,
                     group_by_overload_name: bool = False) -> EventList:
        """One row per op name (and input shapes, with group_by_input_shape: record_shapes
        must have been on, else every row's shapes are empty). group_by_stack_n and
        group_by_overload_name are ignored (no stacks, no overloads)."""
        return self._finished().key_averages(group_by_input_shape)

    def table(self, sort_by=None, row_limit: int = 100, **kwargs) -> str:
        return self._finished().table(sort_by=sort_by, row_limit=row_limit, **kwargs)

    def export_chrome_trace(self, path) -> None:
        self._finished().export_chrome_trace(path)

    def total_average(self) -> FunctionEventAvg:
        return self._finished().total_average()

    @property
    def self_cpu_time_total(self) -> float:
        return self._finished().self_cpu_time_total

    def __repr__(self):
        if self.function_events is None:
            return "<unfinished autograd.profiler.profile>"
        return repr(self.function_events)

    def __str__(self):
        return self.table() if self.function_events is not None else repr(self)


class record_function(contextlib.ContextDecorator):
    """A region of the user's own, a row of its own in the profile (its time contains the ops
    run inside it): `with record_function("forward"): ...` or `@record_function("step")`.
    Costs next to nothing when no profile is active. `args` is accepted, as torch's, and
    ignored."""

    def __init__(self, name: str, args: str | None = None):
        self.name = name
        self.args = args
        self._event = None

    def _recreate_cm(self):   # as a decorator: one region per call (calls may nest, or race)
        return record_function(self.name, self.args)

    def __enter__(self):
        self._event = _begin(self.name, [] if _record_shapes else None, True)
        return self

    def __exit__(self, *exc):
        event, self._event = self._event, None
        if event is not None:
            _end(event)
        return False
