"""CTCLoss: the connectionist temporal classification loss module over F.ctc_loss."""
from __future__ import annotations

from autograd import Tensor

from .functional_ctc import ctc_loss
from .loss import _Loss

__all__ = ["CTCLoss"]


class CTCLoss(_Loss):
    """-log p(target | log_probs) over all alignments, reduced (see F.ctc_loss).

    log_probs: (T, N, C) or (T, C); targets: padded (N, S) or concatenated (sum of
    target_lengths,); input_lengths, target_lengths: (N,) -> 0-d ('mean', 'sum') or (N,).
    """

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False):
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs: Tensor, targets, input_lengths, target_lengths) -> Tensor:
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                        self.reduction, self.zero_infinity)
