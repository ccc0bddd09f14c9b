"""autograd.jit and autograd.compile: PyTorch's graph-compiler entry points, so that ported
scripts run. There is no TorchScript and no graph compiler here: a model always runs as the
Python it is written in (its hot kernels are numba-compiled already), so script, trace and
compile hand back what they are given, and jit.save/jit.load refuse, pointing to state_dicts.
"""
from __future__ import annotations

__all__ = ["script", "trace", "ignore", "unused", "export", "is_scripting", "is_tracing",
           "annotate", "save", "load"]


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """torch.jit.script: returns obj itself (a Module, function or class), not a ScriptModule;
    it runs as Python, so data-dependent control flow and any Python it uses keep working."""
    return obj


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None,
          check_tolerance=1e-5, strict=True, **kwargs):
    """torch.jit.trace: returns func itself without running it on example_inputs (so no
    forward pass and no BatchNorm statistics update happen here, unlike torch's trace), and
    later calls follow the Python code, not one recorded path."""
    return func


def ignore(drop=False, **kwargs):
    """@jit.ignore or @jit.ignore(drop=...): leaves the function as it is."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    """@jit.unused: leaves the function as it is."""
    return fn


def export(fn):
    """@jit.export: leaves the method as it is."""
    return fn


def is_scripting() -> bool:
    """False: code never runs under TorchScript here."""
    return False


def is_tracing() -> bool:
    """False: nothing is ever traced here."""
    return False


def annotate(the_type, the_value):
    """torch.jit.annotate: the value itself (the type is for TorchScript's compiler)."""
    return the_value


def _no_torchscript(op: str) -> NotImplementedError:
    return NotImplementedError(
        f"jit.{op}: there is no TorchScript in this engine, so no scripted-model archive to "
        f"{op}; save the weights with autograd.save(model.state_dict(), f) and restore them "
        f"with model.load_state_dict(autograd.load(f)) into a model built in Python")


def save(m, f, _extra_files=None):
    """Refused (NotImplementedError): use autograd.save(model.state_dict(), f)."""
    raise _no_torchscript("save")


def load(f, map_location=None, _extra_files=None):
    """Refused (NotImplementedError): use model.load_state_dict(autograd.load(f))."""
    raise _no_torchscript("load")


_COMPILE_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs",
                  "max-autotune")


def compile(model=None, *, fullgraph=False, dynamic=None,  # noqa: A001  (torch's name)
            backend="inductor", mode=None, options=None, disable=False):
    """torch.compile: returns the model or function unchanged (no graph capture; the engine's
    numba kernels are compiled already), so it runs exactly as before. Without a model it is
    a decorator: `@compile` and `@compile(mode=...)` both work. mode and options are checked
    as torch checks them (not both; mode one of torch's names); the rest is ignored."""
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be "
                           "specified at the same time.")
    if mode is not None and mode not in _COMPILE_MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: "
                           f"{', '.join(_COMPILE_MODES)}")
    if model is None:
        return lambda fn: compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                  mode=mode, options=options, disable=disable)
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    return model
