"""autograd.grad and autograd.backward: backward passes from several outputs at once.

grad() returns the gradients of some inputs without touching any `.grad`; backward() is
Tensor.backward for several outputs. With create_graph=True the pass is recorded (see
graph_backward.py), so its gradients can be differentiated again.
"""
from __future__ import annotations

import numpy as np

from . import engine, function, graph_backward, hooks


def _tensors(value, what: str, op: str) -> list:
    from .tensor import Tensor
    items = [value] if isinstance(value, Tensor) else list(value)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {what} must be Tensors; element {i} is a "
                            f"{t.__class__.__name__}")
    return items


def _inputs(inputs, op: str, hint: str) -> list:
    """The `inputs` argument of grad/backward as a non-empty list of tensors that require grad."""
    inputs = _tensors(inputs, "inputs", op)
    if not inputs:
        raise RuntimeError(f"{op}: `inputs` cannot be empty{hint}")
    for i, t in enumerate(inputs):
        if not t._requires_grad:
            raise RuntimeError(f"{op}: input {i} (shape {tuple(t.shape)}, dtype {t.dtype}) "
                               f"does not require grad")
    return inputs


def _seed_gradients(outputs: list, grad_outputs, op: str, what: str, graph=False) -> list:
    """The gradient each output starts from, as an ndarray of its shape and dtype (graph:
    as a Tensor, a given Tensor kept with its graph, for a recorded pass)."""
    from .tensor import Tensor
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, (Tensor, np.ndarray)):
        grad_outputs = [grad_outputs]
    else:
        grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"{op}: got {len(grad_outputs)} {what} for {len(outputs)} outputs")
    seeds = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out._requires_grad:
            raise RuntimeError(f"{op}: element {i} of the outputs (shape {tuple(out.shape)}, "
                               f"dtype {out.dtype}) does not require grad and has no grad_fn")
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(f"{op}: a gradient can be implicitly created only for an "
                                   f"output with one element; output {i} has shape "
                                   f"{tuple(out.shape)}: pass {what}")
            seeds.append(np.ones(out._data.shape, out._data.dtype))
            continue
        arr = np.asarray(g._data if isinstance(g, Tensor) else g, dtype=out._data.dtype)
        if arr.shape != out._data.shape:
            raise RuntimeError(f"{op}: shape mismatch: {what}[{i}] has shape {tuple(arr.shape)} "
                               f"and output {i} has shape {tuple(out.shape)}")
        if graph and isinstance(g, Tensor):
            seeds.append(g if g.dtype == arr.dtype else g.to(arr.dtype))
            continue
        seeds.append(arr)
    if graph:
        seeds = [graph_backward.seed(s) for s in seeds]
    return seeds


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """d(sum_k <grad_outputs[k], outputs[k]>) / d(input) for every input, as a tuple of
    Tensors shaped like the inputs (a dict if inputs is a dict of name -> Tensor). No `.grad`
    changes. An input the outputs do not depend on raises, unless allow_unused=True (None
    for it) or materialize_grads=True (zeros)."""
    from .tensor import Tensor
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph,
                             allow_unused, materialize_grads)
    if materialize_grads and allow_unused is False:
        raise ValueError("grad: allow_unused must be True or not passed when "
                         "materialize_grads=True, got allow_unused=False")
    allow_unused = materialize_grads if allow_unused is None else allow_unused
    names = None
    if isinstance(inputs, dict):
        names, inputs = list(inputs), list(inputs.values())
    outputs = _tensors(outputs, "outputs", "grad")
    inputs = _inputs(inputs, "grad", "")
    seeds = _seed_gradients(outputs, grad_outputs, "grad", "grad_outputs", create_graph)
    retain = create_graph if retain_graph is None else retain_graph
    if create_graph:
        found = graph_backward.run(outputs, seeds, retain, inputs=inputs)
    else:
        found = engine.run(outputs, seeds, retain, inputs=inputs)
    result = []
    for i, (t, g) in enumerate(zip(inputs, found)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"grad: input {i} (shape {tuple(t.shape)}) appears not to "
                                   f"have been used in the graph; pass allow_unused=True if "
                                   f"this is intended")
            # under create_graph torch's zeros require grad (so later grads may take them)
            result.append(Tensor._wrap(np.zeros_like(t._data), create_graph)
                          if materialize_grads else None)
        elif create_graph:
            result.append(g)
        else:  # a copy: g may be an array the pass shares with other gradients
            result.append(Tensor._wrap(np.array(g, t._data.dtype, copy=True), False))
    return dict(zip(names, result)) if names is not None else tuple(result)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                  materialize_grads):
    """grad(is_grads_batched=True): each grad_outputs[k] has a leading batch dim; one backward
    pass per batch entry (a loop, where torch vectorizes), the results stacked along dim 0."""
    from .tensor import Tensor
    from .tensor_shape import stack
    if grad_outputs is None:
        raise RuntimeError("grad: is_grads_batched=True needs grad_outputs with a batch dim")
    given = [grad_outputs] if isinstance(grad_outputs, (Tensor, np.ndarray)) else list(grad_outputs)
    sizes = {int(np.shape(g)[0]) if np.ndim(g) else None for g in given}
    if len(sizes) != 1 or None in sizes:
        raise RuntimeError(f"grad: is_grads_batched=True needs every grad_output to have the "
                           f"same leading batch dim, got shapes "
                           f"{[tuple(np.shape(g)) for g in given]}")
    names = list(inputs) if isinstance(inputs, dict) else None
    n = sizes.pop()
    last_retain = create_graph if retain_graph is None else retain_graph
    rows = [grad(outputs, inputs, [g[b] for g in given],
                 retain_graph=True if b < n - 1 else last_retain, create_graph=create_graph,
                 allow_unused=allow_unused, materialize_grads=materialize_grads)
            for b in range(n)]
    if names is not None:
        rows = [tuple(r[k] for k in names) for r in rows]
    out = tuple(None if column[0] is None else stack(list(column), 0) for column in zip(*rows))
    return dict(zip(names, out)) if names is not None else out


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Accumulate the gradients of sum_k <grad_tensors[k], tensors[k]> into the `.grad` of
    every leaf (or of `inputs` alone, leaves or not, when given). create_graph=True records
    the pass: each .grad is then a Tensor with a graph of its own."""
    if grad_variables is not None:
        if grad_tensors is not None:
            raise RuntimeError("backward: pass grad_tensors or grad_variables, not both")
        grad_tensors = grad_variables
    tensors = _tensors(tensors, "tensors", "backward")
    seeds = _seed_gradients(tensors, grad_tensors, "backward", "grad_tensors", create_graph)
    retain = create_graph if retain_graph is None else retain_graph
    run = graph_backward.run if create_graph else engine.run
    if inputs is None:
        run(tensors, seeds, retain)
        return
    if isinstance(inputs, dict):
        inputs = list(inputs.values())
    inputs = _inputs(inputs, "backward", " (pass None for every leaf)")
    found = run(tensors, seeds, retain, inputs=inputs)
    for t, g in zip(inputs, found):
        if g is None:
            continue
        if create_graph:   # recorded: added out of place, as torch under create_graph
            t.grad = graph_backward._own(g) if t._grad is None else t._grad + g
        elif t._node is None:
            engine._accumulate_leaf(t, g)
        else:
            t.grad = function._wrap(np.array(g, copy=True) if t._grad is None
                                    else np.asarray(t._grad._data + g), False)
        if t._node is None:
            hooks.run_post_accumulate_hooks(t)
