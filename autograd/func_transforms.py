"""torch.func's autodiff transforms on the reverse-mode engine: grad, grad_and_value, vjp,
jvp, the machinery they and func.py's jacrev/jacfwd/hessian share, and the small pytree
helpers of all of them and vmap.

Every transform differentiates with autograd.grad. Its inputs enter as fresh tensors: a
detached leaf of its own, or, when an input already requires grad and grad mode is on, a
view of it (so that an outer transform or backward() reaches the input through the result).
The backward pass is recorded (create_graph=True) only when the graph reaches a tensor
requiring grad that the transform did not make itself: then someone outside can differentiate
the result, as in grad(grad(f)) or jacrev(jacrev(f)); otherwise it is the engine's plain array
pass and the results carry no graph, as torch.func's do.

Forward mode is the double-vjp trick: with u a dummy cotangent, g(u) = J^T u is linear in u,
so J t = d<g(u), t>/du, one more reverse pass over the recorded first one. jvp and jacfwd work
so (every op f uses needs a recorded VJP).
"""
from __future__ import annotations

import functools
from collections import OrderedDict

from . import backprop, creation, function
from .function import Node
from .tensor import Tensor

# ----------------------------------------------------------------------------- pytrees
# A spec is None for a leaf, else (node type, dict keys or None, child specs). Nodes are
# tuples, lists, dicts, OrderedDicts and namedtuples; everything else, None too, is a leaf,
# as in torch.utils._pytree.


def _is_node(x) -> bool:
    t = type(x)
    return t in (tuple, list, dict, OrderedDict) or (isinstance(x, tuple) and
                                                     hasattr(t, "_fields"))


def tree_flatten(tree):
    """(leaves in order, spec): dicts in their keys' insertion order."""
    leaves = []

    def walk(x):
        if not _is_node(x):
            leaves.append(x)
            return None
        if isinstance(x, dict):
            return type(x), tuple(x), tuple(walk(v) for v in x.values())
        return type(x), None, tuple(walk(v) for v in x)
    return leaves, walk(tree)


def tree_unflatten(leaves, spec):
    """The tree of `spec` with `leaves` in place of its leaves."""
    it = iter(leaves)

    def build(s):
        if s is None:
            return next(it)
        kind, keys, children = s
        values = [build(c) for c in children]
        if keys is not None:
            return kind(zip(keys, values))
        return kind(values) if kind in (tuple, list) else kind(*values)   # a namedtuple
    return build(spec)


def tree_map(fn, tree):
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([fn(x) for x in leaves], spec)


def _num_leaves(spec) -> int:
    return 1 if spec is None else sum(_num_leaves(c) for c in spec[2])


def broadcast_prefix(prefix, spec):
    """prefix's leaves repeated over the leaves of the subtrees of `spec` they stand for
    (in_dims=(0, None) over args (x, {'a': y, 'b': z}) -> [0, None, None]); None when prefix
    is not a prefix of that tree."""
    if not _is_node(prefix):
        return [prefix] * _num_leaves(spec)
    if spec is None:
        return None
    kind, keys, children = spec
    got = tuple(prefix) if isinstance(prefix, dict) else None
    if type(prefix) is not kind or got != keys or len(prefix) != len(children):
        return None
    out = []
    values = prefix.values() if isinstance(prefix, dict) else prefix
    for p, c in zip(values, children):
        sub = broadcast_prefix(p, c)
        if sub is None:
            return None
        out += sub
    return out


def spec_str(spec) -> str:
    if spec is None:
        return "*"
    kind, keys, children = spec
    inner = ", ".join(spec_str(c) if keys is None else f"{k!r}: {spec_str(c)}"
                      for k, c in zip(keys or children, children))
    return f"{kind.__name__}({inner})"


# ------------------------------------------------------------------------ the machinery
def _slice_argnums(args: tuple, argnums, as_tuple=True):
    """args[argnums] (as torch.func: negative argnums count from the end; a tuple of them
    gives a tuple of args; as_tuple wraps a single one)."""
    def one(a):
        if not isinstance(a, int) or isinstance(a, bool):
            raise RuntimeError(f"argnum must be int, got: {type(a)}")
        if -len(args) <= a < len(args):
            return a % len(args)
        raise RuntimeError(f"Got argnum={a}, but only {len(args)} positional inputs")
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        a = one(argnums)
        return (args[a],) if as_tuple else args[a]
    if not isinstance(argnums, tuple):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    if not argnums:
        raise RuntimeError("argnums must be non-empty")
    picked = tuple(one(a) for a in argnums)
    if len(set(picked)) != len(picked):
        raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    return tuple(args[a] for a in picked)


class Level:
    """One transform's inputs: the fresh tensors it differentiates with respect to."""

    def __init__(self):
        self.outer = function.is_grad_enabled()   # can anyone outside differentiate?
        self.private = set()                      # ids of the leaves this level made

    def enter(self, x):
        if not isinstance(x, Tensor):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
        if self.outer and x.requires_grad:
            return x.view_as(x)   # a node of its own; the gradient flows on into x
        t = x.detach().requires_grad_(True)
        self.private.add(id(t))
        return t

    def wrap(self, args: tuple, argnums):
        """args with the argnums ones made fresh (all when argnums is None); returns them and
        the flat fresh tensors and spec of what argnums picked, always as a tuple."""
        if argnums is None:
            picked, spec = tree_flatten(args)
            flat = [self.enter(x) for x in picked]
            return tree_unflatten(flat, spec), flat, spec
        _slice_argnums(args, argnums)   # validates
        nums = (argnums,) if isinstance(argnums, int) else argnums
        nums = tuple(a % len(args) for a in nums)
        new, flat = list(args), []
        for a in nums:
            leaves, s = tree_flatten(args[a])
            fresh = [self.enter(x) for x in leaves]
            flat += fresh
            new[a] = tree_unflatten(fresh, s)
        _, spec = tree_flatten(tuple(args[a] for a in nums))
        return tuple(new), flat, spec

    def watched(self, tensors) -> bool:
        """Whether the graph of any of tensors reaches a tensor requiring grad that this
        level did not make: only then must its backward pass be recorded."""
        if not (self.outer and function.is_grad_enabled()):
            return False
        stack_, seen = [], set()
        for t in tensors:
            if isinstance(t, Tensor) and t.requires_grad:
                if t._node is None:
                    if id(t) not in self.private:
                        return True
                else:
                    stack_.append(t._node)
        while stack_:
            node = stack_.pop()
            if node in seen:
                continue
            seen.add(node)
            for p in node.parents:
                if p.__class__ is Node:
                    stack_.append(p)
                elif p is not None and id(p) not in self.private:
                    return True
        return False

    def lift(self, tree):
        """A result as the caller sees it: tensors whose graph leads nowhere outside are
        detached (their graph ends at this level's own inputs). Only tensors, as torch."""
        def one(t):
            if not isinstance(t, Tensor):
                raise RuntimeError(f"Expected tensors, got unsupported type {type(t)}")
            return t if self.watched([t]) else t.detach()
        return tree_map(one, tree)


def vjp_flat(outputs, inputs, cotangents, create: bool, retain=True):
    """sum_k <cotangents[k], d outputs[k] / d inputs>, zeros where nothing arrives."""
    pairs = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad]
    found = [None] * len(inputs)
    if pairs:
        found = backprop.grad([o for o, _ in pairs], inputs, [c for _, c in pairs],
                              retain_graph=retain, create_graph=create, allow_unused=True)
    return [creation.zeros_like(x) if g is None else g for g, x in zip(found, inputs)]


def jvp_columns(level, outputs, inputs, tangent_sets, strict=False):
    """[J t for t in tangent_sets] (each a list shaped like outputs) by the double-vjp trick:
    g(u) = J^T u recorded once, then one reverse pass per tangent set."""
    live = [k for k, o in enumerate(outputs) if o.requires_grad]
    us = [creation.zeros_like(outputs[k], requires_grad=True) for k in live]
    level.private.update(id(u) for u in us)
    g = vjp_flat([outputs[k] for k in live], inputs, us, create=True) if live else []
    pairs = [(gi, j) for j, gi in enumerate(g) if gi.requires_grad]
    flat_t = [t for ts in tangent_sets for t in ts]
    create = level.watched([gi for gi, _ in pairs] + flat_t)
    columns = []
    for ts in tangent_sets:
        found = [None] * len(us)
        if pairs:
            found = backprop.grad([gi for gi, _ in pairs], us, [ts[j] for _, j in pairs],
                                  retain_graph=True, create_graph=create, allow_unused=True)
        col = [None] * len(outputs)
        for k, f in zip(live, found):
            col[k] = f
        if strict and any(c is None for c in col):
            raise RuntimeError("jvp(f, primals, tangents, strict=True): The output of f is "
                               "independent of the inputs. This is not allowed with "
                               "strict=True.")
        columns.append([creation.zeros_like(o) if c is None else c
                        for c, o in zip(col, outputs)])
    return columns


def split_aux(out, has_aux: bool, api: str):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{api}: output of function f should be a tuple: (output, aux) "
                           f"if has_aux is True")
    return out


def check_outputs(flat_out, api: str):
    if len(flat_out) < 1 or (len(flat_out) == 1 and flat_out[0] is None):
        raise RuntimeError(f"{api}: Expected f to be a function that has non-empty output "
                           f"(got output = {flat_out})")
    for o in flat_out:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"{api}: expected f(*primals) to return only tensors, got "
                               f"unsupported type {type(o)}")


# ------------------------------------------------------------------------ the transforms
def grad_and_value(func, argnums=0, has_aux=False):
    """f -> (d f / d args[argnums], f(args)) for a scalar-valued f; argnums an int or a tuple
    of ints, each arg a Tensor or a pytree (tuple, list, dict) of Tensors; with has_aux, f
    returns (output, aux) and the value is (output, aux)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        level = Level()
        with function.enable_grad():
            args, flat, spec = level.wrap(args, argnums)
            output, aux = split_aux(func(*args, **kwargs), has_aux, "grad_and_value(f)(*args)")
            if not isinstance(output, Tensor):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a "
                                   f"Tensor, got {type(output)}")
            if output.ndim != 0:
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a "
                                   f"scalar Tensor, got tensor with {output.ndim} dims. Maybe "
                                   f"you wanted to use the vjp or jacrev APIs instead?")
            grads = vjp_flat([output], flat, [None], level.watched([output]), retain=None)
        grads = tree_unflatten(grads, spec)
        grads = grads[0] if isinstance(argnums, int) else grads
        output = level.lift(output)
        return (grads, (output, level.lift(aux))) if has_aux else (grads, output)
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """f -> d f / d args[argnums] for a scalar-valued f (with has_aux: (grad, aux)); see
    grad_and_value. Composes: grad(grad(f)), vmap(grad(f)), jacrev(grad(f))."""
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


def vjp(func, *primals, has_aux=False):
    """(f(*primals), vjp_fn[, aux]): vjp_fn(cotangents shaped like the output) -> a tuple of
    gradients shaped like primals; callable again and again."""
    level = Level()
    with function.enable_grad():
        wrapped, flat_in, in_spec = level.wrap(primals, None)
        out, aux = split_aux(func(*wrapped), has_aux, "vjp(f, *primals)")
        flat_out, out_spec = tree_flatten(out)
        check_outputs(flat_out, "vjp(f, *primals)")
        for o in flat_out:
            if o.dtype.kind != "f":
                raise RuntimeError(f"vjp(f, ...): All outputs of f must be floating-point or "
                                   f"complex Tensors, got Tensor with dtype {o.dtype}")

    def vjp_fn(cotangents, retain_graph=True, create_graph=None):
        flat_ct, ct_spec = tree_flatten(cotangents)
        if ct_spec != out_spec:
            raise RuntimeError(f"Expected pytree structure of cotangents to be the same as "
                               f"pytree structure of outputs to the function. cotangents: "
                               f"{spec_str(ct_spec)}, primal output: {spec_str(out_spec)}")
        if create_graph is None:
            create_graph = level.watched(flat_out) or (function.is_grad_enabled() and any(
                isinstance(c, Tensor) and c.requires_grad for c in flat_ct))
        with function.enable_grad():
            found = vjp_flat(flat_out, flat_in, flat_ct, create_graph, retain_graph)
        return tree_unflatten(found, in_spec)
    results = level.lift(out)
    return (results, vjp_fn, level.lift(aux)) if has_aux else (results, vjp_fn)


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(f(*primals), J(primals) @ tangents[, aux]) with tangents shaped like primals, by the
    double-vjp trick (see the module's doc)."""
    api = "jvp(f, primals, tangents)"
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{api}: Expected primals to be a tuple. E.g. it should be valid "
                           f"to call f(*primals).")
    flat_p, p_spec = tree_flatten(primals)
    flat_t, t_spec = tree_flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError(f"{api}: Expected primals and tangents to have the same python "
                           f"structure. For example, if primals is a tuple of 3 tensors, "
                           f"tangents also must be. Got primals with structure "
                           f"{spec_str(p_spec)} and tangents with structure {spec_str(t_spec)}")
    for name, flat in (("primals", flat_p), ("tangents", flat_t)):
        if not flat:
            raise RuntimeError(f"{api}: Expected {name} to contain at least one Tensor.")
        for x in flat:
            if not isinstance(x, Tensor):
                raise RuntimeError(f"{api}: Expected {name} to only contain Tensors, got "
                                   f"{type(x)}")
    for p, t in zip(flat_p, flat_t):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(f"{api}: tangent with shape {tuple(t.shape)} doesn't match "
                               f"the shape {tuple(p.shape)} of its primal")
    level = Level()
    with function.enable_grad():
        wrapped, flat_in, _ = level.wrap(primals, None)
        out, aux = split_aux(func(*wrapped), has_aux, api)
        flat_out, out_spec = tree_flatten(out)
        check_outputs(flat_out, api)
        (column,) = jvp_columns(level, flat_out, flat_in, [flat_t], strict)
    results = (level.lift(out), tree_unflatten(column, out_spec))
    return results + (level.lift(aux),) if has_aux else results
