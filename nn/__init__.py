"""Neural-network layers built from the engine's differentiable ops, with PyTorch's names."""
from .module import Module, ModuleDict, ModuleList, Parameter, Sequential
from . import init
from .activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Step, Tanh
from .linear import Flatten, Identity, Linear, Unflatten
from .perceptron import Perceptron, PerceptronFit
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from . import utils
from . import functional
from .conv import Conv1d, Conv2d
from .dropout import Dropout
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .pooling import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d
from .sparse import Embedding
from .attention import Attention
from .seq2seq import Decoder, Encoder, Seq2Seq
from .transformer import MultiheadAttention, PositionalEncoding
from .transformer import TransformerEncoder, TransformerEncoderLayer
from .activation import CELU, ELU, GELU, SELU, Hardtanh, LogSigmoid, Mish, ReLU6, SiLU, Softplus, Softsign  # noqa: E402,F401,E501
from .normalization import GroupNorm  # noqa: E402,F401
from .dropout import Dropout1d, Dropout2d, Dropout3d  # noqa: E402,F401
from .loss import HuberLoss, KLDivLoss, SmoothL1Loss  # noqa: E402,F401
from .conv_transpose import ConvTranspose1d, ConvTranspose2d  # noqa: E402,F401
from .upsample import PixelShuffle, PixelUnshuffle, Upsample, UpsamplingBilinear2d, UpsamplingNearest2d  # noqa: E402,F401,E501
