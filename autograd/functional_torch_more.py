"""Top-level functions of torch that ported code meets and the other functional modules lack:
shape and dtype queries (broadcast_shapes, result_type, promote_types, can_cast, is_nonzero,
...), constructors (asarray, scalar_tensor, from_dlpack), concatenate, the seed and
default-device functions, rsub / fill / masked_fill / detach and the function forms of
Tensor methods (ldexp, frexp, fliplr, addr, ...), including torch's top-level in-place forms
(autograd.exp_(x) is x.exp_()).

Values follow PyTorch's promotion and dtypes; the differentiable ones are Tensor ops, so they
need no VJP of their own. Errors PyTorch raises as RuntimeError are also the engine's
ValueError / TypeError (torch_errors).
"""
from __future__ import annotations

import builtins
from numbers import Number

import numpy as np

from . import compat, dtypes, generator
from . import tensor_math as _tm  # its Tensor is bound by tensor.py once the class exists
from .device import as_device, cpu
from .functional_more import _method
from .tensor_methods_more import layout, strided  # noqa: F401  (torch.layout, torch.strided)
from .torch_errors import ArgumentError

# ruff: noqa: A001, A002  (input, range, ... are PyTorch's names)


def _tensor(op, x, name="input"):
    if not isinstance(x, _tm.Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


# ------------------------------------------------------------------ shapes and dtypes
def broadcast_shapes(*shapes):
    """The shape that tensors of these shapes broadcast to (ints count as 1-D shapes), as a
    Size; no tensor is made."""
    dims = []
    for shape in shapes:
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        if builtins.any(n < 0 for n in shape):
            raise ValueError("broadcast_shapes: Attempting to broadcast a dimension with "
                             "negative length!")
        dims.append(shape)
    out = []
    for k in builtins.range(1, builtins.max((len(s) for s in dims), default=0) + 1):
        size = 1
        for i, s in enumerate(dims):
            n = s[-k] if k <= len(s) else 1
            if n != 1 and size != 1 and n != size:
                raise ArgumentError(
                    f"broadcast_shapes: Attempting to broadcast a dimension of length {n} at "
                    f"{-k}! Mismatching argument at index {i} had {s}; but expected shape "
                    f"should be broadcastable to {list(reversed(out + [size]))}")
            size = n if n != 1 else size
        out.append(size)
    return compat.Size(reversed(out))


def _dtype_of(x) -> tuple:
    """(dtype, rank) of a result_type operand: a tensor's dtype, or a Python number's
    category (bool < int < float) at rank 'number', which never widens a tensor."""
    if isinstance(x, _tm.Tensor):
        return x.dtype, ("tensor" if x.ndim else "0d")
    if isinstance(x, (bool, np.bool_)):
        return np.dtype(np.bool_), "number"
    if isinstance(x, (int, np.integer)):
        return np.dtype(np.int64), "number"
    if isinstance(x, (float, np.floating)):
        return dtypes._default_dtype, "number"
    raise TypeError(f"result_type: expected a tensor or a number, got {type(x).__name__}")


def result_type(tensor1, tensor2):
    """The dtype that an arithmetic op of the two (tensors or numbers) returns: a higher
    category (bool < integer < float) wins; within one, a dimensioned tensor beats a 0-d one,
    which beats a Python number."""
    (da, ra), (db, rb) = _dtype_of(tensor1), _dtype_of(tensor2)
    rank = {"tensor": 2, "0d": 1, "number": 0}
    ka, kb = dtypes._KIND_RANK[da.kind], dtypes._KIND_RANK[db.kind]
    if ka != kb:
        return dtypes.of(da if ka > kb else db)
    if rank[ra] != rank[rb]:
        return dtypes.of(da if rank[ra] > rank[rb] else db)
    return promote_types(da, db)


def promote_types(type1, type2):
    """The smallest dtype both can be cast to without losing their category, as torch:
    bool < integers < floats; uint8 with int8 gives int16."""
    a, b = np.dtype(type1), np.dtype(type2)
    ka, kb = dtypes._KIND_RANK[a.kind], dtypes._KIND_RANK[b.kind]
    return dtypes.of((a if ka > kb else b) if ka != kb else np.promote_types(a, b))


def can_cast(from_, to):
    """Whether torch's type promotion allows casting from_ to `to`: never to a lower category
    (float -> integer, integer -> bool); within one, any width goes."""
    a, b = np.dtype(from_), np.dtype(to)
    return dtypes._KIND_RANK[a.kind] <= dtypes._KIND_RANK[b.kind] and not (
        a.kind in "iu" and b.kind == "b")


def is_nonzero(input):
    return _tensor("is_nonzero", input).is_nonzero()


def is_same_size(input, other):
    return _tensor("is_same_size", input).is_same_size(_tensor("is_same_size", other, "other"))


def is_complex(input):
    return _tensor("is_complex", input).is_complex()


def is_signed(input):
    return _tensor("is_signed", input).is_signed()


def is_conj(input):
    return _tensor("is_conj", input).is_conj()


def is_neg(input):
    return _tensor("is_neg", input).is_neg()


# ------------------------------------------------------------------ constructors
def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=None):
    """obj as a tensor, sharing memory when it can: a Tensor of the dtype asked is returned
    itself (detached when requires_grad=False), a numpy array of a supported dtype is
    shared; copy=True always copies, copy=False refuses to. Sequences and numbers follow
    tensor()'s dtype rules."""
    if device is not None:
        as_device(device, "asarray")
    want = None if dtype is None else np.dtype(dtype)
    if isinstance(obj, _tm.Tensor):
        if want is not None and want != obj.dtype:
            if copy is False:
                raise ArgumentError(f"asarray: can't alias tensor with dtype {obj.dtype} into "
                                    f"dtype {want}.")
            out = obj.detach().to(want)
        elif copy:
            out = obj.detach().clone()
        elif requires_grad is False and obj.requires_grad:
            out = obj.detach()
        else:
            out = obj
    elif isinstance(obj, np.ndarray):
        if copy is False and want is not None and want != obj.dtype:
            raise ArgumentError(f"asarray: can't alias an array with dtype {obj.dtype} into "
                                f"dtype {want}.")
        arr = obj.astype(want, copy=bool(copy)) if want is not None else (
            obj.copy() if copy else obj)
        out = _tm.Tensor._wrap(dtypes._supported(arr, "asarray"), False)
    else:
        if copy is False:
            raise ArgumentError("asarray: can't alias arbitrary sequence into a tensor.")
        if isinstance(obj, (list, tuple)) and obj and builtins.all(
                isinstance(o, _tm.Tensor) for o in obj):
            obj = [o.detach().numpy() for o in obj]
        from .tensor import _to_array
        out = _tm.Tensor._wrap(_to_array(obj, want), False)
    if requires_grad and not out.requires_grad:
        out.requires_grad_(True)
    return out


def from_dlpack(ext_tensor):
    """A tensor sharing the memory of any object with __dlpack__ (a torch or numpy array,
    another engine's tensor)."""
    arr = np.from_dlpack(ext_tensor)
    return _tm.Tensor._wrap(dtypes._supported(arr, "from_dlpack"), False)


def to_dlpack(tensor):
    """The DLPack capsule of a tensor's data (what from_dlpack of another library reads)."""
    return _tensor("to_dlpack", tensor, "tensor").__dlpack__()


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    """A 0-d tensor of the number s, in the default float dtype unless dtype is given (an
    int or a bool gives a float too, as torch)."""
    if device is not None:
        as_device(device, "scalar_tensor")
    if isinstance(s, _tm.Tensor):
        s = s.item()
    if not isinstance(s, (Number, np.generic)):
        raise TypeError(f"scalar_tensor(): argument 's' must be Number, not "
                        f"{type(s).__name__}")
    dt = dtypes._default_dtype if dtype is None else np.dtype(dtype)
    return _tm.Tensor(np.asarray(s, dt), requires_grad=requires_grad)


def concatenate(tensors, axis=0, out=None, *, dim=None):
    """cat under numpy's name: torch.concatenate(tensors, axis) (dim= works too)."""
    if out is not None:
        raise TypeError("concatenate: out= is not supported")
    from .tensor_shape import cat
    return cat(tensors, axis if dim is None else dim)


# ------------------------------------------------------------------ seeds and devices
def initial_seed() -> int:
    """The seed the default generator was last seeded with (manual_seed or seed)."""
    rng = generator.default_generator()
    return rng.initial_seed() if hasattr(rng, "initial_seed") else 0


def seed() -> int:
    """Seed the default generator from the OS's entropy; returns the seed."""
    rng = generator.default_generator()
    if hasattr(rng, "seed"):
        return rng.seed()
    s = int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
    generator.manual_seed(s)
    return s


def set_default_device(device):
    """Only the CPU (or None, which restores it) can be the default device here."""
    if device is not None:
        as_device(device, "set_default_device")


def get_default_device():
    return cpu


# ------------------------------------------------------------------ values
def rsub(input, other, *, alpha=1):
    """other - alpha * input (input's reflected subtraction), with the promotion of sub."""
    x = _tm._t(input)
    return (other if isinstance(other, _tm.Tensor) else x._operand(other)).sub(x, alpha=alpha)


def fill(input, value):
    """A tensor of input's shape and dtype, every element value (a number or a 0-d tensor,
    which gets the gradient of the sum); input gets a zero gradient."""
    x = _tensor("fill", input)
    if isinstance(value, _tm.Tensor) and value.ndim != 0:
        raise ArgumentError(f"fill_ only supports 0-dimension value tensor but got tensor "
                            f"with {value.ndim} dimensions.")
    mask = _tm.Tensor._wrap(np.ones((), bool), False)
    return x.masked_fill(mask, value.to(x.dtype) if isinstance(value, _tm.Tensor) else value)


def fill_(input, value):
    return _tensor("fill_", input).fill_(value)


def zero_(input):
    return _tensor("zero_", input).zero_()


def masked_fill(input, mask, value):
    return _tensor("masked_fill", input).masked_fill(mask, value)


def detach(input):
    return _tensor("detach", input).detach()


def detach_(input):
    return _tensor("detach_", input).detach_()


def ger(input, vec2):
    """The outer product of two 1-D tensors (torch.outer's old name)."""
    return _tensor("ger", input).outer(vec2)


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    return _tm._t(input).addr(vec1, vec2, beta=beta, alpha=alpha)


fliplr, flipud, adjoint, isposinf, isneginf, isreal, ldexp, frexp = map(
    _method, ["fliplr", "flipud", "adjoint", "isposinf", "isneginf", "isreal", "ldexp",
              "frexp"])
unsafe_chunk, unsafe_split = map(_method, ["unsafe_chunk", "unsafe_split"])


def get_device(input):
    return _tensor("get_device", input).get_device()


def real(input):
    return _tensor("real", input).real


def imag(input):
    return _tensor("imag", input).imag


def split_with_sizes(input, split_sizes, dim=0):
    return _tensor("split_with_sizes", input).split_with_sizes(split_sizes, dim)


def ldexp_(input, other):
    return _tensor("ldexp_", input).ldexp_(other)


# ------------------------------------------------------------------ in-place forms
# torch.exp_(x) and friends: the Tensor method of the same name, on a tensor only
_IN_PLACE = ["abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_",
             "arcsinh_", "arctan_", "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_",
             "clamp_", "clamp_max_", "clamp_min_", "clip_", "cos_", "cosh_", "deg2rad_",
             "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fix_", "floor_", "frac_", "gcd_",
             "i0_", "lcm_", "log10_", "log1p_", "log2_", "log_", "logit_", "nan_to_num_",
             "neg_", "negative_", "rad2deg_", "reciprocal_", "relu_", "round_", "rsqrt_",
             "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_", "tan_", "tanh_",
             "trunc_", "xlogy_"]


def _in_place_form(name):
    def fn(input, *args, **kwargs):
        return getattr(_tensor(name, input), name)(*args, **kwargs)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"autograd.{name}(input, ...) is input.{name}(...), in place."
    return fn


globals().update({name: _in_place_form(name) for name in _IN_PLACE})

__all__ = ["broadcast_shapes", "result_type", "promote_types", "can_cast", "is_nonzero",
           "is_same_size", "is_complex", "is_signed", "is_conj", "is_neg", "asarray",
           "concatenate", "scalar_tensor", "initial_seed", "seed", "set_default_device",
           "get_default_device", "rsub", "fill", "fill_", "zero_", "masked_fill", "detach",
           "detach_", "ger", "addr", "fliplr", "flipud", "adjoint", "isposinf", "isneginf",
           "isreal", "ldexp", "ldexp_", "frexp", "unsafe_chunk", "unsafe_split",
           "from_dlpack", "to_dlpack", "get_device", "real", "imag", "split_with_sizes",
           "layout", "strided", *_IN_PLACE]
