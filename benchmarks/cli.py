"""`python -m benchmarks`: train on real data, time against PyTorch, write a report.

    python -m benchmarks                  # quick mode, a few minutes on 2 cores
    python -m benchmarks --full           # the MNIST-1D notebook's 6,000 steps, full data
    python -m benchmarks --tiny           # smoke mode, well under a minute
    python -m benchmarks --only speed,rnn --threads 1 --out DIR --data-dir DIR
"""
from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import sys
import time
import traceback
from pathlib import Path

import numpy as np

from . import data as D
from . import report
from .sections import SECTIONS, TRAINING

_SPEED = {
    "tiny": {"steps": 1, "runs": 1, "warmup": 0, "lstm_seq": 10, "s2s_len": 5, "w5_steps": 20},
    "quick": {"steps": 6, "runs": 3, "warmup": 1, "lstm_seq": 50, "s2s_len": 20, "w5_steps": 1000},
    "full": {"steps": 20, "runs": 7, "warmup": 2, "lstm_seq": 50, "s2s_len": 20, "w5_steps": 1000},
}
CONFIGS = {
    "tiny": dict(subset=400, digits_steps=4, mnist1d_steps=4, rnn_steps=3, rnn_hidden=16,
                 rnn_lr=1e-2, transformer_steps=3, s2s_steps=3, s2s_hidden=32, dates_train=256,
                 dates_test=64, fashion_train=500, fashion_test=200, fashion_mlp_steps=3,
                 fashion_cnn_steps=2, sk_iter=5, perceptron_epochs=5),
    "quick": dict(subset=None, digits_steps=500, mnist1d_steps=2000, rnn_steps=600,
                  rnn_hidden=64, rnn_lr=1e-2, transformer_steps=600, s2s_steps=500,
                  s2s_hidden=64, dates_train=8000, dates_test=1000, fashion_train=10000,
                  fashion_test=2000, fashion_mlp_steps=600, fashion_cnn_steps=300, sk_iter=200,
                  perceptron_epochs=50),
    "full": dict(subset=None, digits_steps=2000, mnist1d_steps=6000, rnn_steps=6000,
                 rnn_hidden=64, rnn_lr=1e-2, transformer_steps=6000, s2s_steps=3000,
                 s2s_hidden=128, dates_train=20000, dates_test=2000, fashion_train=None,
                 fashion_test=None, fashion_mlp_steps=6000, fashion_cnn_steps=3000,
                 sk_iter=200, perceptron_epochs=100),
}
for _mode, _cfg in CONFIGS.items():
    _cfg["speed"] = _SPEED[_mode]


class Context:
    """What a section needs: config, flags, a logger, and the data shared between sections."""

    def __init__(self, args, mode):
        self.cfg, self.mode, self.full = CONFIGS[mode], mode, mode == "full"
        self.seed, self.threads, self.quiet = args.seed, args.threads, args.quiet
        self.data_dir, self.out = args.data_dir, Path(args.out)
        self.attention = None
        self._mnist1d = None

    def log(self, msg=""):
        print(msg, flush=True)

    def mnist1d(self):
        if self._mnist1d is None:
            self._mnist1d = D.load_mnist1d()   # cached under ~/.cache (see data.cache_dir)
        return self._mnist1d


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_const", dest="mode", const="quick",
                      help="a few minutes on 2 cores (default)")
    mode.add_argument("--full", action="store_const", dest="mode", const="full",
                      help="full data and the published step counts")
    mode.add_argument("--tiny", action="store_const", dest="mode", const="tiny",
                      help="smoke mode: tiny sizes, a few steps each")
    p.add_argument("--only", default=None,
                   help=f"comma-separated sections among {','.join(SECTIONS)}")
    p.add_argument("--threads", type=int, default=2, help="threads for both engines (2)")
    p.add_argument("--out", default="bench-out", help="output directory (./bench-out)")
    p.add_argument("--data-dir", default=D.DEFAULT_FASHION_DIR,
                   help=f"Fashion-MNIST IDX directory ({D.DEFAULT_FASHION_DIR})")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    args.mode = args.mode or "quick"
    if args.threads < 1:
        p.error(f"--threads must be at least 1, got {args.threads}")
    args.sections = list(SECTIONS) if args.only is None else \
        [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in args.sections if s not in SECTIONS]
    if unknown:
        p.error(f"unknown section(s) {unknown}; choose among {list(SECTIONS)}")
    return args


def _environment():
    env = {"python": platform.python_version(), "numpy": np.__version__,
           "cpus": os.cpu_count(), "machine": platform.machine()}
    for name in ("numba", "torch", "scikit-learn", "mnist1d", "matplotlib"):
        try:
            env[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            env[name] = "not installed"
    return env


def _load():
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main(argv=None) -> int:
    args = parse_args(argv)
    ctx = Context(args, args.mode)
    ctx.out.mkdir(parents=True, exist_ok=True)
    from .speed import set_threads
    set_threads(args.threads)
    results = {"mode": args.mode, "threads": args.threads, "seed": args.seed,
               "sections": args.sections, "environment": _environment(), "training": [],
               "speed": [], "gradcheck": None, "diagnostics": None, "resources": None,
               "errors": []}
    t_start = time.perf_counter()
    ctx.log(f"benchmarks: mode {args.mode}, threads {args.threads}, out {ctx.out}")
    for name in args.sections:
        ctx.log(f"\n== {name}")
        t0 = time.perf_counter()
        if name == "speed":
            from .speed import contention
            results["load"] = _load()
            results["speed_warning"] = contention(args.threads)
        try:
            rows = SECTIONS[name](ctx)
        except Exception as e:  # a broken section is reported, the others still run
            traceback.print_exc()
            results["errors"].append({"section": name, "error": f"{type(e).__name__}: {e}"})
            ctx.log(f"  error: {type(e).__name__}: {e}")
            continue
        if name in TRAINING:
            for r in rows:
                report.print_training_row(r, ctx.log)
                if r["status"].startswith("error"):
                    results["errors"].append({"section": name, "error": f"{r['model']} on "
                                              f"{r['dataset']}: {r['status'][7:]}"})
            results["training"] += rows
        elif name == "speed":
            results["speed"] = rows
            results["load"] += " / " + _load()
        elif name == "resources":
            from .resources import errors
            results["resources"] = rows
            results["errors"] += [{"section": name, "error": e} for e in errors(rows)]
        elif name == "diagnostics":
            results["diagnostics"] = rows
            for line in rows["lines"]:
                ctx.log("  " + line)
        else:
            results["gradcheck"] = rows
            for line in report.gradcheck_table(rows):
                ctx.log("  " + line)
            failed = [str(r.get("model", r)) for r in rows if r.get("ok") is False]
            if failed:
                results["errors"].append({"section": name, "error": "gradient check failed "
                                          "for " + ", ".join(failed)})
        ctx.log(f"  ({time.perf_counter() - t0:.1f} s)")
    results["seconds"] = time.perf_counter() - t_start
    report.write(ctx.out, results, ctx.attention)
    if results["speed"]:
        from .speed import table
        ctx.log("\nspeed (ms/step):\n" + table(results["speed"]))
    ctx.log(f"\nwrote {ctx.out / 'report.md'} and results.json in {results['seconds']:.0f} s")
    if results["errors"]:
        ctx.log(f"{len(results['errors'])} section(s) failed: "
                + ", ".join(e["section"] for e in results["errors"]))
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
