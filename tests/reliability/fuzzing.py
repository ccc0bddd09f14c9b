"""Fuzzing harness: draw arguments for a public op (valid and invalid), call it, back-propagate,
and classify the outcome.

The only acceptable outcomes are a result, or a ValueError / TypeError / RuntimeError /
IndexError raised by the engine's own code (the innermost traceback frame is in autograd/, nn/
or optim/, not in numpy or numba) whose message names the op.
"""
from __future__ import annotations

import os
import traceback
import warnings

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np

import autograd
from autograd import Tensor

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OURS = tuple(os.path.join(_ROOT, p) + os.sep for p in ("autograd", "nn", "optim"))
CLEAR = (ValueError, TypeError, RuntimeError, IndexError)

DTYPES = [np.float32, np.float64, np.int64, np.bool_, np.int32, np.uint8]
# numpy dtypes a user may hand to tensor() / from_numpy() that the engine does not compute in
FOREIGN = [np.float16, np.longdouble, np.complex64, np.str_, np.object_, "datetime64[s]"]
SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e4, -1e4, 1e-30]

COUNTS = {"tried": 0, "results": 0, "errors": 0}


def shapes(min_dims=0, max_dims=3, max_side=4):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=max_side)


@st.composite
def arrays(draw, shape=None, dtype=None, min_dims=0, max_dims=3, max_side=4):
    """An ndarray of a drawn (or given) shape and dtype; floats include NaN, inf and extremes."""
    shape = draw(shapes(min_dims, max_dims, max_side)) if shape is None else tuple(shape)
    dtype = np.dtype(draw(st.sampled_from(DTYPES)) if dtype is None else dtype)
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    if dtype.kind == "f":
        arr = rng.standard_normal(shape).astype(dtype)
        if arr.size and draw(st.booleans()):
            flat = arr.reshape(-1)
            for _ in range(draw(st.integers(1, 3))):
                flat[draw(st.integers(0, flat.size - 1))] = draw(st.sampled_from(SPECIAL))
        return arr
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    return rng.integers(-3, 5, shape).astype(dtype)


@st.composite
def tensors(draw, shape=None, dtype=None, min_dims=0, max_dims=3, max_side=4):
    """A Tensor; floating ones require grad half of the time."""
    arr = draw(arrays(shape, dtype, min_dims, max_dims, max_side))
    grad = arr.dtype.kind == "f" and draw(st.booleans())
    return autograd.tensor(arr, requires_grad=grad)


def dims(ndim_max=4):
    return st.integers(-ndim_max - 1, ndim_max)


def sizes(max_len=4):
    """Shape-like tuples, sometimes with negative or -1 entries."""
    return st.lists(st.integers(-2, 4), min_size=0, max_size=max_len).map(tuple)


def _float_outputs(out):
    items = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in items if isinstance(o, Tensor) and o.requires_grad
            and o.dtype.kind == "f"]


def _innermost_frame(exc):
    tb = traceback.extract_tb(exc.__traceback__)
    return tb[-1] if tb else None


def run(call, names):
    """Call `call()`, back-propagate ones through each float output that requires grad.

    Returns None when the outcome is acceptable, else a one-line description of the problem.
    `names` are the op names any of which an error message must contain (case-insensitive).
    """
    COUNTS["tried"] += 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # NaN/inf inputs warn legitimately
            out = call()
            for o in _float_outputs(out):
                o.backward(np.ones(o.shape, o.dtype), retain_graph=True)
    except CLEAR as e:
        COUNTS["errors"] += 1
        frame = _innermost_frame(e)
        where = os.path.abspath(frame.filename) if frame else ""
        msg = str(e)
        if not where.startswith(OURS):
            return f"{type(e).__name__} from {where}:{frame.lineno if frame else '?'}: {msg[:200]}"
        if not any(n.lower() in msg.lower() for n in names):
            return f"{type(e).__name__} not naming {names[0]!r}: {msg[:200]}"
        return None
    except Exception as e:  # noqa: BLE001 - anything else is a finding
        frame = _innermost_frame(e)
        where = f"{frame.filename}:{frame.lineno}" if frame else "?"
        return f"{type(e).__name__} from {where}: {str(e)[:200]}"
    COUNTS["results"] += 1
    return None
