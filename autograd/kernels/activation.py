"""Pointwise activation kernels on arrays of one float dtype.

The wrappers flatten with reshape(-1), which copies a non-contiguous input; outputs are made
with np.empty(shape) (C order, never empty_like, which copies the input's strides) so that
their flat view is a view and the kernel's writes land in the returned array.
"""
import numba as nb
import numpy as np

from .fastexp import exp_, sigmoid_f32

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)


@_jit
def _relu_forward(x, out):
    zero = out.dtype.type(0)
    for i in range(x.size):
        v = x[i]
        out[i] = zero if v <= zero else v   # a NaN passes, as PyTorch's


def relu_forward(x: np.ndarray) -> np.ndarray:
    """y = max(x, 0), NaN kept. A select loop: np.maximum, which must order NaNs, ran 4.7x
    slower on AVX2 (0.22 against 0.046 ms for LeNet's first activation, measured)."""
    out = np.empty(x.shape, x.dtype)
    _relu_forward(x.reshape(-1), out.reshape(-1))
    return out


@_jit
def _relu_backward(y, g, out):
    zero = out.dtype.type(0)
    for i in range(y.size):
        out[i] = zero if y[i] <= 0 else g[i]   # a NaN y passes g, as PyTorch's


def relu_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """dx = 0 where y <= 0, else g (NaN included)."""
    out = np.empty(y.shape, y.dtype)
    _relu_backward(y.reshape(-1), g.reshape(-1), out.reshape(-1))
    return out


@_jit
def _hardtanh_backward(x, g, lo, hi, out):
    zero = out.dtype.type(0)
    for i in range(x.size):
        v = x[i]
        out[i] = zero if v <= lo or v >= hi else g[i]   # a NaN x passes g, as PyTorch's


def hardtanh_backward(x: np.ndarray, g: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """dx = 0 where x <= lo or x >= hi, else g (NaN included, as PyTorch's hardtanh_backward).
    One pass: numpy's where of two compares and an and took 3x as long on a (64, 256)
    float32 (24 against 5 to 8 us, measured)."""
    out = np.empty(x.shape, x.dtype)
    t = x.dtype.type
    _hardtanh_backward(x.reshape(-1), g.reshape(-1), t(lo), t(hi), out.reshape(-1))
    return out


@_jit
def _leaky_relu_forward(x, slope, out):
    for i in range(x.size):
        v = x[i]
        out[i] = v if v > 0 else v * slope


def leaky_relu_forward(x: np.ndarray, slope: float) -> np.ndarray:
    """y = x if x > 0 else slope * x."""
    out = np.empty(x.shape, x.dtype)
    _leaky_relu_forward(x.reshape(-1), x.dtype.type(slope), out.reshape(-1))
    return out


@_jit
def _leaky_relu_backward(x, g, slope, out):
    for i in range(x.size):
        out[i] = g[i] if x[i] > 0 else g[i] * slope


def leaky_relu_backward(x: np.ndarray, g: np.ndarray, slope: float) -> np.ndarray:
    out = np.empty(x.shape, x.dtype)
    _leaky_relu_backward(x.reshape(-1), g.reshape(-1), x.dtype.type(slope), out.reshape(-1))
    return out


@_jit
def _negative_abs(x, out):
    for i in range(x.size):
        out[i] = -abs(x[i])


@_jit
def _sigmoid_from_exp(x, e, out):
    # e = exp(-|x|) in (0, 1]: never overflows, for either sign of x
    one = out.dtype.type(1)
    for i in range(x.size):
        v = e[i]
        r = one / (one + v)
        out[i] = r if x[i] >= 0 else v * r


def sigmoid_forward(x: np.ndarray) -> np.ndarray:
    """Overflow-free logistic function from e = exp(-|x|): fastexp's one-pass kernel on
    float32, numpy's exp between two loops on float64. x is C-contiguous."""
    if x.dtype == np.float32:
        out = np.empty(x.shape, np.float32)
        sigmoid_f32(x.reshape(-1), out.reshape(-1))
        return out
    flat = x.reshape(-1)
    e = np.empty(x.size, x.dtype)
    _negative_abs(flat, e)
    exp_(e)
    out = np.empty(x.shape, x.dtype)
    _sigmoid_from_exp(flat, e, out.reshape(-1))
    return out


@_jit
def _sigmoid_backward(y, g, out):
    one = out.dtype.type(1)
    for i in range(y.size):
        out[i] = g[i] * y[i] * (one - y[i])


def sigmoid_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """dx = g * y * (1 - y)."""
    out = np.empty(y.shape, y.dtype)
    _sigmoid_backward(y.reshape(-1), g.reshape(-1), out.reshape(-1))
    return out


@_jit
def _tanh_backward(y, g, out):
    one = out.dtype.type(1)
    for i in range(y.size):
        out[i] = g[i] * (one - y[i] * y[i])


def tanh_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """dx = g * (1 - y^2)."""
    out = np.empty(y.shape, y.dtype)
    _tanh_backward(y.reshape(-1), g.reshape(-1), out.reshape(-1))
    return out
