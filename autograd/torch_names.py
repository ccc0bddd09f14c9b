"""`import autograd as torch` ports a script whole: torch.nn, torch.optim, torch.utils and
torch.autograd resolve to this engine's packages. nn and optim import autograd themselves, so
they load on first use (a module-level __getattr__)."""
from __future__ import annotations

import importlib
import types


def _autograd_namespace():
    """torch.autograd's names: Function, grad, backward, gradcheck, no_grad, ..."""
    import autograd as ag
    names = ("Function", "grad", "backward", "gradcheck", "no_grad", "enable_grad",
             "set_grad_enabled", "inference_mode", "detect_anomaly")
    ns = types.ModuleType("autograd.autograd", "torch.autograd's names in this engine")
    for name in names:
        setattr(ns, name, getattr(ag, name))
    ns.function = types.SimpleNamespace(Function=ag.Function)
    from .compat import Variable
    ns.Variable = Variable
    return ns


def __getattr__(name):
    if name in ("nn", "optim"):
        return importlib.import_module(name)
    if name == "autograd":
        return _autograd_namespace()
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
