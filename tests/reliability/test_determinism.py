"""The same seed gives bit-identical losses over 100 training steps of an LSTM and of a CNN
(dropout, Adam, numba's parallel conv/pool drivers on), in this process and in a fresh one."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import autograd
import nn
import optim
from autograd.kernels import conv as conv_kernels
from nn import functional as F

STEPS = 100
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class _Tagger(nn.Module):
    """LSTM over (L, N, 4) -> per-step logits over 3 tags."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 8, num_layers=2, dropout=0.2)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out)


def train_lstm(seed: int) -> list:
    autograd.manual_seed(seed)
    model = _Tagger()
    opt = optim.Adam(model.parameters(), lr=1e-2)
    rng = np.random.default_rng(seed)
    x = autograd.tensor(rng.standard_normal((6, 3, 4)).astype(np.float32))
    y = autograd.tensor(rng.integers(0, 3, (6 * 3,)))
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = F.cross_entropy(model(x).reshape(-1, 3), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    return losses


def train_cnn(seed: int) -> list:
    autograd.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(4, 4, 3), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(),
                          nn.Dropout(0.3), nn.Linear(4, 2))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.default_rng(seed)
    x = autograd.tensor(rng.standard_normal((4, 1, 8, 8)).astype(np.float32))
    y = autograd.tensor(rng.integers(0, 2, (4,)))
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


@pytest.fixture
def parallel(monkeypatch):
    monkeypatch.setattr(conv_kernels, "PARALLEL", True)


def _bits(losses):
    return np.asarray(losses, np.float32).view(np.uint32).tolist()


@pytest.mark.parametrize("train", [train_lstm, train_cnn])
def test_same_seed_same_losses_in_process(train, parallel):
    first, second = train(0), train(0)
    assert len(first) == STEPS and np.all(np.isfinite(first))
    assert _bits(first) == _bits(second)
    assert first[-1] < first[0]  # it trains
    assert _bits(train(1)) != _bits(first)  # and the seed matters


def test_same_seed_same_losses_in_a_fresh_process(parallel):
    code = ("import json, sys; sys.path[:0] = [sys.argv[1]]; "
            "from autograd.kernels import conv; conv.PARALLEL = True; "
            "from tests.reliability.test_determinism import train_lstm, train_cnn; "
            "print(json.dumps([train_lstm(0), train_cnn(0)]))")
    env = dict(os.environ, PYTHONHASHSEED="123", AUTOGRAD_PARALLEL="1")
    out = subprocess.run([sys.executable, "-c", code, ROOT], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    lstm, cnn = json.loads(out.stdout.strip().splitlines()[-1])
    assert _bits(lstm) == _bits(train_lstm(0))
    assert _bits(cnn) == _bits(train_cnn(0))
