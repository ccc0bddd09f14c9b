"""Weight initialisers with PyTorch's names and formulas, in place on a Tensor's data.

Every draw comes from autograd's generator (`autograd.manual_seed` makes it reproducible) and
is made in float64, then cast to the tensor's dtype.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from autograd import creation
from autograd.kernels import special
from autograd.saved import writable
from autograd.tensor import Tensor

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table): relu sqrt(2), tanh 5/3, ..."""
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _array(tensor, op, floating=True) -> np.ndarray:
    """The tensor's array; the random fills need a floating one, the constant ones (zeros_,
    eye_, dirac_, ...) fill integer and bool tensors too, as torch's."""
    if isinstance(tensor, Tensor):
        arr = tensor._data
    elif isinstance(tensor, np.ndarray):
        arr = tensor
    else:
        raise TypeError(f"{op}: expected a Tensor, got {type(tensor).__name__}")
    if floating and arr.dtype.kind != "f":
        raise TypeError(f"{op}: needs a floating-point tensor, got dtype {arr.dtype}")
    return arr


def _fill(tensor, values, op, floating=True):
    """Write values into the tensor's array in place (the Parameter object stays the same)."""
    arr = _array(tensor, op, floating)
    with writable(arr):  # a live graph may hold it read-only; its backward will then raise
        arr[...] = values
    if isinstance(tensor, Tensor):
        tensor._version += 1  # a graph that saved this array must notice the change
    return tensor


def _rng(generator):
    return generator if generator is not None else creation.default_generator()


def _calculate_fan_in_and_fan_out(tensor):
    """fan_in = size(1) * receptive field, fan_out = size(0) * receptive field."""
    shape = _array(tensor, "fan_in/fan_out").shape
    if len(shape) < 2:
        raise ValueError(f"fan_in/fan_out: need a tensor with at least 2 dims, got shape "
                         f"{tuple(shape)}")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a: float = 0.0, b: float = 1.0, generator=None):
    """Fill with U(a, b)."""
    shape = _array(tensor, "uniform_").shape
    return _fill(tensor, _rng(generator).uniform(a, b, size=shape), "uniform_")


def normal_(tensor, mean: float = 0.0, std: float = 1.0, generator=None):
    """Fill with N(mean, std^2)."""
    shape = _array(tensor, "normal_").shape
    return _fill(tensor, _rng(generator).normal(mean, std, size=shape), "normal_")


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with N(mean, std^2) truncated to [a, b], as torch's: uniform values between the
    normal CDF at a and at b, through the inverse CDF (in float64; no redraws, so an interval
    far in a tail takes no longer), clamped to [a, b]."""
    arr = _array(tensor, "trunc_normal_")
    if not a < b:
        raise ValueError(f"trunc_normal_: need a < b, got a={a}, b={b}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The "
                      "distribution of values may be incorrect.", stacklevel=2)
    lo, hi = (math.erf((v - mean) / (std * math.sqrt(2.0))) for v in (a, b))   # 2 cdf - 1
    u = _rng(generator).uniform(lo, hi, size=arr.shape)
    out = np.clip(special.erfinv(u) * (std * math.sqrt(2.0)) + mean, a, b)
    return _fill(tensor, out, "trunc_normal_")


def constant_(tensor, val: float):
    """Fill with val."""
    return _fill(tensor, val, "constant_", floating=False)


def ones_(tensor):
    """Fill with 1."""
    return _fill(tensor, 1, "ones_", floating=False)


def zeros_(tensor):
    """Fill with 0."""
    return _fill(tensor, 0, "zeros_", floating=False)


def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix."""
    arr = _array(tensor, "eye_", floating=False)
    if arr.ndim != 2:
        raise ValueError(f"eye_: needs a 2-D tensor, got shape {tuple(arr.shape)}")
    return _fill(tensor, np.eye(*arr.shape), "eye_", floating=False)


def xavier_uniform_(tensor, gain: float = 1.0, generator=None):
    """Glorot: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain: float = 1.0, generator=None):
    """Glorot: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None):
    """He: U(-bound, bound), bound = gain * sqrt(3 / fan),
    gain = calculate_gain(nonlinearity, a)."""
    if _array(tensor, "kaiming_uniform_").size == 0:
        return tensor
    fan = _fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None):
    """He: N(0, std^2), std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a)."""
    if _array(tensor, "kaiming_normal_").size == 0:
        return tensor
    fan = _fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor, gain: float = 1.0, generator=None):
    """A (semi-)orthogonal matrix from the QR of a Gaussian one, viewed as (size(0), -1)."""
    arr = _array(tensor, "orthogonal_")
    if arr.ndim < 2:
        raise ValueError(f"orthogonal_: needs a tensor with at least 2 dims, got shape "
                         f"{tuple(arr.shape)}")
    if arr.size == 0:
        return tensor
    rows, cols = arr.shape[0], arr.size // arr.shape[0]
    flat = _rng(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))  # makes the distribution uniform (Haar) over orthogonal matrices
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(arr.shape), "orthogonal_")


def default_layer_init_(weight, bias=None):
    """PyTorch's default for Linear and Conv layers: kaiming_uniform_(a=sqrt(5)) on the weight,
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) on the bias (zeros when fan_in is 0)."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        uniform_(bias, -bound, bound)


# PyTorch's deprecated names without the trailing underscore
uniform, normal, constant = uniform_, normal_, constant_
xavier_uniform, xavier_normal = xavier_uniform_, xavier_normal_
kaiming_uniform, kaiming_normal, orthogonal = kaiming_uniform_, kaiming_normal_, orthogonal_
from .init_more import dirac, dirac_, eye, sparse, sparse_  # noqa: E402,F401
