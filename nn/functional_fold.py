"""nn.functional's unfold / fold (im2col / col2im, each the other's VJP), max_unpool1d/2d (the
partial inverse of max pooling with return_indices=True) and lp_pool1d/2d (composed from
avg/max pooling, as PyTorch computes it)."""
from __future__ import annotations

import math
import numbers

import numpy as np

from autograd.kernels.conv import conv_output_size
from autograd.ops.conv import conv_geometry, ntuple
from autograd.ops.fold import Fold, MaxUnpool, Unfold, Windows, windows
from autograd.ops.pooling import pool_geometry
from autograd.ops.unary_more import LinkInput
from autograd.tensor import Tensor
from autograd.tensor_math import where
from autograd.torch_errors import ArgumentError, DtypeError

from .functional import _floats
from .functional_pool import _avg_pool, _max_pool, adaptive_sizes

__all__ = ["unfold", "fold", "max_unpool1d", "max_unpool2d", "max_unpool3d", "lp_pool1d",
           "lp_pool2d", "lp_pool3d", "conv3d", "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d"]


def _shape(x) -> tuple:
    return tuple(x.shape)


# ------------------------------------------------------------------------- unfold / fold
def _window_params(op, kernel_size, dilation, padding, stride):
    """(kernel, stride, padding, dilation) as pairs, checked."""
    return (ntuple(kernel_size, 2, "kernel_size", op, 1), ntuple(stride, 2, "stride", op, 1),
            ntuple(padding, 2, "padding", op, 0), ntuple(dilation, 2, "dilation", op, 1))


def _blocks(size, kernel, stride, padding, dilation):
    """The number of sliding blocks along each spatial dim (may be <= 0: the caller reports)."""
    return tuple(conv_output_size(i, k, s, p, d)
                 for i, k, s, p, d in zip(size, kernel, stride, padding, dilation))


def _describe(size_name, size, kernel, stride, padding, dilation):
    return (f"{size_name} {tuple(size)}, kernel_size={kernel}, dilation={dilation}, "
            f"padding={padding}, stride={stride}")


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding kH x kW blocks as columns (im2col), zero where a block reaches into the padding;
    column l is block (l // Lw, l % Lw), row (c*kH + ki)*kW + kj its tap.
    x: (N, C, H, W) -> (N, C*kH*kW, L), or (C, H, W) -> (C*kH*kW, L); L = Lh * Lw blocks."""
    op = "unfold"
    (x,) = _floats(op, input=input)
    if x.ndim not in (3, 4) or 0 in x.shape[-3:]:
        # torch: an IndexError below 3 dims, a RuntimeError for the rest
        error = ValueError if x.ndim < 3 else ArgumentError
        raise error(f"{op}: expected an input of shape (N, C, H, W) or (C, H, W) with "
                    f"non-empty C, H, W (only N may be 0), got {_shape(x)}")
    kernel, stride, padding, dilation = _window_params(op, kernel_size, dilation, padding,
                                                       stride)
    blocks = _blocks(x.shape[-2:], kernel, stride, padding, dilation)
    if any(b < 1 for b in blocks):
        raise ArgumentError(f"{op}: input of shape {_shape(x)} is too small: "
                            + _describe("spatial size", x.shape[-2:], kernel, stride, padding,
                                        dilation)
                            + f" give {blocks} sliding blocks, each must be at least 1")
    x4 = x if x.ndim == 4 else x.reshape((1,) + _shape(x))
    cols = Unfold.apply(x4, geometry=(kernel, stride, padding, dilation, blocks))
    return cols if x.ndim == 4 else cols.reshape(_shape(cols)[1:])


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding blocks back into an image (col2im, the adjoint of unfold): overlapping
    taps add up, taps in the padding are dropped.
    cols: (N, C*kH*kW, L) -> (N, C, H, W), or (C*kH*kW, L) -> (C, H, W); (H, W) = output_size
    and L must be the number of blocks unfold would take from it."""
    op = "fold"
    (x,) = _floats(op, input=input)
    if x.ndim not in (2, 3) or 0 in x.shape[-2:]:
        raise ArgumentError(f"{op}: expected an input of shape (N, C*kH*kW, L) or (C*kH*kW, L) "
                            f"with non-empty C*kH*kW and L (only N may be 0), got {_shape(x)}")
    kernel, stride, padding, dilation = _window_params(op, kernel_size, dilation, padding,
                                                       stride)
    size = ntuple(output_size, 2, "output_size", op, 1)
    k, length = x.shape[-2:]
    taps = kernel[0] * kernel[1]
    if k % taps:
        raise ArgumentError(f"{op}: input of shape {_shape(x)} has {k} rows, not divisible by "
                            f"the {taps} taps of kernel_size {kernel}")
    blocks = _blocks(size, kernel, stride, padding, dilation)
    where = _describe("output_size", size, kernel, stride, padding, dilation)
    if any(b < 1 for b in blocks):
        raise ArgumentError(f"{op}: output_size is too small: {where} give {blocks} sliding "
                            f"blocks, each must be at least 1")
    if blocks[0] * blocks[1] != length:
        raise ArgumentError(f"{op}: {where} give {blocks[0]} * {blocks[1]} = "
                            f"{blocks[0] * blocks[1]} sliding blocks, but input of shape "
                            f"{_shape(x)} has L = {length}")
    x3 = x if x.ndim == 3 else x.reshape((1,) + _shape(x))
    out_shape = (x3.shape[0], k // taps) + size
    y = Fold.apply(x3, out_shape=out_shape, geometry=(kernel, stride, padding, dilation, blocks))
    return y if x.ndim == 3 else y.reshape(out_shape[1:])


# ------------------------------------------------------------------------- max unpooling
def _unpool_size(op, nd, in_size, kernel, stride, padding, output_size):
    """PyTorch's rule: (I - 1)*S + K - 2P, or output_size (nd or nd + 2 ints) within one
    stride of that."""
    default = tuple((i - 1) * s + k - 2 * p for i, k, s, p in zip(in_size, kernel, stride,
                                                                  padding))
    if output_size is None:
        size = default
    else:
        size = ((output_size,) if isinstance(output_size, (int, np.integer))
                else tuple(output_size))
        if len(size) == nd + 2:
            size = size[2:]
        if len(size) != nd or not all(isinstance(s, (int, np.integer)) for s in size):
            raise ValueError(f"{op}: output_size must be {nd} or {nd + 2} ints, got "
                             f"{output_size!r}")
        for d, (s, f, st) in enumerate(zip(size, default, stride)):
            if not f - st < s < f + st:
                raise ValueError(f"{op}: invalid output_size {tuple(size)} (dim {d} must be "
                                 f"between {f - st} and {f + st}, exclusive)")
    if any(s < 0 for s in size):
        raise ValueError(f"{op}: output_size must be non-negative, got {tuple(size)} (input "
                         f"spatial size {tuple(in_size)}, kernel_size {kernel}, stride "
                         f"{stride}, padding {padding})")
    return tuple(int(s) for s in size)


def _max_unpool(op, nd, input, indices, kernel_size, stride, padding, output_size):
    (x,) = _floats(op, input=input)
    lead = {1: "(N, C, L) or (C, L)", 2: "(N, C, H, W) or (C, H, W)",
            3: "(N, C, D, H, W) or (C, D, H, W)"}[nd]
    if x.ndim not in (nd + 1, nd + 2):
        raise ArgumentError(f"{op}: expected an input of shape {lead}, got {_shape(x)}")
    idx = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype != np.int64:
        raise DtypeError(f"{op}: indices must be int64 (as max_pool{nd}d returns them), got "
                         f"{idx.dtype}")
    if idx.shape != x.shape:
        raise ArgumentError(f"{op}: indices of shape {tuple(idx.shape)} must have the shape of the "
                            f"input, {_shape(x)}")
    kernel = ntuple(kernel_size, nd, "kernel_size", op, 1)
    stride = kernel if stride is None else ntuple(stride, nd, "stride", op, 1)
    padding = ntuple(padding, nd, "padding", op, 0)
    size = _unpool_size(op, nd, x.shape[-nd:], kernel, stride, padding, output_size)
    plane = math.prod(size)
    bad = (idx < 0) | (idx >= plane)
    if bad.any():
        raise ArgumentError(f"{op}: found an invalid max index {int(idx[bad][0])}: the output "
                            f"planes have size {'x'.join(map(str, size))} ({plane} elements); "
                            f"indices are flat positions within an output plane")
    return MaxUnpool.apply(x, indices=idx, out_size=size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Put each value at its flat index h*W' + w of a zero (H', W') plane (the partial inverse
    of max_pool2d(..., return_indices=True)); (H', W') = (H-1)*stride + kernel - 2*padding
    unless output_size is given.  x, indices: (N, C, H, W) -> (N, C, H', W')."""
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Put each value at its flat index (d*H' + h)*W' + w of a zero (D', H', W') volume (the
    partial inverse of max_pool3d(..., return_indices=True)).
    x, indices: (N, C, D, H, W) -> (N, C, D', H', W')."""
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Put each value at its index of a zero length-L' row (the partial inverse of
    max_pool1d(..., return_indices=True)).  x, indices: (N, C, L) -> (N, C, L')."""
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding,
                       output_size)


# ------------------------------------------------------------------------- power-average pool
def _lp_pool(op, nd, input, norm_type, kernel_size, stride, ceil_mode):
    (x,) = _floats(op, input=input)
    if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real):
        raise TypeError(f"{op}: norm_type must be a real number, got {norm_type!r}")
    if norm_type == 0:
        raise ValueError(f"{op}: norm_type must be nonzero (the result is a 1/norm_type "
                         f"power)")
    # the pooling runs under lp_pool's name, so that its errors name the op called
    if math.isinf(norm_type):
        sign = 1 if norm_type > 0 else -1
        if nd == 3:
            y = _max_pool3d(op, sign * x.abs(), kernel_size, stride, 0, 1, ceil_mode, False)
        else:
            y = _max_pool(op, nd, sign * x.abs(), kernel_size, stride, 0, 1, ceil_mode, False)
        return sign * y
    kernel = ntuple(kernel_size, nd, "kernel_size", op, 1)
    if nd == 3:
        mean = _avg_pool3d(op, x.pow(norm_type), kernel_size, stride, 0, ceil_mode, True, None)
    else:
        mean = _avg_pool(op, nd, x.pow(norm_type), kernel_size, stride, 0, ceil_mode, True,
                         None)
    # PyTorch takes sign(s) * relu(|s|), the identity whose VJP is 0 where the window sum s
    # is 0 (there the 1/p power's derivative is infinite): those windows get no gradient. A
    # where() selects the same zero without multiplying the infinity by 0
    total = where(mean.data != 0, mean, 0.0) * float(math.prod(kernel))
    return total.pow(1.0 / norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum of x^p over each kH x kW window)^(1/p), as PyTorch: avg_pool2d(x^p) * kH*kW (so
    ceil_mode's partial windows are scaled up to the full size); p = inf is max |x|.
    x: (N, C, H, W) -> (N, C, H', W')."""
    return _lp_pool("lp_pool2d", 2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum of x^p over each kD x kH x kW window)^(1/p), as avg_pool3d(x^p) * kD*kH*kW.
    x: (N, C, D, H, W) -> (N, C, D', H', W')."""
    return _lp_pool("lp_pool3d", 3, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum of x^p over each window of size k)^(1/p), as avg_pool1d(x^p) * k.
    x: (N, C, L) -> (N, C, L')."""
    return _lp_pool("lp_pool1d", 1, input, norm_type, kernel_size, stride, ceil_mode)


# ------------------------------------------------------------------------- 3-D, composed
# from Windows (a 3-D im2col) and the engine's matmul / reductions: none needs its own VJP
def _volume(op, x):
    """x: (N, C, D, H, W) or (C, D, H, W) -> the batched 5-D tensor."""
    if x.ndim not in (4, 5) or 0 in x.shape[-4:]:
        raise ArgumentError(f"{op}: expected an input of shape (N, C, D, H, W) or (C, D, H, W) "
                            f"with non-empty C, D, H, W, got {_shape(x)}")
    return x if x.ndim == 5 else x.reshape((1,) + _shape(x))


def _unbatch(y, x):
    return y if x.ndim == 5 else y.reshape(_shape(y)[1:])


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D cross-correlation as Windows + one batched matmul per group.
    x: (N, C, D, H, W), weight: (F, C/groups, kD, kH, kW) -> (N, F, D', H', W')."""
    op = "conv3d"
    x, w, b = _floats(op, input=input, weight=weight, bias=bias)
    if w.ndim != 5:
        raise ArgumentError(f"{op}: weight must be 5-D (F, C/groups, kD, kH, kW), got "
                            f"{_shape(w)}")
    if x.ndim not in (4, 5) or 0 in x.shape[-4:]:
        raise ArgumentError(f"{op}: expected an input of shape (N, C, D, H, W) or (C, D, H, W) "
                            f"with non-empty C, D, H, W, got {_shape(x)}")
    # the input's own shape, so that an error about an unbatched input shows that shape
    stride, padding, dilation, out = conv_geometry(op, x.shape, w.shape,
                                                   None if b is None else b.shape, stride,
                                                   padding, dilation, groups)
    x5 = _volume(op, x)
    n, f, k = x5.shape[0], w.shape[0], math.prod(w.shape[1:])
    cols = Windows.apply(x5, kernel=_shape(w)[2:], stride=stride, padding=padding,
                         dilation=dilation, out=out)                       # (N, C, K, *out)
    cols = cols.reshape(n, groups, k, math.prod(out))
    y = (w.reshape(groups, f // groups, k) @ cols).reshape((n, f) + out)
    if b is not None:
        y = y + b.reshape(f, 1, 1, 1)
    return _unbatch(y, x)


def _pool3d_windows(op, input, kernel_size, stride, padding, dilation, ceil_mode, fill):
    (x,) = _floats(op, input=input)
    # linked: the recorded gradient depends on x (with a zero derivative), as torch's
    x5 = LinkInput.apply(_volume(op, x))
    kernel, stride, padding, dilation, out = pool_geometry(op, x5.shape, 3, kernel_size,
                                                           stride, padding, dilation,
                                                           ceil_mode)
    cols = Windows.apply(x5, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                         out=out, fill=fill)
    return x, x5, cols, (kernel, stride, padding, dilation, out)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over kD x kH x kW windows (padding counts as -inf); with return_indices also the
    argmax as a flat index (d*H + h)*W + w.  x: (N, C, D, H, W) -> (N, C, D', H', W')."""
    return _max_pool3d("max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode,
                       return_indices)


def _max_pool3d(op, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x, x5, cols, geometry = _pool3d_windows(op, input, kernel_size, stride, padding, dilation,
                                            ceil_mode, -np.inf)
    kernel, stride, padding, dilation, out = geometry
    # the first tap holding the window's max (a NaN if there is one), among the real inputs:
    # a padding tap (-inf) must not win over real -inf inputs, as in torch
    real = windows(np.ones((1, 1) + x5.shape[2:], bool), kernel, stride, padding, dilation,
                   out, False)[0]
    v = cols._data
    with np.errstate(invalid="ignore"):
        top = v.max(axis=2, keepdims=True) if v.size else v[:, :, :1]
        hit = (v == top) & real
    nan = np.isnan(v) & real   # torch takes the last NaN of a window
    last_nan = nan.shape[2] - 1 - nan[:, :, ::-1].argmax(axis=2)
    tap = np.where(nan.any(axis=2), last_nan, hit.argmax(axis=2))[:, :, None]
    y = _unbatch(cols.gather(2, Tensor._wrap(tap, False)).squeeze(2), x)
    if not return_indices:
        return y
    taps = np.unravel_index(tap[:, :, 0], kernel)
    grids = np.meshgrid(*(np.arange(o) for o in out), indexing="ij")
    pos = [g * s - p + t * d for g, s, p, d, t in zip(grids, stride, padding, dilation, taps)]
    flat = np.ravel_multi_index(pos, x5.shape[2:]).astype(np.int64)
    return y, Tensor._wrap(flat if x.ndim == 5 else flat[0], False)


def _avg_divisor(size, kernel, stride, padding, out, include_pad):
    """PyTorch's per-dim window count: to the padded edge, or only the real inputs."""
    start = np.arange(out) * stride - padding
    end = np.minimum(start + kernel, size + padding)
    if not include_pad:
        start, end = np.maximum(start, 0), np.minimum(end, size)
    return end - start


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over kD x kH x kW windows (zero padding counts in the divisor unless
    count_include_pad=False).  x: (N, C, D, H, W) -> (N, C, D', H', W')."""
    return _avg_pool3d("avg_pool3d", input, kernel_size, stride, padding, ceil_mode,
                       count_include_pad, divisor_override)


def _avg_pool3d(op, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override):
    x, x5, cols, (kernel, stride, padding, _, out) = _pool3d_windows(
        op, input, kernel_size, stride, padding, 1, ceil_mode, 0.0)
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or not isinstance(divisor_override, int) \
                or divisor_override <= 0:
            raise ValueError(f"{op}: divisor_override must be a positive int, got "
                             f"{divisor_override!r}")
        divisor = np.full(out, float(divisor_override))
    else:
        counts = [_avg_divisor(i, k, s, p, o, count_include_pad)
                  for i, k, s, p, o in zip(x5.shape[2:], kernel, stride, padding, out)]
        divisor = np.einsum("i,j,k->ijk", *counts).astype(float)
    y = cols.sum(dim=2) * Tensor._wrap((1.0 / divisor).astype(x.dtype), False)
    return _unbatch(y, x)


def _adaptive_matrix(size, out, dtype):
    """(out, size): row i averages [floor(i*size/out), ceil((i+1)*size/out))."""
    m = np.zeros((out, size), dtype)
    for i in range(out):
        lo, hi = (i * size) // out, -((-(i + 1) * size) // out)
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


def adaptive_avg_pool3d(input, output_size):
    """Mean over the bins that split (D, H, W) into output_size cells (None keeps a dim);
    separable, so one averaging matrix per axis.  x: (N, C, D, H, W) -> (N, C, oD, oH, oW)."""
    op = "adaptive_avg_pool3d"
    (x,) = _floats(op, input=input)
    _volume(op, x)
    out = adaptive_sizes(op, output_size, 3, x.shape[-3:], 1)
    y = LinkInput.apply(x)   # the recorded gradient depends on x, as torch's
    for axis, o in zip((-3, -2, -1), out):
        m = Tensor._wrap(_adaptive_matrix(x.shape[axis], o, x.dtype).T.copy(), False)
        y = (y.transpose(axis, -1) @ m).transpose(axis, -1)
    return y
