"""Grid coordinates for the grid_sample kernels: grid values to pixel coordinates.

The arithmetic is ATen's CPU kernel's, step for step and in the input's dtype (typed
constants: a float literal would promote float32 to float64), so that results agree with
PyTorch to rounding:

  unnormalize: (v + 1) * (size - 1) / 2 (align_corners) or (v + 1) * size / 2 - 1/2
  clamp to [0, size - 1] (border, and after reflection), with derivative 1 strictly inside
  and 0 on or past an edge
  reflect about low and low + span (low = 0 or -1/2), by |v - low| modulo twice the span

Each axis's constants are a row of `geo` (see `axis_geometry`): row 0 is x (W), row 1 is y (H).
"""
import numba as nb
import numpy as np

# compiled on their own, not inlined at numba's level (LLVM still inlines them): inlined,
# the bicubic kernels, which call them for 8 taps a point, took 21 s to compile against
# 2.6 s, for the same speed
_jit = nb.njit(cache=True, error_model="numpy", nogil=True)


def axis_geometry(size, align_corners, dtype):
    """(scale, max, low, twice span, empty) of one axis of `size` pixels, in dtype."""
    f = np.dtype(dtype).type
    if align_corners:
        return np.array([f(size - 1) / f(2), f(size - 1), f(0), f(size - 1) * f(2),
                         f(size <= 1)], dtype)
    return np.array([f(size) / f(2), f(size - 1), f(-0.5), f(size) * f(2), f(0)], dtype)


@_jit
def unnormalize(v, geo, a, align):
    """Grid value v -> pixel coordinate on axis a (d/dv is geo[a, 0])."""
    one = geo.dtype.type(1)
    if align:
        return (v + one) * geo[a, 0]
    return (v + one) * geo[a, 0] - geo.dtype.type(0.5)


@_jit
def _reflect(x, geo, a):
    """x mirrored into [low, low + span], and the derivative's sign (0 on an empty span)."""
    zero = geo.dtype.type(0)
    if geo[a, 4] != zero:
        return zero, zero
    low, twice = geo[a, 2], geo[a, 3]
    d = x - low
    a_ = abs(d)
    extra = a_ - np.trunc(a_ / twice) * twice
    back = twice - extra
    flip = extra > back
    sign = geo.dtype.type(-1) if flip != (d < zero) else geo.dtype.type(1)
    return (back if flip else extra) + low, sign


@_jit
def _clip(x, geo, a):
    """x clamped to [0, size - 1] (nan -> 0), and whether it was strictly inside."""
    zero = geo.dtype.type(0)
    lo = x if x > zero else zero
    top = geo[a, 1]
    r = lo if lo < top else top
    return r, lo != zero and r != top


@_jit
def pad_coordinate(x, geo, a, padding):
    """A pixel coordinate x after the padding mode (no derivative: bicubic's taps)."""
    if padding == 1:
        return _clip(x, geo, a)[0]
    if padding == 2:
        return _clip(_reflect(x, geo, a)[0], geo, a)[0]
    return x


@_jit
def locate(v, geo, a, padding, align):
    """Grid value v -> (pixel coordinate after the padding mode, its derivative in v)."""
    x = unnormalize(v, geo, a, align)
    g = geo[a, 0]
    if padding == 0:
        return x, g
    if padding == 2:
        x, sign = _reflect(x, geo, a)
        g = sign * g
    x, inside = _clip(x, geo, a)
    return x, (g if inside else geo.dtype.type(0))


@_jit
def tap(f, size):
    """(index, in bounds) of an integer-valued pixel coordinate f, clamped before the int
    conversion so that a far-off (or nan) coordinate is only out of bounds."""
    ok = f > -1 and f < size
    return (int(f) if ok else 0), ok
