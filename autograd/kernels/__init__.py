"""numba kernels: ndarray in, ndarray out. Nothing here knows about Tensor or autograd.

Transcendentals (exp, tanh) stay in numpy's vectorized ufuncs: numba here has no SVML, so a
libm call inside a jitted loop is scalar and several times slower. Kernels fuse the
surrounding arithmetic, which vectorizes.
"""
from .activation import (relu_backward, leaky_relu_forward, leaky_relu_backward,
                         sigmoid_forward, sigmoid_backward, tanh_backward)
from .softmax import softmax_lastdim, log_softmax_lastdim, softmax_backward_lastdim, \
    log_softmax_backward_lastdim

__all__ = ["relu_backward", "leaky_relu_forward", "leaky_relu_backward", "sigmoid_forward",
           "sigmoid_backward", "tanh_backward", "softmax_lastdim", "log_softmax_lastdim",
           "softmax_backward_lastdim", "log_softmax_backward_lastdim"]
