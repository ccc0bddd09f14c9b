"""Training and evaluation loops shared by the benchmark sections."""
from __future__ import annotations

import sys
import time

import numpy as np

import autograd
from autograd.data import DataLoader, TensorDataset

from .util import need


def progress(total, desc, quiet):
    """A tqdm bar on a TTY (a no-op object otherwise, or with --quiet, or without tqdm)."""
    if not quiet and sys.stderr.isatty():
        try:
            from tqdm import tqdm
            return tqdm(total=total, desc=desc, leave=False, dynamic_ncols=True)
        except ImportError:
            pass
    return _NoBar()


class _NoBar:
    def update(self, n=1):
        pass

    def set_postfix_str(self, s):
        pass

    def close(self):
        pass


def _batches(loader):
    """Endless batches, a new shuffle each epoch."""
    while True:
        yield from loader


@autograd.no_grad()
def predict(model, x, batch=500) -> np.ndarray:
    """argmax of model(x) over the last dim, in batches: x (N, ...) -> (N,) int64."""
    was = model.training
    model.eval()
    out = [model(autograd.from_numpy(x[i:i + batch])).argmax(-1).data
           for i in range(0, len(x), batch)]
    model.train(was)
    return np.concatenate(out)


def accuracy(model, x, y) -> float:
    return float((predict(model, x) == y).mean())


def fit_classifier(model, split, steps, batch=100, lr=1e-2, weight_decay=0.0, seed=0,
                   desc="train", quiet=False, eval_every=None, x_fn=None):
    """Adam on cross-entropy for `steps` minibatches of split.x/split.y.

    Returns {"test_acc", "train_acc", "loss_curve": [(step, mean loss)], "steps", "seconds",
    "cpu_seconds" (all threads), "best_test_acc", "test_acc_curve"}. x_fn maps the float32 inputs (N, ...) before they reach the model.
    """
    Adam, CrossEntropyLoss = need("optim.Adam", "nn.CrossEntropyLoss")
    x_fn = x_fn or (lambda a: a)
    x_tr, x_te = x_fn(split.x), x_fn(split.x_test)
    opt = Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = CrossEntropyLoss()
    loader = DataLoader(TensorDataset(x_tr, split.y), batch_size=min(batch, len(x_tr)),
                        shuffle=True, drop_last=True, seed=seed)
    every = max(1, steps // 50)
    eval_every = eval_every or max(1, steps // 5)
    curve, evals, run_loss, run_n = [], [], 0.0, 0
    bar = progress(steps, desc, quiet)
    t0, c0 = time.perf_counter(), time.process_time()
    model.train()
    for step, (xb, yb) in zip(range(1, steps + 1), _batches(loader)):
        loss = loss_fn(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        value = float(loss.item())
        if not np.isfinite(value):
            raise FloatingPointError(f"{desc}: loss became {value} at step {step}")
        run_loss, run_n = run_loss + value, run_n + 1
        if step % every == 0 or step == steps:
            curve.append((step, run_loss / run_n))
            bar.set_postfix_str(f"loss {run_loss / run_n:.3f}")
            run_loss, run_n = 0.0, 0
        if step % eval_every == 0 or step == steps:
            evals.append((step, accuracy(model, x_te, split.y_test)))
        bar.update()
    bar.close()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"test_acc": evals[-1][1], "best_test_acc": max(a for _, a in evals),
            "train_acc": accuracy(model, x_tr, split.y), "loss_curve": curve,
            "test_acc_curve": evals, "steps": steps, "seconds": seconds,
            "cpu_seconds": cpu}
