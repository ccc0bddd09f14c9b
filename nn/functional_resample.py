"""Upsampling and pixel (un)shuffling: interpolate, upsample, pixel_shuffle, pixel_unshuffle."""
from __future__ import annotations

import math
import warnings

import numpy as np

from autograd.ops.resample import Resample, cubic_taps, linear_taps, nearest_taps
from autograd.tensor import _t
from autograd.torch_errors import ArgumentError, ArgumentTypeError, UnsupportedError

from .functional import _floats, adaptive_avg_pool1d, adaptive_avg_pool2d
from .functional_fold import adaptive_avg_pool3d

__all__ = ["interpolate", "upsample", "pixel_shuffle", "pixel_unshuffle"]

# mode -> the number of spatial dims it needs (None: any of 1, 2, 3)
MODES = {"nearest": None, "nearest-exact": None, "area": None, "linear": 1, "bilinear": 2,
         "bicubic": 2, "trilinear": 3}
_INPUT = {1: "3-D (N, C, L)", 2: "4-D (N, C, H, W)", 3: "5-D (N, C, D, H, W)"}


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _per_dim(op, name, value, nd, x_shape):
    """An int/float or a length-nd sequence of them, as an nd-tuple."""
    if isinstance(value, (tuple, list)):
        if len(value) != nd:
            raise ValueError(f"{op}: input of shape {tuple(x_shape)} has {nd} spatial dim(s) "
                             f"but {name} has {len(value)} entries: {value!r}")
        return tuple(value)
    return (value,) * nd


def _output_geometry(op, x_shape, nd, size, scale_factor, recompute_scale_factor):
    """(output size, scale factors or None) over the nd spatial dims, as PyTorch computes them."""
    if size is not None and scale_factor is not None:
        raise ValueError(f"{op}: only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError(f"{op}: either size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError(f"{op}: recompute_scale_factor is not meaningful with an "
                             f"explicit size")
        out = _per_dim(op, "size", size, nd, x_shape)
        if not all(_is_int(s) for s in out):
            raise TypeError(f"{op}: size must be an int or a tuple of {nd} ints, got {size!r}")
        scales = None
    else:
        scales = _per_dim(op, "scale_factor", scale_factor, nd, x_shape)
        if not all(isinstance(s, (int, float, np.integer, np.floating))
                   and not isinstance(s, (bool, np.bool_)) for s in scales):
            raise TypeError(f"{op}: scale_factor must be a float or a tuple of {nd} floats, "
                            f"got {scale_factor!r}")
        scales = tuple(float(s) for s in scales)
        if not all(math.isfinite(s) and s > 0 for s in scales):
            raise ArgumentError(f"{op}: scale_factor must be positive and finite, got "
                                f"{scale_factor!r}")
        # the output size truncates in * scale (in double), as ATen's compute_output_size
        out = tuple(int(n * s) for n, s in zip(x_shape[2:], scales))
        if recompute_scale_factor:  # the sizes alone then fix the interpolation scale
            scales = None
    out = tuple(int(s) for s in out)
    if any(s <= 0 for s in out):
        raise ArgumentError(f"{op}: output size must be positive, got {out} for input of shape "
                            f"{tuple(x_shape)} (size={size!r}, scale_factor={scale_factor!r})")
    return out, scales


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims to `size` or by `scale_factor`.
    x: (N, C, L) | (N, C, H, W) | (N, C, D, H, W) -> (N, C, *size).

    mode: 'nearest' (idx = floor(o * in/out)), 'nearest-exact' (floor((o + 0.5) * in/out)),
    'linear' (3-D), 'bilinear' / 'bicubic' (4-D), 'trilinear' (5-D), 'area' (adaptive average
    pooling; 3-D or 4-D). align_corners (linear modes only, default False) maps the corner
    pixel centres onto each other; otherwise the half-pixel rule is used and a given
    scale_factor sets the step unless recompute_scale_factor=True.
    """
    op = "interpolate"
    (x,) = _floats(op, input=input)
    if not isinstance(mode, str) or mode not in MODES:
        raise UnsupportedError(f"{op}: mode must be one of {tuple(MODES)}, got {mode!r}")
    if mode in ("nearest", "nearest-exact", "area"):
        if align_corners is not None:
            raise ValueError(f"{op}: align_corners can only be set with the interpolating "
                             f"modes linear | bilinear | bicubic | trilinear, not {mode!r}")
    elif align_corners is None:
        align_corners = False
    if antialias:
        raise NotImplementedError(f"{op}: antialias=True is not supported")
    nd = x.ndim - 2
    if nd not in (1, 2, 3):
        raise NotImplementedError(f"{op}: expected a 3-D, 4-D or 5-D input (N, C, *spatial), "
                                  f"got shape {tuple(x.shape)}")
    need = MODES[mode]
    if need is not None and need != nd:
        raise NotImplementedError(f"{op}: mode {mode!r} needs a {_INPUT[need]} input, got "
                                  f"shape {tuple(x.shape)}")
    if 0 in x.shape[1:]:
        raise ArgumentError(f"{op}: expected non-empty channel and spatial dims (only the batch "
                            f"dim may be 0), got input of shape {tuple(x.shape)}")
    recompute = recompute_scale_factor or (mode == "area" and size is None)
    out, scales = _output_geometry(op, x.shape, nd, size, scale_factor, recompute)
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[nd - 1](x, out)
    taps = []
    for d, (n_in, n_out) in enumerate(zip(x.shape[2:], out)):
        scale = None if scales is None else scales[d]
        if mode in ("nearest", "nearest-exact"):
            taps.append(nearest_taps(n_in, n_out, scale, mode == "nearest-exact", x.dtype,
                                     float_scale=nd == 2))
        elif mode == "bicubic":
            taps.append(cubic_taps(n_in, n_out, bool(align_corners), scale, x.dtype))
        else:
            taps.append(linear_taps(n_in, n_out, bool(align_corners), scale, x.dtype))
    return Resample.apply(x, taps=tuple(taps))


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of interpolate (warns, as PyTorch does)."""
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def _factor(op, name, value):
    if not _is_int(value):
        raise ArgumentTypeError(f"{op}: {name} must be a positive int, got {value!r}")
    if value <= 0:
        raise ArgumentError(f"{op}: {name} must be a positive int, got {value!r}")
    return int(value)


def pixel_shuffle(input, upscale_factor):
    """Move channel blocks into space.  x: (*, C*r*r, H, W) -> (*, C, H*r, W*r)."""
    op = "pixel_shuffle"
    x = _t(input)
    r = _factor(op, "upscale_factor", upscale_factor)
    if x.ndim < 3:
        raise ArgumentError(f"{op}: expected an input (*, C*r*r, H, W) with at least 3 dims, "
                            f"got shape {tuple(x.shape)}")
    *lead, c, h, w = x.shape
    if c % (r * r):
        raise ArgumentError(f"{op}: the {c} channels of input of shape {tuple(x.shape)} are not "
                            f"divisible by upscale_factor**2 = {r * r}")
    k, b = c // (r * r), len(lead)
    y = x.reshape(*lead, k, r, r, h, w)
    y = y.permute(*range(b), b, b + 3, b + 1, b + 4, b + 2)   # (*, C, H, r, W, r)
    return y.reshape(*lead, k, h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """Move space blocks into channels.  x: (*, C, H*r, W*r) -> (*, C*r*r, H, W)."""
    op = "pixel_unshuffle"
    x = _t(input)
    r = _factor(op, "downscale_factor", downscale_factor)
    if x.ndim < 3:
        raise ArgumentError(f"{op}: expected an input (*, C, H*r, W*r) with at least 3 dims, "
                            f"got shape {tuple(x.shape)}")
    *lead, c, h, w = x.shape
    if h % r or w % r:
        raise ArgumentError(f"{op}: the spatial size ({h}, {w}) of input of shape "
                            f"{tuple(x.shape)} is not divisible by downscale_factor={r}")
    b = len(lead)
    y = x.reshape(*lead, c, h // r, r, w // r, r)
    y = y.permute(*range(b), b, b + 2, b + 4, b + 1, b + 3)   # (*, C, r, r, H, W)
    return y.reshape(*lead, c * r * r, h // r, w // r)
