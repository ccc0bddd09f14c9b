"""detect_anomaly(): name the first op whose forward or backward produces NaN or inf."""
from __future__ import annotations

import traceback

import numpy as np

from . import function


def _user_frame() -> str:
    """The innermost stack frame outside this package: where the user created the op."""
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    for frame in reversed(traceback.extract_stack()):
        if not os.path.abspath(frame.filename).startswith(here):
            return f'File "{frame.filename}", line {frame.lineno}, in {frame.name}: {frame.line}'
    return "<unknown>"


def check_forward(node, out: np.ndarray):
    node.where = _user_frame()
    if out.dtype.kind == "f" and not np.all(np.isfinite(out)):
        raise RuntimeError(f"detect_anomaly: {node.name()} produced NaN or inf in its forward "
                           f"output (shape {out.shape}); it was created at {node.where}")


def check_backward(node, grads):
    for i, g in enumerate(grads):
        g = getattr(g, "values", g)  # an IndexedGrad carries its non-zero part
        if g is not None and not np.all(np.isfinite(g)):
            raise RuntimeError(f"detect_anomaly: {node.name()}Backward returned NaN or inf in the "
                               f"gradient of its input {i}; the op was created at {node.where}")


class detect_anomaly:
    """Context manager: check every op's forward output and backward gradients for NaN/inf."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = function.anomaly_enabled
        function.anomaly_enabled = self.check_nan
        return self

    def __exit__(self, *exc):
        function.anomaly_enabled = self._prev
        return False
