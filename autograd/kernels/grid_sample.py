"""grid_sample kernels: input (N, C, H, W) read at the points of grid (N, Ho, Wo, 2).

grid[n, h, w] = (x, y) in [-1, 1] (x along W, y along H); a point is mapped to pixels, then
by the padding mode: zeros (taps outside read 0), border (clamped to the edge) or reflection
(mirrored at the edges, then clamped); see grid_coords.py. The interpolation is ATen's CPU
kernel's term for term, in the input's dtype. One image per call of the inner kernels; a
serial and an image-parallel driver run them (parallel only when `conv.PARALLEL` is set, as
the conv and pooling kernels). Bicubic lives in grid_sample_cubic.py.
"""
import numba as nb
import numpy as np

from . import conv
from .grid_coords import axis_geometry, locate, tap
from .grid_sample_cubic import (cubic_backward, cubic_backward_parallel, cubic_forward,
                                cubic_forward_parallel)
from .readonly import readonly

_jit = nb.njit(cache=True, error_model="numpy", nogil=True)
_jit_parallel = nb.njit(cache=True, error_model="numpy", nogil=True, parallel=True)
_jit_inline = nb.njit(cache=True, error_model="numpy", nogil=True, inline="always")

MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
PADDINGS = {"zeros": 0, "border": 1, "reflection": 2}


@_jit_inline
def _bilinear_point(vx, vy, geo, padding, align):
    # scalars in, not the grid and an index: that kept the loops 20x slower, measured
    x, gx = locate(vx, geo, 0, padding, align)
    y, gy = locate(vy, geo, 1, padding, align)
    one = geo.dtype.type(1)
    xw, yn = np.floor(x), np.floor(y)
    fw, fn = x - xw, y - yn          # distances to the west and north taps
    fe, fs = one - fw, one - fn
    iw, w_ok = tap(xw, geo[0, 1] + one)
    ie, e_ok = tap(xw + one, geo[0, 1] + one)
    i_n, n_ok = tap(yn, geo[1, 1] + one)
    i_s, s_ok = tap(yn + one, geo[1, 1] + one)
    return (gx, gy, fw, fe, fn, fs, iw, ie, i_n, i_s,
            n_ok and w_ok, n_ok and e_ok, s_ok and w_ok, s_ok and e_ok)


@_jit_inline
def _bilinear_forward_one(inp, grid, out, n, geo, padding, align):
    zero = geo.dtype.type(0)
    for h in range(grid.shape[1]):
        for w in range(grid.shape[2]):
            (_, _, fw, fe, fn, fs, iw, ie, i_n, i_s,
             nw_ok, ne_ok, sw_ok, se_ok) = _bilinear_point(grid[n, h, w, 0], grid[n, h, w, 1],
                                                             geo, padding, align)
            nw, ne, sw, se = fs * fe, fs * fw, fn * fe, fn * fw
            for c in range(inp.shape[1]):
                v_nw = inp[n, c, i_n, iw] if nw_ok else zero
                v_ne = inp[n, c, i_n, ie] if ne_ok else zero
                v_sw = inp[n, c, i_s, iw] if sw_ok else zero
                v_se = inp[n, c, i_s, ie] if se_ok else zero
                out[n, c, h, w] = v_nw * nw + v_ne * ne + v_sw * sw + v_se * se


@_jit_inline
def _bilinear_backward_one(inp, grid, gout, gin, ggrid, n, geo, padding, align, need_in,
                           need_grid):
    zero = geo.dtype.type(0)
    for h in range(grid.shape[1]):
        for w in range(grid.shape[2]):
            (gx, gy, fw, fe, fn, fs, iw, ie, i_n, i_s,
             nw_ok, ne_ok, sw_ok, se_ok) = _bilinear_point(grid[n, h, w, 0], grid[n, h, w, 1],
                                                             geo, padding, align)
            nw, ne, sw, se = fs * fe, fs * fw, fn * fe, fn * fw
            sx, sy = zero, zero
            for c in range(inp.shape[1]):
                g = gout[n, c, h, w]
                if need_in:
                    if nw_ok:
                        gin[n, c, i_n, iw] += nw * g
                    if ne_ok:
                        gin[n, c, i_n, ie] += ne * g
                    if sw_ok:
                        gin[n, c, i_s, iw] += sw * g
                    if se_ok:
                        gin[n, c, i_s, ie] += se * g
                if need_grid:
                    v_nw = inp[n, c, i_n, iw] if nw_ok else zero
                    v_ne = inp[n, c, i_n, ie] if ne_ok else zero
                    v_sw = inp[n, c, i_s, iw] if sw_ok else zero
                    v_se = inp[n, c, i_s, ie] if se_ok else zero
                    sx += ((v_ne - v_nw) * fs + (v_se - v_sw) * fn) * g
                    sy += ((v_sw - v_nw) * fe + (v_se - v_ne) * fw) * g
            if need_grid:
                ggrid[n, h, w, 0] = sx * gx
                ggrid[n, h, w, 1] = sy * gy


@_jit_inline
def _nearest_point(vx, vy, geo, padding, align):
    one = geo.dtype.type(1)
    x = locate(vx, geo, 0, padding, align)[0]
    y = locate(vy, geo, 1, padding, align)[0]
    ix, x_ok = tap(np.rint(x), geo[0, 1] + one)   # rint: half to even, as ATen
    iy, y_ok = tap(np.rint(y), geo[1, 1] + one)
    return ix, iy, x_ok and y_ok


@_jit_inline
def _nearest_forward_one(inp, grid, out, n, geo, padding, align):
    zero = geo.dtype.type(0)
    for h in range(grid.shape[1]):
        for w in range(grid.shape[2]):
            ix, iy, ok = _nearest_point(grid[n, h, w, 0], grid[n, h, w, 1], geo, padding,
                                       align)
            for c in range(inp.shape[1]):
                out[n, c, h, w] = inp[n, c, iy, ix] if ok else zero


@_jit_inline
def _nearest_backward_one(grid, gout, gin, n, geo, padding, align):
    for h in range(grid.shape[1]):
        for w in range(grid.shape[2]):
            ix, iy, ok = _nearest_point(grid[n, h, w, 0], grid[n, h, w, 1], geo, padding,
                                       align)
            if ok:
                for c in range(gin.shape[1]):
                    gin[n, c, iy, ix] += gout[n, c, h, w]


# One serial and one image-parallel driver per mode and direction: a single driver
# dispatching on the mode made the bicubic loops 4x slower (measured), LLVM optimizing the
# three modes' loops inlined into one function worse than each on its own.
@_jit
def _bilinear_forward(inp, grid, out, geo, padding, align):
    for n in range(inp.shape[0]):
        _bilinear_forward_one(inp, grid, out, n, geo, padding, align)


@_jit_parallel
def _bilinear_forward_parallel(inp, grid, out, geo, padding, align):
    for n in nb.prange(inp.shape[0]):
        _bilinear_forward_one(inp, grid, out, n, geo, padding, align)


@_jit
def _bilinear_backward(inp, grid, gout, gin, ggrid, geo, padding, align, need_in, need_grid):
    for n in range(inp.shape[0]):
        _bilinear_backward_one(inp, grid, gout, gin, ggrid, n, geo, padding, align, need_in,
                               need_grid)


@_jit_parallel
def _bilinear_backward_parallel(inp, grid, gout, gin, ggrid, geo, padding, align, need_in,
                                need_grid):
    for n in nb.prange(inp.shape[0]):
        _bilinear_backward_one(inp, grid, gout, gin, ggrid, n, geo, padding, align, need_in,
                               need_grid)


@_jit
def _nearest_forward(inp, grid, out, geo, padding, align):
    for n in range(inp.shape[0]):
        _nearest_forward_one(inp, grid, out, n, geo, padding, align)


@_jit_parallel
def _nearest_forward_parallel(inp, grid, out, geo, padding, align):
    for n in nb.prange(inp.shape[0]):
        _nearest_forward_one(inp, grid, out, n, geo, padding, align)


@_jit
def _nearest_backward(inp, grid, gout, gin, ggrid, geo, padding, align, need_in, need_grid):
    for n in range(inp.shape[0]):
        _nearest_backward_one(grid, gout, gin, n, geo, padding, align)


@_jit_parallel
def _nearest_backward_parallel(inp, grid, gout, gin, ggrid, geo, padding, align, need_in,
                               need_grid):
    for n in nb.prange(inp.shape[0]):
        _nearest_backward_one(grid, gout, gin, n, geo, padding, align)


# mode code -> (serial, parallel)
_FORWARD = ((_bilinear_forward, _bilinear_forward_parallel),
            (_nearest_forward, _nearest_forward_parallel),
            (cubic_forward, cubic_forward_parallel))
_BACKWARD = ((_bilinear_backward, _bilinear_backward_parallel),
             (_nearest_backward, _nearest_backward_parallel),
             (cubic_backward, cubic_backward_parallel))


def _geometry(inp, align_corners):
    h, w = inp.shape[2], inp.shape[3]
    return np.stack([axis_geometry(w, align_corners, inp.dtype),
                     axis_geometry(h, align_corners, inp.dtype)])


def grid_sample_forward(inp, grid, mode, padding, align_corners):
    """inp (N, C, H, W), grid (N, Ho, Wo, 2) of one float dtype -> (N, C, Ho, Wo).
    mode, padding: codes from MODES and PADDINGS."""
    out = np.empty(inp.shape[:2] + grid.shape[1:3], inp.dtype)
    run = _FORWARD[mode][conv.PARALLEL and inp.shape[0] > 1]
    run(readonly(inp), readonly(grid), out, _geometry(inp, align_corners), padding,
        bool(align_corners))
    return out


def grid_sample_backward(inp, grid, gout, mode, padding, align_corners, need_input=True,
                         need_grid=True):
    """The VJP of grid_sample_forward for the cotangent gout (N, C, Ho, Wo).

    Returns (d input (N, C, H, W) or None, d grid (N, Ho, Wo, 2) or None); the grid's is
    zero for nearest, as in PyTorch (the output is piecewise constant in the grid).
    """
    gin = np.zeros(inp.shape, inp.dtype) if need_input else np.zeros((0, 0, 0, 0), inp.dtype)
    ggrid = np.zeros(grid.shape, inp.dtype) if need_grid else np.zeros((0, 0, 0, 0), inp.dtype)
    if (need_input or need_grid and mode != 1) and gout.size:
        run = _BACKWARD[mode][conv.PARALLEL and inp.shape[0] > 1]
        run(readonly(inp), readonly(grid), readonly(gout, inp.dtype), gin, ggrid,
            _geometry(inp, align_corners), padding, bool(align_corners), bool(need_input),
            bool(need_grid))
    return (gin if need_input else None), (ggrid if need_grid else None)
