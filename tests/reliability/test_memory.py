"""The graph and its saved arrays are freed after backward (and when a graph is dropped without
one): resident memory stays flat over many training steps of an LSTM (batch 32, sequence 50,
input 32, hidden 128)."""
from __future__ import annotations

import gc
import os

import numpy as np

import autograd
import nn
import optim
from autograd import saved
from nn import functional as F

PAGE = os.sysconf("SC_PAGE_SIZE")
WARMUP, STEPS = 10, 60


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def _slope(samples) -> float:
    """Least-squares growth of RSS per step, in bytes."""
    return float(np.polyfit(np.arange(len(samples)), np.asarray(samples, float), 1)[0])


def _model_and_data():
    autograd.manual_seed(0)
    lstm, head = nn.LSTM(32, 128), nn.Linear(128, 10)
    params = list(lstm.parameters()) + list(head.parameters())
    rng = np.random.default_rng(0)
    x = autograd.tensor(rng.standard_normal((50, 32, 32)).astype(np.float32))
    y = autograd.tensor(rng.integers(0, 10, (32,)))
    return lstm, head, params, x, y


def _measure(step) -> tuple:
    for _ in range(WARMUP):
        step()
    gc.collect()
    samples = []
    for _ in range(STEPS):
        step()
        samples.append(rss_bytes())
    return _slope(samples), samples[-1] - samples[0]


def test_training_steps_keep_resident_memory_flat():
    lstm, head, params, x, y = _model_and_data()
    opt = optim.Adam(params, lr=1e-3)
    losses = []

    def step():
        opt.zero_grad()
        out, _ = lstm(x)
        loss = F.cross_entropy(head(out[-1]), y)
        loss.backward()
        opt.step()
        losses.append(loss)  # keeping the loss tensor must not keep its graph's arrays

    slope, growth = _measure(step)
    # one step's saved arrays are several MB: a leak of even one per step would show
    assert slope < 20_000, f"RSS grows {slope / 1e3:.1f} kB per step"
    assert growth < 4_000_000, f"RSS grew {growth / 1e6:.1f} MB over {STEPS} steps"
    assert not saved._guards, "saved arrays still registered after backward"
    assert all(p.data.flags.writeable for p in params)


def test_forwards_whose_graph_is_dropped_keep_memory_flat():
    lstm, head, params, x, y = _model_and_data()

    def step():
        out, _ = lstm(x)
        head(out[-1]).sum()  # recorded, never back-propagated, dropped at once

    slope, growth = _measure(step)
    assert slope < 20_000, f"RSS grows {slope / 1e3:.1f} kB per step"
    assert growth < 4_000_000, f"RSS grew {growth / 1e6:.1f} MB over {STEPS} steps"
    assert not saved._guards and not saved._pending and not saved._waiting
