"""Rosenblatt's perceptron: the classic mistake-driven rule, and a differentiable surrogate."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import autograd
from autograd import Tensor

from .linear import _check_features, _dtype
from .module import Module, Parameter


@dataclass
class PerceptronFit:
    """What `Perceptron.fit` did: converged (an epoch without mistakes), epochs run, and the
    number of mistakes in each epoch."""

    converged: bool
    epochs: int
    mistakes: list = field(default_factory=list)


def _as_array(x, name):
    arr = x.data if isinstance(x, Tensor) else np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"Perceptron.fit: {name} must be numeric, got dtype {arr.dtype}")
    return arr


class Perceptron(Module):
    """z = x @ weight + bias, y_hat = step(z) = 1 if z >= 0 else 0.

    x: (N, in_features) -> forward: logits z (N,);  predict: labels in {0, 1} (N,).
    weight: (in_features,), bias: (1,), both zero at the start (the classic rule needs no
    random init, and the logistic surrogate is convex).

    Two ways to train it:
    - `fit(X, y)`: the perceptron rule, w += lr (y - y_hat) x, b += lr (y - y_hat), applied
      only on mistakes, until an epoch has none (converges iff the data is linearly separable).
    - any optimizer on a loss of `forward`, which returns the logits z so that
      `BCEWithLogitsLoss()(model(x), y)` trains it as logistic regression (the sigmoid
      surrogate of the step); `predict_proba` gives sigmoid(z).
    """

    def __init__(self, in_features: int, device=None, dtype=None):
        super().__init__()
        _check_features("Perceptron", in_features=in_features)
        dt = _dtype(dtype)
        self.in_features = int(in_features)
        self.weight = Parameter(np.zeros((in_features,), dt))
        self.bias = Parameter(np.zeros((1,), dt))
        self.history = None

    def _check_input(self, x: Tensor, op: str) -> Tensor:
        if not isinstance(x, Tensor):
            x = autograd.tensor(np.asarray(x), dtype=self.weight.dtype)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"Perceptron.{op}: expected input of shape (N, {self.in_features}), "
                             f"got {tuple(x.shape)}")
        if x.dtype != self.weight.dtype:
            raise TypeError(f"Perceptron.{op}: input dtype {x.dtype} does not match the weight "
                            f"dtype {self.weight.dtype}")
        return x

    def forward(self, x: Tensor) -> Tensor:
        """Logits z = x @ weight + bias.  (N, in_features) -> (N,)."""
        x = self._check_input(x, "forward")
        return autograd.matmul(x, self.weight) + self.bias

    @autograd.no_grad()
    def predict_proba(self, x) -> Tensor:
        """sigmoid(z), the surrogate's probability of class 1.  (N, in_features) -> (N,)."""
        return autograd.sigmoid(self.forward(x))

    @autograd.no_grad()
    def predict(self, x) -> Tensor:
        """step(z): labels 0. or 1. in the weight dtype.  (N, in_features) -> (N,)."""
        return autograd.step(self.forward(x))

    def fit(self, X, y, epochs: int = 100, lr: float = 1.0, shuffle: bool = False,
            generator=None) -> PerceptronFit:
        """The perceptron rule over (X: (N, in_features), y: (N,) in {0, 1}) for at most
        `epochs` passes; stops after the first pass without a mistake. Returns the record
        (also kept in `self.history`)."""
        X = _as_array(X, "X")
        y = _as_array(y, "y").reshape(-1) if np.ndim(y) else _as_array(y, "y")
        if X.ndim != 2 or X.shape[1] != self.in_features:
            raise ValueError(f"Perceptron.fit: X must have shape (N, {self.in_features}), got "
                             f"{tuple(X.shape)}")
        if y.shape != (X.shape[0],):
            raise ValueError(f"Perceptron.fit: y must have shape ({X.shape[0]},) to match X of "
                             f"shape {tuple(X.shape)}, got {tuple(np.shape(y))}")
        if not np.all((y == 0) | (y == 1)):
            raise ValueError(f"Perceptron.fit: labels must be 0 or 1, got values "
                             f"{np.unique(y)[:10].tolist()}")
        if not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"Perceptron.fit: epochs must be a non-negative integer, got "
                             f"{epochs!r}")
        if not lr > 0:
            raise ValueError(f"Perceptron.fit: lr must be positive, got {lr!r}")
        dt = self.weight.dtype
        X, y = X.astype(dt), y.astype(dt)
        w, b = self.weight.data.copy(), self.bias.data.copy()
        rng = generator if generator is not None else autograd.creation.default_generator()
        record = PerceptronFit(converged=False, epochs=0)
        for _ in range(epochs):
            order = rng.permutation(len(X)) if shuffle else range(len(X))
            mistakes = 0
            for i in order:
                y_hat = 1 if X[i] @ w + b[0] >= 0 else 0
                if y_hat != y[i]:
                    step = dt.type(lr * (y[i] - y_hat))
                    w += step * X[i]
                    b += step
                    mistakes += 1
            record.epochs += 1
            record.mistakes.append(mistakes)
            if mistakes == 0:
                record.converged = True
                break
        with autograd.no_grad():
            self.weight.copy_(w)
            self.bias.copy_(b)
        self.history = record
        return record

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}"
