"""How a Tensor prints: PyTorch's layout and number format (torch/_tensor_str.py's rules).

Floats get `precision` decimals (4 by default), all in one format per tensor: integers with a
trailing dot when every finite value is whole (`tensor([1., 2.])`), scientific notation when
the nonzero finite magnitudes span more than 1000x, exceed 1e8 or fall below 1e-4, fixed
decimals otherwise. Every element is padded to the widest one. Rows wrap at `linewidth`, and
tensors of more than `threshold` elements show `edgeitems` at each end around `...`.
set_printoptions changes these for tensors only (numpy's own options are not touched).
"""
from __future__ import annotations

import math

import numpy as np

DEFAULTS = dict(precision=4, threshold=1000, edgeitems=3, linewidth=80, sci_mode=None)
PROFILES = {"default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
            "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
            "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80)}
options = dict(DEFAULTS)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None) -> None:
    """As torch.set_printoptions: a profile ('default', 'short', 'full') first, then each
    option given; sci_mode is always set (None: chosen per tensor)."""
    if profile is not None:
        if profile not in PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(PROFILES)}, "
                             f"got {profile!r}")
        options.update(PROFILES[profile])
    given = dict(precision=precision, threshold=threshold, edgeitems=edgeitems,
                 linewidth=linewidth)
    options.update({k: v for k, v in given.items() if v is not None})
    options["sci_mode"] = sci_mode


class _Formatter:
    """One number format for every element of a tensor (of its summarized part when long)."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        precision = options["precision"]
        if not self.floating:
            for v in values.reshape(-1).tolist():
                self.width = max(self.width, len(str(v)))
            return
        flat = values.reshape(-1).astype(np.float64)
        finite = flat[np.isfinite(flat) & (flat != 0)]
        if finite.size:
            mags = np.abs(finite)
            lo, hi = mags.min(), mags.max()
            self.int_mode = bool(np.all(finite == np.ceil(finite)))
            self.sci_mode = (bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
                             if options["sci_mode"] is None else options["sci_mode"])
            for v in finite.tolist():
                if self.sci_mode:
                    text = f"{v:.{precision}e}"
                elif self.int_mode:
                    text = f"{v:.0f}."
                else:
                    text = f"{v:.{precision}f}"
                self.width = max(self.width, len(text))

    def format(self, v) -> str:
        if not self.floating:
            text = str(v)
        elif self.sci_mode:
            text = f"{v:{self.width}.{options['precision']}e}"
        elif self.int_mode:
            text = f"{v:.0f}" + ("" if math.isinf(v) or math.isnan(v) else ".")
        else:
            text = f"{v:.{options['precision']}f}"
        return " " * (self.width - len(text)) + text


def _summarized(a: np.ndarray) -> np.ndarray:
    """The elements a summarized print shows: edgeitems from each end of every dim."""
    e = options["edgeitems"]
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        return np.concatenate([a[:e], a[len(a) - e:]]) if len(a) > 2 * e else a
    if not e:
        return a[(slice(0, 0),) * a.ndim]
    rows = list(range(e)) + list(range(len(a) - e, len(a))) if len(a) > 2 * e else range(len(a))
    return np.stack([_summarized(a[i]) for i in rows])


def _vector(a, indent, summarize, fmt) -> str:
    e = options["edgeitems"]
    per_line = max(1, int(math.floor((options["linewidth"] - indent) / (fmt.width + 2))))
    if summarize and not e:
        items = ["..."]
    elif summarize and len(a) > 2 * e:
        items = ([fmt.format(v) for v in a[:e].tolist()] + [" ..."]
                 + [fmt.format(v) for v in a[len(a) - e:].tolist()])
    else:
        items = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(a, indent, summarize, fmt) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector(a, indent, summarize, fmt)
    e = options["edgeitems"]
    if summarize and len(a) > 2 * e:
        parts = ([_nested(a[i], indent + 1, summarize, fmt) for i in range(e)] + ["..."]
                 + [_nested(a[i], indent + 1, summarize, fmt) for i in range(len(a) - e, len(a))])
    else:
        parts = [_nested(a[i], indent + 1, summarize, fmt) for i in range(len(a))]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def body(a: np.ndarray, indent: int) -> str:
    """The bracketed values of a non-empty array, as torch prints them after `tensor(`."""
    summarize = a.size > options["threshold"]
    fmt = _Formatter(_summarized(a) if summarize else a)
    return _nested(a, indent, summarize, fmt)


def with_suffixes(text: str, suffixes, indent: int) -> str:
    """text, then `, suffix` for each, each on a new line once the line would pass linewidth."""
    out = [text]
    last = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last + len(suffix) + 2 > options["linewidth"]:
            out.append(",\n" + " " * indent + suffix)
            last = indent + len(suffix)
        else:
            out.append(", " + suffix)
            last += len(suffix) + 2
    return "".join(out) + ")"
