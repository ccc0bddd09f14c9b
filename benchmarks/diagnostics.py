"""Vanishing and exploding gradients, measured.

`recurrent_gradient_norms` records ||dL/dh_t|| for every step t and every layer (one backward
through an unrolled forward with probes, see nn.tbptt.unroll) and the fraction of saturated
tanh / sigmoid units per step. `run_experiment(quick=True)` reproduces three classic pictures
and returns the numbers: a 100-step long-dependency task (tanh RNN vs LSTM vs GRU), a tanh RNN
with large recurrent weights whose gradient explodes (and clipping), and Xavier vs He vs a
badly scaled init in a deep ReLU MLP. With matplotlib, PNG plots are written to `out_dir`.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import autograd
import nn
from autograd import StateProbe, Tensor
from nn.tbptt import unroll

SIGMOID_LOW, SIGMOID_HIGH, TANH_HIGH = 0.01, 0.99, 0.99


class _RecordingProbe(StateProbe):
    """A StateProbe that also keeps the value of every state it sees."""

    def __init__(self):
        super().__init__()
        self.values = {}

    def __call__(self, state, key):
        self.values[key] = state.data
        return super().__call__(state, key)


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _label(layer, d):
    return f"l{layer}" + ("_reverse" if d else "")


def _saturation(module, x, h0, values):
    """Fraction of saturated tanh/sigmoid units per step for every (layer, direction), from
    the recorded states (gates recomputed in numpy). x: (L, N, I) -> {label: (L,)}."""
    mode, n_dir, length = module.mode, module.num_directions, x.shape[0]
    out, inp = {}, x
    for layer in range(module.num_layers):
        hs_layer = []
        for d in range(n_dir):
            sfx = "_reverse" if d else ""
            w_ih = getattr(module, f"weight_ih_l{layer}{sfx}").data
            w_hh = getattr(module, f"weight_hh_l{layer}{sfx}").data
            b_ih = getattr(module, f"bias_ih_l{layer}{sfx}", None)
            b_hh = getattr(module, f"bias_hh_l{layer}{sfx}", None)
            b_ih = 0.0 if b_ih is None else b_ih.data
            b_hh = 0.0 if b_hh is None else b_hh.data
            idx = layer * n_dir + d
            hs = np.stack([values[("h", layer, d, t)] for t in range(length)])
            hs_layer.append(hs)
            init = h0[idx][None]
            prev = np.concatenate([hs[1:], init]) if d else np.concatenate([init, hs[:-1]])
            if mode == "RNN_TANH":
                sat = np.abs(hs) > TANH_HIGH
            elif mode == "RNN_RELU":
                out[_label(layer, d)] = np.full(length, np.nan)  # no tanh or sigmoid units
                continue
            elif mode == "LSTM":
                hsz = hs.shape[-1]
                gates = inp @ w_ih.T + b_ih + b_hh + prev @ w_hh.T
                s = _sigmoid(np.concatenate([gates[..., :2 * hsz], gates[..., 3 * hsz:]], -1))
                tanhs = np.concatenate([np.tanh(gates[..., 2 * hsz:3 * hsz]),
                                        np.tanh(np.stack([values[("c", layer, d, t)]
                                                          for t in range(length)]))], -1)
                sat = np.concatenate([(s < SIGMOID_LOW) | (s > SIGMOID_HIGH),
                                      np.abs(tanhs) > TANH_HIGH], -1)
            else:  # GRU
                hsz = hs.shape[-1]
                xp, hp = inp @ w_ih.T + b_ih, prev @ w_hh.T + b_hh
                rz = _sigmoid(xp[..., :2 * hsz] + hp[..., :2 * hsz])
                n = np.tanh(xp[..., 2 * hsz:] + rz[..., :hsz] * hp[..., 2 * hsz:])
                sat = np.concatenate([(rz < SIGMOID_LOW) | (rz > SIGMOID_HIGH),
                                      np.abs(n) > TANH_HIGH], -1)
            out[_label(layer, d)] = sat.reshape(length, -1).mean(axis=1)
        inp = np.concatenate(hs_layer, -1)
    return out


def recurrent_gradient_norms(module, x: Tensor, loss_fn, hx=None) -> dict:
    """||dL/dh_t|| (and ||dL/dc_t|| for LSTM) per step and layer, and saturation per step.

    module: nn.RNN / nn.LSTM / nn.GRU; x: (L, N, I) ((N, L, I) with batch_first);
    loss_fn(output, h_n) -> scalar. Returns {"loss", "steps", "grad_norm": {layer: (L,)},
    "cell_grad_norm": {layer: (L,)} (LSTM only), "saturation": {layer: (L,)}} with numpy
    arrays indexed by time step t (the layer label is "l0", "l1_reverse", ...).
    """
    probe = _RecordingProbe()
    out, hn = unroll(module, x, hx, probe=probe)
    loss = loss_fn(out, hn)
    loss.backward()
    length = x.shape[1] if module.batch_first else x.shape[0]
    result = {"loss": float(loss.item()), "steps": length, "grad_norm": {}, "saturation": {}}
    if module.mode == "LSTM":
        result["cell_grad_norm"] = {}
    for layer in range(module.num_layers):
        for d in range(module.num_directions):
            for kind, table in (("h", "grad_norm"), ("c", "cell_grad_norm")):
                if table not in result:
                    continue
                grads = [probe.leaves[(kind, layer, d, t)].grad for t in range(length)]
                result[table][_label(layer, d)] = np.array(
                    [0.0 if g is None else float(np.linalg.norm(g.data)) for g in grads])
    xs = x.data.swapaxes(0, 1) if module.batch_first else x.data
    shape = (module.num_layers * module.num_directions, xs.shape[1], module.hidden_size)
    zeros = np.zeros(shape, xs.dtype)
    states = (hx if module.mode == "LSTM" else (hx,)) if hx is not None else (None,)
    h0 = zeros if states[0] is None else states[0].data   # c_t values are recorded, c_0 unneeded
    result["saturation"] = _saturation(module, xs, h0, probe.values)
    return result


def plot_curves(curves: dict, path, title: str, xlabel: str, ylabel: str, logy=True):
    """Write a PNG of {name: (values)} curves; returns the path, or None without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4))
    for name, ys in curves.items():
        ys = np.asarray(ys, float)
        (ax.semilogy if logy else ax.plot)(np.arange(len(ys)), np.maximum(ys, 1e-300), label=name)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return str(path)


# --------------------------------------------------------------------- the experiment
def long_dependency_data(n: int, length: int, seed: int = 0):
    """Binary labels carried only by the first of `length` steps: x (L, N, 1) float64, y (N,)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = 0.5 * rng.standard_normal((length, n, 1))
    x[0, :, 0] = 2.0 * y - 1.0
    return x, y


def _nll(logits, y):
    return -logits.log_softmax(-1)[np.arange(len(y)), y].mean()


def _classify_last(head, y):
    return lambda out, hn: _nll(head(out[-1]), y)


def _gate_bias(m, gate, value):
    """Set one gate's bias (b_ih + b_hh) to `value`: LSTM forget gate = 1, GRU update gate = 1."""
    h = m.hidden_size
    m.bias_ih_l0.data[gate * h:(gate + 1) * h] = 0.0
    m.bias_hh_l0.data[gate * h:(gate + 1) * h] = value


def _orders(norms):
    """log10 of ||dL/dh_0|| / ||dL/dh_{L-1}||: negative = vanishing, positive = exploding."""
    return float(np.log10(max(norms[0], 1e-300) / norms[-1]))


def _long_dependency(quick, seed):
    length, n, hidden = 100, (16 if quick else 64), (16 if quick else 32)
    x, y = long_dependency_data(n, length, seed)
    autograd.manual_seed(seed)
    models = {"rnn_tanh": nn.RNN(1, hidden), "lstm": nn.LSTM(1, hidden), "gru": nn.GRU(1, hidden),
              "lstm_forget_bias3": nn.LSTM(1, hidden), "gru_update_bias3": nn.GRU(1, hidden)}
    _gate_bias(models["lstm_forget_bias3"], 1, 3.0)
    _gate_bias(models["gru_update_bias3"], 1, 3.0)
    head = nn.Linear(hidden, 2).double()
    out = {"steps": length, "grad_norm": {}, "decay_orders": {}, "saturation": {}}
    for name, m in models.items():
        m.double()
        r = recurrent_gradient_norms(m, Tensor(x), _classify_last(head, y))
        g = r["grad_norm"]["l0"]
        out["grad_norm"][name] = g
        out["decay_orders"][name] = _orders(g)
        out["saturation"][name] = float(np.nanmean(r["saturation"]["l0"]))
    return out


def _exploding(quick, seed, gain=3.0, max_norm=1.0, lr=0.1):
    length, n, hidden = (50 if quick else 100), 16, 32
    x, y = long_dependency_data(n, length, seed + 1)
    autograd.manual_seed(seed)
    rng = np.random.default_rng(seed)
    m = nn.RNN(1, hidden).double()
    m.weight_hh_l0.data[...] = gain * rng.standard_normal((hidden, hidden)) / math.sqrt(hidden)
    head = nn.Linear(hidden, 2).double()
    w0 = {k: v.clone() for k, v in m.state_dict().items()}
    r = recurrent_gradient_norms(m, Tensor(x), _classify_last(head, y))
    params = list(m.parameters()) + list(head.parameters())
    before = float(nn.utils.clip_grad_norm_(params, max_norm).item())
    after = float(np.sqrt(sum(np.sum(p.grad.data ** 2) for p in params)))
    sgd = {}
    for clip in (False, True):
        m.load_state_dict(w0)
        opt_params = list(m.parameters())
        steps, losses = [], []
        for _ in range(5 if quick else 20):
            for p in opt_params:
                p.grad = None
            loss = _nll(head(m(Tensor(x))[0][-1]), y)
            loss.backward()
            losses.append(float(loss.item()))
            if clip:
                nn.utils.clip_grad_norm_(opt_params, max_norm)
            with autograd.no_grad():
                for p in opt_params:
                    p.data -= lr * p.grad.data
            steps.append(lr * float(np.sqrt(sum(np.sum(p.grad.data ** 2) for p in opt_params))))
        sgd["clipped" if clip else "unclipped"] = {
            "loss": losses, "step_norm": steps,
            "weight_hh_norm": float(np.linalg.norm(m.weight_hh_l0.data))}
    m.load_state_dict(w0)
    return {"steps": length, "gain": gain, "grad_norm": r["grad_norm"]["l0"],
            "growth_orders": _orders(r["grad_norm"]["l0"]),
            "saturation": float(np.mean(r["saturation"]["l0"])),
            "param_grad_norm": before, "clipped_grad_norm": after, "max_norm": max_norm,
            "lr": lr, "weight_hh_norm_at_init": float(np.linalg.norm(w0["weight_hh_l0"])),
            "sgd": sgd}


def _deep_relu(quick, seed):
    depth, width, n = (10, 128, 128) if quick else (20, 256, 256)
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal((n, width)))
    v = Tensor(rng.standard_normal((n, width)) / n)
    inits = {"xavier": lambda w: nn.init.xavier_normal_(w),
             "he": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
             "bad_std_0.01": lambda w: nn.init.normal_(w, 0.0, 0.01)}
    out = {"depth": depth, "width": width}
    for name, init in inits.items():
        autograd.manual_seed(seed)
        layers = [nn.Linear(width, width).double() for _ in range(depth)]
        probe = StateProbe()
        h, acts = x, []
        for i, layer in enumerate(layers):
            init(layer.weight)
            nn.init.zeros_(layer.bias)
            h = probe(layer(h).relu(), i)
            acts.append(float(h.data.std()))
        (h * v).sum().backward()
        out[name] = {"act_std": acts,
                     "grad_std": [float(probe.leaves[i].grad.data.std()) for i in range(depth)],
                     "weight_grad_std": [float(lay.weight.grad.data.std()) for lay in layers]}
    return out


def run_experiment(quick: bool = True, seed: int = 0, out_dir=None) -> dict:
    """All three experiments; returns their figures (plain floats and lists) and, with out_dir
    and matplotlib, the paths of the PNG plots under "plots"."""
    long_dep = _long_dependency(quick, seed)
    explode = _exploding(quick, seed)
    init = _deep_relu(quick, seed)
    result = {"long_dependency": _listify(long_dep), "exploding": _listify(explode),
              "init": init, "plots": []}
    if out_dir is not None:
        out_dir = Path(out_dir)
        plots = [
            plot_curves(long_dep["grad_norm"], out_dir / "grad_norm_long_dependency.png",
                        "||dL/dh_t||, label at t = 0, loss at t = 99", "t", "||dL/dh_t||"),
            plot_curves({"tanh RNN, gain 3": explode["grad_norm"]},
                        out_dir / "grad_norm_exploding.png", "exploding: ||dL/dh_t||", "t",
                        "||dL/dh_t||"),
            plot_curves({k: init[k]["act_std"] for k in ("xavier", "he", "bad_std_0.01")},
                        out_dir / "init_activation_std.png", "deep ReLU MLP: activation std",
                        "layer", "std"),
            plot_curves({k: init[k]["grad_std"] for k in ("xavier", "he", "bad_std_0.01")},
                        out_dir / "init_gradient_std.png", "deep ReLU MLP: dL/dh std",
                        "layer", "std"),
        ]
        result["plots"] = [p for p in plots if p is not None]
    return result


def _listify(d):
    return {k: (_listify(v) if isinstance(v, dict) else
                v.tolist() if isinstance(v, np.ndarray) else v) for k, v in d.items()}


def summary_lines(res: dict) -> list:
    """The measured figures of run_experiment(), one claim of the notes per line."""
    ld, ex = res["long_dependency"], res["exploding"]
    lines = [f"long dependency (label at t = 0 of {ld['steps']}), log10 ||dL/dh_0|| / "
             f"||dL/dh_last||: " + ", ".join(f"{k} {v:.2f}" for k, v in ld["decay_orders"].items()),
             f"exploding (tanh RNN, W_hh ~ N(0, {ex['gain']}^2 / H)): ||dL/dh_t|| grows "
             f"{ex['growth_orders']:.2f} orders over {ex['steps']} steps; parameter grad norm "
             f"{ex['param_grad_norm']:.3g} -> {ex['clipped_grad_norm']:.3g} after clip_grad_norm_"]
    for k, r in ex["sgd"].items():
        steps = [float(f"{v:.3g}") for v in r["step_norm"]]
        lines.append(f"  SGD lr {ex['lr']} {k:>9}: step norms {steps}, ||W_hh|| "
                     f"{ex['weight_hh_norm_at_init']:.3g} -> {r['weight_hh_norm']:.3g}, "
                     f"loss {[round(v, 3) for v in r['loss']]}")
    init = res["init"]
    for k in ("xavier", "he", "bad_std_0.01"):
        r = init[k]
        lines.append(f"deep ReLU MLP ({init['depth']} x {init['width']}), {k}: activation std "
                     f"layer 1 {r['act_std'][0]:.3g} -> last {r['act_std'][-1]:.3g}; dL/dh std "
                     f"layer 1 {r['grad_std'][0]:.3g} -> last {r['grad_std'][-1]:.3g}")
    return lines


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(prog="python -m benchmarks.diagnostics")
    ap.add_argument("--full", action="store_true", help="bigger sizes (slower)")
    ap.add_argument("--out-dir", default=None, help="write PNG plots here")
    args = ap.parse_args()
    res = run_experiment(quick=not args.full, out_dir=args.out_dir)
    print("\n".join(summary_lines(res)))
    print("plots:", res["plots"])
