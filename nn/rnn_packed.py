"""nn.RNN / nn.LSTM / nn.GRU on a PackedSequence.

A fused layer runs each direction once over the padded batch (sorted by length), unless the
padding would cost more than the runs below: the forward direction as it is, the reverse one on
each sequence reversed within its own length, so that in both the padding comes after a
sequence's last step and cannot reach its valid steps. The op returns the states of every step
(the LSTM's cells too), and each sequence's final state is taken at its own last step. Rows move
between the packed and the padded layout through two small ops with unique indices (their
gradients are a gather and a scatter, no add.at).

The composed layers (`fused = False`, the test oracle), the relu RNN and batches of very uneven
lengths take another way: the batch sizes of a packed sequence only shrink, so its steps split
into runs of equal batch size whose rows are contiguous in the packed data; each run goes
through the layer's own time loop on the running sequences only, and the reverse direction
walks the runs backwards, starting each sequence from its initial state when its last step
comes into view.
"""
from __future__ import annotations

import numpy as np

import autograd
from autograd import Tensor
from autograd.function import Function
from autograd.torch_errors import ArgumentError, DtypeValueError

from .rnn_steps import _zeros
from .utils.packed import PackedSequence


# One run of equal batch size costs about as much as this many padded rows of the grid
# (one op call, its input rows and the glue around it): measured on a 2-layer bidirectional
# LSTM, hidden 64, T=50, B=32 (32 runs: padded grid 19.7 ms, runs 35.4; 2 runs and 95%
# padding: 19.2 against 5.1).
ROWS_PER_RUN = 64


class _PlaceRows(Function):
    """y = zeros (n, F) with y[slots] = x, x (S, F), slots unique;  dx = g[slots]."""

    @staticmethod
    def forward(ctx, x, slots, n):
        ctx.slots = slots
        out = np.zeros((n,) + x.shape[1:], x.dtype)
        out[slots] = x
        return out

    @staticmethod
    def backward(ctx, g):
        return (g[ctx.slots],)

    @staticmethod
    def backward_graph(ctx, g):
        return (_TakeRows.apply(g, rows=ctx.slots),)


class _TakeRows(Function):
    """y = x[rows], rows unique;  dx = zeros with dx[rows] = g."""

    @staticmethod
    def forward(ctx, x, rows):
        ctx.rows, ctx.shape = rows, x.shape
        return x[rows]

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape, g.dtype)
        gx[ctx.rows] = g
        return (gx,)

    @staticmethod
    def backward_graph(ctx, g):
        return (_PlaceRows.apply(g, slots=ctx.rows, n=ctx.shape[0]),)


class _Layout:
    """Where each packed row sits in the padded (T, B) grid, as flat slot indices: `slots`
    for the forward direction, `reversed_slots` for each sequence reversed within its length,
    and `last`, the slot of each sequence's last step (the same in both)."""

    def __init__(self, sizes: np.ndarray):
        self.n_steps, self.n_batch = sizes.size, int(sizes[0])
        t = np.repeat(np.arange(sizes.size), sizes)
        b = np.concatenate([np.arange(n) for n in sizes])
        lengths = np.bincount(b, minlength=self.n_batch)
        self.slots = t * self.n_batch + b
        self.reversed_slots = (lengths[b] - 1 - t) * self.n_batch + b
        self.last = (lengths - 1) * self.n_batch + np.arange(self.n_batch)


def _padded_direction(run, inp: Tensor, init: list, layout: _Layout, reverse: bool):
    """One direction of a fused layer: inp (S, F) packed -> (outputs (S, H) packed, final
    states each (B, H)), in one call of the op over the padded batch."""
    slots = layout.reversed_slots if reverse else layout.slots
    grid = layout.n_steps * layout.n_batch
    padded = _PlaceRows.apply(inp, slots=slots, n=grid).reshape(
        layout.n_steps, layout.n_batch, inp.shape[1])
    seq, states = run(padded, init, False, every_step=True)
    out = _TakeRows.apply(seq.reshape(grid, seq.shape[2]), rows=slots)
    return out, [_TakeRows.apply(s.reshape(grid, s.shape[2]), rows=layout.last)
                 for s in states]


def _runs(sizes: np.ndarray) -> list:
    """batch_sizes (T,) -> [(first row, number of steps, batch size)] per run of equal size."""
    runs, row, t = [], 0, 0
    while t < sizes.size:
        n = int(sizes[t])
        end = t
        while end < sizes.size and sizes[end] == n:
            end += 1
        runs.append((row, end - t, n))
        row += (end - t) * n
        t = end
    return runs


def _forward_direction(run_fn, inp: Tensor, init: list, runs: list):
    """Left to right: inp (S, F) packed -> (outputs (S, H) packed, final states each (B, H))."""
    state, outs, ends = init, [], [[] for _ in init]
    for k, (row, steps, bs) in enumerate(runs):
        if state[0].shape[0] != bs:
            state = [s[:bs] for s in state]
        seg = inp[row:row + steps * bs].reshape(steps, bs, inp.shape[1])
        seq, state = run_fn(seg, state, False)
        outs.append(seq.reshape(steps * bs, seq.shape[2]))
        done = runs[k + 1][2] if k + 1 < len(runs) else 0   # rows that end here: done..bs
        for e, s in zip(ends, state):
            e.append(s[done:] if done else s)
    finals = [e[0] if len(e) == 1 else autograd.cat(e[::-1], 0) for e in ends]
    return _cat_rows(outs), finals


def _reverse_direction(run_fn, inp: Tensor, init: list, runs: list):
    """Right to left, each sequence starting at its own last step: -> as _forward_direction."""
    state, outs = None, []
    for row, steps, bs in reversed(runs):
        if state is None:
            state = [s[:bs] if s.shape[0] != bs else s for s in init]
        else:  # the sequences whose last step is this run's last join with their initial state
            have = state[0].shape[0]
            state = [autograd.cat([s, s0[have:bs]], 0) for s, s0 in zip(state, init)]
        seg = inp[row:row + steps * bs].reshape(steps, bs, inp.shape[1])
        seq, state = run_fn(seg, state, True)
        outs.append(seq.reshape(steps * bs, seq.shape[2]))
    return _cat_rows(outs[::-1]), list(state)


def _cat_rows(parts: list) -> Tensor:
    return parts[0] if len(parts) == 1 else autograd.cat(parts, 0)


def _check(module, packed: PackedSequence) -> np.ndarray:
    name = type(module).__name__
    x = packed.data
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: PackedSequence data must be a Tensor, got "
                        f"{type(x).__name__}")
    sizes = packed.batch_sizes
    sizes = np.asarray(sizes.data if isinstance(sizes, Tensor) else sizes, np.int64)
    if x.ndim != 2 or x.shape[1] != module.input_size:
        raise ArgumentError(f"{name}: expected PackedSequence data of shape "
                            f"(S, {module.input_size}), got {tuple(x.shape)}")
    if (sizes.ndim != 1 or sizes.size == 0 or sizes[-1] <= 0 or np.any(np.diff(sizes) > 0)
            or sizes.sum() != x.shape[0]):
        raise ValueError(f"{name}: batch_sizes {sizes.tolist()} must be positive, not "
                         f"increasing and sum to the {x.shape[0]} rows of data")
    if x.dtype != module.weight_ih_l0.dtype:
        raise DtypeValueError(f"{name}: input dtype {x.dtype} differs from the parameters' "
                              f"dtype {module.weight_ih_l0.dtype}")
    return sizes


def packed_forward(module, packed: PackedSequence, hx_list, what):
    """module: an nn.RNN, nn.LSTM or nn.GRU; packed data (S, H_in); hx_list: None or the
    initial states, each (D * num_layers, B, H) in the caller's batch order ->
    (PackedSequence of (S, D * H), [final states, each (D * num_layers, B, H)])."""
    sizes = _check(module, packed)
    x = packed.data
    shape = (module.num_layers * module.num_directions, int(sizes[0]), module.hidden_size)
    sorted_idx, unsorted_idx = packed.sorted_indices, packed.unsorted_indices
    if hx_list is None:
        states = [_zeros(shape, x) for _ in what]
    else:
        states = [module._check_state(s, shape, True, w) for s, w in zip(hx_list, what)]
        if sorted_idx is not None:
            states = [s.index_select(1, sorted_idx) for s in states]

    # The padded grid pays for its padding, the runs for their number (ROWS_PER_RUN). A relu
    # RNN's state can grow without bound over the padding after a short sequence (zero input,
    # h' = relu(W h)); once it overflows, 0 * inf poisons the weight gradient. The other
    # layers' states stay bounded there.
    runs = _runs(sizes)
    padded = len(runs) * ROWS_PER_RUN >= sizes.size * int(sizes[0]) - int(sizes.sum())
    if module.fused and module.mode != "RNN_RELU" and padded:
        layout = _Layout(sizes)

        def over(run, inp, init, reverse):
            return _padded_direction(run, inp, init, layout, reverse)
    else:
        def over(run, inp, init, reverse):   # each direction by runs of equal batch size
            return (_reverse_direction if reverse else _forward_direction)(run, inp, init, runs)

    x, finals = module._run(x, states, over)
    if unsorted_idx is not None:
        finals = [f.index_select(1, unsorted_idx) for f in finals]
    return PackedSequence(x, packed.batch_sizes, sorted_idx, unsorted_idx), finals
