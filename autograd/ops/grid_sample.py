"""Spatial sampling: grid_sample (numba kernels in kernels/grid_sample.py)."""
from __future__ import annotations

from ..function import Function
from ..kernels import grid_sample as K


class GridSample(Function):
    """y[n, c, h, w] = input[n, c] interpolated at the pixel that grid[n, h, w] = (x, y) in
    [-1, 1] points to;  dinput = g spread back with the interpolation weights, dgrid = the
    weights' derivatives times input, summed over channels (0 for nearest, whose output is
    piecewise constant in the grid; the padding's clamps count as flat on their edges).

    input: (N, C, H, W), grid: (N, Ho, Wo, 2), one float dtype -> (N, C, Ho, Wo);
    mode / padding: codes of kernels.grid_sample.MODES / PADDINGS. Arguments are checked by
    nn.functional.grid_sample; the op trusts them.
    """

    @staticmethod
    def forward(ctx, input, grid, mode=0, padding=0, align_corners=False):
        ctx.save_for_backward(input, grid)
        ctx.options = (mode, padding, align_corners)
        return K.grid_sample_forward(input, grid, mode, padding, align_corners)

    @staticmethod
    def backward(ctx, g):
        input, grid = ctx.saved
        need_input, need_grid = ctx.needs_input_grad
        return K.grid_sample_backward(input, grid, g, *ctx.options, need_input=need_input,
                                      need_grid=need_grid)
