"""The views a recorded op made of a tensor (indexing, reshape, permute, expand), so that an
in-place op on that tensor can re-record them.

After `v = y[0]; y.mul_(b)`, v shares y's memory and shows the new values, but its node still
reads the old y: its gradient would skip the multiplication. As PyTorch does, the in-place op
replays every live view of y on the new y (same op, same arguments), and so on down views of
views; v keeps its array and gets the new node. A view's node holds its base tensor weakly, or
strongly when the base is itself a view, so a chain y[1:][0:2] replays through its unnamed
middle link; only outputs that share the input's memory count as views (y[[0, 2]] is a copy).

A view Tensor holds its base, its view op and the op's params in `_base` (Function.apply sets
it), as PyTorch's view._base: an in-place op on the view writes through to that base, also
when the node no longer would (`(x * 2)[0].mul_(3)`). Views of a tensor that needs no grad are
kept too: when an in-place op writes a value that requires grad into their base
(`a.copy_(w * 2)` after `v = a[1:3]`), they are re-recorded the same way and v's gradient
reaches w.
"""
from __future__ import annotations

import weakref

import numpy as np

from . import hooks


class _BaseRef(weakref.ref):
    """A weak reference to a base Tensor that carries the registry entry: its key and the weak
    references to its views (one object per base, no closure per entry: registering the first
    view of a fresh tensor, which every chunk of an LSTM step does, costs ~1.5 us, not ~4)."""

    __slots__ = ("key", "views")


def _drop(ref):
    """The base died: forget its entry (unless a new tensor already took its id's slot)."""
    if _views.get(ref.key) is ref:
        del _views[ref.key]


_views = {}   # id(base Tensor) -> _BaseRef to it, whose .views are weakrefs to view Tensors


def register(base, view):
    entry = _views.get(id(base))
    if entry is None or entry() is not base:
        key = id(base)
        entry = _views[key] = _BaseRef(base, _drop)
        entry.key, entry.views = key, [weakref.ref(view)]
        return
    refs = entry.views
    if len(refs) >= 32 and not len(refs) & (len(refs) - 1):
        refs[:] = [r for r in refs if r() is not None]   # a weight viewed every step
    refs.append(weakref.ref(view))


def has_live_views(base) -> bool:
    """True when a live tensor registered as a view of base (an in-place op would replay it)."""
    entry = _views.get(id(base))
    return entry is not None and entry() is base and any(r() is not None for r in entry.views)


def replay(base, region=None):
    """Re-record the live views of base (after base changed in place and got a new node); with
    region (the part of base's array that changed), only the views that may overlap it."""
    entry = _views.pop(id(base), None)
    if entry is None or entry() is not base:
        return
    for ref in entry.views:
        view = ref()
        if view is None:
            continue
        origin = view._base
        if origin is None or origin[0] is not base:
            continue   # a view no more (reshaped in place in a way no view op gives)
        fn, params = origin[1], origin[2]
        if region is not None and not np.may_share_memory(view._data, region):
            register(base, view)   # untouched slots: its node still gives the right gradient
            continue
        fresh = fn.apply(base, **params)
        hooks.rebind(view, fresh._node)
        if fresh._node is not None:
            view._requires_grad = True
        register(base, view)
        replay(view)
