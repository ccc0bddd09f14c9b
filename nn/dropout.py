"""Dropout and channel dropout (Dropout1d/2d/3d): zero elements, or whole channels, with
probability p in training, scaling the rest by 1 / (1 - p)."""
from __future__ import annotations

from autograd import Tensor

from . import functional as F
from .module import Module


class Dropout(Module):
    """x: (*) -> (*); the identity in eval mode. Masks come from autograd's generator."""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: probability has to be between 0 and 1, "
                             f"but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    """Zero whole channels.  x: (N, C, L) or (C, L) -> same; the identity in eval mode."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(Dropout):
    """Zero whole channels x[n, c].  x: (N, C, H, W) -> same (a 3-D input is taken as
    (N, C, L), as in PyTorch); the identity in eval mode."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(Dropout):
    """Zero whole channels.  x: (N, C, D, H, W) or (C, D, H, W) -> same; the identity in
    eval mode."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout3d(input, self.p, self.training, self.inplace)
