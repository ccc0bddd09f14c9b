"""Full backward hooks of a Module (register_full_backward_hook / _pre_hook), as PyTorch's.

    handle = model.fc.register_full_backward_hook(
        lambda m, grad_input, grad_output: print([g.shape for g in grad_input if g is not None]))

A call of a module with such hooks passes its tensor inputs, and returns its tensor outputs,
through identity ops that see every gradient of one side at once (PyTorch's BackwardHook):

    inputs --BackwardHookFunction--> joint --BackwardHookView--> views given to forward
    forward's outputs --BackwardHookFunction--> joint --BackwardHookView--> returned views

A view's VJP adds its gradient into its slice of the joint (flat) gradient, so the joint
node runs once, after every view's gradient has arrived. On the output side it runs the
pre-hooks hook(module, grad_output) -> new grad_output | None; on the input side the hooks
hook(module, grad_input, grad_output) -> new grad_input | None. grad_input has one entry per
positional argument (None for a non-tensor, zeros for a tensor that requires no grad, as in
PyTorch); grad_output one per output (None where no gradient arrived). When no input requires
grad, the hooks run on the output side with grad_input all None.
"""
from __future__ import annotations

import warnings

import numpy as np

from autograd import Tensor, is_grad_enabled
from autograd.engine import IndexedGrad
from autograd.function import Function


class BackwardHookFunction(Function):
    """joint = zeros(total size) from the tensors of one side of a module call; backward
    splits the joint gradient into one per tensor and lets the hooks see or replace them."""

    runs_hooks = True   # the engine makes its held-back gradients first

    @staticmethod
    def forward(ctx, *arrays, side):
        ctx.side = side
        ctx.shapes = [a.shape for a in arrays]
        ctx.dtypes = [a.dtype for a in arrays]
        return np.zeros(sum(a.size for a in arrays), np.result_type(*arrays))

    @staticmethod
    def backward(ctx, g):
        grads, start = [], 0
        for shape, dtype in zip(ctx.shapes, ctx.dtypes):
            n = int(np.prod(shape))
            grads.append(g[start:start + n].reshape(shape).astype(dtype, copy=False))
            start += n
        return tuple(ctx.side.on_backward(grads))


class BackwardHookView(Function):
    """y = the `position`-th tensor of a side, as a view of its array (joint's values are not
    used); the gradient goes to that tensor's slice of the joint gradient."""

    # its output views the caller's tensor: an in-place op on it is refused (see _Side)

    @staticmethod
    def forward(ctx, joint, source, start, position, side):
        ctx.start, ctx.size, ctx.position, ctx.side = start, joint.size, position, side
        return source.view()

    @staticmethod
    def backward(ctx, g):
        ctx.side.arrived.add(ctx.position)
        flat = g.reshape(-1)
        return (IndexedGrad(slice(ctx.start, ctx.start + flat.size), flat, (ctx.size,), True),)


class _Side:
    """The tensors of one side (inputs or outputs) of one module call."""

    def __init__(self, on_backward):
        self.on_backward_fn = on_backward   # (side, grads, positions that got one) -> grads
        self.positions = None   # of the tensors that require grad, or None when none does
        self.n = 0
        self.arrived = set()    # positions whose gradient reached the joint node

    def wrap(self, values: tuple) -> tuple:
        """values with each tensor that requires grad replaced by its view (in grad mode)."""
        self.n = len(values)
        picked = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]
        if not picked or not is_grad_enabled():
            return values
        self.positions = picked
        joint = BackwardHookFunction.apply(*[values[i] for i in picked], side=self)
        out, start = list(values), 0
        for i in picked:
            out[i] = BackwardHookView.apply(joint, source=values[i].data, start=start,
                                            position=i, side=self)
            out[i]._base = (out[i], None, None)   # a view whose in-place ops are refused
            start += values[i].data.size
        return tuple(out)

    def on_backward(self, grads: list) -> list:
        arrived, self.arrived = self.arrived, set()
        return self.on_backward_fn(self, grads, arrived)


def _as_array(g, like: np.ndarray, module, what: str, i: int):
    """A hook's returned gradient (Tensor, array or None) checked against what it replaces."""
    if g is None:
        return None
    arr = g.data if isinstance(g, Tensor) else np.asarray(g)
    if arr.shape != like.shape:
        raise RuntimeError(f"{type(module).__name__}: a backward hook returned a gradient of "
                           f"shape {tuple(arr.shape)} for {what} {i}, which has shape "
                           f"{tuple(like.shape)}")
    return arr.astype(like.dtype, copy=False)


def _tensor(g):
    return None if g is None else Tensor._wrap(g, False)


class BackwardHook:
    """Wraps one call of a module: setup_input_hook(args) before forward, and
    setup_output_hook(result) after it (and after the forward hooks)."""

    def __init__(self, module, hooks, pre_hooks):
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_outputs = None
        self.inputs = _Side(self._input_grads)
        self.outputs = _Side(self._output_grads)
        self.other_inputs = ()   # (position, shape, dtype) of the tensors not wrapped

    def setup_input_hook(self, args: tuple) -> tuple:
        self.other_inputs = [(i, a.data.shape, a.data.dtype) for i, a in enumerate(args)
                             if isinstance(a, Tensor) and not a.requires_grad]
        return self.inputs.wrap(args)

    def setup_output_hook(self, result):
        if isinstance(result, Tensor):
            return self.outputs.wrap((result,))[0]
        if isinstance(result, tuple):
            wrapped = self.outputs.wrap(result)
            return wrapped if type(result) is tuple else type(result)(*wrapped)
        warnings.warn(f"{type(self.module).__name__}: for backward hooks to be called, the "
                      f"module's output should be a Tensor or a tuple of Tensors, but it is "
                      f"a {type(result).__name__}", stacklevel=3)
        return result

    def _output_grads(self, side: _Side, grads: list, arrived: set) -> list:
        module = self.module
        packed = [None] * side.n
        for i, g in zip(side.positions, grads):
            packed[i] = _tensor(g) if i in arrived else None
        self.grad_outputs = tuple(packed)
        for pre in list(self.pre_hooks):
            res = pre(module, self.grad_outputs)
            if res is None:
                continue
            res = (res,) if isinstance(res, Tensor) else tuple(res)
            if len(res) != side.n:
                raise RuntimeError(f"{type(module).__name__}: a backward pre-hook returned "
                                   f"{len(res)} grad_output entries, expected {side.n}")
            self.grad_outputs = res
        local = self.grad_outputs
        if self.inputs.positions is None:   # no input requires grad: the hooks run here
            warnings.warn(f"{type(module).__name__}: a full backward hook is firing when the "
                          f"gradients with respect to the module's outputs are computed, "
                          f"since no input requires grad", stacklevel=2)
            none = (None,) * self.inputs.n
            for hook in list(self.hooks):
                res = hook(module, none, local)
                if res is not None and not all(r is None for r in res):
                    raise RuntimeError(f"{type(module).__name__}: a backward hook of a module "
                                       f"whose inputs require no grad must return None (or "
                                       f"None for every gradient)")
            self.grad_outputs = None
        return [_as_array(local[i], g, module, "output", i)
                for i, g in zip(side.positions, grads)]

    def _input_grads(self, side: _Side, grads: list, arrived: set) -> list:
        if self.grad_outputs is None:   # reached without passing through the outputs
            return grads
        module = self.module
        res = [None] * side.n
        for i, shape, dtype in self.other_inputs:   # PyTorch gives them zeros
            res[i] = Tensor._wrap(np.zeros(shape, dtype), False)
        for i, g in zip(side.positions, grads):
            res[i] = _tensor(g)
        res = tuple(res)
        for hook in list(self.hooks):
            out = hook(module, res, self.grad_outputs)
            if out is None:
                continue
            out = (out,) if isinstance(out, Tensor) else tuple(out)
            if len(out) != len(res):
                raise RuntimeError(f"{type(module).__name__}: a backward hook returned "
                                   f"{len(out)} grad_input entries, expected {len(res)}")
            res = out
        self.grad_outputs = None
        return [_as_array(res[i], g, module, "input", i) for i, g in zip(side.positions, grads)]
