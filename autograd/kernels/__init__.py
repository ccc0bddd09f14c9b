"""numba kernels: ndarray in, ndarray out. Nothing here knows about Tensor or autograd.

Transcendentals (exp, tanh) stay in numpy's vectorized ufuncs: numba here has no SVML, so a
libm call inside a jitted loop is scalar and several times slower. Kernels fuse the
surrounding arithmetic, which vectorizes.
"""
import os

import numba

# numba's OpenMP pool, once started, spins on the cores and slowed PyTorch's OpenMP threads in
# the same process 70x here (an elementary-op LSTM step: 14 ms -> 1,000 ms with 2 threads).
# The workqueue layer does not spin. NUMBA_THREADING_LAYER still chooses, when set.
if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"

from .activation import (hardtanh_backward, relu_forward, relu_backward, leaky_relu_forward,
                         leaky_relu_backward, sigmoid_forward, sigmoid_backward, tanh_backward)
from .softmax import softmax_lastdim, log_softmax_lastdim, softmax_backward_lastdim, \
    log_softmax_backward_lastdim

__all__ = ["hardtanh_backward", "relu_forward", "relu_backward", "leaky_relu_forward", "leaky_relu_backward",
           "sigmoid_forward", "sigmoid_backward", "tanh_backward", "softmax_lastdim",
           "log_softmax_lastdim", "softmax_backward_lastdim", "log_softmax_backward_lastdim"]
