"""Resampling over the last 1-3 dims (nearest, linear, cubic) as one separable op.

Along each resampled dim, output index o reads K input indices idx_k[o] with weights w_k[o]
(nearest: K=1, linear: K=2, cubic: K=4). The tap tables follow PyTorch's CPU index arithmetic
(ATen's UpSample.h): the scale is computed in the input's dtype, the source coordinate is
floored after a cast to float32, and the fractional part is clamped to [0, 1].
The sums run on kernels/resample.py (the VJP through the transposed tap table); the numpy
forms with take and add.reduceat stay as the kernel's test oracle.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..function import Context, Function
from ..kernels.resample import gather_axis


class Tap(NamedTuple):
    """One of the K reads along a dim: y[o] += weight[o] * x[index[o]] (weight None means 1).

    `index` is non-decreasing, so its VJP is a segment sum: `starts` are the positions where
    index changes and `targets` = index[starts] the input positions those segments feed.
    """
    index: np.ndarray
    weight: np.ndarray | None
    starts: np.ndarray
    targets: np.ndarray


def _tap(index, weight=None) -> Tap:
    starts = np.flatnonzero(np.concatenate(([True], index[1:] != index[:-1])))
    return Tap(index, weight, starts, index[starts])


def _scale(n_in, n_out, align_corners, scale, f):
    """area_pixel_compute_scale: input step per output step, in dtype f."""
    if align_corners:
        return f(n_in - 1) / f(n_out - 1) if n_out > 1 else f(0)
    if scale is not None and scale > 0:
        return f(1.0 / scale)
    return f(n_in) / f(n_out)


def _floor(src, n_in):
    """floorf(src) (the coordinate is rounded to float32 first), at most n_in - 1."""
    return np.minimum(np.floor(src.astype(np.float32)).astype(np.int64), n_in - 1)


def nearest_taps(n_in, n_out, scale, exact, dtype, float_scale=False):
    """idx[o] = floor(o * s) ('nearest') or floor((o + 0.5) * s) ('nearest-exact'),
    s = 1 / scale_factor if given else n_in / n_out.  None when idx is the identity.

    PyTorch's kernels differ in the details: on 2-D inputs (float_scale=True) s is a float32,
    n_out == n_in copies and n_out == 2 n_in halves the index for 'nearest'; on 1-D and 3-D
    inputs s has the input's dtype and there are no such shortcuts.
    """
    if float_scale:
        s, o = _scale(n_in, n_out, False, scale, np.float32), np.arange(n_out)
        if not exact and n_out == n_in:
            return None
        if not exact and n_out == 2 * n_in:
            idx = o >> 1
        else:
            idx = _floor((o + 0.5) * np.float64(s) if exact else o.astype(np.float32) * s, n_in)
    else:
        f = np.dtype(dtype).type
        s, o = _scale(n_in, n_out, False, scale, f), np.arange(n_out).astype(f)
        idx = _floor(s * (o + f(0.5)) if exact else s * o, n_in)
    if n_out == n_in and np.array_equal(idx, np.arange(n_in)):
        return None
    return (_tap(idx),)


def _source(n_in, n_out, align_corners, scale, f):
    s = _scale(n_in, n_out, align_corners, scale, f)
    o = np.arange(n_out).astype(f)
    return s * o if align_corners else s * (o + f(0.5)) - f(0.5)


def linear_taps(n_in, n_out, align_corners, scale, dtype):
    """Two taps: floor(src) and the next index (clamped), weights 1 - t and t.
    None when n_out == n_in (PyTorch copies the input then)."""
    if n_out == n_in:
        return None
    f = np.dtype(dtype).type
    src = np.maximum(_source(n_in, n_out, align_corners, scale, f), f(0))
    i0 = _floor(src, n_in)
    t = np.clip(src - i0.astype(f), f(0), f(1))
    i1 = i0 + (i0 < n_in - 1)
    return (_tap(i0, f(1) - t), _tap(i1, t))


def _cubic1(x, a):
    return ((a + 2) * x - (a + 3)) * x * x + 1


def _cubic2(x, a):
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a


def cubic_taps(n_in, n_out, align_corners, scale, dtype):
    """Four taps floor(src) - 1 ... floor(src) + 2 (clamped to the input) with the cubic
    convolution weights of A = -0.75."""
    f = np.dtype(dtype).type
    src = _source(n_in, n_out, align_corners, scale, f)
    i0 = _floor(src, n_in)
    t = np.clip(src - i0.astype(f), f(0), f(1))
    a, one = f(-0.75), f(1)
    weights = (_cubic2(t + one, a), _cubic1(t, a), _cubic1(one - t, a),
               _cubic2(one - t + one, a))
    return tuple(_tap(np.clip(i0 - 1 + j, 0, n_in - 1), w) for j, w in enumerate(weights))


def _table(taps, dtype):
    """The taps as the kernel's table (idx, w, cnt): K entries an output, in tap order."""
    n_out, k = len(taps[0].index), len(taps)
    idx = np.stack([t.index for t in taps]).astype(np.int64)
    w = np.stack([np.ones(n_out, dtype) if t.weight is None else t.weight
                  for t in taps]).astype(dtype)
    return idx, w, np.full(n_out, k, np.int64)


def _transposed_table(taps, n_in, dtype):
    """_table's transpose: each input's entries in output order, padded to the widest (cnt:
    the entries in use)."""
    idx, w, _ = _table(taps, dtype)
    k, n_out = idx.shape
    src = idx.T.ravel()   # output-major, then tap
    order = np.argsort(src, kind="stable")   # stable: each input's terms stay in output order
    cnt = np.bincount(src, minlength=n_in).astype(np.int64)
    rank = np.arange(src.size) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    t_idx = np.full((max(int(cnt.max()), 1), n_in), n_out, np.int64)   # padding: see kernel
    t_w = np.zeros(t_idx.shape, dtype)
    t_idx[rank, src[order]] = order // k
    t_w[rank, src[order]] = w.T.ravel()[order]
    return t_idx, t_w, cnt


def _gather_numpy(x, taps, axis):
    """_gather in numpy (the oracle of the tests)."""
    shape = [1] * x.ndim
    shape[axis] = -1
    out = None
    for tap in taps:
        term = np.take(x, tap.index, axis=axis)
        if tap.weight is not None:
            term *= tap.weight.reshape(shape)
        if out is None:
            out = term
        else:
            out += term
    return out


def _scatter_numpy(g, taps, axis, n_in):
    """_scatter in numpy (the oracle of the tests)."""
    shape = [1] * g.ndim
    shape[axis] = -1
    out_shape = list(g.shape)
    out_shape[axis] = n_in
    dx = np.zeros(out_shape, g.dtype)
    where = [slice(None)] * g.ndim
    for tap in taps:
        gw = g if tap.weight is None else g * tap.weight.reshape(shape)
        where[axis] = tap.targets
        dx[tuple(where)] += np.add.reduceat(gw, tap.starts, axis=axis)
    return dx


def _gather(x, taps, axis):
    """x's dim `axis` read through the taps."""
    return gather_axis(x, _table(taps, x.dtype), axis)


def _scatter(g, taps, axis, n_in):
    """_gather's VJP: g's dim `axis` summed back onto n_in entries."""
    return gather_axis(g, _transposed_table(taps, n_in, g.dtype), axis)


class Resample(Function):
    """y = the taps applied along each of the last len(taps) dims (None: dim unchanged);
    dx = g * w_k scatter-added at idx_k, dim by dim in reverse.
    x: (N, C, *in_size) -> (N, C, *out_size)."""

    @staticmethod
    def forward(ctx, x, taps):
        nd = len(taps)
        y = x
        for d in reversed(range(nd)):   # last dim first: PyTorch nests the sums that way
            if taps[d] is not None:
                y = _gather(y, taps[d], x.ndim - nd + d)
        ctx.taps, ctx.x_shape = taps, x.shape
        return y if y is not x else x.copy()

    @staticmethod
    def backward(ctx, g):
        taps, shape = ctx.taps, ctx.x_shape
        nd = len(taps)
        for d in range(nd):
            if taps[d] is not None:
                axis = len(shape) - nd + d
                g = _scatter(g, taps[d], axis, shape[axis])
        return (g,)

    @staticmethod
    def backward_graph(ctx, g):
        return (ResampleGrad.apply(g, taps=ctx.taps, x_shape=ctx.x_shape),)


class ResampleGrad(Function):
    """Resample's VJP as an op (create_graph=True): y = g * w_k scatter-added at idx_k, linear
    in g; its adjoint is the resampling itself, so dg = Resample(h).
    g: (N, C, *out_size) -> (N, C, *in_size)."""

    @staticmethod
    def forward(ctx, g, taps, x_shape):
        ctx.taps, ctx.x_shape = taps, x_shape   # what Resample.backward reads from its ctx
        (dx,) = Resample.backward(ctx, g)
        return dx if dx is not g else g.copy()

    @staticmethod
    def backward(ctx, h):
        return (Resample.forward(Context(None), h, ctx.taps),)

    @staticmethod
    def backward_graph(ctx, h):
        return (Resample.apply(h, taps=ctx.taps),)
