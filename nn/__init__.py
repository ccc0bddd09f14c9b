"""Neural-network layers built from the engine's differentiable ops, with PyTorch's names."""
from .module import Module, ModuleDict, ModuleList, Parameter, Sequential
from .parameter import Buffer
from .parameter_containers import ParameterDict, ParameterList  # noqa: F401
from .containers import Container  # noqa: F401
from . import functional, init, utils
from .activation import (CELU, ELU, GELU, SELU, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, Mish,
                         ReLU, ReLU6, Sigmoid, SiLU, Softmax, Softplus, Softsign, Step, Tanh)
from .attention import Attention
from .conv import Conv1d, Conv2d
from .conv_transpose import ConvTranspose1d, ConvTranspose2d
from .dropout import Dropout, Dropout1d, Dropout2d, Dropout3d
from .linear import Flatten, Identity, Linear, Unflatten
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss,
                   MSELoss, NLLLoss, NLLLoss2d, SmoothL1Loss)
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, LayerNorm
from .perceptron import Perceptron, PerceptronFit
from .pooling import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .seq2seq import Decoder, Encoder, Seq2Seq
from .sparse import Embedding, EmbeddingBag
from .transformer import (MultiheadAttention, PositionalEncoding, TransformerEncoder,
                          TransformerEncoderLayer)
from .upsample import (PixelShuffle, PixelUnshuffle, Upsample, UpsamplingBilinear2d,
                       UpsamplingNearest2d)
from .transformer_decoder import (Transformer, TransformerDecoder,  # noqa: F401
                                  TransformerDecoderLayer)
from .layers_more import (GLU, AdaptiveAvgPool1d, AdaptiveMaxPool1d,  # noqa: F401
                          AdaptiveMaxPool2d, AdaptiveMaxPool3d, CircularPad1d,
                          CircularPad2d, ConstantPad1d, ConstantPad2d, Hardsigmoid, Hardswish, InstanceNorm1d,
                          InstanceNorm2d, InstanceNorm3d, LocalResponseNorm, PReLU,
                          ReflectionPad1d, ReflectionPad2d, ReplicationPad1d,
                          ReplicationPad2d, RMSNorm, ZeroPad1d, ZeroPad2d, ReflectionPad3d,
                          ReplicationPad3d, CircularPad3d)
from .fold import *  # noqa: F401,F403
from .loss_more import *  # noqa: F401,F403
from .activation_more import *  # noqa: F401,F403
from .loss_ctc import CTCLoss  # noqa: F401
from .adaptive import AdaptiveLogSoftmaxWithLoss  # noqa: F401
from .linear_cross_entropy import LinearCrossEntropyLoss, LinearCrossEntropyOptions  # noqa: F401
from .fractional_pool import FractionalMaxPool2d, FractionalMaxPool3d  # noqa: F401
from .layers_more import CrossMapLRN2d  # noqa: F401
from .conv_transpose3d import ConvTranspose3d  # noqa: F401
from .lazy import UninitializedBuffer, UninitializedParameter  # noqa: F401
from .lazy_layers import *  # noqa: F401,F403  (LazyLinear, LazyConv*d, LazyBatchNorm*d, ...)
from . import parallel  # noqa: F401  (torch.nn.parallel)
from . import tbptt  # noqa: F401,E402  (nn.tbptt.truncated_bptt, nn.tbptt.unroll)
from .parallel import DataParallel  # noqa: F401
from .sync_batchnorm import SyncBatchNorm  # noqa: F401
from . import modules  # noqa: F401,E402  (torch.nn.modules import paths: nn.modules.conv, ...)
