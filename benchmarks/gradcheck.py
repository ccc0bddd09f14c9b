"""Model-level gradient check from the command line: BPTT against finite differences.

    python -m benchmarks.gradcheck --model lstm --seq-len 6 --hidden 4
    python -m benchmarks.gradcheck --model seq2seq --attention additive

Prints three tables and exits with status 1 when any check fails:
- parameters, and inputs x, h0 (c0 for LSTM) run from a nonzero initial state: the gradient of
  the model's own forward (the fused LSTMSequence / GRUSequence / RNNSequence ops; the
  seq2seq decoder runs them one step per call) against central differences, and ("vs
  unrolled") against the gradient of the unrolled per-step graph (nn.tbptt.unroll), which must
  agree to rounding: a wrong fused backward fails there, named;
- states: dL/dh_t (and dL/dc_t) per step of the unrolled graph against central differences,
  which places an error in time for the composed ops (the fused ops are not in that graph):
  a gradient flowing back through a wrong op is wrong at every earlier step, so the rows fail
  from t = 0 up to the step k whose op is wrong, printed as "latest failing step".
`summary()` gives one row per model for the benchmark report.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

import numpy as np

import autograd
import nn
from autograd import Tensor
from nn.tbptt import unroll

MODELS = ("rnn", "lstm", "gru", "seq2seq")
ATTENTIONS = ("dot", "general", "additive")


class RecurrentRegressor(nn.Module):
    """A recurrent layer and a Linear head on every step: x (L, N, I) -> (L, N, 1)."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn
        self.head = nn.Linear(rnn.hidden_size * rnn.num_directions, 1)

    def forward(self, x, hx=None):
        return self.head(self.rnn(x, hx)[0])

    def probed(self, probe, x, hx=None):
        """The same forward, unrolled, every hidden state passed through probe(state, key)."""
        return self.head(unroll(self.rnn, x, hx, probe=probe)[0])


def _hx(states):
    """The layer's initial state from the trailing inputs: (h0,) -> h0, (h0, c0) -> (h0, c0)."""
    return states[0] if len(states) == 1 else tuple(states)


def _mse(m, x, y, *hx):
    return ((m(x, _hx(hx)) - y) ** 2).mean()


def _mse_probed(m, probe, x, y, *hx):
    return ((m.probed(probe, x, _hx(hx)) - y) ** 2).mean()


# --------------------------------------------------------------------- seq2seq
def _nll(logits, tgt):
    """Mean negative log-likelihood of tgt[:, 1:] under logits (N, T-1, V)."""
    n, steps, _ = logits.shape
    logp = logits.log_softmax(-1)
    picked = logp[np.arange(n)[:, None], np.arange(steps)[None, :], tgt.data[:, 1:]]
    return -picked.mean()


def _seq2seq_loss(m, src, tgt):
    logits, _ = m(src, tgt, teacher_forcing_ratio=1.0)
    return _nll(logits, tgt)


def _prefixed(probe, prefix, t=None):
    """Keys ("enc", "h", layer, dir, t); a decoder runs one step per call, so t is given."""
    def p(state, key):
        return probe(state, (prefix,) + (key if t is None else key[:3] + (t,)))
    return p


def _seq2seq_probed(m, probe, src, tgt):
    """Seq2Seq.forward with teacher forcing, encoder and decoder unrolled with probes."""
    enc, dec = m.encoder, m.decoder
    outputs, state = unroll(enc.rnn, enc.embedding(src), probe=_prefixed(probe, "enc"))
    states = state if enc.cell == "lstm" else (state,)
    top = states[0][-2:] if enc.bidirectional else states[0][-1:]
    summary = autograd.cat(list(top), dim=1)
    if enc.bidirectional:
        n, h = states[0].shape[1], enc.hidden_size
        states = tuple(s.reshape(enc.num_layers, 2, n, h).sum(1) for s in states)
    state = states if enc.cell == "lstm" else states[0]
    cache = None if dec.attention is None else dec.attention.precompute(outputs)
    token, all_logits = tgt[:, 0], []
    for t in range(1, tgt.shape[1]):
        if dec.attention is None:
            context = summary
        else:
            query = (state[0] if dec.cell == "lstm" else state)[-1]
            context, _ = dec.attention(query, outputs, None, cache)
        x = autograd.cat([dec.embedding(token), context], dim=1).unsqueeze(0)
        out, state = unroll(dec.rnn, x, state, probe=_prefixed(probe, "dec", t - 1))
        all_logits.append(dec.out(autograd.cat([out[0], context], dim=1)))
        token = tgt[:, t]
    return _nll(autograd.stack(all_logits, 1), tgt)


# --------------------------------------------------------------------- cases
@dataclass
class Case:
    """A model, its loss (model, *inputs) -> scalar, the probed loss, the inputs, their names
    and those whose gradient is checked too."""
    name: str
    model: object
    loss_fn: object
    probed_loss_fn: object
    inputs: tuple
    input_names: tuple = None
    check_inputs: tuple = ()


def build_case(model="lstm", seq_len=5, hidden=4, attention="dot", batch=2, input_size=3,
               num_layers=1, bidirectional=False, nonlinearity="tanh", cell="lstm", vocab=7,
               seed=0, unfused=False) -> Case:
    """A tiny float32 model and inputs for the check (which runs on a float64 copy). RNN, LSTM
    and GRU start from a random nonzero state: inputs (x, y, h0[, c0]), of which x, h0 and c0
    are checked; seq2seq takes (src, tgt) tokens, its decoder starting from the encoder's state.

    unfused: run the recurrent layers on their composed per-step graph instead of their fused
    whole-sequence ops (the per-step table always uses the composed, unrolled graph).
    """
    case = _build(model, seq_len, hidden, attention, batch, input_size, num_layers,
                  bidirectional, nonlinearity, cell, vocab, seed)
    if unfused:
        for m in case.model.modules():
            if hasattr(m, "fused"):
                m.fused = False
        case.name += "-unfused"
    return case


def _build(model, seq_len, hidden, attention, batch, input_size, num_layers, bidirectional,
           nonlinearity, cell, vocab, seed):
    if model not in MODELS:
        raise ValueError(f"gradcheck: model must be one of {MODELS}, got {model!r}")
    autograd.manual_seed(seed)
    rng = np.random.default_rng(seed)
    if model == "seq2seq":
        if attention not in ATTENTIONS + ("none",):
            raise ValueError(f"gradcheck: attention must be one of {ATTENTIONS} or 'none', "
                             f"got {attention!r}")
        from nn import seq2seq
        enc = seq2seq.Encoder(vocab, 3, hidden, num_layers, cell=cell,
                                 bidirectional=bidirectional)
        dec = seq2seq.Decoder(vocab, 3, hidden, enc.output_size, num_layers, cell=cell,
                                 attention=None if attention == "none" else attention)
        net = seq2seq.Seq2Seq(enc, dec, sos_idx=0, eos_idx=1)
        src = Tensor(rng.integers(2, vocab, (batch, seq_len)))
        tgt = rng.integers(2, vocab, (batch, seq_len + 1))
        tgt[:, 0] = 0
        name = f"seq2seq-{cell}-{attention}"
        return Case(name, net, _seq2seq_loss, _seq2seq_probed, (src, Tensor(tgt)),
                    ("src", "tgt"))
    cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[model]
    kw = {"nonlinearity": nonlinearity} if model == "rnn" else {}
    rnn = cls(input_size, hidden, num_layers, bidirectional=bidirectional, **kw)
    net = RecurrentRegressor(rnn)
    x = Tensor(rng.standard_normal((seq_len, batch, input_size)).astype(np.float32))
    y = Tensor(rng.standard_normal((seq_len, batch, 1)).astype(np.float32))
    state_shape = (num_layers * rnn.num_directions, batch, hidden)
    states = ("h0", "c0") if model == "lstm" else ("h0",)
    hx = tuple(Tensor(0.5 * rng.standard_normal(state_shape).astype(np.float32))
               for _ in states)
    name = (model if model != "rnn" else f"rnn-{nonlinearity}") + \
        (f"-{num_layers}layers" if num_layers > 1 else "") + ("-bidir" if bidirectional else "")
    return Case(name, net, _mse, _mse_probed, (x, y) + hx, ("x", "y") + states,
                ("x",) + states)


def run_case(case: Case, **check_kw):
    """check_model_gradients on a case -> ModelCheckReport."""
    return autograd.check_model_gradients(case.model, case.loss_fn, case.inputs,
                                          probed_loss_fn=case.probed_loss_fn, name=case.name,
                                          input_names=case.input_names,
                                          check_inputs=case.check_inputs,
                                          probed_name="unrolled", **check_kw)


def summary(models=MODELS, attentions=ATTENTIONS, seq_len=4, hidden=4, seed=0) -> list:
    """One row per model (seq2seq once per attention type): dicts with model, params_checked
    (parameter tensors), inputs_checked (x, h0, c0), states_checked (hidden states over all
    steps), worst_rel_error (against finite differences), agrees_with_unrolled (every checked
    gradient of the model's forward equals the unrolled graph's to rounding),
    latest_failing_step (per state, the latest step whose row failed, or "-"), ok."""
    rows = []
    for model in models:
        for att in (attentions if model == "seq2seq" else (None,)):
            case = build_case(model, seq_len, hidden, attention=att, seed=seed)
            rep = run_case(case)
            rows.append({"model": case.name, "params_checked": len(rep.params),
                         "inputs_checked": len(rep.inputs), "states_checked": len(rep.states),
                         "worst_rel_error": rep.worst_rel_error,
                         "agrees_with_unrolled": not rep.disagree,
                         "latest_failing_step": rep.step_line(), "ok": rep.ok})
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.gradcheck",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=MODELS, default="lstm")
    ap.add_argument("--seq-len", type=int, default=5)
    ap.add_argument("--hidden", type=int, default=4)
    ap.add_argument("--attention", choices=ATTENTIONS + ("none",), default="dot",
                    help="seq2seq only")
    ap.add_argument("--cell", choices=("lstm", "gru"), default="lstm", help="seq2seq only")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--input-size", type=int, default=3)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--bidirectional", action="store_true")
    ap.add_argument("--nonlinearity", choices=("tanh", "relu"), default="tanh", help="rnn only")
    ap.add_argument("--eps", type=float, default=1e-6)
    ap.add_argument("--atol", type=float, default=1e-7)
    ap.add_argument("--rtol", type=float, default=1e-5)
    ap.add_argument("--max-elements", type=int, default=32,
                    help="elements checked per parameter or input before sampling")
    ap.add_argument("--max-state-elements", type=int, default=4,
                    help="elements checked per hidden state (plus one random direction when "
                         "sampled); the per-step check costs O(seq_len^2) steps")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--unfused", action="store_true",
                    help="run RNN/LSTM/GRU on the composed per-step graph, not the fused ops")
    args = ap.parse_args(argv)
    for flag in ("seq_len", "hidden", "batch", "input_size", "layers", "max_elements",
                 "max_state_elements"):
        if getattr(args, flag) <= 0:
            ap.error(f"--{flag.replace('_', '-')} must be positive")
    case = build_case(args.model, args.seq_len, args.hidden, args.attention, args.batch,
                      args.input_size, args.layers, args.bidirectional, args.nonlinearity,
                      args.cell, seed=args.seed, unfused=args.unfused)
    report = run_case(case, eps=args.eps, atol=args.atol, rtol=args.rtol,
                      max_elements_per_param=args.max_elements,
                      max_elements_per_state=args.max_state_elements, seed=args.seed)
    print(report)
    if not report.ok:
        # the state rows differentiate the unrolled graph, which does not run the fused ops
        why = " (the state rows differentiate the unrolled graph only)" \
            if report.states and not report.latest_failing_steps else ""
        print(f"\nfailed parameters: {', '.join(report.failed) or '-'}; failed inputs: "
              f"{', '.join(report.failed_inputs) or '-'}; latest failing step: "
              f"{report.step_line()}{why}")
        if report.disagree:
            print(f"the model's forward disagrees with the unrolled graph on "
                  f"{', '.join(report.disagree)}; ops only in the model's graph: "
                  f"{', '.join(report.model_only_ops) or 'none'}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
