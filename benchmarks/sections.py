"""The report's sections. Each takes the run context and returns rows (dicts); a missing
module raises Missing (the row says "skipped: ..."), anything else is recorded as an error."""
from __future__ import annotations

import inspect
import time
import traceback
import warnings

import numpy as np

import autograd
from autograd.data import DataLoader, TensorDataset

from . import data as D
from . import models as M
from .train import fit_classifier, progress
from .util import Missing, need

# Published figures: MNIST-1D paper (Greydanus 2020) and the mnist1d repo notebook (6,000
# steps); Fashion-MNIST README benchmark.
PAPER = {"logistic": 0.32, "mlp": 0.68, "cnn": 0.94, "gru": 0.91}
NOTEBOOK = {"linear": 0.315, "mlp": 0.651, "cnn": 0.923, "gru": 0.891}
FASHION = {"mlp": 0.883, "cnn": 0.916}


def _subset(split, n):
    """The first n training rows (tiny mode); the test half is kept whole."""
    if n is None or n >= len(split.x):
        return split
    return D.Split(split.x[:n], split.y[:n], split.x_test, split.y_test, split.name)


def _sk_perceptron(split):
    from sklearn.linear_model import Perceptron
    return float(Perceptron(random_state=0).fit(split.x, split.y).score(split.x_test,
                                                                          split.y_test))


def _sk_mlp(split, hidden, max_iter):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(hidden, max_iter=max_iter, random_state=0)
        x = split.x.reshape(len(split.x), -1)
        return float(clf.fit(x, split.y).score(split.x_test.reshape(len(split.x_test), -1),
                                               split.y_test))


_LIVE = {}


def _live(fn, split, *args):
    """A live scikit-learn reference (computed once per run), or None without scikit-learn."""
    key = (fn.__name__, split.name, split.y.tobytes(), *args)
    if key not in _LIVE:
        try:
            _LIVE[key] = fn(split, *args)
        except ImportError:
            _LIVE[key] = None
    return _LIVE[key]


def _row(section, model, dataset, refs=(), **kw):
    return {"section": section, "model": model, "dataset": dataset, "refs": list(refs), **kw}


def _train_row(ctx, section, model_name, dataset, build, split, steps, refs=(), **fit_kw):
    """Build a model (Missing -> skipped row), train it, and return its row."""
    try:
        autograd.manual_seed(ctx.seed)
        model = build()
        res = fit_classifier(model, split, steps, seed=ctx.seed, quiet=ctx.quiet,
                             desc=f"{model_name} {dataset}", **fit_kw)
    except Missing as e:
        return _row(section, model_name, dataset, refs, status=f"skipped: {e} missing")
    except Exception as e:  # one broken model must not hide the other rows of its section
        traceback.print_exc()
        return _row(section, model_name, dataset, refs, status=f"error: {type(e).__name__}: {e}")
    return _row(section, model_name, dataset, refs, status="ok", **res)


# --------------------------------------------------------------------- sections
def perceptron(ctx):
    """The perceptron rule (nn.Perceptron.fit) against scikit-learn's Perceptron."""
    rows = []
    for split in (D.load_iris_setosa(ctx.seed), D.load_breast_cancer(ctx.seed)):
        refs = [("scikit-learn Perceptron (live)", _live(_sk_perceptron, split))]
        try:
            (Perceptron,) = need("nn.Perceptron")
        except Missing as e:
            rows.append(_row("perceptron", "perceptron rule", split.name, refs,
                             status=f"skipped: {e} missing"))
            continue
        model, t0 = Perceptron(split.x.shape[1]), time.perf_counter()
        fit = model.fit(split.x, split.y.astype(np.float32), epochs=ctx.cfg["perceptron_epochs"],
                        lr=1.0)
        pred = np.asarray(model.predict(split.x_test).data).astype(np.int64)
        rows.append(_row("perceptron", "perceptron rule", split.name, refs, status="ok",
                         test_acc=float((pred == split.y_test).mean()),
                         steps=int(getattr(fit, "epochs", 0)),
                         seconds=time.perf_counter() - t0, notes=f"converged={getattr(fit, 'converged', '?')}"))
    return rows


def mlp(ctx):
    c = ctx.cfg
    digits = _subset(D.load_digits(ctx.seed), c["subset"])
    m1 = _subset(ctx.mnist1d(), c["subset"])
    return [
        _train_row(ctx, "mlp", "MLP 64-128-128-10", "digits", lambda: M.mlp([64, 128, 128, 10]),
                   digits, c["digits_steps"], lr=1e-3, batch=64,
                   refs=[("scikit-learn MLPClassifier(100) (live)",
                          _live(_sk_mlp, digits, (100,), c["sk_iter"]))]),
        _train_row(ctx, "mlp", "MLP 40-100-100-10", "mnist1d", lambda: M.mlp([40, 100, 100, 10]),
                   m1, c["mnist1d_steps"], lr=1e-2, batch=100,
                   refs=[("MNIST-1D paper MLP", PAPER["mlp"]),
                         ("mnist1d notebook MLP", NOTEBOOK["mlp"]),
                         ("MNIST-1D paper logistic", PAPER["logistic"]),
                         ("mnist1d notebook linear", NOTEBOOK["linear"]),
                         ("scikit-learn MLPClassifier(100, 100) (live)",
                          _live(_sk_mlp, m1, (100, 100), c["sk_iter"]))]),
    ]


def cnn(ctx):
    c = ctx.cfg
    digits = _subset(D.load_digits(ctx.seed), c["subset"])
    m1 = _subset(ctx.mnist1d(), c["subset"])
    return [
        _train_row(ctx, "cnn", "CNN 2x(conv3-pool2)", "digits", lambda: M.cnn2d(8), digits,
                   c["digits_steps"], lr=1e-3, batch=64,
                   refs=[("scikit-learn MLPClassifier(100) (live)",
                          _live(_sk_mlp, digits, (100,), c["sk_iter"]))]),
        _train_row(ctx, "cnn", "CNN 3x conv1d (ConvBase)", "mnist1d", M.cnn1d, m1,
                   c["mnist1d_steps"], lr=1e-2, batch=100,
                   refs=[("MNIST-1D paper CNN", PAPER["cnn"]),
                         ("mnist1d notebook CNN", NOTEBOOK["cnn"])]),
    ]


def rnn(ctx):
    c = ctx.cfg
    m1 = _subset(ctx.mnist1d(), c["subset"])
    refs = [("MNIST-1D paper GRU", PAPER["gru"]), ("mnist1d notebook GRU", NOTEBOOK["gru"])]
    return [_train_row(ctx, "rnn", f"{kind}({c['rnn_hidden']}) over 40 steps", "mnist1d",
                       lambda kind=kind: M.RecurrentClassifier(kind, c["rnn_hidden"]), m1,
                       c["rnn_steps"], lr=c["rnn_lr"], batch=100, refs=refs)
            for kind in ("LSTM", "GRU")]


def transformer(ctx):
    c = ctx.cfg
    m1 = _subset(ctx.mnist1d(), c["subset"])
    return [_train_row(ctx, "transformer", "Transformer x2 on patches of 4 (d=64)", "mnist1d",
                       M.TransformerClassifier, m1, c["transformer_steps"], lr=3e-3, batch=100,
                       refs=[("MNIST-1D paper CNN", PAPER["cnn"]),
                             ("MNIST-1D paper MLP", PAPER["mlp"])])]


def fashion(ctx):
    c = ctx.cfg
    name = "fashion-mnist"
    try:
        split = D.load_fashion_mnist(ctx.data_dir, c["fashion_train"], c["fashion_test"])
    except D.DataUnavailable as e:
        ctx.log(f"  skipped: {e}")
        return [_row("fashion", m, name, status=f"skipped: {e}") for m in ("MLP", "CNN")]
    flat = lambda a: a.reshape(len(a), -1)  # noqa: E731
    return [
        _train_row(ctx, "fashion", "MLP 784-256-128-10", name, lambda: M.mlp([784, 256, 128, 10]),
                   split, c["fashion_mlp_steps"], lr=1e-3, batch=100, x_fn=flat,
                   refs=[("Fashion-MNIST README MLPClassifier", FASHION["mlp"])]),
        _train_row(ctx, "fashion", "CNN 2x(conv3-pool2)", name, lambda: M.cnn2d(28), split,
                   c["fashion_cnn_steps"], lr=1e-3, batch=100, x_fn=flat,
                   refs=[("Fashion-MNIST README 2-conv CNN", FASHION["cnn"])]),
    ]


def seq2seq(ctx):
    """Date translation with a dot-attention seq2seq; exact-match accuracy by greedy decoding."""
    c = ctx.cfg
    dates = D.load_dates(c["dates_train"], c["dates_test"], ctx.seed)
    name = "seq2seq LSTM + dot attention"
    try:
        Adam, CrossEntropyLoss = need("optim.Adam", "nn.CrossEntropyLoss")
        autograd.manual_seed(ctx.seed)
        model = M.date_translator(len(dates.src_vocab), len(dates.tgt_vocab),
                                  hidden=c["s2s_hidden"])
    except Missing as e:
        return [_row("seq2seq", name, "dates", status=f"skipped: {e} missing")]
    opt = Adam(model.parameters(), lr=3e-3)
    loss_fn = CrossEntropyLoss(ignore_index=0)
    loader = DataLoader(TensorDataset(dates.src, dates.tgt), batch_size=64, shuffle=True,
                        drop_last=True, seed=ctx.seed)
    steps, curve, run = c["s2s_steps"], [], []
    bar = progress(steps, "seq2seq dates", ctx.quiet)
    t0, c0, step = time.perf_counter(), time.process_time(), 0
    while step < steps:
        for src, tgt in loader:
            logits, _ = model(src, tgt)
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt[:, 1:].reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            run.append(float(loss.item()))
            step += 1
            if step % max(1, steps // 50) == 0 or step == steps:
                curve.append((step, float(np.mean(run))))
                bar.set_postfix_str(f"loss {np.mean(run):.3f}")
                run = []
            bar.update()
            if step >= steps:
                break
    bar.close()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    ids, attn = model.greedy_decode(dates.src_test, dates.tgt.shape[1] - 1)
    ids, attn = ids.data, attn.data
    guesses = [dates.tgt_vocab.decode(r) for r in ids]
    truth = [t for _, t in dates.pairs_test]
    exact = float(np.mean([g == t for g, t in zip(guesses, truth)]))
    chars = float(np.mean([sum(a == b for a, b in zip(g.ljust(10), t)) / 10
                           for g, t in zip(guesses, truth)]))
    ctx.attention = [(dates.pairs_test[i][0], guesses[i],
                      attn[i, :len(guesses[i]) + 1, :len(dates.pairs_test[i][0])])
                     for i in range(min(4, len(guesses)))]
    samples = [f"{s!r} -> {g!r}" for (s, _), g in zip(dates.pairs_test[:5], guesses[:5])]
    return [_row("seq2seq", name, "dates", [("exact match of a perfect translator", 1.0)],
                 status="ok", test_acc=exact, char_acc=chars, loss_curve=curve, steps=steps,
                 seconds=seconds, cpu_seconds=cpu, notes="; ".join(samples))]


def speed(ctx):
    from . import speed as S
    return S.run(ctx.cfg["speed"], ctx.threads, ctx.log)


def resources(ctx):
    """Peak memory of a T=1,000 BPTT step and start-up time, each in a fresh process."""
    from . import resources as R
    return R.run(ctx.mode, ctx.threads, ctx.log)


def gradcheck(ctx):
    """Rows of benchmarks.gradcheck.summary() (BPTT gradient checks), when it exists."""
    try:
        from . import gradcheck as G
        summary = G.summary
    except (ImportError, AttributeError):
        return [{"skipped": "benchmarks.gradcheck.summary missing"}]
    kwargs = {}
    if ctx.mode == "tiny" and "seq_len" in inspect.signature(summary).parameters:
        kwargs["seq_len"] = 3
    try:
        rows = summary(**kwargs)
    except Missing as e:
        return [{"skipped": f"{e} missing"}]
    return [r if isinstance(r, dict) else {"row": str(r)} for r in rows]


def diagnostics(ctx):
    """Vanishing/exploding gradients and initialization, measured (benchmarks.diagnostics)."""
    from . import diagnostics as D
    res = D.run_experiment(quick=ctx.mode != "full", seed=ctx.seed, out_dir=ctx.out)
    res["lines"] = D.summary_lines(res)
    return res


SECTIONS = {"perceptron": perceptron, "mlp": mlp, "cnn": cnn, "rnn": rnn, "seq2seq": seq2seq,
            "transformer": transformer, "fashion": fashion, "gradcheck": gradcheck,
            "diagnostics": diagnostics, "speed": speed, "resources": resources}
TRAINING = ("perceptron", "mlp", "cnn", "rnn", "seq2seq", "transformer", "fashion")
