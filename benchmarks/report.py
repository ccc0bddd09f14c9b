"""Writing the results: printed tables, report.md, results.json and PNG plots."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np

from .resources import markdown as resources_markdown


def _pct(v):
    return "-" if v is None else f"{100 * v:.1f}%"


def training_table(rows) -> list[str]:
    """Markdown rows: model, data, our test accuracy, references, time, status."""
    out = ["| section | model | data | test acc | reference(s) | steps | time (cpu) | status |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        refs = "; ".join(f"{name} {_pct(v)}" for name, v in r.get("refs", []))
        secs = f"{r['seconds']:.1f} s" if "seconds" in r else "-"
        if "cpu_seconds" in r:
            secs += f" ({r['cpu_seconds']:.1f} s)"
        acc = _pct(r.get("test_acc"))
        if "char_acc" in r:
            acc += f" (chars {_pct(r['char_acc'])})"
        out.append(f"| {r['section']} | {r['model']} | {r['dataset']} | {acc} | {refs or '-'} | "
                   f"{r.get('steps', '-')} | {secs} | {r['status']} |")
    return out


def print_training_row(r, log):
    refs = ", ".join(f"{name} {_pct(v)}" for name, v in r.get("refs", []))
    if r["status"] != "ok":
        log(f"  {r['model']:38s} {r['dataset']:14s} {r['status']}")
        return
    extra = f" (chars {_pct(r['char_acc'])})" if "char_acc" in r else ""
    secs = f"{r['seconds']:6.1f}s" if "seconds" in r else ""
    log(f"  {r['model']:38s} {r['dataset']:14s} test {_pct(r['test_acc']):>6s}{extra} {secs}"
        f"   ref: {refs or '-'}")


def speed_table(rows) -> list[str]:
    from .speed import verdict
    out = ["| key | workload | ours ms/step | torch ms/step | ours/torch | target | ours min "
           "| torch min | first-loss rel. diff |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "skipped" in r:
            out.append(f"| {r['key']} | {r['workload']} | skipped: {r['skipped']} | | | | | | |")
            continue
        f = lambda k, fmt=".3f": format(r[k], fmt) if k in r else "-"  # noqa: E731
        out.append(f"| {r['key']} | {r['workload']} | {f('ours_ms')} | {f('torch_ms')} | "
                   f"{f('ratio', '.2f')} | {verdict(r)} | {f('ours_min_ms')} | {f('torch_min_ms')} | "
                   f"{f('first_loss_rel_diff', '.1e')} |")
    return out


def gradcheck_table(rows) -> list[str]:
    if not rows:
        return ["(no rows)"]
    if len(rows) == 1 and "skipped" in rows[0]:
        return [f"skipped: {rows[0]['skipped']}"]
    keys = list(dict.fromkeys(k for r in rows for k in r))
    out = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        out.append("| " + " | ".join(_cell(r.get(k, "")) for k in keys) + " |")
    return out


def _cell(v):
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v).replace("|", "/")


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return str(obj)
    return obj


def plots(out: Path, results, attention) -> list[str]:
    """Loss curves of every trained model and attention heat maps; the files written."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    files = []
    curves = [r for r in results["training"] if r.get("loss_curve")]
    if curves:
        fig, ax = plt.subplots(figsize=(8, 5))
        for r in curves:
            steps, losses = zip(*r["loss_curve"])
            ax.plot(steps, losses, label=f"{r['model']} / {r['dataset']}")
        ax.set_xlabel("step")
        ax.set_ylabel("training loss (running mean)")
        ax.set_yscale("log")
        ax.set_title("Training loss")
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(out / "loss_curves.png", dpi=110)
        plt.close(fig)
        files.append("loss_curves.png")
    if attention:
        fig, axes = plt.subplots(1, len(attention), figsize=(4.5 * len(attention), 4))
        for ax, (src, guess, w) in zip(np.atleast_1d(axes), attention):
            ax.imshow(w, aspect="auto", cmap="viridis", vmin=0, vmax=max(float(w.max()), 1e-6))
            ax.set_xticks(range(len(src)))
            ax.set_xticklabels(list(src), fontsize=7)
            ax.set_yticks(range(w.shape[0]))
            ax.set_yticklabels(list(guess) + ["</s>"] * (w.shape[0] - len(guess)), fontsize=7)
            ax.set_title(f"{src!r}\n-> {guess!r}", fontsize=8)
        fig.tight_layout()
        fig.savefig(out / "attention.png", dpi=110)
        plt.close(fig)
        files.append("attention.png")
    return files


def _no_plots(diag) -> str:
    """Why the Plots section is empty: matplotlib missing, or nothing of its kind to draw."""
    if importlib.util.find_spec("matplotlib") is None:
        return "matplotlib is not installed: no plots"
    shown = " (the diagnostics plots are above)" if diag and diag.get("plots") else ""
    return f"no loss curves or attention maps in this run{shown}"


def write(out: Path, results, attention=None) -> list[str]:
    """report.md, results.json and the plots into out; returns the markdown lines."""
    out.mkdir(parents=True, exist_ok=True)
    files = plots(out, results, attention)
    results["plots"] = files
    env = results["environment"]
    md = ["# Benchmark report", "",
          f"mode: **{results['mode']}**, threads: {results['threads']}, seed: {results['seed']}, "
          f"total time: {results['seconds']:.0f} s", "",
          "environment: " + ", ".join(f"{k} {v}" for k, v in env.items()), ""]
    md += ["## Training (test accuracy beside published and live references)", ""]
    md += training_table(results["training"]) if results["training"] else ["(not run)"]
    md += ["", "## Speed (ms per training step, median of runs after warmup; "
           "same shapes, float32, same initial weights)", ""]
    if results["speed"]:
        md += speed_table(results["speed"])
        md += ["", f"load average before / after the speed section: {results.get('load', '-')}"]
        if results.get("speed_warning"):
            md += ["", "**warning:** " + results["speed_warning"]]
        md += ["", "A first-loss rel. diff near 1e-7 shows both engines computed the same step. "
               "W3-nn and W3-lstm time different code in the two engines (nn.LSTM layers)."]
    else:
        md += ["(not run)"]
    md += ["", "## Memory and start-up", ""]
    md += resources_markdown(results.get("resources"))
    md += ["", "## BPTT gradient checks", ""]
    md += gradcheck_table(results["gradcheck"]) if results["gradcheck"] is not None \
        else ["(not run)"]
    md += ["", "## Vanishing and exploding gradients (measured)", ""]
    diag = results.get("diagnostics")
    md += [f"- {line.strip()}" for line in diag["lines"]] if diag else ["(not run)"]
    if diag:
        md += [f"![{Path(p).name}]({Path(p).name})" for p in diag.get("plots", [])]
    md += ["", "## Errors", ""]
    md += [f"- {e['section']}: {e['error']}" for e in results["errors"]] or ["none"]
    md += ["", "## Plots", ""]
    md += [f"![{f}]({f})" for f in files] or [_no_plots(diag)]
    (out / "report.md").write_text("\n".join(md) + "\n")
    (out / "results.json").write_text(json.dumps(_jsonable(results), indent=1))
    return md


__all__ = ["write", "training_table", "speed_table", "gradcheck_table", "print_training_row"]
