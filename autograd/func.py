"""autograd.func, as torch.func: functional_call, jacrev, jacfwd, hessian and vmap here;
grad, grad_and_value, vjp and jvp from func_transforms.py (which says how the transforms
nest), re-exported.

vmap is a Python loop over the mapped dim; jvp and jacfwd use the double-vjp trick, and
hessian is jacrev(jacrev(f)) where torch's is jacfwd(jacrev(f)) (the same values, second
order only). The torch tutorial's per-sample gradients work as written:

    params = {k: v.detach() for k, v in model.named_parameters()}
    def loss(params, x, y):
        return F.cross_entropy(functional_call(model, params, (x[None],)), y[None])
    grads = vmap(grad(loss), in_dims=(None, 0, 0))(params, xs, ys)   # {name: (N, *shape)}
"""
from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from . import creation, function, generator
from .func_transforms import (Level, _is_node, broadcast_prefix, check_outputs, grad,
                              grad_and_value, jvp, jvp_columns, spec_str, split_aux,
                              tree_flatten, tree_unflatten, vjp, vjp_flat)
from .tensor import Tensor, stack

__all__ = ["functional_call", "stack_module_state", "vmap", "grad", "grad_and_value", "vjp",
           "jvp", "jacrev", "jacfwd", "hessian"]


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights: bool = True, strict: bool = False):
    """module(*args, **kwargs) run with the given tensors ({dotted name: Tensor}, or a
    sequence of such dicts with distinct keys) in place of its parameters and buffers,
    which are restored afterwards, also when forward raises; gradients flow to the given
    tensors. See nn.utils.stateless for tie_weights and strict."""
    from nn.utils.stateless import _functional_call   # nn imports autograd: not at load
    if isinstance(parameter_and_buffer_dicts, dict):
        parameters_and_buffers = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, Sequence):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be "
                             "dictionaries")
        counts = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                counts[k] = counts.get(k, 0) + 1
        repeated = [k for k, n in counts.items() if n > 1]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of "
                             f"functional call is ambiguous")
        parameters_and_buffers = {k: v for d in parameter_and_buffer_dicts
                                  for k, v in d.items()}
    else:
        raise ValueError(f"Expected parameter_and_buffer_dicts to be a dict, or a list/tuple "
                         f"of dicts, but got {type(parameter_and_buffer_dicts)}")
    return _functional_call(module, parameters_and_buffers, args, kwargs,
                            tie_weights=tie_weights, strict=strict)


def stack_module_state(models):
    """(params, buffers) of models of one architecture, each name -> the models' tensors
    stacked along a new dim 0 (for vmap over an ensemble with functional_call). The stacked
    parameters are new leaves that require grad as the originals do, as torch's."""
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if len({m.training for m in models}) > 1:
        raise RuntimeError("stack_module_state: Expected all models to have the same "
                           "training/eval mode.")
    names = [n for n, _ in models[0].named_parameters()]
    buffers = [n for n, _ in models[0].named_buffers()]
    for m in models[1:]:
        if [n for n, _ in m.named_parameters()] != names or \
                [n for n, _ in m.named_buffers()] != buffers:
            raise RuntimeError("stack_module_state: Expected all models to be of the same "
                               "class (the same parameter and buffer names).")

    def stacked(getter, name, leaf):
        ts = [getter(m)[name] for m in models]
        out = Tensor._wrap(np.stack([t._data for t in ts]), False)
        if leaf and ts[0].requires_grad:
            out.requires_grad = True
        return out

    params = {n: stacked(lambda m: dict(m.named_parameters()), n, True) for n in names}
    bufs = {n: stacked(lambda m: dict(m.named_buffers()), n, False) for n in buffers}
    return params, bufs


def _jacobian(func, argnums, has_aux, api, forward):
    @functools.wraps(func)
    def wrapper(*args):
        level = Level()
        with function.enable_grad():
            args, flat_in, in_spec = level.wrap(args, argnums)
            out, aux = split_aux(func(*args), has_aux, f"{api}(f, ...)(*args)")
            flat_out, out_spec = tree_flatten(out)
            check_outputs(flat_out, api)
            blocks = (_forward_blocks if forward else _reverse_blocks)(level, flat_out, flat_in)
        per_out = [tree_unflatten(row, in_spec) for row in blocks]
        if isinstance(argnums, int):
            per_out = [row[0] for row in per_out]
        jac = tree_unflatten(per_out, out_spec)
        return (jac, level.lift(aux)) if has_aux else jac
    return wrapper


def _reverse_blocks(level, outputs, inputs):
    """blocks[i][j] = d outputs[i] / d inputs[j], shaped outputs[i].shape + inputs[j].shape:
    one reverse pass per element of each output."""
    create = level.watched(outputs)
    blocks = []
    for o in outputs:
        rows = [[] for _ in inputs]
        for e in range(o.numel()):
            seed = np.zeros(o.numel(), o.dtype)
            seed[e] = 1
            for r, g in zip(rows, vjp_flat([o], inputs, [seed.reshape(o.shape)], create)):
                r.append(g)
        blocks.append([stack(r).reshape(tuple(o.shape) + tuple(x.shape)) if r else
                       creation.zeros(*(tuple(o.shape) + tuple(x.shape)), dtype=x.dtype)
                       for r, x in zip(rows, inputs)])
    return blocks


def _forward_blocks(level, outputs, inputs):
    """The same blocks, one double-vjp column per element of each input."""
    sizes = [x.numel() for x in inputs]
    tangent_sets = []
    for j, x in enumerate(inputs):
        for e in range(sizes[j]):
            ts = [creation.zeros_like(y) for y in inputs]
            t = np.zeros(sizes[j], x.dtype)
            t[e] = 1
            ts[j] = Tensor(t.reshape(x.shape))
            tangent_sets.append(ts)
    columns = jvp_columns(level, outputs, inputs, tangent_sets)
    blocks = []
    for i, o in enumerate(outputs):
        full = stack([c[i] for c in columns], dim=-1) if columns else None
        row, start = [], 0
        for x, n in zip(inputs, sizes):
            shape = tuple(o.shape) + tuple(x.shape)
            row.append(full[..., start:start + n].reshape(shape) if n else
                       creation.zeros(*shape, dtype=o.dtype))
            start += n
        blocks.append(row)
    return blocks


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None):
    """f -> its Jacobian with respect to args[argnums] by reverse mode: for output leaf i and
    input leaf j a block of shape out_i.shape + in_j.shape, nested as the output's pytree of
    the inputs' (a tuple for tuple argnums). chunk_size is accepted and has no effect (each
    row is its own backward pass)."""
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")
    return _jacobian(func, argnums, has_aux, "jacrev", forward=False)


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """jacrev's result, built column by column (one per input element) by the double-vjp
    trick: the cheaper one when inputs have fewer elements than outputs. f runs once, so
    randomness does not matter and is only checked."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    return _jacobian(func, argnums, has_aux, "jacfwd", forward=True)


def hessian(func, argnums=0):
    """f -> its Hessian with respect to args[argnums]: jacrev(jacrev(f)) (torch composes
    jacfwd(jacrev(f)); the values are the same)."""
    return jacrev(jacrev(func, argnums), argnums)


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """torch.func.vmap as a Python loop: func runs once per index of the mapped dim (each
    input sliced with select(in_dim, i)) and the outputs are stacked at out_dims. Not
    vectorized, so it costs batch-size calls, but it is exact, differentiable, and nests:
    vmap(vmap(f)), vmap(grad(f)) (per-sample gradients), jacrev(vmap(f)).

    in_dims: an int, or a tuple matching the positional args whose entries are an int, None
    (not mapped) or a nested tuple/list/dict for a pytree arg; kwargs are not mapped.
    out_dims: an int, None or a pytree of them matching the output. randomness: 'error'
    raises when func draws from the default generator, 'same' replays one draw for every
    sample, 'different' lets them differ. chunk_size is accepted and has no effect."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got "
                         f"{chunk_size})")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        name = getattr(func, "__name__", repr(func))
        if not isinstance(out_dims, int) or isinstance(out_dims, bool):
            for d in tree_flatten(out_dims)[0]:
                if not (d is None or isinstance(d, int)):
                    raise ValueError(f"vmap({name}, ..., out_dims={out_dims}): `out_dims` must "
                                     f"be an int, None or a python collection of ints "
                                     f"representing where in the outputs the vmapped "
                                     f"dimension should appear.")
        size, dims, flat, spec = _mapped_inputs(name, in_dims, args)
        outs, start = [], generator.get_rng_state()
        for i in range(max(size, 1)):
            if randomness == "same" and i:
                generator.set_rng_state(start)   # every sample replays the first one's draws
            sample = [a if d is None else
                      a.select(d, i) if size else   # no sample to run: one of zeros
                      creation.zeros(*(a.shape[:d] + a.shape[d + 1:]), dtype=a.dtype)
                      for a, d in zip(flat, dims)]
            outs.append(func(*tree_unflatten(sample, spec), **kwargs))
            if randomness == "error" and generator.get_rng_state() != start:
                raise RuntimeError("vmap: called random operation while in randomness error "
                                   "mode. Please either use the 'same' or 'different' "
                                   "randomness flags on vmap or perform the randomness "
                                   "operation out of vmap")
        return _stacked_outputs(name, outs, out_dims, size)
    return wrapped


def _mapped_inputs(name, in_dims, args):
    """(batch size, flat in_dims (non-negative or None), flat args, args' spec), checked as
    torch.func.vmap checks them."""
    where = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>)"
    if isinstance(in_dims, bool) or not isinstance(in_dims, (int, tuple)):
        raise ValueError(f"{where}: expected `in_dims` to be int or a (potentially nested) "
                         f"tuple matching the structure of inputs, got: {type(in_dims)}.")
    if not args:
        raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add "
                         f"inputs, or you are trying to vmap over a function with no inputs. "
                         f"The latter is unsupported.")
    flat, spec = tree_flatten(args)
    dims = broadcast_prefix(in_dims, spec)
    if dims is None:
        raise ValueError(f"{where}: in_dims is not compatible with the structure of `inputs`. "
                         f"in_dims has structure {spec_str(tree_flatten(in_dims)[1])} but "
                         f"inputs has structure {spec_str(spec)}.")
    for k, (a, d) in enumerate(zip(flat, dims)):
        if d is None:
            continue
        if not isinstance(d, int) or isinstance(d, bool):
            raise ValueError(f"{where}: Got in_dim={d} for an input but in_dim must be either "
                             f"an integer dimension or None.")
        if not isinstance(a, Tensor):
            raise ValueError(f"{where}: Got in_dim={d} for an input but the input is of type "
                             f"{type(a)}. We cannot vmap over non-Tensor arguments, please "
                             f"use None as the respective in_dim")
        if not -a.ndim <= d < a.ndim:
            raise ValueError(f"{where}: Got in_dim={d} for some input, but that input is a "
                             f"Tensor of dimensionality {a.ndim} so expected in_dim to satisfy "
                             f"-{a.ndim} <= in_dim < {a.ndim}.")
        dims[k] = d % a.ndim
    sizes = [a.shape[d] for a, d in zip(flat, dims) if d is not None]
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if any(s != sizes[0] for s in sizes):
        raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped "
                         f"dimension, got sizes {sizes} for the mapped dimension")
    return sizes[0], dims, flat, spec


def _stacked_outputs(name, outs, out_dims, size):
    """The per-sample outputs stacked leaf by leaf at their out_dim (size 0: empty
    tensors shaped from the one run on zeros); an out_dim of None keeps the first, which
    every sample must have given (torch refuses a batched output there: here one that
    differs from sample to sample is refused)."""
    flat0, spec = tree_flatten(outs[0])
    if spec is None:   # a single output: out_dims may be d or (d,)
        dims = list(out_dims) if isinstance(out_dims, tuple) and len(out_dims) == 1 else (
            [out_dims] if not _is_node(out_dims) else None)
    else:
        dims = broadcast_prefix(out_dims, spec)
    if dims is None:
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not "
                         f"compatible with the structure of `outputs`. out_dims has structure "
                         f"{spec_str(tree_flatten(out_dims)[1])} but outputs has structure "
                         f"{spec_str(spec)}.")
    flats = [flat0]
    for o in outs[1:]:
        f, s = tree_flatten(o)
        if s != spec:
            raise ValueError(f"vmap({name}, ...): `{name}` returned outputs of different "
                             f"structures for different samples: {spec_str(spec)} and "
                             f"{spec_str(s)}")
        flats.append(f)
    result = []
    for k, d in enumerate(dims):
        if d is None:
            if isinstance(flat0[k], Tensor) and any(
                    not (f[k].shape == flat0[k].shape and np.array_equal(
                        f[k]._data, flat0[k]._data, equal_nan=f[k]._data.dtype.kind in "fc"))
                    for f in flats[1:]):
                raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor "
                                 f"when out_dim is None (output {k} differs from sample to "
                                 f"sample; give it an out_dim)")
            result.append(flat0[k])
            continue
        if not isinstance(flat0[k], Tensor):
            raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                             f"{type(flat0[k])}. Did you mean to set out_dims= to None for "
                             f"output?")
        if size == 0:
            shape = list(flat0[k].shape)
            shape.insert(d % (len(shape) + 1), 0)
            result.append(creation.zeros(*shape, dtype=flat0[k].dtype))
        else:
            result.append(stack([f[k] for f in flats], dim=d))
    return tree_unflatten(result, spec)
