"""Function base class, Context and the grad mode (per thread).

An op is a subclass of `Function` with two static methods:

    forward(ctx, *arrays, **params) -> ndarray      (arrays are the inputs' data)
    backward(ctx, grad) -> tuple of ndarray | None  (one entry per tensor input)

`Function.apply(*tensors, **params)` runs forward and, when grad mode is on and an input
requires grad, records a `Node` in the graph. Keyword params are never differentiated; nor are
positional arguments that are not Tensors (`Scale.apply(x, 3.0)`): forward receives them as
they are, and backward then returns one entry per positional argument, as in PyTorch.
Arrays saved for backward are read-only until the graph frees them (see `_lock`).
This is the interface of the engine's own ops; a subclass defined outside its packages is a
user's Function, with torch's Tensor interface (see custom_function.py).
"""
from __future__ import annotations

import functools
import threading
import inspect

import numpy as np

from . import saved, views
from .saved import _lock, _release

class _ThreadMode(threading.local):
    """Grad mode and inference mode of one thread (as torch's, per thread: a thread inside
    no_grad leaves the others recording). A new thread starts with grad mode on."""
    grad = True
    inference = False   # inside inference_mode(): grad mode is off as well
    profiled = None     # the op whose apply profiler.py is timing (see Function.apply)


_mode = _ThreadMode()
# True while no thread has grad mode off: the common case, where recording reads this one
# global (`_grad_enabled or _mode.grad`); else each thread's own mode decides
_grad_enabled = True
_threads_off = 0          # how many threads have grad mode off (a thread that ends with it
                          # off, after set_grad_enabled(False), stays counted: only slower)
_mode_lock = threading.Lock()
anomaly_enabled = False   # set by autograd.detect_anomaly()
_wrap = None              # Tensor._wrap, bound by tensor.py (it imports this module)
_profiling = False        # a profile is recording: apply then takes _profiled_apply, the
_profiled_apply = None    # timed slow path (both set by profiler.py)
_Tensor = None            # the Tensor class, bound by tensor.py


def is_grad_enabled() -> bool:
    """This thread's grad mode."""
    return _grad_enabled or _mode.grad


def _set_mode(grad: bool, inference: bool | None = None):
    """Set this thread's grad mode (and inference mode, unless None)."""
    global _grad_enabled, _threads_off
    grad = bool(grad)
    with _mode_lock:
        if grad != _mode.grad:
            _threads_off += -1 if grad else 1
            _grad_enabled = _threads_off == 0
            _mode.grad = grad
    if inference is not None:
        _mode.inference = inference


def _decorated(make_mode, fn):
    """fn run inside the context manager make_mode() (a new one per call). A generator
    function runs inside it at each resumption and outside it while suspended, as torch's
    decorators do: the caller's own code between two items keeps the caller's mode."""
    if not inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with make_mode():
                return fn(*args, **kwargs)
        return wrapper

    @functools.wraps(fn)
    def generator(*args, **kwargs):
        gen = fn(*args, **kwargs)
        try:
            with make_mode():
                item = gen.send(None)
            while True:
                try:
                    sent = yield item
                except GeneratorExit:
                    with make_mode():
                        gen.close()
                    raise
                except BaseException as e:   # thrown in by the caller: on into fn's body
                    with make_mode():
                        item = gen.throw(e)
                else:
                    with make_mode():
                        item = gen.send(sent)
        except StopIteration as stop:
            return stop.value
    return generator


class _GradMode:
    """Context manager and decorator (`@no_grad()` or bare `@no_grad`) that sets grad mode."""

    mode = True

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        return self if fn is None else self(fn)

    def __enter__(self):
        self._prev = _mode.grad
        _set_mode(self.mode)

    def __exit__(self, *exc):
        _set_mode(self._prev)
        return False

    def __call__(self, fn):
        return _decorated(self.__class__, fn)


class no_grad(_GradMode):
    """Disable graph recording: `with no_grad(): ...` or `@no_grad()`."""

    mode = False


class enable_grad(_GradMode):
    """Re-enable graph recording inside a `no_grad` block."""

    mode = True


class set_grad_enabled:
    """Set grad mode to `mode` now (as a function), or for a `with` block (restored on exit)."""

    def __init__(self, mode: bool):
        self._prev, self.mode = _mode.grad, bool(mode)
        _set_mode(self.mode)

    def __enter__(self):
        _set_mode(self.mode)

    def __exit__(self, *exc):
        _set_mode(self._prev)
        return False

    def __call__(self, fn):
        """As a decorator: grad mode is `mode` inside each call of fn (and back as it was now)."""
        _set_mode(self._prev)
        mode = self.mode
        return _decorated(lambda: set_grad_enabled(mode), fn)


class inference_mode:
    """`with inference_mode():` or `@inference_mode` (with or without parentheses): no graph
    is recorded, as under no_grad. inference_mode(False) records, as torch's (grad mode on)."""

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode):  # bare @inference_mode
            self.mode = True
            return self(mode)
        self.mode = bool(mode)
        return self

    def __enter__(self):
        self._prev = _mode.grad, _mode.inference
        # inference_mode(False) turns grad mode on, also inside no_grad, as torch's does
        _set_mode(not self.mode, self.mode)

    def __exit__(self, *exc):
        _set_mode(*self._prev)
        return False

    def __call__(self, fn):
        mode = self.mode
        return _decorated(lambda: inference_mode(mode), fn)


def is_inference_mode_enabled() -> bool:
    return _mode.inference


class Context:
    """Per-call storage that forward leaves for backward.

    While a recorded op holds its saved arrays they are read-only (see `_lock`); `free()`
    (the engine calls it once backward has used them) or dropping the Context makes them
    writeable again. `saved` is a plain attribute: VJPs read it on the hot path.
    """

    __slots__ = ("saved", "_guards", "needs_input_grad", "__dict__")

    def __init__(self, needs_input_grad):
        self.saved = ()
        self._guards = None
        self.needs_input_grad = needs_input_grad

    def save_for_backward(self, *arrays):
        self.saved = arrays

    @property
    def saved_tensors(self):
        """PyTorch's name for `saved`: the arrays given to save_for_backward, as a tuple."""
        return self.saved

    def free(self):
        """Drop the saved arrays and make them writeable again (unless another graph holds
        them)."""
        self.saved = ()
        if self._guards:
            _release(self._guards)
            self._guards = None

    def __del__(self):
        if self._guards:
            try:
                _release(self._guards)
            except Exception:  # pragma: no cover - interpreter shutdown
                pass


class Node(Context):
    """A recorded op: the Context its forward filled, its Function and where its input
    gradients go. (One object per op: recording is on the hot path of every small model.)

    `parents[i]` is None (input needs no grad), a leaf Tensor (gradient accumulates into
    `.grad`) or the Node that produced input i. Holding Nodes rather than Tensors lets the
    intermediate outputs be freed while the graph lives. `out_shape` and `out_dtype` are the
    output's: what a gradient flowing into this node must have (a consumer's VJP may return
    a broadcast one). `stamp` is saved's write count when forward locked the saved arrays
    (None if it saved none): backward compares it with the guards' versions.
    """

    __slots__ = ("fn", "parents", "out_shape", "out_dtype", "stamp", "freed", "where")
    # Tensor.register_hook / retain_grad on the output set these in the instance __dict__;
    # the engine reads them per node, and a class default keeps recording free of them
    hooks = None     # list of fn(grad) -> grad | None, run on the output's gradient
    retains = None   # weakref to the output Tensor whose .grad keeps that gradient

    def __init__(self, fn, needs_input_grad):
        self.saved = ()
        self._guards = self.stamp = self.where = None
        self.needs_input_grad = needs_input_grad
        self.fn = fn
        self.freed = False

    def name(self) -> str:
        """torch's name of the node: MulBackward0 (a user's Function F: FBackward)."""
        return self.fn.__name__ + self.fn.node_suffix

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"

    @property
    def next_functions(self) -> tuple:
        """torch's view of the graph below: one (node, 0) per input, the node being the one
        that made it, an AccumulateGrad for a leaf that requires grad, or None."""
        return tuple(((p if p.__class__ is Node else AccumulateGrad(p)) if p is not None
                      else None, 0) for p in self.parents)

    # For the recorded VJPs (`backward_graph`, see graph_backward.py): the arrays forward
    # saved, as Tensors that stand where they stood in the graph, so that a gradient of the
    # gradient flows on through them.
    def input_tensor(self, i: int, array):
        """Input i (whose value forward saved as `array`) as a Tensor of the graph: the leaf
        itself, a Tensor made by the parent node, or a constant when it needs no grad."""
        parent = self.parents[i]
        if parent is None:
            return _wrap(array, False)
        if parent.__class__ is not Node:
            return parent
        t = _wrap(array, True)
        t._node = parent
        return t

    def output_tensor(self, array):
        """This op's output (saved by forward as `array`) as a Tensor made by this node."""
        t = _wrap(array, True)
        t._node = self
        return t

    def derived_tensor(self, fn, array, i: int, **attrs):
        """`array`, which forward computed as fn(input i) and saved (a centered copy, say), as
        a Tensor recorded as made by the Function fn from input i; attrs are what fn's
        backward reads from its context."""
        parent = self.parents[i]
        if parent is None:
            return _wrap(array, False)
        node = Node(fn, (True,))
        node.parents = (parent,)
        node.out_shape, node.out_dtype = array.shape, array.dtype
        for name, value in attrs.items():
            setattr(node, name, value)
        t = _wrap(array, True)
        t._node = node
        return t


class AccumulateGrad:
    """What next_functions names for a leaf: its gradient accumulates into `variable.grad`."""

    __slots__ = ("variable",)
    next_functions = ()

    def __init__(self, variable):
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return "<AccumulateGrad>"


def constant(array):
    """A Tensor that needs no grad, for the constants of a recorded VJP (a mask, a sign)."""
    return _wrap(np.asarray(array), False)


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

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__module__.partition(".")[0] not in _ENGINE_PACKAGES:
            from . import custom_function   # a user's Function: Tensors in and out, as torch's
            custom_function.adopt(cls)

    node_suffix = "Backward0"   # what a node's name() adds to the op's name, as torch's
    # True on ops whose output may be a view of an input's array (reshape, indexing): an
    # in-place op on such an output would change that input behind its graph's back
    view_of_input = False
    # True on ops whose backward runs user hooks (module backward hooks): the engine first
    # makes the weight gradients it holds back, so that the hooks see .grad as it would be
    runs_hooks = False

    @classmethod
    def apply(cls, *tensors, **params):
        if _profiling and _mode.profiled is not cls:   # one global read when not profiling
            return _profiled_apply(cls, tensors, params)
        # one and two inputs spelled out: this runs for every op of every model, and each
        # list comprehension of the general case costs a function call
        n = len(tensors)
        try:
            if n == 2:
                a, b = tensors
                needs = _NEEDS_2[a._requires_grad][b._requires_grad]
                arrays = (a._data, b._data)
            elif n == 1:
                a = tensors[0]
                needs = _NEEDS_1[a._requires_grad]
                arrays = (a._data,)
            else:
                needs = tuple([t._requires_grad for t in tensors])
                arrays = [t._data for t in tensors]
        except AttributeError:  # a positional argument that is not a Tensor
            return _positional(cls).apply(
                *[a for a in tensors if isinstance(a, _Tensor)], _args=tensors, **params)
        record = (_grad_enabled or _mode.grad) and True in needs
        ctx = Node(cls, needs) if record else Context(None)
        out = cls.forward(ctx, *arrays, **params)
        if out.__class__ is not np.ndarray:  # a numpy scalar from a full reduction
            out = np.asarray(out)
        elif out.base is not None and not out.flags.writeable and saved._guards:
            saved.inherit(out)
        if not record or out.dtype.kind != "f":  # integer outputs (a cast) carry no gradient
            result = _wrap(out, False)
            if cls.view_of_input and out.base is not None and _is_view_of(out, tensors[0]._data):
                # a view of a tensor that needs no grad (views); a 4th entry marks one made in
                # no_grad mode (or a view of such a view): torch refuses an in-place op on it
                # in grad mode, any when its base requires grad, else a recorded one
                base = tensors[0]
                if base._base is not None and len(base._base) > 3:
                    result._base = (base, cls, params, base._base[3])
                elif not (_grad_enabled or _mode.grad):
                    result._base = (base, cls, params, NO_GRAD_VIEW if base._requires_grad
                                    else NO_GRAD_VIEW_OF_CONSTANT)
                else:
                    result._base = (base, cls, params)
                views.register(base, result)
            return result
        if n == 2:
            ctx.parents = ((a if a._node is None else a._node) if needs[0] else None,
                           (b if b._node is None else b._node) if needs[1] else None)
        elif n == 1:
            ctx.parents = (a if a._node is None else a._node,)
        else:
            ctx.parents = tuple([(t if t._node is None else t._node) if t._requires_grad
                                 else None for t in tensors])
        ctx.out_shape, ctx.out_dtype = out.shape, out.dtype
        if ctx.saved:
            _watch_saved(ctx)
        if anomaly_enabled:
            from .anomaly import check_forward
            check_forward(ctx, out)
        result = _wrap(out, True)
        result._node = ctx
        if cls.view_of_input and out.base is not None and _is_view_of(out, tensors[0]._data):
            # in-place ops write through views, replay them; the view Tensor holds its base
            # while it lives, as torch's view._base (the node does not: the graph must not
            # keep every LSTM step's gates alive through the nodes of their chunks)
            result._base = (tensors[0], cls, params)
            views.register(tensors[0], result)
        return result


# the marks in the _base of a view made in no_grad mode (see apply), of a tensor that requires
# grad or not
NO_GRAD_VIEW, NO_GRAD_VIEW_OF_CONSTANT = "made in no_grad mode", "of a constant, in no_grad mode"

# the packages whose Functions are the engine's own ops (arrays in and out, see above); a
# subclass defined elsewhere is a user's, run by custom_function.py
_ENGINE_PACKAGES = ("autograd", "nn", "optim")

def _is_view_of(out, x) -> bool:
    """Whether a view op's output views x: it shares x's memory, or it is empty (no memory to
    share, but x[1:1] += 1 is still a write through a view, as torch's). A view op's output
    whose base is x or x's own base was made from x, so lies in its memory: that common case
    skips np.may_share_memory (~0.8 us)."""
    base = out.base
    return (base is x or (base is not None and base is x.base) or out.size == 0
            or np.may_share_memory(out, x))


# needs_input_grad of one and two inputs, indexed by requires_grad: shared, not made per op
_NEEDS_1 = ((False,), (True,))
_NEEDS_2 = (((False, False), (False, True)), ((True, False), (True, True)))


def _watch_saved(node):
    """Lock the arrays forward saved; backward checks that none of their guards was written
    through the API (`saved.writable`, `t.data = ...`) after this forward."""
    guards = _lock(node.saved)
    if guards:
        node._guards = guards
        node.stamp = saved.writes


class _Positional(Function):
    """Runs a Function called with non-Tensor positional arguments: `apply` records the
    Tensors alone, forward gets every argument in its place, and backward's entries for the
    non-Tensors are dropped. One subclass per Function (see `_positional`), named after it."""

    fn = None

    @classmethod
    def forward(cls, ctx, *arrays, _args, **params):
        it = iter(arrays)
        full = [next(it) if isinstance(a, _Tensor) else a for a in _args]
        ctx.positions = [i for i, a in enumerate(_args) if isinstance(a, _Tensor)]
        if ctx.needs_input_grad is not None:  # one entry per positional argument, as in torch
            need = iter(ctx.needs_input_grad)
            ctx.needs_input_grad = tuple([next(need) if isinstance(a, _Tensor) else False
                                          for a in _args])
        return cls.fn.forward(ctx, *full, **params)

    @classmethod
    def backward(cls, ctx, g):
        grads = cls.fn.backward(ctx, g)
        if grads is None or grads.__class__ is not tuple and not isinstance(grads, list):
            grads = (grads,)
        n, need = len(grads), ctx.needs_input_grad
        if n < len(need) and True in need[n:]:
            raise RuntimeError(
                f"{cls.__name__}.backward returned {n} gradient{'s' if n != 1 else ''} for "
                f"{len(need)} inputs (one per positional argument of forward, None for those "
                f"that need none); input {need.index(True, n)} requires grad")
        return tuple([grads[i] if i < n else None for i in ctx.positions])

    @classmethod
    def backward_graph(cls, ctx, g):
        vjp = getattr(cls.fn, "backward_graph", None)
        if vjp is None:
            raise RuntimeError(
                f"{cls.__name__}: create_graph=True is not supported by this op: its backward "
                f"works on arrays and cannot be recorded")
        # the op's recorded VJP counts inputs by position, non-Tensors included
        parents, full = ctx.parents, [None] * len(ctx.needs_input_grad)
        for i, parent in zip(ctx.positions, parents):
            full[i] = parent
        ctx.parents = tuple(full)
        try:
            grads = vjp(ctx, g)
        finally:
            ctx.parents = parents
        grads = grads if isinstance(grads, (tuple, list)) else (grads,)
        return tuple([grads[i] if i < len(grads) else None for i in ctx.positions])


_positional_cache = {}


def _positional(cls):
    sub = _positional_cache.get(cls)
    if sub is None:
        sub = _positional_cache[cls] = type(cls.__name__, (_Positional,), {"fn": cls})
    return sub


def __getattr__(name):
    """torch.autograd.function's FunctionCtx and once_differentiable (loaded on first use:
    custom_function.py sits above Tensor)."""
    if name in ("FunctionCtx", "once_differentiable"):
        from . import custom_function
        return getattr(custom_function, name)
    raise AttributeError(f"module 'autograd.function' has no attribute {name!r}")
