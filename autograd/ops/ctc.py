"""Connectionist temporal classification loss (numba kernels in kernels/ctc.py)."""
from __future__ import annotations

import numpy as np

from ..function import Function
from ..kernels import ctc as K


class CTCLoss(Function):
    """nll[n] = -log sum over the alignments of target n of prod_t exp(log_probs[t, n, a_t]),
    by the alpha recursion;  dlog_probs by the beta recursion, as PyTorch computes it:

        dlog_probs[t, n, c] = g[n] * (exp(log_probs[t, n, c]) - gamma[t, n, c])   (t < il[n])

    gamma[t, n, c] = sum over the states s with label c of alpha[t, s] beta[t, s] / p(target n)
    is the posterior probability that frame t emits c. The exact derivative of nll in
    log_probs is -g * gamma; the extra g * exp(log_probs) makes this the gradient in the logits
    when log_probs = log_softmax(logits) (PyTorch's convention, and ours): log_softmax's VJP
    subtracts softmax * sum_c(grad), and sum_c(exp(lp) - gamma) = 1 - 1 = 0 on normalized rows,
    so either form gives the same logit gradient, softmax - gamma. Finite differences in
    log_probs themselves give -g * gamma. Frames t >= il[n] get 0; with zero_infinity, samples
    whose nll is inf get 0 (and a loss of 0); without it their gradient is nan.

    log_probs: (T, N, C) float32/float64 -> (N,); targets: flat int64 labels, sample n's at
    offsets[n] : offsets[n] + target_lengths[n]; the lengths (N,) int64. Arguments are
    checked by nn.functional.ctc_loss; the op trusts them.
    """

    @staticmethod
    def forward(ctx, log_probs, targets, offsets, target_lengths, input_lengths, blank=0,
                zero_infinity=False):
        nll, la = K.ctc_alpha(log_probs, targets, offsets, target_lengths, input_lengths, blank)
        ctx.save_for_backward(log_probs, la, nll)
        ctx.labels = (targets, offsets, target_lengths, input_lengths, blank)
        ctx.zero_infinity = zero_infinity
        if zero_infinity:
            return np.where(nll == np.inf, nll.dtype.type(0), nll)
        return nll

    @staticmethod
    def backward(ctx, g):
        log_probs, la, nll = ctx.saved
        targets, offsets, target_lengths, input_lengths, blank = ctx.labels
        g = np.broadcast_to(np.asarray(g, log_probs.dtype), nll.shape)
        return (K.ctc_grad(log_probs, targets, offsets, target_lengths, input_lengths, blank,
                           la, nll, g, ctx.zero_infinity),)
