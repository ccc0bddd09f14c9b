"""Memory and start-up: peak RSS of one BPTT training step and the time to the first step.

Every figure comes from its own fresh interpreter (`python -m benchmarks.resources ...`), so
one engine's allocations, caches and loaded libraries never count against the other.

Memory: one training step (forward + backward + SGD) of the W3 LSTM (batch 32, input 32,
hidden 128) at T=1,000 in four forms: this engine's elementary-op LSTM (speed.lstm_step), its
nn.LSTM, the same elementary code on PyTorch, and torch.nn.LSTM. Each process imports its
engine, builds the data and the model, and runs a T=2 step of the same model to load lazily
loaded code (numba kernels from the cache, PyTorch's autograd engine); its resident set size
then is the baseline. The step's figure is the peak RSS (VmHWM; ru_maxrss where /proc is
absent) minus that baseline, so library sizes (numba's LLVM, libtorch) do not dominate; the
verdict compares this figure.

Start-up: wall time of `import autograd, nn`, building W1 and its first step, with the numba
on-disk cache as it is (warm) and with NUMBA_CACHE_DIR pointing to a new empty directory (cold).
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STARTUP_TARGET_S = 2.0
# quick mode leaves out the elementary LSTM on PyTorch: its select backward zero-fills the whole
# (T, B, 4H) input gradient once per time step, quadratic in T (20-70 s at T=1,000 here)
_ALL = ("ours-elem", "ours-nn", "torch-elem", "torch-nn")
# malloc_off: our models measured again with AUTOGRAD_MALLOC_TUNING=0 (a check that the malloc
# tuning of autograd/allocator.py does not raise the peak)
CONFIG = {
    "tiny": {"seq": 20, "models": _ALL, "malloc_off": (), "warm_runs": 1, "cold_runs": 0,
             "prime": False},
    "quick": {"seq": 1000, "models": ("ours-elem", "ours-nn", "torch-nn"),
              "malloc_off": (), "warm_runs": 3, "cold_runs": 1, "prime": True},
    "full": {"seq": 1000, "models": _ALL, "malloc_off": ("ours-elem", "ours-nn"),
             "warm_runs": 3, "cold_runs": 2, "prime": True},
}
SKIPPED = "skipped: run with --full (quadratic in T on PyTorch: 20-70 s at T=1,000)"
MODELS = {  # key: (engine, what runs)
    "ours-elem": ("ours", "elementary-op LSTM (speed.lstm_step)"),
    "ours-nn": ("ours", "nn.LSTM"),
    "torch-elem": ("torch", "elementary-op LSTM (speed.lstm_step, Torch adapter)"),
    "torch-nn": ("torch", "torch.nn.LSTM"),
}
PAIRS = (("ours-elem", "torch-elem"), ("ours-nn", "torch-nn"))


# --------------------------------------------------------------------- in the child process
def _status_mib(field: str):
    """A size field of /proc/self/status in MiB (VmRSS: now, VmHWM: the peak); None elsewhere."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _maxrss_mib() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 2**20 if sys.platform == "darwin" else r / 1024   # bytes there, KiB on Linux


def _peak_mib() -> float:
    """This process's peak RSS. Linux carries ru_maxrss over fork and exec, so a child started
    by a larger parent reports the parent's peak; VmHWM belongs to this address space alone."""
    hwm = _status_mib("VmHWM")
    return _maxrss_mib() if hwm is None else hwm


def _rss_mib() -> float:
    rss = _status_mib("VmRSS")
    return _peak_mib() if rss is None else rss


def _loaded() -> list[str]:
    return [m for m in ("autograd.tensor", "numba", "torch") if m in sys.modules]


def _lstm_data(speed, seq):
    """W3's shapes: weights (I, 4H), (H, 4H), (4H,), head (H, 10), (10,); x (T, 32, 32)."""
    import numpy as np
    rng, H = np.random.default_rng(0), 128
    w = [speed._init(rng, H, 32, 4 * H), speed._init(rng, H, H, 4 * H), speed._init(rng, H, 4 * H),
         speed._init(rng, H, H, 10), speed._init(rng, H, 10)]
    x = rng.standard_normal((seq, 32, 32)).astype(np.float32)
    return w, x, speed._onehot(rng.integers(0, 10, 32), 10)


def memory_child(key: str, seq: int) -> dict:
    """Peak RSS of one training step of MODELS[key] at sequence length seq (in this process)."""
    engine = MODELS[key][0]
    if engine == "torch":
        # benchmarks.speed imports this engine at its top, which would load numba and llvmlite
        # (~70 MiB) into PyTorch's process; the Torch adapter never uses it
        sys.modules.setdefault("autograd", types.ModuleType("autograd"))
        import torch
        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    from . import speed
    E = speed.Torch() if engine == "torch" else speed.Ours()
    build = {"ours-elem": speed.lstm_step, "torch-elem": speed.lstm_step,
             "ours-nn": speed.ours_nn_lstm_step, "torch-nn": speed.torch_nn_lstm_step}[key]
    w, x, y1h = _lstm_data(speed, seq)
    try:
        warm, step = build(E, w, x[:2].copy(), y1h), build(E, w, x, y1h)
    except speed.Missing as e:
        return {"status": f"skipped: {e} missing"}
    warm()
    baseline, high_before = _rss_mib(), _peak_mib()
    t0 = time.perf_counter()
    loss = step()
    seconds = time.perf_counter() - t0
    peak = _peak_mib()
    return {"status": "ok", "peak_mib": peak, "baseline_mib": baseline,
            "above_baseline_mib": peak - baseline, "peak_before_step_mib": high_before,
            "ru_maxrss_mib": _maxrss_mib(),
            "step_s": seconds, "loss": loss, "modules": _loaded()}


def startup_child() -> dict:
    """Seconds to import autograd and nn, build W1 and run its first step (in this process)."""
    t0 = time.perf_counter()
    import autograd  # noqa: F401
    import nn  # noqa: F401
    t1 = time.perf_counter()
    import numpy as np

    from . import speed
    rng = np.random.default_rng(0)
    w = [speed._init(rng, 784, 784, 256), speed._init(rng, 784, 256),
         speed._init(rng, 256, 256, 256), speed._init(rng, 256, 256),
         speed._init(rng, 256, 256, 10), speed._init(rng, 256, 10)]
    x = rng.standard_normal((64, 784)).astype(np.float32)
    step = speed.mlp_step(speed.Ours(), w, x, speed._onehot(rng.integers(0, 10, 64), 10))
    t2 = time.perf_counter()
    loss = step()
    t3 = time.perf_counter()
    return {"status": "ok", "import_s": t1 - t0, "build_s": t2 - t1, "first_step_s": t3 - t2,
            "total_s": t3 - t0, "loss": loss}


def _child_main(argv) -> int:
    out = memory_child(argv[1], int(argv[2])) if argv[0] == "memory" else startup_child()
    print(json.dumps(out), flush=True)
    return 0


# --------------------------------------------------------------------- in the parent process
def _child(args, threads, env=None, timeout=900.0) -> dict:
    """Run `python -m benchmarks.resources *args` in a fresh interpreter; its JSON answer,
    with the process's wall time, or {"status": "error: ..."}."""
    n = str(max(1, min(threads, os.cpu_count() or 1)))
    env = dict(os.environ, **(env or {}), OMP_NUM_THREADS=n, OPENBLAS_NUM_THREADS=n,
               MKL_NUM_THREADS=n, NUMBA_NUM_THREADS=n)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-m", "benchmarks.resources", *map(str, args)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": f"error: no answer within {timeout:.0f} s"}
    wall = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"status": f"error: exit code {proc.returncode}: {tail}"}
    return {**json.loads(lines[-1]), "process_s": wall}


def _torch_available() -> bool:
    import importlib.util
    return importlib.util.find_spec("torch") is not None


def memory_rows(seq, threads, models=_ALL, malloc_off=(), log=print) -> list[dict]:
    """One row per model of MODELS (torch rows only when torch is installed); a model not in
    `models` gets a skipped row; the models in malloc_off run again with
    AUTOGRAD_MALLOC_TUNING=0."""
    keys = [k for k in MODELS if MODELS[k][0] == "ours" or _torch_available()]
    runs = [(k, True) for k in keys]
    runs += [(k, False) for k in malloc_off if MODELS[k][0] == "ours" and k in models]
    rows = []
    for key, tuned in runs:
        env = None if tuned else {"AUTOGRAD_MALLOC_TUNING": "0"}
        engine, what = MODELS[key]
        row = {"key": key, "engine": engine, "model": what, "seq": seq,
               "malloc_tuning": tuned if engine == "ours" else None}
        row.update(_child(["memory", key, seq], threads, env) if key in models
                   else {"status": SKIPPED})
        rows.append(row)
        log("  " + format_memory_row(row))
    return rows


def startup_rows(warm_runs, cold_runs, threads, prime=True, log=print) -> list[dict]:
    """Warm (the numba cache as found, primed by one untimed run) and cold (an empty cache)."""
    rows = []
    if prime:
        _child(["startup"], threads)        # recompiles whatever kernel changed since last run
    cases = [("warm", warm_runs)] + ([("cold", cold_runs)] if cold_runs else [])
    for case, n in cases:
        runs = []
        for _ in range(n):
            if case == "cold":
                cache = tempfile.mkdtemp(prefix="numba-cold-")
                try:
                    runs.append(_child(["startup"], threads, {"NUMBA_CACHE_DIR": cache}))
                finally:
                    shutil.rmtree(cache, ignore_errors=True)
            else:
                runs.append(_child(["startup"], threads))
        row = {"case": case, "runs": runs, "target_s": STARTUP_TARGET_S}
        bad = [r["status"] for r in runs if r["status"] != "ok"]
        if bad:
            row["status"] = bad[0]
        else:
            row["status"] = "ok"
            for k in ("total_s", "import_s", "build_s", "first_step_s", "process_s"):
                row[k] = statistics.median(r[k] for r in runs)
            row["met"] = row["total_s"] < STARTUP_TARGET_S
        rows.append(row)
        log("  " + format_startup_row(row))
    return rows


def verdicts(memory) -> list[dict]:
    """ours <= torch on the step's memory above baseline, for each like-for-like pair."""
    by_key = {r["key"]: r for r in memory if r.get("status") == "ok" and
              r["malloc_tuning"] is not False}
    out = []
    for ours, torch in PAIRS:
        if ours in by_key and torch in by_key:
            a, b = by_key[ours]["above_baseline_mib"], by_key[torch]["above_baseline_mib"]
            la, lb = by_key[ours]["loss"], by_key[torch]["loss"]
            out.append({"ours": ours, "torch": torch, "ours_mib": a, "torch_mib": b,
                        "ratio": a / b if b > 0 else float("inf"), "met": a <= b,
                        "first_loss_rel_diff": abs(la - lb) / max(abs(lb), 1e-12)})
    return out


def run(mode="quick", threads=2, log=print) -> dict:
    """The section: memory rows, start-up rows, verdicts and printable lines."""
    cfg = CONFIG[mode]
    memory = memory_rows(cfg["seq"], threads, cfg["models"], cfg["malloc_off"], log)
    startup = startup_rows(cfg["warm_runs"], cfg["cold_runs"], threads, cfg["prime"], log)
    res = {"seq": cfg["seq"], "threads": threads, "memory": memory, "startup": startup,
           "verdicts": verdicts(memory)}
    res["lines"] = verdict_lines(res)
    for line in res["lines"]:
        log("  " + line)
    return res


def errors(res) -> list[str]:
    """The rows whose child process failed (a skipped model is not an error)."""
    rows = res["memory"] + res["startup"]
    return [f"{r.get('key', r.get('case'))}: {r['status'][7:]}" for r in rows
            if r["status"].startswith("error")]


# --------------------------------------------------------------------- formatting
def _f(r, k, fmt=".1f"):
    return format(r[k], fmt) if k in r else "-"


def format_memory_row(r) -> str:
    name = r["key"] + (" (malloc tuning off)" if r["malloc_tuning"] is False else "")
    if r["status"] != "ok":
        return f"memory  {name:32s} T={r['seq']:<5d} {r['status']}"
    return (f"memory  {name:32s} T={r['seq']:<5d} peak {r['peak_mib']:8.1f} MiB  baseline "
            f"{r['baseline_mib']:7.1f} MiB  above baseline {r['above_baseline_mib']:8.1f} MiB"
            f"  step {r['step_s']:.2f} s")


def format_startup_row(r) -> str:
    if r["status"] != "ok":
        return f"start-up {r['case']:5s} {r['status']}"
    runs = ", ".join(f"{x['total_s']:.2f}" for x in r["runs"])
    return (f"start-up {r['case']:5s} {r['total_s']:.2f} s (import {r['import_s']:.2f} s, "
            f"first W1 step {r['first_step_s']:.2f} s; process {r['process_s']:.2f} s; "
            f"runs {runs})")


def verdict_lines(res) -> list[str]:
    lines = [f"memory rule: ours <= torch on the step's peak RSS above baseline (T={res['seq']})"]
    for v in res["verdicts"]:
        lines.append(f"{v['ours']} {v['ours_mib']:.1f} MiB vs {v['torch']} {v['torch_mib']:.1f} "
                     f"MiB: {v['ratio']:.2f}x, {'met' if v['met'] else 'NOT met'} "
                     f"(first-loss rel. diff {v['first_loss_rel_diff']:.1e})")
    ok = [r for r in res.get("memory", []) if r["status"] == "ok"]
    tuned = {r["key"]: r for r in ok if r["malloc_tuning"] is True}
    for r in ok:
        if r["malloc_tuning"] is False and r["key"] in tuned:
            d = r["above_baseline_mib"] - tuned[r["key"]]["above_baseline_mib"]
            lines.append(f"{r['key']} with AUTOGRAD_MALLOC_TUNING=0: "
                         f"{r['above_baseline_mib']:.1f} MiB above baseline ({d:+.1f} MiB)")
    for r in res["startup"]:
        if r["status"] == "ok":
            lines.append(f"start-up {r['case']}: {r['total_s']:.2f} s against the "
                         f"{STARTUP_TARGET_S:.0f} s target (set for a warm cache): "
                         f"{'met' if r['met'] else 'NOT met'}")
    return lines


def markdown(res) -> list[str]:
    """The report's "Memory and start-up" tables."""
    if not res:
        return ["(not run)"]
    out = [f"One training step (forward + backward + SGD) of the W3 LSTM, batch 32, input 32, "
           f"hidden 128, T={res['seq']}, threads {res['threads']}, each in a fresh process. "
           "Baseline: RSS after imports, data, model and a T=2 warm-up step; the verdict "
           "compares the step's peak RSS above that baseline (ours <= torch).", "",
           "| model | engine | malloc tuning | peak RSS MiB | baseline MiB | above baseline MiB "
           "| step s | status |", "|---|---|---|---|---|---|---|---|"]
    for r in res["memory"]:
        tuning = {True: "on", False: "off", None: "-"}[r["malloc_tuning"]]
        out.append(f"| {r['key']}: {r['model']} | {r['engine']} | {tuning} | {_f(r, 'peak_mib')}"
                   f" | {_f(r, 'baseline_mib')} | {_f(r, 'above_baseline_mib')} | "
                   f"{_f(r, 'step_s', '.2f')} | {r['status']} |")
    out += ["", f"Start-up: `import autograd, nn`, building W1 and its first step in a fresh "
            f"process (median of runs; target under {STARTUP_TARGET_S:.0f} s with a warm numba "
            "cache; cold: NUMBA_CACHE_DIR is a new empty directory).", "",
            "| numba cache | total s | import s | build s | first W1 step s | process wall s "
            "| runs s | target | status |", "|---|---|---|---|---|---|---|---|---|"]
    for r in res["startup"]:
        runs = ", ".join(_f(x, "total_s", ".2f") for x in r["runs"])
        target = ("met" if r["met"] else "NOT met") if "met" in r else "-"
        out.append(f"| {r['case']} | {_f(r, 'total_s', '.2f')} | {_f(r, 'import_s', '.2f')} | "
                   f"{_f(r, 'build_s', '.2f')} | {_f(r, 'first_step_s', '.2f')} | "
                   f"{_f(r, 'process_s', '.2f')} | {runs} | {target} | {r['status']} |")
    out += [""] + [f"- {line}" for line in res["lines"]]
    return out


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
