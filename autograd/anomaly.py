"""detect_anomaly(), set_detect_anomaly(), as torch's: in anomaly mode (function.anomaly_enabled)
each op records where the user's code made it, and with check_nan (torch's
is_anomaly_check_nan_enabled) the first backward that returns a NaN gradient raises, naming
its op and that line. As in torch, a forward output holding NaN or inf raises nothing (a
masked_fill with -inf before a softmax is the usual attention mask), nor does an infinite
gradient (sqrt's at 0)."""
from __future__ import annotations

import traceback

import numpy as np

from . import function
from .stacked import ProductGrad


_PACKAGES = None
_check_nan = True   # with anomaly mode on and this off, ops only record where they were made


def _package_dirs() -> tuple:
    """The directories of the engine's own packages (autograd, nn, optim)."""
    global _PACKAGES
    if _PACKAGES is None:
        import os
        import sys
        here = os.path.dirname(os.path.abspath(__file__))
        dirs = [here]
        for name in ("nn", "optim"):
            mod = sys.modules.get(name)
            path = getattr(mod, "__file__", None)
            if path and os.path.dirname(os.path.dirname(os.path.abspath(path))) == \
                    os.path.dirname(here):
                dirs.append(os.path.dirname(os.path.abspath(path)))
        if len(dirs) < 3:  # nn or optim not imported yet: look again next time
            return tuple(d + os.sep for d in dirs)
        _PACKAGES = tuple(d + os.sep for d in dirs)
    return _PACKAGES


def _user_frame() -> str:
    """The innermost stack frame outside the engine's packages: where the user's code made
    the op (directly, or by calling a layer)."""
    import os
    packages = _package_dirs()
    for frame in reversed(traceback.extract_stack()):
        if not os.path.abspath(frame.filename).startswith(packages):
            return f'File "{frame.filename}", line {frame.lineno}, in {frame.name}: {frame.line}'
    return "<unknown>"


def check_forward(node, out: np.ndarray):
    node.where = _user_frame()


def check_backward(node, grads):
    if not _check_nan:
        return
    for i, g in enumerate(grads):
        if g.__class__ is ProductGrad:
            g = g.dense()
        g = getattr(g, "values", g)  # an IndexedGrad carries its non-zero part
        if g is not None and np.isnan(g).any():
            where = node.where or "<unknown: its forward pass ran outside detect_anomaly()>"
            raise RuntimeError(f"detect_anomaly: {node.name()} returned NaN in the "
                               f"gradient of its input {i}; the op was created at {where}")


def is_anomaly_enabled() -> bool:
    """True inside detect_anomaly() or after set_detect_anomaly(True)."""
    return function.anomaly_enabled


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly mode raises on a NaN gradient (True unless check_nan=False was given)."""
    return _check_nan


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly mode on or off (torch.set_anomaly_enabled)."""
    global _check_nan
    function.anomaly_enabled, _check_nan = bool(enabled), bool(check_nan)


class detect_anomaly:
    """Context manager: record where every op is made and, with check_nan, raise on the first
    backward gradient holding NaN."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = function.anomaly_enabled, _check_nan
        set_anomaly_enabled(True, self.check_nan)
        return self

    def __exit__(self, *exc):
        set_anomaly_enabled(*self._prev)
        return False


class set_detect_anomaly:
    """Anomaly mode on or off, as a function (the mode stays set) or a context manager (the
    previous mode comes back on exit), as torch.autograd.set_detect_anomaly."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self._prev = function.anomaly_enabled, _check_nan
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        set_anomaly_enabled(*self._prev)
        return False
