"""linear_cross_entropy (PyTorch >= 2.13): cross-entropy of the logits a linear layer makes,
as nn.functional.linear_cross_entropy and nn.LinearCrossEntropyLoss.

Computed as its definition, cross_entropy(linear(input)): torch's chunked path (`options`),
which saves memory by never holding all the logits, is not implemented; an `options` value
is accepted and the result is the same, with the logits' memory."""
from __future__ import annotations

import dataclasses
import math

from autograd import Tensor
from autograd.torch_errors import ArgumentError

from . import functional as F
from .linear import Linear
from .loss import _WeightedLoss

__all__ = ["linear_cross_entropy", "LinearCrossEntropyLoss", "LinearCrossEntropyOptions"]


@dataclasses.dataclass(frozen=True)
class LinearCrossEntropyOptions:
    """torch's options of the chunked path, kept for code that passes them (see above)."""

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: str | None = "auto"
    acc_dtype: object = None


def linear_cross_entropy(input: Tensor, linear_weight: Tensor, target: Tensor, *,
                         linear_bias=None, weight=None, reduction: str = "mean",
                         ignore_index=None, label_smoothing: float = 0.0, options=None):
    """cross_entropy(input @ W^T + b, target).  input: (N, in) or (in,); linear_weight:
    (C, *out_features, in) makes logits (N, C, *out_features); linear_bias: (C,
    *out_features); target: class indices (N, *out_features) / (N,) / (), or probabilities of
    the logits' shape.  ignore_index None is -100 (and must be None for probabilities)."""
    op = "linear_cross_entropy"
    if not 1 <= input.dim() <= 2:
        raise ArgumentError(f"{op}: expected input with dimensionality 1 or 2, got "
                            f"{input.dim()} (shape {tuple(input.shape)})")
    if linear_weight.dim() < 2:
        raise ArgumentError(f"{op}: expected linear_weight with dimensionality at least 2, "
                            f"got {linear_weight.dim()}")
    batch, in_features = tuple(input.shape[:-1]), input.shape[-1]
    if linear_weight.shape[-1] != in_features:
        raise ArgumentError(f"{op}: expected equal input and linear_weight last dimensions "
                            f"(in_features), got {in_features} and {linear_weight.shape[-1]}, "
                            f"respectively")
    classes, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (classes,) + out_features:
        raise ArgumentError(f"{op}: expected linear_bias shape {(classes,) + out_features}, "
                            f"got {tuple(linear_bias.shape)}")
    if out_features and not batch:
        raise ArgumentError(f"{op}: K-dimensional loss defined by linear_weight shape "
                            f"{tuple(linear_weight.shape)} requires batched input, "
                            f"(N, {in_features}), got unbatched input with shape "
                            f"{tuple(input.shape)}")
    logits_shape = batch + (classes,) + out_features
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise ArgumentError(f"{op}: ignore_index cannot be specified when target contains "
                            f"probabilities")
    rows = math.prod((classes,) + out_features)
    logits = F.linear(input, linear_weight.reshape(rows, in_features),
                      None if linear_bias is None else linear_bias.reshape(rows))
    return F.cross_entropy(logits.reshape(logits_shape), target, weight=weight,
                           ignore_index=-100 if ignore_index is None else ignore_index,
                           reduction=reduction, label_smoothing=label_smoothing)


class LinearCrossEntropyLoss(_WeightedLoss):
    """A Linear(in_features, num_classes * prod(out_features)) layer (`self.linear`, its
    weight stored flat as torch's) followed by cross-entropy; see linear_cross_entropy."""

    def __init__(self, in_features: int, num_classes: int, *, out_features=(),
                 bias: bool = False, device=None, dtype=None, reduction: str = "mean",
                 weight=None, ignore_index=None, label_smoothing: float = 0.0, options=None):
        if weight is not None and tuple(weight.shape) != (num_classes,):
            raise ArgumentError(f"LinearCrossEntropyLoss: expected weight shape "
                                f"{(num_classes,)}, got {tuple(weight.shape)}")
        if not 0.0 <= label_smoothing <= 1.0:
            raise ArgumentError(f"LinearCrossEntropyLoss: expected label_smoothing to be in "
                                f"range [0, 1], got {label_smoothing}")
        super().__init__(weight, None, None, reduction)
        self.num_classes, self.out_features = num_classes, tuple(out_features)
        self.ignore_index, self.label_smoothing, self.options = (ignore_index, label_smoothing,
                                                                 options)
        self.linear = Linear(in_features, math.prod(self.out_features, start=num_classes),
                             bias=bias, device=device, dtype=dtype)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        w = self.linear.weight.reshape((self.num_classes,) + self.out_features
                                       + (self.linear.in_features,))
        b = self.linear.bias
        if b is not None:
            b = b.reshape((self.num_classes,) + self.out_features)
        return linear_cross_entropy(input, w, target, linear_bias=b, weight=self.weight,
                                    reduction=self.reduction, ignore_index=self.ignore_index,
                                    label_smoothing=self.label_smoothing, options=self.options)

    def extra_repr(self) -> str:
        return (f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
                f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
                f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
                f"label_smoothing={self.label_smoothing}, options={self.options}")
