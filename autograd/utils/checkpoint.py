"""torch.utils.checkpoint: checkpoint(fn, *args) runs fn without keeping its intermediate
graph and runs it again during backward to get the gradients; checkpoint_sequential does so
segment by segment along a list of layers. Memory falls from every activation of fn to its
inputs and outputs, for the price of a second forward.

The segment's tensor outputs are made by one recorded op (CheckpointFunction, several outputs
packed into one array) whose VJP replays fn with grad enabled, from the default generator's
state at the first run when preserve_rng_state (dropout draws the same masks), and
back-propagates through the replay:

- use_reentrant=False: the gradient reaches every tensor fn used that requires grad (its
  arguments, the parameters it closes over), so autograd.grad works through it, and so does
  create_graph=True (the recorded VJP replays fn on the arguments themselves). The first
  run records fn's graph only to find those tensors, and drops it before returning.
- use_reentrant=True (torch's default, with a warning, when not given): as torch's
  CheckpointFunction. The first run is under no_grad, only top-level tensor outputs are
  connected, and the replay's backward accumulates into the .grad of the parameters fn
  closes over; with no argument requiring grad the outputs require none.
"""
from __future__ import annotations

import contextlib
import warnings

import numpy as np

from .. import backprop
from ..function import Function, Node, enable_grad, is_grad_enabled, no_grad
from ..generator import default_generator
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential", "noop_context_fn"]


def noop_context_fn():
    """The default context_fn: no context around the first run nor around the replay."""
    return contextlib.nullcontext(), contextlib.nullcontext()


class _Segment:
    """One checkpointed call: what the replay needs (fn, its arguments, the generator state)
    and the tensors the gradient flows back to."""

    def __init__(self, fn, args, kwargs, preserve_rng_state, reentrant, context):
        self.fn, self.args, self.kwargs, self.reentrant = fn, args, kwargs, reentrant
        self.recompute_context = context
        self.rng_state = default_generator().bit_generator.state if preserve_rng_state \
            else None
        self.versions = [a._version if isinstance(a, Tensor) else None for a in args]
        self.targets = []    # (index of the argument or None, the tensor) per parent of the op

    def detached_args(self) -> list:
        """fn's arguments, tensors cut from the graph but requiring grad as before, so that
        fn's own graph starts at them."""
        return [a.detach().requires_grad_(a._requires_grad) if isinstance(a, Tensor) else a
                for a in self.args]

    def replay(self, detach=True):
        """Run fn again with grad enabled, on the first run's random numbers: on detached
        arguments, or (detach=False) on the arguments themselves, so that the replay's graph
        hangs from theirs."""
        for i, (a, v) in enumerate(zip(self.args, self.versions)):
            if v is not None and a._version != v:
                raise RuntimeError(
                    f"checkpoint: one of the variables needed for gradient computation has "
                    f"been modified by an inplace operation: argument {i} (shape "
                    f"{tuple(a.shape)}, dtype {a.dtype}) is at version {a._version}; "
                    f"expected version {v} instead")
        args = self.detached_args() if detach else list(self.args)
        gen = default_generator()
        saved = gen.bit_generator.state
        try:
            if self.rng_state is not None:
                gen.bit_generator.state = self.rng_state
            with enable_grad(), self.recompute_context:
                out = self.fn(*args, **self.kwargs)
        finally:   # the draws after backward go on from where they were, as torch's fork_rng
            gen.bit_generator.state = saved
        return args, out


class CheckpointFunction(Function):
    """y = the segment's outputs (packed into one array); dx = the VJP of a replay of fn."""

    @staticmethod
    def forward(ctx, *arrays, segment, group, packed):
        ctx.segment, ctx.group = segment, group
        return packed

    @staticmethod
    def backward(ctx, g):
        seg = ctx.segment
        args, outs, grads = _replayed(seg, ctx.group, g, detach=True)
        targets = [args[i] if i is not None else t for i, t in seg.targets]
        if seg.reentrant:   # torch's: the parameters fn closes over get their .grad here
            backprop.backward(outs, grads)
            return tuple(None if t.grad is None else t.grad._data for t in targets)
        found = backprop.grad(outs, targets, grads, allow_unused=True)
        return tuple(None if f is None else f._data for f in found)

    @staticmethod
    def backward_graph(ctx, g):
        """The recorded VJP (create_graph=True, non-reentrant only): the replay runs on the
        arguments themselves, so its gradient is differentiable again with respect to them."""
        seg = ctx.segment
        if seg.reentrant:
            raise RuntimeError("checkpoint: create_graph=True needs use_reentrant=False")
        args, outs, grads = _replayed(seg, ctx.group, g, detach=False)
        targets = [args[i] if i is not None else t for i, t in seg.targets]
        return backprop.grad(outs, targets, grads, allow_unused=True, create_graph=True)


def _replayed(seg, group, g, detach):
    """Replay the segment: (its arguments, the outputs of this group that require grad, the
    part of g (an ndarray, or a Tensor for a recorded VJP) that belongs to each)."""
    args, out = seg.replay(detach)
    replayed = _tensor_leaves(out, seg.reentrant)
    if len(replayed) != group.total:
        raise RuntimeError(f"checkpoint: the replay of {_name(seg.fn)} returned "
                           f"{len(replayed)} tensors, the first run {group.total}")
    outs, grads = [], []
    for k, shape, lo, hi in group.slots:
        t = replayed[k]
        if tuple(t.shape) != shape:
            raise RuntimeError(f"checkpoint: the replay of {_name(seg.fn)} gave output {k} "
                               f"the shape {tuple(t.shape)}, the first run {shape}")
        if t._requires_grad:
            outs.append(t)
            grads.append(g.reshape(-1)[lo:hi].reshape(shape) if group.is_packed else g)
    if not outs:
        raise RuntimeError("none of output has requires_grad=True, this checkpoint() is "
                           "not necessary")
    return args, outs, grads


class _Group:
    """The outputs of one dtype that one CheckpointFunction makes: (position among fn's
    tensor outputs, shape, span in the packed array) each."""

    def __init__(self, positions, tensors, total):
        self.slots, lo = [], 0
        for k, t in zip(positions, tensors):
            self.slots.append((k, tuple(t.shape), lo, lo + t._data.size))
            lo += t._data.size
        self.is_packed = len(tensors) > 1
        self.total = total   # the number of tensor outputs of fn, for checking the replay


def _name(fn) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__name__


def _tensor_leaves(out, reentrant) -> list:
    """fn's tensor outputs in order: the output itself or the items of a tuple (reentrant, as
    torch's Function), any tensor in nested tuples, lists and dicts otherwise."""
    if isinstance(out, Tensor):
        return [out]
    if reentrant:
        return [o for o in out if isinstance(o, Tensor)] if isinstance(out, tuple) else []
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _tensor_leaves(o, False)]
    if isinstance(out, dict):
        return [t for o in out.values() for t in _tensor_leaves(o, False)]
    return []


def _rebuild(out, new, reentrant):
    """out with its tensor outputs replaced, in order, by the iterator new's."""
    if isinstance(out, Tensor):
        return next(new)
    if reentrant:
        return tuple(next(new) if isinstance(o, Tensor) else o for o in out) \
            if isinstance(out, tuple) else out
    if isinstance(out, (tuple, list)):
        items = [_rebuild(o, new, False) for o in out]
        return type(out)(*items) if hasattr(out, "_fields") else type(out)(items)
    if isinstance(out, dict):
        return type(out)((k, _rebuild(v, new, False)) for k, v in out.items())
    return out


def _graph_leaves(outputs, args) -> list:
    """The tensors requiring grad that fn's recorded graph starts from: (index of fn's
    argument, None) for an argument, (None, the tensor) for one fn reached otherwise."""
    arg_index = {id(a): i for i, a in enumerate(args) if isinstance(a, Tensor)}
    found, seen = {}, set()
    stack = []
    for t in outputs:
        if t._node is not None:
            stack.append(t._node)
        elif t._requires_grad:
            found[id(t)] = t
    while stack:   # iterative: a long unrolled fn would pass the recursion limit
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for p in node.parents:
            if p is None:
                continue
            if p.__class__ is Node:
                stack.append(p)
            else:
                found[id(p)] = p
    return [(arg_index[k], None) if k in arg_index else (None, t) for k, t in found.items()]


def _connect(seg, out):
    """fn's first-run result with its differentiable tensor outputs made by
    CheckpointFunction ops, one per dtype."""
    tensors = _tensor_leaves(out, seg.reentrant)
    parents = [seg.args[i] if i is not None else t for i, t in seg.targets]
    wanted = [k for k, t in enumerate(tensors) if t.dtype.kind in "fc"
              and (seg.reentrant or t._requires_grad)]
    new = list(tensors)
    by_dtype = {}
    for k in wanted:
        by_dtype.setdefault(tensors[k].dtype, []).append(k)
    for positions in by_dtype.values():
        group = _Group(positions, [tensors[k] for k in positions], len(tensors))
        arrays = [tensors[k]._data for k in positions]
        packed = arrays[0] if len(arrays) == 1 else np.concatenate([a.ravel() for a in arrays])
        if any(np.may_share_memory(packed, p._data) for p in parents):
            packed = packed.copy()   # fn returned an input: the output must not alias it
        y = CheckpointFunction.apply(*parents, segment=seg, group=group, packed=packed)
        for k, shape, lo, hi in group.slots:
            new[k] = y[lo:hi].reshape(shape) if group.is_packed else y
    return _rebuild(out, iter(new), seg.reentrant)


def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn,
               determinism_check="default", debug=False, early_stop=True, **kwargs):
    """function(*args, **kwargs) whose intermediate results are recomputed in backward
    instead of kept. preserve_rng_state=True (a keyword) replays the same random draws.
    determinism_check, debug and early_stop are accepted for torch's signature; the replay's
    outputs are checked against the first run's number and shapes."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
            "use_reentrant=False is recommended, but if you need to preserve the current "
            "default behavior, you can pass use_reentrant=True.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if use_reentrant:
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False.")
        if not any(a._requires_grad for a in args if isinstance(a, Tensor)):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                          stacklevel=2)
    if not is_grad_enabled():   # nothing would be recorded: a plain call
        return function(*args, **kwargs)
    forward_context, recompute_context = context_fn()
    seg = _Segment(function, args, kwargs, preserve, use_reentrant, recompute_context)
    if use_reentrant:
        with no_grad(), forward_context:
            out = function(*args)
        seg.targets = [(i, None) for i, a in enumerate(args)
                       if isinstance(a, Tensor) and a._requires_grad]
        if not seg.targets:
            return out
        return _connect(seg, out)
    first_args = seg.detached_args()
    with forward_context:
        out = function(*first_args, **kwargs)
    seg.targets = _graph_leaves(_tensor_leaves(out, False), first_args)
    if not seg.targets:   # nothing fn used requires grad
        return out
    return _connect(seg, out)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """functions (an nn.Sequential or a list of layers) applied in turn to input, in
    `segments` checkpointed chunks; the last chunk runs plainly, as in torch."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should "
            "be passed explicitly. use_reentrant=False is recommended, but if you need to "
            "preserve the current default behavior, you can pass use_reentrant=True.",
            stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    from nn import Sequential   # nn imports autograd: not at load
    if isinstance(functions, Sequential):
        functions = list(functions.children())
    functions = list(functions)

    def run(start, end):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward

    size = len(functions) // segments
    if size == 0:
        raise ValueError(f"checkpoint_sequential: {segments} segments for {len(functions)} "
                         f"functions: a segment must hold at least one")
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
