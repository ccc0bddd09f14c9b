"""Adaptive softmax (Grave et al., 2017): a log-likelihood over many classes that computes the
frequent classes in full and the rare ones through small low-rank clusters, with PyTorch's
AdaptiveLogSoftmaxWithLoss arguments, parameter names and outputs."""
from __future__ import annotations

from collections import namedtuple

import autograd
from autograd import Tensor

from . import functional as F
from .linear import Linear
from .module import Module, ModuleList, Sequential

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Classes [0, cutoffs[0]) form the head's shortlist; each later range
    [cutoffs[i], cutoffs[i+1]) is a cluster with one head logit and its own projection
    in_features -> in_features // div_value**(i+1) -> cluster size.  log p(class in cluster i)
    = log p_head(cluster i) + log p_cluster_i(class).

    forward(input (N, in_features) or (in_features,), target (N,) or ()) returns
    (output, loss): output is each row's log-probability of its target, loss is -output.mean().
    log_prob(input) gives all n_classes log-probabilities; predict(input) the most likely class.
    """

    def __init__(self, in_features: int, n_classes: int, cutoffs, div_value: float = 4.0,
                 head_bias: bool = False, device=None, dtype=None):
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted "
                             "in an increasing order, where each value is between 1 and "
                             "n_classes-1")
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters

        factory = {"device": device, "dtype": dtype}
        self.head = Linear(in_features, self.head_size, bias=head_bias, **factory)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hidden, bias=False, **factory),
                                        Linear(hidden, size, bias=False, **factory)))

    def reset_parameters(self) -> None:
        self.head.reset_parameters()
        for projection, output in self.tail:
            projection.reset_parameters()
            output.reset_parameters()

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        batched = self._check_pair(input_, target_)
        input, target = (input_, target_) if batched else (input_.unsqueeze(0),
                                                           target_.unsqueeze(0))
        rows = target.size(0)
        # The head scores each row's shortlist class, or the cluster its class falls in;
        # a row in cluster i adds its within-cluster log-probability from tail[i].
        head_index = target.detach().clone()
        output = input.new_zeros(rows)
        bounds = [0] + self.cutoffs
        seen = 0
        for i, (low, high) in enumerate(zip(bounds, bounds[1:])):
            in_range = (target >= low) & (target < high)
            where = in_range.nonzero().flatten()
            if where.numel() == 0:
                continue
            seen += where.numel()
            if i == 0:
                continue
            head_index[where] = self.shortlist_size + i - 1
            local = F.log_softmax(self.tail[i - 1](input.index_select(0, where)), dim=1)
            picked = local.gather(1, (target[where] - low).unsqueeze(1)).squeeze(1)
            output = output.index_add(0, where, picked)
        if seen != rows:
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but "
                               f"values in range [{target.min().item()}, "
                               f"{target.max().item()}] were found. ")
        head = F.log_softmax(self.head(input), dim=1)
        output = output + head.gather(1, head_index.unsqueeze(1)).squeeze(1)
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _check_pair(self, input, target) -> bool:
        """Whether the pair is batched; torch's errors for shapes that do not go together."""
        if target.dim() == 1:
            if input.size(0) != target.size(0):
                raise RuntimeError("AdaptiveLogSoftmaxWithLoss: input and target should have "
                                   "the same size in the batch dimension, got input "
                                   f"{tuple(input.shape)} and target {tuple(target.shape)}")
            if input.dim() != 2:
                raise RuntimeError("AdaptiveLogSoftmaxWithLoss: 1D target tensor expects 2D "
                                   f"input tensors, but found inputs with size "
                                   f"{tuple(input.shape)}")
            return True
        if target.dim() == 0:
            if input.dim() != 1:
                raise RuntimeError("AdaptiveLogSoftmaxWithLoss: 0D target tensor expects 1D "
                                   f"input tensors, but found inputs with size "
                                   f"{tuple(input.shape)}")
            return False
        raise RuntimeError("AdaptiveLogSoftmaxWithLoss: 0D or 1D target tensor expected, "
                           f"multi-target not supported (target {tuple(target.shape)})")

    def _full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        head = F.log_softmax(head_output, dim=1)
        parts = [head[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster = F.log_softmax(self.tail[i](input), dim=1)
            parts.append(cluster + head[:, self.shortlist_size + i].unsqueeze(1))
        return autograd.cat(parts, dim=1)

    def log_prob(self, input: Tensor) -> Tensor:
        """log-probabilities of all n_classes: (N, n_classes), or (n_classes,) for a 1-D input."""
        batched = input.dim() > 1
        rows = input if batched else input.unsqueeze(0)
        out = self._full_log_prob(rows, self.head(rows))
        return out if batched else out.squeeze(0)

    def predict(self, input: Tensor) -> Tensor:
        """The most likely class of each row, (N,) or () for a 1-D input; the clusters run only
        for rows whose best head logit is a cluster's."""
        batched = input.dim() > 1
        rows = input if batched else input.unsqueeze(0)
        head_output = self.head(rows)
        best = autograd.argmax(head_output, dim=1)
        outside = best >= self.shortlist_size
        if bool(outside.any()):
            full = self._full_log_prob(rows[outside], head_output[outside])
            best[outside] = autograd.argmax(full, dim=1)
        return best if batched else best.squeeze(0)
