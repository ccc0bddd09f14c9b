"""Bicubic grid_sample on one image: input (N, C, H, W) at the points of grid (N, Ho, Wo, 2).

A point's coordinate is unnormalized without padding; its 4 x 4 taps around floor(x), floor(y)
are each mapped by the padding mode (so the grid gradient comes from the cubic weights
alone, as in ATen) and read as 0 when out of bounds. Cubic convolution with A = -0.75, the
weights and their derivatives written as ATen's kernel writes them, in the input's dtype.
"""
import numba as nb
import numpy as np

from .grid_coords import pad_coordinate, tap, unnormalize

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)
_jit_parallel = nb.njit(cache=True, error_model="numpy", nogil=True, parallel=True)
_jit_inline = nb.njit(cache=True, error_model="numpy", nogil=True, inline="always")


@_jit_inline
def _weights(t, f):
    """The cubic convolution weights of the taps -1, 0, 1, 2 at fraction t (f: the dtype)."""
    a, one, two, three = f(-0.75), f(1), f(2), f(3)
    x = t + one
    w0 = ((a * x - f(5) * a) * x + f(8) * a) * x - f(4) * a
    w1 = ((a + two) * t - (a + three)) * t * t + one
    x = one - t
    w2 = ((a + two) * x - (a + three)) * x * x + one
    x = two - t
    w3 = ((a * x - f(5) * a) * x + f(8) * a) * x - f(4) * a
    return (w0, w1, w2, w3)


@_jit_inline
def _weight_slopes(t, f):
    """-d weight_k / dt for the taps k - 1 (ATen's sign; the VJP subtracts them)."""
    a, one, two, three = f(-0.75), f(1), f(2), f(3)
    x = -one - t
    s0 = (f(-3) * a * x - f(10) * a) * x - f(8) * a
    x = f(0) - t
    s1 = (f(-3) * (a + two) * x - two * (a + three)) * x
    x = one - t
    s2 = (three * (a + two) * x - two * (a + three)) * x
    x = two - t
    s3 = (three * a * x - f(10) * a) * x + f(8) * a
    return (s0, s1, s2, s3)


@_jit_inline
def _taps(v, geo, a, padding, align):
    """(fraction, tap indices, taps in bounds) of grid value v on axis a: the four pixels
    floor(x) - 1 .. floor(x) + 2 after the padding mode."""
    f = geo.dtype.type
    x = unnormalize(v, geo, a, align)
    base = np.floor(x)
    size = geo[a, 1] + f(1)
    i0, k0 = tap(pad_coordinate(base - f(1), geo, a, padding), size)
    i1, k1 = tap(pad_coordinate(base, geo, a, padding), size)
    i2, k2 = tap(pad_coordinate(base + f(1), geo, a, padding), size)
    i3, k3 = tap(pad_coordinate(base + f(2), geo, a, padding), size)
    return x - base, (i0, i1, i2, i3), (k0, k1, k2, k3)


@_jit_inline
def _put4(arr, t):
    arr[0], arr[1], arr[2], arr[3] = t[0], t[1], t[2], t[3]


@_jit_inline
def _point(vx, vy, geo, padding, align, wx, wy, sx, sy, offs, oks, width):
    """Fill the weights (wx, wy), the slopes (sx, sy; when not empty) and the 16 taps' flat
    offsets and in-bounds flags (row j, column i at 4 j + i) of the grid point (vx, vy)."""
    f = geo.dtype.type
    tx, ix, okx = _taps(vx, geo, 0, padding, align)
    ty, iy, oky = _taps(vy, geo, 1, padding, align)
    _put4(wx, _weights(tx, f))
    _put4(wy, _weights(ty, f))
    if sx.size:
        _put4(sx, _weight_slopes(tx, f))
        _put4(sy, _weight_slopes(ty, f))
    for j in range(4):
        for i in range(4):
            offs[4 * j + i] = iy[j] * width + ix[i]
            oks[4 * j + i] = okx[i] and oky[j]


# The per-image kernels are compiled on their own, not inlined: numba's parallel analysis
# fails on their loops inside a prange (an IndexError in its array analysis, numba 0.68).
@_jit
def _forward_one(inp, grid, out, n, geo, padding, align):
    f = inp.dtype.type
    zero = f(0)
    c_, h_, w_ = inp.shape[1], inp.shape[2], inp.shape[3]
    src = inp[n].reshape(c_, h_ * w_)
    wx, wy, none = np.empty(4, inp.dtype), np.empty(4, inp.dtype), np.empty(0, inp.dtype)
    offs, oks = np.empty(16, np.int64), np.empty(16, np.bool_)
    for h in range(grid.shape[1]):
        for w in range(grid.shape[2]):
            _point(grid[n, h, w, 0], grid[n, h, w, 1], geo, padding, align, wx, wy, none,
                   none, offs, oks, w_)
            for c in range(c_):
                acc = zero
                for j in range(4):
                    row = zero
                    for i in range(4):
                        k = 4 * j + i
                        v = src[c, offs[k]] if oks[k] else zero
                        row += wx[i] * v
                    acc += wy[j] * row
                out[n, c, h, w] = acc


@_jit
def _backward_one(inp, grid, gout, gin, ggrid, n, geo, padding, align, need_in,
                       need_grid):
    f = inp.dtype.type
    zero = f(0)
    c_, h_, w_ = inp.shape[1], inp.shape[2], inp.shape[3]
    src = inp[n].reshape(c_, h_ * w_)
    dst = gin[n].reshape(c_, h_ * w_) if need_in else gin.reshape(0, 0)
    wx, wy, sx, sy = (np.empty(4, inp.dtype), np.empty(4, inp.dtype), np.empty(4, inp.dtype),
                      np.empty(4, inp.dtype))
    offs, oks = np.empty(16, np.int64), np.empty(16, np.bool_)
    for h in range(grid.shape[1]):
        for w in range(grid.shape[2]):
            _point(grid[n, h, w, 0], grid[n, h, w, 1], geo, padding, align, wx, wy, sx, sy,
                   offs, oks, w_)
            gx, gy = zero, zero
            for c in range(c_):
                g = gout[n, c, h, w]
                for i in range(4):
                    for j in range(4):
                        k = 4 * j + i
                        if need_in and oks[k]:
                            dst[c, offs[k]] += g * wx[i] * wy[j]
                        if need_grid:
                            v = src[c, offs[k]] if oks[k] else zero
                            gx = gx - v * g * sx[i] * wy[j]
                            gy = gy - v * g * sy[j] * wx[i]
            if need_grid:
                ggrid[n, h, w, 0] = gx * geo[0, 0]
                ggrid[n, h, w, 1] = gy * geo[1, 0]


@_jit
def cubic_forward(inp, grid, out, geo, padding, align):
    for n in range(inp.shape[0]):
        _forward_one(inp, grid, out, n, geo, padding, align)


@_jit_parallel
def cubic_forward_parallel(inp, grid, out, geo, padding, align):
    for n in nb.prange(inp.shape[0]):
        _forward_one(inp, grid, out, n, geo, padding, align)


@_jit
def cubic_backward(inp, grid, gout, gin, ggrid, geo, padding, align, need_in, need_grid):
    for n in range(inp.shape[0]):
        _backward_one(inp, grid, gout, gin, ggrid, n, geo, padding, align, need_in, need_grid)


@_jit_parallel
def cubic_backward_parallel(inp, grid, gout, gin, ggrid, geo, padding, align, need_in,
                            need_grid):
    for n in nb.prange(inp.shape[0]):
        _backward_one(inp, grid, gout, gin, ggrid, n, geo, padding, align, need_in, need_grid)
