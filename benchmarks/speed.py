"""Speed: the same training step timed in this engine and in PyTorch, in one process.

Each workload is written once against a tiny engine adapter (`Ours`, `Torch`), so both run the
same code shape on the same float32 initial weights (numpy arrays copied into each engine).
A step is forward + backward + a plain SGD update. ms/step is the median over several timed
runs, each after a short idle pause and warmup steps; runs of the two engines alternate so that
a change in machine load hits both alike.
The first-step losses of both engines are compared as a check that they compute the same thing.
"""
from __future__ import annotations

import importlib.util
import os
import statistics
import time

import numpy as np

import autograd

from .util import Missing, lookup


def set_threads(n: int):
    """Limit this engine (numpy's BLAS, numba) and, if present, torch to n threads; returns
    what was set."""
    out = {"threads": n}
    if importlib.util.find_spec("threadpoolctl") is None:   # what limits numpy's BLAS
        out["note"] = "threadpoolctl missing: BLAS threads not limited"
    autograd.set_num_threads(n)
    try:
        import torch
        torch.set_num_threads(n)
    except ImportError:
        pass
    return out


class Ours:
    """This engine behind the adapter: parameters, constants, stack/cat and a plain SGD step."""

    name = "ours"

    def param(self, a):
        return autograd.tensor(np.array(a, np.float32), requires_grad=True)

    def const(self, a):
        return autograd.from_numpy(np.asarray(a))

    def stack(self, ts, dim):
        return autograd.stack(ts, dim)

    def cat(self, ts, dim):
        return autograd.cat(ts, dim)

    def sgd(self, params, lr):
        with autograd.no_grad():
            for p in params:
                p.sub_(p.grad, alpha=lr)
                p.grad = None

    def functional(self):
        return lookup("nn.functional")


class Torch:
    """PyTorch behind the same adapter (raises ImportError when torch is absent)."""

    name = "torch"

    def __init__(self):
        import torch
        self.torch = torch

    def param(self, a):
        return self.torch.from_numpy(np.array(a, np.float32)).requires_grad_()

    def const(self, a):
        return self.torch.from_numpy(np.asarray(a))

    def stack(self, ts, dim):
        return self.torch.stack(ts, dim)

    def cat(self, ts, dim):
        return self.torch.cat(ts, dim)

    def sgd(self, params, lr):
        with self.torch.no_grad():
            for p in params:
                p.sub_(p.grad, alpha=lr)
                p.grad = None

    def functional(self):
        return self.torch.nn.functional


def _init(rng, fan_in, *shape):
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, shape).astype(np.float32)


def _onehot(y, k):
    out = np.zeros((y.size, k), np.float32)
    out[np.arange(y.size), y.ravel()] = 1.0
    return out


def _xent(logp, onehot):
    """Mean cross-entropy from log-probabilities (B, K) and a constant one-hot (B, K)."""
    return -(logp * onehot).sum() / onehot.shape[0]


# --------------------------------------------------------------------- workloads
# Each builder takes (engine, shapes, rng-made numpy data) and returns step() -> float loss.

def mlp_step(E, w, x, y1h, lr=0.01):
    """W1: 784-256-256-10 MLP, relu, cross-entropy, SGD."""
    p = [E.param(a) for a in w]
    x, y1h = E.const(x), E.const(y1h)

    def step():
        h = (x @ p[0] + p[1]).relu()
        h = (h @ p[2] + p[3]).relu()
        loss = _xent((h @ p[4] + p[5]).log_softmax(-1), y1h)
        loss.backward()
        E.sgd(p, lr)
        return float(loss.item())
    return step


def mlp_nn_step(E, w, x, y1h, lr=0.01):
    """W1 written with modules: nn.Linear layers (weight (out, in)), nn.ReLU, F.cross_entropy
    on class indices, SGD on the module's parameters."""
    NN = E.torch.nn if E.name == "torch" else lookup("nn")
    model = NN.Sequential(NN.Linear(784, 256), NN.ReLU(), NN.Linear(256, 256), NN.ReLU(),
                          NN.Linear(256, 10))
    state = {f"{k}.{name}": (a.T if name == "weight" else a)
             for k, (name, a) in zip((0, 0, 2, 2, 4, 4), zip(("weight", "bias") * 3, w))}
    model.load_state_dict({k: E.const(np.ascontiguousarray(a)) for k, a in state.items()})
    params = list(model.parameters())
    x, labels = E.const(x), E.const(y1h.argmax(1))
    F = E.functional()

    def step():
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        E.sgd(params, lr)
        return float(loss.item())
    return step


def lenet_step(E, w, x, y1h, lr=0.01):
    """W2: conv3x3 1->16 p1, relu, pool2, conv3x3 16->32 p1, relu, pool2, linear 1568->10."""
    F = E.functional()
    for fn in ("conv2d", "max_pool2d"):
        if not hasattr(F, fn):
            raise Missing(f"nn.functional.{fn}")
    p = [E.param(a) for a in w]
    x, y1h = E.const(x), E.const(y1h)

    def step():
        h = F.max_pool2d(F.conv2d(x, p[0], p[1], padding=1).relu(), 2)
        h = F.max_pool2d(F.conv2d(h, p[2], p[3], padding=1).relu(), 2)
        loss = _xent((h.reshape(h.shape[0], -1) @ p[4] + p[5]).log_softmax(-1), y1h)
        loss.backward()
        E.sgd(p, lr)
        return float(loss.item())
    return step


def _lstm_cell(xp_t, h, c, w_hh):
    """One LSTM step from a precomputed input projection xp_t (B, 4H); gates i, f, g, o."""
    i, f, g, o = (xp_t + h @ w_hh).chunk(4, 1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def lstm_step(E, w, x, y1h, lr=0.01):
    """W3: LSTM BPTT from elementary ops; x (T, B, I), head on the last h."""
    p = [E.param(a) for a in w]            # w_ih (I, 4H), w_hh (H, 4H), b (4H), w_y, b_y
    x, y1h = E.const(x), E.const(y1h)
    zeros = E.const(np.zeros((x.shape[1], w[1].shape[0]), np.float32))

    def step():
        xp = x @ p[0] + p[2]
        h = c = zeros
        for t in range(x.shape[0]):
            h, c = _lstm_cell(xp[t], h, c, p[1])
        loss = _xent((h @ p[3] + p[4]).log_softmax(-1), y1h)
        loss.backward()
        E.sgd(p, lr)
        return float(loss.item())
    return step


def torch_nn_lstm_step(T, w, x, y1h, lr=0.01):
    """W3 with torch.nn.LSTM (gate order i, f, g, o like _lstm_cell) and the same head."""
    torch = T.torch
    lstm = torch.nn.LSTM(w[0].shape[0], w[1].shape[0])
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.from_numpy(w[0].T.copy()))
        lstm.weight_hh_l0.copy_(torch.from_numpy(w[1].T.copy()))
        lstm.bias_ih_l0.copy_(torch.from_numpy(w[2]))
        lstm.bias_hh_l0.zero_()
    head = [T.param(w[3]), T.param(w[4])]
    params = list(lstm.parameters()) + head
    x, y1h = T.const(x), T.const(y1h)

    def step():
        out, _ = lstm(x)
        loss = _xent((out[-1] @ head[0] + head[1]).log_softmax(-1), y1h)
        loss.backward()
        T.sgd(params, lr)
        return float(loss.item())
    return step


def ours_nn_lstm_step(E, w, x, y1h, lr=0.01):
    """W3 with this engine's nn.LSTM (PyTorch parameter names) and the same head."""
    LSTM = lookup("nn.LSTM")
    lstm = LSTM(w[0].shape[0], w[1].shape[0])
    state = {"weight_ih_l0": w[0].T.copy(), "weight_hh_l0": w[1].T.copy(),
             "bias_ih_l0": w[2].copy(), "bias_hh_l0": np.zeros_like(w[2])}
    lstm.load_state_dict(state)
    head = [E.param(w[3]), E.param(w[4])]
    params = list(lstm.parameters()) + head
    x, y1h = E.const(x), E.const(y1h)

    def step():
        out, _ = lstm(x)
        loss = _xent((out[-1] @ head[0] + head[1]).log_softmax(-1), y1h)
        loss.backward()
        E.sgd(params, lr)
        return float(loss.item())
    return step


def seq2seq_step(E, w, src, tgt_in, y1h, lr=0.01):
    """W4: LSTM encoder, LSTM decoder with dot attention and teacher forcing."""
    p = [E.param(a) for a in w]
    emb_s, emb_t, wih_e, whh_e, b_e, wih_d, whh_d, b_d, w_c, w_o, b_o = p
    src, tgt_in, y1h = E.const(src), E.const(tgt_in), E.const(y1h)
    zeros = E.const(np.zeros((src.shape[0], w[3].shape[0]), np.float32))

    def step():
        xp = emb_s[src] @ wih_e + b_e                        # (B, S, 4H)
        h = c = zeros
        enc = []
        for t in range(src.shape[1]):
            h, c = _lstm_cell(xp[:, t], h, c, whh_e)
            enc.append(h)
        enc = E.stack(enc, 1)                                # (B, S, H)
        yp = emb_t[tgt_in] @ wih_d + b_d
        outs = []
        for t in range(tgt_in.shape[1]):
            h, c = _lstm_cell(yp[:, t], h, c, whh_d)
            a = (enc @ h.unsqueeze(-1)).squeeze(-1).softmax(-1)        # (B, S)
            ctx = (a.unsqueeze(1) @ enc).squeeze(1)                    # (B, H)
            outs.append((E.cat([h, ctx], 1) @ w_c).tanh())
        logits = E.stack(outs, 1) @ w_o + b_o                # (B, T, V)
        loss = _xent(logits.reshape(-1, logits.shape[-1]).log_softmax(-1), y1h)
        loss.backward()
        E.sgd(p, lr)
        return float(loss.item())
    return step


def logistic_step(E, w, x, y, lr=0.1):
    """W5: a 2-input logistic unit, batch 1: sigmoid(x @ w + b), binary cross-entropy."""
    p = [E.param(a) for a in w]
    x, y = E.const(x), E.const(y)

    def step():
        q = (x @ p[0] + p[1]).sigmoid()
        loss = -(y * q.log() + (1 - y) * (1 - q).log()).sum()
        loss.backward()
        E.sgd(p, lr)
        return float(loss.item())
    return step


def logistic_nn_step(E, w, x, y, lr=0.1):
    """W5 as it is written with modules: nn.Linear(2, 1), F.binary_cross_entropy_with_logits
    and optim.SGD (zero_grad, backward, step): three recorded ops instead of twelve."""
    NN = E.torch.nn if E.name == "torch" else lookup("nn")
    OPT = E.torch.optim if E.name == "torch" else lookup("optim")
    model = NN.Linear(2, 1)
    model.load_state_dict({"weight": E.const(np.ascontiguousarray(w[0].T)),
                           "bias": E.const(np.ascontiguousarray(w[1]))})
    opt = OPT.SGD(model.parameters(), lr=lr)
    x, y = E.const(x), E.const(y)
    F = E.functional()

    def step():
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(x), y, reduction="sum")
        loss.backward()
        opt.step()
        return float(loss.item())
    return step


# --------------------------------------------------------------------- the table
# issue 7's targets: ours/torch at the median of the runs (W3-nn, our elementary LSTM against
# torch.nn.LSTM, is shown for information; W3-lstm is the layer-against-layer comparison)
TARGETS = {"W1": 1.0, "W2": 1.0, "W3": 0.5, "W3-lstm": 1.0, "W4": 0.7, "W5": 0.5}


def _workloads(cfg):
    """(key, title, builder(engine) -> step, steps per timed run) for each workload."""
    rng = np.random.default_rng(0)
    H = 128
    mlp_w = [_init(rng, 784, 784, 256), _init(rng, 784, 256), _init(rng, 256, 256, 256),
             _init(rng, 256, 256), _init(rng, 256, 256, 10), _init(rng, 256, 10)]
    mlp_x = rng.standard_normal((64, 784)).astype(np.float32)
    mlp_y = _onehot(rng.integers(0, 10, 64), 10)
    le_w = [_init(rng, 9, 16, 1, 3, 3), _init(rng, 9, 16), _init(rng, 144, 32, 16, 3, 3),
            _init(rng, 144, 32), _init(rng, 1568, 1568, 10), _init(rng, 1568, 10)]
    le_x = rng.standard_normal((32, 1, 28, 28)).astype(np.float32)
    le_y = _onehot(rng.integers(0, 10, 32), 10)
    T3 = cfg["lstm_seq"]
    ls_w = [_init(rng, H, 32, 4 * H), _init(rng, H, H, 4 * H), _init(rng, H, 4 * H),
            _init(rng, H, H, 10), _init(rng, H, 10)]
    ls_x = rng.standard_normal((T3, 32, 32)).astype(np.float32)
    ls_y = _onehot(rng.integers(0, 10, 32), 10)
    S = cfg["s2s_len"]
    V, Em = 30, 32
    s2_w = [rng.standard_normal((V, Em)).astype(np.float32),
            rng.standard_normal((V, Em)).astype(np.float32),
            _init(rng, H, Em, 4 * H), _init(rng, H, H, 4 * H), _init(rng, H, 4 * H),
            _init(rng, H, Em, 4 * H), _init(rng, H, H, 4 * H), _init(rng, H, 4 * H),
            _init(rng, 2 * H, 2 * H, H), _init(rng, H, H, V), _init(rng, H, V)]
    s2_src = rng.integers(3, V, (32, S))
    s2_tgt = rng.integers(3, V, (32, S + 1))
    s2_y = _onehot(s2_tgt[:, 1:], V)
    lo_w = [_init(rng, 2, 2, 1), _init(rng, 2, 1)]
    lo_x, lo_y = np.array([[0.5, -1.5]], np.float32), np.array([[1.0]], np.float32)
    return [
        ("W1", "MLP 784-256-256-10, batch 64",
         lambda E: mlp_step(E, mlp_w, mlp_x, mlp_y), cfg["steps"]),
        ("W1-nn", "W1 with nn.Linear modules and F.cross_entropy",
         lambda E: mlp_nn_step(E, mlp_w, mlp_x, mlp_y), cfg["steps"]),
        ("W2", "LeNet conv-pool-conv-pool-linear, batch 32",
         lambda E: lenet_step(E, le_w, le_x, le_y), cfg["steps"]),
        ("W3", f"LSTM BPTT elementary ops, batch 32, seq {T3}, hidden {H}",
         lambda E: lstm_step(E, ls_w, ls_x, ls_y), max(1, cfg["steps"] // 4)),
        ("W3-nn", f"LSTM BPTT: ours elementary vs torch.nn.LSTM, seq {T3}",
         lambda E: (lstm_step if E.name == "ours" else torch_nn_lstm_step)(E, ls_w, ls_x, ls_y),
         max(1, cfg["steps"] // 4)),
        ("W3-lstm", f"LSTM BPTT: ours nn.LSTM vs torch.nn.LSTM, seq {T3}",
         lambda E: (ours_nn_lstm_step if E.name == "ours" else torch_nn_lstm_step)(
             E, ls_w, ls_x, ls_y), max(1, cfg["steps"] // 4)),
        ("W4", f"seq2seq LSTM + dot attention, batch 32, src/tgt {S}, vocab {V}",
         lambda E: seq2seq_step(E, s2_w, s2_src, s2_tgt[:, :-1], s2_y), max(1, cfg["steps"] // 8)),
        ("W5", "2-input logistic unit, batch 1 (per-op overhead)",
         lambda E: logistic_step(E, lo_w, lo_x, lo_y), cfg["w5_steps"]),
        ("W5-nn", "W5 with nn.Linear, BCE-with-logits and optim.SGD",
         lambda E: logistic_nn_step(E, lo_w, lo_x, lo_y), cfg["w5_steps"]),
    ]


def contention(threads) -> str:
    """A warning when other processes keep the cores busy (empty string otherwise)."""
    try:
        load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    except (OSError, AttributeError):
        return ""
    if threads > 1 and load > cpus - threads + 0.5:
        return (f"load average {load:.2f} on {cpus} cores: other processes compete for the "
                f"cores, and a {threads}-thread pool that waits for a descheduled thread at "
                f"every parallel region (PyTorch's especially) can be slowed by an order of "
                f"magnitude; compare with --threads 1")
    return ""


def _time(step, k):
    t = time.perf_counter()
    for _ in range(k):
        step()
    return (time.perf_counter() - t) / k * 1e3


def run(cfg, threads=2, log=print) -> list[dict]:
    """Time every workload in both engines; one dict per row (ms/step, ratio, loss check)."""
    set_threads(threads)
    busy = contention(threads)
    if busy:
        log("  warning: " + busy)
    try:
        engines = [Ours(), Torch()]
    except ImportError:
        engines = [Ours()]
        log("speed: torch is not installed; timing this engine alone")
    rows = []
    for key, title, build, k in _workloads(cfg):
        row = {"key": key, "workload": title, "steps_per_run": k, "runs": cfg["runs"]}
        try:
            steps = [build(E) for E in engines]
        except Missing as e:
            row["skipped"] = f"{e} missing"
            log(f"  {key}: skipped: {row['skipped']}")
            rows.append(row)
            continue
        first = [s() for s in steps]                      # same weights -> same first loss
        times = [[] for _ in steps]
        for _ in range(cfg["runs"]):
            for i, s in enumerate(steps):
                # idle pause, then an untimed step: the other engine's thread pool (OpenBLAS,
                # OpenMP) busy-waits for a while after its last call, and on 2 cores that
                # spinning would be charged to this engine
                time.sleep(cfg.get("pause", 0.2))
                for _ in range(max(1, cfg["warmup"])):
                    s()
                times[i].append(_time(s, k))
        row["ours_ms"] = statistics.median(times[0])
        row["ours_runs_ms"] = times[0]
        row["ours_min_ms"] = min(times[0])
        if len(steps) > 1:
            row["torch_ms"] = statistics.median(times[1])
            row["torch_runs_ms"] = times[1]
            row["torch_min_ms"] = min(times[1])
            row["ratio"] = row["ours_ms"] / row["torch_ms"]
            if key in TARGETS:
                row["target"] = TARGETS[key]
                row["met"] = row["ratio"] <= TARGETS[key]
            row["first_loss_rel_diff"] = abs(first[0] - first[1]) / max(abs(first[1]), 1e-12)
        rows.append(row)
        log("  " + format_row(row))
    return rows


def format_row(r) -> str:
    if "skipped" in r:
        return f"{r['key']:8s} {r['workload']:58s} skipped: {r['skipped']}"
    t = f"{r['torch_ms']:10.3f}" if "torch_ms" in r else f"{'-':>10s}"
    ratio = f"{r['ratio']:7.2f}x" if "ratio" in r else f"{'-':>8s}"
    chk = f"{r['first_loss_rel_diff']:.1e}" if "first_loss_rel_diff" in r else "-"
    goal = verdict(r)
    return f"{r['key']:8s} {r['workload']:58s} {r['ours_ms']:10.3f} {t} {ratio}  {chk:8s} {goal}"


def verdict(r) -> str:
    """'<= 0.70x met' / '<= 0.70x NOT met' for a row with a target, '-' otherwise."""
    if "target" not in r:
        return "-"
    return f"<= {r['target']:.2f}x {'met' if r['met'] else 'NOT met'}"


def table(rows) -> str:
    head = (f"{'key':8s} {'workload':58s} {'ours ms':>10s} {'torch ms':>10s} {'ours/torch':>8s}"
            f"  {'loss chk':8s} target")
    return "\n".join([head] + [format_row(r) for r in rows])
