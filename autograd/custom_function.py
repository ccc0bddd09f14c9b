"""Users' Function subclasses, as torch.autograd.Function: Tensors in forward and backward.

The engine's own ops (packages autograd, nn, optim) keep function.py's array interface, their
hot path; a subclass defined elsewhere is routed here when created (`adopt`). Its forward
gets the Tensor arguments detached (sharing memory) and runs under no_grad (or torch's other
style: forward(*args), then setup_context(ctx, inputs, output)); backward gets one grad per
output and returns one per argument of forward. Backward runs under no_grad, except for
create_graph=True: then it is recorded on the saved tensors as they stand in the graph.

One call is one Node (its fn a `_Backward` subclass named after the user's class). A node has
one output: with several differentiable outputs it is a packed vector of them all, and each
output Tensor is made from it by an `_Unpack` node whose gradient is the slot it fills
(engine.IndexedGrad); backward cuts the packed gradient back into one per output. A class
that defines `backward_graph` is written for the engine's op interface and keeps it.
"""
from __future__ import annotations

import functools
import inspect

import numpy as np

from . import function, hooks, views
from .engine import IndexedGrad
from .function import Function, Node, constant, no_grad
from .tensor import Tensor, cat

_WHOLE = slice(None)   # the slot of the only differentiable output: the node's whole gradient


class FunctionCtx:
    """What a user's forward leaves for its backward (torch.autograd.function.FunctionCtx):
    the saved tensors, the marks on inputs and outputs, and any attribute set on it."""

    def __init__(self, needs_input_grad: tuple = ()):
        self.needs_input_grad = needs_input_grad   # one entry per argument of forward
        self.materialize_grads = True
        self.to_save = ()
        self.dirty_tensors = ()
        self.non_differentiable = ()
        self._saved = None   # the saved tensors, while backward runs

    def save_for_backward(self, *tensors):
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, (Tensor, np.ndarray)):
                raise TypeError(f"save_for_backward can only save tensors (or None), but "
                                f"argument {i} is of type {type(t).__name__}")
        self.to_save = tensors

    def mark_dirty(self, *tensors):
        """The inputs forward modified in place: each must be returned, and becomes the
        output (the same Tensor object, now made by this op)."""
        self.dirty_tensors = tensors

    def mark_non_differentiable(self, *outputs):
        """Outputs that get no gradient (requires_grad False); backward still receives one
        grad for each of them (zeros)."""
        self.non_differentiable = outputs

    def set_materialize_grads(self, value: bool):
        """False: backward receives None, not zeros, for the outputs no gradient reached."""
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self) -> tuple:
        return self.to_save if self._saved is None else self._saved

    saved = saved_tensors   # the engine's name, kept for Functions written before this one


class _ArrayCompatTensor(Tensor):
    """The Tensors a user's forward and backward receive: Tensors that also answer the names
    only numpy's arrays have (`x.copy()`, `g.astype(...)`), so that Functions written for the
    engine's former array interface keep working."""

    __slots__ = ()

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return getattr(self._data, name)
        except AttributeError:
            raise AttributeError(f"'Tensor' object has no attribute {name!r}") from None


def _given(array):
    """An array as the Tensor a user's forward or backward receives."""
    return None if array is None else _ArrayCompatTensor._wrap(array, False)


class _Backward(Function):
    """The node of one call of a user's Function `fn` (one subclass per user class, named
    after it): cuts the node's gradient into one per output, runs fn.backward on Tensors and
    checks that it returns one gradient per input, each of a shape that fits."""

    fn = None
    node_suffix = "Backward"   # torch's grad_fn name of a user's Function F: FBackward
    unpack = None   # the _Unpack subclass named after fn

    @classmethod
    def backward(cls, node, g):
        with no_grad():   # as torch without create_graph: nothing the user does records
            return _run_backward(cls.fn, node, g, graph=False)

    @classmethod
    def backward_graph(cls, node, g):
        return _run_backward(cls.fn, node, g, graph=True)   # grad mode is on: recorded


def _run_backward(fn, node, g, graph: bool):
    """fn.backward on Tensors: one grad per output, the saved tensors (as they stand in the
    graph when graph); what it returns, checked."""
    ctx = node.ctx
    grads = _output_grads(node, g, graph)
    ctx._saved = _graph_saved(node) if graph else tuple([_given(a) for a in node.saved])
    try:
        result = fn.backward(ctx, *grads)
    finally:
        ctx._saved = None
    return _input_grads(fn, node, result, graph)


class _Unpack(Function):
    """Output k of a user's Function with several: the slot of its node's packed output;
    d packed = g at that slot, zero elsewhere. Recorded by hand (`_slot_tensor`): the output
    keeps the array forward returned, so the packed values are never made."""

    node_suffix = "Backward"   # named as the user's Function's node (one grad_fn in torch)

    @staticmethod
    def backward(ctx, g):
        ctx.parents[0].__dict__.setdefault("arrived", set()).add(ctx.k)   # see _output_grads
        return (IndexedGrad(ctx.slot, g.ravel(), ctx.packed_shape, True),)

    @staticmethod
    def backward_graph(ctx, g):
        ctx.parents[0].__dict__.setdefault("arrived", set()).add(ctx.k)
        start, stop, (total,) = ctx.slot.start, ctx.slot.stop, ctx.packed_shape
        return (cat([constant(np.zeros(start, g.dtype)), g.reshape(-1),
                     constant(np.zeros(total - stop, g.dtype))]),)


class _OnceDifferentiable(Function):
    """y = x, a gradient computed by a backward marked @once_differentiable under
    create_graph=True: differentiating it again raises, as in torch."""

    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("trying to differentiate twice a function that was marked with "
                           "@once_differentiable")

    backward_graph = backward


def once_differentiable(backward):
    """Decorator of a backward written for one differentiation (arbitrary code, no recorded
    ops): it runs without recording; under create_graph=True its gradients raise when
    differentiated again, instead of being silently cut from the graph."""
    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with no_grad():
            result = backward(ctx, *grads)
        if not function.is_grad_enabled() or not any(
                isinstance(g, Tensor) and g._requires_grad for g in grads):
            return result
        if result.__class__ is not tuple:
            return _marked_once(result)
        return tuple([_marked_once(r) for r in result])
    return wrapper


def _marked_once(g):
    array = g._data if isinstance(g, Tensor) else None if g is None else np.asarray(g)
    if array is None or array.dtype.kind != "f":
        return g
    return _OnceDifferentiable.apply(Tensor._wrap(array, True))


def adopt(cls):
    """Route a user's Function subclass through this module's apply."""
    if getattr(cls, "backward_graph", None) is not None:   # the engine's op interface
        cls.apply = classmethod(Function.apply.__func__)
        return
    # named as the user's class, for error messages, grad_fn and model_check's reports
    node_fn = type(cls.__name__, (_Backward,), {"fn": cls})
    node_fn.unpack = type(cls.__name__, (_Unpack,), {})
    for made in (node_fn, node_fn.unpack):
        made.__module__, made.__qualname__ = cls.__module__, cls.__qualname__

    def apply(fn, *args, **kwargs):
        return _apply(fn, node_fn, args, kwargs)
    cls.apply = classmethod(apply)


def _apply(fn, node_fn, args: tuple, kwargs: dict):
    """fn.apply(*args): forward on detached Tensors under no_grad, then, when grad mode is
    on and an input requires grad, one Node for the differentiable outputs."""
    setup = getattr(fn, "setup_context", None)
    if setup is not None:   # as torch: keyword and default arguments become positional
        bound = inspect.signature(fn.forward).bind(*args, **kwargs)
        bound.apply_defaults()
        args, kwargs = bound.args, {}
    ctx = FunctionCtx(tuple([isinstance(a, Tensor) and a._requires_grad for a in args]))
    record = function.is_grad_enabled() and True in ctx.needs_input_grad
    inputs = tuple([_given(a._data) if isinstance(a, Tensor) else a for a in args])
    with no_grad():
        if setup is None:
            returned = fn.forward(ctx, *inputs, **kwargs)
        else:
            returned = fn.forward(*inputs)
            setup(ctx, inputs, returned)
    outs = returned if returned.__class__ is tuple else (returned,)
    arrays = [_output_array(o) for o in outs]
    dirty = _dirty_outputs(fn, ctx, args, inputs, outs, record)
    frozen = [id(t) for t in ctx.non_differentiable]
    live = [k for k, a in enumerate(arrays) if record and a is not None
            and a.dtype.kind == "f" and id(outs[k]) not in frozen]
    node = _record(node_fn, ctx, args, inputs, outs, arrays, live, dirty) if live else None
    results = [_result(node, k, args, outs, arrays, dirty) for k in range(len(outs))]
    return tuple(results) if returned.__class__ is tuple else results[0]


def _output_array(o):
    """An output of forward as an ndarray (a numpy scalar too: what a full reduction of an
    array gives); None for an object torch passes through as it is (a Python number, None)."""
    if isinstance(o, Tensor):
        return o._data
    if isinstance(o, (np.ndarray, np.generic)):
        return np.asarray(o)
    return None


def _dirty_outputs(fn, ctx, args, inputs, outs, record) -> dict:
    """{output index: argument index} for the inputs forward modified in place
    (ctx.mark_dirty): each must be returned; as in torch, not a leaf that requires grad."""
    found = {}
    for t in ctx.dirty_tensors:
        j = next((j for j, a in enumerate(inputs) if a is t and isinstance(t, Tensor)), None)
        if j is None:
            raise RuntimeError(f"{fn.__name__}: mark_dirty takes tensors forward received "
                               f"as arguments")
        k = next((k for k, o in enumerate(outs) if o is t), None)
        if k is None:
            raise RuntimeError(f"{fn.__name__}: argument {j} was marked dirty but not "
                               f"returned: forward must return the tensors it modified")
        if record and args[j]._requires_grad and args[j]._node is None:
            raise RuntimeError(f"{fn.__name__}: a leaf Variable that requires grad has been "
                               f"used in an in-place operation (argument {j}, marked dirty)")
        if record and args[j]._views_a_tensor():
            raise RuntimeError(f"{fn.__name__}: argument {j}, marked dirty, is a view of "
                               f"another tensor; clone it before the in-place Function")
        found[k] = j
    return found


def _record(node_fn, ctx, args, inputs, outs, arrays, live, dirty):
    """The Node of this call: its parents (one per argument of forward, None for those that
    need no grad), its output (the only differentiable one, or the packed vector of all) and
    the arrays saved for backward (locked, as the engine's ops' are)."""
    node = Node(node_fn, ctx.needs_input_grad)
    node.parents = tuple([(a if a._node is None else a._node) if need else None
                          for a, need in zip(args, ctx.needs_input_grad)])
    node.ctx = ctx
    slots = {}
    if len(live) == 1:
        node.out_shape, node.out_dtype = arrays[live[0]].shape, arrays[live[0]].dtype
        slots[live[0]] = _WHOLE
    else:
        start = 0
        for k in live:
            slots[k] = slice(start, start + arrays[k].size)
            start += arrays[k].size
        node.out_shape = (start,)
        node.out_dtype = np.result_type(*[arrays[k].dtype for k in live])
    ctx._outputs = tuple([None if a is None else (a.shape, a.dtype, slots.get(k))
                          for k, a in enumerate(arrays)])
    node.saved, ctx._saved_from = _saved_arrays(ctx, inputs, outs, dirty)
    ctx.to_save = ()
    if node.saved:
        function._watch_saved(node)
    if function.anomaly_enabled:
        from .anomaly import check_forward
        for k in live:
            check_forward(node, arrays[k])
    return node


def _saved_arrays(ctx, inputs, outs, dirty):
    """The arrays of ctx.to_save, and where each came from: ("input", i), ("output", k) or
    (None, None) for a value computed in forward (a constant of the recorded backward)."""
    returned = {j: k for k, j in dirty.items()}
    arrays, origins = [], []
    for t in ctx.to_save:
        j = next((j for j, a in enumerate(inputs) if a is t), None)
        k = next((k for k, o in enumerate(outs) if o is t), None)
        if t is None or j is None and k is None:
            origins.append((None, None))
        else:   # a dirty input is the output now
            origins.append(("input", j) if j is not None and j not in returned
                           else ("output", returned.get(j, k)))
        arrays.append(t._data if isinstance(t, Tensor) else t)
    return tuple(arrays), tuple(origins)


def _result(node, k, args, outs, arrays, dirty):
    """Output k as the caller gets it: a Tensor made by the node (or by its _Unpack), one
    that requires no grad, the modified input itself (mark_dirty), or the object as is."""
    if arrays[k] is None:
        return outs[k]
    slot = None if node is None else node.ctx._outputs[k][2]
    if k not in dirty:
        return Tensor._wrap(arrays[k], False) if slot is None else _slot_tensor(
            node, k, arrays[k])
    t = args[dirty[k]]
    t._version += 1
    if slot is not None:   # as an in-place op: the tensor is now this op's output
        hooks.rebind(t, _slot_tensor(node, k, arrays[k])._node)
        t._requires_grad = True
        views.replay(t)
    return t


def _slot_tensor(node, k, array):
    """Output k of the node as a Tensor of the graph: made by the node itself when it is the
    only differentiable output, else by an _Unpack node of its slot."""
    t = Tensor._wrap(array, True)
    slot = node.ctx._outputs[k][2]
    if slot is _WHOLE:
        t._node = node
        return t
    unpack = Node(node.fn.unpack, (True,))
    unpack.parents, unpack.out_shape, unpack.out_dtype = (node,), array.shape, array.dtype
    unpack.k, unpack.slot, unpack.packed_shape = k, slot, node.out_shape
    t._node = unpack
    return t


def _output_grads(node, g, graph: bool) -> list:
    """The node's gradient g (its only differentiable output's, or the packed vector) cut
    into one grad per output of forward: zeros where none arrived (None when the user turned
    materialize_grads off, and for outputs that are not tensors)."""
    ctx = node.ctx
    arrived = node.__dict__.pop("arrived", ())
    grads = []
    for k, meta in enumerate(ctx._outputs):
        shape, dtype, slot = meta or (None, None, None)
        if slot is _WHOLE:
            part = g
        elif slot is not None and k in arrived:
            part = g[slot].reshape(shape)
            if part.dtype != dtype:
                part = part.to(dtype) if graph else part.astype(dtype)
        elif meta is not None and ctx.materialize_grads:
            part = constant(np.zeros(shape, dtype)) if graph else np.zeros(shape, dtype)
        else:
            part = None
        grads.append(part)
    return grads if graph else [_given(x) for x in grads]


def _graph_saved(node) -> tuple:
    """The saved tensors as they stand in the graph, so that a gradient of the gradient flows
    on through them: an input as the tensor it was, an output as made by this node, a value
    computed in forward as a constant."""
    saved = []
    for array, (kind, i) in zip(node.saved, node.ctx._saved_from):
        if array is None:
            saved.append(None)
        elif kind == "input":
            saved.append(node.input_tensor(i, array))
        elif kind == "output" and node.ctx._outputs[i][2] is not None:
            saved.append(_slot_tensor(node, i, array))
        else:
            saved.append(constant(array))
    return tuple(saved)


def _input_grads(fn, node, result, graph: bool) -> tuple:
    """backward's result as one gradient per argument of forward (arrays, or Tensors when
    graph). Missing trailing entries are None unless such an input requires grad; extra
    ones must be None; each gradient must have its input's shape, or one that sums to it."""
    grads = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    parents, n = node.parents, len(grads)
    m = len(parents)
    if n < m and any(p is not None for p in parents[n:]):
        j = next(i for i in range(n, m) if parents[i] is not None)
        raise RuntimeError(
            f"{fn.__name__}.backward returned {n} gradient{'s' if n != 1 else ''} for {m} "
            f"inputs; input {j} requires grad (return one entry per argument of forward, "
            f"None for those that need no gradient)")
    if n > m and any(g is not None for g in grads[m:]):
        raise RuntimeError(f"{fn.__name__}.backward returned {n} gradients for {m} inputs "
                           f"(one per argument of forward; extra entries must be None)")
    out = []
    for i, parent in enumerate(parents):
        g = grads[i] if i < n else None
        out.append(None if parent is None or g is None else _checked(fn, i, parent, g, graph))
    return tuple(out)


def _checked(fn, i, parent, g, graph: bool):
    """Gradient g of input i as the engine takes it, or a clear error naming the Function,
    the shapes and the dtypes when it cannot be that input's gradient."""
    array = g._data if isinstance(g, Tensor) else np.asarray(g)
    shape, dtype = ((parent.out_shape, parent.out_dtype) if parent.__class__ is Node
                    else (parent._data.shape, parent._data.dtype))
    try:   # a shape the input broadcasts to is summed back by the engine, as torch does
        fits = np.broadcast_shapes(array.shape, shape) == array.shape
    except ValueError:
        fits = False
    if not fits or array.dtype.kind not in "fiu":
        raise RuntimeError(
            f"{fn.__name__}.backward returned a gradient of shape {tuple(array.shape)} for input "
            f"{i} of shape {tuple(shape)}; gradient dtype {array.dtype}, input dtype {dtype} (a "
            f"gradient has its input's shape, or one that broadcasting it gives)")
    if not graph:
        return array
    return g if isinstance(g, Tensor) else constant(array)
