"""Finding the engine's optional pieces by name, so a missing one skips a row, not the run."""
from __future__ import annotations

import importlib


class Missing(Exception):
    """A module or attribute a benchmark needs is not there (yet); str() names it."""


# Where a class lives before its package re-exports it: "nn.Conv1d" is also sought in these.
SUBMODULES = {
    "nn": ("linear", "activation", "conv", "pooling", "normalization", "dropout", "sparse",
           "loss", "rnn", "attention", "seq2seq", "transformer", "perceptron", "functional"),
    "optim": ("sgd", "adam", "rmsprop", "adagrad", "lr_scheduler", "clip"),
}


def lookup(dotted: str):
    """The object at a dotted path such as "nn.LSTM" or "optim.Adam" (also found in the
    package's own files before the package exports it); raises Missing."""
    try:
        return _lookup(dotted)
    except Missing:
        package, _, rest = dotted.partition(".")
        for sub in SUBMODULES.get(package, ()):
            try:
                return _lookup(f"{package}.{sub}.{rest}")
            except Missing:
                continue
        raise


def _lookup(dotted: str):
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for i, attr in enumerate(parts[cut:], start=cut):
            try:
                obj = getattr(obj, attr)
            except AttributeError:
                if i == cut:
                    try:     # a submodule that the package does not import itself
                        obj = importlib.import_module(".".join(parts[:i + 1]))
                        continue
                    except ImportError:
                        pass
                raise Missing(dotted) from None
        return obj
    raise Missing(dotted)


def need(*names: str):
    """Look up every name; raise Missing listing all that are absent."""
    found, absent = [], []
    for n in names:
        try:
            found.append(lookup(n))
        except Missing:
            absent.append(n)
    if absent:
        raise Missing(", ".join(absent))
    return found
