"""Gradient hooks on tensors: register_hook, retain_grad and the handles that remove them.

A hook on a non-leaf lives on the Node that made the tensor (`node.hooks`); one on a leaf in
`leaf_hooks`, keyed by the leaf's id while it is alive (a leaf holds no node, and Tensor has
no slot to spare on the hot path of every op). The engine runs a leaf's hooks once per
backward pass, on the sum of the gradients that reach it, before `.grad` accumulates it.
"""
from __future__ import annotations

import weakref

import numpy as np


class _LeafHooks:
    __slots__ = ("ref", "hooks", "post")

    def __init__(self, ref, hooks):
        self.ref, self.hooks = ref, hooks
        self.post = []   # register_post_accumulate_grad_hook's: fn(leaf) after .grad is updated


leaf_hooks = {}  # id(leaf) -> _LeafHooks; the engine reads it (never rebind it)


def _forget(key, ref):
    entry = leaf_hooks.get(key)
    if entry is not None and entry.ref is ref:
        del leaf_hooks[key]


def _forget_if_unused(key, ref):
    entry = leaf_hooks.get(key)
    if entry is not None and not entry.hooks and not entry.post:
        _forget(key, ref)


def _leaf_group(tensor) -> _LeafHooks:
    key = id(tensor)
    group = leaf_hooks.get(key)
    if group is None:
        ref = weakref.ref(tensor, lambda r, key=key: _forget(key, r))
        group = leaf_hooks[key] = _LeafHooks(ref, [])
    return group


class RemovableHandle:
    """What register_hook returns: `handle.remove()` unregisters the hook."""

    def __init__(self, hooks: list, entry, on_empty=None):
        self._hooks, self._entry, self._on_empty = hooks, entry, on_empty

    def remove(self):
        hooks = self._hooks
        for i, h in enumerate(hooks):
            if h is self._entry:
                del hooks[i]
                break
        if not hooks and self._on_empty is not None:
            self._on_empty()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


def register_hook(tensor, fn) -> RemovableHandle:
    """fn(grad: Tensor) -> Tensor | None runs on tensor's gradient during backward; a
    returned tensor replaces the gradient (same shape)."""
    if not callable(fn):
        raise TypeError(f"register_hook: the hook must be callable, got {type(fn).__name__}")
    if not tensor._requires_grad:
        raise RuntimeError(f"register_hook: cannot register a hook on a tensor that does not "
                           f"require grad (shape {tuple(tensor.shape)}, dtype {tensor.dtype})")
    entry = _Hook(fn)
    node = tensor._node
    if node is not None:
        if node.hooks is None:
            node.hooks = []
        node.hooks.append(entry)
        return RemovableHandle(node.hooks, entry)
    group = _leaf_group(tensor)
    group.hooks.append(entry)
    key, ref = id(tensor), group.ref
    return RemovableHandle(group.hooks, entry, lambda: _forget_if_unused(key, ref))


def register_post_accumulate_grad_hook(tensor, fn) -> RemovableHandle:
    """fn(tensor) -> None runs once per backward pass that accumulates into this leaf's
    .grad, after it has (the summed gradient of every path there), as torch's."""
    if not callable(fn):
        raise TypeError(f"register_post_accumulate_grad_hook: the hook must be callable, got "
                        f"{type(fn).__name__}")
    if not tensor._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if tensor._node is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                           "tensors")
    entry = _Hook(fn)
    group = _leaf_group(tensor)
    group.post.append(entry)
    key, ref = id(tensor), group.ref
    return RemovableHandle(group.post, entry, lambda: _forget_if_unused(key, ref))


def run_post_accumulate_hooks(leaf) -> None:
    """The leaf's post-accumulate hooks, once its .grad holds this pass's gradient."""
    entry = leaf_hooks.get(id(leaf))
    if entry is not None:
        for h in list(entry.post):
            h.fn(leaf)


def retain_grad(tensor):
    """Keep the gradient of a non-leaf tensor in its .grad after backward (a no-op on a leaf)."""
    if not tensor._requires_grad:
        raise RuntimeError(f"retain_grad: cannot retain the gradient of a tensor that does not "
                           f"require grad (shape {tuple(tensor.shape)}, dtype {tensor.dtype})")
    node = tensor._node
    if node is not None and node.retains is None:
        if node.hooks is None:
            node.hooks = []
        node.retains = weakref.ref(tensor)


def rebind(tensor, node) -> None:
    """tensor._node = node, after an in-place op gave tensor a new node: a retain_grad() moves
    to it, as in torch 2, so that .grad is the gradient of the tensor's current value (hooks
    registered before stay with the old value)."""
    old = tensor._node
    tensor._node = node
    if old is not None and old.retains is not None and node is not None \
            and old.retains() is tensor:
        node.retains, old.retains = old.retains, None
        if node.hooks is None:
            node.hooks = []


def retains_grad(tensor) -> bool:
    node = tensor._node
    return node is not None and node.retains is not None and node.retains() is tensor


class _Hook:
    """A registered hook; a wrapper of its own so that removing one registration of a
    function registered twice removes exactly that one."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn


def run_hooks(hooks, g: np.ndarray, leaf) -> np.ndarray:
    """Pass g through the hooks in order; each sees the previous one's result, read-only."""
    from .function import _wrap
    g = np.asarray(g)
    for h in list(hooks):
        view = g.view()
        view.flags.writeable = False  # g may be shared with other gradients
        out = h.fn(_wrap(view, False))
        if out is None:
            continue
        new = np.asarray(out.data if hasattr(out, "_data") else out)
        if new.shape != g.shape:
            name = getattr(h.fn, "__name__", type(h.fn).__name__)
            raise RuntimeError(f"hook {name!r} returned a gradient of shape {tuple(new.shape)} for "
                               f"a tensor of shape {tuple(g.shape)}")
        g = new.astype(g.dtype, copy=False)
    return g
