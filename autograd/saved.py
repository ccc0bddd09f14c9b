"""Arrays saved for backward are read-only while a live graph holds them.

A write straight into such an array (t.data[0] = 5, np.asarray(t)[0] = 5) fails at once instead
of silently corrupting a gradient. The lock covers the whole chain of bases the array is a view
of, since writing into any of them changes it. Writes made through the API (Tensor.add_,
t[i] = v, optimizer steps, load_state_dict) go through `writable`, which bumps the guards'
versions so that backward through the op raises, naming it, as PyTorch does.
Not covered: a view of the memory taken *before* the forward pass stays writeable.
"""
from __future__ import annotations

import numpy as np


class _Guard:
    """Lock count and write version of one array held by live graphs."""

    __slots__ = ("array", "count", "_version", "locked", "cache")

    def __init__(self, array, base_locked):
        self.array, self.count, self._version, self.cache = array, 0, 0, None
        # a view made while its base was locked is read-only by inheritance: restore it too
        self.locked = base_locked or array.flags.writeable
        if self.locked:
            array.setflags(write=False)

    @property
    def shape(self):
        return self.array.shape


_guards = {}    # id(array) -> _Guard, for every array some live graph saved
writes = 0      # writes through the API into guarded arrays so far; a guard's _version is the
                # value this had at the guard's last write, a recorded op's stamp its value at
                # the forward: a guard newer than the stamp was written after the forward
_pending = {}   # id(view) -> view: released, but read-only until its base is writeable again
_waiting = {}   # id(held array) -> the pending views that wait for it to be released


def _chain(a) -> list:
    """a, a.base, a.base.base, ... as long as they are ndarrays."""
    out = []
    while isinstance(a, np.ndarray):
        out.append(a)
        a = a.base
    return out


def _lock(saved) -> list:
    guards = []
    for s in saved:
        if s.__class__ is not np.ndarray and not isinstance(s, np.ndarray):
            continue
        if s.base is None:  # the common case: an array that owns its memory
            key = id(s)
            g = _guards.get(key)
            if g is None:
                g = _guards[key] = _Guard(s, False)
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
    for g in guards:
        g.count -= 1
        if g.count:
            continue
        a = g.array
        del _guards[id(a)]
        if g.locked:
            if a.base is not None:
                _pending[id(a)] = a
                _settle(a)
                continue
            a.setflags(write=True)
        if _waiting and id(a) not in _pending:
            _wake(a)


def _settle(view):
    """Make a released view writeable once no array it is a view of is held (a view cannot be
    writeable while its base is not); until then it waits on the first held one. Waiting
    lists, not a rescan of every pending view at each release: an unrolled graph saves
    thousands of views."""
    for b in _chain(view.base):
        if id(b) in _guards or id(b) in _pending:
            _waiting.setdefault(id(b), []).append(view)
            return
    del _pending[id(view)]
    if id(view) in _guards:   # locked again by a live graph: its own release settles it
        return
    try:
        view.setflags(write=True)
    except ValueError:  # read-only for a reason of its own: leave it
        pass
    _wake(view)


def inherit(view):
    """An op's output that is a view of a held array is read-only by inheritance: have it made
    writeable again with the array it views, as if it had been saved and released."""
    for b in _chain(view.base):
        if id(b) in _guards or id(b) in _pending:
            _pending[id(view)] = view
            _waiting.setdefault(id(b), []).append(view)
            return


def _wake(a):
    """a is held no more: settle the views that waited on it."""
    for view in _waiting.pop(id(a), ()):
        if _pending.get(id(view)) is view:
            _settle(view)


def held_by_several(a) -> bool:
    """Whether several live recorded ops hold a (a weight used at every step of an RNN)."""
    g = _guards.get(id(a))
    return g is not None and g.count > 1 and g.array is a


def transposed(a):
    """a with its last two axes swapped, as a C-contiguous array when that pays: OpenBLAS is
    ~1.5x slower on a transposed operand, and MatMul's backward multiplies by the same
    weight's transpose at every time step of an unrolled RNN. The copy is cached on the
    array's guard, so it lives exactly while live graphs hold the array read-only, and a write
    through the API (which bumps the guard's version) invalidates it. Only arrays that own
    their memory are cached: any write into them goes through their own guard."""
    t = np.swapaxes(a, -1, -2)
    if t.flags.c_contiguous or a.base is not None:
        # a view's memory can also be written through its base, whose guard is not this one
        return t
    if not held_by_several(a):
        return t  # not reused by several ops: no copy
    g = _guards[id(a)]
    cache = g.cache
    if cache is None or cache[0] != g._version:
        cache = g.cache = (g._version, np.ascontiguousarray(t))
    return cache[1]


def replaced(array):
    """`t.data = new` on a tensor that held `array`: backward through an op that saved it
    must raise, as for an in-place write (the gradient would be of the old values)."""
    g = _guards.get(id(array))
    if g is not None:
        _bump(g)


def _bump(guard):
    global writes
    writes += 1
    guard._version = writes


before_write = []   # run before each write through the API: a backward pass that holds
                    # products of saved arrays back makes them first (stacked.Held.flush)


def writable(*arrays):
    """Context manager around an in-place write made through the API into `arrays`: bumps the
    version of every guard on them, so backward through an op that saved them raises, and
    lifts the read-only lock for the duration of the write."""
    if before_write:
        for make_held in tuple(before_write):
            make_held()
    if not (_guards or _pending):   # no live graph holds anything (an optimizer step)
        for a in arrays:
            if not a.flags.writeable:
                return _Unlock(arrays)
        return _NO_LOCKS
    return _Unlock(arrays)


class _NoLocks:
    """writable() when there is nothing to unlock or to bump."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_NO_LOCKS = _NoLocks()


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
                    _bump(g)
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
