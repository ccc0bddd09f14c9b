"""`import autograd as torch` ports a script whole: torch.nn, torch.optim, torch.utils and
torch.autograd resolve to this engine's packages. nn and optim import autograd themselves, so
they load on first use (a module-level __getattr__); `import autograd.nn as nn` and
`from autograd.nn import functional as F` work through an import alias (_Aliases)."""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types


def _autograd_namespace():
    """torch.autograd's names: Function, grad, backward, gradcheck, no_grad, ..."""
    import autograd as ag
    names = ("Function", "grad", "backward", "gradcheck", "gradgradcheck", "no_grad",
             "enable_grad", "set_grad_enabled", "inference_mode", "detect_anomaly",
             "set_detect_anomaly", "is_grad_enabled", "is_inference_mode_enabled",
             "is_anomaly_enabled", "set_anomaly_enabled")
    ns = types.ModuleType("autograd.autograd", "torch.autograd's names in this engine")
    for name in names:
        setattr(ns, name, getattr(ag, name))
    from .custom_function import FunctionCtx, once_differentiable
    ns.function = types.SimpleNamespace(Function=ag.Function, FunctionCtx=FunctionCtx,
                                        once_differentiable=once_differentiable)
    from .compat import Variable
    ns.Variable = Variable
    ns.functional = importlib.import_module("autograd.autograd_functional")
    return ns


def __getattr__(name):
    if name in ("nn", "optim"):
        return importlib.import_module(name)
    if name == "autograd":
        return _autograd_namespace()
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")


class _Aliases(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports of autograd.nn[.x] and autograd.optim[.x] (torch's `import torch.nn as nn`
    with torch renamed) give the engine's nn and optim modules themselves."""

    PACKAGES = ("nn", "optim")

    def find_spec(self, fullname, path=None, target=None):
        head, _, rest = fullname.partition(".")
        if head == "autograd" and rest.split(".")[0] in self.PACKAGES:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    _KEPT = ("__spec__", "__loader__", "__package__", "__path__", "__file__")

    def create_module(self, spec):
        module = importlib.import_module(spec.name.partition(".")[2])
        # the import system stamps the alias's spec on what this returns: keep the module's
        # own (importlib.reload and importlib.resources read it)
        module.__dict__.setdefault("_alias_kept", {
            k: module.__dict__[k] for k in self._KEPT if k in module.__dict__})
        return module

    def exec_module(self, module):
        # the module was imported, under its own name, by create_module
        kept = module.__dict__.pop("_alias_kept", {})
        module.__dict__.update(kept)


if not any(isinstance(f, _Aliases) for f in sys.meta_path):
    # first: a submodule of the aliased package (autograd.nn.utils) would otherwise be found
    # by the path finder in nn's folder and loaded a second time under the alias's name
    sys.meta_path.insert(0, _Aliases())
