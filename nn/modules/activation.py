"""torch.nn.modules.activation's names for the engine's classes, defined in nn/activation.py,
nn/activation_more.py, nn/layers_more.py, nn/multihead_attention.py."""
from ..activation import (
    CELU, ELU, GELU, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, Mish, ReLU, ReLU6, SELU,
    Sigmoid, SiLU, Softmax, Softplus, Softsign, Tanh)
from ..activation_more import (
    Hardshrink, RReLU, Softmax2d, Softmin, Softshrink, Tanhshrink, Threshold)
from ..layers_more import GLU, Hardsigmoid, Hardswish, PReLU
from ..multihead_attention import MultiheadAttention

__all__ = ["Threshold", "ReLU", "RReLU", "Hardtanh", "ReLU6", "Sigmoid", "Hardsigmoid", "Tanh",
           "SiLU", "Mish", "Hardswish", "ELU", "CELU", "SELU", "GLU", "GELU",
           "Hardshrink", "LeakyReLU", "LogSigmoid", "Softplus", "Softshrink",
           "MultiheadAttention", "PReLU", "Softsign", "Tanhshrink", "Softmin",
           "Softmax", "Softmax2d", "LogSoftmax"]
