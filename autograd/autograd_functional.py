"""torch.autograd.functional: vjp, jvp, jacobian, hessian, vhp, hvp, as `autograd.autograd.
functional` (and importable as autograd.autograd.functional).

A port of torch's own module onto autograd.grad: inputs and outputs are a Tensor or a tuple
of Tensors, results are nested as torch's, strict=True raises torch's errors. Forward-mode
products (jvp, hvp, strategy="forward-mode") use the double-backward trick, as torch does in
its backward mode. vectorize=True gives the same results as the loop over output elements
(there is no batched backward to vectorize with).
"""
from __future__ import annotations

import importlib
import sys
import types

import numpy as np

from . import backprop, creation, function
from .tensor import Tensor, stack

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(inp, arg_name, fn_name):
    """(was a tuple, as a tuple), every element a Tensor."""
    is_tuple = isinstance(inp, tuple)
    inp = inp if is_tuple else (inp,)
    for i, el in enumerate(inp):
        if not isinstance(el, Tensor):
            where = f"value at index {i}" if is_tuple else f"given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but the {where} has type {type(el)}.")
    return is_tuple, inp


def _tuple_postprocess(res, to_unpack):
    """Unwrap the one-element tuples made for inputs/outputs that were not tuples."""
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _grad_preprocess(inputs, create_graph, need_graph):
    """Fresh tensors to differentiate with respect to: a view when the graph must reach the
    caller's tensor (create_graph), else a detached copy."""
    return tuple(inp.view_as(inp) if create_graph and inp.requires_grad
                 else inp.detach().requires_grad_(need_graph) for inp in inputs)


def _grad_postprocess(inputs, create_graph):
    if isinstance(inputs[0], Tensor):
        return inputs if create_graph else tuple(inp.detach() for inp in inputs)
    return tuple(_grad_postprocess(inp, create_graph) for inp in inputs)


def _validate_v(v, other, is_other_tuple):
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but "
                               f"got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if tuple(el_v.shape) != tuple(el_other.shape):
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(f"{prepend}v has invalid size: should be "
                               f"{tuple(el_other.shape)} but got {tuple(el_v.shape)}.")


_NO_GRAD_MESSAGES = {
    "hessian": "The hessian of the user-provided function with respect to input {i} is "
               "independent of the input. This is not allowed in strict mode. You should "
               "ensure that your function is thrice differentiable and that the hessian "
               "depends on the inputs.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided "
                "function with respect to input {i} is independent of the input. This is not "
                "allowed in strict mode. You should ensure that your function is twice "
                "differentiable and that the jacobian depends on the inputs (this would be "
                "violated by a linear function for example).",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of "
                   "the user-provided function. This is not allowed in strict mode.",
    "outputs": "Output {i} of the user-provided function does not require gradients. The "
               "outputs must be computed in a differentiable manner from the input when "
               "running in strict mode.",
}


def _check_requires_grad(inputs, input_type, strict):
    if not strict:
        return
    for i, inp in enumerate(inputs):
        if inp is None:
            raise RuntimeError(f"The output of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode.")
        if not inp.requires_grad:
            raise RuntimeError(_NO_GRAD_MESSAGES[input_type].format(i=i))


def _autograd_grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """autograd.grad over the outputs that require grad (None for every input if none
    does), allow_unused."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return backprop.grad([o for o, _ in pairs], inputs, [g for _, g in pairs],
                         retain_graph=retain_graph, create_graph=create_graph,
                         allow_unused=True)


_INDEPENDENT = {
    "back": "The output of the user-provided function is independent of input {i}. This is "
            "not allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
                  "grad_outputs when using the double backward trick to compute forward mode "
                  "gradients. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
                   "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry "
                         "{i} in the grad_jacobian. This is not allowed in strict mode as it "
                         "prevents from using the double backward trick to replace forward "
                         "mode AD.",
}


def _fill_in_zeros(grads, refs, strict, create_graph, stage):
    res = ()
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i=i))
            g = creation.zeros_like(refs[i])
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode when "
                               f"create_graph=True.")
        res += (g,)
    return res


def _prepare(func, inputs, v, fn_name, create_graph, strict, v_matches):
    """Run func on fresh inputs (under enable_grad); v checked against the inputs or, for
    vjp, the outputs. Returns (is_inputs_tuple, inputs, is_outputs_tuple, outputs, v)."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
    if v is not None:
        _, v = _as_tuple(v, "v", fn_name)
        v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
        if v_matches == "inputs":
            _validate_v(v, inputs, is_inputs_tuple)
    elif v_matches == "inputs" and (len(inputs) != 1 or inputs[0].numel() != 1):
        raise RuntimeError("The vector v can only be None if the input to the user-provided "
                           "function is a single Tensor with a single element.")
    outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function",
                                          fn_name)
    _check_requires_grad(outputs, "outputs", strict=strict)
    if v_matches == "outputs":
        if v is not None:
            _validate_v(v, outputs, is_outputs_tuple)
        elif len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function "
                               "returns a single Tensor with a single element.")
    if v_matches == "inputs" and fn_name in ("vhp", "hvp"):
        if is_outputs_tuple:
            raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
        if outputs[0].numel() != 1:
            raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should "
                               f"contain a single element")
    return is_inputs_tuple, inputs, is_outputs_tuple, outputs, v


def _finish(outputs, result, create_graph, is_outputs_tuple, is_result_tuple):
    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return (_tuple_postprocess(outputs, is_outputs_tuple),
            _tuple_postprocess(result, is_result_tuple))


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): v shaped like the outputs (None for a one-element output),
    the product shaped like the inputs."""
    with function.enable_grad():
        is_in_tuple, inputs, is_out_tuple, outputs, v = _prepare(
            func, inputs, v, "vjp", create_graph, strict, "outputs")
    with function.set_grad_enabled(create_graph or function.is_grad_enabled()):
        grad_res = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "back")
    return _finish(outputs, result, create_graph, is_out_tuple, is_in_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): v shaped like the inputs (None for a one-element input), the
    product shaped like the outputs; by the double-backward trick."""
    with function.enable_grad():
        is_in_tuple, inputs, is_out_tuple, outputs, v = _prepare(
            func, inputs, v, "jvp", create_graph, strict, "inputs")
        # the backward is linear in grad_outputs: their value (zero) never shows in the result
        grad_outputs = tuple(creation.zeros_like(out, requires_grad=True) for out in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict=strict)
    with function.set_grad_enabled(create_graph or function.is_grad_enabled()):
        grad_res = _autograd_grad(grad_inputs, grad_outputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, outputs, strict, create_graph, "back_trick")
    return _finish(outputs, result, create_graph, is_out_tuple, is_out_tuple)


def _basis_seed(out: Tensor, j: int) -> np.ndarray:
    seed = np.zeros(out.numel(), out.dtype)
    seed[j] = 1
    return seed.reshape(out.shape)


def _jacfwd(func, inputs, strict, vectorize):
    """strategy="forward-mode": one double-backward column per input element."""
    if strict:
        raise RuntimeError('torch.autograd.functional.jacobian: `strict=True` and `strategy='
                           '"forward-mode"` are not supported together (yet). Please either '
                           'set `strict=False` or `strategy="reverse-mode"`.')
    if not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse "
                                  "Hessian isonly implemented for `vectorize=True`.")
    with function.enable_grad():
        is_in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph=False, need_graph=True)
        is_out_tuple, outputs = _as_tuple(func(*inputs), "outputs", "jacobian")
        dummies = tuple(creation.zeros_like(o, requires_grad=True) for o in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, dummies, create_graph=True)
    columns = []   # columns[j][e][i]: d outputs[i] / d inputs[j].flat[e]
    for j, inp in enumerate(inputs):
        columns.append([])
        for e in range(inp.numel()):
            tangent = [creation.zeros_like(x) for x in inputs]
            tangent[j] = Tensor(_basis_seed(inp, e))
            found = _autograd_grad(grad_inputs, dummies, tuple(tangent), retain_graph=True)
            columns[j].append(_fill_in_zeros(found, outputs, False, False, "back_trick"))
    jac = [[stack([col[i] for col in columns[j]], dim=-1).detach().reshape(
                tuple(out.shape) + tuple(inp.shape)) if columns[j] else
            creation.zeros(*(tuple(out.shape) + tuple(inp.shape)), dtype=out.dtype)
            for j, inp in enumerate(inputs)] for i, out in enumerate(outputs)]
    return _tuple_postprocess(jac, (is_out_tuple, is_in_tuple))   # lists, as torch's


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of func at inputs: for output i and input j a Tensor of shape
    outputs[i].shape + inputs[j].shape, nested as a tuple (outputs) of tuples (inputs) where
    those were tuples. Reverse mode takes one backward pass per output element."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". '
                             'Hint: If your function has more outputs than inputs, '
                             '"forward-mode" tends to be more performant. Otherwise, prefer to '
                             'use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError('torch.autograd.functional.jacobian: `create_graph=True` '
                                      'and `strategy="forward-mode"` are not supported together '
                                      '(yet). Please either set `create_graph=False` or '
                                      '`strategy="reverse-mode"`.')
        return _jacfwd(func, inputs, strict, vectorize)
    with function.enable_grad():
        is_in_tuple, inputs, is_out_tuple, outputs, _ = _prepare(
            func, inputs, None, "jacobian", create_graph, strict, None)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                               "`vectorized=True` are not supported together. Please either "
                               "set `strict=False` or `vectorize=False`.")
        jac = ()
        for i, out in enumerate(outputs):
            rows = tuple([] for _ in inputs)
            for e in range(out.numel()):
                vj = _autograd_grad((out,), inputs, (_basis_seed(out, e),), retain_graph=True,
                                    create_graph=create_graph)
                for k, (row, g, inp) in enumerate(zip(rows, vj, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is "
                                               f"independent of input {k}. This is not "
                                               f"allowed in strict mode.")
                        g = creation.zeros_like(inp)
                    elif strict and create_graph and not g.requires_grad:
                        raise RuntimeError(f"The jacobian of the user-provided function is "
                                           f"independent of input {i}. This is not allowed in "
                                           f"strict mode when create_graph=True.")
                    row.append(g)
            shape = tuple(out.shape)
            jac += (tuple(stack(row).reshape(shape + tuple(inp.shape)) if row else
                          creation.zeros(*(shape + tuple(inp.shape)), dtype=inp.dtype)
                          for row, inp in zip(rows, inputs)),)
        jac = _grad_postprocess(jac, create_graph)
        return _tuple_postprocess(jac, (is_out_tuple, is_in_tuple))


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar func: for inputs i, j a Tensor of shape inputs[i].shape +
    inputs[j].shape, nested as a tuple of tuples where inputs is a tuple."""
    is_in_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def ensure_single_output_function(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict=strict)
        if is_out_tuple or not isinstance(out, Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        return out.squeeze()

    def jac_func(*inp):
        if outer_jacobian_strategy == "forward-mode":
            inp = tuple(t.requires_grad_(True) for t in inp)
        jac = jacobian(ensure_single_output_function, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _tuple_postprocess(res, (is_in_tuple, is_in_tuple))


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) for a scalar func, v and the product shaped like the inputs."""
    with function.enable_grad():
        is_in_tuple, inputs, is_out_tuple, outputs, v = _prepare(
            func, inputs, v, "vhp", create_graph, strict, "inputs")
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
    with function.set_grad_enabled(create_graph or function.is_grad_enabled()):
        grad_res = _autograd_grad(jac, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back")
    return _finish(outputs, result, create_graph, is_out_tuple, is_in_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a scalar func, by the double-backward trick over vhp's pass."""
    with function.enable_grad():
        is_in_tuple, inputs, is_out_tuple, outputs, v = _prepare(
            func, inputs, v, "hvp", create_graph, strict, "inputs")
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        grad_jac = tuple(creation.zeros_like(inp, requires_grad=True) for inp in inputs)
        double_back = _autograd_grad(jac, inputs, grad_jac, create_graph=True)
        _check_requires_grad(jac, "hessian", strict=strict)
    with function.set_grad_enabled(create_graph or function.is_grad_enabled()):
        grad_res = _autograd_grad(double_back, grad_jac, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back_trick")
    return _finish(outputs, result, create_graph, is_out_tuple, is_in_tuple)


class _TorchAutograd(types.ModuleType):
    """torch.autograd as `autograd.autograd`: `functional` (this module) and, copied on first
    use (when the package is fully loaded), the names torch_names gives the namespace."""

    def __getattr__(self, name):
        from .torch_names import _autograd_namespace
        for key, value in vars(_autograd_namespace()).items():
            if not key.startswith("__"):
                self.__dict__.setdefault(key, value)
        if name in self.__dict__:
            return self.__dict__[name]
        raise AttributeError(f"module 'autograd.autograd' has no attribute {name!r}")


torch_autograd = _TorchAutograd("autograd.autograd", "torch.autograd's names in this engine")
torch_autograd.functional = sys.modules[__name__]
sys.modules.setdefault("autograd.autograd", torch_autograd)   # `import autograd.autograd...`
sys.modules.setdefault("autograd.autograd.functional", sys.modules[__name__])


# torch.autograd's submodules that scripts import names from (`from torch.autograd.gradcheck
# import GradcheckError`, `torch.autograd.grad_mode.no_grad`): the engine's modules that hold
# those names, registered by the package once it has loaded them. (torch.autograd.gradcheck
# itself is the function, as in torch; the module is reached by import.)
_SUBMODULES = {"gradcheck": "autograd.gradcheck", "grad_mode": "autograd.function",
               "anomaly_mode": "autograd.anomaly", "profiler": "autograd.profiler"}


def register_submodules():
    for name, target in _SUBMODULES.items():
        module = importlib.import_module(target)
        sys.modules.setdefault(f"autograd.autograd.{name}", module)
        if name != "gradcheck":
            torch_autograd.__dict__.setdefault(name, module)
