"""Function base class, Context and the global grad mode.

An op is a subclass of `Function` with two static methods:

    forward(ctx, *arrays, **params) -> ndarray      (arrays are the inputs' data)
    backward(ctx, grad) -> tuple of ndarray | None  (one entry per tensor input)

`Function.apply(*tensors, **params)` runs forward and, when grad mode is on and an input
requires grad, records a `Node` in the graph. Keyword params are never differentiated.
Arrays saved for backward are read-only until the graph frees them (see `_lock`).
"""
from __future__ import annotations

import functools

import numpy as np

_grad_enabled = True
anomaly_enabled = False   # set by autograd.detect_anomaly()
_wrap = None              # Tensor._wrap, bound by tensor.py (it imports this module)


def is_grad_enabled() -> bool:
    return _grad_enabled


class _GradMode:
    """Context manager and decorator (`@no_grad()` or bare `@no_grad`) that sets grad mode."""

    mode = True

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        return self if fn is None else self(fn)

    def __enter__(self):
        global _grad_enabled
        self._prev, _grad_enabled = _grad_enabled, self.mode

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Disable graph recording: `with no_grad(): ...` or `@no_grad()`."""

    mode = False


class enable_grad(_GradMode):
    """Re-enable graph recording inside a `no_grad` block."""

    mode = True


class Context:
    """Per-call storage that forward leaves for backward.

    While a recorded op holds its saved arrays they are read-only (see `_lock`); setting
    `saved` to None (the engine does, once backward has used them) or dropping the Context
    makes them writeable again.
    """

    __slots__ = ("_saved", "_guards", "_watched", "needs_input_grad", "__dict__")

    def __init__(self, needs_input_grad):
        self._saved = ()
        self._guards = self._watched = None
        self.needs_input_grad = needs_input_grad

    def save_for_backward(self, *arrays):
        self._saved = arrays

    @property
    def saved(self):
        return self._saved

    @saved.setter
    def saved(self, arrays):
        self._saved = arrays
        if not arrays:
            if self._guards:
                _release(self._guards)
                self._guards = None
            if self._watched:
                # the Node's version list: its guards (and their arrays) must not outlive the
                # saved arrays (a kept loss would otherwise keep every step's activations alive)
                self._watched.clear()

    def __del__(self):
        if self._guards:
            try:
                _release(self._guards)
            except Exception:  # pragma: no cover - interpreter shutdown
                pass


class Node:
    """A recorded op: its Function, its Context and where its input gradients go.

    `parents[i]` is None (input needs no grad), a leaf Tensor (gradient accumulates into
    `.grad`) or the Node that produced input i. Holding Nodes rather than Tensors lets the
    intermediate outputs be freed while the graph lives.
    """

    __slots__ = ("fn", "ctx", "parents", "shapes", "dtypes", "versions", "freed", "where")

    def __init__(self, fn, ctx, parents, shapes, dtypes):
        self.fn, self.ctx, self.parents = fn, ctx, parents
        self.shapes, self.dtypes = shapes, dtypes
        self.versions = None
        self.freed = False
        self.where = None

    def name(self) -> str:
        return self.fn.__name__

    def __repr__(self):
        return f"<{self.name()}Backward>"


class Function:
    """Base class of every differentiable op; see the module docstring."""

    @staticmethod
    def forward(ctx, *args, **params):  # pragma: no cover - documented interface
        raise NotImplementedError(
            "a Function subclass must define forward(ctx, *arrays, **params)")

    @staticmethod
    def backward(ctx, grad):  # pragma: no cover - documented interface
        raise NotImplementedError(
            "a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *tensors, **params):
        needs = tuple([t._requires_grad for t in tensors])
        record = _grad_enabled and True in needs
        ctx = Context(needs if record else None)
        out = cls.forward(ctx, *[t._data for t in tensors], **params)
        if out.__class__ is not np.ndarray:  # a numpy scalar from a full reduction
            out = np.asarray(out)
        if not record or out.dtype.kind != "f":  # integer outputs (a cast) carry no gradient
            return _wrap(out, False)
        parents = tuple([(t if t._node is None else t._node) if t._requires_grad else None
                         for t in tensors])
        node = Node(cls, ctx, parents, tuple([t._data.shape for t in tensors]),
                    tuple([t._data.dtype for t in tensors]))
        if ctx._saved:
            _watch_saved(node, ctx)
        if anomaly_enabled:
            from .anomaly import check_forward
            check_forward(node, out)
        result = _wrap(out, True)
        result._node = node
        return result


def _watch_saved(node, ctx):
    """Lock the arrays forward saved; backward checks that their guards' versions (bumped by
    every write made through the API, and by `t.data = ...` on a tensor holding one) are
    unchanged."""
    guards = _lock(ctx._saved)
    if guards:
        ctx._guards = guards
        node.versions = ctx._watched = [(g, g._version) for g in guards]


# ------------------------------------------------------------------ saved-array guards
# An array saved for backward is made read-only until the op that saved it is freed, so a
# write straight into the numpy array (t.data[0] = 5, np.asarray(t)[0] = 5) fails at once
# instead of silently corrupting the gradient. The lock covers the whole chain of bases the
# array is a view of, since writing into any of them changes it. Writes made through the API
# (Tensor.add_, t[i] = v, optimizer steps, load_state_dict) go through `writable`, which bumps
# the guards' versions so that backward through the op raises, naming it, as PyTorch does.
# Not covered: a view of the memory taken *before* the forward pass stays writeable.

class _Guard:
    """Lock count and write version of one array held by live graphs."""

    __slots__ = ("array", "count", "_version", "locked")

    def __init__(self, array, base_locked):
        self.array, self.count, self._version = array, 0, 0
        # a view made while its base was locked is read-only by inheritance: restore it too
        self.locked = base_locked or array.flags.writeable
        if self.locked:
            array.setflags(write=False)

    @property
    def shape(self):
        return self.array.shape


_guards = {}    # id(array) -> _Guard, for every array some live graph saved
_pending = {}   # id(view) -> view: released, but read-only until its base is writeable again


def _chain(a) -> list:
    """a, a.base, a.base.base, ... as long as they are ndarrays."""
    out = []
    while isinstance(a, np.ndarray):
        out.append(a)
        a = a.base
    return out


def _lock(saved) -> list:
    guards = []
    get = _guards.get
    for s in saved:
        if s.__class__ is not np.ndarray and not isinstance(s, np.ndarray):
            continue
        if s.base is None:  # the common case: an array that owns its memory
            g = get(id(s))
            if g is None:
                g = _guards[id(s)] = _Guard(s, False)
            g.count += 1
            guards.append(g)
            continue
        base_locked = False
        for a in reversed(_chain(s)):  # bases first
            g = _guards.get(id(a))
            if g is None:
                g = _guards[id(a)] = _Guard(a, base_locked)
            g.count += 1
            guards.append(g)
            base_locked = base_locked or g.locked
    return guards


def _release(guards):
    unlocked = False
    for g in guards:
        g.count -= 1
        if g.count == 0:
            a = g.array
            del _guards[id(a)]
            if not g.locked:
                continue
            unlocked = True
            if a.base is None:
                a.setflags(write=True)
            else:
                _pending[id(a)] = a
    if unlocked and _pending:
        _restore_pending()


def _restore_pending():
    """Make released arrays writeable again, bases before views (a view cannot be writeable
    while its base is not); a view whose base is still locked waits for it."""
    progress = True
    while progress and _pending:
        progress = False
        for key in list(_pending):
            a = _pending[key]
            if not any(id(b) in _guards or id(b) in _pending for b in _chain(a.base)):
                try:
                    a.setflags(write=True)
                except ValueError:  # read-only for a reason of its own: leave it
                    pass
                del _pending[key]
                progress = True


def replaced(array):
    """`t.data = new` on a tensor that held `array`: backward through an op that saved it
    must raise, as for an in-place write (the gradient would be of the old values)."""
    g = _guards.get(id(array))
    if g is not None:
        g._version += 1


def writable(*arrays):
    """Context manager around an in-place write made through the API into `arrays`: bumps the
    version of every guard on them, so backward through an op that saved them raises, and
    lifts the read-only lock for the duration of the write."""
    return _Unlock(arrays)


class _Unlock:
    __slots__ = ("arrays", "relock")

    def __init__(self, arrays):
        self.arrays, self.relock = arrays, []

    def __enter__(self):
        busy = bool(_guards or _pending)
        for arr in self.arrays:
            if not busy and arr.flags.writeable:
                continue
            chain = _chain(arr)
            held = [id(a) in _guards or id(a) in _pending for a in chain]
            for a in chain:
                g = _guards.get(id(a))
                if g is not None:
                    g._version += 1
            for i in reversed(range(len(chain))):  # bases first
                a = chain[i]
                if a.flags.writeable:
                    continue
                try:
                    a.setflags(write=True)
                except ValueError:  # e.g. a broadcast view: numpy's own error follows
                    continue
                if True in held[i:]:  # still held by a live graph: lock it again afterwards
                    self.relock.append(a)
        return self

    def __exit__(self, *exc):
        for a in self.relock:
            a.setflags(write=False)
        self.relock = []
        return False
