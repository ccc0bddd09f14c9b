"""nn.functional's pooling (PyTorch's names and signatures): max, average and adaptive average
pooling in 1-D and 2-D, each one op from autograd.ops.pooling."""
from __future__ import annotations

import numpy as np

from autograd.ops.conv import ntuple
from autograd.ops.pooling import AdaptiveAvgPool, AvgPool, MaxPool, pool_geometry
from autograd.tensor import Tensor
from autograd.torch_errors import ArgumentError, ArgumentTypeError

from .functional import _floats

def _pool_input(op, nd, input):
    """A float input of shape (N, C, *spatial) or (C, *spatial) where only N may be 0."""
    (x,) = _floats(op, input=input)
    if x.ndim in (nd + 1, nd + 2) and 0 in x.shape[x.ndim - nd - 1:]:
        raise ArgumentError(f"{op}: expected non-empty channel and spatial dims (only the batch "
                            f"dim may be 0), got input of shape {tuple(x.shape)}")
    return x


def _max_pool(op, nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x = _pool_input(op, nd, input)
    kernel, stride, padding, dilation, out = pool_geometry(op, x.shape, nd, kernel_size, stride,
                                                           padding, dilation, ceil_mode)
    indices = [] if return_indices else None
    y = MaxPool.apply(x, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                      out_size=out, indices_out=indices)
    return (y, Tensor._wrap(indices[0], False)) if return_indices else y


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over kH x kW windows (stride defaults to kernel_size; padding counts as -inf).
    x: (N, C, H, W) -> (N, C, H', W'); with return_indices also the argmax as h*W + w."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over windows of size k.  x: (N, C, L) -> (N, C, L')."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def _avg_pool(op, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    x = _pool_input(op, nd, input)
    kernel, stride, padding, _, out = pool_geometry(op, x.shape, nd, kernel_size, stride,
                                                    padding, 1, ceil_mode)
    if divisor_override is not None and (not isinstance(divisor_override, int)
                                         or divisor_override <= 0):
        raise ValueError(f"{op}: divisor_override must be a positive int, got "
                         f"{divisor_override!r}")
    return AvgPool.apply(x, kernel=kernel, stride=stride, padding=padding, out_size=out,
                         count_include_pad=bool(count_include_pad),
                         divisor=int(divisor_override or 0))


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over kH x kW windows; zero padding counts in the divisor unless
    count_include_pad=False.  x: (N, C, H, W) -> (N, C, H', W')."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """Mean over windows of size k.  x: (N, C, L) -> (N, C, L')."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def adaptive_sizes(op, output_size, nd, spatial, least):
    """An adaptive pool's output_size (an int, or nd ints where None keeps that dim) as an
    nd-tuple of ints >= least, against the input's spatial sizes."""
    if output_size is None or isinstance(output_size, (int, np.integer)):
        sizes = (output_size,) * nd
    elif isinstance(output_size, (str, bytes)) or not hasattr(output_size, "__iter__"):
        raise ArgumentTypeError(f"{op}: output_size must be an int or {nd} ints (None keeps a "
                                f"dim), got {output_size!r}")
    else:
        sizes = tuple(output_size)
    if len(sizes) != nd:
        raise ArgumentError(f"{op}: output_size must be an int or {nd} ints (None keeps a "
                            f"dim), got {output_size!r}")
    if not all(s is None or isinstance(s, (int, np.integer)) for s in sizes):
        raise ArgumentTypeError(f"{op}: output_size must be an int or {nd} ints (None keeps a "
                                f"dim), got {output_size!r}")
    out = tuple(int(n) if s is None else int(s) for s, n in zip(sizes, spatial))
    return ntuple(out, nd, "output_size", op, least)


def _adaptive(op, nd, input, output_size):
    (x,) = _floats(op, input=input)
    if x.ndim not in (nd + 1, nd + 2):
        raise ArgumentError(f"{op}: expected a {nd + 1}-D or {nd + 2}-D input, got shape "
                            f"{tuple(x.shape)}")
    out = adaptive_sizes(op, output_size, nd, x.shape[-nd:], 1)
    if 0 in x.shape[1:]:    # as PyTorch: only the leading dim may be empty
        # torch: a RuntimeError for an empty spatial dim (zero channels give an empty result)
        error = ArgumentError if 0 in x.shape[-nd:] else ValueError
        raise error(f"{op}: input of shape {tuple(x.shape)} has an empty dim after the first")
    return AdaptiveAvgPool.apply(x, out_size=out)


def adaptive_avg_pool2d(input, output_size):
    """Mean over the windows that split (H, W) into output_size cells (None keeps a dim).
    x: (N, C, H, W) -> (N, C, oH, oW)."""
    return _adaptive("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool1d(input, output_size):
    """x: (N, C, L) -> (N, C, output_size)."""
    return _adaptive("adaptive_avg_pool1d", 1, input, output_size)
